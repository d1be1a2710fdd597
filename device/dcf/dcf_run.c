/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Start-up of the DCF: open the flash and the RoT, load dcf.conf, gather
 * device ID, evidence and free space, then hand over to dcf_session_run.
 * Anything the DCF needs to be trusted (its key, the H(e)MS anchor, its
 * counter) failing is MAYDAY_EXIT_DCF_CONFIG; missing evidence is not: the
 * DCF still reports, with a default reason.
 */
#include "dcf_run.h"

#include <limits.h>
#include <string.h>

#include "cpe_info.h"

#include "dcf_config.h"
#include "dcf_remediate.h"
#include "dcf_report.h"
#include "exit_codes.h"
#include "hal/flash.h"
#include "hal/rot.h"
#include "hal/rot_agent.h"
#include "ipsec_daemon.h"
#include "log.h"
#include "tx/dcf_tx.h"

static int on_acked(void *ctx, const struct mayday_ack *ack)
{
	return dcf_remediate_run(ctx, ack) == DCF_REMEDIATE_REBOOT ? MAYDAY_EXIT_REBOOT : 0;
}

/* The partition's own mayday-rot-agent for a backend this program does not
 * link (tpm2 in the static DCF): it, its loader and its libraries are
 * partition files the TrE measured (docs/dcf-partition.md). */
static enum mayday_err open_rot(struct hal_flash *flash, const struct dcf_run_opts *opts,
				struct hal_rot **rot)
{
	char agent[PATH_MAX];
	enum mayday_err rc = hal_flash_path(flash, HAL_PART_DCF, HAL_ROT_AGENT_NAME, agent,
					    sizeof(agent));

	if (rc != MAYDAY_OK)
		return rc;
	agent[strlen(agent) - strlen("/" HAL_ROT_AGENT_NAME)] = '\0';
	struct hal_rot_agent_cmd cmd = { .dir = agent, .from_dir = true,
					 .device_dir = opts->device_dir,
					 .flash_spec = opts->flash_spec };
	return hal_rot_open_via(rot, opts->rot_spec, flash, HAL_ROT_ROLE_DCF, &cmd);
}

int dcf_run(const struct dcf_run_opts *opts, struct dcf_stats *stats)
{
	struct dcf_stats local;
	struct hal_flash *flash = NULL;
	struct hal_rot *rot = NULL;
	struct ipsec_daemon *ike = NULL;
	EVP_PKEY *hems = NULL;
	struct dcf_config cfg;
	struct dcf_config_error cerr;
	struct mayday_signer signer;
	struct mayday_evidence ev;
	struct mayday_diag diag;
	char device_id[MAYDAY_DEVICE_ID_MAX + 1];
	const char *ev_name = opts->evidence_name ? opts->evidence_name
						  : DCF_EVIDENCE_DEFAULT_NAME;
	int exit_code = MAYDAY_EXIT_DCF_CONFIG;
	enum mayday_err rc;

	if (!stats)
		stats = &local;
	memset(stats, 0, sizeof(*stats));
	rc = hal_flash_open(&flash, opts->device_dir, opts->flash_spec);
	if (rc != MAYDAY_OK) {
		log_info("cannot open the device flash at %s: %s", opts->device_dir,
			mayday_strerror(rc));
		goto out;
	}
	rc = dcf_config_load(flash, &cfg, &cerr);
	if (rc != MAYDAY_OK) {
		log_info("%s rejected: %s%s%s (%s)", DCF_CONFIG_NAME, cerr.what ? cerr.what : "",
			cerr.key[0] ? " at " : "", cerr.key, mayday_strerror(rc));
		goto out;
	}
	rc = open_rot(flash, opts, &rot);
	if (rc == MAYDAY_OK)
		rc = hal_rot_device_id(rot, device_id);
	if (rc == MAYDAY_OK)
		rc = hal_rot_signer(rot, &signer);
	if (rc == MAYDAY_OK)
		rc = hal_rot_anchor(rot, HAL_ROT_ANCHOR_HEMS, &hems);
	if (rc != MAYDAY_OK) {
		log_info("RoT unusable: %s", mayday_strerror(rc));
		goto out;
	}
	rc = dcf_report_load_evidence(flash, ev_name, &ev, &diag);
	if (rc != MAYDAY_OK && diag.what)
		log_info("no usable evidence in %s/%s (%s: %s at byte %zu); reporting reason %s",
			HAL_PART_RUN, ev_name, mayday_strerror(rc), diag.what, diag.offset,
			mayday_reason_name(ev.reason));
	else if (rc != MAYDAY_OK)
		log_info("no usable evidence in %s/%s (%s); reporting reason %s", HAL_PART_RUN,
			ev_name, mayday_strerror(rc), mayday_reason_name(ev.reason));

	/* The partition's IKE daemon, if [ipsec] wants it: a failure leaves the
	 * ipsec method without a tunnel (it says so at each try), the others work. */
	if (ipsec_daemon_start(flash, &cfg, &ike) != MAYDAY_OK)
		ike = NULL;

	const struct dcf_tx_ops *methods[DCF_METHODS_MAX];
	for (unsigned i = 0; i < cfg.n_methods; i++)
		methods[i] = dcf_tx_find(cfg.methods[i]); /* dcf_config_load checked each */
	struct dcf_tx_env env = { .cfg = &cfg, .flash = flash, .rot = rot };
	uint64_t free_space = cpe_info_free_space(hal_flash_device_dir(flash));
	struct dcf_remediate remediation = {
		.flash = flash,
		.rot = rot,
		.cfg = &cfg,
		.device_id = device_id,
		.ev = &ev,
		.free_space = free_space,
	};
	struct dcf_session session = {
		.env = &env,
		.methods = methods,
		.n_methods = cfg.n_methods,
		.signer = &signer,
		.hems_pub = hems,
		.device_id = device_id,
		.ev = &ev,
		.free_space = free_space,
		.deadline_ms = opts->deadline_ms ? opts->deadline_ms : cfg.deadline_ms,
		.on_acked = on_acked,
		.on_acked_ctx = &remediation,
	};
	exit_code = dcf_session_run(&session, stats);
out:
	ipsec_daemon_stop(ike);
	EVP_PKEY_free(hems);
	hal_rot_close(rot);
	hal_flash_close(flash);
	return exit_code;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The DCF's remediation (see dcf_remediate.h). One CWMP session per step
 * (cpe_client: a fresh mutual-TLS connection each), so a session never
 * outlives what it was opened for. The record of the command is written by
 * cpe_download_run (DOWNLOADING before anything else, then INSTALLED or
 * FAILED) and by normal code (CONFIRMED), and removed only once an ACS has
 * answered the TransferComplete for it (here, or in cpe_client_report):
 * whatever fails in between, the same CommandKey is reported again later,
 * with the outcome its phase proves, and no new Download is taken on while
 * it is outstanding.
 */
#include "dcf_remediate.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cpe_client.h"
#include "cpe_download.h"
#include "cpe_record.h"
#include "cpe_session.h"
#include "hal/clock.h"
#include "log.h"
#include "tx_mtls.h"
#include "update_install.h"

#define DISTRESS_EVENT "X " CPE_OUI " " CWMP_EV_DISTRESS_NAME

enum mayday_err dcf_remediate_tls(const struct dcf_config *cfg, struct hal_flash *flash,
				  struct hal_rot *rot, struct net_tls **out)
{
	return tx_mtls_load("cpe", flash, rot, cfg->cwmp_ca, cfg->cwmp_cert,
			    cfg->cwmp_pin_set ? cfg->cwmp_pin_sha256 : NULL, out);
}

void dcf_remediate_client(const struct dcf_config *cfg, struct hal_flash *flash,
			  const struct net_tls *tls, const char *device_id,
			  const char *software_version, uint64_t free_space,
			  struct cpe_client *c)
{
	*c = (struct cpe_client){
		.flash = flash,
		.tls = tls,
		/* the ACS shares the H(e)MS's HTTPS listener: its name, where it is */
		.server = {
			.name = cfg->tls_server_name,
			.addr = cfg->tls_url.set && cfg->tls_url.host_is_ip ? cfg->tls_url.host
									    : NULL,
		},
		.timeout_ms = cfg->cwmp_timeout_ms,
		.info = {
			.product_class = cfg->product_class,
			.serial_number = device_id,
			.software_version = software_version,
			.dcf_version = cfg->version,
			.free_space = free_space,
			.max_image_size = cfg->max_image_size,
		},
	};
}

/* The DCF's: the image it reports is the one secure start-up found. */
static void client(const struct dcf_remediate *r, const struct net_tls *tls,
		   struct cpe_client *c)
{
	dcf_remediate_client(r->cfg, r->flash, tls, r->device_id,
			     r->ev->image_version[0] ? r->ev->image_version : "unknown",
			     r->free_space, c);
}

void dcf_remediate_leftover_fault(const struct mayday_evidence *ev, struct cwmp_fault *f)
{
	switch (ev->reason) {
	case MAYDAY_REASON_COMPONENT_MISMATCH:
	case MAYDAY_REASON_COMPONENT_MISSING:
	case MAYDAY_REASON_MANIFEST_INVALID:
	case MAYDAY_REASON_NO_BOOTABLE_SLOT:
		f->code = CWMP_CPE_FILE_CORRUPTED;
		break;
	case MAYDAY_REASON_ROLLBACK:
		f->code = CWMP_CPE_FILE_AUTH_FAILURE;
		break;
	default:
		f->code = CWMP_CPE_INTERNAL_ERROR;
		break;
	}
	snprintf(f->string, sizeof(f->string),
		 "the device restarted into its distress function: %s (slot %c, image %s, "
		 "%" PRIu32 " start-up(s))",
		 mayday_reason_name(ev->reason), ev->slot ? 'b' : 'a',
		 ev->image_version[0] ? ev->image_version : "unknown", ev->boot_attempts);
}

bool dcf_remediate_leftover_tc(const struct cpe_record *rec, const struct mayday_evidence *ev,
			       int64_t now, struct cwmp_transfer_complete *tc)
{
	bool booted = false;

	memset(tc, 0, sizeof(*tc));
	snprintf(tc->command_key, sizeof(tc->command_key), "%s", rec->command_key);
	tc->start_time = rec->start_time;
	tc->complete_time = now;
	switch (rec->phase) {
	case CPE_RECORD_INSTALLED:
		dcf_remediate_leftover_fault(ev, &tc->fault);
		break;
	case CPE_RECORD_FAILED:
		tc->fault = rec->fault;
		break;
	case CPE_RECORD_CONFIRMED:
		booted = true; /* fault 0 */
		break;
	case CPE_RECORD_DOWNLOADING:
	default:
		tc->fault.code = CWMP_CPE_DOWNLOAD_FAILURE;
		snprintf(tc->fault.string, sizeof(tc->fault.string),
			 "interrupted (restart or power loss) before the image was installed");
		break;
	}
	return booted;
}

static enum dcf_remediate_result install(const struct dcf_remediate *r,
					 const struct cpe_client *c, const char *url,
					 const struct cwmp_download *dl)
{
	const struct dcf_config *cfg = r->cfg;
	struct update_params up = {
		.product_class = cfg->product_class,
		.max_image_size = cfg->max_image_size,
		.tries = (uint8_t)cfg->boot_tries,
	};
	struct cpe_download_params dp = {
		.flash = r->flash,
		.rot = r->rot,
		.tls = c->tls,
		.server = &c->server,
		.timeout_ms = cfg->download_timeout_ms,
		.dl = dl,
		.acs_url = url,
		.start_time = (int64_t)hal_clock_wall_s(),
		.install = &up,
	};
	struct update_result res;
	struct cwmp_transfer_complete tc;

	log_info("remediation %s: downloading %" PRIu32 " bytes from %s", dl->command_key,
		 dl->file_size, dl->url);
	enum update_status st = cpe_download_run(&dp, &res);
	if (st == UPDATE_OK) {
		log_info("remediation %s: image %s installed in slot %c, pending: rebooting so "
			 "secure start-up verifies it%s%s", dl->command_key,
			 res.manifest.image_version, res.slot ? 'b' : 'a', res.detail[0] ? "; " : "",
			 res.detail);
		return DCF_REMEDIATE_REBOOT;
	}
	memset(&tc, 0, sizeof(tc));
	cpe_download_fault(&res, &tc.fault);
	log_info("remediation %s failed: fault %" PRIu32 " %s: %s", dl->command_key, tc.fault.code,
		 update_status_name(st), res.detail);
	if (st == UPDATE_E_POWER)
		return DCF_REMEDIATE_NONE; /* a device without power reports nothing */
	snprintf(tc.command_key, sizeof(tc.command_key), "%s", dl->command_key);
	tc.start_time = dp.start_time;
	tc.complete_time = (int64_t)hal_clock_wall_s();
	/* Logged; on failure the FAILED record stays and is reported later. */
	(void)cpe_client_report(c, url, &tc, false);
	return DCF_REMEDIATE_NONE;
}

/* The session the ack asked for; `rec` (NULL: none) is a leftover whose
 * failure report `tc` is made inside it. */
static enum dcf_remediate_result remediate(const struct dcf_remediate *r,
					   const struct net_tls *tls, const char *url,
					   const struct cpe_record *rec,
					   const struct cwmp_transfer_complete *tc)
{
	const char *events[3] = { DISTRESS_EVENT, CWMP_EV_TRANSFER_COMPLETE, CWMP_EV_M_DOWNLOAD };
	struct cpe_client_session q = { .url = url, .events = events, .n_events = 1,
					.refuse_reboot = true };
	struct cpe_outcome out;
	struct cpe_client c;

	client(r, tls, &c);
	if (rec) {
		q.n_events = 3;
		q.command_key = rec->command_key;
		q.tc = tc;
	}
	log_info("remediation offered: CWMP session with %s", url);
	enum mayday_err rc = cpe_client_run(&c, &q, &out); /* failures logged */
	if (rec && out.tc_acked) {
		enum mayday_err rm = cpe_record_remove(r->flash);
		log_info("reported remediation %s to %s: fault %" PRIu32 "%s%s", rec->command_key,
			 url, tc->fault.code, rm != MAYDAY_OK ? "; its record stays: " : "",
			 rm != MAYDAY_OK ? mayday_strerror(rm) : "");
	}
	if (out.download && rec && !out.tc_acked) {
		/* The session takes no request before the TransferComplete is
		 * answered; should one come, the unreported record wins. */
		log_info("CWMP session with %s: Download %s not carried out: remediation %s is "
			 "not reported yet", url, out.dl.command_key, rec->command_key);
		return DCF_REMEDIATE_NONE;
	}
	if (out.download) {
		if (rc != MAYDAY_OK)
			log_info("CWMP session with %s failed after Download %s was accepted: "
				 "carrying it out", url, out.dl.command_key);
		return install(r, &c, url, &out.dl);
	}
	if (rc == MAYDAY_OK)
		log_info("CWMP session with %s: no download offered (%" PRIu32 " request(s))", url,
			 out.requests);
	return DCF_REMEDIATE_NONE;
}

/* Loads the leftover record into *rec. true: there is one; false: none, or
 * one that cannot be decoded (removed). *blocked: it exists but cannot be
 * read now, so nothing may overwrite it. */
static bool leftover(const struct dcf_remediate *r, struct cpe_record *rec, bool *blocked)
{
	struct mayday_diag diag = { 0, NULL };
	enum mayday_err rc = cpe_record_load(r->flash, rec, &diag);

	*blocked = false;
	if (rc == MAYDAY_OK || rc == MAYDAY_E_NOTFOUND)
		return rc == MAYDAY_OK;
	if (rc == MAYDAY_E_MALFORMED || rc == MAYDAY_E_UNSUPPORTED) {
		/* Without a readable CommandKey there is nothing to report against. */
		enum mayday_err rm = cpe_record_remove(r->flash);
		log_info("remediation record unusable (%s: %s at byte %zu): %s%s",
			 mayday_strerror(rc), diag.what ? diag.what : "?", diag.offset,
			 rm == MAYDAY_OK ? "removed" : "could not be removed: ",
			 rm == MAYDAY_OK ? "" : mayday_strerror(rm));
		return false;
	}
	log_info("remediation record unreadable (%s%s%s): kept; no new remediation until it is "
		 "reported", mayday_strerror(rc), diag.what ? ": " : "", diag.what ? diag.what : "");
	*blocked = true;
	return false;
}

/* The leftover record `rec` (NULL: none) and the ack's request, with the
 * credentials `tls`. */
static enum dcf_remediate_result run(const struct dcf_remediate *r, const struct net_tls *tls,
				     const struct mayday_ack *ack, const struct cpe_record *rec)
{
	bool asked = ack->action == MAYDAY_ACTION_REMEDIATE;
	bool have = rec != NULL;
	struct cwmp_transfer_complete tc;
	bool booted = have && dcf_remediate_leftover_tc(rec, r->ev,
							(int64_t)hal_clock_wall_s(), &tc);
	/* A success needs "1 BOOT", which a distress session must not carry. */
	bool inside = have && asked && !booted && strcmp(rec->acs_url, ack->acs_url) == 0;
	if (have && !inside) {
		struct cpe_client c;
		client(r, tls, &c);
		if (cpe_client_report(&c, rec->acs_url, &tc, booted) != MAYDAY_OK) {
			if (asked)
				log_info("remediation offered at %s not taken: remediation %s (%s) "
					 "is not reported yet, and a new Download would replace it",
					 ack->acs_url, rec->command_key,
					 cpe_record_phase_name(rec->phase));
			return DCF_REMEDIATE_NONE;
		}
	}
	if (!asked)
		return DCF_REMEDIATE_NONE;
	return remediate(r, tls, ack->acs_url, inside ? rec : NULL, &tc);
}

enum dcf_remediate_result dcf_remediate_run(const struct dcf_remediate *r,
					    const struct mayday_ack *ack)
{
	bool asked = ack->action == MAYDAY_ACTION_REMEDIATE;
	struct cpe_record rec;
	bool blocked = false;

	if (!r->cfg->cwmp_enabled) {
		if (asked)
			log_info("remediation offered at %s, but [cwmp] of %s leaves this DCF "
				 "without a CWMP client", ack->acs_url, DCF_CONFIG_NAME);
		return DCF_REMEDIATE_NONE;
	}
	bool have = leftover(r, &rec, &blocked);
	if (blocked || (!have && !asked))
		return DCF_REMEDIATE_NONE;
	struct net_tls *tls = NULL;
	if (dcf_remediate_tls(r->cfg, r->flash, r->rot, &tls) != MAYDAY_OK) {
		log_info("remediation%s%s not possible: no TLS credentials for the ACS",
			 asked ? " offered at " : "", asked ? ack->acs_url : "");
		return DCF_REMEDIATE_NONE;
	}
	enum dcf_remediate_result res = run(r, tls, ack, have ? &rec : NULL);
	net_tls_free(tls);
	return res;
}

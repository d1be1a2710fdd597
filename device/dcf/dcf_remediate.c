/*
 * The DCF's remediation (see dcf_remediate.h). One CWMP session per step
 * (cpe_client: a fresh mutual-TLS connection each), so a session never
 * outlives what it was opened for. The record of the command is written by
 * cpe_download_run before the first byte is fetched and removed here only
 * once an ACS has acknowledged the TransferComplete for it: whatever
 * fails in between, the same CommandKey is reported again later.
 */
#include "dcf_remediate.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cpe_client.h"
#include "cpe_download.h"
#include "cpe_record.h"
#include "hal/clock.h"
#include "log.h"
#include "update_install.h"

#define DISTRESS_EVENT "X " CPE_OUI " " CWMP_EV_DISTRESS_NAME

static void client(const struct dcf_remediate *r, struct cpe_client *c)
{
	const struct dcf_config *cfg = r->cfg;

	*c = (struct cpe_client){
		.flash = r->flash,
		.rot = r->rot,
		.ca = cfg->cwmp_ca,
		.cert = cfg->cwmp_cert,
		.pin_sha256 = cfg->cwmp_pin_set ? cfg->cwmp_pin_sha256 : NULL,
		.timeout_ms = cfg->cwmp_timeout_ms,
		.info = {
			.product_class = cfg->product_class,
			.serial_number = r->device_id,
			.software_version = r->ev->image_version[0] ? r->ev->image_version
								    : "unknown",
			.dcf_version = cfg->version,
			.free_space = r->free_space,
			.max_image_size = cfg->max_image_size,
		},
	};
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

static void leftover_transfer(const struct dcf_remediate *r, const struct cpe_record *rec,
			      struct cwmp_transfer_complete *tc)
{
	memset(tc, 0, sizeof(*tc));
	snprintf(tc->command_key, sizeof(tc->command_key), "%s", rec->command_key);
	dcf_remediate_leftover_fault(r->ev, &tc->fault);
	tc->start_time = rec->start_time;
	tc->complete_time = (int64_t)hal_clock_wall_s();
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
		.ca = cfg->cwmp_ca,
		.cert = cfg->cwmp_cert,
		.pin_sha256 = cfg->cwmp_pin_set ? cfg->cwmp_pin_sha256 : NULL,
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
			 "secure start-up verifies it", dl->command_key, res.manifest.image_version,
			 res.slot ? 'b' : 'a');
		return DCF_REMEDIATE_REBOOT;
	}
	log_info("remediation %s failed: fault %u %s: %s", dl->command_key, update_fault_code(st),
		 update_status_name(st), res.detail);
	if (st == UPDATE_E_POWER)
		return DCF_REMEDIATE_NONE; /* a device without power reports nothing */
	memset(&tc, 0, sizeof(tc));
	snprintf(tc.command_key, sizeof(tc.command_key), "%s", dl->command_key);
	tc.fault.code = update_fault_code(st);
	snprintf(tc.fault.string, sizeof(tc.fault.string), "%s: %s", update_status_name(st),
		 res.detail);
	tc.start_time = dp.start_time;
	tc.complete_time = (int64_t)hal_clock_wall_s();
	(void)cpe_client_report(c, url, &tc, false); /* logged; the record stays on failure */
	return DCF_REMEDIATE_NONE;
}

/* The session the ack asked for; `rec` (NULL: none) is reported inside it. */
static enum dcf_remediate_result remediate(const struct dcf_remediate *r, const char *url,
					   const struct cpe_record *rec)
{
	const char *events[3] = { DISTRESS_EVENT, CWMP_EV_TRANSFER_COMPLETE, CWMP_EV_M_DOWNLOAD };
	struct cwmp_transfer_complete tc;
	struct cpe_client_session q = { .url = url, .events = events, .n_events = 1,
					.refuse_reboot = true };
	struct cpe_outcome out;
	struct cpe_client c;

	client(r, &c);
	if (rec) {
		leftover_transfer(r, rec, &tc);
		q.n_events = 3;
		q.command_key = rec->command_key;
		q.tc = &tc;
	}
	log_info("remediation offered: CWMP session with %s", url);
	if (cpe_client_run(&c, &q, &out) != MAYDAY_OK)
		return DCF_REMEDIATE_NONE;
	if (rec) {
		log_info("reported remediation %s to %s: fault %" PRIu32, rec->command_key, url,
			 tc.fault.code);
		if (cpe_record_remove(r->flash) != MAYDAY_OK)
			log_info("remediation %s reported, but its record stays (it will be "
				 "reported again)", rec->command_key);
	}
	if (out.download)
		return install(r, &c, url, &out.dl);
	log_info("CWMP session with %s: no download offered (%" PRIu32 " request(s))", url,
		 out.requests);
	return DCF_REMEDIATE_NONE;
}

enum dcf_remediate_result dcf_remediate_run(const struct dcf_remediate *r,
					    const struct mayday_ack *ack)
{
	bool asked = ack->action == MAYDAY_ACTION_REMEDIATE;
	struct cpe_record rec;
	struct mayday_diag diag;
	bool have = false;

	if (!r->cfg->cwmp_enabled) {
		if (asked)
			log_info("remediation offered at %s, but [cwmp] of %s leaves this DCF "
				 "without a CWMP client", ack->acs_url, DCF_CONFIG_NAME);
		return DCF_REMEDIATE_NONE;
	}
	enum mayday_err rc = cpe_record_load(r->flash, &rec, &diag);
	if (rc == MAYDAY_OK) {
		have = true;
	} else if (rc != MAYDAY_E_NOTFOUND) {
		/* Without a readable CommandKey there is nothing to report against. */
		log_info("remediation record unreadable (%s%s%s): removed", mayday_strerror(rc),
			 diag.what ? ": " : "", diag.what ? diag.what : "");
		if (cpe_record_remove(r->flash) != MAYDAY_OK)
			log_info("the unreadable remediation record could not be removed");
	}
	bool same = have && asked && strcmp(rec.acs_url, ack->acs_url) == 0;
	if (have && !same) {
		struct cwmp_transfer_complete tc;
		struct cpe_client c;
		client(r, &c);
		leftover_transfer(r, &rec, &tc);
		(void)cpe_client_report(&c, rec.acs_url, &tc, false); /* logged */
	}
	if (!asked)
		return DCF_REMEDIATE_NONE;
	return remediate(r, ack->acs_url, same ? &rec : NULL);
}

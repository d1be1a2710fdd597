/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Remediation report of normal code (see normal_report.h). The decision
 * (normal_report_transfer) is a pure function of the record and the running
 * image, so every rule is tested without a network; normal_report_run only
 * gathers its inputs, moves the record to CONFIRMED when the decision is a
 * success, and hands the report to cpe_client_report, which removes the
 * record once the ACS took it.
 */
#include "normal_report.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "boot_state.h"
#include "cpe_client.h"
#include "cpe_download.h"
#include "hal/clock.h"
#include "log.h"
#include "normal_cwmp.h"

bool normal_report_transfer(const struct cpe_record *rec, uint8_t slot,
			    const uint8_t digest[MAYDAY_DIGEST_LEN], const char *image_version,
			    int64_t now, struct cwmp_transfer_complete *tc)
{
	bool installed = rec->phase == CPE_RECORD_INSTALLED || rec->phase == CPE_RECORD_CONFIRMED;
	bool running = installed && rec->slot == slot &&
		       memcmp(rec->manifest_sha256, digest, MAYDAY_DIGEST_LEN) == 0;

	memset(tc, 0, sizeof(*tc));
	snprintf(tc->command_key, sizeof(tc->command_key), "%s", rec->command_key);
	tc->start_time = rec->start_time;
	tc->complete_time = now;
	if (running)
		return true; /* fault 0 */
	if (installed) {
		tc->fault.code = CWMP_CPE_INTERNAL_ERROR;
		snprintf(tc->fault.string, sizeof(tc->fault.string),
			 "the new image did not come up; the device runs its previous image "
			 "(slot %s, image %.64s)", boot_state_slot_name(slot),
			 image_version && image_version[0] ? image_version : "unknown");
	} else if (rec->phase == CPE_RECORD_FAILED) {
		tc->fault = rec->fault;
	} else {
		tc->fault.code = CWMP_CPE_DOWNLOAD_FAILURE;
		snprintf(tc->fault.string, sizeof(tc->fault.string),
			 "interrupted (restart or power loss) before the image was installed");
	}
	return false;
}

/* The record, or why there is nothing to report (logged once). A record
 * that cannot be decoded is removed: there is no CommandKey to report. */
static enum mayday_err load(struct hal_flash *f, struct cpe_record *rec)
{
	struct mayday_diag diag = { 0, NULL };
	enum mayday_err rc = cpe_record_load(f, rec, &diag);

	if (rc == MAYDAY_E_MALFORMED || rc == MAYDAY_E_UNSUPPORTED) {
		enum mayday_err rm = cpe_record_remove(f);
		log_info("remediation record unusable (%s: %s at byte %zu): %s%s",
			 mayday_strerror(rc), diag.what ? diag.what : "?", diag.offset,
			 rm == MAYDAY_OK ? "removed" : "could not be removed: ",
			 rm == MAYDAY_OK ? "" : mayday_strerror(rm));
	} else if (rc != MAYDAY_OK && rc != MAYDAY_E_NOTFOUND) {
		log_info("remediation record unreadable (%s%s%s): not reported",
			 mayday_strerror(rc), diag.what ? ": " : "", diag.what ? diag.what : "");
	}
	return rc;
}

enum mayday_err normal_report_run(const struct normal_cwmp *n, uint8_t slot)
{
	struct hal_flash *f = n->flash;
	const char *image_version = n->image_version;
	struct cpe_record rec;
	struct normal_config cfg;
	struct cwmp_transfer_complete tc;
	uint8_t digest[MAYDAY_DIGEST_LEN];
	enum mayday_err rc = load(f, &rec);

	if (rc == MAYDAY_E_NOTFOUND)
		return MAYDAY_OK;
	if (rc != MAYDAY_OK)
		return rc;
	rc = cpe_download_manifest_digest(f, slot, digest);
	if (rc != MAYDAY_OK) {
		log_info("cannot report remediation %s: the manifest of slot %s unreadable: %s",
			 rec.command_key, boot_state_slot_name(slot), mayday_strerror(rc));
		return rc;
	}
	bool success = normal_report_transfer(&rec, slot, digest, image_version,
					      (int64_t)hal_clock_wall_s(), &tc);
	if (success && rec.phase == CPE_RECORD_INSTALLED) {
		/* Before the report: a report lost now is still a success later. */
		rec.phase = CPE_RECORD_CONFIRMED;
		rc = cpe_record_save(f, &rec);
		if (rc != MAYDAY_OK)
			log_info("remediation %s: the record could not be set confirmed: %s",
				 rec.command_key, mayday_strerror(rc));
	}
	if (!success)
		log_info("remediation %s (%s) did not bring this image: reporting fault %" PRIu32
			 " %s", rec.command_key, cpe_record_phase_name(rec.phase), tc.fault.code,
			 tc.fault.string);
	struct cpe_client c;
	char what[96];
	snprintf(what, sizeof(what), "cannot report remediation %s", rec.command_key);
	struct net_tls *tls = NULL;
	rc = normal_cwmp_client(n, what, &cfg, &tls, &c);
	if (rc == MAYDAY_OK)
		rc = cpe_client_report(&c, rec.acs_url, &tc, true);
	net_tls_free(tls);
	return rc;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dcf_remediate: what a leftover remediation record is reported with, per
 * phase and, for an image that did not come up, per reason secure start-up
 * gives (pure functions); and dcf_remediate_run against the test ACS
 * (test_cpe_acs.c, mutual TLS with the RoT's key) and unreachable URLs:
 *  - a failure report made inside the distress session, the record removed
 *    only once the ACS answered the TransferComplete;
 *  - a success (CONFIRMED) reported in a session of its own with "1 BOOT"
 *    before the distress session;
 *  - a leftover whose report fails: no session that could accept a new
 *    Download; a record that cannot be read: kept, likewise; one that
 *    cannot be decoded: removed;
 *  - a Download accepted in a session that then failed is still carried out;
 *  - a DCF without a CWMP client contacts nobody and touches nothing.
 * The whole loop is tests/integration/test_remediation_loop.sh.
 */
#include <signal.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpe_record.h"
#include "cpe_session.h"
#include "cwmp.h"
#include "dcf_remediate.h"
#include "test_remed_fx.h"

/* ---- pure: the TransferComplete of a leftover record ------------------------------------- */

static void test_leftover_faults(void **state)
{
	static const struct {
		uint32_t reason;
		uint32_t code;
		const char *name;
	} cases[] = {
		{ MAYDAY_REASON_COMPONENT_MISMATCH, CWMP_CPE_FILE_CORRUPTED, "component-mismatch" },
		{ MAYDAY_REASON_COMPONENT_MISSING, CWMP_CPE_FILE_CORRUPTED, "component-missing" },
		{ MAYDAY_REASON_MANIFEST_INVALID, CWMP_CPE_FILE_CORRUPTED, "manifest-invalid" },
		{ MAYDAY_REASON_NO_BOOTABLE_SLOT, CWMP_CPE_FILE_CORRUPTED, "no-bootable-slot" },
		{ MAYDAY_REASON_ROLLBACK, CWMP_CPE_FILE_AUTH_FAILURE, "rollback" },
		{ MAYDAY_REASON_NORMAL_START_FAILED, CWMP_CPE_INTERNAL_ERROR, "normal-start-failed" },
		{ 77, CWMP_CPE_INTERNAL_ERROR, "unknown" },
	};
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct mayday_evidence ev = { .reason = cases[i].reason, .slot = 1,
					      .boot_attempts = 2 };
		struct cwmp_fault f;
		snprintf(ev.image_version, sizeof(ev.image_version), "2.0.0");
		memset(&f, 0xaa, sizeof(f));
		dcf_remediate_leftover_fault(&ev, &f);
		assert_int_equal(f.code, cases[i].code);
		assert_non_null(strstr(f.string, cases[i].name));
		assert_non_null(strstr(f.string, "slot b, image 2.0.0, 2 start-up(s)"));
		assert_true(strlen(f.string) < sizeof(f.string));
	}
	/* Nothing known about the image: said so, not left empty. */
	struct mayday_evidence ev = { .reason = MAYDAY_REASON_MANIFEST_INVALID };
	struct cwmp_fault f;
	dcf_remediate_leftover_fault(&ev, &f);
	assert_non_null(strstr(f.string, "slot a, image unknown"));
}

/* rfx_record without a network: the leftovers of the pure tests */
static void record(struct cpe_record *r, enum cpe_record_phase phase, const char *key,
		   const char *url)
{
	rfx_record(r, phase, key, url, 1, NULL);
}

static void test_leftover_tc_per_phase(void **state)
{
	struct mayday_evidence ev = { .reason = MAYDAY_REASON_COMPONENT_MISMATCH, .slot = 1,
				      .boot_attempts = 1 };
	struct cwmp_transfer_complete tc;
	struct cwmp_fault want;
	struct cpe_record r;
	(void)state;

	snprintf(ev.image_version, sizeof(ev.image_version), "2.0.0");
	/* DOWNLOADING: interrupted before the image was installed */
	record(&r, CPE_RECORD_DOWNLOADING, "rem-1-1", "https://acs.test/cwmp");
	memset(&tc, 0x77, sizeof(tc));
	assert_false(dcf_remediate_leftover_tc(&r, &ev, RFX_START + 60, &tc));
	assert_string_equal(tc.command_key, "rem-1-1");
	assert_int_equal(tc.fault.code, CWMP_CPE_DOWNLOAD_FAILURE);
	assert_string_equal(tc.fault.string,
			    "interrupted (restart or power loss) before the image was installed");
	assert_true(tc.start_time == RFX_START);
	assert_true(tc.complete_time == RFX_START + 60);
	/* INSTALLED: the image did not come up, as the TrE found it */
	record(&r, CPE_RECORD_INSTALLED, "rem-1-2", "https://acs.test/cwmp");
	assert_false(dcf_remediate_leftover_tc(&r, &ev, RFX_START + 61, &tc));
	dcf_remediate_leftover_fault(&ev, &want);
	assert_int_equal(tc.fault.code, CWMP_CPE_FILE_CORRUPTED);
	assert_string_equal(tc.fault.string, want.string);
	assert_string_equal(tc.command_key, "rem-1-2");
	/* FAILED: the stored fault, whatever the TrE says now */
	record(&r, CPE_RECORD_FAILED, "rem-1-3", "https://acs.test/cwmp");
	assert_false(dcf_remediate_leftover_tc(&r, &ev, RFX_START + 62, &tc));
	assert_int_equal(tc.fault.code, 9019);
	assert_string_equal(tc.fault.string, "file-auth-failure: signature");
	/* CONFIRMED: the image booted and confirmed itself: fault 0, "1 BOOT" */
	record(&r, CPE_RECORD_CONFIRMED, "rem-1-4", "https://acs.test/cwmp");
	assert_true(dcf_remediate_leftover_tc(&r, &ev, RFX_START + 63, &tc));
	assert_int_equal(tc.fault.code, 0);
	assert_string_equal(tc.fault.string, "");
	assert_string_equal(tc.command_key, "rem-1-4");
	assert_true(tc.start_time == RFX_START && tc.complete_time == RFX_START + 63);
}

/* ---- dcf_remediate_run against the test ACS ---------------------------------------------- */

/* What secure start-up found: slot b's component did not match. */
static const struct mayday_evidence *evidence(void)
{
	static struct mayday_evidence ev;

	memset(&ev, 0, sizeof(ev));
	ev.reason = MAYDAY_REASON_COMPONENT_MISMATCH;
	ev.slot = 1;
	ev.boot_attempts = 1;
	snprintf(ev.image_version, sizeof(ev.image_version), "2.0.0");
	return &ev;
}

static enum dcf_remediate_result run(struct rfx *t, uint32_t action, const char *acs_url)
{
	struct mayday_ack ack = { .action = action };
	const struct dcf_remediate r = { .flash = t->fx->flash, .rot = t->fx->rot,
					 .cfg = &t->fx->cfg, .device_id = TXFX_DEVICE_ID,
					 .ev = evidence(), .free_space = 1u << 30 };

	snprintf(ack.acs_url, sizeof(ack.acs_url), "%s", acs_url);
	return dcf_remediate_run(&r, &ack);
}

static void save(struct rfx *t, enum cpe_record_phase phase, const char *key, const char *url)
{
	struct cpe_record r;

	rfx_record(&r, phase, key, url, 1, NULL);
	rfx_save(t, &r);
}

#define DISTRESS "X " CPE_OUI " " CWMP_EV_DISTRESS_NAME

/* A failure left on record (FAILED, the same ACS as the ack): reported
 * inside the distress session, and removed once the ACS answered it. */
static void test_failure_reported_inside_the_session(void **state)
{
	static const char *const events[] = { DISTRESS, CWMP_EV_TRANSFER_COMPLETE,
					      CWMP_EV_M_DOWNLOAD };
	struct rfx *t = *state;
	struct cpe_record r;

	rfx_step(t, 0, CWMP_INFORM_RESPONSE, "cpe-inform");
	rfx_step(t, 1, CWMP_TRANSFER_COMPLETE_RESPONSE, "cpe-transfer-complete");
	rfx_step_204(t, 2);
	rfx_serve(t);
	save(t, CPE_RECORD_FAILED, "rem-3-1", t->url);
	assert_int_equal(run(t, MAYDAY_ACTION_REMEDIATE, t->url), DCF_REMEDIATE_NONE);
	rfx_stop(t);
	assert_int_equal(t->acs.connections, 1);
	assert_int_equal(t->acs.requests, 3);
	rfx_assert_inform(t, 0, events, 3, "rem-3-1");
	rfx_assert_tc(t, 1, "rem-3-1", 9019, NULL);
	assert_int_equal(rfx_load(t, &r), MAYDAY_E_NOTFOUND);
}

/* The same, but the ACS never answers the TransferComplete: the record stays. */
static void test_unanswered_transfer_complete_keeps_the_record(void **state)
{
	struct rfx *t = *state;
	struct cpe_record r;

	rfx_step(t, 0, CWMP_INFORM_RESPONSE, "cpe-inform"); /* then the connection closes */
	rfx_serve(t);
	save(t, CPE_RECORD_DOWNLOADING, "rem-3-2", t->url);
	assert_int_equal(run(t, MAYDAY_ACTION_REMEDIATE, t->url), DCF_REMEDIATE_NONE);
	rfx_stop(t);
	assert_true(t->acs.requests >= 2); /* the client may retry on a fresh connection */
	rfx_assert_tc(t, 1, "rem-3-2", CWMP_CPE_DOWNLOAD_FAILURE, NULL);
	assert_int_equal(rfx_load(t, &r), MAYDAY_OK);
	assert_string_equal(r.command_key, "rem-3-2");
	assert_int_equal(r.phase, CPE_RECORD_DOWNLOADING);
}

/* A success left on record (the image confirmed itself, its report was
 * lost): a session of its own with "1 BOOT" and fault 0, then the distress
 * session the ack asked for, without the TransferComplete. */
static void test_confirmed_reported_as_success_first(void **state)
{
	static const char *const report[] = { CWMP_EV_BOOT, CWMP_EV_TRANSFER_COMPLETE,
					      CWMP_EV_M_DOWNLOAD };
	static const char *const distress[] = { DISTRESS };
	struct rfx *t = *state;
	struct cpe_record r;

	rfx_step(t, 0, CWMP_INFORM_RESPONSE, "cpe-inform");
	rfx_step(t, 1, CWMP_TRANSFER_COMPLETE_RESPONSE, "cpe-transfer-complete");
	rfx_step_204(t, 2);
	rfx_step(t, 3, CWMP_INFORM_RESPONSE, "cpe-inform");
	rfx_step_204(t, 4);
	rfx_serve(t);
	save(t, CPE_RECORD_CONFIRMED, "rem-4-1", t->url);
	assert_int_equal(run(t, MAYDAY_ACTION_REMEDIATE, t->url), DCF_REMEDIATE_NONE);
	rfx_stop(t);
	assert_int_equal(t->acs.requests, 5);
	assert_int_equal(t->acs.connections, 2);
	rfx_assert_inform(t, 0, report, 3, "rem-4-1");
	rfx_assert_tc(t, 1, "rem-4-1", 0, NULL);
	rfx_assert_inform(t, 3, distress, 1, "");
	assert_int_equal(rfx_load(t, &r), MAYDAY_E_NOTFOUND);
}

/* An ack without remediation still reports a leftover (INSTALLED: the image
 * did not come up, fault from the evidence) to the record's ACS. */
static void test_installed_reported_after_any_valid_ack(void **state)
{
	static const char *const events[] = { CWMP_EV_TRANSFER_COMPLETE, CWMP_EV_M_DOWNLOAD };
	struct rfx *t = *state;
	struct cpe_record r;

	rfx_step(t, 0, CWMP_INFORM_RESPONSE, "cpe-inform");
	rfx_step(t, 1, CWMP_TRANSFER_COMPLETE_RESPONSE, "cpe-transfer-complete");
	rfx_step_204(t, 2);
	rfx_serve(t);
	save(t, CPE_RECORD_INSTALLED, "rem-5-1", t->url);
	assert_int_equal(run(t, MAYDAY_ACTION_NONE, ""), DCF_REMEDIATE_NONE);
	rfx_stop(t);
	assert_int_equal(t->acs.requests, 3);
	rfx_assert_inform(t, 0, events, 2, "rem-5-1");
	rfx_assert_tc(t, 1, "rem-5-1", CWMP_CPE_FILE_CORRUPTED, NULL);
	assert_int_equal(rfx_load(t, &r), MAYDAY_E_NOTFOUND);
}

/* The leftover's ACS cannot be reached: no session that could accept a new
 * Download (and overwrite the record); the record stays as it was. */
static void test_unreported_leftover_blocks_new_remediation(void **state)
{
	struct rfx *t = *state;
	struct cpe_record r;

	rfx_step(t, 0, CWMP_INFORM_RESPONSE, "cpe-inform");
	rfx_step(t, 1, CWMP_DOWNLOAD, "acs-1");
	rfx_step_204(t, 2);
	rfx_serve(t);
	save(t, CPE_RECORD_FAILED, "rem-6-1", t->dead);
	assert_int_equal(run(t, MAYDAY_ACTION_REMEDIATE, t->url), DCF_REMEDIATE_NONE);
	rfx_stop(t);
	assert_int_equal(t->acs.connections, 0);
	assert_int_equal(rfx_load(t, &r), MAYDAY_OK);
	assert_string_equal(r.command_key, "rem-6-1");
	assert_int_equal(r.phase, CPE_RECORD_FAILED);
	assert_int_equal(r.fault.code, 9019);
}

/* The session fails after the DownloadResponse (the ACS hangs up instead
 * of answering it): the accepted Download is still carried out. Its URL
 * refuses connections, so it fails with 9015 (file server unreachable) and
 * is left on record. */
static void test_download_accepted_then_session_failed(void **state)
{
	static const char *const distress[] = { DISTRESS };
	struct rfx *t = *state;
	struct cpe_record r;

	rfx_step(t, 0, CWMP_INFORM_RESPONSE, "cpe-inform");
	rfx_step(t, 1, CWMP_DOWNLOAD, "acs-1"); /* then the connection closes */
	rfx_serve(t);
	assert_int_equal(run(t, MAYDAY_ACTION_REMEDIATE, t->url), DCF_REMEDIATE_NONE);
	rfx_stop(t);
	rfx_assert_inform(t, 0, distress, 1, "");
	rfx_assert_kind(t, 2, CWMP_DOWNLOAD_RESPONSE);
	/* the download was tried: its failure, against its CommandKey */
	assert_int_equal(rfx_load(t, &r), MAYDAY_OK);
	assert_string_equal(r.command_key, RFX_DOWNLOAD_KEY);
	assert_string_equal(r.acs_url, t->url);
	assert_int_equal(r.phase, CPE_RECORD_FAILED);
	assert_int_equal(r.fault.code, CWMP_CPE_CONTACT_FAILURE);
	assert_non_null(strstr(r.fault.string, "download-failure: download failed"));
	/* and its immediate report was tried too (the ACS hung up again) */
	static const char *const report[] = { CWMP_EV_TRANSFER_COMPLETE, CWMP_EV_M_DOWNLOAD };
	assert_true(t->acs.requests >= 4); /* the client may retry the DownloadResponse once */
	rfx_assert_inform(t, t->acs.requests - 1, report, 2, RFX_DOWNLOAD_KEY);
}

/* A record that cannot be decoded is removed; nobody is contacted for it. */
static void test_undecodable_record_removed(void **state)
{
	struct rfx *t = *state;
	struct cpe_record r;
	static const uint8_t v1[] = "MDYR\x01\x00\x00\x01\0\0\0\0\0\0\0\0h";

	rfx_serve(t);
	assert_int_equal(hal_flash_write_atomic(t->fx->flash, HAL_PART_STATE, CPE_RECORD_NAME, v1,
						sizeof(v1) - 1), MAYDAY_OK);
	assert_int_equal(rfx_load(t, &r), MAYDAY_E_UNSUPPORTED);
	assert_int_equal(run(t, MAYDAY_ACTION_NONE, ""), DCF_REMEDIATE_NONE);
	rfx_stop(t);
	assert_int_equal(rfx_load(t, &r), MAYDAY_E_NOTFOUND);
	assert_int_equal(t->acs.connections, 0);
}

/* A record that cannot be read (the medium fails): kept, and no session
 * that could take a new Download is run. */
static void test_unreadable_record_kept_and_blocks(void **state)
{
	struct rfx *t = *state;
	struct cpe_record r;
	struct hal_flash *f = NULL;
	char spec[48];
	uint64_t open_ops;

	rfx_step(t, 0, CWMP_INFORM_RESPONSE, "cpe-inform");
	rfx_step_204(t, 1);
	rfx_serve(t);
	save(t, CPE_RECORD_DOWNLOADING, "rem-7-1", t->dead);
	/* a second handle on the device whose power goes one operation in */
	assert_int_equal(hal_flash_open(&f, t->fx->dir, "fault"), MAYDAY_OK);
	open_ops = hal_flash_ops_count(f);
	hal_flash_close(f);
	snprintf(spec, sizeof(spec), "fault:cut=%llu", (unsigned long long)open_ops + 1);
	assert_int_equal(hal_flash_open(&f, t->fx->dir, spec), MAYDAY_OK);
	assert_int_equal(hal_flash_write_atomic(f, HAL_PART_RUN, "x", "x", 1), MAYDAY_E_POWER);
	struct mayday_ack ack = { .action = MAYDAY_ACTION_REMEDIATE };
	snprintf(ack.acs_url, sizeof(ack.acs_url), "%s", t->url);
	const struct dcf_remediate rem = { .flash = f, .rot = t->fx->rot, .cfg = &t->fx->cfg,
					   .device_id = TXFX_DEVICE_ID, .ev = evidence() };
	assert_int_equal(dcf_remediate_run(&rem, &ack), DCF_REMEDIATE_NONE);
	hal_flash_close(f);
	rfx_stop(t);
	assert_int_equal(t->acs.connections, 0);
	assert_int_equal(rfx_load(t, &r), MAYDAY_OK);
	assert_string_equal(r.command_key, "rem-7-1");
}

/* Without a CWMP client: nobody contacted, the record untouched. */
static void test_no_client_touches_nothing(void **state)
{
	struct rfx *t = *state;
	struct cpe_record back;

	rfx_serve(t);
	save(t, CPE_RECORD_FAILED, "rem-1-1", t->url);
	t->fx->cfg.cwmp_enabled = 0;
	assert_int_equal(run(t, MAYDAY_ACTION_REMEDIATE, t->url), DCF_REMEDIATE_NONE);
	assert_int_equal(run(t, MAYDAY_ACTION_NONE, ""), DCF_REMEDIATE_NONE);
	rfx_stop(t);
	assert_int_equal(t->acs.connections, 0);
	assert_int_equal(rfx_load(t, &back), MAYDAY_OK);
	assert_string_equal(back.command_key, "rem-1-1");
	assert_int_equal(back.phase, CPE_RECORD_FAILED);
}

int main(void)
{
	/* The fake ACS shares this process: a write to a connection the client
	 * already dropped must not kill the test. */
	signal(SIGPIPE, SIG_IGN);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_leftover_faults),
		cmocka_unit_test(test_leftover_tc_per_phase),
		cmocka_unit_test_setup_teardown(test_failure_reported_inside_the_session, rfx_setup,
						rfx_teardown),
		cmocka_unit_test_setup_teardown(test_unanswered_transfer_complete_keeps_the_record,
						rfx_setup, rfx_teardown),
		cmocka_unit_test_setup_teardown(test_confirmed_reported_as_success_first, rfx_setup,
						rfx_teardown),
		cmocka_unit_test_setup_teardown(test_installed_reported_after_any_valid_ack, rfx_setup,
						rfx_teardown),
		cmocka_unit_test_setup_teardown(test_unreported_leftover_blocks_new_remediation,
						rfx_setup, rfx_teardown),
		cmocka_unit_test_setup_teardown(test_download_accepted_then_session_failed, rfx_setup,
						rfx_teardown),
		cmocka_unit_test_setup_teardown(test_undecodable_record_removed, rfx_setup, rfx_teardown),
		cmocka_unit_test_setup_teardown(test_unreadable_record_kept_and_blocks, rfx_setup,
						rfx_teardown),
		cmocka_unit_test_setup_teardown(test_no_client_touches_nothing, rfx_setup, rfx_teardown),
	};
	int rc;

	cwmp_global_init();
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	return rc;
}

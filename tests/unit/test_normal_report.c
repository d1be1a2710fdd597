/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mayday-normal's remediation report (device/normal/normal_report.c): every
 * reporting rule as a pure function -- success only for the image the
 * record says was installed (INSTALLED or CONFIRMED, same slot, same
 * manifest digest), else 9010 (interrupted), the stored fault (FAILED) or
 * 9002 (the previous image runs) -- and normal_report_run against the test
 * ACS (test_remed_fx.h): "1 BOOT" with every report, the record set
 * CONFIRMED before the report (so a lost report is still a success next
 * time), removed only once the ACS answered, kept when it did not, removed
 * when it cannot be decoded.
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

#include "boot_state.h"
#include "boot_verify.h"
#include "cpe_record.h"
#include "cwmp.h"
#include "hal/rot.h"
#include "mayday/keys.h"
#include "normal_report.h"
#include "test_remed_fx.h"

#define NOW (RFX_START + 300)

static const char *const report_events[] = { CWMP_EV_BOOT, CWMP_EV_TRANSFER_COMPLETE,
					     CWMP_EV_M_DOWNLOAD };

/* ---- pure: the rules ---------------------------------------------------------------------- */

static void test_transfer_rules(void **state)
{
	uint8_t mine[MAYDAY_DIGEST_LEN], other[MAYDAY_DIGEST_LEN];
	struct cwmp_transfer_complete tc;
	struct cpe_record r;
	static const char previous[] =
		"the new image did not come up; the device runs its previous image "
		"(slot a, image 1.0)";
	(void)state;

	memset(mine, 0x11, sizeof(mine));
	memset(other, 0x11, sizeof(other));
	other[31] = 0x12;
	/* INSTALLED or CONFIRMED, this slot, this manifest: the success */
	for (int p = CPE_RECORD_INSTALLED; p <= CPE_RECORD_CONFIRMED; p += 2) {
		rfx_record(&r, (enum cpe_record_phase)p, "rem-1-1", "https://acs/", BOOT_SLOT_B,
			   mine);
		memset(&tc, 0x66, sizeof(tc));
		assert_true(normal_report_transfer(&r, BOOT_SLOT_B, mine, "2.0.0", NOW, &tc));
		assert_int_equal(tc.fault.code, 0);
		assert_string_equal(tc.fault.string, "");
		assert_string_equal(tc.command_key, "rem-1-1");
		assert_true(tc.start_time == RFX_START && tc.complete_time == NOW);
	}
	/* the same image in another slot, or another manifest in this slot:
	 * not the image the Download installed */
	for (int p = CPE_RECORD_INSTALLED; p <= CPE_RECORD_CONFIRMED; p += 2) {
		rfx_record(&r, (enum cpe_record_phase)p, "rem-1-2", "https://acs/", BOOT_SLOT_B,
			   mine);
		assert_false(normal_report_transfer(&r, BOOT_SLOT_A, mine, "1.0", NOW, &tc));
		assert_int_equal(tc.fault.code, CWMP_CPE_INTERNAL_ERROR);
		assert_string_equal(tc.fault.string, previous);
		assert_string_equal(tc.command_key, "rem-1-2");
		assert_false(normal_report_transfer(&r, BOOT_SLOT_B, other, "1.0", NOW, &tc));
		assert_int_equal(tc.fault.code, CWMP_CPE_INTERNAL_ERROR);
		assert_non_null(strstr(tc.fault.string, "(slot b, image 1.0)"));
	}
	rfx_record(&r, CPE_RECORD_INSTALLED, "rem-1-3", "https://acs/", BOOT_SLOT_A, mine);
	assert_false(normal_report_transfer(&r, BOOT_SLOT_B, mine, "", NOW, &tc));
	assert_non_null(strstr(tc.fault.string, "(slot b, image unknown)"));
	/* DOWNLOADING: interrupted before the image was installed, even when
	 * the slot and manifest are new (the INSTALLED save may be what was lost) */
	rfx_record(&r, CPE_RECORD_DOWNLOADING, "rem-1-4", "https://acs/", 0, NULL);
	assert_false(normal_report_transfer(&r, BOOT_SLOT_B, mine, "2.0.0", NOW, &tc));
	assert_int_equal(tc.fault.code, CWMP_CPE_DOWNLOAD_FAILURE);
	assert_string_equal(tc.fault.string,
			    "interrupted (restart or power loss) before the image was installed");
	assert_string_equal(tc.command_key, "rem-1-4");
	/* FAILED: the fault stored when it failed */
	rfx_record(&r, CPE_RECORD_FAILED, "rem-1-5", "https://acs/", 0, NULL);
	assert_false(normal_report_transfer(&r, BOOT_SLOT_A, mine, "1.0", NOW, &tc));
	assert_int_equal(tc.fault.code, 9019);
	assert_string_equal(tc.fault.string, "file-auth-failure: signature");
	assert_true(tc.start_time == RFX_START && tc.complete_time == NOW);
}

/* ---- normal_report_run against the test ACS ----------------------------------------------- */

/* A manifest file in `slot` (its bytes only matter here: their digest). */
static void slot_manifest(struct rfx *t, uint8_t slot, const char *text,
			  uint8_t digest[MAYDAY_DIGEST_LEN])
{
	assert_int_equal(hal_flash_write_atomic(t->fx->flash, boot_state_slot_part(slot),
						BOOT_MANIFEST_NAME, text, strlen(text)),
			 MAYDAY_OK);
	mayday_sha256(text, strlen(text), digest);
}

/* A part file of the fixture's flash as a malloc'd buffer. */
static char *part_file(struct rfx *t, const char *part, const char *name, size_t *len)
{
	char *buf = malloc(16384);

	assert_non_null(buf);
	assert_int_equal(hal_flash_read(t->fx->flash, part, name, (uint8_t *)buf, 16384, len),
			 MAYDAY_OK);
	return buf;
}

/* Normal code's client: its own normal.conf in the state partition and
 * credentials standing for the ones the TrE hands over (here the fixture's
 * key and certificate, which the test ACS accepts). */
static enum mayday_err report(struct rfx *t, uint8_t slot, const char *version)
{
	static const char conf[] = "[cwmp]\ntimeout_ms = 5000\n[device]\ndcf_version = 0.9\n";
	struct normal_creds creds = { 0 };
	enum mayday_err rc;

	assert_int_equal(hal_flash_write_atomic(t->fx->flash, HAL_PART_STATE, NORMAL_CONFIG_NAME,
						conf, sizeof(conf) - 1),
			 MAYDAY_OK);
	assert_int_equal(hal_rot_tls_key(t->fx->rot, &creds.key), MAYDAY_OK);
	creds.cert_pem = part_file(t, HAL_PART_DCF, t->fx->cfg.cwmp_cert, &creds.cert_len);
	creds.ca_pem = part_file(t, HAL_PART_DCF, t->fx->cfg.cwmp_ca, &creds.ca_len);
	const struct normal_cwmp me = {
		.flash = t->fx->flash,
		.creds = &creds,
		.device_id = TXFX_DEVICE_ID,
		.image_version = version,
		.product_class = t->fx->cfg.product_class,
	};
	rc = normal_report_run(&me, slot);
	normal_creds_free(&creds);
	return rc;
}

/* The ACS takes one report: Inform, TransferComplete, empty POST. */
static void script_report(struct rfx *t)
{
	rfx_step(t, 0, CWMP_INFORM_RESPONSE, "cpe-inform");
	rfx_step(t, 1, CWMP_TRANSFER_COMPLETE_RESPONSE, "cpe-transfer-complete");
	rfx_step_204(t, 2);
}

static void test_no_record_no_contact(void **state)
{
	struct rfx *t = *state;

	script_report(t);
	rfx_serve(t);
	assert_int_equal(report(t, BOOT_SLOT_A, "1.0"), MAYDAY_OK);
	rfx_stop(t);
	assert_int_equal(t->acs.connections, 0);
}

/* The image the record installed runs: fault 0 with "1 BOOT", removed. */
static void test_installed_image_running_is_success(void **state)
{
	struct rfx *t = *state;
	uint8_t d[MAYDAY_DIGEST_LEN];
	struct cpe_record r;

	script_report(t);
	rfx_serve(t);
	slot_manifest(t, BOOT_SLOT_B, "manifest of 2.0.0", d);
	rfx_record(&r, CPE_RECORD_INSTALLED, "rem-2-1", t->url, BOOT_SLOT_B, d);
	rfx_save(t, &r);
	assert_int_equal(report(t, BOOT_SLOT_B, "2.0.0"), MAYDAY_OK);
	rfx_stop(t);
	assert_int_equal(t->acs.requests, 3);
	rfx_assert_inform(t, 0, report_events, 3, "rem-2-1");
	rfx_assert_tc(t, 1, "rem-2-1", 0, NULL);
	assert_int_equal(rfx_load(t, &r), MAYDAY_E_NOTFOUND);
}

/* The report is lost: the record is CONFIRMED already, so the next attempt
 * (here, or the DCF's) still reports the success. */
static void test_confirmed_before_the_report(void **state)
{
	struct rfx *t = *state;
	uint8_t d[MAYDAY_DIGEST_LEN];
	struct cpe_record r, back;

	slot_manifest(t, BOOT_SLOT_B, "manifest of 2.0.0", d);
	rfx_record(&r, CPE_RECORD_INSTALLED, "rem-2-2", t->dead, BOOT_SLOT_B, d);
	rfx_save(t, &r);
	assert_int_not_equal(report(t, BOOT_SLOT_B, "2.0.0"), MAYDAY_OK);
	assert_int_equal(rfx_load(t, &back), MAYDAY_OK);
	assert_int_equal(back.phase, CPE_RECORD_CONFIRMED);
	assert_int_equal(back.slot, BOOT_SLOT_B);
	assert_memory_equal(back.manifest_sha256, d, sizeof(d));
	assert_string_equal(back.command_key, "rem-2-2");
	assert_string_equal(back.acs_url, t->dead);
	/* the next start-up, the ACS reachable again */
	script_report(t);
	rfx_serve(t);
	snprintf(back.acs_url, sizeof(back.acs_url), "%s", t->url);
	rfx_save(t, &back);
	assert_int_equal(report(t, BOOT_SLOT_B, "2.0.0"), MAYDAY_OK);
	rfx_stop(t);
	rfx_assert_inform(t, 0, report_events, 3, "rem-2-2");
	rfx_assert_tc(t, 1, "rem-2-2", 0, NULL);
	assert_int_equal(rfx_load(t, &back), MAYDAY_E_NOTFOUND);
}

/* The new slot gave up, the old image runs (and is the active one): 9002
 * naming it, against the same CommandKey, still with "1 BOOT". */
static void test_previous_image_running_is_9002(void **state)
{
	struct rfx *t = *state;
	uint8_t b[MAYDAY_DIGEST_LEN], a[MAYDAY_DIGEST_LEN];
	struct cpe_record r;
	char string[CWMP_STR256_MAX + 1];

	script_report(t);
	rfx_serve(t);
	slot_manifest(t, BOOT_SLOT_B, "manifest of 2.0.0", b);
	slot_manifest(t, BOOT_SLOT_A, "manifest of 1.0", a);
	rfx_record(&r, CPE_RECORD_INSTALLED, "rem-2-3", t->url, BOOT_SLOT_B, b);
	rfx_save(t, &r);
	assert_int_equal(report(t, BOOT_SLOT_A, "1.0"), MAYDAY_OK);
	rfx_stop(t);
	rfx_assert_inform(t, 0, report_events, 3, "rem-2-3");
	rfx_assert_tc(t, 1, "rem-2-3", CWMP_CPE_INTERNAL_ERROR, string);
	assert_string_equal(string, "the new image did not come up; the device runs its "
				    "previous image (slot a, image 1.0)");
	assert_int_equal(rfx_load(t, &r), MAYDAY_E_NOTFOUND);
}

/* A failure on record, its report lost: re-sent with the real fault. */
static void test_failed_resent_with_its_fault(void **state)
{
	struct rfx *t = *state;
	uint8_t a[MAYDAY_DIGEST_LEN];
	struct cpe_record r;
	char string[CWMP_STR256_MAX + 1];

	script_report(t);
	rfx_serve(t);
	slot_manifest(t, BOOT_SLOT_A, "manifest of 1.0", a);
	rfx_record(&r, CPE_RECORD_FAILED, "rem-2-4", t->url, 0, NULL);
	rfx_save(t, &r);
	assert_int_equal(report(t, BOOT_SLOT_A, "1.0"), MAYDAY_OK);
	rfx_stop(t);
	rfx_assert_inform(t, 0, report_events, 3, "rem-2-4");
	rfx_assert_tc(t, 1, "rem-2-4", 9019, string);
	assert_string_equal(string, "file-auth-failure: signature");
	assert_int_equal(rfx_load(t, &r), MAYDAY_E_NOTFOUND);
}

/* Nobody answers: nothing changes but nothing is lost (DOWNLOADING stays). */
static void test_unanswered_report_keeps_the_record(void **state)
{
	struct rfx *t = *state;
	uint8_t a[MAYDAY_DIGEST_LEN];
	struct cpe_record r, back;

	slot_manifest(t, BOOT_SLOT_A, "manifest of 1.0", a);
	rfx_record(&r, CPE_RECORD_DOWNLOADING, "rem-2-5", t->dead, 0, NULL);
	rfx_save(t, &r);
	assert_int_not_equal(report(t, BOOT_SLOT_A, "1.0"), MAYDAY_OK);
	assert_int_equal(rfx_load(t, &back), MAYDAY_OK);
	assert_int_equal(back.phase, CPE_RECORD_DOWNLOADING);
	assert_string_equal(back.command_key, "rem-2-5");
}

/* The running slot's manifest cannot be read: no report, record kept. */
static void test_unidentified_image_reports_nothing(void **state)
{
	struct rfx *t = *state;
	struct cpe_record r, back;

	script_report(t);
	rfx_serve(t);
	rfx_record(&r, CPE_RECORD_INSTALLED, "rem-2-6", t->url, BOOT_SLOT_B, NULL);
	rfx_save(t, &r);
	assert_int_equal(report(t, BOOT_SLOT_B, "2.0.0"), MAYDAY_E_NOTFOUND);
	rfx_stop(t);
	assert_int_equal(t->acs.connections, 0);
	assert_int_equal(rfx_load(t, &back), MAYDAY_OK);
	assert_int_equal(back.phase, CPE_RECORD_INSTALLED);
}

/* A record that cannot be decoded is removed, nobody contacted. */
static void test_undecodable_record_removed(void **state)
{
	struct rfx *t = *state;
	struct cpe_record r;

	rfx_serve(t);
	assert_int_equal(hal_flash_write_atomic(t->fx->flash, HAL_PART_STATE, CPE_RECORD_NAME,
						"MDYR\x02\x09", 6), MAYDAY_OK);
	assert_int_equal(report(t, BOOT_SLOT_A, "1.0"), MAYDAY_E_MALFORMED);
	rfx_stop(t);
	assert_int_equal(t->acs.connections, 0);
	assert_int_equal(rfx_load(t, &r), MAYDAY_E_NOTFOUND);
}

int main(void)
{
	/* The fake ACS shares this process: a write to a connection the client
	 * already dropped must not kill the test. */
	signal(SIGPIPE, SIG_IGN);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_transfer_rules),
		cmocka_unit_test_setup_teardown(test_no_record_no_contact, rfx_setup, rfx_teardown),
		cmocka_unit_test_setup_teardown(test_installed_image_running_is_success, rfx_setup,
						rfx_teardown),
		cmocka_unit_test_setup_teardown(test_confirmed_before_the_report, rfx_setup,
						rfx_teardown),
		cmocka_unit_test_setup_teardown(test_previous_image_running_is_9002, rfx_setup,
						rfx_teardown),
		cmocka_unit_test_setup_teardown(test_failed_resent_with_its_fault, rfx_setup,
						rfx_teardown),
		cmocka_unit_test_setup_teardown(test_unanswered_report_keeps_the_record, rfx_setup,
						rfx_teardown),
		cmocka_unit_test_setup_teardown(test_unidentified_image_reports_nothing, rfx_setup,
						rfx_teardown),
		cmocka_unit_test_setup_teardown(test_undecodable_record_removed, rfx_setup,
						rfx_teardown),
	};
	int rc;

	cwmp_global_init();
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	return rc;
}

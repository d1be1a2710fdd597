/*
 * dcf_remediate without a network: the fault a leftover remediation is
 * reported with, for every reason secure start-up can give; and that a DCF
 * without a CWMP client neither contacts anyone nor touches the record an
 * earlier Download left (the whole loop is tests/integration/
 * test_remediation_loop.sh).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpe_record.h"
#include "dcf_remediate.h"

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

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void test_no_client_touches_nothing(void **state)
{
	char dir[] = "/tmp/mayday-remed-XXXXXX";
	struct hal_flash *f = NULL;
	struct dcf_config cfg = { .cwmp_enabled = 0 };
	struct mayday_evidence ev = { .reason = MAYDAY_REASON_COMPONENT_MISMATCH };
	struct cpe_record rec = { .command_key = "rem-1-1", .acs_url = "https://127.0.0.1:9/cwmp",
				  .start_time = 1767225600 };
	struct cpe_record back;
	struct mayday_diag d;
	struct mayday_ack ack = { .action = MAYDAY_ACTION_REMEDIATE,
				  .acs_url = "https://127.0.0.1:9/cwmp" };
	(void)state;

	assert_non_null(mkdtemp(dir));
	assert_int_equal(hal_flash_open(&f, dir, "host"), MAYDAY_OK);
	assert_int_equal(cpe_record_save(f, &rec), MAYDAY_OK);
	struct dcf_remediate r = { .flash = f, .cfg = &cfg, .device_id = "femto-0001", .ev = &ev };
	assert_int_equal(dcf_remediate_run(&r, &ack), DCF_REMEDIATE_NONE);
	ack.action = MAYDAY_ACTION_NONE;
	assert_int_equal(dcf_remediate_run(&r, &ack), DCF_REMEDIATE_NONE);
	assert_int_equal(cpe_record_load(f, &back, &d), MAYDAY_OK);
	assert_string_equal(back.command_key, "rem-1-1");
	hal_flash_close(f);
	assert_int_equal(nftw(dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_leftover_faults),
		cmocka_unit_test(test_no_client_touches_nothing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

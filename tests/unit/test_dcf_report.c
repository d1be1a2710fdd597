/* SPDX-License-Identifier: Apache-2.0 */
/* dcf_report: evidence handover (present, absent, damaged), the indication's
 * fields, and that the signed bytes verify with the device key. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <ftw.h>
#include <unistd.h>

#include "cpe_info.h"

#include "dcf_config.h"
#include "dcf_report.h"
#include "hal/flash.h"
#include "mayday/keys.h"

struct fx {
	char dir[256];
	struct hal_flash *flash;
};

static int setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));
	const char *tmp = getenv("TMPDIR");

	if (!fx)
		return -1;
	snprintf(fx->dir, sizeof(fx->dir), "%s/dcf-report-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(fx->dir) || hal_flash_open(&fx->flash, fx->dir, "host") != MAYDAY_OK) {
		free(fx);
		return -1;
	}
	*state = fx;
	return 0;
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int teardown(void **state)
{
	struct fx *fx = *state;

	hal_flash_close(fx->flash);
	nftw(fx->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(fx);
	return 0;
}

static void sample_evidence(struct mayday_evidence *ev)
{
	memset(ev, 0, sizeof(*ev));
	ev->reason = MAYDAY_REASON_COMPONENT_MISMATCH;
	strcpy(ev->image_version, "1.2.3");
	ev->manifest_rollback = 4;
	ev->slot = 1;
	ev->boot_attempts = 2;
	ev->n_failed = 1;
	strcpy(ev->failed[0].name, "comp-0.bin");
	ev->failed[0].flags = MAYDAY_COMP_DIGEST_MISMATCH;
	ev->failed[0].expected_size = ev->failed[0].measured_size = 4096;
	memset(ev->failed[0].expected, 0xaa, MAYDAY_DIGEST_LEN);
	memset(ev->failed[0].measured, 0xbb, MAYDAY_DIGEST_LEN);
}

static void test_evidence_present(void **state)
{
	struct fx *fx = *state;
	struct mayday_evidence ev, got;
	struct mayday_diag diag;
	uint8_t buf[MAYDAY_EVIDENCE_MAX];
	size_t len = 0;

	sample_evidence(&ev);
	assert_int_equal(mayday_evidence_encode(&ev, buf, sizeof(buf), &len), MAYDAY_OK);
	assert_int_equal(hal_flash_write_atomic(fx->flash, HAL_PART_RUN, "evidence.cbor", buf, len),
			 MAYDAY_OK);
	assert_int_equal(dcf_report_load_evidence(fx->flash, "evidence.cbor", &got, &diag),
			 MAYDAY_OK);
	assert_int_equal(got.reason, MAYDAY_REASON_COMPONENT_MISMATCH);
	assert_string_equal(got.image_version, "1.2.3");
	assert_int_equal(got.slot, 1);
	assert_int_equal(got.n_failed, 1);
	assert_string_equal(got.failed[0].name, "comp-0.bin");
	assert_memory_equal(got.failed[0].measured, ev.failed[0].measured, MAYDAY_DIGEST_LEN);
}

static void test_evidence_absent_or_damaged(void **state)
{
	struct fx *fx = *state;
	struct mayday_evidence got;
	struct mayday_diag diag;
	static const uint8_t junk[] = { 0xa1, 0x01, 0xff, 0x00 };

	memset(&got, 0x5a, sizeof(got));
	assert_int_equal(dcf_report_load_evidence(fx->flash, "nothing.cbor", &got, &diag),
			 MAYDAY_E_NOTFOUND);
	assert_int_equal(got.reason, MAYDAY_REASON_NO_BOOTABLE_SLOT);
	assert_int_equal(got.n_failed, 0);

	assert_int_equal(hal_flash_write_atomic(fx->flash, HAL_PART_RUN, "junk.cbor", junk,
						sizeof(junk)), MAYDAY_OK);
	memset(&got, 0x5a, sizeof(got));
	assert_int_not_equal(dcf_report_load_evidence(fx->flash, "junk.cbor", &got, &diag),
			     MAYDAY_OK);
	assert_int_equal(got.reason, MAYDAY_REASON_NO_BOOTABLE_SLOT);
	assert_int_equal(got.n_failed, 0);

	assert_int_equal(dcf_report_load_evidence(fx->flash, "../rot/counters", &got, &diag),
			 MAYDAY_E_INVALID);
	assert_int_equal(got.reason, MAYDAY_REASON_NO_BOOTABLE_SLOT);
}

static void test_build_and_sign(void **state)
{
	struct fx *fx = *state;
	struct dcf_config cfg = { .max_image_size = 1u << 20 };
	struct mayday_evidence ev;
	struct mayday_indication ind, got;
	struct mayday_signer signer;
	struct mayday_cose_sign1 msg;
	struct mayday_diag diag;
	uint8_t out[MAYDAY_INDICATION_MAX];
	size_t len = 0;
	EVP_PKEY *key = NULL;

	strcpy(cfg.version, "0.1.0");
	sample_evidence(&ev);
	struct dcf_report_input in = {
		.device_id = "femto-9", .counter = 42, .time = 1700000000,
		.transport = MAYDAY_TRANSPORT_PLAIN_UDP,
		.free_space = cpe_info_free_space(fx->dir), .cfg = &cfg, .ev = &ev,
	};
	assert_true(in.free_space > 0);
	assert_int_equal(cpe_info_free_space("/nonexistent/dir"), 0);
	assert_int_equal(dcf_report_build(&in, &ind), MAYDAY_OK);
	assert_string_equal(ind.device_id, "femto-9");
	assert_int_equal(ind.counter, 42);
	assert_string_equal(ind.dcf_version, "0.1.0");
	assert_int_equal(ind.max_image_size, 1u << 20);
	assert_int_equal(ind.evidence.reason, MAYDAY_REASON_COMPONENT_MISMATCH);

	assert_int_equal(mayday_key_generate(&key), MAYDAY_OK);
	assert_int_equal(mayday_signer_from_pkey(&signer, key, (const uint8_t *)"femto-9", 7),
			 MAYDAY_OK);
	assert_int_equal(dcf_report_sign(&ind, &signer, out, sizeof(out), &len), MAYDAY_OK);
	assert_int_equal(mayday_indication_open(out, len, &msg, &got, &diag), MAYDAY_OK);
	assert_int_equal(mayday_cose_sign1_verify(&msg, key), MAYDAY_OK);
	assert_int_equal(got.counter, 42);
	assert_int_equal(got.free_space, in.free_space);
	assert_string_equal(got.evidence.failed[0].name, "comp-0.bin");
	assert_int_equal(got.claims, MAYDAY_CLAIMS_MAYDAY1);

	/* [dcf] claims = eat: the same report as message version 2. */
	cfg.claims = MAYDAY_CLAIMS_EAT;
	assert_int_equal(dcf_report_build(&in, &ind), MAYDAY_OK);
	assert_int_equal(dcf_report_sign(&ind, &signer, out, sizeof(out), &len), MAYDAY_OK);
	assert_int_equal(mayday_indication_open(out, len, &msg, &got, &diag), MAYDAY_OK);
	assert_int_equal(mayday_cose_sign1_verify(&msg, key), MAYDAY_OK);
	assert_int_equal(got.claims, MAYDAY_CLAIMS_EAT);
	assert_int_equal(got.counter, 42);
	assert_string_equal(got.device_id, "femto-9");
	assert_string_equal(got.evidence.failed[0].name, "comp-0.bin");
	cfg.claims = MAYDAY_CLAIMS_MAYDAY1;
	EVP_PKEY_free(key);

	char long_id[MAYDAY_DEVICE_ID_MAX + 2];
	memset(long_id, 'a', sizeof(long_id) - 1);
	long_id[sizeof(long_id) - 1] = '\0';
	in.device_id = long_id;
	assert_int_equal(dcf_report_build(&in, &ind), MAYDAY_E_INVALID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_evidence_present, setup, teardown),
		cmocka_unit_test_setup_teardown(test_evidence_absent_or_damaged, setup, teardown),
		cmocka_unit_test_setup_teardown(test_build_and_sign, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

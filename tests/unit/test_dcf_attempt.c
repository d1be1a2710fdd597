/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The DCF's attempt-state record (dcf_attempt.h): the byte layout, the
 * rejection of damaged or foreign records, and a power cut at every
 * counted flash operation of a save over an older record -- after which the
 * record is the old one or the new one, never garbage and never lost both.
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

#include "dcf_attempt.h"

/* tests/corpus/fuzz_dcf_attempt/record: method 1, step 7, counter 42,
 * not before 2026-12-01T00:00:00Z. */
static const char record_hex[] =
	"4d4459410101000000000007000000000000002a000000006b0e0e00d60c3349";

static void unhex(const char *hex, uint8_t *out, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned v;
		assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void test_layout(void **state)
{
	const struct dcf_attempt a = { .method = 1, .step = 7, .counter = 42,
				       .not_before_s = 1796083200 };
	uint8_t want[DCF_ATTEMPT_LEN], got[DCF_ATTEMPT_LEN];
	struct dcf_attempt back;

	(void)state;
	unhex(record_hex, want, sizeof(want));
	dcf_attempt_encode(&a, got);
	assert_memory_equal(got, want, sizeof(want));
	assert_int_equal(dcf_attempt_decode(got, sizeof(got), &back), MAYDAY_OK);
	assert_int_equal(back.method, 1);
	assert_int_equal(back.step, 7);
	assert_int_equal(back.counter, 42);
	assert_int_equal(back.not_before_s, 1796083200);
}

static void test_rejects(void **state)
{
	const struct dcf_attempt a = { .method = 2, .step = 3, .counter = 9 };
	uint8_t buf[DCF_ATTEMPT_LEN + 1], bad[DCF_ATTEMPT_LEN];
	struct dcf_attempt back;

	(void)state;
	dcf_attempt_encode(&a, buf);
	assert_int_equal(dcf_attempt_decode(buf, DCF_ATTEMPT_LEN - 1, &back), MAYDAY_E_MALFORMED);
	assert_int_equal(dcf_attempt_decode(buf, DCF_ATTEMPT_LEN + 1, &back), MAYDAY_E_MALFORMED);
	/* every single bit flipped is caught (magic, fields or check) */
	for (size_t bit = 0; bit < DCF_ATTEMPT_LEN * 8; bit++) {
		memcpy(bad, buf, sizeof(bad));
		bad[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		assert_int_not_equal(dcf_attempt_decode(bad, sizeof(bad), &back), MAYDAY_OK);
		assert_int_equal(back.step, 0);
	}
	/* a step beyond any window is clamped, not trusted */
	struct dcf_attempt big = { .step = UINT32_MAX };
	dcf_attempt_encode(&big, bad);
	assert_int_equal(dcf_attempt_decode(bad, sizeof(bad), &back), MAYDAY_OK);
	assert_int_equal(back.step, DCF_ATTEMPT_STEP_MAX);
}

/* Save B over A with the power cut after operation n, for every n. */
static void test_power_cut(void **state)
{
	const struct dcf_attempt a = { .method = 0, .step = 4, .counter = 10 };
	const struct dcf_attempt b = { .method = 1, .step = 5, .counter = 11, .not_before_s = 99 };
	char dir[256], spec[64];
	const char *tmp = getenv("TMPDIR");
	struct hal_flash *f;
	struct dcf_attempt got;
	uint64_t base, total;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/dcf-attempt-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	assert_non_null(mkdtemp(dir));
	/* a clean run: how many operations the save takes */
	assert_int_equal(hal_flash_open(&f, dir, "fault"), MAYDAY_OK);
	assert_int_equal(dcf_attempt_load(f, &got), MAYDAY_E_NOTFOUND);
	assert_int_equal(dcf_attempt_save(f, &a), MAYDAY_OK);
	base = hal_flash_ops_count(f);
	assert_int_equal(dcf_attempt_save(f, &b), MAYDAY_OK);
	total = hal_flash_ops_count(f) - base;
	assert_true(total >= 3); /* write, fsync, rename, fsync dir */
	hal_flash_close(f);

	/* cut after n operations, n = 0, 1, ... until the save completes */
	int done = 0;
	for (uint64_t n = 0; !done; n++) {
		assert_true(n <= total + 8);
		/* back to A */
		assert_int_equal(hal_flash_open(&f, dir, "host"), MAYDAY_OK);
		assert_int_equal(dcf_attempt_save(f, &a), MAYDAY_OK);
		hal_flash_close(f);
		/* opening counts too (sweeps, directory fsync): cut relative to it */
		assert_int_equal(hal_flash_open(&f, dir, "fault"), MAYDAY_OK);
		uint64_t opened = hal_flash_ops_count(f);
		hal_flash_close(f);
		snprintf(spec, sizeof(spec), "fault:cut=%llu", (unsigned long long)(opened + n));
		enum mayday_err rc = hal_flash_open(&f, dir, spec);
		if (rc == MAYDAY_OK) {
			/* power may even go before the save starts: same outcome */
			rc = dcf_attempt_save(f, &b);
			hal_flash_close(f);
		}
		done = rc == MAYDAY_OK;
		if (!done)
			assert_int_equal(rc, MAYDAY_E_POWER);
		/* power back: the record is A or B, whole */
		assert_int_equal(hal_flash_open(&f, dir, "host"), MAYDAY_OK);
		assert_int_equal(dcf_attempt_load(f, &got), MAYDAY_OK);
		if (got.counter == a.counter) {
			assert_int_equal(got.step, a.step);
			assert_int_equal(got.not_before_s, a.not_before_s);
		} else {
			assert_int_equal(got.counter, b.counter);
			assert_int_equal(got.step, b.step);
			assert_int_equal(got.method, b.method);
			assert_int_equal(got.not_before_s, b.not_before_s);
		}
		if (done)
			assert_int_equal(got.counter, b.counter);
		hal_flash_close(f);
	}
	/* cleared: gone, and clearing again is fine */
	assert_int_equal(hal_flash_open(&f, dir, "host"), MAYDAY_OK);
	assert_int_equal(dcf_attempt_clear(f), MAYDAY_OK);
	assert_int_equal(dcf_attempt_load(f, &got), MAYDAY_E_NOTFOUND);
	assert_int_equal(dcf_attempt_clear(f), MAYDAY_OK);
	hal_flash_close(f);
	nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_rejects),
		cmocka_unit_test(test_power_cut),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: Apache-2.0 */
/* The backoff schedule: bounded by [0, cap], growing, honouring retry-after
 * and the deadline, and spread over its whole window (full jitter). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "dcf_retry.h"

static const struct dcf_retry_policy policy = { .initial_ms = 200, .max_ms = 5000 };

/* A small deterministic generator, so a failure reproduces. */
static uint64_t next_rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void test_window_grows_then_caps(void **state)
{
	(void)state;
	assert_int_equal(dcf_retry_window_ms(&policy, 0), 200);
	assert_int_equal(dcf_retry_window_ms(&policy, 1), 400);
	assert_int_equal(dcf_retry_window_ms(&policy, 2), 800);
	assert_int_equal(dcf_retry_window_ms(&policy, 4), 3200);
	assert_int_equal(dcf_retry_window_ms(&policy, 5), 5000);
	for (uint32_t a = 0; a < 200; a++) {
		uint64_t w = dcf_retry_window_ms(&policy, a);
		assert_true(w <= policy.max_ms);
		assert_true(w >= dcf_retry_window_ms(&policy, a > 0 ? a - 1 : 0));
	}
	/* No overflow for absurd attempt numbers or a huge cap. */
	assert_int_equal(dcf_retry_window_ms(&policy, UINT32_MAX), 5000);
	const struct dcf_retry_policy wide = { .initial_ms = 60000, .max_ms = UINT32_MAX };
	assert_int_equal(dcf_retry_window_ms(&wide, UINT32_MAX), UINT32_MAX);
}

static void test_delay_within_window(void **state)
{
	uint64_t s = 0x9e3779b97f4a7c15u;
	(void)state;

	for (uint32_t a = 0; a < 12; a++) {
		uint64_t w = dcf_retry_window_ms(&policy, a), lo = UINT64_MAX, hi = 0;
		for (int i = 0; i < 2000; i++) {
			uint64_t d = dcf_retry_delay_ms(&policy, a, next_rnd(&s));
			assert_true(d <= w);
			lo = d < lo ? d : lo;
			hi = d > hi ? d : hi;
		}
		/* Full jitter: both ends of the window are reached (within 5 %). */
		assert_true(lo <= w / 20);
		assert_true(hi >= w - w / 20);
	}
	assert_true(dcf_retry_delay_ms(&policy, 3, 0) == 0);
	assert_true(dcf_retry_delay_ms(&policy, 3, UINT64_MAX) <= 1600);
	assert_true(dcf_retry_delay_ms(&policy, 3, 1600) == 1600);
}

static void test_mean_grows(void **state)
{
	uint64_t s = 42, prev = 0;
	(void)state;

	for (uint32_t a = 0; a < 5; a++) {
		uint64_t sum = 0;
		for (int i = 0; i < 4000; i++)
			sum += dcf_retry_delay_ms(&policy, a, next_rnd(&s));
		uint64_t mean = sum / 4000;
		assert_true(mean > prev);
		prev = mean;
	}
}

static void test_next_honours_retry_after(void **state)
{
	uint64_t at = 0;
	(void)state;

	/* rnd 0: no jitter delay, so only earliest and not_before decide. */
	assert_true(dcf_retry_next(&policy, 0, 0, 1000, 0, 100000, &at));
	assert_int_equal(at, 1000);
	assert_true(dcf_retry_next(&policy, 0, 0, 1000, 7000, 100000, &at));
	assert_int_equal(at, 7000);
	/* A retry-after earlier than the backoff does not shorten it. */
	assert_true(dcf_retry_next(&policy, 0, 150, 1000, 1100, 100000, &at));
	assert_int_equal(at, 1150);
	uint64_t s = 7;
	for (int i = 0; i < 1000; i++) {
		assert_true(dcf_retry_next(&policy, 3, next_rnd(&s), 1000, 2500, 100000, &at));
		assert_true(at >= 2500);
		assert_true(at <= 1000 + 1600);
	}
}

static void test_next_respects_deadline(void **state)
{
	uint64_t at = 12345;
	(void)state;

	/* retry-after beyond the deadline: no further attempt. */
	assert_false(dcf_retry_next(&policy, 0, 0, 1000, 50000, 40000, &at));
	assert_int_equal(at, 12345); /* untouched */
	/* the backoff itself reaching the deadline */
	assert_false(dcf_retry_next(&policy, 0, 0, 40000, 0, 40000, &at));
	uint64_t s = 99;
	for (int i = 0; i < 1000; i++) {
		if (dcf_retry_next(&policy, 6, next_rnd(&s), 38000, 0, 40000, &at))
			assert_true(at < 40000);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_window_grows_then_caps),
		cmocka_unit_test(test_delay_within_window),
		cmocka_unit_test(test_mean_grows),
		cmocka_unit_test(test_next_honours_retry_after),
		cmocka_unit_test(test_next_respects_deadline),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of the clock HAL: wall time agrees with time(2), monotonic
 * time never goes backwards and measures a sleep (the host's, also through
 * hal_clock_sleep_ms); the simulated backend moves only when slept on, and
 * uninstalling it brings the host's clock back. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <time.h>
#include <cmocka.h>

#include "hal/clock.h"
#include "hal/clock_sim.h"

static void test_wall(void **state)
{
	struct timespec ts;
	time_t before, after;
	uint64_t now;

	(void)state;
	/* The same clock the HAL reads: time() may come from the coarse
	 * realtime clock, a tick behind, and so read second N while
	 * CLOCK_REALTIME already says N + 1. */
	assert_int_equal(clock_gettime(CLOCK_REALTIME, &ts), 0);
	before = ts.tv_sec;
	now = hal_clock_wall_s();
	assert_int_equal(clock_gettime(CLOCK_REALTIME, &ts), 0);
	after = ts.tv_sec;
	assert_true(before > 0);
	assert_true(now >= (uint64_t)before);
	assert_true(now <= (uint64_t)after);
}

static void test_monotonic(void **state)
{
	const struct timespec nap = { .tv_sec = 0, .tv_nsec = 30 * 1000 * 1000 };
	uint64_t t0, t1, prev;

	(void)state;
	t0 = hal_clock_mono_ms();
	prev = t0;
	for (int i = 0; i < 10000; i++) {
		uint64_t t = hal_clock_mono_ms();

		assert_true(t >= prev);
		prev = t;
	}
	assert_int_equal(nanosleep(&nap, NULL), 0);
	t1 = hal_clock_mono_ms();
	assert_true(t1 - t0 >= 30);
	assert_true(t1 - t0 < 30 * 1000); /* milliseconds, not microseconds */
}

static void test_host_sleep(void **state)
{
	(void)state;
	assert_string_equal(hal_clock_name(), "host");
	uint64_t t0 = hal_clock_mono_ms();
	hal_clock_sleep_ms(20);
	assert_true(hal_clock_mono_ms() - t0 >= 20);
}

static void on_advance(void *ctx, uint64_t now_ms)
{
	*(uint64_t *)ctx = now_ms;
}

static void test_sim(void **state)
{
	struct hal_clock_sim sim = { .mono_ms = 5, .wall_base_s = 1000 };
	uint64_t seen = 0;

	(void)state;
	sim.on_advance = on_advance;
	sim.ctx = &seen;
	hal_clock_sim_install(&sim);
	assert_string_equal(hal_clock_name(), "sim");
	assert_int_equal(hal_clock_mono_ms(), 5);
	assert_int_equal(hal_clock_mono_ms(), 5); /* time stands still unless slept on */
	hal_clock_sleep_ms(3600 * 1000);          /* an hour, at once */
	assert_int_equal(hal_clock_mono_ms(), 3600 * 1000 + 5);
	assert_int_equal(hal_clock_wall_s(), 1000 + 3600);
	assert_int_equal(seen, 3600 * 1000 + 5);
	hal_clock_sim_advance(&sim, 1000);
	assert_int_equal(hal_clock_wall_s(), 1000 + 3601);
	assert_int_equal(sim.slept_ms, 3601 * 1000);
	assert_int_equal(sim.sleeps, 2);
	hal_clock_use(NULL);
	assert_string_equal(hal_clock_name(), "host");
	assert_true(hal_clock_wall_s() > 1700000000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wall),
		cmocka_unit_test(test_monotonic),
		cmocka_unit_test(test_host_sleep),
		cmocka_unit_test(test_sim),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

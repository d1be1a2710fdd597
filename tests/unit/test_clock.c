/* Unit tests of the clock HAL: wall time agrees with time(2), monotonic
 * time never goes backwards and measures a sleep. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <time.h>
#include <cmocka.h>

#include "hal/clock.h"

static void test_wall(void **state)
{
	time_t before, after;
	uint64_t now;

	(void)state;
	before = time(NULL);
	now = hal_clock_wall_s();
	after = time(NULL);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wall),
		cmocka_unit_test(test_monotonic),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

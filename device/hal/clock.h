/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Clock HAL: wall time for claims, monotonic time for timeouts, and sleep.
 *
 * The time source is a backend (struct hal_clock_ops): the host's clocks by
 * default; a board port, or a test harness, installs another with
 * hal_clock_use. Every wait of the device programs that is not a blocking
 * read goes through hal_clock_sleep_ms, so under the simulated backend
 * (clock_sim.h) an hour of backoff passes in microseconds of real time and
 * the same production code runs, with no test-only branch.
 */
#ifndef MAYDAY_HAL_CLOCK_H
#define MAYDAY_HAL_CLOCK_H

#include <stdint.h>

struct hal_clock_ops {
	const char *name;
	uint64_t (*wall_s)(void *ctx);   /* seconds since the epoch; 0 if unknown */
	uint64_t (*mono_ms)(void *ctx);  /* monotonic milliseconds */
	void (*sleep_ms)(void *ctx, uint64_t ms); /* returns once ms have passed on this clock */
	void *ctx;
};

/* Installs a backend (copied; ctx stays the caller's). NULL: the host's.
 * Not thread-safe: called once at start-up, before any clock is read. */
void hal_clock_use(const struct hal_clock_ops *ops);
const char *hal_clock_name(void);

uint64_t hal_clock_wall_s(void);      /* seconds since the epoch */
uint64_t hal_clock_mono_ms(void);     /* monotonic milliseconds */
void hal_clock_sleep_ms(uint64_t ms); /* sleeps ms on the current clock */

#endif

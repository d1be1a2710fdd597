/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A simulated clock backend for the clock HAL: time moves only when the
 * device sleeps (or the harness advances it), so schedules of hours run in
 * a blink and give the same answer however busy the machine is. The
 * harness owns the struct and installs it with hal_clock_sim_install.
 */
#ifndef MAYDAY_HAL_CLOCK_SIM_H
#define MAYDAY_HAL_CLOCK_SIM_H

#include <stdint.h>

struct hal_clock_sim {
	uint64_t mono_ms;      /* now, on the simulated monotonic clock */
	uint64_t wall_base_s;  /* wall time at mono_ms = 0 */
	uint64_t slept_ms;     /* total of all sleeps (for tests) */
	uint32_t sleeps;       /* number of sleeps */
	/* Called after each sleep has advanced the clock (NULL: none): the
	 * harness's chance to change the world at a simulated time. */
	void (*on_advance)(void *ctx, uint64_t now_ms);
	void *ctx;
};

/* Installs `sim` (borrowed until hal_clock_use(NULL)) as the HAL clock. */
void hal_clock_sim_install(struct hal_clock_sim *sim);

/* Moves the simulated clock forward by ms (what a sleep does). */
void hal_clock_sim_advance(struct hal_clock_sim *sim, uint64_t ms);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/* The simulated clock backend (clock_sim.h): sleeping advances the clock. */
#include "clock.h"
#include "clock_sim.h"

static uint64_t sim_wall_s(void *ctx)
{
	const struct hal_clock_sim *sim = ctx;

	return sim->wall_base_s + sim->mono_ms / 1000;
}

static uint64_t sim_mono_ms(void *ctx)
{
	const struct hal_clock_sim *sim = ctx;

	return sim->mono_ms;
}

void hal_clock_sim_advance(struct hal_clock_sim *sim, uint64_t ms)
{
	sim->mono_ms += ms;
	sim->slept_ms += ms;
	sim->sleeps++;
	if (sim->on_advance)
		sim->on_advance(sim->ctx, sim->mono_ms);
}

static void sim_sleep_ms(void *ctx, uint64_t ms)
{
	hal_clock_sim_advance(ctx, ms);
}

void hal_clock_sim_install(struct hal_clock_sim *sim)
{
	struct hal_clock_ops ops = {
		.name = "sim",
		.wall_s = sim_wall_s,
		.mono_ms = sim_mono_ms,
		.sleep_ms = sim_sleep_ms,
		.ctx = sim,
	};

	hal_clock_use(&ops);
}

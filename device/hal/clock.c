/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Clock HAL: the backend switch and the host backend, CLOCK_REALTIME for
 * the wall time that goes into claims, CLOCK_MONOTONIC for deadlines
 * (immune to clock steps), poll(2) for sleeping.
 */
#include <poll.h>
#include <time.h>

#include "clock.h"

static uint64_t host_wall_s(void *ctx)
{
	struct timespec ts;

	(void)ctx;
	if (clock_gettime(CLOCK_REALTIME, &ts) != 0 || ts.tv_sec < 0)
		return 0;
	return (uint64_t)ts.tv_sec;
}

static uint64_t host_mono_ms(void *ctx)
{
	struct timespec ts;

	(void)ctx;
	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		return 0;
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* poll's timeout is an int: long sleeps go in slices, each re-checked
 * against the monotonic clock (a signal may end a slice early). */
static void host_sleep_ms(void *ctx, uint64_t ms)
{
	uint64_t until = host_mono_ms(ctx) + ms;

	for (uint64_t now = host_mono_ms(ctx); now < until; now = host_mono_ms(ctx)) {
		uint64_t left = until - now;
		poll(NULL, 0, left > 60000 ? 60000 : (int)left);
	}
}

static const struct hal_clock_ops host_ops = {
	.name = "host",
	.wall_s = host_wall_s,
	.mono_ms = host_mono_ms,
	.sleep_ms = host_sleep_ms,
};

static struct hal_clock_ops current = {
	.name = "host",
	.wall_s = host_wall_s,
	.mono_ms = host_mono_ms,
	.sleep_ms = host_sleep_ms,
};

void hal_clock_use(const struct hal_clock_ops *ops)
{
	current = ops ? *ops : host_ops;
}

const char *hal_clock_name(void)
{
	return current.name;
}

uint64_t hal_clock_wall_s(void)
{
	return current.wall_s(current.ctx);
}

uint64_t hal_clock_mono_ms(void)
{
	return current.mono_ms(current.ctx);
}

void hal_clock_sleep_ms(uint64_t ms)
{
	current.sleep_ms(current.ctx, ms);
}

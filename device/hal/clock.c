/*
 * Clock HAL on the host: CLOCK_REALTIME for the wall time that goes into
 * claims, CLOCK_MONOTONIC for deadlines (immune to clock steps).
 */
#include <time.h>

#include "clock.h"

uint64_t hal_clock_wall_s(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_REALTIME, &ts) != 0 || ts.tv_sec < 0)
		return 0;
	return (uint64_t)ts.tv_sec;
}

uint64_t hal_clock_mono_ms(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		return 0;
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

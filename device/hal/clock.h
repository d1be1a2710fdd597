/* Clock HAL: wall time for claims, monotonic time for timeouts. */
#ifndef MAYDAY_HAL_CLOCK_H
#define MAYDAY_HAL_CLOCK_H

#include <stdint.h>

uint64_t hal_clock_wall_s(void);      /* seconds since the epoch */
uint64_t hal_clock_mono_ms(void);     /* monotonic milliseconds */

#endif

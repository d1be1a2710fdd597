/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The DCF's retransmission schedule: exponential backoff with full jitter,
 * bounded by a cap, a server's retry-after and the overall deadline.
 *
 * Pure functions of their arguments (the random value is passed in), so the
 * schedule is tested without clocks or sockets.
 */
#ifndef MAYDAY_DCF_RETRY_H
#define MAYDAY_DCF_RETRY_H

#include <stdbool.h>
#include <stdint.h>

struct dcf_retry_policy {
	uint32_t initial_ms;   /* backoff window of the first retry */
	uint32_t max_ms;       /* the window never grows beyond this */
};

/* The backoff window after `attempt` unanswered sends (0-based):
 * min(max_ms, initial_ms * 2^attempt), without overflow for any attempt. */
uint64_t dcf_retry_window_ms(const struct dcf_retry_policy *p, uint32_t attempt);

/* Full jitter: a delay uniformly drawn from [0, window] using the random
 * value `rnd` (any 64-bit value). */
uint64_t dcf_retry_delay_ms(const struct dcf_retry_policy *p, uint32_t attempt, uint64_t rnd);

/* When to send next (absolute monotonic ms): earliest + the jittered delay,
 * but not before not_before_ms (a server's retry-after; 0 for none).
 * false if that time is at or beyond deadline_ms (no further attempt fits). */
bool dcf_retry_next(const struct dcf_retry_policy *p, uint32_t attempt, uint64_t rnd,
		    uint64_t earliest_ms, uint64_t not_before_ms, uint64_t deadline_ms,
		    uint64_t *at_ms);

#endif

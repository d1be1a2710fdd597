/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Backoff with full jitter (delay uniform in [0, min(cap, base * 2^n)]):
 * devices of a fleet that failed at the same moment spread their retries
 * instead of hammering the H(e)MS in lockstep.
 */
#include "dcf_retry.h"

uint64_t dcf_retry_window_ms(const struct dcf_retry_policy *p, uint32_t attempt)
{
	uint64_t w = p->initial_ms;

	/* Doubling stops at the cap, so neither the shift nor the product overflows. */
	for (uint32_t i = 0; i < attempt && w > 0 && w < p->max_ms; i++)
		w *= 2;
	return w < p->max_ms ? w : p->max_ms;
}

uint64_t dcf_retry_delay_ms(const struct dcf_retry_policy *p, uint32_t attempt, uint64_t rnd)
{
	uint64_t w = dcf_retry_window_ms(p, attempt);

	return rnd % (w + 1);
}

bool dcf_retry_next(const struct dcf_retry_policy *p, uint32_t attempt, uint64_t rnd,
		    uint64_t earliest_ms, uint64_t not_before_ms, uint64_t deadline_ms,
		    uint64_t *at_ms)
{
	uint64_t at = earliest_ms + dcf_retry_delay_ms(p, attempt, rnd);

	if (at < not_before_ms)
		at = not_before_ms;
	if (at >= deadline_ms)
		return false;
	*at_ms = at;
	return true;
}

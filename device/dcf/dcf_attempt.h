/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The DCF's attempt state on flash (state/dcf_attempt.bin), so a power cut
 * during a long H(e)MS outage or a "wait" does not start the device over:
 * the backoff step (the exponent of the window, so a device that keeps
 * losing power does not fall back to hammering at initial_ms), the method
 * to use next, and the wall time before which the H(e)MS asked it not to
 * announce. The message counter itself is the RoT's (persisted before use).
 *
 * Format (32 bytes, big-endian, version 1):
 *   0  "MDYA"            magic
 *   4  u8   version      1
 *   5  u8   method       index into the configured methods
 *   6  u16  reserved     0
 *   8  u32  step         backoff step
 *   12 u64  counter      RoT counter of the last indication built (for the log)
 *   20 u64  not_before   wall seconds; 0: none
 *   28 u32  check        first 4 bytes of SHA-256 over bytes 0..27
 * Written with hal_flash_write_atomic (old or new record after a power
 * cut, never a mix); one that does not parse is ignored (the DCF starts
 * from step 0, which is always safe) and logged.
 *
 * Wear: the session saves only when what it would restore changes -- the
 * step while the window still grows (a dozen writes from initial_ms to the
 * cap), the method, a wait -- never once per retransmission at the cap.
 */
#ifndef MAYDAY_DCF_ATTEMPT_H
#define MAYDAY_DCF_ATTEMPT_H

#include <stdint.h>

#include "hal/flash.h"
#include "mayday/error.h"

#define DCF_ATTEMPT_NAME "dcf_attempt.bin"  /* in HAL_PART_STATE */
#define DCF_ATTEMPT_LEN  32u
#define DCF_ATTEMPT_STEP_MAX 64u            /* beyond any cap: 2^64 ms */

struct dcf_attempt {
	uint8_t method;
	uint32_t step;
	uint64_t counter;
	uint64_t not_before_s;
};

/* Pure: encode into out[DCF_ATTEMPT_LEN]; decode `len` bytes (MAYDAY_E_MALFORMED
 * for a wrong size, magic, check or reserved bits; MAYDAY_E_UNSUPPORTED for
 * another version; a step above DCF_ATTEMPT_STEP_MAX is clamped). */
void dcf_attempt_encode(const struct dcf_attempt *a, uint8_t out[DCF_ATTEMPT_LEN]);
MAYDAY_NODISCARD enum mayday_err dcf_attempt_decode(const uint8_t *in, size_t len,
						    struct dcf_attempt *a);

/* From flash: MAYDAY_E_NOTFOUND if there is none; *a zeroed on any error. */
MAYDAY_NODISCARD enum mayday_err dcf_attempt_load(struct hal_flash *f, struct dcf_attempt *a);
MAYDAY_NODISCARD enum mayday_err dcf_attempt_save(struct hal_flash *f, const struct dcf_attempt *a);
/* Removes the record (absent is fine). */
MAYDAY_NODISCARD enum mayday_err dcf_attempt_clear(struct hal_flash *f);

#endif

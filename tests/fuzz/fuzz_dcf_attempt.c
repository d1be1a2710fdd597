/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz dcf_attempt_decode (the DCF's attempt state read back from flash):
 * never crash; anything accepted re-encodes to the same bytes, its step
 * within DCF_ATTEMPT_STEP_MAX. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dcf_attempt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dcf_attempt a;
	uint8_t out[DCF_ATTEMPT_LEN];

	if (dcf_attempt_decode(data, size, &a) != MAYDAY_OK)
		return 0;
	if (a.step > DCF_ATTEMPT_STEP_MAX)
		abort();
	dcf_attempt_encode(&a, out);
	/* a clamped step is the one difference allowed */
	if (memcmp(out + 12, data + 12, 16) != 0 || out[5] != data[5])
		abort();
	return 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* Boot state record decoder: never crashes, and whatever it accepts
 * re-encodes to the very same bytes (one encoding per state). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "boot_state.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mayday_diag diag = { 0, NULL };
	uint8_t again[BOOT_STATE_RECORD_LEN];
	struct boot_state st;

	if (boot_state_decode(data, size, &st, &diag) != MAYDAY_OK) {
		if (diag.what == NULL || diag.offset > size)
			abort();
		return 0;
	}
	if (boot_state_check(&st) != MAYDAY_OK || boot_state_encode(&st, again) != MAYDAY_OK ||
	    size != sizeof again || memcmp(again, data, size) != 0)
		abort();
	return 0;
}

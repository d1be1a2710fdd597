/* SPDX-License-Identifier: Apache-2.0 */
/* Attach state record decoder: never crashes, and whatever it accepts
 * re-encodes to the very same bytes (one encoding per state). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "boot_attach.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mayday_diag diag = { 0, NULL };
	uint8_t again[BOOT_ATTACH_RECORD_LEN];
	struct boot_attach a;

	if (boot_attach_decode(data, size, &a, &diag) != MAYDAY_OK) {
		if (diag.what == NULL || diag.offset > size)
			abort();
		return 0;
	}
	if (boot_attach_check(&a) != MAYDAY_OK || boot_attach_encode(&a, again) != MAYDAY_OK ||
	    size != sizeof again || memcmp(again, data, size) != 0)
		abort();
	return 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The tpm2 RoT backend's layout record decoder (device/hal/rot_tpm2_layout.c),
 * whose bytes come from a TPM's NV index, so hostile: only MALFORMED or
 * UNSUPPORTED on error with the output untouched, and whatever it accepts
 * re-encodes to exactly the input (one encoding per record).
 */
#include <stdlib.h>
#include <string.h>

#include "rot_tpm2_layout.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rot_tpm2_layout l, sentinel;
	uint8_t again[ROT_TPM2_LAYOUT_MAX];
	size_t len = 0;
	enum mayday_err err;

	memset(&sentinel, 0x5a, sizeof(sentinel));
	l = sentinel;
	err = rot_tpm2_layout_decode(data, size, &l);
	if (err != MAYDAY_OK) {
		if (memcmp(&l, &sentinel, sizeof(l)) != 0)
			abort(); /* partial state on error */
		if (err != MAYDAY_E_MALFORMED && err != MAYDAY_E_UNSUPPORTED)
			abort();
		return 0;
	}
	if (rot_tpm2_layout_encode(&l, again, sizeof(again), &len) != MAYDAY_OK || len != size ||
	    memcmp(again, data, size) != 0)
		abort();
	return 0;
}

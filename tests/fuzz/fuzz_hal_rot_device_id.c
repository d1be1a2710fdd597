/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The file RoT's device ID item (device/hal/rot_device_id.c), checked
 * against the rule as written in rot_device_id.h: one optional trailing
 * newline, then 1..min(MAYDAY_KID_MAX, MAYDAY_DEVICE_ID_MAX) bytes of
 * 0x21..0x7e. Accepted IDs come out NUL-terminated and byte-exact; rejected
 * ones leave the output untouched.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "rot_device_id.h"

#define ID_MAX (MAYDAY_KID_MAX < MAYDAY_DEVICE_ID_MAX ? MAYDAY_KID_MAX : MAYDAY_DEVICE_ID_MAX)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool expected_ok(const uint8_t *data, size_t size, size_t *id_len)
{
	size_t n = size > 0 && data[size - 1] == 0x0a ? size - 1 : size;

	if (n == 0 || n > ID_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (data[i] < 0x21 || data[i] > 0x7e)
			return false;
	*id_len = n;
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char out[MAYDAY_DEVICE_ID_MAX + 1], before[MAYDAY_DEVICE_ID_MAX + 1];
	size_t len = (size_t)-1, want = 0;
	bool ok = expected_ok(data, size, &want);
	enum mayday_err err;

	memset(out, 0x7f, sizeof(out));
	memcpy(before, out, sizeof(out));
	err = rot_device_id_decode(data, size, out, &len);
	if (!ok) {
		if (err != MAYDAY_E_MALFORMED || len != (size_t)-1 ||
		    memcmp(out, before, sizeof(out)) != 0)
			abort();
		return 0;
	}
	if (err != MAYDAY_OK || len != want || memcmp(out, data, len) != 0 || out[len] != '\0' ||
	    strlen(out) != len || !rot_device_id_ok(out, len))
		abort();
	return 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The remote RoT backend's parser of answers (device/hal/rot_wire.c, the
 * bytes mayday-rot-agent sends the static DCF or TrE). Accepted means:
 * nothing read past the input, an error answer carries nothing, a success
 * carries exactly what its op's answer may (a device ID printable, a
 * signature 64 bytes, keys and credentials within their bounds), and the
 * message encodes back to exactly these bytes. Refused means: nothing
 * decoded.
 */
#include <stdlib.h>
#include <string.h>

#include "mayday/psk.h"
#include "rot_wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t again[ROT_WIRE_MSG_MAX];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rot_wire_msg m;
	size_t len = 0;
	enum mayday_err err = rot_wire_decode(data, size, ROT_WIRE_RESPONSE, &m);

	if (err != MAYDAY_OK) {
		if (err != MAYDAY_E_MALFORMED && err != MAYDAY_E_TOOBIG)
			abort();
		if (m.op != 0 || m.data != NULL || m.len != 0)
			abort();
		return 0;
	}
	if (m.kind != ROT_WIRE_RESPONSE || (unsigned)m.status >= MAYDAY_E__COUNT)
		abort();
	if (m.status != MAYDAY_OK && (m.len != 0 || m.data != NULL))
		abort();
	if (m.data != NULL && (m.data < data || m.data + m.len > data + size))
		abort();
	if (m.status == MAYDAY_OK) {
		if (m.op == ROT_WIRE_SIGN && m.len != MAYDAY_ES256_SIG_LEN)
			abort();
		if (m.op == ROT_WIRE_DEVICE_ID && (m.len == 0 || m.len > MAYDAY_DEVICE_ID_MAX))
			abort();
		if (m.op == ROT_WIRE_PSK_KEYS &&
		    (m.len < 2 * MAYDAY_PSK_KEY_LEN + MAYDAY_PSK_IV_LEN + MAYDAY_PSK_KID_MIN ||
		     m.len > 2 * MAYDAY_PSK_KEY_LEN + MAYDAY_PSK_IV_LEN + MAYDAY_PSK_KID_MAX))
			abort();
		if (m.op == ROT_WIRE_UNSEAL && (m.len == 0 || m.len > HAL_ROT_CREDS_MAX))
			abort();
	}
	if (rot_wire_encode(&m, again, sizeof(again), &len) != MAYDAY_OK || len != size ||
	    memcmp(again, data, size) != 0)
		abort();
	return 0;
}

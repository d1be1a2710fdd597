/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The RoT agent's parser of requests (device/hal/rot_wire.c, the bytes a
 * static DCF or TrE sends mayday-rot-agent). Accepted means: nothing read
 * past the input, every field in range for its op, and the message encodes
 * back to exactly these bytes (one encoding per request). Refused means:
 * nothing decoded.
 */
#include <stdlib.h>
#include <string.h>

#include "rot_wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t again[ROT_WIRE_MSG_MAX];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rot_wire_msg m;
	size_t len = 0;
	enum mayday_err err = rot_wire_decode(data, size, ROT_WIRE_REQUEST, &m);

	if (err != MAYDAY_OK) {
		if (err != MAYDAY_E_MALFORMED && err != MAYDAY_E_TOOBIG)
			abort();
		if (m.op != 0 || m.data != NULL || m.len != 0)
			abort(); /* partial state on error */
		return 0;
	}
	if (m.kind != ROT_WIRE_REQUEST || m.op == ROT_WIRE_HELLO || m.status != MAYDAY_OK)
		abort();
	if (m.len > ROT_WIRE_PAYLOAD_MAX ||
	    (m.data != NULL && (m.data < data || m.data + m.len > data + size)))
		abort();
	if (m.op == ROT_WIRE_ANCHOR ? m.which >= HAL_ROT_ANCHOR__COUNT
				    : m.which >= HAL_ROT_COUNTER__COUNT)
		abort();
	if (rot_wire_encode(&m, again, sizeof(again), &len) != MAYDAY_OK || len != size ||
	    memcmp(again, data, size) != 0)
		abort();
	return 0;
}

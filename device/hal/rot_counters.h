/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private to the file RoT backend: the monotonic counters record,
 * HAL_PART_ROT/"counters", exactly ROT_COUNTERS_RECORD_LEN bytes, integers
 * big-endian:
 *   offset  size
 *        0     4  magic "MDYC"
 *        4     2  format version, ROT_COUNTERS_VERSION
 *        6     2  reserved, zero
 *        8     8  counter HAL_ROT_COUNTER_MESSAGE
 *       16     8  counter HAL_ROT_COUNTER_ROLLBACK
 *       24     8  check: the first 8 bytes of SHA-256 over bytes 0..23
 * The record lives on flash, so the decoder treats it as hostile: it never
 * reads past `len` and writes `value` only when the whole record is good.
 */
#ifndef MAYDAY_HAL_ROT_COUNTERS_H
#define MAYDAY_HAL_ROT_COUNTERS_H

#include <stddef.h>
#include <stdint.h>

#include "mayday/error.h"
#include "rot.h"

#define ROT_COUNTERS_VERSION    1u
#define ROT_COUNTERS_RECORD_LEN 32

/* The one encoding of `value`. */
void rot_counters_encode(const uint64_t value[HAL_ROT_COUNTER__COUNT],
			 uint8_t rec[ROT_COUNTERS_RECORD_LEN]);

/* Any other length, magic, reserved value or check is MAYDAY_E_MALFORMED;
 * a well-formed record of another version is MAYDAY_E_UNSUPPORTED. `value`
 * is written on MAYDAY_OK only. Whatever it accepts, rot_counters_encode
 * turns back into the same bytes. */
MAYDAY_NODISCARD enum mayday_err rot_counters_decode(const uint8_t *rec, size_t len,
						     uint64_t value[HAL_ROT_COUNTER__COUNT]);

#endif

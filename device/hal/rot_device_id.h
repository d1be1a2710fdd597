/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private to the file RoT backend: the device ID item, HAL_PART_ROT/"device_id".
 * The ID is used as the COSE kid, so it must fit one (MAYDAY_KID_MAX); printable
 * ASCII without spaces (0x21..0x7e) keeps it safe in logs, file names and URLs.
 */
#ifndef MAYDAY_HAL_ROT_DEVICE_ID_H
#define MAYDAY_HAL_ROT_DEVICE_ID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mayday/error.h"
#include "mayday/limits.h"

/* true if id[0..len) is a valid device ID: 1..min(MAYDAY_KID_MAX,
 * MAYDAY_DEVICE_ID_MAX) bytes of 0x21..0x7e. `id` need not be NUL-terminated. */
bool rot_device_id_ok(const char *id, size_t len);

/* The stored item as read from flash (hostile): a valid ID, optionally
 * followed by one "\n", else MAYDAY_E_MALFORMED. On MAYDAY_OK `out` holds the
 * NUL-terminated ID and *out_len its length; on error neither is written. */
MAYDAY_NODISCARD enum mayday_err rot_device_id_decode(const uint8_t *buf, size_t len,
						      char out[MAYDAY_DEVICE_ID_MAX + 1],
						      size_t *out_len);

#endif

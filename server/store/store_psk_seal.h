/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private to the store backends: the associated data a PSK is sealed with
 * at rest (mayday/kek.h), the same for every backend so a sealed key moved
 * to another row, or another device, does not open.
 */
#ifndef MAYDAY_STORE_PSK_SEAL_H
#define MAYDAY_STORE_PSK_SEAL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "mayday/indication.h"
#include "mayday/psk.h"

#define STORE_PSK_AAD_LABEL "mayday psk at rest v1"
#define STORE_PSK_AAD_MAX \
	(sizeof(STORE_PSK_AAD_LABEL) + MAYDAY_PSK_KID_MAX + MAYDAY_DEVICE_ID_MAX)

/* label || kid length (1 byte) || kid || device ID, into aad (at least
 * STORE_PSK_AAD_MAX bytes; kid_len and the ID's length within their maxima);
 * returns its length. */
static inline size_t store_psk_aad(uint8_t *aad, const uint8_t *kid, size_t kid_len,
				   const char *device_id)
{
	size_t n = sizeof(STORE_PSK_AAD_LABEL) - 1, id_len = strlen(device_id);
	memcpy(aad, STORE_PSK_AAD_LABEL, n);
	aad[n++] = (uint8_t)kid_len;
	memcpy(aad + n, kid, kid_len);
	n += kid_len;
	memcpy(aad + n, device_id, id_len);
	return n + id_len;
}

#endif

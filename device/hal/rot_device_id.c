/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The file RoT's device ID item (rules in rot_device_id.h). One trailing
 * newline is tolerated on read because the item is plain text an operator may
 * have written with an editor; provisioning never writes one.
 */
#include <string.h>

#include "rot_device_id.h"

bool rot_device_id_ok(const char *id, size_t len)
{
	if (len == 0 || len > MAYDAY_KID_MAX || len > MAYDAY_DEVICE_ID_MAX)
		return false;
	for (size_t i = 0; i < len; i++)
		if (id[i] < 0x21 || id[i] > 0x7e)
			return false;
	return true;
}

enum mayday_err rot_device_id_decode(const uint8_t *buf, size_t len,
				     char out[MAYDAY_DEVICE_ID_MAX + 1], size_t *out_len)
{
	if (len > 0 && buf[len - 1] == '\n')
		len--;
	if (!rot_device_id_ok((const char *)buf, len))
		return MAYDAY_E_MALFORMED;
	memcpy(out, buf, len);
	out[len] = '\0';
	*out_len = len;
	return MAYDAY_OK;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer: srv_ikemap_names, which decides whether an IKE identity (text
 * from the SeGW's charon: an FQDN, key ID or distinguished name) names a
 * device. Input: identity, a NUL byte, device ID. Checked: a "yes" always
 * has the device ID inside the identity, and never for an empty device ID.
 */
#include <stdlib.h>
#include <string.h>

#include "srv_ikemap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char identity[512], device[128];
	const uint8_t *nul = memchr(data, 0, size);
	size_t a = nul ? (size_t)(nul - data) : size;
	size_t b = nul ? size - a - 1 : 0;
	if (a >= sizeof(identity) || b >= sizeof(device))
		return 0;
	memcpy(identity, data, a);
	identity[a] = '\0';
	if (nul)
		memcpy(device, nul + 1, b);
	device[b] = '\0';
	if (memchr(device, 0, b) != NULL)
		return 0;   /* the device ID is text: a second NUL ends it early */
	if (srv_ikemap_names(identity, device)) {
		if (device[0] == '\0' || strstr(identity, device) == NULL)
			abort();
	}
	return 0;
}

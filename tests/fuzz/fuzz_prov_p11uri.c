/* SPDX-License-Identifier: Apache-2.0 */
/* mayday-provision's PKCS#11 URI parser (tools/provision/prov_p11uri.c). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "prov_p11uri.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	struct prov_p11uri u;
	const char *why;
	size_t at;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (prov_p11uri_parse(s, &u, &why, &at) == MAYDAY_OK) {
		if (strlen(u.token) > 32 || strlen(u.object) > PROV_P11URI_LABEL_MAX ||
		    u.id_len > PROV_P11URI_ID_MAX)
			abort();
	} else if (!why || at > strlen(s)) {
		abort();
	}
	prov_p11uri_wipe(&u);
	free(s);
	return 0;
}

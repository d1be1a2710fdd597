/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz the manifest decoders: claims alone and signed (verified with the
 * protocol.md test key). Every accepted manifest is usable as is: at least
 * one TRV, safe unique names, the entry listed.
 */
#include <stdlib.h>
#include <string.h>

#include "mayday/manifest.h"
#include "test_vectors.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_rules(const struct mayday_manifest *m)
{
	if (m->n_trv < 1 || m->n_trv > MAYDAY_MANIFEST_FILES_MAX || !mayday_name_is_safe(m->entry) ||
	    !mayday_manifest_find(m, m->entry))
		abort();
	for (uint32_t i = 0; i < m->n_trv; i++) {
		if (!mayday_name_is_safe(m->trv[i].name) ||
		    mayday_manifest_find(m, m->trv[i].name) != &m->trv[i])
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static EVP_PKEY *pub;
	static struct mayday_manifest m, again;
	static uint8_t out[MAYDAY_MANIFEST_MAX];
	struct mayday_diag diag = { 0 };
	size_t len;

	if (!pub)
		pub = tv_pub();
	if (mayday_manifest_decode_claims(data, size, &m, &diag) == MAYDAY_OK) {
		check_rules(&m);
		if (mayday_manifest_encode_claims(&m, out, sizeof(out), &len) != MAYDAY_OK ||
		    len > size || (len == size && memcmp(out, data, size) != 0))
			abort();
		if (mayday_manifest_decode_claims(out, len, &again, &diag) != MAYDAY_OK ||
		    memcmp(&m, &again, sizeof(m)) != 0)
			abort();
	} else if (diag.offset > size || !diag.what) {
		abort();
	}
	diag.what = NULL;
	if (mayday_manifest_verify(data, size, pub, &m, &diag) == MAYDAY_OK)
		check_rules(&m);
	else if (diag.offset > size || !diag.what)
		abort();
	return 0;
}

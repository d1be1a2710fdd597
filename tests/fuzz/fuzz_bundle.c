/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz the bundle as a receiver reads it: the header, then the announced
 * manifest (verified with the protocol.md test key), then the payloads
 * measured against their TRVs. Every accepted header must announce a
 * manifest within its limit and re-encode to the same bytes.
 */
#include <stdlib.h>
#include <string.h>

#include "mayday/bundle.h"
#include "mayday/keys.h"
#include "test_vectors.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static EVP_PKEY *pub;
	static struct mayday_manifest m;
	uint8_t again[MAYDAY_BUNDLE_HEADER_LEN], digest[MAYDAY_DIGEST_LEN];
	struct mayday_diag diag = { 0, NULL };
	uint32_t mlen = 0;
	uint64_t total = 0;
	size_t off;

	if (!pub)
		pub = tv_pub();
	if (size < MAYDAY_BUNDLE_HEADER_LEN)
		return 0;
	if (mayday_bundle_header_decode(data, MAYDAY_BUNDLE_HEADER_LEN, &mlen, &diag) != MAYDAY_OK) {
		if (diag.offset > MAYDAY_BUNDLE_HEADER_LEN || !diag.what)
			abort();
		return 0;
	}
	if (mlen == 0 || mlen > MAYDAY_MANIFEST_MAX ||
	    mayday_bundle_header_encode(mlen, again) != MAYDAY_OK ||
	    memcmp(again, data, sizeof again) != 0)
		abort();
	off = MAYDAY_BUNDLE_HEADER_LEN;
	if (size - off < mlen ||
	    mayday_manifest_verify(data + off, mlen, pub, &m, &diag) != MAYDAY_OK)
		return 0;
	off += mlen;
	if (mayday_bundle_payload_size(&m, &total) != MAYDAY_OK)
		return 0;
	for (uint32_t i = 0; i < m.n_trv && m.trv[i].size <= size - off; i++) {
		mayday_sha256(data + off, (size_t)m.trv[i].size, digest);
		off += (size_t)m.trv[i].size;
	}
	return 0;
}

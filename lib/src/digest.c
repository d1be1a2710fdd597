/* SPDX-License-Identifier: Apache-2.0 */
/* SHA-256, hex and constant-time comparison: small helpers over OpenSSL. */
#include <stdlib.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "algs.h"
#include "mayday/keys.h"

void mayday_sha256(const void *data, size_t len, uint8_t out[MAYDAY_DIGEST_LEN])
{
	const EVP_MD *md = algs_sha256();
	unsigned int n = 0;

	/* SHA-256 from the default provider fails only if the library itself
	 * is broken (no memory, no provider). The signature has no error
	 * return, and a made-up digest would end up in signed TRVs. */
	if (!md || EVP_Digest(data, len, out, &n, md, NULL) != 1 || n != MAYDAY_DIGEST_LEN)
		abort();
}

void mayday_hex(const uint8_t *in, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < len; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 0xf];
	}
	out[2 * len] = '\0';
}

int mayday_ct_equal(const void *a, const void *b, size_t len)
{
	return CRYPTO_memcmp(a, b, len) == 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The file RoT's key items (device/hal/rot_keys.c): every input is tried as
 * the distress key and as a trust anchor. Whatever is accepted must be a
 * P-256 key that passes OpenSSL's checks -- as the distress key, with a
 * private scalar and a consistent key pair (a damaged scalar is never
 * accepted), as an anchor, a valid public point; every rejection is
 * MAYDAY_E_KEY (or an allocation failure) and writes nothing.
 * ASan's leak check holds the decoders to their ownership rules.
 *
 * An input that starts like PEM ("-----") is used as it is. Any other input
 * is one label selector byte and DER, wrapped here into PEM: the fuzzer
 * cannot mutate base64 into meaningful DER, so this lets it reach OpenSSL's
 * key decoders with structured bytes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>

#include "rot_keys.h"

#define DER_MAX 2048 /* its PEM stays below ROT_KEYS_PEM_MAX */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const labels[] = {
	"PRIVATE KEY", "EC PRIVATE KEY", "PUBLIC KEY", "CERTIFICATE",
};

/* "-----BEGIN label-----", base64 in lines of 64, "-----END label-----". */
static size_t wrap(const uint8_t *der, size_t len, const char *label, uint8_t *out, size_t cap)
{
	size_t n = 0;

	n += (size_t)snprintf((char *)out, cap, "-----BEGIN %s-----\n", label);
	for (size_t off = 0; off < len; off += 48) {
		size_t chunk = len - off < 48 ? len - off : 48;

		n += (size_t)EVP_EncodeBlock(out + n, der + off, (int)chunk);
		out[n++] = '\n';
	}
	n += (size_t)snprintf((char *)out + n, cap - n, "-----END %s-----\n", label);
	return n;
}

static void check(enum mayday_err err, EVP_PKEY *key, int want_private)
{
	BIGNUM *priv = NULL;
	int has_private;

	if (err != MAYDAY_OK) {
		if ((err != MAYDAY_E_KEY && err != MAYDAY_E_NOMEM) || key != NULL)
			abort();
		return;
	}
	if (key == NULL || !rot_keys_is_p256(key))
		abort();
	has_private = EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_PRIV_KEY, &priv) == 1;
	BN_clear_free(priv);
	if (want_private && !has_private)
		abort();
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);
	if (ctx == NULL)
		abort();
	if ((want_private ? EVP_PKEY_pairwise_check(ctx) : EVP_PKEY_public_check(ctx)) != 1)
		abort();
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(key);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t pem[ROT_KEYS_PEM_MAX];
	EVP_PKEY *key = NULL;

	if (size > 0 && (size < 5 || memcmp(data, "-----", 5) != 0)) {
		if (size - 1 > DER_MAX)
			return 0;
		size = wrap(data + 1, size - 1, labels[data[0] % 4], pem, sizeof(pem));
		data = pem;
	}
	check(rot_keys_private_decode(data, size, &key), key, 1);
	key = NULL;
	check(rot_keys_public_decode(data, size, &key), key, 0);
	return 0;
}

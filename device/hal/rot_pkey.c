/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A P-256 EVP_PKEY whose signing is a callback (rot_pkey.h). OpenSSL 3
 * keeps a key whose EC_KEY has a method of its own on its legacy code path
 * (a "foreign" key, never exported to a provider), and the legacy path
 * signs through EC_KEY_METHOD's sign hooks: the one way to hand libssl a key
 * that is not in this process without writing an OpenSSL provider. Those
 * are deprecated interfaces of OpenSSL 3, used here on purpose and here
 * only (a provider would be the way the day they go).
 */
#define OPENSSL_SUPPRESS_DEPRECATED
#include "rot_pkey.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>

struct cb {
	rot_pkey_sign_fn fn;
	void *ctx;
};

static pthread_once_t once = PTHREAD_ONCE_INIT;
static EC_KEY_METHOD *method;
static int ex_index = -1;

static void free_cb(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl,
		    void *argp)
{
	(void)parent;
	(void)ad;
	(void)idx;
	(void)argl;
	(void)argp;
	free(ptr);
}

/* The digest as the 32 bytes P-256's ECDSA uses: its leftmost 256 bits, or
 * a shorter one zero-extended on the left (the same integer). */
static ECDSA_SIG *sign_sig(const unsigned char *dgst, int dlen, const BIGNUM *kinv,
			   const BIGNUM *r, EC_KEY *ec)
{
	struct cb *cb = EC_KEY_get_ex_data(ec, ex_index);
	uint8_t d[32] = { 0 }, sig[MAYDAY_ES256_SIG_LEN];
	ECDSA_SIG *out = NULL;
	BIGNUM *br = NULL, *bs = NULL;

	(void)kinv;
	(void)r;
	if (cb == NULL || dlen <= 0)
		return NULL;
	if (dlen >= 32)
		memcpy(d, dgst, 32);
	else
		memcpy(d + 32 - dlen, dgst, (size_t)dlen);
	if (cb->fn(cb->ctx, d, sig) != MAYDAY_OK)
		return NULL;
	br = BN_bin2bn(sig, 32, NULL);
	bs = BN_bin2bn(sig + 32, 32, NULL);
	out = ECDSA_SIG_new();
	if (br == NULL || bs == NULL || out == NULL || ECDSA_SIG_set0(out, br, bs) != 1) {
		BN_free(br);
		BN_free(bs);
		ECDSA_SIG_free(out);
		return NULL;
	}
	return out;
}

static int sign(int type, const unsigned char *dgst, int dlen, unsigned char *sig,
		unsigned int *siglen, const BIGNUM *kinv, const BIGNUM *r, EC_KEY *ec)
{
	ECDSA_SIG *s = sign_sig(dgst, dlen, kinv, r, ec);
	int n;

	(void)type;
	if (s == NULL)
		return 0;
	n = i2d_ECDSA_SIG(s, &sig);
	ECDSA_SIG_free(s);
	if (n <= 0)
		return 0;
	*siglen = (unsigned int)n;
	return 1;
}

static void init(void)
{
	ex_index = EC_KEY_get_ex_new_index(0, NULL, NULL, NULL, free_cb);
	method = EC_KEY_METHOD_new(EC_KEY_get_default_method());
	if (method != NULL)
		EC_KEY_METHOD_set_sign(method, sign, NULL, sign_sig);
}

enum mayday_err rot_pkey_new(EVP_PKEY *pub, rot_pkey_sign_fn fn, void *ctx, EVP_PKEY **out)
{
	const EC_KEY *src;
	EC_KEY *ec = NULL;
	struct cb *cb = NULL;
	EVP_PKEY *pk = NULL;

	*out = NULL;
	if (pthread_once(&once, init) != 0 || method == NULL || ex_index < 0)
		return MAYDAY_E_NOMEM;
	src = EVP_PKEY_get0_EC_KEY(pub);
	if (src == NULL || EC_GROUP_get_curve_name(EC_KEY_get0_group(src)) != NID_X9_62_prime256v1)
		return MAYDAY_E_KEY;
	ec = EC_KEY_dup(src);
	cb = calloc(1, sizeof(*cb));
	pk = EVP_PKEY_new();
	if (ec == NULL || cb == NULL || pk == NULL)
		goto fail;
	cb->fn = fn;
	cb->ctx = ctx;
	if (EC_KEY_set_method(ec, method) != 1 || EC_KEY_set_ex_data(ec, ex_index, cb) != 1)
		goto fail;
	cb = NULL; /* the key's now: freed with it */
	if (EVP_PKEY_assign_EC_KEY(pk, ec) != 1)
		goto fail;
	*out = pk;
	return MAYDAY_OK;
fail:
	free(cb);
	EC_KEY_free(ec);
	EVP_PKEY_free(pk);
	return MAYDAY_E_NOMEM;
}

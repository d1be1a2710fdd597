/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The file RoT's key items (rules in rot_keys.h). OpenSSL parses the PEM;
 * this file only bounds the input, refuses to prompt, and pins the curve, so
 * a key of another type can never become the distress key or an anchor, and
 * has OpenSSL check what it decoded: a damaged distress key must fail here,
 * at start-up, not months later as indications nobody can verify.
 *
 * The distress key is read at every start of mayday-boot and of the DCF,
 * and OpenSSL 3's PEM reader goes through its DECODER machinery, which
 * builds every decoder and key manager of the provider first: about 15 %
 * of the DCF's CPU per run (docs/performance.md). So the one form
 * mayday-provision writes -- "PRIVATE KEY", base64 in lines of 64, of the
 * 138-byte PKCS#8 that wraps a SEC1 P-256 key with its public point -- is
 * recognised byte for byte (rot_keys_p256_private_from_pem) and handed to
 * EVP_PKEY_fromdata. Any other text, and any refusal there, goes to
 * OpenSSL's reader as before, and the same checks (P-256, pairwise) run on
 * the key either way: the fast path accepts nothing the reader would not.
 */
#include <string.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>

#include "mayday/keys.h"
#include "rot_keys.h"

bool rot_keys_is_p256(EVP_PKEY *key)
{
	char group[32];

	return EVP_PKEY_is_a(key, "EC") &&
	       EVP_PKEY_get_group_name(key, group, sizeof(group), NULL) == 1 &&
	       strcmp(group, "prime256v1") == 0;
}

/* OpenSSL's own check of a decoded key: the key pair (scalar range, point
 * on the curve and of the right order, point = scalar x G) or the public
 * point alone. */
static enum mayday_err key_check(EVP_PKEY *key, bool pair)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);
	int ok;

	if (ctx == NULL)
		return MAYDAY_E_NOMEM;
	ok = pair ? EVP_PKEY_pairwise_check(ctx) : EVP_PKEY_public_check(ctx);
	EVP_PKEY_CTX_free(ctx);
	if (ok != 1) {
		ERR_clear_error(); /* the verdict is ours to report */
		return MAYDAY_E_KEY;
	}
	return MAYDAY_OK;
}

/* Never prompt: a key in the RoT is not passphrase-protected. */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return 0;
}

/* The PKCS#8 form: the DER of PrivateKeyInfo { version 0, id-ecPublicKey
 * with prime256v1, OCTET STRING { ECPrivateKey { version 1, the 32-byte
 * scalar, [1] the uncompressed point } } }, as OpenSSL writes a P-256 key. */
#define P8_LEN       138
#define P8_B64       184 /* 4 * 138 / 3, no padding */
#define P8_SCALAR_AT 36
#define P8_POINT_AT  73  /* 0x04, X, Y */
#define P8_POINT_LEN 65
static const char p8_begin[] = "-----BEGIN PRIVATE KEY-----\n";
static const char p8_end[] = "-----END PRIVATE KEY-----";
static const uint8_t p8_head[P8_SCALAR_AT] = {
	0x30, 0x81, 0x87,					    /* SEQUENCE, 135 */
	0x02, 0x01, 0x00,					    /* version 0 */
	0x30, 0x13,						    /* SEQUENCE, 19 */
	0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01,	    /* id-ecPublicKey */
	0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, /* prime256v1 */
	0x04, 0x6d,						    /* OCTET STRING, 109 */
	0x30, 0x6b,						    /* SEQUENCE, 107 */
	0x02, 0x01, 0x01,					    /* version 1 */
	0x04, 0x20,						    /* OCTET STRING, 32 */
};
static const uint8_t p8_mid[P8_POINT_AT - P8_SCALAR_AT - 32] = {
	0xa1, 0x44,		/* [1], 68 */
	0x03, 0x42, 0x00,	/* BIT STRING, 66, no unused bits */
};

/* Base64 lines of 64 from pem[*at], each ending in "\n", P8_B64 characters
 * in all, into b64 (NUL-terminated); *at moves past them. */
static bool p8_lines(const uint8_t *pem, size_t len, size_t *at, char b64[P8_B64 + 1])
{
	size_t i = *at, n = 0;

	while (n < P8_B64) {
		size_t line = P8_B64 - n < 64 ? P8_B64 - n : 64;

		if (len - i < line + 1 || pem[i + line] != '\n')
			return false;
		memcpy(b64 + n, pem + i, line);
		n += line;
		i += line + 1;
	}
	b64[n] = '\0';
	*at = i;
	return true;
}

/* The key pair from the DER's scalar and point; NULL if OpenSSL refuses
 * them (a point off the curve, say) or memory runs out. */
static EVP_PKEY *p8_key(const uint8_t der[P8_LEN])
{
	char group[] = "prime256v1";
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *key = NULL;
	BIGNUM *scalar = BN_secure_new();

	if (bld == NULL || scalar == NULL ||
	    BN_bin2bn(der + P8_SCALAR_AT, 32, scalar) == NULL ||
	    OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, group, 0) != 1 ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, scalar) != 1 ||
	    OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, der + P8_POINT_AT,
					     P8_POINT_LEN) != 1)
		goto out;
	params = OSSL_PARAM_BLD_to_param(bld);
	ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	if (params == NULL || ctx == NULL || EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_KEYPAIR, params) != 1)
		key = NULL;
out:
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params); /* clears the scalar's copy (from a secure BIGNUM) */
	OSSL_PARAM_BLD_free(bld);
	BN_clear_free(scalar);
	ERR_clear_error(); /* a refusal sends the text to OpenSSL's reader */
	return key;
}

enum mayday_err rot_keys_p256_private_from_pem(const uint8_t *pem, size_t len, EVP_PKEY **out)
{
	char b64[P8_B64 + 1];
	uint8_t der[P8_LEN];
	size_t at = sizeof(p8_begin) - 1;
	enum mayday_err err = MAYDAY_E_UNSUPPORTED;
	EVP_PKEY *key;

	if (len < at || memcmp(pem, p8_begin, at) != 0 || !p8_lines(pem, len, &at, b64) ||
	    len - at < sizeof(p8_end) - 1 || memcmp(pem + at, p8_end, sizeof(p8_end) - 1) != 0)
		goto out;
	/* The end line ends there, as OpenSSL's reader requires. */
	at += sizeof(p8_end) - 1;
	if (at < len && pem[at] != '\n')
		goto out;
	/* EVP_DecodeBlock refuses characters outside base64. */
	if (EVP_DecodeBlock(der, (const unsigned char *)b64, P8_B64) != P8_LEN ||
	    memcmp(der, p8_head, sizeof(p8_head)) != 0 ||
	    memcmp(der + P8_SCALAR_AT + 32, p8_mid, sizeof(p8_mid)) != 0)
		goto out;
	key = p8_key(der);
	if (key == NULL)
		goto out;
	*out = key;
	err = MAYDAY_OK;
out:
	OPENSSL_cleanse(b64, sizeof(b64));
	OPENSSL_cleanse(der, sizeof(der));
	return err;
}

enum mayday_err rot_keys_private_decode(const uint8_t *pem, size_t len, EVP_PKEY **out)
{
	enum mayday_err err = MAYDAY_E_KEY;
	EVP_PKEY *key = NULL;
	BIO *bio = NULL;

	if (len > ROT_KEYS_PEM_MAX)
		return MAYDAY_E_KEY;
	if (rot_keys_p256_private_from_pem(pem, len, &key) != MAYDAY_OK) {
		bio = BIO_new_mem_buf(pem, (int)len);
		if (bio == NULL)
			return MAYDAY_E_NOMEM;
		key = PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL);
	}
	if (key == NULL || !rot_keys_is_p256(key))
		goto out;
	err = key_check(key, true);
	if (err != MAYDAY_OK)
		goto out;
	*out = key;
	key = NULL;
	err = MAYDAY_OK;
out:
	EVP_PKEY_free(key);
	BIO_free(bio);
	return err;
}

enum mayday_err rot_keys_public_decode(const uint8_t *pem, size_t len, EVP_PKEY **out)
{
	EVP_PKEY *key = NULL;
	enum mayday_err err;

	if (len > ROT_KEYS_PEM_MAX)
		return MAYDAY_E_KEY;
	err = mayday_key_public_from_pem(pem, len, &key);
	if (err != MAYDAY_OK)
		return err;
	err = rot_keys_is_p256(key) ? key_check(key, false) : MAYDAY_E_KEY;
	if (err != MAYDAY_OK) {
		EVP_PKEY_free(key);
		return err;
	}
	*out = key;
	return MAYDAY_OK;
}

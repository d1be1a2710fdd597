/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ES256 over OpenSSL: the P-256 key check, the conversion between COSE's
 * fixed-size r||s signature and the DER form OpenSSL speaks, and the
 * mayday_signer over an EVP_PKEY.
 *
 * A signer from mayday_signer_open keeps its OpenSSL objects (the SHA-256
 * fetched once, a digest context, a sign-initialised key context) for its
 * lifetime: OpenSSL 3 otherwise fetches algorithms and builds contexts on
 * every call, which costs about a fifth of the signature itself.
 *
 * High-S signatures are accepted on verification and produced as OpenSSL
 * makes them (docs/protocol.md §COSE profile): ECDSA signatures are
 * malleable, so nothing in mayday uses signature bytes as an identity.
 */
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>

#include "es256.h"
#include "mayday/cose.h"

#define COORD_LEN (MAYDAY_ES256_SIG_LEN / 2)

bool es256_key_ok(EVP_PKEY *pkey)
{
	char group[32];
	size_t len = 0;

	if (!pkey || !EVP_PKEY_is_a(pkey, "EC"))
		return false;
	if (!EVP_PKEY_get_group_name(pkey, group, sizeof(group), &len))
		return false;
	return strcmp(group, "prime256v1") == 0 || strcmp(group, "P-256") == 0;
}

/* One DER INTEGER of a 32-byte big-endian unsigned value: minimal length,
 * a 0x00 in front when the top bit is set (else it would read as negative). */
static size_t put_der_uint(uint8_t *out, const uint8_t v[COORD_LEN])
{
	size_t skip = 0, n;

	while (skip < COORD_LEN - 1 && v[skip] == 0)
		skip++;
	n = COORD_LEN - skip;
	out[0] = 0x02;
	if (v[skip] & 0x80) {
		out[1] = (uint8_t)(n + 1);
		out[2] = 0;
		memcpy(out + 3, v + skip, n);
		return n + 3;
	}
	out[1] = (uint8_t)n;
	memcpy(out + 2, v + skip, n);
	return n + 2;
}

/* Written by hand rather than with ECDSA_SIG/BIGNUM: this runs once per
 * verified message, and those allocate several times per call. */
enum mayday_err es256_raw_to_der(const uint8_t raw[MAYDAY_ES256_SIG_LEN],
				 uint8_t der[ES256_DER_MAX], size_t *der_len)
{
	size_t n = 2;

	n += put_der_uint(der + n, raw);
	n += put_der_uint(der + n, raw + COORD_LEN);
	der[0] = 0x30;
	der[1] = (uint8_t)(n - 2); /* at most 70: the short length form */
	*der_len = n;
	return MAYDAY_OK;
}

/* One DER INTEGER at der[*pos], a non-negative value of at most 32 bytes,
 * right-aligned into out. */
static bool get_der_uint(const uint8_t *der, size_t der_len, size_t *pos,
			 uint8_t out[COORD_LEN])
{
	size_t p = *pos, n;

	if (der_len - p < 2 || der[p] != 0x02)
		return false;
	n = der[p + 1];
	p += 2;
	if (n == 0 || n > der_len - p || (der[p] & 0x80))
		return false;
	if (n > 1 && der[p] == 0 && !(der[p + 1] & 0x80))
		return false; /* not minimal */
	if (n == COORD_LEN + 1) {
		if (der[p] != 0)
			return false;
		p++;
		n--;
	}
	if (n > COORD_LEN)
		return false;
	memset(out, 0, COORD_LEN - n);
	memcpy(out + COORD_LEN - n, der + p, n);
	*pos = p + n;
	return true;
}

enum mayday_err es256_der_to_raw(const uint8_t *der, size_t der_len,
				 uint8_t raw[MAYDAY_ES256_SIG_LEN])
{
	size_t pos = 2;

	if (!der || der_len < 2 || der_len > ES256_DER_MAX || der[0] != 0x30 ||
	    der[1] != der_len - 2)
		return MAYDAY_E_INTERNAL;
	if (!get_der_uint(der, der_len, &pos, raw) ||
	    !get_der_uint(der, der_len, &pos, raw + COORD_LEN) || pos != der_len)
		return MAYDAY_E_INTERNAL;
	return MAYDAY_OK;
}

static enum mayday_err sign_with_pkey(void *ctx, const uint8_t *tbs, size_t tbs_len,
				      uint8_t sig[MAYDAY_ES256_SIG_LEN])
{
	enum mayday_err err = MAYDAY_E_KEY;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	uint8_t der[ES256_DER_MAX];
	size_t der_len = sizeof(der);

	if (!md) {
		err = MAYDAY_E_NOMEM;
		goto out;
	}
	if (EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, ctx) != 1 ||
	    EVP_DigestSign(md, der, &der_len, tbs, tbs_len) != 1)
		goto out;
	err = es256_der_to_raw(der, der_len, sig);
out:
	if (err)
		ERR_clear_error();
	EVP_MD_CTX_free(md);
	return err;
}

enum mayday_err mayday_signer_from_pkey(struct mayday_signer *signer, EVP_PKEY *pkey,
					const uint8_t *kid, size_t kid_len)
{
	if (!signer || kid_len > MAYDAY_KID_MAX || (kid_len && !kid))
		return MAYDAY_E_INVALID;
	if (!es256_key_ok(pkey))
		return MAYDAY_E_KEY;
	memset(signer, 0, sizeof(*signer));
	signer->sign = sign_with_pkey;
	signer->ctx = pkey;
	if (kid_len)
		memcpy(signer->kid, kid, kid_len);
	signer->kid_len = kid_len;
	return MAYDAY_OK;
}

struct es256_hot {
	EVP_MD *sha256;
	EVP_MD_CTX *md;
	EVP_PKEY_CTX *pkey;
};

static void hot_free(struct es256_hot *h)
{
	if (!h)
		return;
	EVP_PKEY_CTX_free(h->pkey);
	EVP_MD_CTX_free(h->md);
	EVP_MD_free(h->sha256);
	OPENSSL_free(h);
}

static enum mayday_err sign_hot(void *ctx, const uint8_t *tbs, size_t tbs_len,
				uint8_t sig[MAYDAY_ES256_SIG_LEN])
{
	struct es256_hot *h = ctx;
	uint8_t digest[MAYDAY_DIGEST_LEN], der[ES256_DER_MAX];
	size_t der_len = sizeof(der);
	unsigned int dlen = 0;
	enum mayday_err err = MAYDAY_E_KEY;

	if (EVP_DigestInit_ex2(h->md, h->sha256, NULL) != 1 ||
	    EVP_DigestUpdate(h->md, tbs, tbs_len) != 1 ||
	    EVP_DigestFinal_ex(h->md, digest, &dlen) != 1 || dlen != sizeof(digest)) {
		err = MAYDAY_E_INTERNAL;
		goto out;
	}
	if (EVP_PKEY_sign(h->pkey, der, &der_len, digest, sizeof(digest)) != 1)
		goto out;
	err = es256_der_to_raw(der, der_len, sig);
out:
	if (err)
		ERR_clear_error();
	return err;
}

enum mayday_err mayday_signer_open(struct mayday_signer *signer, EVP_PKEY *pkey,
				   const uint8_t *kid, size_t kid_len)
{
	struct es256_hot *h;
	enum mayday_err err = mayday_signer_from_pkey(signer, pkey, kid, kid_len);

	if (err)
		return err;
	h = OPENSSL_zalloc(sizeof(*h));
	if (!h)
		goto nomem;
	h->sha256 = EVP_MD_fetch(NULL, "SHA2-256", NULL);
	h->md = EVP_MD_CTX_new();
	h->pkey = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
	if (!h->sha256 || !h->md || !h->pkey)
		goto nomem;
	if (EVP_PKEY_sign_init(h->pkey) != 1) {
		err = MAYDAY_E_KEY;
		goto fail;
	}
	signer->sign = sign_hot;
	signer->ctx = h;
	return MAYDAY_OK;
nomem:
	err = MAYDAY_E_NOMEM;
fail:
	ERR_clear_error();
	hot_free(h);
	memset(signer, 0, sizeof(*signer));
	return err;
}

void mayday_signer_close(struct mayday_signer *signer)
{
	if (!signer || signer->sign != sign_hot)
		return;
	hot_free(signer->ctx);
	memset(signer, 0, sizeof(*signer));
}

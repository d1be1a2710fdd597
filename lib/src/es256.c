/*
 * ES256 over OpenSSL: the P-256 key check, the conversion between COSE's
 * fixed-size r||s signature and the DER form OpenSSL speaks, and the
 * mayday_signer over an EVP_PKEY.
 *
 * High-S signatures are accepted on verification and produced as OpenSSL
 * makes them (docs/protocol.md §COSE profile): ECDSA signatures are
 * malleable, so nothing in mayday uses signature bytes as an identity.
 */
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
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

enum mayday_err es256_raw_to_der(const uint8_t raw[MAYDAY_ES256_SIG_LEN],
				 uint8_t der[ES256_DER_MAX], size_t *der_len)
{
	enum mayday_err err = MAYDAY_E_INTERNAL;
	ECDSA_SIG *sig = ECDSA_SIG_new();
	BIGNUM *r = BN_bin2bn(raw, COORD_LEN, NULL);
	BIGNUM *s = BN_bin2bn(raw + COORD_LEN, COORD_LEN, NULL);
	unsigned char *p = der;
	int n;

	if (!sig || !r || !s)
		goto out;
	if (!ECDSA_SIG_set0(sig, r, s))
		goto out;
	r = s = NULL; /* owned by sig now */
	n = i2d_ECDSA_SIG(sig, NULL);
	if (n <= 0 || n > ES256_DER_MAX)
		goto out;
	if (i2d_ECDSA_SIG(sig, &p) != n)
		goto out;
	*der_len = (size_t)n;
	err = MAYDAY_OK;
out:
	BN_free(r);
	BN_free(s);
	ECDSA_SIG_free(sig);
	return err;
}

enum mayday_err es256_der_to_raw(const uint8_t *der, size_t der_len,
				 uint8_t raw[MAYDAY_ES256_SIG_LEN])
{
	enum mayday_err err = MAYDAY_E_INTERNAL;
	const unsigned char *p = der;
	ECDSA_SIG *sig = d2i_ECDSA_SIG(NULL, &p, (long)der_len);
	const BIGNUM *r, *s;

	if (!sig || p != der + der_len)
		goto out;
	ECDSA_SIG_get0(sig, &r, &s);
	if (BN_num_bytes(r) > COORD_LEN || BN_num_bytes(s) > COORD_LEN)
		goto out;
	if (BN_bn2binpad(r, raw, COORD_LEN) != COORD_LEN ||
	    BN_bn2binpad(s, raw + COORD_LEN, COORD_LEN) != COORD_LEN)
		goto out;
	err = MAYDAY_OK;
out:
	ECDSA_SIG_free(sig);
	return err;
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

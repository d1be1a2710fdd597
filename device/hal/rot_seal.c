/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The sealed device-credentials blob (see rot_seal.h): OpenSSL's HKDF and
 * AES-256-GCM; this file only fixes the layout and checks its shape.
 */
#include "rot_seal.h"

#include <string.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>

#define MAGIC     "MDS1"
#define MAGIC_LEN 4
#define NONCE_LEN 12
#define TAG_LEN   16
#define SEAL_INFO "mayday device credentials v1"

static enum mayday_err derive(const uint8_t secret[ROT_SEAL_SECRET_LEN],
			      const uint8_t reg[HAL_ROT_REG_LEN], uint8_t key[32])
{
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
	EVP_KDF_CTX *ctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
	OSSL_PARAM p[5];
	enum mayday_err err = MAYDAY_E_INTERNAL;

	EVP_KDF_free(kdf);
	if (!ctx)
		return err;
	p[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)"SHA256", 0);
	p[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)secret,
						 ROT_SEAL_SECRET_LEN);
	p[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)reg,
						 HAL_ROT_REG_LEN);
	p[3] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *)SEAL_INFO,
						 sizeof(SEAL_INFO) - 1);
	p[4] = OSSL_PARAM_construct_end();
	if (EVP_KDF_derive(ctx, key, 32, p) == 1)
		err = MAYDAY_OK;
	EVP_KDF_CTX_free(ctx);
	return err;
}

/* One GCM pass; `enc` 1 seals (writes the tag), 0 opens (checks it). */
static enum mayday_err gcm(int enc, const uint8_t key[32], const uint8_t *nonce,
			   const uint8_t *in, size_t len, uint8_t *out, uint8_t *tag)
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	enum mayday_err err = MAYDAY_E_INTERNAL;
	int n = 0, fin = 0;

	if (!c)
		return MAYDAY_E_NOMEM;
	if (EVP_CipherInit_ex(c, EVP_aes_256_gcm(), NULL, NULL, NULL, enc) != 1 ||
	    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_IVLEN, NONCE_LEN, NULL) != 1 ||
	    EVP_CipherInit_ex(c, NULL, NULL, key, nonce, enc) != 1 ||
	    EVP_CipherUpdate(c, NULL, &n, (const uint8_t *)MAGIC, MAGIC_LEN) != 1 ||
	    EVP_CipherUpdate(c, out, &n, in, (int)len) != 1)
		goto out;
	if (!enc && EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, TAG_LEN, tag) != 1)
		goto out;
	if (EVP_CipherFinal_ex(c, out + n, &fin) != 1) {
		err = enc ? MAYDAY_E_INTERNAL : MAYDAY_E_SIGNATURE;
		goto out;
	}
	if (enc && EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, TAG_LEN, tag) != 1)
		goto out;
	err = MAYDAY_OK;
out:
	EVP_CIPHER_CTX_free(c);
	return err;
}

enum mayday_err rot_seal(const uint8_t secret[ROT_SEAL_SECRET_LEN],
			 const uint8_t policy[HAL_ROT_REG_LEN], const uint8_t *plain, size_t len,
			 uint8_t *out, size_t cap, size_t *out_len)
{
	uint8_t key[32];
	enum mayday_err err;

	if (len == 0 || len > HAL_ROT_CREDS_MAX)
		return MAYDAY_E_INVALID;
	if (cap < len + ROT_SEAL_OVERHEAD)
		return MAYDAY_E_TOOBIG;
	memcpy(out, MAGIC, MAGIC_LEN);
	if (RAND_bytes(out + MAGIC_LEN, NONCE_LEN) != 1)
		return MAYDAY_E_INTERNAL;
	err = derive(secret, policy, key);
	if (err == MAYDAY_OK)
		err = gcm(1, key, out + MAGIC_LEN, plain, len, out + MAGIC_LEN + NONCE_LEN,
			  out + MAGIC_LEN + NONCE_LEN + len);
	OPENSSL_cleanse(key, sizeof(key));
	if (err == MAYDAY_OK)
		*out_len = len + ROT_SEAL_OVERHEAD;
	return err;
}

enum mayday_err rot_unseal(const uint8_t secret[ROT_SEAL_SECRET_LEN],
			   const uint8_t reg[HAL_ROT_REG_LEN], const uint8_t *blob, size_t len,
			   uint8_t *out, size_t cap, size_t *out_len)
{
	uint8_t key[32], tag[TAG_LEN];
	size_t plain_len;
	enum mayday_err err;

	if (len <= ROT_SEAL_OVERHEAD || len > ROT_SEAL_BLOB_MAX ||
	    memcmp(blob, MAGIC, MAGIC_LEN) != 0)
		return MAYDAY_E_MALFORMED;
	plain_len = len - ROT_SEAL_OVERHEAD;
	if (cap < plain_len)
		return MAYDAY_E_TOOBIG;
	memcpy(tag, blob + len - TAG_LEN, TAG_LEN);
	err = derive(secret, reg, key);
	if (err == MAYDAY_OK)
		err = gcm(0, key, blob + MAGIC_LEN, blob + MAGIC_LEN + NONCE_LEN, plain_len, out,
			  tag);
	OPENSSL_cleanse(key, sizeof(key));
	if (err != MAYDAY_OK) {
		OPENSSL_cleanse(out, plain_len);
		return err;
	}
	*out_len = plain_len;
	return MAYDAY_OK;
}

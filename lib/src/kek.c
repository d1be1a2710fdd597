/* SPDX-License-Identifier: Apache-2.0 */
/*
 * PSKs at rest under a key-encryption key (kek.h): AES-256-GCM over
 * OpenSSL's EVP interface, a random nonce per seal (a KEK seals few values,
 * each once per enrolment, far below the 2^32 random-nonce bound), and the
 * caller's associated data so a sealed value only opens in its own place.
 */
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "algs.h"
#include "mayday/file.h"
#include "mayday/kek.h"

#define NONCE_LEN 12
#define TAG_LEN   16

_Static_assert(MAYDAY_KEK_SEALED_LEN == NONCE_LEN + MAYDAY_KEK_SECRET_LEN + TAG_LEN,
	       "sealed layout");

enum mayday_err mayday_kek_create(const char *path)
{
	uint8_t kek[MAYDAY_KEK_LEN];
	enum mayday_err err;

	if (!path)
		return MAYDAY_E_INVALID;
	if (RAND_bytes(kek, sizeof(kek)) != 1) {
		ERR_clear_error();
		return MAYDAY_E_INTERNAL;
	}
	err = mayday_file_write_durable(path, kek, sizeof(kek), 0600);
	OPENSSL_cleanse(kek, sizeof(kek));
	return err;
}

enum mayday_err mayday_kek_load(const char *path, uint8_t kek[MAYDAY_KEK_LEN])
{
	uint8_t buf[MAYDAY_KEK_LEN + 1];
	FILE *f = NULL;
	size_t n;

	if (!kek)
		return MAYDAY_E_INVALID;
	enum mayday_err err = mayday_file_open_secret(path, &f);
	if (err != MAYDAY_OK)
		return err;
	n = fread(buf, 1, sizeof(buf), f);
	err = ferror(f) ? MAYDAY_E_IO : n != MAYDAY_KEK_LEN ? MAYDAY_E_KEY : MAYDAY_OK;
	fclose(f);
	if (err == MAYDAY_OK)
		memcpy(kek, buf, MAYDAY_KEK_LEN);
	OPENSSL_cleanse(buf, sizeof(buf));
	return err;
}

/* One AES-256-GCM pass: enc=1 seals in -> out, enc=0 opens (tag checked). */
static enum mayday_err gcm(int enc, const uint8_t *kek, const uint8_t *nonce, const uint8_t *aad,
			   size_t aad_len, const uint8_t *in, uint8_t *out, uint8_t *tag)
{
	const EVP_CIPHER *aes = algs_aes_256_gcm();
	EVP_CIPHER_CTX *ctx;
	enum mayday_err err = MAYDAY_E_INTERNAL;
	int n = 0;

	if (!aes)
		return MAYDAY_E_INTERNAL;
	if (!(ctx = EVP_CIPHER_CTX_new()))
		return MAYDAY_E_NOMEM;
	if (EVP_CipherInit_ex(ctx, aes, NULL, NULL, NULL, enc) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, NONCE_LEN, NULL) != 1 ||
	    EVP_CipherInit_ex(ctx, NULL, NULL, kek, nonce, enc) != 1 ||
	    (aad_len && EVP_CipherUpdate(ctx, NULL, &n, aad, (int)aad_len) != 1) ||
	    EVP_CipherUpdate(ctx, out, &n, in, MAYDAY_KEK_SECRET_LEN) != 1)
		goto out;
	if (!enc && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, TAG_LEN, tag) != 1)
		goto out;
	if (EVP_CipherFinal_ex(ctx, out + n, &n) != 1) {
		err = enc ? MAYDAY_E_INTERNAL : MAYDAY_E_SIGNATURE;
		goto out;
	}
	if (enc && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, TAG_LEN, tag) != 1)
		goto out;
	err = MAYDAY_OK;
out:
	ERR_clear_error();
	EVP_CIPHER_CTX_free(ctx);
	return err;
}

enum mayday_err mayday_kek_seal(const uint8_t kek[MAYDAY_KEK_LEN], const uint8_t *aad,
				size_t aad_len, const uint8_t secret[MAYDAY_KEK_SECRET_LEN],
				uint8_t sealed[MAYDAY_KEK_SEALED_LEN])
{
	if (!kek || !secret || !sealed || (!aad && aad_len) || aad_len > INT32_MAX)
		return MAYDAY_E_INVALID;
	if (RAND_bytes(sealed, NONCE_LEN) != 1) {
		ERR_clear_error();
		return MAYDAY_E_INTERNAL;
	}
	enum mayday_err err = gcm(1, kek, sealed, aad, aad_len, secret, sealed + NONCE_LEN,
				  sealed + NONCE_LEN + MAYDAY_KEK_SECRET_LEN);
	if (err != MAYDAY_OK)
		OPENSSL_cleanse(sealed, MAYDAY_KEK_SEALED_LEN);
	return err;
}

enum mayday_err mayday_kek_open(const uint8_t kek[MAYDAY_KEK_LEN], const uint8_t *aad,
				size_t aad_len, const uint8_t sealed[MAYDAY_KEK_SEALED_LEN],
				uint8_t secret[MAYDAY_KEK_SECRET_LEN])
{
	uint8_t tag[TAG_LEN];

	if (!kek || !secret || !sealed || (!aad && aad_len) || aad_len > INT32_MAX)
		return MAYDAY_E_INVALID;
	memcpy(tag, sealed + NONCE_LEN + MAYDAY_KEK_SECRET_LEN, TAG_LEN);
	enum mayday_err err = gcm(0, kek, sealed, aad, aad_len, sealed + NONCE_LEN, secret, tag);
	if (err != MAYDAY_OK)
		OPENSSL_cleanse(secret, MAYDAY_KEK_SECRET_LEN);
	return err;
}

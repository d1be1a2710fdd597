/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The file RoT's key items (rules in rot_keys.h). OpenSSL parses the PEM;
 * this file only bounds the input, refuses to prompt, and pins the curve, so
 * a key of another type can never become the distress key or an anchor, and
 * has OpenSSL check what it decoded: a damaged distress key must fail here,
 * at start-up, not months later as indications nobody can verify.
 */
#include <string.h>
#include <openssl/bio.h>
#include <openssl/err.h>
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

enum mayday_err rot_keys_private_decode(const uint8_t *pem, size_t len, EVP_PKEY **out)
{
	enum mayday_err err = MAYDAY_E_KEY;
	EVP_PKEY *key = NULL;
	BIO *bio;

	if (len > ROT_KEYS_PEM_MAX)
		return MAYDAY_E_KEY;
	bio = BIO_new_mem_buf(pem, (int)len);
	if (bio == NULL)
		return MAYDAY_E_NOMEM;
	key = PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL);
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

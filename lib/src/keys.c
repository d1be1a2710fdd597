/* SPDX-License-Identifier: Apache-2.0 */
/*
 * P-256 keys in PEM over OpenSSL 3 (keys.h).
 *
 * Every key that enters through here is checked to be P-256, because ES256
 * is the only algorithm mayday speaks; a wrong key is refused when it is
 * loaded, not when the first signature mysteriously fails. PEM is never
 * decrypted (no passphrase prompt can block a daemon or a device), and
 * private key PEM is produced in OpenSSL's secure heap and wiped before it
 * is released.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "mayday/file.h"
#include "es256.h"
#include "mayday/keys.h"

/* Public key PEM (a key or a certificate) is small; anything larger is not one. */
#define PEM_MAX (64 * 1024)

/* Refuse encrypted PEM instead of prompting on a terminal. */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return -1;
}

/* Accepts `k` (taking ownership) if it is P-256. */
static enum mayday_err accept_key(EVP_PKEY *k, EVP_PKEY **out)
{
	if (!k || !es256_key_ok(k)) {
		EVP_PKEY_free(k);
		ERR_clear_error();
		return MAYDAY_E_KEY;
	}
	*out = k;
	return MAYDAY_OK;
}

enum mayday_err mayday_key_load_private(const char *path, EVP_PKEY **out)
{
	EVP_PKEY *k;
	FILE *f;

	if (!path || !out)
		return MAYDAY_E_INVALID;
	*out = NULL;
	enum mayday_err err = mayday_file_open_secret(path, &f);
	if (err != MAYDAY_OK)
		return err;
	k = PEM_read_PrivateKey(f, NULL, no_passphrase, NULL);
	fclose(f);
	return accept_key(k, out);
}

/*
 * The fast path. OpenSSL 3's PEM reader goes through its DECODER machinery
 * (about 0.5 ms a key, docs/performance.md), which is what a key-cache miss
 * in maydayd paid. Nearly every key mayday stores is the one PEM form
 * mayday_key_public_to_pem writes: "PUBLIC KEY", 64-column base64 of the
 * 91-byte SubjectPublicKeyInfo of a P-256 key with its point uncompressed.
 * That form is recognised byte for byte -- the fixed 26-byte DER header,
 * then 0x04 and the two coordinates -- and only the point is new per key.
 *
 * Building a key with EVP_PKEY_fromdata builds the P-256 group each time
 * (most of its cost), so the key is made instead from a prepared
 * public-only P-256 key, the template: EVP_PKEY_dup copies it, group
 * included (about a third of fromdata's time, bench/key_load.sh), and
 * EVP_PKEY_set1_encoded_public_key sets the point. That decodes it with
 * EC_POINT_oct2point, which refuses a coordinate not below the field prime
 * and a point that is not on the curve (the curve's cofactor is 1, so on
 * the curve is in the group). The point at infinity has no uncompressed
 * 65-byte form (0x04 with zero coordinates is off the curve). The template
 * is made once per process (pthread_once), only ever read (EVP_PKEY_dup, from
 * any number of threads), and lives as long as the process. Anything else,
 * and any refusal, goes to the general path, which decides exactly as
 * before: the fast path only ever accepts what it would.
 */
#define SPKI_P256_LEN 91
#define SPKI_P256_B64 124 /* 4 * ceil(91 / 3), ending "==" */
#define P256_POINT_LEN 65 /* 0x04 || x || y */
static const char pem_begin[] = "-----BEGIN PUBLIC KEY-----";
static const char pem_end[] = "-----END PUBLIC KEY-----";
static const uint8_t spki_p256_header[] = {
	0x30, 0x59,					    /* SEQUENCE, 89 */
	0x30, 0x13,					    /* SEQUENCE, 19 */
	0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01,	    /* id-ecPublicKey */
	0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, /* prime256v1 */
	0x03, 0x42, 0x00,				    /* BIT STRING, 66, no unused bits */
};
_Static_assert(sizeof(spki_p256_header) + P256_POINT_LEN == SPKI_P256_LEN, "SPKI layout");

/* The template's point: P-256's base point G (SEC 2 §2.4.2). Any point on
 * the curve would do; every key made from the template replaces it. */
static const uint8_t p256_g[P256_POINT_LEN] = {
	0x04,
	0x6b, 0x17, 0xd1, 0xf2, 0xe1, 0x2c, 0x42, 0x47, 0xf8, 0xbc, 0xe6, 0xe5, 0x63, 0xa4, 0x40, 0xf2,
	0x77, 0x03, 0x7d, 0x81, 0x2d, 0xeb, 0x33, 0xa0, 0xf4, 0xa1, 0x39, 0x45, 0xd8, 0x98, 0xc2, 0x96,
	0x4f, 0xe3, 0x42, 0xe2, 0xfe, 0x1a, 0x7f, 0x9b, 0x8e, 0xe7, 0xeb, 0x4a, 0x7c, 0x0f, 0x9e, 0x16,
	0x2b, 0xce, 0x33, 0x57, 0x6b, 0x31, 0x5e, 0xce, 0xcb, 0xb6, 0x40, 0x68, 0x37, 0xbf, 0x51, 0xf5,
};

static pthread_once_t p256_once = PTHREAD_ONCE_INIT;
static EVP_PKEY *p256_template; /* NULL if it could not be made: fast path off */

static void p256_template_make(void)
{
	char group[] = "prime256v1";
	OSSL_PARAM params[3];
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	EVP_PKEY *k = NULL;

	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group, 0);
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, (void *)p256_g,
						      sizeof(p256_g));
	params[2] = OSSL_PARAM_construct_end();
	if (!ctx || EVP_PKEY_fromdata_init(ctx) <= 0 ||
	    EVP_PKEY_fromdata(ctx, &k, EVP_PKEY_PUBLIC_KEY, params) <= 0 || !es256_key_ok(k)) {
		EVP_PKEY_free(k);
		k = NULL;
	}
	EVP_PKEY_CTX_free(ctx);
	ERR_clear_error();
	p256_template = k;
}

enum mayday_err mayday_key_p256_from_pem(const uint8_t *pem, size_t len, EVP_PKEY **out)
{
	char b64[SPKI_P256_B64 + 1];
	uint8_t der[SPKI_P256_B64 / 4 * 3];
	size_t i, n = 0, hlen = sizeof(pem_begin) - 1, elen = sizeof(pem_end) - 1;
	EVP_PKEY *k;

	if (!out || (!pem && len))
		return MAYDAY_E_INVALID;
	*out = NULL;
	if (len < hlen + elen || memcmp(pem, pem_begin, hlen) != 0)
		return MAYDAY_E_UNSUPPORTED;
	for (i = hlen; i < len && pem[i] != '-'; i++) {
		if (pem[i] == '\n' || pem[i] == '\r')
			continue;
		if (n == SPKI_P256_B64)
			return MAYDAY_E_UNSUPPORTED;
		b64[n++] = (char)pem[i];
	}
	if (n != SPKI_P256_B64 || len - i < elen || memcmp(pem + i, pem_end, elen) != 0 ||
	    b64[n - 1] != '=' || b64[n - 2] != '=')
		return MAYDAY_E_UNSUPPORTED;
	b64[n] = '\0';
	/* EVP_DecodeBlock refuses characters outside base64 and counts the
	 * padding as data: 93 bytes of which the last two are the "==". */
	if (EVP_DecodeBlock(der, (const unsigned char *)b64, (int)n) != (int)sizeof(der) ||
	    memcmp(der, spki_p256_header, sizeof(spki_p256_header)) != 0 ||
	    der[sizeof(spki_p256_header)] != 0x04)
		return MAYDAY_E_UNSUPPORTED;

	pthread_once(&p256_once, p256_template_make);
	if (!p256_template)
		return MAYDAY_E_UNSUPPORTED;
	k = EVP_PKEY_dup(p256_template);
	if (!k) {
		ERR_clear_error();
		return MAYDAY_E_NOMEM;
	}
	if (EVP_PKEY_set1_encoded_public_key(k, der + sizeof(spki_p256_header),
					     P256_POINT_LEN) != 1) {
		EVP_PKEY_free(k);
		k = NULL;
	}
	return accept_key(k, out);
}

enum mayday_err mayday_key_public_from_pem(const uint8_t *pem, size_t len, EVP_PKEY **out)
{
	if (mayday_key_p256_from_pem(pem, len, out) == MAYDAY_OK)
		return MAYDAY_OK;
	return mayday_key_public_from_pem_openssl(pem, len, out);
}

enum mayday_err mayday_key_public_from_pem_openssl(const uint8_t *pem, size_t len, EVP_PKEY **out)
{
	EVP_PKEY *k = NULL;
	X509 *cert = NULL;
	BIO *b;

	if (!out || (!pem && len))
		return MAYDAY_E_INVALID;
	*out = NULL;
	if (len > PEM_MAX)
		return MAYDAY_E_TOOBIG;
	b = BIO_new_mem_buf(pem, (int)len);
	if (!b)
		return MAYDAY_E_NOMEM;
	k = PEM_read_bio_PUBKEY(b, NULL, no_passphrase, NULL);
	if (!k) {
		/* Not a bare key: perhaps a certificate. Start over from the top. */
		BIO_free(b);
		b = BIO_new_mem_buf(pem, (int)len);
		if (!b)
			return MAYDAY_E_NOMEM;
		cert = PEM_read_bio_X509(b, NULL, no_passphrase, NULL);
		if (cert)
			k = X509_get_pubkey(cert);
	}
	X509_free(cert);
	BIO_free(b);
	return accept_key(k, out);
}

enum mayday_err mayday_key_load_public(const char *path, EVP_PKEY **out)
{
	enum mayday_err err = MAYDAY_E_KEY;
	uint8_t *buf = NULL;
	size_t len = 0, n;
	FILE *f;

	if (!path || !out)
		return MAYDAY_E_INVALID;
	*out = NULL;
	f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? MAYDAY_E_NOTFOUND : MAYDAY_E_KEY;
	buf = malloc(PEM_MAX + 1);
	if (!buf) {
		err = MAYDAY_E_NOMEM;
		goto out;
	}
	while ((n = fread(buf + len, 1, PEM_MAX + 1 - len, f)) > 0)
		len += n;
	if (ferror(f)) {
		err = MAYDAY_E_IO;
		goto out;
	}
	if (len > PEM_MAX) {
		err = MAYDAY_E_TOOBIG;
		goto out;
	}
	err = mayday_key_public_from_pem(buf, len, out);
out:
	free(buf);
	fclose(f);
	return err;
}

enum mayday_err mayday_key_public_to_pem(EVP_PKEY *key, char *out, size_t cap, size_t *out_len)
{
	enum mayday_err err = MAYDAY_E_KEY;
	BIO *b = BIO_new(BIO_s_mem());
	char *data;
	long n;

	if (!b)
		return MAYDAY_E_NOMEM;
	if (!key || !out || !out_len) {
		err = MAYDAY_E_INVALID;
		goto out;
	}
	if (PEM_write_bio_PUBKEY(b, key) != 1)
		goto out;
	n = BIO_get_mem_data(b, &data);
	if (n <= 0)
		goto out;
	if ((size_t)n + 1 > cap) {
		err = MAYDAY_E_TOOBIG;
		goto out;
	}
	memcpy(out, data, (size_t)n);
	out[n] = '\0';
	*out_len = (size_t)n;
	err = MAYDAY_OK;
out:
	if (err)
		ERR_clear_error();
	BIO_free(b);
	return err;
}

enum mayday_err mayday_key_generate(EVP_PKEY **out)
{
	if (!out)
		return MAYDAY_E_INVALID;
	*out = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	if (!*out) {
		ERR_clear_error();
		return MAYDAY_E_INTERNAL;
	}
	return MAYDAY_OK;
}

/* The key as PEM in a secure-heap BIO, then durably to `path`. */
static enum mayday_err save_pem(EVP_PKEY *key, const char *path, bool private_key, mode_t mode)
{
	enum mayday_err err = MAYDAY_E_KEY;
	BIO *b = BIO_new(BIO_s_secmem());
	char *data = NULL;
	long n = 0;
	int ok;

	if (!b)
		return MAYDAY_E_NOMEM;
	if (!key || !path) {
		err = MAYDAY_E_INVALID;
		goto out;
	}
	if (!es256_key_ok(key))
		goto out;
	if (private_key)
		ok = PEM_write_bio_PrivateKey(b, key, NULL, NULL, 0, NULL, NULL);
	else
		ok = PEM_write_bio_PUBKEY(b, key);
	if (ok != 1)
		goto out;
	n = BIO_get_mem_data(b, &data);
	if (n <= 0)
		goto out;
	err = mayday_file_write_durable(path, data, (size_t)n, mode);
out:
	if (data && n > 0)
		OPENSSL_cleanse(data, (size_t)n);
	if (err)
		ERR_clear_error();
	BIO_free(b);
	return err;
}

enum mayday_err mayday_key_save_private(EVP_PKEY *key, const char *path)
{
	return save_pem(key, path, true, 0600);
}

enum mayday_err mayday_key_save_public(EVP_PKEY *key, const char *path)
{
	return save_pem(key, path, false, 0644);
}

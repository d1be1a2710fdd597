/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The hand-over of the device credentials (see normal_creds.h). The bundle
 * is split by OpenSSL's PEM readers, each certificate re-encoded, so what
 * reaches the TLS client is exactly what parsed; no hand-written parser
 * (only the first BEGIN line's name is looked at, to tell the two forms
 * apart without decoding a private key outside the key reader).
 */
#include "normal_creds.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "hal/rot.h"

#define CA_CERTS_MAX 8

void normal_creds_free(struct normal_creds *c)
{
	if (c == NULL)
		return;
	EVP_PKEY_free(c->key);
	free(c->cert_pem);
	free(c->ca_pem);
	memset(c, 0, sizeof(*c));
}

static bool is_p256(EVP_PKEY *key)
{
	char group[32];

	/* NULL: a certificate whose key OpenSSL cannot decode */
	return key != NULL && EVP_PKEY_get_base_id(key) == EVP_PKEY_EC &&
	       EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group,
					      sizeof(group), NULL) == 1 &&
	       strcmp(group, "prime256v1") == 0;
}

/* The PEM of `cert` appended to *pem. */
static enum mayday_err append_pem(X509 *cert, char **pem, size_t *len)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *text, *grown;
	long n;
	enum mayday_err rc = MAYDAY_E_NOMEM;

	if (b == NULL || PEM_write_bio_X509(b, cert) != 1)
		goto out;
	n = BIO_get_mem_data(b, &text);
	if (n <= 0 || (grown = realloc(*pem, *len + (size_t)n)) == NULL)
		goto out;
	memcpy(grown + *len, text, (size_t)n);
	*pem = grown;
	*len += (size_t)n;
	rc = MAYDAY_OK;
out:
	BIO_free(b);
	return rc;
}

/* The name of the bundle's first PEM block, read from its BEGIN line (as
 * OpenSSL's PEM reader finds it: the first line that starts "-----BEGIN "
 * and ends "-----", trailing blanks aside) without decoding the block: on
 * the file backend it is the private key, which is only ever decoded by
 * the key reader. False when there is no such line or the name is longer
 * than `cap` - 1. */
static bool first_block_name(const uint8_t *buf, size_t len, char *name, size_t cap)
{
	static const char begin[] = "-----BEGIN ", dashes[] = "-----";
	const size_t nb = sizeof(begin) - 1, nd = sizeof(dashes) - 1;
	size_t at = 0;

	while (at < len) {
		const uint8_t *nl = memchr(buf + at, '\n', len - at);
		size_t end = nl != NULL ? (size_t)(nl - buf) : len, next = end + 1;

		while (end > at && (buf[end - 1] == '\r' || buf[end - 1] == ' ' ||
				    buf[end - 1] == '\t'))
			end--;
		if (end - at >= nb + nd && memcmp(buf + at, begin, nb) == 0 &&
		    memcmp(buf + end - nd, dashes, nd) == 0) {
			size_t n = end - nd - (at + nb);

			if (n >= cap)
				return false;
			memcpy(name, buf + at + nb, n);
			name[n] = '\0';
			return true;
		}
		at = next;
	}
	return false;
}

enum first_block { FIRST_CERT, FIRST_KEY, FIRST_OTHER };

/* What the bundle's first PEM block is: a certificate (the RoT holds the
 * key: normal_creds.h), a private key (PRIVATE KEY, EC PRIVATE KEY, ...:
 * the key reader's), or anything else (refused). */
static enum first_block first_block(const uint8_t *buf, size_t len)
{
	static const char key[] = "PRIVATE KEY";
	const size_t nk = sizeof(key) - 1;
	char name[64];
	size_t n;

	if (!first_block_name(buf, len, name, sizeof(name)))
		return FIRST_OTHER;
	n = strlen(name);
	if (strcmp(name, PEM_STRING_X509) == 0)
		return FIRST_CERT;
	return n >= nk && strcmp(name + n - nk, key) == 0 ? FIRST_KEY : FIRST_OTHER;
}

/* The next PEM block of `b`, decoded through the secure heap whatever it
 * is (it may be a stray private key). MAYDAY_E_NOTFOUND: no further block
 * (text after the last one is no block); MAYDAY_E_KEY: a damaged one.
 * Free with block_free. */
static enum mayday_err block_read(BIO *b, char **name, unsigned char **data, long *len)
{
	char *header = NULL;
	unsigned long e;

	*name = NULL;
	*data = NULL;
	*len = 0;
	if (PEM_read_bio_ex(b, name, &header, data, len,
			    PEM_FLAG_SECURE | PEM_FLAG_EAY_COMPATIBLE) == 1) {
		OPENSSL_secure_free(header);
		return MAYDAY_OK;
	}
	e = ERR_peek_last_error();
	return ERR_GET_LIB(e) == ERR_LIB_PEM && ERR_GET_REASON(e) == PEM_R_NO_START_LINE
		       ? MAYDAY_E_NOTFOUND
		       : MAYDAY_E_KEY;
}

static void block_free(char *name, unsigned char *data, long len)
{
	OPENSSL_secure_free(name);
	OPENSSL_secure_clear_free(data, len > 0 ? (size_t)len : 0);
}

/* A certificate from a block's DER, all of it. */
static X509 *cert_decode(const unsigned char *data, long len)
{
	const unsigned char *p = data;
	X509 *x = d2i_X509(NULL, &p, len);

	if (x != NULL && p != data + len) {
		X509_free(x);
		x = NULL;
	}
	return x;
}

/* The next block of `b` as a certificate: MAYDAY_E_NOTFOUND when there is
 * none, MAYDAY_E_KEY for a block of any other kind (a stray private key
 * included) or one that does not decode. */
static enum mayday_err cert_next(BIO *b, X509 **out)
{
	char *name;
	unsigned char *data;
	long len;
	enum mayday_err rc = block_read(b, &name, &data, &len);

	*out = NULL;
	if (rc == MAYDAY_OK) {
		*out = strcmp(name, PEM_STRING_X509) == 0 ? cert_decode(data, len) : NULL;
		rc = *out != NULL ? MAYDAY_OK : MAYDAY_E_KEY;
	}
	block_free(name, data, len);
	return rc;
}

enum mayday_err normal_creds_parse(const uint8_t *buf, size_t len, struct normal_creds *out)
{
	BIO *b = NULL;
	X509 *cert = NULL, *ca = NULL;
	unsigned n_ca = 0;
	enum first_block kind;
	enum mayday_err rc = MAYDAY_E_KEY;

	memset(out, 0, sizeof(*out));
	if (len > HAL_ROT_CREDS_MAX)
		return MAYDAY_E_TOOBIG;
	kind = first_block(buf, len);
	if (kind == FIRST_OTHER)
		return MAYDAY_E_KEY;
	b = BIO_new_mem_buf(buf, (int)len);
	if (b == NULL)
		return MAYDAY_E_NOMEM;
	if (kind == FIRST_CERT) {
		/* the RoT's key: only its curve can be checked here */
		if (cert_next(b, &cert) != MAYDAY_OK || !is_p256(X509_get0_pubkey(cert)))
			goto out;
	} else {
		out->key = PEM_read_bio_PrivateKey(b, NULL, NULL, (void *)"");
		if (out->key == NULL || cert_next(b, &cert) != MAYDAY_OK || !is_p256(out->key) ||
		    X509_check_private_key(cert, out->key) != 1)
			goto out;
	}
	/* then certificates only, to the end: a stray key or any other block
	 * refuses the whole bundle (nothing in it is skipped) */
	rc = append_pem(cert, &out->cert_pem, &out->cert_len);
	while (rc == MAYDAY_OK && (rc = cert_next(b, &ca)) == MAYDAY_OK) {
		rc = ++n_ca > CA_CERTS_MAX ? MAYDAY_E_TOOBIG
					   : append_pem(ca, &out->ca_pem, &out->ca_len);
		X509_free(ca);
	}
	if (rc == MAYDAY_E_NOTFOUND) /* the end; no CA: nothing could vouch for the ACS */
		rc = n_ca == 0 ? MAYDAY_E_KEY : MAYDAY_OK;
out:
	ERR_clear_error();
	X509_free(cert);
	BIO_free(b);
	if (rc != MAYDAY_OK)
		normal_creds_free(out);
	return rc;
}

/* One signature with `key`, checked with the certificate's key `pub`: a
 * RoT that will not sign in this state (a TPM whose PCR is not normal
 * code's) is found here, once, not at every TLS handshake. */
static enum mayday_err probe(EVP_PKEY *key, EVP_PKEY *pub)
{
	static const unsigned char msg[] = "mayday-normal: device credentials' key probe";
	unsigned char sig[128]; /* an ECDSA P-256 signature is at most 72 bytes */
	size_t sig_len = sizeof(sig);
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	enum mayday_err rc;

	if (md == NULL)
		return MAYDAY_E_NOMEM;
	if (EVP_DigestSignInit_ex(md, NULL, "SHA256", NULL, NULL, key, NULL) != 1 ||
	    EVP_DigestSign(md, sig, &sig_len, msg, sizeof(msg) - 1) != 1)
		rc = MAYDAY_E_DENIED;
	else if (EVP_MD_CTX_reset(md) != 1)
		rc = MAYDAY_E_NOMEM;
	else
		rc = EVP_DigestVerifyInit_ex(md, NULL, "SHA256", NULL, NULL, pub, NULL) == 1 &&
			     EVP_DigestVerify(md, sig, sig_len, msg, sizeof(msg) - 1) == 1
			     ? MAYDAY_OK
			     : MAYDAY_E_KEY;
	EVP_MD_CTX_free(md);
	return rc;
}

enum mayday_err normal_creds_rot_key(struct normal_creds *c, struct hal_rot *rot)
{
	BIO *b;
	X509 *cert = NULL;
	EVP_PKEY *key = NULL;
	enum mayday_err rc;

	if (c->key != NULL)
		return MAYDAY_OK;
	if (c->cert_pem == NULL)
		return MAYDAY_E_INVALID;
	rc = hal_rot_creds_tls_key(rot, &key);
	if (rc != MAYDAY_OK)
		return rc;
	b = BIO_new_mem_buf(c->cert_pem, (int)c->cert_len);
	if (b != NULL)
		cert = PEM_read_bio_X509(b, NULL, NULL, NULL);
	rc = cert == NULL ? MAYDAY_E_NOMEM
	     : EVP_PKEY_eq(X509_get0_pubkey(cert), key) == 1 ? MAYDAY_OK
							     : MAYDAY_E_KEY;
	if (rc == MAYDAY_OK)
		rc = probe(key, X509_get0_pubkey(cert));
	ERR_clear_error();
	X509_free(cert);
	BIO_free(b);
	if (rc == MAYDAY_OK)
		c->key = key;
	else
		EVP_PKEY_free(key);
	return rc;
}

enum mayday_err normal_creds_read(int fd, struct normal_creds *out)
{
	uint8_t *buf = malloc(HAL_ROT_CREDS_MAX + 1);
	size_t len = 0;
	enum mayday_err rc = MAYDAY_OK;

	memset(out, 0, sizeof(*out));
	if (buf == NULL) {
		close(fd);
		return MAYDAY_E_NOMEM;
	}
	while (len <= HAL_ROT_CREDS_MAX) {
		ssize_t n = pread(fd, buf + len, HAL_ROT_CREDS_MAX + 1 - len, (off_t)len);

		if (n < 0) {
			rc = MAYDAY_E_IO;
			break;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	if (rc == MAYDAY_OK)
		rc = len > HAL_ROT_CREDS_MAX ? MAYDAY_E_TOOBIG : normal_creds_parse(buf, len, out);
	OPENSSL_cleanse(buf, HAL_ROT_CREDS_MAX + 1);
	free(buf);
	return rc;
}

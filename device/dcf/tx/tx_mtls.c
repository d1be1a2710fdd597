/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Mutual TLS set-up for libcurl (see tx_mtls.h). The credentials are parsed
 * once into OpenSSL objects held by struct tx_mtls; libcurl copies the CA
 * blob, and the SSL_CTX callback adds references to the certificate and key
 * for every context libcurl creates.
 */
#include "tx_mtls.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "log.h"

#define CA_MAX     16384 /* a few CA certificates in PEM */
#define CERT_MAX   8192  /* one P-256 certificate in PEM is under 1 KiB */
#define PIN_PREFIX "sha256//"

struct tx_mtls {
	const char *who;
	X509 *cert;
	EVP_PKEY *key;
	uint8_t *ca;
	size_t ca_len;
	struct curl_slist *connect_to;
};

void tx_mtls_free(void *res)
{
	struct tx_mtls *m = res;

	if (!m)
		return;
	X509_free(m->cert);
	EVP_PKEY_free(m->key);
	free(m->ca);
	curl_slist_free_all(m->connect_to);
	free(m);
}

static CURLcode install_creds(CURL *easy, void *sslctx, void *parm)
{
	struct tx_mtls *m = parm;
	SSL_CTX *ctx = sslctx;

	(void)easy;
	if (SSL_CTX_use_certificate(ctx, m->cert) != 1 ||
	    SSL_CTX_use_PrivateKey(ctx, m->key) != 1 || SSL_CTX_check_private_key(ctx) != 1)
		return CURLE_SSL_CERTPROBLEM;
	return CURLE_OK;
}

static enum mayday_err read_part_file(const char *who, struct hal_flash *flash, const char *name,
				      uint8_t *buf, size_t cap, size_t *len)
{
	enum mayday_err rc = hal_flash_read(flash, HAL_PART_DCF, name, buf, cap, len);

	if (rc != MAYDAY_OK)
		log_info("%s: cannot read %s/%s: %s", who, HAL_PART_DCF, name,
			 mayday_strerror(rc));
	return rc;
}

/* The client certificate, which must certify the RoT's key. */
static enum mayday_err load_creds(struct tx_mtls *m, struct hal_flash *flash,
				  struct hal_rot *rot, const char *cert_name)
{
	uint8_t pem[CERT_MAX];
	size_t len = 0;
	BIO *bio;
	enum mayday_err rc = read_part_file(m->who, flash, cert_name, pem, sizeof(pem), &len);

	if (rc != MAYDAY_OK)
		return rc;
	bio = BIO_new_mem_buf(pem, (int)len);
	if (!bio)
		return MAYDAY_E_NOMEM;
	m->cert = PEM_read_bio_X509(bio, NULL, NULL, NULL);
	BIO_free(bio);
	if (!m->cert) {
		log_info("%s: %s/%s is not a PEM certificate", m->who, HAL_PART_DCF, cert_name);
		return MAYDAY_E_KEY;
	}
	rc = hal_rot_tls_key(rot, &m->key);
	if (rc != MAYDAY_OK) {
		log_info("%s: the RoT gives no TLS key: %s", m->who, mayday_strerror(rc));
		return rc;
	}
	if (X509_check_private_key(m->cert, m->key) != 1) {
		log_info("%s: %s/%s does not certify the RoT's key", m->who, HAL_PART_DCF,
			 cert_name);
		return MAYDAY_E_KEY;
	}
	return MAYDAY_OK;
}

enum mayday_err tx_mtls_load(const char *who, struct hal_flash *flash, struct hal_rot *rot,
			     const char *ca_name, const char *cert_name, struct tx_mtls **out)
{
	struct tx_mtls *m = calloc(1, sizeof(*m));
	enum mayday_err rc = MAYDAY_E_NOMEM;

	*out = NULL;
	if (!m)
		return rc;
	m->who = who;
	m->ca = malloc(CA_MAX);
	if (!m->ca)
		goto out;
	rc = read_part_file(who, flash, ca_name, m->ca, CA_MAX, &m->ca_len);
	if (rc == MAYDAY_OK)
		rc = load_creds(m, flash, rot, cert_name);
	if (rc == MAYDAY_OK) {
		*out = m;
		m = NULL;
	}
out:
	tx_mtls_free(m);
	return rc;
}

/* ADAPTER (normal code's device credentials, until device/net's net_tls
 * replaces libcurl): the same object from PEM in memory and a key handle. */
enum mayday_err tx_mtls_from_pem(const char *who, EVP_PKEY *key, const char *cert_pem,
				 size_t cert_len, const char *ca_pem, size_t ca_len,
				 struct tx_mtls **out)
{
	struct tx_mtls *m = calloc(1, sizeof(*m));
	BIO *bio = NULL;
	enum mayday_err rc = MAYDAY_E_NOMEM;

	*out = NULL;
	if (!m || cert_len == 0 || cert_len > CERT_MAX || ca_len == 0 || ca_len > CA_MAX)
		goto out;
	m->who = who;
	m->ca = malloc(ca_len);
	bio = BIO_new_mem_buf(cert_pem, (int)cert_len);
	if (!m->ca || !bio)
		goto out;
	memcpy(m->ca, ca_pem, ca_len);
	m->ca_len = ca_len;
	rc = MAYDAY_E_KEY;
	m->cert = PEM_read_bio_X509(bio, NULL, NULL, NULL);
	if (!m->cert || EVP_PKEY_up_ref(key) != 1)
		goto out;
	m->key = key;
	if (X509_check_private_key(m->cert, m->key) != 1)
		goto out;
	*out = m;
	m = NULL;
	rc = MAYDAY_OK;
out:
	if (rc != MAYDAY_OK)
		log_info("%s: unusable TLS credentials: %s", who, mayday_strerror(rc));
	BIO_free(bio);
	tx_mtls_free(m);
	return rc;
}

enum mayday_err tx_mtls_dup(const struct tx_mtls *src, struct tx_mtls **out)
{
	struct tx_mtls *m = calloc(1, sizeof(*m));

	*out = NULL;
	if (!m || !(m->ca = malloc(src->ca_len))) {
		free(m);
		return MAYDAY_E_NOMEM;
	}
	memcpy(m->ca, src->ca, src->ca_len);
	m->ca_len = src->ca_len;
	m->who = src->who;
	if (X509_up_ref(src->cert) != 1 || EVP_PKEY_up_ref(src->key) != 1) {
		free(m->ca);
		free(m);
		return MAYDAY_E_INTERNAL;
	}
	m->cert = src->cert;
	m->key = src->key;
	*out = m;
	return MAYDAY_OK;
}

/* "sha256//" + base64 of the digest, as CURLOPT_PINNEDPUBLICKEY wants it. */
static void pin_string(const uint8_t digest[MAYDAY_DIGEST_LEN], char *out, size_t cap)
{
	unsigned char b64[4 * ((MAYDAY_DIGEST_LEN + 2) / 3) + 1];

	EVP_EncodeBlock(b64, digest, MAYDAY_DIGEST_LEN);
	snprintf(out, cap, PIN_PREFIX "%s", (const char *)b64);
}

enum mayday_err tx_mtls_apply(struct tx_mtls *m, CURL *e, const uint8_t *pin_sha256,
			      const char *connect_to)
{
	struct curl_blob blob = { .data = m->ca, .len = m->ca_len, .flags = CURL_BLOB_COPY };
	char pin[sizeof(PIN_PREFIX) + 48];
	struct curl_slist *list;
	CURLcode rc;

	if (connect_to && !m->connect_to) {
		list = curl_slist_append(NULL, connect_to);
		if (!list)
			return MAYDAY_E_NOMEM;
		m->connect_to = list;
	}
	if ((rc = curl_easy_setopt(e, CURLOPT_SSLVERSION,
				   (long)(CURL_SSLVERSION_TLSv1_3 | CURL_SSLVERSION_MAX_TLSv1_3))) ||
	    (rc = curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L)) ||
	    (rc = curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L)) ||
	    (rc = curl_easy_setopt(e, CURLOPT_CAINFO, NULL)) ||
	    (rc = curl_easy_setopt(e, CURLOPT_CAPATH, NULL)) ||
	    (rc = curl_easy_setopt(e, CURLOPT_CAINFO_BLOB, &blob)) ||
	    (rc = curl_easy_setopt(e, CURLOPT_SSL_SESSIONID_CACHE, 0L)) ||
	    (rc = curl_easy_setopt(e, CURLOPT_SSL_CTX_FUNCTION, install_creds)) ||
	    (rc = curl_easy_setopt(e, CURLOPT_SSL_CTX_DATA, m)) ||
	    (m->connect_to && (rc = curl_easy_setopt(e, CURLOPT_CONNECT_TO, m->connect_to))))
		goto fail;
	if (pin_sha256) {
		pin_string(pin_sha256, pin, sizeof(pin));
		if ((rc = curl_easy_setopt(e, CURLOPT_PINNEDPUBLICKEY, pin)) != CURLE_OK)
			goto fail;
	}
	return MAYDAY_OK;
fail:
	log_info("%s: libcurl refuses a TLS option: %s", m->who, curl_easy_strerror(rc));
	return MAYDAY_E_INTERNAL;
}

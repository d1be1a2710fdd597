/*
 * "tls": the distress POST over TLS 1.3 with mutual certificate
 * authentication (libcurl over OpenSSL; the exchange is tx_curl.c's).
 *
 * Trust comes only from the DCF partition, which the TrE verified: the CA
 * bundle named by [tls] ca is handed to libcurl as a blob, and libcurl's
 * default CA file and directory are switched off, so the system's CAs never
 * vouch for an H(e)MS. The client certificate ([tls] cert) and the RoT's key
 * (hal_rot_tls_key: a key handle, never key bytes) are installed into each
 * new SSL_CTX from libcurl's SSL_CTX callback, so no PEM copy of the key
 * exists anywhere.
 *
 * Server name: libcurl checks the server certificate against the host of
 * the URL it is given. With [tls] server_name, that URL names server_name
 * and CURLOPT_CONNECT_TO sends the connection to the configured host and
 * port, so the certificate (and SNI) must match server_name even when
 * [tls] url names a bare IP address. Without server_name the URL's own host
 * is checked (an IP address then has to be in the certificate's
 * subjectAltName as an IP entry). An optional [tls] pin_sha256 further
 * requires the server key's SubjectPublicKeyInfo to have that SHA-256.
 *
 * Every connection does a full handshake (libcurl's session cache is off):
 * the device proves its key each time and keeps no resumption secrets.
 */
#include "dcf_tx.h"

#include <stdio.h>
#include <stdlib.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "dcf_config.h"
#include "hal/flash.h"
#include "hal/rot.h"
#include "log.h"
#include "mayday/indication.h"
#include "tx_curl.h"

#define CA_MAX   16384 /* a few CA certificates in PEM */
#define CERT_MAX 8192  /* one P-256 certificate in PEM is under 1 KiB */
#define PIN_PREFIX "sha256//"

/* What the SSL_CTX callback installs; owned by the tx_curl channel. */
struct tls_creds {
	X509 *cert;
	EVP_PKEY *key;
	struct curl_slist *connect_to;
};

static void creds_free(void *res)
{
	struct tls_creds *cr = res;

	if (!cr)
		return;
	X509_free(cr->cert);
	EVP_PKEY_free(cr->key);
	curl_slist_free_all(cr->connect_to);
	free(cr);
}

static int tls_configured(const struct dcf_config *cfg)
{
	return cfg->tls_url.set && cfg->tls_ca[0] && cfg->tls_cert[0];
}

static CURLcode install_creds(CURL *easy, void *sslctx, void *parm)
{
	struct tls_creds *cr = parm;
	SSL_CTX *ctx = sslctx;

	(void)easy;
	if (SSL_CTX_use_certificate(ctx, cr->cert) != 1 ||
	    SSL_CTX_use_PrivateKey(ctx, cr->key) != 1 || SSL_CTX_check_private_key(ctx) != 1)
		return CURLE_SSL_CERTPROBLEM;
	return CURLE_OK;
}

static enum mayday_err read_part_file(struct hal_flash *flash, const char *name, uint8_t *buf,
				      size_t cap, size_t *len)
{
	enum mayday_err rc = hal_flash_read(flash, HAL_PART_DCF, name, buf, cap, len);

	if (rc != MAYDAY_OK)
		log_info("tls: cannot read %s/%s: %s", HAL_PART_DCF, name, mayday_strerror(rc));
	return rc;
}

/* The client certificate, which must certify the RoT's key. */
static enum mayday_err load_creds(const struct dcf_tx_env *env, struct tls_creds *cr)
{
	uint8_t pem[CERT_MAX];
	size_t len = 0;
	BIO *bio;
	enum mayday_err rc = read_part_file(env->flash, env->cfg->tls_cert, pem, sizeof(pem), &len);

	if (rc != MAYDAY_OK)
		return rc;
	bio = BIO_new_mem_buf(pem, (int)len);
	if (!bio)
		return MAYDAY_E_NOMEM;
	cr->cert = PEM_read_bio_X509(bio, NULL, NULL, NULL);
	BIO_free(bio);
	if (!cr->cert) {
		log_info("tls: %s/%s is not a PEM certificate", HAL_PART_DCF, env->cfg->tls_cert);
		return MAYDAY_E_KEY;
	}
	rc = hal_rot_tls_key(env->rot, &cr->key);
	if (rc != MAYDAY_OK) {
		log_info("tls: the RoT gives no TLS key: %s", mayday_strerror(rc));
		return rc;
	}
	if (X509_check_private_key(cr->cert, cr->key) != 1) {
		log_info("tls: %s/%s does not certify the RoT's key", HAL_PART_DCF,
			 env->cfg->tls_cert);
		return MAYDAY_E_KEY;
	}
	return MAYDAY_OK;
}

/* "sha256//" + base64 of the digest, as CURLOPT_PINNEDPUBLICKEY wants it. */
static void pin_string(const uint8_t digest[MAYDAY_DIGEST_LEN], char *out, size_t cap)
{
	unsigned char b64[4 * ((MAYDAY_DIGEST_LEN + 2) / 3) + 1];

	EVP_EncodeBlock(b64, digest, MAYDAY_DIGEST_LEN);
	snprintf(out, cap, PIN_PREFIX "%s", (const char *)b64);
}

/* URL naming the name to verify, and the connect-to rule when that name is
 * not where the connection goes. */
static enum mayday_err target(const struct dcf_config *cfg, struct tls_creds *cr, char *url,
			      size_t cap)
{
	const struct dcf_url *u = &cfg->tls_url;
	char rule[2 * DCF_HOSTNAME_MAX + 32];
	struct curl_slist *list;
	int n;

	if (!cfg->tls_server_name[0])
		return tx_curl_url(url, cap, "https", u->host, u->host_is_ip6, u->port, u->path);
	if (tx_curl_url(url, cap, "https", cfg->tls_server_name, 0, u->port, u->path) != MAYDAY_OK)
		return MAYDAY_E_TOOBIG;
	n = snprintf(rule, sizeof(rule), "%s:%u:%s%s%s:%u", cfg->tls_server_name,
		     (unsigned)u->port, u->host_is_ip6 ? "[" : "", u->host,
		     u->host_is_ip6 ? "]" : "", (unsigned)u->port);
	if (n < 0 || (size_t)n >= sizeof(rule))
		return MAYDAY_E_TOOBIG;
	list = curl_slist_append(NULL, rule);
	if (!list)
		return MAYDAY_E_NOMEM;
	cr->connect_to = list;
	return MAYDAY_OK;
}

static enum mayday_err tls_options(const struct dcf_tx_env *env, struct tx_curl *c,
				   struct tls_creds *cr, const uint8_t *ca, size_t ca_len)
{
	const struct dcf_config *cfg = env->cfg;
	struct curl_blob blob = { .data = (void *)ca, .len = ca_len, .flags = CURL_BLOB_COPY };
	CURL *e = tx_curl_easy(c);
	char pin[sizeof(PIN_PREFIX) + 48];
	CURLcode rc;

	if ((rc = curl_easy_setopt(e, CURLOPT_SSLVERSION,
				   (long)(CURL_SSLVERSION_TLSv1_3 | CURL_SSLVERSION_MAX_TLSv1_3))) ||
	    (rc = curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L)) ||
	    (rc = curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L)) ||
	    (rc = curl_easy_setopt(e, CURLOPT_CAINFO, NULL)) ||
	    (rc = curl_easy_setopt(e, CURLOPT_CAPATH, NULL)) ||
	    (rc = curl_easy_setopt(e, CURLOPT_CAINFO_BLOB, &blob)) ||
	    (rc = curl_easy_setopt(e, CURLOPT_SSL_SESSIONID_CACHE, 0L)) ||
	    (rc = curl_easy_setopt(e, CURLOPT_SSL_CTX_FUNCTION, install_creds)) ||
	    (rc = curl_easy_setopt(e, CURLOPT_SSL_CTX_DATA, cr)) ||
	    (cr->connect_to && (rc = curl_easy_setopt(e, CURLOPT_CONNECT_TO, cr->connect_to))))
		goto fail;
	if (cfg->tls_pin_set) {
		pin_string(cfg->tls_pin_sha256, pin, sizeof(pin));
		if ((rc = curl_easy_setopt(e, CURLOPT_PINNEDPUBLICKEY, pin)) != CURLE_OK)
			goto fail;
	}
	return MAYDAY_OK;
fail:
	log_info("tls: libcurl refuses a TLS option: %s", curl_easy_strerror(rc));
	return MAYDAY_E_INTERNAL;
}

static enum mayday_err tls_open(const struct dcf_tx_env *env, void **state)
{
	uint8_t *ca = malloc(CA_MAX);
	size_t ca_len = 0;
	char url[TX_CURL_URL_MAX];
	struct tls_creds *cr = calloc(1, sizeof(*cr));
	struct tx_curl *c = NULL;
	enum mayday_err rc = MAYDAY_E_NOMEM;

	if (!ca || !cr)
		goto out;
	rc = read_part_file(env->flash, env->cfg->tls_ca, ca, CA_MAX, &ca_len);
	if (rc == MAYDAY_OK)
		rc = load_creds(env, cr);
	if (rc == MAYDAY_OK)
		rc = target(env->cfg, cr, url, sizeof(url));
	if (rc == MAYDAY_OK)
		rc = tx_curl_open("tls", "https", url, env->cfg->attempt_timeout_ms, &c);
	if (rc != MAYDAY_OK)
		goto out;
	tx_curl_own(c, cr, creds_free);
	rc = tls_options(env, c, cr, ca, ca_len);
	cr = NULL; /* c's now, released with it */
	if (rc != MAYDAY_OK)
		goto out;
	*state = c;
	c = NULL;
out:
	tx_curl_close(c);
	creds_free(cr);
	free(ca);
	return rc;
}

const struct dcf_tx_ops tx_tls_ops = {
	.name = "tls",
	.transport = MAYDAY_TRANSPORT_TLS,
	.configured = tls_configured,
	.open = tls_open,
	.send = tx_curl_send,
	.recv = tx_curl_recv,
	.retry_after_s = tx_curl_retry_after_s,
	.close = tx_curl_close,
};

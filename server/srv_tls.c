/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The https listener's OpenSSL set-up. The stats pointer rides on the
 * context (SSL_CTX app data), so the callbacks need no global state. A
 * handshake failure is seen in two places: the verify callback knows why a
 * certificate was refused (expired, unknown CA), the info callback sees
 * every fatal alert we send (including "certificate required" for a client
 * without one), which is what is counted -- but only before the handshake
 * is done. Afterwards, a peer that closes the TCP connection without
 * close_notify makes OpenSSL 3 send a fatal alert too ("unexpected EOF"),
 * which after a complete HTTP exchange is an ordinary end (curl, most
 * devices): counted apart, not logged, and never as a failed handshake.
 * Whether the handshake finished is a flag on the SSL (ex data), set once
 * at SSL_CB_HANDSHAKE_DONE, which also counts each connection's handshake
 * once when TLS 1.3 post-handshake messages run the callback again.
 *
 * Two checks OpenSSL's chain verification does not make live in the verify
 * callback, on the device's own certificate (depth 0): the extended key
 * usage must name clientAuth (OpenSSL's purpose check accepts a certificate
 * without any EKU), and the certificate must not be on the operator CA's
 * CRL. The CRL is held in a small revocation record hung on the context
 * (ex_data), read once when the context is built and never changed: a
 * reload (SIGHUP) builds a whole new context from the files -- certificate,
 * key, CA and CRL together -- and the listener swaps it in for new
 * connections (srv_http.c), so there is one way files become the policy in
 * force, and a handshake checks against the CRL of the context it started
 * on. OpenSSL's own CRL checking is not used because it fails every device
 * once the CRL's nextUpdate passes: a device in distress must still be
 * heard, so a stale CRL is logged and still enforced instead.
 */
#include <arpa/inet.h>
#include <pthread.h>
#include <openssl/bn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "mayday/file.h"
#include "mayday/indication.h"
#include "mayday/keys.h"
#include "log.h"
#include "srv_ingest.h"
#include "srv_tls.h"

static struct log_limit lim_verify, lim_alert, lim_crl_stale;

/* The revocation record of one context (see the head of the file);
 * immutable once attached. */
struct revocation {
	STACK_OF(X509) *cas;   /* the operator CA file's certificates: CRL signers */
	X509_CRL *crl;         /* NULL: none configured */
	char path[4096];       /* the CRL file, for the log */
};

static int rev_index = -1;
static pthread_once_t rev_once = PTHREAD_ONCE_INIT;

static void rev_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl, void *argp)
{
	struct revocation *r = ptr;
	(void)parent; (void)ad; (void)idx; (void)argl; (void)argp;
	if (r == NULL)
		return;
	sk_X509_pop_free(r->cas, X509_free);
	X509_CRL_free(r->crl);
	free(r);
}

static void rev_index_init(void)
{
	rev_index = SSL_CTX_get_ex_new_index(0, NULL, NULL, NULL, rev_free);
}

static struct revocation *rev_of(SSL_CTX *ctx)
{
	return rev_index < 0 ? NULL : SSL_CTX_get_ex_data(ctx, rev_index);
}

/* The device's own certificate: clientAuth in its EKU, not revoked. On
 * refusal the store context's error says why (it is what gets logged). */
static int leaf_ok(X509_STORE_CTX *x)
{
	X509 *cert = X509_STORE_CTX_get_current_cert(x);
	if (cert == NULL)
		return 0;
	if (!(X509_get_extension_flags(cert) & EXFLAG_XKUSAGE) ||
	    !(X509_get_extended_key_usage(cert) & XKU_SSL_CLIENT)) {
		X509_STORE_CTX_set_error(x, X509_V_ERR_INVALID_PURPOSE);
		return 0;
	}
	SSL *ssl = X509_STORE_CTX_get_ex_data(x, SSL_get_ex_data_X509_STORE_CTX_idx());
	struct revocation *r = ssl != NULL ? rev_of(SSL_get_SSL_CTX(ssl)) : NULL;
	X509_CRL *crl = r != NULL ? r->crl : NULL;   /* lives as long as the context */
	if (crl == NULL)
		return 1;
	X509_REVOKED *rev = NULL;
	int revoked = X509_CRL_get0_by_cert(crl, &rev, cert) == 1;
	const ASN1_TIME *next = X509_CRL_get0_nextUpdate(crl);
	if (next != NULL && X509_cmp_current_time(next) < 0)
		log_limited(&lim_crl_stale, "tls: the CRL %s is past its nextUpdate: still "
			    "enforced; publish a new one (mayday-provision revoke)", r->path);
	if (revoked) {
		X509_STORE_CTX_set_error(x, X509_V_ERR_CERT_REVOKED);
		return 0;
	}
	return 1;
}

static pthread_once_t done_once = PTHREAD_ONCE_INIT;
static int done_idx = -1;   /* SSL ex data: non-NULL once the handshake finished */

static void done_index(void)
{
	done_idx = SSL_get_ex_new_index(0, NULL, NULL, NULL, NULL);
}

static void peer_of(SSL *ssl, char *out, size_t cap)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int fd = SSL_get_fd(ssl);
	memset(&ss, 0, sizeof(ss));
	if (fd < 0 || getpeername(fd, (struct sockaddr *)&ss, &len) != 0)
		snprintf(out, cap, "?");
	else
		srv_ingest_peer_text(&ss, out, cap);
}

static int verify_cb(int ok, X509_STORE_CTX *x)
{
	if (ok && X509_STORE_CTX_get_error_depth(x) == 0)
		ok = leaf_ok(x);
	if (!ok) {
		SSL *ssl = X509_STORE_CTX_get_ex_data(x, SSL_get_ex_data_X509_STORE_CTX_idx());
		char peer[64] = "?";
		if (ssl != NULL)
			peer_of(ssl, peer, sizeof(peer));
		log_limited(&lim_verify, "tls: client certificate from %s refused: %s (depth %d)",
			    peer, X509_verify_cert_error_string(X509_STORE_CTX_get_error(x)),
			    X509_STORE_CTX_get_error_depth(x));
	}
	return ok;
}

static void info_cb(const SSL *ssl, int where, int ret)
{
	struct srv_stats *stats = SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl));
	if (stats == NULL)
		return;
	int done = done_idx >= 0 && SSL_get_ex_data(ssl, done_idx) != NULL;
	if ((where & SSL_CB_HANDSHAKE_DONE) && !done) {
		srv_stats_add(&stats->tls_handshakes, 1);
		if (done_idx >= 0)
			(void)SSL_set_ex_data((SSL *)ssl, done_idx, (void *)1);
	}
	if ((where & SSL_CB_WRITE_ALERT) == SSL_CB_WRITE_ALERT && (ret >> 8) == SSL3_AL_FATAL) {
		char peer[64];
		if (done && ERR_GET_LIB(ERR_peek_last_error()) == ERR_LIB_SSL &&
		    ERR_GET_REASON(ERR_peek_last_error()) == SSL_R_UNEXPECTED_EOF_WHILE_READING) {
			srv_stats_add(&stats->tls_no_close_notify, 1);
			return;
		}
		srv_stats_add(done ? &stats->tls_errors : &stats->tls_failed, 1);
		peer_of((SSL *)ssl, peer, sizeof(peer));
		log_limited(&lim_alert, "tls: %s with %s failed: %s",
			    done ? "connection" : "handshake", peer, SSL_alert_desc_string_long(ret));
	}
}

static enum mayday_err fail(char *err, size_t cap, const char *what, const char *path)
{
	char ossl[160];
	unsigned long e = ERR_get_error();
	ERR_error_string_n(e, ossl, sizeof(ossl));
	snprintf(err, cap, "%s %s: %s", what, path, e ? ossl : "unusable");
	ERR_clear_error();
	return MAYDAY_E_KEY;
}

/* Refuse encrypted PEM instead of prompting on a terminal. */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf; (void)size; (void)rwflag; (void)u;
	return -1;
}

/* The server's private key, read only from a file no one else may read. */
static enum mayday_err use_key(SSL_CTX *ctx, const char *key, char *err, size_t err_cap)
{
	FILE *f = NULL;
	enum mayday_err rc = mayday_file_open_secret(key, &f);
	if (rc != MAYDAY_OK) {
		snprintf(err, err_cap, "key %s: %s", key, mayday_strerror(rc));
		return rc;
	}
	EVP_PKEY *pk = PEM_read_PrivateKey(f, NULL, no_passphrase, NULL);
	fclose(f);
	if (pk == NULL || SSL_CTX_use_PrivateKey(ctx, pk) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1) {
		EVP_PKEY_free(pk);
		return fail(err, err_cap, "key (or it does not match cert)", key);
	}
	EVP_PKEY_free(pk);
	return MAYDAY_OK;
}

/* Reads the CRL at r->path, checks it is a CRL signed by one of r->cas. */
static enum mayday_err crl_read(struct revocation *r, X509_CRL **out, char *err, size_t err_cap)
{
	X509_CRL *crl = NULL;
	FILE *f = fopen(r->path, "re");
	*out = NULL;
	if (f == NULL) {
		snprintf(err, err_cap, "crl %s: cannot open", r->path);
		return MAYDAY_E_NOTFOUND;
	}
	crl = PEM_read_X509_CRL(f, NULL, NULL, NULL);
	fclose(f);
	if (crl == NULL)
		return fail(err, err_cap, "crl (not a PEM CRL)", r->path);
	for (int i = 0; i < sk_X509_num(r->cas); i++) {
		X509 *ca = sk_X509_value(r->cas, i);
		if (X509_NAME_cmp(X509_get_subject_name(ca), X509_CRL_get_issuer(crl)) == 0 &&
		    X509_CRL_verify(crl, X509_get0_pubkey(ca)) == 1) {
			*out = crl;
			return MAYDAY_OK;
		}
	}
	X509_CRL_free(crl);
	ERR_clear_error();
	snprintf(err, err_cap, "crl %s: not signed by a CA of [https] ca", r->path);
	return MAYDAY_E_SIGNATURE;
}

/* A revocation record for ctx with the CA file's certificates (the CRL's
 * possible signers) and the CRL at `crl` (NULL or "": none). */
static enum mayday_err rev_attach(SSL_CTX *ctx, const char *ca, const char *crl, char *err,
				  size_t err_cap)
{
	pthread_once(&rev_once, rev_index_init);
	struct revocation *r = calloc(1, sizeof(*r));
	BIO *b = NULL;
	X509 *c;
	enum mayday_err rc;
	if (rev_index < 0 || r == NULL) {
		free(r);
		snprintf(err, err_cap, "cannot set up revocation checking");
		return MAYDAY_E_NOMEM;
	}
	if ((r->cas = sk_X509_new_null()) == NULL || (b = BIO_new_file(ca, "r")) == NULL)
		goto fail;
	while ((c = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL) {
		if (sk_X509_push(r->cas, c) <= 0) {
			X509_free(c);
			goto fail;
		}
	}
	ERR_clear_error();   /* the end of the file */
	BIO_free(b);
	if (crl != NULL && crl[0] != '\0') {
		if (strlen(crl) >= sizeof(r->path)) {
			rev_free(NULL, r, NULL, 0, 0, NULL);
			snprintf(err, err_cap, "crl: path too long");
			return MAYDAY_E_INVALID;
		}
		snprintf(r->path, sizeof(r->path), "%s", crl);
		if ((rc = crl_read(r, &r->crl, err, err_cap)) != MAYDAY_OK) {
			rev_free(NULL, r, NULL, 0, 0, NULL);
			return rc;
		}
	}
	if (SSL_CTX_set_ex_data(ctx, rev_index, r) != 1) {
		rev_free(NULL, r, NULL, 0, 0, NULL);
		snprintf(err, err_cap, "cannot set up revocation checking");
		return MAYDAY_E_NOMEM;
	}
	return MAYDAY_OK;
fail:
	BIO_free(b);
	rev_free(NULL, r, NULL, 0, 0, NULL);
	return fail(err, err_cap, "ca", ca);
}

enum mayday_err srv_tls_server_ctx(const struct srv_tls_files *f, SSL_CTX **out, char *err,
				   size_t err_cap)
{
	const char *cert = f->cert, *key = f->key, *ca = f->ca;
	enum mayday_err rc = MAYDAY_E_INTERNAL;
	STACK_OF(X509_NAME) *names = NULL;
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	*out = NULL;
	if (ctx == NULL) {
		snprintf(err, err_cap, "cannot create a TLS context");
		goto fail;
	}
	if (SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) != 1 ||
	    SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION) != 1 ||
	    SSL_CTX_set_num_tickets(ctx, 0) != 1 ||
	    SSL_CTX_set_purpose(ctx, X509_PURPOSE_SSL_CLIENT) != 1) {
		snprintf(err, err_cap, "cannot restrict the TLS context to TLS 1.3");
		goto fail;
	}
	SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1) {
		rc = fail(err, err_cap, "cert", cert);
		goto fail;
	}
	if ((rc = use_key(ctx, key, err, err_cap)) != MAYDAY_OK)
		goto fail;
	if (SSL_CTX_load_verify_locations(ctx, ca, NULL) != 1 ||
	    (names = SSL_load_client_CA_file(ca)) == NULL) {
		rc = fail(err, err_cap, "ca", ca);
		goto fail;
	}
	SSL_CTX_set_client_CA_list(ctx, names);   /* takes `names` */
	names = NULL;
	if ((rc = rev_attach(ctx, ca, f->crl, err, err_cap)) != MAYDAY_OK)
		goto fail;
	SSL_CTX_set_verify(ctx, f->cert_optional ? SSL_VERIFY_PEER
						 : SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
			   verify_cb);
	if (pthread_once(&done_once, done_index) != 0 || done_idx < 0) {
		snprintf(err, err_cap, "cannot allocate TLS ex data");
		goto fail;
	}
	SSL_CTX_set_app_data(ctx, f->stats);
	SSL_CTX_set_info_callback(ctx, info_cb);
	*out = ctx;
	return MAYDAY_OK;
fail:
	sk_X509_NAME_pop_free(names, X509_NAME_free);
	SSL_CTX_free(ctx);
	return rc;
}

void srv_tls_describe(SSL_CTX *ctx, char *out, size_t cap)
{
	X509 *c = SSL_CTX_get0_certificate(ctx);
	BIGNUM *bn = c != NULL ? ASN1_INTEGER_to_BN(X509_get0_serialNumber(c), NULL) : NULL;
	char *serial = bn != NULL ? BN_bn2hex(bn) : NULL;
	char subject[256] = "?", until[64] = "?";
	BIO *b = BIO_new(BIO_s_mem());
	if (c != NULL && b != NULL) {
		int n;
		if (X509_NAME_print_ex(b, X509_get_subject_name(c), 0, XN_FLAG_RFC2253) >= 0 &&
		    (n = BIO_read(b, subject, (int)sizeof(subject) - 1)) > 0)
			subject[n] = '\0';
		(void)BIO_reset(b);
		if (ASN1_TIME_print(b, X509_get0_notAfter(c)) == 1 &&
		    (n = BIO_read(b, until, (int)sizeof(until) - 1)) > 0)
			until[n] = '\0';
	}
	for (char *q = subject; *q; q++)   /* RFC 2253 escaping leaves ASCII; be sure */
		if (*q < ' ' || *q > '~')
			*q = '?';
	snprintf(out, cap, "subject %s, serial %s, notAfter %s", subject,
		 serial != NULL ? serial : "?", until);
	OPENSSL_free(serial);
	BN_free(bn);
	BIO_free(b);
	ERR_clear_error();
}

enum mayday_err srv_tls_peer(SSL *ssl, char *subject, size_t subject_cap,
			     char cn[MAYDAY_DEVICE_ID_MAX + 1])
{
	enum mayday_err rc = MAYDAY_E_MALFORMED;
	unsigned char *utf8 = NULL;
	BIO *bio = NULL;
	subject[0] = '\0';
	cn[0] = '\0';
	X509 *cert = SSL_get0_peer_certificate(ssl);
	if (cert == NULL || SSL_get_verify_result(ssl) != X509_V_OK)
		return MAYDAY_E_NOTFOUND;
	const X509_NAME *name = X509_get_subject_name(cert);
	int at = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
	if (at < 0 || X509_NAME_get_index_by_NID(name, NID_commonName, at) >= 0)
		goto out;
	int n = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, at)));
	/* The CN is a device ID: the one alphabet of docs/protocol.md §1. */
	if (n < 1 || !mayday_device_id_ok((const char *)utf8, (size_t)n))
		goto out;
	memcpy(cn, utf8, (size_t)n);
	cn[n] = '\0';

	rc = MAYDAY_E_INTERNAL;
	if ((bio = BIO_new(BIO_s_mem())) == NULL ||
	    X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253) < 0)
		goto out;
	char *text;
	long len = BIO_get_mem_data(bio, &text);
	if (len < 0 || (size_t)len + 1 > subject_cap) {
		rc = MAYDAY_E_TOOBIG;
		goto out;
	}
	for (long i = 0; i < len; i++)   /* RFC 2253 escaping leaves only ASCII; be sure */
		subject[i] = (text[i] >= ' ' && text[i] <= '~') ? text[i] : '?';
	subject[len] = '\0';
	rc = MAYDAY_OK;
out:
	if (rc != MAYDAY_OK) {
		subject[0] = '\0';
		cn[0] = '\0';
	}
	OPENSSL_free(utf8);
	BIO_free(bio);
	return rc;
}

bool srv_tls_peer_is_device_cert(SSL *ssl)
{
	X509 *cert = SSL_get0_peer_certificate(ssl);
	const X509_NAME *name = cert != NULL ? X509_get_subject_name(cert) : NULL;
	bool device = false;

	for (int at = -1; name != NULL &&
	     (at = X509_NAME_get_index_by_NID(name, NID_organizationalUnitName, at)) >= 0;) {
		const ASN1_STRING *ou = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, at));
		size_t n = sizeof(MAYDAY_DEVICE_CERT_OU) - 1;

		if ((size_t)ASN1_STRING_length(ou) == n &&
		    memcmp(ASN1_STRING_get0_data(ou), MAYDAY_DEVICE_CERT_OU, n) == 0)
			device = true;
	}
	return device;
}

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
 */
#include <arpa/inet.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "log.h"
#include "srv_ingest.h"
#include "srv_tls.h"

static struct log_limit lim_verify, lim_alert;
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

enum mayday_err srv_tls_server_ctx(const char *cert, const char *key, const char *ca,
				   struct srv_stats *stats, SSL_CTX **out, char *err,
				   size_t err_cap)
{
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
	if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1) {
		rc = fail(err, err_cap, "key (or it does not match cert)", key);
		goto fail;
	}
	if (SSL_CTX_load_verify_locations(ctx, ca, NULL) != 1 ||
	    (names = SSL_load_client_CA_file(ca)) == NULL) {
		rc = fail(err, err_cap, "ca", ca);
		goto fail;
	}
	SSL_CTX_set_client_CA_list(ctx, names);   /* takes `names` */
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, verify_cb);
	if (pthread_once(&done_once, done_index) != 0 || done_idx < 0) {
		snprintf(err, err_cap, "cannot allocate TLS ex data");
		goto fail;
	}
	SSL_CTX_set_app_data(ctx, stats);
	SSL_CTX_set_info_callback(ctx, info_cb);
	*out = ctx;
	return MAYDAY_OK;
fail:
	SSL_CTX_free(ctx);
	return rc;
}

static int device_id_ok(const unsigned char *s, int n)
{
	if (n < 1 || n > MAYDAY_DEVICE_ID_MAX)
		return 0;
	for (int i = 0; i < n; i++)
		if (s[i] <= ' ' || s[i] > '~')
			return 0;
	return 1;
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
	if (!device_id_ok(utf8, n))
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

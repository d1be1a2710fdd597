/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Mutual TLS (see net_tls.h). One SSL_CTX per credential set, holding the
 * trust store, the client certificate and a reference to the key; one SSL
 * per connection over the caller's socket (OpenSSL's socket BIO), driven
 * non-blocking: every WANT_READ / WANT_WRITE waits on the socket for what
 * is left of the deadline.
 *
 * OpenSSL's socket BIO writes with write(2), which raises SIGPIPE when the
 * server has gone: that would kill the DCF. Every SSL call that may write
 * runs with SIGPIPE blocked in the calling thread, and a SIGPIPE it raised
 * is taken off the pending set before the mask is restored (the caller's
 * disposition of SIGPIPE is left alone; the error comes back as EPIPE).
 */
#include "net_tls.h"

#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "log.h"
#include "mayday/limits.h"
#include "net_conn.h"

#define NET_TLS_READ_AHEAD (64u * 1024u) /* bytes OpenSSL may read past a record */

struct net_tls {
	const char *who;
	SSL_CTX *ctx;
	int have_pin;
	uint8_t pin[MAYDAY_DIGEST_LEN];
};

const char *net_tls_who(const struct net_tls *t)
{
	return t->who;
}

void net_tls_free(struct net_tls *t)
{
	if (!t)
		return;
	SSL_CTX_free(t->ctx);
	OPENSSL_cleanse(t->pin, sizeof(t->pin));
	free(t);
}

/* Every certificate of the PEM into the store; MAYDAY_E_KEY if none. */
static enum mayday_err load_ca(struct net_tls *t, const char *pem, size_t len)
{
	X509_STORE *st = SSL_CTX_get_cert_store(t->ctx);
	BIO *bio;
	X509 *x;
	unsigned n = 0;

	if (len > INT32_MAX)
		return MAYDAY_E_TOOBIG;
	bio = BIO_new_mem_buf(pem, (int)len);
	if (!bio)
		return MAYDAY_E_NOMEM;
	while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
		int ok = X509_STORE_add_cert(st, x);
		X509_free(x);
		if (!ok) {
			BIO_free(bio);
			return MAYDAY_E_KEY;
		}
		n++;
	}
	ERR_clear_error(); /* the end of the PEM reads as an error */
	BIO_free(bio);
	return n ? MAYDAY_OK : MAYDAY_E_KEY;
}

static enum mayday_err load_client(struct net_tls *t, EVP_PKEY *key, const char *pem,
				   size_t len)
{
	BIO *bio;
	X509 *x;
	enum mayday_err rc = MAYDAY_OK;

	if (!pem || len == 0 || len > INT32_MAX) {
		log_info("%s: no client certificate", t->who);
		return MAYDAY_E_KEY;
	}
	bio = BIO_new_mem_buf(pem, (int)len);
	if (!bio)
		return MAYDAY_E_NOMEM;
	x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
	BIO_free(bio);
	if (!x) {
		log_info("%s: the client certificate is not a PEM certificate", t->who);
		return MAYDAY_E_KEY;
	}
	if (X509_check_private_key(x, key) != 1) {
		log_info("%s: the client certificate does not certify the device's key", t->who);
		rc = MAYDAY_E_KEY;
	} else if (SSL_CTX_use_certificate(t->ctx, x) != 1 ||
		   SSL_CTX_use_PrivateKey(t->ctx, key) != 1 ||
		   SSL_CTX_check_private_key(t->ctx) != 1) {
		log_info("%s: OpenSSL refuses the client certificate or key", t->who);
		rc = MAYDAY_E_KEY;
	}
	X509_free(x);
	ERR_clear_error();
	return rc;
}

enum mayday_err net_tls_new(const char *who, EVP_PKEY *key, const char *cert_pem,
			    size_t cert_len, const char *ca_pem, size_t ca_len,
			    const uint8_t *pin_sha256, struct net_tls **out)
{
	struct net_tls *t = calloc(1, sizeof(*t));
	enum mayday_err rc = MAYDAY_E_NOMEM;

	*out = NULL;
	if (!t) {
		log_info("%s: out of memory", who);
		goto out;
	}
	t->who = who;
	t->ctx = SSL_CTX_new(TLS_client_method());
	if (!t->ctx) {
		log_info("%s: cannot create a TLS context", who);
		goto out;
	}
	rc = MAYDAY_E_INTERNAL;
	if (SSL_CTX_set_min_proto_version(t->ctx, TLS1_3_VERSION) != 1 ||
	    SSL_CTX_set_max_proto_version(t->ctx, TLS1_3_VERSION) != 1) {
		log_info("%s: this OpenSSL has no TLS 1.3", who);
		goto out;
	}
	SSL_CTX_set_verify(t->ctx, SSL_VERIFY_PEER, NULL);
	SSL_CTX_set_session_cache_mode(t->ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_options(t->ctx, SSL_OP_NO_TICKET);
	/* A bundle download is ~16 k records per 256 MiB: read ahead of the
	 * record in hand, in 64 KiB, so most records cost no system call. */
	SSL_CTX_set_read_ahead(t->ctx, 1);
	SSL_CTX_set_default_read_buffer_len(t->ctx, NET_TLS_READ_AHEAD);
	rc = load_ca(t, ca_pem, ca_len);
	if (rc != MAYDAY_OK) {
		log_info("%s: the CA bundle holds no usable PEM certificate", who);
		goto out;
	}
	if (key) {
		rc = load_client(t, key, cert_pem, cert_len);
		if (rc != MAYDAY_OK)
			goto out;
	}
	if (pin_sha256) {
		memcpy(t->pin, pin_sha256, sizeof(t->pin));
		t->have_pin = 1;
	}
	*out = t;
	t = NULL;
out:
	EVP_PKEY_free(key); /* the context holds its own reference */
	net_tls_free(t);
	return rc;
}

struct pipe_guard {
	sigset_t old;
	int was_pending;
};

static void pipe_block(struct pipe_guard *g)
{
	sigset_t pipe, pending;

	sigemptyset(&pipe);
	sigaddset(&pipe, SIGPIPE);
	sigemptyset(&pending);
	g->was_pending = sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE) == 1;
	pthread_sigmask(SIG_BLOCK, &pipe, &g->old);
}

static void pipe_restore(struct pipe_guard *g)
{
	sigset_t pipe, pending;
	const struct timespec zero = { 0, 0 };
	int saved = errno;

	sigemptyset(&pipe);
	sigaddset(&pipe, SIGPIPE);
	sigemptyset(&pending);
	if (!g->was_pending && sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE) == 1)
		while (sigtimedwait(&pipe, NULL, &zero) < 0 && errno == EINTR)
			;
	pthread_sigmask(SIG_SETMASK, &g->old, NULL);
	errno = saved;
}

static int is_ip_literal(const char *host)
{
	unsigned char a[16];

	return inet_pton(AF_INET, host, a) == 1 || inet_pton(AF_INET6, host, a) == 1;
}

static int pin_matches(const struct net_tls *t, SSL *ssl)
{
	X509 *peer = SSL_get0_peer_certificate(ssl);
	unsigned char *der = NULL;
	uint8_t md[MAYDAY_DIGEST_LEN];
	unsigned mdlen = 0;
	int len, ok;

	if (!peer)
		return 0;
	len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(peer), &der);
	if (len <= 0)
		return 0;
	ok = EVP_Digest(der, (size_t)len, md, &mdlen, EVP_sha256(), NULL) == 1 &&
	     mdlen == sizeof(md) && CRYPTO_memcmp(md, t->pin, sizeof(md)) == 0;
	OPENSSL_free(der);
	return ok;
}

/* What the OpenSSL error queue or the verification says, into why. */
static void describe(SSL *ssl, const char *what, char *why, size_t cap)
{
	long v = SSL_get_verify_result(ssl);
	unsigned long e = ERR_peek_last_error();
	char buf[160] = "";

	if (v != X509_V_OK) {
		snprintf(why, cap, "%s: server certificate: %s", what,
			 X509_verify_cert_error_string(v));
	} else {
		if (e)
			ERR_error_string_n(e, buf, sizeof(buf));
		snprintf(why, cap, "%s%s%s", what, buf[0] ? ": " : "", buf);
	}
	ERR_clear_error();
}

/* Waits as OpenSSL asked after a call returned `ret`. MAYDAY_OK: try again. */
static enum mayday_err wait_for(SSL *ssl, int fd, int ret, uint64_t deadline_ms, int *err)
{
	*err = SSL_get_error(ssl, ret);
	if (*err == SSL_ERROR_WANT_READ)
		return net_conn_wait(fd, POLLIN, deadline_ms);
	if (*err == SSL_ERROR_WANT_WRITE)
		return net_conn_wait(fd, POLLOUT, deadline_ms);
	return MAYDAY_E_IO;
}

enum mayday_err net_tls_connect(const struct net_tls *t, int fd, const char *host,
				uint64_t deadline_ms, SSL **out, char *why, size_t cap)
{
	SSL *ssl = SSL_new(t->ctx);
	enum mayday_err rc;
	int ret, err;

	*out = NULL;
	why[0] = '\0';
	if (!ssl) {
		snprintf(why, cap, "cannot create a TLS connection");
		return MAYDAY_E_NOMEM;
	}
	if (SSL_set_fd(ssl, fd) != 1)
		goto internal;
	if (is_ip_literal(host)) {
		if (X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host) != 1)
			goto internal;
	} else if (SSL_set1_host(ssl, host) != 1 || SSL_set_tlsext_host_name(ssl, host) != 1) {
		goto internal;
	}
	for (;;) {
		struct pipe_guard g;
		ERR_clear_error();
		pipe_block(&g);
		ret = SSL_connect(ssl);
		pipe_restore(&g);
		if (ret == 1)
			break;
		rc = wait_for(ssl, fd, ret, deadline_ms, &err);
		if (rc == MAYDAY_E_TIMEOUT) {
			snprintf(why, cap, "TLS handshake timed out");
			goto fail;
		}
		if (rc != MAYDAY_OK) {
			rc = SSL_get_verify_result(ssl) != X509_V_OK ? MAYDAY_E_KEY : MAYDAY_E_IO;
			describe(ssl, "TLS handshake failed", why, cap);
			goto fail;
		}
	}
	if (t->have_pin && !pin_matches(t, ssl)) {
		snprintf(why, cap, "the server's key does not match the pinned SHA-256");
		rc = MAYDAY_E_KEY;
		goto fail;
	}
	*out = ssl;
	return MAYDAY_OK;
internal:
	snprintf(why, cap, "cannot set up the TLS connection for %s", host);
	rc = MAYDAY_E_INTERNAL;
fail:
	ERR_clear_error();
	SSL_free(ssl);
	return rc;
}

enum mayday_err net_tls_read(SSL *ssl, int fd, void *buf, size_t cap, size_t *n,
			     uint64_t deadline_ms)
{
	*n = 0;
	for (;;) {
		size_t got = 0;
		int ret, err;
		enum mayday_err rc;

		struct pipe_guard g;
		ERR_clear_error();
		pipe_block(&g);
		ret = SSL_read_ex(ssl, buf, cap, &got); /* may write: a key update */
		/* Records already read ahead are decrypted under the same guard:
		 * a large body then costs few system calls per record. */
		while (ret == 1 && got < cap && SSL_has_pending(ssl)) {
			size_t more = 0;

			if (SSL_read_ex(ssl, (uint8_t *)buf + got, cap - got, &more) != 1) {
				ERR_clear_error(); /* a partial record, or the end: next call */
				break;
			}
			got += more;
		}
		pipe_restore(&g);
		if (ret == 1) {
			*n = got;
			return MAYDAY_OK;
		}
		rc = wait_for(ssl, fd, ret, deadline_ms, &err);
		if (rc == MAYDAY_OK)
			continue;
		if (rc == MAYDAY_E_TIMEOUT)
			return rc;
		ERR_clear_error();
		if (err == SSL_ERROR_ZERO_RETURN || err == SSL_ERROR_SYSCALL ||
		    err == SSL_ERROR_SSL)
			/* closed, with or without close_notify: the HTTP parser
			 * decides whether the answer was complete */
			return err == SSL_ERROR_SSL ? MAYDAY_E_IO : MAYDAY_OK;
		return MAYDAY_E_IO;
	}
}

enum mayday_err net_tls_write(SSL *ssl, int fd, const void *buf, size_t len,
			      uint64_t deadline_ms)
{
	const uint8_t *p = buf;

	while (len > 0) {
		size_t put = 0;
		int ret, err;
		enum mayday_err rc;

		struct pipe_guard g;
		ERR_clear_error();
		pipe_block(&g);
		ret = SSL_write_ex(ssl, p, len, &put);
		pipe_restore(&g);
		if (ret == 1) {
			p += put;
			len -= put;
			continue;
		}
		rc = wait_for(ssl, fd, ret, deadline_ms, &err);
		if (rc != MAYDAY_OK) {
			ERR_clear_error();
			return rc;
		}
	}
	return MAYDAY_OK;
}

void net_tls_close(SSL *ssl)
{
	SSL_free(ssl);
}

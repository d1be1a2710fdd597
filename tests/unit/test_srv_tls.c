/* SPDX-License-Identifier: Apache-2.0 */
/*
 * server/srv_tls.c: the https listener's context (files, TLS 1.3 only, no
 * tickets, client certificates required and counted) and the identity a
 * finished handshake yields (subject, exactly one CN that is a device ID),
 * and how connection ends are counted: a peer closing without close_notify
 * after a complete exchange is no failed handshake. Handshakes run in
 * memory (a BIO pair) with certificates made here.
 * Also: a server key others may read is refused, a device certificate
 * without the clientAuth EKU is refused, and the CRL: a revoked device is
 * refused while another is not; a rebuilt context (the reload) has the
 * CRL and certificate of the files at its build, and a connection on the
 * old context outlives the old context's release.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "srv_tls.h"

struct pki {
	char dir[256];
	EVP_PKEY *ca_key, *srv_key, *dev_key;
	X509 *ca, *srv;
	char ca_pem[300], srv_pem[300], srv_key_pem[300], other_pem[300], crl_pem[300];
};

static EVP_PKEY *p256(void)
{
	EVP_PKEY *k = EVP_EC_gen("P-256");
	assert_non_null(k);
	return k;
}

static void ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, issuer, cert, NULL, NULL, 0);
	X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	assert_non_null(e);
	assert_int_equal(X509_add_ext(cert, e, -1), 1);
	X509_EXTENSION_free(e);
}

/* A certificate for `key` with the given subject entries ("CN", value pairs,
 * NULL-terminated), issued by issuer/issuer_key (NULL: self-signed CA). */
static X509 *cert(EVP_PKEY *key, X509 *issuer, EVP_PKEY *issuer_key, const char *eku,
		  const char *const *subject)
{
	X509 *c = X509_new();
	X509_NAME *name = X509_NAME_new();
	assert_non_null(c);
	assert_int_equal(X509_set_version(c, X509_VERSION_3), 1);
	ASN1_INTEGER_set(X509_get_serialNumber(c), (long)(random() & 0x7fffffff));
	X509_gmtime_adj(X509_getm_notBefore(c), -60);
	X509_gmtime_adj(X509_getm_notAfter(c), 3600);
	for (size_t i = 0; subject[i] != NULL; i += 2)
		assert_int_equal(X509_NAME_add_entry_by_txt(name, subject[i], MBSTRING_UTF8,
							    (const unsigned char *)subject[i + 1],
							    -1, -1, 0), 1);
	X509_set_subject_name(c, name);
	X509_set_issuer_name(c, issuer ? X509_get_subject_name(issuer) : name);
	X509_set_pubkey(c, key);
	if (issuer == NULL) {
		ext(c, c, NID_basic_constraints, "critical,CA:TRUE");
		ext(c, c, NID_key_usage, "critical,keyCertSign");
	} else {
		ext(c, issuer, NID_basic_constraints, "critical,CA:FALSE");
		if (eku != NULL)   /* NULL: no extended key usage at all */
			ext(c, issuer, NID_ext_key_usage, eku);
	}
	assert_true(X509_sign(c, issuer_key ? issuer_key : key, EVP_sha256()) > 0);
	X509_NAME_free(name);
	return c;
}

static void save_cert(const char *path, X509 *c)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(PEM_write_X509(f, c), 1);
	fclose(f);
}

static int setup(void **state)
{
	static struct pki p;
	const char *tmp = getenv("TMPDIR");
	static const char *const ca_name[] = {"CN", "test operator CA", NULL};
	static const char *const srv_name[] = {"CN", "hems.mayday.test", NULL};
	snprintf(p.dir, sizeof(p.dir), "%s/mayday-tls.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	assert_non_null(mkdtemp(p.dir));
	p.ca_key = p256();
	p.srv_key = p256();
	p.dev_key = p256();
	p.ca = cert(p.ca_key, NULL, NULL, NULL, ca_name);
	p.srv = cert(p.srv_key, p.ca, p.ca_key, "serverAuth", srv_name);
	snprintf(p.ca_pem, sizeof(p.ca_pem), "%s/ca.pem", p.dir);
	snprintf(p.srv_pem, sizeof(p.srv_pem), "%s/srv.pem", p.dir);
	snprintf(p.srv_key_pem, sizeof(p.srv_key_pem), "%s/srv.key", p.dir);
	snprintf(p.other_pem, sizeof(p.other_pem), "%s/other.key", p.dir);
	save_cert(p.ca_pem, p.ca);
	save_cert(p.srv_pem, p.srv);
	FILE *f = fopen(p.srv_key_pem, "w");
	assert_non_null(f);
	assert_int_equal(PEM_write_PrivateKey(f, p.srv_key, NULL, NULL, 0, NULL, NULL), 1);
	fclose(f);
	f = fopen(p.other_pem, "w");
	assert_non_null(f);
	assert_int_equal(PEM_write_PrivateKey(f, p.dev_key, NULL, NULL, 0, NULL, NULL), 1);
	fclose(f);
	assert_int_equal(chmod(p.srv_key_pem, 0600), 0);
	assert_int_equal(chmod(p.other_pem, 0600), 0);
	snprintf(p.crl_pem, sizeof(p.crl_pem), "%s/ca.crl", p.dir);
	*state = &p;
	return 0;
}

static int teardown(void **state)
{
	struct pki *p = *state;
	unlink(p->ca_pem);
	unlink(p->srv_pem);
	unlink(p->srv_key_pem);
	unlink(p->other_pem);
	unlink(p->crl_pem);
	rmdir(p->dir);
	X509_free(p->ca);
	X509_free(p->srv);
	EVP_PKEY_free(p->ca_key);
	EVP_PKEY_free(p->srv_key);
	EVP_PKEY_free(p->dev_key);
	return 0;
}

/* The listener's way to a context: the files as a struct. */
static enum mayday_err ctx_new(const char *cert, const char *key, const char *ca, const char *crl,
			       struct srv_stats *stats, SSL_CTX **out, char *err, size_t cap)
{
	const struct srv_tls_files f = {.cert = cert, .key = key, .ca = ca, .crl = crl,
					.stats = stats};
	return srv_tls_server_ctx(&f, out, err, cap);
}

static void test_ctx(void **state)
{
	struct pki *p = *state;
	struct srv_stats stats;
	SSL_CTX *ctx = NULL;
	char err[256];
	memset(&stats, 0, sizeof(stats));
	assert_int_equal(ctx_new(p->srv_pem, p->srv_key_pem, p->ca_pem, NULL, &stats, &ctx,
					    err, sizeof(err)), MAYDAY_OK);
	assert_int_equal(SSL_CTX_get_min_proto_version(ctx), TLS1_3_VERSION);
	assert_int_equal(SSL_CTX_get_max_proto_version(ctx), TLS1_3_VERSION);
	assert_int_equal(SSL_CTX_get_num_tickets(ctx), 0);
	assert_true(SSL_CTX_get_options(ctx) & SSL_OP_NO_TICKET);
	assert_int_equal(SSL_CTX_get_verify_mode(ctx),
			 SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT);
	assert_int_equal(SSL_CTX_get_session_cache_mode(ctx), SSL_SESS_CACHE_OFF);
	SSL_CTX_free(ctx);

	assert_int_equal(ctx_new("/nonexistent.pem", p->srv_key_pem, p->ca_pem, NULL, &stats,
					    &ctx, err, sizeof(err)), MAYDAY_E_KEY);
	assert_null(ctx);
	assert_non_null(strstr(err, "/nonexistent.pem"));
	/* A key that is not the certificate's. */
	assert_int_equal(ctx_new(p->srv_pem, p->other_pem, p->ca_pem, NULL, &stats, &ctx,
					    err, sizeof(err)), MAYDAY_E_KEY);
	assert_non_null(strstr(err, p->other_pem));
	assert_int_equal(ctx_new(p->srv_pem, p->srv_key_pem, p->srv_key_pem, NULL, &stats,
					    &ctx, err, sizeof(err)), MAYDAY_E_KEY);
	assert_non_null(strstr(err, "ca"));
	/* A private key group or others may read: refused, naming file and fix. */
	assert_int_equal(chmod(p->srv_key_pem, 0644), 0);
	assert_int_equal(ctx_new(p->srv_pem, p->srv_key_pem, p->ca_pem, NULL, &stats, &ctx,
					    err, sizeof(err)), MAYDAY_E_PERM);
	assert_null(ctx);
	assert_non_null(strstr(err, p->srv_key_pem));
	assert_non_null(strstr(err, "chmod 600"));
	assert_int_equal(chmod(p->srv_key_pem, 0640), 0);
	assert_int_equal(ctx_new(p->srv_pem, p->srv_key_pem, p->ca_pem, NULL, &stats, &ctx,
					    err, sizeof(err)), MAYDAY_E_PERM);
	assert_int_equal(chmod(p->srv_key_pem, 0600), 0);
}

/* A client with `c` (or none) and the device key handshakes with the
 * server context in memory. Returns the server's SSL, finished or failed. */
static SSL *handshake(SSL_CTX *sctx, X509 *c, EVP_PKEY *key, X509 *trust, int *ok)
{
	SSL_CTX *cctx = SSL_CTX_new(TLS_client_method());
	SSL *s = SSL_new(sctx), *cl;
	BIO *sb, *cb;
	assert_non_null(cctx);
	X509_STORE_add_cert(SSL_CTX_get_cert_store(cctx), trust);
	SSL_CTX_set_verify(cctx, SSL_VERIFY_PEER, NULL);
	if (c != NULL) {
		assert_int_equal(SSL_CTX_use_certificate(cctx, c), 1);
		assert_int_equal(SSL_CTX_use_PrivateKey(cctx, key), 1);
	}
	cl = SSL_new(cctx);
	assert_int_equal(BIO_new_bio_pair(&sb, 0, &cb, 0), 1);
	SSL_set_bio(s, sb, sb);
	SSL_set_bio(cl, cb, cb);
	SSL_set_accept_state(s);
	SSL_set_connect_state(cl);
	int sdone = 0, cdone = 0;
	for (int i = 0; i < 50 && !(sdone && cdone); i++) {
		if (!cdone) {
			int r = SSL_do_handshake(cl);
			cdone = r == 1;
			if (r <= 0 && SSL_get_error(cl, r) != SSL_ERROR_WANT_READ)
				break;
		}
		if (!sdone) {
			int r = SSL_do_handshake(s);
			sdone = r == 1;
			if (r <= 0 && SSL_get_error(s, r) != SSL_ERROR_WANT_READ)
				break;
		}
	}
	/* TLS 1.3: the server sees the client certificate in the client's last
	 * flight, after the client considers itself done. */
	for (int i = 0; i < 5 && !sdone; i++) {
		int r = SSL_do_handshake(s);
		sdone = r == 1;
		if (r <= 0 && SSL_get_error(s, r) != SSL_ERROR_WANT_READ)
			break;
	}
	*ok = sdone;
	SSL_free(cl);
	SSL_CTX_free(cctx);
	return s;
}

static void test_peer(void **state)
{
	struct pki *p = *state;
	struct srv_stats stats;
	SSL_CTX *ctx = NULL;
	char err[256], subject[256], cn[MAYDAY_DEVICE_ID_MAX + 1];
	int ok;
	memset(&stats, 0, sizeof(stats));
	assert_int_equal(ctx_new(p->srv_pem, p->srv_key_pem, p->ca_pem, NULL, &stats, &ctx,
					    err, sizeof(err)), MAYDAY_OK);

	static const char *const good[] = {"O", "operator", "CN", "hnb-1", NULL};
	X509 *c = cert(p->dev_key, p->ca, p->ca_key, "clientAuth", good);
	SSL *s = handshake(ctx, c, p->dev_key, p->ca, &ok);
	assert_true(ok);
	assert_int_equal(srv_tls_peer(s, subject, sizeof(subject), cn), MAYDAY_OK);
	assert_string_equal(cn, "hnb-1");
	assert_string_equal(subject, "CN=hnb-1,O=operator");
	assert_int_equal(srv_tls_peer(s, subject, 8, cn), MAYDAY_E_TOOBIG);
	assert_string_equal(cn, "");
	SSL_free(s);
	X509_free(c);
	assert_int_equal(atomic_load(&stats.tls_handshakes), 1);

	/* Handshakes fine, identity unusable: two CNs, a CN with a space, none. */
	static const char *const two[] = {"CN", "hnb-1", "CN", "hnb-2", NULL};
	static const char *const spaced[] = {"CN", "hnb 1", NULL};
	static const char *const none[] = {"O", "operator", NULL};
	static const char *const *bad[] = {two, spaced, none};
	for (size_t i = 0; i < 3; i++) {
		c = cert(p->dev_key, p->ca, p->ca_key, "clientAuth", bad[i]);
		s = handshake(ctx, c, p->dev_key, p->ca, &ok);
		assert_true(ok);
		strcpy(cn, "stale");
		assert_int_equal(srv_tls_peer(s, subject, sizeof(subject), cn), MAYDAY_E_MALFORMED);
		assert_string_equal(cn, "");
		assert_string_equal(subject, "");
		SSL_free(s);
		X509_free(c);
	}

	/* Refused handshakes: counted, and no identity. */
	uint64_t failed = atomic_load(&stats.tls_failed);
	s = handshake(ctx, NULL, NULL, p->ca, &ok);            /* no certificate */
	assert_false(ok);
	assert_int_equal(srv_tls_peer(s, subject, sizeof(subject), cn), MAYDAY_E_NOTFOUND);
	SSL_free(s);
	EVP_PKEY *rogue_key = p256();
	static const char *const rogue_name[] = {"CN", "rogue", NULL};
	X509 *rogue = cert(rogue_key, NULL, NULL, NULL, rogue_name);
	c = cert(p->dev_key, rogue, rogue_key, "clientAuth", good);   /* foreign CA */
	s = handshake(ctx, c, p->dev_key, p->ca, &ok);
	assert_false(ok);
	assert_int_equal(srv_tls_peer(s, subject, sizeof(subject), cn), MAYDAY_E_NOTFOUND);
	SSL_free(s);
	X509_free(c);
	c = cert(p->dev_key, p->ca, p->ca_key, "serverAuth", good);   /* not for clients */
	s = handshake(ctx, c, p->dev_key, p->ca, &ok);
	assert_false(ok);
	SSL_free(s);
	X509_free(c);
	assert_int_equal(atomic_load(&stats.tls_failed), failed + 3);
	X509_free(rogue);
	EVP_PKEY_free(rogue_key);
	/* No extended key usage at all: OpenSSL's purpose check would let it
	 * through; the listener requires clientAuth. */
	c = cert(p->dev_key, p->ca, p->ca_key, NULL, good);
	s = handshake(ctx, c, p->dev_key, p->ca, &ok);
	assert_false(ok);
	assert_int_equal(SSL_get_verify_result(s), X509_V_ERR_INVALID_PURPOSE);
	SSL_free(s);
	X509_free(c);
	assert_int_equal(atomic_load(&stats.tls_failed), failed + 4);
	SSL_CTX_free(ctx);
}

/* A CRL of the test CA revoking the certificates given (NULL-terminated). */
static void write_crl(struct pki *p, X509 *const *revoked)
{
	X509_CRL *crl = X509_CRL_new();
	assert_non_null(crl);
	assert_int_equal(X509_CRL_set_version(crl, X509_CRL_VERSION_2), 1);
	assert_int_equal(X509_CRL_set_issuer_name(crl, X509_get_subject_name(p->ca)), 1);
	ASN1_TIME *now = X509_gmtime_adj(NULL, 0), *next = X509_gmtime_adj(NULL, 3600);
	X509_CRL_set1_lastUpdate(crl, now);
	X509_CRL_set1_nextUpdate(crl, next);
	for (size_t i = 0; revoked[i] != NULL; i++) {
		X509_REVOKED *r = X509_REVOKED_new();
		X509_REVOKED_set_serialNumber(r, X509_get_serialNumber(revoked[i]));
		X509_REVOKED_set_revocationDate(r, now);
		assert_int_equal(X509_CRL_add0_revoked(crl, r), 1);
	}
	ASN1_TIME_free(now);
	ASN1_TIME_free(next);
	X509_CRL_sort(crl);
	assert_true(X509_CRL_sign(crl, p->ca_key, EVP_sha256()) > 0);
	FILE *f = fopen(p->crl_pem, "w");
	assert_non_null(f);
	assert_int_equal(PEM_write_X509_CRL(f, crl), 1);
	fclose(f);
	X509_CRL_free(crl);
}

static int accepted(SSL_CTX *ctx, struct pki *p, X509 *c)
{
	int ok;
	SSL_free(handshake(ctx, c, p->dev_key, p->ca, &ok));
	return ok;
}

static void test_crl(void **state)
{
	struct pki *p = *state;
	struct srv_stats stats;
	SSL_CTX *ctx = NULL;
	char err[256];
	memset(&stats, 0, sizeof(stats));
	static const char *const n1[] = {"CN", "hnb-1", NULL};
	static const char *const n2[] = {"CN", "hnb-2", NULL};
	X509 *c1 = cert(p->dev_key, p->ca, p->ca_key, "clientAuth", n1);
	X509 *c2 = cert(p->dev_key, p->ca, p->ca_key, "clientAuth", n2);
	X509 *const none[] = {NULL}, *const one[] = {c1, NULL};
	write_crl(p, one);
	assert_int_equal(ctx_new(p->srv_pem, p->srv_key_pem, p->ca_pem, p->crl_pem, &stats, &ctx,
				 err, sizeof(err)), MAYDAY_OK);
	assert_false(accepted(ctx, p, c1));
	assert_true(accepted(ctx, p, c2));

	/* A rebuild (the reload) with hnb-1 no longer listed lets it in on the
	 * new context; the old one keeps its CRL. One that cannot be read, or
	 * is signed by another key, fails the build, naming the file. */
	SSL_CTX *ctx2 = NULL;
	write_crl(p, none);
	assert_int_equal(ctx_new(p->srv_pem, p->srv_key_pem, p->ca_pem, p->crl_pem, &stats, &ctx2,
				 err, sizeof(err)), MAYDAY_OK);
	assert_true(accepted(ctx2, p, c1));
	assert_false(accepted(ctx, p, c1));
	SSL_CTX_free(ctx2);
	ctx2 = NULL;
	FILE *f = fopen(p->crl_pem, "w");
	assert_non_null(f);
	fputs("not a CRL\n", f);
	fclose(f);
	assert_int_not_equal(ctx_new(p->srv_pem, p->srv_key_pem, p->ca_pem, p->crl_pem, &stats,
				     &ctx2, err, sizeof(err)), MAYDAY_OK);
	assert_null(ctx2);
	assert_non_null(strstr(err, p->crl_pem));
	EVP_PKEY *ca_key = p->ca_key;
	p->ca_key = p->dev_key;   /* same issuer name, wrong key */
	write_crl(p, none);
	p->ca_key = ca_key;
	assert_int_equal(ctx_new(p->srv_pem, p->srv_key_pem, p->ca_pem, p->crl_pem, &stats, &ctx2,
				 err, sizeof(err)), MAYDAY_E_SIGNATURE);
	assert_null(ctx2);
	unlink(p->crl_pem);
	assert_int_equal(ctx_new(p->srv_pem, p->srv_key_pem, p->ca_pem, p->crl_pem, &stats, &ctx2,
				 err, sizeof(err)), MAYDAY_E_NOTFOUND);
	assert_false(accepted(ctx, p, c1));
	assert_true(accepted(ctx, p, c2));
	SSL_CTX_free(ctx);
	X509_free(c1);
	X509_free(c2);
}

/* Client and server in memory over a BIO pair, handshake done both ways. */
struct pair {
	SSL_CTX *cctx;
	SSL *s, *c;
	BIO *cb;   /* the client's end of the pair */
};

static void pair_open(struct pair *pr, SSL_CTX *sctx, X509 *c, EVP_PKEY *key, X509 *trust)
{
	BIO *sb;
	pr->cctx = SSL_CTX_new(TLS_client_method());
	assert_non_null(pr->cctx);
	X509_STORE_add_cert(SSL_CTX_get_cert_store(pr->cctx), trust);
	SSL_CTX_set_verify(pr->cctx, SSL_VERIFY_PEER, NULL);
	assert_int_equal(SSL_CTX_use_certificate(pr->cctx, c), 1);
	assert_int_equal(SSL_CTX_use_PrivateKey(pr->cctx, key), 1);
	pr->s = SSL_new(sctx);
	pr->c = SSL_new(pr->cctx);
	assert_int_equal(BIO_new_bio_pair(&sb, 0, &pr->cb, 0), 1);
	SSL_set_bio(pr->s, sb, sb);
	SSL_set_bio(pr->c, pr->cb, pr->cb);
	SSL_set_accept_state(pr->s);
	SSL_set_connect_state(pr->c);
	int sdone = 0, cdone = 0;
	for (int i = 0; i < 50 && !(sdone && cdone); i++) {
		if (!cdone)
			cdone = SSL_do_handshake(pr->c) == 1;
		if (!sdone)
			sdone = SSL_do_handshake(pr->s) == 1;
	}
	assert_true(sdone && cdone);
}

static void pair_close(struct pair *pr)
{
	SSL_free(pr->s);
	SSL_free(pr->c);
	SSL_CTX_free(pr->cctx);
}

/* One request and one answer, as an HTTP exchange would have. */
static void exchange(struct pair *pr)
{
	char buf[64];
	assert_int_equal(SSL_write(pr->c, "request", 7), 7);
	assert_int_equal(SSL_read(pr->s, buf, sizeof(buf)), 7);
	assert_int_equal(SSL_write(pr->s, "answer", 6), 6);
	assert_int_equal(SSL_read(pr->c, buf, sizeof(buf)), 6);
}

static void test_ends(void **state)
{
	struct pki *p = *state;
	struct srv_stats stats;
	SSL_CTX *ctx = NULL;
	struct pair pr;
	char err[256], buf[16];
	memset(&stats, 0, sizeof(stats));
	assert_int_equal(ctx_new(p->srv_pem, p->srv_key_pem, p->ca_pem, NULL, &stats, &ctx,
					    err, sizeof(err)), MAYDAY_OK);
	static const char *const good[] = {"CN", "hnb-1", NULL};
	X509 *c = cert(p->dev_key, p->ca, p->ca_key, "clientAuth", good);

	/* A complete exchange, then the client's TCP FIN without close_notify:
	 * the server's read sees an unexpected EOF (and OpenSSL sends a fatal
	 * alert), which is no failed handshake and no error. */
	pair_open(&pr, ctx, c, p->dev_key, p->ca);
	exchange(&pr);
	assert_int_equal(BIO_shutdown_wr(pr.cb), 1);
	int r = SSL_read(pr.s, buf, sizeof(buf));
	assert_true(r <= 0);
	assert_int_equal(SSL_get_error(pr.s, r), SSL_ERROR_SSL);
	pair_close(&pr);
	ERR_clear_error();
	assert_int_equal(atomic_load(&stats.tls_handshakes), 1);
	assert_int_equal(atomic_load(&stats.tls_failed), 0);
	assert_int_equal(atomic_load(&stats.tls_errors), 0);
	assert_int_equal(atomic_load(&stats.tls_no_close_notify), 1);

	/* The clean end: close_notify, then EOF. Nothing but the handshake. */
	pair_open(&pr, ctx, c, p->dev_key, p->ca);
	exchange(&pr);
	assert_true(SSL_shutdown(pr.c) >= 0);
	assert_int_equal(BIO_shutdown_wr(pr.cb), 1);
	assert_int_equal(SSL_read(pr.s, buf, sizeof(buf)), 0);
	assert_int_equal(SSL_get_error(pr.s, 0), SSL_ERROR_ZERO_RETURN);
	pair_close(&pr);
	assert_int_equal(atomic_load(&stats.tls_handshakes), 2);
	assert_int_equal(atomic_load(&stats.tls_failed), 0);
	assert_int_equal(atomic_load(&stats.tls_no_close_notify), 1);

	/* Garbage after the handshake: an error on the connection, still not a
	 * failed handshake. */
	pair_open(&pr, ctx, c, p->dev_key, p->ca);
	exchange(&pr);
	static const unsigned char junk[] = {23, 3, 3, 0, 20, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
					     11, 12, 13, 14, 15, 16, 17, 18, 19, 20};
	assert_int_equal(BIO_write(pr.cb, junk, sizeof(junk)), (int)sizeof(junk));
	assert_true(SSL_read(pr.s, buf, sizeof(buf)) <= 0);
	pair_close(&pr);
	ERR_clear_error();
	assert_int_equal(atomic_load(&stats.tls_handshakes), 3);
	assert_int_equal(atomic_load(&stats.tls_failed), 0);
	assert_int_equal(atomic_load(&stats.tls_errors), 1);
	assert_int_equal(atomic_load(&stats.tls_no_close_notify), 1);

	/* A client that gives up inside the handshake (EOF after its hello) is a
	 * failed handshake. */
	SSL *s = SSL_new(ctx), *cl;
	SSL_CTX *cctx = SSL_CTX_new(TLS_client_method());
	BIO *sb, *cb;
	assert_non_null(cctx);
	cl = SSL_new(cctx);
	assert_int_equal(BIO_new_bio_pair(&sb, 0, &cb, 0), 1);
	SSL_set_bio(s, sb, sb);
	SSL_set_bio(cl, cb, cb);
	SSL_set_accept_state(s);
	SSL_set_connect_state(cl);
	assert_true(SSL_do_handshake(cl) <= 0);   /* ClientHello out */
	assert_int_equal(BIO_shutdown_wr(cb), 1);
	assert_true(SSL_do_handshake(s) <= 0);
	assert_true(SSL_do_handshake(s) <= 0);
	SSL_free(s);
	SSL_free(cl);
	SSL_CTX_free(cctx);
	ERR_clear_error();
	assert_int_equal(atomic_load(&stats.tls_handshakes), 3);
	assert_int_equal(atomic_load(&stats.tls_failed), 1);

	X509_free(c);
	SSL_CTX_free(ctx);
}

/* What a reload relies on: a context built after the files changed serves
 * the new certificate, while a connection opened on the old context goes on
 * after the old context's last outside reference is dropped (SSL_new holds
 * its own), counted in the same stats. */
static void test_rebuild(void **state)
{
	struct pki *p = *state;
	struct srv_stats stats;
	SSL_CTX *old = NULL, *neu = NULL;
	struct pair pr;
	char err[256], desc[400];
	memset(&stats, 0, sizeof(stats));
	static const char *const dev[] = {"CN", "hnb-1", NULL};
	static const char *const srv_b[] = {"CN", "hems-b.mayday.test", NULL};
	X509 *c = cert(p->dev_key, p->ca, p->ca_key, "clientAuth", dev);
	assert_int_equal(ctx_new(p->srv_pem, p->srv_key_pem, p->ca_pem, NULL, &stats, &old, err,
				 sizeof(err)), MAYDAY_OK);
	pair_open(&pr, old, c, p->dev_key, p->ca);

	/* Certificate B with its own key replaces A's files. */
	EVP_PKEY *kb = p256();
	X509 *b = cert(kb, p->ca, p->ca_key, "serverAuth", srv_b);
	save_cert(p->srv_pem, b);
	FILE *f = fopen(p->srv_key_pem, "w");
	assert_non_null(f);
	assert_int_equal(PEM_write_PrivateKey(f, kb, NULL, NULL, 0, NULL, NULL), 1);
	fclose(f);
	assert_int_equal(ctx_new(p->srv_pem, p->srv_key_pem, p->ca_pem, NULL, &stats, &neu, err,
				 sizeof(err)), MAYDAY_OK);
	assert_int_equal(X509_cmp(SSL_CTX_get0_certificate(neu), b), 0);
	srv_tls_describe(neu, desc, sizeof(desc));
	assert_non_null(strstr(desc, "CN=hems-b.mayday.test"));
	assert_non_null(strstr(desc, "serial "));

	SSL_CTX_free(old);   /* the listener's swap */
	exchange(&pr);       /* the connection on A carries on */
	assert_int_equal(X509_cmp(SSL_get_certificate(pr.s), p->srv), 0);
	pair_close(&pr);
	pair_open(&pr, neu, c, p->dev_key, p->ca);
	assert_int_equal(X509_cmp(SSL_get0_peer_certificate(pr.c), b), 0);
	exchange(&pr);
	pair_close(&pr);
	assert_int_equal(atomic_load(&stats.tls_handshakes), 2);

	/* A key that does not match, or that others may read: no context. */
	f = fopen(p->srv_key_pem, "w");
	assert_non_null(f);
	assert_int_equal(PEM_write_PrivateKey(f, p->srv_key, NULL, NULL, 0, NULL, NULL), 1);
	fclose(f);
	SSL_CTX *bad = NULL;
	assert_int_equal(ctx_new(p->srv_pem, p->srv_key_pem, p->ca_pem, NULL, &stats, &bad, err,
				 sizeof(err)), MAYDAY_E_KEY);
	assert_null(bad);
	assert_non_null(strstr(err, "does not match"));
	SSL_CTX_free(neu);
	X509_free(b);
	X509_free(c);
	EVP_PKEY_free(kb);
	/* setup's files for the next test */
	save_cert(p->srv_pem, p->srv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_ctx, setup, teardown),
		cmocka_unit_test_setup_teardown(test_peer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_crl, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ends, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rebuild, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

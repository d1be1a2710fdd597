/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of the signer-backed OpenSSL key (device/hal/rot_tls_key.h):
 * its signatures are the signer's and verify with the public key; only
 * SHA-256 is offered; it matches its certificate and no other key; a real
 * TLS 1.3 handshake with client authentication signs through it (and fails
 * cleanly when the signer refuses); the private half is never exported. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "hal/rot_tls_key.h"

struct counting {
	struct mayday_signer inner;
	int calls;
	bool refuse;
};

static enum mayday_err counting_sign(void *ctx, const uint8_t *tbs, size_t tbs_len,
				     uint8_t sig[MAYDAY_ES256_SIG_LEN])
{
	struct counting *c = ctx;

	c->calls++;
	if (c->refuse)
		return MAYDAY_E_KEY;
	return c->inner.sign(c->inner.ctx, tbs, tbs_len, sig);
}

struct fixture {
	EVP_PKEY *priv, *pub, *other, *ca;
	struct counting count;
	struct mayday_signer signer;
	EVP_PKEY *key; /* the one under test */
};

static EVP_PKEY *public_only(EVP_PKEY *k)
{
	unsigned char *der = NULL;
	int len = i2d_PUBKEY(k, &der);
	const unsigned char *p = der;
	EVP_PKEY *pub = len > 0 ? d2i_PUBKEY(NULL, &p, len) : NULL;

	OPENSSL_free(der);
	return pub;
}

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	assert_non_null(fx);
	fx->priv = EVP_EC_gen("P-256");
	fx->other = EVP_EC_gen("P-256");
	fx->ca = EVP_EC_gen("P-256");
	assert_non_null(fx->priv);
	assert_non_null(fx->other);
	assert_non_null(fx->ca);
	fx->pub = public_only(fx->priv);
	assert_non_null(fx->pub);
	assert_int_equal(mayday_signer_from_pkey(&fx->count.inner, fx->priv, NULL, 0), MAYDAY_OK);
	fx->signer.sign = counting_sign;
	fx->signer.ctx = &fx->count;
	assert_int_equal(rot_tls_key_new(&fx->signer, fx->pub, &fx->key), MAYDAY_OK);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	EVP_PKEY_free(fx->key);
	EVP_PKEY_free(fx->priv);
	EVP_PKEY_free(fx->pub);
	EVP_PKEY_free(fx->other);
	EVP_PKEY_free(fx->ca);
	free(fx);
	return 0;
}

static bool digest_sign(EVP_PKEY *key, const char *md, const uint8_t *msg, size_t len,
			uint8_t *sig, size_t *sig_len)
{
	EVP_MD_CTX *m = EVP_MD_CTX_new();
	bool ok = m && EVP_DigestSignInit_ex(m, NULL, md, NULL, NULL, key, NULL) == 1 &&
		  EVP_DigestSign(m, sig, sig_len, msg, len) == 1;

	EVP_MD_CTX_free(m);
	ERR_clear_error();
	return ok;
}

static bool digest_verify(EVP_PKEY *pub, const uint8_t *msg, size_t len, const uint8_t *sig,
			  size_t sig_len)
{
	EVP_MD_CTX *m = EVP_MD_CTX_new();
	bool ok = m && EVP_DigestVerifyInit_ex(m, NULL, "SHA256", NULL, NULL, pub, NULL) == 1 &&
		  EVP_DigestVerify(m, sig, sig_len, msg, len) == 1;

	EVP_MD_CTX_free(m);
	ERR_clear_error();
	return ok;
}

static void test_signs_through_the_signer(void **state)
{
	struct fixture *fx = *state;
	static const uint8_t msg[] = "TLS 1.3, client CertificateVerify";
	uint8_t sig[128];
	size_t sig_len = sizeof(sig);

	assert_true(digest_sign(fx->key, "SHA256", msg, sizeof(msg), sig, &sig_len));
	assert_int_equal(fx->count.calls, 1);
	assert_true(sig_len <= 72);
	assert_true(digest_verify(fx->pub, msg, sizeof(msg), sig, sig_len));
	assert_false(digest_verify(fx->other, msg, sizeof(msg), sig, sig_len));

	/* the same through update/final (OpenSSL duplicates the context) */
	EVP_MD_CTX *m = EVP_MD_CTX_new();
	size_t len2 = sizeof(sig);

	assert_int_equal(EVP_DigestSignInit_ex(m, NULL, "SHA2-256", NULL, NULL, fx->key, NULL), 1);
	assert_int_equal(EVP_DigestSignUpdate(m, msg, 10), 1);
	assert_int_equal(EVP_DigestSignUpdate(m, msg + 10, sizeof(msg) - 10), 1);
	assert_int_equal(EVP_DigestSignFinal(m, sig, &len2), 1);
	EVP_MD_CTX_free(m);
	assert_int_equal(fx->count.calls, 2);
	assert_true(digest_verify(fx->pub, msg, sizeof(msg), sig, len2));
}

static void test_only_sha256(void **state)
{
	struct fixture *fx = *state;
	uint8_t msg[8] = { 0 }, sig[128];
	size_t sig_len = sizeof(sig);

	assert_false(digest_sign(fx->key, "SHA384", msg, sizeof(msg), sig, &sig_len));
	assert_false(digest_sign(fx->key, "SHA1", msg, sizeof(msg), sig, &sig_len));
	assert_int_equal(fx->count.calls, 0);
}

static void test_refusal_and_bounds(void **state)
{
	struct fixture *fx = *state;
	static uint8_t big[ROT_TLS_KEY_TBS_MAX + 1];
	uint8_t sig[128];
	size_t sig_len = sizeof(sig);

	fx->count.refuse = true;
	assert_false(digest_sign(fx->key, "SHA256", big, 16, sig, &sig_len));
	assert_int_equal(fx->count.calls, 1);
	fx->count.refuse = false;
	sig_len = sizeof(sig);
	assert_false(digest_sign(fx->key, "SHA256", big, sizeof(big), sig, &sig_len));
	assert_int_equal(fx->count.calls, 1); /* refused before the signer */
}

static void test_matches_its_public_key_only(void **state)
{
	struct fixture *fx = *state;
	uint8_t point[65];
	size_t len = 0;

	assert_int_equal(EVP_PKEY_eq(fx->key, fx->pub), 1);
	assert_int_equal(EVP_PKEY_eq(fx->pub, fx->key), 1);
	assert_int_not_equal(EVP_PKEY_eq(fx->key, fx->other), 1);
	ERR_clear_error();
	assert_int_equal(EVP_PKEY_get_bits(fx->key), 256);
	assert_int_equal(EVP_PKEY_get_size(fx->key), 72);
	assert_int_equal(EVP_PKEY_is_a(fx->key, "EC"), 1);
	assert_int_equal(EVP_PKEY_get_octet_string_param(fx->key, "encoded-pub-key", point,
							 sizeof(point), &len),
			 1);
	assert_int_equal(len, 65);

	/* no private half ever leaves: not as DER, not as PEM */
	unsigned char *der = NULL;

	assert_true(i2d_PrivateKey(fx->key, &der) <= 0);
	OPENSSL_free(der);
	ERR_clear_error();
}

static void test_bad_public_key(void **state)
{
	struct fixture *fx = *state;
	EVP_PKEY *ed = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519"), *k = NULL;
	EVP_PKEY *p384 = EVP_EC_gen("P-384");

	assert_non_null(ed);
	assert_non_null(p384);
	assert_int_equal(rot_tls_key_new(&fx->signer, ed, &k), MAYDAY_E_KEY);
	assert_null(k);
	assert_int_equal(rot_tls_key_new(&fx->signer, p384, &k), MAYDAY_E_KEY);
	assert_null(k);
	EVP_PKEY_free(ed);
	EVP_PKEY_free(p384);
}

/* ---- a real TLS 1.3 handshake over a BIO pair ---- */

static X509 *make_cert(EVP_PKEY *subject, EVP_PKEY *issuer_key, const char *cn, bool ca)
{
	X509 *x = X509_new();
	X509_NAME *n = X509_NAME_new();

	assert_non_null(x);
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), ca ? 1 : 2);
	X509_gmtime_adj(X509_getm_notBefore(x), -60);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	X509_set_subject_name(x, n);
	X509_NAME_free(n);
	n = X509_NAME_new();
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)"test ca", -1, -1,
				   0);
	X509_set_issuer_name(x, n);
	X509_NAME_free(n);
	X509_set_pubkey(x, subject);
	if (ca) {
		X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, NULL, NID_basic_constraints,
							"critical,CA:TRUE");

		assert_non_null(e);
		X509_add_ext(x, e, -1);
		X509_EXTENSION_free(e);
	}
	assert_true(X509_sign(x, issuer_key, EVP_sha256()) > 0);
	return x;
}

/* Drives both ends until both are done or neither moves. */
static bool handshake(SSL *client, SSL *server)
{
	bool c_done = false, s_done = false;

	for (int round = 0; round < 50 && !(c_done && s_done); round++) {
		int rc;

		if (!c_done) {
			rc = SSL_do_handshake(client);
			if (rc == 1)
				c_done = true;
			else if (SSL_get_error(client, rc) != SSL_ERROR_WANT_READ)
				return false;
		}
		if (!s_done) {
			rc = SSL_do_handshake(server);
			if (rc == 1)
				s_done = true;
			else if (SSL_get_error(server, rc) != SSL_ERROR_WANT_READ)
				return false;
		}
	}
	/* TLS 1.3: the server reads the client's Certificate(Verify) here */
	uint8_t b;

	(void)SSL_read(server, &b, 1);
	return c_done && s_done && SSL_get0_peer_certificate(server) &&
	       SSL_get_verify_result(server) == X509_V_OK;
}

static bool tls_with_client_key(struct fixture *fx, EVP_PKEY *client_key)
{
	X509 *ca = make_cert(fx->ca, fx->ca, "test ca", true);
	X509 *srv = make_cert(fx->other, fx->ca, "server", false);
	X509 *cli = make_cert(fx->pub, fx->ca, "device", false);
	SSL_CTX *sc = SSL_CTX_new(TLS_server_method()), *cc = SSL_CTX_new(TLS_client_method());
	SSL *s = NULL, *c = NULL;
	BIO *cb = NULL, *sb = NULL;
	bool ok = false;

	assert_non_null(sc);
	assert_non_null(cc);
	SSL_CTX_set_min_proto_version(sc, TLS1_3_VERSION);
	SSL_CTX_set_min_proto_version(cc, TLS1_3_VERSION);
	assert_int_equal(SSL_CTX_use_certificate(sc, srv), 1);
	assert_int_equal(SSL_CTX_use_PrivateKey(sc, fx->other), 1);
	X509_STORE_add_cert(SSL_CTX_get_cert_store(sc), ca);
	X509_STORE_add_cert(SSL_CTX_get_cert_store(cc), ca);
	SSL_CTX_set_verify(sc, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
	SSL_CTX_set_verify(cc, SSL_VERIFY_PEER, NULL);
	assert_int_equal(SSL_CTX_use_certificate(cc, cli), 1);
	if (SSL_CTX_use_PrivateKey(cc, client_key) != 1 || SSL_CTX_check_private_key(cc) != 1)
		goto out;
	s = SSL_new(sc);
	c = SSL_new(cc);
	assert_int_equal(BIO_new_bio_pair(&cb, 0, &sb, 0), 1);
	SSL_set_bio(c, cb, cb);
	SSL_set_bio(s, sb, sb);
	SSL_set_connect_state(c);
	SSL_set_accept_state(s);
	ok = handshake(c, s);
out:
	ERR_clear_error();
	SSL_free(c);
	SSL_free(s);
	SSL_CTX_free(cc);
	SSL_CTX_free(sc);
	X509_free(ca);
	X509_free(srv);
	X509_free(cli);
	return ok;
}

static void test_tls13_client_auth(void **state)
{
	struct fixture *fx = *state;

	assert_true(tls_with_client_key(fx, fx->key));
	assert_int_equal(fx->count.calls, 1); /* the CertificateVerify */
}

static void test_tls13_signer_refuses(void **state)
{
	struct fixture *fx = *state;

	fx->count.refuse = true;
	assert_false(tls_with_client_key(fx, fx->key));
	assert_int_equal(fx->count.calls, 1);
}

static void test_tls13_wrong_certificate(void **state)
{
	struct fixture *fx = *state;
	EVP_PKEY *k = NULL;
	struct mayday_signer other;

	/* a key for another public half does not match the device certificate */
	assert_int_equal(mayday_signer_from_pkey(&other, fx->other, NULL, 0), MAYDAY_OK);
	assert_int_equal(rot_tls_key_new(&other, fx->other, &k), MAYDAY_OK);
	assert_false(tls_with_client_key(fx, k));
	EVP_PKEY_free(k);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_signs_through_the_signer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_only_sha256, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refusal_and_bounds, setup, teardown),
		cmocka_unit_test_setup_teardown(test_matches_its_public_key_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_public_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tls13_client_auth, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tls13_signer_refuses, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tls13_wrong_certificate, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

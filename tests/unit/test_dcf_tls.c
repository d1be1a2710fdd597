/* SPDX-License-Identifier: Apache-2.0 */
/*
 * "tls" against an OpenSSL TLS 1.3 server on 127.0.0.1 that demands a client
 * certificate from the test's CA: the mutual handshake with the RoT's key,
 * and every way the server must be refused (rogue CA, wrong name, expired,
 * TLS 1.2 only, pin mismatch), plus the client side refusing to start with a
 * certificate that does not match its key. Certificates come from
 * mayday-provision's own X.509 code (tools/provision/prov_x509.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "dcf_ack.h"
#include "dcf_session.h"
#include "exit_codes.h"
#include "hal/rot.h"
#include "mayday/keys.h"
#include "prov_x509.h"
#include "test_dcf_txfx.h"

#define SERVER_NAME "hems.mayday.test"

struct tt {
	struct txfx *fx;
	EVP_PKEY *ca_key, *rogue_key, *srv_key, *other_key;
	X509 *ca, *rogue_ca;
	SSL_CTX *ctx;
	int serving;
};

static void put_cert(struct txfx *fx, const char *name, X509 *cert)
{
	char *pem = NULL;
	size_t len = 0;

	assert_int_equal(prov_x509_to_pem(cert, &pem, &len), MAYDAY_OK);
	txfx_put(fx, name, pem, len);
	free(pem);
}

static X509 *issue(X509 *ca, EVP_PKEY *ca_key, EVP_PKEY *key, const char *cn, const char *san,
		   enum prov_x509_role role)
{
	X509 *cert = NULL;

	assert_int_equal(prov_x509_issue(ca, ca_key, key, cn, san, role, 30, &cert), MAYDAY_OK);
	return cert;
}

static int setup(void **state)
{
	struct tt *t = calloc(1, sizeof(*t));

	assert_non_null(t);
	t->fx = txfx_new();
	assert_int_equal(mayday_key_generate(&t->ca_key), MAYDAY_OK);
	assert_int_equal(mayday_key_generate(&t->rogue_key), MAYDAY_OK);
	assert_int_equal(mayday_key_generate(&t->srv_key), MAYDAY_OK);
	assert_int_equal(mayday_key_generate(&t->other_key), MAYDAY_OK);
	assert_int_equal(prov_x509_make_ca(t->ca_key, "test operator CA", 30, &t->ca), MAYDAY_OK);
	assert_int_equal(prov_x509_make_ca(t->rogue_key, "test operator CA", 30, &t->rogue_ca),
			 MAYDAY_OK);
	/* The device's credentials in its DCF partition. */
	put_cert(t->fx, "ca.pem", t->ca);
	X509 *dev = issue(t->ca, t->ca_key, t->fx->device, TXFX_DEVICE_ID, NULL, PROV_X509_CLIENT);
	put_cert(t->fx, "dcf-cert.pem", dev);
	X509_free(dev);
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct tt *t = *state;

	if (t->serving)
		httpd_stop(&t->fx->srv);
	SSL_CTX_free(t->ctx);
	txfx_free(t->fx);
	EVP_PKEY_free(t->ca_key);
	EVP_PKEY_free(t->rogue_key);
	EVP_PKEY_free(t->srv_key);
	EVP_PKEY_free(t->other_key);
	X509_free(t->ca);
	X509_free(t->rogue_ca);
	free(t);
	return 0;
}

/* A TLS server with `cert` (consumed), demanding a client certificate from
 * the test CA; TLS 1.3 only unless tls12. */
static void serve(struct tt *t, X509 *cert, int tls12)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());

	assert_non_null(ctx);
	assert_int_equal(SSL_CTX_set_min_proto_version(ctx, tls12 ? TLS1_2_VERSION
								 : TLS1_3_VERSION), 1);
	assert_int_equal(SSL_CTX_set_max_proto_version(ctx, tls12 ? TLS1_2_VERSION
								 : TLS1_3_VERSION), 1);
	assert_int_equal(SSL_CTX_use_certificate(ctx, cert), 1);
	assert_int_equal(SSL_CTX_use_PrivateKey(ctx, t->srv_key), 1);
	assert_int_equal(X509_STORE_add_cert(SSL_CTX_get_cert_store(ctx), t->ca), 1);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
	SSL_CTX_set_num_tickets(ctx, 0);
	X509_free(cert);
	t->ctx = ctx;
	t->fx->srv.tls = ctx;
	httpd_start(&t->fx->srv);
	t->serving = 1;
}

/* Stop the server: what it recorded is then complete (its thread may still
 * be finishing a refused handshake when the client has given up). */
static void stop_serving(struct tt *t)
{
	httpd_stop(&t->fx->srv);
	t->serving = 0;
}

/* dcf.conf for the server started by serve(); extra lines go into [tls]. */
static void configure(struct tt *t, const char *tls_extra)
{
	txfx_config(t->fx,
		    "[dcf]\nversion = 0.1.0\nproduct_class = femto-a\nmax_image_size = 1\n"
		    "[hems]\nmethods = tls\n"
		    "[tls]\nurl = https://127.0.0.1:%u/v1/distress\nca = ca.pem\n"
		    "cert = dcf-cert.pem\n%s"
		    "[retry]\ninitial_ms = 1\nmax_ms = 5\nattempt_timeout_ms = 2000\n",
		    (unsigned)t->fx->srv.port, tls_extra);
}

static X509 *good_server_cert(struct tt *t, const char *san)
{
	return issue(t->ca, t->ca_key, t->srv_key, SERVER_NAME, san, PROV_X509_SERVER);
}

static enum mayday_err exchange(struct tt *t, int *verdict)
{
	uint32_t retry;

	return txfx_exchange(t->fx, "tls", verdict, &retry);
}

static void test_mutual_tls_acked(void **state)
{
	struct tt *t = *state;
	int verdict;

	serve(t, good_server_cert(t, "DNS:" SERVER_NAME), 0);
	configure(t, "server_name = " SERVER_NAME "\n");
	assert_int_equal(exchange(t, &verdict), MAYDAY_OK);
	assert_int_equal(verdict, DCF_ACK_VALID);
	stop_serving(t);
	/* the server saw the device's certificate, over TLS 1.3, and a valid POST */
	assert_string_equal(t->fx->srv.client_cn, TXFX_DEVICE_ID);
	assert_int_equal(t->fx->srv.tls_version, TLS1_3_VERSION);
	assert_int_equal(t->fx->srv.requests, 1);
	assert_string_equal(t->fx->srv.method, "POST");
	assert_string_equal(t->fx->srv.path, "/v1/distress");
	assert_string_equal(t->fx->srv.content_type, "application/cose");
	assert_true(t->fx->srv.verified);
	assert_int_equal(t->fx->srv.transport, MAYDAY_TRANSPORT_TLS);
}

static void expect_refused(struct tt *t)
{
	int verdict;

	assert_int_equal(exchange(t, &verdict), MAYDAY_E_IO);
	assert_int_equal(verdict, -1);
	stop_serving(t);
	assert_int_equal(t->fx->srv.requests, 0); /* the indication never left the device */
	assert_true(t->fx->srv.connections >= 1);
}

static void test_rogue_ca(void **state)
{
	struct tt *t = *state;

	serve(t, issue(t->rogue_ca, t->rogue_key, t->srv_key, SERVER_NAME, "DNS:" SERVER_NAME,
		       PROV_X509_SERVER), 0);
	configure(t, "server_name = " SERVER_NAME "\n");
	expect_refused(t);
}

static void test_wrong_server_name(void **state)
{
	struct tt *t = *state;

	serve(t, good_server_cert(t, "DNS:other.mayday.test,IP:127.0.0.1"), 0);
	configure(t, "server_name = " SERVER_NAME "\n");
	expect_refused(t);
}

/* Without server_name the URL's host is what the certificate must name: an
 * IP address needs an IP entry. */
static void test_url_address_checked(void **state)
{
	struct tt *t = *state;
	int verdict;

	serve(t, good_server_cert(t, "DNS:" SERVER_NAME ",IP:127.0.0.1"), 0);
	configure(t, "");
	assert_int_equal(exchange(t, &verdict), MAYDAY_OK);
	assert_int_equal(verdict, DCF_ACK_VALID);
	stop_serving(t);
	SSL_CTX_free(t->ctx);
	t->fx->srv.requests = 0;
	serve(t, good_server_cert(t, "DNS:" SERVER_NAME), 0);
	configure(t, "");
	expect_refused(t);
}

static void test_expired(void **state)
{
	struct tt *t = *state;
	X509 *cert = good_server_cert(t, "DNS:" SERVER_NAME);

	assert_non_null(X509_gmtime_adj(X509_getm_notBefore(cert), -10L * 86400));
	assert_non_null(X509_gmtime_adj(X509_getm_notAfter(cert), -86400L));
	assert_true(X509_sign(cert, t->ca_key, EVP_sha256()) > 0);
	serve(t, cert, 0);
	configure(t, "server_name = " SERVER_NAME "\n");
	expect_refused(t);
}

static void test_tls12_refused(void **state)
{
	struct tt *t = *state;

	serve(t, good_server_cert(t, "DNS:" SERVER_NAME), 1);
	configure(t, "server_name = " SERVER_NAME "\n");
	expect_refused(t);
}

static void test_pin(void **state)
{
	struct tt *t = *state;
	unsigned char *der = NULL;
	uint8_t digest[MAYDAY_DIGEST_LEN];
	char line[128] = "server_name = " SERVER_NAME "\npin_sha256 = ";
	int verdict;

	int n = i2d_PUBKEY(t->srv_key, &der);
	assert_true(n > 0);
	mayday_sha256(der, (size_t)n, digest);
	OPENSSL_free(der);
	for (size_t i = 0; i < sizeof(digest); i++)
		sprintf(line + strlen(line), "%02x", digest[i]);
	strcat(line, "\n");
	serve(t, good_server_cert(t, "DNS:" SERVER_NAME), 0);
	configure(t, line);
	assert_int_equal(exchange(t, &verdict), MAYDAY_OK);
	assert_int_equal(verdict, DCF_ACK_VALID);
	/* the same certificate chain, but another key pinned */
	char *last = &line[strlen(line) - 2];
	*last = *last == '0' ? '1' : '0';
	configure(t, line);
	assert_int_equal(exchange(t, &verdict), MAYDAY_E_IO);
	stop_serving(t);
	assert_int_equal(t->fx->srv.requests, 1); /* the first exchange only */
}

/* The server side of mutual authentication: a client certificate from
 * another CA is refused by the server. */
static void test_client_cert_refused_by_server(void **state)
{
	struct tt *t = *state;
	X509 *dev = issue(t->rogue_ca, t->rogue_key, t->fx->device, TXFX_DEVICE_ID, NULL,
			  PROV_X509_CLIENT);

	put_cert(t->fx, "dcf-cert.pem", dev);
	X509_free(dev);
	serve(t, good_server_cert(t, "DNS:" SERVER_NAME), 0);
	configure(t, "server_name = " SERVER_NAME "\n");
	expect_refused(t);
	assert_true(t->fx->srv.handshakes_failed >= 1);
}

/* dcf-cert.pem must certify the RoT's key: otherwise nothing is even tried. */
static void test_cert_not_for_rot_key(void **state)
{
	struct tt *t = *state;
	X509 *dev = issue(t->ca, t->ca_key, t->other_key, TXFX_DEVICE_ID, NULL, PROV_X509_CLIENT);
	int verdict;
	uint32_t retry;

	put_cert(t->fx, "dcf-cert.pem", dev);
	X509_free(dev);
	serve(t, good_server_cert(t, "DNS:" SERVER_NAME), 0);
	configure(t, "server_name = " SERVER_NAME "\n");
	assert_int_equal(txfx_exchange(t->fx, "tls", &verdict, &retry), MAYDAY_E_KEY);
	txfx_put(t->fx, "dcf-cert.pem", "junk", 4);
	assert_int_equal(txfx_exchange(t->fx, "tls", &verdict, &retry), MAYDAY_E_KEY);
	stop_serving(t);
	assert_int_equal(t->fx->srv.connections, 0);
}

static void test_missing_ca(void **state)
{
	struct tt *t = *state;
	int verdict;

	serve(t, good_server_cert(t, "DNS:" SERVER_NAME), 0);
	txfx_config(t->fx,
		    "[dcf]\nversion = 0.1.0\nproduct_class = femto-a\nmax_image_size = 1\n"
		    "[hems]\nmethods = tls\n[tls]\nurl = https://127.0.0.1:%u/v1/distress\n"
		    "ca = absent.pem\ncert = dcf-cert.pem\n", (unsigned)t->fx->srv.port);
	assert_int_equal(exchange(t, &verdict), MAYDAY_E_NOTFOUND);
	stop_serving(t);
	assert_int_equal(t->fx->srv.connections, 0);
}

/* The whole procedure over TLS. */
static void test_session(void **state)
{
	struct tt *t = *state;
	const struct dcf_tx_ops *methods[] = { dcf_tx_find("tls") };
	struct mayday_signer signer;
	struct mayday_evidence ev = { .reason = MAYDAY_REASON_COMPONENT_MISMATCH };
	struct dcf_stats st;
	EVP_PKEY *anchor = NULL;

	serve(t, good_server_cert(t, "DNS:" SERVER_NAME), 0);
	configure(t, "server_name = " SERVER_NAME "\n");
	assert_int_equal(hal_rot_signer(t->fx->rot, &signer), MAYDAY_OK);
	assert_int_equal(hal_rot_anchor(t->fx->rot, HAL_ROT_ANCHOR_HEMS, &anchor), MAYDAY_OK);
	struct dcf_session s = {
		.env = &t->fx->env, .methods = methods, .n_methods = 1, .signer = &signer,
		.hems_pub = anchor, .device_id = TXFX_DEVICE_ID, .ev = &ev, .deadline_ms = 5000,
	};
	assert_int_equal(dcf_session_run(&s, &st), MAYDAY_EXIT_DCF_ACKED);
	EVP_PKEY_free(anchor);
	stop_serving(t);
	assert_int_equal(st.sends, 1);
	assert_int_equal(st.ack.counter, 1);
	assert_int_equal(t->fx->srv.counter, 1);
	assert_int_equal(t->fx->srv.transport, MAYDAY_TRANSPORT_TLS);
	assert_string_equal(t->fx->srv.client_cn, TXFX_DEVICE_ID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_mutual_tls_acked, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rogue_ca, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wrong_server_name, setup, teardown),
		cmocka_unit_test_setup_teardown(test_url_address_checked, setup, teardown),
		cmocka_unit_test_setup_teardown(test_expired, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tls12_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pin, setup, teardown),
		cmocka_unit_test_setup_teardown(test_client_cert_refused_by_server, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cert_not_for_rot_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_ca, setup, teardown),
		cmocka_unit_test_setup_teardown(test_session, setup, teardown),
	};
	int failed = cmocka_run_group_tests(tests, NULL, NULL);
	return failed;
}

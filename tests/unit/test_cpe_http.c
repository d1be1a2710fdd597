/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cpe_http (the CWMP session's HTTPS transport) against the test ACS
 * (test_cpe_acs.c: OpenSSL TLS 1.3, client certificate demanded from the
 * test CA, keep-alive, a session cookie): a whole cpe_session over one
 * connection with the cookie returned, the device authenticated with the
 * RoT's key; and the refusals: oversized answers (announced or not), an
 * HTTP error status, a server from another CA, a non-https URL.
 */
#include <signal.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "cpe_http.h"
#include "cpe_session.h"
#include "cwmp.h"
#include "mayday/keys.h"
#include "prov_x509.h"
#include "test_cpe_acs.h"
#include "test_dcf_txfx.h"
#include "tx_mtls.h"

struct th {
	struct txfx *fx;
	EVP_PKEY *ca_key, *rogue_key, *srv_key;
	X509 *ca, *rogue_ca;
	SSL_CTX *ctx;
	struct net_tls *tls;             /* the device's credentials */
	struct acs acs;
	int serving;
	char env[4][CWMP_ENVELOPE_MAX]; /* scripted answers */
};

static void put_cert(struct txfx *fx, const char *name, X509 *cert)
{
	char *pem = NULL;
	size_t len = 0;

	assert_int_equal(prov_x509_to_pem(cert, &pem, &len), MAYDAY_OK);
	txfx_put(fx, name, pem, len);
	free(pem);
}

static int setup(void **state)
{
	struct th *t = calloc(1, sizeof(*t));
	X509 *dev = NULL;

	assert_non_null(t);
	t->fx = txfx_new();
	assert_int_equal(mayday_key_generate(&t->ca_key), MAYDAY_OK);
	assert_int_equal(mayday_key_generate(&t->rogue_key), MAYDAY_OK);
	assert_int_equal(mayday_key_generate(&t->srv_key), MAYDAY_OK);
	assert_int_equal(prov_x509_make_ca(t->ca_key, "test operator CA", 30, &t->ca), MAYDAY_OK);
	assert_int_equal(prov_x509_make_ca(t->rogue_key, "test operator CA", 30, &t->rogue_ca),
			 MAYDAY_OK);
	put_cert(t->fx, "ca.pem", t->ca);
	assert_int_equal(prov_x509_issue(t->ca, t->ca_key, t->fx->device, TXFX_DEVICE_ID, NULL,
					 PROV_X509_CLIENT, 30, &dev), MAYDAY_OK);
	put_cert(t->fx, "dcf-cert.pem", dev);
	X509_free(dev);
	assert_int_equal(tx_mtls_load("cpe", t->fx->flash, t->fx->rot, "ca.pem", "dcf-cert.pem",
				      NULL, &t->tls), MAYDAY_OK);
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct th *t = *state;

	if (t->serving)
		acs_stop(&t->acs);
	acs_clear(&t->acs);
	SSL_CTX_free(t->ctx);
	net_tls_free(t->tls);
	txfx_free(t->fx);
	EVP_PKEY_free(t->ca_key);
	EVP_PKEY_free(t->rogue_key);
	EVP_PKEY_free(t->srv_key);
	X509_free(t->ca);
	X509_free(t->rogue_ca);
	free(t);
	return 0;
}

/* Serve the script over TLS 1.3 with a certificate for 127.0.0.1 from the
 * test CA (rogue: from another CA of the same name). */
static void serve(struct th *t, int rogue)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	X509 *cert = NULL;

	assert_non_null(ctx);
	assert_int_equal(prov_x509_issue(rogue ? t->rogue_ca : t->ca,
					 rogue ? t->rogue_key : t->ca_key, t->srv_key,
					 "acs.mayday.test", "IP:127.0.0.1", PROV_X509_SERVER, 30,
					 &cert), MAYDAY_OK);
	assert_int_equal(SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION), 1);
	assert_int_equal(SSL_CTX_use_certificate(ctx, cert), 1);
	assert_int_equal(SSL_CTX_use_PrivateKey(ctx, t->srv_key), 1);
	assert_int_equal(X509_STORE_add_cert(SSL_CTX_get_cert_store(ctx), t->ca), 1);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
	SSL_CTX_set_num_tickets(ctx, 0);
	X509_free(cert);
	t->ctx = ctx;
	t->acs.tls = ctx;
	acs_start(&t->acs);
	t->serving = 1;
}

static void stop_serving(struct th *t)
{
	acs_stop(&t->acs);
	t->serving = 0;
}

static struct cpe_http *open_http_session(struct th *t, uint32_t session_ms)
{
	char url[128];
	struct cpe_http *h = NULL;
	struct cpe_http_params p = {
		.tls = t->tls, .url = url, .timeout_ms = 3000, .session_ms = session_ms,
	};

	snprintf(url, sizeof(url), "https://127.0.0.1:%u/cwmp", (unsigned)t->acs.port);
	assert_int_equal(cpe_http_open(&p, &h), MAYDAY_OK);
	return h;
}

static struct cpe_http *open_http(struct th *t)
{
	return open_http_session(t, 0);
}

/* Script step i: `msg` emitted into t->env[i], answered with 200. */
static void step_msg(struct th *t, unsigned i, const struct cwmp_msg *msg)
{
	struct mayday_diag d;
	size_t len = 0;

	assert_int_equal(cwmp_emit(msg, t->env[i], sizeof(t->env[i]), &len, &d), MAYDAY_OK);
	t->acs.script[i] = (struct acs_step){ .status = 200, .body = t->env[i], .len = len };
	t->acs.n_script = i + 1;
}

static void parse_seen(struct th *t, unsigned i, struct cwmp_msg *m)
{
	struct mayday_diag d;

	assert_true(i < t->acs.requests);
	assert_int_equal(cwmp_parse(t->acs.seen[i].body, t->acs.seen[i].len, m, &d), MAYDAY_OK);
}

static void test_session_one_connection_with_cookie(void **state)
{
	struct th *t = *state;
	static struct cwmp_msg m, seen;
	struct cpe_info info = { .product_class = "femto-a", .serial_number = TXFX_DEVICE_ID,
				 .software_version = "1.0.0", .dcf_version = "0.1.0" };
	const char *events[] = { "X " CPE_OUI " " CWMP_EV_DISTRESS_NAME };
	struct cpe_outcome out;
	struct mayday_diag d;
	struct cpe_http *h;

	memset(&m, 0, sizeof(m));
	m.kind = CWMP_INFORM_RESPONSE;
	snprintf(m.id, sizeof(m.id), "cpe-inform");
	m.u.inform_response_max_envelopes = 1;
	step_msg(t, 0, &m);
	memset(&m, 0, sizeof(m));
	m.kind = CWMP_DOWNLOAD;
	snprintf(m.id, sizeof(m.id), "acs-1");
	snprintf(m.u.download.command_key, sizeof(m.u.download.command_key), "fix-1");
	snprintf(m.u.download.file_type, sizeof(m.u.download.file_type), CWMP_FILETYPE_FIRMWARE);
	snprintf(m.u.download.url, sizeof(m.u.download.url), "https://127.0.0.1/b/1");
	m.u.download.file_size = 4096;
	step_msg(t, 1, &m);
	t->acs.script[2] = (struct acs_step){ .status = 204 };
	t->acs.n_script = 3;
	serve(t, 0);

	h = open_http(t);
	struct cpe_session_params p = { .info = &info, .events = events, .n_events = 1,
					.now = 1767225600, .post = cpe_http_post, .post_ctx = h };
	assert_int_equal(cpe_session_run(&p, &out, &d), MAYDAY_OK);
	long conns = cpe_http_connections(h);
	cpe_http_close(h);
	stop_serving(t);

	assert_true(out.download);
	assert_string_equal(out.dl.command_key, "fix-1");
	assert_int_equal(out.dl.file_size, 4096);
	/* Inform, empty POST, DownloadResponse: one connection, the cookie after the first */
	assert_int_equal(t->acs.requests, 3);
	assert_int_equal(t->acs.connections, 1);
	assert_int_equal(conns, 1);
	assert_int_equal(t->acs.tls_version, TLS1_3_VERSION);
	assert_string_equal(t->acs.client_cn, TXFX_DEVICE_ID);
	for (unsigned i = 0; i < 3; i++)
		assert_string_equal(t->acs.seen[i].method, "POST");
	assert_false(t->acs.seen[0].cookie);
	assert_true(t->acs.seen[1].cookie);
	assert_true(t->acs.seen[2].cookie);
	assert_string_equal(t->acs.seen[0].content_type, "text/xml; charset=utf-8");
	parse_seen(t, 0, &seen);
	assert_int_equal(seen.kind, CWMP_INFORM);
	assert_string_equal(seen.u.inform.events[0].code, "X A1B2C3 DISTRESS");
	assert_int_equal(t->acs.seen[1].len, 0);       /* the empty POST */
	assert_string_equal(t->acs.seen[1].content_type, "");
	parse_seen(t, 2, &seen);
	assert_int_equal(seen.kind, CWMP_DOWNLOAD_RESPONSE);
}

static enum mayday_err post_once(struct th *t, size_t cap, size_t *len)
{
	struct cpe_http *h = open_http(t);
	char *reply = malloc(cap ? cap : 1);
	enum mayday_err rc;

	assert_non_null(reply);
	*len = 7;
	rc = cpe_http_post(h, "", 0, reply, cap, len);
	cpe_http_close(h);
	free(reply);
	stop_serving(t);
	return rc;
}

static void test_oversized_answer(void **state)
{
	struct th *t = *state;
	static char big[2048];
	size_t len;

	memset(big, 'x', sizeof(big));
	t->acs.script[0] = (struct acs_step){ .status = 200, .body = big, .len = sizeof(big) };
	t->acs.n_script = 1;
	serve(t, 0);
	assert_int_equal(post_once(t, 1024, &len), MAYDAY_E_TOOBIG);
	assert_int_equal(len, 0);
}

static void test_oversized_unannounced(void **state)
{
	struct th *t = *state;
	static char big[2048];
	size_t len;

	memset(big, 'x', sizeof(big));
	t->acs.script[0] = (struct acs_step){ .status = 200, .body = big, .len = sizeof(big),
					      .no_length = 1 };
	t->acs.n_script = 1;
	serve(t, 0);
	assert_int_equal(post_once(t, 1024, &len), MAYDAY_E_TOOBIG);
}

static void test_fits_exactly(void **state)
{
	struct th *t = *state;
	static char body[1024];
	size_t len;

	memset(body, 'y', sizeof(body));
	t->acs.script[0] = (struct acs_step){ .status = 200, .body = body, .len = sizeof(body) };
	t->acs.n_script = 1;
	serve(t, 0);
	assert_int_equal(post_once(t, 1024, &len), MAYDAY_OK);
	assert_int_equal(len, 1024);
}

static void test_error_status(void **state)
{
	struct th *t = *state;
	size_t len;

	t->acs.script[0] = (struct acs_step){ .status = 500 };
	t->acs.n_script = 1;
	serve(t, 0);
	assert_int_equal(post_once(t, 1024, &len), MAYDAY_E_IO);
}

/* Past the session's time, no further request goes out. */
static void test_session_deadline(void **state)
{
	struct th *t = *state;
	char reply[64];
	size_t len;

	t->acs.script[0] = (struct acs_step){ .status = 204 };
	t->acs.script[1] = (struct acs_step){ .status = 204 };
	t->acs.n_script = 2;
	serve(t, 0);
	struct cpe_http *h = open_http_session(t, 1500);
	assert_int_equal(cpe_http_post(h, "", 0, reply, sizeof(reply), &len), MAYDAY_OK);
	usleep(1600 * 1000);
	assert_int_equal(cpe_http_post(h, "", 0, reply, sizeof(reply), &len), MAYDAY_E_TIMEOUT);
	cpe_http_close(h);
	stop_serving(t);
	assert_int_equal(t->acs.requests, 1);
}

static void test_no_content_is_empty(void **state)
{
	struct th *t = *state;
	size_t len;

	t->acs.script[0] = (struct acs_step){ .status = 204 };
	t->acs.n_script = 1;
	serve(t, 0);
	assert_int_equal(post_once(t, 1024, &len), MAYDAY_OK);
	assert_int_equal(len, 0);
}

static void test_rogue_server_refused(void **state)
{
	struct th *t = *state;
	size_t len;

	t->acs.script[0] = (struct acs_step){ .status = 204 };
	t->acs.n_script = 1;
	serve(t, 1);
	assert_int_equal(post_once(t, 1024, &len), MAYDAY_E_IO);
	assert_int_equal(t->acs.requests, 0);
}

static void test_plain_url_refused(void **state)
{
	struct th *t = *state;
	struct cpe_http *h = (struct cpe_http *)1;
	struct cpe_http_params p = { .tls = t->tls, .url = "http://127.0.0.1:1/cwmp",
				     .timeout_ms = 1000 };

	assert_int_equal(cpe_http_open(&p, &h), MAYDAY_E_INVALID);
	assert_null(h);
}

int main(void)
{
	/* The fake ACS shares this process: writing to a connection the client
	 * already dropped (the oversized-answer cases) must not kill the test. */
	signal(SIGPIPE, SIG_IGN);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_session_one_connection_with_cookie, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_oversized_answer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oversized_unannounced, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fits_exactly, setup, teardown),
		cmocka_unit_test_setup_teardown(test_error_status, setup, teardown),
		cmocka_unit_test_setup_teardown(test_session_deadline, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_content_is_empty, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rogue_server_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_plain_url_refused, setup, teardown),
	};
	int rc;

	cwmp_global_init();
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	return rc;
}

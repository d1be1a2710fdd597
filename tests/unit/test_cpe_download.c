/*
 * cpe_download (the bundle fetched over mutual TLS and streamed into the
 * installer) against the test ACS (test_cpe_acs.c) serving a bundle built
 * like the installer tests build theirs: a good bundle lands in slot B,
 * pending, with the remediation record saved; a corrupted byte (9018), more
 * bytes than FileSize (9010) and an HTTP error (9010) activate nothing.
 */
#include <signal.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "cpe_download.h"
#include "boot_verify.h"
#include "cpe_record.h"
#include "mayday/keys.h"
#include "prov_x509.h"
#include "test_cpe_acs.h"
#include "test_update_fixture.h"

#define ACS_URL "https://acs.mayday.test/cwmp"
#define START   1767225600

struct th {
	struct fx *fx;
	EVP_PKEY *ca_key, *srv_key;
	X509 *ca;
	SSL_CTX *ctx;
	struct acs acs;
	int serving;
	uint8_t *bundle;
	size_t len;
};

static void put_cert(struct fx *fx, const char *name, X509 *cert)
{
	char *pem = NULL;
	size_t len = 0;

	assert_int_equal(prov_x509_to_pem(cert, &pem, &len), MAYDAY_OK);
	fx_write(fx, HAL_PART_DCF, name, pem, len);
	free(pem);
}

static int setup(void **state)
{
	struct th *t = calloc(1, sizeof(*t));
	void *fxs = NULL;
	X509 *dev = NULL;

	assert_non_null(t);
	fx_setup(&fxs);
	t->fx = fxs;
	assert_int_equal(mayday_key_generate(&t->ca_key), MAYDAY_OK);
	assert_int_equal(mayday_key_generate(&t->srv_key), MAYDAY_OK);
	assert_int_equal(prov_x509_make_ca(t->ca_key, "test operator CA", 30, &t->ca), MAYDAY_OK);
	put_cert(t->fx, "ca.pem", t->ca);
	assert_int_equal(prov_x509_issue(t->ca, t->ca_key, t->fx->device_key, FX_DEVICE_ID, NULL,
					 PROV_X509_CLIENT, 30, &dev), MAYDAY_OK);
	put_cert(t->fx, "dcf-cert.pem", dev);
	X509_free(dev);
	t->bundle = tu_bundle(TU_CLASS, "2.0", 2, t->fx->vendor, &t->len, NULL);
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct th *t = *state;
	void *fxs = t->fx;

	if (t->serving)
		acs_stop(&t->acs);
	acs_clear(&t->acs);
	SSL_CTX_free(t->ctx);
	EVP_PKEY_free(t->ca_key);
	EVP_PKEY_free(t->srv_key);
	X509_free(t->ca);
	free(t->bundle);
	fx_teardown(&fxs);
	free(t);
	return 0;
}

/* Answer the one request with `status` and body[0..len). */
static void serve(struct th *t, int status, const uint8_t *body, size_t len)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	X509 *cert = NULL;

	assert_non_null(ctx);
	assert_int_equal(prov_x509_issue(t->ca, t->ca_key, t->srv_key, "acs.mayday.test",
					 "IP:127.0.0.1", PROV_X509_SERVER, 30, &cert), MAYDAY_OK);
	assert_int_equal(SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION), 1);
	assert_int_equal(SSL_CTX_use_certificate(ctx, cert), 1);
	assert_int_equal(SSL_CTX_use_PrivateKey(ctx, t->srv_key), 1);
	assert_int_equal(X509_STORE_add_cert(SSL_CTX_get_cert_store(ctx), t->ca), 1);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
	SSL_CTX_set_num_tickets(ctx, 0);
	X509_free(cert);
	t->ctx = ctx;
	t->acs.tls = ctx;
	t->acs.script[0] = (struct acs_step){ .status = status, .body = (const char *)body,
					      .len = len };
	t->acs.n_script = 1;
	acs_start(&t->acs);
	t->serving = 1;
}

static enum update_status download(struct th *t, uint32_t file_size, struct update_result *res)
{
	struct cwmp_download dl;
	const struct update_params ip = { TU_CLASS, 1u << 20, 3 };
	struct hal_rot *rot = NULL;
	enum update_status st;

	memset(&dl, 0, sizeof(dl));
	snprintf(dl.command_key, sizeof(dl.command_key), "fix-7");
	snprintf(dl.file_type, sizeof(dl.file_type), CWMP_FILETYPE_FIRMWARE);
	snprintf(dl.url, sizeof(dl.url), "https://127.0.0.1:%u/bundle/femto-test",
		 (unsigned)t->acs.port);
	dl.file_size = file_size;
	assert_int_equal(hal_rot_open(&rot, "file", t->fx->flash), MAYDAY_OK);
	const struct cpe_download_params p = {
		.flash = t->fx->flash, .rot = rot, .ca = "ca.pem", .cert = "dcf-cert.pem",
		.timeout_ms = 5000, .dl = &dl, .acs_url = ACS_URL, .start_time = START,
		.install = &ip,
	};
	st = cpe_download_run(&p, res);
	hal_rot_close(rot);
	acs_stop(&t->acs);
	t->serving = 0;
	assert_int_equal(st, res->status);
	return st;
}

static void assert_record_saved(struct th *t)
{
	struct cpe_record r;
	struct mayday_diag d = { 0, NULL };

	assert_int_equal(cpe_record_load(t->fx->flash, &r, &d), MAYDAY_OK);
	assert_string_equal(r.command_key, "fix-7");
	assert_string_equal(r.acs_url, ACS_URL);
	assert_int_equal(r.start_time, START);
}

static void assert_nothing_pending(struct th *t)
{
	struct boot_state st;
	bool found = false;
	struct mayday_diag d = { 0, NULL };

	assert_int_equal(boot_state_load(t->fx->flash, &st, &found, &d), MAYDAY_OK);
	assert_int_equal(st.pending, BOOT_SLOT_NONE);
}

static void test_good_bundle_pending_in_slot_b(void **state)
{
	struct th *t = *state;
	struct update_result res;
	struct boot_state st;

	serve(t, 200, t->bundle, t->len);
	assert_int_equal(download(t, (uint32_t)t->len, &res), UPDATE_OK);
	assert_int_equal(update_fault_code(res.status), 0);
	assert_int_equal(res.slot, BOOT_SLOT_B);
	assert_int_equal(res.offset, t->len);
	fx_state_get(t->fx, &st);
	assert_int_equal(st.pending, BOOT_SLOT_B);
	assert_string_equal(res.manifest.image_version, "2.0");
	/* one GET, from the device's certificate */
	assert_int_equal(t->acs.requests, 1);
	assert_string_equal(t->acs.seen[0].method, "GET");
	assert_string_equal(t->acs.client_cn, FX_DEVICE_ID);
	assert_record_saved(t);
}

static void test_corrupted_byte_9018(void **state)
{
	struct th *t = *state;
	struct update_result res;

	t->bundle[t->len - 1] ^= 0x01; /* in the last payload: found while writing */
	serve(t, 200, t->bundle, t->len);
	assert_int_equal(download(t, (uint32_t)t->len, &res), UPDATE_E_CORRUPTED);
	assert_int_equal(update_fault_code(res.status), 9018);
	assert_true(res.detail[0] != '\0');
	assert_nothing_pending(t);
	assert_null(fx_read(t->fx, HAL_PART_SLOT_B, BOOT_MANIFEST_NAME, &res.offset));
	assert_record_saved(t);
}

static void test_more_than_file_size_9010(void **state)
{
	struct th *t = *state;
	struct update_result res;

	serve(t, 200, t->bundle, t->len);
	assert_int_equal(download(t, (uint32_t)t->len - 1, &res), UPDATE_E_STREAM);
	assert_int_equal(update_fault_code(res.status), 9010);
	assert_non_null(strstr(res.detail, "FileSize"));
	assert_nothing_pending(t);
	assert_null(fx_read(t->fx, HAL_PART_SLOT_B, BOOT_MANIFEST_NAME, &res.offset));
}

static void test_http_error_9010(void **state)
{
	struct th *t = *state;
	struct update_result res;

	serve(t, 404, NULL, 0);
	assert_int_equal(download(t, (uint32_t)t->len, &res), UPDATE_E_STREAM);
	assert_int_equal(update_fault_code(res.status), 9010);
	assert_nothing_pending(t);
	/* saved before the request, so the failure is reported against it */
	assert_record_saved(t);
}

static void test_plain_url_refused_before_anything(void **state)
{
	struct th *t = *state;
	struct update_result res;
	struct cwmp_download dl;
	const struct update_params ip = { TU_CLASS, 1u << 20, 3 };
	struct cpe_record r;
	struct mayday_diag d = { 0, NULL };

	memset(&dl, 0, sizeof(dl));
	snprintf(dl.url, sizeof(dl.url), "http://127.0.0.1:1/bundle");
	dl.file_size = 100;
	const struct cpe_download_params p = {
		.flash = t->fx->flash, .ca = "ca.pem", .cert = "dcf-cert.pem", .timeout_ms = 1000,
		.dl = &dl, .acs_url = ACS_URL, .start_time = START, .install = &ip,
	};
	assert_int_equal(cpe_download_run(&p, &res), UPDATE_E_STREAM);
	assert_int_equal(update_fault_code(res.status), 9010);
	assert_int_equal(cpe_record_load(t->fx->flash, &r, &d), MAYDAY_E_NOTFOUND);
}

int main(void)
{
	/* The fake ACS shares this process: writing to a connection the client
	 * dropped (FileSize exceeded) must not kill the test. */
	signal(SIGPIPE, SIG_IGN);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_good_bundle_pending_in_slot_b, setup, teardown),
		cmocka_unit_test_setup_teardown(test_corrupted_byte_9018, setup, teardown),
		cmocka_unit_test_setup_teardown(test_more_than_file_size_9010, setup, teardown),
		cmocka_unit_test_setup_teardown(test_http_error_9010, setup, teardown),
		cmocka_unit_test_setup_teardown(test_plain_url_refused_before_anything, setup,
						teardown),
	};
	int rc;

	assert_int_equal(curl_global_init(CURL_GLOBAL_DEFAULT), CURLE_OK);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	curl_global_cleanup();
	return rc;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* The remediation tests' fixture (see test_remed_fx.h). */
#include "test_remed_fx.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "mayday/keys.h"
#include "prov_x509.h"

static const char conf[] =
	"[dcf]\nversion = 0.1.0\nproduct_class = femto-a\nmax_image_size = 1000000\n"
	"[hems]\nmethods = tls\n"
	"[tls]\nurl = https://127.0.0.1:1/v1/distress\nca = ca.pem\ncert = dcf-cert.pem\n"
	"[cwmp]\ntimeout_ms = 3000\ndownload_timeout_ms = 3000\n";

static void put_cert(struct txfx *fx, const char *name, X509 *cert)
{
	char *pem = NULL;
	size_t len = 0;

	assert_int_equal(prov_x509_to_pem(cert, &pem, &len), MAYDAY_OK);
	txfx_put(fx, name, pem, len);
	free(pem);
}

int rfx_setup(void **state)
{
	struct rfx *t = calloc(1, sizeof(*t));
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t sl = sizeof(sa);
	X509 *dev = NULL;

	assert_non_null(t);
	t->fx = txfx_new();
	assert_int_equal(mayday_key_generate(&t->ca_key), MAYDAY_OK);
	assert_int_equal(mayday_key_generate(&t->srv_key), MAYDAY_OK);
	assert_int_equal(prov_x509_make_ca(t->ca_key, "test operator CA", 30, &t->ca), MAYDAY_OK);
	put_cert(t->fx, "ca.pem", t->ca);
	assert_int_equal(prov_x509_issue(t->ca, t->ca_key, t->fx->device, TXFX_DEVICE_ID, NULL,
					 PROV_X509_CLIENT, 30, &dev), MAYDAY_OK);
	put_cert(t->fx, "dcf-cert.pem", dev);
	X509_free(dev);
	txfx_put(t->fx, "dcf.conf", conf, sizeof(conf) - 1);
	txfx_config(t->fx, "%s", conf);
	assert_true(t->fx->cfg.cwmp_enabled);
	/* bound, never listening: connections to it are refused at once */
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	t->dead_fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(t->dead_fd >= 0);
	assert_int_equal(bind(t->dead_fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(getsockname(t->dead_fd, (struct sockaddr *)&sa, &sl), 0);
	snprintf(t->dead, sizeof(t->dead), "https://127.0.0.1:%u/cwmp",
		 (unsigned)ntohs(sa.sin_port));
	*state = t;
	return 0;
}

int rfx_teardown(void **state)
{
	struct rfx *t = *state;

	if (t->serving)
		acs_stop(&t->acs);
	acs_clear(&t->acs);
	SSL_CTX_free(t->ctx);
	close(t->dead_fd);
	txfx_free(t->fx);
	EVP_PKEY_free(t->ca_key);
	EVP_PKEY_free(t->srv_key);
	X509_free(t->ca);
	free(t);
	return 0;
}

void rfx_serve(struct rfx *t)
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
	SSL_CTX_free(t->ctx);
	t->ctx = ctx;
	t->acs.tls = ctx;
	acs_start(&t->acs);
	t->serving = 1;
	snprintf(t->url, sizeof(t->url), "https://127.0.0.1:%u/cwmp", (unsigned)t->acs.port);
}

void rfx_stop(struct rfx *t)
{
	acs_stop(&t->acs);
	t->serving = 0;
}

void rfx_step(struct rfx *t, unsigned i, enum cwmp_kind kind, const char *id)
{
	static struct cwmp_msg m;
	struct mayday_diag d;
	size_t len = 0;

	assert_true(i < ACS_STEPS_MAX);
	memset(&m, 0, sizeof(m));
	m.kind = kind;
	snprintf(m.id, sizeof(m.id), "%s", id);
	if (kind == CWMP_INFORM_RESPONSE)
		m.u.inform_response_max_envelopes = 1;
	if (kind == CWMP_DOWNLOAD) {
		snprintf(m.u.download.command_key, sizeof(m.u.download.command_key), "%s",
			 RFX_DOWNLOAD_KEY);
		snprintf(m.u.download.file_type, sizeof(m.u.download.file_type), "%s",
			 CWMP_FILETYPE_FIRMWARE);
		snprintf(m.u.download.url, sizeof(m.u.download.url), "%s", t->dead);
		m.u.download.file_size = 4096;
	}
	assert_int_equal(cwmp_emit(&m, t->env[i], sizeof(t->env[i]), &len, &d), MAYDAY_OK);
	t->acs.script[i] = (struct acs_step){ .status = 200, .body = t->env[i], .len = len };
	if (t->acs.n_script < i + 1)
		t->acs.n_script = i + 1;
}

void rfx_step_204(struct rfx *t, unsigned i)
{
	assert_true(i < ACS_STEPS_MAX);
	t->acs.script[i] = (struct acs_step){ .status = 204 };
	if (t->acs.n_script < i + 1)
		t->acs.n_script = i + 1;
}

static void parse_seen(struct rfx *t, unsigned i, struct cwmp_msg *m)
{
	struct mayday_diag d;

	assert_true(i < t->acs.requests && i < ACS_STEPS_MAX);
	assert_int_equal(cwmp_parse(t->acs.seen[i].body, t->acs.seen[i].len, m, &d), MAYDAY_OK);
}

void rfx_assert_kind(struct rfx *t, unsigned i, enum cwmp_kind kind)
{
	static struct cwmp_msg m;

	parse_seen(t, i, &m);
	assert_int_equal(m.kind, kind);
}

void rfx_assert_inform(struct rfx *t, unsigned i, const char *const *events, unsigned n,
		       const char *key)
{
	static struct cwmp_msg m;

	parse_seen(t, i, &m);
	assert_int_equal(m.kind, CWMP_INFORM);
	assert_int_equal(m.u.inform.n_events, n);
	for (unsigned k = 0; k < n; k++) {
		assert_string_equal(m.u.inform.events[k].code, events[k]);
		if (strcmp(events[k], CWMP_EV_M_DOWNLOAD) == 0)
			assert_string_equal(m.u.inform.events[k].command_key, key);
	}
}

void rfx_assert_tc(struct rfx *t, unsigned i, const char *key, uint32_t code, char *string)
{
	static struct cwmp_msg m;

	parse_seen(t, i, &m);
	assert_int_equal(m.kind, CWMP_TRANSFER_COMPLETE);
	assert_string_equal(m.u.transfer_complete.command_key, key);
	assert_int_equal(m.u.transfer_complete.fault.code, code);
	assert_true(m.u.transfer_complete.start_time == RFX_START);
	if (string)
		memcpy(string, m.u.transfer_complete.fault.string, CWMP_STR256_MAX + 1);
}

void rfx_record(struct cpe_record *r, enum cpe_record_phase phase, const char *key,
		const char *url, uint8_t slot, const uint8_t *digest)
{
	memset(r, 0, sizeof(*r));
	r->phase = phase;
	snprintf(r->command_key, sizeof(r->command_key), "%s", key);
	snprintf(r->acs_url, sizeof(r->acs_url), "%s", url);
	r->start_time = RFX_START;
	r->slot = CPE_RECORD_SLOT_NONE;
	if (phase == CPE_RECORD_INSTALLED || phase == CPE_RECORD_CONFIRMED) {
		r->slot = slot;
		if (digest)
			memcpy(r->manifest_sha256, digest, MAYDAY_DIGEST_LEN);
		else
			memset(r->manifest_sha256, 0x42, MAYDAY_DIGEST_LEN);
	}
	if (phase == CPE_RECORD_FAILED) {
		r->fault.code = 9019;
		snprintf(r->fault.string, sizeof(r->fault.string), "file-auth-failure: signature");
	}
}

void rfx_save(struct rfx *t, const struct cpe_record *r)
{
	assert_int_equal(cpe_record_save(t->fx->flash, r), MAYDAY_OK);
}

enum mayday_err rfx_load(struct rfx *t, struct cpe_record *r)
{
	struct mayday_diag d = { 0, NULL };

	return cpe_record_load(t->fx->flash, r, &d);
}

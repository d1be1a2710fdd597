/* SPDX-License-Identifier: Apache-2.0 */
/* The ACS session (srv_acs_session.c) and bundle lookup (srv_bundle.c) on a
 * real temporary store. The CPE is the device's own state machine
 * (device/cpe/cpe_session.c), its posts handed straight to srv_acs_post
 * with the cookie it was given, so the two sides' contract is what is
 * tested; single messages test the rules the CPE never breaks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "cpe_session.h"
#include "cwmp.h"
#include "srv_acs_session.h"
#include "srv_bundle.h"
#include "store_acs.h"
#include "store_remed.h"
#include "store_silence.h"
#include "test_store_fixture.h"

#define NOW 1700000600
#define BUNDLE_SIZE 3000u

struct t {
	struct fx fx;
	char bundle_dir[300];
	char bundle[400];
	char bundle_b[400];                 /* femto-b's, made by the tests that need it */
	struct srv_acs_policy pol;
	struct srv_acs_env env;
	struct srv_acs_table *tab;
	/* the CPE's transport */
	const char *identity;
	char cookie[64];
	int posts, last_status;
	char body[CWMP_ENVELOPE_MAX];
};

static int setup(void **state)
{
	struct t *t = calloc(1, sizeof(*t));
	char pem[1024];
	assert_non_null(t);
	fx_open(&t->fx);
	EVP_PKEY_free(fx_key(pem, sizeof(pem)));
	assert_int_equal(store_enrol(t->fx.st, "hnb-1", "femto-a", pem), MAYDAY_OK);
	assert_int_equal(store_enrol(t->fx.st, "hnb-2", "femto-a", pem), MAYDAY_OK);
	snprintf(t->bundle_dir, sizeof(t->bundle_dir), "%s", t->fx.dir);
	snprintf(t->bundle, sizeof(t->bundle), "%s/femto-a.bundle", t->fx.dir);
	snprintf(t->bundle_b, sizeof(t->bundle_b), "%s/femto-b.bundle", t->fx.dir);
	FILE *f = fopen(t->bundle, "wb");
	assert_non_null(f);
	for (unsigned i = 0; i < BUNDLE_SIZE; i++)
		fputc((int)(i * 7u & 0xff), f);
	assert_int_equal(fclose(f), 0);
	t->pol = (struct srv_acs_policy){.acs_url = "https://127.0.0.1:7443/cwmp",
					 .bundle_dir = t->bundle_dir, .max_attempts = 2,
					 .max_in_flight = 4, .download_window_s = 3600};
	t->env = (struct srv_acs_env){.st = t->fx.st, .pol = &t->pol,
				      .base = "https://127.0.0.1:7443", .now = NOW};
	assert_int_equal(srv_acs_table_new(&t->tab, 4, 30), MAYDAY_OK);
	t->identity = "hnb-1";
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct t *t = *state;
	srv_acs_table_free(t->tab);
	unlink(t->bundle);
	unlink(t->bundle_b);
	fx_close(&t->fx);
	free(t);
	return 0;
}

static void distress_scheduled(struct t *t, const char *id, uint64_t counter)
{
	struct mayday_indication ind;
	struct store_ingest_rec rec;
	uint8_t raw[4096];
	bool yes = false;
	fx_indication(&ind, id, counter);
	fx_rec(&rec, &ind, STORE_TRUST_SIGNED, raw, sizeof(raw));
	rec.received_at = NOW;
	assert_int_equal(fx_put1(t->fx.st, &rec), MAYDAY_OK);
	assert_int_equal(store_ingest_begin(t->fx.st), MAYDAY_OK);
	assert_int_equal(store_remed_schedule(t->fx.st, id, false, t->pol.max_attempts, NOW, &yes),
			 MAYDAY_OK);
	assert_int_equal(store_ingest_commit(t->fx.st), MAYDAY_OK);
	assert_true(yes);
}

static void expect_state(struct t *t, const char *id, const char *state)
{
	struct store_device_row d;
	assert_int_equal(store_get_device(t->fx.st, id, &d), MAYDAY_OK);
	assert_string_equal(d.state, state);
}

/* cpe_post_fn: one POST to the ACS, carrying the cookie like the device's client does. */
static enum mayday_err post(void *ctx, const char *body, size_t len, char *reply, size_t cap,
			    size_t *reply_len)
{
	struct t *t = ctx;
	struct srv_acs_reply r = {.body = t->body, .cap = sizeof(t->body)};
	enum mayday_err err = srv_acs_post(t->tab, &t->env, t->identity,
					   t->cookie[0] ? t->cookie : NULL, body, len, &r);
	t->posts++;
	t->last_status = r.status;
	if (err != MAYDAY_OK)
		return err;
	if (r.cookie[0])
		snprintf(t->cookie, sizeof(t->cookie), "other=1; %s=%s", SRV_ACS_COOKIE, r.cookie);
	assert_true(r.status == 204 ? r.len == 0 : r.status == 200 && r.len > 0);
	assert_true(r.len <= cap);
	memcpy(reply, r.body, r.len);
	*reply_len = r.len;
	return MAYDAY_OK;
}

static enum mayday_err run_cpe(struct t *t, const char *const *events, unsigned n,
			       const struct cwmp_transfer_complete *tc, uint64_t free_space,
			       struct cpe_outcome *out)
{
	const struct cpe_info info = {.product_class = "femto-a", .serial_number = t->identity,
				      .software_version = "1.0", .dcf_version = "1",
				      .free_space = free_space, .max_image_size = 1u << 20};
	const struct cpe_session_params p = {.info = &info, .events = events, .n_events = n,
					     .event_command_key = tc ? tc->command_key : NULL,
					     .tc = tc, .now = NOW, .post = post, .post_ctx = t};
	struct mayday_diag diag;
	t->cookie[0] = '\0';
	t->posts = 0;
	return cpe_session_run(&p, out, &diag);
}

static const char *const distress_ev[] = {"X A1B2C3 DISTRESS"};
static const char *const boot_ev[] = {CWMP_EV_BOOT, CWMP_EV_TRANSFER_COMPLETE,
				      CWMP_EV_M_DOWNLOAD};

/* Every Inform is contact (store_silence.h): a periodic Inform sets
 * last_seen and brings a silent healthy device back; a silent device whose
 * remediation was scheduled comes back to it, and its session goes on to
 * the Download as before. */
static void test_inform_is_contact(void **state)
{
	struct t *t = *state;
	struct cpe_outcome out;
	struct store_device_row d;
	struct store_silent_row rows[4];
	static const char *const periodic_ev[] = {"2 PERIODIC"};
	const int64_t now = (int64_t)time(NULL);   /* enrolment used the real clock */
	struct store_silence_rules r = {.default_s = 100};
	size_t n = 0;
	distress_scheduled(t, "hnb-2", 1);         /* received at NOW, long ago */
	assert_int_equal(store_silence_sweep(t->fx.st, &r, now + 500, rows, 4, &n), MAYDAY_OK);
	assert_int_equal(n, 2);
	expect_state(t, "hnb-1", "unreachable");
	expect_state(t, "hnb-2", "unreachable");

	t->env.now = now + 600;
	assert_int_equal(run_cpe(t, periodic_ev, 1, NULL, 1u << 20, &out), MAYDAY_OK);
	assert_int_equal(t->posts, 2);             /* Inform, empty POST: 204 */
	assert_false(out.download);
	expect_state(t, "hnb-1", "healthy");
	assert_int_equal(store_get_device(t->fx.st, "hnb-1", &d), MAYDAY_OK);
	assert_int_equal(d.last_seen, now + 600);

	t->identity = "hnb-2";
	assert_int_equal(run_cpe(t, distress_ev, 1, NULL, 1u << 20, &out), MAYDAY_OK);
	assert_int_equal(t->posts, 4);             /* Inform, empty, GPVResponse, DownloadResponse */
	assert_true(out.download);
	expect_state(t, "hnb-2", "remediation_in_progress");

	/* A device not enrolled is no contact of anyone's, and no failure. */
	t->identity = "hnb-9";
	assert_int_equal(run_cpe(t, periodic_ev, 1, NULL, 1u << 20, &out), MAYDAY_OK);
}

/* Distress session -> Download of a token URL; the token serves the owner once. */
static void test_distress_download_then_recovered(void **state)
{
	struct t *t = *state;
	struct cpe_outcome out;
	int fd = -1;
	uint64_t size = 0;
	distress_scheduled(t, "hnb-1", 1);
	assert_int_equal(run_cpe(t, distress_ev, 1, NULL, 1u << 20, &out), MAYDAY_OK);
	/* Inform, empty, GPVResponse, DownloadResponse */
	assert_int_equal(t->posts, 4);
	assert_true(out.download);
	assert_false(out.reboot);
	assert_int_equal(out.requests, 2);
	assert_int_equal(out.faults_sent, 0);
	assert_string_equal(out.dl.file_type, CWMP_FILETYPE_FIRMWARE);
	assert_int_equal(out.dl.file_size, BUNDLE_SIZE);
	assert_int_equal(strncmp(out.dl.url, "https://127.0.0.1:7443/bundles/", 31), 0);
	assert_int_equal(strlen(out.dl.url + 31), SRV_ACS_TOKEN_LEN);
	assert_int_equal(strncmp(out.dl.command_key, "rem-", 4), 0);
	expect_state(t, "hnb-1", "remediation_in_progress");
	assert_int_equal(srv_acs_table_count(t->tab, NOW), 0);  /* ended with 204 */

	const char *token = out.dl.url + 31;
	assert_int_equal(srv_bundle_open(t->fx.st, token, "hnb-2", &fd, &size),
			 MAYDAY_E_MISMATCH);
	assert_int_equal(fd, -1);
	assert_int_equal(srv_bundle_open(t->fx.st, "0123", "hnb-1", &fd, &size),
			 MAYDAY_E_NOTFOUND);
	assert_int_equal(srv_bundle_open(t->fx.st, token, "hnb-1", &fd, &size), MAYDAY_OK);
	assert_true(fd >= 0);
	assert_int_equal(size, BUNDLE_SIZE);
	close(fd);
	assert_int_equal(srv_bundle_open(t->fx.st, token, "hnb-1", &fd, &size),
			 MAYDAY_E_NOTFOUND);

	/* The new image booted and reports fault 0 against the CommandKey. */
	struct cwmp_transfer_complete tc = {.start_time = NOW, .complete_time = NOW};
	snprintf(tc.command_key, sizeof(tc.command_key), "%s", out.dl.command_key);
	assert_int_equal(run_cpe(t, boot_ev, 3, &tc, 1u << 20, &out), MAYDAY_OK);
	assert_false(out.download);
	assert_false(out.reboot);        /* it rebooted by itself: no Reboot */
	assert_int_equal(t->posts, 3);   /* Inform, TransferComplete, empty -> 204 */
	expect_state(t, "hnb-1", "healthy");
}

static const char *const tc_ev[] = {CWMP_EV_TRANSFER_COMPLETE, CWMP_EV_M_DOWNLOAD};

/* Remediates t->identity up to "installed": a Download, then a TransferComplete
 * with fault 0 and no BOOT, whose session ends with the ACS's Reboot
 * (accepted). The attempt's CommandKey goes to key. */
static void installed(struct t *t, uint64_t counter, char key[CWMP_COMMANDKEY_MAX + 1])
{
	struct cpe_outcome out;
	distress_scheduled(t, t->identity, counter);
	assert_int_equal(run_cpe(t, distress_ev, 1, NULL, 1u << 20, &out), MAYDAY_OK);
	assert_true(out.download);
	assert_false(out.reboot);
	snprintf(key, CWMP_COMMANDKEY_MAX + 1, "%s", out.dl.command_key);
	struct cwmp_transfer_complete tc = {.start_time = NOW, .complete_time = NOW};
	snprintf(tc.command_key, sizeof(tc.command_key), "%s", key);
	assert_int_equal(run_cpe(t, tc_ev, 2, &tc, 1u << 20, &out), MAYDAY_OK);
	/* Inform, TransferComplete, empty -> Reboot, RebootResponse -> 204 */
	assert_false(out.download);
	assert_true(out.reboot);
	assert_int_equal(out.requests, 1);
	assert_int_equal(out.faults_sent, 0);
	assert_int_equal(t->posts, 4);
	assert_int_equal(t->last_status, 204);
	assert_int_equal(srv_acs_table_count(t->tab, NOW), 0);
	expect_state(t, t->identity, "installed");
}

struct attempt_of {
	const char *key;
	struct store_remed_attempt a;
	int n;
};

static int attempt_cb(void *ctx, const struct store_remed_attempt *a)
{
	struct attempt_of *f = ctx;
	if (strcmp(a->command_key, f->key) == 0) {
		f->a = *a;
		f->n++;
	}
	return 0;
}

static int newest_cb(void *ctx, const struct store_remed_attempt *a)
{
	*(struct store_remed_attempt *)ctx = *a;
	return 1;
}

/* The device's newest attempt. */
static struct store_remed_attempt newest_attempt(struct t *t, const char *id)
{
	struct store_remed_attempt a;
	memset(&a, 0, sizeof(a));
	assert_int_equal(store_remed_list(t->fx.st, id, newest_cb, &a), MAYDAY_OK);
	return a;
}

/* The device's attempt `key`, which must exist once. */
static struct store_remed_attempt attempt(struct t *t, const char *id, const char *key)
{
	struct attempt_of f = {.key = key};
	assert_int_equal(store_remed_list(t->fx.st, id, attempt_cb, &f), MAYDAY_OK);
	assert_int_equal(f.n, 1);
	return f.a;
}

/* TransferComplete with fault 0 but no BOOT: installed, not recovered; the
 * ACS asks the device to reboot into it. */
static void test_installed_without_boot(void **state)
{
	struct t *t = *state;
	char key[CWMP_COMMANDKEY_MAX + 1];
	installed(t, 1, key);
	assert_string_equal(attempt(t, "hnb-1", key).result, "installed");
}

/* A failed install, reported twice: back to distress, then given up. */
static void test_transfer_fault_counts(void **state)
{
	struct t *t = *state;
	struct cpe_outcome out;
	struct cwmp_transfer_complete tc = {.fault = {.code = CWMP_CPE_FILE_AUTH_FAILURE},
					    .start_time = NOW, .complete_time = NOW};
	snprintf(tc.fault.string, sizeof(tc.fault.string), "bad signature");
	for (uint64_t i = 1; i <= 2; i++) {
		distress_scheduled(t, "hnb-1", i);
		assert_int_equal(run_cpe(t, distress_ev, 1, NULL, 1u << 20, &out), MAYDAY_OK);
		assert_true(out.download);
		snprintf(tc.command_key, sizeof(tc.command_key), "%s", out.dl.command_key);
		assert_int_equal(run_cpe(t, boot_ev, 3, &tc, 1u << 20, &out), MAYDAY_OK);
		assert_false(out.download);  /* never a Download in the session reporting failure */
		expect_state(t, "hnb-1", i == 1 ? "in_distress" : "remediation_failed");
	}
}

/* The longest FaultString a CPE may send (256) is kept as far as the store
 * holds it, not refused for ever; cut at a character boundary. */
static void test_long_fault_string(void **state)
{
	struct t *t = *state;
	struct cpe_outcome out;
	struct cwmp_transfer_complete tc = {.fault = {.code = CWMP_CPE_FILE_CORRUPTED},
					    .start_time = NOW, .complete_time = NOW};
	memset(tc.fault.string, 'x', CWMP_STR256_MAX - 2);
	memcpy(tc.fault.string + CWMP_STR256_MAX - 2, "\xc3\xa9", 2);   /* 'é' across the cut */
	tc.fault.string[CWMP_STR256_MAX] = '\0';
	distress_scheduled(t, "hnb-1", 1);
	assert_int_equal(run_cpe(t, distress_ev, 1, NULL, 1u << 20, &out), MAYDAY_OK);
	assert_true(out.download);
	snprintf(tc.command_key, sizeof(tc.command_key), "%s", out.dl.command_key);
	assert_int_equal(run_cpe(t, boot_ev, 3, &tc, 1u << 20, &out), MAYDAY_OK);
	assert_true(out.tc_acked);
	struct store_remed_attempt a = attempt(t, "hnb-1", tc.command_key);
	assert_string_equal(a.result, "failed");
	assert_int_equal(strlen(a.detail), CWMP_STR256_MAX - 2);   /* no half 'é' */
}

/* A report the store cannot take is not acknowledged (the device keeps it
 * and reports again); one whose attempt is no longer open is (a repeat). */
static void test_transfer_not_recorded(void **state)
{
	struct t *t = *state;
	struct cpe_outcome out;
	struct cwmp_transfer_complete tc = {.fault = {.code = CWMP_CPE_FILE_CORRUPTED},
					    .start_time = NOW, .complete_time = NOW};
	distress_scheduled(t, "hnb-1", 1);
	assert_int_equal(run_cpe(t, distress_ev, 1, NULL, 1u << 20, &out), MAYDAY_OK);
	assert_true(out.download);
	snprintf(tc.command_key, sizeof(tc.command_key), "%s", out.dl.command_key);
	/* an ingest batch left open on the ACS's connection: its writes fail */
	assert_int_equal(store_ingest_begin(t->fx.st), MAYDAY_OK);
	assert_int_equal(run_cpe(t, boot_ev, 3, &tc, 1u << 20, &out), MAYDAY_E_MALFORMED);
	assert_false(out.tc_acked);
	assert_int_equal(out.acs_fault, CWMP_ACS_INTERNAL_ERROR);
	assert_int_equal(store_ingest_commit(t->fx.st), MAYDAY_OK);
	expect_state(t, "hnb-1", "remediation_in_progress");
	/* reported again: recorded and acknowledged; and once more: a repeat */
	assert_int_equal(run_cpe(t, boot_ev, 3, &tc, 1u << 20, &out), MAYDAY_OK);
	assert_true(out.tc_acked);
	expect_state(t, "hnb-1", "in_distress");
	assert_int_equal(run_cpe(t, boot_ev, 3, &tc, 1u << 20, &out), MAYDAY_OK);
	assert_true(out.tc_acked);
	assert_string_equal(attempt(t, "hnb-1", tc.command_key).result, "failed");
}

/* Nothing scheduled: 204 right after the empty POST. */
static void test_nothing_scheduled(void **state)
{
	struct t *t = *state;
	struct cpe_outcome out;
	assert_int_equal(run_cpe(t, distress_ev, 1, NULL, 1u << 20, &out), MAYDAY_OK);
	assert_false(out.download);
	assert_false(out.reboot);
	assert_int_equal(out.requests, 0);
	assert_int_equal(t->posts, 2);
	assert_int_equal(t->last_status, 204);
	/* A download in progress (no TransferComplete yet): nothing to ask either. */
	static const char *const periodic[] = {"2 PERIODIC"};
	distress_scheduled(t, "hnb-1", 1);
	assert_int_equal(run_cpe(t, distress_ev, 1, NULL, 1u << 20, &out), MAYDAY_OK);
	assert_true(out.download);
	char key[CWMP_COMMANDKEY_MAX + 1];
	snprintf(key, sizeof(key), "%s", out.dl.command_key);
	assert_int_equal(run_cpe(t, periodic, 1, NULL, 1u << 20, &out), MAYDAY_OK);
	assert_false(out.download);
	assert_false(out.reboot);
	assert_int_equal(t->posts, 2);
	assert_int_equal(t->last_status, 204);
	expect_state(t, "hnb-1", "remediation_in_progress");
	/* Back in distress without a word on that Download: the device lost it,
	 * and the attempt ends (or it would hold the incident for ever). */
	assert_int_equal(run_cpe(t, distress_ev, 1, NULL, 1u << 20, &out), MAYDAY_OK);
	assert_false(out.download);
	assert_int_equal(t->last_status, 204);
	expect_state(t, "hnb-1", "in_distress");
	struct store_remed_attempt a = attempt(t, "hnb-1", key);
	assert_string_equal(a.result, "failed");
	assert_int_equal(a.fault_code, CWMP_CPE_DOWNLOAD_FAILURE);
	assert_non_null(strstr(a.detail, "without reporting"));
}

/* A bundle larger than the device can take: a failed attempt, no Download. */
static void test_too_big(void **state)
{
	struct t *t = *state;
	struct cpe_outcome out;
	struct store_remed_status rs;
	distress_scheduled(t, "hnb-1", 1);
	assert_int_equal(run_cpe(t, distress_ev, 1, NULL, BUNDLE_SIZE - 1, &out), MAYDAY_OK);
	assert_false(out.download);
	assert_int_equal(out.requests, 1);   /* the GetParameterValues only */
	expect_state(t, "hnb-1", "in_distress");
	assert_int_equal(store_remed_status(t->fx.st, "hnb-1", &rs), MAYDAY_OK);
	assert_int_equal(rs.failures, 1);
}

/* At max_in_flight a scheduled device is told nothing (204) and stays scheduled. */
static void test_in_flight_limit(void **state)
{
	struct t *t = *state;
	struct cpe_outcome out;
	t->pol.max_in_flight = 1;
	distress_scheduled(t, "hnb-1", 1);
	distress_scheduled(t, "hnb-2", 1);
	assert_int_equal(run_cpe(t, distress_ev, 1, NULL, 1u << 20, &out), MAYDAY_OK);
	assert_true(out.download);
	t->identity = "hnb-2";
	assert_int_equal(run_cpe(t, distress_ev, 1, NULL, 1u << 20, &out), MAYDAY_OK);
	assert_false(out.download);
	assert_int_equal(out.requests, 0);
	expect_state(t, "hnb-2", "remediation_scheduled");
	/* hnb-1 never comes back: after the download window its attempt no
	 * longer holds the slot, and hnb-2 is served */
	t->env.now = NOW + 3601;
	assert_int_equal(run_cpe(t, distress_ev, 1, NULL, 1u << 20, &out), MAYDAY_OK);
	assert_true(out.download);
	expect_state(t, "hnb-2", "remediation_in_progress");
	expect_state(t, "hnb-1", "remediation_in_progress");
}

/* Emits m and posts it as `identity` with `cookie`; parses the answer into *got. */
static struct srv_acs_reply post_msg(struct t *t, const struct cwmp_msg *m, const char *identity,
				     const char *cookie, struct cwmp_msg *got)
{
	static char env[CWMP_ENVELOPE_MAX];
	struct mayday_diag diag;
	size_t len = 0;
	struct srv_acs_reply r = {.body = t->body, .cap = sizeof(t->body)};
	assert_int_equal(cwmp_emit(m, env, sizeof(env), &len, &diag), MAYDAY_OK);
	assert_int_equal(srv_acs_post(t->tab, &t->env, identity, cookie, env, len, &r), MAYDAY_OK);
	assert_int_equal(cwmp_parse(r.body, r.len, got, &diag), MAYDAY_OK);
	return r;
}

static void inform_of(struct cwmp_msg *m, const char *serial, enum cwmp_ns ns)
{
	memset(m, 0, sizeof(*m));
	m->kind = CWMP_INFORM;
	m->ns = ns;
	snprintf(m->id, sizeof(m->id), "i-1");
	snprintf(m->u.inform.manufacturer, sizeof(m->u.inform.manufacturer), "mayday");
	snprintf(m->u.inform.oui, sizeof(m->u.inform.oui), "A1B2C3");
	snprintf(m->u.inform.product_class, sizeof(m->u.inform.product_class), "femto-a");
	snprintf(m->u.inform.serial_number, sizeof(m->u.inform.serial_number), "%s", serial);
	snprintf(m->u.inform.events[0].code, sizeof(m->u.inform.events[0].code), "1 BOOT");
	m->u.inform.n_events = 1;
	m->u.inform.max_envelopes = 1;
	m->u.inform.current_time = NOW;
}

/* An Inform of `serial` whose events are codes, or "CODE=COMMANDKEY". */
static void inform_events(struct cwmp_msg *m, const char *serial, enum cwmp_ns ns,
			  const char *const *ev, unsigned n)
{
	inform_of(m, serial, ns);
	for (unsigned i = 0; i < n; i++) {
		struct cwmp_event *e = &m->u.inform.events[i];
		const char *eq = strchr(ev[i], '=');
		snprintf(e->code, sizeof(e->code), "%.*s",
			 eq ? (int)(eq - ev[i]) : (int)strlen(ev[i]), ev[i]);
		snprintf(e->command_key, sizeof(e->command_key), "%s", eq ? eq + 1 : "");
	}
	m->u.inform.n_events = n;
}

/* Opens a session of `id` with those events; its cookie goes to cookie. */
static void open_session(struct t *t, const char *id, enum cwmp_ns ns, const char *const *ev,
			 unsigned n, char cookie[80])
{
	static struct cwmp_msg m, got;
	inform_events(&m, id, ns, ev, n);
	struct srv_acs_reply r = post_msg(t, &m, id, NULL, &got);
	assert_int_equal(got.kind, CWMP_INFORM_RESPONSE);
	assert_int_equal(strlen(r.cookie), SRV_ACS_SID_LEN);
	snprintf(cookie, 80, "%s=%s", SRV_ACS_COOKIE, r.cookie);
}

static struct srv_acs_reply post_empty(struct t *t, const char *id, const char *cookie,
				       struct cwmp_msg *got)
{
	static struct cwmp_msg m;
	memset(&m, 0, sizeof(m));
	return post_msg(t, &m, id, cookie, got);
}

/* The Reboot goes in the session's namespace with the installed attempt's
 * CommandKey; its RebootResponse ends the session with 204, and every new
 * session is asked again until the device is back. */
static void test_reboot_request(void **state)
{
	struct t *t = *state;
	static struct cwmp_msg m, got;
	static const char *const periodic[] = {"2 PERIODIC"};
	char key[CWMP_COMMANDKEY_MAX + 1], cookie[80];
	struct srv_acs_reply r;
	installed(t, 1, key);
	for (int round = 0; round < 2; round++) {
		open_session(t, "hnb-1", round ? CWMP_NS_1_2 : CWMP_NS_1_0, periodic, 1, cookie);
		r = post_empty(t, "hnb-1", cookie, &got);
		assert_int_equal(r.status, 200);
		assert_int_equal(got.kind, CWMP_REBOOT);
		assert_int_equal(got.ns, round ? CWMP_NS_1_2 : CWMP_NS_1_0);
		assert_string_equal(got.id, "acs-reboot");
		assert_string_equal(got.u.reboot_command_key, key);
		memset(&m, 0, sizeof(m));
		m.kind = CWMP_REBOOT_RESPONSE;
		m.ns = got.ns;
		snprintf(m.id, sizeof(m.id), "acs-reboot");
		r = post_msg(t, &m, "hnb-1", cookie, &got);
		assert_int_equal(r.status, 204);
		assert_int_equal(got.kind, CWMP_EMPTY);
		assert_int_equal(srv_acs_table_count(t->tab, NOW), 0);
		expect_state(t, "hnb-1", "installed");
	}
	/* The session is over: a second RebootResponse finds none. */
	post_msg(t, &m, "hnb-1", cookie, &got);
	assert_int_equal(got.kind, CWMP_FAULT);
	assert_int_equal(got.u.fault.code, CWMP_ACS_REQUEST_DENIED);
	/* Another device of the same class, nothing installed: 204. */
	open_session(t, "hnb-2", CWMP_NS_1_2, periodic, 1, cookie);
	r = post_empty(t, "hnb-2", cookie, &got);
	assert_int_equal(r.status, 204);
	assert_int_equal(got.kind, CWMP_EMPTY);
}

static int note_cb(void *ctx, const struct store_acs_note *n)
{
	char *all = ctx;
	size_t len = strlen(all);
	snprintf(all + len, 8192 - len, "%s\n", n->text);
	return 0;
}

/* The device's ACS decisions, one a line, into all[8192]. */
static void notes(struct t *t, const char *id, char *all)
{
	all[0] = '\0';
	assert_int_equal(store_acs_notes(t->fx.st, id, note_cb, all), MAYDAY_OK);
}

/* A CPE Fault to the Reboot (9001, refused) leaves the attempt installed,
 * with the code and string, and the CPE to reboot by itself: no Reboot is
 * asked again; its "1 BOOT" + TransferComplete recovers it. */
static void test_reboot_fault(void **state)
{
	struct t *t = *state;
	static struct cwmp_msg m, got;
	static const char *const periodic[] = {"2 PERIODIC"};
	char key[CWMP_COMMANDKEY_MAX + 1], cookie[80];
	struct store_remed_status rs;
	installed(t, 1, key);
	open_session(t, "hnb-1", CWMP_NS_1_2, periodic, 1, cookie);
	post_empty(t, "hnb-1", cookie, &got);
	assert_int_equal(got.kind, CWMP_REBOOT);
	memset(&m, 0, sizeof(m));
	m.kind = CWMP_FAULT;
	snprintf(m.id, sizeof(m.id), "acs-reboot");
	m.u.fault.code = CWMP_CPE_REQUEST_DENIED;
	snprintf(m.u.fault.string, sizeof(m.u.fault.string), "calls in progress");
	struct srv_acs_reply r = post_msg(t, &m, "hnb-1", cookie, &got);
	assert_int_equal(r.status, 204);
	assert_int_equal(srv_acs_table_count(t->tab, NOW), 0);
	struct store_remed_attempt a = attempt(t, "hnb-1", key);
	assert_string_equal(a.result, "installed");
	assert_int_equal(a.fault_code, CWMP_CPE_REQUEST_DENIED);
	assert_non_null(strstr(a.detail, "calls in progress"));
	assert_non_null(strstr(a.detail, "Reboot"));
	expect_state(t, "hnb-1", "installed");
	assert_int_equal(store_remed_status(t->fx.st, "hnb-1", &rs), MAYDAY_OK);
	assert_int_equal(rs.failures, 0);
	char all[8192];
	notes(t, "hnb-1", all);
	assert_non_null(strstr(all, "left to reboot by itself"));
	/* Not asked again: the next session ends at once. */
	open_session(t, "hnb-1", CWMP_NS_1_2, periodic, 1, cookie);
	r = post_empty(t, "hnb-1", cookie, &got);
	assert_int_equal(r.status, 204);
	/* It rebooted by itself: "1 BOOT" + TransferComplete fault 0 recovers it. */
	static const char *const boot[] = {"1 BOOT", "7 TRANSFER COMPLETE"};
	open_session(t, "hnb-1", CWMP_NS_1_2, boot, 2, cookie);
	memset(&m, 0, sizeof(m));
	m.kind = CWMP_TRANSFER_COMPLETE;
	snprintf(m.u.transfer_complete.command_key, sizeof(m.u.transfer_complete.command_key), "%s",
		 key);
	post_msg(t, &m, "hnb-1", cookie, &got);
	assert_int_equal(got.kind, CWMP_TRANSFER_COMPLETE_RESPONSE);
	a = attempt(t, "hnb-1", key);
	assert_string_equal(a.result, "recovered");
	expect_state(t, "hnb-1", "healthy");
}

/* A device whose Reboot was refused and that reports distress again never
 * came up in the image: the attempt fails rather than waiting for ever. */
static void test_reboot_refused_then_distress(void **state)
{
	struct t *t = *state;
	static struct cwmp_msg m, got;
	static const char *const periodic[] = {"2 PERIODIC"};
	static const char *const distress[] = {"X A1B2C3 DISTRESS"};
	char key[CWMP_COMMANDKEY_MAX + 1], cookie[80];
	installed(t, 1, key);
	open_session(t, "hnb-1", CWMP_NS_1_2, periodic, 1, cookie);
	post_empty(t, "hnb-1", cookie, &got);
	assert_int_equal(got.kind, CWMP_REBOOT);
	memset(&m, 0, sizeof(m));
	m.kind = CWMP_FAULT;
	m.u.fault.code = CWMP_CPE_METHOD_NOT_SUPPORTED;
	post_msg(t, &m, "hnb-1", cookie, &got);
	open_session(t, "hnb-1", CWMP_NS_1_2, distress, 1, cookie);
	struct srv_acs_reply r = post_empty(t, "hnb-1", cookie, &got);
	assert_int_equal(r.status, 204);
	struct store_remed_attempt a = attempt(t, "hnb-1", key);
	assert_string_equal(a.result, "failed");
	assert_non_null(strstr(a.detail, "never rebooted"));
	expect_state(t, "hnb-1", "in_distress");
}

static int due_cb(void *ctx, const char *device_id, const char *url)
{
	char *got = ctx;
	size_t len = strlen(got);
	snprintf(got + len, 1024 - len, "%s %s;", device_id, url);
	return 0;
}

/* The ConnectionRequestURL of an Inform is kept; a scheduled device with
 * one is due once per gap, and a device not scheduled never. */
static void test_connreq_due(void **state)
{
	struct t *t = *state;
	static struct cwmp_msg m, got;
	char due[1024] = "";
	for (int i = 0; i < 2; i++) {
		const char *id = i == 0 ? "hnb-1" : "hnb-2";
		inform_of(&m, id, CWMP_NS_1_2);
		snprintf(m.u.inform.params[0].name, sizeof(m.u.inform.params[0].name),
			 "Device.ManagementServer.ConnectionRequestURL");
		snprintf(m.u.inform.params[0].value, sizeof(m.u.inform.params[0].value),
			 "http://127.0.0.1:%d/cr", 7000 + i);
		m.u.inform.n_params = 1;
		post_msg(t, &m, id, NULL, &got);
		assert_int_equal(got.kind, CWMP_INFORM_RESPONSE);
	}
	assert_int_equal(store_acs_connreq_due(t->fx.st, NOW, NOW, 4, due_cb, due), MAYDAY_OK);
	assert_string_equal(due, "");   /* nothing scheduled */
	distress_scheduled(t, "hnb-2", 1);
	assert_int_equal(store_acs_connreq_due(t->fx.st, NOW, NOW, 4, due_cb, due), MAYDAY_OK);
	assert_string_equal(due, "hnb-2 http://127.0.0.1:7001/cr;");
	due[0] = '\0';
	assert_int_equal(store_acs_connreq_due(t->fx.st, NOW, NOW + 1, 4, due_cb, due), MAYDAY_OK);
	assert_string_equal(due, "");   /* asked at NOW: not before the gap */
	assert_int_equal(store_acs_connreq_due(t->fx.st, NOW + 1, NOW + 61, 4, due_cb, due),
			 MAYDAY_OK);
	assert_string_equal(due, "hnb-2 http://127.0.0.1:7001/cr;");
	/* an Inform without the parameter leaves it; "" forgets it */
	assert_int_equal(store_acs_connreq_url(t->fx.st, "hnb-2", ""), MAYDAY_OK);
	due[0] = '\0';
	assert_int_equal(store_acs_connreq_due(t->fx.st, NOW + 100, NOW + 100, 4, due_cb, due),
			 MAYDAY_OK);
	assert_string_equal(due, "");
}

/* A CPE whose Inform names "InternetGatewayDevice." parameters and whose
 * OUI is not ours: GetRPCMethods is answered, GetParameterValues asks the
 * TR-098 SoftwareVersion only, and a Download follows without sizes; a
 * CPE Fault to GetParameterValues ends the attempt with its reason. */
static void test_igd_root_and_gpv_fault(void **state)
{
	struct t *t = *state;
	static struct cwmp_msg m, got;
	char cookie[80], all[8192];
	distress_scheduled(t, "hnb-2", 1);
	for (int round = 0; round < 2; round++) {
		inform_of(&m, "hnb-2", CWMP_NS_1_0);
		snprintf(m.u.inform.oui, sizeof(m.u.inform.oui), "00D09E");
		snprintf(m.u.inform.events[0].code, sizeof(m.u.inform.events[0].code), "2 PERIODIC");
		snprintf(m.u.inform.params[0].name, sizeof(m.u.inform.params[0].name),
			 "InternetGatewayDevice.DeviceInfo.SoftwareVersion");
		snprintf(m.u.inform.params[0].value, sizeof(m.u.inform.params[0].value), "1.0");
		m.u.inform.n_params = 1;
		struct srv_acs_reply r = post_msg(t, &m, "hnb-2", NULL, &got);
		assert_int_equal(got.kind, CWMP_INFORM_RESPONSE);
		snprintf(cookie, sizeof(cookie), "%s=%s", SRV_ACS_COOKIE, r.cookie);
		memset(&m, 0, sizeof(m));
		m.kind = CWMP_GET_RPC_METHODS;
		m.ns = CWMP_NS_1_0;
		snprintf(m.id, sizeof(m.id), "rpc-1");
		post_msg(t, &m, "hnb-2", cookie, &got);
		assert_int_equal(got.kind, CWMP_GET_RPC_METHODS_RESPONSE);
		assert_int_equal(got.ns, CWMP_NS_1_0);
		assert_string_equal(got.id, "rpc-1");
		assert_int_equal(got.u.rpc_methods.n_names, 3);
		assert_string_equal(got.u.rpc_methods.names[0], "Inform");
		post_empty(t, "hnb-2", cookie, &got);
		assert_int_equal(got.kind, CWMP_GET_PARAMETER_VALUES);
		assert_int_equal(got.ns, CWMP_NS_1_0);
		assert_int_equal(got.u.gpv.n_names, 1);
		assert_string_equal(got.u.gpv.names[0],
				    "InternetGatewayDevice.DeviceInfo.SoftwareVersion");
		memset(&m, 0, sizeof(m));
		if (round == 0) {
			m.kind = CWMP_FAULT;
			m.u.fault.code = CWMP_CPE_INVALID_PARAMETER_NAME;
			snprintf(m.u.fault.string, sizeof(m.u.fault.string), "no such name");
			r = post_msg(t, &m, "hnb-2", cookie, &got);
			assert_int_equal(r.status, 204);
			struct store_remed_attempt a = newest_attempt(t, "hnb-2");
			assert_string_equal(a.result, "failed");
			assert_int_equal(a.fault_code, CWMP_CPE_INVALID_PARAMETER_NAME);
			assert_non_null(strstr(a.detail, "to GetParameterValues: no such name"));
			expect_state(t, "hnb-2", "in_distress");
			distress_scheduled(t, "hnb-2", 2);   /* attempts left: scheduled again */
			continue;
		}
		m.kind = CWMP_GET_PARAMETER_VALUES_RESPONSE;
		snprintf(m.u.gpv_response.params[0].name, sizeof(m.u.gpv_response.params[0].name),
			 "InternetGatewayDevice.DeviceInfo.SoftwareVersion");
		snprintf(m.u.gpv_response.params[0].value, sizeof(m.u.gpv_response.params[0].value),
			 "1.0");
		m.u.gpv_response.n_params = 1;
		post_msg(t, &m, "hnb-2", cookie, &got);
		assert_int_equal(got.kind, CWMP_DOWNLOAD);
		assert_int_equal(got.u.download.file_size, BUNDLE_SIZE);
	}
	notes(t, "hnb-2", all);
	assert_non_null(strstr(all, "session in urn:dslforum-org:cwmp-1-0, authenticated by client"
				    " certificate, data model InternetGatewayDevice.: GetParameterValues"
				    " of 1 parameter(s) under it (standard only: not our OUI)"));
	assert_non_null(strstr(all, "no free space or max image size announced"));
	assert_non_null(strstr(all, "Download rem-"));
}

/* "1 BOOT" + "M Reboot" naming the installed attempt: recovered at the
 * Inform; the empty POST then has nothing left to do. */
static void test_reboot_recovered(void **state)
{
	struct t *t = *state;
	static struct cwmp_msg got;
	char key[CWMP_COMMANDKEY_MAX + 1], cookie[80], ev1[80];
	struct store_remed_status rs;
	installed(t, 1, key);
	snprintf(ev1, sizeof(ev1), "%s=%s", CWMP_EV_M_REBOOT, key);
	const char *const ev[] = {CWMP_EV_BOOT, ev1};
	open_session(t, "hnb-1", CWMP_NS_1_2, ev, 2, cookie);
	expect_state(t, "hnb-1", "healthy");
	struct store_remed_attempt a = attempt(t, "hnb-1", key);
	assert_string_equal(a.result, "recovered");
	assert_int_equal(a.finished_at, NOW);
	assert_int_equal(store_remed_status(t->fx.st, "hnb-1", &rs), MAYDAY_OK);
	assert_int_equal(rs.incident_id, 0);        /* the incident is closed */
	struct srv_acs_reply r = post_empty(t, "hnb-1", cookie, &got);
	assert_int_equal(r.status, 204);
	/* Reported again (a lost InformResponse): nothing left to change. */
	open_session(t, "hnb-1", CWMP_NS_1_2, ev, 2, cookie);
	expect_state(t, "hnb-1", "healthy");
	assert_string_equal(attempt(t, "hnb-1", key).result, "recovered");
}

/* "M Reboot" that names no installed attempt of this device changes nothing. */
static void test_reboot_wrong_key(void **state)
{
	struct t *t = *state;
	static struct cwmp_msg got;
	char key1[CWMP_COMMANDKEY_MAX + 1], key2[CWMP_COMMANDKEY_MAX + 1], cookie[80];
	char ev1[80];
	const char *const ev[] = {CWMP_EV_BOOT, ev1};
	installed(t, 1, key1);
	t->identity = "hnb-2";
	distress_scheduled(t, "hnb-2", 1);
	struct cpe_outcome out;
	assert_int_equal(run_cpe(t, distress_ev, 1, NULL, 1u << 20, &out), MAYDAY_OK);
	assert_true(out.download);
	snprintf(key2, sizeof(key2), "%s", out.dl.command_key);
	expect_state(t, "hnb-2", "remediation_in_progress");

	/* unknown key; hnb-1's key from hnb-2; hnb-2's own key, still in progress */
	const char *const keys[] = {"rem-999-1", key1, key2};
	const char *const who[] = {"hnb-1", "hnb-2", "hnb-2"};
	for (int i = 0; i < 3; i++) {
		snprintf(ev1, sizeof(ev1), "%s=%s", CWMP_EV_M_REBOOT, keys[i]);
		open_session(t, who[i], CWMP_NS_1_2, ev, 2, cookie);
		expect_state(t, "hnb-1", "installed");
		expect_state(t, "hnb-2", "remediation_in_progress");
		assert_string_equal(attempt(t, "hnb-1", key1).result, "installed");
		assert_string_equal(attempt(t, "hnb-2", key2).result, "in_progress");
	}
	/* The right key without "1 BOOT" is not a reboot either. */
	snprintf(ev1, sizeof(ev1), "%s=%s", CWMP_EV_M_REBOOT, key1);
	open_session(t, "hnb-1", CWMP_NS_1_2, ev + 1, 1, cookie);
	expect_state(t, "hnb-1", "installed");
	/* ... and hnb-1 is still asked to reboot, hnb-2 (in progress) is not. */
	post_empty(t, "hnb-1", cookie, &got);
	assert_int_equal(got.kind, CWMP_REBOOT);
	assert_string_equal(got.u.reboot_command_key, key1);
	open_session(t, "hnb-2", CWMP_NS_1_2, distress_ev, 1, cookie);
	struct srv_acs_reply r = post_empty(t, "hnb-2", cookie, &got);
	assert_int_equal(r.status, 204);
}

/* Requests of the ACS go in the namespace of the session's Inform. */
static void test_request_namespace(void **state)
{
	struct t *t = *state;
	static struct cwmp_msg got;
	char cookie[80];
	distress_scheduled(t, "hnb-1", 1);
	open_session(t, "hnb-1", CWMP_NS_1_0, distress_ev, 1, cookie);
	post_empty(t, "hnb-1", cookie, &got);
	assert_int_equal(got.kind, CWMP_GET_PARAMETER_VALUES);
	assert_int_equal(got.ns, CWMP_NS_1_0);
	assert_string_equal(got.id, "acs-gpv");
}

static void test_rules(void **state)
{
	struct t *t = *state;
	static struct cwmp_msg m, got;
	struct srv_acs_reply r;
	char cookie[80];

	/* The Inform must name the certificate's device. */
	inform_of(&m, "hnb-2", CWMP_NS_1_2);
	r = post_msg(t, &m, "hnb-1", NULL, &got);
	assert_int_equal(got.kind, CWMP_FAULT);
	assert_int_equal(got.u.fault.code, CWMP_ACS_REQUEST_DENIED);
	assert_string_equal(r.cookie, "");
	/* Answers echo the ID and the peer's namespace. */
	inform_of(&m, "hnb-1", CWMP_NS_1_0);
	r = post_msg(t, &m, "hnb-1", NULL, &got);
	assert_int_equal(got.kind, CWMP_INFORM_RESPONSE);
	assert_int_equal(got.ns, CWMP_NS_1_0);
	assert_string_equal(got.id, "i-1");
	assert_int_equal(strlen(r.cookie), SRV_ACS_SID_LEN);
	snprintf(cookie, sizeof(cookie), "%s=%s", SRV_ACS_COOKIE, r.cookie);
	/* Without the cookie (or from another device) a TransferComplete finds no session. */
	memset(&m, 0, sizeof(m));
	m.kind = CWMP_TRANSFER_COMPLETE;
	snprintf(m.u.transfer_complete.command_key, sizeof(m.u.transfer_complete.command_key),
		 "rem-1-1");
	post_msg(t, &m, "hnb-1", NULL, &got);
	assert_int_equal(got.kind, CWMP_FAULT);
	assert_int_equal(got.u.fault.code, CWMP_ACS_REQUEST_DENIED);
	post_msg(t, &m, "hnb-2", cookie, &got);
	assert_int_equal(got.u.fault.code, CWMP_ACS_REQUEST_DENIED);
	/* Malformed: 8003, and the session is over. */
	struct srv_acs_reply r2 = {.body = t->body, .cap = sizeof(t->body)};
	struct mayday_diag diag;
	assert_int_equal(srv_acs_post(t->tab, &t->env, "hnb-1", cookie, "<x", 2, &r2), MAYDAY_OK);
	assert_int_equal(r2.status, 200);
	assert_int_equal(cwmp_parse(r2.body, r2.len, &got, &diag), MAYDAY_OK);
	assert_int_equal(got.u.fault.code, CWMP_ACS_INVALID_ARGUMENTS);
	assert_int_equal(srv_acs_table_count(t->tab, NOW), 0);
	/* A method we do not implement: 8000. */
	inform_of(&m, "hnb-1", CWMP_NS_1_2);
	r = post_msg(t, &m, "hnb-1", NULL, &got);
	snprintf(cookie, sizeof(cookie), "%s=%s", SRV_ACS_COOKIE, r.cookie);
	static const char other[] =
		"<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\""
		" xmlns:cwmp=\"urn:dslforum-org:cwmp-1-2\"><soap:Body><cwmp:ScheduleInform/>"
		"</soap:Body></soap:Envelope>";
	assert_int_equal(srv_acs_post(t->tab, &t->env, "hnb-1", cookie, other, sizeof(other) - 1,
				      &r2), MAYDAY_OK);
	assert_int_equal(cwmp_parse(r2.body, r2.len, &got, &diag), MAYDAY_OK);
	assert_int_equal(got.u.fault.code, CWMP_ACS_METHOD_NOT_SUPPORTED);
	/* The reply buffer must hold an envelope. */
	r2.cap = 100;
	assert_int_equal(srv_acs_post(t->tab, &t->env, "hnb-1", cookie, "", 0, &r2),
			 MAYDAY_E_INVALID);
}

/* The table is bounded; idle sessions make room. */
static void test_table_bounds(void **state)
{
	struct t *t = *state;
	static struct cwmp_msg m, got;
	char id[16];
	for (int i = 0; i < 4; i++) {
		snprintf(id, sizeof(id), "dev-%d", i);
		inform_of(&m, id, CWMP_NS_1_2);
		post_msg(t, &m, id, NULL, &got);
		assert_int_equal(got.kind, CWMP_INFORM_RESPONSE);
	}
	assert_int_equal(srv_acs_table_count(t->tab, NOW), 4);
	static char env[CWMP_ENVELOPE_MAX];
	struct mayday_diag diag;
	size_t len = 0;
	struct srv_acs_reply r = {.body = t->body, .cap = sizeof(t->body)};
	inform_of(&m, "dev-9", CWMP_NS_1_2);
	assert_int_equal(cwmp_emit(&m, env, sizeof(env), &len, &diag), MAYDAY_OK);
	assert_int_equal(srv_acs_post(t->tab, &t->env, "dev-9", NULL, env, len, &r),
			 MAYDAY_E_TOOBIG);
	/* the same device again replaces its own session */
	inform_of(&m, "dev-1", CWMP_NS_1_2);
	post_msg(t, &m, "dev-1", NULL, &got);
	assert_int_equal(got.kind, CWMP_INFORM_RESPONSE);
	t->env.now = NOW + 31;
	assert_int_equal(srv_acs_table_count(t->tab, t->env.now), 0);
	assert_int_equal(srv_acs_post(t->tab, &t->env, "dev-9", NULL, env, len, &r), MAYDAY_OK);
	assert_int_equal(r.status, 200);
}

/* ---- the pause of a product class ---------------------------------------- */

/* hnb-3 of femto-a and hnb-9 of femto-b, whose golden bundle is t->bundle_b. */
static void more_devices(struct t *t)
{
	char pem[1024];
	EVP_PKEY_free(fx_key(pem, sizeof(pem)));
	assert_int_equal(store_enrol(t->fx.st, "hnb-3", "femto-a", pem), MAYDAY_OK);
	assert_int_equal(store_enrol(t->fx.st, "hnb-9", "femto-b", pem), MAYDAY_OK);
	FILE *f = fopen(t->bundle_b, "wb");
	assert_non_null(f);
	fputs("femto-b bundle", f);
	assert_int_equal(fclose(f), 0);
}

/* `id` gets a Download (the distress session); its command key to key. */
static void downloading(struct t *t, const char *id, uint64_t counter,
			char key[CWMP_COMMANDKEY_MAX + 1])
{
	struct cpe_outcome out;
	t->identity = id;
	distress_scheduled(t, id, counter);
	assert_int_equal(run_cpe(t, distress_ev, 1, NULL, 1u << 20, &out), MAYDAY_OK);
	assert_true(out.download);
	snprintf(key, CWMP_COMMANDKEY_MAX + 1, "%s", out.dl.command_key);
	expect_state(t, id, "remediation_in_progress");
}

/* `id` reports its attempt `key` failed (the new image did not verify). */
static void report_failed(struct t *t, const char *id, const char *key)
{
	struct cpe_outcome out;
	struct cwmp_transfer_complete tc = {.fault = {.code = CWMP_CPE_FILE_CORRUPTED},
					    .start_time = NOW, .complete_time = NOW};
	snprintf(tc.fault.string, sizeof(tc.fault.string), "component mismatch");
	snprintf(tc.command_key, sizeof(tc.command_key), "%s", key);
	t->identity = id;
	assert_int_equal(run_cpe(t, boot_ev, 3, &tc, 1u << 20, &out), MAYDAY_OK);
	assert_true(out.tc_acked);
	assert_false(out.download);
	expect_state(t, id, "in_distress");
}

static int class_cb(void *ctx, const struct store_remed_class *c)
{
	struct store_remed_class *want = ctx;
	if (strcmp(c->product_class, want->product_class) == 0)
		*want = *c;
	return 0;
}

static struct store_remed_class class_of(struct t *t, const char *cls)
{
	struct store_remed_class c;
	memset(&c, 0, sizeof(c));
	snprintf(c.product_class, sizeof(c.product_class), "%s", cls);
	assert_int_equal(store_remed_classes(t->fx.st, class_cb, &c), MAYDAY_OK);
	return c;
}

/* Two failed attempts in a row pause femto-a (recorded when the second is
 * reported): a scheduled device of the class gets 204 after its empty POST
 * and stays scheduled, a download under way still reports, another class is
 * served, and after a resume the class is served again. */
static void test_class_paused(void **state)
{
	struct t *t = *state;
	struct cpe_outcome out;
	char k1[CWMP_COMMANDKEY_MAX + 1], k2[CWMP_COMMANDKEY_MAX + 1], k3[CWMP_COMMANDKEY_MAX + 1];
	bool was = false;
	t->pol.pause_after_failures = 2;
	t->pol.max_attempts = 3;
	more_devices(t);
	downloading(t, "hnb-1", 1, k1);
	downloading(t, "hnb-2", 1, k2);
	downloading(t, "hnb-3", 1, k3);
	report_failed(t, "hnb-1", k1);
	assert_false(class_of(t, "femto-a").paused);
	report_failed(t, "hnb-2", k2);
	struct store_remed_class c = class_of(t, "femto-a");
	assert_true(c.paused);
	assert_int_equal(c.paused_at, NOW);
	assert_int_equal(c.pause_failures, 2);

	/* hnb-1 is scheduled again (its ack says REMEDIATE): nothing is pushed */
	t->identity = "hnb-1";
	distress_scheduled(t, "hnb-1", 2);
	assert_int_equal(run_cpe(t, distress_ev, 1, NULL, 1u << 20, &out), MAYDAY_OK);
	assert_false(out.download);
	assert_int_equal(out.requests, 0);     /* no GetParameterValues either */
	assert_int_equal(t->posts, 2);         /* Inform, empty -> 204 */
	assert_int_equal(t->last_status, 204);
	expect_state(t, "hnb-1", "remediation_scheduled");
	/* the attempt under way goes on: its report is recorded */
	report_failed(t, "hnb-3", k3);
	assert_true(class_of(t, "femto-a").paused);
	/* another class is not held back */
	t->identity = "hnb-9";
	distress_scheduled(t, "hnb-9", 1);
	assert_int_equal(run_cpe(t, distress_ev, 1, NULL, 1u << 20, &out), MAYDAY_OK);
	assert_true(out.download);
	assert_false(class_of(t, "femto-b").paused);

	/* resumed (after the failures): served again */
	t->env.now = NOW + 60;
	assert_int_equal(store_remed_class_resume(t->fx.st, "femto-a", NOW + 30, &was), MAYDAY_OK);
	assert_true(was);
	t->identity = "hnb-1";
	assert_int_equal(run_cpe(t, distress_ev, 1, NULL, 1u << 20, &out), MAYDAY_OK);
	assert_true(out.download);
	assert_int_equal(out.requests, 2);
	expect_state(t, "hnb-1", "remediation_in_progress");
	c = class_of(t, "femto-a");
	assert_false(c.paused);
	assert_int_equal(c.resumed_at, NOW + 30);
}

/* Posts a GetParameterValuesResponse announcing 1 MiB free and as the
 * largest image, as `id` in its session. */
static struct srv_acs_reply post_gpv_response(struct t *t, const char *id, const char *cookie,
					      struct cwmp_msg *got)
{
	static struct cwmp_msg m;
	static const char *const names[] = {"Device.DeviceInfo.X_A1B2C3_FreeSpace",
					    "Device.DeviceInfo.X_A1B2C3_MaxImageSize"};
	memset(&m, 0, sizeof(m));
	m.kind = CWMP_GET_PARAMETER_VALUES_RESPONSE;
	m.ns = CWMP_NS_1_2;
	snprintf(m.id, sizeof(m.id), "acs-gpv");
	for (unsigned i = 0; i < 2; i++) {
		snprintf(m.u.gpv_response.params[i].name, sizeof(m.u.gpv_response.params[i].name),
			 "%s", names[i]);
		snprintf(m.u.gpv_response.params[i].value,
			 sizeof(m.u.gpv_response.params[i].value), "%u", 1u << 20);
		m.u.gpv_response.params[i].type = CWMP_T_ULONG;
	}
	m.u.gpv_response.n_params = 2;
	return post_msg(t, &m, id, cookie, got);
}

/* The class is paused between the GetParameterValues and its answer
 * (another device's failure completes the run): no Download follows. */
static void test_class_paused_meanwhile(void **state)
{
	struct t *t = *state;
	static struct cwmp_msg got;
	char k1[CWMP_COMMANDKEY_MAX + 1], k2[CWMP_COMMANDKEY_MAX + 1], cookie[80];
	uint32_t n = 9;
	t->pol.pause_after_failures = 2;
	more_devices(t);
	downloading(t, "hnb-1", 1, k1);
	downloading(t, "hnb-2", 1, k2);
	report_failed(t, "hnb-1", k1);
	distress_scheduled(t, "hnb-3", 1);
	open_session(t, "hnb-3", CWMP_NS_1_2, distress_ev, 1, cookie);
	post_empty(t, "hnb-3", cookie, &got);
	assert_int_equal(got.kind, CWMP_GET_PARAMETER_VALUES);
	report_failed(t, "hnb-2", k2);
	assert_true(class_of(t, "femto-a").paused);

	struct srv_acs_reply r = post_gpv_response(t, "hnb-3", cookie, &got);
	assert_int_equal(r.status, 204);
	assert_int_equal(got.kind, CWMP_EMPTY);
	expect_state(t, "hnb-3", "remediation_scheduled");
	assert_int_equal(store_remed_in_flight(t->fx.st, 0, &n), MAYDAY_OK);
	assert_int_equal(n, 0);
}

/* The last download slot is taken between the GetParameterValues and its
 * answer (another device's session pushed its Download meanwhile): the
 * slots are counted again where the attempt would be recorded, so no
 * Download follows and the device stays scheduled. */
static void test_in_flight_taken_meanwhile(void **state)
{
	struct t *t = *state;
	static struct cwmp_msg got;
	char k1[CWMP_COMMANDKEY_MAX + 1], cookie[80];
	uint32_t n = 9;
	t->pol.max_in_flight = 1;
	distress_scheduled(t, "hnb-2", 1);
	open_session(t, "hnb-2", CWMP_NS_1_2, distress_ev, 1, cookie);
	post_empty(t, "hnb-2", cookie, &got);
	assert_int_equal(got.kind, CWMP_GET_PARAMETER_VALUES);
	downloading(t, "hnb-1", 1, k1);

	struct srv_acs_reply r = post_gpv_response(t, "hnb-2", cookie, &got);
	assert_int_equal(r.status, 204);
	assert_int_equal(got.kind, CWMP_EMPTY);
	expect_state(t, "hnb-2", "remediation_scheduled");
	assert_int_equal(store_remed_in_flight(t->fx.st, 0, &n), MAYDAY_OK);
	assert_int_equal(n, 1);
}

static void test_base(void **state)
{
	char base[SRV_ACS_BASE_MAX + 1];
	(void)state;
	assert_int_equal(srv_acs_base("https://127.0.0.1:7443/cwmp", base), MAYDAY_OK);
	assert_string_equal(base, "https://127.0.0.1:7443");
	assert_int_equal(srv_acs_base("http://h/cwmp", base), MAYDAY_E_INVALID);
	assert_int_equal(srv_acs_base("https:///cwmp", base), MAYDAY_E_INVALID);
	assert_int_equal(srv_acs_base("https://h/cwmpx", base), MAYDAY_E_INVALID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_distress_download_then_recovered, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_installed_without_boot, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reboot_request, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reboot_fault, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reboot_refused_then_distress, setup, teardown),
		cmocka_unit_test_setup_teardown(test_igd_root_and_gpv_fault, setup, teardown),
		cmocka_unit_test_setup_teardown(test_connreq_due, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reboot_recovered, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reboot_wrong_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_request_namespace, setup, teardown),
		cmocka_unit_test_setup_teardown(test_transfer_fault_counts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_transfer_not_recorded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_long_fault_string, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nothing_scheduled, setup, teardown),
		cmocka_unit_test_setup_teardown(test_too_big, setup, teardown),
		cmocka_unit_test_setup_teardown(test_in_flight_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_table_bounds, setup, teardown),
		cmocka_unit_test_setup_teardown(test_class_paused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_class_paused_meanwhile, setup, teardown),
		cmocka_unit_test_setup_teardown(test_in_flight_taken_meanwhile, setup, teardown),
		cmocka_unit_test_setup_teardown(test_inform_is_contact, setup, teardown),
		cmocka_unit_test(test_base),
	};
	cwmp_global_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}

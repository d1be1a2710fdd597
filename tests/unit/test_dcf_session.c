/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dcf_session_run with fake transports passed in through its methods table:
 * the order of methods and the fallback after attempts_per_method, which
 * counter each method's indication carries, identical bytes for
 * retransmissions, unauthenticated, stored-unverified and rejecting acks
 * (failed attempts, never an acknowledgement), a transport's own retry-after,
 * re-announcement, and the RoT failing. With the simulated clock HAL
 * (hal/clock_sim.h): how many sends fit before a deadline (sim_clock), an
 * hour of H(e)MS outage at power-on, an operator's
 * approval ten minutes after a "wait" ack, "stand down", and the bound on a
 * wait -- hours of schedule in milliseconds of real time. The RoT is the real file backend in
 * a temporary directory; every indication a fake transport gets is verified
 * with the device key before it is recorded.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ftw.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dcf_attempt.h"
#include "dcf_config.h"
#include "dcf_session.h"
#include "exit_codes.h"
#include "hal/clock.h"
#include "hal/clock_sim.h"
#include "hal/flash.h"
#include "hal/rot.h"
#include "mayday/keys.h"
#include "tx/dcf_tx.h"

#define DEVICE_ID "femto-session-1"
#define LOG_MAX   256
#define N_FAKES   3

enum reply {
	R_NONE = 0,   /* silence */
	R_ACK,        /* valid ack, STORED */
	R_FORGED,     /* an ack for this indication, signed by a key the device does not trust */
	R_RETRY,      /* valid ack, RETRY_AFTER 1 s */
	R_REJECT,     /* valid ack, REJECTED */
	R_BUSY,       /* no ack, but the transport reports a retry-after of busy_s */
	R_UNVERIFIED, /* valid ack, STORED_UNVERIFIED: what an on-path bit flip earns */
	R_UNVERIFIED_THEN_ACK, /* STORED_UNVERIFIED, then STORED, for the same counter (a
			       * forgery under our counter reached the H(e)MS first) */
	R_WAIT,       /* valid ack, STORED, WAIT wait_s */
	R_STAND_DOWN, /* valid ack, STORED, STAND_DOWN */
	R_REMEDIATE   /* valid ack, STORED, REMEDIATE */
};

struct sent {
	int method;
	uint64_t counter;
	uint32_t transport;
	uint64_t at_ms;
	uint8_t digest[MAYDAY_DIGEST_LEN]; /* of the whole signed message */
};

struct chan {
	int method;
	int have_reply;                  /* replies queued, at most 2 */
	uint8_t reply[2][MAYDAY_ACK_MAX];
	size_t reply_len[2];
	uint32_t busy;
};

/* The fake network, shared by the fake transports (they have no other way
 * to reach the test than a file-scope pointer). */
static struct world {
	char dir[256];
	EVP_PKEY *device, *vendor, *hems, *forger;
	struct hal_flash *flash;
	struct hal_rot *rot;
	struct dcf_config cfg;
	struct mayday_signer signer;
	struct mayday_evidence ev;
	enum reply script[LOG_MAX];      /* reply to send i */
	enum reply method_reply[N_FAKES]; /* if set, overrides the script for that method */
	uint32_t busy_s;
	int open_fail[N_FAKES];          /* opens of that method that fail */
	int send_fail[N_FAKES];          /* sends of that method that fail */
	int opens[N_FAKES], closes[N_FAKES];
	int n;
	struct sent log[LOG_MAX];
	int remediate;                   /* every ack (forged or not) says REMEDIATE */
	int hooked;                      /* run with the on_acked hook */
	int hook_ret, hook_calls, hook_open_channels;
	struct mayday_ack hook_ack;
	uint32_t wait_s;                 /* retry_after of R_WAIT */
	/* If set, the reply by (simulated) time of the send, over the script. */
	enum reply (*by_time)(const struct world *w, uint64_t now_ms);
	uint64_t up_at_ms;               /* by_time: the H(e)MS answers from then on */
	uint64_t approved_at_ms;         /* by_time: the operator approves then */
	int reboot_on_remediate;         /* the hook returns REBOOT for a REMEDIATE ack */
	struct hal_clock_sim sim;
} *W;

#define ACS_URL "https://127.0.0.1:7548/cwmp"

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void make_ack(struct chan *c, const struct mayday_indication *ind, enum reply how)
{
	struct mayday_ack ack = { .counter = ind->counter, .incident_id = 99,
				  .status = MAYDAY_ACK_STORED, .action = MAYDAY_ACTION_NONE };
	struct mayday_signer signer;

	memcpy(ack.device_id, ind->device_id, sizeof(ack.device_id));
	if (how == R_RETRY) {
		ack.action = MAYDAY_ACTION_RETRY_AFTER;
		ack.retry_after = 1;
	} else if (how == R_REJECT) {
		ack.status = MAYDAY_ACK_REJECTED;
	} else if (how == R_UNVERIFIED) {
		ack.status = MAYDAY_ACK_STORED_UNVERIFIED;
		ack.incident_id = 0;
	} else if (how == R_WAIT) {
		ack.action = MAYDAY_ACTION_WAIT;
		ack.retry_after = W->wait_s;
	} else if (how == R_STAND_DOWN) {
		ack.action = MAYDAY_ACTION_STAND_DOWN;
	} else if (how == R_REMEDIATE) {
		ack.action = MAYDAY_ACTION_REMEDIATE;
		snprintf(ack.acs_url, sizeof(ack.acs_url), "%s", ACS_URL);
	}
	if (W->remediate && how != R_RETRY && how != R_REJECT) {
		/* a stored-unverified one too: maydayd never sends that, but were
		 * one to come, the device must still not act on it */
		ack.action = MAYDAY_ACTION_REMEDIATE;
		snprintf(ack.acs_url, sizeof(ack.acs_url), "%s", ACS_URL);
	}
	assert_int_equal(mayday_signer_from_pkey(&signer, how == R_FORGED ? W->forger : W->hems,
						 NULL, 0), MAYDAY_OK);
	int i = c->have_reply++;
	assert_true(i < 2);
	assert_int_equal(mayday_ack_sign(&ack, &signer, c->reply[i], sizeof(c->reply[i]),
					 &c->reply_len[i]),
			 MAYDAY_OK);
}

static int fake_configured(const struct dcf_config *cfg)
{
	(void)cfg;
	return 1;
}

static enum mayday_err fake_open(int method, const struct dcf_tx_env *env, void **state)
{
	assert_ptr_equal(env->cfg, &W->cfg);
	if (W->open_fail[method] > 0) {
		W->open_fail[method]--;
		return MAYDAY_E_IO;
	}
	struct chan *c = calloc(1, sizeof(*c));
	assert_non_null(c);
	c->method = method;
	W->opens[method]++;
	*state = c;
	return MAYDAY_OK;
}

static enum mayday_err open_a(const struct dcf_tx_env *env, void **state)
{
	return fake_open(0, env, state);
}

static enum mayday_err open_b(const struct dcf_tx_env *env, void **state)
{
	return fake_open(1, env, state);
}

static enum mayday_err open_c(const struct dcf_tx_env *env, void **state)
{
	return fake_open(2, env, state);
}

static enum mayday_err fake_send(void *state, const uint8_t *msg, size_t len)
{
	struct chan *c = state;
	struct mayday_cose_sign1 cose;
	struct mayday_indication ind;
	struct mayday_diag diag;
	/* Stamped on entry, before the signature check below: that check's
	 * time (longer on a busy or emulated machine) is not the DCF's, and
	 * would shift the stamps the timing assertions compare. */
	uint64_t at_ms = hal_clock_mono_ms();

	c->have_reply = 0;
	c->busy = 0;
	if (W->send_fail[c->method] > 0) {
		W->send_fail[c->method]--;
		return MAYDAY_E_IO;
	}
	assert_int_equal(mayday_indication_open(msg, len, &cose, &ind, &diag), MAYDAY_OK);
	assert_int_equal(mayday_cose_sign1_verify(&cose, W->device), MAYDAY_OK);
	assert_true(W->n < LOG_MAX);
	struct sent *s = &W->log[W->n];
	s->method = c->method;
	s->counter = ind.counter;
	s->transport = ind.transport;
	s->at_ms = at_ms;
	mayday_sha256(msg, len, s->digest);
	enum reply how = W->method_reply[c->method] ? W->method_reply[c->method] : W->script[W->n];
	if (W->by_time)
		how = W->by_time(W, s->at_ms);
	W->n++;
	if (how == R_BUSY) {
		c->busy = W->busy_s;
	} else if (how == R_UNVERIFIED_THEN_ACK) {
		make_ack(c, &ind, R_UNVERIFIED);
		make_ack(c, &ind, R_ACK);
	} else if (how != R_NONE) {
		make_ack(c, &ind, how);
	}
	return MAYDAY_OK;
}

static enum mayday_err fake_recv(void *state, uint8_t *buf, size_t cap, size_t *len,
				 uint32_t timeout_ms)
{
	struct chan *c = state;

	if (!c->have_reply) {
		/* Through the clock HAL: under the simulated clock, waiting for
		 * an answer that does not come takes no real time. */
		hal_clock_sleep_ms(timeout_ms > 1000 ? 1000 : timeout_ms);
		return MAYDAY_E_TIMEOUT;
	}
	assert_true(c->reply_len[0] <= cap);
	memcpy(buf, c->reply[0], c->reply_len[0]);
	*len = c->reply_len[0];
	if (--c->have_reply > 0) {
		memcpy(c->reply[0], c->reply[1], c->reply_len[1]);
		c->reply_len[0] = c->reply_len[1];
	}
	return MAYDAY_OK;
}

static uint32_t fake_retry_after(void *state)
{
	const struct chan *c = state;

	return c->busy;
}

static void fake_close(void *state)
{
	struct chan *c = state;

	if (!c)
		return;
	W->closes[c->method]++;
	free(c);
}

/* Three methods whose indications claim three different transports. */
static const struct dcf_tx_ops fakes[N_FAKES] = {
	{ .name = "fake-a", .transport = MAYDAY_TRANSPORT_TLS, .configured = fake_configured,
	  .open = open_a, .send = fake_send, .recv = fake_recv,
	  .retry_after_s = fake_retry_after, .close = fake_close },
	{ .name = "fake-b", .transport = MAYDAY_TRANSPORT_PLAIN_HTTP,
	  .configured = fake_configured, .open = open_b, .send = fake_send, .recv = fake_recv,
	  .retry_after_s = fake_retry_after, .close = fake_close },
	{ .name = "fake-c", .transport = MAYDAY_TRANSPORT_PLAIN_UDP,
	  .configured = fake_configured, .open = open_c, .send = fake_send, .recv = fake_recv,
	  .close = fake_close },
};

static int setup(void **state)
{
	static const char conf[] =
		"[dcf]\nversion = 0.1.0\nproduct_class = femto-test\nmax_image_size = 1048576\n"
		"[hems]\nmethods = plain-udp\n[udp]\nendpoint = 127.0.0.1:9\n"
		"[retry]\ninitial_ms = 1\nmax_ms = 4\nattempt_timeout_ms = 10\ndeadline_ms = 5000\n"
		"attempts_per_method = 2\n";
	struct dcf_config_error err;
	struct world *w = calloc(1, sizeof(*w));
	const char *tmp = getenv("TMPDIR");

	assert_non_null(w);
	W = w;
	snprintf(w->dir, sizeof(w->dir), "%s/dcf-session-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	assert_non_null(mkdtemp(w->dir));
	assert_int_equal(mayday_key_generate(&w->device), MAYDAY_OK);
	assert_int_equal(mayday_key_generate(&w->vendor), MAYDAY_OK);
	assert_int_equal(mayday_key_generate(&w->hems), MAYDAY_OK);
	assert_int_equal(mayday_key_generate(&w->forger), MAYDAY_OK);
	assert_int_equal(hal_flash_open(&w->flash, w->dir, "host"), MAYDAY_OK);
	assert_int_equal(hal_rot_file_provision(w->flash, DEVICE_ID, w->device, w->vendor, w->hems),
			 MAYDAY_OK);
	assert_int_equal(hal_rot_open(&w->rot, "file", w->flash), MAYDAY_OK);
	assert_int_equal(hal_rot_signer(w->rot, &w->signer), MAYDAY_OK);
	assert_int_equal(dcf_config_parse(conf, sizeof(conf) - 1, &w->cfg, &err), MAYDAY_OK);
	w->ev.reason = MAYDAY_REASON_COMPONENT_MISSING;
	*state = w;
	return 0;
}

static int teardown(void **state)
{
	struct world *w = *state;

	hal_rot_close(w->rot);
	hal_flash_close(w->flash);
	nftw(w->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	EVP_PKEY_free(w->device);
	EVP_PKEY_free(w->vendor);
	EVP_PKEY_free(w->hems);
	EVP_PKEY_free(w->forger);
	free(w);
	W = NULL;
	hal_clock_use(NULL);
	return 0;
}

static int on_acked(void *ctx, const struct mayday_ack *ack)
{
	struct world *w = ctx;

	w->hook_calls++;
	w->hook_ack = *ack;
	if (w->reboot_on_remediate && ack->action == MAYDAY_ACTION_REMEDIATE)
		return MAYDAY_EXIT_REBOOT;
	for (int i = 0; i < N_FAKES; i++)
		w->hook_open_channels += w->opens[i] - w->closes[i];
	return w->hook_ret;
}

/* Run over the first n_methods fakes (or the given order). */
static int run_order(struct world *w, const int *order, unsigned n_methods,
		     uint32_t deadline_ms, struct dcf_stats *st)
{
	const struct dcf_tx_ops *methods[N_FAKES];
	struct dcf_tx_env env = { .cfg = &w->cfg, .flash = w->flash, .rot = w->rot };
	EVP_PKEY *hems_pub = NULL;

	for (unsigned i = 0; i < n_methods; i++)
		methods[i] = &fakes[order ? order[i] : (int)i];
	assert_int_equal(hal_rot_anchor(w->rot, HAL_ROT_ANCHOR_HEMS, &hems_pub), MAYDAY_OK);
	struct dcf_session s = {
		.env = &env,
		.methods = methods,
		.n_methods = n_methods,
		.signer = &w->signer,
		.hems_pub = hems_pub,
		.device_id = DEVICE_ID,
		.ev = &w->ev,
		.free_space = 12345,
		.deadline_ms = deadline_ms,
		.on_acked = w->hooked ? on_acked : NULL,
		.on_acked_ctx = w,
	};
	int rc = dcf_session_run(&s, st);
	EVP_PKEY_free(hems_pub);
	/* every channel opened was closed */
	for (int i = 0; i < N_FAKES; i++)
		assert_int_equal(w->opens[i], w->closes[i]);
	return rc;
}

static int run(struct world *w, unsigned n_methods, uint32_t deadline_ms, struct dcf_stats *st)
{
	return run_order(w, NULL, n_methods, deadline_ms, st);
}

/* The world's short retry settings, on the simulated clock: the tests that
 * count how many sends fit before a deadline. On the real clock that count
 * was the machine's speed -- every send is signed and verified twice (by the
 * DCF and by the fake network), every new counter fsynced, together over
 * 100 ms a send under qemu-arm on a busy machine -- while here only the
 * schedule (attempt timeouts, backoff) moves time. */
static void sim_clock(struct world *w)
{
	w->sim.wall_base_s = 1796083200; /* 2026-12-01 */
	hal_clock_sim_install(&w->sim);
}

static void assert_sent(const struct world *w, int i, int method, uint64_t counter)
{
	assert_true(i < w->n);
	assert_int_equal(w->log[i].method, method);
	assert_int_equal(w->log[i].counter, counter);
	assert_int_equal(w->log[i].transport, fakes[method].transport);
}

/* A, A, B, B, C, C, A, A: two unanswered attempts per method, wrapping
 * around, each method with its own counter and the same bytes within it. */
static void test_fallback_order(void **state)
{
	struct world *w = *state;
	struct dcf_stats st;
	static const int methods[] = { 0, 0, 1, 1, 2, 2, 0, 0 };

	w->script[7] = R_ACK;
	assert_int_equal(run(w, 3, 5000, &st), MAYDAY_EXIT_DCF_ACKED);
	assert_int_equal(w->n, 8);
	for (int i = 0; i < 8; i++) {
		assert_sent(w, i, methods[i], (uint64_t)(i / 2 + 1));
		if (i % 2)
			assert_memory_equal(w->log[i].digest, w->log[i - 1].digest,
					    MAYDAY_DIGEST_LEN);
		else if (i > 0)
			assert_memory_not_equal(w->log[i].digest, w->log[i - 1].digest,
						MAYDAY_DIGEST_LEN);
		/* each attempt waited out its timeout (10 ms; the stamps are taken
		 * inside the sends, so allow for a millisecond each way) */
		if (i > 0)
			assert_true(w->log[i].at_ms - w->log[i - 1].at_ms >= 8);
	}
	assert_int_equal(st.messages, 4);
	assert_int_equal(st.sends, 8);
	assert_int_equal(st.fallbacks, 3);
	assert_int_equal(st.counter, 4);
	assert_int_equal(st.ack.counter, 4);
	assert_int_equal(st.method, 0);
	assert_true(st.acked);
	/* A's channel was closed when B took over and opened again on wrapping */
	assert_int_equal(w->opens[0], 2);
	assert_int_equal(w->opens[1], 1);
	assert_int_equal(w->opens[2], 1);
}

/* The configured order is the order tried, whatever the table's order. */
static void test_configured_order(void **state)
{
	struct world *w = *state;
	struct dcf_stats st;
	static const int order[] = { 2, 0 };

	w->script[2] = R_ACK;
	assert_int_equal(run_order(w, order, 2, 5000, &st), MAYDAY_EXIT_DCF_ACKED);
	assert_int_equal(w->n, 3);
	assert_sent(w, 0, 2, 1);
	assert_sent(w, 1, 2, 1);
	assert_sent(w, 2, 0, 2);
	assert_int_equal(st.method, 1); /* index into the order given */
	assert_int_equal(w->opens[1], 0);
}

/* A single method never changes counter for lack of answers. */
static void test_single_method_keeps_counter(void **state)
{
	struct world *w = *state;
	struct dcf_stats st;

	w->script[5] = R_ACK;
	assert_int_equal(run(w, 1, 5000, &st), MAYDAY_EXIT_DCF_ACKED);
	assert_int_equal(w->n, 6);
	for (int i = 0; i < 6; i++) {
		assert_sent(w, i, 0, 1);
		assert_memory_equal(w->log[i].digest, w->log[0].digest, MAYDAY_DIGEST_LEN);
	}
	assert_int_equal(st.messages, 1);
	assert_int_equal(st.fallbacks, 0);
}

/* Channels that cannot be opened or used count as unanswered attempts. */
static void test_failures_fall_back(void **state)
{
	struct world *w = *state;
	struct dcf_stats st;

	w->open_fail[0] = 100;
	w->send_fail[1] = 1;
	w->method_reply[1] = R_ACK;
	assert_int_equal(run(w, 2, 5000, &st), MAYDAY_EXIT_DCF_ACKED);
	/* A never opened (2 failed attempts), B's first send failed, its second acked */
	assert_int_equal(st.failed, 3);
	assert_int_equal(w->n, 1);
	assert_sent(w, 0, 1, 2);
	assert_int_equal(st.messages, 2);
	assert_int_equal(st.method, 1);
}

/* Forged acks end their counter at once (no retransmission of it) and move
 * on to the next method; they never count. */
static void test_unauthenticated_acks(void **state)
{
	struct world *w = *state;
	struct dcf_stats st;
	uint64_t t0;

	sim_clock(w);
	t0 = hal_clock_mono_ms();
	for (int i = 0; i < LOG_MAX; i++)
		w->script[i] = R_FORGED;
	assert_int_equal(run(w, 2, 300, &st), MAYDAY_EXIT_DCF_NOT_STORED);
	assert_true(hal_clock_mono_ms() - t0 >= 300);
	/* At least one move on and back. */
	assert_true(w->n >= 3);
	for (int i = 0; i < w->n; i++)
		assert_sent(w, i, i % 2, (uint64_t)i + 1);
	/* every forged answer was seen (but the last may come after the deadline) */
	assert_true(st.unauth + 1 >= (uint32_t)w->n && st.unauth <= (uint32_t)w->n);
	/* one counter per send; the deadline may overtake one more message
	 * while its counter is being made durable */
	assert_true(st.messages == (uint32_t)w->n || st.messages == (uint32_t)w->n + 1);
	assert_false(st.acked);
	assert_int_equal(st.fallbacks, 0); /* moving on after a forged ack is not a fallback */
}

static void test_unauthenticated_then_valid(void **state)
{
	struct world *w = *state;
	struct dcf_stats st;

	w->script[0] = R_FORGED;
	w->script[1] = R_ACK;
	assert_int_equal(run(w, 2, 5000, &st), MAYDAY_EXIT_DCF_ACKED);
	assert_int_equal(w->n, 2);
	assert_sent(w, 0, 0, 1);
	assert_sent(w, 1, 1, 2);
	assert_int_equal(st.unauth, 1);
	assert_int_equal(st.ack.counter, 2);
}

/* An ack that fails authentication never reaches the hook, whatever it
 * asks for: no remediation on the word of a forger. */
static void test_hook_never_sees_unauthenticated(void **state)
{
	struct world *w = *state;
	struct dcf_stats st;

	w->remediate = 1;
	w->hooked = 1;
	w->hook_ret = MAYDAY_EXIT_REBOOT;
	for (int i = 0; i < LOG_MAX; i++)
		w->script[i] = R_FORGED;
	assert_int_equal(run(w, 2, 300, &st), MAYDAY_EXIT_DCF_NOT_STORED);
	assert_true(st.unauth >= 1);
	assert_int_equal(w->hook_calls, 0);
}

/* The authenticated ack reaches the hook with the channel closed, and the
 * hook's exit code (a pending image: reboot) ends the procedure. */
static void test_hook_ends_with_its_exit(void **state)
{
	struct world *w = *state;
	struct dcf_stats st;

	w->remediate = 1;
	w->hooked = 1;
	w->hook_ret = MAYDAY_EXIT_REBOOT;
	w->cfg.reannounce_s = 1;
	w->cfg.reannounce_max = 3;
	w->script[0] = R_FORGED;
	w->script[1] = R_ACK;
	assert_int_equal(run(w, 2, 5000, &st), MAYDAY_EXIT_REBOOT);
	assert_int_equal(w->hook_calls, 1);
	assert_int_equal(w->hook_open_channels, 0);
	assert_int_equal(w->hook_ack.counter, 2);
	assert_int_equal(w->hook_ack.action, MAYDAY_ACTION_REMEDIATE);
	assert_string_equal(w->hook_ack.acs_url, ACS_URL);
	assert_int_equal(st.announcements, 1); /* no re-announcement after the reboot */
}

/* A hook that lets the procedure go on is called for every acknowledged
 * re-announcement too (an operator may approve remediation meanwhile). */
static void test_hook_on_every_ack(void **state)
{
	struct world *w = *state;
	struct dcf_stats st;

	w->hooked = 1;
	w->cfg.reannounce_s = 1;
	w->cfg.reannounce_max = 1;
	w->method_reply[0] = R_ACK;
	assert_int_equal(run(w, 1, 5000, &st), MAYDAY_EXIT_DCF_ACKED);
	assert_int_equal(w->hook_calls, 2);
	assert_int_equal(w->hook_ack.action, MAYDAY_ACTION_NONE);
	assert_int_equal(w->hook_ack.counter, 2);
}

/* A transport's own busy signal (HTTP 503 + Retry-After): the same bytes
 * again, no sooner than asked, and it does not count toward the fallback. */
static void test_transport_retry_after(void **state)
{
	struct world *w = *state;
	struct dcf_stats st;

	w->busy_s = 1;
	w->script[0] = R_BUSY;
	w->script[1] = R_BUSY;
	w->script[2] = R_ACK;
	assert_int_equal(run(w, 2, 5000, &st), MAYDAY_EXIT_DCF_ACKED);
	assert_int_equal(w->n, 3);
	for (int i = 0; i < 3; i++)
		assert_sent(w, i, 0, 1);
	assert_true(w->log[1].at_ms - w->log[0].at_ms >= 1000);
	assert_true(w->log[2].at_ms - w->log[1].at_ms >= 1000);
	assert_int_equal(st.retry_after, 2);
	assert_int_equal(st.messages, 1);
	assert_int_equal(st.fallbacks, 0);
}

/* The same from a signed ack. */
static void test_ack_retry_after(void **state)
{
	struct world *w = *state;
	struct dcf_stats st;

	w->script[0] = R_RETRY;
	w->script[1] = R_ACK;
	assert_int_equal(run(w, 2, 5000, &st), MAYDAY_EXIT_DCF_ACKED);
	assert_int_equal(w->n, 2);
	assert_sent(w, 1, 0, 1);
	assert_true(w->log[1].at_ms - w->log[0].at_ms >= 1000);
	assert_int_equal(st.retry_after, 1);
}

static void test_retry_after_beyond_deadline(void **state)
{
	struct world *w = *state;
	struct dcf_stats st;
	uint64_t t0 = hal_clock_mono_ms();

	w->busy_s = 5;
	w->script[0] = R_BUSY;
	assert_int_equal(run(w, 2, 800, &st), MAYDAY_EXIT_DCF_UNACKED);
	assert_int_equal(w->n, 1);
	assert_true(hal_clock_mono_ms() - t0 < 800); /* gave up before the deadline */
}

/* The H(e)MS refuses every counter: each refusal is a failed attempt with a
 * new counter, attempts_per_method (2) of them per method before falling
 * back; the DCF goes on until the deadline and never calls it acknowledged. */
static void test_rejections_fall_back(void **state)
{
	struct world *w = *state;
	struct dcf_stats st;
	uint64_t t0;

	sim_clock(w);
	t0 = hal_clock_mono_ms();
	for (int i = 0; i < LOG_MAX; i++)
		w->script[i] = R_REJECT;
	assert_int_equal(run(w, 2, 300, &st), MAYDAY_EXIT_DCF_NOT_STORED);
	assert_true(hal_clock_mono_ms() - t0 >= 300);
	/* at least one fallback and back */
	assert_true(w->n >= 3);
	for (int i = 0; i < w->n; i++)
		assert_sent(w, i, (i / 2) % 2, (uint64_t)i + 1);
	assert_true(st.fallbacks >= 1);
	assert_true(st.rejected + 1 >= (uint32_t)w->n && st.rejected <= (uint32_t)w->n);
	assert_int_equal(st.ack.status, MAYDAY_ACK_REJECTED); /* what it was told, recorded */
	assert_false(st.acked);
}

/* The H(e)MS stored the indication but could not verify it (one bit of its
 * signature flipped on the path): not acknowledged. The counter ends, the
 * next method carries a new indication, and that one's STORED ends it. */
static void test_unverified_moves_on(void **state)
{
	struct world *w = *state;
	struct dcf_stats st;

	w->hooked = 1;
	w->script[0] = R_UNVERIFIED;
	w->script[1] = R_ACK;
	assert_int_equal(run(w, 2, 5000, &st), MAYDAY_EXIT_DCF_ACKED);
	assert_int_equal(w->n, 2);
	assert_sent(w, 0, 0, 1);
	assert_sent(w, 1, 1, 2);
	assert_int_equal(st.unverified, 1);
	assert_int_equal(st.messages, 2);
	assert_int_equal(st.fallbacks, 0); /* moving on after a verdict is not a fallback */
	assert_int_equal(st.method, 1);
	assert_int_equal(st.ack.counter, 2);
	assert_int_equal(st.ack.status, MAYDAY_ACK_STORED);
	assert_int_equal(w->hook_calls, 1);
	assert_int_equal(w->hook_ack.counter, 2);
}

/* With one method the next attempt is a new indication over the same one. */
static void test_unverified_single_method(void **state)
{
	struct world *w = *state;
	struct dcf_stats st;

	w->script[0] = R_UNVERIFIED;
	w->script[1] = R_UNVERIFIED;
	w->script[2] = R_ACK;
	assert_int_equal(run(w, 1, 5000, &st), MAYDAY_EXIT_DCF_ACKED);
	assert_int_equal(w->n, 3);
	for (int i = 0; i < 3; i++)
		assert_sent(w, i, 0, (uint64_t)i + 1);
	assert_int_equal(st.unverified, 2);
}

/* Only stored-unverified answers, each even asking for remediation: the
 * DCF never stops before the deadline, never remediates, and says so. */
static void test_unverified_only(void **state)
{
	struct world *w = *state;
	struct dcf_stats st;
	uint64_t t0;

	sim_clock(w);
	t0 = hal_clock_mono_ms();
	w->remediate = 1;
	w->hooked = 1;
	w->hook_ret = MAYDAY_EXIT_REBOOT;
	for (int i = 0; i < LOG_MAX; i++)
		w->script[i] = R_UNVERIFIED;
	assert_int_equal(run(w, 2, 300, &st), MAYDAY_EXIT_DCF_NOT_STORED);
	assert_true(hal_clock_mono_ms() - t0 >= 300);
	assert_true(w->n >= 3);
	for (int i = 0; i < w->n; i++)
		assert_sent(w, i, i % 2, (uint64_t)i + 1);
	assert_true(st.unverified + 1 >= (uint32_t)w->n && st.unverified <= (uint32_t)w->n);
	assert_int_equal(st.ack.status, MAYDAY_ACK_STORED_UNVERIFIED);
	assert_false(st.acked);
	assert_int_equal(w->hook_calls, 0);
}

/* A forgery under our counter got its stored-unverified answer first; the
 * genuine STORED for the same counter follows and wins. */
static void test_unverified_then_stored(void **state)
{
	struct world *w = *state;
	struct dcf_stats st;

	w->script[0] = R_UNVERIFIED_THEN_ACK;
	/* Both answers are queued at once; the attempt must still be open when
	 * the first has been checked, however slow the machine (emulated, the
	 * signature checks alone outlast the world's 10 ms). */
	w->cfg.attempt_timeout_ms = 2000;
	assert_int_equal(run(w, 2, 5000, &st), MAYDAY_EXIT_DCF_ACKED);
	assert_int_equal(w->n, 1);
	assert_int_equal(st.messages, 1);
	assert_int_equal(st.unverified, 1);
	assert_int_equal(st.ack.counter, 1);
	assert_int_equal(st.ack.status, MAYDAY_ACK_STORED);
}

static void test_deadline(void **state)
{
	struct world *w = *state;
	struct dcf_stats st;
	uint64_t t0;

	sim_clock(w);
	t0 = hal_clock_mono_ms();
	assert_int_equal(run(w, 3, 200, &st), MAYDAY_EXIT_DCF_UNACKED);
	uint64_t took = hal_clock_mono_ms() - t0;
	assert_true(took >= 200 && took < 1000);
	/* Retransmissions happened. */
	assert_true(w->n >= 3);
	assert_int_equal(st.sends, w->n);
	assert_false(st.acked);
}

/* After the ack, re-announce every reannounce_s, reannounce_max times, each
 * with a new counter and starting with the method that carried the ack. */
static void test_reannounce(void **state)
{
	struct world *w = *state;
	struct dcf_stats st;

	w->cfg.reannounce_s = 1;
	w->cfg.reannounce_max = 2;
	w->open_fail[0] = 2;
	w->method_reply[1] = R_ACK;
	assert_int_equal(run(w, 2, 5000, &st), MAYDAY_EXIT_DCF_ACKED);
	assert_int_equal(st.announcements, 3);
	assert_int_equal(st.acked_announcements, 3);
	assert_int_equal(w->n, 3);
	assert_sent(w, 0, 1, 2);
	assert_sent(w, 1, 1, 3);
	assert_sent(w, 2, 1, 4);
	assert_true(w->log[1].at_ms - w->log[0].at_ms >= 1000);
	assert_true(w->log[2].at_ms - w->log[1].at_ms >= 1000);
	assert_int_equal(st.ack.counter, 4);
}

/* A re-announcement nobody answers does not undo the first ack. */
static void test_reannounce_unanswered(void **state)
{
	struct world *w = *state;
	struct dcf_stats st;

	w->cfg.reannounce_s = 1;
	w->cfg.reannounce_max = 1;
	w->script[0] = R_ACK;
	assert_int_equal(run(w, 1, 100, &st), MAYDAY_EXIT_DCF_ACKED);
	assert_int_equal(st.announcements, 2);
	assert_int_equal(st.acked_announcements, 1);
	assert_true(w->n >= 2);
	assert_int_equal(w->log[w->n - 1].counter, 2);
}


/* The H(e)MS of the simulated-time tests: down until up_at_ms; then, until
 * approved_at_ms, "wait" (approval pending); then "remediate". */
static enum reply hems_by_time(const struct world *w, uint64_t now_ms)
{
	if (now_ms < w->up_at_ms)
		return R_NONE;
	return now_ms < w->approved_at_ms ? R_WAIT : R_REMEDIATE;
}

/* Production retry settings (dcf_config defaults: no deadline, 5-minute
 * cap) and the simulated clock. */
static void simulate(struct world *w)
{
	static const char conf[] =
		"[dcf]\nversion = 0.1.0\nproduct_class = femto-test\nmax_image_size = 1048576\n"
		"[hems]\nmethods = plain-udp\n[udp]\nendpoint = 127.0.0.1:9\n";
	struct dcf_config_error err;

	assert_int_equal(dcf_config_parse(conf, sizeof(conf) - 1, &w->cfg, &err), MAYDAY_OK);
	assert_int_equal(w->cfg.deadline_ms, 0);
	w->sim.wall_base_s = 1796083200; /* 2026-12-01 */
	hal_clock_sim_install(&w->sim);
	w->by_time = hems_by_time;
	w->approved_at_ms = UINT64_MAX;
	w->hooked = 1;
}

/* The H(e)MS is down for an hour after power-on: the DCF keeps trying with
 * capped backoff (no deadline), and is acknowledged within one capped
 * window of the H(e)MS coming back. */
static void test_outage_hour(void **state)
{
	struct world *w = *state;
	struct dcf_stats st;

	simulate(w);
	w->up_at_ms = 3600 * 1000;
	w->approved_at_ms = 0; /* once up, it says remediate */
	w->reboot_on_remediate = 1;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);   /* real time, for the report only */
	assert_int_equal(run(w, 1, 0, &st), MAYDAY_EXIT_REBOOT);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_true(st.acked);
	assert_int_equal(w->hook_ack.action, MAYDAY_ACTION_REMEDIATE);
	const struct sent *last = &w->log[w->n - 1];
	assert_true(last->at_ms >= w->up_at_ms);
	/* Every gap is at most one capped window plus the listening time. */
	uint64_t cap = w->cfg.max_ms + w->cfg.attempt_timeout_ms;
	for (int i = 1; i < w->n; i++)
		assert_true(w->log[i].at_ms - w->log[i - 1].at_ms <= cap);
	assert_true(last->at_ms - w->up_at_ms <= cap);
	/* Backoff, not hammering: an hour at a 5-minute cap is a few dozen sends. */
	assert_true(w->n >= 10 && w->n <= 120);
	/* Retransmissions: one counter for the whole outage. */
	assert_int_equal(last->counter, w->log[0].counter);
	/* Acknowledged: no attempt state is left to resume from. */
	struct dcf_attempt a;
	assert_int_equal(dcf_attempt_load(w->flash, &a), MAYDAY_E_NOTFOUND);
	print_message("outage 1 h: %d sends; H(e)MS back to acknowledged: %.1f s (simulated); "
		      "the cap bounds it at %.1f s; %.0f ms of real time\n", w->n,
		      (double)(last->at_ms - w->up_at_ms) / 1000.0, (double)cap / 1000.0,
		      (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6);
}

/* policy = approve: the acks say "wait 60 s" until an operator approves,
 * ten minutes in; the next announcement gets "remediate", without a reboot. */
static void test_wait_then_approve(void **state)
{
	struct world *w = *state;
	struct dcf_stats st;

	simulate(w);
	w->up_at_ms = 0;
	w->wait_s = 60;
	w->approved_at_ms = 600 * 1000;
	w->reboot_on_remediate = 1;
	assert_int_equal(run(w, 1, 0, &st), MAYDAY_EXIT_REBOOT);
	assert_int_equal(w->hook_ack.action, MAYDAY_ACTION_REMEDIATE);
	assert_string_equal(w->hook_ack.acs_url, ACS_URL);
	/* One send per announcement, each with a new counter, 60..67.5 s apart. */
	assert_true(w->n >= 9 && w->n <= 12);
	for (int i = 1; i < w->n; i++) {
		uint64_t gap = w->log[i].at_ms - w->log[i - 1].at_ms;
		assert_int_equal(w->log[i].counter, w->log[i - 1].counter + 1);
		assert_true(gap >= 60000 && gap <= 60000 + 7500 + w->cfg.attempt_timeout_ms);
	}
	assert_true(w->log[w->n - 1].at_ms >= w->approved_at_ms);
	assert_true(w->log[w->n - 2].at_ms < w->approved_at_ms);
	assert_int_equal(st.announcements, (uint32_t)w->n);
	assert_int_equal(w->hook_calls, w->n);
}

/* The attempt state survives a restart: an unanswered run leaves its
 * backoff step on flash; a run that starts with a record (here: method 1,
 * step 20, and a wait of 100 s still to go) resumes from it, and the ack
 * clears it. */
static void test_resume(void **state)
{
	struct world *w = *state;
	struct dcf_stats st;
	struct dcf_attempt a;

	simulate(w);
	w->by_time = NULL;
	w->hooked = 0;
	/* nobody answers for 10 simulated minutes (a deadline, to end the run) */
	assert_int_equal(run(w, 2, 600 * 1000, &st), MAYDAY_EXIT_DCF_UNACKED);
	assert_int_equal(dcf_attempt_load(w->flash, &a), MAYDAY_OK);
	assert_true(a.step >= 5);
	assert_true(a.counter >= 1 && a.counter <= st.counter);
	/* a power cut later: the record says method 1, step 20, wait 100 s more */
	a.method = 1;
	a.step = 20;
	a.not_before_s = hal_clock_wall_s() + 100;
	assert_int_equal(dcf_attempt_save(w->flash, &a), MAYDAY_OK);
	uint64_t start = hal_clock_mono_ms();
	w->n = 0;
	w->method_reply[1] = R_ACK;
	assert_int_equal(run(w, 2, 0, &st), MAYDAY_EXIT_DCF_ACKED);
	assert_int_equal(w->log[0].method, 1);
	assert_true(w->log[0].at_ms - start >= 100 * 1000);
	assert_true(w->log[0].at_ms - start <= 101 * 1000);
	assert_int_equal(dcf_attempt_load(w->flash, &a), MAYDAY_E_NOTFOUND);
}

/* With no deadline nothing else bounds a server's "retry after": an
 * unsigned one (HTTP 503, which anyone on a plain-HTTP path can forge) is
 * held to the backoff cap, a signed one to wait_max_s. */
static void test_retry_after_bounded(void **state)
{
	struct world *w = *state;
	struct dcf_stats st;

	simulate(w);
	w->by_time = NULL;
	w->hooked = 0;
	w->cfg.max_ms = 2000;
	w->busy_s = 86400;
	w->script[0] = R_BUSY;
	w->script[1] = R_ACK;
	assert_int_equal(run(w, 1, 0, &st), MAYDAY_EXIT_DCF_ACKED);
	assert_int_equal(w->n, 2);
	assert_true(w->log[1].at_ms - w->log[0].at_ms <= 2000 + 2000 + w->cfg.attempt_timeout_ms);
}

/* "Stand down" ends the procedure with its own exit code, at once. */
static void test_stand_down(void **state)
{
	struct world *w = *state;
	struct dcf_stats st;

	simulate(w);
	w->by_time = NULL;
	w->script[0] = R_STAND_DOWN;
	assert_int_equal(run(w, 1, 0, &st), MAYDAY_EXIT_DCF_STAND_DOWN);
	assert_int_equal(w->n, 1);
	assert_int_equal(st.ack.action, MAYDAY_ACTION_STAND_DOWN);
	assert_int_equal(w->hook_calls, 0);
}

/* A wait longer than wait_max_s is cut to it. */
static void test_wait_bounded(void **state)
{
	struct world *w = *state;
	struct dcf_stats st;

	simulate(w);
	w->by_time = NULL;
	w->cfg.wait_max_s = 120;
	w->wait_s = 86400;
	w->script[0] = R_WAIT;
	w->script[1] = R_STAND_DOWN;
	assert_int_equal(run(w, 1, 0, &st), MAYDAY_EXIT_DCF_STAND_DOWN);
	assert_int_equal(w->n, 2);
	uint64_t gap = w->log[1].at_ms - w->log[0].at_ms;
	assert_true(gap >= 120000 && gap <= 135000 + w->cfg.attempt_timeout_ms);
	assert_int_equal(w->log[1].counter, w->log[0].counter + 1);
}

static void test_rot_failure(void **state)
{
	struct world *w = *state;
	struct dcf_stats st;
	static const uint8_t junk[32] = { 'x' };

	assert_int_equal(hal_flash_write_atomic(w->flash, HAL_PART_ROT, "counters", junk,
						sizeof(junk)), MAYDAY_OK);
	assert_int_equal(run(w, 2, 1000, &st), MAYDAY_EXIT_DCF_CONFIG);
	assert_int_equal(w->n, 0);
	assert_int_equal(st.messages, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_fallback_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_configured_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_single_method_keeps_counter, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failures_fall_back, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unauthenticated_acks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unauthenticated_then_valid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hook_never_sees_unauthenticated, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hook_ends_with_its_exit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hook_on_every_ack, setup, teardown),
		cmocka_unit_test_setup_teardown(test_transport_retry_after, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ack_retry_after, setup, teardown),
		cmocka_unit_test_setup_teardown(test_retry_after_beyond_deadline, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rejections_fall_back, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unverified_moves_on, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unverified_single_method, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unverified_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unverified_then_stored, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deadline, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reannounce, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reannounce_unanswered, setup, teardown),
		cmocka_unit_test_setup_teardown(test_outage_hour, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wait_then_approve, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stand_down, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resume, setup, teardown),
		cmocka_unit_test_setup_teardown(test_retry_after_bounded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wait_bounded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rot_failure, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

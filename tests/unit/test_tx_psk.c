/* SPDX-License-Identifier: Apache-2.0 */
/*
 * "psk" against an in-test H(e)MS on 127.0.0.1 (a UDP responder thread that
 * holds the device's PSK, opens each request, verifies the signed
 * indication inside and answers with a sealed, signed acknowledgement, as
 * scripted): acknowledged; nothing opens with a wrong PSK; answers that do
 * not open (noise, another counter, another key, oversized) are dropped
 * while the wait goes on; a sealed ack signed by the wrong key is still
 * only unauthenticated; retransmissions are the identical datagram; a
 * second plaintext under a counter is refused; and no datagram on the wire
 * carries the device ID. The responder records every datagram's raw bytes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dcf_ack.h"
#include "dcf_session.h"
#include "exit_codes.h"
#include "hal/rot.h"
#include "mayday/indication.h"
#include "mayday/keys.h"
#include "mayday/psk.h"
#include "test_dcf_txfx.h"

#define REC_MAX    16
#define INCIDENT   7

enum answer {
	A_ACK,        /* the signed ack, sealed for the request's counter */
	A_SILENT,     /* opens and verifies, never answers */
	A_NOISE,      /* four answers that must not open, then A_ACK */
	A_UNOPENABLE, /* only the four that must not open */
	A_FORGED      /* sealed correctly, but the ack is signed by another key */
};

struct responder {
	/* set before responder_start */
	struct mayday_psk_keys keys;   /* what the responder opens with */
	EVP_PKEY *device_pub, *hems, *forger;
	enum answer answer;
	int drop_first;                /* datagrams recorded but not processed */
	/* what it saw; read after responder_stop */
	int n;
	uint8_t dgram[REC_MAX][MAYDAY_PSK_DATAGRAM_MAX + 1];
	size_t len[REC_MAX];
	int opened, not_opened, verified;
	uint64_t counter;              /* of the last request opened */
	uint32_t transport;            /* its indication's transport claim */
	uint8_t plain[MAYDAY_INDICATION_MAX]; /* the last indication opened */
	size_t plain_len;
	int errors;                    /* the responder's own failures (no asserts in it) */
	/* private */
	uint8_t buf[MAYDAY_PSK_DATAGRAM_MAX + 1];
	uint8_t big[MAYDAY_PSK_DATAGRAM_MAX + 100];
	uint16_t port;
	int fd;
	volatile int stop;
	pthread_t thread;
};

struct fx {
	struct txfx *tx;
	uint8_t psk[MAYDAY_PSK_LEN];
	uint8_t kid[MAYDAY_PSK_KID_GEN];
	struct responder *r;
};

/* The responder runs in its own thread, so it counts failures in r->errors
 * (checked after responder_stop) instead of asserting. */
static void seal_ack(struct responder *r, const struct mayday_psk_keys *keys, uint64_t counter,
		     EVP_PKEY *signer_key, uint8_t *out, size_t *out_len)
{
	struct mayday_ack ack = { .counter = counter, .incident_id = INCIDENT,
				  .status = MAYDAY_ACK_STORED, .action = MAYDAY_ACTION_NONE };
	struct mayday_signer signer;
	uint8_t signed_ack[MAYDAY_ACK_MAX];
	size_t len = 0;

	*out_len = 0;
	strcpy(ack.device_id, TXFX_DEVICE_ID);
	if (mayday_signer_from_pkey(&signer, signer_key, NULL, 0) != MAYDAY_OK ||
	    mayday_ack_sign(&ack, &signer, signed_ack, sizeof(signed_ack), &len) != MAYDAY_OK ||
	    mayday_psk_seal_response(keys, counter, signed_ack, len, out, MAYDAY_PSK_DATAGRAM_MAX,
				     out_len) != MAYDAY_OK)
		r->errors++;
}

static void answer_to(struct responder *r, const struct sockaddr_in *to, const void *buf,
		      size_t len)
{
	ssize_t n = sendto(r->fd, buf, len, 0, (const struct sockaddr *)to, sizeof(*to));

	if (len == 0 || n != (ssize_t)len)
		r->errors++;
}

/* Answers that must not open for `counter` under the device's keys. */
static void send_unopenable(struct responder *r, const struct sockaddr_in *to, uint64_t counter)
{
	uint8_t out[MAYDAY_PSK_DATAGRAM_MAX];
	uint8_t other_psk[MAYDAY_PSK_LEN], other_kid[MAYDAY_PSK_KID_GEN];
	struct mayday_psk_keys other;
	size_t len = 0;

	answer_to(r, to, "not a COSE_Encrypt0 at all", 26);
	seal_ack(r, &r->keys, counter + 1, r->hems, out, &len);    /* another counter */
	answer_to(r, to, out, len);
	if (mayday_psk_generate(other_psk, other_kid) != MAYDAY_OK ||
	    mayday_psk_derive(other_psk, sizeof(other_psk), r->keys.kid, r->keys.kid_len,
			      &other) != MAYDAY_OK) {
		r->errors++;
		return;
	}
	seal_ack(r, &other, counter, r->hems, out, &len);          /* another PSK */
	answer_to(r, to, out, len);
	mayday_psk_keys_wipe(&other);
	memset(r->big, 0xd0, sizeof(r->big));
	answer_to(r, to, r->big, sizeof(r->big));                  /* oversized */
}

static void handle(struct responder *r, const uint8_t *dgram, size_t len,
		   const struct sockaddr_in *from)
{
	struct mayday_psk_header hdr;
	struct mayday_cose_sign1 sign1;
	struct mayday_indication ind;
	struct mayday_diag diag;
	uint8_t out[MAYDAY_PSK_DATAGRAM_MAX];
	size_t out_len = 0;

	if (mayday_psk_open_request(&r->keys, dgram, len, &hdr, r->plain, sizeof(r->plain),
				    &r->plain_len, &diag) != MAYDAY_OK) {
		r->not_opened++;
		return;
	}
	r->opened++;
	r->counter = hdr.counter;
	if (mayday_indication_open(r->plain, r->plain_len, &sign1, &ind, &diag) != MAYDAY_OK ||
	    mayday_cose_sign1_verify(&sign1, r->device_pub) != MAYDAY_OK ||
	    ind.counter != hdr.counter || strcmp(ind.device_id, TXFX_DEVICE_ID) != 0)
		return;
	r->verified++;
	r->transport = ind.transport;
	switch (r->answer) {
	case A_SILENT:
		return;
	case A_NOISE:
	case A_UNOPENABLE:
		send_unopenable(r, from, hdr.counter);
		if (r->answer == A_UNOPENABLE)
			return;
		break;
	case A_ACK:
	case A_FORGED:
		break;
	}
	seal_ack(r, &r->keys, hdr.counter, r->answer == A_FORGED ? r->forger : r->hems, out,
		 &out_len);
	answer_to(r, from, out, out_len);
}

static void *responder_main(void *arg)
{
	struct responder *r = arg;
	uint8_t *buf = r->buf;

	for (;;) {
		struct pollfd pfd = { .fd = r->fd, .events = POLLIN };
		struct sockaddr_in from;
		socklen_t from_len = sizeof(from);
		/* Once stopped, what is queued is still taken (every datagram
		 * of the session was sent before responder_stop): a slow
		 * machine must not make the counts below short. */
		int stopping = r->stop;

		if (poll(&pfd, 1, stopping ? 0 : 20) <= 0) {
			if (stopping)
				break;
			continue;
		}
		ssize_t n = recvfrom(r->fd, buf, sizeof(r->buf), 0, (struct sockaddr *)&from,
				     &from_len);
		if (n < 0)
			continue;
		if (r->n < REC_MAX) {
			memcpy(r->dgram[r->n], buf, (size_t)n);
			r->len[r->n] = (size_t)n;
		}
		r->n++;
		if (r->drop_first > 0) {
			r->drop_first--;
			continue;
		}
		handle(r, buf, (size_t)n, &from);
	}
	return NULL;
}

static void responder_start(struct responder *r)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof(sin);

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	r->fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(r->fd >= 0);
	assert_int_equal(bind(r->fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(getsockname(r->fd, (struct sockaddr *)&sin, &len), 0);
	r->port = ntohs(sin.sin_port);
	assert_int_equal(pthread_create(&r->thread, NULL, responder_main, r), 0);
}

/* After a grace period, so what is still on loopback gets read and recorded. */
static void responder_stop(struct responder *r)
{
	poll(NULL, 0, 60);
	r->stop = 1;
	assert_int_equal(pthread_join(r->thread, NULL), 0);
	close(r->fd);
	assert_int_equal(r->errors, 0);
}

static int contains(const uint8_t *hay, size_t hay_len, const void *needle, size_t n)
{
	return memmem(hay, hay_len, needle, n) != NULL;
}

/* Nothing on the wire names the device; the kid, sent in clear, shows the
 * capture would see plaintext if there were any. */
static void expect_capture_anonymous(const struct fx *f)
{
	const struct responder *r = f->r;

	assert_true(r->n > 0);
	for (int i = 0; i < r->n && i < REC_MAX; i++) {
		assert_false(contains(r->dgram[i], r->len[i], TXFX_DEVICE_ID,
				      strlen(TXFX_DEVICE_ID)));
		assert_true(contains(r->dgram[i], r->len[i], f->kid, sizeof(f->kid)));
	}
}

/* A device whose RoT holds a fresh PSK, and a responder that knows it (or,
 * with wrong_psk, another PSK under the same kid). Not started. */
static struct fx *fx_new(int with_psk, int wrong_psk)
{
	struct fx *f = calloc(1, sizeof(*f));
	uint8_t psk[MAYDAY_PSK_LEN], kid[MAYDAY_PSK_KID_GEN];

	assert_non_null(f);
	f->tx = txfx_new();
	f->r = calloc(1, sizeof(*f->r));
	assert_non_null(f->r);
	assert_int_equal(mayday_psk_generate(f->psk, f->kid), MAYDAY_OK);
	if (with_psk) {
		assert_int_equal(hal_rot_file_provision_psk(f->tx->flash, f->psk, f->kid,
							    sizeof(f->kid)), MAYDAY_OK);
		hal_rot_close(f->tx->rot);
		assert_int_equal(hal_rot_open(&f->tx->rot, "file", f->tx->flash), MAYDAY_OK);
		f->tx->env.rot = f->tx->rot;
	}
	memcpy(psk, f->psk, sizeof(psk));
	memcpy(kid, f->kid, sizeof(kid));
	if (wrong_psk)
		psk[5] ^= 0x80;
	assert_int_equal(mayday_psk_derive(psk, sizeof(psk), kid, sizeof(kid), &f->r->keys),
			 MAYDAY_OK);
	f->r->device_pub = f->tx->device;
	f->r->hems = f->tx->hems;
	assert_int_equal(mayday_key_generate(&f->r->forger), MAYDAY_OK);
	return f;
}

static void fx_config(struct fx *f, uint32_t attempt_ms, uint32_t deadline_ms)
{
	txfx_config(f->tx,
		    "[dcf]\nversion = 0.1.0\nproduct_class = femto-a\nmax_image_size = 1\n"
		    "[hems]\nmethods = psk\n[psk]\nendpoint = 127.0.0.1:%u\n"
		    "[retry]\ninitial_ms = 5\nmax_ms = 20\nattempt_timeout_ms = %u\n"
		    "deadline_ms = %u\nattempts_per_method = 10\n",
		    (unsigned)f->r->port, (unsigned)attempt_ms, (unsigned)deadline_ms);
}

static void fx_free(struct fx *f)
{
	mayday_psk_keys_wipe(&f->r->keys);
	EVP_PKEY_free(f->r->forger);
	free(f->r);
	txfx_free(f->tx);
	free(f);
}

/* The whole procedure over "psk" only. */
static int run_session(struct fx *f, struct dcf_stats *stats)
{
	const struct dcf_tx_ops *methods[1] = { dcf_tx_find("psk") };
	struct mayday_signer signer;
	struct mayday_evidence ev = { .reason = MAYDAY_REASON_COMPONENT_MISMATCH };
	EVP_PKEY *hems = NULL;

	assert_non_null(methods[0]);
	assert_int_equal(hal_rot_signer(f->tx->rot, &signer), MAYDAY_OK);
	assert_int_equal(hal_rot_anchor(f->tx->rot, HAL_ROT_ANCHOR_HEMS, &hems), MAYDAY_OK);
	struct dcf_session s = {
		.env = &f->tx->env,
		.methods = methods,
		.n_methods = 1,
		.signer = &signer,
		.hems_pub = hems,
		.device_id = TXFX_DEVICE_ID,
		.ev = &ev,
		.free_space = 1,
		.deadline_ms = f->tx->cfg.deadline_ms,
	};
	int rc = dcf_session_run(&s, stats);
	EVP_PKEY_free(hems);
	return rc;
}

/* Open, send counter `counter`, wait up to wait_ms for an answer, classify it. */
static int exchange(struct fx *f, uint64_t counter, uint32_t wait_ms, struct mayday_ack *ack)
{
	const struct dcf_tx_ops *ops = dcf_tx_find("psk");
	uint8_t msg[MAYDAY_INDICATION_MAX], ans[MAYDAY_ACK_MAX];
	size_t len, ans_len = 0;
	void *st = NULL;
	EVP_PKEY *hems = NULL;
	int verdict = -1;

	len = txfx_indication(f->tx, MAYDAY_TRANSPORT_PSK, counter, msg, sizeof(msg));
	assert_int_equal(ops->open(&f->tx->env, &st), MAYDAY_OK);
	assert_int_equal(ops->send(st, msg, len), MAYDAY_OK);
	enum mayday_err rc = ops->recv(st, ans, sizeof(ans), &ans_len, wait_ms);
	if (rc == MAYDAY_OK) {
		struct mayday_diag diag;
		enum mayday_err why;
		assert_int_equal(hal_rot_anchor(f->tx->rot, HAL_ROT_ANCHOR_HEMS, &hems), MAYDAY_OK);
		verdict = (int)dcf_ack_check(ans, ans_len, hems, TXFX_DEVICE_ID, counter, ack, &why,
					     &diag);
		EVP_PKEY_free(hems);
	} else {
		assert_int_equal(rc, MAYDAY_E_TIMEOUT);
	}
	ops->close(st);
	return verdict;
}

static void test_table_and_config(void **state)
{
	const struct dcf_tx_ops *ops = dcf_tx_find("psk");
	struct fx *f = fx_new(1, 0);
	(void)state;

	assert_non_null(ops);
	assert_string_equal(ops->name, "psk");
	assert_int_equal(ops->transport, MAYDAY_TRANSPORT_PSK);
	f->r->port = 7702;
	fx_config(f, 100, 1000);
	assert_true(ops->configured(&f->tx->cfg));
	f->tx->cfg.psk_endpoint.set = 0;
	assert_false(ops->configured(&f->tx->cfg));
	fx_free(f);
}

/* One exchange: the responder opens and verifies, the device opens the
 * sealed answer and it is the valid ack for its counter. */
static void test_acked(void **state)
{
	struct fx *f = fx_new(1, 0);
	struct mayday_ack ack;
	(void)state;

	responder_start(f->r);
	fx_config(f, 100, 1000);
	assert_int_equal(exchange(f, 42, 2000, &ack), DCF_ACK_VALID);
	responder_stop(f->r);
	assert_int_equal(ack.counter, 42);
	assert_int_equal(ack.incident_id, INCIDENT);
	assert_int_equal(f->r->n, 1);
	assert_int_equal(f->r->opened, 1);
	assert_int_equal(f->r->verified, 1);
	assert_int_equal(f->r->counter, 42);
	/* The device ID is inside (the signed indication's kid and claim)... */
	assert_true(contains(f->r->plain, f->r->plain_len, TXFX_DEVICE_ID,
			     strlen(TXFX_DEVICE_ID)));
	/* ...and nowhere on the wire. */
	expect_capture_anonymous(f);
	fx_free(f);
}

/* Four answers that do not open, then the real one: the wait goes on past
 * the first four and delivers only the last. */
static void test_unopenable_answers_ignored(void **state)
{
	struct fx *f = fx_new(1, 0);
	struct mayday_ack ack;
	(void)state;

	f->r->answer = A_NOISE;
	responder_start(f->r);
	fx_config(f, 100, 1000);
	assert_int_equal(exchange(f, 3, 2000, &ack), DCF_ACK_VALID);
	assert_int_equal(ack.counter, 3);
	/* Only the four: recv times out instead of handing any of them up. */
	f->r->answer = A_UNOPENABLE;
	assert_int_equal(exchange(f, 4, 300, &ack), -1);
	responder_stop(f->r);
	assert_int_equal(f->r->verified, 2);
	fx_free(f);
}

/* The whole session: acknowledged, one indication claiming transport psk. */
static void test_session_acked(void **state)
{
	struct fx *f = fx_new(1, 0);
	struct dcf_stats stats;
	(void)state;

	responder_start(f->r);
	fx_config(f, 200, 3000);
	assert_int_equal(run_session(f, &stats), MAYDAY_EXIT_DCF_ACKED);
	responder_stop(f->r);
	assert_true(stats.acked);
	assert_int_equal(stats.ack.incident_id, INCIDENT);
	assert_int_equal(stats.messages, 1);
	assert_int_equal(f->r->verified, 1);
	assert_int_equal(f->r->transport, MAYDAY_TRANSPORT_PSK);
	assert_int_equal(f->r->counter, stats.counter);
	expect_capture_anonymous(f);
	fx_free(f);
}

/* The first two datagrams are lost: the third is the identical datagram,
 * and it is acknowledged. Whether a fourth goes out before that answer is
 * back is the machine's speed, not the protocol's (the responder opens and
 * verifies, then seals its answer, inside the 100 ms attempt: under qemu-arm
 * on a busy machine it may not), so sends are counted from three up, every
 * one of them the same datagram. */
static void test_retransmission_identical(void **state)
{
	struct fx *f = fx_new(1, 0);
	struct dcf_stats stats;
	(void)state;

	f->r->drop_first = 2;
	responder_start(f->r);
	fx_config(f, 100, 5000);
	assert_int_equal(run_session(f, &stats), MAYDAY_EXIT_DCF_ACKED);
	responder_stop(f->r);
	assert_int_equal(stats.messages, 1);
	assert_true(stats.sends >= 3 && stats.sends <= REC_MAX);
	assert_int_equal(f->r->n, stats.sends);
	for (int i = 1; i < f->r->n; i++) {
		assert_int_equal(f->r->len[i], f->r->len[0]);
		assert_memory_equal(f->r->dgram[i], f->r->dgram[0], f->r->len[0]);
	}
	/* each datagram after the two dropped was opened */
	assert_int_equal(f->r->opened, f->r->n - 2);
	expect_capture_anonymous(f);
	fx_free(f);
}

/* The responder has another PSK under the same kid: nothing opens, nothing
 * is answered, the deadline passes. */
static void test_wrong_psk_unacked(void **state)
{
	struct fx *f = fx_new(1, 1);
	struct dcf_stats stats;
	(void)state;

	responder_start(f->r);
	fx_config(f, 100, 700);
	assert_int_equal(run_session(f, &stats), MAYDAY_EXIT_DCF_UNACKED);
	responder_stop(f->r);
	assert_false(stats.acked);
	assert_true(stats.sends >= 2);
	assert_int_equal(f->r->n, (int)stats.sends);
	assert_int_equal(f->r->opened, 0);
	assert_int_equal(f->r->not_opened, f->r->n);
	expect_capture_anonymous(f);
	fx_free(f);
}

/* Only answers that do not open: the session never even sees them (no
 * ignored, no unauthenticated acks) and ends unacknowledged. */
static void test_unopenable_only_unacked(void **state)
{
	struct fx *f = fx_new(1, 0);
	struct dcf_stats stats;
	(void)state;

	f->r->answer = A_UNOPENABLE;
	responder_start(f->r);
	fx_config(f, 100, 700);
	assert_int_equal(run_session(f, &stats), MAYDAY_EXIT_DCF_UNACKED);
	responder_stop(f->r);
	assert_true(f->r->verified >= 2);
	assert_int_equal(stats.ignored, 0);
	assert_int_equal(stats.unauth, 0);
	fx_free(f);
}

/* Sealed with the right PSK but signed by another key: the seal gives no
 * authority; the session's ack check calls it unauthenticated. */
static void test_forged_inner_ack(void **state)
{
	struct fx *f = fx_new(1, 0);
	struct dcf_stats stats;
	(void)state;

	f->r->answer = A_FORGED;
	responder_start(f->r);
	fx_config(f, 100, 700);
	assert_int_equal(run_session(f, &stats), MAYDAY_EXIT_DCF_NOT_STORED);
	responder_stop(f->r);
	assert_false(stats.acked);
	assert_true(stats.unauth >= 1);
	fx_free(f);
}

/* A counter seals one plaintext: the same message again is the same
 * datagram, a different message under it (or an older counter) is refused
 * before anything is sent. */
static void test_one_plaintext_per_counter(void **state)
{
	const struct dcf_tx_ops *ops = dcf_tx_find("psk");
	struct fx *f = fx_new(1, 0);
	uint8_t a[MAYDAY_INDICATION_MAX], b[MAYDAY_INDICATION_MAX], c[MAYDAY_INDICATION_MAX];
	size_t a_len, b_len, c_len;
	void *st = NULL;
	(void)state;

	f->r->answer = A_SILENT;
	responder_start(f->r);
	fx_config(f, 100, 1000);
	a_len = txfx_indication(f->tx, MAYDAY_TRANSPORT_PSK, 5, a, sizeof(a));
	/* Counter 5 again, other bytes (ES256 signatures are randomized). */
	b_len = txfx_indication(f->tx, MAYDAY_TRANSPORT_PSK, 5, b, sizeof(b));
	assert_false(a_len == b_len && memcmp(a, b, a_len) == 0);
	c_len = txfx_indication(f->tx, MAYDAY_TRANSPORT_PSK, 4, c, sizeof(c));
	assert_int_equal(ops->open(&f->tx->env, &st), MAYDAY_OK);
	assert_int_equal(ops->send(st, a, a_len), MAYDAY_OK);
	assert_int_equal(ops->send(st, b, b_len), MAYDAY_E_INVALID);
	assert_int_equal(ops->send(st, c, c_len), MAYDAY_E_INVALID);
	assert_int_equal(ops->send(st, (const uint8_t *)"junk", 4), MAYDAY_E_INVALID);
	assert_int_equal(ops->send(st, a, a_len), MAYDAY_OK);
	c_len = txfx_indication(f->tx, MAYDAY_TRANSPORT_PSK, 6, c, sizeof(c));
	assert_int_equal(ops->send(st, c, c_len), MAYDAY_OK);
	/* Every datagram is on its way before the responder stops. */
	uint8_t ans[MAYDAY_ACK_MAX];
	size_t ans_len;
	assert_int_equal(ops->recv(st, ans, sizeof(ans), &ans_len, 200), MAYDAY_E_TIMEOUT);
	ops->close(st);
	responder_stop(f->r);
	assert_int_equal(f->r->n, 3);
	assert_int_equal(f->r->len[1], f->r->len[0]);
	assert_memory_equal(f->r->dgram[1], f->r->dgram[0], f->r->len[0]);
	assert_int_equal(f->r->verified, 3);
	assert_int_equal(f->r->counter, 6);
	fx_free(f);
}

/* A RoT provisioned without a PSK: the method cannot open. */
static void test_no_psk_in_rot(void **state)
{
	const struct dcf_tx_ops *ops = dcf_tx_find("psk");
	struct fx *f = fx_new(0, 0);
	void *st = (void *)1;
	(void)state;

	f->r->port = 7702;
	fx_config(f, 100, 1000);
	assert_int_equal(ops->open(&f->tx->env, &st), MAYDAY_E_NOTFOUND);
	fx_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_and_config),
		cmocka_unit_test(test_acked),
		cmocka_unit_test(test_unopenable_answers_ignored),
		cmocka_unit_test(test_session_acked),
		cmocka_unit_test(test_retransmission_identical),
		cmocka_unit_test(test_wrong_psk_unacked),
		cmocka_unit_test(test_unopenable_only_unacked),
		cmocka_unit_test(test_forged_inner_ack),
		cmocka_unit_test(test_one_plaintext_per_counter),
		cmocka_unit_test(test_no_psk_in_rot),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

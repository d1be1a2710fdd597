/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mayday-dcf end to end, in-process: a device provisioned through the HAL
 * in a temporary directory, dcf_run() against a small UDP responder thread
 * on 127.0.0.1 that verifies each indication with the device's public key,
 * reads the RoT counter from disk, and answers as told (signed ack, silence,
 * forged ack, stored-unverified, retry-after, rejection, junk).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <ftw.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "dcf_run.h"
#include "exit_codes.h"
#include "hal/clock.h"
#include "hal/flash.h"
#include "hal/rot.h"
#include "mayday/keys.h"

#define DEVICE_ID "femto-e2e-1"
#define RX_MAX    32

enum reply {
	REPLY_ACK,          /* signed by the H(e)MS key */
	REPLY_NONE,         /* drop */
	REPLY_FORGED,       /* signed by a key the device does not trust */
	REPLY_RETRY_AFTER,  /* signed, action RETRY_AFTER, retry_after 1 s */
	REPLY_REJECT,       /* signed, status REJECTED */
	REPLY_UNVERIFIED,   /* signed, status STORED_UNVERIFIED (as for a bit-flipped copy) */
	REPLY_OLD_COUNTER,  /* signed, but for counter - 1 */
	REPLY_JUNK          /* not CBOR at all, and an oversized datagram */
};

struct responder {
	int fd;
	uint16_t port;
	pthread_t thread;
	volatile int stop;
	EVP_PKEY *hems, *forger, *device_pub;
	const char *device_dir;
	enum reply script[RX_MAX];   /* reply to datagram i (REPLY_ACK = 0 by default) */
	uint64_t reject_counter;     /* REPLY_REJECT to every datagram with this counter (0: none) */
	/* what it saw */
	int n;
	uint8_t rx[RX_MAX][MAYDAY_INDICATION_MAX];
	size_t rx_len[RX_MAX];
	uint64_t rx_ms[RX_MAX];      /* kernel arrival time (SIOCGSTAMP), wall-clock ms */
	uint64_t retry_tx_ms;        /* when the RETRY_AFTER answer left, wall-clock ms */
	uint64_t quiet_until_ms;     /* no answers before this (the retry-after period) */
	int quiet_rx;                /* datagrams that arrived during it */
	int verified[RX_MAX];
	uint64_t counter[RX_MAX];
	uint64_t disk_counter[RX_MAX];
	uint32_t reason[RX_MAX];
	uint32_t transport[RX_MAX];
	char device_id[RX_MAX][MAYDAY_DEVICE_ID_MAX + 1];
};

struct fx {
	char dir[256];
	EVP_PKEY *device, *vendor, *hems, *forger;
	struct responder r;
};

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static uint64_t wall_ms(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (uint64_t)tv.tv_sec * 1000 + (uint64_t)tv.tv_usec / 1000;
}

/* When the last datagram read from fd reached the socket: the kernel's
 * stamp, so a responder thread that was descheduled does not see two
 * retransmissions as simultaneous. */
static uint64_t arrival_ms(int fd)
{
	struct timeval tv;

	if (ioctl(fd, SIOCGSTAMP, &tv) != 0)
		return wall_ms();
	return (uint64_t)tv.tv_sec * 1000 + (uint64_t)tv.tv_usec / 1000;
}

static uint64_t disk_counter(const char *dir)
{
	struct hal_flash *f = NULL;
	struct hal_rot *rot = NULL;
	uint64_t v = UINT64_MAX;

	if (hal_flash_open(&f, dir, "host") == MAYDAY_OK && hal_rot_open(&rot, "file", f) == MAYDAY_OK &&
	    hal_rot_counter_read(rot, HAL_ROT_COUNTER_MESSAGE, &v) != MAYDAY_OK)
		v = UINT64_MAX;
	hal_rot_close(rot);
	hal_flash_close(f);
	return v;
}

static void reply(struct responder *r, enum reply how, const struct mayday_indication *ind,
		  const struct sockaddr_in *peer)
{
	struct mayday_ack ack = { .counter = ind->counter, .incident_id = 4242,
				  .status = MAYDAY_ACK_STORED, .action = MAYDAY_ACTION_NONE };
	struct mayday_signer signer;
	uint8_t out[MAYDAY_INDICATION_MAX + 64];
	size_t len = 0;
	EVP_PKEY *key = r->hems;

	memcpy(ack.device_id, ind->device_id, sizeof(ack.device_id));
	switch (how) {
	case REPLY_NONE:
		return;
	case REPLY_FORGED:
		key = r->forger;
		break;
	case REPLY_RETRY_AFTER:
		ack.status = MAYDAY_ACK_REJECTED;
		ack.action = MAYDAY_ACTION_RETRY_AFTER;
		ack.retry_after = 1;
		break;
	case REPLY_REJECT:
		ack.status = MAYDAY_ACK_REJECTED;
		break;
	case REPLY_UNVERIFIED:
		ack.status = MAYDAY_ACK_STORED_UNVERIFIED;
		ack.incident_id = 0;
		break;
	case REPLY_OLD_COUNTER:
		ack.counter = ind->counter - 1;
		break;
	case REPLY_JUNK:
		memset(out, 0xff, sizeof(out));
		sendto(r->fd, out, 17, 0, (const struct sockaddr *)peer, sizeof(*peer));
		sendto(r->fd, out, sizeof(out), 0, (const struct sockaddr *)peer, sizeof(*peer));
		return;
	case REPLY_ACK:
		break;
	}
	if (mayday_signer_from_pkey(&signer, key, NULL, 0) != MAYDAY_OK ||
	    mayday_ack_sign(&ack, &signer, out, sizeof(out), &len) != MAYDAY_OK)
		return; /* the main thread sees no ack and fails */
	sendto(r->fd, out, len, 0, (const struct sockaddr *)peer, sizeof(*peer));
}

static void *responder_main(void *arg)
{
	struct responder *r = arg;
	uint8_t buf[MAYDAY_INDICATION_MAX];

	while (!r->stop) {
		struct pollfd pfd = { .fd = r->fd, .events = POLLIN };
		if (poll(&pfd, 1, 20) <= 0)
			continue;
		struct sockaddr_in peer;
		socklen_t plen = sizeof(peer);
		ssize_t n = recvfrom(r->fd, buf, sizeof(buf), 0, (struct sockaddr *)&peer, &plen);
		if (n <= 0 || r->n == RX_MAX)
			continue;
		int i = r->n;
		struct mayday_cose_sign1 msg;
		struct mayday_indication ind;
		struct mayday_diag diag;
		memcpy(r->rx[i], buf, (size_t)n);
		r->rx_len[i] = (size_t)n;
		r->rx_ms[i] = arrival_ms(r->fd);
		r->disk_counter[i] = disk_counter(r->device_dir);
		r->verified[i] = mayday_indication_open(buf, (size_t)n, &msg, &ind, &diag) == MAYDAY_OK &&
				 mayday_cose_sign1_verify(&msg, r->device_pub) == MAYDAY_OK;
		if (r->verified[i]) {
			r->counter[i] = ind.counter;
			r->reason[i] = ind.evidence.reason;
			r->transport[i] = ind.transport;
			memcpy(r->device_id[i], ind.device_id, sizeof(r->device_id[i]));
		}
		r->n = i + 1;
		if (!r->verified[i])
			continue;
		enum reply how = r->script[i];
		if (r->reject_counter && ind.counter == r->reject_counter)
			how = REPLY_REJECT;
		if (r->rx_ms[i] < r->quiet_until_ms) {
			r->quiet_rx++;
			how = REPLY_NONE;
		}
		reply(r, how, &ind, &peer);
		if (how == REPLY_RETRY_AFTER) {
			r->retry_tx_ms = wall_ms();
			r->quiet_until_ms = r->retry_tx_ms + 1000;
		}
	}
	return NULL;
}

static void write_conf(const struct fx *fx, struct hal_flash *f, unsigned port)
{
	char conf[1024];
	int n = snprintf(conf, sizeof(conf),
			 "[dcf]\nversion = 0.1.0\nproduct_class = femto-test\nmax_image_size = 1048576\n"
			 "[hems]\nmethods = plain-udp\n[udp]\nendpoint = 127.0.0.1:%u\n"
			 "[retry]\ninitial_ms = 40\nmax_ms = 160\nattempt_timeout_ms = 200\n"
			 "deadline_ms = 8000\n", port);
	(void)fx;
	assert_int_equal(hal_flash_write_atomic(f, HAL_PART_DCF, "dcf.conf", conf, (size_t)n),
			 MAYDAY_OK);
}

static void write_evidence(struct hal_flash *f)
{
	struct mayday_evidence ev = { .reason = MAYDAY_REASON_COMPONENT_MISMATCH, .n_failed = 1 };
	uint8_t buf[MAYDAY_EVIDENCE_MAX];
	size_t len = 0;

	strcpy(ev.image_version, "1.0.0");
	strcpy(ev.failed[0].name, "comp-0.bin");
	ev.failed[0].flags = MAYDAY_COMP_DIGEST_MISMATCH;
	ev.failed[0].expected_size = ev.failed[0].measured_size = 4096;
	memset(ev.failed[0].measured, 0x11, MAYDAY_DIGEST_LEN);
	assert_int_equal(mayday_evidence_encode(&ev, buf, sizeof(buf), &len), MAYDAY_OK);
	assert_int_equal(hal_flash_write_atomic(f, HAL_PART_RUN, "evidence.cbor", buf, len),
			 MAYDAY_OK);
}

static int setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));
	const char *tmp = getenv("TMPDIR");
	struct hal_flash *f = NULL;
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t slen = sizeof(sin);

	assert_non_null(fx);
	snprintf(fx->dir, sizeof(fx->dir), "%s/dcf-run-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	assert_non_null(mkdtemp(fx->dir));
	assert_int_equal(mayday_key_generate(&fx->device), MAYDAY_OK);
	assert_int_equal(mayday_key_generate(&fx->vendor), MAYDAY_OK);
	assert_int_equal(mayday_key_generate(&fx->hems), MAYDAY_OK);
	assert_int_equal(mayday_key_generate(&fx->forger), MAYDAY_OK);

	fx->r.fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(fx->r.fd >= 0);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fx->r.fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(getsockname(fx->r.fd, (struct sockaddr *)&sin, &slen), 0);
	fx->r.port = ntohs(sin.sin_port);
	fx->r.hems = fx->hems;
	fx->r.forger = fx->forger;
	fx->r.device_pub = fx->device;
	fx->r.device_dir = fx->dir;

	assert_int_equal(hal_flash_open_provisioning(&f, fx->dir, "host"), MAYDAY_OK);
	assert_int_equal(hal_rot_file_provision(f, DEVICE_ID, fx->device, fx->vendor, fx->hems),
			 MAYDAY_OK);
	write_conf(fx, f, fx->r.port);
	write_evidence(f);
	/* Slot A as normal code would have it: the DCF must never need it. */
	assert_int_equal(hal_flash_write_atomic(f, HAL_PART_SLOT_A, "comp-0.bin", "x", 1),
			 MAYDAY_OK);
	hal_flash_close(f);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;

	close(fx->r.fd);
	nftw(fx->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	EVP_PKEY_free(fx->device);
	EVP_PKEY_free(fx->vendor);
	EVP_PKEY_free(fx->hems);
	EVP_PKEY_free(fx->forger);
	free(fx);
	return 0;
}

/* Run the DCF against the responder; returns its exit code. */
static int run_dcf(struct fx *fx, uint32_t deadline_ms, struct dcf_stats *stats)
{
	struct dcf_run_opts opts = { .device_dir = fx->dir, .flash_spec = "host",
				     .deadline_ms = deadline_ms };
	int rc;

	fx->r.stop = 0;
	fx->r.n = 0;
	fx->r.quiet_rx = 0;
	fx->r.quiet_until_ms = 0;
	assert_int_equal(pthread_create(&fx->r.thread, NULL, responder_main, &fx->r), 0);
	rc = dcf_run(&opts, stats);
	fx->r.stop = 1;
	pthread_join(fx->r.thread, NULL);
	return rc;
}

static void test_acked(void **state)
{
	struct fx *fx = *state;
	struct dcf_stats st;

	assert_int_equal(run_dcf(fx, 5000, &st), MAYDAY_EXIT_DCF_ACKED);
	assert_true(st.acked);
	assert_int_equal(st.messages, 1);
	assert_int_equal(st.ack.incident_id, 4242);
	assert_int_equal(st.ack.counter, 1);
	/* One send when the answer is prompt; a slow machine may add
	 * retransmissions, of the same bytes. */
	assert_true(st.sends >= 1);
	assert_true(fx->r.n >= 1);
	for (int i = 1; i < fx->r.n; i++)
		assert_memory_equal(fx->r.rx[i], fx->r.rx[0], fx->r.rx_len[0]);
	assert_true(fx->r.verified[0]);
	assert_string_equal(fx->r.device_id[0], DEVICE_ID);
	assert_int_equal(fx->r.counter[0], 1);
	assert_int_equal(fx->r.reason[0], MAYDAY_REASON_COMPONENT_MISMATCH);
	assert_int_equal(fx->r.transport[0], MAYDAY_TRANSPORT_PLAIN_UDP);
}

static void test_counter_persisted_before_send(void **state)
{
	struct fx *fx = *state;
	struct dcf_stats st;

	fx->r.script[0] = REPLY_NONE;
	assert_int_equal(run_dcf(fx, 5000, &st), MAYDAY_EXIT_DCF_ACKED);
	assert_true(fx->r.n >= 2);
	for (int i = 0; i < fx->r.n; i++) {
		assert_int_equal(fx->r.counter[i], 1);
		assert_int_equal(fx->r.disk_counter[i], fx->r.counter[i]);
	}
	/* The next run takes the next value: the counter never repeats. */
	fx->r.script[0] = REPLY_ACK;
	assert_int_equal(run_dcf(fx, 5000, &st), MAYDAY_EXIT_DCF_ACKED);
	assert_int_equal(fx->r.counter[0], 2);
	assert_int_equal(fx->r.disk_counter[0], 2);
	assert_int_equal(disk_counter(fx->dir), 2);
}

static void test_retransmits_identical_bytes(void **state)
{
	struct fx *fx = *state;
	struct dcf_stats st;

	fx->r.script[0] = REPLY_NONE;
	fx->r.script[1] = REPLY_NONE;
	assert_int_equal(run_dcf(fx, 5000, &st), MAYDAY_EXIT_DCF_ACKED);
	assert_true(fx->r.n >= 3);
	assert_true(st.sends >= 3);
	assert_int_equal(st.messages, 1);
	for (int i = 1; i < fx->r.n; i++) {
		assert_int_equal(fx->r.rx_len[i], fx->r.rx_len[0]);
		assert_memory_equal(fx->r.rx[i], fx->r.rx[0], fx->r.rx_len[0]);
		assert_int_equal(fx->r.counter[i], fx->r.counter[0]);
		/* not before the attempt timeout (200 ms), backoff on top; 50 ms
		 * of slack for timer and timestamp jitter (a 195 ms bound failed
		 * once under the sanitizers on a loaded 2-core machine) */
		assert_true(fx->r.rx_ms[i] - fx->r.rx_ms[i - 1] >= 150);
	}
}

/* Acks for this very indication under a key the device does not trust:
 * each ends its counter (no retransmission of it), none counts, and the
 * run ends with MAYDAY_EXIT_DCF_NOT_STORED. */
static void test_forged_acks_confer_nothing(void **state)
{
	struct fx *fx = *state;
	struct dcf_stats st;
	uint64_t t0 = hal_clock_mono_ms();

	for (int i = 0; i < RX_MAX; i++)
		fx->r.script[i] = REPLY_FORGED;
	assert_int_equal(run_dcf(fx, 1200, &st), MAYDAY_EXIT_DCF_NOT_STORED);
	uint64_t took = hal_clock_mono_ms() - t0;
	assert_false(st.acked);
	assert_true(took >= 1150);
	assert_true(took < 4000);
	assert_true(fx->r.n >= 3); /* it kept trying, at its backoff, until the deadline */
	/* every forged answer was seen (the last may arrive after the deadline) */
	assert_true(st.unauth >= (uint32_t)fx->r.n - 1 && st.unauth <= (uint32_t)fx->r.n);
	assert_int_equal(st.sends, fx->r.n);
	/* one send per counter: a forged ack ends the counter's retransmission
	 * (the deadline may overtake one more message while it is made durable) */
	assert_true(st.messages == (uint32_t)fx->r.n || st.messages == (uint32_t)fx->r.n + 1);
	for (int i = 1; i < fx->r.n; i++)
		assert_int_equal(fx->r.counter[i], fx->r.counter[i - 1] + 1);
}

/* A forged ack first, then the genuine one: the genuine one wins. */
static void test_genuine_ack_after_forged(void **state)
{
	struct fx *fx = *state;
	struct dcf_stats st;

	fx->r.script[0] = REPLY_FORGED;
	assert_int_equal(run_dcf(fx, 5000, &st), MAYDAY_EXIT_DCF_ACKED);
	assert_true(st.acked);
	assert_int_equal(st.unauth, 1);
	assert_int_equal(st.messages, 2);
	assert_int_equal(fx->r.counter[0], 1);
	assert_int_equal(fx->r.counter[fx->r.n - 1], 2);
	assert_int_equal(st.ack.counter, 2);
}

static void test_junk_and_stale_acks_ignored(void **state)
{
	struct fx *fx = *state;
	struct dcf_stats st;

	fx->r.script[0] = REPLY_JUNK;
	fx->r.script[1] = REPLY_OLD_COUNTER;
	assert_int_equal(run_dcf(fx, 5000, &st), MAYDAY_EXIT_DCF_ACKED);
	assert_true(fx->r.n >= 3);
	assert_true(st.ignored >= 3); /* short junk, oversized junk, stale ack */
	assert_int_equal(st.messages, 1);
	assert_int_equal(st.ack.counter, fx->r.counter[0]);
}

static void test_retry_after_honoured(void **state)
{
	struct fx *fx = *state;
	struct dcf_stats st;

	fx->r.script[0] = REPLY_RETRY_AFTER;
	assert_int_equal(run_dcf(fx, 5000, &st), MAYDAY_EXIT_DCF_ACKED);
	assert_true(fx->r.n >= 2);
	assert_int_equal(st.retry_after, 1);
	/* The acknowledged send came no sooner than 1 s after the answer left
	 * (10 ms of clock granularity allowed). At most one send can have
	 * crossed the answer in flight. */
	assert_true(fx->r.rx_ms[fx->r.n - 1] + 10 >= fx->r.retry_tx_ms + 1000);
	assert_true(fx->r.quiet_rx <= 1);
	/* retry-after alone does not change the message */
	for (int i = 1; i < fx->r.n; i++)
		assert_memory_equal(fx->r.rx[i], fx->r.rx[0], fx->r.rx_len[0]);
}

static void test_retry_after_beyond_deadline(void **state)
{
	struct fx *fx = *state;
	struct dcf_stats st;
	uint64_t t0 = hal_clock_mono_ms();

	fx->r.script[0] = REPLY_RETRY_AFTER;
	assert_int_equal(run_dcf(fx, 600, &st), MAYDAY_EXIT_DCF_UNACKED);
	assert_true(st.retry_after <= 1);
	assert_int_equal(st.messages, 1);
	/* it stopped at once rather than sending into the retry-after period */
	assert_true(hal_clock_mono_ms() - t0 < 900);
	assert_true(fx->r.quiet_rx <= 1);
}

static void test_rejected_counter_replaced(void **state)
{
	struct fx *fx = *state;
	struct dcf_stats st;

	fx->r.reject_counter = 1;
	assert_int_equal(run_dcf(fx, 5000, &st), MAYDAY_EXIT_DCF_ACKED);
	assert_true(fx->r.n >= 2);
	assert_true(st.rejected >= 1);
	assert_int_equal(st.messages, 2);
	assert_int_equal(st.ack.counter, 2);
	assert_int_equal(fx->r.counter[0], 1);
	int last = fx->r.n - 1;
	assert_int_equal(fx->r.counter[last], 2);
	assert_int_equal(fx->r.disk_counter[last], 2);
}

/* The H(e)MS could not verify what reached it: a failed attempt, not an
 * acknowledgement. The DCF goes on with a new indication and counter, and
 * only that one's STORED ends the run. */
static void test_unverified_is_not_acknowledged(void **state)
{
	struct fx *fx = *state;
	struct dcf_stats st;

	fx->r.script[0] = REPLY_UNVERIFIED;
	assert_int_equal(run_dcf(fx, 5000, &st), MAYDAY_EXIT_DCF_ACKED);
	assert_int_equal(fx->r.n, 2);
	assert_int_equal(st.unverified, 1);
	assert_int_equal(st.messages, 2);
	assert_int_equal(fx->r.counter[0], 1);
	assert_int_equal(fx->r.counter[1], 2);
	assert_int_equal(st.ack.counter, 2);
	assert_int_equal(st.ack.status, MAYDAY_ACK_STORED);
}

static int rm_tree(const char *dir)
{
	return nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void test_no_normal_code_slots(void **state)
{
	struct fx *fx = *state;
	struct dcf_stats st;
	char path[512];
	struct stat sb;

	snprintf(path, sizeof(path), "%s/slot_a", fx->dir);
	assert_int_equal(rm_tree(path), 0);
	assert_int_not_equal(stat(path, &sb), 0);
	snprintf(path, sizeof(path), "%s/slot_b", fx->dir);
	if (stat(path, &sb) == 0)
		assert_int_equal(rm_tree(path), 0);
	assert_int_equal(run_dcf(fx, 5000, &st), MAYDAY_EXIT_DCF_ACKED);
	assert_true(fx->r.verified[0]);
	assert_int_equal(fx->r.reason[0], MAYDAY_REASON_COMPONENT_MISMATCH);
	/* and it put nothing there */
	snprintf(path, sizeof(path), "%s/slot_a/comp-0.bin", fx->dir);
	assert_int_not_equal(stat(path, &sb), 0);
}

static void test_no_evidence_still_reports(void **state)
{
	struct fx *fx = *state;
	struct dcf_stats st;
	char path[512];

	snprintf(path, sizeof(path), "%s/run/evidence.cbor", fx->dir);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(run_dcf(fx, 5000, &st), MAYDAY_EXIT_DCF_ACKED);
	assert_true(fx->r.verified[0]);
	assert_int_equal(fx->r.reason[0], MAYDAY_REASON_NO_BOOTABLE_SLOT);
}

static void test_bad_config_or_rot(void **state)
{
	struct fx *fx = *state;
	struct dcf_stats st;
	struct hal_flash *f = NULL;
	static const char bad[] = "[dcf]\nversion = 0.1.0\nsurprise = 1\n";

	assert_int_equal(hal_flash_open_provisioning(&f, fx->dir, "host"), MAYDAY_OK);
	assert_int_equal(hal_flash_write_atomic(f, HAL_PART_DCF, "dcf.conf", bad, sizeof(bad) - 1),
			 MAYDAY_OK);
	assert_int_equal(run_dcf(fx, 2000, &st), MAYDAY_EXIT_DCF_CONFIG);
	assert_int_equal(fx->r.n, 0);

	write_conf(fx, f, fx->r.port);
	assert_int_equal(hal_flash_remove(f, HAL_PART_ROT, "hems.pub.pem"), MAYDAY_OK);
	hal_flash_close(f);
	assert_int_equal(run_dcf(fx, 2000, &st), MAYDAY_EXIT_DCF_CONFIG);
	assert_int_equal(fx->r.n, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_acked, setup, teardown),
		cmocka_unit_test_setup_teardown(test_counter_persisted_before_send, setup, teardown),
		cmocka_unit_test_setup_teardown(test_retransmits_identical_bytes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_forged_acks_confer_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_genuine_ack_after_forged, setup, teardown),
		cmocka_unit_test_setup_teardown(test_junk_and_stale_acks_ignored, setup, teardown),
		cmocka_unit_test_setup_teardown(test_retry_after_honoured, setup, teardown),
		cmocka_unit_test_setup_teardown(test_retry_after_beyond_deadline, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rejected_counter_replaced, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unverified_is_not_acknowledged, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_normal_code_slots, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_evidence_still_reports, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_config_or_rot, setup, teardown),
	};
	int failed = cmocka_run_group_tests(tests, NULL, NULL);
	return failed;
}

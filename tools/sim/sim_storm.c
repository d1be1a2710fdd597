/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The storm (issue 15, point 3): many devices in distress at once, each
 * behaving as mayday-dcf does over plain UDP, and what the H(e)MS makes of
 * it.
 *
 * Every distressed device has one indication, signed before the clock
 * starts (sim_fleet_sign), and a power-on moment drawn uniformly from the
 * ramp. From then on it follows dcf_session.c: send, listen
 * attempt_timeout_ms, then wait a delay drawn uniformly from [0, window],
 * window = min(max_ms, initial_ms * 2^n) after the n-th unanswered send
 * (full jitter, dcf_retry.c), and send the same bytes again. A signed busy
 * answer (action 1) that verifies with the H(e)MS key holds the next send
 * back by its retry_after (at most wait_max_s) plus up to an eighth more at
 * random, so devices told to wait by one busy H(e)MS do not come back
 * together; an answer that does not verify is ignored, as the DCF ignores
 * it. Today maydayd answers busy only over HTTP(S) (docs/protocol.md §7.1):
 * over UDP a full pipeline leaves datagrams unanswered, and the backoff
 * above is all that spreads the retries.
 *
 * One event loop: a min-heap of (next send, device), every device in it
 * once (a busy answer only sets the device's hold; its entry, when it
 * comes up, is put back at the hold's end), and `sockets` connected UDP
 * sockets per node, a device always using the same one (a DCF sends every
 * retransmission from one port).
 * Devices are spread over the nodes round-robin. The storm ends when every
 * distressed device has its acknowledgement (status stored, or refused:
 * the sim signs no second counter) or when `bound` seconds have passed
 * since it began; acks are verified against the H(e)MS key after the
 * clock stopped, as in the other modes, and then looked up in the store.
 */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim.h"

#define SEND_BATCH 256        /* sends per loop turn before the sockets are read */
#define RECV_BATCH 64
#define PROGRESS_NS (10ull * 1000000000ull)

struct storm_dev {
	uint64_t start_ns;        /* scheduled power-on */
	uint64_t due_ns;          /* next send: the time of its one heap entry */
	uint64_t not_before_ns;   /* a verified busy answer's hold */
	uint32_t sends;
	uint32_t busy;            /* verified busy answers */
	uint16_t sock;            /* index into the socket table */
	uint8_t done;             /* acked or refused */
};

struct heap_ent {
	uint64_t at;
	uint32_t dev;
};

struct heap {
	struct heap_ent *e;      /* one entry per device: never more than n_msg */
	size_t n;
};

static void heap_push(struct heap *h, uint64_t at, uint32_t dev)
{
	size_t i = h->n++;
	while (i > 0) {
		size_t p = (i - 1) / 2;
		if (h->e[p].at <= at)
			break;
		h->e[i] = h->e[p];
		i = p;
	}
	h->e[i] = (struct heap_ent){at, dev};
}

static struct heap_ent heap_pop(struct heap *h)
{
	struct heap_ent top = h->e[0], last = h->e[--h->n];
	size_t i = 0;
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= h->n)
			break;
		if (c + 1 < h->n && h->e[c + 1].at < h->e[c].at)
			c++;
		if (last.at <= h->e[c].at)
			break;
		h->e[i] = h->e[c];
		i = c;
	}
	if (h->n > 0)
		h->e[i] = last;
	return top;
}

/* xorshift64*: the schedule and the jitter, reproducible from --seed. */
static uint64_t rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ull;
}

/* dcf_retry_window_ms, the same rule. */
static uint64_t window_ms(const struct sim_opts *o, uint32_t attempt)
{
	uint64_t w = o->initial_ms;
	for (uint32_t i = 0; i < attempt && w > 0 && w < o->max_ms; i++)
		w *= 2;
	return w < o->max_ms ? w : o->max_ms;
}

static int open_sockets(const struct sim_opts *o, int *fds, size_t n)
{
	struct sim_opts one = *o;
	for (size_t i = 0; i < n; i++)
		fds[i] = -1;
	for (size_t i = 0; i < n; i++) {
		uint32_t node = (uint32_t)(i / o->sockets);
		one.server = o->servers[node];
		one.server_len = o->server_lens[node];
		if ((fds[i] = sim_socket(&one)) < 0)
			return -1;
	}
	return 0;
}

struct storm_tally {
	size_t sends, send_errors, acked, refused, busy, busy_bad, ignored;
	size_t powered;
};

/* One datagram received: an answer for one of our devices, or noise. */
static void take(const struct sim_opts *o, struct sim_fleet *f, struct storm_dev *dv,
		 struct sim_result *res, uint8_t *arena, EVP_PKEY *hems, struct storm_tally *t,
		 uint64_t *seed, const uint8_t *buf, size_t len, uint64_t now)
{
	struct mayday_ack ack;
	struct mayday_diag diag;
	if (mayday_ack_peek(buf, len, &ack, &diag) != MAYDAY_OK) {
		t->ignored++;
		return;
	}
	long m = sim_fleet_lookup(f, ack.device_id, ack.counter);
	if (m < 0 || dv[m].done || !res[m].sent) {
		t->ignored += m < 0;
		return;   /* an answer to a retransmission of an acked one */
	}
	if (ack.action == MAYDAY_ACTION_RETRY_AFTER) {
		/* Acted upon at once, so checked at once (the DCF's rule). */
		if (mayday_ack_verify_any(buf, len, hems, &ack, &diag) != MAYDAY_OK) {
			t->busy_bad++;
			return;
		}
		uint64_t s = ack.retry_after < o->wait_max_s ? ack.retry_after : o->wait_max_s;
		uint64_t hold = s * 1000000000ull;
		hold += rnd(seed) % (hold / 8 + 1);
		dv[m].busy++;
		t->busy++;
		if (now + hold > dv[m].not_before_ns)
			dv[m].not_before_ns = now + hold;
		return;
	}
	if (sim_record_ack(f, res, arena, (size_t)m, buf, len, now) != 0) {
		t->ignored++;
		return;
	}
	dv[m].done = 1;
	if (ack.status == MAYDAY_ACK_STORED)
		t->acked++;
	else
		t->refused++;   /* stored unverified or rejected: reported, never retried */
}

static void drain(const struct sim_opts *o, struct sim_fleet *f, struct storm_dev *dv,
		  struct sim_result *res, uint8_t *arena, EVP_PKEY *hems, struct storm_tally *t,
		  uint64_t *seed, int fd)
{
	static uint8_t bufs[RECV_BATCH][MAYDAY_ACK_MAX];
	struct mmsghdr mm[RECV_BATCH];
	struct iovec iov[RECV_BATCH];
	for (;;) {
		for (int i = 0; i < RECV_BATCH; i++) {
			iov[i].iov_base = bufs[i];
			iov[i].iov_len = sizeof(bufs[i]);
			memset(&mm[i], 0, sizeof(mm[i]));
			mm[i].msg_hdr.msg_iov = &iov[i];
			mm[i].msg_hdr.msg_iovlen = 1;
		}
		int got = recvmmsg(fd, mm, RECV_BATCH, MSG_DONTWAIT, NULL);
		if (got <= 0)
			return;   /* EAGAIN, or an ICMP error: a lost send, which the retry covers */
		uint64_t now = sim_now_ns();
		for (int i = 0; i < got; i++)
			take(o, f, dv, res, arena, hems, t, seed, bufs[i], mm[i].msg_len, now);
		if (got < RECV_BATCH)
			return;
	}
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static double pct_ms(const uint64_t *v, size_t n, double p)
{
	if (n == 0)
		return 0;
	return (double)v[(size_t)(p * (double)(n - 1) + 0.5)] / 1e6;
}

/* The figures (docs/performance.md, "Storm"): power-on-to-ack runs from the
 * scheduled power-on, so the sim's own lateness counts against it;
 * acknowledged/s is the acks over the span from the first power-on to the
 * last ack, and the peak the most acks in one second of the run. */
static void report(const struct sim_opts *o, const struct sim_fleet *f,
		   const struct storm_dev *dv, const struct sim_result *res,
		   const struct storm_tally *t, uint64_t t0, uint64_t end, size_t bad_acks,
		   size_t lost)
{
	uint64_t *lat = malloc((f->n_msg + 1) * sizeof(*lat));   /* NULL: no percentiles */
	size_t n = 0, retried = 0, busy_devs = 0;
	uint64_t retries = 0, rmax = 0, first = UINT64_MAX, last = 0;
	size_t buckets = (size_t)((end - t0) / 1000000000ull) + 1, peak = 0;
	uint32_t *per_s = calloc(buckets, sizeof(*per_s));
	for (size_t i = 0; i < f->n_msg; i++) {
		uint64_t r = dv[i].sends ? dv[i].sends - 1u : 0;
		retries += r;
		rmax = r > rmax ? r : rmax;
		retried += r > 0;
		busy_devs += dv[i].busy > 0;
		if (dv[i].start_ns < first)
			first = dv[i].start_ns;
		if (!res[i].acked || !res[i].ack_ok || res[i].status != MAYDAY_ACK_STORED)
			continue;
		if (lat != NULL)
			lat[n] = res[i].ack_ns > dv[i].start_ns ? res[i].ack_ns - dv[i].start_ns : 0;
		n++;
		if (res[i].ack_ns > last)
			last = res[i].ack_ns;
		size_t b = (size_t)((res[i].ack_ns - t0) / 1000000000ull);
		if (per_s != NULL && b < buckets && ++per_s[b] > peak)
			peak = per_s[b];
	}
	double span = n && last > first ? (double)(last - first) / 1e9 : 0;
	printf("storm: enrolled=%u distressed=%u nodes=%u ramp=%.1f s bound=%.0f s "
	       "sockets/node=%u attempt_timeout_ms=%u initial_ms=%u max_ms=%u\n",
	       o->devices, f->n_dev, o->n_servers, o->duration, o->bound, o->sockets,
	       o->timeout_ms, o->initial_ms, o->max_ms);
	printf("storm: acked=%zu lost=%zu refused=%zu bad_acks=%zu powered_on=%zu sends=%zu "
	       "send_errors=%zu busy_answers=%zu busy_unverified=%zu devices_told_busy=%zu "
	       "ignored=%zu\n", n, lost, t->refused, bad_acks, t->powered, t->sends,
	       t->send_errors, t->busy, t->busy_bad, busy_devs, t->ignored);
	printf("storm: acknowledged/s=%.1f peak_acknowledged/s=%zu span=%.3f s elapsed=%.3f s\n",
	       span > 0 ? (double)n / span : 0.0, peak, span, (double)(end - t0) / 1e9);
	printf("storm: retries per device: retries_mean=%.3f retries_max=%llu devices_retried=%zu\n",
	       f->n_msg ? (double)retries / (double)f->n_msg : 0.0, (unsigned long long)rmax,
	       retried);
	if (lat != NULL) {
		qsort(lat, n, sizeof(*lat), cmp_u64);
		printf("storm: power-on-to-ack ms: p50=%.2f p90=%.2f p99=%.2f max=%.2f\n",
		       pct_ms(lat, n, 0.5), pct_ms(lat, n, 0.9), pct_ms(lat, n, 0.99),
		       n ? (double)lat[n - 1] / 1e6 : 0.0);
	}
	free(lat);
	free(per_s);
}

int sim_storm(const struct sim_opts *o, struct sim_fleet *f, EVP_PKEY *hems)
{
	size_t D = f->n_msg, nfd = (size_t)o->n_servers * o->sockets;
	struct storm_dev *dv = calloc(D, sizeof(*dv));
	struct sim_result *res = calloc(D, sizeof(*res));
	uint8_t *arena = malloc(D * SIM_ACK_SLOT);
	struct heap h = {.e = calloc(D + 1, sizeof(*h.e))};
	int *fds = calloc(nfd, sizeof(*fds));
	struct pollfd *pfd = calloc(nfd, sizeof(*pfd));
	struct storm_tally t = {0};
	uint64_t seed = o->seed ? o->seed : 1;
	int rc = 1;
	if (dv == NULL || res == NULL || arena == NULL || h.e == NULL || fds == NULL ||
	    pfd == NULL || open_sockets(o, fds, nfd) != 0)
		goto out;
	for (size_t i = 0; i < nfd; i++)
		pfd[i] = (struct pollfd){.fd = fds[i], .events = POLLIN};

	uint64_t ramp = (uint64_t)(o->duration * 1e9);
	uint64_t t0 = sim_now_ns(), bound = t0 + (uint64_t)(o->bound * 1e9);
	uint64_t next_progress = t0 + PROGRESS_NS, timeout = (uint64_t)o->timeout_ms * 1000000u;
	for (size_t i = 0; i < D; i++) {
		uint32_t node = (uint32_t)(i % o->n_servers);
		dv[i].sock = (uint16_t)(node * o->sockets + (i / o->n_servers) % o->sockets);
		dv[i].start_ns = dv[i].due_ns = t0 + (ramp ? rnd(&seed) % ramp : 0);
		heap_push(&h, dv[i].due_ns, (uint32_t)i);
	}
	fprintf(stderr, "mayday-sim: storm: %zu distressed devices power on over %.1f s\n", D,
		o->duration);
	uint64_t now = t0;
	while (t.acked + t.refused < D && now < bound) {
		now = sim_now_ns();
		/* Answers first, as the DCF reads what arrived before its next send
		 * is due: a busy answer already here holds that send back. */
		int wait_ms = 0;
		if (h.n > 0 && h.e[0].at > now) {
			uint64_t gap = (h.e[0].at - now) / 1000000u;
			wait_ms = gap > 10 ? 10 : (int)gap;
		} else if (h.n == 0) {
			wait_ms = 10;
		}
		if (poll(pfd, (nfds_t)nfd, wait_ms) > 0) {
			for (size_t i = 0; i < nfd; i++)
				if (pfd[i].revents & (POLLIN | POLLERR))
					drain(o, f, dv, res, arena, hems, &t, &seed, fds[i]);
		}
		now = sim_now_ns();
		for (int k = 0; k < SEND_BATCH && h.n > 0 && h.e[0].at <= now; k++) {
			struct heap_ent e = heap_pop(&h);
			struct storm_dev *d = &dv[e.dev];
			if (d->done)
				continue;   /* acked meanwhile */
			if (d->not_before_ns > e.at) {
				/* a busy answer came since it was queued: not sooner */
				d->due_ns = d->not_before_ns;
				heap_push(&h, d->due_ns, e.dev);
				continue;
			}
			const struct sim_msg *m = &f->msg[e.dev];
			ssize_t w = send(fds[d->sock], m->buf, m->len, 0);
			t.sends++;
			if (w != (ssize_t)m->len)
				t.send_errors++;   /* ICMP from an earlier send, a full buffer: a lost datagram */
			/* Both lines are what a test that holds the server waits for. */
			if (d->sends++ == 0) {
				res[e.dev].sent = 1;
				res[e.dev].first_ns = now;
				if (++t.powered == D)
					fprintf(stderr, "mayday-sim: storm: all %zu distressed devices "
						"powered on (%.1f s)\n", D, (double)(now - t0) / 1e9);
			} else if (t.sends == t.powered + 1) {
				fprintf(stderr, "mayday-sim: storm: first retransmission (%.1f s)\n",
					(double)(now - t0) / 1e9);
			}
			res[e.dev].last_ns = now;
			res[e.dev].tries = d->sends > UINT16_MAX ? UINT16_MAX : (uint16_t)d->sends;
			uint64_t delay = rnd(&seed) % (window_ms(o, d->sends - 1) + 1);
			d->due_ns = now + timeout + delay * 1000000u;
			if (d->due_ns < d->not_before_ns)
				d->due_ns = d->not_before_ns;
			heap_push(&h, d->due_ns, e.dev);
		}
		if (now >= next_progress) {
			fprintf(stderr, "mayday-sim: storm: %.0f s: powered_on=%zu acked=%zu sends=%zu "
				"busy_answers=%zu\n", (double)(now - t0) / 1e9, t.powered, t.acked,
				t.sends, t.busy);
			next_progress += PROGRESS_NS;
		}
	}
	uint64_t end = sim_now_ns();
	if (t.acked + t.refused < D)
		fprintf(stderr, "mayday-sim: storm: the bound (%.0f s) passed with %zu devices "
			"unacknowledged\n", o->bound, D - t.acked - t.refused);

	size_t bad = sim_verify_acks(f, res, arena, hems), lost = 0;
	for (size_t i = 0; i < D; i++)
		lost += !res[i].acked;
	report(o, f, dv, res, &t, t0, end, bad, lost);
	struct sim_storm_check c;
	if (sim_storm_check(o->db, f, res, &c) != 0)
		goto out;
	printf("storm: store check: stored_once=%zu missing=%zu duplicates=%zu mismatched=%zu "
	       "unverified=%zu stored_unacked=%zu\n", c.stored_once, c.missing, c.duplicates,
	       c.mismatched, c.unverified, c.stored_unacked);
	if (o->acked_path != NULL && sim_write_acked(o->acked_path, f, res) != 0)
		goto out;
	rc = (lost == 0 && bad == 0 && t.refused == 0 && t.busy_bad == 0 && c.stored_once == D &&
	      c.missing == 0 && c.duplicates == 0 && c.mismatched == 0 && c.unverified == 0)
		     ? 0 : 1;
out:
	for (size_t i = 0; fds != NULL && i < nfd; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	free(fds);
	free(pfd);
	free(h.e);
	free(dv);
	free(res);
	free(arena);
	return rc;
}

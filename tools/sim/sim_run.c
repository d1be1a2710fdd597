/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The timed phase: keep `window` indications outstanding (at most one per
 * device), send in batches
 * (sendmmsg), receive acks in batches (recvmmsg), and retransmit the
 * identical bytes of anything unacknowledged after timeout_ms, up to
 * `retries` times. Retransmission timeouts are all equal, so outstanding
 * messages sit in a FIFO ordered by last send: only its head is checked.
 *
 * An ack is matched by its claims (device, counter) on receipt; the first
 * ack of a message counts, later ones (answers to retransmissions) are
 * ignored. Its signature is checked after the run (sim_verify_acks).
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sim.h"

#define BATCH 64

uint64_t sim_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int sim_socket(const struct sim_opts *o)
{
	int size = 8 << 20;
	int fd = socket(o->server.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		perror("mayday-sim: socket");
		return -1;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) != 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	if (connect(fd, (const struct sockaddr *)&o->server, o->server_len) != 0) {
		perror("mayday-sim: connect");
		close(fd);
		return -1;
	}
	return fd;
}

struct fifo {
	uint32_t *idx;
	size_t head, count, cap;
};

static void fifo_push(struct fifo *q, uint32_t i)
{
	q->idx[(q->head + q->count) % q->cap] = i;
	q->count++;
}

static int send_batch(int fd, const struct sim_fleet *f, const uint32_t *which, size_t n)
{
	struct mmsghdr mm[BATCH];
	struct iovec iov[BATCH];
	for (size_t i = 0; i < n; i++) {
		iov[i].iov_base = f->msg[which[i]].buf;
		iov[i].iov_len = f->msg[which[i]].len;
		memset(&mm[i], 0, sizeof(mm[i]));
		mm[i].msg_hdr.msg_iov = &iov[i];
		mm[i].msg_hdr.msg_iovlen = 1;
	}
	size_t done = 0;
	while (done < n) {
		int r = sendmmsg(fd, mm + done, (unsigned)(n - done), 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == ECONNREFUSED) {
			/* An ICMP error from an earlier send (nobody listening): this
			 * datagram is given up like a lost one; retransmission covers it. */
			done++;
			continue;
		}
		if (r <= 0)
			return -1;
		done += (size_t)r;
	}
	return 0;
}

static size_t receive_acks(int fd, const struct sim_fleet *f, struct sim_result *res,
			   uint8_t *arena, uint64_t now)
{
	static uint8_t bufs[BATCH][MAYDAY_ACK_MAX];
	struct mmsghdr mm[BATCH];
	struct iovec iov[BATCH];
	size_t newly = 0;
	for (int i = 0; i < BATCH; i++) {
		iov[i].iov_base = bufs[i];
		iov[i].iov_len = sizeof(bufs[i]);
		memset(&mm[i], 0, sizeof(mm[i]));
		mm[i].msg_hdr.msg_iov = &iov[i];
		mm[i].msg_hdr.msg_iovlen = 1;
	}
	int got = recvmmsg(fd, mm, BATCH, MSG_DONTWAIT, NULL);
	for (int i = 0; i < got; i++) {
		struct mayday_ack ack;
		struct mayday_diag diag;
		size_t len = mm[i].msg_len;
		/* Either form; verified after the run (sim_verify_acks). */
		if (mayday_ack_peek(bufs[i], len, &ack, &diag) != MAYDAY_OK)
			continue;
		long m = sim_fleet_lookup(f, ack.device_id, ack.counter);
		if (m < 0 || !res[m].sent || res[m].acked)
			continue;
		struct sim_result *r = &res[m];
		r->acked = 1;
		if (r->lost) {
			r->lost = 0;   /* already out of the window */
			newly--;
		}
		r->ack_ns = now;
		r->status = ack.status;
		r->incident = ack.incident_id;
		if (len <= SIM_ACK_SLOT) {
			memcpy(arena + (size_t)m * SIM_ACK_SLOT, bufs[i], len);
			r->ack_len = (uint16_t)len;
		}
		newly++;
	}
	return newly;
}

/* A device has one indication outstanding at a time, as a real one does:
 * a receiver refuses a counter below one it accepted (protocol.md §6.1),
 * so a second in flight could overtake the first. Messages cycle through
 * the devices (sim_fleet.c), so the device's previous one is m - n_dev;
 * sending stops at the first message whose device is busy. */
static int device_free(const struct sim_fleet *f, const struct sim_result *res, size_t m)
{
	return m < f->n_dev || res[m - f->n_dev].acked || res[m - f->n_dev].lost;
}

double sim_run(const struct sim_opts *o, const struct sim_fleet *f, struct sim_result *res,
	       uint8_t *arena)
{
	/* Each message sits in the FIFO at most once, but acked ones stay until
	 * they reach the head, so the FIFO can hold more than the window. */
	struct fifo q = {.cap = f->n_msg + 1};
	uint32_t batch[BATCH];
	size_t next = 0, n = f->n_msg;
	uint64_t timeout = (uint64_t)o->timeout_ms * 1000000u;
	int fd = sim_socket(o);
	if (fd < 0)
		return -1;
	q.idx = calloc(q.cap, sizeof(*q.idx));
	if (q.idx == NULL) {
		close(fd);
		return -1;
	}
	memset(res, 0, n * sizeof(*res));
	uint64_t start = sim_now_ns(), end = start;
	uint64_t deadline = start + (uint64_t)(o->duration * 1e9);
	size_t inflight = 0;
	for (;;) {
		uint64_t now = sim_now_ns();
		int progress = 0;
		/* new indications, while the window and the time allow */
		while (inflight < o->window && next < n && now < deadline &&
		       device_free(f, res, next)) {
			size_t k = 0;
			while (k < BATCH && inflight + k < o->window && next < n &&
			       device_free(f, res, next)) {
				res[next].first_ns = res[next].last_ns = now;
				res[next].sent = 1;
				res[next].tries = 1;
				batch[k++] = (uint32_t)next++;
			}
			if (send_batch(fd, f, batch, k) != 0)
				perror("mayday-sim: send");
			for (size_t i = 0; i < k; i++)
				fifo_push(&q, batch[i]);
			inflight += k;
			progress = 1;
		}
		size_t got = receive_acks(fd, f, res, arena, now);
		if (got) {
			inflight -= got;
			end = now;
			progress = 1;
		}
		/* retire acked heads; retransmit (or give up on) timed-out ones */
		size_t k = 0;
		while (q.count > 0 && k < BATCH) {
			uint32_t i = q.idx[q.head];
			struct sim_result *r = &res[i];
			if (!r->acked && now < r->last_ns + timeout)
				break;
			q.head = (q.head + 1) % q.cap;
			q.count--;
			if (r->acked)
				continue;
			if (r->tries > o->retries) {
				r->lost = 1;
				inflight--;
				continue;
			}
			r->tries++;
			r->last_ns = now;
			batch[k++] = i;
		}
		if (k) {
			if (send_batch(fd, f, batch, k) != 0)
				perror("mayday-sim: resend");
			for (size_t i = 0; i < k; i++)
				fifo_push(&q, batch[i]);
			progress = 1;
		}
		if (inflight == 0 && (next >= n || now >= deadline))
			break;
		if (!progress) {
			struct pollfd pfd = {.fd = fd, .events = POLLIN};
			(void)poll(&pfd, 1, 1);
		}
	}
	free(q.idx);
	close(fd);
	if (end == start)
		end = sim_now_ns();
	return (double)(end - start) / 1e9;
}

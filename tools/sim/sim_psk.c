/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The PSK method: every device gets a fresh PSK and kid, enrolled with the
 * store API as mayday-provision does, and every pre-signed indication is
 * sealed before the timed phase (sealing is deterministic per counter, so a
 * retransmission is the same bytes). A sealed answer names no device: it
 * opens only with the right device's keys and the counter of the request,
 * so each device has its own UDP socket and one indication outstanding at
 * a time — the window is the number of devices, which is also how a real
 * fleet behaves. epoll waits on all sockets; timeouts are scanned every few
 * milliseconds; identical retransmission after timeout_ms, up to `retries`.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>
#include <openssl/crypto.h>

#include "sim.h"
#include "store.h"

#define SEAL_SLOT 1152     /* a sealed ~350-byte indication is ~400 bytes */
#define EVENTS 256
#define SCAN_NS 5000000u   /* timeout scan period */

int sim_psk_prepare(struct sim_fleet *f, const char *db, const char *kek, bool enrol)
{
	struct store *st = NULL;
	uint8_t psk[MAYDAY_PSK_LEN], kid[MAYDAY_PSK_KID_GEN];
	enum mayday_err err = MAYDAY_OK;
	f->psk = calloc(f->n_dev, sizeof(*f->psk));
	f->sealed = malloc(f->n_msg * SEAL_SLOT);
	if (f->psk == NULL || f->sealed == NULL)
		return -1;
	if (enrol && (err = store_open(&st, db)) != MAYDAY_OK) {
		fprintf(stderr, "mayday-sim: store %s: %s\n", db, mayday_strerror(err));
		return -1;
	}
	if (enrol && (kek == NULL || (err = store_psk_kek(st, kek)) != MAYDAY_OK)) {
		fprintf(stderr, "mayday-sim: --psk-kek %s: %s\n", kek ? kek : "missing",
			kek ? mayday_strerror(err) : "the store seals PSKs under maydayd's psk_kek");
		store_close(st);
		return -1;
	}
	for (uint32_t i = 0; i < f->n_dev && err == MAYDAY_OK; i++) {
		err = mayday_psk_generate(psk, kid);
		if (err == MAYDAY_OK)
			err = mayday_psk_derive(psk, sizeof(psk), kid, sizeof(kid), &f->psk[i]);
		if (err == MAYDAY_OK && enrol)
			err = store_enrol_psk(st, f->dev[i].id, kid, sizeof(kid), psk, sizeof(psk));
	}
	OPENSSL_cleanse(psk, sizeof(psk));
	store_close(st);
	if (err != MAYDAY_OK) {
		fprintf(stderr, "mayday-sim: PSK enrolment: %s\n", mayday_strerror(err));
		return -1;
	}
	for (size_t i = 0; i < f->n_msg; i++) {
		struct sim_msg *m = &f->msg[i];
		uint8_t *out = f->sealed + i * SEAL_SLOT;
		size_t len = 0;
		if (mayday_psk_seal_request(&f->psk[m->dev], m->counter, m->buf, m->len, out,
					    SEAL_SLOT, &len) != MAYDAY_OK) {
			fprintf(stderr, "mayday-sim: cannot seal indication %zu\n", i);
			return -1;
		}
		m->buf = out;
		m->len = (uint32_t)len;
	}
	return 0;
}

struct pdev {
	int fd;
	size_t cur;             /* message outstanding (valid while busy) */
	bool busy;
};

static void put(const struct sim_fleet *f, struct sim_result *res, struct pdev *d, size_t m,
		uint64_t now)
{
	const struct sim_msg *msg = &f->msg[m];
	struct sim_result *r = &res[m];
	if (!r->sent) {
		r->sent = 1;
		r->first_ns = now;
	}
	r->tries++;
	r->last_ns = now;
	d->cur = m;
	d->busy = true;
	/* a failed send is a lost datagram: the timeout retransmits it */
	(void)send(d->fd, msg->buf, msg->len, MSG_DONTWAIT);
}

static size_t take(const struct sim_fleet *f, struct sim_result *res, uint8_t *arena,
		   struct pdev *d, uint64_t now)
{
	uint8_t buf[MAYDAY_PSK_DATAGRAM_MAX + 1], pt[MAYDAY_ACK_MAX];
	size_t done = 0;
	for (int k = 0; k < 64; k++) {
		ssize_t n = recv(d->fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		struct mayday_diag diag;
		size_t pt_len = 0;
		if (!d->busy ||
		    mayday_psk_open_response(&f->psk[f->msg[d->cur].dev], f->msg[d->cur].counter,
					     buf, (size_t)n, pt, sizeof(pt), &pt_len, &diag) !=
			    MAYDAY_OK ||
		    sim_record_ack(f, res, arena, d->cur, pt, pt_len, now) != 0)
			continue;   /* a late answer to an earlier counter, or junk */
		d->busy = false;
		done++;
	}
	return done;
}

double sim_psk_run(const struct sim_opts *o, const struct sim_fleet *f, struct sim_result *res,
		   uint8_t *arena)
{
	uint32_t nd = f->n_dev;
	struct pdev *dev = calloc(nd, sizeof(*dev));
	struct epoll_event ev[EVENTS];
	uint64_t timeout = (uint64_t)o->timeout_ms * 1000000u;
	double el = -1;
	size_t inflight = 0;
	int ep = epoll_create1(EPOLL_CLOEXEC);
	for (uint32_t i = 0; dev != NULL && i < nd; i++)
		dev[i].fd = -1;
	if (dev == NULL || ep < 0)
		goto out;
	for (uint32_t i = 0; i < nd; i++) {
		struct epoll_event e = {.events = EPOLLIN, .data.u32 = i};
		if ((dev[i].fd = sim_socket(o)) < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, dev[i].fd, &e) != 0)
			goto out;
	}
	memset(res, 0, f->n_msg * sizeof(*res));
	uint64_t start = sim_now_ns(), end = start, scan = start;
	uint64_t deadline = start + (uint64_t)(o->duration * 1e9);
	for (uint32_t i = 0; i < nd && i < f->n_msg; i++, inflight++)
		put(f, res, &dev[i], i, start);
	while (inflight > 0) {
		int n = epoll_wait(ep, ev, EVENTS, 1);
		uint64_t now = sim_now_ns();
		for (int k = 0; k < n; k++) {
			struct pdev *d = &dev[ev[k].data.u32];
			size_t was = d->cur;
			if (take(f, res, arena, d, now) == 0)
				continue;
			end = now;
			size_t next = was + nd;
			if (next < f->n_msg && now < deadline)
				put(f, res, d, next, now);
			else
				inflight--;
		}
		if (now < scan + SCAN_NS)
			continue;
		scan = now;
		for (uint32_t i = 0; i < nd; i++) {
			struct pdev *d = &dev[i];
			struct sim_result *r = &res[d->cur];
			if (!d->busy || now < r->last_ns + timeout)
				continue;
			if (r->tries <= o->retries) {
				put(f, res, d, d->cur, now);
				continue;
			}
			r->lost = 1;
			d->busy = false;
			size_t next = d->cur + nd;
			if (next < f->n_msg && now < deadline)
				put(f, res, d, next, now);
			else
				inflight--;
		}
	}
	if (end == start)
		end = sim_now_ns();
	el = (double)(end - start) / 1e9;
out:
	for (uint32_t i = 0; dev != NULL && i < nd; i++)
		if (dev[i].fd >= 0)
			close(dev[i].fd);
	if (ep >= 0)
		close(ep);
	free(dev);
	return el;
}

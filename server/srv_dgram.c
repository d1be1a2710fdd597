/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A datagram listener: a socket and a receiver thread. The receiver waits
 * on the socket, then takes up to SRV_UDP_BATCH free slots, reads as many
 * datagrams as wait (recvmmsg) and gives the unused slots back at once, so
 * a burst is read in batches while idle listeners hold no slots; when
 * every slot is busy, datagrams wait in the socket buffer.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "srv_dgram.h"
#include "srv_psk.h"
#include "srv_udp.h"

struct dgram {
	struct srv_listener base;   /* first: the public handle */
	int fd;
	pthread_t receiver;
	int started;
	atomic_int stop;
};

static struct log_limit lim_recv;

static void *receiver_main(void *arg)
{
	struct dgram *d = arg;
	const struct srv_intake *in = d->base.in;
	struct srv_slot *held[SRV_UDP_BATCH];
	int more = 0;   /* the last read filled every slot: more may be waiting */
	while (!atomic_load(&d->stop)) {
		/* Slots are taken only once datagrams wait, and the unused ones go
		 * straight back: the pool is shared with the other listeners. */
		if (!more && !srv_udp_wait(d->fd, 100))
			continue;
		more = 0;
		size_t n = srv_queue_pop(in->pool, held, SRV_UDP_BATCH, 100, NULL);
		if (n == 0)
			continue;   /* every slot is busy: the socket buffer holds the rest */
		for (size_t i = 0; i < n; i++)
			srv_slot_reset(held[i], &d->base, d->base.method);
		int got = srv_udp_recv(d->fd, held, n);
		if (got < 0) {
			log_limited(&lim_recv, "%s receive failed", d->base.name);
			got = 0;
		}
		if (got > 0) {
			int64_t now = (int64_t)time(NULL);
			for (int i = 0; i < got; i++)
				held[i]->received_at = now;
			srv_stats_add(&in->stats->received, (uint64_t)got);
			srv_stats_add(&in->stats->received_by[d->base.method % SRV_STATS_METHODS],
				      (uint64_t)got);
			srv_queue_push(in->work, SRV_LANE_VERIFY, held, (size_t)got);
			more = (size_t)got == n;
		}
		srv_queue_push(in->pool, 0, held + got, n - (size_t)got);
	}
	return NULL;
}

static enum mayday_err dgram_start(struct srv_listener *l)
{
	struct dgram *d = (struct dgram *)l;
	if (pthread_create(&d->receiver, NULL, receiver_main, d) != 0)
		return MAYDAY_E_INTERNAL;
	d->started = 1;
	return MAYDAY_OK;
}

static void dgram_stop(struct srv_listener *l)
{
	struct dgram *d = (struct dgram *)l;
	atomic_store(&d->stop, 1);
	if (d->started)
		pthread_join(d->receiver, NULL);
	d->started = 0;
}

static void dgram_finish(struct srv_listener *l, struct srv_slot **s, size_t n)
{
	struct dgram *d = (struct dgram *)l;
	const struct srv_intake *in = l->in;
	size_t want = 0;
	for (size_t i = 0; i < n; i++) {
		srv_psk_forget(s[i]);
		want += s[i]->ack_len > 0;
	}
	size_t sent = want ? srv_udp_send_acks(d->fd, s, n) : 0;
	srv_stats_add(&in->stats->acks_sent, sent);
	srv_stats_add(&in->stats->ack_errors, want - sent);
	srv_queue_push(in->pool, 0, s, n);
}

static void dgram_destroy(struct srv_listener *l)
{
	struct dgram *d = (struct dgram *)l;
	if (d == NULL)
		return;
	dgram_stop(l);
	if (d->fd >= 0)
		close(d->fd);
	free(d);
}

static const struct srv_listener_ops dgram_ops = {
	.start = dgram_start,
	.stop = dgram_stop,
	.finish = dgram_finish,
	.destroy = dgram_destroy,
};

enum mayday_err srv_dgram_open(struct srv_listener **out, const char *name, uint32_t method,
			       const struct srv_addr *addr, unsigned rcvbuf,
			       const struct srv_intake *in)
{
	struct dgram *d = calloc(1, sizeof(*d));
	enum mayday_err err;
	*out = NULL;
	if (d == NULL)
		return MAYDAY_E_NOMEM;
	d->base = (struct srv_listener){.ops = &dgram_ops, .method = method, .name = name, .in = in};
	d->fd = -1;
	err = srv_udp_open(&addr->ss, addr->len, rcvbuf, &d->fd, d->base.bound,
			   sizeof(d->base.bound));
	if (err != MAYDAY_OK) {
		dgram_destroy(&d->base);
		return err;
	}
	*out = &d->base;
	return MAYDAY_OK;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Group commit. One transaction per batch: the cost of the fsync at COMMIT
 * is shared by every row in it, which is where the throughput comes from.
 * A row that can never be stored must not hold the others hostage, so on
 * MAYDAY_E_INVALID the batch is rolled back and redone without that row
 * (at most n redos; it never happens with rows that passed the verify stage).
 * A batch that lost to another writer's transaction (MAYDAY_E_RETRY: a
 * deadlock between nodes on one PostgreSQL) left nothing and is redone at
 * once, at most SRV_WRITER_REDO_MAX times, before it is left to the
 * devices' retries. Records are put in device ID order, so writers that
 * all do so take their devices' locks in one order.
 * The remediation decision of a signed row is made in the same transaction,
 * so an ack never advertises a schedule that was not committed.
 * A committed batch is observed in two histograms (srv_stats.h): its rows,
 * and the time from BEGIN to the returned COMMIT, redos included. How
 * many rows a batch takes is srv_writer_pace's (srv_writer.h): more while
 * the writer falls behind, never a longer wait for a lone indication.
 *
 * Each new signed row opened or joined an incident: that is logged once,
 * at notice level, after its COMMIT (a retransmission is a duplicate and
 * is not logged again), and so is a device's return from unreachable
 * (store_silence.h). A signed record the counter rule refused (stale,
 * or other claims under a stored counter) is logged too, rate limited, with
 * its counter and the device's highest accepted one. Device IDs and
 * component names are printable by the time they get here (the store and
 * the evidence decoder check them).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "mayday/evidence.h"
#include "srv_config.h"
#include "srv_writer.h"
#include "store_query.h"

static struct log_limit lim_invalid, lim_failed, lim_refused, lim_redo;

/* A signed record the counter rule refused (store_ingest.h): the device's
 * own counter went back, or someone replays what it sent. */
static void log_refused(const struct srv_slot *s)
{
	const struct store_ingest_rec *r = &s->rec;
	log_limited(&lim_refused, "%s indication from %s for device %s, counter %llu: %s; the "
		    "device's highest accepted counter is %llu: refused (rejected)",
		    mayday_transport_name(r->transport), s->peer_text, s->ind.device_id,
		    (unsigned long long)s->ind.counter,
		    r->outcome == STORE_STALE ? "not above the highest accepted, never stored"
					      : "another message under a stored counter",
		    (unsigned long long)r->high);
}

static void log_incident(const struct srv_slot *s)
{
	const struct store_ingest_rec *r = &s->rec;
	const struct mayday_evidence *ev = &s->ind.evidence;
	log_notice("distress: device %s, incident %lld, method %s, trust %s, channel %s, "
		   "reason %s, first failed component %s (%u failed)%s", s->ind.device_id,
		   (long long)r->incident_id, mayday_transport_name(r->transport),
		   store_trust_name(r->trust), store_channel_name(r->channel_auth),
		   mayday_reason_name(ev->reason), ev->n_failed > 0 ? ev->failed[0].name : "-",
		   ev->n_failed, s->acs_url != NULL ? ", remediation scheduled"
		   : s->wait_s != 0 ? ", remediation waits (device told to come back)" : "");
}

/* Remediation is decided for signed rows that joined an incident: a new
 * one, or the retransmission of the device's latest. An older row
 * retransmitted (or replayed) is answered as stored, but decides nothing:
 * the device has moved on since. */
static enum mayday_err remed(struct store *st, struct srv_slot *s,
			     const struct srv_acs_policy *pol)
{
	bool yes = false, pending = false;
	const struct store_ingest_rec *r = &s->rec;
	if (!srv_acs_policy_on(pol) || r->trust != STORE_TRUST_SIGNED || r->incident_id == 0 ||
	    (r->outcome != STORE_NEW && r->outcome != STORE_DUPLICATE) ||
	    (r->outcome == STORE_DUPLICATE && s->ind.counter != r->high))
		return MAYDAY_OK;
	enum mayday_err err = srv_acs_policy_apply(pol, st, s->ind.device_id, r->received_at, &yes,
						   &pending);
	if (err == MAYDAY_OK && yes)
		s->acs_url = pol->acs_url;
	else if (err == MAYDAY_OK && pending)
		s->wait_s = pol->wait_s;
	return err;
}

enum mayday_err srv_writer_commit(struct store *st, struct srv_slot **slots, size_t n,
				  struct srv_stats *stats)
{
	return srv_writer_commit_remed(st, slots, n, stats, NULL);
}

_Static_assert(SRV_WRITER_SORT_MAX >= SRV_BATCH_MAX, "every batch is put in device order");

/* The order a batch's records are put in: by device ID, each device's
 * records in the order they came (the index breaks ties). */
struct put_order {
	const char *device_id;
	size_t i;
};

static int by_device(const void *a, const void *b)
{
	const struct put_order *x = a, *y = b;
	int c = strcmp(x->device_id, y->device_id);
	return c != 0 ? c : (x->i > y->i) - (x->i < y->i);
}

enum mayday_err srv_writer_commit_remed(struct store *st, struct srv_slot **slots, size_t n,
					struct srv_stats *stats, const struct srv_acs_policy *pol)
{
	enum mayday_err err = MAYDAY_OK;
	uint64_t t0 = srv_stats_now_ns(), rows = 0;
	struct put_order order[SRV_WRITER_SORT_MAX];
	size_t n_order = n <= SRV_WRITER_SORT_MAX ? n : 0;
	unsigned redos = 0;
	for (size_t i = 0; i < n; i++)
		slots[i]->committed = 0;
	/* Every writer locking the devices of its batch in one order cannot
	 * deadlock with another on them (several nodes on one PostgreSQL). */
	for (size_t i = 0; i < n_order; i++)
		order[i] = (struct put_order){slots[i]->ind.device_id, i};
	if (n_order > 1)
		qsort(order, n_order, sizeof(order[0]), by_device);
	for (;;) {
		size_t bad = n;
		for (size_t i = 0; i < n; i++) {
			slots[i]->acs_url = NULL;
			slots[i]->wait_s = 0;
		}
		err = store_ingest_begin(st);
		if (err != MAYDAY_OK)
			goto failed;
		for (size_t k = 0; k < n; k++) {
			size_t i = n_order == n ? order[k].i : k;
			if (slots[i]->verdict != SRV_STORE)
				continue;
			err = store_ingest_put(st, &slots[i]->rec);
			if (err == MAYDAY_E_INVALID) {
				bad = i;
				break;
			}
			if (err == MAYDAY_OK)
				err = remed(st, slots[i], pol);
			if (err != MAYDAY_OK) {
				store_ingest_rollback(st);
				break;
			}
		}
		if (bad < n) {
			store_ingest_rollback(st);
			log_limited(&lim_invalid, "indication from %s cannot be stored (%s): dropped",
				    slots[bad]->peer_text, store_errmsg(st));
			srv_stats_add(&stats->store_errors, 1);
			slots[bad]->verdict = SRV_DROP_MALFORMED;
			continue;
		}
		if (err == MAYDAY_OK)
			err = store_ingest_commit(st);
		/* Lost to another node's transaction (a deadlock): nothing of it
		 * stayed, and the other has gone on, so it is redone at once. */
		if (err == MAYDAY_E_RETRY && redos < SRV_WRITER_REDO_MAX) {
			redos++;
			log_limited(&lim_redo, "batch of %zu indications lost to a concurrent "
				    "transaction (%s): redone (%u of %d)", n, store_errmsg(st),
				    redos, SRV_WRITER_REDO_MAX);
			continue;
		}
		if (err != MAYDAY_OK)
			goto failed;
		break;
	}
	srv_stats_add(&stats->batches, 1);
	for (size_t i = 0; i < n; i++) {
		struct srv_slot *s = slots[i];
		if (s->verdict != SRV_STORE)
			continue;
		s->committed = 1;
		rows++;
		if (s->rec.outcome == STORE_NEW && s->rec.back_from_silence)
			log_notice("silence: device %s heard from again (distress indication), "
				   "incident %lld", s->ind.device_id,
				   (long long)s->rec.incident_id);
		if (s->rec.outcome == STORE_NEW && s->rec.incident_id != 0)
			log_incident(s);
		switch (s->rec.outcome) {
		case STORE_NEW: srv_stats_add(&stats->stored, 1); break;
		case STORE_DUPLICATE: srv_stats_add(&stats->duplicates, 1); break;
		case STORE_CONFLICT:
			srv_stats_add(&stats->conflicts, 1);
			if (s->rec.trust == STORE_TRUST_SIGNED)
				log_refused(s);
			break;
		case STORE_STALE:
			srv_stats_add(&stats->stale, 1);
			log_refused(s);
			break;
		case STORE_REPLAY: srv_stats_add(&stats->psk_replays, 1); break;
		}
	}
	srv_stats_observe(stats, SRV_HIST_COMMIT, srv_stats_now_ns() - t0);
	srv_stats_observe(stats, SRV_HIST_BATCH_ROWS, rows);
	return MAYDAY_OK;
failed:
	srv_stats_add(&stats->store_errors, 1);
	log_limited(&lim_failed, "batch of %zu indications not stored: %s (%s); not acked, "
		    "devices retry", n, mayday_strerror(err), store_errmsg(st));
	return err;
}

void srv_writer_pace_init(struct srv_writer_pace *p, size_t base, size_t max)
{
	p->base = base > 0 ? base : 1;
	p->max = max > p->base ? max : p->base;
	p->cap = p->base;
}

unsigned srv_writer_pace_wait_us(const struct srv_writer_pace *p, size_t n)
{
	return n >= SRV_WRITER_GATHER_MIN && n < p->cap ? SRV_WRITER_GATHER_US : 0;
}

void srv_writer_pace_taken(struct srv_writer_pace *p, size_t n, size_t left)
{
	if (n >= p->cap && left > 0)
		p->cap = p->cap > p->max / 2 ? p->max : 2 * p->cap;
	else if (n < p->cap / 2)
		p->cap = p->cap / 2 > p->base ? p->cap / 2 : p->base;
}

size_t srv_writer_gather(struct srv_writer_pace *p, struct srv_queue *q, struct srv_slot **s)
{
	size_t n = srv_queue_pop(q, s, p->cap, -1, NULL);
	unsigned wait = srv_writer_pace_wait_us(p, n);
	if (wait > 0) {
		struct timespec pause = {0, (long)wait * 1000L};
		nanosleep(&pause, NULL);
		n += srv_queue_pop(q, s + n, p->cap - n, 0, NULL);
	}
	if (n > 0)
		srv_writer_pace_taken(p, n, srv_queue_count(q));
	return n;
}

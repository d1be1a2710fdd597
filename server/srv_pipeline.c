/*
 * Threads and hand-over. Every slot is always in exactly one place: the
 * free pool, a thread's hands, the work queue (lane 0: committed, to ack;
 * lane 1: received, to verify) or the commit queue. That makes shutdown
 * simple and lossless: stop the receiver, wait until the pool holds every
 * slot again (everything received was committed and acked, or dropped),
 * then close the queues so the other threads leave their loops.
 *
 * Workers prefer lane 0, so committed rows are acked before new datagrams
 * are verified, which keeps latency flat under load. The writer takes
 * whatever has accumulated (up to `batch`) while the previous COMMIT ran,
 * so batches grow with load. Under load (a backlog of at least
 * GATHER_BACKLOG rows) it also waits up to GATHER_US for more before it
 * commits: a COMMIT's fsync and page writes cost CPU per transaction, not
 * per row, and the CPU is shared with verification. A lone indication
 * never waits.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "srv_ack.h"
#include "srv_ingest.h"
#include "srv_keycache.h"
#include "log.h"
#include "srv_pipeline.h"
#include "srv_queue.h"
#include "srv_ratelimit.h"
#include "srv_udp.h"
#include "srv_writer.h"
#include "store.h"

enum { LANE_ACK = 0, LANE_VERIFY = 1 };
#define VERIFY_TAKE 8    /* datagrams a worker takes at once */
#define GATHER_BACKLOG VERIFY_TAKE
#define GATHER_US 4000
#define KEYCACHE_MIN 65536
#define VERIFIER_KEYS 8192 /* device keys whose verify contexts a worker keeps */

struct srv_pipeline;

struct worker {
	struct srv_pipeline *p;
	struct store *st;
	struct mayday_signer signer;        /* this thread's: it keeps OpenSSL contexts */
	struct mayday_cose_verifier *ver;
	pthread_t thread;
	int started;
};

struct srv_pipeline {
	const struct srv_config *cfg;
	int fd;
	struct srv_slot *slots;
	size_t n_slots;
	struct srv_queue pool, work, commit;
	struct srv_keycache keys;
	struct srv_ratelimit limit;
	struct srv_stats stats;
	struct srv_ingest ingest;
	struct store *writer_st;
	struct worker *workers;
	unsigned n_workers;
	pthread_t receiver, writer;
	int receiver_started, writer_started;
	atomic_int stop;
};

static struct log_limit lim_recv, lim_ack;

static void *receiver_main(void *arg)
{
	struct srv_pipeline *p = arg;
	struct srv_slot *held[SRV_UDP_BATCH];
	size_t n_held = 0;
	while (!atomic_load(&p->stop)) {
		if (n_held < SRV_UDP_BATCH)
			n_held += srv_queue_pop(&p->pool, held + n_held, SRV_UDP_BATCH - n_held,
						n_held ? 0 : 100, NULL);
		if (n_held == 0)
			continue;   /* every slot is busy: the socket buffer holds the rest */
		int got = srv_udp_recv(p->fd, held, n_held);
		if (got < 0) {
			log_limited(&lim_recv, "udp receive failed");
			got = 0;
		}
		if (got == 0) {
			srv_udp_wait(p->fd, 100);
			continue;
		}
		int64_t now = (int64_t)time(NULL);
		for (int i = 0; i < got; i++)
			held[i]->received_at = now;
		srv_stats_add(&p->stats.received, (uint64_t)got);
		srv_queue_push(&p->work, LANE_VERIFY, held, (size_t)got);
		n_held -= (size_t)got;
		memmove(held, held + got, n_held * sizeof(held[0]));
	}
	srv_queue_push(&p->pool, 0, held, n_held);
	return NULL;
}

static void do_acks(struct worker *w, struct srv_slot **s, size_t n)
{
	struct srv_pipeline *p = w->p;
	for (size_t i = 0; i < n; i++) {
		s[i]->ack_len = 0;
		if (!s[i]->committed)
			continue;
		if (srv_ack_build(&w->signer, s[i]) != MAYDAY_OK) {
			srv_stats_add(&p->stats.ack_errors, 1);
			log_limited(&lim_ack, "signing an ack failed");
		}
	}
	size_t want = 0;
	for (size_t i = 0; i < n; i++)
		want += s[i]->ack_len > 0;
	size_t sent = srv_udp_send_acks(p->fd, s, n);
	srv_stats_add(&p->stats.acks_sent, sent);
	srv_stats_add(&p->stats.ack_errors, want - sent);
	srv_queue_push(&p->pool, 0, s, n);
}

static void do_verify(struct worker *w, struct srv_slot **s, size_t n)
{
	struct srv_pipeline *p = w->p;
	struct srv_slot *keep[VERIFY_TAKE], *drop[VERIFY_TAKE];
	size_t nk = 0, nd = 0;
	for (size_t i = 0; i < n; i++) {
		if (srv_ingest_check(&p->ingest, w->st, w->ver, s[i]) == SRV_STORE)
			keep[nk++] = s[i];
		else
			drop[nd++] = s[i];
	}
	srv_queue_push(&p->commit, 0, keep, nk);
	srv_queue_push(&p->pool, 0, drop, nd);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct srv_slot *s[SRV_UDP_BATCH];
	unsigned lane = 0;
	size_t n;
	while ((n = srv_queue_pop(&w->p->work, s, VERIFY_TAKE, -1, &lane)) > 0) {
		if (lane == LANE_ACK)
			do_acks(w, s, n);
		else
			do_verify(w, s, n);
	}
	return NULL;
}

static void *writer_main(void *arg)
{
	struct srv_pipeline *p = arg;
	struct srv_slot **s = calloc(p->cfg->batch, sizeof(*s));
	size_t n;
	if (s == NULL) {
		log_warnx("writer: out of memory");
		return NULL;
	}
	while ((n = srv_queue_pop(&p->commit, s, p->cfg->batch, -1, NULL)) > 0) {
		if (n >= GATHER_BACKLOG && n < p->cfg->batch) {
			struct timespec pause = {0, GATHER_US * 1000L};
			nanosleep(&pause, NULL);
			n += srv_queue_pop(&p->commit, s + n, p->cfg->batch - n, 0, NULL);
		}
		/* On failure it logged, and no slot is committed: none is acked. */
		enum mayday_err err = srv_writer_commit(p->writer_st, s, n, &p->stats);
		(void)err;
		srv_queue_push(&p->work, LANE_ACK, s, n);
	}
	free(s);
	return NULL;
}

struct srv_stats *srv_pipeline_stats(struct srv_pipeline *p)
{
	return &p->stats;
}

enum mayday_err srv_pipeline_create(struct srv_pipeline **out, const struct srv_config *cfg,
				    int fd, EVP_PKEY *hems_key)
{
	enum mayday_err err;
	struct srv_pipeline *p = calloc(1, sizeof(*p));
	*out = NULL;
	if (p == NULL)
		return MAYDAY_E_NOMEM;
	p->cfg = cfg;
	p->fd = fd;
	p->n_slots = cfg->queue;
	p->n_workers = cfg->workers;
	p->slots = calloc(p->n_slots, sizeof(*p->slots));
	p->workers = calloc(p->n_workers, sizeof(*p->workers));
	if (p->slots == NULL || p->workers == NULL) {
		err = MAYDAY_E_NOMEM;
		goto fail;
	}
	if ((err = srv_queue_init(&p->pool, p->n_slots, 1)) != MAYDAY_OK ||
	    (err = srv_queue_init(&p->work, p->n_slots, 2)) != MAYDAY_OK ||
	    (err = srv_queue_init(&p->commit, p->n_slots, 1)) != MAYDAY_OK ||
	    (err = srv_keycache_init(&p->keys, KEYCACHE_MIN)) != MAYDAY_OK ||
	    (err = srv_ratelimit_init(&p->limit, cfg->sources, cfg->unverified_per_source,
				      cfg->unverified_per_source_burst, cfg->unverified_global,
				      cfg->unverified_global_burst)) != MAYDAY_OK)
		goto fail;
	for (size_t i = 0; i < p->n_slots; i++) {
		struct srv_slot *s = &p->slots[i];
		srv_queue_push(&p->pool, 0, &s, 1);
	}
	p->ingest = (struct srv_ingest){.keys = &p->keys, .limit = &p->limit,
					.stats = &p->stats, .max_datagram = cfg->max_datagram};
	if ((err = store_open(&p->writer_st, cfg->db)) != MAYDAY_OK) {
		log_warnx("store %s: %s", cfg->db, mayday_strerror(err));
		goto fail;
	}
	for (unsigned i = 0; i < p->n_workers; i++) {
		struct worker *w = &p->workers[i];
		w->p = p;
		if ((err = store_open(&w->st, cfg->db)) != MAYDAY_OK ||
		    (err = mayday_signer_open(&w->signer, hems_key, NULL, 0)) != MAYDAY_OK ||
		    (err = mayday_cose_verifier_new(&w->ver, VERIFIER_KEYS)) != MAYDAY_OK) {
			log_warnx("worker %u: %s", i, mayday_strerror(err));
			goto fail;
		}
	}
	*out = p;
	return MAYDAY_OK;
fail:
	srv_pipeline_destroy(p);
	return err;
}

enum mayday_err srv_pipeline_run(struct srv_pipeline *p)
{
	if (pthread_create(&p->writer, NULL, writer_main, p) != 0)
		return MAYDAY_E_INTERNAL;
	p->writer_started = 1;
	for (unsigned i = 0; i < p->n_workers; i++) {
		if (pthread_create(&p->workers[i].thread, NULL, worker_main, &p->workers[i]) != 0)
			return MAYDAY_E_INTERNAL;
		p->workers[i].started = 1;
	}
	if (pthread_create(&p->receiver, NULL, receiver_main, p) != 0)
		return MAYDAY_E_INTERNAL;
	p->receiver_started = 1;
	return MAYDAY_OK;
}

void srv_pipeline_stop(struct srv_pipeline *p)
{
	atomic_store(&p->stop, 1);
	if (p->receiver_started)
		pthread_join(p->receiver, NULL);
	p->receiver_started = 0;
	/* Everything received is now in flight: let it commit and be acked. */
	if (p->writer_started && p->slots != NULL)
		srv_queue_wait_count(&p->pool, p->n_slots);
	if (p->work.inited)
		srv_queue_close(&p->work);
	if (p->commit.inited)
		srv_queue_close(&p->commit);
	for (unsigned i = 0; p->workers != NULL && i < p->n_workers; i++) {
		if (p->workers[i].started)
			pthread_join(p->workers[i].thread, NULL);
		p->workers[i].started = 0;
	}
	if (p->writer_started)
		pthread_join(p->writer, NULL);
	p->writer_started = 0;
}

void srv_pipeline_destroy(struct srv_pipeline *p)
{
	if (p == NULL)
		return;
	srv_pipeline_stop(p);
	for (unsigned i = 0; p->workers != NULL && i < p->n_workers; i++) {
		store_close(p->workers[i].st);
		mayday_signer_close(&p->workers[i].signer);
		mayday_cose_verifier_free(p->workers[i].ver);
	}
	store_close(p->writer_st);
	srv_ratelimit_fini(&p->limit);
	srv_keycache_fini(&p->keys);
	srv_queue_fini(&p->commit);
	srv_queue_fini(&p->work);
	srv_queue_fini(&p->pool);
	free(p->workers);
	free(p->slots);
	free(p);
}

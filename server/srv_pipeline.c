/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Threads and hand-over. Every slot is always in exactly one place: the
 * free pool, a listener's or a thread's hands, the work queue (lane 0:
 * committed, to ack; lane 1: received, to verify) or the commit queue.
 * That makes shutdown simple and lossless: stop the listeners, wait until
 * the pool holds every slot again (everything received was committed and
 * answered, or dropped), then close the queues so the other threads leave
 * their loops.
 *
 * The stages do not know the methods: listeners (srv_listener.h) fill
 * slots and answer them, the verify stage (srv_ingest) and the writer see
 * only slots. Workers prefer lane 0, so committed rows are acked before new
 * indications are verified, which keeps latency flat under load. The
 * writer takes whatever has accumulated while the previous COMMIT ran, so
 * batches grow with load; how many at most, and how long it waits for
 * more, is srv_writer_gather's (srv_writer.h): up to `batch` while it
 * keeps up, up to half the slots while it falls behind, a short wait under
 * load (a COMMIT's fsync and page writes cost CPU per transaction, not per
 * row, and the CPU is shared with verification). A lone indication never
 * waits.
 * After the COMMIT the writer also signs the batch's one acknowledgement
 * root (srv_ack.h, [ack] batch), so the workers sign only the acks of
 * devices that take the single form.
 *
 * Every slot leaving the pipeline passes finish(), where its outcome is
 * counted (srv_stats_finished). The admin listener (srv_admin.h, off by
 * default) reads the stats and the queues' depths; it is not a distress
 * listener and lives from create to destroy. Nor are the silence and the
 * fleet anomaly sweepers (srv_silence.h, srv_fleet.h) or event delivery
 * (srv_events.h), each its own thread and store handle, started with the
 * writer and stopped after it.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "srv_ack.h"
#include "srv_admin.h"
#include "srv_dgram.h"
#include "srv_http.h"
#include "srv_ikemap.h"
#include "srv_ingest.h"
#include "srv_keycache.h"
#include "srv_listener.h"
#include "srv_pipeline.h"
#include "srv_psk.h"
#include "srv_queue.h"
#include "srv_ratelimit.h"
#include "srv_sigguard.h"
#include "srv_tls.h"
#include "srv_fleet.h"
#include "srv_silence.h"
#include "srv_events.h"
#include "srv_writer.h"
#include "store.h"

#define VERIFY_TAKE 8    /* slots a worker takes at once */
#define KEYCACHE_MIN 65536
#define VERIFIER_KEYS 8192 /* device keys whose verify contexts a worker keeps */
#define IKEMAP_ENTRIES 4096
#define LISTENERS_MAX 5

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
	EVP_PKEY *hems_key;          /* borrowed: the listeners sign busy answers with it */
	struct srv_slot *slots;
	size_t n_slots;
	struct srv_queue pool, work, commit;
	struct srv_intake intake;
	struct srv_keycache keys;
	struct srv_ratelimit limit;
	struct srv_sigguard guard;
	struct srv_stats stats;
	struct srv_ikemap *ike;
	struct srv_ingest ingest;
	struct srv_acs_policy acs_policy;
	struct store *writer_st;
	struct srv_tls_files tls_files;   /* [https]: the https listener builds and owns its
					   * TLS context from these, at open and on reload */
	struct worker *workers;
	unsigned n_workers;
	struct srv_listener *listeners[LISTENERS_MAX];
	unsigned n_listeners;
	int listening;
	struct srv_admin *admin;       /* NULL when [admin] is off */
	struct srv_silence *silence;   /* NULL when [silence] is off */
	struct srv_events *events;     /* NULL when [events] has no consumer */
	struct srv_fleet *fleet;       /* NULL without a [fleet] rule */
	pthread_t writer;
	int writer_started;
	struct mayday_signer writer_signer;   /* the writer's: one root signature per batch */
	struct srv_ack_batcher batcher;       /* tree unset: [ack] batch off */
};

static struct log_limit lim_ack;

/* Counts finished slots, then hands them to their listeners, grouped by
 * listener. */
static void finish(struct srv_stats *st, struct srv_slot **s, size_t n)
{
	struct srv_slot *group[VERIFY_TAKE];
	uint64_t now = srv_stats_now_ns();
	for (size_t i = 0; i < n; i++)
		srv_stats_finished(st, s[i], now);
	while (n > 0) {
		struct srv_listener *l = s[0]->via;
		size_t k = 0, rest = 0;
		for (size_t i = 0; i < n; i++) {
			if (s[i]->via == l && k < VERIFY_TAKE)
				group[k++] = s[i];
			else
				s[rest++] = s[i];
		}
		l->ops->finish(l, group, k);
		n = rest;
	}
}

static void do_acks(struct worker *w, struct srv_slot **s, size_t n)
{
	struct srv_pipeline *p = w->p;
	for (size_t i = 0; i < n; i++) {
		/* Not committed: no answer but the method's error (keys wiped). */
		enum mayday_err err = srv_ack_build(&w->signer, s[i]);
		if (err != MAYDAY_OK && s[i]->committed && err != MAYDAY_E_REPLAY) {
			srv_stats_add(&p->stats.ack_errors, 1);
			log_limited(&lim_ack, "building an ack failed: %s", mayday_strerror(err));
		}
	}
	finish(&p->stats, s, n);
}

static void do_verify(struct worker *w, struct srv_slot **s, size_t n)
{
	struct srv_pipeline *p = w->p;
	struct srv_slot *keep[VERIFY_TAKE], *drop[VERIFY_TAKE];
	size_t nk = 0, nd = 0;
	for (size_t i = 0; i < n; i++) {
		if (srv_ingest_check(&p->ingest, w->st, w->ver, s[i]) == SRV_STORE) {
			keep[nk++] = s[i];
		} else {
			srv_psk_forget(s[i]);
			drop[nd++] = s[i];
		}
	}
	srv_queue_push(&p->commit, 0, keep, nk);
	finish(&p->stats, drop, nd);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct srv_slot *s[VERIFY_TAKE];
	unsigned lane = 0;
	size_t n;
	while ((n = srv_queue_pop(&w->p->work, s, VERIFY_TAKE, -1, &lane)) > 0) {
		if (lane == SRV_LANE_ACK)
			do_acks(w, s, n);
		else
			do_verify(w, s, n);
	}
	return NULL;
}

/* The most rows the writer gathers into one COMMIT when it falls behind
 * (srv_writer_gather): half the slots, but never more than the largest
 * `batch` one may configure, so that one transaction does not hold the
 * store's write lock from the API, the sweeper and the ACS for long. */
static size_t grown_batch(const struct srv_pipeline *p)
{
	size_t max = p->n_slots / 2 < SRV_BATCH_MAX ? p->n_slots / 2 : SRV_BATCH_MAX;
	return max > p->cfg->batch ? max : p->cfg->batch;
}

static void *writer_main(void *arg)
{
	struct srv_pipeline *p = arg;
	struct srv_writer_pace pace;
	srv_writer_pace_init(&pace, p->cfg->batch, grown_batch(p));
	struct srv_slot **s = calloc(pace.max, sizeof(*s));
	size_t n;
	if (s == NULL) {
		log_warnx("writer: out of memory");
		return NULL;
	}
	while ((n = srv_writer_gather(&pace, &p->commit, s)) > 0) {
		/* On failure it logged, and no slot is committed: none is acked. */
		enum mayday_err err = srv_writer_commit_remed(p->writer_st, s, n, &p->stats,
							      &p->acs_policy);
		(void)err;
		/* Committed: the batch-form acks under one root signature. */
		srv_ack_batch(&p->batcher, &p->writer_signer, s, n, &p->stats);
		srv_queue_push(&p->work, SRV_LANE_ACK, s, n);
	}
	free(s);
	return NULL;
}

struct srv_stats *srv_pipeline_stats(struct srv_pipeline *p)
{
	return &p->stats;
}

void srv_pipeline_psk_forget(struct srv_pipeline *p, const uint8_t *kid, size_t kid_len)
{
	srv_pskcache_drop(&p->keys.psk, kid, kid_len);
}

/* Keeps a listener just opened (err tells whether it was). */
static enum mayday_err keep(struct srv_pipeline *p, enum mayday_err err, struct srv_listener **l)
{
	if (err == MAYDAY_OK)
		p->listeners[p->n_listeners++] = *l;
	*l = NULL;
	return err;
}

static struct srv_http_opts http_opts(const struct srv_config *cfg, const char *name,
				      uint32_t method, const struct srv_addr *addr)
{
	return (struct srv_http_opts){
		.name = name,
		.method = method,
		.addr = addr,
		.max_body = cfg->max_datagram,
		.max_header = cfg->http_header_max,
		.timeout_s = cfg->http_timeout,
		.request_timeout_ms = cfg->http_request_timeout_ms,
		.handshake_timeout_ms = cfg->tls_handshake_timeout_ms,
		.max_connections = cfg->http_connections,
		.max_per_source = cfg->http_connections_per_source,
		.threads = cfg->http_threads,
	};
}

/* Opens every configured listener (sockets bound, TLS context loaded). */
static enum mayday_err open_listeners(struct srv_pipeline *p)
{
	const struct srv_config *cfg = p->cfg;
	struct srv_listener *l = NULL;
	enum mayday_err err;

	if (cfg->udp_listen.len) {
		err = srv_dgram_open(&l, "udp", MAYDAY_TRANSPORT_PLAIN_UDP, &cfg->udp_listen,
				     cfg->rcvbuf, &p->intake);
		if (keep(p, err, &l) != MAYDAY_OK)
			return err;
	}
	if (cfg->http_listen.len) {
		struct srv_http_opts o = http_opts(cfg, "http", MAYDAY_TRANSPORT_PLAIN_HTTP,
						   &cfg->http_listen);
		o.busy_key = p->hems_key;   /* admission control: signed 503 answers */
		if (keep(p, srv_http_open(&l, &o, &p->intake), &l) != MAYDAY_OK)
			return MAYDAY_E_IO;
	}
	if (cfg->https_listen.len) {
		struct srv_http_opts o = http_opts(cfg, "https", MAYDAY_TRANSPORT_TLS,
						   &cfg->https_listen);
		o.acs = &p->acs_policy;   /* the ACS shares the HTTPS listener */
		o.busy_key = p->hems_key;
		o.db = cfg->db;
		o.kek = cfg->psk_kek;
		p->tls_files = (struct srv_tls_files){.cert = cfg->https_cert, .key = cfg->https_key,
						      .ca = cfg->https_ca, .crl = cfg->https_crl,
						      .cert_optional = cfg->acs_url[0] &&
								       cfg->acs_http_auth,
						      .stats = &p->stats};
		o.tls = &p->tls_files;
		/* It logs why its TLS context cannot be built. */
		if ((err = keep(p, srv_http_open(&l, &o, &p->intake), &l)) != MAYDAY_OK)
			return err;
	}
	if (cfg->psk_listen.len) {
		err = srv_dgram_open(&l, "psk", MAYDAY_TRANSPORT_PSK, &cfg->psk_listen, cfg->rcvbuf,
				     &p->intake);
		if (keep(p, err, &l) != MAYDAY_OK)
			return err;
	}
	if (cfg->ipsec_listen.len) {
		struct srv_ike ike;
		err = srv_ike_init(&ike, cfg->ipsec_vici, cfg->ipsec_conn[0] ? cfg->ipsec_conn : NULL,
				   cfg->ipsec_timeout_ms);
		if (err == MAYDAY_OK)
			err = srv_ikemap_new(&p->ike, &ike, cfg->ipsec_identity_ttl_ms,
					     IKEMAP_ENTRIES);
		if (err != MAYDAY_OK) {
			log_warnx("[ipsec] vici %s: %s", cfg->ipsec_vici, mayday_strerror(err));
			return err;
		}
		p->ingest.ike = p->ike;
		err = srv_dgram_open(&l, "ipsec", MAYDAY_TRANSPORT_IPSEC, &cfg->ipsec_listen,
				     cfg->rcvbuf, &p->intake);
		if (keep(p, err, &l) != MAYDAY_OK)
			return err;
	}
	return MAYDAY_OK;
}

static enum mayday_err open_admin(struct srv_pipeline *p)
{
	const struct srv_admin_opts o = {
		.addr = &p->cfg->admin_listen,
		.max_header = p->cfg->http_header_max,
		.timeout_s = p->cfg->http_timeout,
		.db = p->cfg->db,
		.src = {.stats = &p->stats, .pool = &p->pool, .work = &p->work,
			.commit = &p->commit, .n_slots = p->n_slots},
	};
	return srv_admin_open(&p->admin, &o);
}

enum mayday_err srv_pipeline_create(struct srv_pipeline **out, const struct srv_config *cfg,
				    EVP_PKEY *hems_key)
{
	enum mayday_err err;
	struct srv_pipeline *p = calloc(1, sizeof(*p));
	*out = NULL;
	if (p == NULL)
		return MAYDAY_E_NOMEM;
	p->cfg = cfg;
	p->hems_key = hems_key;
	srv_acs_policy_from_config(&p->acs_policy, cfg);
	{
		char why[512];
		if ((err = srv_acs_policy_check_bundles(&p->acs_policy, why, sizeof(why))) !=
		    MAYDAY_OK) {
			log_warnx("%s", why);
			goto fail;
		}
	}
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
				      cfg->unverified_global_burst)) != MAYDAY_OK ||
	    (err = srv_sigguard_init(&p->guard, cfg->sources, cfg->bad_signature_rate,
				     cfg->bad_signature_burst, cfg->bad_signature_probes)) !=
		    MAYDAY_OK)
		goto fail;
	for (size_t i = 0; i < p->n_slots; i++) {
		struct srv_slot *s = &p->slots[i];
		srv_queue_push(&p->pool, 0, &s, 1);
	}
	p->intake = (struct srv_intake){.pool = &p->pool, .work = &p->work, .stats = &p->stats,
					.n_slots = p->n_slots};
	p->ingest = (struct srv_ingest){.keys = &p->keys, .limit = &p->limit, .guard = &p->guard,
					.stats = &p->stats, .max_datagram = cfg->max_datagram};
	/* The first connection creates or migrates the store and checks it
	 * whole: a damaged file is refused before anything is acknowledged. */
	char why[512];
	if ((err = store_open_ex(&p->writer_st, cfg->db, STORE_OPEN_CREATE | STORE_OPEN_CHECK, why,
				 sizeof(why))) != MAYDAY_OK) {
		log_warnx("store: %s", why[0] ? why : mayday_strerror(err));
		goto fail;
	}
	/* As many leaves as the largest batch the writer gathers, so a grown
	 * batch is still one root. */
	if (strcmp(cfg->ack_batch, "on") == 0 &&
	    ((err = mayday_signer_open(&p->writer_signer, hems_key, NULL, 0)) != MAYDAY_OK ||
	     (err = srv_ack_batcher_init(&p->batcher, grown_batch(p))) != MAYDAY_OK)) {
		log_warnx("batch acks: %s", mayday_strerror(err));
		goto fail;
	}
	/* The writer's handle first: it seals any plaintext PSK rows. */
	if (cfg->psk_kek[0] && (err = store_psk_kek(p->writer_st, cfg->psk_kek)) != MAYDAY_OK) {
		log_warnx("psk_kek %s: %s", cfg->psk_kek, mayday_strerror(err));
		goto fail;
	}
	for (unsigned i = 0; i < p->n_workers; i++) {
		struct worker *w = &p->workers[i];
		w->p = p;
		if ((err = store_open(&w->st, cfg->db)) != MAYDAY_OK ||
		    (cfg->psk_kek[0] && (err = store_psk_kek(w->st, cfg->psk_kek)) != MAYDAY_OK) ||
		    (err = mayday_signer_open(&w->signer, hems_key, NULL, 0)) != MAYDAY_OK ||
		    (err = mayday_cose_verifier_new(&w->ver, VERIFIER_KEYS)) != MAYDAY_OK) {
			log_warnx("worker %u: %s", i, mayday_strerror(err));
			goto fail;
		}
	}
	if ((err = srv_silence_new(&p->silence, cfg)) != MAYDAY_OK) {
		log_warnx("silence sweeper: %s", mayday_strerror(err));
		goto fail;
	}
	if ((err = srv_events_new(&p->events, cfg)) != MAYDAY_OK) {
		log_warnx("event delivery: %s", mayday_strerror(err));
		goto fail;
	}
	if ((err = srv_fleet_new(&p->fleet, cfg)) != MAYDAY_OK) {
		log_warnx("fleet anomaly sweeper: %s", mayday_strerror(err));
		goto fail;
	}
	if ((err = open_listeners(p)) != MAYDAY_OK)
		goto fail;
	if (cfg->admin_listen.len && (err = open_admin(p)) != MAYDAY_OK)
		goto fail;
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
	if (srv_silence_start(p->silence) != MAYDAY_OK || srv_fleet_start(p->fleet) != MAYDAY_OK)
		return MAYDAY_E_INTERNAL;
	if (srv_events_start(p->events) != MAYDAY_OK)
		return MAYDAY_E_INTERNAL;
	for (unsigned i = 0; i < p->n_workers; i++) {
		if (pthread_create(&p->workers[i].thread, NULL, worker_main, &p->workers[i]) != 0)
			return MAYDAY_E_INTERNAL;
		p->workers[i].started = 1;
	}
	p->listening = 1;
	for (unsigned i = 0; i < p->n_listeners; i++) {
		struct srv_listener *l = p->listeners[i];
		enum mayday_err err = l->ops->start(l);
		if (err != MAYDAY_OK) {
			log_warnx("%s listener on %s: %s", l->name, l->bound, mayday_strerror(err));
			return err;
		}
		log_info("listening on %s %s", l->name, l->bound);
	}
	if (p->admin != NULL) {
		if (srv_admin_start(p->admin) != MAYDAY_OK)
			return MAYDAY_E_INTERNAL;
		log_info("listening on admin %s (GET " SRV_ADMIN_PATH ")", srv_admin_bound(p->admin));
	}
	return MAYDAY_OK;
}

void srv_pipeline_reload(struct srv_pipeline *p)
{
	unsigned failed = 0;
	char why[1024];
	for (unsigned i = 0; i < p->n_listeners; i++) {
		struct srv_listener *l = p->listeners[i];
		if (l->ops->reload == NULL)
			continue;
		why[0] = '\0';
		enum mayday_err err = l->ops->reload(l, why, sizeof(why));
		if (err != MAYDAY_OK) {
			log_warnx("SIGHUP: %s listener keeps its old configuration: %s", l->name,
				  why[0] ? why : mayday_strerror(err));
			failed++;
		} else {
			log_info("SIGHUP: %s listener: %s reloaded", l->name, why);
		}
	}
	log_info("SIGHUP: reloaded%s", failed ? " (with failures, see above)" : "");
}

void srv_pipeline_stop(struct srv_pipeline *p)
{
	if (p->listening) {
		for (unsigned i = 0; i < p->n_listeners; i++)
			p->listeners[i]->ops->stop(p->listeners[i]);
		p->listening = 0;
	}
	/* Everything received is now in flight: let it commit and be answered. */
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
	srv_silence_stop(p->silence);
	srv_events_stop(p->events);
	srv_fleet_stop(p->fleet);
}

void srv_pipeline_destroy(struct srv_pipeline *p)
{
	if (p == NULL)
		return;
	srv_pipeline_stop(p);
	srv_admin_destroy(p->admin);   /* first: it reads the queues */
	p->admin = NULL;
	for (unsigned i = 0; i < p->n_listeners; i++)
		p->listeners[i]->ops->destroy(p->listeners[i]);
	p->n_listeners = 0;
	for (unsigned i = 0; p->workers != NULL && i < p->n_workers; i++) {
		store_close(p->workers[i].st);
		mayday_signer_close(&p->workers[i].signer);
		mayday_cose_verifier_free(p->workers[i].ver);
	}
	srv_silence_free(p->silence);
	srv_events_free(p->events);
	srv_fleet_free(p->fleet);
	store_close(p->writer_st);
	srv_ack_batcher_fini(&p->batcher);
	mayday_signer_close(&p->writer_signer);
	srv_ikemap_free(p->ike);
	srv_ratelimit_fini(&p->limit);
	srv_sigguard_fini(&p->guard);
	srv_keycache_fini(&p->keys);
	srv_queue_fini(&p->commit);
	srv_queue_fini(&p->work);
	srv_queue_fini(&p->pool);
	free(p->workers);
	free(p->slots);
	free(p);
}

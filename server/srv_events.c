/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Event delivery (srv_events.h). One thread, its own store handle and its
 * own libevent base for the webhook POSTs: each POST runs the base until
 * the request's callback breaks the loop (or the connection's timeout
 * ends it), so the thread does one thing at a time and needs no locking
 * beyond the stop flag. Between rounds it sleeps on a condition variable
 * (monotonic clock), which stop signals.
 *
 * The VES collector ([ves], srv_ves.h) is one more consumer with its own
 * cursor ("ves:" and its URL): its events are mapped to VES faults at
 * delivery time, with the context the outbox document lacks read from the
 * store (store_events_context), and events that are no fault only move its
 * cursor. With [ves] batch above 1 it reads past its cursor up to that many
 * faults and posts them as one eventList; the cursor moves past all of them
 * once the collector took them, so a failure retries the whole batch.
 */
#include "srv_events.h"

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <inttypes.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "mayday/file.h"
#include "store.h"
#include "store_events.h"
#include "store_ingest.h"   /* store_errmsg */
#include "srv_ves.h"

#define SYSLOG_CONSUMER "syslog"
#define VES_CONSUMER    "ves:"     /* and the collector's URL */
#define VES_PASSWORD_MAX 256       /* bytes of [ves] password_file */
/* "Basic " and the base64 of "user:password" */
#define VES_AUTH_MAX (6 + 4 * ((SRV_VES_NAME_MAX + 1 + VES_PASSWORD_MAX + 2) / 3) + 1)

enum consumer_kind { C_SYSLOG, C_WEBHOOK, C_VES };

struct consumer {
	const char *name;              /* the cursor's key: the URL, "syslog", "ves:URL" */
	enum consumer_kind kind;
	struct evhttp_uri *uri;        /* webhooks and the VES collector */
	struct evhttp_connection *conn; /* during a POST only */
	char host_header[SRV_CONFIG_VALUE_MAX + 1];
	unsigned backoff_ms;           /* 0: not failing */
	int64_t next_ms;               /* monotonic ms of the next try */
};

struct srv_events {
	const struct srv_config *cfg;
	struct store *st;
	struct event_base *base;
	uint8_t key[SRV_EVENTS_KEY_MAX];
	size_t key_len;
	struct consumer c[SRV_EVENTS_WEBHOOKS_MAX + 2];
	unsigned n;
	/* [ves] */
	char ves_name[STORE_EVENT_CONSUMER_MAX + 1];
	char ves_path[SRV_CONFIG_VALUE_MAX + 1];        /* .../eventListener/v7 */
	char ves_batch_path[SRV_CONFIG_VALUE_MAX + 16]; /* .../eventListener/v7/eventBatch */
	char ves_auth[VES_AUTH_MAX];                    /* "" or the Authorization value */
	char ves_entity[SRV_VES_NAME_MAX + 1];          /* reportingEntityName */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_t thread;
	bool started, stop;
};

/* One POST's outcome, filled by its callback. */
struct post {
	struct event_base *base;
	int code;                      /* HTTP status; 0: no answer */
};

static struct log_limit lim_store;

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void srv_events_sign(const uint8_t *key, size_t key_len, const char *body, size_t len,
		     char *out, size_t cap)
{
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned md_len = 0;
	static const char hex[] = "0123456789abcdef";
	out[0] = '\0';
	if (cap < 7 + 64 + 1 ||
	    HMAC(EVP_sha256(), key, (int)key_len, (const uint8_t *)body, len, md, &md_len) == NULL)
		return;
	memcpy(out, "sha256=", 7);
	for (unsigned i = 0; i < md_len && i < 32; i++) {
		out[7 + 2 * i] = hex[md[i] >> 4];
		out[8 + 2 * i] = hex[md[i] & 15];
	}
	out[7 + 64] = '\0';
}

static void post_done(struct evhttp_request *req, void *arg)
{
	struct post *p = arg;
	p->code = req ? evhttp_request_get_response_code(req) : 0;
	event_base_loopbreak(p->base);
}

/* A request header beyond Host and Content-Type. */
struct header {
	const char *name, *value;
};

/* POSTs body to target over c's URI's host; true when the answer is 2xx. */
static bool http_post(struct srv_events *e, struct consumer *c, const char *target,
		      const char *body, size_t len, const struct header *h, size_t n_h)
{
	struct post p = {.base = e->base, .code = -1};
	if (c->conn == NULL) {
		int port = evhttp_uri_get_port(c->uri);
		c->conn = evhttp_connection_base_new(e->base, NULL, evhttp_uri_get_host(c->uri),
						     (uint16_t)(port > 0 ? port : 80));
		if (c->conn == NULL)
			return false;
		evhttp_connection_set_timeout(c->conn, SRV_EVENTS_TIMEOUT_S);
		evhttp_connection_set_retries(c->conn, 0);
		/* The answer is not read, only its status: a receiver cannot make
		 * maydayd buffer much. */
		evhttp_connection_set_max_headers_size(c->conn, SRV_EVENTS_ANSWER_MAX);
		evhttp_connection_set_max_body_size(c->conn, SRV_EVENTS_ANSWER_MAX);
	}
	struct evhttp_request *req = evhttp_request_new(post_done, &p);
	if (req == NULL)
		return false;
	struct evkeyvalq *out = evhttp_request_get_output_headers(req);
	evhttp_add_header(out, "Host", c->host_header);
	evhttp_add_header(out, "Content-Type", "application/json");
	for (size_t i = 0; i < n_h; i++)
		evhttp_add_header(out, h[i].name, h[i].value);
	evbuffer_add(evhttp_request_get_output_buffer(req), body, len);
	/* On failure libevent has freed req and will not call back. */
	if (evhttp_make_request(c->conn, req, EVHTTP_REQ_POST, target) != 0)
		return false;
	while (p.code < 0)
		if (event_base_dispatch(e->base) < 0)
			break;
	/* A connection per event: a receiver that closes after each answer
	 * (HTTP/1.0, Connection: close) would otherwise fail the next POST on
	 * the stale one. Keep-alive is left for later. */
	evhttp_connection_free(c->conn);
	c->conn = NULL;
	return p.code >= 200 && p.code <= 299;
}

/* POSTs one event to a webhook, signed; true when it answered 2xx. */
static bool post_event(struct srv_events *e, struct consumer *c, const struct store_event *ev)
{
	char id[24], sig[80];
	snprintf(id, sizeof(id), "%" PRId64, ev->id);
	srv_events_sign(e->key, e->key_len, ev->json, ev->json_len, sig, sizeof(sig));
	const struct header h[] = {
		{"X-Mayday-Event-Id", id},
		{"X-Mayday-Event-Type", ev->type},
		{"X-Mayday-Signature", sig},
	};
	const char *path = evhttp_uri_get_path(c->uri);
	char target[SRV_CONFIG_VALUE_MAX + 2];
	const char *query = evhttp_uri_get_query(c->uri);
	snprintf(target, sizeof(target), "%s%s%s", path && path[0] ? path : "/",
		 query ? "?" : "", query ? query : "");
	return http_post(e, c, target, ev->json, ev->json_len, h, sizeof(h) / sizeof(h[0]));
}

static bool deliver(struct srv_events *e, struct consumer *c, const struct store_event *ev)
{
	if (c->kind == C_SYSLOG) {
		log_notice("event %" PRId64 " %s: %s", ev->id, ev->type, ev->json);
		return true;
	}
	return post_event(e, c, ev);
}

/* A failed delivery of event `id`: the consumer's backoff, logged when it
 * starts. */
static void failed(struct srv_events *e, struct consumer *c, int64_t now, int64_t id)
{
	unsigned min = e->cfg->events_retry_min_ms, max = e->cfg->events_retry_max_ms;
	if (c->backoff_ms == 0)
		log_warnx("events: %s did not take event %" PRId64
			  "; retrying from %ums, backing off to %ums", c->name, id, min, max);
	c->backoff_ms = c->backoff_ms == 0 ? min
		: (c->backoff_ms > max / 2 ? max : c->backoff_ms * 2);
	c->next_ms = now + c->backoff_ms;
}

/* A delivery up to event `id`: the backoff ends, the cursor moves. false
 * if the cursor could not be moved (the consumer waits for the next round). */
static bool delivered(struct srv_events *e, struct consumer *c, int64_t id)
{
	if (c->backoff_ms != 0)
		log_notice("events: %s takes events again (up to %" PRId64 ")", c->name, id);
	c->backoff_ms = 0;
	/* Delivered but not acknowledged in the store: sent again later,
	 * which at-least-once allows; never skipped. */
	enum mayday_err err = store_events_ack(e->st, c->name, id);
	if (err != MAYDAY_OK) {
		log_limited(&lim_store, "events: moving %s's cursor to %" PRId64 " failed: %s (%s)",
			    c->name, id, mayday_strerror(err), store_errmsg(e->st));
		return false;
	}
	return true;
}

/* The VES fault of one event into *out (NULL: the event is no fault, or
 * cannot be one: logged, and passed over, since no retry would change it).
 * An error only when the store could not say what the fault needs. */
static enum mayday_err ves_of(struct srv_events *e, const struct store_event *ev, json_t **out)
{
	struct srv_ves_subject sub;
	struct store_event_context ctx, *pc = NULL;
	*out = NULL;
	enum mayday_err err = srv_ves_subject(ev->json, ev->json_len, &sub);
	if (err == MAYDAY_OK && sub.device_id[0]) {
		if ((err = store_events_context(e->st, sub.device_id, sub.incident_id, &ctx)) !=
		    MAYDAY_OK) {
			log_limited(&lim_store, "events: reading event %" PRId64 "'s context"
				    " failed: %s (%s)", ev->id, mayday_strerror(err),
				    store_errmsg(e->st));
			return err;
		}
		pc = &ctx;
	}
	if (err == MAYDAY_OK)
		err = srv_ves_map(ev->json, ev->json_len, pc, e->ves_entity, out);
	if (err == MAYDAY_E_NOMEM)
		return err;
	if (err != MAYDAY_OK)
		log_warnx("events: event %" PRId64 " (%s) is not an event document;"
			  " the VES collector does not get it", ev->id, ev->type);
	return MAYDAY_OK;
}

/* The faults of the events past the VES consumer's cursor, up to [ves]
 * batch of them (and SRV_EVENTS_ROUND events), as one POST. 1: delivered
 * (or nothing to deliver but the cursor moved), 0: nothing past the cursor
 * or the store failed (tried again next round), -1: the collector did not
 * take them (the backoff is set). */
static int serve_ves(struct srv_events *e, struct consumer *c, int64_t now)
{
	struct store_event ev;
	enum mayday_err err = store_events_next(e->st, c->name, &ev);
	if (err != MAYDAY_OK) {
		if (err != MAYDAY_E_NOTFOUND)
			log_limited(&lim_store, "events: reading the outbox failed: %s (%s)",
				    mayday_strerror(err), store_errmsg(e->st));
		return 0;
	}
	json_t *list = json_array();
	if (list == NULL)
		return 0;
	int64_t first = ev.id, last = 0;
	for (unsigned n = 0; n < SRV_EVENTS_ROUND; n++) {
		json_t *ves = NULL;
		if (ves_of(e, &ev, &ves) != MAYDAY_OK)
			break;
		if (ves != NULL && json_array_append_new(list, ves) != 0)
			break;
		last = ev.id;
		if (json_array_size(list) >= e->cfg->ves_batch ||
		    store_events_after(e->st, last, &ev) != MAYDAY_OK)
			break;
	}
	int r = 0;
	if (last == 0) {
		r = 0;   /* the store failed on the first one: next round */
	} else if (json_array_size(list) == 0) {
		r = delivered(e, c, last) ? 1 : 0;
	} else {
		bool batch = e->cfg->ves_batch > 1;
		json_t *body = batch ? json_pack("{s:O}", "eventList", list)
				     : json_pack("{s:O}", "event", json_array_get(list, 0));
		char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
		const struct header auth = {"Authorization", e->ves_auth};
		if (text == NULL)
			r = 0;
		else if (http_post(e, c, batch ? e->ves_batch_path : e->ves_path, text, strlen(text),
				   &auth, e->ves_auth[0] ? 1 : 0))
			r = delivered(e, c, last) ? 1 : 0;
		else
			r = -1;
		if (r < 0)
			failed(e, c, now, first);
		free(text);
		json_decref(body);
	}
	json_decref(list);
	return r;
}

/* Up to SRV_EVENTS_ROUND events to one consumer; on a failure, its backoff. */
static void serve(struct srv_events *e, struct consumer *c, int64_t now)
{
	struct store_event ev;
	for (unsigned i = 0; i < SRV_EVENTS_ROUND; i++) {
		if (c->kind == C_VES) {
			if (serve_ves(e, c, now) <= 0)
				return;
			continue;
		}
		enum mayday_err err = store_events_next(e->st, c->name, &ev);
		if (err == MAYDAY_E_NOTFOUND)
			return;
		if (err != MAYDAY_OK) {
			log_limited(&lim_store, "events: reading the outbox failed: %s (%s)",
				    mayday_strerror(err), store_errmsg(e->st));
			return;
		}
		if (!deliver(e, c, &ev)) {
			failed(e, c, now, ev.id);
			return;
		}
		if (!delivered(e, c, ev.id))
			return;
	}
}

static void *run(void *arg)
{
	struct srv_events *e = arg;
	pthread_mutex_lock(&e->mu);
	while (!e->stop) {
		pthread_mutex_unlock(&e->mu);
		int64_t wake = mono_ms() + SRV_EVENTS_POLL_MS;
		for (unsigned i = 0; i < e->n; i++) {
			struct consumer *c = &e->c[i];
			int64_t now = mono_ms();
			if (now >= c->next_ms)
				serve(e, c, now);
			if (c->backoff_ms != 0 && c->next_ms < wake)
				wake = c->next_ms;
		}
		struct timespec until = {.tv_sec = wake / 1000, .tv_nsec = (wake % 1000) * 1000000};
		pthread_mutex_lock(&e->mu);
		while (!e->stop && pthread_cond_timedwait(&e->cv, &e->mu, &until) == 0)
			;
	}
	pthread_mutex_unlock(&e->mu);
	return NULL;
}

static enum mayday_err read_key(struct srv_events *e, const char *path)
{
	FILE *f = NULL;
	enum mayday_err err = mayday_file_open_secret(path, &f);
	if (err != MAYDAY_OK) {
		log_warnx("events: secret_file %s: %s", path, mayday_strerror(err));
		return err;
	}
	uint8_t buf[SRV_EVENTS_KEY_MAX + 1];
	size_t n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		n--;
	if (n < SRV_EVENTS_KEY_MIN || n > SRV_EVENTS_KEY_MAX) {
		log_warnx("events: secret_file %s: the key must have %d..%d bytes", path,
			  SRV_EVENTS_KEY_MIN, SRV_EVENTS_KEY_MAX);
		OPENSSL_cleanse(buf, sizeof(buf));
		return MAYDAY_E_KEY;
	}
	memcpy(e->key, buf, n);
	e->key_len = n;
	OPENSSL_cleanse(buf, sizeof(buf));
	return MAYDAY_OK;
}

/* A consumer over HTTP: `name` (borrowed) is its cursor's key, url its
 * address. */
static enum mayday_err add_http(struct srv_events *e, const char *name, const char *url,
				enum consumer_kind kind)
{
	struct consumer *c = &e->c[e->n];
	c->name = name;
	c->kind = kind;
	c->uri = evhttp_uri_parse(url);
	if (c->uri == NULL || evhttp_uri_get_host(c->uri) == NULL) {
		log_warnx("events: %s %s is not a URL", kind == C_VES ? "collector" : "webhook",
			  url);
		return MAYDAY_E_INVALID;
	}
	int port = evhttp_uri_get_port(c->uri);
	if (port > 0)
		snprintf(c->host_header, sizeof(c->host_header), "%s:%d",
			 evhttp_uri_get_host(c->uri), port);
	else
		snprintf(c->host_header, sizeof(c->host_header), "%s", evhttp_uri_get_host(c->uri));
	e->n++;
	return MAYDAY_OK;
}

/* [ves] password_file as the Authorization header's value. */
static enum mayday_err read_ves_auth(struct srv_events *e, const char *user, const char *path)
{
	FILE *f = NULL;
	enum mayday_err err = mayday_file_open_secret(path, &f);
	if (err != MAYDAY_OK) {
		log_warnx("ves: password_file %s: %s", path, mayday_strerror(err));
		return err;
	}
	char cred[SRV_VES_NAME_MAX + 1 + VES_PASSWORD_MAX + 2];
	size_t u = strlen(user);
	memcpy(cred, user, u);
	cred[u] = ':';
	size_t n = fread(cred + u + 1, 1, VES_PASSWORD_MAX + 1, f);
	fclose(f);
	while (n > 0 && (cred[u + n] == '\n' || cred[u + n] == '\r'))
		n--;
	if (n == 0 || n > VES_PASSWORD_MAX) {
		log_warnx("ves: password_file %s: the password must have 1..%d bytes", path,
			  VES_PASSWORD_MAX);
		OPENSSL_cleanse(cred, sizeof(cred));
		return MAYDAY_E_KEY;
	}
	memcpy(e->ves_auth, "Basic ", 6);
	EVP_EncodeBlock((unsigned char *)e->ves_auth + 6, (const unsigned char *)cred,
			(int)(u + 1 + n));
	OPENSSL_cleanse(cred, sizeof(cred));
	return MAYDAY_OK;
}

/* The VES collector: its cursor, paths, credentials and our name. */
static enum mayday_err add_ves(struct srv_events *e, const struct srv_config *cfg)
{
	snprintf(e->ves_name, sizeof(e->ves_name), "%s%s", VES_CONSUMER, cfg->ves_collector);
	enum mayday_err err = add_http(e, e->ves_name, cfg->ves_collector, C_VES);
	if (err != MAYDAY_OK)
		return err;
	const char *path = evhttp_uri_get_path(e->c[e->n - 1].uri);
	snprintf(e->ves_path, sizeof(e->ves_path), "%s", path ? path : "");
	snprintf(e->ves_batch_path, sizeof(e->ves_batch_path), "%s/eventBatch", e->ves_path);
	if (cfg->ves_reporting_entity[0])
		snprintf(e->ves_entity, sizeof(e->ves_entity), "%s", cfg->ves_reporting_entity);
	else if (gethostname(e->ves_entity, sizeof(e->ves_entity) - 1) != 0 || !e->ves_entity[0])
		snprintf(e->ves_entity, sizeof(e->ves_entity), "maydayd");
	if (cfg->ves_username[0])
		return read_ves_auth(e, cfg->ves_username, cfg->ves_password_file);
	return MAYDAY_OK;
}

enum mayday_err srv_events_new(struct srv_events **out, const struct srv_config *cfg)
{
	*out = NULL;
	bool any = strcmp(cfg->events_syslog, "yes") == 0;
	for (unsigned i = 0; i < SRV_EVENTS_WEBHOOKS_MAX; i++)
		any = any || cfg->events_webhook[i][0];
	any = any || cfg->ves_collector[0];
	if (!any)
		return MAYDAY_OK;
	struct srv_events *e = calloc(1, sizeof(*e));
	if (e == NULL)
		return MAYDAY_E_NOMEM;
	e->cfg = cfg;
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	int bad = pthread_mutex_init(&e->mu, NULL) != 0;
	if (!bad && pthread_cond_init(&e->cv, &ca) != 0) {
		pthread_mutex_destroy(&e->mu);
		bad = 1;
	}
	pthread_condattr_destroy(&ca);
	if (bad) {
		free(e);
		return MAYDAY_E_INTERNAL;
	}
	enum mayday_err err = MAYDAY_OK;
	if (strcmp(cfg->events_syslog, "yes") == 0) {
		e->c[e->n].name = SYSLOG_CONSUMER;
		e->c[e->n++].kind = C_SYSLOG;
	}
	for (unsigned i = 0; err == MAYDAY_OK && i < SRV_EVENTS_WEBHOOKS_MAX; i++)
		if (cfg->events_webhook[i][0])
			err = add_http(e, cfg->events_webhook[i], cfg->events_webhook[i], C_WEBHOOK);
	if (err == MAYDAY_OK && cfg->ves_collector[0])
		err = add_ves(e, cfg);
	if (err == MAYDAY_OK && cfg->events_secret_file[0])
		err = read_key(e, cfg->events_secret_file);
	if (err == MAYDAY_OK && (e->base = event_base_new()) == NULL)
		err = MAYDAY_E_NOMEM;
	if (err == MAYDAY_OK)
		err = store_open(&e->st, cfg->db);
	if (err != MAYDAY_OK) {
		srv_events_free(e);
		return err;
	}
	*out = e;
	return MAYDAY_OK;
}

enum mayday_err srv_events_start(struct srv_events *e)
{
	if (e == NULL || e->started)
		return MAYDAY_OK;
	e->stop = false;
	if (pthread_create(&e->thread, NULL, run, e) != 0)
		return MAYDAY_E_INTERNAL;
	e->started = true;
	log_info("events: delivering to %u consumer(s), retries after %u..%ums", e->n,
		 e->cfg->events_retry_min_ms, e->cfg->events_retry_max_ms);
	if (e->cfg->ves_collector[0])
		log_info("ves: faults to %s as %s, %u per POST%s", e->cfg->ves_collector,
			 e->ves_entity, e->cfg->ves_batch, e->ves_auth[0] ? ", Basic auth" : "");
	return MAYDAY_OK;
}

void srv_events_stop(struct srv_events *e)
{
	if (e == NULL || !e->started)
		return;
	pthread_mutex_lock(&e->mu);
	e->stop = true;
	pthread_cond_signal(&e->cv);
	pthread_mutex_unlock(&e->mu);
	pthread_join(e->thread, NULL);
	e->started = false;
}

void srv_events_free(struct srv_events *e)
{
	if (e == NULL)
		return;
	srv_events_stop(e);
	for (unsigned i = 0; i < e->n; i++) {
		if (e->c[i].conn)
			evhttp_connection_free(e->c[i].conn);
		if (e->c[i].uri)
			evhttp_uri_free(e->c[i].uri);
	}
	if (e->n < sizeof(e->c) / sizeof(e->c[0]) && e->c[e->n].uri)   /* one that failed to parse */
		evhttp_uri_free(e->c[e->n].uri);
	if (e->base)
		event_base_free(e->base);
	store_close(e->st);
	OPENSSL_cleanse(e->key, sizeof(e->key));
	OPENSSL_cleanse(e->ves_auth, sizeof(e->ves_auth));
	pthread_cond_destroy(&e->cv);
	pthread_mutex_destroy(&e->mu);
	free(e);
}

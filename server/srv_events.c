/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Event delivery (srv_events.h). One thread, its own store handle and its
 * own libevent base for the webhook POSTs: each POST runs the base until
 * the request's callback breaks the loop (or the connection's timeout
 * ends it), so the thread does one thing at a time and needs no locking
 * beyond the stop flag. Between rounds it sleeps on a condition variable
 * (monotonic clock), which stop signals.
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

#include "log.h"
#include "mayday/file.h"
#include "store.h"
#include "store_events.h"
#include "store_ingest.h"   /* store_errmsg */

#define SYSLOG_CONSUMER "syslog"

struct consumer {
	const char *name;              /* the cursor's key: the URL, or "syslog" */
	bool is_syslog;
	struct evhttp_uri *uri;        /* webhooks */
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
	struct consumer c[SRV_EVENTS_WEBHOOKS_MAX + 1];
	unsigned n;
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

/* POSTs one event; true when the webhook answered 2xx. */
static bool post_event(struct srv_events *e, struct consumer *c, const struct store_event *ev)
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
	char id[24], sig[80];
	snprintf(id, sizeof(id), "%" PRId64, ev->id);
	srv_events_sign(e->key, e->key_len, ev->json, ev->json_len, sig, sizeof(sig));
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	evhttp_add_header(h, "Host", c->host_header);
	evhttp_add_header(h, "Content-Type", "application/json");
	evhttp_add_header(h, "X-Mayday-Event-Id", id);
	evhttp_add_header(h, "X-Mayday-Event-Type", ev->type);
	evhttp_add_header(h, "X-Mayday-Signature", sig);
	evbuffer_add(evhttp_request_get_output_buffer(req), ev->json, ev->json_len);
	const char *path = evhttp_uri_get_path(c->uri);
	char target[SRV_CONFIG_VALUE_MAX + 2];
	const char *query = evhttp_uri_get_query(c->uri);
	snprintf(target, sizeof(target), "%s%s%s", path && path[0] ? path : "/",
		 query ? "?" : "", query ? query : "");
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

static bool deliver(struct srv_events *e, struct consumer *c, const struct store_event *ev)
{
	if (c->is_syslog) {
		log_notice("event %" PRId64 " %s: %s", ev->id, ev->type, ev->json);
		return true;
	}
	return post_event(e, c, ev);
}

/* Up to SRV_EVENTS_ROUND events to one consumer; on a failure, its backoff. */
static void serve(struct srv_events *e, struct consumer *c, int64_t now)
{
	struct store_event ev;
	for (unsigned i = 0; i < SRV_EVENTS_ROUND; i++) {
		enum mayday_err err = store_events_next(e->st, c->name, &ev);
		if (err == MAYDAY_E_NOTFOUND)
			return;
		if (err != MAYDAY_OK) {
			log_limited(&lim_store, "events: reading the outbox failed: %s (%s)",
				    mayday_strerror(err), store_errmsg(e->st));
			return;
		}
		if (!deliver(e, c, &ev)) {
			unsigned min = e->cfg->events_retry_min_ms, max = e->cfg->events_retry_max_ms;
			if (c->backoff_ms == 0)
				log_warnx("events: %s did not take event %" PRId64
					  "; retrying from %ums, backing off to %ums", c->name,
					  ev.id, min, max);
			c->backoff_ms = c->backoff_ms == 0 ? min
				: (c->backoff_ms > max / 2 ? max : c->backoff_ms * 2);
			c->next_ms = now + c->backoff_ms;
			return;
		}
		if (c->backoff_ms != 0)
			log_notice("events: %s takes events again (from %" PRId64 ")", c->name,
				   ev.id);
		c->backoff_ms = 0;
		/* Delivered but not acknowledged in the store: sent again later,
		 * which at-least-once allows; never skipped. */
		if ((err = store_events_ack(e->st, c->name, ev.id)) != MAYDAY_OK) {
			log_limited(&lim_store, "events: moving %s's cursor to %" PRId64
				    " failed: %s (%s)", c->name, ev.id, mayday_strerror(err),
				    store_errmsg(e->st));
			return;
		}
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

static enum mayday_err add_webhook(struct srv_events *e, const char *url)
{
	struct consumer *c = &e->c[e->n];
	c->name = url;
	c->uri = evhttp_uri_parse(url);
	if (c->uri == NULL || evhttp_uri_get_host(c->uri) == NULL) {
		log_warnx("events: webhook %s is not a URL", url);
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

enum mayday_err srv_events_new(struct srv_events **out, const struct srv_config *cfg)
{
	*out = NULL;
	bool any = strcmp(cfg->events_syslog, "yes") == 0;
	for (unsigned i = 0; i < SRV_EVENTS_WEBHOOKS_MAX; i++)
		any = any || cfg->events_webhook[i][0];
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
		e->c[e->n++].is_syslog = true;
	}
	for (unsigned i = 0; err == MAYDAY_OK && i < SRV_EVENTS_WEBHOOKS_MAX; i++)
		if (cfg->events_webhook[i][0])
			err = add_webhook(e, cfg->events_webhook[i]);
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
	pthread_cond_destroy(&e->cv);
	pthread_mutex_destroy(&e->mu);
	free(e);
}

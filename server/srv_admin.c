/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One event base, one evhttp, one thread. Each scrape renders into a fresh
 * evbuffer on the loop thread (the only allocation, and off the ingest
 * path); the counters it reads are atomics the other threads keep adding
 * to. Stopping is an event made active from the stopping thread (evthread),
 * so evhttp is only ever touched by the loop thread while it runs.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>

#include "log.h"
#include "srv_admin.h"
#include "srv_evloop.h"
#include "srv_ingest.h"

#define ADMIN_BACKLOG 64

struct srv_admin {
	struct srv_evloop loop;
	struct evhttp *http;
	struct store *st;
	struct srv_metrics_src src;
	char bound[SRV_ADDR_TEXT_MAX + 1];
};

static void reply(struct evhttp_request *req, int code, const char *reason, const char *text)
{
	struct evbuffer *body = evbuffer_new();
	struct evkeyvalq *hdr = evhttp_request_get_output_headers(req);
	evhttp_add_header(hdr, "Content-Type", "text/plain; charset=us-ascii");
	evhttp_add_header(hdr, "Cache-Control", "no-store");
	if (body != NULL)
		evbuffer_add_printf(body, "%s\n", text);
	evhttp_send_reply(req, code, reason, body);
	if (body != NULL)
		evbuffer_free(body);
}

static void on_metrics(struct evhttp_request *req, void *arg)
{
	struct srv_admin *a = arg;
	struct evkeyvalq *hdr = evhttp_request_get_output_headers(req);
	if (evhttp_request_get_command(req) != EVHTTP_REQ_GET) {
		evhttp_add_header(hdr, "Allow", "GET");
		reply(req, 405, "Method Not Allowed", "use GET");
		return;
	}
	struct evbuffer *body = evbuffer_new();
	if (body == NULL || srv_metrics_render(&a->src, a->st, body) != MAYDAY_OK) {
		if (body != NULL)
			evbuffer_free(body);
		reply(req, 500, "Internal Server Error", "out of memory");
		return;
	}
	evhttp_add_header(hdr, "Content-Type", SRV_METRICS_CONTENT_TYPE);
	evhttp_add_header(hdr, "Cache-Control", "no-store");
	evhttp_send_reply(req, 200, "OK", body);
	evbuffer_free(body);
}

static void on_other(struct evhttp_request *req, void *arg)
{
	(void)arg;
	reply(req, 404, "Not Found", "the only resource is GET " SRV_ADMIN_PATH);
}

enum mayday_err srv_admin_start(struct srv_admin *a)
{
	return srv_evloop_start(&a->loop);
}

const char *srv_admin_bound(const struct srv_admin *a)
{
	return a->bound;
}

void srv_admin_destroy(struct srv_admin *a)
{
	if (a == NULL)
		return;
	srv_evloop_stop(&a->loop);
	if (a->http != NULL)
		evhttp_free(a->http);   /* closes the listening socket and every connection */
	srv_evloop_free(&a->loop);
	store_close(a->st);
	free(a);
}

/* A listening socket (libevent's: non-blocking, close-on-exec, reusable);
 * evhttp takes it over. */
static enum mayday_err bind_listener(struct srv_admin *a, const struct srv_addr *addr)
{
	struct sockaddr_storage got;
	socklen_t got_len = sizeof(got);
	struct evconnlistener *lev = evconnlistener_new_bind(
		a->loop.evb, NULL, NULL,
		LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC | LEV_OPT_REUSEABLE, ADMIN_BACKLOG,
		(const struct sockaddr *)&addr->ss, (int)addr->len);
	if (lev == NULL) {
		log_warn("admin listener: bind/listen %s", addr->text);
		return MAYDAY_E_IO;
	}
	if (evhttp_bind_listener(a->http, lev) == NULL) {
		evconnlistener_free(lev);
		log_warnx("admin listener on %s: evhttp refused the socket", addr->text);
		return MAYDAY_E_INTERNAL;
	}
	if (getsockname(evconnlistener_get_fd(lev), (struct sockaddr *)&got, &got_len) == 0)
		srv_ingest_peer_text(&got, a->bound, sizeof(a->bound));
	else
		srv_ingest_peer_text(&addr->ss, a->bound, sizeof(a->bound));
	return MAYDAY_OK;
}

enum mayday_err srv_admin_open(struct srv_admin **out, const struct srv_admin_opts *o)
{
	enum mayday_err err = MAYDAY_E_NOMEM;
	struct srv_admin *a = calloc(1, sizeof(*a));
	*out = NULL;
	if (a == NULL) {
		log_warnx("admin listener: out of memory");
		return err;
	}
	a->src = o->src;
	if ((err = store_open(&a->st, o->db)) != MAYDAY_OK) {
		log_warnx("admin listener: store %s: %s", o->db, mayday_strerror(err));
		goto fail;
	}
	err = MAYDAY_E_INTERNAL;
	if (srv_evloop_init(&a->loop) != MAYDAY_OK || (a->http = evhttp_new(a->loop.evb)) == NULL ||
	    evhttp_set_cb(a->http, SRV_ADMIN_PATH, on_metrics, a) != 0) {
		log_warnx("admin listener: cannot set up its event loop");
		goto fail;
	}
	evhttp_set_max_headers_size(a->http, (ev_ssize_t)o->max_header);
	evhttp_set_max_body_size(a->http, SRV_ADMIN_BODY_MAX);
	evhttp_set_timeout(a->http, (int)o->timeout_s);
	/* Every method reaches on_metrics, which answers 405 itself. */
	evhttp_set_allowed_methods(a->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD |
						    EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
						    EVHTTP_REQ_OPTIONS | EVHTTP_REQ_PATCH);
	evhttp_set_gencb(a->http, on_other, a);
	if ((err = bind_listener(a, o->addr)) != MAYDAY_OK)
		goto fail;
	*out = a;
	return MAYDAY_OK;
fail:   /* each failure above was logged where it happened */
	srv_admin_destroy(a);
	return err;
}

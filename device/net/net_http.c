/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The client (see net_http.h). State: the connection (fd, and the SSL over
 * it for TLS), a 64 KiB receive buffer whose unparsed tail carries over
 * between parser calls (64 KiB: one read takes the TLS records read ahead,
 * so a 256 MiB bundle costs a few thousand reads, not 65 thousand), the parser of the answer in progress, and the
 * body span the parser last handed out (a pointer into the receive buffer,
 * valid until the next read). A request is written as one head buffer and
 * then the body; nothing else is ever buffered, so memory is constant.
 */
#include "net_http.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "log.h"
#include "net_conn.h"

#define RBUF_SIZE  65536u
#define HEAD_SIZE  (1024u + NET_HTTP_COOKIES_MAX * (NET_HTTP_COOKIE_MAX + 2u))
#define HOST_MAX   253u
#define ADDR_MAX   45u

struct net_http {
	const char *who;
	char addr[ADDR_MAX + 1];
	char host[HOST_MAX + 1];
	char user_agent[64];
	uint16_t port;
	const struct net_tls *tls;

	int fd;                          /* -1: not connected */
	SSL *ssl;
	unsigned requests_on_conn;       /* answered on this connection */
	long connections;
	enum net_http_stage failed_at;

	int busy;                        /* an answer is being read */
	uint64_t deadline_ms;            /* of the request in progress */
	int got_bytes;                   /* some answer byte arrived */
	struct net_http_parse parse;
	uint8_t rbuf[RBUF_SIZE];
	size_t rpos, rlen;
	const uint8_t *span;             /* body bytes handed out next */
	size_t span_len;

	unsigned n_cookies;
	char cookies[NET_HTTP_COOKIES_MAX][NET_HTTP_COOKIE_MAX + 1];
};

static void drop(struct net_http *h)
{
	net_tls_close(h->ssl);
	h->ssl = NULL;
	if (h->fd >= 0)
		close(h->fd);
	h->fd = -1;
	h->busy = 0;
	h->rpos = h->rlen = 0;
	h->span = NULL;
	h->span_len = 0;
	h->requests_on_conn = 0;
}

enum mayday_err net_http_new(const struct net_http_params *p, struct net_http **out)
{
	const char *host = p->host ? p->host : p->addr;
	struct net_http *h;

	*out = NULL;
	if (strlen(p->addr) > ADDR_MAX || strlen(host) > HOST_MAX ||
	    (p->user_agent && strlen(p->user_agent) >= sizeof(h->user_agent))) {
		log_info("%s: server address or name too long", p->who);
		return MAYDAY_E_INVALID;
	}
	h = calloc(1, sizeof(*h));
	if (!h) {
		log_info("%s: out of memory", p->who);
		return MAYDAY_E_NOMEM;
	}
	h->who = p->who;
	strcpy(h->addr, p->addr);
	strcpy(h->host, host);
	if (p->user_agent)
		strcpy(h->user_agent, p->user_agent);
	h->port = p->port;
	h->tls = p->tls;
	h->fd = -1;
	*out = h;
	return MAYDAY_OK;
}

void net_http_free(struct net_http *h)
{
	if (!h)
		return;
	drop(h);
	OPENSSL_cleanse(h->cookies, sizeof(h->cookies));
	free(h);
}

long net_http_connections(const struct net_http *h)
{
	return h->connections;
}

enum net_http_stage net_http_failed_at(const struct net_http *h)
{
	return h->failed_at;
}

static enum mayday_err connect_now(struct net_http *h, uint64_t deadline)
{
	const char *why = "";
	char tls_why[200];
	enum mayday_err rc = net_conn_open(h->addr, h->port, deadline, &h->fd, &why);

	if (rc != MAYDAY_OK) {
		h->failed_at = NET_HTTP_STAGE_CONNECT;
		if (rc == MAYDAY_E_IO)
			log_info("%s: cannot connect to %s port %u: %s (%s)", h->who, h->addr,
				 (unsigned)h->port, why, strerror(errno));
		else
			log_info("%s: cannot connect to %s port %u: %s", h->who, h->addr,
				 (unsigned)h->port, why);
		return rc;
	}
	h->connections++;
	if (!h->tls)
		return MAYDAY_OK;
	rc = net_tls_connect(h->tls, h->fd, h->host, deadline, &h->ssl, tls_why,
			     sizeof(tls_why));
	if (rc != MAYDAY_OK) {
		h->failed_at = NET_HTTP_STAGE_TLS;
		log_info("%s: %s port %u (%s): %s", h->who, h->addr, (unsigned)h->port, h->host,
			 tls_why);
		drop(h);
	}
	return rc;
}

static enum mayday_err io_write(struct net_http *h, const void *buf, size_t len)
{
	if (h->ssl)
		return net_tls_write(h->ssl, h->fd, buf, len, h->deadline_ms);
	return net_conn_write(h->fd, buf, len, h->deadline_ms);
}

static enum mayday_err io_read(struct net_http *h, void *buf, size_t cap, size_t *n)
{
	if (h->ssl)
		return net_tls_read(h->ssl, h->fd, buf, cap, n, h->deadline_ms);
	return net_conn_read(h->fd, buf, cap, n, h->deadline_ms);
}

/* Keeps the cookies the answer set, replacing those of the same name. */
static void keep_cookies(struct net_http *h, const struct net_http_head *hd)
{
	for (unsigned i = 0; i < hd->n_cookies; i++) {
		const char *c = hd->cookies[i];
		size_t name = strcspn(c, "=");
		unsigned k;

		for (k = 0; k < h->n_cookies; k++)
			if (strncmp(h->cookies[k], c, name + 1) == 0)
				break;
		if (k == h->n_cookies) {
			if (h->n_cookies == NET_HTTP_COOKIES_MAX) {
				log_info("%s: more than %u cookies: %s dropped", h->who,
					 NET_HTTP_COOKIES_MAX, h->cookies[0]);
				memmove(h->cookies[0], h->cookies[1],
					sizeof(h->cookies[0]) * (NET_HTTP_COOKIES_MAX - 1));
				k = NET_HTTP_COOKIES_MAX - 1;
			} else {
				h->n_cookies++;
			}
		}
		strcpy(h->cookies[k], c);
	}
}

/* Appends the strings up to the NULL; 0 if they do not fit. */
static int put(char *buf, size_t cap, size_t *at, ...)
{
	va_list ap;
	const char *s;
	int ok = 1;

	va_start(ap, at);
	while ((s = va_arg(ap, const char *)) != NULL) {
		size_t n = strlen(s);
		if (n >= cap - *at) {
			ok = 0;
			break;
		}
		memcpy(buf + *at, s, n + 1);
		*at += n;
	}
	va_end(ap);
	return ok;
}

static enum mayday_err format_head(struct net_http *h, const struct net_http_request *r,
				   char *buf, size_t cap, size_t *len)
{
	char port[16], clen[32];
	int is_ip6 = strchr(h->host, ':') != NULL;
	size_t at = 0;
	int ok;

	snprintf(port, sizeof(port), "%u", (unsigned)h->port);
	snprintf(clen, sizeof(clen), "%zu", r->body_len);
	ok = put(buf, cap, &at, r->method, " ", r->path, " HTTP/1.1\r\nHost: ",
		 is_ip6 ? "[" : "", h->host, is_ip6 ? "]:" : ":", port, "\r\n", NULL) &&
	     (!h->user_agent[0] ||
	      put(buf, cap, &at, "User-Agent: ", h->user_agent, "\r\n", NULL)) &&
	     (!r->content_type ||
	      put(buf, cap, &at, "Content-Type: ", r->content_type, "\r\n", NULL)) &&
	     (!r->accept || put(buf, cap, &at, "Accept: ", r->accept, "\r\n", NULL)) &&
	     ((r->body_len == 0 && strcmp(r->method, "POST") != 0) ||
	      put(buf, cap, &at, "Content-Length: ", clen, "\r\n", NULL));
	for (unsigned i = 0; ok && i < h->n_cookies; i++)
		ok = put(buf, cap, &at, i ? "; " : "Cookie: ", h->cookies[i], NULL);
	ok = ok && (!h->n_cookies || put(buf, cap, &at, "\r\n", NULL)) &&
	     put(buf, cap, &at, "\r\n", NULL);
	if (!ok) {
		log_info("%s: request head too long", h->who);
		return MAYDAY_E_TOOBIG;
	}
	*len = at;
	return MAYDAY_OK;
}

static void log_failure(struct net_http *h, enum mayday_err rc, const char *doing)
{
	h->failed_at = NET_HTTP_STAGE_EXCHANGE;
	if (rc == MAYDAY_E_TIMEOUT)
		log_info("%s: timed out %s", h->who, doing);
	else
		log_info("%s: connection to %s port %u lost %s", h->who, h->addr,
			 (unsigned)h->port, doing);
}

/* Parses what the receive buffer holds; reads more when it is empty.
 * Returns with a body span, or the head complete (want_head), or done. */
static enum mayday_err pump(struct net_http *h, int want_head)
{
	for (;;) {
		size_t used = 0, n = 0;
		const uint8_t *body;
		size_t body_len;
		enum mayday_err rc;

		if (net_http_parse_done(&h->parse) || h->span_len ||
		    (want_head && net_http_parse_have_head(&h->parse)))
			return MAYDAY_OK;
		if (h->rpos == h->rlen) {
			rc = io_read(h, h->rbuf, sizeof(h->rbuf), &n);
			if (rc != MAYDAY_OK)
				return rc; /* the caller logs, or tries again */
			h->rpos = 0;
			h->rlen = n;
			if (n == 0) {
				if (!h->got_bytes)
					return MAYDAY_E_IO; /* caller may retry; logs */
				rc = net_http_parse_eof(&h->parse);
				if (rc != MAYDAY_OK) {
					struct mayday_diag d = net_http_parse_diag(&h->parse);
					h->failed_at = NET_HTTP_STAGE_EXCHANGE;
					log_info("%s: %s (after %zu bytes)", h->who, d.what,
						 d.offset);
				}
				return rc;
			}
			h->got_bytes = 1;
		}
		rc = net_http_parse_feed(&h->parse, h->rbuf + h->rpos, h->rlen - h->rpos, &used,
					 &body, &body_len);
		if (rc != MAYDAY_OK) {
			struct mayday_diag d = net_http_parse_diag(&h->parse);
			h->failed_at = NET_HTTP_STAGE_EXCHANGE;
			log_info("%s: bad answer from %s port %u: %s at byte %zu", h->who, h->addr,
				 (unsigned)h->port, d.what, d.offset);
			return rc;
		}
		h->rpos += used;
		h->span = body;
		h->span_len = body_len;
	}
}

/* The answer is complete: keep the connection only if it may be reused. */
static void finish(struct net_http *h)
{
	const struct net_http_head *hd = net_http_parse_head(&h->parse);

	h->busy = 0;
	h->requests_on_conn++;
	/* bytes beyond the answer were never asked for: do not trust the rest */
	if (hd->close || h->rpos != h->rlen)
		drop(h);
}

static enum mayday_err send_request(struct net_http *h, const struct net_http_request *r,
				    const char *head, size_t head_len)
{
	enum mayday_err rc;

	if (h->fd < 0) {
		rc = connect_now(h, r->deadline_ms);
		if (rc != MAYDAY_OK)
			return rc;
	}
	rc = io_write(h, head, head_len);
	if (rc == MAYDAY_OK && r->body_len)
		rc = io_write(h, r->body, r->body_len);
	return rc;
}

enum mayday_err net_http_begin(struct net_http *h, const struct net_http_request *r,
			       struct net_http_head *head)
{
	char buf[HEAD_SIZE];
	size_t head_len = 0;
	enum mayday_err rc;

	h->failed_at = NET_HTTP_STAGE_NONE;
	if (h->busy)
		drop(h); /* the last body was not read to its end */
	rc = format_head(h, r, buf, sizeof(buf), &head_len);
	if (rc != MAYDAY_OK)
		return rc;
	h->deadline_ms = r->deadline_ms;
	for (int attempt = 0;; attempt++) {
		int reused = h->fd >= 0 && h->requests_on_conn > 0;

		net_http_parse_init(&h->parse, strcmp(r->method, "HEAD") == 0);
		h->got_bytes = 0;
		h->span = NULL;
		h->span_len = 0;
		h->busy = 1;
		rc = send_request(h, r, buf, head_len);
		if (rc == MAYDAY_OK)
			rc = pump(h, 1);
		if (rc == MAYDAY_OK)
			break;
		if (h->failed_at == NET_HTTP_STAGE_CONNECT || h->failed_at == NET_HTTP_STAGE_TLS)
			return rc; /* logged, dropped */
		if (reused && !h->got_bytes && rc != MAYDAY_E_TIMEOUT && attempt == 0) {
			drop(h); /* the server closed the idle connection: once more */
			continue;
		}
		if (!h->failed_at)
			log_failure(h, rc, h->got_bytes ? "reading the answer"
							: "waiting for the answer");
		drop(h);
		return rc;
	}
	*head = *net_http_parse_head(&h->parse);
	keep_cookies(h, head);
	if (net_http_parse_done(&h->parse) && !h->span_len)
		finish(h);
	return MAYDAY_OK;
}

enum mayday_err net_http_read(struct net_http *h, uint8_t *buf, size_t cap, size_t *n)
{
	enum mayday_err rc;

	*n = 0;
	if (!h->busy)
		return MAYDAY_OK;
	rc = pump(h, 0);
	if (rc != MAYDAY_OK) {
		if (!h->failed_at)
			log_failure(h, rc, "reading the answer");
		drop(h);
		return rc;
	}
	if (h->span_len) {
		size_t k = h->span_len < cap ? h->span_len : cap;
		memcpy(buf, h->span, k);
		h->span += k;
		h->span_len -= k;
		*n = k;
		if (h->span_len == 0 && net_http_parse_done(&h->parse))
			finish(h);
		return MAYDAY_OK;
	}
	finish(h); /* done */
	return MAYDAY_OK;
}

enum mayday_err net_http_exchange(struct net_http *h, const struct net_http_request *r,
				  uint8_t *buf, size_t cap, size_t *len,
				  struct net_http_head *head)
{
	enum mayday_err rc = net_http_begin(h, r, head);
	size_t n;

	*len = 0;
	if (rc != MAYDAY_OK)
		return rc;
	if (head->has_length && head->content_length > cap) {
		log_info("%s: answer of %llu bytes, more than the %zu allowed", h->who,
			 (unsigned long long)head->content_length, cap);
		drop(h);
		return MAYDAY_E_TOOBIG;
	}
	do {
		if (*len == cap) {
			uint8_t extra;
			rc = net_http_read(h, &extra, 1, &n);
			if (rc == MAYDAY_OK && n) {
				log_info("%s: answer larger than the %zu bytes allowed", h->who, cap);
				drop(h);
				return MAYDAY_E_TOOBIG;
			}
			return rc;
		}
		rc = net_http_read(h, buf + *len, cap - *len, &n);
		if (rc != MAYDAY_OK)
			return rc;
		*len += n;
	} while (n);
	return MAYDAY_OK;
}

enum mayday_err net_http_get(struct net_http *h, const struct net_http_request *r, uint64_t max,
			     net_http_sink_fn sink, void *ctx, struct net_http_head *head)
{
	uint8_t buf[RBUF_SIZE];
	uint64_t total = 0;
	size_t n;
	enum mayday_err rc = net_http_begin(h, r, head);

	if (rc != MAYDAY_OK)
		return rc;
	if (head->status < 200 || head->status > 299)
		return MAYDAY_OK; /* the caller judges the status; the body is dropped */
	if (head->has_length && head->content_length > max) {
		log_info("%s: body of %llu bytes announced, more than the %llu allowed", h->who,
			 (unsigned long long)head->content_length, (unsigned long long)max);
		drop(h);
		return MAYDAY_E_TOOBIG;
	}
	for (;;) {
		size_t want = sizeof(buf);
		if (max - total < want)
			want = (size_t)(max - total) + 1; /* one more shows an overrun */
		rc = net_http_read(h, buf, want, &n);
		if (rc != MAYDAY_OK || n == 0)
			return rc;
		if (n > max - total) {
			log_info("%s: body larger than the %llu bytes allowed", h->who,
				 (unsigned long long)max);
			drop(h);
			return MAYDAY_E_TOOBIG;
		}
		total += n;
		rc = sink(ctx, buf, n);
		if (rc != MAYDAY_OK) {
			drop(h);
			return rc;
		}
	}
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The timed phase of the TLS and plain-HTTP methods: `conns` threads, each
 * with one blocking connection at a time, take the next pre-signed
 * indication from a shared counter and POST it to /v1/distress, as a device
 * does: a new connection per indication (with TLS: a full mutual TLS 1.3
 * handshake with that device's certificate, no tickets, no resumption), or
 * with --per-conn N > 1 on plain HTTP, up to N requests per keep-alive
 * connection. Blocking I/O with SO_RCVTIMEO/SO_SNDTIMEO bounds every wait
 * by timeout_ms; a failed attempt (connect, handshake, 503) is retried on a
 * new connection up to `retries` times, then the indication counts as lost.
 * A 200's body is the signed ack, kept for the check after the run; in
 * --baseline mode (nginx) any 200 completes the request, and the pre-signed
 * bodies are sent round and round until the duration is over (counted per
 * thread, not per message), so the baseline is never bounded by --count.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "sim.h"

#define HEAD_MAX 4096   /* response status line and headers */
#define BODY_MAX MAYDAY_ACK_MAX
#define MAX_CONNS 1024
#define BASELINE_MAX 100000000u   /* requests, a bound besides the duration */

struct shared {
	const struct sim_opts *o;
	const struct sim_fleet *f;
	struct sim_result *res;
	uint8_t *arena;
	SSL_CTX *ctx;           /* NULL: plain HTTP */
	atomic_size_t next;
	atomic_size_t errors;
	uint64_t deadline;
	size_t limit;           /* requests to send at most */
};

struct worker {
	struct shared *s;
	uint64_t end_ns;        /* last completion */
	size_t done, lost;      /* baseline tallies */
};

struct conn {
	int fd;
	SSL *ssl;
	unsigned used;          /* requests sent on it */
};

static void conn_close(struct conn *c)
{
	/* close_notify, as curl sends: the server sees an orderly close */
	if (c->ssl != NULL && SSL_is_init_finished(c->ssl))
		(void)SSL_shutdown(c->ssl);
	ERR_clear_error();
	SSL_free(c->ssl);
	if (c->fd >= 0)
		close(c->fd);
	c->ssl = NULL;
	c->fd = -1;
	c->used = 0;
}

static int conn_open(struct conn *c, const struct shared *s, const struct sim_device *d)
{
	const struct sim_opts *o = s->o;
	struct timeval tv = {.tv_sec = o->timeout_ms / 1000,
			     .tv_usec = (suseconds_t)(o->timeout_ms % 1000) * 1000};
	int one = 1;
	c->fd = socket(o->server.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->fd < 0 || setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) != 0 ||
	    setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) != 0 ||
	    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) != 0 ||
	    connect(c->fd, (const struct sockaddr *)&o->server, o->server_len) != 0)
		goto fail;
	if (s->ctx == NULL)
		return 0;
	if ((c->ssl = SSL_new(s->ctx)) == NULL || SSL_use_certificate(c->ssl, d->cert) != 1 ||
	    SSL_use_PrivateKey(c->ssl, d->key) != 1 || SSL_set_fd(c->ssl, c->fd) != 1 ||
	    SSL_connect(c->ssl) != 1)
		goto fail;
	return 0;
fail:
	ERR_clear_error();
	conn_close(c);
	return -1;
}

static int conn_write(struct conn *c, const uint8_t *buf, size_t len)
{
	while (len > 0) {
		ssize_t n;
		if (c->ssl != NULL) {
			size_t w = 0;
			n = SSL_write_ex(c->ssl, buf, len, &w) == 1 ? (ssize_t)w : -1;
		} else {
			n = send(c->fd, buf, len, MSG_NOSIGNAL);
		}
		if (n < 0 && errno == EINTR && c->ssl == NULL)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static ssize_t conn_read(struct conn *c, uint8_t *buf, size_t cap)
{
	if (c->ssl != NULL) {
		size_t r = 0;
		if (SSL_read_ex(c->ssl, buf, cap, &r) == 1)
			return (ssize_t)r;
		int e = SSL_get_error(c->ssl, 0);
		ERR_clear_error();
		return e == SSL_ERROR_ZERO_RETURN ? 0 : -1;
	}
	for (;;) {
		ssize_t n = recv(c->fd, buf, cap, 0);
		if (n < 0 && errno == EINTR)
			continue;
		return n;
	}
}

/* The value of header `name` in head[0..len) (CRLF lines), or NULL. */
static const char *header(const char *head, const char *name)
{
	size_t nl = strlen(name);
	for (const char *p = strstr(head, "\r\n"); p != NULL; p = strstr(p, "\r\n")) {
		p += 2;
		if (strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
			p += nl + 1;
			while (*p == ' ' || *p == '\t')
				p++;
			return p;
		}
	}
	return NULL;
}

/* One POST and its response. Returns the HTTP status, or -1 (connection
 * unusable). The body goes to body/body_len; *closing if the server said so. */
static int exchange(struct conn *c, const struct sim_msg *m, bool last, uint8_t *body,
		    size_t *body_len, bool *closing)
{
	uint8_t req[256 + MAYDAY_INDICATION_MAX];
	char head[HEAD_MAX + 1];
	size_t have = 0, hl = 0;
	int hn = snprintf((char *)req, 256,
			  "POST /v1/distress HTTP/1.1\r\nHost: 127.0.0.1\r\n"
			  "Content-Type: application/cose\r\nContent-Length: %u\r\n%s\r\n",
			  (unsigned)m->len, last ? "Connection: close\r\n" : "");
	if (hn <= 0 || hn >= 256 || m->len > MAYDAY_INDICATION_MAX)
		return -1;
	memcpy(req + hn, m->buf, m->len);
	if (conn_write(c, req, (size_t)hn + m->len) != 0)
		return -1;
	/* status line and headers; the body may follow in the same reads */
	uint8_t *buf = (uint8_t *)head;
	char *end = NULL;
	while (end == NULL) {
		if (have == HEAD_MAX)
			return -1;
		ssize_t n = conn_read(c, buf + have, HEAD_MAX - have);
		if (n <= 0)
			return -1;
		have += (size_t)n;
		head[have] = '\0';
		end = strstr(head, "\r\n\r\n");
	}
	hl = (size_t)(end - head) + 4;
	end[2] = '\0';
	int status = 0;
	if (sscanf(head, "HTTP/1.%*1[01] %3d", &status) != 1)
		return -1;
	const char *cl = header(head, "Content-Length");
	const char *conn = header(head, "Connection");
	*closing = conn != NULL && strncasecmp(conn, "close", 5) == 0;
	size_t want = cl != NULL ? strtoul(cl, NULL, 10) : 0;
	if (cl == NULL && !*closing)
		return -1;  /* neither length nor close: cannot frame it */
	size_t got = have - hl;
	if (want > BODY_MAX || got > BODY_MAX)
		return -1;
	memcpy(body, head + hl, got);
	while (cl != NULL ? got < want : got < BODY_MAX) {
		ssize_t n = conn_read(c, body + got, (cl != NULL ? want : BODY_MAX) - got);
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	if (cl != NULL && got != want)
		return -1;
	*body_len = got;
	return status;
}

static void report_once(struct shared *s, const char *what, int status)
{
	if (atomic_fetch_add(&s->errors, 1) < 5)
		fprintf(stderr, "mayday-sim: %s (status %d)\n", what, status);
}

/* Sends message i until it is answered, refused or given up; the
 * connection `c` is kept open for the next one only with keep-alive. */
static void one(struct shared *s, struct conn *c, size_t i, struct sim_result *r,
		struct worker *w)
{
	const struct sim_opts *o = s->o;
	const struct sim_msg *m = &s->f->msg[i];
	uint8_t body[BODY_MAX];
	uint64_t now = sim_now_ns();
	r->first_ns = r->last_ns = now;
	r->sent = 1;
	for (r->tries = 1; r->tries <= o->retries + 1u; r->tries++) {
		size_t blen = 0;
		bool closing = false;
		if (c->fd < 0 && conn_open(c, s, &s->f->dev[m->dev]) != 0) {
			report_once(s, "connect or handshake failed", 0);
			continue;
		}
		c->used++;
		bool last = c->used >= o->per_conn;
		int st = exchange(c, m, last, body, &blen, &closing);
		if (st < 0 || last || closing)
			conn_close(c);
		now = sim_now_ns();
		r->last_ns = now;
		if (st < 0) {
			report_once(s, "request failed", st);
			continue;
		}
		if (st == 503 || st == 429) {
			struct timespec ts = {0, 2000000};
			nanosleep(&ts, NULL);
			continue;
		}
		if (st != 200) {
			report_once(s, "unexpected answer", st);
			break;
		}
		w->end_ns = now;
		if (o->baseline) {
			r->acked = 1;
			r->ack_ns = now;
		} else if (sim_record_ack(s->f, s->res, s->arena, i, body, blen, now) != 0) {
			report_once(s, "200 without this indication's ack", st);
		}
		return;
	}
	r->lost = 1;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct shared *s = w->s;
	struct conn c = {.fd = -1};
	for (;;) {
		if (sim_now_ns() >= s->deadline)
			break;
		size_t i = atomic_fetch_add(&s->next, 1);
		if (i >= s->limit)
			break;
		if (s->o->baseline) {
			struct sim_result r;
			memset(&r, 0, sizeof(r));
			one(s, &c, i % s->f->n_msg, &r, w);
			w->done += r.acked;
			w->lost += r.lost;
		} else {
			one(s, &c, i, &s->res[i], w);
		}
	}
	conn_close(&c);
	return NULL;
}

static SSL_CTX *client_ctx(const struct sim_opts *o)
{
	char ip[INET6_ADDRSTRLEN];
	const void *a = o->server.ss_family == AF_INET
				? (const void *)&((const struct sockaddr_in *)&o->server)->sin_addr
				: (const void *)&((const struct sockaddr_in6 *)&o->server)->sin6_addr;
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	if (ctx == NULL || inet_ntop(o->server.ss_family, a, ip, sizeof(ip)) == NULL ||
	    SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) != 1 ||
	    SSL_CTX_load_verify_locations(ctx, o->ca_cert, NULL) != 1 ||
	    X509_VERIFY_PARAM_set1_ip_asc(SSL_CTX_get0_param(ctx), ip) != 1) {
		fprintf(stderr, "mayday-sim: TLS client set-up failed (CA %s)\n", o->ca_cert);
		SSL_CTX_free(ctx);
		return NULL;
	}
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	return ctx;
}

double sim_http_run(const struct sim_opts *o, const struct sim_fleet *f, struct sim_result *res,
		    uint8_t *arena, struct sim_tally *tally)
{
	struct shared s = {.o = o, .f = f, .res = res, .arena = arena,
			   .limit = o->baseline ? BASELINE_MAX : f->n_msg};
	uint32_t n = o->conns < 1 ? 1 : o->conns > MAX_CONNS ? MAX_CONNS : o->conns;
	pthread_t *th = calloc(n, sizeof(*th));
	struct worker *w = calloc(n, sizeof(*w));
	double el = -1;
	atomic_init(&s.next, 0);
	atomic_init(&s.errors, 0);
	if (th == NULL || w == NULL)
		goto out;
	if (strcmp(o->method, "tls") == 0 && (s.ctx = client_ctx(o)) == NULL)
		goto out;
	if (res != NULL)
		memset(res, 0, f->n_msg * sizeof(*res));
	memset(tally, 0, sizeof(*tally));
	uint64_t start = sim_now_ns(), end = start;
	s.deadline = start + (uint64_t)(o->duration * 1e9);
	uint32_t started = 0;
	for (; started < n; started++) {
		w[started].s = &s;
		if (pthread_create(&th[started], NULL, worker_main, &w[started]) != 0)
			break;
	}
	for (uint32_t t = 0; t < started; t++) {
		pthread_join(th[t], NULL);
		tally->done += w[t].done;
		tally->lost += w[t].lost;
		if (w[t].end_ns > end)
			end = w[t].end_ns;
	}
	if (started == 0)
		goto out;
	if (end == start)
		end = sim_now_ns();
	el = (double)(end - start) / 1e9;
out:
	SSL_CTX_free(s.ctx);
	free(th);
	free(w);
	return el;
}

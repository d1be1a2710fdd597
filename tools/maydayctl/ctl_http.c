/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The HTTP/1.1 exchange of maydayctl's stream transports (unix, tcp): one
 * request per connection ("Connection: close"), so there is no pipelining,
 * reuse or retry to get wrong. The answer is parsed by device/net's
 * incremental parser (net_http_parse.h: bounded head, Content-Length or
 * chunked, fuzzed and unit-tested there), not by a second parser of our
 * own; this file only bounds the body (CTL_ANSWER_MAX) and the time
 * (the stream's deadline, every read and write).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <openssl/ssl.h>

#include "ctl_call.h"
#include "net_conn.h"
#include "net_http_parse.h"
#include "net_tls.h"

#define HEAD_CAP 2048u
#define RBUF 16384u

void ctl_answer_clear(struct ctl_answer *a)
{
	json_decref(a->json);
	free(a->raw);
	memset(a, 0, sizeof(*a));
}

static bool is_json_type(const char *t)
{
	size_t n = strcspn(t, "; \t");
	return (n == 16 && strncasecmp(t, "application/json", 16) == 0) ||
	       (n == 24 && strncasecmp(t, "application/problem+json", 24) == 0);
}

enum mayday_err ctl_answer_set_body(struct ctl_answer *a, const char *type, const uint8_t *body,
				    size_t len, char *why, size_t cap)
{
	snprintf(a->type, sizeof(a->type), "%s", type ? type : "");
	if (len == 0)
		return MAYDAY_OK;
	if (is_json_type(a->type)) {
		json_error_t e;
		a->json = json_loadb((const char *)body, len, JSON_REJECT_DUPLICATES, &e);
		if (a->json == NULL) {
			snprintf(why, cap, "the API's answer is not JSON: %s at byte %d", e.text,
				 e.position);
			return MAYDAY_E_MALFORMED;
		}
		return MAYDAY_OK;
	}
	a->raw = malloc(len + 1);
	if (a->raw == NULL)
		return MAYDAY_E_NOMEM;
	memcpy(a->raw, body, len);
	a->raw[len] = '\0';
	a->raw_len = len;
	return MAYDAY_OK;
}

static enum mayday_err sread(struct ctl_stream *s, void *buf, size_t cap, size_t *n)
{
	if (s->ssl != NULL)
		return net_tls_read(s->ssl, s->fd, buf, cap, n, s->deadline_ms);
	return net_conn_read(s->fd, buf, cap, n, s->deadline_ms);
}

static enum mayday_err swrite(struct ctl_stream *s, const void *buf, size_t len)
{
	if (s->ssl != NULL)
		return net_tls_write(s->ssl, s->fd, buf, len, s->deadline_ms);
	return net_conn_write(s->fd, buf, len, s->deadline_ms);
}

/* Printable ASCII without spaces: what may go into a request line or a
 * header value we build (a device ID is percent-encoded before it gets
 * here; this is the last line of defence against header injection). */
static bool token_ok(const char *s, bool spaces)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f || (!spaces && *s == ' '))
			return false;
	return true;
}

static const char *io_what(enum mayday_err rc)
{
	return rc == MAYDAY_E_TIMEOUT ? "timed out" : "connection lost";
}

/* Grows *buf to hold `need` bytes, doubling. */
static enum mayday_err grow(uint8_t **buf, size_t *cap, size_t need)
{
	size_t n = *cap ? *cap : 65536;
	while (n < need)
		n *= 2;
	if (n == *cap)
		return MAYDAY_OK;
	uint8_t *p = realloc(*buf, n);
	if (p == NULL)
		return MAYDAY_E_NOMEM;
	*buf = p;
	*cap = n;
	return MAYDAY_OK;
}

enum mayday_err ctl_http_exchange(struct ctl_stream *s, const char *host, const char *bearer,
				  const char *path_prefix, const struct ctl_request *r,
				  struct ctl_answer *a, char *why, size_t cap)
{
	char head[HEAD_CAP];
	int n;
	enum mayday_err rc;

	memset(a, 0, sizeof(*a));
	if (!token_ok(r->path, false) || !token_ok(host, false) ||
	    (bearer != NULL && !token_ok(bearer, false)) ||
	    (r->content_type != NULL && !token_ok(r->content_type, true))) {
		snprintf(why, cap, "request path or header not printable ASCII");
		return MAYDAY_E_INVALID;
	}
	n = snprintf(head, sizeof(head),
		     "%s %s%s HTTP/1.1\r\nHost: %s\r\nAccept: application/json\r\n"
		     "Connection: close\r\n%s%s%s%s%s%s",
		     r->method, path_prefix ? path_prefix : "", r->path, host,
		     bearer ? "Authorization: Bearer " : "", bearer ? bearer : "",
		     bearer ? "\r\n" : "", r->content_type ? "Content-Type: " : "",
		     r->content_type ? r->content_type : "", r->content_type ? "\r\n" : "");
	if (n > 0 && (size_t)n < sizeof(head))
		n += snprintf(head + n, sizeof(head) - (size_t)n, "Content-Length: %zu\r\n\r\n",
			      r->body_len);
	if (n < 0 || (size_t)n >= sizeof(head)) {
		snprintf(why, cap, "request head longer than %u bytes", HEAD_CAP);
		return MAYDAY_E_TOOBIG;
	}
	rc = swrite(s, head, (size_t)n);
	if (rc == MAYDAY_OK && r->body_len)
		rc = swrite(s, r->body, r->body_len);
	if (rc != MAYDAY_OK) {
		snprintf(why, cap, "sending the request: %s", io_what(rc));
		return rc;
	}

	/* The parser's state holds its 8 KiB line buffer: on the heap. */
	struct net_http_parse *p = malloc(sizeof(*p));
	uint8_t *rbuf = malloc(RBUF), *body = NULL;
	size_t body_len = 0, body_cap = 0;
	if (p == NULL || rbuf == NULL) {
		rc = MAYDAY_E_NOMEM;
		goto out;
	}
	net_http_parse_init(p, strcmp(r->method, "HEAD") == 0);
	while (!net_http_parse_done(p)) {
		size_t got = 0, at = 0;
		rc = sread(s, rbuf, RBUF, &got);
		if (rc != MAYDAY_OK) {
			snprintf(why, cap, "reading the answer: %s", io_what(rc));
			goto out;
		}
		if (got == 0) {
			rc = net_http_parse_eof(p);
			if (rc != MAYDAY_OK) {
				struct mayday_diag d = net_http_parse_diag(p);
				snprintf(why, cap, "bad answer: %s (after %zu bytes)", d.what,
					 d.offset);
				goto out;
			}
			break;
		}
		while (at < got && !net_http_parse_done(p)) {
			size_t used = 0, span_len = 0;
			const uint8_t *span = NULL;
			rc = net_http_parse_feed(p, rbuf + at, got - at, &used, &span, &span_len);
			if (rc != MAYDAY_OK) {
				struct mayday_diag d = net_http_parse_diag(p);
				snprintf(why, cap, "bad answer: %s at byte %zu", d.what, d.offset);
				goto out;
			}
			at += used;
			if (net_http_parse_have_head(p) && net_http_parse_head(p)->has_length &&
			    net_http_parse_head(p)->content_length > CTL_ANSWER_MAX) {
				snprintf(why, cap, "answer larger than %u bytes", CTL_ANSWER_MAX);
				rc = MAYDAY_E_TOOBIG;
				goto out;
			}
			if (span_len == 0)
				continue;
			if (span_len > CTL_ANSWER_MAX - body_len) {
				snprintf(why, cap, "answer larger than %u bytes", CTL_ANSWER_MAX);
				rc = MAYDAY_E_TOOBIG;
				goto out;
			}
			if ((rc = grow(&body, &body_cap, body_len + span_len)) != MAYDAY_OK)
				goto out;
			memcpy(body + body_len, span, span_len);
			body_len += span_len;
		}
	}
	const struct net_http_head *h = net_http_parse_head(p);
	a->status = h->status;
	rc = ctl_answer_set_body(a, h->content_type, body, body_len, why, cap);
out:
	if (rc == MAYDAY_E_NOMEM)
		snprintf(why, cap, "out of memory");
	free(body);
	free(rbuf);
	free(p);
	return rc;
}

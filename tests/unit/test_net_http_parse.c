/* SPDX-License-Identifier: Apache-2.0 */
/*
 * net_http_parse, the device's HTTP/1.1 response parser: every answer is
 * fed whole, in pieces of every size from 1 byte up (so each state is
 * entered across a read boundary), and must give the same head and body.
 * Then the refusals: bad chunk sizes, oversized heads, duplicate or
 * conflicting lengths, obs-fold, connections closed mid-answer.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net_http_parse.h"

#define BODY_CAP 65536

struct result {
	enum mayday_err rc;       /* of the feeds, then of eof if asked */
	struct net_http_head head;
	uint8_t body[BODY_CAP];
	size_t body_len;
	int done;
	size_t left;              /* bytes not consumed once done */
};

/* Feeds `in` in pieces of `piece` bytes; eof: then tells the parser the
 * connection ended. */
static void parse_in_pieces(const char *in, size_t len, size_t piece, int head_req, int eof,
			    struct result *r)
{
	static struct net_http_parse p;
	size_t at = 0;

	memset(r, 0, sizeof(*r));
	net_http_parse_init(&p, head_req);
	while (at < len && !net_http_parse_done(&p)) {
		size_t n = len - at < piece ? len - at : piece, used = 0, blen = 0;
		const uint8_t *body = NULL;

		r->rc = net_http_parse_feed(&p, (const uint8_t *)in + at, n, &used, &body, &blen);
		assert_true(used <= n);
		if (r->rc != MAYDAY_OK)
			return;
		if (blen) {
			assert_true(body >= (const uint8_t *)in + at &&
				    body + blen <= (const uint8_t *)in + at + used);
			assert_true(r->body_len + blen <= BODY_CAP);
			memcpy(r->body + r->body_len, body, blen);
			r->body_len += blen;
		}
		if (used == 0 && !net_http_parse_done(&p))
			fail_msg("no progress at %zu", at);
		at += used;
	}
	r->left = len - at;
	if (eof && !net_http_parse_done(&p))
		r->rc = net_http_parse_eof(&p);
	r->done = net_http_parse_done(&p);
	if (net_http_parse_have_head(&p))
		r->head = *net_http_parse_head(&p);
}

/* Every piece size gives the same outcome; the last one is in *r. */
static void parse_all_ways(const char *in, int head_req, int eof, struct result *r)
{
	static struct result first;
	size_t len = strlen(in);

	parse_in_pieces(in, len, len, head_req, eof, &first);
	for (size_t piece = 1; piece <= len; piece = piece < 16 ? piece + 1 : piece * 2) {
		parse_in_pieces(in, len, piece, head_req, eof, r);
		if (r->rc != first.rc)
			fail_msg("%s: pieces of %zu: %d, whole: %d", in, piece, r->rc, first.rc);
		assert_int_equal(r->done, first.done);
		if (first.rc != MAYDAY_OK)
			continue; /* where it stops depends on the pieces, not whether */
		assert_int_equal(r->body_len, first.body_len);
		assert_memory_equal(r->body, first.body, first.body_len);
		assert_int_equal(r->head.status, first.head.status);
	}
}

static void expect_refused(const char *in, enum mayday_err rc)
{
	static struct result r;

	parse_all_ways(in, 0, 1, &r);
	assert_int_equal(r.rc, rc);
}

static void test_content_length(void **state)
{
	static struct result r;

	(void)state;
	parse_all_ways("HTTP/1.1 200 OK\r\nContent-Type: application/cose\r\n"
		       "Content-Length: 5\r\n\r\nhello", 0, 0, &r);
	assert_int_equal(r.rc, MAYDAY_OK);
	assert_true(r.done);
	assert_int_equal(r.head.status, 200);
	assert_int_equal(r.head.minor, 1);
	assert_false(r.head.close);
	assert_string_equal(r.head.content_type, "application/cose");
	assert_int_equal(r.body_len, 5);
	assert_memory_equal(r.body, "hello", 5);
	/* bytes after the answer are not consumed */
	const char *two = "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nxHTTP";
	parse_in_pieces(two, strlen(two), strlen(two), 0, 0, &r);
	assert_true(r.done);
	assert_int_equal(r.left, 4);
	/* a bare LF ends lines too; Content-Length 0 is an empty body */
	parse_all_ways("HTTP/1.1 200 OK\nContent-Length: 0\n\n", 0, 0, &r);
	assert_true(r.done);
	assert_int_equal(r.body_len, 0);
}

static void test_chunked(void **state)
{
	static struct result r;

	(void)state;
	parse_all_ways("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		       "5\r\nhello\r\n1;ext=\"x\"\r\n \r\nA \r\n0123456789\r\n"
		       "0\r\nTrailer-A: 1\r\nTrailer-B: 2\r\n\r\n", 0, 0, &r);
	assert_int_equal(r.rc, MAYDAY_OK);
	assert_true(r.done);
	assert_true(r.head.chunked);
	assert_int_equal(r.body_len, 16);
	assert_memory_equal(r.body, "hello 0123456789", 16);
	/* case-insensitive coding name and hex digits */
	parse_all_ways("HTTP/1.1 200 OK\r\ntransfer-encoding: Chunked\r\n\r\n"
		       "b\r\nhello world\r\n0\r\n\r\n", 0, 0, &r);
	assert_int_equal(r.body_len, 11);
}

static void test_bad_chunks(void **state)
{
	(void)state;
#define TE "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
	expect_refused(TE "zz\r\nab\r\n0\r\n\r\n", MAYDAY_E_MALFORMED);
	expect_refused(TE "-1\r\nab\r\n0\r\n\r\n", MAYDAY_E_MALFORMED);
	expect_refused(TE "\r\nab\r\n0\r\n\r\n", MAYDAY_E_MALFORMED);
	expect_refused(TE "0x2\r\nab\r\n0\r\n\r\n", MAYDAY_E_MALFORMED);
	expect_refused(TE "100000001\r\n", MAYDAY_E_TOOBIG);
	expect_refused(TE "ffffffffffffffffffffffff\r\n", MAYDAY_E_TOOBIG);
	expect_refused(TE "2\r\nabc\r\n0\r\n\r\n", MAYDAY_E_MALFORMED); /* no CRLF after data */
	char line[300];
	snprintf(line, sizeof(line), TE "1;%0200d\r\na\r\n0\r\n\r\n", 0);
	expect_refused(line, MAYDAY_E_MALFORMED); /* chunk line over its bound */
	expect_refused(TE "2\r\nab\r\n", MAYDAY_E_MALFORMED); /* closed before the last chunk */
	expect_refused(TE "2\r\na", MAYDAY_E_MALFORMED);
	expect_refused(TE "0\r\nTrailer: x\r\n", MAYDAY_E_MALFORMED); /* closed in the trailers */
	expect_refused("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
		       MAYDAY_E_UNSUPPORTED);
	expect_refused("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
		       "Transfer-Encoding: chunked\r\n\r\n", MAYDAY_E_MALFORMED);
#undef TE
}

static void test_lengths_refused(void **state)
{
	(void)state;
	expect_refused("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello",
		       MAYDAY_E_MALFORMED);
	expect_refused("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello",
		       MAYDAY_E_MALFORMED);
	expect_refused("HTTP/1.1 200 OK\r\nContent-Length: 5, 5\r\n\r\nhello", MAYDAY_E_MALFORMED);
	expect_refused("HTTP/1.1 200 OK\r\nContent-Length: +5\r\n\r\nhello", MAYDAY_E_MALFORMED);
	expect_refused("HTTP/1.1 200 OK\r\nContent-Length: 0x5\r\n\r\nhello", MAYDAY_E_MALFORMED);
	expect_refused("HTTP/1.1 200 OK\r\nContent-Length: \r\n\r\n", MAYDAY_E_MALFORMED);
	expect_refused("HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999\r\n\r\n",
		       MAYDAY_E_MALFORMED);
	expect_refused("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n"
		       "2\r\nab\r\n0\r\n\r\n", MAYDAY_E_MALFORMED);
}

static void test_heads_refused(void **state)
{
	char *big = malloc(NET_HTTP_HEAD_MAX + 100);
	size_t at;

	(void)state;
	assert_non_null(big);
	at = (size_t)sprintf(big, "HTTP/1.1 200 OK\r\nX-Pad: ");
	memset(big + at, 'a', NET_HTTP_HEAD_MAX);
	strcpy(big + at + NET_HTTP_HEAD_MAX - 60, "\r\nContent-Length: 0\r\n\r\n");
	/* just under the bound: taken */
	static struct result r;
	parse_in_pieces(big, strlen(big), 4096, 0, 0, &r);
	assert_int_equal(r.rc, MAYDAY_OK);
	assert_true(r.done);
	memset(big + at, 'a', NET_HTTP_HEAD_MAX);
	strcpy(big + at + NET_HTTP_HEAD_MAX, "\r\n\r\n");
	expect_refused(big, MAYDAY_E_TOOBIG);
	at = (size_t)sprintf(big, "HTTP/1.1 200 OK\r\n");
	for (unsigned i = 0; i <= NET_HTTP_FIELDS_MAX; i++)
		at += (size_t)sprintf(big + at, "X-%u: 1\r\n", i);
	strcpy(big + at, "\r\n");
	expect_refused(big, MAYDAY_E_TOOBIG);
	free(big);

	expect_refused("HTTP/1.1 200 OK\r\nX-A: 1\r\n folded\r\n\r\n", MAYDAY_E_MALFORMED);
	expect_refused("HTTP/1.1 200 OK\r\nContent-Length : 0\r\n\r\n", MAYDAY_E_MALFORMED);
	expect_refused("HTTP/1.1 200 OK\r\nX-A\r\n\r\n", MAYDAY_E_MALFORMED);
	expect_refused("HTTP/1.1 200 OK\r\nX-A: a\rb\r\n\r\n", MAYDAY_E_MALFORMED);
	expect_refused("HTTP/1.1 200 OK\r\nX-A: a\x01" "b\r\n\r\n", MAYDAY_E_MALFORMED);
	expect_refused("HTTP/2 200 OK\r\n\r\n", MAYDAY_E_MALFORMED);
	expect_refused("HTTP/1.1 20 OK\r\n\r\n", MAYDAY_E_MALFORMED);
	expect_refused("HTTP/1.1 700 Huh\r\n\r\n", MAYDAY_E_MALFORMED);
	expect_refused("HTTP/1.1 200OK\r\n\r\n", MAYDAY_E_MALFORMED);
	expect_refused("ICY 200 OK\r\n\r\n", MAYDAY_E_MALFORMED);
	/* NUL: fed by length, so the string literal is cut by hand */
	static struct result z;
	parse_in_pieces("HTTP/1.1 200 OK\r\nX: \0\r\n\r\n", 25, 25, 0, 1, &z);
	assert_int_equal(z.rc, MAYDAY_E_MALFORMED);
	/* closed before the head was complete */
	expect_refused("HTTP/1.1 200 OK\r\nContent-Le", MAYDAY_E_MALFORMED);
	expect_refused("", MAYDAY_E_MALFORMED);
}

static void test_mid_body_and_until_close(void **state)
{
	static struct result r;

	(void)state;
	expect_refused("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello", MAYDAY_E_MALFORMED);
	/* neither length nor chunked: the body runs to the end of the connection */
	parse_all_ways("HTTP/1.1 200 OK\r\n\r\nall of it", 0, 1, &r);
	assert_int_equal(r.rc, MAYDAY_OK);
	assert_true(r.done);
	assert_true(r.head.until_close);
	assert_true(r.head.close);
	assert_int_equal(r.body_len, 9);
}

static void test_retry_after(void **state)
{
	static struct result r;

	(void)state;
	parse_all_ways("HTTP/1.1 503 Busy\r\nRetry-After: 120\r\nContent-Length: 0\r\n\r\n", 0, 0,
		       &r);
	assert_int_equal(r.head.status, 503);
	assert_true(r.head.has_retry_after);
	assert_int_equal(r.head.retry_after_s, 120);
	assert_int_equal(r.head.retry_after_at, 0);
	parse_all_ways("HTTP/1.1 503 Busy\r\nRetry-After: 99999999999999999999\r\n"
		       "Content-Length: 0\r\n\r\n", 0, 0, &r);
	assert_int_equal(r.head.retry_after_s, UINT32_MAX);
	parse_all_ways("HTTP/1.1 503 Busy\r\nRetry-After: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
		       "Content-Length: 0\r\n\r\n", 0, 0, &r);
	assert_true(r.head.has_retry_after);
	assert_int_equal(r.head.retry_after_at, 784111777);
	parse_all_ways("HTTP/1.1 503 Busy\r\nRetry-After: soon\r\nContent-Length: 0\r\n\r\n", 0,
		       0, &r);
	assert_false(r.head.has_retry_after);
	parse_all_ways("HTTP/1.1 503 Busy\r\nRetry-After: -5\r\nContent-Length: 0\r\n\r\n", 0,
		       0, &r);
	assert_false(r.head.has_retry_after);
	assert_int_equal(net_http_parse_date("Thu, 01 Jan 1970 00:00:01 GMT", 29), 1);
	assert_int_equal(net_http_parse_date("Sunday, 06-Nov-94 08:49:37 GMT", 30), 0);
	assert_int_equal(net_http_parse_date("Sun, 06 Nov 1994 25:49:37 GMT", 29), 0);
	assert_int_equal(net_http_parse_date("Sun, 06 Nov 1994 08:49:37 UTC", 29), 0);
	assert_int_equal(net_http_parse_date("Sun, 29 Feb 2028 00:00:00 GMT", 29), 1835395200);
}

static void test_informational(void **state)
{
	static struct result r;

	(void)state;
	parse_all_ways("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 102 Processing\r\nX-A: 1\r\n\r\n"
		       "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", 0, 0, &r);
	assert_int_equal(r.rc, MAYDAY_OK);
	assert_int_equal(r.head.status, 200);
	assert_int_equal(r.body_len, 2);
	expect_refused("HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\n",
		       MAYDAY_E_UNSUPPORTED);
	expect_refused("HTTP/1.1 100 A\r\n\r\nHTTP/1.1 100 A\r\n\r\nHTTP/1.1 100 A\r\n\r\n"
		       "HTTP/1.1 100 A\r\n\r\nHTTP/1.1 100 A\r\n\r\n", MAYDAY_E_TOOBIG);
}

static void test_no_body(void **state)
{
	static struct result r;

	(void)state;
	parse_all_ways("HTTP/1.1 204 No Content\r\nContent-Length: 7\r\n\r\n", 0, 0, &r);
	assert_true(r.done);
	assert_int_equal(r.body_len, 0);
	parse_all_ways("HTTP/1.1 304 Not Modified\r\n\r\n", 0, 0, &r);
	assert_true(r.done);
	parse_all_ways("HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\n", 1, 0, &r);
	assert_true(r.done);
	assert_int_equal(r.head.content_length, 7);
	assert_int_equal(r.body_len, 0);
}

static void test_connection_and_cookies(void **state)
{
	static struct result r;

	(void)state;
	parse_all_ways("HTTP/1.1 200 OK\r\nConnection: keep-alive, Close\r\nContent-Length: 0\r\n"
		       "\r\n", 0, 0, &r);
	assert_true(r.head.close);
	parse_all_ways("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n", 0, 0, &r);
	assert_true(r.head.close);
	parse_all_ways("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n",
		       0, 0, &r);
	assert_false(r.head.close);
	parse_all_ways("HTTP/1.1 200 OK\r\nSet-Cookie: sid=abc123; Path=/; HttpOnly\r\n"
		       "Set-Cookie: lang=en\r\nSet-Cookie: =novalue\r\nSet-Cookie: bad value=1\r\n"
		       "Content-Length: 0\r\n\r\n", 0, 0, &r);
	assert_int_equal(r.head.n_cookies, 2);
	assert_string_equal(r.head.cookies[0], "sid=abc123");
	assert_string_equal(r.head.cookies[1], "lang=en");

	char big[600];
	int n = snprintf(big, sizeof(big), "HTTP/1.1 200 OK\r\nSet-Cookie: s=");
	memset(big + n, 'v', NET_HTTP_COOKIE_MAX);
	strcpy(big + n + NET_HTTP_COOKIE_MAX, "\r\nContent-Length: 0\r\n\r\n");
	expect_refused(big, MAYDAY_E_TOOBIG);
	expect_refused("HTTP/1.1 200 OK\r\nSet-Cookie: a=1\r\nSet-Cookie: b=1\r\n"
		       "Set-Cookie: c=1\r\nSet-Cookie: d=1\r\nSet-Cookie: e=1\r\n\r\n",
		       MAYDAY_E_TOOBIG);
	expect_refused("HTTP/1.1 200 OK\r\nContent-Type: a\r\nContent-Type: b\r\n\r\n",
		       MAYDAY_E_MALFORMED);
}

/* After an error every further call fails the same way. */
static void test_error_sticks(void **state)
{
	struct net_http_parse p;
	size_t used;
	const uint8_t *b;
	size_t bl;
	const char *bad = "HTTP/1.1 200 OK\r\n folded\r\n";

	(void)state;
	net_http_parse_init(&p, 0);
	assert_int_equal(net_http_parse_feed(&p, (const uint8_t *)bad, strlen(bad), &used, &b, &bl),
			 MAYDAY_E_MALFORMED);
	assert_string_equal(net_http_parse_diag(&p).what, "obsolete line folding");
	assert_int_equal(net_http_parse_diag(&p).offset, 17);
	assert_int_equal(net_http_parse_feed(&p, (const uint8_t *)"\r\n", 2, &used, &b, &bl),
			 MAYDAY_E_MALFORMED);
	assert_int_equal(net_http_parse_eof(&p), MAYDAY_E_MALFORMED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_content_length),
		cmocka_unit_test(test_chunked),
		cmocka_unit_test(test_bad_chunks),
		cmocka_unit_test(test_lengths_refused),
		cmocka_unit_test(test_heads_refused),
		cmocka_unit_test(test_mid_body_and_until_close),
		cmocka_unit_test(test_retry_after),
		cmocka_unit_test(test_informational),
		cmocka_unit_test(test_no_body),
		cmocka_unit_test(test_connection_and_cookies),
		cmocka_unit_test(test_error_sticks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

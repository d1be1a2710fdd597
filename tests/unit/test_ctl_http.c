/* SPDX-License-Identifier: Apache-2.0 */
/*
 * maydayctl's HTTP/1.1 exchange (tools/maydayctl/ctl_http.c) against a
 * scripted peer on a socketpair: what it sends (one request, its headers,
 * no header injection), and what it makes of answers -- JSON with
 * Content-Length or chunked, raw bytes, an empty 204, and the hostile
 * ones: a declared body over CTL_ANSWER_MAX, a malformed head, a body cut
 * short, JSON that does not parse, no answer at all (the deadline). The
 * parser itself is device/net's, tested and fuzzed there.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "ctl_call.h"
#include "net_conn.h"

struct peer {
	int fd;
	const char *answer;      /* written after the request head arrived; NULL: nothing */
	size_t answer_len;
	char request[4096];      /* what the client sent */
	size_t request_len;
	bool hold;               /* keep the connection open after answering */
};

static void *peer_run(void *arg)
{
	struct peer *p = arg;
	/* read until the end of the head (and the body, small here) */
	while (p->request_len < sizeof(p->request) - 1) {
		ssize_t n = read(p->fd, p->request + p->request_len,
				 sizeof(p->request) - 1 - p->request_len);
		if (n <= 0)
			break;
		p->request_len += (size_t)n;
		p->request[p->request_len] = '\0';
		char *end = strstr(p->request, "\r\n\r\n");
		const char *cl = strstr(p->request, "Content-Length: ");
		if (end != NULL && cl != NULL &&
		    p->request_len >= (size_t)(end + 4 - p->request) + strtoul(cl + 16, NULL, 10))
			break;
	}
	if (p->answer != NULL) {
		size_t off = 0;
		while (off < p->answer_len) {
			ssize_t n = write(p->fd, p->answer + off, p->answer_len - off);
			if (n <= 0)
				break;
			off += (size_t)n;
		}
	}
	if (!p->hold)
		shutdown(p->fd, SHUT_WR);
	return NULL;
}

/* One exchange against `answer`; the client's result, *a and the request. */
static enum mayday_err run(const char *answer, size_t len, bool hold, uint64_t ms,
			   const struct ctl_request *r, struct ctl_answer *a, struct peer *p,
			   char *why)
{
	int sv[2];
	pthread_t t;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
	memset(p, 0, sizeof(*p));
	p->fd = sv[1];
	p->answer = answer;
	p->answer_len = len;
	p->hold = hold;
	/* the peer blocks: its end of the pair made blocking again */
	int fl = fcntl(sv[1], F_GETFL);
	assert_int_equal(fcntl(sv[1], F_SETFL, fl & ~O_NONBLOCK), 0);
	assert_int_equal(pthread_create(&t, NULL, peer_run, p), 0);
	struct ctl_stream s = {.fd = sv[0], .deadline_ms = net_conn_deadline(ms)};
	enum mayday_err rc = ctl_http_exchange(&s, "localhost", NULL, NULL, r, a, why,
					       CTL_WHY_MAX);
	close(sv[0]);   /* ends a held peer's wait too */
	pthread_join(t, NULL);
	close(sv[1]);
	return rc;
}

static const struct ctl_request get = {.method = "GET", .path = "/v1/devices?limit=2"};

#define ANSWER(s) (s), sizeof(s) - 1

static void json_with_length(void **state)
{
	(void)state;
	struct ctl_answer a;
	struct peer p;
	char why[CTL_WHY_MAX] = "";
	static const char ans[] = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
				  "Content-Length: 21\r\n\r\n{\"devices\":[],\"n\":0}\n";
	assert_int_equal(run(ANSWER(ans), false, 10000, &get, &a, &p, why), MAYDAY_OK);
	assert_int_equal(a.status, 200);
	assert_non_null(a.json);
	assert_true(json_is_array(json_object_get(a.json, "devices")));
	assert_null(a.raw);
	/* one request, closed after it, no body and no Content-Type of its own */
	assert_non_null(strstr(p.request, "GET /v1/devices?limit=2 HTTP/1.1\r\n"));
	assert_non_null(strstr(p.request, "Host: localhost\r\n"));
	assert_non_null(strstr(p.request, "Connection: close\r\n"));
	assert_null(strstr(p.request, "Content-Type"));
	assert_null(strstr(p.request, "Authorization"));
	ctl_answer_clear(&a);
}

static void chunked_error_and_body(void **state)
{
	(void)state;
	struct ctl_answer a;
	struct peer p;
	char why[CTL_WHY_MAX] = "";
	static const char ans[] =
		"HTTP/1.1 404 Not Found\r\nContent-Type: application/json; charset=utf-8\r\n"
		"Transfer-Encoding: chunked\r\n\r\n"
		"10\r\n{\"error\":{\"code\"\r\n"
		"1c\r\n:\"not_found\",\"message\":\"x\"}}\r\n0\r\n\r\n";
	static const unsigned char body[] = "{\"reason\":\"r\"}";
	struct ctl_request post = {.method = "POST", .path = "/v1/devices/a%20b/revoke",
				   .body = body, .body_len = sizeof(body) - 1,
				   .content_type = "application/json"};
	assert_int_equal(run(ANSWER(ans), false, 10000, &post, &a, &p, why), MAYDAY_OK);
	assert_int_equal(a.status, 404);
	assert_string_equal(json_string_value(json_object_get(json_object_get(a.json, "error"),
							      "code")), "not_found");
	assert_non_null(strstr(p.request, "Content-Length: 14\r\n\r\n{\"reason\":\"r\"}"));
	assert_non_null(strstr(p.request, "Content-Type: application/json\r\n"));
	ctl_answer_clear(&a);
}

static void raw_and_empty(void **state)
{
	(void)state;
	struct ctl_answer a;
	struct peer p;
	char why[CTL_WHY_MAX] = "";
	static const char raw[] = "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
				  "Content-Length: 3\r\n\r\nab\n";
	assert_int_equal(run(ANSWER(raw), false, 10000, &get, &a, &p, why), MAYDAY_OK);
	assert_null(a.json);
	assert_int_equal(a.raw_len, 3);
	assert_memory_equal(a.raw, "ab\n", 3);
	ctl_answer_clear(&a);
	static const char empty[] = "HTTP/1.1 204 No Content\r\n\r\n";
	assert_int_equal(run(ANSWER(empty), false, 10000, &get, &a, &p, why), MAYDAY_OK);
	assert_int_equal(a.status, 204);
	assert_null(a.json);
	assert_null(a.raw);
	ctl_answer_clear(&a);
}

static void hostile_answers(void **state)
{
	(void)state;
	struct ctl_answer a;
	struct peer p;
	char why[CTL_WHY_MAX] = "", big[160];
	/* declared over the bound: refused at the head, nothing buffered */
	int n = snprintf(big, sizeof(big), "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
			 "Content-Length: %u\r\n\r\n{", CTL_ANSWER_MAX + 1);
	assert_int_equal(run(big, (size_t)n, false, 10000, &get, &a, &p, why), MAYDAY_E_TOOBIG);
	assert_non_null(strstr(why, "larger than"));
	ctl_answer_clear(&a);
	/* a malformed head */
	static const char bad[] = "HTTP/1.1 2000 OK\r\n\r\n";
	assert_int_equal(run(ANSWER(bad), false, 10000, &get, &a, &p, why), MAYDAY_E_MALFORMED);
	assert_non_null(strstr(why, "bad answer"));
	ctl_answer_clear(&a);
	/* the body cut short by the end of the connection */
	static const char cut[] = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
				  "Content-Length: 50\r\n\r\n{\"a\":";
	assert_int_equal(run(ANSWER(cut), false, 10000, &get, &a, &p, why), MAYDAY_E_MALFORMED);
	ctl_answer_clear(&a);
	/* JSON that is not */
	static const char notjson[] = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
				      "Content-Length: 5\r\n\r\n{\"a\":";
	assert_int_equal(run(ANSWER(notjson), false, 10000, &get, &a, &p, why), MAYDAY_E_MALFORMED);
	assert_non_null(strstr(why, "not JSON"));
	ctl_answer_clear(&a);
	/* nothing at all, the connection kept open: the deadline ends it */
	assert_int_equal(run(NULL, 0, true, 300, &get, &a, &p, why), MAYDAY_E_TIMEOUT);
	assert_non_null(strstr(why, "timed out"));
	ctl_answer_clear(&a);
	/* nothing, the connection closed */
	assert_int_not_equal(run(NULL, 0, false, 10000, &get, &a, &p, why), MAYDAY_OK);
	ctl_answer_clear(&a);
}

static void no_header_injection(void **state)
{
	(void)state;
	struct ctl_answer a;
	char why[CTL_WHY_MAX] = "";
	struct ctl_stream s = {.fd = -1, .deadline_ms = net_conn_deadline(1000)};
	struct ctl_request r = {.method = "GET", .path = "/v1/devices/x\r\nX-Evil: 1"};
	/* refused before anything is written (fd -1 would fail the write) */
	assert_int_equal(ctl_http_exchange(&s, "localhost", NULL, NULL, &r, &a, why, sizeof(why)),
			 MAYDAY_E_INVALID);
	r.path = "/v1/whoami";
	assert_int_equal(ctl_http_exchange(&s, "localhost", "tok\r\nX: y", NULL, &r, &a, why,
					   sizeof(why)),
			 MAYDAY_E_INVALID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(json_with_length),
		cmocka_unit_test(chunked_error_and_body),
		cmocka_unit_test(raw_and_empty),
		cmocka_unit_test(hostile_answers),
		cmocka_unit_test(no_header_injection),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

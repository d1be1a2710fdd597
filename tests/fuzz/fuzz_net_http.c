/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz net_http_parse: never crash or overrun, keep its bounds, and give
 * the same outcome (error or head and body) whether the answer arrives
 * whole or in pieces. The first input byte chooses the piece size and
 * whether the request was HEAD; the rest is the server's bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "net_http_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct outcome {
	enum mayday_err rc;
	int done;
	uint64_t body_len;
	uint32_t body_sum;
	struct net_http_head head;
};

static void run(const uint8_t *in, size_t len, size_t piece, int head_req, struct outcome *o)
{
	static struct net_http_parse p;
	size_t at = 0;

	memset(o, 0, sizeof(*o));
	net_http_parse_init(&p, head_req);
	while (at < len && !net_http_parse_done(&p)) {
		size_t n = len - at < piece ? len - at : piece, used = 0, blen = 0;
		const uint8_t *body = NULL;

		o->rc = net_http_parse_feed(&p, in + at, n, &used, &body, &blen);
		if (used > n)
			abort();
		if (o->rc != MAYDAY_OK) {
			if (blen || !net_http_parse_diag(&p).what)
				abort();
			return;
		}
		if (blen && (body < in + at || body + blen > in + at + used))
			abort();
		for (size_t i = 0; i < blen; i++)
			o->body_sum = o->body_sum * 31 + body[i];
		o->body_len += blen;
		if (used == 0 && !net_http_parse_done(&p))
			abort(); /* no progress */
		at += used;
	}
	if (!net_http_parse_done(&p))
		o->rc = net_http_parse_eof(&p);
	o->done = net_http_parse_done(&p);
	if (o->rc == MAYDAY_OK && !o->done)
		abort();
	if (!net_http_parse_have_head(&p))
		return;
	const struct net_http_head *h = net_http_parse_head(&p);
	o->head = *h;
	if (h->status < 200 || h->status > 599 || strlen(h->content_type) > NET_HTTP_TYPE_MAX ||
	    h->n_cookies > NET_HTTP_COOKIES_MAX || (h->has_length && h->chunked) ||
	    h->content_length > NET_HTTP_LENGTH_MAX)
		abort();
	for (unsigned i = 0; i < h->n_cookies; i++)
		if (strlen(h->cookies[i]) > NET_HTTP_COOKIE_MAX || !strchr(h->cookies[i], '='))
			abort();
	if (o->done && h->has_length && !head_req && h->status != 204 && h->status != 304 &&
	    o->body_len != h->content_length)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct outcome whole, pieces;

	if (size < 1)
		return 0;
	size_t piece = (data[0] & 0x7f) + 1;
	int head_req = data[0] >> 7;
	run(data + 1, size - 1, size, head_req, &whole);
	run(data + 1, size - 1, piece, head_req, &pieces);
	if (whole.rc != pieces.rc || whole.done != pieces.done)
		abort();
	if (whole.rc == MAYDAY_OK &&
	    (whole.body_len != pieces.body_len || whole.body_sum != pieces.body_sum ||
	     memcmp(&whole.head, &pieces.head, sizeof(whole.head)) != 0))
		abort();
	return 0;
}

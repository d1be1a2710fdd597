/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A bounded, incremental HTTP/1.1 response parser (RFC 9112), pure: bytes in,
 * parsed head and body spans out, no I/O, no allocation, so it is fuzzed
 * (tests/fuzz/fuzz_net_http.c) and every case is a unit test
 * (tests/unit/test_net_http_parse.c).
 *
 * Why our own: the DCF links statically and libcurl's static archive drags
 * in GnuTLS, Kerberos, LDAP and SSH2 (issue 11); no library Debian ships
 * as a small static archive parses HTTP responses. What the device needs of
 * HTTP is small, and everything beyond it is refused rather than guessed:
 *
 *  - status line "HTTP/1.0" or "HTTP/1.1", a three-digit code 100..599;
 *    1xx answers (at most NET_HTTP_INFORMATIONAL_MAX, 101 refused) are
 *    skipped, their fields ignored;
 *  - the head (status line, fields, CRLFs) at most NET_HTTP_HEAD_MAX bytes
 *    and NET_HTTP_FIELDS_MAX fields; a bare LF ends a line like CRLF, a CR
 *    elsewhere, a NUL, obs-fold (a line starting with SP/HT) or
 *    white space before the colon is refused;
 *  - Content-Length: one field, digits only, at most NET_HTTP_LENGTH_MAX;
 *    a second field (even with the same value) or a list is refused;
 *  - Transfer-Encoding: exactly "chunked" (any other coding is
 *    MAYDAY_E_UNSUPPORTED); together with Content-Length refused;
 *    chunk sizes are hex, at most NET_HTTP_CHUNK_MAX, chunk extensions
 *    skipped within NET_HTTP_CHUNK_LINE_MAX; trailers are skipped, counted
 *    against the head bound;
 *  - Connection: "close" (or HTTP/1.0 without "keep-alive") -> close;
 *  - Content-Type: kept (one field, at most NET_HTTP_TYPE_MAX bytes);
 *  - Retry-After: delta-seconds (saturating at UINT32_MAX) or an
 *    IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT", kept as Unix time for
 *    the caller to compare with its clock); the obsolete RFC 850 and asctime
 *    date forms, or anything else, leave it unset;
 *  - Set-Cookie: only its "name=value" (attributes ignored), at most
 *    NET_HTTP_COOKIES_MAX per answer, each at most NET_HTTP_COOKIE_MAX bytes;
 *  - no body for 1xx, 204, 304 or an answer to HEAD; Content-Length or
 *    chunked otherwise, or, with neither, the body runs to the end of the
 *    connection (close is then set).
 * Other fields are checked for syntax and otherwise ignored.
 */
#ifndef MAYDAY_NET_HTTP_PARSE_H
#define MAYDAY_NET_HTTP_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include "mayday/error.h"

#define NET_HTTP_HEAD_MAX           8192u  /* bytes of one head (and of the trailers) */
#define NET_HTTP_FIELDS_MAX         64u
#define NET_HTTP_INFORMATIONAL_MAX  4u     /* 1xx answers before the final one */
#define NET_HTTP_LENGTH_MAX         (1ull << 40) /* Content-Length: 1 TiB */
#define NET_HTTP_CHUNK_MAX          (1ull << 32)
#define NET_HTTP_CHUNK_LINE_MAX     128u
#define NET_HTTP_TYPE_MAX           127u
#define NET_HTTP_COOKIES_MAX        4u
#define NET_HTTP_COOKIE_MAX         256u   /* "name=value" */

/* The final answer's head, as far as the device uses it. */
struct net_http_head {
	int status;                         /* 100..599 */
	int minor;                          /* HTTP/1.<minor> */
	int close;                          /* the connection ends after this answer */
	int has_length;
	uint64_t content_length;
	int chunked;
	int until_close;                    /* body delimited by the end of the connection */
	char content_type[NET_HTTP_TYPE_MAX + 1]; /* "" if absent */
	int has_retry_after;
	uint32_t retry_after_s;             /* delta-seconds form */
	int64_t retry_after_at;             /* HTTP-date form, Unix time; 0: not a date */
	unsigned n_cookies;
	char cookies[NET_HTTP_COOKIES_MAX][NET_HTTP_COOKIE_MAX + 1]; /* "name=value" */
};

struct net_http_parse {
	/* private */
	int state;
	int head_request;
	unsigned informational;
	unsigned fields;
	size_t head_bytes;
	size_t line_len;
	char line[NET_HTTP_HEAD_MAX + 1];
	uint64_t remaining;                 /* body or chunk bytes still to come */
	int seen_length, seen_te, seen_type, keep_alive;
	struct net_http_head head;
	struct mayday_diag diag;
	enum mayday_err err;                /* the error, once failed */
	size_t offset;                      /* bytes consumed over the whole answer */
};

/* Starts a parse of the answer to a request; head_request: it was HEAD. */
void net_http_parse_init(struct net_http_parse *p, int head_request);

/* Feeds `len` bytes. *used is how many were consumed (the rest is for the
 * next call: it is only short of len when one body span was returned or
 * the answer is complete). *body / *body_len: body bytes found in this call
 * (a pointer into `in`; *body_len 0 if none, or on error). Returns MAYDAY_OK, or
 * MAYDAY_E_MALFORMED / MAYDAY_E_TOOBIG / MAYDAY_E_UNSUPPORTED with
 * net_http_parse_diag saying where and why; after an error every further
 * call fails the same way. */
MAYDAY_NODISCARD enum mayday_err net_http_parse_feed(struct net_http_parse *p,
						     const uint8_t *in, size_t len,
						     size_t *used, const uint8_t **body,
						     size_t *body_len);

/* The connection ended. MAYDAY_OK if that completes the answer (a body
 * delimited by the end of the connection), else MAYDAY_E_MALFORMED
 * ("connection closed mid-head" / "... mid-body"). */
MAYDAY_NODISCARD enum mayday_err net_http_parse_eof(struct net_http_parse *p);

/* Non-zero once the head is complete (net_http_parse_head is valid). */
int net_http_parse_have_head(const struct net_http_parse *p);
/* Non-zero once the whole answer (head and body) is complete. */
int net_http_parse_done(const struct net_http_parse *p);
/* The final answer's head; valid once net_http_parse_have_head. Borrowed. */
const struct net_http_head *net_http_parse_head(const struct net_http_parse *p);
/* Why the last call failed (offset: bytes of the answer consumed before). */
struct mayday_diag net_http_parse_diag(const struct net_http_parse *p);

/* IMF-fixdate (RFC 9110 §5.6.7) to Unix time; 0 if `s` is not one. */
int64_t net_http_parse_date(const char *s, size_t len);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The device's HTTP/1.1 client: one server, one connection (plain TCP, or
 * TLS with net_tls credentials) kept alive across requests and opened again
 * only when the server closed it, every request under an absolute deadline
 * (connect and handshake included), answers parsed by net_http_parse
 * (bounded head, Content-Length or chunked body). Used by the DCF's
 * request/response transports (tx_post.c), the CPE's CWMP session
 * (cpe_http.c) and the remediation download (cpe_download.c).
 *
 * No DNS (net_conn.h): the client connects to a numeric address and names
 * the server separately (Host header, TLS name check and SNI). No proxies,
 * no redirects (a 3xx is an answer like any other), no Expect: 100-continue
 * (it would cost a round trip per request). Cookies the server sets
 * (name=value only) are sent back on every later request of the same
 * client, as a CWMP session needs (TR-069 §3.4.1).
 *
 * A request whose connection was reused and that got no byte of answer
 * (the server closed the idle connection meanwhile) is sent once more on a
 * new connection, as browsers and libcurl do.
 *
 * Failures are logged once here, prefixed with `who`, with what went wrong
 * (connect, TLS handshake and why, timeout, a malformed answer and where);
 * the caller logs only what it makes of a well-formed answer.
 */
#ifndef MAYDAY_NET_HTTP_H
#define MAYDAY_NET_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "mayday/error.h"
#include "net_http_parse.h"
#include "net_tls.h"

struct net_http;

struct net_http_params {
	const char *who;            /* log prefix (static storage) */
	const char *addr;           /* numeric IPv4/IPv6 address (no brackets) */
	uint16_t port;
	const char *host;           /* the server's name or address: Host header, TLS
				     * verification and SNI; NULL: addr */
	const struct net_tls *tls;  /* NULL: plain HTTP; borrowed, must outlive the client */
	const char *user_agent;     /* NULL: none */
};

/* A client (nothing is connected yet); strings copied. MAYDAY_E_INVALID for
 * a non-numeric address or a name too long. Owned by the caller until
 * net_http_free. */
MAYDAY_NODISCARD enum mayday_err net_http_new(const struct net_http_params *p,
					      struct net_http **out);
void net_http_free(struct net_http *h); /* NULL-safe; closes the connection */

struct net_http_request {
	const char *method;         /* "GET", "POST", "HEAD" */
	const char *path;           /* starts with '/' */
	const char *content_type;   /* NULL: no Content-Type */
	const char *accept;         /* NULL: no Accept */
	const uint8_t *body;        /* POST body (NULL with body_len 0: empty) */
	size_t body_len;            /* sent with Content-Length (also 0 for POST) */
	uint64_t deadline_ms;       /* absolute, net_conn_now_ms clock */
};

/* The whole exchange: the answer's head into *head, its body into buf
 * (*len bytes). MAYDAY_E_TOOBIG if the body is larger than cap (the
 * connection is dropped, logged), MAYDAY_E_TIMEOUT, MAYDAY_E_IO (connect,
 * TLS, connection lost), MAYDAY_E_KEY (the server's certificate or pin),
 * MAYDAY_E_MALFORMED / MAYDAY_E_UNSUPPORTED (the answer). Any status is
 * MAYDAY_OK here: what it means is the caller's. */
MAYDAY_NODISCARD enum mayday_err net_http_exchange(struct net_http *h,
						   const struct net_http_request *r,
						   uint8_t *buf, size_t cap, size_t *len,
						   struct net_http_head *head);

/* Streaming: sends the request and reads the answer's head into *head;
 * then net_http_read hands out the body in pieces (constant memory,
 * whatever its size) until *n is 0 at its end, all under r->deadline_ms.
 * A body not read to its end drops the connection at the next request. */
MAYDAY_NODISCARD enum mayday_err net_http_begin(struct net_http *h,
						const struct net_http_request *r,
						struct net_http_head *head);
MAYDAY_NODISCARD enum mayday_err net_http_read(struct net_http *h, uint8_t *buf, size_t cap,
					       size_t *n);

/* The body of a streamed answer pushed to sink (which returns MAYDAY_OK to
 * go on; anything else stops the transfer and is returned), at most `max`
 * bytes (more: MAYDAY_E_TOOBIG, nothing beyond max handed over). Only for a
 * 2xx status; *head says which it was. */
typedef enum mayday_err (*net_http_sink_fn)(void *ctx, const uint8_t *data, size_t len);
MAYDAY_NODISCARD enum mayday_err net_http_get(struct net_http *h,
					      const struct net_http_request *r, uint64_t max,
					      net_http_sink_fn sink, void *ctx,
					      struct net_http_head *head);

/* TCP connections opened so far. */
long net_http_connections(const struct net_http *h);

/* Where the last failure happened, for callers that map it to a protocol
 * fault (a CWMP TransferComplete). */
enum net_http_stage {
	NET_HTTP_STAGE_NONE,
	NET_HTTP_STAGE_CONNECT,   /* TCP */
	NET_HTTP_STAGE_TLS,       /* handshake, certificate, pin */
	NET_HTTP_STAGE_EXCHANGE   /* request sent, answer being read */
};
enum net_http_stage net_http_failed_at(const struct net_http *h);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * HTTP listeners: plain HTTP and HTTPS (TLS 1.3 with client certificates,
 * srv_tls.h), libevent's evhttp on `threads` event-loop threads per
 * listener ([server] http_threads), each accepting, handshaking, parsing
 * and answering its own connections; the caps below are the listener's,
 * shared by its loops (srv_http.c).
 *
 *   POST /v1/distress, Content-Type: application/cose, body = the signed
 *   indication (COSE_Sign1, at most max_body bytes)
 *     -> 200, Content-Type: application/cose, body = the signed ack, sent
 *        once the indication is committed (idempotent per device and counter)
 *     -> 400 not a well-formed indication     -> 403 the client certificate
 *        is not the indication's device (or has no usable CN)
 *     -> 404 other paths   -> 405 other methods (Allow: POST)
 *     -> 413 body too big  -> 415 other content types
 *     -> 429 unverified and over the rate limit (Retry-After)
 *     -> 503 busy: no free slot, a store error, shutting down (Retry-After)
 *
 * A loop thread only parses, copies the body into a slot and answers;
 * verification and commits happen on the pipeline's threads, which hand the
 * finished slot back to the loop that took it (the slot's `via` is that
 * loop) through a queue and an event made active from their thread
 * (evthread), so an evhttp is only ever touched by its loop thread.
 * With `acs` on (HTTPS only), the same listener is the remediation ACS:
 *   POST /cwmp (text/xml; charset="utf-8")  one CWMP exchange
 *     (srv_acs_session.h) of the client certificate's device; 200 with an
 *     envelope (Set-Cookie MAYDAYSESSION on the InformResponse) or 204
 *     -> 403 no usable client certificate -> 405 -> 413 over
 *        CWMP_ENVELOPE_MAX -> 415 -> 503 session table full (Retry-After)
 *   GET /bundles/TOKEN  the attempt's golden bundle, Content-Length = its
 *     size; 403 the token was issued to another device, 404 unknown or used.
 * The ACS runs on the loop thread with its own store connection; with the
 * ACS on the listener has one loop thread, whatever `threads` says.
 * HTTPS reload (SIGHUP, srv_listener_ops.reload): a new TLS context is
 * built from the same files with the same checks (srv_tls_server_ctx) and
 * swapped in by every loop thread for connections accepted from then on;
 * connections already open keep theirs (each SSL holds a reference), so a
 * CWMP session or a bundle download carries on. On failure the context in
 * force stays.
 * Limits: request line and headers (max_header), body (max_body), idle
 * connections and single reads and writes (timeout_s), a request's line,
 * headers and body from its first byte (request_timeout_ms), accept to the
 * first request byte over TLS (handshake_timeout_ms), and open connections
 * per source address (max_per_source) and in all (max_connections): over
 * either cap the connection waiting longest without a request being
 * answered is evicted (srv_http.c); only when every connection has one is
 * the listening socket paused, new connections waiting in the kernel's
 * backlog.
 */
#ifndef MAYDAY_SRV_HTTP_H
#define MAYDAY_SRV_HTTP_H

#include <openssl/ssl.h>

#include "srv_acs_policy.h"
#include "srv_listener.h"
#include "srv_tls.h"

#define SRV_HTTP_PATH        "/v1/distress"
#define SRV_HTTP_MEDIA_TYPE  "application/cose"
#define SRV_HTTP_RETRY_AFTER "2"   /* seconds, in 429 and 503 answers */

struct srv_http_opts {
	const char *name;               /* static: "http", "https" */
	uint32_t method;                /* MAYDAY_TRANSPORT_PLAIN_HTTP or _TLS */
	const struct srv_addr *addr;
	const struct srv_tls_files *tls; /* NULL: plain HTTP; else the files the listener
					  * builds its TLS context from, at open and again
					  * on reload (borrowed: must outlive the listener) */
	unsigned max_body;
	unsigned max_header;
	unsigned timeout_s;
	unsigned request_timeout_ms;
	unsigned handshake_timeout_ms;  /* TLS only */
	unsigned max_connections;
	unsigned max_per_source;
	unsigned threads;               /* event-loop threads, 1..SRV_HTTP_THREADS_MAX (srv_config.h;
					 * 0: 1);
					 * 1 with the ACS on (srv_http.c says why) */
	const struct srv_acs_policy *acs; /* NULL or off: no ACS (ignored without tls) */
	const char *db;                   /* store spec the ACS opens for itself */
	const char *kek;                  /* NULL or "": no Connection Requests; else the
					     KEK file their passwords derive from
					     (srv_acs_connreq.h) */
	EVP_PKEY *busy_key;               /* NULL: a 503 for want of a slot is unsigned;
					   * else signed with it (srv_busy.h); borrowed */
};

/* Binds and listens (port 0: the kernel picks; l->bound says which).
 * Caller owns *out (ops->destroy). */
MAYDAY_NODISCARD enum mayday_err srv_http_open(struct srv_listener **out,
					       const struct srv_http_opts *o,
					       const struct srv_intake *in);

#endif

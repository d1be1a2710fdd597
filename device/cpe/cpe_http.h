/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The CPE's HTTP transport for a CWMP session (a cpe_post_fn): POSTs over
 * the device's HTTP client (mayday_net) with mutual TLS 1.3 (the caller's
 * net_tls credentials), on ONE connection for the whole session, the ACS's
 * session cookie sent back on every POST (TR-069 §3.4.1). The ACS URL is
 * mapped to an address by cpe_target.h's rule (no DNS).
 *
 * Each POST: Content-Type "text/xml; charset=utf-8" for an envelope; no
 * body and no Content-Type for the empty POST. The answer: 200 with a body
 * (bounded by the caller's reply buffer, also when the server does not
 * announce its size), 200 empty or 204 -> reply_len 0; any other status, a
 * larger body, a timeout or a lost connection -> error.
 */
#ifndef MAYDAY_CPE_HTTP_H
#define MAYDAY_CPE_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "cpe_target.h"
#include "mayday/error.h"
#include "net_tls.h"

#define CPE_HTTP_URL_MAX 257 /* the ACS URL (CWMP string(256)) */

struct cpe_http;
struct cpe_http_params {
	const struct net_tls *tls;       /* the device's credentials; borrowed, outlive the channel */
	const char *url;                 /* https:// only */
	const struct cpe_server *server; /* the ACS's name and address; NULL: URL must be an address */
	uint32_t timeout_ms;             /* per request (connect included) */
	uint32_t session_ms;             /* all requests of the session together; 0: no limit */
};

/* Opens the channel (nothing is sent yet). MAYDAY_E_INVALID for a URL that is
 * not https://, too long, or names a host without a known address. Owned by
 * the caller until cpe_http_close. Failures logged once. */
MAYDAY_NODISCARD enum mayday_err cpe_http_open(const struct cpe_http_params *p,
					       struct cpe_http **out);

/* cpe_post_fn over the channel (ctx: struct cpe_http). Each request gets
 * timeout_ms, or what is left of session_ms if that is less. Errors:
 * MAYDAY_E_TIMEOUT (also once session_ms has passed), MAYDAY_E_TOOBIG
 * (answer larger than cap), MAYDAY_E_IO (connection, TLS, the server's
 * certificate, an answer that is not HTTP, another HTTP status). Logged
 * once. */
MAYDAY_NODISCARD enum mayday_err cpe_http_post(void *ctx, const char *body, size_t len,
					       char *reply, size_t cap, size_t *reply_len);

/* TCP connections the channel opened so far (1 for a proper session). */
long cpe_http_connections(const struct cpe_http *h);

void cpe_http_close(struct cpe_http *h); /* NULL-safe */

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The CPE's HTTP transport for a CWMP session (a cpe_post_fn): POSTs over
 * libcurl with mutual TLS 1.3 (tx_mtls.h: CA and client certificate from the
 * DCF partition, key = the RoT's handle), on ONE connection for the whole
 * session, with libcurl's cookie engine in memory so the ACS's session
 * cookie comes back on every POST (TR-069 §3.4.1).
 *
 * Each POST: Content-Type "text/xml; charset=utf-8" and SOAPAction header
 * for an envelope; no body and no Content-Type for the empty POST. The
 * answer: 200 with a body (bounded by the caller's reply buffer, also when
 * the server does not announce its size), 200 empty or 204 -> reply_len 0;
 * any other status, a larger body, a timeout or a lost connection -> error.
 */
#ifndef MAYDAY_CPE_HTTP_H
#define MAYDAY_CPE_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "hal/flash.h"
#include "hal/rot.h"
#include "mayday/error.h"

#define CPE_HTTP_URL_MAX 257 /* the ACS URL (CWMP string(256)) */

struct cpe_http;
struct tx_mtls;

struct cpe_http_params {
	struct hal_flash *flash;   /* the DCF partition's CA and certificate */
	struct hal_rot *rot;       /* the TLS key handle */
	const char *ca;            /* file names in the DCF partition */
	const char *cert;
	const char *url;           /* https:// only */
	const uint8_t *pin_sha256; /* NULL, or the server key's SPKI SHA-256 */
	uint32_t timeout_ms;       /* per request (connect included) */
	uint32_t session_ms;       /* all requests of the session together; 0: no limit */
	const struct tx_mtls *tls; /* ADAPTER: set, it replaces flash/rot/ca/cert (borrowed) */
};

/* Opens the channel (nothing is sent yet). MAYDAY_E_INVALID for a URL that is
 * not https:// or too long; tx_mtls_load's errors. Owned by the caller until
 * cpe_http_close. Needs curl_global_init. Failures logged once. */
MAYDAY_NODISCARD enum mayday_err cpe_http_open(const struct cpe_http_params *p,
					       struct cpe_http **out);

/* cpe_post_fn over the channel (ctx: struct cpe_http). Each request gets
 * timeout_ms, or what is left of session_ms if that is less. Errors:
 * MAYDAY_E_TIMEOUT (also once session_ms has passed), MAYDAY_E_TOOBIG
 * (answer larger than cap), MAYDAY_E_IO (connection, TLS, other HTTP
 * status), MAYDAY_E_INTERNAL. Logged once. */
MAYDAY_NODISCARD enum mayday_err cpe_http_post(void *ctx, const char *body, size_t len,
					       char *reply, size_t cap, size_t *reply_len);

/* TCP connections the channel opened so far (1 for a proper session). */
long cpe_http_connections(const struct cpe_http *h);

void cpe_http_close(struct cpe_http *h); /* NULL-safe */

#endif

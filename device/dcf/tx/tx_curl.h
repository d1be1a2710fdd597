/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The distress POST over libcurl, shared by the request/response transports
 * (tx_http.c: plain-http, tx_tls.c: tls). Its send/recv/retry_after_s/close
 * have the dcf_tx_ops signatures, so those transports put them in their
 * tables directly and only differ in how they open the channel.
 *
 * One exchange per send: POST <url>, Content-Type: application/cose, body =
 * the signed indication, bounded by the attempt timeout. The answer:
 *   200 + Content-Type application/cose, body <= MAYDAY_ACK_MAX
 *       -> the body is the reply recv hands back (the caller verifies it);
 *   503 + Retry-After -> no reply; retry_after_s says how long to wait;
 *   anything else (other status or type, a bigger body, 503 without
 *       Retry-After, no answer) -> the attempt failed (logged once here, with
 *       libcurl's reason).
 * libcurl parses the HTTP; nothing here reads header lines itself.
 */
#ifndef MAYDAY_DCF_TX_CURL_H
#define MAYDAY_DCF_TX_CURL_H

#include <stddef.h>
#include <stdint.h>
#include <curl/curl.h>

#include "mayday/error.h"

struct tx_curl;

/* A channel for POSTs to `url` (an http:// or https:// URL, which must be
 * the scheme named by `protocol`), each exchange bounded by timeout_ms.
 * `method` names the transport in log lines (static storage). Proxies from
 * the environment are ignored and redirects are not followed. The caller may
 * set further options on tx_curl_easy() (TLS) before the first send. Owned by
 * the caller until tx_curl_close. Needs curl_global_init to have been called. */
MAYDAY_NODISCARD enum mayday_err tx_curl_open(const char *method, const char *protocol,
					      const char *url, uint32_t timeout_ms,
					      struct tx_curl **out);

#define TX_CURL_URL_MAX 512 /* scheme://[host]:port/path from dcf.conf's bounds */

/* "scheme://host:port/path", the host in brackets when it is IPv6.
 * MAYDAY_E_TOOBIG if it does not fit `cap`. */
MAYDAY_NODISCARD enum mayday_err tx_curl_url(char *out, size_t cap, const char *scheme,
					     const char *host, int host_is_ip6, uint16_t port,
					     const char *path);

/* The easy handle, for transport-specific options. Borrowed. */
CURL *tx_curl_easy(struct tx_curl *c);

/* Hand `res` to the channel: it is released by `release_fn` in tx_curl_close,
 * after the easy handle (whose callbacks may use it) is gone. */
void tx_curl_own(struct tx_curl *c, void *res, void (*release_fn)(void *res));

/* dcf_tx_ops entry points; `state` is a struct tx_curl. send returns
 * MAYDAY_OK for a reply or a 503 + Retry-After, MAYDAY_E_TIMEOUT if the
 * exchange timed out, MAYDAY_E_TOOBIG for an oversized answer, else
 * MAYDAY_E_IO. */
MAYDAY_NODISCARD enum mayday_err tx_curl_send(void *state, const uint8_t *msg, size_t len);
MAYDAY_NODISCARD enum mayday_err tx_curl_recv(void *state, uint8_t *buf, size_t cap,
					      size_t *len, uint32_t timeout_ms);
uint32_t tx_curl_retry_after_s(void *state);
void tx_curl_close(void *state); /* NULL-safe */

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The distress POST over the device's HTTP client (mayday_net), shared by
 * the request/response transports (tx_http.c: plain-http, tx_tls.c: tls).
 * Its send/recv/retry_after_s/close have the dcf_tx_ops signatures, so
 * those transports put them in their tables directly and only differ in
 * how they open the channel.
 *
 * One exchange per send: POST <path>, Content-Type: application/cose, body
 * = the signed indication, bounded by the attempt timeout (connect and
 * handshake included); the connection is kept for the next send when the
 * server allows it. The answer:
 *   200 + Content-Type application/cose, body <= MAYDAY_ACK_MAX
 *       -> the body is the reply recv hands back (the caller verifies it);
 *   503 + Retry-After (delta-seconds, or an HTTP-date still in the future)
 *       -> no reply (unless the body is COSE: maydayd's signed RETRY_AFTER
 *       ack, handed on to be verified); retry_after_s says how long to wait;
 *   anything else (other status or type, a bigger body, 503 without
 *       Retry-After, no answer) -> the attempt failed (logged once, here or
 *       by the client).
 */
#ifndef MAYDAY_DCF_TX_POST_H
#define MAYDAY_DCF_TX_POST_H

#include <stddef.h>
#include <stdint.h>

#include "mayday/error.h"
#include "net_tls.h"

struct tx_post;
struct dcf_url;

/* A channel for POSTs to `url`, connecting to its host, which must be an
 * address (the DCF resolves no names: MAYDAY_E_INVALID, logged). `name`
 * (NULL: the URL's host) is the server's name: Host header, and with `tls`
 * the name its certificate must carry (and SNI). `tls` (NULL: plain HTTP)
 * is owned by the channel from here on, also on failure. `method` names the
 * transport in log lines (static storage). Each exchange is bounded by
 * timeout_ms. Owned by the caller until tx_post_close. */
MAYDAY_NODISCARD enum mayday_err tx_post_open(const char *method, const struct dcf_url *url,
					      const char *name, struct net_tls *tls,
					      uint32_t timeout_ms, struct tx_post **out);

/* dcf_tx_ops entry points; `state` is a struct tx_post. send returns
 * MAYDAY_OK for a reply or a 503 + Retry-After, MAYDAY_E_TIMEOUT if the
 * exchange timed out, MAYDAY_E_TOOBIG for an oversized answer, else
 * MAYDAY_E_IO. */
MAYDAY_NODISCARD enum mayday_err tx_post_send(void *state, const uint8_t *msg, size_t len);
MAYDAY_NODISCARD enum mayday_err tx_post_recv(void *state, uint8_t *buf, size_t cap,
					      size_t *len, uint32_t timeout_ms);
uint32_t tx_post_retry_after_s(void *state);
void tx_post_close(void *state); /* NULL-safe */

#endif

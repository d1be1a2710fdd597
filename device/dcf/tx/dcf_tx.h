/* SPDX-License-Identifier: Apache-2.0 */
/*
 * DCF transports: one file per method behind this table of function
 * pointers, chosen by the method name written in dcf.conf ([hems] methods).
 *
 * A transport moves opaque messages: the signed indication out, whatever
 * the network answers back in. It does not interpret either; the caller
 * verifies every answer, so a transport needs no trust of its own (a channel
 * that authenticates the server, like TLS, is defence in depth and what the
 * H(e)MS records as the indication's trust level).
 *
 * Two shapes fit the same calls. Datagram transports (plain-udp, ipsec, psk)
 * send and then deliver whatever arrives while recv waits. Request/response
 * transports (plain-http, tls) do the whole exchange inside send, bounded by
 * the attempt timeout, and recv hands back the one answer it produced (then
 * waits out its timeout: no second answer will come).
 */
#ifndef MAYDAY_DCF_TX_H
#define MAYDAY_DCF_TX_H

#include <stddef.h>
#include <stdint.h>

#include "mayday/error.h"

struct dcf_config;
struct hal_flash;
struct hal_rot;

/* What a transport may use to open a channel; all borrowed, valid until the
 * channel is closed. */
struct dcf_tx_env {
	const struct dcf_config *cfg;  /* endpoints, per-method settings, attempt timeout */
	struct hal_flash *flash;       /* the DCF partition's files (CA, certificate) */
	struct hal_rot *rot;           /* device credentials (TLS client key, PSK) */
};

struct dcf_tx_ops {
	const char *name;       /* method name in dcf.conf */
	uint32_t transport;     /* enum mayday_transport, reported in the indication */
	/* Non-zero if `cfg` carries what this method needs (its endpoint). */
	int (*configured)(const struct dcf_config *cfg);
	/* Prepare a channel to the H(e)MS. *state is owned by the transport until close. */
	enum mayday_err (*open)(const struct dcf_tx_env *env, void **state);
	/* Send one message. MAYDAY_E_IO if it could not be handed to the network
	 * (request/response transports: also when the server's answer was no
	 * usable reply), MAYDAY_E_TIMEOUT if the attempt timed out. */
	enum mayday_err (*send)(void *state, const uint8_t *msg, size_t len);
	/* Wait up to timeout_ms for one incoming message into buf.
	 * MAYDAY_E_TIMEOUT if none arrived, MAYDAY_E_TOOBIG if one arrived but was
	 * larger than cap (it is consumed and dropped), MAYDAY_E_IO on failure. */
	enum mayday_err (*recv)(void *state, uint8_t *buf, size_t cap, size_t *len,
				uint32_t timeout_ms);
	/* Optional (NULL: the transport has no such signal): seconds the server
	 * asked, in its answer to the last send, to wait before sending again
	 * (HTTP 503 + Retry-After); 0 if it did not. Unauthenticated, so the
	 * caller bounds what it honours by its own deadline. */
	uint32_t (*retry_after_s)(void *state);
	void (*close)(void *state);  /* NULL-safe */
};

/* The transport named `name`, or NULL if this build has none. Static storage. */
const struct dcf_tx_ops *dcf_tx_find(const char *name);

/* Implementations (one per file in tx/). */
extern const struct dcf_tx_ops tx_plain_udp_ops;   /* tx_plain_udp.c */
extern const struct dcf_tx_ops tx_ipsec_ops;       /* tx_ipsec.c */
extern const struct dcf_tx_ops tx_plain_http_ops;  /* tx_http.c */
extern const struct dcf_tx_ops tx_tls_ops;         /* tx_tls.c */
extern const struct dcf_tx_ops tx_psk_ops;         /* tx_psk.c */

#endif

/*
 * DCF transports: one file per method behind this table of function
 * pointers, chosen by the method name written in dcf.conf ([hems] methods).
 *
 * A transport moves opaque datagrams/messages: the signed indication out,
 * whatever the network answers back in. It does not interpret either; the
 * caller verifies every answer, so a transport needs no trust of its own.
 */
#ifndef MAYDAY_DCF_TX_H
#define MAYDAY_DCF_TX_H

#include <stddef.h>
#include <stdint.h>

#include "mayday/error.h"

struct dcf_config;

struct dcf_tx_ops {
	const char *name;       /* method name in dcf.conf */
	uint32_t transport;     /* enum mayday_transport, reported in the indication */
	/* Non-zero if `cfg` carries what this method needs (its endpoint). */
	int (*configured)(const struct dcf_config *cfg);
	/* Prepare a channel to the H(e)MS. *state is owned by the transport until close. */
	enum mayday_err (*open)(const struct dcf_config *cfg, void **state);
	/* Send one message. MAYDAY_E_IO if it could not be handed to the network. */
	enum mayday_err (*send)(void *state, const uint8_t *msg, size_t len);
	/* Wait up to timeout_ms for one incoming message into buf.
	 * MAYDAY_E_TIMEOUT if none arrived, MAYDAY_E_TOOBIG if one arrived but was
	 * larger than cap (it is consumed and dropped), MAYDAY_E_IO on failure. */
	enum mayday_err (*recv)(void *state, uint8_t *buf, size_t cap, size_t *len,
				uint32_t timeout_ms);
	void (*close)(void *state);  /* NULL-safe */
};

/* The transport named `name`, or NULL if there is none. Static storage. */
const struct dcf_tx_ops *dcf_tx_find(const char *name);

/* Implementations (one per file in tx/). */
extern const struct dcf_tx_ops tx_plain_udp_ops;   /* tx_plain_udp.c */

#endif

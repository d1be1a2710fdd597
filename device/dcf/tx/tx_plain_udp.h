/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The datagram half of tx_plain_udp.c, for transports that send the same
 * UDP datagram to an endpoint of their own (ipsec: through the tunnel to the
 * H(e)MS's inner address). Same contracts as the dcf_tx_ops calls.
 */
#ifndef MAYDAY_TX_PLAIN_UDP_H
#define MAYDAY_TX_PLAIN_UDP_H

#include "dcf_tx.h"

struct dcf_endpoint;

/* A UDP socket connect()ed to ep; *state freed by tx_plain_udp_close.
 * MAYDAY_E_INVALID if ep's host is not a numeric address, else MAYDAY_E_IO. */
MAYDAY_NODISCARD enum mayday_err tx_plain_udp_open_to(const struct dcf_endpoint *ep,
						      void **state);
enum mayday_err tx_plain_udp_send(void *state, const uint8_t *msg, size_t len);
enum mayday_err tx_plain_udp_recv(void *state, uint8_t *buf, size_t cap, size_t *len,
				  uint32_t timeout_ms);
void tx_plain_udp_close(void *state);   /* NULL-safe */

#endif

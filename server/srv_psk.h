/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The PSK method's own steps in the verify and ack stages
 * (docs/protocol.md §12.5): opening a sealed request before the common
 * checks, and sealing the signed acknowledgement for the answer.
 *
 * The PSKs live in the store with the devices' replay windows
 * (store_psk_get); the request and response keys derived from them are
 * cached per kid (srv_pskcache.h), and each datagram's slot gets its own
 * copy, wiped as soon as the answer is sealed or the slot is dropped
 * (srv_psk_forget).
 */
#ifndef MAYDAY_SRV_PSK_H
#define MAYDAY_SRV_PSK_H

#include "srv_pskcache.h"
#include "srv_slot.h"
#include "srv_stats.h"
#include "store.h"

/* Steps 1-4: size (MAYDAY_PSK_DATAGRAM_MAX), strict decode, kid lookup
 * (`cache` at now_ms, monotonic ms, else the store), replay window,
 * decryption. The store is asked for the kid's row only on a cache miss
 * and when a request does not open (the window says whether it is a
 * replay; a PSK re-enrolled under the kid replaces the cached keys).
 * SRV_STORE means "opened": slot->buf/len now hold the signed indication,
 * slot->psk the keys, slot->psk_hdr kid and counter, slot->channel
 * STORE_CHANNEL_PSK with channel_id the kid's device and peer_identity the
 * kid in hex. A counter the window refuses is still opened (an identical
 * retransmission is answered again); if it does not open it is
 * SRV_DROP_REPLAY. Otherwise SRV_DROP_OVERSIZED,
 * SRV_DROP_MALFORMED, SRV_DROP_KEY (unknown kid, seal does not open) or
 * SRV_DROP_BUSY (store error); each counted and logged (rate-limited), the
 * keys wiped. */
enum srv_verdict srv_psk_open(struct srv_stats *stats, struct store *st,
			      struct srv_pskcache *cache, uint64_t now_ms, struct srv_slot *slot);

/* Seals the signed ack `ack` (ack_len bytes) into slot->ack as the answer
 * to slot's request, then wipes the keys. */
MAYDAY_NODISCARD enum mayday_err srv_psk_seal(struct srv_slot *slot, const uint8_t *ack,
					      size_t ack_len);

/* Wipes slot->psk (no-op for other methods). */
void srv_psk_forget(struct srv_slot *slot);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The PSK method's own steps in the verify and ack stages
 * (docs/protocol.md §12.5): opening a sealed request before the common
 * checks, and sealing the signed acknowledgement for the answer.
 *
 * The keys live in the store with the device's replay window
 * (store_psk_get); a worker derives the request and response keys per
 * datagram into the slot, and they are wiped as soon as the answer is
 * sealed or the slot is dropped (srv_psk_forget).
 */
#ifndef MAYDAY_SRV_PSK_H
#define MAYDAY_SRV_PSK_H

#include "srv_slot.h"
#include "srv_stats.h"
#include "store.h"

/* Steps 1-4: size (MAYDAY_PSK_DATAGRAM_MAX), strict decode, kid lookup,
 * replay window, decryption. SRV_STORE means "opened": slot->buf/len now
 * hold the signed indication, slot->psk the keys, slot->psk_hdr kid and
 * counter, slot->channel STORE_CHANNEL_PSK with channel_id the kid's
 * device and peer_identity the kid in hex. A counter the window refuses is
 * still opened (an identical retransmission is answered again); if it does
 * not open it is SRV_DROP_REPLAY. Otherwise SRV_DROP_OVERSIZED,
 * SRV_DROP_MALFORMED, SRV_DROP_KEY (unknown kid, seal does not open) or
 * SRV_DROP_BUSY (store error); each counted and logged (rate-limited), the
 * keys wiped. */
enum srv_verdict srv_psk_open(struct srv_stats *stats, struct store *st, struct srv_slot *slot);

/* Seals the signed ack `ack` (ack_len bytes) into slot->ack as the answer
 * to slot's request, then wipes the keys. */
MAYDAY_NODISCARD enum mayday_err srv_psk_seal(struct srv_slot *slot, const uint8_t *ack,
					      size_t ack_len);

/* Wipes slot->psk (no-op for other methods). */
void srv_psk_forget(struct srv_slot *slot);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * PSK requests: the header is decoded without the key (mayday_psk_peek_kid)
 * so the kid selects the device's PSK from the store; the window check
 * comes before decryption as the protocol says, but only decides what a
 * failure to open means (a replay rather than a bad seal): a refused
 * counter whose seal opens may be the device's identical retransmission,
 * which the writer answers from the stored row. The plaintext goes through
 * a stack buffer (the seal's input and output must not overlap) and then
 * replaces the datagram in the slot, so the stored `raw` is the signed
 * indication, verifiable without the PSK.
 */
#include <string.h>
#include <openssl/crypto.h>

#include "mayday/keys.h"
#include "log.h"
#include "srv_psk.h"
#include "store_ingest.h"

static struct log_limit lim_size, lim_malformed, lim_kid, lim_seal, lim_store;

static void kid_hex(const struct mayday_psk_header *h, char *out)
{
	mayday_hex(h->kid, h->kid_len, out);
}

void srv_psk_forget(struct srv_slot *slot)
{
	if (slot->method == MAYDAY_TRANSPORT_PSK)
		mayday_psk_keys_wipe(&slot->psk);
}

enum srv_verdict srv_psk_open(struct srv_stats *stats, struct store *st, struct srv_slot *slot)
{
	uint8_t pt[MAYDAY_INDICATION_MAX];
	struct mayday_diag diag = {0, NULL};
	struct store_psk row;
	char kid[2 * MAYDAY_PSK_KID_MAX + 1];
	size_t pt_len = 0;
	enum mayday_err err;
	enum srv_verdict v = SRV_DROP_MALFORMED;
	uint64_t counter;
	int replayed;

	memset(&row, 0, sizeof(row));
	memset(&slot->psk_hdr, 0, sizeof(slot->psk_hdr));
	if (slot->truncated || slot->len > MAYDAY_PSK_DATAGRAM_MAX) {
		srv_stats_add(&stats->oversized, 1);
		log_limited(&lim_size, "dropped oversized psk datagram from %s (limit %d bytes)",
			    slot->peer_text, MAYDAY_PSK_DATAGRAM_MAX);
		v = SRV_DROP_OVERSIZED;
		goto out;
	}
	err = mayday_psk_peek_kid(slot->buf, slot->len, &slot->psk_hdr, &diag);
	if (err != MAYDAY_OK) {
		srv_stats_add(&stats->malformed, 1);
		log_limited(&lim_malformed, "dropped malformed psk datagram from %s: %s at byte %zu%s%s",
			    slot->peer_text, mayday_strerror(err), diag.offset, diag.what ? ": " : "",
			    diag.what ? diag.what : "");
		v = err == MAYDAY_E_TOOBIG ? SRV_DROP_OVERSIZED : SRV_DROP_MALFORMED;
		goto out;
	}
	kid_hex(&slot->psk_hdr, kid);
	err = store_psk_get(st, slot->psk_hdr.kid, slot->psk_hdr.kid_len, &row);
	if (err == MAYDAY_E_NOTFOUND) {
		srv_stats_add(&stats->psk_unknown_kid, 1);
		log_limited(&lim_kid, "psk datagram from %s with unknown kid %s: dropped",
			    slot->peer_text, kid);
		v = SRV_DROP_KEY;
		goto out;
	}
	if (err != MAYDAY_OK) {
		srv_stats_add(&stats->store_errors, 1);
		log_limited(&lim_store, "psk lookup failed: %s; dropping (the device retries)",
			    mayday_strerror(err));
		v = SRV_DROP_BUSY;
		goto out;
	}
	err = mayday_psk_derive(row.psk, sizeof(row.psk), slot->psk_hdr.kid,
				slot->psk_hdr.kid_len, &slot->psk);
	if (err != MAYDAY_OK) {
		srv_stats_add(&stats->store_errors, 1);
		log_limited(&lim_store, "psk of kid %s unusable: %s", kid, mayday_strerror(err));
		v = SRV_DROP_BUSY;
		goto out;
	}
	counter = slot->psk_hdr.counter;   /* open_request clears the header on failure */
	replayed = mayday_replay_check(&row.window, counter) != MAYDAY_OK;
	err = mayday_psk_open_request(&slot->psk, slot->buf, slot->len, &slot->psk_hdr, pt,
				      sizeof(pt), &pt_len, &diag);
	if (err != MAYDAY_OK) {
		if (replayed) {
			srv_stats_add(&stats->psk_replays, 1);
			v = SRV_DROP_REPLAY;
		} else if (err == MAYDAY_E_SIGNATURE) {
			srv_stats_add(&stats->psk_bad_seal, 1);
			v = SRV_DROP_KEY;
		} else {
			srv_stats_add(&stats->malformed, 1);
			v = err == MAYDAY_E_TOOBIG ? SRV_DROP_OVERSIZED : SRV_DROP_MALFORMED;
		}
		log_limited(&lim_seal, "psk datagram from %s (kid %s, counter %llu) does not open "
			    "(%s%s): dropped", slot->peer_text, kid,
			    (unsigned long long)slot->psk_hdr.counter, mayday_strerror(err),
			    replayed ? ", and the counter is a replay" : "");
		goto out;
	}
	memcpy(slot->buf, pt, pt_len);
	slot->len = pt_len;
	slot->channel = STORE_CHANNEL_PSK;
	memcpy(slot->channel_id, row.device_id, sizeof(slot->channel_id));
	memcpy(slot->peer_identity, kid, strlen(kid) + 1);
	v = SRV_STORE;
out:
	store_psk_wipe(&row);
	OPENSSL_cleanse(pt, pt_len);   /* on failure nothing was written */
	if (v != SRV_STORE)
		mayday_psk_keys_wipe(&slot->psk);
	return v;
}

enum mayday_err srv_psk_seal(struct srv_slot *slot, const uint8_t *ack, size_t ack_len)
{
	enum mayday_err err = mayday_psk_seal_response(&slot->psk, slot->psk_hdr.counter, ack,
						       ack_len, slot->ack, sizeof(slot->ack),
						       &slot->ack_len);
	if (err != MAYDAY_OK)
		slot->ack_len = 0;
	mayday_psk_keys_wipe(&slot->psk);
	return err;
}

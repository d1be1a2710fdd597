/* SPDX-License-Identifier: Apache-2.0 */
/*
 * PSK requests: the header is decoded without the key (mayday_psk_peek_kid)
 * so the kid selects the device's keys: from the key cache (srv_pskcache)
 * if it has them, else from the store's row, derived and cached. The window
 * check comes before decryption as the protocol says, but only decides what
 * a failure to open means (a replay rather than a bad seal): a refused
 * counter whose seal opens may be the device's identical retransmission,
 * which the writer answers from the stored row. So the window, which moves
 * with every commit and is never cached, is read from the store only when
 * a request does not open; a request that opens with cached keys costs no
 * store access at all. Cached keys that do not open a request are checked
 * against the row read then: if its PSK gives other keys (re-enrolled under
 * the same kid) the cache takes them and the request is opened again once.
 * The plaintext goes through a stack buffer (the seal's input and output
 * must not overlap) and then replaces the datagram in the slot, so the
 * stored `raw` is the signed indication, verifiable without the PSK.
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

/* The kid's row into *row, counted and logged on failure: SRV_STORE if
 * read, else the verdict (unknown kid: its cache entry dropped too). */
static enum srv_verdict read_row(struct srv_stats *stats, struct store *st,
				 struct srv_pskcache *cache, const struct srv_slot *slot,
				 const struct mayday_psk_header *hdr, const char *kid,
				 struct store_psk *row)
{
	enum mayday_err err = store_psk_get(st, hdr->kid, hdr->kid_len, row);

	if (err == MAYDAY_E_NOTFOUND) {
		srv_pskcache_drop(cache, hdr->kid, hdr->kid_len);
		srv_stats_add(&stats->psk_unknown_kid, 1);
		log_limited(&lim_kid, "psk datagram from %s with unknown kid %s: dropped",
			    slot->peer_text, kid);
		return SRV_DROP_KEY;
	}
	if (err != MAYDAY_OK) {
		srv_stats_add(&stats->store_errors, 1);
		log_limited(&lim_store, "psk lookup failed: %s; dropping (the device retries)",
			    mayday_strerror(err));
		return SRV_DROP_BUSY;
	}
	return SRV_STORE;
}

/* The keys of row->psk into *keys, cached with the row's device. */
static enum srv_verdict derive(struct srv_stats *stats, struct srv_pskcache *cache,
			       const struct mayday_psk_header *hdr, const char *kid,
			       const struct store_psk *row, uint64_t now_ms,
			       struct mayday_psk_keys *keys)
{
	enum mayday_err err = mayday_psk_derive(row->psk, sizeof(row->psk), hdr->kid,
						hdr->kid_len, keys);
	if (err != MAYDAY_OK) {
		srv_stats_add(&stats->store_errors, 1);
		log_limited(&lim_store, "psk of kid %s unusable: %s", kid, mayday_strerror(err));
		return SRV_DROP_BUSY;
	}
	srv_pskcache_put(cache, keys, row->device_id, now_ms);
	return SRV_STORE;
}

static int same_keys(const struct mayday_psk_keys *a, const struct mayday_psk_keys *b)
{
	return CRYPTO_memcmp(a->request_key, b->request_key, sizeof(a->request_key)) == 0 &&
	       CRYPTO_memcmp(a->request_iv, b->request_iv, sizeof(a->request_iv)) == 0 &&
	       CRYPTO_memcmp(a->response_key, b->response_key, sizeof(a->response_key)) == 0;
}

enum srv_verdict srv_psk_open(struct srv_stats *stats, struct store *st,
			      struct srv_pskcache *cache, uint64_t now_ms, struct srv_slot *slot)
{
	uint8_t pt[MAYDAY_INDICATION_MAX];
	struct mayday_diag diag = {0, NULL};
	struct mayday_psk_header hdr;
	struct mayday_psk_keys fresh;
	struct store_psk row;
	char kid[2 * MAYDAY_PSK_KID_MAX + 1], device_id[MAYDAY_DEVICE_ID_MAX + 1];
	size_t pt_len = 0;
	enum mayday_err err;
	enum srv_verdict v = SRV_DROP_MALFORMED;
	int cached, replayed;

	memset(&row, 0, sizeof(row));
	memset(&fresh, 0, sizeof(fresh));
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
	hdr = slot->psk_hdr;   /* open_request clears slot->psk_hdr on failure */
	cached = srv_pskcache_get(cache, hdr.kid, hdr.kid_len, now_ms, &slot->psk, device_id);
	if (!cached) {
		if ((v = read_row(stats, st, cache, slot, &hdr, kid, &row)) != SRV_STORE ||
		    (v = derive(stats, cache, &hdr, kid, &row, now_ms, &slot->psk)) != SRV_STORE)
			goto out;
		memcpy(device_id, row.device_id, sizeof(device_id));
	}
	err = mayday_psk_open_request(&slot->psk, slot->buf, slot->len, &slot->psk_hdr, pt,
				      sizeof(pt), &pt_len, &diag);
	if (err != MAYDAY_OK) {
		/* The window, to say what the failure is; and the PSK itself, in
		 * case the cached keys are no longer the kid's. */
		if (cached) {
			if ((v = read_row(stats, st, cache, slot, &hdr, kid, &row)) != SRV_STORE)
				goto out;
			if (err == MAYDAY_E_SIGNATURE) {
				if ((v = derive(stats, cache, &hdr, kid, &row, now_ms, &fresh)) !=
				    SRV_STORE)
					goto out;
				if (!same_keys(&fresh, &slot->psk)) {
					slot->psk = fresh;
					memcpy(device_id, row.device_id, sizeof(device_id));
					err = mayday_psk_open_request(&slot->psk, slot->buf, slot->len,
								      &slot->psk_hdr, pt, sizeof(pt),
								      &pt_len, &diag);
				}
			}
		}
	}
	if (err != MAYDAY_OK) {
		replayed = mayday_replay_check(&row.window, hdr.counter) != MAYDAY_OK;
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
			    "(%s%s): dropped", slot->peer_text, kid, (unsigned long long)hdr.counter,
			    mayday_strerror(err), replayed ? ", and the counter is a replay" : "");
		goto out;
	}
	memcpy(slot->buf, pt, pt_len);
	slot->len = pt_len;
	slot->channel = STORE_CHANNEL_PSK;
	memcpy(slot->channel_id, device_id, sizeof(slot->channel_id));
	memcpy(slot->peer_identity, kid, strlen(kid) + 1);
	v = SRV_STORE;
out:
	store_psk_wipe(&row);
	mayday_psk_keys_wipe(&fresh);
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

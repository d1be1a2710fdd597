/* SPDX-License-Identifier: Apache-2.0 */
/* Ack claims from a slot's store outcome, then one ES256 signature — or
 * one share of a batch's root signature (srv_ack.h) — then (PSK) the seal. */
#include <stdio.h>
#include <string.h>

#include "srv_ack.h"
#include "srv_psk.h"

void srv_ack_claims(const struct srv_slot *slot, struct mayday_ack *ack)
{
	const struct store_ingest_rec *rec = &slot->rec;
	memset(ack, 0, sizeof(*ack));
	memcpy(ack->device_id, slot->ind.device_id, sizeof(ack->device_id));
	ack->counter = slot->ind.counter;
	ack->action = MAYDAY_ACTION_NONE;
	if (rec->outcome == STORE_CONFLICT || rec->outcome == STORE_STALE) {
		ack->status = MAYDAY_ACK_REJECTED;
	} else if (rec->trust == STORE_TRUST_SIGNED) {
		ack->status = MAYDAY_ACK_STORED;
		ack->incident_id = (uint64_t)rec->incident_id;
		if (slot->acs_url != NULL && rec->outcome != STORE_REPLAY) {
			ack->action = MAYDAY_ACTION_REMEDIATE;
			snprintf(ack->acs_url, sizeof(ack->acs_url), "%s", slot->acs_url);
		} else if (slot->wait_s != 0 && rec->outcome != STORE_REPLAY) {
			/* Held back (approval, pause, downloads busy): come back
			 * then, the decision may have changed. */
			ack->action = MAYDAY_ACTION_WAIT;
			ack->retry_after = slot->wait_s;
		}
	} else {
		ack->status = MAYDAY_ACK_STORED_UNVERIFIED;
	}
}

enum mayday_err srv_ack_build(const struct mayday_signer *hems, struct srv_slot *slot)
{
	struct mayday_ack ack;
	uint8_t signed_ack[MAYDAY_ACK_MAX];
	size_t len = 0;
	enum mayday_err err;
	if (slot->ack_batched && slot->committed) {
		/* The writer built it (srv_ack_batch): only the seal is left. */
		if (slot->method != MAYDAY_TRANSPORT_PSK)
			return MAYDAY_OK;
		len = slot->ack_len;
		slot->ack_len = 0;
		if (len > sizeof(signed_ack)) {   /* cannot happen: the tree keeps the limit */
			err = MAYDAY_E_INTERNAL;
			goto out;
		}
		memcpy(signed_ack, slot->ack, len);
		return srv_psk_seal(slot, signed_ack, len);   /* wipes the keys */
	}
	slot->ack_len = 0;
	if (!slot->committed) {
		err = MAYDAY_E_INVALID;
		goto out;
	}
	if (slot->rec.outcome == STORE_REPLAY) {
		err = MAYDAY_E_REPLAY;
		goto out;
	}
	srv_ack_claims(slot, &ack);
	if (slot->method != MAYDAY_TRANSPORT_PSK)
		return mayday_ack_sign(&ack, hems, slot->ack, MAYDAY_ACK_MAX, &slot->ack_len);
	err = mayday_ack_sign(&ack, hems, signed_ack, sizeof(signed_ack), &len);
	if (err == MAYDAY_OK)
		return srv_psk_seal(slot, signed_ack, len);   /* wipes the keys */
out:
	srv_psk_forget(slot);
	return err;
}

int srv_ack_batchable(const struct srv_slot *slot)
{
	return slot->committed && slot->rec.outcome != STORE_REPLAY &&
	       slot->rec.trust == STORE_TRUST_SIGNED &&
	       (slot->ind.ack_forms & MAYDAY_ACK_FORM_BATCH) != 0;
}

enum mayday_err srv_ack_batcher_init(struct srv_ack_batcher *b, size_t leaves)
{
	memset(b, 0, sizeof(*b));
	if (leaves > MAYDAY_ACK_BATCH_LEAVES_MAX)
		leaves = MAYDAY_ACK_BATCH_LEAVES_MAX;
	b->leaves = leaves;
	return mayday_ack_tree_new(&b->tree, leaves);
}

void srv_ack_batcher_fini(struct srv_ack_batcher *b)
{
	mayday_ack_tree_free(b->tree);
	b->tree = NULL;
}

/* One tree: s[0..n) are batchable, at most b->leaves of them. Each slot's
 * ack buffer holds its encoded claims between add and encode. */
static size_t one_root(struct srv_ack_batcher *b, const struct mayday_signer *hems,
		       struct srv_slot **s, size_t n, struct srv_stats *stats)
{
	uint8_t msg[MAYDAY_ACK_MAX];
	size_t idx, len, done = 0;
	enum mayday_err err = MAYDAY_OK;

	mayday_ack_tree_reset(b->tree);
	for (size_t i = 0; i < n && !err; i++) {
		struct mayday_ack ack;

		srv_ack_claims(s[i], &ack);
		err = mayday_ack_encode_claims(&ack, s[i]->ack, sizeof(s[i]->ack), &s[i]->ack_len);
		if (!err)
			err = mayday_ack_tree_add(b->tree, s[i]->ack, s[i]->ack_len, &idx);
	}
	if (!err)
		err = mayday_ack_tree_sign(b->tree, hems);
	for (size_t i = 0; i < n && !err; i++) {
		/* Leaf i is slot i: added in this order above. */
		err = mayday_ack_tree_encode(b->tree, i, s[i]->ack, s[i]->ack_len, msg, sizeof(msg),
					     &len);
		if (!err) {
			memcpy(s[i]->ack, msg, len);
			s[i]->ack_len = len;
			s[i]->ack_batched = 1;
			done++;
		}
	}
	if (err) {
		/* The workers sign these one by one, as for any other device. */
		for (size_t i = 0; i < n; i++) {
			if (!s[i]->ack_batched)
				s[i]->ack_len = 0;
		}
		srv_stats_add(&stats->ack_errors, 1);
		return done;
	}
	srv_stats_add(&stats->ack_roots, 1);
	srv_stats_add(&stats->acks_batched, done);
	return done;
}

size_t srv_ack_batch(struct srv_ack_batcher *b, const struct mayday_signer *hems,
		     struct srv_slot **s, size_t n, struct srv_stats *stats)
{
	struct srv_slot *group[MAYDAY_ACK_BATCH_LEAVES_MAX];
	size_t k = 0, done = 0;

	if (b->tree == NULL)
		return 0;
	for (size_t i = 0; i < n; i++) {
		s[i]->ack_batched = 0;
		if (!srv_ack_batchable(s[i]))
			continue;
		group[k++] = s[i];
		if (k == b->leaves) {
			done += one_root(b, hems, group, k, stats);
			k = 0;
		}
	}
	if (k > 0)
		done += one_root(b, hems, group, k, stats);
	return done;
}

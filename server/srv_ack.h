/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Acknowledgements: built from a committed slot, signed with the H(e)MS key
 * (and for the PSK method sealed with the device's response key).
 *
 *   new or identical retransmission, signed     -> STORED, the device's incident
 *   new or identical retransmission, unverified -> STORED_UNVERIFIED, incident 0
 *   replay conflict (same device+counter+trust, other claims) -> REJECTED, incident 0
 *   stale (signed, at or below the device's highest accepted counter,
 *          not the retransmission of the row there)            -> REJECTED, incident 0
 *   PSK replay (STORE_REPLAY)                   -> no answer at all
 *
 * The action is NONE, except REMEDIATE with the ACS URL for a signed row
 * the writer scheduled remediation for (slot->acs_url, srv_acs_policy.h);
 * an unverified sender is never told to remediate.
 *
 * Two forms (docs/protocol.md §7, §7.2). By default each ack is one ES256
 * signature, made by a worker in the ack lane. With [ack] batch on, the
 * writer, right after a batch's COMMIT, puts the acks of the slots whose
 * device asked for the batch form (the indication's ack_forms claim) —
 * and whose indication verified, since the claim is the device's word
 * only when signed — under one Merkle root and signs that root once
 * (srv_ack_batch); the worker then only seals them for PSK. Everyone else
 * keeps the single form, which every device understands.
 */
#ifndef MAYDAY_SRV_ACK_H
#define MAYDAY_SRV_ACK_H

#include "mayday/ack_batch.h"
#include "mayday/cose.h"
#include "srv_slot.h"

/* Fills the ack claims for a committed slot. */
void srv_ack_claims(const struct srv_slot *slot, struct mayday_ack *ack);
/* Fills slot->ack / ack_len with the answer for the slot's method; slot
 * must be committed (else MAYDAY_E_INVALID). MAYDAY_E_REPLAY: the store
 * refused it as a PSK replay, nothing to answer (ack_len 0). A slot
 * srv_ack_batch answered keeps its batch acknowledgement (sealed for PSK). */
MAYDAY_NODISCARD enum mayday_err srv_ack_build(const struct mayday_signer *hems,
					       struct srv_slot *slot);

/* Whether the slot's answer may take the batch form: committed, answered
 * at all, its signature verified, and its device asked for the form. */
int srv_ack_batchable(const struct srv_slot *slot);

/* The writer's batch acknowledgements: a tree (up to `leaves` acks per
 * root signature) and the writer's own signer. For the writer thread only. */
struct srv_ack_batcher {
	struct mayday_ack_tree *tree;
	size_t leaves;
};
MAYDAY_NODISCARD enum mayday_err srv_ack_batcher_init(struct srv_ack_batcher *b, size_t leaves);
void srv_ack_batcher_fini(struct srv_ack_batcher *b);   /* safe on a zeroed one */
/* After a batch committed: the acks of every batchable slot of s[0..n)
 * under one signed root (one per `leaves` of them), written to slot->ack
 * with ack_batched set. Slots it could not answer so (a signing failure)
 * are left to srv_ack_build's single form. Returns the number batched. */
size_t srv_ack_batch(struct srv_ack_batcher *b, const struct mayday_signer *hems,
		     struct srv_slot **s, size_t n, struct srv_stats *stats);

#endif

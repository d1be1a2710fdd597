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
 */
#ifndef MAYDAY_SRV_ACK_H
#define MAYDAY_SRV_ACK_H

#include "mayday/cose.h"
#include "srv_slot.h"

/* Fills the ack claims for a committed slot. */
void srv_ack_claims(const struct srv_slot *slot, struct mayday_ack *ack);
/* Fills slot->ack / ack_len with the answer for the slot's method; slot
 * must be committed (else MAYDAY_E_INVALID). MAYDAY_E_REPLAY: the store
 * refused it as a PSK replay, nothing to answer (ack_len 0). */
MAYDAY_NODISCARD enum mayday_err srv_ack_build(const struct mayday_signer *hems,
					       struct srv_slot *slot);

#endif

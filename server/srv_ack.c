/* SPDX-License-Identifier: Apache-2.0 */
/* Ack claims from a slot's store outcome, then one ES256 signature, then
 * (PSK) the seal. */
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

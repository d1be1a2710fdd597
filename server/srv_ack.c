/* Ack claims from a slot's store outcome, then one ES256 signature. */
#include <string.h>

#include "srv_ack.h"

void srv_ack_claims(const struct srv_slot *slot, struct mayday_ack *ack)
{
	const struct store_ingest_rec *rec = &slot->rec;
	memset(ack, 0, sizeof(*ack));
	memcpy(ack->device_id, slot->ind.device_id, sizeof(ack->device_id));
	ack->counter = slot->ind.counter;
	ack->action = MAYDAY_ACTION_NONE;
	if (rec->outcome == STORE_CONFLICT) {
		ack->status = MAYDAY_ACK_REJECTED;
	} else if (rec->trust == STORE_TRUST_SIGNED) {
		ack->status = MAYDAY_ACK_STORED;
		ack->incident_id = (uint64_t)rec->incident_id;
	} else {
		ack->status = MAYDAY_ACK_STORED_UNVERIFIED;
	}
}

enum mayday_err srv_ack_build(const struct mayday_signer *hems, struct srv_slot *slot)
{
	struct mayday_ack ack;
	slot->ack_len = 0;
	if (!slot->committed)
		return MAYDAY_E_INVALID;
	srv_ack_claims(slot, &ack);
	return mayday_ack_sign(&ack, hems, slot->ack, sizeof(slot->ack), &slot->ack_len);
}

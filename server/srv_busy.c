/* SPDX-License-Identifier: Apache-2.0 */
/* Signed busy answers with a per-second cap (srv_busy.h). */
#include <string.h>

#include "mayday/indication.h"
#include "srv_busy.h"

enum mayday_err srv_busy_init(struct srv_busy *b, EVP_PKEY *key, uint32_t retry_after_s,
			      uint32_t per_s)
{
	memset(b, 0, sizeof(*b));
	b->retry_after_s = retry_after_s;
	b->per_s = per_s;
	if (key == NULL)
		return MAYDAY_OK;
	enum mayday_err err = mayday_signer_open(&b->signer, key, NULL, 0);
	b->on = err == MAYDAY_OK;
	return err;
}

void srv_busy_fini(struct srv_busy *b)
{
	if (b == NULL)
		return;
	if (b->on)
		mayday_signer_close(&b->signer);
	b->on = 0;
}

enum mayday_err srv_busy_answer(struct srv_busy *b, const uint8_t *msg, size_t len, int64_t now,
				uint8_t *out, size_t cap, size_t *out_len)
{
	struct mayday_cose_sign1 cose;
	struct mayday_indication ind;
	struct mayday_diag diag;
	struct mayday_ack ack;
	enum mayday_err err = MAYDAY_E_INVALID;

	if (!b->on)
		goto plain;
	if (now != b->second) {
		b->second = now;
		b->used = 0;
	}
	if (b->used >= b->per_s)
		goto plain;
	/* Decoded, not verified: the answer echoes what it was sent and
	 * grants nothing. */
	err = mayday_indication_open(msg, len, &cose, &ind, &diag);
	if (err != MAYDAY_OK)
		goto plain;
	memset(&ack, 0, sizeof(ack));
	memcpy(ack.device_id, ind.device_id, sizeof(ack.device_id));
	ack.counter = ind.counter;
	ack.status = MAYDAY_ACK_STORED;   /* by convention: not read with RETRY_AFTER */
	ack.action = MAYDAY_ACTION_RETRY_AFTER;
	ack.retry_after = b->retry_after_s;
	b->used++;
	err = mayday_ack_sign(&ack, &b->signer, out, cap, out_len);
	if (err != MAYDAY_OK)
		goto plain;
	b->signed_total++;
	return MAYDAY_OK;
plain:
	b->unsigned_total++;
	return err == MAYDAY_OK ? MAYDAY_E_INVALID : err;
}

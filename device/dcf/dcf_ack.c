/* SPDX-License-Identifier: Apache-2.0 */
/*
 * An ack counts only when signed by the RoT's H(e)MS anchor and bound to the
 * exact (device, counter) in flight: a replayed ack of an earlier indication
 * or another device's ack never ends the distress procedure.
 *
 * Both forms are taken (docs/protocol.md §7, §7.2): a single signed ack,
 * or a batch ack whose audit path leads to a root signed by the anchor.
 * A batch ack whose path or root signature fails is MAYDAY_E_SIGNATURE,
 * exactly like a single ack whose signature fails.
 *
 * A message whose signature fails is looked at once more, unverified, only
 * to tell "an answer to this very indication that we cannot authenticate"
 * (UNAUTH: the H(e)MS has the indication, or someone on the path wants us to
 * believe so) from noise. The session uses that to stop retransmitting the
 * counter, never to believe anything the claims say.
 *
 * dcf_ack_meaning then says what the session does with it. Its one rule:
 * only "authenticated, and the H(e)MS verified and stored the indication"
 * is success. STORED_UNVERIFIED is what an on-path attacker earns by
 * flipping one bit of our signature; taking it as success would let him end
 * a device's distress report with the H(e)MS's own, correctly signed, words.
 */
#include "dcf_ack.h"

#include <string.h>

#include "mayday/ack_batch.h"

static int echoes(const struct mayday_ack *ack, const char *device_id, uint64_t counter)
{
	return strcmp(ack->device_id, device_id) == 0 && ack->counter == counter;
}

/* The claims of an ack, either form, that did not verify. */
static int looks_like_ours(const uint8_t *msg, size_t len, const char *device_id,
			   uint64_t counter, struct mayday_ack *ack)
{
	struct mayday_diag ignored;

	if (mayday_ack_peek(msg, len, ack, &ignored) != MAYDAY_OK)
		return 0;
	return echoes(ack, device_id, counter);
}

enum dcf_ack_verdict dcf_ack_check(const uint8_t *msg, size_t len, EVP_PKEY *hems_pub,
				   const char *device_id, uint64_t counter,
				   struct mayday_ack *ack, enum mayday_err *err,
				   struct mayday_diag *diag)
{
	diag->offset = 0;
	diag->what = NULL;
	*err = mayday_ack_verify_any(msg, len, hems_pub, ack, diag);
	if (*err == MAYDAY_OK) {
		if (echoes(ack, device_id, counter))
			return DCF_ACK_VALID;
		return DCF_ACK_OTHER;
	}
	if (*err == MAYDAY_E_SIGNATURE && looks_like_ours(msg, len, device_id, counter, ack)) {
		*err = MAYDAY_OK;
		return DCF_ACK_UNAUTH;
	}
	return DCF_ACK_INVALID;
}

enum dcf_ack_meaning dcf_ack_meaning(enum dcf_ack_verdict verdict, const struct mayday_ack *ack)
{
	switch (verdict) {
	case DCF_ACK_VALID:
		break;
	case DCF_ACK_UNAUTH:
		return DCF_ACK_NO_AUTHORITY;
	case DCF_ACK_OTHER:
	case DCF_ACK_INVALID:
	default:
		return DCF_ACK_IGNORED;
	}
	/* A busy server has not judged the counter, whatever the status says. */
	if (ack->action == MAYDAY_ACTION_RETRY_AFTER)
		return DCF_ACK_WAIT;
	switch (ack->status) {
	case MAYDAY_ACK_STORED:
		return DCF_ACK_STORED;
	case MAYDAY_ACK_REJECTED:
		return DCF_ACK_REFUSED;
	case MAYDAY_ACK_STORED_UNVERIFIED:
	default:
		/* mayday_ack_verify admits no other status; should one ever get
		 * here, it is not success either. */
		return DCF_ACK_NOT_VERIFIED;
	}
}

/*
 * An ack counts only when signed by the RoT's H(e)MS anchor and bound to the
 * exact (device, counter) in flight: a replayed ack of an earlier indication
 * or another device's ack never ends the distress procedure.
 *
 * A message whose signature fails is looked at once more, unverified, only
 * to tell "an answer to this very indication that we cannot authenticate"
 * (UNAUTH: the H(e)MS has the indication, or someone on the path wants us to
 * believe so) from noise. The session uses that to stop retransmitting the
 * counter, never to believe anything the claims say.
 */
#include "dcf_ack.h"

#include <string.h>

#include "mayday/cose.h"

static int echoes(const struct mayday_ack *ack, const char *device_id, uint64_t counter)
{
	return strcmp(ack->device_id, device_id) == 0 && ack->counter == counter;
}

/* The claims of a signed ack whose signature did not verify. */
static int looks_like_ours(const uint8_t *msg, size_t len, const char *device_id,
			   uint64_t counter, struct mayday_ack *ack)
{
	struct mayday_cose_sign1 cose;
	struct mayday_diag ignored;

	if (mayday_cose_sign1_decode(msg, len, MAYDAY_ACK_MAX, &cose, &ignored) != MAYDAY_OK)
		return 0;
	memset(ack, 0, sizeof(*ack));
	if (mayday_ack_decode_claims(cose.payload, cose.payload_len, ack, &ignored) != MAYDAY_OK)
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
	*err = mayday_ack_verify(msg, len, hems_pub, ack, diag);
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

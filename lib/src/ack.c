/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The acknowledgement's claims map (docs/protocol.md §Acknowledgement) and
 * its COSE_Sign1 wrapping, signed by the H(e)MS key.
 *
 * The ACS URL is present exactly when it is non-empty, so every ack struct
 * has one encoding. An action or status this version does not know is
 * rejected (MAYDAY_E_UNSUPPORTED): a device must never guess what the
 * network asked of it. REMEDIATE without an ACS URL is malformed, and so is
 * WAIT without a retry_after (a device told to wait 0 s would announce in a
 * loop).
 */
#include <string.h>

#include "ack_claims.h"
#include "cbor_det.h"
#include "cose_sign1.h"
#include "mayday/indication.h"
#include "mayday/utf8.h"

enum {
	ACK_VERSION = 0,
	ACK_DEVICE_ID = 1,
	ACK_COUNTER = 2,
	ACK_INCIDENT_ID = 3,
	ACK_STATUS = 4,
	ACK_ACTION = 5,
	ACK_RETRY_AFTER = 6,
	ACK_ACS_URL = 7,
	ACK__COUNT
};

/* Every key but the optional ACS URL. */
#define REQUIRED_KEYS ((UINT64_C(1) << ACK_ACS_URL) - 1)

enum mayday_err mayday_ack_encode_claims(const struct mayday_ack *ack, uint8_t *out,
					 size_t out_cap, size_t *out_len)
{
	struct cbor_det_writer w;
	bool has_url;

	if (!ack || !out_len)
		return MAYDAY_E_INVALID;
	if (!utf8_field_ok(ack->device_id, 1, MAYDAY_DEVICE_ID_MAX) ||
	    !mayday_device_id_ok(ack->device_id, strlen(ack->device_id)) ||
	    !utf8_field_ok(ack->acs_url, 0, MAYDAY_URL_MAX) ||
	    ack->status > MAYDAY_ACK_REJECTED || ack->action > MAYDAY_ACTION_MAX)
		return MAYDAY_E_INVALID;
	has_url = ack->acs_url[0] != '\0';
	if ((ack->action == MAYDAY_ACTION_REMEDIATE && !has_url) ||
	    (ack->action == MAYDAY_ACTION_WAIT && ack->retry_after == 0))
		return MAYDAY_E_INVALID;

	cbor_det_writer_init(&w, out, out_cap);
	cbor_det_put_map(&w, has_url ? ACK__COUNT : ACK__COUNT - 1);
	cbor_det_put_uint(&w, ACK_VERSION);
	cbor_det_put_uint(&w, MAYDAY_PROTOCOL_VERSION);
	cbor_det_put_uint(&w, ACK_DEVICE_ID);
	cbor_det_put_tstr(&w, ack->device_id);
	cbor_det_put_uint(&w, ACK_COUNTER);
	cbor_det_put_uint(&w, ack->counter);
	cbor_det_put_uint(&w, ACK_INCIDENT_ID);
	cbor_det_put_uint(&w, ack->incident_id);
	cbor_det_put_uint(&w, ACK_STATUS);
	cbor_det_put_uint(&w, ack->status);
	cbor_det_put_uint(&w, ACK_ACTION);
	cbor_det_put_uint(&w, ack->action);
	cbor_det_put_uint(&w, ACK_RETRY_AFTER);
	cbor_det_put_uint(&w, ack->retry_after);
	if (has_url) {
		cbor_det_put_uint(&w, ACK_ACS_URL);
		cbor_det_put_tstr(&w, ack->acs_url);
	}
	return cbor_det_writer_done(&w, out_len);
}

/* An enumerated claim: values above `max` are from a newer protocol. */
static enum mayday_err get_enum(struct cbor_det_reader *r, uint32_t *v, uint32_t max,
				const char *what)
{
	size_t off = cbor_det_offset(r);
	enum mayday_err err = cbor_det_get_u32(r, v);

	if (!err && *v > max)
		err = cbor_det_fail(r, off, MAYDAY_E_UNSUPPORTED, what);
	return err;
}

enum mayday_err ack_claims_decode(const uint8_t *in, size_t in_len, size_t base,
				  struct mayday_ack *ack, struct mayday_diag *diag)
{
	struct cbor_det_reader r;
	struct cbor_det_map m;
	uint64_t key;
	bool more;
	enum mayday_err err;

	memset(ack, 0, sizeof(*ack));
	cbor_det_reader_init(&r, in, in_len, base, diag);
	if (in_len > MAYDAY_ACK_MAX)
		return cbor_det_fail(&r, base + MAYDAY_ACK_MAX, MAYDAY_E_TOOBIG,
				     "claims larger than their limit");
	err = cbor_det_map_open(&r, &m);
	while (!err) {
		err = cbor_det_map_next(&r, &m, &more, &key);
		if (err || !more)
			break;
		switch (key) {
		case ACK_VERSION:
			err = cbor_det_get_version(&r);
			break;
		case ACK_DEVICE_ID: {
			size_t at = cbor_det_offset(&r);

			err = cbor_det_get_tstr(&r, ack->device_id, 1, MAYDAY_DEVICE_ID_MAX);
			if (!err && !mayday_device_id_ok(ack->device_id, strlen(ack->device_id)))
				err = cbor_det_fail(&r, at, MAYDAY_E_MALFORMED,
						    "device ID not printable ASCII without spaces");
			break;
		}
		case ACK_COUNTER:
			err = cbor_det_get_uint(&r, &ack->counter);
			break;
		case ACK_INCIDENT_ID:
			err = cbor_det_get_uint(&r, &ack->incident_id);
			break;
		case ACK_STATUS:
			err = get_enum(&r, &ack->status, MAYDAY_ACK_REJECTED, "unknown ack status");
			break;
		case ACK_ACTION:
			err = get_enum(&r, &ack->action, MAYDAY_ACTION_MAX, "unknown action");
			break;
		case ACK_RETRY_AFTER:
			err = cbor_det_get_u32(&r, &ack->retry_after);
			break;
		case ACK_ACS_URL:
			err = cbor_det_get_tstr(&r, ack->acs_url, 1, MAYDAY_URL_MAX);
			break;
		default:
			err = cbor_det_map_unknown(&r, &m);
			break;
		}
	}
	if (!err)
		err = cbor_det_map_require(&r, &m, REQUIRED_KEYS);
	if (!err && ack->action == MAYDAY_ACTION_REMEDIATE && ack->acs_url[0] == '\0')
		err = cbor_det_fail(&r, cbor_det_offset(&r), MAYDAY_E_MALFORMED,
				    "remediate without ACS URL");
	if (!err && ack->action == MAYDAY_ACTION_WAIT && ack->retry_after == 0)
		err = cbor_det_fail(&r, cbor_det_offset(&r), MAYDAY_E_MALFORMED,
				    "wait without retry_after");
	if (!err)
		err = cbor_det_end(&r);
	if (err)
		memset(ack, 0, sizeof(*ack));
	return err;
}

enum mayday_err mayday_ack_decode_claims(const uint8_t *in, size_t in_len, struct mayday_ack *ack,
					 struct mayday_diag *diag)
{
	if (!ack || (!in && in_len))
		return MAYDAY_E_INVALID;
	return ack_claims_decode(in, in_len, 0, ack, diag);
}

enum mayday_err mayday_ack_sign(const struct mayday_ack *ack, const struct mayday_signer *signer,
				uint8_t *out, size_t out_cap, size_t *out_len)
{
	uint8_t claims[MAYDAY_ACK_MAX];
	size_t claims_len;
	enum mayday_err err;

	if (!ack || !signer)
		return MAYDAY_E_INVALID;
	err = mayday_ack_encode_claims(ack, claims, sizeof(claims), &claims_len);
	if (err)
		return err;
	return mayday_cose_sign1_encode(signer, claims, claims_len, out, out_cap, out_len);
}

enum mayday_err mayday_ack_verify(const uint8_t *in, size_t in_len, EVP_PKEY *hems_pub,
				  struct mayday_ack *ack, struct mayday_diag *diag)
{
	struct mayday_cose_sign1 msg;
	enum mayday_err err;

	if (!ack || (!in && in_len))
		return MAYDAY_E_INVALID;
	memset(ack, 0, sizeof(*ack));
	err = cose_sign1_open_verified(in, in_len, MAYDAY_ACK_MAX, hems_pub, &msg, diag);
	if (err)
		return err;
	return ack_claims_decode(msg.payload, msg.payload_len, (size_t)(msg.payload - in), ack, diag);
}

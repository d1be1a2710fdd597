/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The distress indication's claims map (docs/protocol.md §Indication) and
 * its COSE_Sign1 wrapping. The evidence claim reuses the evidence map codec,
 * so the TrE's findings reach the network byte for byte as the TrE wrote
 * them.
 *
 * Two claims maps share the struct: version 1 (mayday's keys, here) and
 * version 2 (EAT claims, indication_eat.c). Decoders tell them apart by the
 * first key: version 1 starts with its version claim, key 0, which no EAT
 * claims set has.
 *
 * The kid of a signed indication is always the device ID: signing overrides
 * the signer's kid, and opening rejects a kid that differs from the claims,
 * so the unsigned kid a server uses to find the key cannot name a different
 * device than the signed claims do.
 */
#include <string.h>

#include "cbor_det.h"
#include "evidence_map.h"
#include "indication_eat.h"
#include "mayday/ack_batch.h"
#include "mayday/indication.h"
#include "mayday/utf8.h"

enum {
	IND_VERSION = 0,
	IND_DEVICE_ID = 1,
	IND_COUNTER = 2,
	IND_TIME = 3,
	IND_DCF_VERSION = 4,
	IND_TRANSPORT = 5,
	IND_FREE_SPACE = 6,
	IND_MAX_IMAGE_SIZE = 7,
	IND_EVIDENCE = 8,
	IND__COUNT
};

bool mayday_device_id_ok(const char *id, size_t len)
{
	if (!id || len == 0 || len > MAYDAY_DEVICE_ID_MAX)
		return false;
	for (size_t i = 0; i < len; i++)
		if (id[i] < 0x21 || id[i] > 0x7e)
			return false;
	return true;
}

#define ALL_KEYS ((UINT64_C(1) << IND__COUNT) - 1)

enum mayday_err mayday_indication_encode_claims(const struct mayday_indication *ind, uint8_t *out,
						size_t out_cap, size_t *out_len)
{
	struct cbor_det_writer w;
	enum mayday_err err;

	if (!ind || !out_len)
		return MAYDAY_E_INVALID;
	if (!utf8_field_ok(ind->device_id, 1, MAYDAY_DEVICE_ID_MAX) ||
	    !mayday_device_id_ok(ind->device_id, strlen(ind->device_id)) ||
	    !utf8_field_ok(ind->dcf_version, 0, MAYDAY_VERSION_STR_MAX) ||
	    (ind->ack_forms & ~(uint32_t)MAYDAY_ACK_FORMS_KNOWN) != 0)
		return MAYDAY_E_INVALID;
	cbor_det_writer_init(&w, out, out_cap);
	if (ind->claims == MAYDAY_CLAIMS_EAT) {
		err = indication_eat_put(&w, ind);
		if (err)
			return err;
		return cbor_det_writer_done(&w, out_len);
	}
	if (ind->claims != MAYDAY_CLAIMS_MAYDAY1)
		return MAYDAY_E_INVALID;
	cbor_det_put_map(&w, IND__COUNT + (ind->ack_forms != 0));
	cbor_det_put_uint(&w, IND_VERSION);
	cbor_det_put_uint(&w, MAYDAY_PROTOCOL_VERSION);
	cbor_det_put_uint(&w, IND_DEVICE_ID);
	cbor_det_put_tstr(&w, ind->device_id);
	cbor_det_put_uint(&w, IND_COUNTER);
	cbor_det_put_uint(&w, ind->counter);
	cbor_det_put_uint(&w, IND_TIME);
	cbor_det_put_uint(&w, ind->time);
	cbor_det_put_uint(&w, IND_DCF_VERSION);
	cbor_det_put_tstr(&w, ind->dcf_version);
	cbor_det_put_uint(&w, IND_TRANSPORT);
	cbor_det_put_uint(&w, ind->transport);
	cbor_det_put_uint(&w, IND_FREE_SPACE);
	cbor_det_put_uint(&w, ind->free_space);
	cbor_det_put_uint(&w, IND_MAX_IMAGE_SIZE);
	cbor_det_put_uint(&w, ind->max_image_size);
	cbor_det_put_uint(&w, IND_EVIDENCE);
	err = evidence_put_map(&w, &ind->evidence);
	if (err)
		return err;
	if (ind->ack_forms != 0) {
		cbor_det_put_nint(&w, IND_ACK_FORMS_N);
		cbor_det_put_uint(&w, ind->ack_forms);
	}
	return cbor_det_writer_done(&w, out_len);
}

/* Whether the map at the reader is version 1: its first key is 0. Looks
 * ahead on a copy of the reader. Input that is no map, an empty map or a
 * broken first key stays with the version 1 decoder, which reports it as
 * it always did; only a map with another first key is read as version 2. */
static bool first_key_is_version(const struct cbor_det_reader *r)
{
	struct cbor_det_reader look = *r;
	struct cbor_det_item it;

	look.diag = NULL;
	if (cbor_det_next(&look, &it) != MAYDAY_OK || it.kind != CBOR_DET_MAP)
		return true;    /* not a map: version 1 reports it as before */
	if (it.val == 0)
		return true;
	return cbor_det_next(&look, &it) != MAYDAY_OK ||
	       (it.kind == CBOR_DET_UINT && it.val == 0);
}

enum mayday_err indication_ack_forms_get(struct cbor_det_reader *r, uint32_t *forms)
{
	size_t at = cbor_det_offset(r);
	enum mayday_err err = cbor_det_get_u32(r, forms);

	if (!err && *forms == 0)
		err = cbor_det_fail(r, at, MAYDAY_E_MALFORMED, "ack_forms 0 (leave the claim out)");
	return err;
}

/* The version 1 claims map (§6). */
static enum mayday_err get_v1(struct cbor_det_reader *r, struct mayday_indication *ind)
{
	struct cbor_det_map m;
	uint64_t key;
	bool more, neg;
	enum mayday_err err = cbor_det_map_open(r, &m);

	while (!err) {
		err = cbor_det_map_next_any(r, &m, &more, &neg, &key);
		if (err || !more)
			break;
		if (neg) {
			if (key == IND_ACK_FORMS_N)
				err = indication_ack_forms_get(r, &ind->ack_forms);
			else   /* an extension */
				err = cbor_det_skip(r, CBOR_DET_SKIP_DEPTH);
			continue;
		}
		switch (key) {
		case IND_VERSION:
			err = cbor_det_get_version(r);
			break;
		case IND_DEVICE_ID: {
			size_t at = cbor_det_offset(r);

			err = cbor_det_get_tstr(r, ind->device_id, 1, MAYDAY_DEVICE_ID_MAX);
			if (!err && !mayday_device_id_ok(ind->device_id, strlen(ind->device_id)))
				err = cbor_det_fail(r, at, MAYDAY_E_MALFORMED,
						    "device ID not printable ASCII without spaces");
			break;
		}
		case IND_COUNTER:
			err = cbor_det_get_uint(r, &ind->counter);
			break;
		case IND_TIME:
			err = cbor_det_get_uint(r, &ind->time);
			break;
		case IND_DCF_VERSION:
			err = cbor_det_get_tstr(r, ind->dcf_version, 0, MAYDAY_VERSION_STR_MAX);
			break;
		case IND_TRANSPORT:
			err = cbor_det_get_u32(r, &ind->transport);
			break;
		case IND_FREE_SPACE:
			err = cbor_det_get_uint(r, &ind->free_space);
			break;
		case IND_MAX_IMAGE_SIZE:
			err = cbor_det_get_uint(r, &ind->max_image_size);
			break;
		case IND_EVIDENCE:
			err = evidence_get_map(r, &ind->evidence);
			break;
		default:
			err = cbor_det_map_unknown(r, &m);
			break;
		}
	}
	if (!err)
		err = cbor_det_map_require(r, &m, ALL_KEYS);
	return err;
}

/* `base`: offset of in[0] within the whole message, for diagnostics. */
static enum mayday_err decode_claims(const uint8_t *in, size_t in_len, size_t base,
				     struct mayday_indication *ind, struct mayday_diag *diag)
{
	struct cbor_det_reader r;
	enum mayday_err err;

	memset(ind, 0, sizeof(*ind));
	cbor_det_reader_init(&r, in, in_len, base, diag);
	if (in_len > MAYDAY_INDICATION_MAX)
		return cbor_det_fail(&r, base + MAYDAY_INDICATION_MAX, MAYDAY_E_TOOBIG,
				     "claims larger than their limit");
	if (first_key_is_version(&r))
		err = get_v1(&r, ind);
	else
		err = indication_eat_get(&r, ind);
	if (!err)
		err = cbor_det_end(&r);
	if (err)
		memset(ind, 0, sizeof(*ind));
	return err;
}

enum mayday_err mayday_indication_decode_claims(const uint8_t *in, size_t in_len,
						struct mayday_indication *ind,
						struct mayday_diag *diag)
{
	if (!ind || (!in && in_len))
		return MAYDAY_E_INVALID;
	return decode_claims(in, in_len, 0, ind, diag);
}

enum mayday_err mayday_indication_sign(const struct mayday_indication *ind,
				       const struct mayday_signer *signer, uint8_t *out,
				       size_t out_cap, size_t *out_len)
{
	uint8_t claims[MAYDAY_INDICATION_MAX];
	struct mayday_signer s;
	size_t claims_len, id_len;
	enum mayday_err err;

	if (!ind || !signer)
		return MAYDAY_E_INVALID;
	err = mayday_indication_encode_claims(ind, claims, sizeof(claims), &claims_len);
	if (err)
		return err;
	s = *signer;
	id_len = strlen(ind->device_id);
	memcpy(s.kid, ind->device_id, id_len);
	s.kid_len = id_len;
	return mayday_cose_sign1_encode(&s, claims, claims_len, out, out_cap, out_len);
}

enum mayday_err mayday_indication_open(const uint8_t *in, size_t in_len,
				       struct mayday_cose_sign1 *msg,
				       struct mayday_indication *ind, struct mayday_diag *diag)
{
	enum mayday_err err;

	if (!msg || !ind || (!in && in_len))
		return MAYDAY_E_INVALID;
	memset(ind, 0, sizeof(*ind));
	err = mayday_cose_sign1_decode(in, in_len, MAYDAY_INDICATION_MAX, msg, diag);
	if (err)
		return err;
	err = decode_claims(msg->payload, msg->payload_len, (size_t)(msg->payload - in), ind,
			    diag);
	if (!err && (msg->kid_len != strlen(ind->device_id) ||
		     memcmp(msg->kid, ind->device_id, msg->kid_len) != 0)) {
		err = MAYDAY_E_MALFORMED;
		if (diag) {
			/* The unprotected header follows the protected one. */
			diag->offset = (size_t)(msg->protected_hdr - in) + msg->protected_len;
			diag->what = "kid is not the device ID";
		}
	}
	if (err) {
		memset(msg, 0, sizeof(*msg));
		memset(ind, 0, sizeof(*ind));
	}
	return err;
}

unsigned mayday_claims_version(uint32_t claims)
{
	switch (claims) {
	case MAYDAY_CLAIMS_MAYDAY1:
		return 1;
	case MAYDAY_CLAIMS_EAT:
		return 2;
	}
	return 0;
}

const char *mayday_claims_name(uint32_t claims)
{
	switch (claims) {
	case MAYDAY_CLAIMS_MAYDAY1:
		return "mayday1";
	case MAYDAY_CLAIMS_EAT:
		return "eat";
	}
	return "unknown";
}

const char *mayday_transport_name(uint32_t transport)
{
	switch (transport) {
	case MAYDAY_TRANSPORT_PLAIN_UDP:
		return "plain-udp";
	case MAYDAY_TRANSPORT_PLAIN_HTTP:
		return "plain-http";
	case MAYDAY_TRANSPORT_TLS:
		return "tls";
	case MAYDAY_TRANSPORT_IPSEC:
		return "ipsec";
	case MAYDAY_TRANSPORT_PSK:
		return "psk";
	}
	return "unknown";
}

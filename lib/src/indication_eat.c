/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Message version 2 (docs/protocol.md §6.2): the indication's claims as an
 * EAT claims set (RFC 9711, a CWT claims map, RFC 8392). Registered claims
 * carry what EAT has a place for — iat the device's time, cti the counter,
 * ueid the device, eat_profile this profile, swversion the DCF's version,
 * measurements the TrE's evidence — and private-use keys (below -65536,
 * RFC 8392 §9.1) the rest.
 *
 * The ueid is derived, not transmitted as-is: a device ID is printable
 * ASCII of any length up to 64 and fits none of RFC 9711's UEID types, so
 * the ueid is type RAND (0x01) over SHA-256 of the device ID, which §4.2.1
 * of the RFC allows ("concatenating enough identifiers ... through a
 * cryptographic hash function"). The device ID itself travels in a private
 * claim, because the receiver must find the enrolled key by it; a decoder
 * recomputes the ueid and rejects a map where the two disagree, so they can
 * never name two devices.
 *
 * The evidence is the version 1 evidence map byte for byte, wrapped in a
 * byte string inside the measurements claim, so the TrE's findings reach the
 * network unchanged whichever version the DCF sends.
 */
#include <string.h>

#include "evidence_map.h"
#include "indication_eat.h"
#include "mayday/keys.h"
#include "mayday/utf8.h"

/* Registered claim keys (IANA CWT Claims registry). */
enum {
	EAT_IAT = 6,
	EAT_CTI = 7,
	EAT_UEID = 256,
	EAT_PROFILE = 265,
	EAT_SWVERSION = 271,
	EAT_MEASUREMENTS = 273
};

/* Private-use keys, as n for the integer -1 - n: -65537 .. -65540. */
enum {
	EATP_DEVICE_ID = 65536,
	EATP_TRANSPORT = 65537,
	EATP_FREE_SPACE = 65538,
	EATP_MAX_IMAGE_SIZE = 65539
};

/* Bits of the keys seen, for the required-key check. */
enum {
	SEEN_IAT = 1u << 0,
	SEEN_CTI = 1u << 1,
	SEEN_UEID = 1u << 2,
	SEEN_PROFILE = 1u << 3,
	SEEN_SWVERSION = 1u << 4,
	SEEN_MEASUREMENTS = 1u << 5,
	SEEN_DEVICE_ID = 1u << 6,
	SEEN_TRANSPORT = 1u << 7,
	SEEN_FREE_SPACE = 1u << 8,
	SEEN_MAX_IMAGE_SIZE = 1u << 9,
	SEEN_ALL = (1u << 10) - 1
};

#define EAT_PAIRS 10
#define CTI_LEN 8                       /* the counter, big-endian */
#define UEID_RAND 0x01                  /* RFC 9711 §4.2.1, type RAND */
#define UEID_LEN (1 + MAYDAY_DIGEST_LEN)

static void ueid_of(const char *device_id, uint8_t ueid[UEID_LEN])
{
	ueid[0] = UEID_RAND;
	mayday_sha256(device_id, strlen(device_id), ueid + 1);
}

enum mayday_err indication_eat_put(struct cbor_det_writer *w, const struct mayday_indication *ind)
{
	uint8_t ev[MAYDAY_EVIDENCE_MAX];
	uint8_t ueid[UEID_LEN];
	uint8_t cti[CTI_LEN];
	struct cbor_det_writer evw;
	size_t ev_len;
	enum mayday_err err;

	cbor_det_writer_init(&evw, ev, sizeof(ev));
	err = evidence_put_map(&evw, &ind->evidence);
	if (err)
		return err;
	err = cbor_det_writer_done(&evw, &ev_len);
	if (err)
		return err;
	for (int i = 0; i < CTI_LEN; i++)
		cti[i] = (uint8_t)(ind->counter >> (8 * (CTI_LEN - 1 - i)));
	ueid_of(ind->device_id, ueid);

	cbor_det_put_map(w, EAT_PAIRS + (ind->ack_forms != 0));
	cbor_det_put_uint(w, EAT_IAT);
	cbor_det_put_uint(w, ind->time);
	cbor_det_put_uint(w, EAT_CTI);
	cbor_det_put_bstr(w, cti, sizeof(cti));
	cbor_det_put_uint(w, EAT_UEID);
	cbor_det_put_bstr(w, ueid, sizeof(ueid));
	cbor_det_put_uint(w, EAT_PROFILE);
	cbor_det_put_tstr(w, MAYDAY_EAT_PROFILE);
	cbor_det_put_uint(w, EAT_SWVERSION);
	cbor_det_put_array(w, 1);
	cbor_det_put_tstr(w, ind->dcf_version);
	cbor_det_put_uint(w, EAT_MEASUREMENTS);
	cbor_det_put_array(w, 1);
	cbor_det_put_array(w, 2);
	cbor_det_put_uint(w, MAYDAY_EAT_EVIDENCE_CF);
	cbor_det_put_bstr(w, ev, ev_len);
	cbor_det_put_nint(w, EATP_DEVICE_ID);
	cbor_det_put_tstr(w, ind->device_id);
	cbor_det_put_nint(w, EATP_TRANSPORT);
	cbor_det_put_uint(w, ind->transport);
	cbor_det_put_nint(w, EATP_FREE_SPACE);
	cbor_det_put_uint(w, ind->free_space);
	cbor_det_put_nint(w, EATP_MAX_IMAGE_SIZE);
	cbor_det_put_uint(w, ind->max_image_size);
	if (ind->ack_forms != 0) {
		cbor_det_put_nint(w, IND_ACK_FORMS_N);
		cbor_det_put_uint(w, ind->ack_forms);
	}
	return MAYDAY_OK;
}

static enum mayday_err get_cti(struct cbor_det_reader *r, uint64_t *counter)
{
	uint8_t cti[CTI_LEN];
	enum mayday_err err = cbor_det_get_bytes(r, cti, sizeof(cti));

	*counter = 0;
	for (int i = 0; !err && i < CTI_LEN; i++)
		*counter = *counter << 8 | cti[i];
	return err;
}

static enum mayday_err get_profile(struct cbor_det_reader *r)
{
	char profile[sizeof(MAYDAY_EAT_PROFILE)];
	size_t off = cbor_det_offset(r);
	struct cbor_det_reader look = *r;
	struct cbor_det_item it;
	enum mayday_err err;

	/* An OID (a byte string, RFC 9711 §4.3.2) names another profile too. */
	look.diag = NULL;
	if (cbor_det_next(&look, &it) == MAYDAY_OK && it.kind == CBOR_DET_BSTR)
		return cbor_det_fail(r, off, MAYDAY_E_UNSUPPORTED, "unsupported EAT profile");
	err = cbor_det_get_tstr(r, profile, 0, sizeof(profile) - 1);
	/* Another profile is another protocol, whatever its length. */
	if (err == MAYDAY_E_TOOBIG || (!err && strcmp(profile, MAYDAY_EAT_PROFILE) != 0))
		return cbor_det_fail(r, off, MAYDAY_E_UNSUPPORTED, "unsupported EAT profile");
	return err;
}

/* swversion = [version]: the one-element form, no version scheme. */
static enum mayday_err get_swversion(struct cbor_det_reader *r, char *out)
{
	size_t off = cbor_det_offset(r);
	uint64_t n;
	enum mayday_err err = cbor_det_get_array(r, &n, 1);

	if (!err && n != 1)
		err = cbor_det_fail(r, off, MAYDAY_E_MALFORMED, "swversion is not [version]");
	if (!err)
		err = cbor_det_get_tstr(r, out, 0, MAYDAY_VERSION_STR_MAX);
	return err;
}

/* measurements = [[MAYDAY_EAT_EVIDENCE_CF, bstr .cbor evidence]]. */
static enum mayday_err get_measurements(struct cbor_det_reader *r, struct mayday_evidence *ev)
{
	struct cbor_det_reader sub;
	const uint8_t *p;
	size_t len, off = cbor_det_offset(r);
	uint64_t n, cf;
	enum mayday_err err = cbor_det_get_array(r, &n, 1);

	if (!err && n != 1)
		err = cbor_det_fail(r, off, MAYDAY_E_MALFORMED, "measurements is not one entry");
	off = cbor_det_offset(r);
	if (!err)
		err = cbor_det_get_array(r, &n, 2);
	if (!err && n != 2)
		err = cbor_det_fail(r, off, MAYDAY_E_MALFORMED, "measurement is not a pair");
	off = cbor_det_offset(r);
	if (!err)
		err = cbor_det_get_uint(r, &cf);
	if (!err && cf != MAYDAY_EAT_EVIDENCE_CF)
		err = cbor_det_fail(r, off, MAYDAY_E_UNSUPPORTED, "unsupported measurement format");
	if (!err)
		err = cbor_det_get_bstr(r, &p, &len);
	if (err)
		return err;
	/* The byte string holds exactly one evidence map; offsets stay message offsets. */
	cbor_det_reader_init(&sub, p, len, r->base + (size_t)(p - r->buf), r->diag);
	err = evidence_get_map(&sub, ev);
	if (!err)
		err = cbor_det_end(&sub);
	return err;
}

static enum mayday_err get_device_id(struct cbor_det_reader *r, char *out)
{
	size_t at = cbor_det_offset(r);
	enum mayday_err err = cbor_det_get_tstr(r, out, 1, MAYDAY_DEVICE_ID_MAX);

	if (!err && !mayday_device_id_ok(out, strlen(out)))
		err = cbor_det_fail(r, at, MAYDAY_E_MALFORMED,
				    "device ID not printable ASCII without spaces");
	return err;
}

enum mayday_err indication_eat_get(struct cbor_det_reader *r, struct mayday_indication *ind)
{
	struct cbor_det_map m;
	uint8_t ueid[UEID_LEN], want[UEID_LEN];
	size_t ueid_off = 0;
	unsigned seen = 0, bit;
	uint64_t key;
	bool more, neg;
	enum mayday_err err;

	ind->claims = MAYDAY_CLAIMS_EAT;
	err = cbor_det_map_open(r, &m);
	while (!err) {
		err = cbor_det_map_next_any(r, &m, &more, &neg, &key);
		if (err || !more)
			break;
		bit = 0;
		if (neg) {
			switch (key) {
			case EATP_DEVICE_ID:
				bit = SEEN_DEVICE_ID;
				err = get_device_id(r, ind->device_id);
				break;
			case EATP_TRANSPORT:
				bit = SEEN_TRANSPORT;
				err = cbor_det_get_u32(r, &ind->transport);
				break;
			case EATP_FREE_SPACE:
				bit = SEEN_FREE_SPACE;
				err = cbor_det_get_uint(r, &ind->free_space);
				break;
			case EATP_MAX_IMAGE_SIZE:
				bit = SEEN_MAX_IMAGE_SIZE;
				err = cbor_det_get_uint(r, &ind->max_image_size);
				break;
			case IND_ACK_FORMS_N:
				err = indication_ack_forms_get(r, &ind->ack_forms);
				break;
			default: /* an extension: skipped, as in every claims map */
				err = cbor_det_skip(r, CBOR_DET_SKIP_DEPTH);
				break;
			}
		} else {
			switch (key) {
			case EAT_IAT:
				bit = SEEN_IAT;
				err = cbor_det_get_uint(r, &ind->time);
				break;
			case EAT_CTI:
				bit = SEEN_CTI;
				err = get_cti(r, &ind->counter);
				break;
			case EAT_UEID:
				bit = SEEN_UEID;
				ueid_off = cbor_det_offset(r);
				err = cbor_det_get_bytes(r, ueid, sizeof(ueid));
				break;
			case EAT_PROFILE:
				bit = SEEN_PROFILE;
				err = get_profile(r);
				break;
			case EAT_SWVERSION:
				bit = SEEN_SWVERSION;
				err = get_swversion(r, ind->dcf_version);
				break;
			case EAT_MEASUREMENTS:
				bit = SEEN_MEASUREMENTS;
				err = get_measurements(r, &ind->evidence);
				break;
			default:
				err = cbor_det_map_unknown(r, &m);
				break;
			}
		}
		seen |= bit;
	}
	/* The profile sorts before every claim whose meaning it defines but
	 * after iat, cti and ueid; a map without it is not this profile. */
	if (!err && !(seen & SEEN_PROFILE))
		err = cbor_det_fail(r, cbor_det_offset(r), MAYDAY_E_UNSUPPORTED,
				    "no eat_profile: not a mayday indication");
	if (!err && seen != SEEN_ALL)
		err = cbor_det_fail(r, cbor_det_offset(r), MAYDAY_E_MALFORMED,
				    "required key missing");
	if (!err) {
		ueid_of(ind->device_id, want);
		if (memcmp(ueid, want, sizeof(want)) != 0)
			err = cbor_det_fail(r, ueid_off, MAYDAY_E_MALFORMED,
					    "ueid is not the device ID's");
	}
	return err;
}

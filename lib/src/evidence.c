/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Evidence: the TrE's findings as a deterministic CBOR map (docs/protocol.md
 * §Evidence). The map codec here is the only one: the standalone evidence
 * handed to the DCF and the indication's evidence claim are the same bytes.
 *
 * Decoding writes into the caller's struct and wipes it on any error, so a
 * rejected input never leaves half-filled evidence behind.
 */
#include <string.h>

#include "evidence_map.h"
#include "mayday/manifest.h"
#include "mayday/utf8.h"

enum {
	EV_VERSION = 0,
	EV_REASON = 1,
	EV_IMAGE_VERSION = 2,
	EV_MANIFEST_ROLLBACK = 3,
	EV_SLOT = 4,
	EV_BOOT_ATTEMPTS = 5,
	EV_FAILED = 6,
	EV__COUNT,              /* the keys every evidence map has */
	EV_ATTACH = EV__COUNT   /* present exactly when the reason is ATTACH_FAILED */
};

enum {
	ATT_STAGE = 0,
	ATT_TRIES = 1,
	ATT_EPISODES = 2,
	ATT_LAST_ERROR = 3,
	ATT__COUNT
};

enum {
	COMP_NAME = 0,
	COMP_FLAGS = 1,
	COMP_EXPECTED_SIZE = 2,
	COMP_MEASURED_SIZE = 3,
	COMP_EXPECTED = 4,
	COMP_MEASURED = 5,
	COMP__COUNT
};

#define ALL_KEYS(n) ((UINT64_C(1) << (n)) - 1)

static bool evidence_valid(const struct mayday_evidence *ev)
{
	if (!utf8_field_ok(ev->image_version, 0, MAYDAY_VERSION_STR_MAX))
		return false;
	if (ev->slot > 1 || ev->n_failed > MAYDAY_MAX_COMPONENTS)
		return false;
	for (uint32_t i = 0; i < ev->n_failed; i++)
		if (!mayday_name_is_safe(ev->failed[i].name))
			return false;
	if (ev->reason == MAYDAY_REASON_ATTACH_FAILED)
		return utf8_field_ok(ev->attach.last_error, 0, MAYDAY_ATTACH_ERROR_MAX);
	return true;
}

static bool has_attach(const struct mayday_evidence *ev)
{
	return ev->reason == MAYDAY_REASON_ATTACH_FAILED;
}

enum mayday_err evidence_put_map(struct cbor_det_writer *w, const struct mayday_evidence *ev)
{
	if (!evidence_valid(ev))
		return MAYDAY_E_INVALID;
	cbor_det_put_map(w, has_attach(ev) ? EV__COUNT + 1 : EV__COUNT);
	cbor_det_put_uint(w, EV_VERSION);
	cbor_det_put_uint(w, MAYDAY_PROTOCOL_VERSION);
	cbor_det_put_uint(w, EV_REASON);
	cbor_det_put_uint(w, ev->reason);
	cbor_det_put_uint(w, EV_IMAGE_VERSION);
	cbor_det_put_tstr(w, ev->image_version);
	cbor_det_put_uint(w, EV_MANIFEST_ROLLBACK);
	cbor_det_put_uint(w, ev->manifest_rollback);
	cbor_det_put_uint(w, EV_SLOT);
	cbor_det_put_uint(w, ev->slot);
	cbor_det_put_uint(w, EV_BOOT_ATTEMPTS);
	cbor_det_put_uint(w, ev->boot_attempts);
	cbor_det_put_uint(w, EV_FAILED);
	cbor_det_put_array(w, ev->n_failed);
	for (uint32_t i = 0; i < ev->n_failed; i++) {
		const struct mayday_component_evidence *c = &ev->failed[i];

		cbor_det_put_map(w, COMP__COUNT);
		cbor_det_put_uint(w, COMP_NAME);
		cbor_det_put_tstr(w, c->name);
		cbor_det_put_uint(w, COMP_FLAGS);
		cbor_det_put_uint(w, c->flags);
		cbor_det_put_uint(w, COMP_EXPECTED_SIZE);
		cbor_det_put_uint(w, c->expected_size);
		cbor_det_put_uint(w, COMP_MEASURED_SIZE);
		cbor_det_put_uint(w, c->measured_size);
		cbor_det_put_uint(w, COMP_EXPECTED);
		cbor_det_put_bstr(w, c->expected, MAYDAY_DIGEST_LEN);
		cbor_det_put_uint(w, COMP_MEASURED);
		cbor_det_put_bstr(w, c->measured, MAYDAY_DIGEST_LEN);
	}
	if (has_attach(ev)) {
		cbor_det_put_uint(w, EV_ATTACH);
		cbor_det_put_map(w, ATT__COUNT);
		cbor_det_put_uint(w, ATT_STAGE);
		cbor_det_put_uint(w, ev->attach.stage);
		cbor_det_put_uint(w, ATT_TRIES);
		cbor_det_put_uint(w, ev->attach.tries);
		cbor_det_put_uint(w, ATT_EPISODES);
		cbor_det_put_uint(w, ev->attach.episodes);
		cbor_det_put_uint(w, ATT_LAST_ERROR);
		cbor_det_put_tstr(w, ev->attach.last_error);
	}
	return MAYDAY_OK;
}

static enum mayday_err get_attach(struct cbor_det_reader *r, struct mayday_attach_evidence *a)
{
	struct cbor_det_map m;
	uint64_t key;
	bool more;
	enum mayday_err err = cbor_det_map_open(r, &m);

	while (!err) {
		err = cbor_det_map_next(r, &m, &more, &key);
		if (err || !more)
			break;
		switch (key) {
		case ATT_STAGE:
			err = cbor_det_get_u32(r, &a->stage);
			break;
		case ATT_TRIES:
			err = cbor_det_get_u32(r, &a->tries);
			break;
		case ATT_EPISODES:
			err = cbor_det_get_u32(r, &a->episodes);
			break;
		case ATT_LAST_ERROR:
			err = cbor_det_get_tstr(r, a->last_error, 0, MAYDAY_ATTACH_ERROR_MAX);
			break;
		default:
			err = cbor_det_map_unknown(r, &m);
			break;
		}
	}
	if (!err)
		err = cbor_det_map_require(r, &m, ALL_KEYS(ATT__COUNT));
	return err;
}

static enum mayday_err get_component(struct cbor_det_reader *r,
				     struct mayday_component_evidence *c)
{
	struct cbor_det_map m;
	uint64_t key;
	bool more;
	size_t off;
	enum mayday_err err = cbor_det_map_open(r, &m);

	while (!err) {
		err = cbor_det_map_next(r, &m, &more, &key);
		if (err || !more)
			break;
		switch (key) {
		case COMP_NAME:
			off = cbor_det_offset(r);
			err = cbor_det_get_tstr(r, c->name, 1, MAYDAY_NAME_MAX);
			if (!err && !mayday_name_is_safe(c->name))
				err = cbor_det_fail(r, off, MAYDAY_E_MALFORMED, "unsafe component name");
			break;
		case COMP_FLAGS:
			err = cbor_det_get_u32(r, &c->flags);
			break;
		case COMP_EXPECTED_SIZE:
			err = cbor_det_get_uint(r, &c->expected_size);
			break;
		case COMP_MEASURED_SIZE:
			err = cbor_det_get_uint(r, &c->measured_size);
			break;
		case COMP_EXPECTED:
			err = cbor_det_get_bytes(r, c->expected, MAYDAY_DIGEST_LEN);
			break;
		case COMP_MEASURED:
			err = cbor_det_get_bytes(r, c->measured, MAYDAY_DIGEST_LEN);
			break;
		default:
			err = cbor_det_map_unknown(r, &m);
			break;
		}
	}
	if (!err)
		err = cbor_det_map_require(r, &m, ALL_KEYS(COMP__COUNT));
	return err;
}

static enum mayday_err get_failed(struct cbor_det_reader *r, struct mayday_evidence *ev)
{
	uint64_t n;
	enum mayday_err err = cbor_det_get_array(r, &n, MAYDAY_MAX_COMPONENTS);

	for (uint64_t i = 0; !err && i < n; i++)
		err = get_component(r, &ev->failed[i]);
	if (!err)
		ev->n_failed = (uint32_t)n;
	return err;
}

enum mayday_err evidence_get_map(struct cbor_det_reader *r, struct mayday_evidence *ev)
{
	struct cbor_det_map m;
	uint64_t key, v;
	bool more;
	size_t off;
	enum mayday_err err;

	memset(ev, 0, sizeof(*ev));
	err = cbor_det_map_open(r, &m);
	while (!err) {
		err = cbor_det_map_next(r, &m, &more, &key);
		if (err || !more)
			break;
		switch (key) {
		case EV_VERSION:
			err = cbor_det_get_version(r);
			break;
		case EV_REASON:
			err = cbor_det_get_u32(r, &ev->reason);
			break;
		case EV_IMAGE_VERSION:
			err = cbor_det_get_tstr(r, ev->image_version, 0, MAYDAY_VERSION_STR_MAX);
			break;
		case EV_MANIFEST_ROLLBACK:
			err = cbor_det_get_uint(r, &ev->manifest_rollback);
			break;
		case EV_SLOT:
			off = cbor_det_offset(r);
			err = cbor_det_get_uint(r, &v);
			if (!err && v > 1)
				err = cbor_det_fail(r, off, MAYDAY_E_MALFORMED, "slot is not 0 or 1");
			if (!err)
				ev->slot = (uint8_t)v;
			break;
		case EV_BOOT_ATTEMPTS:
			err = cbor_det_get_u32(r, &ev->boot_attempts);
			break;
		case EV_FAILED:
			err = get_failed(r, ev);
			break;
		case EV_ATTACH:
			/* Keys arrive sorted, so the reason (key 1) is known. */
			off = cbor_det_offset(r);
			if (!has_attach(ev))
				err = cbor_det_fail(r, off, MAYDAY_E_MALFORMED,
						    "attach detail without reason attach-failed");
			else
				err = get_attach(r, &ev->attach);
			break;
		default:
			err = cbor_det_map_unknown(r, &m);
			break;
		}
	}
	if (!err)
		err = cbor_det_map_require(r, &m, ALL_KEYS(EV__COUNT));
	if (!err && has_attach(ev))
		err = cbor_det_map_require(r, &m, UINT64_C(1) << EV_ATTACH);
	if (err)
		memset(ev, 0, sizeof(*ev));
	return err;
}

enum mayday_err mayday_evidence_encode(const struct mayday_evidence *ev, uint8_t *out,
				       size_t out_cap, size_t *out_len)
{
	struct cbor_det_writer w;
	enum mayday_err err;

	if (!ev || !out_len)
		return MAYDAY_E_INVALID;
	cbor_det_writer_init(&w, out, out_cap);
	err = evidence_put_map(&w, ev);
	if (err)
		return err;
	return cbor_det_writer_done(&w, out_len);
}

enum mayday_err mayday_evidence_decode(const uint8_t *in, size_t in_len,
				       struct mayday_evidence *ev, struct mayday_diag *diag)
{
	struct cbor_det_reader r;
	enum mayday_err err;

	if (!ev || (!in && in_len))
		return MAYDAY_E_INVALID;
	memset(ev, 0, sizeof(*ev));
	cbor_det_reader_init(&r, in, in_len, 0, diag);
	if (in_len > MAYDAY_EVIDENCE_MAX)
		return cbor_det_fail(&r, MAYDAY_EVIDENCE_MAX, MAYDAY_E_TOOBIG,
				     "evidence larger than its limit");
	err = evidence_get_map(&r, ev);
	if (!err)
		err = cbor_det_end(&r);
	if (err)
		memset(ev, 0, sizeof(*ev));
	return err;
}

const char *mayday_reason_name(uint32_t reason)
{
	switch (reason) {
	case MAYDAY_REASON_COMPONENT_MISMATCH:
		return "component-mismatch";
	case MAYDAY_REASON_COMPONENT_MISSING:
		return "component-missing";
	case MAYDAY_REASON_MANIFEST_INVALID:
		return "manifest-invalid";
	case MAYDAY_REASON_ROLLBACK:
		return "rollback";
	case MAYDAY_REASON_NO_BOOTABLE_SLOT:
		return "no-bootable-slot";
	case MAYDAY_REASON_NORMAL_START_FAILED:
		return "normal-start-failed";
	case MAYDAY_REASON_ATTACH_FAILED:
		return "attach-failed";
	}
	return "unknown";
}

const char *mayday_attach_stage_name(uint32_t stage)
{
	switch (stage) {
	case MAYDAY_ATTACH_SEGW_UNREACHABLE:
		return "segw-unreachable";
	case MAYDAY_ATTACH_AUTH_REFUSED:
		return "auth-refused";
	case MAYDAY_ATTACH_CRASH_LOOP:
		return "crash-loop";
	}
	return "unknown";
}

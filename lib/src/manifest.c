/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Signed manifests (docs/protocol.md §Manifest): the TRV manifest of a slot
 * and the DCF partition's manifest, one claims map told apart by `kind`.
 *
 * Beyond the wire rules, a decoded manifest is always usable as is: at
 * least one TRV, every name a safe single path component, no name twice,
 * and the entry program among the TRVs. The encoder refuses the same
 * things, so the vendor tooling cannot sign a manifest devices reject.
 */
#include <string.h>

#include "cbor_det.h"
#include "cose_sign1.h"
#include "mayday/build_record.h"
#include "mayday/manifest.h"
#include "mayday/utf8.h"

enum {
	MAN_VERSION = 0,
	MAN_KIND = 1,
	MAN_PRODUCT_CLASS = 2,
	MAN_IMAGE_VERSION = 3,
	MAN_ROLLBACK = 4,
	MAN_ENTRY = 5,
	MAN_TRVS = 6,
	MAN__COUNT,               /* the required keys: 0..6 */
	MAN_BUILD_COMMIT = 7,     /* optional, both: the entry program's build record */
	MAN_BUILD_TOOLCHAIN = 8
};

enum {
	TRV_NAME = 0,
	TRV_SIZE = 1,
	TRV_DIGEST = 2,
	TRV_DESIGNATED = 3,
	TRV__COUNT
};

#define ALL_KEYS(n) ((UINT64_C(1) << (n)) - 1)

static bool kind_known(uint32_t kind)
{
	return kind == MAYDAY_MANIFEST_IMAGE || kind == MAYDAY_MANIFEST_DCF;
}

/* Index of the first TRV before `n` named `name`, or -1. */
static int find_before(const struct mayday_manifest *m, uint32_t n, const char *name)
{
	for (uint32_t i = 0; i < n; i++)
		if (strcmp(m->trv[i].name, name) == 0)
			return (int)i;
	return -1;
}

static bool manifest_valid(const struct mayday_manifest *m)
{
	if (!kind_known(m->kind) || m->n_trv < 1 || m->n_trv > MAYDAY_MANIFEST_FILES_MAX)
		return false;
	if (!utf8_field_ok(m->product_class, 0, MAYDAY_CLASS_MAX) ||
	    !utf8_field_ok(m->image_version, 0, MAYDAY_VERSION_STR_MAX) ||
	    !mayday_name_is_safe(m->entry))
		return false;
	if ((m->build_commit[0] && !mayday_build_commit_ok(m->build_commit)) ||
	    (m->build_toolchain[0] && !mayday_build_toolchain_ok(m->build_toolchain)))
		return false;
	for (uint32_t i = 0; i < m->n_trv; i++)
		if (!mayday_name_is_safe(m->trv[i].name) || find_before(m, i, m->trv[i].name) >= 0)
			return false;
	return find_before(m, m->n_trv, m->entry) >= 0;
}

enum mayday_err mayday_manifest_encode_claims(const struct mayday_manifest *m, uint8_t *out,
					      size_t out_cap, size_t *out_len)
{
	struct cbor_det_writer w;

	if (!m || !out_len)
		return MAYDAY_E_INVALID;
	if (!manifest_valid(m))
		return MAYDAY_E_INVALID;
	cbor_det_writer_init(&w, out, out_cap);
	cbor_det_put_map(&w, MAN__COUNT + (m->build_commit[0] != '\0') +
				      (m->build_toolchain[0] != '\0'));
	cbor_det_put_uint(&w, MAN_VERSION);
	cbor_det_put_uint(&w, MAYDAY_PROTOCOL_VERSION);
	cbor_det_put_uint(&w, MAN_KIND);
	cbor_det_put_uint(&w, m->kind);
	cbor_det_put_uint(&w, MAN_PRODUCT_CLASS);
	cbor_det_put_tstr(&w, m->product_class);
	cbor_det_put_uint(&w, MAN_IMAGE_VERSION);
	cbor_det_put_tstr(&w, m->image_version);
	cbor_det_put_uint(&w, MAN_ROLLBACK);
	cbor_det_put_uint(&w, m->rollback);
	cbor_det_put_uint(&w, MAN_ENTRY);
	cbor_det_put_tstr(&w, m->entry);
	cbor_det_put_uint(&w, MAN_TRVS);
	cbor_det_put_array(&w, m->n_trv);
	for (uint32_t i = 0; i < m->n_trv; i++) {
		const struct mayday_trv *t = &m->trv[i];

		cbor_det_put_map(&w, TRV__COUNT);
		cbor_det_put_uint(&w, TRV_NAME);
		cbor_det_put_tstr(&w, t->name);
		cbor_det_put_uint(&w, TRV_SIZE);
		cbor_det_put_uint(&w, t->size);
		cbor_det_put_uint(&w, TRV_DIGEST);
		cbor_det_put_bstr(&w, t->digest, MAYDAY_DIGEST_LEN);
		cbor_det_put_uint(&w, TRV_DESIGNATED);
		cbor_det_put_bool(&w, t->designated);
	}
	if (m->build_commit[0]) {
		cbor_det_put_uint(&w, MAN_BUILD_COMMIT);
		cbor_det_put_tstr(&w, m->build_commit);
	}
	if (m->build_toolchain[0]) {
		cbor_det_put_uint(&w, MAN_BUILD_TOOLCHAIN);
		cbor_det_put_tstr(&w, m->build_toolchain);
	}
	return cbor_det_writer_done(&w, out_len);
}

/* A safe component name. */
static enum mayday_err get_name(struct cbor_det_reader *r, char *out)
{
	size_t off = cbor_det_offset(r);
	enum mayday_err err = cbor_det_get_tstr(r, out, 1, MAYDAY_NAME_MAX);

	if (!err && !mayday_name_is_safe(out))
		err = cbor_det_fail(r, off, MAYDAY_E_MALFORMED, "unsafe component name");
	return err;
}

static enum mayday_err get_trv(struct cbor_det_reader *r, struct mayday_trv *t)
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
		case TRV_NAME:
			err = get_name(r, t->name);
			break;
		case TRV_SIZE:
			err = cbor_det_get_uint(r, &t->size);
			break;
		case TRV_DIGEST:
			err = cbor_det_get_bytes(r, t->digest, MAYDAY_DIGEST_LEN);
			break;
		case TRV_DESIGNATED:
			err = cbor_det_get_bool(r, &t->designated);
			break;
		default:
			err = cbor_det_map_unknown(r, &m);
			break;
		}
	}
	if (!err)
		err = cbor_det_map_require(r, &m, ALL_KEYS(TRV__COUNT));
	return err;
}

static enum mayday_err get_trvs(struct cbor_det_reader *r, struct mayday_manifest *man)
{
	size_t off = cbor_det_offset(r);
	uint64_t n;
	enum mayday_err err = cbor_det_get_array(r, &n, MAYDAY_MANIFEST_FILES_MAX);

	if (!err && n == 0)
		err = cbor_det_fail(r, off, MAYDAY_E_MALFORMED, "manifest lists no component");
	for (uint64_t i = 0; !err && i < n; i++) {
		off = cbor_det_offset(r);
		err = get_trv(r, &man->trv[i]);
		if (!err && find_before(man, (uint32_t)i, man->trv[i].name) >= 0)
			err = cbor_det_fail(r, off, MAYDAY_E_MALFORMED, "component listed twice");
	}
	if (!err)
		man->n_trv = (uint32_t)n;
	return err;
}

static enum mayday_err decode_claims(const uint8_t *in, size_t in_len, size_t base,
				     struct mayday_manifest *man, struct mayday_diag *diag)
{
	struct cbor_det_reader r;
	struct cbor_det_map m;
	uint64_t key;
	bool more;
	size_t off, entry_off = 0;
	enum mayday_err err;

	memset(man, 0, sizeof(*man));
	cbor_det_reader_init(&r, in, in_len, base, diag);
	if (in_len > MAYDAY_MANIFEST_MAX)
		return cbor_det_fail(&r, base + MAYDAY_MANIFEST_MAX, MAYDAY_E_TOOBIG,
				     "claims larger than their limit");
	err = cbor_det_map_open(&r, &m);
	while (!err) {
		err = cbor_det_map_next(&r, &m, &more, &key);
		if (err || !more)
			break;
		off = cbor_det_offset(&r);
		switch (key) {
		case MAN_VERSION:
			err = cbor_det_get_version(&r);
			break;
		case MAN_KIND:
			err = cbor_det_get_u32(&r, &man->kind);
			if (!err && !kind_known(man->kind))
				err = cbor_det_fail(&r, off, MAYDAY_E_UNSUPPORTED,
						    "unknown manifest kind");
			break;
		case MAN_PRODUCT_CLASS:
			err = cbor_det_get_tstr(&r, man->product_class, 0, MAYDAY_CLASS_MAX);
			break;
		case MAN_IMAGE_VERSION:
			err = cbor_det_get_tstr(&r, man->image_version, 0, MAYDAY_VERSION_STR_MAX);
			break;
		case MAN_ROLLBACK:
			err = cbor_det_get_uint(&r, &man->rollback);
			break;
		case MAN_ENTRY:
			entry_off = off;
			err = get_name(&r, man->entry);
			break;
		case MAN_TRVS:
			err = get_trvs(&r, man);
			break;
		case MAN_BUILD_COMMIT:
			err = cbor_det_get_tstr(&r, man->build_commit, 1, MAYDAY_BUILD_COMMIT_MAX);
			if (!err && !mayday_build_commit_ok(man->build_commit))
				err = cbor_det_fail(&r, off, MAYDAY_E_MALFORMED,
						    "build commit: not [0-9a-z-]");
			break;
		case MAN_BUILD_TOOLCHAIN:
			err = cbor_det_get_tstr(&r, man->build_toolchain, 1,
						MAYDAY_BUILD_TOOLCHAIN_MAX);
			if (!err && !mayday_build_toolchain_ok(man->build_toolchain))
				err = cbor_det_fail(&r, off, MAYDAY_E_MALFORMED,
						    "build toolchain: not printable ASCII");
			break;
		default:
			err = cbor_det_map_unknown(&r, &m);
			break;
		}
	}
	if (!err)
		err = cbor_det_map_require(&r, &m, ALL_KEYS(MAN__COUNT));
	if (!err && find_before(man, man->n_trv, man->entry) < 0)
		err = cbor_det_fail(&r, entry_off, MAYDAY_E_MALFORMED, "entry is not listed");
	if (!err)
		err = cbor_det_end(&r);
	if (err)
		memset(man, 0, sizeof(*man));
	return err;
}

enum mayday_err mayday_manifest_decode_claims(const uint8_t *in, size_t in_len,
					      struct mayday_manifest *m, struct mayday_diag *diag)
{
	if (!m || (!in && in_len))
		return MAYDAY_E_INVALID;
	return decode_claims(in, in_len, 0, m, diag);
}

enum mayday_err mayday_manifest_sign(const struct mayday_manifest *m,
				     const struct mayday_signer *vendor, uint8_t *out,
				     size_t out_cap, size_t *out_len)
{
	uint8_t claims[MAYDAY_MANIFEST_MAX];
	size_t claims_len;
	enum mayday_err err;

	if (!m || !vendor)
		return MAYDAY_E_INVALID;
	err = mayday_manifest_encode_claims(m, claims, sizeof(claims), &claims_len);
	if (err)
		return err;
	return mayday_cose_sign1_encode(vendor, claims, claims_len, out, out_cap, out_len);
}

enum mayday_err mayday_manifest_verify(const uint8_t *in, size_t in_len, EVP_PKEY *vendor_pub,
				       struct mayday_manifest *m, struct mayday_diag *diag)
{
	struct mayday_cose_sign1 msg;
	enum mayday_err err;

	if (!m || (!in && in_len))
		return MAYDAY_E_INVALID;
	memset(m, 0, sizeof(*m));
	err = cose_sign1_open_verified(in, in_len, MAYDAY_MANIFEST_MAX, vendor_pub, &msg, diag);
	if (err)
		return err;
	return decode_claims(msg.payload, msg.payload_len, (size_t)(msg.payload - in), m, diag);
}

const struct mayday_trv *mayday_manifest_find(const struct mayday_manifest *m, const char *name)
{
	if (!m || !name || m->n_trv > MAYDAY_MANIFEST_FILES_MAX)
		return NULL;
	for (uint32_t i = 0; i < m->n_trv; i++)
		if (strncmp(m->trv[i].name, name, MAYDAY_NAME_MAX + 1) == 0)
			return &m->trv[i];
	return NULL;
}

enum mayday_err mayday_image_manifest_check(const struct mayday_manifest *m, const char **why)
{
	const struct mayday_trv *entry;
	const char *dummy;

	if (!why)
		why = &dummy;
	if (!m || m->kind != MAYDAY_MANIFEST_IMAGE) {
		*why = "not an image manifest";
		return MAYDAY_E_INVALID;
	}
	entry = mayday_manifest_find(m, m->entry);
	if (!entry || !entry->designated) {
		*why = "the entry is not a designated component";
		return MAYDAY_E_INVALID;
	}
	for (uint32_t i = 0; i < m->n_trv; i++)
		if (strcmp(m->trv[i].name, MAYDAY_MANIFEST_FILE) == 0 ||
		    strncmp(m->trv[i].name, MAYDAY_TMP_PREFIX, strlen(MAYDAY_TMP_PREFIX)) == 0) {
			*why = "a component name is reserved (manifest.cose, .tmp-*)";
			return MAYDAY_E_INVALID;
		}
	*why = NULL;
	return MAYDAY_OK;
}

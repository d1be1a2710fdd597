/* SPDX-License-Identifier: Apache-2.0 */
/*
 * POST /v1/devices (operator): enrols a device, from either body
 *
 *   {"device_id", "product_class", "public_key_pem"}       (no PSK), or
 *   an enrolment record (docs/protocol.md §14), parsed by tools/enrolment's
 *   enrol_rec_parse -- the same strict parser maydayctl and mayday-provision
 *   use -- with its PSK sealed under maydayd's KEK ([server] psk_kek) or in
 *   clear.
 *
 * Everything is checked before the store is written: the key (P-256), the
 * record, that its PSK opens, and that its kid belongs to no other device,
 * so a refused enrolment leaves nothing behind. 201 for a new device, 200
 * for one already enrolled: with the same key and class nothing changes and
 * nothing is recorded (idempotent); a new key or class re-enrols it (and a
 * new key lifts a revocation). The key is compared in its canonical PEM.
 */
#include <stdio.h>
#include <string.h>
#include <openssl/crypto.h>

#include "api_write.h"
#include "enrol_rec.h"
#include "mayday/kek.h"
#include "mayday/keys.h"
#include "store_api.h"
#include "store_ingest.h"
#include "store_query.h"

/* The canonical PEM of a public key given as PEM; false if it is none. */
static bool canonical_pem(const char *in, char *pem, size_t cap)
{
	EVP_PKEY *k = NULL;
	size_t len = 0;
	bool ok = mayday_key_public_from_pem((const uint8_t *)in, strlen(in), &k) == MAYDAY_OK &&
		  mayday_key_public_to_pem(k, pem, cap, &len) == MAYDAY_OK;
	EVP_PKEY_free(k);
	return ok;
}

static void kid_hex(const struct enrol_rec *r, char *out)
{
	for (size_t i = 0; i < r->psk_kid_len; i++)
		snprintf(out + 2 * i, 3, "%02x", r->psk_kid[i]);
}

/* The record's PSK opened (psk) and the store given the KEK; 503 without
 * a KEK, 422 when the PSK does not open or its kid is another device's. */
static bool open_psk(struct api_ctx *ctx, const struct enrol_rec *r,
		     uint8_t psk[MAYDAY_PSK_LEN], struct api_response *rs, enum mayday_err *err)
{
	uint8_t kek[MAYDAY_KEK_LEN];
	struct store_psk other;
	const char *kek_path = ctx->cfg != NULL ? ctx->cfg->psk_kek : NULL;
	if (kek_path == NULL || kek_path[0] == '\0') {
		*err = api_error(rs, 503, API_E_UNAVAILABLE, "the record carries a PSK and this "
				 "maydayd has no [server] psk_kek to keep it sealed with");
		return false;
	}
	enum mayday_err e = mayday_kek_load(kek_path, kek);
	if (e == MAYDAY_OK)
		e = enrol_rec_get_psk(r, kek, psk);
	OPENSSL_cleanse(kek, sizeof(kek));
	if (e == MAYDAY_E_SIGNATURE) {
		*err = api_error(rs, 422, API_E_INVALID, "the record's PSK does not open under this "
				 "maydayd's KEK (sealed under another, or moved or altered)");
		return false;
	}
	if (e == MAYDAY_OK)
		e = store_psk_kek(ctx->st, kek_path);
	if (e != MAYDAY_OK) {
		*err = api_error(rs, 503, API_E_UNAVAILABLE, "the PSK key-encryption key: %s",
				 mayday_strerror(e));
		return false;
	}
	memset(&other, 0, sizeof(other));
	e = store_psk_get(ctx->st, r->psk_kid, r->psk_kid_len, &other);
	bool taken = e == MAYDAY_OK && strcmp(other.device_id, r->device_id) != 0;
	store_psk_wipe(&other);
	if (e != MAYDAY_OK && e != MAYDAY_E_NOTFOUND) {
		*err = api_store_error(rs, e, "checking the psk kid");
		return false;
	}
	if (taken) {
		*err = api_error(rs, 409, API_E_CONFLICT, "the record's psk kid belongs to another "
				 "device: provision this one again");
		return false;
	}
	return true;
}

/* Enrols (device, class, canonical pem) and, when given, the PSK; answers. */
static enum mayday_err enrol(struct api_ctx *ctx, const struct api_request *rq,
			     const struct enrol_rec *r, const char *pem, const uint8_t *psk,
			     struct api_response *rs)
{
	struct store_device_row before;
	enum store_enrol_result res = 0;
	char kid[2 * MAYDAY_PSK_KID_MAX + 1] = "";
	bool had = store_get_device(ctx->st, r->device_id, &before) == MAYDAY_OK;
	enum mayday_err err = store_device_enrol_by(ctx->st, r->device_id, r->product_class, pem,
						    rq->who->name, rq->now, &res);
	if (err == MAYDAY_E_INVALID)
		return api_error(rs, 400, API_E_BAD_REQUEST, "device_id and product_class: 1..%u "
				 "printable characters without spaces", MAYDAY_DEVICE_ID_MAX);
	if (err == MAYDAY_E_KEY)
		return api_error(rs, 400, API_E_BAD_REQUEST, "not a P-256 public key");
	if (err != MAYDAY_OK)
		return api_store_error(rs, err, "enrolling");
	if (psk != NULL) {
		kid_hex(r, kid);
		err = store_enrol_psk(ctx->st, r->device_id, r->psk_kid, r->psk_kid_len, psk,
				      MAYDAY_PSK_LEN);
		if (err == MAYDAY_OK && ctx->cfg->psk_enrolled != NULL)
			ctx->cfg->psk_enrolled(ctx->cfg->psk_enrolled_arg, r->psk_kid,
					       r->psk_kid_len);
		if (err == MAYDAY_OK && (!had || strcmp(before.psk_kid_hex, kid) != 0))
			err = api_write_action(ctx, rq, "device.psk", r->device_id, kid);
		if (err == MAYDAY_E_MISMATCH)   /* taken since open_psk looked */
			return api_error(rs, 409, API_E_CONFLICT, "the record's psk kid belongs to "
					 "another device");
		if (err != MAYDAY_OK)
			return api_store_error(rs, err, "enrolling the PSK");
	}
	if (res == STORE_ENROL_NEW) {
		/* the ID is printable without spaces: no encoding needed but '%' and '?' */
		if (strpbrk(r->device_id, "%?#") == NULL)
			snprintf(rs->location, sizeof(rs->location), "/v1/devices/%s", r->device_id);
	}
	return api_write_device(ctx, r->device_id, res == STORE_ENROL_NEW ? 201 : 200, rs);
}

enum mayday_err api_enrol_post(struct api_ctx *ctx, const struct api_request *rq,
			       const struct api_params *p, struct api_response *rs)
{
	static const char *const known[] = {"device_id", "product_class", "public_key_pem", NULL};
	char pem[STORE_PEM_MAX + 1], why[160] = "";
	uint8_t psk[MAYDAY_PSK_LEN];
	const char *id = NULL, *klass = NULL, *key = NULL;
	struct enrol_rec r;
	json_t *body = NULL;
	size_t len = 0;
	enum mayday_err err = MAYDAY_OK;
	(void)p;
	memset(&r, 0, sizeof(r));
	if (!api_write_body(rq, false, &body, rs, &err))
		return err;
	if (json_object_get(body, "public_key_pem") != NULL) {
		if (!api_write_known(body, known, rs, &err) ||
		    !api_write_str(body, "device_id", MAYDAY_DEVICE_ID_MAX, true, &id, rs, &err) ||
		    !api_write_str(body, "product_class", MAYDAY_CLASS_MAX, true, &klass, rs, &err) ||
		    !api_write_str(body, "public_key_pem", STORE_PEM_MAX, true, &key, rs, &err))
			goto out;
		if (!canonical_pem(key, pem, sizeof(pem))) {
			err = api_error(rs, 400, API_E_BAD_REQUEST,
					"\"public_key_pem\": not a P-256 public key in PEM");
			goto out;
		}
		snprintf(r.device_id, sizeof(r.device_id), "%s", id);
		snprintf(r.product_class, sizeof(r.product_class), "%s", klass);
		err = enrol(ctx, rq, &r, pem, NULL, rs);
		goto out;
	}
	/* an enrolment record, read by its own strict parser from the bytes */
	err = enrol_rec_parse((const char *)rq->body, rq->body_len, &r, why, sizeof(why));
	if (err == MAYDAY_E_TOOBIG) {
		err = api_error(rs, 413, API_E_TOO_LARGE, "an enrolment record is at most %u bytes",
				ENROL_REC_MAX);
		goto out;
	}
	if (err != MAYDAY_OK) {
		err = api_error(rs, 400, API_E_BAD_REQUEST, "neither {device_id, product_class, "
				"public_key_pem} nor an enrolment record: %s", why);
		goto out;
	}
	if (r.psk_form != ENROL_PSK_NONE && !open_psk(ctx, &r, psk, rs, &err))
		goto out;
	if ((err = enrol_rec_key_pem(&r, pem, sizeof(pem), &len)) != MAYDAY_OK) {
		err = api_error(rs, 400, API_E_BAD_REQUEST, "the record's distress key: %s",
				mayday_strerror(err));
		goto out;
	}
	err = enrol(ctx, rq, &r, pem, r.psk_form != ENROL_PSK_NONE ? psk : NULL, rs);
out:
	OPENSSL_cleanse(psk, sizeof(psk));
	enrol_rec_wipe(&r);
	json_decref(body);
	return err;
}

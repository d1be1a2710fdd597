/* SPDX-License-Identifier: Apache-2.0 */
/*
 * GET /v1/devices/{device}/record (admin): the device's enrolment record
 * (docs/protocol.md §14), what `maydayctl export` wrote, as the answer's
 * raw application/json bytes, formatted by tools/enrolment's
 * enrol_rec_format so it reads back with POST /v1/devices or `maydayctl
 * enrol --from` anywhere. Query psk=omit (the default: no PSK in the
 * record), sealed (sealed under this maydayd's KEK: for an H(e)MS that
 * shares it) or plaintext (in clear: for one that does not; a secret).
 * A revoked device's record is exported too (its key is what it was); the
 * revocation does not travel with it. Exports with a PSK are recorded.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>

#include "api_page.h"
#include "api_write.h"
#include "enrol_rec.h"
#include "mayday/kek.h"
#include "mayday/keys.h"
#include "store_api.h"
#include "store_ingest.h"
#include "store_query.h"

static bool unhex(const char *s, uint8_t *out, size_t *len)
{
	size_t n = strlen(s);
	if (n % 2 != 0 || n / 2 > MAYDAY_PSK_KID_MAX || n == 0)
		return false;
	for (size_t i = 0; i < n / 2; i++) {
		unsigned v;
		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			return false;
		out[i] = (uint8_t)v;
	}
	*len = n / 2;
	return true;
}

/* The device's PSK into the record, sealed under the KEK or in clear. */
static enum mayday_err add_psk(struct api_ctx *ctx, const struct store_device_row *dev,
			       bool plaintext, struct enrol_rec *r)
{
	uint8_t kid[MAYDAY_PSK_KID_MAX], kek[MAYDAY_KEK_LEN];
	size_t kid_len = 0;
	struct store_psk p;
	enum mayday_err err;
	memset(&p, 0, sizeof(p));
	if (!unhex(dev->psk_kid_hex, kid, &kid_len))
		return MAYDAY_E_MALFORMED;
	err = store_psk_kek(ctx->st, ctx->cfg->psk_kek);
	if (err == MAYDAY_OK)
		err = store_psk_get(ctx->st, kid, kid_len, &p);
	if (err == MAYDAY_OK && strcmp(p.device_id, dev->id) != 0)
		err = MAYDAY_E_MISMATCH;
	if (err == MAYDAY_OK && !plaintext)
		err = mayday_kek_load(ctx->cfg->psk_kek, kek);
	if (err == MAYDAY_OK)
		err = enrol_rec_put_psk(r, kid, kid_len, p.psk, plaintext ? NULL : kek);
	OPENSSL_cleanse(kek, sizeof(kek));
	store_psk_wipe(&p);
	return err;
}

enum mayday_err api_record_get(struct api_ctx *ctx, const struct api_request *rq,
			       const struct api_params *p, struct api_response *rs)
{
	static const char *const allowed[] = {"psk", NULL};
	struct store_device_row dev;
	struct enrol_rec r;
	char pem[STORE_PEM_MAX + 1], by[STORE_WHO_MAX + 1], mode[16] = "omit";
	char *text = NULL;
	size_t len = 0;
	int64_t revoked_at = 0;
	EVP_PKEY *key = NULL;
	enum mayday_err err = MAYDAY_OK;
	memset(&r, 0, sizeof(r));
	if (!api_query_check(rq->query, allowed, rs, &err))
		return err;
	if (api_query_find(rq->query, "psk", mode, sizeof(mode)) < 0 ||
	    (strcmp(mode, "omit") != 0 && strcmp(mode, "sealed") != 0 &&
	     strcmp(mode, "plaintext") != 0))
		return api_error(rs, 400, API_E_BAD_REQUEST, "psk: omit, sealed or plaintext");
	bool with_psk = strcmp(mode, "omit") != 0, plaintext = strcmp(mode, "plaintext") == 0;
	if (with_psk && (ctx->cfg == NULL || ctx->cfg->psk_kek == NULL || !ctx->cfg->psk_kek[0]))
		return api_error(rs, 503, API_E_UNAVAILABLE, "no [server] psk_kek: a PSK cannot be "
				 "exported");
	err = store_get_device(ctx->st, p->v[0], &dev);
	if (err == MAYDAY_OK)
		err = store_device_pubkey(ctx->st, p->v[0], pem, sizeof(pem), &len, &revoked_at, by);
	if (err == MAYDAY_E_NOTFOUND || err == MAYDAY_E_INVALID)
		return api_error(rs, 404, API_E_NOT_FOUND, "no enrolled device '%s'", p->v[0]);
	if (err != MAYDAY_OK)
		return api_store_error(rs, err, "exporting");
	snprintf(r.device_id, sizeof(r.device_id), "%s", dev.id);
	snprintf(r.product_class, sizeof(r.product_class), "%s", dev.product_class);
	err = mayday_key_public_from_pem((const uint8_t *)pem, len, &key);
	if (err == MAYDAY_OK)
		err = enrol_rec_set_key(&r, key);
	EVP_PKEY_free(key);
	if (err != MAYDAY_OK) {
		err = api_error(rs, 500, API_E_INTERNAL, "the key enrolled is unusable: %s",
				mayday_strerror(err));
		goto out;
	}
	if (with_psk && dev.psk_kid_hex[0] != '\0' &&
	    (err = add_psk(ctx, &dev, plaintext, &r)) != MAYDAY_OK) {
		err = api_error(rs, 503, API_E_UNAVAILABLE, "the PSK of %s does not open with this "
				"maydayd's KEK: %s", dev.id, mayday_strerror(err));
		goto out;
	}
	if ((err = enrol_rec_format(&r, &text, &len)) != MAYDAY_OK) {
		err = api_error(rs, 500, API_E_INTERNAL, "formatting the record: %s",
				mayday_strerror(err));
		goto out;
	}
	if (r.psk_form != ENROL_PSK_NONE &&
	    (err = api_write_action(ctx, rq, "device.export", dev.id,
				    plaintext ? "psk=plaintext" : "psk=sealed")) != MAYDAY_OK) {
		OPENSSL_clear_free(text, len + 1);
		err = api_store_error(rs, err, "recording the export");
		goto out;
	}
	rs->status = 200;
	rs->raw = text;
	rs->raw_len = len;
	rs->raw_type = "application/json";
out:
	enrol_rec_wipe(&r);
	return err;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * COSE header pieces shared by COSE_Sign1 and COSE_Encrypt0 (RFC 9052 §3):
 * the protected header of our profiles is exactly {1: alg}, so one strict
 * parser serves both, told which algorithm to require.
 */
#include <stdbool.h>

#include "cose_hdr.h"

/* Reads the next header label of a map: in deterministic order after the
 * previous one (*prev and *prev_len track it; start them at NULL and 0), and never
 * crit (MAYDAY_E_CRITICAL). */
enum mayday_err cose_hdr_next_label(struct cbor_det_reader *r, const uint8_t **prev,
				    size_t *prev_len, struct cbor_det_item *key)
{
	size_t start = r->pos;
	enum mayday_err err = cbor_det_next(r, key);

	if (err)
		return err;
	err = cbor_det_key_order(r, key->off, *prev, *prev_len, r->buf + start, r->pos - start);
	if (err)
		return err;
	*prev = r->buf + start;
	*prev_len = r->pos - start;
	if (key->kind == CBOR_DET_UINT && key->val == COSE_HDR_CRIT)
		return cbor_det_fail(r, key->off, MAYDAY_E_CRITICAL, "crit header present");
	return MAYDAY_OK;
}

enum mayday_err cose_hdr_parse_protected(const uint8_t *p, size_t len, size_t base,
					 struct mayday_diag *diag, const struct cose_hdr_alg *alg)
{
	struct cbor_det_reader r;
	struct cbor_det_item map, key, it;
	const uint8_t *prev = NULL;
	size_t prev_len = 0;
	bool have_alg = false;
	enum mayday_err err;

	cbor_det_reader_init(&r, p, len, base, diag);
	if (len == 0)
		return cbor_det_fail(&r, base, MAYDAY_E_UNSUPPORTED, "no algorithm in protected header");
	err = cbor_det_next(&r, &map);
	if (err)
		return err;
	if (map.kind != CBOR_DET_MAP)
		return cbor_det_fail(&r, map.off, MAYDAY_E_MALFORMED, "protected header is not a map");
	for (uint64_t i = 0; i < map.val; i++) {
		err = cose_hdr_next_label(&r, &prev, &prev_len, &key);
		if (err)
			return err;
		if (key.kind != CBOR_DET_UINT || key.val != COSE_HDR_ALG)
			return cbor_det_fail(&r, key.off, MAYDAY_E_UNSUPPORTED,
					     "protected header label not in profile");
		err = cbor_det_next(&r, &it);
		if (err)
			return err;
		if (it.kind != alg->kind || it.val != alg->val)
			return cbor_det_fail(&r, it.off, MAYDAY_E_UNSUPPORTED, alg->wrong);
		have_alg = true;
	}
	if (!have_alg)
		return cbor_det_fail(&r, base, MAYDAY_E_UNSUPPORTED, "no algorithm in protected header");
	return cbor_det_end(&r);
}

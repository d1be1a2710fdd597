/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The tpm2 backend's layout record (rot_tpm2_layout.h): pure code, no TSS,
 * so its fuzz target links it alone.
 */
#include "rot_tpm2_layout.h"

#include <string.h>

#define MAGIC "MDYT"

static void put64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

static uint64_t get64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static int valid(const struct rot_tpm2_layout *l)
{
	return l->pcr >= ROT_TPM2_PCR_MIN && l->pcr <= ROT_TPM2_PCR_MAX &&
	       (l->flags & ~(ROT_TPM2_FLAG_PSK | ROT_TPM2_FLAG_SEAL | ROT_TPM2_FLAG_CREDS)) == 0 &&
	       (!(l->flags & ROT_TPM2_FLAG_CREDS) || (l->flags & ROT_TPM2_FLAG_SEAL)) &&
	       ((l->flags & ROT_TPM2_FLAG_PSK)
			? l->psk_kid_len >= MAYDAY_PSK_KID_MIN && l->psk_kid_len <= MAYDAY_PSK_KID_MAX
			: l->psk_kid_len == 0) &&
	       l->spki_len >= 1 && l->spki_len <= ROT_TPM2_SPKI_MAX;
}

enum mayday_err rot_tpm2_layout_encode(const struct rot_tpm2_layout *in, uint8_t *out,
				       size_t cap, size_t *out_len)
{
	size_t len;

	if (!valid(in))
		return MAYDAY_E_INVALID;
	len = ROT_TPM2_LAYOUT_FIXED + in->spki_len;
	if (cap < len)
		return MAYDAY_E_TOOBIG;
	memset(out, 0, ROT_TPM2_LAYOUT_FIXED);
	memcpy(out, MAGIC, 4);
	out[4] = 0;
	out[5] = ROT_TPM2_LAYOUT_VERSION;
	out[6] = (uint8_t)in->pcr;
	out[7] = (uint8_t)in->flags;
	put64(out + 8, in->base[HAL_ROT_COUNTER_MESSAGE]);
	put64(out + 16, in->base[HAL_ROT_COUNTER_ROLLBACK]);
	out[24] = (uint8_t)in->psk_kid_len;
	memcpy(out + 25, in->psk_kid, in->psk_kid_len);
	out[41] = (uint8_t)(in->spki_len >> 8);
	out[42] = (uint8_t)in->spki_len;
	memcpy(out + ROT_TPM2_LAYOUT_FIXED, in->spki, in->spki_len);
	*out_len = len;
	return MAYDAY_OK;
}

enum mayday_err rot_tpm2_layout_decode(const uint8_t *rec, size_t len,
				       struct rot_tpm2_layout *out)
{
	struct rot_tpm2_layout l;

	if (len < 6 || memcmp(rec, MAGIC, 4) != 0)
		return MAYDAY_E_MALFORMED;
	if (((unsigned)rec[4] << 8 | rec[5]) != ROT_TPM2_LAYOUT_VERSION)
		return MAYDAY_E_UNSUPPORTED;
	if (len < ROT_TPM2_LAYOUT_FIXED)
		return MAYDAY_E_MALFORMED;
	memset(&l, 0, sizeof(l));
	l.pcr = rec[6];
	l.flags = rec[7];
	l.base[HAL_ROT_COUNTER_MESSAGE] = get64(rec + 8);
	l.base[HAL_ROT_COUNTER_ROLLBACK] = get64(rec + 16);
	l.psk_kid_len = rec[24];
	l.spki_len = (size_t)rec[41] << 8 | rec[42];
	if (l.psk_kid_len > MAYDAY_PSK_KID_MAX || l.spki_len > ROT_TPM2_SPKI_MAX ||
	    len != ROT_TPM2_LAYOUT_FIXED + l.spki_len || !valid(&l))
		return MAYDAY_E_MALFORMED;
	/* the kid's padding is zero: one encoding per record */
	for (size_t i = l.psk_kid_len; i < MAYDAY_PSK_KID_MAX; i++)
		if (rec[25 + i] != 0)
			return MAYDAY_E_MALFORMED;
	memcpy(l.psk_kid, rec + 25, l.psk_kid_len);
	memcpy(l.spki, rec + ROT_TPM2_LAYOUT_FIXED, l.spki_len);
	*out = l;
	return MAYDAY_OK;
}

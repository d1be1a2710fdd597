/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The attempt-state record (dcf_attempt.h): a fixed 32-byte layout with a
 * truncated SHA-256 as its check, so a record damaged on the medium is
 * told from a good one; power-safety comes from hal_flash_write_atomic.
 */
#include "dcf_attempt.h"

#include <string.h>

#include "mayday/byteorder.h"
#include "mayday/keys.h"

static const uint8_t magic[4] = { 'M', 'D', 'Y', 'A' };

enum { VERSION = 1, CHECKED = 28 };

void dcf_attempt_encode(const struct dcf_attempt *a, uint8_t out[DCF_ATTEMPT_LEN])
{
	uint8_t d[MAYDAY_DIGEST_LEN];

	memset(out, 0, DCF_ATTEMPT_LEN);
	memcpy(out, magic, sizeof(magic));
	out[4] = VERSION;
	out[5] = a->method;
	mayday_put_be(out + 8, a->step, 4);
	mayday_put_be(out + 12, a->counter, 8);
	mayday_put_be(out + 20, a->not_before_s, 8);
	mayday_sha256(out, CHECKED, d);
	memcpy(out + CHECKED, d, 4);
}

enum mayday_err dcf_attempt_decode(const uint8_t *in, size_t len, struct dcf_attempt *a)
{
	uint8_t d[MAYDAY_DIGEST_LEN];

	memset(a, 0, sizeof(*a));
	if (len != DCF_ATTEMPT_LEN || memcmp(in, magic, sizeof(magic)) != 0)
		return MAYDAY_E_MALFORMED;
	mayday_sha256(in, CHECKED, d);
	if (memcmp(in + CHECKED, d, 4) != 0)
		return MAYDAY_E_MALFORMED;
	if (in[4] != VERSION)
		return MAYDAY_E_UNSUPPORTED;
	if (in[6] != 0 || in[7] != 0)
		return MAYDAY_E_MALFORMED;
	a->method = in[5];
	a->step = (uint32_t)mayday_get_be(in + 8, 4);
	if (a->step > DCF_ATTEMPT_STEP_MAX)
		a->step = DCF_ATTEMPT_STEP_MAX;
	a->counter = mayday_get_be(in + 12, 8);
	a->not_before_s = mayday_get_be(in + 20, 8);
	return MAYDAY_OK;
}

enum mayday_err dcf_attempt_load(struct hal_flash *f, struct dcf_attempt *a)
{
	uint8_t buf[DCF_ATTEMPT_LEN + 1];
	size_t len = 0;
	enum mayday_err err;

	memset(a, 0, sizeof(*a));
	err = hal_flash_read(f, HAL_PART_STATE, DCF_ATTEMPT_NAME, buf, sizeof(buf), &len);
	if (err == MAYDAY_E_TOOBIG)
		return MAYDAY_E_MALFORMED;
	if (err != MAYDAY_OK)
		return err;
	return dcf_attempt_decode(buf, len, a);
}

enum mayday_err dcf_attempt_save(struct hal_flash *f, const struct dcf_attempt *a)
{
	uint8_t buf[DCF_ATTEMPT_LEN];

	dcf_attempt_encode(a, buf);
	return hal_flash_write_atomic(f, HAL_PART_STATE, DCF_ATTEMPT_NAME, buf, sizeof(buf));
}

enum mayday_err dcf_attempt_clear(struct hal_flash *f)
{
	enum mayday_err err = hal_flash_remove(f, HAL_PART_STATE, DCF_ATTEMPT_NAME);

	return err == MAYDAY_E_NOTFOUND ? MAYDAY_OK : err;
}

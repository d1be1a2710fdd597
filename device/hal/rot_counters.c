/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The file RoT's counters record (layout in rot_counters.h). The check (a
 * truncated SHA-256) catches a damaged record; it is compared before the
 * version so that a flipped bit reads as damage (MAYDAY_E_MALFORMED), never
 * as a format this code does not know.
 */
#include <string.h>

#include "mayday/byteorder.h"
#include "mayday/keys.h"
#include "rot_counters.h"

#define CTR_MAGIC        "MDYC"
#define CTR_OFF_VERSION  4
#define CTR_OFF_RESERVED 6
#define CTR_OFF_COUNTERS 8
#define CTR_OFF_CHECK    (CTR_OFF_COUNTERS + 8 * HAL_ROT_COUNTER__COUNT)
#define CTR_CHECK_LEN    8
_Static_assert(CTR_OFF_CHECK + CTR_CHECK_LEN == ROT_COUNTERS_RECORD_LEN,
	       "counters record layout is pinned at 32 bytes");
_Static_assert(sizeof(CTR_MAGIC) - 1 == CTR_OFF_VERSION, "magic fills bytes 0..3");

void rot_counters_encode(const uint64_t value[HAL_ROT_COUNTER__COUNT],
			 uint8_t rec[ROT_COUNTERS_RECORD_LEN])
{
	uint8_t digest[MAYDAY_DIGEST_LEN];

	memcpy(rec, CTR_MAGIC, CTR_OFF_VERSION);
	mayday_put_be(rec + CTR_OFF_VERSION, ROT_COUNTERS_VERSION, 2);
	mayday_put_be(rec + CTR_OFF_RESERVED, 0, 2);
	for (unsigned i = 0; i < HAL_ROT_COUNTER__COUNT; i++)
		mayday_put_be(rec + CTR_OFF_COUNTERS + 8 * i, value[i], 8);
	mayday_sha256(rec, CTR_OFF_CHECK, digest);
	memcpy(rec + CTR_OFF_CHECK, digest, CTR_CHECK_LEN);
}

enum mayday_err rot_counters_decode(const uint8_t *rec, size_t len,
				    uint64_t value[HAL_ROT_COUNTER__COUNT])
{
	uint8_t digest[MAYDAY_DIGEST_LEN];

	if (len != ROT_COUNTERS_RECORD_LEN || memcmp(rec, CTR_MAGIC, CTR_OFF_VERSION) != 0)
		return MAYDAY_E_MALFORMED;
	mayday_sha256(rec, CTR_OFF_CHECK, digest);
	if (!mayday_ct_equal(digest, rec + CTR_OFF_CHECK, CTR_CHECK_LEN))
		return MAYDAY_E_MALFORMED;
	if (mayday_get_be(rec + CTR_OFF_VERSION, 2) != ROT_COUNTERS_VERSION)
		return MAYDAY_E_UNSUPPORTED;
	if (mayday_get_be(rec + CTR_OFF_RESERVED, 2) != 0)
		return MAYDAY_E_MALFORMED;
	for (unsigned i = 0; i < HAL_ROT_COUNTER__COUNT; i++)
		value[i] = mayday_get_be(rec + CTR_OFF_COUNTERS + 8 * i, 8);
	return MAYDAY_OK;
}

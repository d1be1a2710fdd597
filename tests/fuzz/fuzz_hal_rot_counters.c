/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The file RoT's counters record decoder (device/hal/rot_counters.c).
 * Two inputs per run: the bytes as they are, which must decode only if they
 * re-encode to themselves; and the first 24 bytes sealed with a correct
 * check, so the fuzzer reaches the version and reserved fields behind the
 * SHA-256 (it could never guess a check itself). The sealed record's result
 * is predicted from the documented layout, independently of the decoder.
 */
#include <stdlib.h>
#include <string.h>

#include "mayday/keys.h"
#include "rot_counters.h"

#define BODY_LEN 24 /* everything the check covers */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint64_t sentinel[HAL_ROT_COUNTER__COUNT] = { 0x5a5a5a5a5a5a5a5aull, 0xa5a5ull };

static enum mayday_err decode(const uint8_t *rec, size_t len, uint64_t v[HAL_ROT_COUNTER__COUNT])
{
	enum mayday_err err;

	memcpy(v, sentinel, sizeof(sentinel));
	err = rot_counters_decode(rec, len, v);
	if (err != MAYDAY_OK && memcmp(v, sentinel, sizeof(sentinel)) != 0)
		abort(); /* partial state on error */
	if (err != MAYDAY_OK && err != MAYDAY_E_MALFORMED && err != MAYDAY_E_UNSUPPORTED)
		abort();
	return err;
}

/* Accepted means: one encoding per value, and it is this one. */
static void check_accepted(const uint8_t *rec, size_t len, const uint64_t v[HAL_ROT_COUNTER__COUNT])
{
	uint8_t again[ROT_COUNTERS_RECORD_LEN];

	rot_counters_encode(v, again);
	if (len != sizeof(again) || memcmp(again, rec, len) != 0)
		abort();
}

static uint64_t be(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t sealed[ROT_COUNTERS_RECORD_LEN], digest[MAYDAY_DIGEST_LEN];
	uint64_t v[HAL_ROT_COUNTER__COUNT];
	enum mayday_err expect, err;

	if (decode(data, size, v) == MAYDAY_OK)
		check_accepted(data, size, v);

	if (size < BODY_LEN)
		return 0;
	memcpy(sealed, data, BODY_LEN);
	mayday_sha256(sealed, BODY_LEN, digest);
	memcpy(sealed + BODY_LEN, digest, sizeof(sealed) - BODY_LEN);
	if (memcmp(sealed, "MDYC", 4) != 0)
		expect = MAYDAY_E_MALFORMED;
	else if (be(sealed + 4, 2) != ROT_COUNTERS_VERSION)
		expect = MAYDAY_E_UNSUPPORTED;
	else if (be(sealed + 6, 2) != 0)
		expect = MAYDAY_E_MALFORMED;
	else
		expect = MAYDAY_OK;
	err = decode(sealed, sizeof(sealed), v);
	if (err != expect)
		abort();
	if (err == MAYDAY_OK) {
		check_accepted(sealed, sizeof(sealed), v);
		if (v[HAL_ROT_COUNTER_MESSAGE] != be(sealed + 8, 8) ||
		    v[HAL_ROT_COUNTER_ROLLBACK] != be(sealed + 16, 8))
			abort();
	}
	return 0;
}

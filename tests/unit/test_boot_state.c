/* SPDX-License-Identifier: Apache-2.0 */
/* Boot state record: encoding, the decoder's rejections, load/store. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "boot_fixture.h"
#include "boot_state.h"
#include "mayday/keys.h"

static void encode_ok(const struct boot_state *st, uint8_t rec[BOOT_STATE_RECORD_LEN])
{
	assert_int_equal(boot_state_encode(st, rec), MAYDAY_OK);
}

/* Recompute the check value after a field was changed on purpose, so the
 * decoder's field checks (not only the check value) are exercised. */
static void reseal(uint8_t rec[BOOT_STATE_RECORD_LEN])
{
	uint8_t d[MAYDAY_DIGEST_LEN];

	mayday_sha256(rec, 12, d);
	memcpy(rec + 12, d, 4);
}

static void expect_reject(const uint8_t *rec, size_t len, enum mayday_err want, size_t offset)
{
	struct boot_state st = { 7, 7, 7, 7 };
	struct mayday_diag diag = { 999, NULL };

	assert_int_equal(boot_state_decode(rec, len, &st, &diag), want);
	assert_int_equal(diag.offset, offset);
	assert_non_null(diag.what);
	/* Nothing is returned from a rejected record. */
	assert_int_equal(st.active, 7);
	assert_int_equal(st.attempts, 7);
}

static void test_layout_is_pinned(void **state)
{
	struct boot_state st = { BOOT_SLOT_B, BOOT_SLOT_A, 3, 0x01020304 };
	uint8_t rec[BOOT_STATE_RECORD_LEN];
	uint8_t d[MAYDAY_DIGEST_LEN];

	(void)state;
	encode_ok(&st, rec);
	assert_memory_equal(rec, "MDBS", 4);
	assert_int_equal(rec[4], BOOT_STATE_FORMAT);
	assert_int_equal(rec[5], 1);
	assert_int_equal(rec[6], 0);
	assert_int_equal(rec[7], 3);
	/* attempts big-endian */
	assert_int_equal(rec[8], 1);
	assert_int_equal(rec[9], 2);
	assert_int_equal(rec[10], 3);
	assert_int_equal(rec[11], 4);
	mayday_sha256(rec, 12, d);
	assert_memory_equal(rec + 12, d, 4);
}

static void test_roundtrip(void **state)
{
	static const struct boot_state cases[] = {
		{ BOOT_SLOT_A, BOOT_SLOT_NONE, 0, 0 },
		{ BOOT_SLOT_B, BOOT_SLOT_NONE, 0, 17 },
		{ BOOT_SLOT_A, BOOT_SLOT_B, 0, 3 },
		{ BOOT_SLOT_A, BOOT_SLOT_B, BOOT_STATE_TRIES_MAX, UINT32_MAX },
		{ BOOT_SLOT_B, BOOT_SLOT_A, 1, 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		uint8_t rec[BOOT_STATE_RECORD_LEN];
		struct boot_state out;
		struct mayday_diag diag = { 0, NULL };

		encode_ok(&cases[i], rec);
		assert_int_equal(boot_state_decode(rec, sizeof rec, &out, &diag), MAYDAY_OK);
		assert_int_equal(out.active, cases[i].active);
		assert_int_equal(out.pending, cases[i].pending);
		assert_int_equal(out.tries_left, cases[i].tries_left);
		assert_int_equal(out.attempts, cases[i].attempts);
	}
}

static void test_encode_refuses_invalid_state(void **state)
{
	static const struct boot_state bad[] = {
		{ 2, BOOT_SLOT_NONE, 0, 0 },                    /* active out of range */
		{ BOOT_SLOT_A, BOOT_SLOT_A, 1, 0 },             /* pending == active */
		{ BOOT_SLOT_A, 5, 1, 0 },                       /* pending out of range */
		{ BOOT_SLOT_A, BOOT_SLOT_NONE, 1, 0 },          /* tries without pending */
		{ BOOT_SLOT_A, BOOT_SLOT_B, BOOT_STATE_TRIES_MAX + 1, 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		uint8_t rec[BOOT_STATE_RECORD_LEN];

		assert_int_equal(boot_state_encode(&bad[i], rec), MAYDAY_E_INVALID);
	}
}

static void test_decode_rejects_malformed(void **state)
{
	struct boot_state good = { BOOT_SLOT_A, BOOT_SLOT_B, 2, 5 };
	uint8_t rec[BOOT_STATE_RECORD_LEN + 1];
	uint8_t bad[BOOT_STATE_RECORD_LEN];

	(void)state;
	encode_ok(&good, rec);
	rec[BOOT_STATE_RECORD_LEN] = 0;

	expect_reject(rec, 0, MAYDAY_E_MALFORMED, 0);
	expect_reject(rec, BOOT_STATE_RECORD_LEN - 1, MAYDAY_E_MALFORMED, BOOT_STATE_RECORD_LEN - 1);
	expect_reject(rec, BOOT_STATE_RECORD_LEN + 1, MAYDAY_E_MALFORMED, BOOT_STATE_RECORD_LEN);

	memcpy(bad, rec, sizeof bad);
	bad[0] = 'X';
	expect_reject(bad, sizeof bad, MAYDAY_E_MALFORMED, 0);

	memcpy(bad, rec, sizeof bad);
	bad[4] = 2;
	reseal(bad);
	expect_reject(bad, sizeof bad, MAYDAY_E_UNSUPPORTED, 4);

	/* Any single bit flip in the body or the check value is caught. */
	for (size_t bit = 5 * 8; bit < BOOT_STATE_RECORD_LEN * 8; bit++) {
		memcpy(bad, rec, sizeof bad);
		bad[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		expect_reject(bad, sizeof bad, MAYDAY_E_MALFORMED, 12);
	}

	memcpy(bad, rec, sizeof bad);
	bad[5] = 2;
	reseal(bad);
	expect_reject(bad, sizeof bad, MAYDAY_E_MALFORMED, 5);

	memcpy(bad, rec, sizeof bad);
	bad[6] = 7;
	reseal(bad);
	expect_reject(bad, sizeof bad, MAYDAY_E_MALFORMED, 6);

	memcpy(bad, rec, sizeof bad);
	bad[6] = BOOT_SLOT_A; /* == active */
	reseal(bad);
	expect_reject(bad, sizeof bad, MAYDAY_E_MALFORMED, 6);

	memcpy(bad, rec, sizeof bad);
	bad[7] = BOOT_STATE_TRIES_MAX + 1;
	reseal(bad);
	expect_reject(bad, sizeof bad, MAYDAY_E_MALFORMED, 7);

	memcpy(bad, rec, sizeof bad);
	bad[6] = BOOT_SLOT_NONE;
	bad[7] = 1; /* tries without a pending slot */
	reseal(bad);
	expect_reject(bad, sizeof bad, MAYDAY_E_MALFORMED, 7);
}

static void test_load_missing_is_fresh(void **state)
{
	struct fx *fx = *state;
	struct boot_state st = { 9, 9, 9, 9 };
	bool found = true;

	assert_int_equal(boot_state_load(fx->flash, &st, &found, NULL), MAYDAY_OK);
	assert_false(found);
	assert_int_equal(st.active, BOOT_SLOT_A);
	assert_int_equal(st.pending, BOOT_SLOT_NONE);
	assert_int_equal(st.tries_left, 0);
	assert_int_equal(st.attempts, 0);
}

static void test_store_then_load(void **state)
{
	struct fx *fx = *state;
	struct boot_state st;

	fx_state_set(fx, BOOT_SLOT_B, BOOT_SLOT_A, 4, 2);
	fx_reopen(fx, NULL);
	fx_state_get(fx, &st);
	assert_int_equal(st.active, BOOT_SLOT_B);
	assert_int_equal(st.pending, BOOT_SLOT_A);
	assert_int_equal(st.tries_left, 4);
	assert_int_equal(st.attempts, 2);
}

static void test_load_rejects_damaged_and_overlong(void **state)
{
	struct fx *fx = *state;
	struct boot_state good = { BOOT_SLOT_A, BOOT_SLOT_NONE, 0, 0 }, st;
	uint8_t rec[BOOT_STATE_RECORD_LEN + 4] = { 0 };
	struct mayday_diag diag = { 0, NULL };

	encode_ok(&good, rec);
	fx_write(fx, HAL_PART_STATE, BOOT_STATE_NAME, rec, sizeof rec);
	assert_int_equal(boot_state_load(fx->flash, &st, NULL, &diag), MAYDAY_E_MALFORMED);
	assert_int_equal(diag.offset, BOOT_STATE_RECORD_LEN);

	rec[9] ^= 0x40;
	fx_write(fx, HAL_PART_STATE, BOOT_STATE_NAME, rec, BOOT_STATE_RECORD_LEN);
	assert_int_equal(boot_state_load(fx->flash, &st, NULL, &diag), MAYDAY_E_MALFORMED);
	assert_int_equal(diag.offset, 12);

	fx_write(fx, HAL_PART_STATE, BOOT_STATE_NAME, "", 0);
	assert_int_equal(boot_state_load(fx->flash, &st, NULL, &diag), MAYDAY_E_MALFORMED);
}

static void test_mark_pending(void **state)
{
	struct fx *fx = *state;
	struct boot_state st;

	assert_int_equal(boot_state_mark_pending(fx->flash, BOOT_SLOT_A, 3), MAYDAY_E_INVALID);
	assert_int_equal(boot_state_mark_pending(fx->flash, BOOT_SLOT_B, 0), MAYDAY_E_INVALID);
	assert_int_equal(boot_state_mark_pending(fx->flash, BOOT_SLOT_B, BOOT_STATE_TRIES_MAX + 1),
			 MAYDAY_E_INVALID);
	assert_int_equal(boot_state_mark_pending(fx->flash, 2, 1), MAYDAY_E_INVALID);
	assert_int_equal(boot_state_mark_pending(fx->flash, BOOT_SLOT_B, 3), MAYDAY_OK);
	fx_state_get(fx, &st);
	assert_int_equal(st.active, BOOT_SLOT_A);
	assert_int_equal(st.pending, BOOT_SLOT_B);
	assert_int_equal(st.tries_left, 3);
	assert_int_equal(st.attempts, 0);

	/* A damaged record is not silently replaced. */
	fx_write(fx, HAL_PART_STATE, BOOT_STATE_NAME, "garbage", 7);
	assert_int_equal(boot_state_mark_pending(fx->flash, BOOT_SLOT_B, 3), MAYDAY_E_MALFORMED);
}

static void test_slot_names(void **state)
{
	uint8_t s = 9;

	(void)state;
	assert_int_equal(boot_state_parse_slot("a", &s), MAYDAY_OK);
	assert_int_equal(s, BOOT_SLOT_A);
	assert_int_equal(boot_state_parse_slot("B", &s), MAYDAY_OK);
	assert_int_equal(s, BOOT_SLOT_B);
	assert_int_equal(boot_state_parse_slot("c", &s), MAYDAY_E_INVALID);
	assert_int_equal(boot_state_parse_slot("", &s), MAYDAY_E_INVALID);
	assert_int_equal(boot_state_parse_slot("ab", &s), MAYDAY_E_INVALID);
	assert_string_equal(boot_state_slot_name(BOOT_SLOT_A), "a");
	assert_string_equal(boot_state_slot_name(BOOT_SLOT_B), "b");
	assert_string_equal(boot_state_slot_name(BOOT_SLOT_NONE), "none");
	assert_string_equal(boot_state_slot_part(BOOT_SLOT_B), HAL_PART_SLOT_B);
	assert_null(boot_state_slot_part(BOOT_SLOT_NONE));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout_is_pinned),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_encode_refuses_invalid_state),
		cmocka_unit_test(test_decode_rejects_malformed),
		cmocka_unit_test_setup_teardown(test_load_missing_is_fresh, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_store_then_load, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_load_rejects_damaged_and_overlong, fx_setup,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_mark_pending, fx_setup, fx_teardown),
		cmocka_unit_test(test_slot_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The tpm2 backend's layout record (device/hal/rot_tpm2_layout.h), no TPM
 * needed: the documented layout byte for byte, a round trip, and every
 * field out of range refused on encode and on decode.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "rot_tpm2_layout.h"

static struct rot_tpm2_layout sample(void)
{
	struct rot_tpm2_layout l;

	memset(&l, 0, sizeof(l));
	l.pcr = 15;
	l.flags = ROT_TPM2_FLAG_PSK | ROT_TPM2_FLAG_SEAL;
	l.base[HAL_ROT_COUNTER_MESSAGE] = 0x0102030405060708ull;
	l.base[HAL_ROT_COUNTER_ROLLBACK] = 0x1112131415161718ull;
	l.psk_kid_len = 8;
	memset(l.psk_kid, 0xab, 8);
	l.spki_len = 91;
	memset(l.spki, 0x30, 91);
	return l;
}

static void layout_bytes(void **state)
{
	struct rot_tpm2_layout l = sample(), back;
	uint8_t rec[ROT_TPM2_LAYOUT_MAX];
	size_t len = 0;

	(void)state;
	assert_int_equal(rot_tpm2_layout_encode(&l, rec, sizeof(rec), &len), MAYDAY_OK);
	assert_int_equal(len, 43 + 91);
	assert_memory_equal(rec, "MDYT\x00\x02\x0f\x03", 8);
	assert_memory_equal(rec + 8, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
	assert_memory_equal(rec + 16, "\x11\x12\x13\x14\x15\x16\x17\x18", 8);
	assert_int_equal(rec[24], 8);
	assert_int_equal(rec[25 + 8], 0); /* padding */
	assert_memory_equal(rec + 41, "\x00\x5b", 2);
	assert_int_equal(rot_tpm2_layout_decode(rec, len, &back), MAYDAY_OK);
	assert_int_equal(back.pcr, 15);
	assert_int_equal(back.flags, 3);
	assert_true(back.base[0] == l.base[0] && back.base[1] == l.base[1]);
	assert_int_equal(back.psk_kid_len, 8);
	assert_memory_equal(back.psk_kid, l.psk_kid, 8);
	assert_int_equal(back.spki_len, 91);
	assert_memory_equal(back.spki, l.spki, 91);
}

static enum mayday_err decode_changed(size_t at, uint8_t v, size_t len_delta)
{
	struct rot_tpm2_layout l = sample(), out;
	uint8_t rec[ROT_TPM2_LAYOUT_MAX + 1];
	size_t len = 0;

	assert_int_equal(rot_tpm2_layout_encode(&l, rec, sizeof(rec), &len), MAYDAY_OK);
	if (at < len)
		rec[at] = v;
	return rot_tpm2_layout_decode(rec, len + len_delta, &out);
}

static void layout_hostile(void **state)
{
	struct rot_tpm2_layout l = sample(), out;
	uint8_t rec[ROT_TPM2_LAYOUT_MAX];
	size_t len;

	(void)state;
	assert_int_equal(decode_changed(0, 'X', 0), MAYDAY_E_MALFORMED);   /* magic */
	assert_int_equal(decode_changed(5, 1, 0), MAYDAY_E_UNSUPPORTED);   /* version 1 */
	assert_int_equal(decode_changed(5, 3, 0), MAYDAY_E_UNSUPPORTED);   /* a later one */
	assert_int_equal(decode_changed(6, 7, 0), MAYDAY_E_MALFORMED);     /* PCR 7 */
	assert_int_equal(decode_changed(6, 16, 0), MAYDAY_E_MALFORMED);    /* PCR 16 */
	assert_int_equal(decode_changed(7, 8, 0), MAYDAY_E_MALFORMED);     /* unknown flag */
	assert_int_equal(decode_changed(24, 7, 0), MAYDAY_E_MALFORMED);    /* kid too short */
	assert_int_equal(decode_changed(24, 17, 0), MAYDAY_E_MALFORMED);   /* kid too long */
	assert_int_equal(decode_changed(40, 1, 0), MAYDAY_E_MALFORMED);    /* padding */
	assert_int_equal(decode_changed(42, 92, 0), MAYDAY_E_MALFORMED);   /* SPKI length */
	assert_int_equal(decode_changed(41, 1, 0), MAYDAY_E_MALFORMED);    /* SPKI > max */
	assert_int_equal(decode_changed(999, 0, 1), MAYDAY_E_MALFORMED);   /* trailing byte */
	assert_int_equal(decode_changed(999, 0, (size_t)-1), MAYDAY_E_MALFORMED); /* short */
	for (size_t n = 0; n < 43; n++)
		assert_int_not_equal(rot_tpm2_layout_decode((const uint8_t *)"MDYT\0\2", n < 6 ? n : 6,
							    &out), MAYDAY_OK);
	/* without a PSK the kid must be empty, and the reverse */
	l.flags = ROT_TPM2_FLAG_SEAL;
	assert_int_equal(rot_tpm2_layout_encode(&l, rec, sizeof(rec), &len), MAYDAY_E_INVALID);
	l.psk_kid_len = 0;
	assert_int_equal(rot_tpm2_layout_encode(&l, rec, sizeof(rec), &len), MAYDAY_OK);
	assert_int_equal(rot_tpm2_layout_decode(rec, len, &out), MAYDAY_OK);
	l.spki_len = 0;
	assert_int_equal(rot_tpm2_layout_encode(&l, rec, sizeof(rec), &len), MAYDAY_E_INVALID);
	l = sample();
	assert_int_equal(rot_tpm2_layout_encode(&l, rec, 43 + 90, &len), MAYDAY_E_TOOBIG);
	/* the credentials' key: its certificate is in the sealed bundle, so
	 * the flag comes only with the seal object's */
	l.flags = ROT_TPM2_FLAG_PSK | ROT_TPM2_FLAG_SEAL | ROT_TPM2_FLAG_CREDS;
	assert_int_equal(rot_tpm2_layout_encode(&l, rec, sizeof(rec), &len), MAYDAY_OK);
	assert_int_equal(rec[7], 0x07);
	assert_int_equal(rot_tpm2_layout_decode(rec, len, &out), MAYDAY_OK);
	assert_int_equal(out.flags, 7);
	rec[7] = ROT_TPM2_FLAG_PSK | ROT_TPM2_FLAG_CREDS;
	assert_int_equal(rot_tpm2_layout_decode(rec, len, &out), MAYDAY_E_MALFORMED);
	l.flags = ROT_TPM2_FLAG_PSK | ROT_TPM2_FLAG_CREDS;
	assert_int_equal(rot_tpm2_layout_encode(&l, rec, sizeof(rec), &len), MAYDAY_E_INVALID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(layout_bytes),
		cmocka_unit_test(layout_hostile),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

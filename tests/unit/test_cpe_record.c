/* SPDX-License-Identifier: Apache-2.0 */
/* The persisted remediation command (record v2): a round trip of every
 * phase, every field at both ends of its bounds, every field the encoder
 * refuses, every malformed form the decoder refuses with its code and the
 * offset of the offending byte, a version-1 record refused as unsupported,
 * the phase transitions the device makes, and save/load/remove through the
 * HAL (diag always set, I/O errors told apart from bad records). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "boot_fixture.h"
#include "cpe_record.h"

#define URL "https://127.0.0.1:7548/acs"
#define KEY "cmd-42"
#define KL  (sizeof(KEY) - 1)
#define UL  (sizeof(URL) - 1)

static void make(struct cpe_record *r, enum cpe_record_phase phase)
{
	memset(r, 0, sizeof(*r));
	r->phase = phase;
	snprintf(r->command_key, sizeof(r->command_key), KEY);
	snprintf(r->acs_url, sizeof(r->acs_url), URL);
	r->start_time = 1767225600;
	r->slot = CPE_RECORD_SLOT_NONE;
	if (phase == CPE_RECORD_INSTALLED || phase == CPE_RECORD_CONFIRMED) {
		r->slot = 1;
		for (unsigned i = 0; i < MAYDAY_DIGEST_LEN; i++)
			r->manifest_sha256[i] = (uint8_t)(0xa0 + i);
	}
	if (phase == CPE_RECORD_FAILED) {
		r->fault.code = 9018;
		snprintf(r->fault.string, sizeof(r->fault.string), "file-corrupted: bad byte");
	}
}

static size_t encode(const struct cpe_record *r, uint8_t out[CPE_RECORD_MAX])
{
	size_t len = 0;

	assert_int_equal(cpe_record_encode(r, out, &len), MAYDAY_OK);
	return len;
}

static void assert_same(const struct cpe_record *a, const struct cpe_record *b)
{
	assert_int_equal(a->phase, b->phase);
	assert_string_equal(a->command_key, b->command_key);
	assert_string_equal(a->acs_url, b->acs_url);
	assert_true(a->start_time == b->start_time);
	assert_int_equal(a->slot, b->slot);
	assert_memory_equal(a->manifest_sha256, b->manifest_sha256, MAYDAY_DIGEST_LEN);
	assert_int_equal(a->fault.code, b->fault.code);
	assert_string_equal(a->fault.string, b->fault.string);
}

/* Encode, decode, compare, re-encode to the same bytes. */
static size_t round_trip(const struct cpe_record *r)
{
	uint8_t buf[CPE_RECORD_MAX], again[CPE_RECORD_MAX];
	struct cpe_record back;
	struct mayday_diag d = { 7, "stale" };
	size_t len = encode(r, buf);

	assert_int_equal(cpe_record_decode(buf, len, &back, &d), MAYDAY_OK);
	assert_null(d.what); /* set on success too */
	assert_int_equal(d.offset, 0);
	assert_same(&back, r);
	assert_int_equal(encode(&back, again), len);
	assert_memory_equal(again, buf, len);
	return len;
}

static void test_round_trip_every_phase(void **state)
{
	static const enum cpe_record_phase phases[] = {
		CPE_RECORD_DOWNLOADING, CPE_RECORD_INSTALLED, CPE_RECORD_FAILED,
		CPE_RECORD_CONFIRMED,
	};
	uint8_t buf[CPE_RECORD_MAX];
	struct cpe_record r;

	(void)state;
	for (size_t i = 0; i < sizeof(phases) / sizeof(phases[0]); i++) {
		make(&r, phases[i]);
		size_t len = round_trip(&r);
		size_t sl = strlen(r.fault.string);
		assert_int_equal(len, CPE_RECORD_HEADER + KL + UL + sl);
		assert_int_equal(encode(&r, buf), len);
		/* the layout of cpe_record.h, byte by byte where it is fixed */
		assert_memory_equal(buf, "MDYR", 4);
		assert_int_equal(buf[4], 2);
		assert_int_equal(buf[5], phases[i]);
		assert_int_equal(buf[6], r.slot);
		assert_int_equal(buf[7], KL);
		assert_int_equal(buf[8] << 8 | buf[9], UL);
		assert_int_equal(buf[10] << 8 | buf[11], sl);
		assert_int_equal((uint32_t)buf[12] << 24 | buf[13] << 16 | buf[14] << 8 | buf[15],
				 r.fault.code);
		assert_memory_equal(buf + 16, "\x00\x00\x00\x00\x69\x55\xb9\x00", 8);
		assert_memory_equal(buf + 24, r.manifest_sha256, MAYDAY_DIGEST_LEN);
		assert_memory_equal(buf + 56, KEY URL, KL + UL);
		assert_memory_equal(buf + 56 + KL + UL, r.fault.string, sl);
	}
	assert_string_equal(cpe_record_phase_name(CPE_RECORD_DOWNLOADING), "downloading");
	assert_string_equal(cpe_record_phase_name(CPE_RECORD_INSTALLED), "installed");
	assert_string_equal(cpe_record_phase_name(CPE_RECORD_FAILED), "failed");
	assert_string_equal(cpe_record_phase_name(CPE_RECORD_CONFIRMED), "confirmed");
	assert_string_equal(cpe_record_phase_name((enum cpe_record_phase)9), "unknown");
}

/* Every field at both ends of its range is accepted and kept. */
static void test_bounds_accepted(void **state)
{
	struct cpe_record r;

	(void)state;
	make(&r, CPE_RECORD_FAILED);
	r.command_key[0] = '\0';                              /* key: 0 bytes */
	r.fault.string[0] = '\0';                             /* FaultString: 0 bytes */
	r.fault.code = CPE_RECORD_FAULT_MIN;
	snprintf(r.acs_url, sizeof(r.acs_url), "h");          /* URL: 1 byte */
	r.start_time = CWMP_TIME_UNKNOWN;                     /* INT64_MIN */
	assert_int_equal(round_trip(&r), CPE_RECORD_HEADER + 1);

	memset(r.command_key, '~', CWMP_COMMANDKEY_MAX);      /* 32 bytes, 0x7e */
	r.command_key[CWMP_COMMANDKEY_MAX] = '\0';
	memset(r.acs_url, ' ', CWMP_STR256_MAX);              /* 256 bytes, 0x20 */
	r.acs_url[CWMP_STR256_MAX] = '\0';
	memset(r.fault.string, 'z', CWMP_STR256_MAX);         /* 256 bytes */
	r.fault.string[CWMP_STR256_MAX] = '\0';
	r.fault.code = CPE_RECORD_FAULT_MAX;
	r.start_time = INT64_MAX;
	assert_int_equal(round_trip(&r), CPE_RECORD_MAX);

	make(&r, CPE_RECORD_INSTALLED);
	r.slot = 0;
	memset(r.manifest_sha256, 0, MAYDAY_DIGEST_LEN);
	round_trip(&r);
	make(&r, CPE_RECORD_CONFIRMED);
	r.slot = 1;
	memset(r.manifest_sha256, 0xff, MAYDAY_DIGEST_LEN);
	r.start_time = -1;
	round_trip(&r);
}

static void expect_invalid(const struct cpe_record *r)
{
	uint8_t buf[CPE_RECORD_MAX];
	size_t len = 99;

	assert_int_equal(cpe_record_encode(r, buf, &len), MAYDAY_E_INVALID);
	assert_int_equal(len, 99);
}

static void test_encode_refuses(void **state)
{
	struct cpe_record r;

	(void)state;
	make(&r, CPE_RECORD_DOWNLOADING);
	r.phase = (enum cpe_record_phase)0;
	expect_invalid(&r);
	r.phase = (enum cpe_record_phase)5;
	expect_invalid(&r);
	make(&r, CPE_RECORD_DOWNLOADING);
	r.acs_url[0] = '\0';                                   /* empty URL */
	expect_invalid(&r);
	make(&r, CPE_RECORD_DOWNLOADING);
	r.command_key[1] = '\n';
	expect_invalid(&r);
	make(&r, CPE_RECORD_DOWNLOADING);
	r.acs_url[3] = 0x7f;
	expect_invalid(&r);
	make(&r, CPE_RECORD_DOWNLOADING);
	memset(r.command_key, 'k', sizeof(r.command_key));     /* no NUL within its array */
	expect_invalid(&r);
	make(&r, CPE_RECORD_DOWNLOADING);
	memset(r.acs_url, 'u', sizeof(r.acs_url));
	expect_invalid(&r);
	/* fields of other phases */
	make(&r, CPE_RECORD_DOWNLOADING);
	r.slot = 0;
	expect_invalid(&r);
	make(&r, CPE_RECORD_DOWNLOADING);
	r.manifest_sha256[31] = 1;
	expect_invalid(&r);
	make(&r, CPE_RECORD_DOWNLOADING);
	r.fault.code = 9010;
	expect_invalid(&r);
	make(&r, CPE_RECORD_CONFIRMED);
	snprintf(r.fault.string, sizeof(r.fault.string), "x");
	expect_invalid(&r);
	make(&r, CPE_RECORD_INSTALLED);
	r.slot = 2;
	expect_invalid(&r);
	make(&r, CPE_RECORD_INSTALLED);
	r.slot = CPE_RECORD_SLOT_NONE;
	expect_invalid(&r);
	make(&r, CPE_RECORD_FAILED);
	r.slot = 0;
	expect_invalid(&r);
	make(&r, CPE_RECORD_FAILED);
	r.manifest_sha256[0] = 1;
	expect_invalid(&r);
	make(&r, CPE_RECORD_FAILED);
	r.fault.code = CPE_RECORD_FAULT_MIN - 1;
	expect_invalid(&r);
	make(&r, CPE_RECORD_FAILED);
	r.fault.code = CPE_RECORD_FAULT_MAX + 1;
	expect_invalid(&r);
	make(&r, CPE_RECORD_FAILED);
	r.fault.code = 0;
	expect_invalid(&r);
	make(&r, CPE_RECORD_FAILED);
	r.fault.string[2] = '\t';
	expect_invalid(&r);
	make(&r, CPE_RECORD_FAILED);
	memset(r.fault.string, 's', sizeof(r.fault.string));   /* 257 bytes, no NUL */
	expect_invalid(&r);
}

/* in[0..len) is refused with `want` at byte `at`; nothing of it is kept. */
static void expect_bad_at(const uint8_t *buf, size_t len, enum mayday_err want, size_t at)
{
	struct cpe_record r;
	struct mayday_diag d = { 12345, NULL };

	memset(&r, 0x55, sizeof(r));
	assert_int_equal(cpe_record_decode(buf, len, &r, &d), want);
	assert_non_null(d.what);
	if (d.offset != at)
		fail_msg("refused at byte %zu (%s), expected %zu", d.offset, d.what, at);
	assert_true(d.offset <= len);
	struct cpe_record zero;
	memset(&zero, 0, sizeof(zero));
	assert_memory_equal(&r, &zero, sizeof(r)); /* no partial state */
}

/* A good record of `phase` in b, its length. */
static size_t good(enum cpe_record_phase phase, uint8_t b[CPE_RECORD_MAX + 1])
{
	struct cpe_record r;

	make(&r, phase);
	return encode(&r, b);
}

static void test_decode_truncated_or_long(void **state)
{
	uint8_t b[CPE_RECORD_MAX + 1];

	(void)state;
	for (int p = CPE_RECORD_DOWNLOADING; p <= CPE_RECORD_CONFIRMED; p++) {
		size_t len = good((enum cpe_record_phase)p, b);
		for (size_t n = 0; n < len; n++)        /* every truncation: at its end */
			expect_bad_at(b, n, MAYDAY_E_MALFORMED, n);
		b[len] = 'x';                           /* a trailing byte */
		expect_bad_at(b, len + 1, MAYDAY_E_MALFORMED, len);
	}
}

static void test_decode_header_fields(void **state)
{
	uint8_t b[CPE_RECORD_MAX + 1];
	size_t len;

	(void)state;
	for (size_t i = 0; i < 4; i++) {               /* magic, each byte */
		len = good(CPE_RECORD_DOWNLOADING, b);
		b[i] ^= 0x20;
		expect_bad_at(b, len, MAYDAY_E_MALFORMED, i);
		expect_bad_at(b, i + 1, MAYDAY_E_MALFORMED, i); /* even when cut short */
	}
	static const uint8_t versions[] = { 0, 1, 3, 0xff };
	for (size_t i = 0; i < sizeof(versions); i++) {
		len = good(CPE_RECORD_FAILED, b);
		b[4] = versions[i];
		expect_bad_at(b, len, MAYDAY_E_UNSUPPORTED, 4);
		expect_bad_at(b, 5, MAYDAY_E_UNSUPPORTED, 4); /* before any length check */
	}
	static const uint8_t phases[] = { 0, 5, 0x80, 0xff };
	for (size_t i = 0; i < sizeof(phases); i++) {
		len = good(CPE_RECORD_DOWNLOADING, b);
		b[5] = phases[i];
		expect_bad_at(b, len, MAYDAY_E_MALFORMED, 5);
	}
	/* slot: 0xFF without an image, 0 or 1 with one */
	static const struct { enum cpe_record_phase phase; uint8_t slot; } slots[] = {
		{ CPE_RECORD_DOWNLOADING, 0 }, { CPE_RECORD_DOWNLOADING, 1 },
		{ CPE_RECORD_FAILED, 0 }, { CPE_RECORD_FAILED, 0xfe },
		{ CPE_RECORD_INSTALLED, 2 }, { CPE_RECORD_INSTALLED, 0xff },
		{ CPE_RECORD_CONFIRMED, 2 }, { CPE_RECORD_CONFIRMED, 0xff },
	};
	for (size_t i = 0; i < sizeof(slots) / sizeof(slots[0]); i++) {
		len = good(slots[i].phase, b);
		b[6] = slots[i].slot;
		expect_bad_at(b, len, MAYDAY_E_MALFORMED, 6);
	}
	len = good(CPE_RECORD_DOWNLOADING, b);
	b[7] = CWMP_COMMANDKEY_MAX + 1;                 /* CommandKey over 32 */
	expect_bad_at(b, len, MAYDAY_E_MALFORMED, 7);
	b[7] = 0xff;
	expect_bad_at(b, len, MAYDAY_E_MALFORMED, 7);
	len = good(CPE_RECORD_DOWNLOADING, b);
	b[8] = 0;
	b[9] = 0;                                       /* empty URL */
	expect_bad_at(b, len, MAYDAY_E_MALFORMED, 8);
	b[8] = 0x01;
	b[9] = 0x01;                                    /* 257 */
	expect_bad_at(b, len, MAYDAY_E_MALFORMED, 8);
	b[8] = 0xff;
	expect_bad_at(b, len, MAYDAY_E_MALFORMED, 8);
	len = good(CPE_RECORD_FAILED, b);
	b[10] = 0x01;
	b[11] = 0x01;                                   /* FaultString 257 */
	expect_bad_at(b, len, MAYDAY_E_MALFORMED, 10);
	for (int p = CPE_RECORD_DOWNLOADING; p <= CPE_RECORD_CONFIRMED; p++) {
		if (p == CPE_RECORD_FAILED)
			continue;
		len = good((enum cpe_record_phase)p, b);
		b[11] = 1;                              /* a FaultString outside FAILED */
		expect_bad_at(b, len, MAYDAY_E_MALFORMED, 10);
		len = good((enum cpe_record_phase)p, b);
		b[15] = 1;                              /* a fault code outside FAILED */
		expect_bad_at(b, len, MAYDAY_E_MALFORMED, 12);
	}
	static const uint32_t codes[] = { 0, 8999, 9900, 0xffffffffu };
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		len = good(CPE_RECORD_FAILED, b);
		for (int k = 0; k < 4; k++)
			b[12 + k] = (uint8_t)(codes[i] >> (24 - 8 * k));
		expect_bad_at(b, len, MAYDAY_E_MALFORMED, 12);
	}
	/* a digest byte in a phase without an image: at that byte */
	for (size_t i = 0; i < MAYDAY_DIGEST_LEN; i += 7) {
		len = good(i % 2 ? CPE_RECORD_FAILED : CPE_RECORD_DOWNLOADING, b);
		b[24 + i] = 0x01;
		expect_bad_at(b, len, MAYDAY_E_MALFORMED, 24 + i);
	}
}

static void test_decode_lengths_and_text(void **state)
{
	uint8_t b[CPE_RECORD_MAX + 1];
	size_t len;

	(void)state;
	/* a length one more than the bytes there: the end; one less: one trails */
	len = good(CPE_RECORD_FAILED, b);
	b[7] = KL + 1;
	expect_bad_at(b, len, MAYDAY_E_MALFORMED, len);
	b[7] = KL - 1;
	expect_bad_at(b, len, MAYDAY_E_MALFORMED, len - 1);
	len = good(CPE_RECORD_INSTALLED, b);
	b[9] = UL - 1;
	expect_bad_at(b, len, MAYDAY_E_MALFORMED, len - 1);
	len = good(CPE_RECORD_FAILED, b);
	b[11]++;
	expect_bad_at(b, len, MAYDAY_E_MALFORMED, len);
	/* a byte outside 0x20..0x7e in each string: at that byte */
	static const uint8_t bytes[] = { 0x00, 0x1f, 0x7f, 0x80, 0xff };
	for (size_t i = 0; i < sizeof(bytes); i++) {
		len = good(CPE_RECORD_FAILED, b);
		b[56 + 3] = bytes[i];
		expect_bad_at(b, len, MAYDAY_E_MALFORMED, 56 + 3);
		len = good(CPE_RECORD_FAILED, b);
		b[56 + KL + 5] = bytes[i];
		expect_bad_at(b, len, MAYDAY_E_MALFORMED, 56 + KL + 5);
		len = good(CPE_RECORD_FAILED, b);
		b[len - 1] = bytes[i];
		expect_bad_at(b, len, MAYDAY_E_MALFORMED, len - 1);
	}
}

/* What version 1 wrote (magic, 0x01, klen, ulen, start, key, url) is not
 * mistaken for damage: unsupported, at the version byte. */
static void test_version_1_unsupported(void **state)
{
	uint8_t v1[16 + KL + UL];

	(void)state;
	memcpy(v1, "MDYR\x01", 5);
	v1[5] = KL;
	v1[6] = 0;
	v1[7] = UL;
	memcpy(v1 + 8, "\x00\x00\x00\x00\x69\x55\xb9\x00", 8);
	memcpy(v1 + 16, KEY URL, KL + UL);
	expect_bad_at(v1, sizeof(v1), MAYDAY_E_UNSUPPORTED, 4);
}

static void test_set_failed(void **state)
{
	struct cpe_record r;
	char text[400];

	(void)state;
	make(&r, CPE_RECORD_INSTALLED);
	cpe_record_set_failed(&r, 9010, "download-failed: line\none \x80 tab\t end");
	assert_int_equal(r.phase, CPE_RECORD_FAILED);
	assert_int_equal(r.slot, CPE_RECORD_SLOT_NONE);
	uint8_t zero[MAYDAY_DIGEST_LEN] = { 0 };
	assert_memory_equal(r.manifest_sha256, zero, sizeof(zero));
	assert_int_equal(r.fault.code, 9010);
	assert_string_equal(r.fault.string, "download-failed: line?one ? tab? end");
	assert_string_equal(r.command_key, KEY); /* the command stays */
	round_trip(&r);
	/* cut to 256 bytes */
	memset(text, 'q', sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';
	cpe_record_set_failed(&r, 9002, text);
	assert_int_equal(strlen(r.fault.string), CWMP_STR256_MAX);
	round_trip(&r);
}

static void load_expect(struct fx *fx, struct cpe_record *r, enum mayday_err want)
{
	struct mayday_diag d = { 999, NULL };

	assert_int_equal(cpe_record_load(fx->flash, r, &d), want);
	if (want == MAYDAY_OK) {
		assert_null(d.what);
		return;
	}
	assert_non_null(d.what); /* always set, whatever went wrong */
	assert_string_equal(r->acs_url, "");
}

/* The device's transitions: DOWNLOADING, then INSTALLED then CONFIRMED, or
 * FAILED; each replaces the one before on flash. */
static void test_transitions_on_flash(void **state)
{
	struct fx *fx = *state;
	struct cpe_record r, back;

	load_expect(fx, &back, MAYDAY_E_NOTFOUND);
	make(&r, CPE_RECORD_DOWNLOADING);
	assert_int_equal(cpe_record_save(fx->flash, &r), MAYDAY_OK);
	load_expect(fx, &back, MAYDAY_OK);
	assert_same(&back, &r);

	r.phase = CPE_RECORD_INSTALLED;
	r.slot = 0;
	memset(r.manifest_sha256, 0x3c, MAYDAY_DIGEST_LEN);
	assert_int_equal(cpe_record_save(fx->flash, &r), MAYDAY_OK);
	load_expect(fx, &back, MAYDAY_OK);
	assert_same(&back, &r);

	back.phase = CPE_RECORD_CONFIRMED;
	assert_int_equal(cpe_record_save(fx->flash, &back), MAYDAY_OK);
	load_expect(fx, &r, MAYDAY_OK);
	assert_int_equal(r.phase, CPE_RECORD_CONFIRMED);
	assert_int_equal(r.slot, 0);
	assert_int_equal(r.manifest_sha256[0], 0x3c);

	make(&r, CPE_RECORD_DOWNLOADING);
	cpe_record_set_failed(&r, 9019, "file-auth-failure: signature");
	assert_int_equal(cpe_record_save(fx->flash, &r), MAYDAY_OK);
	load_expect(fx, &back, MAYDAY_OK);
	assert_same(&back, &r);

	/* an invalid record is not written: the one before stays */
	struct cpe_record bad = r;
	bad.slot = 0;
	assert_int_equal(cpe_record_save(fx->flash, &bad), MAYDAY_E_INVALID);
	load_expect(fx, &back, MAYDAY_OK);
	assert_int_equal(back.phase, CPE_RECORD_FAILED);
}

static void test_flash_errors(void **state)
{
	struct fx *fx = *state;
	struct cpe_record r;
	struct mayday_diag d = { 0, NULL };

	fx_write(fx, HAL_PART_STATE, CPE_RECORD_NAME, "MDYR\x02", 5);
	load_expect(fx, &r, MAYDAY_E_MALFORMED);
	fx_write(fx, HAL_PART_STATE, CPE_RECORD_NAME, "MDYR\x01\x00\x00\x01", 8);
	load_expect(fx, &r, MAYDAY_E_UNSUPPORTED);
	uint8_t big[CPE_RECORD_MAX + 1];
	memset(big, 'a', sizeof(big));
	fx_write(fx, HAL_PART_STATE, CPE_RECORD_NAME, big, sizeof(big));
	assert_int_equal(cpe_record_load(fx->flash, &r, &d), MAYDAY_E_MALFORMED);
	assert_int_equal(d.offset, CPE_RECORD_MAX);
	/* the largest valid record fits the read exactly */
	make(&r, CPE_RECORD_FAILED);
	memset(r.acs_url, 'u', CWMP_STR256_MAX);
	r.acs_url[CWMP_STR256_MAX] = '\0';
	memset(r.command_key, 'k', CWMP_COMMANDKEY_MAX);
	r.command_key[CWMP_COMMANDKEY_MAX] = '\0';
	memset(r.fault.string, 's', CWMP_STR256_MAX);
	r.fault.string[CWMP_STR256_MAX] = '\0';
	assert_int_equal(cpe_record_save(fx->flash, &r), MAYDAY_OK);
	load_expect(fx, &r, MAYDAY_OK);
	/* a medium that fails: the HAL's error, not "malformed", diag set */
	char spec[48];
	fx_reopen(fx, "fault"); /* counts what opening does; power goes one op later */
	snprintf(spec, sizeof(spec), "fault:cut=%llu",
		 (unsigned long long)hal_flash_ops_count(fx->flash) + 1);
	fx_reopen(fx, spec);
	assert_int_equal(hal_flash_write_atomic(fx->flash, HAL_PART_STATE, "other", "x", 1),
			 MAYDAY_E_POWER);
	load_expect(fx, &r, MAYDAY_E_POWER);
	assert_int_equal(cpe_record_remove(fx->flash), MAYDAY_E_POWER);
	fx_reopen(fx, NULL);
	load_expect(fx, &r, MAYDAY_OK); /* still there */
	assert_int_equal(cpe_record_remove(fx->flash), MAYDAY_OK);
	load_expect(fx, &r, MAYDAY_E_NOTFOUND);
	assert_int_equal(cpe_record_remove(fx->flash), MAYDAY_OK); /* absent: fine */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip_every_phase),
		cmocka_unit_test(test_bounds_accepted),
		cmocka_unit_test(test_encode_refuses),
		cmocka_unit_test(test_decode_truncated_or_long),
		cmocka_unit_test(test_decode_header_fields),
		cmocka_unit_test(test_decode_lengths_and_text),
		cmocka_unit_test(test_version_1_unsupported),
		cmocka_unit_test(test_set_failed),
		cmocka_unit_test_setup_teardown(test_transitions_on_flash, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_flash_errors, fx_setup, fx_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

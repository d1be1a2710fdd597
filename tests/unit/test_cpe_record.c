/* The persisted remediation command: round trip, every malformed form
 * refused with an offset, and save/load/remove through the HAL. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "boot_fixture.h"
#include "cpe_record.h"

static const struct cpe_record sample = {
	.command_key = "cmd-42",
	.acs_url = "https://127.0.0.1:7548/acs",
	.start_time = 1767225600,
};

static size_t encode(const struct cpe_record *r, uint8_t out[CPE_RECORD_MAX])
{
	size_t len = 0;

	assert_int_equal(cpe_record_encode(r, out, &len), MAYDAY_OK);
	return len;
}

static void test_round_trip(void **state)
{
	uint8_t buf[CPE_RECORD_MAX], again[CPE_RECORD_MAX];
	struct cpe_record r;
	struct mayday_diag d = { 0, NULL };
	size_t len = encode(&sample, buf);

	(void)state;
	assert_int_equal(len, CPE_RECORD_HEADER + strlen("cmd-42") + strlen(sample.acs_url));
	assert_int_equal(cpe_record_decode(buf, len, &r, &d), MAYDAY_OK);
	assert_string_equal(r.command_key, "cmd-42");
	assert_string_equal(r.acs_url, sample.acs_url);
	assert_int_equal(r.start_time, 1767225600);
	assert_int_equal(encode(&r, again), len);
	assert_memory_equal(again, buf, len);
	/* Negative times (CWMP_TIME_UNKNOWN) and an empty key survive too. */
	struct cpe_record u = sample;
	u.command_key[0] = '\0';
	u.start_time = CWMP_TIME_UNKNOWN;
	len = encode(&u, buf);
	assert_int_equal(cpe_record_decode(buf, len, &r, &d), MAYDAY_OK);
	assert_string_equal(r.command_key, "");
	assert_true(r.start_time == CWMP_TIME_UNKNOWN);
}

static void test_encode_refuses(void **state)
{
	uint8_t buf[CPE_RECORD_MAX];
	size_t len = 0;
	struct cpe_record r = sample;

	(void)state;
	r.acs_url[0] = '\0';
	assert_int_equal(cpe_record_encode(&r, buf, &len), MAYDAY_E_INVALID);
	r = sample;
	r.command_key[1] = '\n';
	assert_int_equal(cpe_record_encode(&r, buf, &len), MAYDAY_E_INVALID);
	r = sample;
	memset(r.command_key, 'k', sizeof(r.command_key)); /* no NUL within its array */
	assert_int_equal(cpe_record_encode(&r, buf, &len), MAYDAY_E_INVALID);
}

static void expect_bad(const uint8_t *buf, size_t len, enum mayday_err want)
{
	struct cpe_record r;
	struct mayday_diag d = { 0, NULL };

	memset(&r, 0x55, sizeof(r));
	assert_int_equal(cpe_record_decode(buf, len, &r, &d), want);
	assert_non_null(d.what);
	assert_true(d.offset <= len);
	assert_int_equal(r.command_key[0], 0); /* no partial state */
	assert_int_equal(r.acs_url[0], 0);
}

static void test_decode_refuses(void **state)
{
	uint8_t good[CPE_RECORD_MAX], b[CPE_RECORD_MAX + 1];
	size_t len = encode(&sample, good);

	(void)state;
	for (size_t n = 0; n < len; n++)        /* every truncation */
		expect_bad(good, n, MAYDAY_E_MALFORMED);
	memcpy(b, good, len);
	b[len] = 'x';                           /* a trailing byte */
	expect_bad(b, len + 1, MAYDAY_E_MALFORMED);
	memcpy(b, good, len);
	b[0] = 'X';
	expect_bad(b, len, MAYDAY_E_MALFORMED);
	memcpy(b, good, len);
	b[4] = 2;
	expect_bad(b, len, MAYDAY_E_UNSUPPORTED);
	memcpy(b, good, len);
	b[5] = CWMP_COMMANDKEY_MAX + 1;
	expect_bad(b, len, MAYDAY_E_MALFORMED);
	memcpy(b, good, len);
	b[6] = 0;
	b[7] = 0;                               /* empty URL */
	expect_bad(b, len, MAYDAY_E_MALFORMED);
	memcpy(b, good, len);
	b[6] = 0xff;                            /* URL beyond its bound */
	expect_bad(b, len, MAYDAY_E_MALFORMED);
	memcpy(b, good, len);
	b[CPE_RECORD_HEADER] = 0x01;            /* control character in the key */
	expect_bad(b, len, MAYDAY_E_MALFORMED);
	memcpy(b, good, len);
	b[len - 1] = 0x80;                      /* non-ASCII in the URL */
	expect_bad(b, len, MAYDAY_E_MALFORMED);
}

static void test_flash(void **state)
{
	struct fx *fx = *state;
	struct cpe_record r;
	struct mayday_diag d = { 0, NULL };

	assert_int_equal(cpe_record_load(fx->flash, &r, &d), MAYDAY_E_NOTFOUND);
	assert_int_equal(cpe_record_save(fx->flash, &sample), MAYDAY_OK);
	assert_int_equal(cpe_record_load(fx->flash, &r, &d), MAYDAY_OK);
	assert_string_equal(r.command_key, sample.command_key);
	assert_string_equal(r.acs_url, sample.acs_url);
	fx_write(fx, HAL_PART_STATE, CPE_RECORD_NAME, "MDYR\x01", 5);
	assert_int_equal(cpe_record_load(fx->flash, &r, &d), MAYDAY_E_MALFORMED);
	uint8_t big[CPE_RECORD_MAX + 1];
	memset(big, 'a', sizeof(big));
	fx_write(fx, HAL_PART_STATE, CPE_RECORD_NAME, big, sizeof(big));
	assert_int_equal(cpe_record_load(fx->flash, &r, &d), MAYDAY_E_MALFORMED);
	assert_int_equal(cpe_record_remove(fx->flash), MAYDAY_OK);
	assert_int_equal(cpe_record_load(fx->flash, &r, &d), MAYDAY_E_NOTFOUND);
	assert_int_equal(cpe_record_remove(fx->flash), MAYDAY_OK); /* absent: fine */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_encode_refuses),
		cmocka_unit_test(test_decode_refuses),
		cmocka_unit_test_setup_teardown(test_flash, fx_setup, fx_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: Apache-2.0 */
/* The PKCS#11 URI parser of mayday-provision (tools/provision/prov_p11uri.c):
 * RFC 7512's examples and our attributes decode to the right fields, and
 * anything ambiguous or out of bounds is refused with a reason and offset. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "prov_p11uri.h"

static void test_good(void **state)
{
	struct prov_p11uri u;
	const char *why = NULL;
	size_t at = 0;
	(void)state;

	assert_int_equal(prov_p11uri_parse("pkcs11:", &u, &why, &at), MAYDAY_OK);
	assert_string_equal(u.token, "");
	assert_false(u.has_id);
	assert_int_equal(prov_p11uri_parse("pkcs11:token=The%20Software%20PKCS%2311%20Softtoken;"
					   "manufacturer=Snake%20Oil,%20Inc.;model=1.0;"
					   "object=my-certificate;type=private;serial=42;slot-id=7"
					   "?pin-value=1%262&module-path=/usr/lib/p11.so",
					   &u, &why, &at),
			 MAYDAY_OK);
	assert_string_equal(u.token, "The Software PKCS#11 Softtoken");
	assert_string_equal(u.manufacturer, "Snake Oil, Inc.");
	assert_string_equal(u.model, "1.0");
	assert_string_equal(u.serial, "42");
	assert_string_equal(u.object, "my-certificate");
	assert_true(u.has_slot_id);
	assert_int_equal(u.slot_id, 7);
	assert_true(u.has_pin);
	assert_string_equal(u.pin, "1&2");
	assert_string_equal(u.module_path, "/usr/lib/p11.so");
	assert_int_equal(prov_p11uri_parse("pkcs11:id=%00%ff%4D?pin-source=file:/run/pin", &u,
					   &why, &at), MAYDAY_OK);
	assert_true(u.has_id);
	assert_int_equal(u.id_len, 3);
	assert_memory_equal(u.id, "\x00\xff\x4d", 3);
	assert_string_equal(u.pin_source, "file:/run/pin");
	prov_p11uri_wipe(&u);
	assert_string_equal(u.pin_source, "");
}

static void test_bad(void **state)
{
	static const char *const bad[] = {
		"pkcs12:token=a", "PKCS11:token=a", "pkcs11:token", "pkcs11:=a", "pkcs11:;",
		"pkcs11:token=a;;object=b", "pkcs11:token=a;token=b", "pkcs11:colour=red",
		"pkcs11:type=cert", "pkcs11:type=private;type=private", "pkcs11:id=%4",
		"pkcs11:id=%zz", "pkcs11:id=", "pkcs11:token=a%00b", "pkcs11:object=%",
		"pkcs11:slot-id=-1", "pkcs11:slot-id=18446744073709551616", "pkcs11:slot-id=",
		"pkcs11:token=123456789012345678901234567890123",   /* 33 > CK_TOKEN_INFO's 32 */
		"pkcs11:?pin-value=1&pin-source=/x", "pkcs11:?module-name=softhsm2",
		"pkcs11:?pin-value=1&pin-value=2", "pkcs11:?&pin-value=1", "pkcs11:?pin-value",
		"pkcs11:id=%01%02%03%04%05%06%07%08%09%0a%0b%0c%0d%0e%0f%10%11%12%13%14%15%16%17%18"
		"%19%1a%1b%1c%1d%1e%1f%20%21%22%23%24%25%26%27%28%29%2a%2b%2c%2d%2e%2f%30%31%32"
		"%33%34%35%36%37%38%39%3a%3b%3c%3d%3e%3f%40%41",       /* 65 bytes > 64 */
	};
	struct prov_p11uri u;
	(void)state;

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		const char *why = NULL;
		size_t at = 999;
		if (prov_p11uri_parse(bad[i], &u, &why, &at) != MAYDAY_E_INVALID)
			fail_msg("accepted: %s", bad[i]);
		assert_non_null(why);
		assert_true(at <= strlen(bad[i]));
		assert_string_equal(u.pin, "");   /* wiped on failure */
	}
	/* longer than PROV_P11URI_MAX */
	static char huge[PROV_P11URI_MAX + 16];
	memcpy(huge, "pkcs11:object=", 14);
	memset(huge + 14, 'a', sizeof huge - 15);
	const char *why = NULL;
	size_t at = 0;
	assert_int_equal(prov_p11uri_parse(huge, &u, &why, &at), MAYDAY_E_INVALID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_bad),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

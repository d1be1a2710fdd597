/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cpe_target_find: where the CPE connects for an ACS or Download URL
 * without resolving names -- an address as it is, the ACS's configured
 * name to its configured address, anything else refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cpe_target.h"

static const struct cpe_server acs = { .name = "acs.mayday.test", .addr = "192.0.2.10" };

static void test_addresses(void **state)
{
	struct cpe_target t;

	(void)state;
	assert_null(cpe_target_find("https://127.0.0.1:7443/bundles/x", &acs, &t));
	assert_string_equal(t.addr, "127.0.0.1");
	assert_string_equal(t.url.host, "127.0.0.1");
	assert_int_equal(t.url.port, 7443);
	assert_string_equal(t.url.path, "/bundles/x");
	assert_null(cpe_target_find("https://[2001:db8::1]/cwmp", NULL, &t));
	assert_string_equal(t.addr, "2001:db8::1");
	assert_int_equal(t.url.port, 443);
}

static void test_names(void **state)
{
	struct cpe_target t;
	const char *no = "names a host the device has no address for (it resolves no names)";

	(void)state;
	/* the configured name (case does not matter) goes to its address, and
	 * stays the name the certificate must carry */
	assert_null(cpe_target_find("https://ACS.mayday.test:7443/cwmp", &acs, &t));
	assert_string_equal(t.addr, "192.0.2.10");
	assert_string_equal(t.url.host, "ACS.mayday.test");
	assert_string_equal(cpe_target_find("https://other.mayday.test/cwmp", &acs, &t), no);
	assert_string_equal(cpe_target_find("https://acs.mayday.test/cwmp", NULL, &t), no);
	const struct cpe_server nameless = { .name = "", .addr = "192.0.2.10" };
	assert_string_equal(cpe_target_find("https://acs.mayday.test/", &nameless, &t), no);
	const struct cpe_server no_addr = { .name = "acs.mayday.test", .addr = NULL };
	assert_string_equal(cpe_target_find("https://acs.mayday.test/", &no_addr, &t), no);
	const struct cpe_server bad_addr = { .name = "acs.mayday.test", .addr = "acs" };
	assert_string_equal(cpe_target_find("https://acs.mayday.test/", &bad_addr, &t), no);
}

static void test_refused(void **state)
{
	struct cpe_target t;

	(void)state;
	assert_string_equal(cpe_target_find("http://127.0.0.1/b", &acs, &t), "not an https:// URL");
	assert_string_equal(cpe_target_find("https://127.0.0.1/b?x=1", &acs, &t),
			    "URL must not have a query, fragment or zone ID");
	assert_string_equal(cpe_target_find("https://u@127.0.0.1/b", &acs, &t), "not a URL");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_addresses),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

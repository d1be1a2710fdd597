/* SPDX-License-Identifier: Apache-2.0 */
/*
 * net_url_parse: the URLs the device takes (scheme, host forms, default
 * ports, path) and the ones it refuses, each with its reason. dcf.conf's
 * URL rules are tested through it in test_dcf_config.c as well.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "net_url.h"

static void accepted(const char *s, const char *scheme, struct net_url *u)
{
	const char *why = net_url_parse(s, scheme, u);

	if (why)
		fail_msg("%s refused: %s", s, why);
}

static void refused(const char *s, const char *scheme, const char *reason)
{
	struct net_url u;
	const char *why = net_url_parse(s, scheme, &u);

	if (!why)
		fail_msg("%s accepted", s);
	assert_string_equal(why, reason);
}

static void test_accepted(void **state)
{
	struct net_url u;
	char out[NET_URL_MAX + 1];

	(void)state;
	accepted("https://127.0.0.1:7443/v1/distress", "https", &u);
	assert_true(u.https);
	assert_string_equal(u.host, "127.0.0.1");
	assert_true(u.host_is_ip);
	assert_false(u.host_is_ip6);
	assert_int_equal(u.port, 7443);
	assert_string_equal(u.path, "/v1/distress");
	accepted("HTTP://[fd00::1]/x", NULL, &u);
	assert_false(u.https);
	assert_string_equal(u.host, "fd00::1");
	assert_true(u.host_is_ip6);
	assert_int_equal(u.port, 80);
	assert_true(net_url_format(out, sizeof(out), &u));
	assert_string_equal(out, "http://[fd00::1]:80/x");
	accepted("https://acs.example.net", NULL, &u);
	assert_false(u.host_is_ip);
	assert_int_equal(u.port, 443);
	assert_string_equal(u.path, "/");
	accepted("https://a-1.b2.example:65535/bundles/T0k3n-_.~%41", "https", &u);
	assert_int_equal(u.port, 65535);
	assert_false(net_url_format(out, 10, &u));
}

static void test_refused(void **state)
{
	char longpath[NET_URL_PATH_MAX + 20] = "https://1.2.3.4/";

	(void)state;
	refused("127.0.0.1:7443", NULL, "not a URL");
	refused("://x/", NULL, "not a URL");
	refused("ftp://127.0.0.1/", NULL, "URL scheme must be https");
	refused("http://127.0.0.1/", "https", "URL scheme must be https");
	refused("https://127.0.0.1/", "http", "URL scheme must be http");
	refused("https://user:pw@127.0.0.1/", NULL, "not a URL");
	refused("https://127.0.0.1/x?a=b", NULL, "URL must not have a query, fragment or zone ID");
	refused("https://127.0.0.1/x#f", NULL, "URL must not have a query, fragment or zone ID");
	refused("https://[fe80::1%25eth0]/", NULL,
		"URL must not have a query, fragment or zone ID");
	refused("https:///x", NULL, "URL has no host");
	refused("https://", NULL, "URL has no host");
	refused("https://[::1/", NULL, "host is not a plain IPv6 address");
	refused("https://[1.2.3.4]/", NULL, "host is not a plain IPv6 address");
	refused("https://[::1]x/", NULL, "host is not a plain IPv6 address");
	refused("https://-bad.example/", NULL, "host is neither an address nor a DNS name");
	refused("https://bad_name.example/", NULL, "host is neither an address nor a DNS name");
	refused("https://a..b/", NULL, "host is neither an address nor a DNS name");
	refused("https://a.b./", NULL, "host is neither an address nor a DNS name");
	refused("https://127.1/", NULL, "host is neither an address nor a DNS name");
	refused("https://1.2.3.4.5/", NULL, "host is neither an address nor a DNS name");
	refused("https://1.2.3.4:0/", NULL, "URL port must be 1..65535");
	refused("https://1.2.3.4:65536/", NULL, "URL port must be 1..65535");
	refused("https://1.2.3.4:/", NULL, "URL port must be 1..65535");
	refused("https://1.2.3.4:+80/", NULL, "URL port must be 1..65535");
	refused("https://1.2.3.4/a b", NULL, "URL path must be 1..256 printable characters");
	memset(longpath + 16, 'a', NET_URL_PATH_MAX);
	refused(longpath, NULL, "URL path must be 1..256 printable characters");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accepted),
		cmocka_unit_test(test_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

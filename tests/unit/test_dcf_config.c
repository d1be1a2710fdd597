/* SPDX-License-Identifier: Apache-2.0 */
/* dcf.conf parsing: what is accepted in every section, and that everything
 * else is rejected with the offending key named. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dcf_config.h"
#include "mayday/indication.h"
#include "tx/dcf_tx.h"

static const char good[] =
	"; a comment\n"
	"[dcf]\n"
	"version = 0.1.0\n"
	"product_class = femto-a\n"
	"max_image_size = 268435456\n"
	"\n"
	"[hems]\n"
	"methods = plain-udp\n"
	"\n"
	"[udp]\n"
	"endpoint = 127.0.0.1:7701\n"
	"\n"
	"[retry]\n"
	"initial_ms = 100\n"
	"max_ms = 4000\n"
	"attempt_timeout_ms = 300\n"
	"deadline_ms = 20000\n";

/* Every section, every key. */
static const char full[] =
	"[dcf]\nversion = 1.2.3\nproduct_class = femto-b\nmax_image_size = 1024\n"
	"[hems]\nmethods = tls, plain-http,plain-udp\n"
	"[tls]\nurl = https://127.0.0.1:7443/v1/distress\nca = operator-ca.pem\n"
	"cert = dcf-cert.pem\nserver_name = hems.mayday.test\n"
	"pin_sha256 = 00112233445566778899AABBCCDDEEFF00112233445566778899aabbccddeeff\n"
	"[http]\nurl = http://[::1]:8080/v1/distress\n"
	"[udp]\nendpoint = 10.0.0.1:7701\n"
	"[psk]\nendpoint = [2001:db8::7]:7702\n"
	"[ipsec]\nvici = /run/charon-dcf/charon.vici\nchild = distress-1\n"
	"endpoint = 10.9.0.1:7701\ninitiate_timeout_ms = 2500\n"
	"[retry]\ninitial_ms = 5\nmax_ms = 50\nattempt_timeout_ms = 20\ndeadline_ms = 900\n"
	"attempts_per_method = 2\nreannounce_s = 3\nreannounce_max = 7\n";

static enum mayday_err parse(const char *text, struct dcf_config *cfg, struct dcf_config_error *err)
{
	return dcf_config_parse(text, strlen(text), cfg, err);
}

/* `base` with the first occurrence of `from` replaced by `to`. */
static char *variant_of(const char *base, const char *from, const char *to)
{
	const char *at = strstr(base, from);
	assert_non_null(at);
	size_t head = (size_t)(at - base), from_len = strlen(from);
	size_t len = strlen(base) - from_len + strlen(to);
	char *out = malloc(len + 1);
	assert_non_null(out);
	memcpy(out, base, head);
	memcpy(out + head, to, strlen(to));
	strcpy(out + head + strlen(to), at + from_len);
	return out;
}

static void expect_rejected_in(const char *base, const char *from, const char *to,
			       const char *key)
{
	struct dcf_config cfg;
	struct dcf_config_error err;
	char *text = variant_of(base, from, to);

	assert_int_equal(parse(text, &cfg, &err), MAYDAY_E_INVALID);
	assert_non_null(err.what);
	if (key)
		assert_string_equal(err.key, key);
	free(text);
}

static void expect_rejected(const char *from, const char *to, const char *key)
{
	expect_rejected_in(good, from, to, key);
}

static void expect_accepted_in(const char *base, const char *from, const char *to,
			       struct dcf_config *cfg)
{
	struct dcf_config_error err;
	char *text = variant_of(base, from, to);

	if (parse(text, cfg, &err) != MAYDAY_OK)
		fail_msg("rejected: %s at %s\n%s", err.what, err.key, text);
	free(text);
}

static void test_good(void **state)
{
	struct dcf_config cfg;
	struct dcf_config_error err;
	(void)state;

	assert_int_equal(parse(good, &cfg, &err), MAYDAY_OK);
	assert_string_equal(cfg.version, "0.1.0");
	assert_string_equal(cfg.product_class, "femto-a");
	assert_true(cfg.max_image_size == 268435456u);
	assert_int_equal(cfg.n_methods, 1);
	assert_string_equal(cfg.methods[0], "plain-udp");
	assert_true(cfg.udp_endpoint.set);
	assert_string_equal(cfg.udp_endpoint.host, "127.0.0.1");
	assert_int_equal(cfg.udp_endpoint.port, 7701);
	assert_false(cfg.tls_url.set);
	assert_false(cfg.http_url.set);
	assert_false(cfg.psk_endpoint.set);
	assert_false(cfg.ipsec_endpoint.set);
	assert_int_equal(cfg.initial_ms, 100);
	assert_int_equal(cfg.max_ms, 4000);
	assert_int_equal(cfg.attempt_timeout_ms, 300);
	assert_int_equal(cfg.deadline_ms, 20000);
	/* defaults of the keys left out */
	assert_int_equal(cfg.attempts_per_method, 4);
	assert_int_equal(cfg.reannounce_s, 0);
	assert_int_equal(cfg.reannounce_max, 24);
	assert_string_equal(cfg.ipsec_child, "distress");
	assert_int_equal(cfg.ipsec_initiate_timeout_ms, 5000);
}

static void test_every_section(void **state)
{
	static const uint8_t pin[MAYDAY_DIGEST_LEN] = {
		0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa,
		0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55,
		0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff,
	};
	struct dcf_config cfg;
	struct dcf_config_error err;
	(void)state;

	if (parse(full, &cfg, &err) != MAYDAY_OK)
		fail_msg("rejected: %s at %s", err.what, err.key);
	assert_int_equal(cfg.n_methods, 3);
	assert_string_equal(cfg.methods[0], "tls");
	assert_string_equal(cfg.methods[1], "plain-http");
	assert_string_equal(cfg.methods[2], "plain-udp");

	assert_true(cfg.tls_url.set);
	assert_string_equal(cfg.tls_url.host, "127.0.0.1");
	assert_true(cfg.tls_url.host_is_ip);
	assert_false(cfg.tls_url.host_is_ip6);
	assert_int_equal(cfg.tls_url.port, 7443);
	assert_string_equal(cfg.tls_url.path, "/v1/distress");
	assert_string_equal(cfg.tls_ca, "operator-ca.pem");
	assert_string_equal(cfg.tls_cert, "dcf-cert.pem");
	assert_string_equal(cfg.tls_server_name, "hems.mayday.test");
	assert_true(cfg.tls_pin_set);
	assert_memory_equal(cfg.tls_pin_sha256, pin, sizeof(pin));

	assert_true(cfg.http_url.set);
	assert_string_equal(cfg.http_url.host, "::1");
	assert_true(cfg.http_url.host_is_ip6);
	assert_int_equal(cfg.http_url.port, 8080);

	assert_string_equal(cfg.udp_endpoint.host, "10.0.0.1");
	assert_true(cfg.psk_endpoint.set);
	assert_string_equal(cfg.psk_endpoint.host, "2001:db8::7");
	assert_int_equal(cfg.psk_endpoint.port, 7702);

	assert_string_equal(cfg.ipsec_vici, "/run/charon-dcf/charon.vici");
	assert_string_equal(cfg.ipsec_child, "distress-1");
	assert_true(cfg.ipsec_endpoint.set);
	assert_string_equal(cfg.ipsec_endpoint.host, "10.9.0.1");
	assert_int_equal(cfg.ipsec_endpoint.port, 7701);
	assert_int_equal(cfg.ipsec_initiate_timeout_ms, 2500);

	assert_int_equal(cfg.initial_ms, 5);
	assert_int_equal(cfg.max_ms, 50);
	assert_int_equal(cfg.attempt_timeout_ms, 20);
	assert_int_equal(cfg.deadline_ms, 900);
	assert_int_equal(cfg.attempts_per_method, 2);
	assert_int_equal(cfg.reannounce_s, 3);
	assert_int_equal(cfg.reannounce_max, 7);
}

static void test_urls(void **state)
{
	struct dcf_config cfg;
	static const char *from = "url = https://127.0.0.1:7443/v1/distress";
	(void)state;

	/* A DNS name; the default port; an IPv6 address. */
	expect_accepted_in(full, from, "url = https://hems.example.net/v1/distress", &cfg);
	assert_string_equal(cfg.tls_url.host, "hems.example.net");
	assert_false(cfg.tls_url.host_is_ip);
	assert_int_equal(cfg.tls_url.port, 443);
	expect_accepted_in(full, from, "url = https://[fd00::1]:9443/x", &cfg);
	assert_string_equal(cfg.tls_url.host, "fd00::1");
	assert_true(cfg.tls_url.host_is_ip6);
	assert_string_equal(cfg.tls_url.path, "/x");
	expect_accepted_in(full, from, "url = https://127.0.0.1:7443", &cfg);
	assert_string_equal(cfg.tls_url.path, "/");
	expect_accepted_in(full, "url = http://[::1]:8080/v1/distress",
			   "url = http://192.0.2.1/v1/distress", &cfg);
	assert_int_equal(cfg.http_url.port, 80);

	/* The wrong scheme for the section, or no URL at all. */
	expect_rejected_in(full, from, "url = http://127.0.0.1:7443/v1/distress", "tls.url");
	expect_rejected_in(full, "url = http://[::1]:8080/v1/distress",
			   "url = https://[::1]:8080/v1/distress", "http.url");
	expect_rejected_in(full, from, "url = ftp://127.0.0.1/x", "tls.url");
	expect_rejected_in(full, from, "url = 127.0.0.1:7443", "tls.url");
	expect_rejected_in(full, from, "url = https://", "tls.url");
	/* What a distress POST has no use for. */
	expect_rejected_in(full, from, "url = https://user:pw@127.0.0.1:7443/x", "tls.url");
	expect_rejected_in(full, from, "url = https://127.0.0.1:7443/x?a=b", "tls.url");
	expect_rejected_in(full, from, "url = https://127.0.0.1:7443/x#frag", "tls.url");
	expect_rejected_in(full, from, "url = https://[fe80::1%25eth0]:7443/x", "tls.url");
	/* Ports out of range; hosts that are neither name nor address. */
	expect_rejected_in(full, from, "url = https://127.0.0.1:0/x", "tls.url");
	expect_rejected_in(full, from, "url = https://127.0.0.1:65536/x", "tls.url");
	expect_rejected_in(full, from, "url = https://-bad.example/x", "tls.url");
	expect_rejected_in(full, from, "url = https://bad_name.example/x", "tls.url");
	expect_rejected_in(full, from, "url = https://hems..example/x", "tls.url");
	expect_rejected_in(full, from, "url = https://hems.example./x", "tls.url");
}

static void test_tls_keys(void **state)
{
	(void)state;
	expect_rejected_in(full, "ca = operator-ca.pem", "ca = ../rot/distress.key.pem", "tls.ca");
	expect_rejected_in(full, "ca = operator-ca.pem", "ca = /etc/ssl/ca.pem", "tls.ca");
	expect_rejected_in(full, "cert = dcf-cert.pem", "cert = ..", "tls.cert");
	expect_rejected_in(full, "server_name = hems.mayday.test", "server_name = 127.0.0.1:80",
			   "tls.server_name");
	expect_rejected_in(full, "server_name = hems.mayday.test", "server_name = a..b",
			   "tls.server_name");
	expect_rejected_in(full, "server_name = hems.mayday.test", "server_name = a-.b",
			   "tls.server_name");
	/* 63 is the longest label */
	expect_rejected_in(full, "server_name = hems.mayday.test",
			   "server_name = a234567890123456789012345678901234567890123456789012345678901234.b",
			   "tls.server_name");
	expect_rejected_in(full, "pin_sha256 = 00112233", "pin_sha256 = 0011223", "tls.pin_sha256");
	expect_rejected_in(full, "pin_sha256 = 00", "pin_sha256 = g0", "tls.pin_sha256");
	expect_rejected_in(full, "pin_sha256 = 00", "pin_sha256 = 0000", "tls.pin_sha256");
	/* tls listed without what it needs */
	expect_rejected_in(full, "ca = operator-ca.pem\n", "", "hems.tls");
	expect_rejected_in(full, "cert = dcf-cert.pem\n", "", "hems.tls");
	expect_rejected_in(full, "url = https://127.0.0.1:7443/v1/distress\n", "", "hems.tls");
	/* a section of a method that is not listed is unused, but still checked */
	struct dcf_config cfg;
	char *udp_only = variant_of(full, "methods = tls, plain-http,plain-udp",
				    "methods = plain-udp");
	expect_accepted_in(udp_only, "ca = operator-ca.pem\n", "", &cfg);
	assert_int_equal(cfg.n_methods, 1);
	expect_rejected_in(udp_only, "ca = operator-ca.pem", "ca = a/b", "tls.ca");
	free(udp_only);
}

static void test_ipsec_and_psk_keys(void **state)
{
	(void)state;
	expect_rejected_in(full, "vici = /run", "vici = run", "ipsec.vici");
	char vici[DCF_VICI_PATH_MAX + 16] = "vici = /";
	memset(vici + strlen(vici), 'v', DCF_VICI_PATH_MAX); /* one byte too many with the '/' */
	vici[8 + DCF_VICI_PATH_MAX] = '\0';
	expect_rejected_in(full, "vici = /run/charon-dcf/charon.vici", vici, "ipsec.vici");
	vici[8 + DCF_VICI_PATH_MAX - 1] = '\0';
	struct dcf_config cfg;
	expect_accepted_in(full, "vici = /run/charon-dcf/charon.vici", vici, &cfg);
	assert_int_equal(strlen(cfg.ipsec_vici), DCF_VICI_PATH_MAX);
	expect_rejected_in(full, "child = distress-1", "child = a/b", "ipsec.child");
	expect_rejected_in(full, "child = distress-1", "child = ..", "ipsec.child");
	expect_rejected_in(full, "endpoint = 10.9.0.1:7701", "endpoint = 10.9.0.1", "ipsec.endpoint");
	expect_rejected_in(full, "initiate_timeout_ms = 2500", "initiate_timeout_ms = 99",
			   "ipsec.initiate_timeout_ms");
	expect_rejected_in(full, "initiate_timeout_ms = 2500", "initiate_timeout_ms = 60001",
			   "ipsec.initiate_timeout_ms");
	expect_rejected_in(full, "endpoint = [2001:db8::7]:7702", "endpoint = psk.example:7702",
			   "psk.endpoint");
	expect_rejected_in(full, "[psk]", "[psk]\nkey = 1", "psk.key");
}

/* [ipsec] daemon = partition: the DCF's own IKE daemon, with its plugin
 * lists; never together with vici, which names a daemon already running. */
static void test_ipsec_daemon_keys(void **state)
{
	static const char own[] = "daemon = partition\nplugins = nonce openssl kernel-netlink "
				  "socket-default vici\nswanctl_plugins = nonce openssl";
	struct dcf_config cfg;
	(void)state;
	expect_accepted_in(full, "vici = /run/charon-dcf/charon.vici", own, &cfg);
	assert_true(cfg.ipsec_daemon_partition);
	assert_string_equal(cfg.ipsec_vici, "");
	assert_string_equal(cfg.ipsec_plugins, "nonce openssl kernel-netlink socket-default vici");
	assert_string_equal(cfg.ipsec_swanctl_plugins, "nonce openssl");
	/* the ipsec method is configured by the daemon, without vici */
	char *ipsec_only = variant_of(full, "methods = tls, plain-http,plain-udp", "methods = ipsec");
	expect_accepted_in(ipsec_only, "vici = /run/charon-dcf/charon.vici", own, &cfg);
	assert_int_equal(cfg.n_methods, 1);
	free(ipsec_only);
	expect_accepted_in(full, "child = distress-1", "child = distress-1\ndaemon = external", &cfg);
	assert_false(cfg.ipsec_daemon_partition);
	/* both: which daemon is trusted must not depend on which key wins */
	expect_rejected_in(full, "child = distress-1", "child = distress-1\ndaemon = partition\n"
			   "plugins = vici", "ipsec.vici");
	expect_rejected_in(full, "vici = /run/charon-dcf/charon.vici", "daemon = partition",
			   "ipsec.plugins");
	expect_rejected_in(full, "child = distress-1", "child = distress-1\nplugins = vici",
			   "ipsec.plugins");
	expect_rejected_in(full, "vici = /run/charon-dcf/charon.vici", "daemon = host",
			   "ipsec.daemon");
	/* plugin names become file names: no paths, no separators but one space */
	static const char *const bad[] = {
		"plugins = ../x", "plugins = a/b", "plugins = vici  nonce", "plugins = vici,nonce",
		"plugins = Vici",
		"plugins = aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",   /* 33 */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char line[128];
		snprintf(line, sizeof(line), "daemon = partition\n%s", bad[i]);
		expect_rejected_in(full, "vici = /run/charon-dcf/charon.vici", line,
				   "ipsec.plugins");
	}
}

/* A method the protocol knows but this build has no transport for is
 * rejected as exactly that; with a transport, it is accepted once configured. */
static void test_methods_and_transports(void **state)
{
	static const char *const names[] = { "tls", "ipsec", "psk", "plain-udp", "plain-http" };
	(void)state;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char line[64], why[64];
		struct dcf_config cfg;
		struct dcf_config_error err;
		snprintf(line, sizeof(line), "methods = %s", names[i]);
		char *text = variant_of(full, "methods = tls, plain-http,plain-udp", line);
		enum mayday_err rc = parse(text, &cfg, &err);
		if (dcf_tx_find(names[i])) {
			if (rc != MAYDAY_OK)
				fail_msg("%s rejected: %s at %s", names[i], err.what, err.key);
			assert_string_equal(cfg.methods[0], names[i]);
		} else {
			assert_int_equal(rc, MAYDAY_E_INVALID);
			snprintf(why, sizeof(why), "method %s: no transport in this build", names[i]);
			assert_string_equal(err.what, why);
			assert_string_equal(err.key, "hems.methods");
		}
		free(text);
	}
	/* The transports this build always has. */
	assert_non_null(dcf_tx_find("tls"));
	assert_non_null(dcf_tx_find("plain-udp"));
	assert_non_null(dcf_tx_find("plain-http"));
	assert_null(dcf_tx_find("carrier-pigeon"));
}

static void test_retry_defaults_and_ipv6(void **state)
{
	static const char text[] =
		"[dcf]\nversion=2.0\nproduct_class=x\nmax_image_size=1\n"
		"[hems]\nmethods = plain-udp ; the only one here\n[udp]\nendpoint=[::1]:65535\n";
	struct dcf_config cfg;
	struct dcf_config_error err;
	(void)state;

	assert_int_equal(parse(text, &cfg, &err), MAYDAY_OK);
	assert_string_equal(cfg.udp_endpoint.host, "::1");
	assert_int_equal(cfg.udp_endpoint.port, 65535);
	assert_int_equal(cfg.initial_ms, 200);
	assert_int_equal(cfg.max_ms, 300000);  /* minutes, not hours */
	assert_int_equal(cfg.attempt_timeout_ms, 500);
	assert_int_equal(cfg.deadline_ms, 0);   /* none: keep trying while powered */
	assert_int_equal(cfg.wait_max_s, 3600);
}

static void test_unknown_key(void **state)
{
	(void)state;
	expect_rejected("initial_ms = 100", "initial_msec = 100", "retry.initial_msec");
	expect_rejected("version = 0.1.0", "vendor = acme", "dcf.vendor");
	/* the key of the first version of dcf.conf, now [udp] endpoint */
	expect_rejected("methods = plain-udp", "methods = plain-udp\nudp = 127.0.0.1:1",
			"hems.udp");
	expect_rejected("endpoint = 127.0.0.1:7701", "url = 127.0.0.1:7701", "udp.url");
}

static void test_unknown_section(void **state)
{
	(void)state;
	expect_rejected("[retry]", "[retries]", "retries.initial_ms");
	expect_rejected("; a comment", "stray = 1", "stray");
}

static void test_unknown_method(void **state)
{
	(void)state;
	expect_rejected("methods = plain-udp", "methods = carrier-pigeon", "hems.methods");
	expect_rejected("methods = plain-udp", "methods = plain-udp, smoke", "hems.methods");
	expect_rejected("methods = plain-udp", "methods = plain-udp, plain-udp", "hems.methods");
	expect_rejected("methods = plain-udp", "methods = plain-udp;", NULL);
	expect_rejected("methods = plain-udp", "methods =", "hems.methods");
	expect_rejected("methods = plain-udp", "methods = plain-udp plain-udp", "hems.methods");
	expect_rejected("methods = plain-udp", "methods = plain-udp,,tls", "hems.methods");
	expect_rejected("methods = plain-udp", "methods = PLAIN-UDP", "hems.methods");
	/* every method once is the most there can be */
	expect_rejected_in(full, "methods = tls, plain-http,plain-udp",
			   "methods = tls, plain-http, plain-udp, ipsec, psk, tls", "hems.methods");
}

static void test_bad_port(void **state)
{
	static const char *from = "endpoint = 127.0.0.1:7701";
	(void)state;

	expect_rejected(from, "endpoint = 127.0.0.1:0", "udp.endpoint");
	expect_rejected(from, "endpoint = 127.0.0.1:65536", "udp.endpoint");
	expect_rejected(from, "endpoint = 127.0.0.1:77a1", "udp.endpoint");
	expect_rejected(from, "endpoint = 127.0.0.1:-1", "udp.endpoint");
	expect_rejected(from, "endpoint = 127.0.0.1", "udp.endpoint");
	expect_rejected(from, "endpoint = 127.0.0.1:", "udp.endpoint");
	/* Names are not resolved by the DCF for datagram endpoints. */
	expect_rejected(from, "endpoint = localhost:7701", "udp.endpoint");
	expect_rejected(from, "endpoint = ::1:7701", "udp.endpoint");
	expect_rejected(from, "endpoint = [::1]7701", "udp.endpoint");
}

static void test_oversized_values(void **state)
{
	(void)state;
	/* 33 characters: one more than a version string may have. */
	expect_rejected("version = 0.1.0", "version = 123456789012345678901234567890123",
			"dcf.version");
	expect_rejected("product_class = femto-a",
			"product_class = 123456789012345678901234567890123", "dcf.product_class");
	expect_rejected("max_image_size = 268435456", "max_image_size = 1099511627777",
			"dcf.max_image_size");
	expect_rejected("max_image_size = 268435456", "max_image_size = 99999999999999999999999",
			"dcf.max_image_size");
	expect_rejected("max_image_size = 268435456", "max_image_size = 0", "dcf.max_image_size");
	expect_rejected("deadline_ms = 20000", "deadline_ms = 86400001", "retry.deadline_ms");
	expect_rejected("attempt_timeout_ms = 300", "attempt_timeout_ms = 5", "retry.attempt_timeout_ms");
	expect_rejected("initial_ms = 100", "initial_ms = 0x10", "retry.initial_ms");
	expect_rejected("max_ms = 4000", "max_ms = 50", "retry.max_ms"); /* below initial_ms */
	expect_rejected("deadline_ms = 20000", "deadline_ms = 20000\nattempts_per_method = 0",
			"retry.attempts_per_method");
	expect_rejected("deadline_ms = 20000", "deadline_ms = 20000\nattempts_per_method = 101",
			"retry.attempts_per_method");
	expect_rejected("deadline_ms = 20000", "deadline_ms = 20000\nreannounce_s = 86401",
			"retry.reannounce_s");
	expect_rejected("deadline_ms = 20000", "deadline_ms = 20000\nreannounce_max = 1001",
			"retry.reannounce_max");
	expect_rejected("deadline_ms = 20000", "deadline_ms = 20000\nreannounce_max = -1",
			"retry.reannounce_max");
	expect_rejected("deadline_ms = 20000", "deadline_ms = 5", "retry.deadline_ms");
	expect_rejected("deadline_ms = 20000", "deadline_ms = 20000\nwait_max_s = 0",
			"retry.wait_max_s");
	expect_rejected("deadline_ms = 20000", "deadline_ms = 20000\nwait_max_s = 86401",
			"retry.wait_max_s");
}

static void test_long_line_and_nul(void **state)
{
	struct dcf_config cfg;
	struct dcf_config_error err;
	char line[DCF_CONFIG_LINE_MAX + 16];
	(void)state;

	/* A comment too long for a line: rejected rather than split in two. */
	memset(line, 'x', sizeof(line) - 1);
	line[0] = ';';
	line[sizeof(line) - 1] = '\0';
	expect_rejected("; a comment", line, NULL);

	char *text = strdup(good);
	assert_non_null(text);
	size_t len = strlen(text);
	text[5] = '\0';
	assert_int_equal(dcf_config_parse(text, len, &cfg, &err), MAYDAY_E_INVALID);
	free(text);

	char *big = malloc(DCF_CONFIG_MAX + 2);
	assert_non_null(big);
	memset(big, '\n', DCF_CONFIG_MAX + 1);
	memcpy(big, good, strlen(good));
	assert_int_equal(dcf_config_parse(big, DCF_CONFIG_MAX + 1, &cfg, &err), MAYDAY_E_TOOBIG);
	/* exactly the limit is fine */
	assert_int_equal(dcf_config_parse(big, DCF_CONFIG_MAX, &cfg, &err), MAYDAY_OK);
	free(big);
}

static void test_duplicates_and_missing(void **state)
{
	(void)state;
	expect_rejected("initial_ms = 100", "initial_ms = 100\ninitial_ms = 200", "retry.initial_ms");
	/* inih's continuation lines arrive as a repeated key: also rejected. */
	expect_rejected("endpoint = 127.0.0.1:7701", "endpoint = 127.0.0.1:7701\n  127.0.0.2:7701",
			"udp.endpoint");
	/* a section given twice is the same section: its keys still count once */
	expect_rejected("[retry]", "[udp]\nendpoint = 127.0.0.1:1\n[retry]", "udp.endpoint");
	expect_rejected("version = 0.1.0\n", "", "dcf.version");
	expect_rejected("methods = plain-udp\n", "", "hems.methods");
	/* plain-udp listed, but no endpoint for it. */
	expect_rejected("endpoint = 127.0.0.1:7701\n", "", "hems.plain-udp");
	expect_rejected("[hems]", "[hems", NULL);
}

/* [cwmp]: files default to [tls]'s; without both files there is no client. */
static void test_cwmp_keys(void **state)
{
	struct dcf_config cfg;
	struct dcf_config_error err;
	(void)state;

	/* No [tls] files and no [cwmp]: remediation impossible, not an error. */
	assert_int_equal(parse(good, &cfg, &err), MAYDAY_OK);
	assert_false(cfg.cwmp_enabled);
	assert_int_equal(cfg.cwmp_timeout_ms, 10000);
	assert_int_equal(cfg.download_timeout_ms, 600000);
	assert_int_equal(cfg.boot_tries, 3);

	/* [tls]'s files are the client's unless [cwmp] names its own. */
	assert_int_equal(parse(full, &cfg, &err), MAYDAY_OK);
	assert_true(cfg.cwmp_enabled);
	assert_string_equal(cfg.cwmp_ca, "operator-ca.pem");
	assert_string_equal(cfg.cwmp_cert, "dcf-cert.pem");
	assert_true(cfg.cwmp_pin_set);   /* [tls]'s, with [tls]'s CA */
	assert_memory_equal(cfg.cwmp_pin_sha256, cfg.tls_pin_sha256, MAYDAY_DIGEST_LEN);
	/* a CA of its own: no pin inherited */
	expect_accepted_in(full, "[retry]", "[cwmp]\nca = acs-ca.pem\n[retry]", &cfg);
	assert_false(cfg.cwmp_pin_set);

	static const char cwmp[] = "[cwmp]\nremediation = on\nca = acs-ca.pem\ncert = acs.pem\n"
		"pin_sha256 = 00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n"
		"timeout_ms = 250\ndownload_timeout_ms = 5000\nboot_tries = 16\n[retry]";
	expect_accepted_in(good, "[retry]", cwmp, &cfg);
	assert_true(cfg.cwmp_enabled);
	assert_string_equal(cfg.cwmp_ca, "acs-ca.pem");
	assert_string_equal(cfg.cwmp_cert, "acs.pem");
	assert_true(cfg.cwmp_pin_set);
	assert_int_equal(cfg.cwmp_pin_sha256[31], 0xff);
	assert_int_equal(cfg.cwmp_timeout_ms, 250);
	assert_int_equal(cfg.download_timeout_ms, 5000);
	assert_int_equal(cfg.boot_tries, 16);

	expect_accepted_in(full, "[retry]", "[cwmp]\nremediation = off\n[retry]", &cfg);
	assert_false(cfg.cwmp_enabled);
	expect_accepted_in(good, "[retry]", "[cwmp]\nca = a.pem\n[retry]", &cfg);
	assert_false(cfg.cwmp_enabled); /* a CA without a certificate */

	expect_rejected("[retry]", "[cwmp]\nremediation = yes\n[retry]", "cwmp.remediation");
	expect_rejected("[retry]", "[cwmp]\nca = ../x.pem\n[retry]", "cwmp.ca");
	expect_rejected("[retry]", "[cwmp]\ncert = \n[retry]", "cwmp.cert");
	expect_rejected("[retry]", "[cwmp]\npin_sha256 = 00\n[retry]", "cwmp.pin_sha256");
	expect_rejected("[retry]", "[cwmp]\ntimeout_ms = 99\n[retry]", "cwmp.timeout_ms");
	expect_rejected("[retry]", "[cwmp]\ndownload_timeout_ms = 86400001\n[retry]",
			"cwmp.download_timeout_ms");
	expect_rejected("[retry]", "[cwmp]\nboot_tries = 0\n[retry]", "cwmp.boot_tries");
	expect_rejected("[retry]", "[cwmp]\nboot_tries = 17\n[retry]", "cwmp.boot_tries");
	expect_rejected("[retry]", "[cwmp]\nurl = https://x/\n[retry]", "cwmp.url");
}

/* docs/dcf.conf.example documents every key: it must stay a valid file. */
/* [dcf] claims names the message version (docs/protocol.md §6.2). */
static void test_claims(void **state)
{
	struct dcf_config cfg;
	struct dcf_config_error err;
	(void)state;

	assert_int_equal(parse(good, &cfg, &err), MAYDAY_OK);
	assert_int_equal(cfg.claims, MAYDAY_CLAIMS_MAYDAY1);   /* the default: version 1 */
	expect_accepted_in(good, "max_image_size = 268435456\n",
			   "max_image_size = 268435456\nclaims = eat\n", &cfg);
	assert_int_equal(cfg.claims, MAYDAY_CLAIMS_EAT);
	expect_accepted_in(good, "max_image_size = 268435456\n",
			   "max_image_size = 268435456\nclaims = mayday1\n", &cfg);
	assert_int_equal(cfg.claims, MAYDAY_CLAIMS_MAYDAY1);
	expect_rejected("max_image_size = 268435456\n",
			"max_image_size = 268435456\nclaims = EAT\n", "dcf.claims");
	expect_rejected("max_image_size = 268435456\n",
			"max_image_size = 268435456\nclaims = 2\n", "dcf.claims");
	expect_rejected("max_image_size = 268435456\n",
			"max_image_size = 268435456\nclaims = eat\nclaims = eat\n", "dcf.claims");
}

static void test_documented_example(void **state)
{
	struct dcf_config cfg;
	struct dcf_config_error err;
	char buf[DCF_CONFIG_MAX + 1];
	FILE *f = fopen(DCF_CONF_EXAMPLE, "rb");
	(void)state;

	assert_non_null(f);
	size_t len = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	assert_true(len <= DCF_CONFIG_MAX);
	if (dcf_config_parse(buf, len, &cfg, &err) != MAYDAY_OK)
		fail_msg("rejected: %s at %s", err.what, err.key);
	assert_string_equal(cfg.methods[0], "tls");
	assert_true(cfg.tls_url.set && cfg.http_url.set && cfg.udp_endpoint.set &&
		    cfg.psk_endpoint.set && cfg.ipsec_endpoint.set);
	assert_int_equal(cfg.deadline_ms, 0);
	assert_int_equal(cfg.max_ms, 300000);
	assert_int_equal(cfg.wait_max_s, 3600);
	assert_true(cfg.cwmp_enabled);
	assert_int_equal(cfg.boot_tries, 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_every_section),
		cmocka_unit_test(test_urls),
		cmocka_unit_test(test_tls_keys),
		cmocka_unit_test(test_ipsec_and_psk_keys),
		cmocka_unit_test(test_ipsec_daemon_keys),
		cmocka_unit_test(test_methods_and_transports),
		cmocka_unit_test(test_retry_defaults_and_ipv6),
		cmocka_unit_test(test_claims),
		cmocka_unit_test(test_unknown_key),
		cmocka_unit_test(test_unknown_section),
		cmocka_unit_test(test_unknown_method),
		cmocka_unit_test(test_bad_port),
		cmocka_unit_test(test_oversized_values),
		cmocka_unit_test(test_long_line_and_nul),
		cmocka_unit_test(test_duplicates_and_missing),
		cmocka_unit_test(test_cwmp_keys),
		cmocka_unit_test(test_documented_example),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

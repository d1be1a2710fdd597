/* dcf.conf parsing: what is accepted, and that everything else is rejected
 * with the offending key named. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dcf_config.h"

static const char good[] =
	"; a comment\n"
	"[dcf]\n"
	"version = 0.1.0\n"
	"product_class = femto-a\n"
	"max_image_size = 268435456\n"
	"\n"
	"[hems]\n"
	"methods = plain-udp\n"
	"udp = 127.0.0.1:7701\n"
	"\n"
	"[retry]\n"
	"initial_ms = 100\n"
	"max_ms = 4000\n"
	"attempt_timeout_ms = 300\n"
	"deadline_ms = 20000\n";

static enum mayday_err parse(const char *text, struct dcf_config *cfg, struct dcf_config_error *err)
{
	return dcf_config_parse(text, strlen(text), cfg, err);
}

/* `good` with line `from` replaced by `to` (a whole line, without newline). */
static char *variant(const char *from, const char *to)
{
	const char *at = strstr(good, from);
	assert_non_null(at);
	size_t head = (size_t)(at - good), from_len = strlen(from);
	size_t len = strlen(good) - from_len + strlen(to);
	char *out = malloc(len + 1);
	assert_non_null(out);
	memcpy(out, good, head);
	memcpy(out + head, to, strlen(to));
	strcpy(out + head + strlen(to), at + from_len);
	return out;
}

static void expect_rejected(const char *from, const char *to, const char *key)
{
	struct dcf_config cfg;
	struct dcf_config_error err;
	char *text = variant(from, to);

	assert_int_equal(parse(text, &cfg, &err), MAYDAY_E_INVALID);
	assert_non_null(err.what);
	if (key)
		assert_string_equal(err.key, key);
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
	assert_true(cfg.udp.set);
	assert_string_equal(cfg.udp.host, "127.0.0.1");
	assert_int_equal(cfg.udp.port, 7701);
	assert_int_equal(cfg.initial_ms, 100);
	assert_int_equal(cfg.max_ms, 4000);
	assert_int_equal(cfg.attempt_timeout_ms, 300);
	assert_int_equal(cfg.deadline_ms, 20000);
}

static void test_retry_defaults_and_ipv6(void **state)
{
	static const char text[] =
		"[dcf]\nversion=2.0\nproduct_class=x\nmax_image_size=1\n"
		"[hems]\nmethods = plain-udp ; the only one so far\nudp=[::1]:65535\n";
	struct dcf_config cfg;
	struct dcf_config_error err;
	(void)state;

	assert_int_equal(parse(text, &cfg, &err), MAYDAY_OK);
	assert_string_equal(cfg.udp.host, "::1");
	assert_int_equal(cfg.udp.port, 65535);
	assert_int_equal(cfg.initial_ms, 200);
	assert_int_equal(cfg.max_ms, 5000);
	assert_int_equal(cfg.attempt_timeout_ms, 500);
	assert_int_equal(cfg.deadline_ms, 30000);
}

static void test_unknown_key(void **state)
{
	(void)state;
	expect_rejected("initial_ms = 100", "initial_msec = 100", "retry.initial_msec");
	expect_rejected("version = 0.1.0", "vendor = acme", "dcf.vendor");
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
}

static void test_bad_port(void **state)
{
	(void)state;
	expect_rejected("udp = 127.0.0.1:7701", "udp = 127.0.0.1:0", "hems.udp");
	expect_rejected("udp = 127.0.0.1:7701", "udp = 127.0.0.1:65536", "hems.udp");
	expect_rejected("udp = 127.0.0.1:7701", "udp = 127.0.0.1:77a1", "hems.udp");
	expect_rejected("udp = 127.0.0.1:7701", "udp = 127.0.0.1:-1", "hems.udp");
	expect_rejected("udp = 127.0.0.1:7701", "udp = 127.0.0.1", "hems.udp");
	expect_rejected("udp = 127.0.0.1:7701", "udp = 127.0.0.1:", "hems.udp");
	/* Names are not resolved by the DCF. */
	expect_rejected("udp = 127.0.0.1:7701", "udp = localhost:7701", "hems.udp");
	expect_rejected("udp = 127.0.0.1:7701", "udp = ::1:7701", "hems.udp");
	expect_rejected("udp = 127.0.0.1:7701", "udp = [::1]7701", "hems.udp");
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
	free(big);
}

static void test_duplicates_and_missing(void **state)
{
	(void)state;
	expect_rejected("initial_ms = 100", "initial_ms = 100\ninitial_ms = 200", "retry.initial_ms");
	/* inih's continuation lines arrive as a repeated key: also rejected. */
	expect_rejected("udp = 127.0.0.1:7701", "udp = 127.0.0.1:7701\n  127.0.0.2:7701", "hems.udp");
	expect_rejected("version = 0.1.0\n", "", "dcf.version");
	expect_rejected("methods = plain-udp\n", "", "hems.methods");
	/* plain-udp listed, but no endpoint for it. */
	expect_rejected("udp = 127.0.0.1:7701\n", "", "hems.plain-udp");
	expect_rejected("[hems]", "[hems", NULL);
}

/* docs/dcf.conf.example documents every key: it must stay a valid file. */
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
	assert_int_equal(dcf_config_parse(buf, len, &cfg, &err), MAYDAY_OK);
	assert_string_equal(cfg.methods[0], "plain-udp");
	assert_int_equal(cfg.deadline_ms, 30000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_retry_defaults_and_ipv6),
		cmocka_unit_test(test_unknown_key),
		cmocka_unit_test(test_unknown_section),
		cmocka_unit_test(test_unknown_method),
		cmocka_unit_test(test_bad_port),
		cmocka_unit_test(test_oversized_values),
		cmocka_unit_test(test_long_line_and_nul),
		cmocka_unit_test(test_duplicates_and_missing),
		cmocka_unit_test(test_documented_example),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: Apache-2.0 */
/* The tests' HAL backend specs from the environment (hal_specs.h). */
#include "hal_specs.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *env_or(const char *name, const char *dflt)
{
	const char *v = getenv(name);

	return v && *v ? v : dflt;
}

const char *hal_specs_flash(void)
{
	return env_or("MAYDAY_TEST_FLASH", "host");
}

const char *hal_specs_rot(void)
{
	return env_or("MAYDAY_TEST_ROT", "file");
}

const char *hal_specs_fault(const char *fmt, ...)
{
	static char buf[1024];
	const char *base = env_or("MAYDAY_TEST_FAULT", "fault");
	va_list ap;
	int n;

	/* Options follow the backend name after ':', or the backend's own
	 * options after ','. */
	n = snprintf(buf, sizeof buf, "%s%s", base, fmt ? (strchr(base, ':') ? "," : ":") : "");
	assert_true(n > 0 && (size_t)n < sizeof buf);
	if (fmt) {
		va_start(ap, fmt);
		int m = vsnprintf(buf + n, sizeof buf - (size_t)n, fmt, ap);
		va_end(ap);
		assert_true(m >= 0 && (size_t)m < sizeof buf - (size_t)n);
	}
	return buf;
}

void hal_specs_filter(void)
{
	const char *f = getenv("MAYDAY_TEST_FILTER"), *skip = getenv("MAYDAY_TEST_SKIP");

	if (f && *f)
		cmocka_set_test_filter(f);
	if (skip && *skip)
		cmocka_set_skip_filter(skip);
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The build record in an executable (mayday/build_record.h): found by its
 * magic, parsed with every length bounded before any byte is copied.
 */
#include <string.h>

#include "mayday/build_record.h"

#define COMMIT_KEY "commit="
#define TOOLCHAIN_KEY " toolchain="

static bool commit_char(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || c == '-';
}

static bool toolchain_char(unsigned char c)
{
	return c >= 0x20 && c <= 0x7e;
}

bool mayday_build_commit_ok(const char *s)
{
	size_t n = s ? strnlen(s, MAYDAY_BUILD_COMMIT_MAX + 1) : 0;

	if (n < 1 || n > MAYDAY_BUILD_COMMIT_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!commit_char((unsigned char)s[i]))
			return false;
	return true;
}

bool mayday_build_toolchain_ok(const char *s)
{
	size_t n = s ? strnlen(s, MAYDAY_BUILD_TOOLCHAIN_MAX + 1) : 0;

	if (n < 1 || n > MAYDAY_BUILD_TOOLCHAIN_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!toolchain_char((unsigned char)s[i]))
			return false;
	return true;
}

/* The run of bytes at p (at most `cap` bytes, stopping before `avail`)
 * accepted by `ok`: its length, or 0 if it is empty or longer than `cap`. */
static size_t span(const uint8_t *p, size_t avail, size_t cap, bool (*ok)(unsigned char),
		   unsigned char stop)
{
	size_t n = 0;

	while (n < avail && n <= cap && p[n] != stop && ok(p[n]))
		n++;
	return n > cap ? 0 : n;
}

static enum mayday_err parse(const uint8_t *p, size_t avail, struct mayday_build_record *out)
{
	const size_t ck = strlen(COMMIT_KEY), tk = strlen(TOOLCHAIN_KEY);
	size_t n;

	if (avail < ck || memcmp(p, COMMIT_KEY, ck) != 0)
		return MAYDAY_E_MALFORMED;
	p += ck;
	avail -= ck;
	n = span(p, avail, MAYDAY_BUILD_COMMIT_MAX, commit_char, ' ');
	if (n == 0)
		return MAYDAY_E_MALFORMED;
	memcpy(out->commit, p, n);
	p += n;
	avail -= n;
	if (avail < tk || memcmp(p, TOOLCHAIN_KEY, tk) != 0)
		return MAYDAY_E_MALFORMED;
	p += tk;
	avail -= tk;
	n = span(p, avail, MAYDAY_BUILD_TOOLCHAIN_MAX, toolchain_char, '\0');
	/* It must end with its NUL, inside the buffer. */
	if (n == 0 || n >= avail || p[n] != '\0')
		return MAYDAY_E_MALFORMED;
	memcpy(out->toolchain, p, n);
	return MAYDAY_OK;
}

enum mayday_err mayday_build_record_find(const uint8_t *buf, size_t len,
					 struct mayday_build_record *out)
{
	const size_t mk = strlen(MAYDAY_BUILD_RECORD_MAGIC);
	const uint8_t *p = buf, *end = buf + len;

	if (!out || (!buf && len))
		return MAYDAY_E_INVALID;
	memset(out, 0, sizeof(*out));
	/* The magic also appears alone, as the literal this file searches for
	 * (libmayday is in the DCF): such a match is skipped. */
	while (p && (size_t)(end - p) >= mk) {
		const uint8_t *at = memmem(p, (size_t)(end - p), MAYDAY_BUILD_RECORD_MAGIC, mk);

		if (!at)
			break;
		if (parse(at + mk, (size_t)(end - at) - mk, out) == MAYDAY_OK)
			return MAYDAY_OK;
		memset(out, 0, sizeof(*out));
		p = at + 1;
	}
	return MAYDAY_E_NOTFOUND;
}

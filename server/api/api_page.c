/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Query parameters the read routes share (api_page.h): limit, cursor and
 * times. The cursor's base64url is coded here rather than with OpenSSL's
 * EVP_DecodeBlock, which accepts padding, whitespace and the other alphabet:
 * a cursor has exactly one spelling, so a changed one is always noticed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api_page.h"

static const char b64url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

bool api_query_check(const char *query, const char *const *allowed, struct api_response *rs,
		     enum mayday_err *err)
{
	const char *p = query;
	char key[64], value[API_PATH_MAX + 1];
	while (p != NULL && *p != '\0') {
		const char *amp = strchr(p, '&');
		size_t len = amp != NULL ? (size_t)(amp - p) : strlen(p);
		const char *eq = memchr(p, '=', len);
		size_t klen = eq != NULL ? (size_t)(eq - p) : len;
		bool known = false;
		if (len > 0 && api_decode(p, klen, true, key, sizeof(key)) < 0) {
			*err = api_error(rs, 400, API_E_BAD_REQUEST, "malformed query parameter");
			return false;
		}
		for (size_t i = 0; len > 0 && allowed[i] != NULL && !known; i++)
			known = strcmp(allowed[i], key) == 0;
		if (len > 0 && !known) {
			*err = api_error(rs, 400, API_E_BAD_REQUEST, "unknown query parameter '%s'",
					 key);
			return false;
		}
		if (len > 0 && api_query_find(query, key, value, sizeof(value)) != 1) {
			*err = api_error(rs, 400, API_E_BAD_REQUEST,
					 "query parameter '%s' malformed or given twice", key);
			return false;
		}
		p += len;
		if (*p == '&')
			p++;
	}
	return true;
}

bool api_parse_id(const char *s, int64_t *out)
{
	char *end;
	if (s[0] < '1' || s[0] > '9' || strlen(s) > 19)
		return false;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || v <= 0)
		return false;
	*out = (int64_t)v;
	return true;
}

bool api_query_limit(const char *query, unsigned *limit, struct api_response *rs,
		     enum mayday_err *err)
{
	char v[16];
	int64_t n;
	int f = api_query_find(query, "limit", v, sizeof(v));
	*limit = API_PAGE_DEFAULT;
	if (f == 0)
		return true;
	if (f < 0 || !api_parse_id(v, &n) || n > API_PAGE_MAX) {
		*err = api_error(rs, 400, API_E_BAD_REQUEST, "limit: want 1..%u", API_PAGE_MAX);
		return false;
	}
	*limit = (unsigned)n;
	return true;
}

static int b64val(char c)
{
	const char *p = c != '\0' ? strchr(b64url, c) : NULL;
	return p != NULL ? (int)(p - b64url) : -1;
}

/* Strict base64url without padding: the last character's unused bits must
 * be zero, so every byte string has one encoding. -1 when malformed. */
static ssize_t b64url_decode(const char *s, unsigned char *out, size_t cap)
{
	size_t n = strlen(s), o = 0;
	uint32_t acc = 0;
	int bits = 0;
	if (n % 4 == 1)
		return -1;
	for (size_t i = 0; i < n; i++) {
		int v = b64val(s[i]);
		if (v < 0)
			return -1;
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (o >= cap)
				return -1;
			out[o++] = (unsigned char)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	if (acc != 0)
		return -1;
	return (ssize_t)o;
}

static void b64url_encode(const unsigned char *in, size_t n, char *out)
{
	size_t o = 0;
	uint32_t acc = 0;
	int bits = 0;
	for (size_t i = 0; i < n; i++) {
		acc = acc << 8 | in[i];
		bits += 8;
		while (bits >= 6) {
			bits -= 6;
			out[o++] = b64url[(acc >> bits) & 63];
		}
	}
	if (bits > 0)
		out[o++] = b64url[(acc << (6 - bits)) & 63];
	out[o] = '\0';
}

json_t *api_cursor_json(char kind, const char *key)
{
	unsigned char raw[API_PARAM_MAX + 3];
	char enc[API_CURSOR_MAX + 1];
	size_t n = strlen(key);
	if (n > API_PARAM_MAX)
		return NULL;
	raw[0] = (unsigned char)kind;
	raw[1] = ':';
	memcpy(raw + 2, key, n);
	b64url_encode(raw, n + 2, enc);
	return json_string(enc);
}

/* A key of its kind: an id, or a device ID (printable ASCII, no space). */
static bool key_ok(char kind, const char *key)
{
	int64_t id;
	if (kind != 'd')
		return api_parse_id(key, &id);
	if (key[0] == '\0')
		return false;
	for (const char *c = key; *c; c++)
		if (*c <= 0x20 || *c >= 0x7f)
			return false;
	return true;
}

bool api_query_cursor(const char *query, char kind, char *out, size_t cap,
		      struct api_response *rs, enum mayday_err *err)
{
	char v[API_CURSOR_MAX + 1];
	unsigned char raw[API_CURSOR_MAX];
	int f = api_query_find(query, "cursor", v, sizeof(v));
	ssize_t n;
	out[0] = '\0';
	if (f == 0)
		return true;
	if (f < 0 || (n = b64url_decode(v, raw, sizeof(raw))) < 3 || raw[0] != (unsigned char)kind ||
	    raw[1] != ':' || (size_t)n - 2 >= cap || memchr(raw, '\0', (size_t)n) != NULL) {
		*err = api_error(rs, 400, API_E_BAD_REQUEST, "cursor: not one this listing gave");
		return false;
	}
	memcpy(out, raw + 2, (size_t)n - 2);
	out[n - 2] = '\0';
	if (!key_ok(kind, out)) {
		out[0] = '\0';
		*err = api_error(rs, 400, API_E_BAD_REQUEST, "cursor: not one this listing gave");
		return false;
	}
	return true;
}

bool api_parse_time(const char *s, int64_t *out)
{
	struct tm tm;
	int64_t id;
	if (strcmp(s, "0") == 0) {
		*out = 0;
		return true;
	}
	if (api_parse_id(s, &id)) {
		*out = id;
		return true;
	}
	memset(&tm, 0, sizeof(tm));
	const char *end = strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (end == NULL || *end != '\0' || strlen(s) != 20)
		return false;
	time_t t = timegm(&tm);
	char back[32];
	struct tm again;
	/* written back the same, or it named no real time ("2026-02-31"
	 * would otherwise become the 3rd of March) */
	if (t == (time_t)-1 || t < 0 || gmtime_r(&t, &again) == NULL ||
	    strftime(back, sizeof(back), "%Y-%m-%dT%H:%M:%SZ", &again) == 0 || strcmp(back, s) != 0)
		return false;
	*out = (int64_t)t;
	return true;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Building responses (api.h): the JSON error shape every failure shares,
 * the mapping of store errors to statuses, role names, and the query
 * string's parameters. Percent-decoding is strict: a '%' not followed by
 * two hex digits, or a decoded NUL, is a malformed parameter rather than
 * something guessed at, so two readers of one URL can never disagree.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "api_page.h"

void api_response_clear(struct api_response *rs)
{
	if (rs == NULL)
		return;
	json_decref(rs->body);
	free(rs->raw);
	memset(rs, 0, sizeof(*rs));
}

enum mayday_err api_error(struct api_response *rs, int status, const char *code,
			  const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	api_response_clear(rs);
	rs->status = status;
	/* the message may quote a client's bytes: jansson refuses invalid
	 * UTF-8, so those are replaced rather than losing the error */
	json_t *m = json_string(msg);
	if (m == NULL) {
		for (char *p = msg; *p; p++)
			if ((unsigned char)*p >= 0x80 || (unsigned char)*p < 0x20)
				*p = '?';
		m = json_string(msg);
	}
	rs->body = json_pack("{s:{s:s,s:o*}}", "error", "code", code, "message", m);
	return rs->body != NULL ? MAYDAY_OK : MAYDAY_E_NOMEM;
}

enum mayday_err api_json(struct api_response *rs, int status, json_t *body)
{
	api_response_clear(rs);
	if (body == NULL)
		return api_error(rs, 500, API_E_INTERNAL, "out of memory");
	rs->status = status;
	rs->body = body;
	return MAYDAY_OK;
}

enum mayday_err api_store_error(struct api_response *rs, enum mayday_err err, const char *what)
{
	if (err == MAYDAY_E_NOTFOUND)
		return api_error(rs, 404, API_E_NOT_FOUND, "%s: not found", what);
	if (err == MAYDAY_E_NOMEM)
		return MAYDAY_E_NOMEM;
	return api_error(rs, 500, API_E_INTERNAL, "%s: %s", what, mayday_strerror(err));
}

const char *api_role_name(enum api_role r)
{
	switch (r) {
	case API_ROLE_VIEWER: return "viewer";
	case API_ROLE_OPERATOR: return "operator";
	case API_ROLE_ADMIN: return "admin";
	default: return "none";
	}
}

enum api_role api_role_parse(const char *s)
{
	if (s == NULL)
		return API_ROLE_NONE;
	if (strcmp(s, "viewer") == 0)
		return API_ROLE_VIEWER;
	if (strcmp(s, "operator") == 0)
		return API_ROLE_OPERATOR;
	if (strcmp(s, "admin") == 0)
		return API_ROLE_ADMIN;
	return API_ROLE_NONE;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

ssize_t api_decode(const char *s, size_t n, bool plus_space, char *out, size_t cap)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '%') {
			int hi, lo;
			if (i + 2 >= n || (hi = hexval(s[i + 1])) < 0 || (lo = hexval(s[i + 2])) < 0)
				return -1;
			c = (char)(hi << 4 | lo);
			i += 2;
			if (c == '\0')
				return -1;
		} else if (c == '+' && plus_space) {
			c = ' ';
		} else if (c == '\0') {
			return -1;
		}
		if (o + 1 >= cap)
			return -1;
		out[o++] = c;
	}
	if (cap == 0)
		return -1;
	out[o] = '\0';
	return (ssize_t)o;
}

int api_query_find(const char *query, const char *name, char *out, size_t cap)
{
	size_t nlen = strlen(name);
	const char *p = query;
	int found = 0;
	if (query == NULL)
		return 0;
	while (*p != '\0') {
		const char *amp = strchr(p, '&');
		size_t len = amp != NULL ? (size_t)(amp - p) : strlen(p);
		const char *eq = memchr(p, '=', len);
		size_t klen = eq != NULL ? (size_t)(eq - p) : len;
		char key[64];
		ssize_t k = api_decode(p, klen, true, key, sizeof(key));
		if (k < 0 && klen < sizeof(key))
			return -1;   /* a malformed name */
		if (k >= 0 && (size_t)k == nlen && memcmp(key, name, nlen) == 0) {
			if (found)
				return -1;   /* given twice: which one was meant? */
			const char *v = eq != NULL ? eq + 1 : p + len;
			size_t vlen = eq != NULL ? len - klen - 1 : 0;
			if (api_decode(v, vlen, true, out, cap) < 0)
				return -1;
			found = 1;
		}
		p += len;
		if (*p == '&')
			p++;
	}
	return found;
}

bool api_query_get(const char *query, const char *name, char *out, size_t cap)
{
	return api_query_find(query, name, out, cap) == 1;
}

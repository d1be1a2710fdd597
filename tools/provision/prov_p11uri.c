/* SPDX-License-Identifier: Apache-2.0 */
/*
 * RFC 7512 PKCS#11 URI parser (prov_p11uri.h). p11-kit has one
 * (p11_kit_uri_parse), but it carries p11-kit's module registry with it and
 * accepts attributes we would then have to reject one by one; the grammar
 * we need is small: split on ';' then '?' then '&', percent-decode, and
 * store each known attribute once, bounded by its field.
 */
#include "prov_p11uri.h"

#include <string.h>
#include <openssl/crypto.h>

/* Percent-decodes s[0..len) into out (cap bytes); returns the decoded length
 * or -1 (bad escape, too long, a NUL when `text`). */
static long decode(const char *s, size_t len, uint8_t *out, size_t cap, bool text)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++) {
		int c = (unsigned char)s[i];
		if (c == '%') {
			if (i + 2 >= len)
				return -1;
			int h = OPENSSL_hexchar2int((unsigned char)s[i + 1]),
			    l = OPENSSL_hexchar2int((unsigned char)s[i + 2]);
			if (h < 0 || l < 0)
				return -1;
			c = h * 16 + l;
			i += 2;
		}
		if ((text && c == 0) || n >= cap)
			return -1;
		out[n++] = (uint8_t)c;
	}
	return (long)n;
}

static int set_text(char *field, size_t cap, bool *seen, const char *v, size_t len)
{
	long n;

	if (*seen)
		return 0;
	*seen = true;
	n = decode(v, len, (uint8_t *)field, cap - 1, true);
	if (n < 0)
		return 0;
	field[n] = '\0';
	return 1;
}

enum seen_bit { S_TOKEN, S_MANUF, S_SERIAL, S_MODEL, S_SLOT, S_OBJECT, S_ID, S_TYPE, S_PIN,
		S_PINSRC, S_MODULE, S_N };

static int path_attr(struct prov_p11uri *u, bool seen[S_N], const char *k, size_t klen,
		     const char *v, size_t vlen, const char **why)
{
#define IS(name) (klen == sizeof(name) - 1 && memcmp(k, name, klen) == 0)
	*why = "a bad or repeated value";
	if (IS("token"))
		return set_text(u->token, sizeof u->token, &seen[S_TOKEN], v, vlen);
	if (IS("manufacturer"))
		return set_text(u->manufacturer, sizeof u->manufacturer, &seen[S_MANUF], v, vlen);
	if (IS("serial"))
		return set_text(u->serial, sizeof u->serial, &seen[S_SERIAL], v, vlen);
	if (IS("model"))
		return set_text(u->model, sizeof u->model, &seen[S_MODEL], v, vlen);
	if (IS("object"))
		return set_text(u->object, sizeof u->object, &seen[S_OBJECT], v, vlen);
	if (IS("id")) {
		long n;
		if (seen[S_ID])
			return 0;
		seen[S_ID] = true;
		n = decode(v, vlen, u->id, sizeof u->id, false);
		if (n <= 0)
			return 0;
		u->id_len = (size_t)n;
		u->has_id = true;
		return 1;
	}
	if (IS("type")) {
		if (seen[S_TYPE])
			return 0;
		seen[S_TYPE] = true;
		*why = "type must be \"private\" (the signing key)";
		return vlen == 7 && memcmp(v, "private", 7) == 0;
	}
	if (IS("slot-id")) {
		uint64_t x = 0;
		if (seen[S_SLOT] || vlen == 0 || vlen > 20)
			return 0;
		seen[S_SLOT] = true;
		for (size_t i = 0; i < vlen; i++) {
			if (v[i] < '0' || v[i] > '9' || x > (UINT64_MAX - (uint64_t)(v[i] - '0')) / 10)
				return 0;
			x = x * 10 + (uint64_t)(v[i] - '0');
		}
		u->slot_id = x;
		u->has_slot_id = true;
		return 1;
	}
	*why = "an unknown path attribute (token, manufacturer, serial, model, slot-id, "
	       "object, id, type are known)";
	return 0;
}

static int query_attr(struct prov_p11uri *u, bool seen[S_N], const char *k, size_t klen,
		      const char *v, size_t vlen, const char **why)
{
	*why = "a bad or repeated value";
	if (IS("pin-value")) {
		u->has_pin = true;
		return set_text(u->pin, sizeof u->pin, &seen[S_PIN], v, vlen);
	}
	if (IS("pin-source"))
		return set_text(u->pin_source, sizeof u->pin_source, &seen[S_PINSRC], v, vlen);
	if (IS("module-path"))
		return set_text(u->module_path, sizeof u->module_path, &seen[S_MODULE], v, vlen);
	*why = "an unknown query attribute (pin-value, pin-source, module-path are known)";
	return 0;
#undef IS
}

enum mayday_err prov_p11uri_parse(const char *uri, struct prov_p11uri *out, const char **why,
				  size_t *at)
{
	bool seen[S_N] = { false };
	size_t len, i, start;
	int query = 0;

	memset(out, 0, sizeof *out);
	*why = NULL;
	*at = 0;
	len = strnlen(uri, PROV_P11URI_MAX + 1);
	if (len > PROV_P11URI_MAX) {
		*why = "longer than 2048 bytes";
		goto bad;
	}
	if (strncmp(uri, "pkcs11:", 7) != 0) {
		*why = "does not start with \"pkcs11:\"";
		goto bad;
	}
	for (start = i = 7; i <= len; i++) {
		char c = uri[i];
		int end_attr = c == '\0' || (!query && (c == ';' || c == '?')) || (query && c == '&');
		if (!end_attr)
			continue;
		if (i > start) {
			const char *a = uri + start, *eq = memchr(a, '=', i - start);
			if (!eq || eq == a) {
				*why = "an attribute without NAME=";
				*at = start;
				goto bad;
			}
			size_t klen = (size_t)(eq - a), vlen = i - start - klen - 1;
			int ok = query ? query_attr(out, seen, a, klen, eq + 1, vlen, why)
				       : path_attr(out, seen, a, klen, eq + 1, vlen, why);
			if (!ok) {
				*at = start;
				goto bad;
			}
		} else if (c != '\0' && !(c == '?' && !query)) {
			*why = "an empty attribute";
			*at = i;
			goto bad;
		}
		if (c == '?')
			query = 1;
		start = i + 1;
	}
	if (seen[S_PIN] && seen[S_PINSRC]) {
		*why = "pin-value and pin-source together";
		goto bad;
	}
	return MAYDAY_OK;
bad:
	prov_p11uri_wipe(out);
	return MAYDAY_E_INVALID;
}

void prov_p11uri_wipe(struct prov_p11uri *u)
{
	if (u)
		OPENSSL_cleanse(u, sizeof *u);
}

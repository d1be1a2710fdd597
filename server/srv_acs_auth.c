/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Digest and Basic for the ACS (srv_acs_auth.h). The header is parsed in
 * one pass over a bounded string: "Basic" token68, or "Digest" followed by
 * comma-separated auth-params whose values are tokens or quoted strings
 * (backslash escapes a character). Unknown parameters are skipped.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "srv_acs_auth.h"

static bool is_space(char c)
{
	return c == ' ' || c == '\t';
}

static bool is_tchar(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static enum mayday_err parse_basic(const char *p, struct srv_acs_authz *out)
{
	unsigned char raw[2 * SRV_ACS_AUTH_FIELD_MAX + 4];
	size_t n = strlen(p);
	while (n > 0 && is_space(p[n - 1]))
		n--;
	if (n == 0 || n % 4 != 0)
		return MAYDAY_E_MALFORMED;
	if (n / 4 * 3 > sizeof(raw) - 1)
		return MAYDAY_E_TOOBIG;
	for (size_t i = 0; i < n; i++)
		if (!((p[i] >= 'A' && p[i] <= 'Z') || (p[i] >= 'a' && p[i] <= 'z') ||
		      (p[i] >= '0' && p[i] <= '9') || p[i] == '+' || p[i] == '/' ||
		      (p[i] == '=' && i >= n - 2)))
			return MAYDAY_E_MALFORMED;
	int len = EVP_DecodeBlock(raw, (const unsigned char *)p, (int)n);
	if (len < 0)
		return MAYDAY_E_MALFORMED;
	len -= (p[n - 1] == '=') + (p[n - 2] == '=');   /* DecodeBlock counts the padding */
	raw[len] = '\0';
	if (memchr(raw, '\0', (size_t)len) != NULL)
		return MAYDAY_E_MALFORMED;
	char *colon = strchr((char *)raw, ':');
	if (colon == NULL || colon == (char *)raw)
		return MAYDAY_E_MALFORMED;
	*colon = '\0';
	if (strlen((char *)raw) > SRV_ACS_AUTH_FIELD_MAX || strlen(colon + 1) > SRV_ACS_AUTH_FIELD_MAX)
		return MAYDAY_E_TOOBIG;
	strcpy(out->username, (char *)raw);
	strcpy(out->password, colon + 1);
	OPENSSL_cleanse(raw, sizeof(raw));
	out->scheme = SRV_ACS_AUTH_BASIC;
	return MAYDAY_OK;
}

enum param { P_USERNAME, P_REALM, P_NONCE, P_URI, P_RESPONSE, P_CNONCE, P_NC, P_QOP,
	     P_ALGORITHM, P_USERHASH, P__COUNT };

static const char *const param_names[P__COUNT] = {
	"username", "realm", "nonce", "uri", "response", "cnonce", "nc", "qop", "algorithm",
	"userhash"};

/* One auth-param at *pp: name into name[cap_n], value into value[cap_v]. */
static enum mayday_err next_param(const char **pp, char *name, size_t cap_n, char *value,
				  size_t cap_v)
{
	const char *p = *pp;
	size_t n = 0;
	while (is_tchar(*p)) {
		if (n + 1 >= cap_n)
			return MAYDAY_E_MALFORMED;   /* no parameter we know is that long */
		name[n++] = *p++;
	}
	name[n] = '\0';
	if (n == 0)
		return MAYDAY_E_MALFORMED;
	while (is_space(*p))
		p++;
	if (*p++ != '=')
		return MAYDAY_E_MALFORMED;
	while (is_space(*p))
		p++;
	n = 0;
	if (*p == '"') {
		for (p++; *p != '"'; p++) {
			if (*p == '\\')
				p++;
			if (*p == '\0' || (unsigned char)*p < ' ' || *p == 0x7f)
				return MAYDAY_E_MALFORMED;
			if (n + 1 >= cap_v)
				return MAYDAY_E_TOOBIG;
			value[n++] = *p;
		}
		p++;
	} else {
		while (is_tchar(*p)) {
			if (n + 1 >= cap_v)
				return MAYDAY_E_TOOBIG;
			value[n++] = *p++;
		}
		if (n == 0)
			return MAYDAY_E_MALFORMED;
	}
	value[n] = '\0';
	while (is_space(*p))
		p++;
	if (*p == ',') {
		p++;
		while (is_space(*p) || *p == ',')
			p++;
	} else if (*p != '\0') {
		return MAYDAY_E_MALFORMED;
	}
	*pp = p;
	return MAYDAY_OK;
}

static bool hex_of(const char *s, size_t min, size_t max)
{
	size_t n = strlen(s);
	return n >= min && n <= max && strspn(s, "0123456789abcdefABCDEF") == n;
}

static enum mayday_err parse_digest(const char *p, struct srv_acs_authz *out)
{
	char name[16], value[SRV_ACS_AUTH_FIELD_MAX + 1];
	char *const dst[P__COUNT] = {out->username, out->realm, out->nonce, out->uri,
				     out->response, out->cnonce, out->nc, out->qop, NULL, NULL};
	const size_t cap[P__COUNT] = {sizeof(out->username), sizeof(out->realm),
				      sizeof(out->nonce), sizeof(out->uri), sizeof(out->response),
				      sizeof(out->cnonce), sizeof(out->nc), sizeof(out->qop), 0, 0};
	unsigned seen = 0;
	enum mayday_err err;

	while (*p != '\0') {
		if ((err = next_param(&p, name, sizeof(name), value, sizeof(value))) != MAYDAY_OK)
			return err;
		int k = -1;
		for (int i = 0; i < P__COUNT; i++)
			if (strcasecmp(name, param_names[i]) == 0)
				k = i;
		if (k < 0)
			continue;   /* opaque, and extensions */
		if (seen & (1u << k))
			return MAYDAY_E_MALFORMED;
		seen |= 1u << k;
		if (k == P_ALGORITHM) {
			if (strcasecmp(value, "MD5") == 0)
				out->alg = SRV_ACS_MD5;
			else if (strcasecmp(value, "SHA-256") == 0)
				out->alg = SRV_ACS_SHA256;
			else
				return MAYDAY_E_UNSUPPORTED;
		} else if (k == P_USERHASH) {
			if (strcasecmp(value, "false") != 0)
				return MAYDAY_E_UNSUPPORTED;
		} else {
			if (strlen(value) >= cap[k])
				return MAYDAY_E_TOOBIG;
			strcpy(dst[k], value);
		}
	}
	const unsigned need = 1u << P_USERNAME | 1u << P_REALM | 1u << P_NONCE | 1u << P_URI |
			      1u << P_RESPONSE | 1u << P_CNONCE | 1u << P_NC | 1u << P_QOP;
	if ((seen & need) != need)
		return MAYDAY_E_MALFORMED;
	if (strcmp(out->qop, "auth") != 0)
		return MAYDAY_E_UNSUPPORTED;
	if (!hex_of(out->nc, 8, 8) || !hex_of(out->response, 32, 64) || out->username[0] == '\0')
		return MAYDAY_E_MALFORMED;
	out->scheme = SRV_ACS_AUTH_DIGEST;
	return MAYDAY_OK;
}

enum mayday_err srv_acs_auth_parse(const char *header, struct srv_acs_authz *out)
{
	enum mayday_err err;
	memset(out, 0, sizeof(*out));
	if (header == NULL)
		return MAYDAY_E_MALFORMED;
	if (strnlen(header, SRV_ACS_AUTH_HEADER_MAX + 1) > SRV_ACS_AUTH_HEADER_MAX)
		return MAYDAY_E_TOOBIG;
	while (is_space(*header))
		header++;
	if (strncasecmp(header, "Basic", 5) == 0 && is_space(header[5])) {
		header += 6;
		while (is_space(*header))
			header++;
		err = parse_basic(header, out);
	} else if (strncasecmp(header, "Digest", 6) == 0 && is_space(header[6])) {
		header += 7;
		while (is_space(*header))
			header++;
		err = parse_digest(header, out);
	} else {
		err = MAYDAY_E_UNSUPPORTED;
	}
	if (err != MAYDAY_OK) {
		OPENSSL_cleanse(out, sizeof(*out));
		memset(out, 0, sizeof(*out));
	}
	return err;
}

enum mayday_err srv_acs_challenge_parse(const char *header, struct srv_acs_authz *out)
{
	char name[16], value[SRV_ACS_AUTH_FIELD_MAX + 1];
	unsigned seen = 0;
	enum mayday_err err = MAYDAY_OK;
	memset(out, 0, sizeof(*out));
	if (strnlen(header, SRV_ACS_AUTH_HEADER_MAX + 1) > SRV_ACS_AUTH_HEADER_MAX)
		return MAYDAY_E_TOOBIG;
	while (is_space(*header))
		header++;
	if (strncasecmp(header, "Digest", 6) != 0 || !is_space(header[6]))
		return MAYDAY_E_UNSUPPORTED;
	const char *p = header + 7;
	while (is_space(*p))
		p++;
	while (err == MAYDAY_OK && *p != '\0') {
		if ((err = next_param(&p, name, sizeof(name), value, sizeof(value))) != MAYDAY_OK)
			break;
		if (strcasecmp(name, "realm") == 0 && !(seen & 1)) {
			seen |= 1;
			strcpy(out->realm, value);
		} else if (strcasecmp(name, "nonce") == 0 && !(seen & 2)) {
			seen |= 2;
			strcpy(out->nonce, value);
		} else if (strcasecmp(name, "qop") == 0 && !(seen & 4)) {
			seen |= 4;
			/* a list: "auth" must be one of its items */
			char *save = NULL;
			for (char *t = strtok_r(value, ", \t", &save); t != NULL;
			     t = strtok_r(NULL, ", \t", &save))
				if (strcmp(t, "auth") == 0)
					strcpy(out->qop, "auth");
		} else if (strcasecmp(name, "algorithm") == 0 && !(seen & 8)) {
			seen |= 8;
			if (strcasecmp(value, "SHA-256") == 0)
				out->alg = SRV_ACS_SHA256;
			else if (strcasecmp(value, "MD5") != 0)
				err = MAYDAY_E_UNSUPPORTED;
		}
	}
	if (err == MAYDAY_OK && ((seen & 3) != 3 || strcmp(out->qop, "auth") != 0))
		err = (seen & 3) != 3 ? MAYDAY_E_MALFORMED : MAYDAY_E_UNSUPPORTED;
	if (err != MAYDAY_OK)
		memset(out, 0, sizeof(*out));
	else
		out->scheme = SRV_ACS_AUTH_DIGEST;
	return err;
}

static void to_hex(const unsigned char *raw, size_t n, char *hex)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		hex[2 * i] = digits[raw[i] >> 4];
		hex[2 * i + 1] = digits[raw[i] & 15];
	}
	hex[2 * n] = '\0';
}

/* H(p0 ":" p1 ":" ... ) as hex. */
static enum mayday_err hash_join(enum srv_acs_digest_alg alg, const char *const *parts, size_t n,
				 char hex[SRV_ACS_HEX_MAX + 1])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ok = ctx != NULL &&
		 EVP_DigestInit_ex(ctx, alg == SRV_ACS_SHA256 ? EVP_sha256() : EVP_md5(), NULL) == 1;
	for (size_t i = 0; ok && i < n; i++)
		ok = (i == 0 || EVP_DigestUpdate(ctx, ":", 1) == 1) &&
		     EVP_DigestUpdate(ctx, parts[i], strlen(parts[i])) == 1;
	ok = ok && EVP_DigestFinal_ex(ctx, md, &len) == 1 && len * 2 <= SRV_ACS_HEX_MAX;
	EVP_MD_CTX_free(ctx);
	if (!ok)
		return MAYDAY_E_INTERNAL;
	to_hex(md, len, hex);
	return MAYDAY_OK;
}

enum mayday_err srv_acs_digest_ha1(enum srv_acs_digest_alg alg, const char *username,
				   const char *realm, const char *password,
				   char hex[SRV_ACS_HEX_MAX + 1])
{
	const char *const parts[] = {username, realm, password};
	return hash_join(alg, parts, 3, hex);
}

enum mayday_err srv_acs_digest_response(const struct srv_acs_authz *a, const char *method,
					const char *ha1_hex, char hex[SRV_ACS_HEX_MAX + 1])
{
	char ha2[SRV_ACS_HEX_MAX + 1];
	const char *const a2[] = {method, a->uri};
	enum mayday_err err = hash_join(a->alg, a2, 2, ha2);
	if (err != MAYDAY_OK)
		return err;
	const char *const kd[] = {ha1_hex, a->nonce, a->nc, a->cnonce, a->qop, ha2};
	return hash_join(a->alg, kd, 6, hex);
}

static bool same_hex(const char *x, const char *y)
{
	size_t n = strlen(x);
	char lower[SRV_ACS_HEX_MAX + 1];
	if (n != strlen(y) || n > SRV_ACS_HEX_MAX)
		return false;
	for (size_t i = 0; i <= n; i++)
		lower[i] = (y[i] >= 'A' && y[i] <= 'F') ? (char)(y[i] - 'A' + 'a') : y[i];
	return CRYPTO_memcmp(x, lower, n) == 0;
}

bool srv_acs_digest_ok(const struct srv_acs_authz *a, const char *method, const char *ha1_hex)
{
	char want[SRV_ACS_HEX_MAX + 1];
	return a->scheme == SRV_ACS_AUTH_DIGEST &&
	       strlen(ha1_hex) == (a->alg == SRV_ACS_SHA256 ? 64u : 32u) &&
	       srv_acs_digest_response(a, method, ha1_hex, want) == MAYDAY_OK &&
	       same_hex(want, a->response);
}

bool srv_acs_basic_ok(const struct srv_acs_authz *a, const char *realm, const char *ha1_sha256_hex)
{
	char have[SRV_ACS_HEX_MAX + 1];
	bool ok = a->scheme == SRV_ACS_AUTH_BASIC &&
		  srv_acs_digest_ha1(SRV_ACS_SHA256, a->username, realm, a->password, have) ==
			  MAYDAY_OK &&
		  same_hex(have, ha1_sha256_hex);
	OPENSSL_cleanse(have, sizeof(have));
	return ok;
}

static void nonce_mac(const uint8_t key[SRV_ACS_NONCE_KEY_LEN], const char *stamp, char hex[33])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;
	if (HMAC(EVP_sha256(), key, (int)SRV_ACS_NONCE_KEY_LEN, (const unsigned char *)stamp,
		 strlen(stamp), md, &len) == NULL || len < 16) {
		memset(hex, 'x', 32);   /* never matches a hex MAC */
		hex[32] = '\0';
		return;
	}
	to_hex(md, 16, hex);
}

void srv_acs_nonce_make(const uint8_t key[SRV_ACS_NONCE_KEY_LEN], int64_t now, char *out,
			size_t cap)
{
	char stamp[24], mac[33];
	snprintf(stamp, sizeof(stamp), "%016" PRIx64, (uint64_t)now);
	nonce_mac(key, stamp, mac);
	snprintf(out, cap, "%s.%s", stamp, mac);
}

int srv_acs_nonce_check(const uint8_t key[SRV_ACS_NONCE_KEY_LEN], const char *nonce, int64_t now)
{
	char stamp[17], mac[33];
	if (strlen(nonce) != 16 + 1 + 32 || nonce[16] != '.' || !hex_of(nonce + 17, 32, 32))
		return -1;
	memcpy(stamp, nonce, 16);
	stamp[16] = '\0';
	if (!hex_of(stamp, 16, 16))
		return -1;
	nonce_mac(key, stamp, mac);
	if (CRYPTO_memcmp(mac, nonce + 17, 32) != 0)
		return -1;
	uint64_t t = 0;
	sscanf(stamp, "%16" SCNx64, &t);
	if ((int64_t)t > now)
		return -1;
	return now - (int64_t)t > SRV_ACS_NONCE_TTL ? 0 : 1;
}

void srv_acs_auth_cr_key(const uint8_t *kek, size_t kek_len, uint8_t key[SRV_ACS_CR_KEY_LEN])
{
	static const char label[] = "mayday cwmp connection request";
	unsigned int len = 0;
	if (HMAC(EVP_sha256(), kek, (int)kek_len, (const unsigned char *)label, sizeof(label) - 1,
		 key, &len) == NULL || len != SRV_ACS_CR_KEY_LEN)
		RAND_bytes(key, SRV_ACS_CR_KEY_LEN);   /* no derivable password: none works */
}

void srv_acs_auth_cr_password(const uint8_t key[SRV_ACS_CR_KEY_LEN], const char *device_id,
			      char pw[SRV_ACS_CR_PW_LEN + 1])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;
	memset(md, 0, sizeof(md));
	(void)HMAC(EVP_sha256(), key, SRV_ACS_CR_KEY_LEN, (const unsigned char *)device_id,
		   strlen(device_id), md, &len);
	for (unsigned i = 0; i < SRV_ACS_CR_PW_LEN / 2; i++)
		snprintf(pw + 2 * i, 3, "%02x", md[i]);
	pw[SRV_ACS_CR_PW_LEN] = '\0';
	OPENSSL_cleanse(md, sizeof(md));
}

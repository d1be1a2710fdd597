/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Enrolment record codec (enrol_rec.h). Parsing is jansson's (duplicates
 * refused, NUL in strings refused, input bounded before it is looked at),
 * then every member is checked here. Writing is by hand: every string the
 * record holds is printable ASCII (device ID, class), hex or base64, so the
 * only escapes JSON needs are `"` and `\`, and a plain PSK never passes
 * through an allocator we cannot wipe.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "enrol_rec.h"
#include "mayday/indication.h"
#include "mayday/keys.h"

#define SEALED_B64_LEN (4 * ((MAYDAY_KEK_SEALED_LEN + 2) / 3))

static enum mayday_err fail(char *why, size_t cap, enum mayday_err err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static enum mayday_err fail(char *why, size_t cap, enum mayday_err err, const char *fmt, ...)
{
	va_list ap;

	if (why != NULL && cap > 0) {
		va_start(ap, fmt);
		vsnprintf(why, cap, fmt, ap);
		va_end(ap);
	}
	return err;
}

/* The product class: the store's rule (printable ASCII without spaces). */
static bool class_ok(const char *s, size_t n)
{
	if (n == 0 || n > MAYDAY_CLASS_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < 0x21 || s[i] > 0x7e)
			return false;
	return true;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;   /* lowercase only: one spelling per value */
}

/* Lowercase hex of exactly min..max bytes into out. */
static bool unhex(const char *s, size_t n, uint8_t *out, size_t min, size_t max, size_t *got)
{
	if (n % 2 != 0 || n / 2 < min || n / 2 > max)
		return false;
	for (size_t i = 0; i < n / 2; i++) {
		int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return false;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	*got = n / 2;
	return true;
}

static bool b64_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '+' || c == '/';
}

/* Standard base64 with padding, no whitespace, at most cap bytes decoded. */
static bool unbase64(const char *s, size_t n, uint8_t *out, size_t cap, size_t *got)
{
	size_t pad = 0;
	uint8_t tmp[ENROL_REC_SPKI_MAX + 3];

	if (n == 0 || n % 4 != 0 || n / 4 * 3 > sizeof(tmp))
		return false;
	if (s[n - 1] == '=')
		pad = s[n - 2] == '=' ? 2 : 1;
	for (size_t i = 0; i < n - pad; i++)
		if (!b64_char(s[i]))
			return false;
	int len = EVP_DecodeBlock(tmp, (const unsigned char *)s, (int)n);
	if (len < 0 || (size_t)len < pad || (size_t)len - pad > cap) {
		OPENSSL_cleanse(tmp, sizeof(tmp));
		return false;
	}
	memcpy(out, tmp, (size_t)len - pad);
	*got = (size_t)len - pad;
	OPENSSL_cleanse(tmp, sizeof(tmp));
	return true;
}

/* A string member: its bytes and length, or NULL if it is no string. */
static const char *str_of(json_t *v, size_t *n)
{
	if (!json_is_string(v))
		return NULL;
	*n = json_string_length(v);
	return json_string_value(v);
}

static EVP_PKEY *key_of(const uint8_t *der, size_t len)
{
	const unsigned char *p = der;
	EVP_PKEY *k = d2i_PUBKEY(NULL, &p, (long)len);
	char group[32];

	if (k == NULL)
		return NULL;
	if (p != der + len || EVP_PKEY_get_base_id(k) != EVP_PKEY_EC ||
	    EVP_PKEY_get_group_name(k, group, sizeof(group), NULL) != 1 ||
	    strcmp(group, "prime256v1") != 0) {
		EVP_PKEY_free(k);
		return NULL;
	}
	return k;
}

static enum mayday_err parse_psk(json_t *psk, struct enrol_rec *r, char *why, size_t cap)
{
	const char *name, *s;
	json_t *v, *kid = NULL, *sealed = NULL, *plain = NULL;
	size_t n, got;

	if (!json_is_object(psk))
		return fail(why, cap, MAYDAY_E_MALFORMED, "psk: not an object");
	json_object_foreach(psk, name, v) {
		if (strcmp(name, "kid") == 0)
			kid = v;
		else if (strcmp(name, "sealed") == 0)
			sealed = v;
		else if (strcmp(name, "key") == 0)
			plain = v;
		else
			return fail(why, cap, MAYDAY_E_MALFORMED, "psk: unknown member \"%.32s\"",
				    name);
	}
	if ((s = str_of(kid, &n)) == NULL ||
	    !unhex(s, n, r->psk_kid, MAYDAY_PSK_KID_MIN, MAYDAY_PSK_KID_MAX, &r->psk_kid_len))
		return fail(why, cap, MAYDAY_E_MALFORMED,
			    "psk.kid: needs %d..%d bytes in lowercase hex", MAYDAY_PSK_KID_MIN,
			    MAYDAY_PSK_KID_MAX);
	if ((sealed == NULL) == (plain == NULL))
		return fail(why, cap, MAYDAY_E_MALFORMED,
			    "psk: needs exactly one of \"sealed\" and \"key\"");
	if (sealed != NULL) {
		if ((s = str_of(sealed, &n)) == NULL || n != SEALED_B64_LEN ||
		    !unbase64(s, n, r->psk_sealed, sizeof(r->psk_sealed), &got) ||
		    got != MAYDAY_KEK_SEALED_LEN)
			return fail(why, cap, MAYDAY_E_MALFORMED,
				    "psk.sealed: needs %d bytes in base64", MAYDAY_KEK_SEALED_LEN);
		r->psk_form = ENROL_PSK_SEALED;
	} else {
		if ((s = str_of(plain, &n)) == NULL ||
		    !unhex(s, n, r->psk, MAYDAY_PSK_LEN, MAYDAY_PSK_LEN, &got))
			return fail(why, cap, MAYDAY_E_MALFORMED,
				    "psk.key: needs %d bytes in lowercase hex", MAYDAY_PSK_LEN);
		r->psk_form = ENROL_PSK_PLAIN;
	}
	return MAYDAY_OK;
}

static enum mayday_err parse_obj(json_t *root, struct enrol_rec *r, char *why, size_t cap)
{
	const char *name, *s;
	json_t *v, *ver = NULL, *id = NULL, *cls = NULL, *key = NULL, *psk = NULL;
	size_t n;

	if (!json_is_object(root))
		return fail(why, cap, MAYDAY_E_MALFORMED, "not a JSON object");
	json_object_foreach(root, name, v) {
		if (strcmp(name, "version") == 0)
			ver = v;
		else if (strcmp(name, "device_id") == 0)
			id = v;
		else if (strcmp(name, "product_class") == 0)
			cls = v;
		else if (strcmp(name, "distress_key") == 0)
			key = v;
		else if (strcmp(name, "psk") == 0)
			psk = v;
		else
			return fail(why, cap, MAYDAY_E_MALFORMED, "unknown member \"%.32s\"", name);
	}
	if (!json_is_integer(ver))
		return fail(why, cap, MAYDAY_E_MALFORMED, "version: missing or not an integer");
	if (json_integer_value(ver) != ENROL_REC_VERSION)
		return fail(why, cap, MAYDAY_E_UNSUPPORTED, "version %lld: only %d is known",
			    (long long)json_integer_value(ver), ENROL_REC_VERSION);
	if ((s = str_of(id, &n)) == NULL || !mayday_device_id_ok(s, n))
		return fail(why, cap, MAYDAY_E_MALFORMED,
			    "device_id: needs 1..%d characters of printable ASCII without spaces",
			    MAYDAY_DEVICE_ID_MAX);
	memcpy(r->device_id, s, n);
	if ((s = str_of(cls, &n)) == NULL || !class_ok(s, n))
		return fail(why, cap, MAYDAY_E_MALFORMED,
			    "product_class: needs 1..%d characters of printable ASCII without "
			    "spaces", MAYDAY_CLASS_MAX);
	memcpy(r->product_class, s, n);
	if ((s = str_of(key, &n)) == NULL ||
	    !unbase64(s, n, r->spki, sizeof(r->spki), &r->spki_len))
		return fail(why, cap, MAYDAY_E_MALFORMED,
			    "distress_key: needs a base64 DER SubjectPublicKeyInfo");
	EVP_PKEY *k = key_of(r->spki, r->spki_len);
	if (k == NULL)
		return fail(why, cap, MAYDAY_E_KEY, "distress_key: not a P-256 public key");
	EVP_PKEY_free(k);
	if (psk != NULL)
		return parse_psk(psk, r, why, cap);
	return MAYDAY_OK;
}

enum mayday_err enrol_rec_parse(const char *text, size_t len, struct enrol_rec *out, char *why,
				size_t why_cap)
{
	json_error_t jerr;
	enum mayday_err err;

	memset(out, 0, sizeof(*out));
	if (why != NULL && why_cap > 0)
		why[0] = '\0';
	if (len > ENROL_REC_MAX)
		return fail(why, why_cap, MAYDAY_E_TOOBIG, "larger than %d bytes", ENROL_REC_MAX);
	json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL)
		return fail(why, why_cap, MAYDAY_E_MALFORMED, "not JSON (line %d: %.80s)",
			    jerr.line, jerr.text);
	err = parse_obj(root, out, why, why_cap);
	json_decref(root);
	if (err != MAYDAY_OK)
		enrol_rec_wipe(out);
	return err;
}

/* A bounded string builder; `over` once anything did not fit. */
struct sb {
	char *p;
	size_t len, cap;
	bool over;
};

static void put(struct sb *b, const char *s, size_t n)
{
	if (b->over || n > b->cap - b->len - 1) {
		b->over = true;
		return;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void puts_(struct sb *b, const char *s)
{
	put(b, s, strlen(s));
}

/* A JSON string of printable ASCII: only `"` and `\` need escaping. */
static void put_str(struct sb *b, const char *s)
{
	put(b, "\"", 1);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			put(b, "\\", 1);
		put(b, s, 1);
	}
	put(b, "\"", 1);
}

static void put_hex(struct sb *b, const uint8_t *p, size_t n)
{
	char two[3];

	put(b, "\"", 1);
	for (size_t i = 0; i < n; i++) {
		snprintf(two, sizeof(two), "%02x", p[i]);
		put(b, two, 2);
	}
	put(b, "\"", 1);
}

static void put_b64(struct sb *b, const uint8_t *p, size_t n)
{
	char out[4 * ((ENROL_REC_SPKI_MAX + 2) / 3) + 1];

	if (n > ENROL_REC_SPKI_MAX) {
		b->over = true;
		return;
	}
	int len = EVP_EncodeBlock((unsigned char *)out, p, (int)n);
	put(b, "\"", 1);
	put(b, out, (size_t)len);
	put(b, "\"", 1);
}

enum mayday_err enrol_rec_format(const struct enrol_rec *r, char **out, size_t *out_len)
{
	struct sb b = {.cap = ENROL_REC_MAX};
	char ver[32];
	EVP_PKEY *k;

	*out = NULL;
	*out_len = 0;
	if (!mayday_device_id_ok(r->device_id, strnlen(r->device_id, sizeof(r->device_id))) ||
	    !class_ok(r->product_class, strnlen(r->product_class, sizeof(r->product_class))) ||
	    r->spki_len == 0 || r->spki_len > sizeof(r->spki) ||
	    (k = key_of(r->spki, r->spki_len)) == NULL)
		return MAYDAY_E_INVALID;
	EVP_PKEY_free(k);
	if (r->psk_form != ENROL_PSK_NONE &&
	    (r->psk_kid_len < MAYDAY_PSK_KID_MIN || r->psk_kid_len > MAYDAY_PSK_KID_MAX ||
	     (r->psk_form != ENROL_PSK_SEALED && r->psk_form != ENROL_PSK_PLAIN)))
		return MAYDAY_E_INVALID;
	if ((b.p = malloc(b.cap)) == NULL)
		return MAYDAY_E_NOMEM;
	b.p[0] = '\0';
	snprintf(ver, sizeof(ver), "{\n  \"version\": %d,\n", ENROL_REC_VERSION);
	puts_(&b, ver);
	puts_(&b, "  \"device_id\": ");
	put_str(&b, r->device_id);
	puts_(&b, ",\n  \"product_class\": ");
	put_str(&b, r->product_class);
	puts_(&b, ",\n  \"distress_key\": ");
	put_b64(&b, r->spki, r->spki_len);
	if (r->psk_form != ENROL_PSK_NONE) {
		puts_(&b, ",\n  \"psk\": {\n    \"kid\": ");
		put_hex(&b, r->psk_kid, r->psk_kid_len);
		if (r->psk_form == ENROL_PSK_SEALED) {
			puts_(&b, ",\n    \"sealed\": ");
			put_b64(&b, r->psk_sealed, sizeof(r->psk_sealed));
		} else {
			puts_(&b, ",\n    \"key\": ");
			put_hex(&b, r->psk, sizeof(r->psk));
		}
		puts_(&b, "\n  }");
	}
	puts_(&b, "\n}\n");
	if (b.over) {
		OPENSSL_clear_free(b.p, b.cap);
		return MAYDAY_E_TOOBIG;
	}
	*out = b.p;
	*out_len = b.len;
	return MAYDAY_OK;
}

enum mayday_err enrol_rec_set_key(struct enrol_rec *r, EVP_PKEY *key)
{
	unsigned char *der = NULL;
	int n = i2d_PUBKEY(key, &der);
	EVP_PKEY *k = NULL;

	if (n <= 0 || (size_t)n > sizeof(r->spki) || (k = key_of(der, (size_t)n)) == NULL) {
		OPENSSL_free(der);
		return MAYDAY_E_KEY;
	}
	EVP_PKEY_free(k);
	memcpy(r->spki, der, (size_t)n);
	r->spki_len = (size_t)n;
	OPENSSL_free(der);
	return MAYDAY_OK;
}

enum mayday_err enrol_rec_key_pem(const struct enrol_rec *r, char *pem, size_t cap, size_t *len)
{
	EVP_PKEY *k = key_of(r->spki, r->spki_len);

	if (k == NULL)
		return MAYDAY_E_KEY;
	enum mayday_err err = mayday_key_public_to_pem(k, pem, cap, len);
	EVP_PKEY_free(k);
	return err;
}

/* ENROL_REC_PSK_AAD 0 device_id 0 kid */
static size_t psk_aad(const struct enrol_rec *r, const uint8_t *kid, size_t kid_len,
		      uint8_t *aad)
{
	size_t n = 0, id_len = strnlen(r->device_id, sizeof(r->device_id));

	memcpy(aad, ENROL_REC_PSK_AAD, sizeof(ENROL_REC_PSK_AAD)); /* with its 0 */
	n += sizeof(ENROL_REC_PSK_AAD);
	memcpy(aad + n, r->device_id, id_len);
	n += id_len;
	aad[n++] = 0;
	memcpy(aad + n, kid, kid_len);
	return n + kid_len;
}

#define AAD_MAX (sizeof(ENROL_REC_PSK_AAD) + MAYDAY_DEVICE_ID_MAX + 1 + MAYDAY_PSK_KID_MAX)

enum mayday_err enrol_rec_put_psk(struct enrol_rec *r, const uint8_t *kid, size_t kid_len,
				  const uint8_t psk[MAYDAY_PSK_LEN], const uint8_t *kek)
{
	uint8_t aad[AAD_MAX];

	if (kid_len < MAYDAY_PSK_KID_MIN || kid_len > MAYDAY_PSK_KID_MAX ||
	    !mayday_device_id_ok(r->device_id, strnlen(r->device_id, sizeof(r->device_id))))
		return MAYDAY_E_INVALID;
	memcpy(r->psk_kid, kid, kid_len);
	r->psk_kid_len = kid_len;
	if (kek == NULL) {
		memset(r->psk_sealed, 0, sizeof(r->psk_sealed));
		memcpy(r->psk, psk, MAYDAY_PSK_LEN);
		r->psk_form = ENROL_PSK_PLAIN;
		return MAYDAY_OK;
	}
	OPENSSL_cleanse(r->psk, sizeof(r->psk));
	size_t n = psk_aad(r, kid, kid_len, aad);
	enum mayday_err err = mayday_kek_seal(kek, aad, n, psk, r->psk_sealed);
	r->psk_form = err == MAYDAY_OK ? ENROL_PSK_SEALED : ENROL_PSK_NONE;
	return err;
}

enum mayday_err enrol_rec_get_psk(const struct enrol_rec *r, const uint8_t *kek,
				  uint8_t psk[MAYDAY_PSK_LEN])
{
	uint8_t aad[AAD_MAX];

	switch (r->psk_form) {
	case ENROL_PSK_PLAIN:
		memcpy(psk, r->psk, MAYDAY_PSK_LEN);
		return MAYDAY_OK;
	case ENROL_PSK_SEALED:
		if (kek == NULL)
			return MAYDAY_E_KEY;
		return mayday_kek_open(kek, aad, psk_aad(r, r->psk_kid, r->psk_kid_len, aad),
				       r->psk_sealed, psk);
	default:
		return MAYDAY_E_NOTFOUND;
	}
}

void enrol_rec_wipe(struct enrol_rec *r)
{
	OPENSSL_cleanse(r, sizeof(*r));
}

enum mayday_err enrol_rec_read_file(const char *path, char *buf, size_t *len)
{
	FILE *f = fopen(path, "rb");

	*len = 0;
	if (f == NULL)
		return errno == ENOENT ? MAYDAY_E_NOTFOUND : MAYDAY_E_IO;
	size_t n = fread(buf, 1, ENROL_REC_MAX + 1, f);
	int bad = ferror(f);
	fclose(f);
	if (bad)
		return MAYDAY_E_IO;
	if (n > ENROL_REC_MAX)
		return MAYDAY_E_TOOBIG;
	buf[n] = '\0';
	*len = n;
	return MAYDAY_OK;
}

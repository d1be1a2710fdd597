/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The enrolment record (tools/enrolment/enrol_rec.h, docs/protocol.md §14):
 * round trips of every PSK form, the seal's binding to device ID and kid,
 * and hostile records, each refused with its error and no partial record.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include "enrol_rec.h"
#include "test_vectors.h"

/* The protocol.md test key's SubjectPublicKeyInfo, base64. */
#define TV_SPKI_B64                                                                        \
	"MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEBfn4ETT77+/5ZVXSZuFTUS4f7nD3dhm/2LojETGhLDPB+wTQ" \
	"HW7W14G4nI/O6huzzP1nL3zkX7Gn8+4LY/1grg=="

static const uint8_t kid[8] = {0xa0, 0xb1, 0xc2, 0xd3, 0xe4, 0xf5, 0x06, 0x17};

static void make(struct enrol_rec *r)
{
	EVP_PKEY *k = tv_key();

	memset(r, 0, sizeof(*r));
	strcpy(r->device_id, "hnb-acme-000123");
	strcpy(r->product_class, "hnb-acme-x1");
	assert_int_equal(enrol_rec_set_key(r, k), MAYDAY_OK);
	EVP_PKEY_free(k);
}

static void same(const struct enrol_rec *a, const struct enrol_rec *b)
{
	assert_string_equal(a->device_id, b->device_id);
	assert_string_equal(a->product_class, b->product_class);
	assert_int_equal(a->spki_len, b->spki_len);
	assert_memory_equal(a->spki, b->spki, a->spki_len);
	assert_int_equal(a->psk_form, b->psk_form);
	assert_int_equal(a->psk_kid_len, b->psk_kid_len);
	assert_memory_equal(a->psk_kid, b->psk_kid, a->psk_kid_len);
	assert_memory_equal(a->psk_sealed, b->psk_sealed, sizeof(a->psk_sealed));
	assert_memory_equal(a->psk, b->psk, sizeof(a->psk));
}

static void roundtrip(const struct enrol_rec *r, struct enrol_rec *back)
{
	char *text = NULL, why[160];
	size_t len = 0;

	assert_int_equal(enrol_rec_format(r, &text, &len), MAYDAY_OK);
	assert_int_equal(strlen(text), len);
	assert_true(len <= ENROL_REC_MAX);
	assert_int_equal(enrol_rec_parse(text, len, back, why, sizeof(why)), MAYDAY_OK);
	same(r, back);
	free(text);
}

static void test_roundtrip(void **state)
{
	struct enrol_rec r, back;
	uint8_t kek[MAYDAY_KEK_LEN], other[MAYDAY_KEK_LEN];
	uint8_t psk[MAYDAY_PSK_LEN], got[MAYDAY_PSK_LEN];
	char pem[1024];
	size_t len;

	(void)state;
	assert_int_equal(RAND_bytes(kek, sizeof(kek)), 1);
	assert_int_equal(RAND_bytes(other, sizeof(other)), 1);
	assert_int_equal(RAND_bytes(psk, sizeof(psk)), 1);
	/* No PSK. */
	make(&r);
	roundtrip(&r, &back);
	assert_int_equal(enrol_rec_get_psk(&back, kek, got), MAYDAY_E_NOTFOUND);
	assert_int_equal(enrol_rec_key_pem(&back, pem, sizeof(pem), &len), MAYDAY_OK);
	assert_non_null(strstr(pem, "BEGIN PUBLIC KEY"));
	/* Sealed: opens with its KEK only. */
	assert_int_equal(enrol_rec_put_psk(&r, kid, sizeof(kid), psk, kek), MAYDAY_OK);
	assert_int_equal(r.psk_form, ENROL_PSK_SEALED);
	roundtrip(&r, &back);
	assert_int_equal(enrol_rec_get_psk(&back, kek, got), MAYDAY_OK);
	assert_memory_equal(got, psk, sizeof(psk));
	assert_int_equal(enrol_rec_get_psk(&back, other, got), MAYDAY_E_SIGNATURE);
	assert_int_equal(enrol_rec_get_psk(&back, NULL, got), MAYDAY_E_KEY);
	/* Bound to the device ID and the kid. */
	strcpy(back.device_id, "hnb-acme-000124");
	assert_int_equal(enrol_rec_get_psk(&back, kek, got), MAYDAY_E_SIGNATURE);
	roundtrip(&r, &back);
	back.psk_kid[0] ^= 1;
	assert_int_equal(enrol_rec_get_psk(&back, kek, got), MAYDAY_E_SIGNATURE);
	/* Plain, and the text then holds the key in hex. */
	assert_int_equal(enrol_rec_put_psk(&r, kid, sizeof(kid), psk, NULL), MAYDAY_OK);
	roundtrip(&r, &back);
	assert_int_equal(enrol_rec_get_psk(&back, NULL, got), MAYDAY_OK);
	assert_memory_equal(got, psk, sizeof(psk));
	/* A device ID with the JSON specials of its alphabet. */
	make(&r);
	strcpy(r.device_id, "a\"b\\c{}[]:,");
	roundtrip(&r, &back);
	enrol_rec_wipe(&back);
	for (size_t i = 0; i < sizeof(back); i++)
		assert_int_equal(((uint8_t *)&back)[i], 0);
}

/* The documented example (docs/protocol.md §14, without its PSK) parses. */
static void test_doc_example(void **state)
{
	static const char text[] =
		"{\n  \"version\": 1,\n  \"device_id\": \"hnb-acme-000123\",\n"
		"  \"product_class\": \"hnb-acme-x1\",\n  \"distress_key\": \"" TV_SPKI_B64 "\"\n}\n";
	struct enrol_rec r, want;
	char why[160], *out = NULL;
	size_t len;

	(void)state;
	assert_int_equal(enrol_rec_parse(text, strlen(text), &r, why, sizeof(why)), MAYDAY_OK);
	make(&want);
	same(&r, &want);
	/* And the writer writes exactly that. */
	assert_int_equal(enrol_rec_format(&r, &out, &len), MAYDAY_OK);
	assert_string_equal(out, text);
	free(out);
}

static void test_format_refuses(void **state)
{
	struct enrol_rec r;
	char *out = NULL;
	size_t len;

	(void)state;
	make(&r);
	strcpy(r.product_class, "has space");
	assert_int_equal(enrol_rec_format(&r, &out, &len), MAYDAY_E_INVALID);
	make(&r);
	strcpy(r.device_id, "caf\xc3\xa9");
	assert_int_equal(enrol_rec_format(&r, &out, &len), MAYDAY_E_INVALID);
	make(&r);
	r.spki[r.spki_len - 1] ^= 0xff;   /* no longer a point on the curve */
	assert_int_equal(enrol_rec_format(&r, &out, &len), MAYDAY_E_INVALID);
	make(&r);
	r.psk_form = ENROL_PSK_SEALED;    /* without a kid */
	assert_int_equal(enrol_rec_format(&r, &out, &len), MAYDAY_E_INVALID);
	assert_null(out);
}

/* base64 of a P-384 SubjectPublicKeyInfo, malloc'ed. */
static char *p384_b64(void)
{
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
	unsigned char *der = NULL;
	int n;
	char *out;

	assert_non_null(k);
	n = i2d_PUBKEY(k, &der);
	assert_true(n > 0);
	out = malloc(4 * ((size_t)n + 2) / 3 + 4);
	assert_non_null(out);
	EVP_EncodeBlock((unsigned char *)out, der, n);
	OPENSSL_free(der);
	EVP_PKEY_free(k);
	return out;
}

#define HEAD "{\"version\": 1, \"device_id\": \"hnb-1\", \"product_class\": \"c\", "
#define KEY  "\"distress_key\": \"" TV_SPKI_B64 "\""
#define SEALED64 "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7"

static void test_hostile(void **state)
{
	static const struct {
		const char *text;
		enum mayday_err err;
	} cases[] = {
		{"", MAYDAY_E_MALFORMED},
		{"[]", MAYDAY_E_MALFORMED},
		{"{}", MAYDAY_E_MALFORMED},
		{"null", MAYDAY_E_MALFORMED},
		{HEAD KEY "}x", MAYDAY_E_MALFORMED},                       /* trailing text */
		{HEAD KEY ", \"device_id\": \"hnb-1\"}", MAYDAY_E_MALFORMED}, /* duplicate */
		{HEAD KEY ", \"ike_identity\": \"hnb-1\"}", MAYDAY_E_MALFORMED}, /* unknown */
		{HEAD KEY ", \"Psk\": {}}", MAYDAY_E_MALFORMED},
		{"{\"version\": 2, \"device_id\": \"hnb-1\", \"product_class\": \"c\", " KEY "}",
		 MAYDAY_E_UNSUPPORTED},
		{"{\"version\": \"1\", \"device_id\": \"hnb-1\", \"product_class\": \"c\", " KEY "}",
		 MAYDAY_E_MALFORMED},
		{"{\"version\": 1.0, \"device_id\": \"hnb-1\", \"product_class\": \"c\", " KEY "}",
		 MAYDAY_E_MALFORMED},
		{"{\"device_id\": \"hnb-1\", \"product_class\": \"c\", " KEY "}", MAYDAY_E_MALFORMED},
		{"{\"version\": 1, \"device_id\": \"hnb 1\", \"product_class\": \"c\", " KEY "}",
		 MAYDAY_E_MALFORMED},
		{"{\"version\": 1, \"device_id\": \"caf\\u00e9\", \"product_class\": \"c\", " KEY "}",
		 MAYDAY_E_MALFORMED},
		{"{\"version\": 1, \"device_id\": \"a\\u0000b\", \"product_class\": \"c\", " KEY "}",
		 MAYDAY_E_MALFORMED},
		{"{\"version\": 1, \"device_id\": \"\", \"product_class\": \"c\", " KEY "}",
		 MAYDAY_E_MALFORMED},
		{"{\"version\": 1, \"device_id\": "
		 "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\", "
		 "\"product_class\": \"c\", " KEY "}", MAYDAY_E_MALFORMED},          /* 65 */
		{"{\"version\": 1, \"device_id\": 5, \"product_class\": \"c\", " KEY "}",
		 MAYDAY_E_MALFORMED},
		{"{\"version\": 1, \"device_id\": \"hnb-1\", "
		 "\"product_class\": \"ccccccccccccccccccccccccccccccccc\", " KEY "}",
		 MAYDAY_E_MALFORMED},                                                /* 33 */
		{HEAD "\"distress_key\": \"!!!!\"}", MAYDAY_E_MALFORMED},
		{HEAD "\"distress_key\": \"MFkw\\nEwYH\"}", MAYDAY_E_MALFORMED},
		{HEAD "\"distress_key\": \"\"}", MAYDAY_E_MALFORMED},
		{HEAD "\"distress_key\": \"AAAA\"}", MAYDAY_E_KEY},
		/* padding mid-way */
		{HEAD "\"distress_key\": \"" TV_SPKI_B64 "AAAA\"}", MAYDAY_E_MALFORMED},
		{HEAD KEY ", \"psk\": 1}", MAYDAY_E_MALFORMED},
		{HEAD KEY ", \"psk\": {}}", MAYDAY_E_MALFORMED},
		{HEAD KEY ", \"psk\": {\"kid\": \"a0b1c2d3e4f50617\"}}", MAYDAY_E_MALFORMED},
		{HEAD KEY ", \"psk\": {\"kid\": \"A0B1C2D3E4F50617\", \"sealed\": \"" SEALED64 "\"}}",
		 MAYDAY_E_MALFORMED},
		{HEAD KEY ", \"psk\": {\"kid\": \"a0b1c2d3e4f506\", \"sealed\": \"" SEALED64 "\"}}",
		 MAYDAY_E_MALFORMED},                                                /* 7 bytes */
		{HEAD KEY ", \"psk\": {\"kid\": \"a0b1c2d3e4f50617a0b1c2d3e4f5061711\", \"sealed\": \""
		 SEALED64 "\"}}", MAYDAY_E_MALFORMED},                               /* 17 bytes */
		{HEAD KEY ", \"psk\": {\"kid\": \"a0b1c2d3e4f50617\", \"sealed\": \"AAAA\"}}",
		 MAYDAY_E_MALFORMED},
		{HEAD KEY ", \"psk\": {\"kid\": \"a0b1c2d3e4f50617\", \"sealed\": \"" SEALED64 "\", "
		 "\"key\": \"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\"}}",
		 MAYDAY_E_MALFORMED},
		{HEAD KEY ", \"psk\": {\"kid\": \"a0b1c2d3e4f50617\", "
		 "\"key\": \"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e\"}}",
		 MAYDAY_E_MALFORMED},                                                /* 31 bytes */
		{HEAD KEY ", \"psk\": {\"kid\": \"a0b1c2d3e4f50617\", \"sealed\": \"" SEALED64 "\", "
		 "\"x\": 1}}", MAYDAY_E_MALFORMED},
	};
	struct enrol_rec r;
	char why[160];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&r, 0x5a, sizeof(r));
		enum mayday_err err = enrol_rec_parse(cases[i].text, strlen(cases[i].text), &r, why,
						      sizeof(why));
		if (err != cases[i].err)
			fail_msg("case %zu: %s, expected %s (%s)", i, mayday_strerror(err),
				 mayday_strerror(cases[i].err), why);
		assert_true(why[0] != '\0');
		for (size_t b = 0; b < sizeof(r); b++)   /* nothing partial left behind */
			assert_int_equal(((uint8_t *)&r)[b], 0);
	}
	/* The sealed PSK case above is well-formed once the kid is lowercase. */
	const char ok[] = HEAD KEY ", \"psk\": {\"kid\": \"a0b1c2d3e4f50617\", \"sealed\": \""
			  SEALED64 "\"}}";
	assert_int_equal(enrol_rec_parse(ok, strlen(ok), &r, why, sizeof(why)), MAYDAY_OK);
	assert_int_equal(r.psk_form, ENROL_PSK_SEALED);
}

static void test_hostile_sizes(void **state)
{
	char *big = malloc(ENROL_REC_MAX + 2), *key384 = p384_b64(), *text;
	struct enrol_rec r;
	char why[160];
	size_t n;

	(void)state;
	assert_non_null(big);
	memset(big, ' ', ENROL_REC_MAX + 1);
	big[ENROL_REC_MAX + 1] = '\0';
	assert_int_equal(enrol_rec_parse(big, ENROL_REC_MAX + 1, &r, why, sizeof(why)),
			 MAYDAY_E_TOOBIG);
	/* Deep nesting within the size bound: refused, no crash. */
	n = ENROL_REC_MAX / 2;
	for (size_t i = 0; i < n; i++) {
		big[i] = '[';
		big[n + i] = ']';
	}
	assert_int_equal(enrol_rec_parse(big, 2 * n, &r, why, sizeof(why)), MAYDAY_E_MALFORMED);
	/* A P-384 key is no distress key. */
	text = malloc(strlen(key384) + 256);
	assert_non_null(text);
	sprintf(text, HEAD "\"distress_key\": \"%s\"}", key384);
	assert_int_equal(enrol_rec_parse(text, strlen(text), &r, why, sizeof(why)), MAYDAY_E_KEY);
	/* Non-UTF-8 bytes. */
	strcpy(text, "{\"version\": 1, \"device_id\": \"\xff\"}");
	assert_int_equal(enrol_rec_parse(text, strlen(text), &r, why, sizeof(why)),
			 MAYDAY_E_MALFORMED);
	free(text);
	free(key384);
	free(big);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_doc_example),
		cmocka_unit_test(test_format_refuses),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_hostile_sizes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

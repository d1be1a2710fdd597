/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The distress indication: the protocol.md vectors (claims and signed),
 * sign/open/verify round trips up to the limits, the kid == device ID rule,
 * and rejection of malformed, non-deterministic and out-of-profile claims.
 * Faulty claims are made by editing the vector's bytes, so every case is
 * one precise deviation from a known-good message.
 */
#define _GNU_SOURCE /* memmem */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mayday/indication.h"
#include "mayday/keys.h"
#include "test_vectors.h"

/* The claims vector in an editable buffer. */
static void vector(struct tv_cbor *b)
{
	size_t len;
	uint8_t *v = tv_unhex(tv_indication_claims_hex, &len);

	tvc_init(b);
	tvc_raw(b, v, len);
	free(v);
}

static enum mayday_err decode(const struct tv_cbor *b, struct mayday_indication *ind,
			      struct mayday_diag *diag)
{
	return mayday_indication_decode_claims(b->buf, b->len, ind, diag);
}

static void test_claims_vector(void **state)
{
	struct mayday_indication ex, got;
	struct mayday_diag diag = { 0 };
	uint8_t out[MAYDAY_INDICATION_MAX];
	size_t len;
	struct tv_cbor v;

	(void)state;
	vector(&v);
	tv_example_indication(&ex);
	assert_int_equal(mayday_indication_encode_claims(&ex, out, sizeof(out), &len), MAYDAY_OK);
	assert_int_equal(len, v.len);
	assert_memory_equal(out, v.buf, len);

	assert_int_equal(decode(&v, &got, &diag), MAYDAY_OK);
	assert_memory_equal(&got, &ex, sizeof(ex));
	assert_int_equal(mayday_indication_encode_claims(&got, out, sizeof(out), &len), MAYDAY_OK);
	assert_int_equal(len, v.len);
	assert_memory_equal(out, v.buf, len);
}

static void test_signed_vector(void **state)
{
	struct mayday_indication ex, got;
	struct mayday_cose_sign1 msg;
	struct mayday_diag diag = { 0 };
	EVP_PKEY *pub = tv_pub();
	size_t len, clen;
	uint8_t *v = tv_unhex(tv_indication_cose_hex, &len);
	uint8_t *c = tv_unhex(tv_indication_claims_hex, &clen);

	(void)state;
	tv_example_indication(&ex);
	assert_int_equal(mayday_indication_open(v, len, &msg, &got, &diag), MAYDAY_OK);
	assert_memory_equal(&got, &ex, sizeof(ex));
	assert_int_equal(msg.kid_len, strlen(ex.device_id));
	assert_memory_equal(msg.kid, ex.device_id, msg.kid_len);
	assert_int_equal(msg.payload_len, clen);
	assert_memory_equal(msg.payload, c, clen);
	assert_int_equal(mayday_cose_sign1_verify(&msg, pub), MAYDAY_OK);
	free(v);
	free(c);
	EVP_PKEY_free(pub);
}

static void test_sign_open_verify(void **state)
{
	struct mayday_indication ex, got;
	struct mayday_cose_sign1 msg;
	struct mayday_diag diag = { 0 };
	struct mayday_signer s;
	EVP_PKEY *key = tv_key(), *other = NULL;
	uint8_t out[MAYDAY_INDICATION_MAX];
	size_t len;

	(void)state;
	tv_example_indication(&ex);
	/* Whatever kid the signer has, the indication's kid is its device ID. */
	assert_int_equal(mayday_signer_from_pkey(&s, key, (const uint8_t *)"other", 5), MAYDAY_OK);
	assert_int_equal(mayday_indication_sign(&ex, &s, out, sizeof(out), &len), MAYDAY_OK);
	assert_int_equal(mayday_indication_open(out, len, &msg, &got, &diag), MAYDAY_OK);
	assert_memory_equal(&got, &ex, sizeof(ex));
	assert_memory_equal(msg.kid, "hnb-acme-000123", 15);
	assert_int_equal(mayday_cose_sign1_verify(&msg, key), MAYDAY_OK);
	assert_int_equal(mayday_key_generate(&other), MAYDAY_OK);
	assert_int_equal(mayday_cose_sign1_verify(&msg, other), MAYDAY_E_SIGNATURE);

	/* The output buffer is checked. */
	assert_int_equal(mayday_indication_sign(&ex, &s, out, len - 1, &len), MAYDAY_E_TOOBIG);
	EVP_PKEY_free(key);
	EVP_PKEY_free(other);
}

/* The largest indication the structs allow still fits the wire limit. */
static void test_largest(void **state)
{
	static struct mayday_indication ind, got;
	struct mayday_cose_sign1 msg;
	struct mayday_diag diag = { 0 };
	struct mayday_signer s;
	EVP_PKEY *key = tv_key();
	static uint8_t out[MAYDAY_INDICATION_MAX];
	size_t len;

	(void)state;
	memset(&ind, 0, sizeof(ind));
	memset(ind.device_id, 'D', MAYDAY_DEVICE_ID_MAX);
	ind.counter = ind.time = ind.free_space = ind.max_image_size = UINT64_MAX;
	memset(ind.dcf_version, 'v', MAYDAY_VERSION_STR_MAX);
	ind.transport = UINT32_MAX;
	/* attach-failed: the only reason with a detail, at its largest */
	ind.evidence.reason = MAYDAY_REASON_ATTACH_FAILED;
	ind.evidence.attach.stage = ind.evidence.attach.tries = UINT32_MAX;
	ind.evidence.attach.episodes = UINT32_MAX;
	memset(ind.evidence.attach.last_error, 'e', MAYDAY_ATTACH_ERROR_MAX);
	memset(ind.evidence.image_version, 'i', MAYDAY_VERSION_STR_MAX);
	ind.evidence.manifest_rollback = UINT64_MAX;
	ind.evidence.slot = 1;
	ind.evidence.boot_attempts = UINT32_MAX;
	ind.evidence.n_failed = MAYDAY_MAX_COMPONENTS;
	for (int i = 0; i < MAYDAY_MAX_COMPONENTS; i++) {
		struct mayday_component_evidence *c = &ind.evidence.failed[i];

		memset(c->name, 'n', MAYDAY_NAME_MAX);
		c->name[0] = (char)('a' + i % 26);
		c->name[1] = (char)('a' + i / 26);
		c->flags = UINT32_MAX;
		c->expected_size = c->measured_size = UINT64_MAX;
		memset(c->expected, 0xff, MAYDAY_DIGEST_LEN);
		memset(c->measured, 0xfe, MAYDAY_DIGEST_LEN);
	}
	assert_int_equal(mayday_signer_from_pkey(&s, key, NULL, 0), MAYDAY_OK);
	assert_int_equal(mayday_indication_sign(&ind, &s, out, sizeof(out), &len), MAYDAY_OK);
	print_message("largest signed indication: %zu bytes\n", len);
	assert_true(len <= MAYDAY_INDICATION_MAX);
	assert_int_equal(mayday_indication_open(out, len, &msg, &got, &diag), MAYDAY_OK);
	assert_memory_equal(&got, &ind, sizeof(ind));
	assert_int_equal(msg.kid_len, MAYDAY_DEVICE_ID_MAX);
	assert_int_equal(mayday_cose_sign1_verify(&msg, key), MAYDAY_OK);
	EVP_PKEY_free(key);
}

static void test_kid_must_be_device_id(void **state)
{
	struct mayday_indication got;
	struct mayday_cose_sign1 msg;
	struct mayday_diag diag = { 0 };
	struct mayday_signer s;
	EVP_PKEY *key = tv_key();
	uint8_t out[MAYDAY_INDICATION_MAX];
	size_t len;
	struct tv_cbor v;

	(void)state;
	vector(&v);
	assert_int_equal(mayday_signer_from_pkey(&s, key, (const uint8_t *)"hnb-acme-000124", 15),
			 MAYDAY_OK);
	assert_int_equal(mayday_cose_sign1_encode(&s, v.buf, v.len, out, sizeof(out), &len),
			 MAYDAY_OK);
	assert_int_equal(mayday_indication_open(out, len, &msg, &got, &diag), MAYDAY_E_MALFORMED);
	assert_string_equal(diag.what, "kid is not the device ID");
	assert_int_equal(diag.offset, 6); /* the unprotected header */
	assert_null(msg.payload);
	assert_string_equal(got.device_id, "");

	/* A prefix of the device ID is not the device ID either. */
	assert_int_equal(mayday_signer_from_pkey(&s, key, (const uint8_t *)"hnb-acme-00012", 14),
			 MAYDAY_OK);
	assert_int_equal(mayday_cose_sign1_encode(&s, v.buf, v.len, out, sizeof(out), &len),
			 MAYDAY_OK);
	assert_int_equal(mayday_indication_open(out, len, &msg, &got, &diag), MAYDAY_E_MALFORMED);

	/* No kid at all. */
	assert_int_equal(mayday_signer_from_pkey(&s, key, NULL, 0), MAYDAY_OK);
	assert_int_equal(mayday_cose_sign1_encode(&s, v.buf, v.len, out, sizeof(out), &len),
			 MAYDAY_OK);
	assert_int_equal(mayday_indication_open(out, len, &msg, &got, &diag), MAYDAY_E_MALFORMED);
	assert_string_equal(diag.what, "kid is not the device ID");
	EVP_PKEY_free(key);
}

static void test_open_rejects_oversized(void **state)
{
	uint8_t *big = calloc(1, MAYDAY_INDICATION_MAX + 1);
	struct mayday_indication got;
	struct mayday_cose_sign1 msg;
	struct mayday_diag diag = { 0 };

	(void)state;
	assert_int_equal(mayday_indication_open(big, MAYDAY_INDICATION_MAX + 1, &msg, &got, &diag),
			 MAYDAY_E_TOOBIG);
	assert_int_equal(mayday_indication_decode_claims(big, MAYDAY_INDICATION_MAX + 1, &got,
							 &diag), MAYDAY_E_TOOBIG);
	free(big);
}

static void test_truncated(void **state)
{
	size_t len;
	uint8_t *v = tv_unhex(tv_indication_cose_hex, &len);
	struct tv_cbor c;

	(void)state;
	for (size_t n = 0; n < len; n++) {
		struct mayday_indication got;
		struct mayday_cose_sign1 msg;
		struct mayday_diag diag = { .offset = SIZE_MAX };
		uint8_t *copy = malloc(n + 1);

		memcpy(copy, v, n);
		assert_int_not_equal(mayday_indication_open(copy, n, &msg, &got, &diag), MAYDAY_OK);
		assert_true(diag.offset <= n);
		free(copy);
	}
	vector(&c);
	for (size_t n = 0; n < c.len; n++) {
		struct mayday_indication got;
		struct mayday_diag diag = { .offset = SIZE_MAX };

		assert_int_equal(mayday_indication_decode_claims(c.buf, n, &got, &diag),
				 MAYDAY_E_MALFORMED);
		assert_true(diag.offset <= n);
	}
	free(v);
}

/* No single-bit flip of a signed indication survives open + verify: flips in
 * the (unsigned) kid break kid == device ID, all others the signature or
 * the structure. */
static void test_bit_flips(void **state)
{
	EVP_PKEY *pub = tv_pub();
	size_t len;
	uint8_t *v = tv_unhex(tv_indication_cose_hex, &len);

	(void)state;
	for (size_t i = 0; i < len * 8; i++) {
		struct mayday_indication got;
		struct mayday_cose_sign1 msg;
		struct mayday_diag diag = { 0 };

		v[i / 8] ^= (uint8_t)(1u << (i % 8));
		if (mayday_indication_open(v, len, &msg, &got, &diag) == MAYDAY_OK)
			assert_int_equal(mayday_cose_sign1_verify(&msg, pub), MAYDAY_E_SIGNATURE);
		v[i / 8] ^= (uint8_t)(1u << (i % 8));
	}
	free(v);
	EVP_PKEY_free(pub);
}

/* Claims with extra pairs appended after the last key (8). */
static void with_extra(struct tv_cbor *b, uint8_t map_head, const char *extra, size_t extra_len)
{
	vector(b);
	assert_int_equal(b->buf[0], 0xa9);
	b->buf[0] = map_head;
	tvc_raw(b, extra, extra_len);
}

#define X(lit) lit, sizeof(lit) - 1

static void expect(const struct tv_cbor *b, enum mayday_err want, size_t offset, const char *what)
{
	struct mayday_indication got;
	struct mayday_diag diag = { 0 };

	assert_int_equal(decode(b, &got, &diag), want);
	if (want == MAYDAY_OK)
		return;
	assert_int_equal(diag.offset, offset);
	if (what)
		assert_string_equal(diag.what, what);
	assert_string_equal(got.device_id, ""); /* wiped */
}

static void test_extension_keys(void **state)
{
	struct mayday_indication ex, got;
	struct mayday_diag diag = { 0 };
	struct tv_cbor b, plain;

	(void)state;
	vector(&plain);
	tv_example_indication(&ex);

	/* Unknown keys >= 0 are critical. */
	with_extra(&b, 0xaa, X("\x09\x00"));
	expect(&b, MAYDAY_E_CRITICAL, plain.len, "unknown critical key");
	with_extra(&b, 0xaa, X("\x18\x40\x00"));
	expect(&b, MAYDAY_E_CRITICAL, plain.len, "unknown critical key");

	/* Negative keys are skipped, whatever plain value they carry. */
	with_extra(&b, 0xab, X("\x20\xa2\x01\x82\x01\x62hi\x20\xf6\x21\x81\x81\x81\x43xyz"));
	assert_int_equal(decode(&b, &got, &diag), MAYDAY_OK);
	assert_memory_equal(&got, &ex, sizeof(ex));

	/* ... but they still follow the deterministic rules. */
	with_extra(&b, 0xab, X("\x21\x00\x20\x00"));         /* -2 before -1 */
	expect(&b, MAYDAY_E_MALFORMED, plain.len + 2, "map keys not in deterministic order");
	with_extra(&b, 0xab, X("\x20\x00\x20\x00"));
	expect(&b, MAYDAY_E_MALFORMED, plain.len + 2, "duplicate map key");
	with_extra(&b, 0xaa, X("\x20\xa2\x02\x00\x01\x00")); /* inner map unsorted */
	expect(&b, MAYDAY_E_MALFORMED, plain.len + 4, "map keys not in deterministic order");
	with_extra(&b, 0xaa, X("\x20\x81\x81\x81\x81\x00")); /* four levels: fine */
	expect(&b, MAYDAY_OK, 0, NULL);
	with_extra(&b, 0xaa, X("\x20\x81\x81\x81\x81\x81\x00"));
	expect(&b, MAYDAY_E_MALFORMED, plain.len + 5, "nesting too deep");
	with_extra(&b, 0xaa, X("\x20\xc1\x00"));
	expect(&b, MAYDAY_E_MALFORMED, plain.len + 1, "tag not allowed here");
	with_extra(&b, 0xaa, X("\x20\xf9\x3c\x00"));
	expect(&b, MAYDAY_E_MALFORMED, plain.len + 1, "floating-point value");
	with_extra(&b, 0xaa, X("\x20\x61\xff"));
	expect(&b, MAYDAY_E_MALFORMED, plain.len + 1, "invalid UTF-8");
	with_extra(&b, 0xaa, X("\x38\x00\x00"));             /* -1 as 38 00 */
	expect(&b, MAYDAY_E_MALFORMED, plain.len, "non-shortest integer");

	/* Known keys again, out of order or twice. */
	with_extra(&b, 0xaa, X("\x07\x00"));
	expect(&b, MAYDAY_E_MALFORMED, plain.len, "map keys not in deterministic order");
	with_extra(&b, 0xaa, X("\x08\x00"));
	expect(&b, MAYDAY_E_MALFORMED, plain.len, "duplicate map key");
	/* Trailing bytes after the map. */
	vector(&b);
	tvc_byte(&b, 0x00);
	expect(&b, MAYDAY_E_MALFORMED, plain.len, "trailing bytes");
}

static void test_field_faults(void **state)
{
	struct tv_cbor b, v;
	uint8_t *p;
	char long_id[MAYDAY_DEVICE_ID_MAX + 2];

	(void)state;
	vector(&v);
	/* Layout: a9 | 00 01 | 01 6f "hnb-acme-000123" | 02 18 2a | ... */
	assert_memory_equal(v.buf, "\xa9\x00\x01\x01\x6fhnb-acme-000123\x02\x18\x2a", 23);

	b = v;
	b.buf[2] = 0x02;
	expect(&b, MAYDAY_E_UNSUPPORTED, 2, "unsupported protocol version");

	tvc_init(&b);                                   /* version as 18 01 */
	tvc_raw(&b, "\xa9\x00\x18\x01", 4);
	tvc_raw(&b, v.buf + 3, v.len - 3);
	expect(&b, MAYDAY_E_MALFORMED, 2, "non-shortest integer");

	b = v;                                          /* NUL in the device ID */
	b.buf[8] = 0x00;
	expect(&b, MAYDAY_E_MALFORMED, 4, "NUL in text");
	b = v;
	b.buf[8] = 0xc0;
	expect(&b, MAYDAY_E_MALFORMED, 4, "invalid UTF-8");

	memset(long_id, 'x', sizeof(long_id));          /* 65 bytes */
	tvc_init(&b);
	tvc_raw(&b, "\xa9\x00\x01\x01", 4);
	tvc_tstrn(&b, long_id, MAYDAY_DEVICE_ID_MAX + 1);
	tvc_raw(&b, v.buf + 20, v.len - 20);
	expect(&b, MAYDAY_E_TOOBIG, 4, "text too long");
	tvc_init(&b);                                   /* 64 bytes: fine */
	tvc_raw(&b, "\xa9\x00\x01\x01", 4);
	tvc_tstrn(&b, long_id, MAYDAY_DEVICE_ID_MAX);
	tvc_raw(&b, v.buf + 20, v.len - 20);
	expect(&b, MAYDAY_OK, 0, NULL);
	tvc_init(&b);                                   /* empty */
	tvc_raw(&b, "\xa9\x00\x01\x01\x60", 5);
	tvc_raw(&b, v.buf + 20, v.len - 20);
	expect(&b, MAYDAY_E_MALFORMED, 4, "text too short");
	tvc_init(&b);                                   /* device ID as bytes */
	tvc_raw(&b, "\xa9\x00\x01\x01\x4f", 5);
	tvc_raw(&b, v.buf + 5, v.len - 5);
	expect(&b, MAYDAY_E_MALFORMED, 4, "expected a text string");

	b = v;                                          /* indefinite-length map */
	b.buf[0] = 0xbf;
	tvc_byte(&b, 0xff);
	expect(&b, MAYDAY_E_MALFORMED, 0, "indefinite length");

	/* Without its last pair (the evidence): a required key is missing. */
	p = memmem(v.buf, v.len, "\x08\xa7\x00\x01", 4);
	assert_non_null(p);
	tvc_init(&b);
	tvc_raw(&b, v.buf, (size_t)(p - v.buf));
	b.buf[0] = 0xa8;
	expect(&b, MAYDAY_E_MALFORMED, b.len, "required key missing");

	/* Transport: unknown values pass (recorded as such), > 32 bits do not. */
	p = memmem(v.buf, v.len, "\x05\x03\x06", 3);
	assert_non_null(p);
	b = v;
	b.buf[p - v.buf + 1] = 0x17;
	expect(&b, MAYDAY_OK, 0, NULL);
	tvc_init(&b);
	tvc_raw(&b, v.buf, (size_t)(p - v.buf) + 1);
	tvc_uint(&b, UINT64_C(1) << 32);
	tvc_raw(&b, p + 2, v.len - (size_t)(p - v.buf) - 2);
	expect(&b, MAYDAY_E_MALFORMED, (size_t)(p - v.buf) + 1, "integer out of range");
}

static void test_too_many_components(void **state)
{
	static struct mayday_indication ind, got;
	static uint8_t buf31[MAYDAY_INDICATION_MAX], buf32[MAYDAY_INDICATION_MAX];
	struct mayday_diag diag = { 0 };
	size_t len31, len32, comp;
	uint8_t *p;
	struct tv_cbor b;

	(void)state;
	tv_example_indication(&ind);
	for (int i = 0; i < MAYDAY_MAX_COMPONENTS; i++)
		ind.evidence.failed[i] = ind.evidence.failed[0];
	ind.evidence.n_failed = MAYDAY_MAX_COMPONENTS - 1;
	assert_int_equal(mayday_indication_encode_claims(&ind, buf31, sizeof(buf31), &len31),
			 MAYDAY_OK);
	ind.evidence.n_failed = MAYDAY_MAX_COMPONENTS;
	assert_int_equal(mayday_indication_encode_claims(&ind, buf32, sizeof(buf32), &len32),
			 MAYDAY_OK);
	assert_int_equal(mayday_indication_decode_claims(buf32, len32, &got, &diag), MAYDAY_OK);
	comp = len32 - len31; /* one component map: the last bytes of the claims */

	tvc_init(&b);
	tvc_raw(&b, buf32, len32);
	tvc_raw(&b, buf32 + len32 - comp, comp);
	p = memmem(b.buf, b.len, "\x06\x98\x20", 3);
	assert_non_null(p);
	p[2] = 0x21;
	expect(&b, MAYDAY_E_TOOBIG, (size_t)(p - b.buf) + 1, "too many array items");

	ind.evidence.n_failed = MAYDAY_MAX_COMPONENTS + 1;
	assert_int_equal(mayday_indication_encode_claims(&ind, buf32, sizeof(buf32), &len32),
			 MAYDAY_E_INVALID);
}

static void test_encoder_refuses_invalid(void **state)
{
	struct mayday_indication ind;
	struct mayday_signer s;
	EVP_PKEY *key = tv_key();
	uint8_t out[MAYDAY_INDICATION_MAX];
	size_t len;

	(void)state;
	assert_int_equal(mayday_signer_from_pkey(&s, key, NULL, 0), MAYDAY_OK);
	tv_example_indication(&ind);
	ind.device_id[0] = '\0';
	assert_int_equal(mayday_indication_encode_claims(&ind, out, sizeof(out), &len),
			 MAYDAY_E_INVALID);
	assert_int_equal(mayday_indication_sign(&ind, &s, out, sizeof(out), &len),
			 MAYDAY_E_INVALID);
	memset(ind.device_id, 'a', sizeof(ind.device_id)); /* no terminator */
	assert_int_equal(mayday_indication_encode_claims(&ind, out, sizeof(out), &len),
			 MAYDAY_E_INVALID);
	tv_example_indication(&ind);
	strcpy(ind.dcf_version, "\xed\xa0\x80"); /* a UTF-16 surrogate */
	assert_int_equal(mayday_indication_encode_claims(&ind, out, sizeof(out), &len),
			 MAYDAY_E_INVALID);
	tv_example_indication(&ind);
	ind.evidence.slot = 7;
	assert_int_equal(mayday_indication_encode_claims(&ind, out, sizeof(out), &len),
			 MAYDAY_E_INVALID);
	EVP_PKEY_free(key);
}

/* docs/protocol.md §1: one device-ID alphabet, printable ASCII without space. */
static void test_device_id_alphabet(void **state)
{
	struct mayday_indication ind;
	struct mayday_ack ack;
	uint8_t out[MAYDAY_INDICATION_MAX];
	size_t len;
	static const char *const bad[] = {"has space", "tab\there", "caf\xc3\xa9", "del\x7f",
					   "nl\n"};

	(void)state;
	assert_true(mayday_device_id_ok("!~", 2));
	assert_true(mayday_device_id_ok("hnb-acme-000123", 15));
	assert_false(mayday_device_id_ok("", 0));
	assert_false(mayday_device_id_ok("a", MAYDAY_DEVICE_ID_MAX + 1));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_false(mayday_device_id_ok(bad[i], strlen(bad[i])));
		tv_example_indication(&ind);
		strcpy(ind.device_id, bad[i]);
		assert_int_equal(mayday_indication_encode_claims(&ind, out, sizeof(out), &len),
				 MAYDAY_E_INVALID);
		tv_example_ack(&ack);
		strcpy(ack.device_id, bad[i]);
		assert_int_equal(mayday_ack_encode_claims(&ack, out, sizeof(out), &len),
				 MAYDAY_E_INVALID);
	}
	/* Decoders: the ack vector with its device ID's '-' turned into ' '. */
	uint8_t *claims = tv_unhex(tv_ack_claims_hex, &len);
	struct mayday_diag diag = {0, NULL};
	assert_int_equal(mayday_ack_decode_claims(claims, len, &ack, &diag), MAYDAY_OK);
	claims[8] = ' ';   /* a7 00 01 01 6f 'h' 'n' 'b' '-' */
	assert_int_equal(mayday_ack_decode_claims(claims, len, &ack, &diag), MAYDAY_E_MALFORMED);
	assert_int_equal(diag.offset, 4);   /* the text string's head */
	free(claims);
}

static void test_transport_names(void **state)
{
	(void)state;
	assert_string_equal(mayday_transport_name(MAYDAY_TRANSPORT_PLAIN_UDP), "plain-udp");
	assert_string_equal(mayday_transport_name(MAYDAY_TRANSPORT_TLS), "tls");
	assert_string_equal(mayday_transport_name(MAYDAY_TRANSPORT_PSK), "psk");
	assert_string_equal(mayday_transport_name(0), "unknown");
	assert_string_equal(mayday_transport_name(23), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_claims_vector),
		cmocka_unit_test(test_signed_vector),
		cmocka_unit_test(test_sign_open_verify),
		cmocka_unit_test(test_largest),
		cmocka_unit_test(test_kid_must_be_device_id),
		cmocka_unit_test(test_open_rejects_oversized),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_bit_flips),
		cmocka_unit_test(test_extension_keys),
		cmocka_unit_test(test_field_faults),
		cmocka_unit_test(test_too_many_components),
		cmocka_unit_test(test_encoder_refuses_invalid),
		cmocka_unit_test(test_device_id_alphabet),
		cmocka_unit_test(test_transport_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

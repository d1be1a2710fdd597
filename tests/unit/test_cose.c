/* SPDX-License-Identifier: Apache-2.0 */
/*
 * COSE_Sign1 in the mayday profile: exact encoding (with a deterministic
 * fake signer), ES256 round trips with real keys, the protocol.md signed
 * vectors, and rejection of everything outside the profile.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mayday/cose.h"
#include "mayday/keys.h"
#include "test_vectors.h"

static const uint8_t prot_es256[] = { 0xa1, 0x01, 0x26 };

/* A signer that records what it was asked to sign and "signs" 00 01 .. 3f. */
struct fake {
	uint8_t tbs[256];
	size_t tbs_len;
	enum mayday_err result;
};

static enum mayday_err fake_sign(void *ctx, const uint8_t *tbs, size_t tbs_len,
				 uint8_t sig[MAYDAY_ES256_SIG_LEN])
{
	struct fake *f = ctx;

	assert_true(tbs_len <= sizeof(f->tbs));
	memcpy(f->tbs, tbs, tbs_len);
	f->tbs_len = tbs_len;
	for (int i = 0; i < MAYDAY_ES256_SIG_LEN; i++)
		sig[i] = (uint8_t)i;
	return f->result;
}

static void test_exact_encoding(void **state)
{
	struct fake f = { .result = MAYDAY_OK };
	struct mayday_signer s = { .sign = fake_sign, .ctx = &f, .kid = "kid", .kid_len = 3 };
	uint8_t out[256];
	size_t len;
	struct tv_cbor want, tbs;
	uint8_t sig[MAYDAY_ES256_SIG_LEN];

	(void)state;
	for (int i = 0; i < MAYDAY_ES256_SIG_LEN; i++)
		sig[i] = (uint8_t)i;
	assert_int_equal(mayday_cose_sign1_encode(&s, (const uint8_t *)"hello", 5, out,
						  sizeof(out), &len), MAYDAY_OK);

	/* 18([h'a10126', {4: h'6b6964'}, h'68656c6c6f', sig]) */
	tvc_init(&want);
	tvc_raw(&want, "\xd2\x84\x43\xa1\x01\x26\xa1\x04\x43kid\x45hello\x58\x40", 20);
	tvc_raw(&want, sig, sizeof(sig));
	assert_int_equal(len, want.len);
	assert_memory_equal(out, want.buf, len);

	/* ["Signature1", h'a10126', h'', h'68656c6c6f'] */
	tvc_init(&tbs);
	tvc_raw(&tbs, "\x84\x6aSignature1\x43\xa1\x01\x26\x40\x45hello", 23);
	assert_int_equal(f.tbs_len, tbs.len);
	assert_memory_equal(f.tbs, tbs.buf, tbs.len);

	/* No kid: the unprotected header is the empty map. */
	s.kid_len = 0;
	assert_int_equal(mayday_cose_sign1_encode(&s, (const uint8_t *)"hello", 5, out,
						  sizeof(out), &len), MAYDAY_OK);
	assert_int_equal(len, want.len - 5);
	assert_memory_equal(out, "\xd2\x84\x43\xa1\x01\x26\xa0\x45hello\x58\x40", 15);

	/* The signer's error is the caller's error. */
	f.result = MAYDAY_E_KEY;
	assert_int_equal(mayday_cose_sign1_encode(&s, (const uint8_t *)"hello", 5, out,
						  sizeof(out), &len), MAYDAY_E_KEY);
}

static void test_output_too_small(void **state)
{
	struct fake f = { .result = MAYDAY_OK };
	struct mayday_signer s = { .sign = fake_sign, .ctx = &f, .kid = "kid", .kid_len = 3 };
	uint8_t out[256], canary[256];
	size_t len, full;

	(void)state;
	assert_int_equal(mayday_cose_sign1_encode(&s, (const uint8_t *)"hello", 5, out,
						  sizeof(out), &full), MAYDAY_OK);
	for (size_t cap = 0; cap < full; cap++) {
		memset(out, 0x5a, sizeof(out));
		memset(canary, 0x5a, sizeof(canary));
		assert_int_equal(mayday_cose_sign1_encode(&s, (const uint8_t *)"hello", 5, out, cap,
							  &len), MAYDAY_E_TOOBIG);
		/* Nothing written past cap. */
		assert_memory_equal(out + cap, canary + cap, sizeof(out) - cap);
	}
	assert_int_equal(mayday_cose_sign1_encode(&s, (const uint8_t *)"hello", 5, out, full, &len),
			 MAYDAY_OK);
	assert_int_equal(len, full);
}

static void test_round_trip_sizes(void **state)
{
	static const size_t sizes[] = { 0, 1, 23, 24, 255, 256, 65535, 65536, 100000 };
	EVP_PKEY *key = tv_key(), *pub = tv_pub();
	struct mayday_signer s;
	size_t cap = 100000 + 200;
	uint8_t *payload = malloc(cap), *out = malloc(cap);

	(void)state;
	for (size_t i = 0; i < cap; i++)
		payload[i] = (uint8_t)(i * 7 + 3);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		for (int with_kid = 0; with_kid < 2; with_kid++) {
			struct mayday_cose_sign1 msg;
			struct mayday_diag diag = { 0 };
			size_t len;

			assert_int_equal(mayday_signer_from_pkey(&s, key, (const uint8_t *)"dev-1",
								 with_kid ? 5 : 0), MAYDAY_OK);
			assert_int_equal(mayday_cose_sign1_encode(&s, payload, sizes[i], out, cap,
								  &len), MAYDAY_OK);
			assert_int_equal(mayday_cose_sign1_decode(out, len, cap, &msg, &diag),
					 MAYDAY_OK);
			assert_int_equal(msg.payload_len, sizes[i]);
			assert_memory_equal(msg.payload, payload, sizes[i]);
			assert_int_equal(msg.kid_len, with_kid ? 5 : 0);
			assert_memory_equal(msg.protected_hdr, prot_es256, 3);
			assert_int_equal(mayday_cose_sign1_verify(&msg, pub), MAYDAY_OK);
			if (sizes[i]) {
				out[msg.payload - out] ^= 1;
				assert_int_equal(mayday_cose_sign1_verify(&msg, pub),
						 MAYDAY_E_SIGNATURE);
			}
			/* Too large for the caller's limit. */
			assert_int_equal(mayday_cose_sign1_decode(out, len, len - 1, &msg, &diag),
					 MAYDAY_E_TOOBIG);
			assert_int_equal(diag.offset, len - 1);
		}
	}
	free(payload);
	free(out);
	EVP_PKEY_free(key);
	EVP_PKEY_free(pub);
}

static void test_keys_checked(void **state)
{
	EVP_PKEY *p384 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
	EVP_PKEY *other = NULL, *key = tv_key();
	struct mayday_signer s;
	struct mayday_cose_sign1 msg;
	struct mayday_diag diag = { 0 };
	uint8_t kid[MAYDAY_KID_MAX + 1] = { 0 };
	size_t len;
	uint8_t *v = tv_unhex(tv_indication_cose_hex, &len);

	(void)state;
	assert_non_null(p384);
	assert_int_equal(mayday_signer_from_pkey(&s, p384, NULL, 0), MAYDAY_E_KEY);
	assert_int_equal(mayday_signer_from_pkey(&s, key, kid, MAYDAY_KID_MAX), MAYDAY_OK);
	assert_int_equal(mayday_signer_from_pkey(&s, key, kid, MAYDAY_KID_MAX + 1),
			 MAYDAY_E_INVALID);

	assert_int_equal(mayday_cose_sign1_decode(v, len, MAYDAY_INDICATION_MAX, &msg, &diag),
			 MAYDAY_OK);
	assert_int_equal(mayday_cose_sign1_verify(&msg, p384), MAYDAY_E_KEY);
	assert_int_equal(mayday_key_generate(&other), MAYDAY_OK);
	assert_int_equal(mayday_cose_sign1_verify(&msg, other), MAYDAY_E_SIGNATURE);
	/* The private key verifies as well as its public half. */
	assert_int_equal(mayday_cose_sign1_verify(&msg, key), MAYDAY_OK);
	free(v);
	EVP_PKEY_free(p384);
	EVP_PKEY_free(other);
	EVP_PKEY_free(key);
}

/* The signed vectors of docs/protocol.md verify with the test key and carry the claims. */
static void test_vectors(void **state)
{
	static const struct {
		const char *cose;
		const char *claims;
		const char *kid;
		size_t max;
	} vecs[] = {
		{ tv_indication_cose_hex, tv_indication_claims_hex, "hnb-acme-000123",
		  MAYDAY_INDICATION_MAX },
		{ tv_ack_remediate_cose_hex, tv_ack_remediate_claims_hex, TV_ACK_KID, MAYDAY_ACK_MAX },
		{ tv_manifest_cose_hex, tv_manifest_claims_hex, "", MAYDAY_MANIFEST_MAX },
	};
	EVP_PKEY *pub = NULL;
	struct mayday_cose_verifier *ver = NULL;

	(void)state;
	assert_int_equal(mayday_cose_verifier_new(&ver, 4), MAYDAY_OK);
	assert_int_equal(mayday_key_public_from_pem((const uint8_t *)tv_pub_pem,
						    strlen(tv_pub_pem), &pub), MAYDAY_OK);
	for (size_t i = 0; i < sizeof(vecs) / sizeof(vecs[0]); i++) {
		struct mayday_cose_sign1 msg;
		struct mayday_diag diag = { 0 };
		size_t len, clen;
		uint8_t *v = tv_unhex(vecs[i].cose, &len);
		uint8_t *c = tv_unhex(vecs[i].claims, &clen);

		assert_int_equal(mayday_cose_sign1_decode(v, len, vecs[i].max, &msg, &diag),
				 MAYDAY_OK);
		assert_int_equal(mayday_cose_sign1_verify(&msg, pub), MAYDAY_OK);
		assert_int_equal(mayday_cose_verifier_verify(ver, &msg, pub), MAYDAY_OK);
		assert_int_equal(msg.payload_len, clen);
		assert_memory_equal(msg.payload, c, clen);
		assert_int_equal(msg.kid_len, strlen(vecs[i].kid));
		assert_memory_equal(msg.kid, vecs[i].kid, msg.kid_len);
		free(v);
		free(c);
	}
	mayday_cose_verifier_free(ver);
	EVP_PKEY_free(pub);
}

/* The hot-path signer and verifier agree with the plain calls, in both
 * directions, over enough signatures that an r or s with the top bit set
 * (a 0x00 pad in DER) and, most likely, one with a leading zero byte (a
 * shorter INTEGER) occur. A
 * one-entry verifier alternating two keys keeps replacing its context. */
static void test_hot_signer_verifier(void **state)
{
	EVP_PKEY *a = tv_key(), *b = NULL, *p384 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
	struct mayday_signer hot, plain;
	struct mayday_cose_verifier *ver = NULL, *wide = NULL;
	uint8_t payload[64], out[256];
	unsigned high_s = 0;

	(void)state;
	assert_non_null(p384);
	assert_int_equal(mayday_key_generate(&b), MAYDAY_OK);
	assert_int_equal(mayday_signer_open(&hot, p384, NULL, 0), MAYDAY_E_KEY);
	assert_int_equal(mayday_signer_open(&hot, a, payload, MAYDAY_KID_MAX + 1),
			 MAYDAY_E_INVALID);
	assert_int_equal(mayday_signer_open(&hot, a, (const uint8_t *)"k", 1), MAYDAY_OK);
	assert_int_equal(mayday_signer_from_pkey(&plain, b, NULL, 0), MAYDAY_OK);
	assert_int_equal(mayday_cose_verifier_new(&ver, 1), MAYDAY_OK);
	assert_int_equal(mayday_cose_verifier_new(&wide, MAYDAY_COSE_VERIFIER_KEYS_MAX + 1),
			 MAYDAY_E_INVALID);
	assert_null(wide);
	assert_int_equal(mayday_cose_verifier_new(&wide, 64), MAYDAY_OK);

	for (unsigned i = 0; i < 600; i++) {
		struct mayday_cose_sign1 msg;
		struct mayday_diag diag = { 0 };
		int from_hot = i % 2 == 0;
		EVP_PKEY *signed_by = from_hot ? a : b, *wrong = from_hot ? b : a;
		size_t len;

		memset(payload, (int)i, sizeof(payload));
		payload[0] = (uint8_t)(i >> 8);
		assert_int_equal(mayday_cose_sign1_encode(from_hot ? &hot : &plain, payload,
							  sizeof(payload), out, sizeof(out), &len),
				 MAYDAY_OK);
		assert_int_equal(mayday_cose_sign1_decode(out, len, sizeof(out), &msg, &diag),
				 MAYDAY_OK);
		assert_int_equal(msg.kid_len, from_hot ? 1 : 0);
		high_s += (msg.signature[32] & 0x80) != 0;
		assert_int_equal(mayday_cose_sign1_verify(&msg, signed_by), MAYDAY_OK);
		assert_int_equal(mayday_cose_verifier_verify(ver, &msg, signed_by), MAYDAY_OK);
		assert_int_equal(mayday_cose_verifier_verify(ver, &msg, wrong), MAYDAY_E_SIGNATURE);
		assert_int_equal(mayday_cose_verifier_verify(wide, &msg, signed_by), MAYDAY_OK);
		assert_int_equal(mayday_cose_verifier_verify(wide, &msg, wrong),
				 MAYDAY_E_SIGNATURE);
		if (i < 8) {
			assert_int_equal(mayday_cose_verifier_verify(wide, &msg, p384),
					 MAYDAY_E_KEY);
			assert_int_equal(mayday_cose_verifier_verify(wide, &msg, NULL),
					 MAYDAY_E_KEY);
			assert_int_equal(mayday_cose_verifier_verify(NULL, &msg, a),
					 MAYDAY_E_INVALID);
		}
		out[msg.payload - out] ^= 0x40;
		assert_int_equal(mayday_cose_verifier_verify(wide, &msg, signed_by),
				 MAYDAY_E_SIGNATURE);
		assert_int_equal(mayday_cose_sign1_verify(&msg, signed_by), MAYDAY_E_SIGNATURE);
	}
	/* s with the top bit set needs the 0x00 pad in DER (about every other
	 * signature); a leading zero byte (1 in 256) is likely but not certain. */
	assert_true(high_s > 0);
	mayday_cose_verifier_free(ver);
	mayday_cose_verifier_free(wide);
	mayday_cose_verifier_free(NULL);
	mayday_signer_close(&hot);
	assert_null(hot.sign);
	mayday_signer_close(&hot);      /* cleared: nothing to do */
	mayday_signer_close(&plain);    /* not opened: left alone */
	assert_non_null(plain.sign);
	mayday_signer_close(NULL);
	EVP_PKEY_free(a);
	EVP_PKEY_free(b);
	EVP_PKEY_free(p384);
}

/* A message from parts: `prot` is the protected bstr's contents, `unprot`
 * raw CBOR, the signature `sig_len` zero bytes. */
static void build(struct tv_cbor *b, const char *prot, size_t prot_len, const char *unprot,
		  size_t unprot_len, size_t sig_len)
{
	static const uint8_t zero[80];

	tvc_init(b);
	tvc_tag(b, 18);
	tvc_array(b, 4);
	tvc_bstr(b, prot, prot_len);
	tvc_raw(b, unprot, unprot_len);
	tvc_bstr(b, "hi", 2);
	tvc_bstr(b, zero, sig_len);
}

#define S(lit) lit, sizeof(lit) - 1

static void expect(const struct tv_cbor *b, enum mayday_err want, size_t offset,
		   const char *what)
{
	struct mayday_cose_sign1 msg;
	struct mayday_diag diag = { 0 };

	assert_int_equal(mayday_cose_sign1_decode(b->buf, b->len, 4096, &msg, &diag), want);
	if (want == MAYDAY_OK)
		return;
	assert_int_equal(diag.offset, offset);
	if (what)
		assert_string_equal(diag.what, what);
	assert_null(msg.payload);   /* wiped */
	assert_int_equal(msg.kid_len, 0);
}

static void test_header_profile(void **state)
{
	struct tv_cbor b;

	(void)state;
	build(&b, S("\xa1\x01\x26"), S("\xa0"), 64);
	expect(&b, MAYDAY_OK, 0, NULL);
	build(&b, S("\xa1\x01\x26"), S("\xa1\x04\x41\x00"), 64);
	expect(&b, MAYDAY_OK, 0, NULL);

	/* Offsets: d2 84 43 a1 01 26 -> the protected map starts at 3. */
	build(&b, S("\xa1\x01\x38\x22"), S("\xa0"), 64);            /* ES384 */
	expect(&b, MAYDAY_E_UNSUPPORTED, 5, "algorithm is not ES256");
	build(&b, S("\xa1\x01\x65" "ES256"), S("\xa0"), 64);        /* text alg */
	expect(&b, MAYDAY_E_UNSUPPORTED, 5, "algorithm is not ES256");
	build(&b, S("\xa2\x01\x26\x02\x81\x01"), S("\xa0"), 64);    /* crit: [1] */
	expect(&b, MAYDAY_E_CRITICAL, 6, "crit header present");
	build(&b, S("\xa2\x01\x26\x03\x00"), S("\xa0"), 64);        /* content type */
	expect(&b, MAYDAY_E_UNSUPPORTED, 6, "protected header label not in profile");
	build(&b, S("\xa2\x01\x26\x01\x26"), S("\xa0"), 64);        /* duplicate alg */
	expect(&b, MAYDAY_E_MALFORMED, 6, "duplicate map key");
	build(&b, "", 0, S("\xa0"), 64);                            /* empty protected */
	expect(&b, MAYDAY_E_UNSUPPORTED, 3, "no algorithm in protected header");
	build(&b, S("\xa0"), S("\xa0"), 64);                        /* {} */
	expect(&b, MAYDAY_E_UNSUPPORTED, 3, "no algorithm in protected header");
	build(&b, S("\xa1\x01\x26\x00"), S("\xa0"), 64);            /* trailing byte */
	expect(&b, MAYDAY_E_MALFORMED, 6, "trailing bytes");
	build(&b, S("\x81\x26"), S("\xa0"), 64);
	expect(&b, MAYDAY_E_MALFORMED, 3, "protected header is not a map");

	/* Unprotected header at offset 6. */
	build(&b, S("\xa1\x01\x26"), S("\xa1\x01\x26"), 64);
	expect(&b, MAYDAY_E_UNSUPPORTED, 7, "unprotected header label not in profile");
	build(&b, S("\xa1\x01\x26"), S("\xa1\x02\x81\x04"), 64);
	expect(&b, MAYDAY_E_CRITICAL, 7, "crit header present");
	build(&b, S("\xa1\x01\x26"), S("\xa1\x04\x40"), 64);
	expect(&b, MAYDAY_E_MALFORMED, 8, "empty kid");
	build(&b, S("\xa1\x01\x26"), S("\xa1\x04\x61\x41"), 64);
	expect(&b, MAYDAY_E_MALFORMED, 8, "expected a byte string");
	build(&b, S("\xa1\x01\x26"), S("\xa2\x04\x41\x01\x04\x41\x02"), 64);
	expect(&b, MAYDAY_E_MALFORMED, 10, "duplicate map key");
	build(&b, S("\xa1\x01\x26"), S("\x80"), 64);
	expect(&b, MAYDAY_E_MALFORMED, 6, "unprotected header is not a map");

	/* Signature of the wrong size; payload at 7, signature at 10. */
	build(&b, S("\xa1\x01\x26"), S("\xa0"), 63);
	expect(&b, MAYDAY_E_MALFORMED, 10, "signature is not 64 bytes");
	build(&b, S("\xa1\x01\x26"), S("\xa0"), 65);
	expect(&b, MAYDAY_E_MALFORMED, 10, "signature is not 64 bytes");
}

static void test_kid_too_long(void **state)
{
	uint8_t kid[MAYDAY_KID_MAX + 1];
	struct tv_cbor u, b;

	(void)state;
	memset(kid, 'k', sizeof(kid));
	tvc_init(&u);
	tvc_map(&u, 1);
	tvc_uint(&u, 4);
	tvc_bstr(&u, kid, MAYDAY_KID_MAX);
	build(&b, S("\xa1\x01\x26"), (const char *)u.buf, u.len, 64);
	expect(&b, MAYDAY_OK, 0, NULL);
	tvc_init(&u);
	tvc_map(&u, 1);
	tvc_uint(&u, 4);
	tvc_bstr(&u, kid, MAYDAY_KID_MAX + 1);
	build(&b, S("\xa1\x01\x26"), (const char *)u.buf, u.len, 64);
	expect(&b, MAYDAY_E_TOOBIG, 8, "kid too long");
}

static void test_structure(void **state)
{
	static const uint8_t zero[64];
	struct tv_cbor b;

	(void)state;
	/* Untagged. */
	tvc_init(&b);
	tvc_array(&b, 4);
	expect(&b, MAYDAY_E_MALFORMED, 0, "not a tagged COSE_Sign1");
	/* COSE_Mac0 tag. */
	tvc_init(&b);
	tvc_tag(&b, 17);
	tvc_array(&b, 4);
	expect(&b, MAYDAY_E_MALFORMED, 0, "not a tagged COSE_Sign1");
	/* Tag 18 in a two-byte head. */
	tvc_init(&b);
	tvc_raw(&b, "\xd8\x12\x84", 3);
	expect(&b, MAYDAY_E_MALFORMED, 0, "non-shortest integer");
	/* Three items. */
	tvc_init(&b);
	tvc_tag(&b, 18);
	tvc_array(&b, 3);
	expect(&b, MAYDAY_E_MALFORMED, 1, "COSE_Sign1 is not a 4-item array");
	/* Indefinite-length array. */
	tvc_init(&b);
	tvc_raw(&b, "\xd2\x9f\x43\xa1\x01\x26\xa0\x42hi", 10);
	tvc_bstr(&b, zero, 64);
	tvc_byte(&b, 0xff);
	expect(&b, MAYDAY_E_MALFORMED, 1, "indefinite length");
	/* Detached payload (nil). */
	tvc_init(&b);
	tvc_raw(&b, "\xd2\x84\x43\xa1\x01\x26\xa0\xf6", 8);
	tvc_bstr(&b, zero, 64);
	expect(&b, MAYDAY_E_UNSUPPORTED, 7, "detached payload");
	/* Payload as text. */
	tvc_init(&b);
	tvc_raw(&b, "\xd2\x84\x43\xa1\x01\x26\xa0\x62hi", 10);
	tvc_bstr(&b, zero, 64);
	expect(&b, MAYDAY_E_MALFORMED, 7, "payload is not a byte string");
	/* Payload length in a longer head than needed. */
	tvc_init(&b);
	tvc_raw(&b, "\xd2\x84\x43\xa1\x01\x26\xa0\x58\x02hi", 11);
	tvc_bstr(&b, zero, 64);
	expect(&b, MAYDAY_E_MALFORMED, 7, "non-shortest length");
	/* A byte string claiming 2^64-1 bytes. */
	tvc_init(&b);
	tvc_raw(&b, "\xd2\x84\x43\xa1\x01\x26\xa0\x5b\xff\xff\xff\xff\xff\xff\xff\xff", 16);
	expect(&b, MAYDAY_E_MALFORMED, 7, "truncated");
	/* Trailing byte after a good message. */
	build(&b, S("\xa1\x01\x26"), S("\xa0"), 64);
	tvc_byte(&b, 0x00);
	expect(&b, MAYDAY_E_MALFORMED, b.len - 1, "trailing bytes");
	/* Empty input. */
	tvc_init(&b);
	expect(&b, MAYDAY_E_MALFORMED, 0, "truncated");
}

static void test_truncated(void **state)
{
	size_t len;
	uint8_t *v = tv_unhex(tv_indication_cose_hex, &len);

	(void)state;
	for (size_t n = 0; n < len; n++) {
		struct mayday_cose_sign1 msg;
		struct mayday_diag diag = { .offset = SIZE_MAX };
		uint8_t *copy = malloc(n + 1); /* exact size, so ASan sees any overread */

		memcpy(copy, v, n);
		assert_int_not_equal(mayday_cose_sign1_decode(copy, n, MAYDAY_INDICATION_MAX, &msg,
							      &diag), MAYDAY_OK);
		assert_true(diag.offset <= n);
		free(copy);
	}
	free(v);
}

/* Every single-bit flip fails to decode or to verify, but for flips inside
 * the kid (which is not signed): those leave the payload untouched. */
static void test_bit_flips(void **state)
{
	EVP_PKEY *pub = tv_pub();
	size_t len, kid_start, kid_end, kid_len, accepted = 0;
	uint8_t *v = tv_unhex(tv_ack_remediate_cose_hex, &len);
	uint8_t *orig = tv_unhex(tv_ack_remediate_cose_hex, &len);
	struct mayday_cose_sign1 msg;
	struct mayday_diag diag = { 0 };

	(void)state;
	assert_int_equal(mayday_cose_sign1_decode(v, len, MAYDAY_ACK_MAX, &msg, &diag), MAYDAY_OK);
	kid_start = 9; /* d2 84 43 a10126 a1 04 46 | kid */
	kid_len = msg.kid_len;
	kid_end = kid_start + kid_len;
	assert_memory_equal(v + kid_start, TV_ACK_KID, kid_len);
	for (size_t i = 0; i < len * 8; i++) {
		v[i / 8] ^= (uint8_t)(1u << (i % 8));
		if (mayday_cose_sign1_decode(v, len, MAYDAY_ACK_MAX, &msg, &diag) == MAYDAY_OK &&
		    mayday_cose_sign1_verify(&msg, pub) == MAYDAY_OK) {
			accepted++;
			assert_true(i / 8 >= kid_start && i / 8 < kid_end);
			assert_memory_equal(msg.payload, orig + (msg.payload - v), msg.payload_len);
		}
		v[i / 8] ^= (uint8_t)(1u << (i % 8));
	}
	assert_int_equal(accepted, kid_len * 8);
	free(v);
	free(orig);
	EVP_PKEY_free(pub);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exact_encoding),
		cmocka_unit_test(test_output_too_small),
		cmocka_unit_test(test_round_trip_sizes),
		cmocka_unit_test(test_keys_checked),
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_hot_signer_verifier),
		cmocka_unit_test(test_header_profile),
		cmocka_unit_test(test_kid_too_long),
		cmocka_unit_test(test_structure),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_bit_flips),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Message version 2, the EAT claims map (docs/protocol.md §6.2): its vectors,
 * round trips beside version 1, the largest one, and hostile maps. The
 * hostile maps are built claim by claim (build() below), each with one
 * precise deviation from the vector, so every rejection is pinned to a rule
 * of §6.2.
 */
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

/* One deviation each from the §10 version 2 claims. */
enum fault {
	F_NONE,
	F_UEID_OTHER,       /* ueid of another device ID */
	F_UEID_TYPE,        /* ueid type 0x02 (EUI) */
	F_UEID_SHORT,       /* ueid without its last byte */
	F_PROFILE_OTHER,    /* another eat_profile */
	F_PROFILE_LONG,     /* a profile longer than ours */
	F_PROFILE_OID,      /* a profile named by an OID (byte string) */
	F_NO_PROFILE,
	F_CTI_SHORT,        /* cti of 7 bytes */
	F_IAT_LONG_HEAD,    /* iat with a non-shortest head */
	F_NONCE,            /* claim 10 (nonce), not in the profile */
	F_EXTENSION,        /* private claim -70000: skipped */
	F_NO_MAX_IMAGE,     /* -65540 left out */
	F_CF_OTHER,         /* measurements under another content format */
	F_TWO_MEASUREMENTS,
	F_EVIDENCE_TRAILING,/* a byte after the evidence map inside its bstr */
	F_SWVERSION_SCHEME, /* swversion [version, scheme] */
	F_DEVICE_ID_SPACE,  /* device ID with a space (ueid matching it) */
	F_COUNTER_TEXT      /* cti as a text string */
};

static void ueid_of(const char *id, uint8_t out[33])
{
	out[0] = 0x01;
	mayday_sha256(id, strlen(id), out + 1);
}

/* The §10 version 2 claims, with `f` applied. */
static void build(struct tv_cbor *b, enum fault f)
{
	const char *id = f == F_DEVICE_ID_SPACE ? "hnb acme 000123" : "hnb-acme-000123";
	uint8_t ueid[33], cti[8] = { 0, 0, 0, 0, 0, 0, 0, 42 };
	size_t ev_len;
	uint8_t *ev = tv_unhex(tv_evidence_hex, &ev_len);
	size_t pairs = 10;

	if (f == F_NO_PROFILE || f == F_NO_MAX_IMAGE)
		pairs--;
	if (f == F_NONCE || f == F_EXTENSION)
		pairs++;
	ueid_of(f == F_UEID_OTHER ? "hnb-acme-000124" : id, ueid);
	if (f == F_UEID_TYPE)
		ueid[0] = 0x02;
	tvc_init(b);
	tvc_map(b, pairs);
	tvc_uint(b, 6);
	if (f == F_IAT_LONG_HEAD)
		tvc_raw(b, "\x1b\x00\x00\x00\x00\x69\x55\xb9\x00", 9);
	else
		tvc_uint(b, 1767225600);
	tvc_uint(b, 7);
	if (f == F_COUNTER_TEXT)
		tvc_tstr(b, "42");
	else
		tvc_bstr(b, f == F_CTI_SHORT ? cti + 1 : cti, f == F_CTI_SHORT ? 7 : 8);
	if (f == F_NONCE) {
		tvc_uint(b, 10);
		tvc_bstr(b, cti, 8);
	}
	tvc_uint(b, 256);
	tvc_bstr(b, ueid, f == F_UEID_SHORT ? 32 : 33);
	if (f != F_NO_PROFILE) {
		tvc_uint(b, 265);
		if (f == F_PROFILE_OID)
			tvc_bstr(b, "\x2b\x06\x01\x04\x01", 5);
		else
			tvc_tstr(b, f == F_PROFILE_OTHER ? "tag:mayday,2026:eat/3" :
				    f == F_PROFILE_LONG ? "tag:mayday,2026:eat/2/x" :
				    MAYDAY_EAT_PROFILE);
	}
	tvc_uint(b, 271);
	tvc_array(b, f == F_SWVERSION_SCHEME ? 2 : 1);
	tvc_tstr(b, "1.0.0");
	if (f == F_SWVERSION_SCHEME)
		tvc_uint(b, 16384);
	tvc_uint(b, 273);
	tvc_array(b, f == F_TWO_MEASUREMENTS ? 2 : 1);
	for (int i = 0; i < (f == F_TWO_MEASUREMENTS ? 2 : 1); i++) {
		tvc_array(b, 2);
		tvc_uint(b, f == F_CF_OTHER ? 258 : MAYDAY_EAT_EVIDENCE_CF);
		if (f == F_EVIDENCE_TRAILING) {
			uint8_t *t = malloc(ev_len + 1);
			memcpy(t, ev, ev_len);
			t[ev_len] = 0;
			tvc_bstr(b, t, ev_len + 1);
			free(t);
		} else {
			tvc_bstr(b, ev, ev_len);
		}
	}
	tvc_nint(b, 65536);
	tvc_tstr(b, id);
	tvc_nint(b, 65537);
	tvc_uint(b, 3);
	tvc_nint(b, 65538);
	tvc_uint(b, 268435456);
	if (f != F_NO_MAX_IMAGE) {
		tvc_nint(b, 65539);
		tvc_uint(b, 134217728);
	}
	if (f == F_EXTENSION) {
		tvc_nint(b, 69999);
		tvc_tstr(b, "vendor");
	}
	free(ev);
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
	size_t len, vlen;
	uint8_t *v = tv_unhex(tv_indication_eat_claims_hex, &vlen);
	struct tv_cbor built;

	(void)state;
	tv_example_indication_eat(&ex);
	assert_int_equal(mayday_indication_encode_claims(&ex, out, sizeof(out), &len), MAYDAY_OK);
	assert_int_equal(len, vlen);
	assert_memory_equal(out, v, len);
	/* The hand-built map of this file is the vector too. */
	build(&built, F_NONE);
	assert_int_equal(built.len, vlen);
	assert_memory_equal(built.buf, v, vlen);

	assert_int_equal(mayday_indication_decode_claims(v, vlen, &got, &diag), MAYDAY_OK);
	assert_int_equal(got.claims, MAYDAY_CLAIMS_EAT);
	assert_memory_equal(&got, &ex, sizeof(ex));
	assert_int_equal(mayday_indication_encode_claims(&got, out, sizeof(out), &len), MAYDAY_OK);
	assert_int_equal(len, vlen);
	assert_memory_equal(out, v, len);
	free(v);
}

static void test_signed_vector(void **state)
{
	struct mayday_indication ex, got;
	struct mayday_cose_sign1 msg;
	struct mayday_diag diag = { 0 };
	EVP_PKEY *pub = tv_pub();
	size_t len, clen;
	uint8_t *v = tv_unhex(tv_indication_eat_cose_hex, &len);
	uint8_t *c = tv_unhex(tv_indication_eat_claims_hex, &clen);

	(void)state;
	tv_example_indication_eat(&ex);
	assert_int_equal(mayday_indication_open(v, len, &msg, &got, &diag), MAYDAY_OK);
	assert_memory_equal(&got, &ex, sizeof(ex));
	assert_memory_equal(msg.kid, "hnb-acme-000123", msg.kid_len);
	assert_int_equal(msg.payload_len, clen);
	assert_memory_equal(msg.payload, c, clen);
	assert_int_equal(mayday_cose_sign1_verify(&msg, pub), MAYDAY_OK);
	free(v);
	free(c);
	EVP_PKEY_free(pub);
}

/* The same indication in both versions: the same claims once decoded, but
 * different bytes (so a stored counter is never the other version's). */
static void test_both_versions(void **state)
{
	struct mayday_indication v1, v2, got1, got2;
	struct mayday_diag diag = { 0 };
	uint8_t b1[MAYDAY_INDICATION_MAX], b2[MAYDAY_INDICATION_MAX];
	size_t l1, l2;

	(void)state;
	tv_example_indication(&v1);
	tv_example_indication_eat(&v2);
	assert_int_equal(mayday_indication_encode_claims(&v1, b1, sizeof(b1), &l1), MAYDAY_OK);
	assert_int_equal(mayday_indication_encode_claims(&v2, b2, sizeof(b2), &l2), MAYDAY_OK);
	assert_true(l1 != l2 || memcmp(b1, b2, l1) != 0);
	assert_int_equal(mayday_indication_decode_claims(b1, l1, &got1, &diag), MAYDAY_OK);
	assert_int_equal(mayday_indication_decode_claims(b2, l2, &got2, &diag), MAYDAY_OK);
	assert_int_equal(got1.claims, MAYDAY_CLAIMS_MAYDAY1);
	assert_int_equal(got2.claims, MAYDAY_CLAIMS_EAT);
	got2.claims = MAYDAY_CLAIMS_MAYDAY1;
	assert_memory_equal(&got1, &got2, sizeof(got1));
	assert_int_equal(mayday_claims_version(MAYDAY_CLAIMS_MAYDAY1), 1);
	assert_int_equal(mayday_claims_version(MAYDAY_CLAIMS_EAT), 2);
	assert_int_equal(mayday_claims_version(7), 0);
	assert_string_equal(mayday_claims_name(MAYDAY_CLAIMS_EAT), "eat");
	assert_string_equal(mayday_claims_name(MAYDAY_CLAIMS_MAYDAY1), "mayday1");
	assert_string_equal(mayday_claims_name(7), "unknown");

	/* An encoder never guesses a version. */
	v2.claims = 2;
	assert_int_equal(mayday_indication_encode_claims(&v2, b2, sizeof(b2), &l2),
			 MAYDAY_E_INVALID);
}

/* The largest version 2 indication the structs allow fits the limit. */
static void test_largest(void **state)
{
	static struct mayday_indication ind, got;
	static uint8_t out[MAYDAY_INDICATION_MAX];
	struct mayday_cose_sign1 msg;
	struct mayday_diag diag = { 0 };
	struct mayday_signer s;
	EVP_PKEY *key = tv_key();
	size_t len;

	(void)state;
	memset(&ind, 0, sizeof(ind));
	ind.claims = MAYDAY_CLAIMS_EAT;
	memset(ind.device_id, 'D', MAYDAY_DEVICE_ID_MAX);
	ind.counter = ind.time = ind.free_space = ind.max_image_size = UINT64_MAX;
	memset(ind.dcf_version, 'v', MAYDAY_VERSION_STR_MAX);
	ind.transport = UINT32_MAX;
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
	print_message("largest signed version 2 indication: %zu bytes\n", len);
	assert_true(len <= MAYDAY_INDICATION_MAX);
	assert_int_equal(mayday_indication_open(out, len, &msg, &got, &diag), MAYDAY_OK);
	assert_memory_equal(&got, &ind, sizeof(ind));
	assert_int_equal(mayday_cose_sign1_verify(&msg, key), MAYDAY_OK);
	EVP_PKEY_free(key);
}

static void test_hostile(void **state)
{
	static const struct {
		enum fault f;
		enum mayday_err want;
		const char *what; /* diag.what, NULL: not checked */
	} cases[] = {
		{ F_UEID_OTHER, MAYDAY_E_MALFORMED, "ueid is not the device ID's" },
		{ F_UEID_TYPE, MAYDAY_E_MALFORMED, "ueid is not the device ID's" },
		{ F_UEID_SHORT, MAYDAY_E_MALFORMED, "byte string of wrong length" },
		{ F_PROFILE_OTHER, MAYDAY_E_UNSUPPORTED, "unsupported EAT profile" },
		{ F_PROFILE_LONG, MAYDAY_E_UNSUPPORTED, "unsupported EAT profile" },
		{ F_PROFILE_OID, MAYDAY_E_UNSUPPORTED, "unsupported EAT profile" },
		{ F_NO_PROFILE, MAYDAY_E_UNSUPPORTED, "no eat_profile: not a mayday indication" },
		{ F_CTI_SHORT, MAYDAY_E_MALFORMED, "byte string of wrong length" },
		{ F_IAT_LONG_HEAD, MAYDAY_E_MALFORMED, NULL },
		{ F_NONCE, MAYDAY_E_CRITICAL, "unknown critical key" },
		{ F_NO_MAX_IMAGE, MAYDAY_E_MALFORMED, "required key missing" },
		{ F_CF_OTHER, MAYDAY_E_UNSUPPORTED, "unsupported measurement format" },
		{ F_TWO_MEASUREMENTS, MAYDAY_E_TOOBIG, NULL },
		{ F_EVIDENCE_TRAILING, MAYDAY_E_MALFORMED, NULL },
		{ F_SWVERSION_SCHEME, MAYDAY_E_TOOBIG, NULL },
		{ F_DEVICE_ID_SPACE, MAYDAY_E_MALFORMED,
		  "device ID not printable ASCII without spaces" },
		{ F_COUNTER_TEXT, MAYDAY_E_MALFORMED, NULL },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct tv_cbor b;
		struct mayday_indication got;
		struct mayday_diag diag = { .offset = SIZE_MAX };

		build(&b, cases[i].f);
		if (decode(&b, &got, &diag) != cases[i].want)
			fail_msg("fault %d: %s at %zu", (int)cases[i].f,
				 diag.what ? diag.what : "(accepted)", diag.offset);
		if (cases[i].what)
			assert_string_equal(diag.what, cases[i].what);
		assert_true(diag.offset <= b.len);
		assert_string_equal(got.device_id, ""); /* nothing half-decoded */
	}
}

/* A private claim this receiver does not know is an extension: skipped. */
static void test_extension_skipped(void **state)
{
	struct tv_cbor b;
	struct mayday_indication got, ex;
	struct mayday_diag diag = { 0 };

	(void)state;
	build(&b, F_EXTENSION);
	assert_int_equal(decode(&b, &got, &diag), MAYDAY_OK);
	tv_example_indication_eat(&ex);
	assert_memory_equal(&got, &ex, sizeof(ex));
}

static void test_truncated(void **state)
{
	size_t len, clen;
	uint8_t *v = tv_unhex(tv_indication_eat_cose_hex, &len);
	uint8_t *c = tv_unhex(tv_indication_eat_claims_hex, &clen);

	(void)state;
	for (size_t n = 0; n < len; n++) {
		struct mayday_indication got;
		struct mayday_cose_sign1 msg;
		struct mayday_diag diag = { .offset = SIZE_MAX };

		assert_int_not_equal(mayday_indication_open(v, n, &msg, &got, &diag), MAYDAY_OK);
		assert_true(diag.offset <= n);
	}
	for (size_t n = 0; n < clen; n++) {
		struct mayday_indication got;
		struct mayday_diag diag = { .offset = SIZE_MAX };

		assert_int_equal(mayday_indication_decode_claims(c, n, &got, &diag),
				 MAYDAY_E_MALFORMED);
		assert_true(diag.offset <= n);
	}
	free(v);
	free(c);
}

/* No single-bit flip of the signed version 2 vector survives open + verify. */
static void test_bit_flips(void **state)
{
	EVP_PKEY *pub = tv_pub();
	size_t len;
	uint8_t *v = tv_unhex(tv_indication_eat_cose_hex, &len);

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_claims_vector),
		cmocka_unit_test(test_signed_vector),
		cmocka_unit_test(test_both_versions),
		cmocka_unit_test(test_largest),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_extension_skipped),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_bit_flips),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

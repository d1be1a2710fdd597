/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The acknowledgement: the protocol.md vectors, sign/verify round trips, the
 * rules a device relies on (known action and status only, REMEDIATE always
 * carries an ACS URL, the URL present exactly when non-empty) and rejection
 * of malformed or forged acknowledgements.
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

enum fault {
	F_NONE,
	F_STATUS_3,
	F_ACTION_5,
	F_EMPTY_URL,      /* acs_url present but "" */
	F_NO_URL,         /* acs_url left out even if set */
	F_CRITICAL_KEY,   /* extra key 8 */
	F_NEGATIVE_KEY,   /* extra key -1 */
	F_NO_COUNTER,
};

/* An independent encoding of `a` with one fault. */
static void build(struct tv_cbor *b, const struct mayday_ack *a, enum fault f)
{
	bool url = (a->acs_url[0] && f != F_NO_URL) || f == F_EMPTY_URL;
	size_t n = 7 + url + (f == F_CRITICAL_KEY) + (f == F_NEGATIVE_KEY) - (f == F_NO_COUNTER);

	tvc_init(b);
	tvc_map(b, n);
	tvc_uint(b, 0);
	tvc_uint(b, 1);
	tvc_uint(b, 1);
	tvc_tstr(b, a->device_id);
	if (f != F_NO_COUNTER) {
		tvc_uint(b, 2);
		tvc_uint(b, a->counter);
	}
	tvc_uint(b, 3);
	tvc_uint(b, a->incident_id);
	tvc_uint(b, 4);
	tvc_uint(b, f == F_STATUS_3 ? 3 : a->status);
	tvc_uint(b, 5);
	tvc_uint(b, f == F_ACTION_5 ? 5 : a->action);
	tvc_uint(b, 6);
	tvc_uint(b, a->retry_after);
	if (url) {
		tvc_uint(b, 7);
		tvc_tstr(b, f == F_EMPTY_URL ? "" : a->acs_url);
	}
	if (f == F_CRITICAL_KEY) {
		tvc_uint(b, 8);
		tvc_tstr(b, "reboot now");
	}
	if (f == F_NEGATIVE_KEY) {
		tvc_nint(b, 0);
		tvc_tstr(b, "a note the device may ignore");
	}
}

static void expect(const struct tv_cbor *b, enum mayday_err want, const char *what)
{
	struct mayday_ack got;
	struct mayday_diag diag = { 0 };

	assert_int_equal(mayday_ack_decode_claims(b->buf, b->len, &got, &diag), want);
	if (want == MAYDAY_OK)
		return;
	assert_true(diag.offset <= b->len);
	if (what)
		assert_string_equal(diag.what, what);
	assert_int_equal(got.action, 0);
	assert_string_equal(got.acs_url, "");
}

static void check_claims_vector(const char *hex, void (*example)(struct mayday_ack *))
{
	struct mayday_ack ex, got;
	struct mayday_diag diag = { 0 };
	uint8_t out[MAYDAY_ACK_MAX];
	size_t len, vlen;
	uint8_t *v = tv_unhex(hex, &vlen);
	struct tv_cbor b;

	example(&ex);
	assert_int_equal(mayday_ack_encode_claims(&ex, out, sizeof(out), &len), MAYDAY_OK);
	assert_int_equal(len, vlen);
	assert_memory_equal(out, v, vlen);
	build(&b, &ex, F_NONE);
	assert_int_equal(b.len, vlen);
	assert_memory_equal(b.buf, v, vlen);
	assert_int_equal(mayday_ack_decode_claims(v, vlen, &got, &diag), MAYDAY_OK);
	assert_memory_equal(&got, &ex, sizeof(ex));
	free(v);
}

static void test_vectors(void **state)
{
	struct mayday_ack ex, got;
	struct mayday_diag diag = { 0 };
	EVP_PKEY *pub = tv_pub();
	size_t len;
	uint8_t *v = tv_unhex(tv_ack_remediate_cose_hex, &len);

	(void)state;
	check_claims_vector(tv_ack_claims_hex, tv_example_ack);
	check_claims_vector(tv_ack_wait_claims_hex, tv_example_ack_wait);
	check_claims_vector(tv_ack_remediate_claims_hex, tv_example_ack_remediate);

	tv_example_ack_remediate(&ex);
	assert_int_equal(mayday_ack_verify(v, len, pub, &got, &diag), MAYDAY_OK);
	assert_memory_equal(&got, &ex, sizeof(ex));
	free(v);
	EVP_PKEY_free(pub);
}

static void test_sign_verify(void **state)
{
	struct mayday_ack ex, got;
	struct mayday_diag diag = { 0 };
	struct mayday_signer s;
	EVP_PKEY *key = tv_key(), *other = NULL;
	uint8_t out[MAYDAY_ACK_MAX];
	size_t len;

	(void)state;
	tv_example_ack(&ex);
	assert_int_equal(mayday_signer_from_pkey(&s, key, (const uint8_t *)"hems-1", 6), MAYDAY_OK);
	assert_int_equal(mayday_ack_sign(&ex, &s, out, sizeof(out), &len), MAYDAY_OK);
	assert_int_equal(mayday_ack_verify(out, len, key, &got, &diag), MAYDAY_OK);
	assert_memory_equal(&got, &ex, sizeof(ex));

	/* Forged: signed by someone else. */
	assert_int_equal(mayday_key_generate(&other), MAYDAY_OK);
	assert_int_equal(mayday_ack_verify(out, len, other, &got, &diag), MAYDAY_E_SIGNATURE);
	assert_string_equal(diag.what, "signature does not verify");
	assert_int_equal(diag.offset, len - MAYDAY_ES256_SIG_LEN - 2);
	assert_int_equal(got.counter, 0);
	assert_int_equal(mayday_ack_verify(out, len, NULL, &got, &diag), MAYDAY_E_KEY);

	assert_int_equal(mayday_ack_sign(&ex, &s, out, 10, &len), MAYDAY_E_TOOBIG);
	EVP_PKEY_free(key);
	EVP_PKEY_free(other);
}

static void test_largest(void **state)
{
	struct mayday_ack a, got;
	struct mayday_diag diag = { 0 };
	struct mayday_signer s;
	EVP_PKEY *key = tv_key();
	uint8_t out[MAYDAY_ACK_MAX], kid[MAYDAY_KID_MAX];
	size_t len;

	(void)state;
	memset(&a, 0, sizeof(a));
	memset(a.device_id, 'd', MAYDAY_DEVICE_ID_MAX);
	a.counter = a.incident_id = UINT64_MAX;
	a.status = MAYDAY_ACK_REJECTED;
	a.action = MAYDAY_ACTION_REMEDIATE;
	a.retry_after = UINT32_MAX;
	memset(a.acs_url, 'u', MAYDAY_URL_MAX);
	memset(kid, 'k', sizeof(kid));
	assert_int_equal(mayday_signer_from_pkey(&s, key, kid, sizeof(kid)), MAYDAY_OK);
	assert_int_equal(mayday_ack_sign(&a, &s, out, sizeof(out), &len), MAYDAY_OK);
	print_message("largest signed ack: %zu bytes\n", len);
	assert_int_equal(mayday_ack_verify(out, len, key, &got, &diag), MAYDAY_OK);
	assert_memory_equal(&got, &a, sizeof(a));
	EVP_PKEY_free(key);
}

static void test_rules(void **state)
{
	struct mayday_ack a;
	uint8_t out[MAYDAY_ACK_MAX];
	size_t len;
	struct tv_cbor b;

	(void)state;
	tv_example_ack_remediate(&a);
	build(&b, &a, F_NO_URL);
	expect(&b, MAYDAY_E_MALFORMED, "remediate without ACS URL");
	build(&b, &a, F_EMPTY_URL);
	expect(&b, MAYDAY_E_MALFORMED, "text too short");
	build(&b, &a, F_STATUS_3);
	expect(&b, MAYDAY_E_UNSUPPORTED, "unknown ack status");
	build(&b, &a, F_ACTION_5);
	expect(&b, MAYDAY_E_UNSUPPORTED, "unknown action");
	build(&b, &a, F_CRITICAL_KEY);
	expect(&b, MAYDAY_E_CRITICAL, "unknown critical key");
	build(&b, &a, F_NO_COUNTER);
	expect(&b, MAYDAY_E_MALFORMED, "required key missing");
	build(&b, &a, F_NEGATIVE_KEY);
	expect(&b, MAYDAY_OK, NULL);

	/* A URL with other actions is allowed (present because non-empty). */
	a.action = MAYDAY_ACTION_NONE;
	build(&b, &a, F_NONE);
	expect(&b, MAYDAY_OK, NULL);
	assert_int_equal(mayday_ack_encode_claims(&a, out, sizeof(out), &len), MAYDAY_OK);
	assert_int_equal(len, b.len);
	assert_memory_equal(out, b.buf, len);

	/* The encoder refuses what the decoder would. */
	tv_example_ack_remediate(&a);
	a.acs_url[0] = '\0';
	assert_int_equal(mayday_ack_encode_claims(&a, out, sizeof(out), &len), MAYDAY_E_INVALID);
	tv_example_ack(&a);
	a.status = 3;
	assert_int_equal(mayday_ack_encode_claims(&a, out, sizeof(out), &len), MAYDAY_E_INVALID);
	tv_example_ack(&a);
	a.action = MAYDAY_ACTION_MAX + 1;
	assert_int_equal(mayday_ack_encode_claims(&a, out, sizeof(out), &len), MAYDAY_E_INVALID);
	/* WAIT 0 s would have a device announce in a loop. */
	tv_example_ack_wait(&a);
	a.retry_after = 0;
	assert_int_equal(mayday_ack_encode_claims(&a, out, sizeof(out), &len), MAYDAY_E_INVALID);
	build(&b, &a, F_NONE);
	expect(&b, MAYDAY_E_MALFORMED, "wait without retry_after");
	/* The decisions added to version 1 round-trip. */
	tv_example_ack(&a);
	a.action = MAYDAY_ACTION_STAND_DOWN;
	a.retry_after = 0;
	build(&b, &a, F_NONE);
	expect(&b, MAYDAY_OK, NULL);
	tv_example_ack(&a);
	memset(a.acs_url, 'u', sizeof(a.acs_url)); /* 256 bytes, unterminated */
	assert_int_equal(mayday_ack_encode_claims(&a, out, sizeof(out), &len), MAYDAY_E_INVALID);
}

static void test_url_limits(void **state)
{
	struct mayday_ack a;
	struct tv_cbor b;
	char url[MAYDAY_URL_MAX + 2];

	(void)state;
	tv_example_ack_remediate(&a);
	memset(url, 'u', sizeof(url));
	url[MAYDAY_URL_MAX] = '\0';
	memcpy(a.acs_url, url, MAYDAY_URL_MAX + 1);
	build(&b, &a, F_NONE);
	expect(&b, MAYDAY_OK, NULL);
	/* One byte more, made by hand since the struct cannot hold it. */
	url[MAYDAY_URL_MAX] = 'u';
	url[MAYDAY_URL_MAX + 1] = '\0';
	strcpy(a.acs_url, "x");
	build(&b, &a, F_NONE);
	b.len -= 2; /* drop 61 78 ("x") */
	tvc_tstr(&b, url);
	expect(&b, MAYDAY_E_TOOBIG, "text too long");
	/* NUL inside. */
	strcpy(a.acs_url, "http://a\x01" "b");
	build(&b, &a, F_NONE);
	b.buf[b.len - 2] = 0x00;
	expect(&b, MAYDAY_E_MALFORMED, "NUL in text");
}

static void test_oversized_and_truncated(void **state)
{
	EVP_PKEY *pub = tv_pub();
	struct mayday_ack got;
	struct mayday_diag diag = { 0 };
	uint8_t *big = calloc(1, MAYDAY_ACK_MAX + 1);
	size_t len;
	uint8_t *v = tv_unhex(tv_ack_remediate_cose_hex, &len);

	(void)state;
	assert_int_equal(mayday_ack_verify(big, MAYDAY_ACK_MAX + 1, pub, &got, &diag),
			 MAYDAY_E_TOOBIG);
	assert_int_equal(mayday_ack_decode_claims(big, MAYDAY_ACK_MAX + 1, &got, &diag),
			 MAYDAY_E_TOOBIG);
	for (size_t n = 0; n < len; n++) {
		uint8_t *copy = malloc(n + 1);

		memcpy(copy, v, n);
		diag.offset = SIZE_MAX;
		assert_int_not_equal(mayday_ack_verify(copy, n, pub, &got, &diag), MAYDAY_OK);
		assert_true(diag.offset <= n);
		free(copy);
	}
	free(big);
	free(v);
	EVP_PKEY_free(pub);
}

/* A single-bit flip never yields an acknowledgement with different content. */
static void test_bit_flips(void **state)
{
	EVP_PKEY *pub = tv_pub();
	struct mayday_ack ex;
	size_t len, accepted = 0;
	uint8_t *v = tv_unhex(tv_ack_remediate_cose_hex, &len);

	(void)state;
	tv_example_ack_remediate(&ex);
	for (size_t i = 0; i < len * 8; i++) {
		struct mayday_ack got;
		struct mayday_diag diag = { 0 };

		v[i / 8] ^= (uint8_t)(1u << (i % 8));
		if (mayday_ack_verify(v, len, pub, &got, &diag) == MAYDAY_OK) {
			accepted++;
			assert_memory_equal(&got, &ex, sizeof(ex));
		}
		v[i / 8] ^= (uint8_t)(1u << (i % 8));
	}
	/* Only the unsigned kid ("hems-1") can change unnoticed. */
	assert_int_equal(accepted, strlen(TV_ACK_KID) * 8);
	free(v);
	EVP_PKEY_free(pub);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_sign_verify),
		cmocka_unit_test(test_largest),
		cmocka_unit_test(test_rules),
		cmocka_unit_test(test_url_limits),
		cmocka_unit_test(test_oversized_and_truncated),
		cmocka_unit_test(test_bit_flips),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

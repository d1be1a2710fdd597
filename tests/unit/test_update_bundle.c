/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Bundle header codec and the docs/protocol.md §13 test vector: header,
 * the §10 signed manifest, payloads "abc", "abc", "".
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "mayday/bundle.h"
#include "mayday/keys.h"
#include "test_vectors.h"

static const char header_hex[] = "4d4459420100000000000101";

static void test_vector(void **state)
{
	size_t hlen = 0, mlen = 0, off;
	uint8_t *hdr = tv_unhex(header_hex, &hlen);
	uint8_t *man = tv_unhex(tv_manifest_cose_hex, &mlen);
	uint8_t enc[MAYDAY_BUNDLE_HEADER_LEN], digest[MAYDAY_DIGEST_LEN];
	static const char payloads[] = "abcabc";
	struct mayday_diag diag = { 0, NULL };
	struct mayday_manifest m;
	EVP_PKEY *pub = tv_pub();
	uint32_t announced = 0;
	uint64_t total = 0;

	(void)state;
	assert_int_equal(mlen, 257);
	assert_int_equal(mayday_bundle_header_encode(mlen, enc), MAYDAY_OK);
	assert_int_equal(hlen, sizeof enc);
	assert_memory_equal(enc, hdr, sizeof enc);
	assert_int_equal(mayday_bundle_header_decode(hdr, hlen, &announced, &diag), MAYDAY_OK);
	assert_int_equal(announced, 257);
	assert_int_equal(mayday_manifest_verify(man, mlen, pub, &m, &diag), MAYDAY_OK);
	assert_int_equal(mayday_bundle_payload_size(&m, &total), MAYDAY_OK);
	assert_int_equal(total, sizeof payloads - 1);
	off = 0;
	for (uint32_t i = 0; i < m.n_trv; i++) {
		mayday_sha256(payloads + off, m.trv[i].size, digest);
		assert_memory_equal(digest, m.trv[i].digest, sizeof digest);
		off += m.trv[i].size;
	}
	EVP_PKEY_free(pub);
	free(hdr);
	free(man);
}

static void expect(const uint8_t *in, size_t len, enum mayday_err want, size_t off)
{
	struct mayday_diag diag = { 0, NULL };
	uint32_t n = 12345;

	assert_int_equal(mayday_bundle_header_decode(in, len, &n, &diag), want);
	assert_int_equal(diag.offset, off);
	assert_non_null(diag.what);
	assert_int_equal(n, 12345);
}

static void test_rejections(void **state)
{
	uint8_t h[MAYDAY_BUNDLE_HEADER_LEN + 1];

	(void)state;
	assert_int_equal(mayday_bundle_header_encode(100, h), MAYDAY_OK);
	expect(h, MAYDAY_BUNDLE_HEADER_LEN - 1, MAYDAY_E_MALFORMED, MAYDAY_BUNDLE_HEADER_LEN - 1);
	expect(h, MAYDAY_BUNDLE_HEADER_LEN + 1, MAYDAY_E_MALFORMED, MAYDAY_BUNDLE_HEADER_LEN);
	h[3] = 'C';
	expect(h, MAYDAY_BUNDLE_HEADER_LEN, MAYDAY_E_MALFORMED, 0);
	h[3] = 'B';
	h[4] = 2;
	expect(h, MAYDAY_BUNDLE_HEADER_LEN, MAYDAY_E_UNSUPPORTED, 4);
	h[4] = 1;
	h[6] = 1;
	expect(h, MAYDAY_BUNDLE_HEADER_LEN, MAYDAY_E_MALFORMED, 6);
	h[6] = 0;
	memset(h + 8, 0, 4);
	expect(h, MAYDAY_BUNDLE_HEADER_LEN, MAYDAY_E_MALFORMED, 8);
	h[10] = (MAYDAY_MANIFEST_MAX + 1) >> 8;
	h[11] = (MAYDAY_MANIFEST_MAX + 1) & 0xff;
	expect(h, MAYDAY_BUNDLE_HEADER_LEN, MAYDAY_E_TOOBIG, 8);
	h[8] = 0x80;
	h[11] = 1;
	expect(h, MAYDAY_BUNDLE_HEADER_LEN, MAYDAY_E_TOOBIG, 8);
	assert_int_equal(mayday_bundle_header_encode(0, h), MAYDAY_E_INVALID);
	assert_int_equal(mayday_bundle_header_encode(MAYDAY_MANIFEST_MAX + 1, h), MAYDAY_E_TOOBIG);
	assert_int_equal(mayday_bundle_header_encode(MAYDAY_MANIFEST_MAX, h), MAYDAY_OK);
}

static void test_payload_overflow(void **state)
{
	struct mayday_manifest m;
	uint64_t total = 0;

	(void)state;
	memset(&m, 0, sizeof m);
	m.n_trv = 2;
	m.trv[0].size = UINT64_MAX - 1;
	m.trv[1].size = 1;
	assert_int_equal(mayday_bundle_payload_size(&m, &total), MAYDAY_OK);
	assert_true(total == UINT64_MAX);
	m.trv[1].size = 2;
	assert_int_equal(mayday_bundle_payload_size(&m, &total), MAYDAY_E_TOOBIG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vector),
		cmocka_unit_test(test_rejections),
		cmocka_unit_test(test_payload_overflow),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Signed manifests: the protocol.md vectors, component name safety, the
 * semantic checks every decoded manifest passes (at least one TRV, unique
 * names, entry listed), signatures by the wrong key, and the limits; the
 * optional build record (keys 7 and 8) and finding it in an executable.
 */
#define _GNU_SOURCE   /* memmem */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mayday/build_record.h"
#include "mayday/keys.h"
#include "mayday/manifest.h"
#include "test_vectors.h"

enum fault {
	F_NONE,
	F_KIND_3,
	F_ENTRY_UNLISTED,
	F_DUPLICATE_NAME,  /* the second TRV named like the first */
	F_NO_TRV,
	F_EXTRA_TRV,       /* one more TRV than m->n_trv (a copy, renamed) */
	F_DESIGNATED_INT,
	F_UNSAFE_NAME,
	F_CRITICAL_KEY,    /* extra key 4 in the first TRV */
	F_NEGATIVE_KEY,    /* extra key -1 in the manifest map */
	F_BUILD,           /* keys 7 and 8: m's build record */
	F_BUILD_BAD,       /* key 7 with a commit outside [0-9a-z-] */
};

static void put_trv(struct tv_cbor *b, const struct mayday_trv *t, const char *name, enum fault f)
{
	tvc_map(b, f == F_CRITICAL_KEY ? 5 : 4);
	tvc_uint(b, 0);
	tvc_tstr(b, name);
	tvc_uint(b, 1);
	tvc_uint(b, t->size);
	tvc_uint(b, 2);
	tvc_bstr(b, t->digest, MAYDAY_DIGEST_LEN);
	tvc_uint(b, 3);
	if (f == F_DESIGNATED_INT)
		tvc_uint(b, t->designated);
	else
		tvc_bool(b, t->designated);
	if (f == F_CRITICAL_KEY) {
		tvc_uint(b, 4);
		tvc_bool(b, true);
	}
}

/* An independent encoding of `m` with one fault. */
static void build(struct tv_cbor *b, const struct mayday_manifest *m, enum fault f)
{
	uint32_t n = f == F_NO_TRV ? 0 : m->n_trv + (f == F_EXTRA_TRV);

	tvc_init(b);
	tvc_map(b, f == F_NEGATIVE_KEY ? 8 : f == F_BUILD ? 9 : f == F_BUILD_BAD ? 8 : 7);
	tvc_uint(b, 0);
	tvc_uint(b, 1);
	tvc_uint(b, 1);
	tvc_uint(b, f == F_KIND_3 ? 3 : m->kind);
	tvc_uint(b, 2);
	tvc_tstr(b, m->product_class);
	tvc_uint(b, 3);
	tvc_tstr(b, m->image_version);
	tvc_uint(b, 4);
	tvc_uint(b, m->rollback);
	tvc_uint(b, 5);
	tvc_tstr(b, f == F_ENTRY_UNLISTED ? "busybox" : m->entry);
	tvc_uint(b, 6);
	tvc_array(b, n);
	for (uint32_t i = 0; i < n; i++) {
		char name[MAYDAY_NAME_MAX + 8];

		if (i >= m->n_trv)
			snprintf(name, sizeof(name), "extra%u", i);
		else if (f == F_DUPLICATE_NAME && i == 1)
			strcpy(name, m->trv[0].name);
		else if (f == F_UNSAFE_NAME && i == 1)
			strcpy(name, "..");
		else
			strcpy(name, m->trv[i].name);
		put_trv(b, &m->trv[i % m->n_trv], name, i == 0 ? f : F_NONE);
	}
	if (f == F_NEGATIVE_KEY) {
		tvc_nint(b, 99);
		tvc_array(b, 0);
	}
	if (f == F_BUILD || f == F_BUILD_BAD) {
		tvc_uint(b, 7);
		tvc_tstr(b, f == F_BUILD_BAD ? "0123ABC" : m->build_commit);
	}
	if (f == F_BUILD) {
		tvc_uint(b, 8);
		tvc_tstr(b, m->build_toolchain);
	}
}

static void expect(const struct tv_cbor *b, enum mayday_err want, const char *what)
{
	struct mayday_manifest got;
	struct mayday_diag diag = { 0 };

	assert_int_equal(mayday_manifest_decode_claims(b->buf, b->len, &got, &diag), want);
	if (want == MAYDAY_OK)
		return;
	assert_true(diag.offset < b->len);
	if (what)
		assert_string_equal(diag.what, what);
	assert_int_equal(got.n_trv, 0);
}

static void test_vectors(void **state)
{
	struct mayday_manifest ex, got;
	struct mayday_diag diag = { 0 };
	EVP_PKEY *pub = tv_pub();
	uint8_t out[MAYDAY_MANIFEST_MAX];
	size_t len, clen, slen;
	uint8_t *c = tv_unhex(tv_manifest_claims_hex, &clen);
	uint8_t *s = tv_unhex(tv_manifest_cose_hex, &slen);
	struct tv_cbor b;

	(void)state;
	tv_example_manifest(&ex);
	assert_int_equal(mayday_manifest_encode_claims(&ex, out, sizeof(out), &len), MAYDAY_OK);
	assert_int_equal(len, clen);
	assert_memory_equal(out, c, clen);
	build(&b, &ex, F_NONE);
	assert_int_equal(b.len, clen);
	assert_memory_equal(b.buf, c, clen);

	assert_int_equal(mayday_manifest_decode_claims(c, clen, &got, &diag), MAYDAY_OK);
	assert_memory_equal(&got, &ex, sizeof(ex));
	memset(&got, 0, sizeof(got));
	assert_int_equal(mayday_manifest_verify(s, slen, pub, &got, &diag), MAYDAY_OK);
	assert_memory_equal(&got, &ex, sizeof(ex));
	assert_int_equal(mayday_manifest_encode_claims(&got, out, sizeof(out), &len), MAYDAY_OK);
	assert_memory_equal(out, c, clen);
	free(c);
	free(s);
	EVP_PKEY_free(pub);
}

static void test_sign_verify(void **state)
{
	struct mayday_manifest m, got;
	struct mayday_diag diag = { 0 };
	struct mayday_signer vendor;
	EVP_PKEY *key = tv_key(), *other = NULL;
	uint8_t out[MAYDAY_MANIFEST_MAX];
	size_t len;

	(void)state;
	tv_example_manifest(&m);
	m.kind = MAYDAY_MANIFEST_DCF;
	strcpy(m.entry, "README");
	assert_int_equal(mayday_signer_from_pkey(&vendor, key, NULL, 0), MAYDAY_OK);
	assert_int_equal(mayday_manifest_sign(&m, &vendor, out, sizeof(out), &len), MAYDAY_OK);
	assert_int_equal(mayday_manifest_verify(out, len, key, &got, &diag), MAYDAY_OK);
	assert_memory_equal(&got, &m, sizeof(m));

	/* Signed by another key: refused, nothing left in the output. */
	assert_int_equal(mayday_key_generate(&other), MAYDAY_OK);
	assert_int_equal(mayday_manifest_verify(out, len, other, &got, &diag), MAYDAY_E_SIGNATURE);
	assert_int_equal(got.n_trv, 0);
	assert_int_equal(got.kind, 0);
	/* A manifest signed with the other key does not verify with ours. */
	assert_int_equal(mayday_signer_from_pkey(&vendor, other, NULL, 0), MAYDAY_OK);
	assert_int_equal(mayday_manifest_sign(&m, &vendor, out, sizeof(out), &len), MAYDAY_OK);
	assert_int_equal(mayday_manifest_verify(out, len, key, &got, &diag), MAYDAY_E_SIGNATURE);
	assert_int_equal(mayday_manifest_verify(out, len, other, &got, &diag), MAYDAY_OK);
	EVP_PKEY_free(key);
	EVP_PKEY_free(other);
}

/* The build record: optional, signed with the rest, checked both ways. */
static void test_build_fields(void **state)
{
	struct mayday_manifest m, got;
	struct mayday_diag diag = { 0 };
	struct mayday_signer vendor;
	EVP_PKEY *key = tv_key();
	uint8_t out[MAYDAY_MANIFEST_MAX];
	size_t len;
	struct tv_cbor b;
	uint8_t *at;

	(void)state;
	tv_example_manifest(&m);
	m.kind = MAYDAY_MANIFEST_DCF;
	strcpy(m.build_commit, "0123456789abcdef0123456789abcdef01234567-dirty");
	strcpy(m.build_toolchain, "GNU 12.2.0 aarch64-linux-gnu, OpenSSL 3.0.22");
	/* The independent encoding decodes to the same fields. */
	build(&b, &m, F_BUILD);
	expect(&b, MAYDAY_OK, NULL);
	assert_int_equal(mayday_manifest_decode_claims(b.buf, b.len, &got, &diag), MAYDAY_OK);
	assert_memory_equal(&got, &m, sizeof(m));
	assert_int_equal(mayday_manifest_encode_claims(&m, out, sizeof(out), &len), MAYDAY_OK);
	assert_int_equal(len, b.len);
	assert_memory_equal(out, b.buf, len);
	build(&b, &m, F_BUILD_BAD);
	expect(&b, MAYDAY_E_MALFORMED, "build commit: not [0-9a-z-]");

	/* Signed: round trip, and a changed commit breaks the signature. */
	assert_int_equal(mayday_signer_from_pkey(&vendor, key, NULL, 0), MAYDAY_OK);
	assert_int_equal(mayday_manifest_sign(&m, &vendor, out, sizeof(out), &len), MAYDAY_OK);
	assert_int_equal(mayday_manifest_verify(out, len, key, &got, &diag), MAYDAY_OK);
	assert_string_equal(got.build_commit, m.build_commit);
	assert_string_equal(got.build_toolchain, m.build_toolchain);
	at = memmem(out, len, "0123456789abcdef", 16);
	assert_non_null(at);
	at[0] = '9';
	assert_int_equal(mayday_manifest_verify(out, len, key, &got, &diag), MAYDAY_E_SIGNATURE);

	/* The encoder refuses what decoders refuse. */
	strcpy(m.build_commit, "HEAD");
	assert_int_equal(mayday_manifest_encode_claims(&m, out, sizeof(out), &len),
			 MAYDAY_E_INVALID);
	strcpy(m.build_commit, "abc");
	strcpy(m.build_toolchain, "tab\there");
	assert_int_equal(mayday_manifest_encode_claims(&m, out, sizeof(out), &len),
			 MAYDAY_E_INVALID);
	EVP_PKEY_free(key);
}

/* The record in an executable: after decoys, bounded, NUL-terminated. */
static void test_build_record_find(void **state)
{
	static const char good[] = "\x7f" "ELF junk mayday-build/1 \0 mayday-build/1 commit=ZZ "
		"toolchain=x\0 mayday-build/1 commit=abc123 toolchain=GNU 12.2.0 x86_64\0tail";
	struct mayday_build_record r;
	char buf[512];
	size_t n;

	(void)state;
	assert_int_equal(mayday_build_record_find((const uint8_t *)good, sizeof(good) - 1, &r),
			 MAYDAY_OK);
	assert_string_equal(r.commit, "abc123");
	assert_string_equal(r.toolchain, "GNU 12.2.0 x86_64");

	/* Cut before its NUL: not a record. */
	n = sizeof(good) - 1 - strlen("tail") - 1;
	assert_int_equal(mayday_build_record_find((const uint8_t *)good, n, &r), MAYDAY_E_NOTFOUND);
	assert_string_equal(r.commit, "");
	assert_int_equal(mayday_build_record_find((const uint8_t *)"", 0, &r), MAYDAY_E_NOTFOUND);

	/* A commit one byte over its limit, then the longest allowed. */
	n = (size_t)snprintf(buf, sizeof(buf), "mayday-build/1 commit=%0*d toolchain=t",
			     MAYDAY_BUILD_COMMIT_MAX + 1, 0);
	assert_int_equal(mayday_build_record_find((const uint8_t *)buf, n + 1, &r),
			 MAYDAY_E_NOTFOUND);
	n = (size_t)snprintf(buf, sizeof(buf), "mayday-build/1 commit=%0*d toolchain=%0*d",
			     MAYDAY_BUILD_COMMIT_MAX, 0, MAYDAY_BUILD_TOOLCHAIN_MAX, 0);
	assert_int_equal(mayday_build_record_find((const uint8_t *)buf, n + 1, &r), MAYDAY_OK);
	assert_int_equal(strlen(r.commit), MAYDAY_BUILD_COMMIT_MAX);
	assert_int_equal(strlen(r.toolchain), MAYDAY_BUILD_TOOLCHAIN_MAX);
	n = (size_t)snprintf(buf, sizeof(buf), "mayday-build/1 commit=0 toolchain=%0*d",
			     MAYDAY_BUILD_TOOLCHAIN_MAX + 1, 0);
	assert_int_equal(mayday_build_record_find((const uint8_t *)buf, n + 1, &r),
			 MAYDAY_E_NOTFOUND);
}

static void test_name_safety(void **state)
{
	static const char *const good[] = {
		"a", "app.bin", "A-Z_0.9", ".hidden", "...", "-", "mayday-dcf", "dcf.conf",
		"0123456789012345678901234567890123456789012345678901234567890123", /* 64 */
	};
	static const char *const bad[] = {
		"", ".", "..", "a/b", "/abs", "dir/", "a b", "a\\b", "a:b", "caf\xc3\xa9", "a\n",
		"01234567890123456789012345678901234567890123456789012345678901234", /* 65 */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_true(mayday_name_is_safe(good[i]));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_false(mayday_name_is_safe(bad[i]));
	assert_false(mayday_name_is_safe(NULL));
}

static void test_semantic_rules(void **state)
{
	struct mayday_manifest m;
	uint8_t out[MAYDAY_MANIFEST_MAX];
	size_t len;
	struct tv_cbor b;

	(void)state;
	tv_example_manifest(&m);
	build(&b, &m, F_ENTRY_UNLISTED);
	expect(&b, MAYDAY_E_MALFORMED, "entry is not listed");
	build(&b, &m, F_DUPLICATE_NAME);
	expect(&b, MAYDAY_E_MALFORMED, "component listed twice");
	build(&b, &m, F_NO_TRV);
	expect(&b, MAYDAY_E_MALFORMED, "manifest lists no component");
	build(&b, &m, F_KIND_3);
	expect(&b, MAYDAY_E_UNSUPPORTED, "unknown manifest kind");
	build(&b, &m, F_DESIGNATED_INT);
	expect(&b, MAYDAY_E_MALFORMED, "expected a boolean");
	build(&b, &m, F_UNSAFE_NAME);
	expect(&b, MAYDAY_E_MALFORMED, "unsafe component name");
	build(&b, &m, F_CRITICAL_KEY);
	expect(&b, MAYDAY_E_CRITICAL, "unknown critical key");
	build(&b, &m, F_NEGATIVE_KEY);
	expect(&b, MAYDAY_OK, NULL);

	/* The encoder refuses the same. */
	tv_example_manifest(&m);
	strcpy(m.entry, "busybox");
	assert_int_equal(mayday_manifest_encode_claims(&m, out, sizeof(out), &len),
			 MAYDAY_E_INVALID);
	tv_example_manifest(&m);
	strcpy(m.trv[2].name, "app.bin");
	assert_int_equal(mayday_manifest_encode_claims(&m, out, sizeof(out), &len),
			 MAYDAY_E_INVALID);
	tv_example_manifest(&m);
	m.n_trv = 0;
	assert_int_equal(mayday_manifest_encode_claims(&m, out, sizeof(out), &len),
			 MAYDAY_E_INVALID);
	tv_example_manifest(&m);
	m.kind = 0;
	assert_int_equal(mayday_manifest_encode_claims(&m, out, sizeof(out), &len),
			 MAYDAY_E_INVALID);
	tv_example_manifest(&m);
	strcpy(m.trv[1].name, "../app.bin");
	assert_int_equal(mayday_manifest_encode_claims(&m, out, sizeof(out), &len),
			 MAYDAY_E_INVALID);
	tv_example_manifest(&m);
	m.n_trv = MAYDAY_MANIFEST_FILES_MAX + 1;
	assert_int_equal(mayday_manifest_encode_claims(&m, out, sizeof(out), &len),
			 MAYDAY_E_INVALID);
}

static void test_entry_offset(void **state)
{
	struct mayday_manifest m, got;
	struct mayday_diag diag = { 0 };
	struct tv_cbor b;
	const uint8_t *entry;

	(void)state;
	tv_example_manifest(&m);
	build(&b, &m, F_ENTRY_UNLISTED);
	entry = memchr(b.buf, 0x67, b.len); /* 67 "busybox" */
	while (entry && memcmp(entry + 1, "busybox", 7) != 0)
		entry = memchr(entry + 1, 0x67, b.len - (size_t)(entry + 1 - b.buf));
	assert_non_null(entry);
	assert_int_equal(mayday_manifest_decode_claims(b.buf, b.len, &got, &diag),
			 MAYDAY_E_MALFORMED);
	assert_int_equal(diag.offset, (size_t)(entry - b.buf));
}

static void test_limits(void **state)
{
	static struct mayday_manifest m, got;
	struct mayday_diag diag = { 0 };
	struct mayday_signer vendor;
	EVP_PKEY *key = tv_key();
	static uint8_t out[MAYDAY_MANIFEST_MAX];
	size_t len;
	struct tv_cbor b;
	uint8_t *big = calloc(1, MAYDAY_MANIFEST_MAX + 1);

	(void)state;
	memset(&m, 0, sizeof(m));
	m.kind = MAYDAY_MANIFEST_IMAGE;
	memset(m.product_class, 'p', MAYDAY_CLASS_MAX);
	memset(m.image_version, 'v', MAYDAY_VERSION_STR_MAX);
	m.rollback = UINT64_MAX;
	m.n_trv = MAYDAY_MANIFEST_FILES_MAX;
	for (int i = 0; i < MAYDAY_MANIFEST_FILES_MAX; i++) {
		memset(m.trv[i].name, 'c', MAYDAY_NAME_MAX);
		m.trv[i].name[0] = (char)('a' + i % 26);
		m.trv[i].name[1] = (char)('a' + i / 26);
		m.trv[i].size = UINT64_MAX;
		memset(m.trv[i].digest, i, MAYDAY_DIGEST_LEN);
		m.trv[i].designated = i % 2;
	}
	strcpy(m.entry, m.trv[MAYDAY_MANIFEST_FILES_MAX - 1].name);
	memset(m.build_commit, 'c', MAYDAY_BUILD_COMMIT_MAX);
	memset(m.build_toolchain, 't', MAYDAY_BUILD_TOOLCHAIN_MAX);
	assert_int_equal(mayday_signer_from_pkey(&vendor, key, NULL, 0), MAYDAY_OK);
	assert_int_equal(mayday_manifest_sign(&m, &vendor, out, sizeof(out), &len), MAYDAY_OK);
	print_message("largest signed manifest: %zu bytes\n", len);
	assert_int_equal(mayday_manifest_verify(out, len, key, &got, &diag), MAYDAY_OK);
	assert_memory_equal(&got, &m, sizeof(m));

	build(&b, &m, F_EXTRA_TRV);
	expect(&b, MAYDAY_E_TOOBIG, "too many array items");

	assert_int_equal(mayday_manifest_verify(big, MAYDAY_MANIFEST_MAX + 1, key, &got, &diag),
			 MAYDAY_E_TOOBIG);
	assert_int_equal(mayday_manifest_decode_claims(big, MAYDAY_MANIFEST_MAX + 1, &got, &diag),
			 MAYDAY_E_TOOBIG);
	free(big);
	EVP_PKEY_free(key);
}

static void test_find(void **state)
{
	struct mayday_manifest m;
	const struct mayday_trv *t;

	(void)state;
	tv_example_manifest(&m);
	t = mayday_manifest_find(&m, "app.bin");
	assert_ptr_equal(t, &m.trv[1]);
	assert_int_equal(t->size, 3);
	assert_null(mayday_manifest_find(&m, "app"));
	assert_null(mayday_manifest_find(&m, "app.bin2"));
	assert_null(mayday_manifest_find(&m, NULL));
	m.n_trv = 1;
	assert_null(mayday_manifest_find(&m, "app.bin"));
}

static void test_tampering(void **state)
{
	EVP_PKEY *pub = tv_pub();
	size_t len;
	uint8_t *v = tv_unhex(tv_manifest_cose_hex, &len);

	(void)state;
	for (size_t n = 0; n < len; n++) {
		struct mayday_manifest got;
		struct mayday_diag diag = { .offset = SIZE_MAX };
		uint8_t *copy = malloc(n + 1);

		memcpy(copy, v, n);
		assert_int_not_equal(mayday_manifest_verify(copy, n, pub, &got, &diag), MAYDAY_OK);
		assert_true(diag.offset <= n);
		free(copy);
	}
	/* No kid, so no flip anywhere may pass. */
	for (size_t i = 0; i < len * 8; i++) {
		struct mayday_manifest got;
		struct mayday_diag diag = { 0 };

		v[i / 8] ^= (uint8_t)(1u << (i % 8));
		assert_int_not_equal(mayday_manifest_verify(v, len, pub, &got, &diag), MAYDAY_OK);
		assert_int_equal(got.n_trv, 0);
		v[i / 8] ^= (uint8_t)(1u << (i % 8));
	}
	free(v);
	EVP_PKEY_free(pub);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_sign_verify),
		cmocka_unit_test(test_build_fields),
		cmocka_unit_test(test_build_record_find),
		cmocka_unit_test(test_name_safety),
		cmocka_unit_test(test_semantic_rules),
		cmocka_unit_test(test_entry_offset),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_find),
		cmocka_unit_test(test_tampering),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

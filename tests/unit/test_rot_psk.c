/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of the RoT's PSK items (file backend): the keys handed out are
 * those derived from the provisioned PSK (checked against the test vectors
 * of docs/protocol.md §12.8 and against mayday_psk_derive), a RoT without a
 * PSK still opens, half a PSK or one of the wrong size does not, and a
 * power cut while provisioning never leaves a RoT that opens with other
 * keys than the ones provisioned. */
#define _GNU_SOURCE /* nftw */
#include <ftw.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>
#include <openssl/ec.h>
#include <openssl/evp.h>

#include "hal/rot.h"

#define DEVICE_ID "femto-psk-1"

/* docs/protocol.md §12.8: public test values, never provisioned for real. */
static const uint8_t vec_psk[MAYDAY_PSK_LEN] = {
	0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b,
	0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17,
	0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f,
};
static const uint8_t vec_kid[8] = { 0xa0, 0xb1, 0xc2, 0xd3, 0xe4, 0xf5, 0x06, 0x17 };
static const uint8_t vec_request_key[MAYDAY_PSK_KEY_LEN] = {
	0x0c, 0x16, 0xcc, 0xa6, 0x27, 0x1f, 0xca, 0x21, 0x4f, 0xcc, 0xe0, 0x42,
	0xeb, 0xbe, 0xad, 0xaa, 0x6a, 0xf9, 0x8f, 0x4f, 0x10, 0x26, 0x00, 0xc1,
	0x7c, 0xcf, 0x8b, 0x15, 0xa8, 0x48, 0x51, 0x8a,
};
static const uint8_t vec_request_iv[MAYDAY_PSK_IV_LEN] = {
	0x6e, 0xf5, 0x7d, 0x92, 0x9c, 0x0b, 0x47, 0xc3, 0xfe, 0x03, 0x35, 0xf0,
};
static const uint8_t vec_response_key[MAYDAY_PSK_KEY_LEN] = {
	0xda, 0x18, 0x4e, 0x04, 0x75, 0xdf, 0x33, 0x6d, 0x84, 0xc0, 0x32, 0xa8,
	0xec, 0xff, 0xda, 0x70, 0xa8, 0x01, 0x86, 0x8e, 0xb3, 0x29, 0x66, 0x8b,
	0x79, 0x21, 0xff, 0x29, 0xbe, 0xf5, 0x25, 0xc4,
};

struct fixture {
	char dir[PATH_MAX];
	EVP_PKEY *distress, *vendor, *hems;
	struct hal_flash *f;
};

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static EVP_PKEY *gen(void)
{
	EVP_PKEY *k = EVP_EC_gen("P-256");

	assert_non_null(k);
	return k;
}

/* A RoT with everything but a PSK. */
static void provision_base(struct fixture *fx)
{
	assert_int_equal(hal_rot_file_provision(fx->f, DEVICE_ID, fx->distress, fx->vendor,
						fx->hems), MAYDAY_OK);
}

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	const char *tmp = getenv("TMPDIR");

	assert_non_null(fx);
	snprintf(fx->dir, sizeof(fx->dir), "%s/mayday-rot-psk-XXXXXX",
		 tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp");
	assert_non_null(mkdtemp(fx->dir));
	fx->distress = gen();
	fx->vendor = gen();
	fx->hems = gen();
	assert_int_equal(hal_flash_open(&fx->f, fx->dir, "host"), MAYDAY_OK);
	provision_base(fx);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	hal_flash_close(fx->f);
	EVP_PKEY_free(fx->distress);
	EVP_PKEY_free(fx->vendor);
	EVP_PKEY_free(fx->hems);
	nftw(fx->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(fx);
	return 0;
}

static struct hal_rot *open_rot(struct hal_flash *f)
{
	struct hal_rot *rot = NULL;

	assert_int_equal(hal_rot_open(&rot, "file", f), MAYDAY_OK);
	assert_non_null(rot);
	return rot;
}

static int all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i] != 0)
			return 0;
	return 1;
}

static void put(struct fixture *fx, const char *name, const void *data, size_t len)
{
	assert_int_equal(hal_flash_write_atomic(fx->f, HAL_PART_ROT, name, data, len), MAYDAY_OK);
}

static void expect_keys_of(struct hal_rot *rot, const uint8_t *psk, const uint8_t *kid,
			   size_t kid_len)
{
	struct mayday_psk_keys got, want;

	assert_int_equal(hal_rot_psk_keys(rot, &got), MAYDAY_OK);
	assert_int_equal(mayday_psk_derive(psk, MAYDAY_PSK_LEN, kid, kid_len, &want), MAYDAY_OK);
	assert_memory_equal(got.request_key, want.request_key, sizeof(got.request_key));
	assert_memory_equal(got.request_iv, want.request_iv, sizeof(got.request_iv));
	assert_memory_equal(got.response_key, want.response_key, sizeof(got.response_key));
	assert_int_equal(got.kid_len, kid_len);
	assert_memory_equal(got.kid, kid, kid_len);
	mayday_psk_keys_wipe(&got);
	mayday_psk_keys_wipe(&want);
}

/* The keys of the protocol's test vectors, derived inside the RoT. */
static void test_keys_match_vectors(void **state)
{
	struct fixture *fx = *state;
	struct mayday_psk_keys k;
	struct hal_rot *rot;
	uint8_t raw[64];
	size_t len = 0;

	assert_int_equal(hal_rot_file_provision_psk(fx->f, vec_psk, vec_kid, sizeof(vec_kid)),
			 MAYDAY_OK);
	/* The items as specified: raw bytes, nothing around them. */
	assert_int_equal(hal_flash_read(fx->f, HAL_PART_ROT, "psk", raw, sizeof(raw), &len),
			 MAYDAY_OK);
	assert_int_equal(len, MAYDAY_PSK_LEN);
	assert_memory_equal(raw, vec_psk, MAYDAY_PSK_LEN);
	assert_int_equal(hal_flash_read(fx->f, HAL_PART_ROT, "psk_kid", raw, sizeof(raw), &len),
			 MAYDAY_OK);
	assert_int_equal(len, sizeof(vec_kid));
	assert_memory_equal(raw, vec_kid, sizeof(vec_kid));

	rot = open_rot(fx->f);
	assert_int_equal(hal_rot_psk_keys(rot, &k), MAYDAY_OK);
	assert_memory_equal(k.request_key, vec_request_key, sizeof(vec_request_key));
	assert_memory_equal(k.request_iv, vec_request_iv, sizeof(vec_request_iv));
	assert_memory_equal(k.response_key, vec_response_key, sizeof(vec_response_key));
	assert_int_equal(k.kid_len, sizeof(vec_kid));
	assert_memory_equal(k.kid, vec_kid, sizeof(vec_kid));
	mayday_psk_keys_wipe(&k);
	assert_true(all_zero(&k, sizeof(k)));
	hal_rot_close(rot);
}

/* A random PSK and a kid of every allowed length; re-provisioning replaces. */
static void test_keys_match_derive(void **state)
{
	struct fixture *fx = *state;
	uint8_t psk[MAYDAY_PSK_LEN], kid[MAYDAY_PSK_KID_MAX];

	for (size_t kid_len = MAYDAY_PSK_KID_MIN; kid_len <= MAYDAY_PSK_KID_MAX; kid_len++) {
		assert_int_equal(mayday_psk_generate(psk, kid), MAYDAY_OK);
		for (size_t i = MAYDAY_PSK_KID_GEN; i < kid_len; i++)
			kid[i] = (uint8_t)(0x40 + i);
		assert_int_equal(hal_rot_file_provision_psk(fx->f, psk, kid, kid_len), MAYDAY_OK);
		struct hal_rot *rot = open_rot(fx->f);
		expect_keys_of(rot, psk, kid, kid_len);
		/* Called twice, the same keys: nothing is consumed. */
		expect_keys_of(rot, psk, kid, kid_len);
		hal_rot_close(rot);
	}
	/* A new PSK under the same kid gives other keys. */
	struct mayday_psk_keys before, after;
	struct hal_rot *rot = open_rot(fx->f);
	assert_int_equal(hal_rot_psk_keys(rot, &before), MAYDAY_OK);
	hal_rot_close(rot);
	psk[0] ^= 1;
	assert_int_equal(hal_rot_file_provision_psk(fx->f, psk, kid, MAYDAY_PSK_KID_MAX),
			 MAYDAY_OK);
	rot = open_rot(fx->f);
	assert_int_equal(hal_rot_psk_keys(rot, &after), MAYDAY_OK);
	assert_memory_not_equal(before.request_key, after.request_key, MAYDAY_PSK_KEY_LEN);
	assert_memory_not_equal(before.response_key, after.response_key, MAYDAY_PSK_KEY_LEN);
	expect_keys_of(rot, psk, kid, MAYDAY_PSK_KID_MAX);
	hal_rot_close(rot);
	mayday_psk_keys_wipe(&before);
	mayday_psk_keys_wipe(&after);
}

/* Provisioned without a PSK: the RoT opens and serves everything else;
 * only the PSK call says NOTFOUND, and leaves no key material behind. */
static void test_absent(void **state)
{
	struct fixture *fx = *state;
	struct mayday_psk_keys k;
	struct mayday_signer signer;
	char id[MAYDAY_DEVICE_ID_MAX + 1];
	struct hal_rot *rot = open_rot(fx->f);

	memset(&k, 0xa5, sizeof(k));
	assert_int_equal(hal_rot_psk_keys(rot, &k), MAYDAY_E_NOTFOUND);
	assert_true(all_zero(&k, sizeof(k)));
	assert_int_equal(hal_rot_device_id(rot, id), MAYDAY_OK);
	assert_string_equal(id, DEVICE_ID);
	assert_int_equal(hal_rot_signer(rot, &signer), MAYDAY_OK);
	hal_rot_close(rot);
}

static void expect_open_fails(struct fixture *fx, enum mayday_err want)
{
	struct hal_rot *rot = (void *)1;

	assert_int_equal(hal_rot_open(&rot, "file", fx->f), want);
	assert_null(rot);
}

/* Damaged or half-written PSK items fail the open, as any damaged RoT item. */
static void test_damaged(void **state)
{
	struct fixture *fx = *state;
	uint8_t big[MAYDAY_PSK_LEN + 1] = { 0 };

	/* Half a PSK, either half. */
	put(fx, "psk_kid", vec_kid, sizeof(vec_kid));
	expect_open_fails(fx, MAYDAY_E_MALFORMED);
	assert_int_equal(hal_flash_remove(fx->f, HAL_PART_ROT, "psk_kid"), MAYDAY_OK);
	put(fx, "psk", vec_psk, sizeof(vec_psk));
	expect_open_fails(fx, MAYDAY_E_MALFORMED);

	/* Wrong sizes: PSK one byte short or long, empty; kid too short, too long. */
	put(fx, "psk_kid", vec_kid, sizeof(vec_kid));
	put(fx, "psk", vec_psk, MAYDAY_PSK_LEN - 1);
	expect_open_fails(fx, MAYDAY_E_MALFORMED);
	put(fx, "psk", big, sizeof(big));
	expect_open_fails(fx, MAYDAY_E_MALFORMED);
	put(fx, "psk", big, 0);
	expect_open_fails(fx, MAYDAY_E_MALFORMED);
	put(fx, "psk", vec_psk, sizeof(vec_psk));
	put(fx, "psk_kid", vec_kid, MAYDAY_PSK_KID_MIN - 1);
	expect_open_fails(fx, MAYDAY_E_MALFORMED);
	put(fx, "psk_kid", big, MAYDAY_PSK_KID_MAX + 1);
	expect_open_fails(fx, MAYDAY_E_MALFORMED);

	/* Repaired, it opens again with the right keys. */
	put(fx, "psk_kid", vec_kid, sizeof(vec_kid));
	struct hal_rot *rot = open_rot(fx->f);
	expect_keys_of(rot, vec_psk, vec_kid, sizeof(vec_kid));
	hal_rot_close(rot);
}

/* A bit flipped in the stored PSK as it is read: the RoT still opens (the
 * item has no check of its own), but the keys are other keys, which the
 * H(e)MS then refuses. The test pins that behaviour down: it is the flip
 * that changes the keys, nothing else. */
static void test_flipped_bit(void **state)
{
	struct fixture *fx = *state;
	struct hal_flash *g = NULL;
	uint8_t psk[MAYDAY_PSK_LEN];

	assert_int_equal(hal_rot_file_provision_psk(fx->f, vec_psk, vec_kid, sizeof(vec_kid)),
			 MAYDAY_OK);
	assert_int_equal(hal_flash_open(&g, fx->dir, "fault:flip=rot/psk@9"), MAYDAY_OK);
	struct hal_rot *rot = open_rot(g);
	memcpy(psk, vec_psk, sizeof(psk));
	psk[1] ^= 0x02;
	expect_keys_of(rot, psk, vec_kid, sizeof(vec_kid));
	hal_rot_close(rot);
	hal_flash_close(g);
}

static void test_bad_arguments(void **state)
{
	struct fixture *fx = *state;
	struct mayday_psk_keys k;
	uint8_t kid[MAYDAY_PSK_KID_MAX + 1] = { 1 };

	assert_int_equal(hal_rot_file_provision_psk(NULL, vec_psk, vec_kid, sizeof(vec_kid)),
			 MAYDAY_E_INVALID);
	assert_int_equal(hal_rot_file_provision_psk(fx->f, NULL, vec_kid, sizeof(vec_kid)),
			 MAYDAY_E_INVALID);
	assert_int_equal(hal_rot_file_provision_psk(fx->f, vec_psk, NULL, sizeof(vec_kid)),
			 MAYDAY_E_INVALID);
	assert_int_equal(hal_rot_file_provision_psk(fx->f, vec_psk, kid, MAYDAY_PSK_KID_MIN - 1),
			 MAYDAY_E_INVALID);
	assert_int_equal(hal_rot_file_provision_psk(fx->f, vec_psk, kid, MAYDAY_PSK_KID_MAX + 1),
			 MAYDAY_E_INVALID);
	/* None of those wrote anything. */
	struct hal_rot *rot = open_rot(fx->f);
	assert_int_equal(hal_rot_psk_keys(rot, &k), MAYDAY_E_NOTFOUND);
	assert_int_equal(hal_rot_psk_keys(rot, NULL), MAYDAY_E_INVALID);
	hal_rot_close(rot);
	memset(&k, 0xa5, sizeof(k));
	assert_int_equal(hal_rot_psk_keys(NULL, &k), MAYDAY_E_INVALID);
	assert_true(all_zero(&k, sizeof(k)));
}

static void remove_psk(struct fixture *fx)
{
	static const char *const names[] = { "psk", "psk_kid" };

	for (size_t i = 0; i < 2; i++) {
		enum mayday_err err = hal_flash_remove(fx->f, HAL_PART_ROT, names[i]);
		assert_true(err == MAYDAY_OK || err == MAYDAY_E_NOTFOUND);
	}
}

/* Power cut at every counted flash operation of a first PSK provisioning:
 * after reboot the RoT has no PSK, refuses to open (half a PSK), or has
 * exactly the one provisioned -- never other keys. */
static void test_power_cut(void **state)
{
	struct fixture *fx = *state;
	struct hal_flash *g = NULL;
	uint64_t total;
	int seen_none = 0, seen_half = 0, seen_full = 0;

	assert_int_equal(hal_flash_open(&g, fx->dir, "fault"), MAYDAY_OK);
	assert_int_equal(hal_rot_file_provision_psk(g, vec_psk, vec_kid, sizeof(vec_kid)),
			 MAYDAY_OK);
	total = hal_flash_ops_count(g);
	hal_flash_close(g);
	assert_true(total >= 2);

	for (uint64_t n = 1; n <= total; n++) {
		char spec[32];
		struct hal_rot *rot = NULL;
		enum mayday_err err;

		remove_psk(fx);
		snprintf(spec, sizeof(spec), "fault:cut=%llu", (unsigned long long)n);
		assert_int_equal(hal_flash_open(&g, fx->dir, spec), MAYDAY_OK);
		err = hal_rot_file_provision_psk(g, vec_psk, vec_kid, sizeof(vec_kid));
		assert_int_equal(err, n == total ? MAYDAY_OK : MAYDAY_E_POWER);
		hal_flash_close(g);
		/* Reboot on a healthy flash. */
		hal_flash_close(fx->f);
		assert_int_equal(hal_flash_open(&fx->f, fx->dir, "host"), MAYDAY_OK);
		err = hal_rot_open(&rot, "file", fx->f);
		if (err == MAYDAY_E_MALFORMED) {
			seen_half++;
			continue;
		}
		assert_int_equal(err, MAYDAY_OK);
		struct mayday_psk_keys k;
		err = hal_rot_psk_keys(rot, &k);
		if (err == MAYDAY_E_NOTFOUND) {
			seen_none++;
		} else {
			assert_int_equal(err, MAYDAY_OK);
			assert_memory_equal(k.request_key, vec_request_key, MAYDAY_PSK_KEY_LEN);
			seen_full++;
		}
		mayday_psk_keys_wipe(&k);
		hal_rot_close(rot);
	}
	assert_true(seen_none > 0);
	assert_true(seen_half > 0);
	assert_true(seen_full > 0); /* at least the uncut run */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_keys_match_vectors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_keys_match_derive, setup, teardown),
		cmocka_unit_test_setup_teardown(test_absent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_damaged, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flipped_bit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_arguments, setup, teardown),
		cmocka_unit_test_setup_teardown(test_power_cut, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

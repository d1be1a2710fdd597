/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of the "file" RoT backend: provisioning, up-front validation
 * (including a distress key damaged bit by bit), signing, trust anchors,
 * and counters that never go backwards, including across a power cut at
 * every operation of an update. */
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
#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>

#include "hal_specs.h"
#include "hal/rot.h"
#include "hal/rot_counters.h"
#include "hal/rot_device_id.h"
#include "hal/rot_keys.h"
#include "rot_damage.h"
#include <openssl/x509.h>

#define DEVICE_ID "femto-0001"
/* The longest device ID: it doubles as the COSE kid. */
#define LONG_ID "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
_Static_assert(sizeof(LONG_ID) - 1 == MAYDAY_DEVICE_ID_MAX, "LONG_ID is the longest ID");
_Static_assert(MAYDAY_KID_MAX >= MAYDAY_DEVICE_ID_MAX, "every device ID fits a kid");

struct fixture {
	char dir[PATH_MAX];
	EVP_PKEY *distress, *vendor, *hems;
	struct hal_flash *f;    /* "host", for set-up and raw inspection */
};

/* The required items; distress.pub.pem is optional (the older layout). */
static const char *const items[] = {
	"device_id", "distress.key.pem", "vendor.pub.pem", "hems.pub.pem", "counters",
};

/* Scalar bits to flip: both ends, and bits inside every byte range. */
static const unsigned scalar_bits[] = { 0, 1, 7, 8, 63, 100, 128, 191, 200, 254, 255 };

__attribute__((format(printf, 3, 4))) static void fmt(char *out, size_t cap, const char *f, ...)
{
	va_list ap;
	int n;

	va_start(ap, f);
	n = vsnprintf(out, cap, f, ap);
	va_end(ap);
	assert_true(n >= 0 && (size_t)n < cap);
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static EVP_PKEY *gen(const char *curve)
{
	EVP_PKEY *k = EVP_EC_gen(curve);

	assert_non_null(k);
	return k;
}

static void provision(struct fixture *fx)
{
	assert_int_equal(hal_rot_file_provision(fx->f, DEVICE_ID, fx->distress, fx->vendor,
						fx->hems),
			 MAYDAY_OK);
}

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	const char *tmp = getenv("TMPDIR");

	assert_non_null(fx);
	fmt(fx->dir, sizeof(fx->dir), "%s/mayday-rot-XXXXXX",
	    tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp");
	assert_non_null(mkdtemp(fx->dir));
	fx->distress = gen("P-256");
	fx->vendor = gen("P-256");
	fx->hems = gen("P-256");
	assert_int_equal(hal_flash_open(&fx->f, fx->dir, hal_specs_flash()), MAYDAY_OK);
	provision(fx);
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

	assert_int_equal(hal_rot_open(&rot, hal_specs_rot(), f), MAYDAY_OK);
	assert_non_null(rot);
	return rot;
}

static enum mayday_err try_open(struct hal_flash *f)
{
	struct hal_rot *rot = (void *)1;
	enum mayday_err err = hal_rot_open(&rot, hal_specs_rot(), f);

	if (err == MAYDAY_OK)
		hal_rot_close(rot);
	else
		assert_null(rot);
	return err;
}

static uint64_t counter(struct hal_rot *rot, enum hal_rot_counter which)
{
	uint64_t v = 0xdeadbeef;

	assert_int_equal(hal_rot_counter_read(rot, which, &v), MAYDAY_OK);
	return v;
}

static void put_item(struct fixture *fx, const char *name, const void *data, size_t len)
{
	assert_int_equal(hal_flash_write_atomic(fx->f, HAL_PART_ROT, name, data, len), MAYDAY_OK);
}

static size_t get_item(struct fixture *fx, const char *name, uint8_t *buf, size_t cap)
{
	size_t len = 0;

	assert_int_equal(hal_flash_read(fx->f, HAL_PART_ROT, name, buf, cap, &len), MAYDAY_OK);
	return len;
}

static void test_provision_open(void **state)
{
	struct fixture *fx = *state;
	char id[MAYDAY_DEVICE_ID_MAX + 1];
	EVP_PKEY *a = NULL, *b = NULL;
	struct hal_rot *rot = open_rot(fx->f);
	uint8_t buf[4096];
	size_t len;

	assert_int_equal(hal_rot_device_id(rot, id), MAYDAY_OK);
	assert_string_equal(id, DEVICE_ID);
	assert_int_equal(hal_rot_anchor(rot, HAL_ROT_ANCHOR_VENDOR, &a), MAYDAY_OK);
	assert_int_equal(hal_rot_anchor(rot, HAL_ROT_ANCHOR_HEMS, &b), MAYDAY_OK);
	assert_int_equal(EVP_PKEY_eq(a, fx->vendor), 1);
	assert_int_equal(EVP_PKEY_eq(b, fx->hems), 1);
	assert_int_not_equal(EVP_PKEY_eq(a, fx->hems), 1);
	hal_rot_close(rot);
	/* The anchors are the caller's: still usable after close. */
	assert_int_equal(EVP_PKEY_eq(a, fx->vendor), 1);
	EVP_PKEY_free(a);
	EVP_PKEY_free(b);

	/* What provisioning stored: the ID as text, a private key PEM, public PEMs. */
	len = get_item(fx, "device_id", buf, sizeof(buf));
	assert_int_equal(len, strlen(DEVICE_ID));
	assert_memory_equal(buf, DEVICE_ID, len);
	len = get_item(fx, "distress.key.pem", buf, sizeof(buf));
	assert_non_null(memmem(buf, len, "PRIVATE KEY-----", 16));
	len = get_item(fx, "vendor.pub.pem", buf, sizeof(buf));
	assert_non_null(memmem(buf, len, "-----BEGIN PUBLIC KEY-----", 26));
	assert_null(memmem(buf, len, "PRIVATE", 7));
	hal_rot_close(NULL);
}

static void test_signer(void **state)
{
	static const uint8_t payload[] = "distress";
	struct fixture *fx = *state;
	struct hal_rot *rot = open_rot(fx->f);
	struct mayday_signer signer;
	struct mayday_cose_sign1 msg;
	struct mayday_diag diag = { 0, NULL };
	uint8_t out[512];
	size_t len = 0;

	assert_int_equal(hal_rot_signer(rot, &signer), MAYDAY_OK);
	assert_int_equal(signer.kid_len, strlen(DEVICE_ID));
	assert_memory_equal(signer.kid, DEVICE_ID, signer.kid_len);
	assert_int_equal(mayday_cose_sign1_encode(&signer, payload, sizeof(payload), out,
						  sizeof(out), &len),
			 MAYDAY_OK);
	if (mayday_cose_sign1_decode(out, len, sizeof(out), &msg, &diag) != MAYDAY_OK)
		fail_msg("decode failed at %zu: %s", diag.offset, diag.what);
	assert_int_equal(msg.payload_len, sizeof(payload));
	assert_memory_equal(msg.payload, payload, sizeof(payload));
	assert_int_equal(msg.kid_len, strlen(DEVICE_ID));
	assert_memory_equal(msg.kid, DEVICE_ID, msg.kid_len);
	assert_int_equal(mayday_cose_sign1_verify(&msg, fx->distress), MAYDAY_OK);
	assert_int_equal(mayday_cose_sign1_verify(&msg, fx->vendor), MAYDAY_E_SIGNATURE);
	hal_rot_close(rot);
}

static void test_counters(void **state)
{
	struct fixture *fx = *state;
	struct hal_rot *rot = open_rot(fx->f);
	uint64_t v = 0, ops;

	assert_int_equal(counter(rot, HAL_ROT_COUNTER_MESSAGE), 0);
	assert_int_equal(counter(rot, HAL_ROT_COUNTER_ROLLBACK), 0);
	assert_int_equal(hal_rot_counter_next(rot, HAL_ROT_COUNTER_MESSAGE, &v), MAYDAY_OK);
	assert_int_equal(v, 1);
	assert_int_equal(hal_rot_counter_next(rot, HAL_ROT_COUNTER_MESSAGE, &v), MAYDAY_OK);
	assert_int_equal(v, 2);
	assert_int_equal(counter(rot, HAL_ROT_COUNTER_ROLLBACK), 0);

	assert_int_equal(hal_rot_counter_advance(rot, HAL_ROT_COUNTER_ROLLBACK, 5), MAYDAY_OK);
	assert_int_equal(counter(rot, HAL_ROT_COUNTER_ROLLBACK), 5);
	/* Equal: a no-op, not even a flash write. */
	ops = hal_flash_ops_count(fx->f);
	assert_int_equal(hal_rot_counter_advance(rot, HAL_ROT_COUNTER_ROLLBACK, 5), MAYDAY_OK);
	assert_int_equal(hal_flash_ops_count(fx->f), ops);
	/* Backwards: refused, and nothing written. */
	assert_int_equal(hal_rot_counter_advance(rot, HAL_ROT_COUNTER_ROLLBACK, 4),
			 MAYDAY_E_ROLLBACK);
	assert_int_equal(hal_rot_counter_advance(rot, HAL_ROT_COUNTER_MESSAGE, 1),
			 MAYDAY_E_ROLLBACK);
	assert_int_equal(hal_flash_ops_count(fx->f), ops);
	assert_int_equal(counter(rot, HAL_ROT_COUNTER_ROLLBACK), 5);
	assert_int_equal(counter(rot, HAL_ROT_COUNTER_MESSAGE), 2);
	hal_rot_close(rot);

	/* Durable: a new flash handle and RoT see the same values. */
	hal_flash_close(fx->f);
	assert_int_equal(hal_flash_open(&fx->f, fx->dir, hal_specs_flash()), MAYDAY_OK);
	rot = open_rot(fx->f);
	assert_int_equal(counter(rot, HAL_ROT_COUNTER_MESSAGE), 2);
	assert_int_equal(counter(rot, HAL_ROT_COUNTER_ROLLBACK), 5);
	assert_int_equal(hal_rot_counter_next(rot, HAL_ROT_COUNTER_ROLLBACK, &v), MAYDAY_OK);
	assert_int_equal(v, 6);

	/* Exhausted: the last value stays, nothing wraps. */
	assert_int_equal(hal_rot_counter_advance(rot, HAL_ROT_COUNTER_MESSAGE, UINT64_MAX),
			 MAYDAY_OK);
	v = 7;
	assert_int_equal(hal_rot_counter_next(rot, HAL_ROT_COUNTER_MESSAGE, &v), MAYDAY_E_TOOBIG);
	assert_int_equal(v, 7);
	assert_int_equal(counter(rot, HAL_ROT_COUNTER_MESSAGE), UINT64_MAX);
	hal_rot_close(rot);
}

/* The documented on-flash layout of the counters record, byte for byte. */
static void build_record(uint8_t rec[32], unsigned version, uint64_t msg, uint64_t rb)
{
	uint8_t digest[SHA256_DIGEST_LENGTH];

	memcpy(rec, "MDYC", 4);
	rec[4] = (uint8_t)(version >> 8);
	rec[5] = (uint8_t)version;
	rec[6] = 0;
	rec[7] = 0;
	for (int i = 0; i < 8; i++) {
		rec[8 + i] = (uint8_t)(msg >> (56 - 8 * i));
		rec[16 + i] = (uint8_t)(rb >> (56 - 8 * i));
	}
	SHA256(rec, 24, digest);
	memcpy(rec + 24, digest, 8);
}

static void test_counters_layout(void **state)
{
	struct fixture *fx = *state;
	struct hal_rot *rot = open_rot(fx->f);
	uint8_t expect[32], got[64];
	size_t len;

	len = get_item(fx, "counters", got, sizeof(got));
	build_record(expect, 1, 0, 0);
	assert_int_equal(len, 32);
	assert_memory_equal(got, expect, 32);

	assert_int_equal(hal_rot_counter_advance(rot, HAL_ROT_COUNTER_MESSAGE, 0x0102030405060708ull),
			 MAYDAY_OK);
	assert_int_equal(hal_rot_counter_advance(rot, HAL_ROT_COUNTER_ROLLBACK, 9), MAYDAY_OK);
	len = get_item(fx, "counters", got, sizeof(got));
	build_record(expect, 1, 0x0102030405060708ull, 9);
	assert_int_equal(len, 32);
	assert_memory_equal(got, expect, 32);
	assert_int_equal(got[8], 0x01); /* big-endian */
	assert_int_equal(got[15], 0x08);
	hal_rot_close(rot);

	/* A record this code wrote elsewhere reads back. */
	build_record(expect, 1, 77, 12);
	put_item(fx, "counters", expect, 32);
	rot = open_rot(fx->f);
	assert_int_equal(counter(rot, HAL_ROT_COUNTER_MESSAGE), 77);
	assert_int_equal(counter(rot, HAL_ROT_COUNTER_ROLLBACK), 12);
	hal_rot_close(rot);

	/* A well-formed record of an unknown format version. */
	build_record(expect, 2, 77, 12);
	put_item(fx, "counters", expect, 32);
	assert_int_equal(try_open(fx->f), MAYDAY_E_UNSUPPORTED);
}

typedef enum mayday_err (*update_fn)(struct hal_rot *rot, uint64_t *value);

static enum mayday_err update_next(struct hal_rot *rot, uint64_t *value)
{
	return hal_rot_counter_next(rot, HAL_ROT_COUNTER_MESSAGE, value);
}

static enum mayday_err update_advance(struct hal_rot *rot, uint64_t *value)
{
	*value = 20;
	return hal_rot_counter_advance(rot, HAL_ROT_COUNTER_MESSAGE, 20);
}

/* Cut the power after every counted operation of one update: after a reboot
 * the counter is the old value or the new one, never lower, never garbage. */
static void cut_everywhere(struct fixture *fx, update_fn update)
{
	const uint64_t start = 7;
	struct hal_rot *rot;
	struct hal_flash *g = NULL;
	uint64_t total, v = 0, newv = 0;
	int seen_old = 0, seen_new = 0;

	/* A clean run, counted. */
	provision(fx);
	rot = open_rot(fx->f);
	assert_int_equal(hal_rot_counter_advance(rot, HAL_ROT_COUNTER_MESSAGE, start), MAYDAY_OK);
	hal_rot_close(rot);
	assert_int_equal(hal_flash_open(&g, fx->dir, hal_specs_fault(NULL)), MAYDAY_OK);
	rot = open_rot(g);
	assert_int_equal(update(rot, &newv), MAYDAY_OK);
	total = hal_flash_ops_count(g);
	hal_rot_close(rot);
	hal_flash_close(g);
	assert_true(newv > start);
	assert_int_equal(total, 4); /* one atomic replace of the record */

	for (uint64_t n = 1; n <= total; n++) {
		char spec[32];
		enum mayday_err err;

		/* reset to `start` by re-provisioning, as the counter cannot go down */
		provision(fx);
		rot = open_rot(fx->f);
		assert_int_equal(hal_rot_counter_advance(rot, HAL_ROT_COUNTER_MESSAGE, start),
				 MAYDAY_OK);
		hal_rot_close(rot);

		fmt(spec, sizeof(spec), "%s", hal_specs_fault("cut=%llu", (unsigned long long)n));
		assert_int_equal(hal_flash_open(&g, fx->dir, spec), MAYDAY_OK);
		rot = open_rot(g); /* opening only reads: not counted */
		err = update(rot, &v);
		assert_int_equal(err, n == total ? MAYDAY_OK : MAYDAY_E_POWER);
		/* The device is off: the RoT cannot be read either. */
		assert_int_equal(hal_rot_counter_read(rot, HAL_ROT_COUNTER_MESSAGE, &v),
				 MAYDAY_E_POWER);
		hal_rot_close(rot);
		hal_flash_close(g);

		/* Reboot on a healthy flash: the RoT opens and holds old or new. */
		hal_flash_close(fx->f);
		assert_int_equal(hal_flash_open(&fx->f, fx->dir, hal_specs_flash()), MAYDAY_OK);
		rot = open_rot(fx->f);
		v = counter(rot, HAL_ROT_COUNTER_MESSAGE);
		if (v == start)
			seen_old++;
		else if (v == newv)
			seen_new++;
		else
			fail_msg("cut=%llu: counter is %llu, expected %llu or %llu",
				 (unsigned long long)n, (unsigned long long)v,
				 (unsigned long long)start, (unsigned long long)newv);
		assert_int_equal(counter(rot, HAL_ROT_COUNTER_ROLLBACK), 0);
		hal_rot_close(rot);
	}
	assert_true(seen_old > 0);
	assert_true(seen_new > 0);
}

static void test_power_cut_next(void **state)
{
	cut_everywhere(*state, update_next);
}

static void test_power_cut_advance(void **state)
{
	cut_everywhere(*state, update_advance);
}

static void test_corrupt_counters(void **state)
{
	struct fixture *fx = *state;
	uint8_t good[64], bad[64], now[64];
	struct hal_rot *rot;
	size_t len;
	uint64_t v;

	len = get_item(fx, "counters", good, sizeof(good));
	assert_int_equal(len, 32);

	/* Every single-bit error, injected as the record is read. */
	for (unsigned bit = 0; bit < 32 * 8; bit++) {
		struct hal_flash *g = NULL;
		char spec[64];

		fmt(spec, sizeof(spec), "%s", hal_specs_fault("flip=rot/counters@%u", bit));
		assert_int_equal(hal_flash_open(&g, fx->dir, spec), MAYDAY_OK);
		if (try_open(g) != MAYDAY_E_MALFORMED)
			fail_msg("flipped bit %u was not detected", bit);
		hal_flash_close(g);
	}

	/* Wrong length: empty, short, long. */
	put_item(fx, "counters", good, 0);
	assert_int_equal(try_open(fx->f), MAYDAY_E_MALFORMED);
	put_item(fx, "counters", good, 31);
	assert_int_equal(try_open(fx->f), MAYDAY_E_MALFORMED);
	memset(good + 32, 0, 1);
	put_item(fx, "counters", good, 33);
	assert_int_equal(try_open(fx->f), MAYDAY_E_MALFORMED);
	put_item(fx, "counters", good, 32);
	assert_int_equal(try_open(fx->f), MAYDAY_OK);

	/* Damaged after open: every counter call fails and nothing is "repaired". */
	rot = open_rot(fx->f);
	memcpy(bad, good, 32);
	bad[15] ^= 0x01;
	put_item(fx, "counters", bad, 32);
	assert_int_equal(hal_rot_counter_read(rot, HAL_ROT_COUNTER_MESSAGE, &v), MAYDAY_E_MALFORMED);
	assert_int_equal(hal_rot_counter_next(rot, HAL_ROT_COUNTER_MESSAGE, &v), MAYDAY_E_MALFORMED);
	assert_int_equal(hal_rot_counter_advance(rot, HAL_ROT_COUNTER_ROLLBACK, 3),
			 MAYDAY_E_MALFORMED);
	hal_rot_close(rot);
	len = get_item(fx, "counters", now, sizeof(now));
	assert_int_equal(len, 32);
	assert_memory_equal(now, bad, 32);
}

static void test_missing_items(void **state)
{
	struct fixture *fx = *state;

	for (size_t i = 0; i < sizeof(items) / sizeof(items[0]); i++) {
		provision(fx);
		assert_int_equal(try_open(fx->f), MAYDAY_OK);
		assert_int_equal(hal_flash_remove(fx->f, HAL_PART_ROT, items[i]), MAYDAY_OK);
		if (try_open(fx->f) != MAYDAY_E_NOTFOUND)
			fail_msg("RoT opened without %s", items[i]);
	}
}

/* The public key the RoT was provisioned with: stored beside the private
 * key, handed out as provisioned, and the key must match it. */
static void test_provisioned_public_key(void **state)
{
	struct fixture *fx = *state;
	EVP_PKEY *other = gen("P-256"), *pub = NULL;
	uint8_t buf[4096];
	size_t len;
	struct hal_rot *rot;

	len = get_item(fx, "distress.pub.pem", buf, sizeof(buf));
	assert_non_null(memmem(buf, len, "-----BEGIN PUBLIC KEY-----", 26));
	assert_null(memmem(buf, len, "PRIVATE", 7));
	rot = open_rot(fx->f);
	assert_int_equal(hal_rot_distress_public(rot, &pub), MAYDAY_OK);
	assert_int_equal(EVP_PKEY_eq(pub, fx->distress), 1);
	EVP_PKEY_free(pub);
	assert_int_equal(hal_rot_self_test(rot), MAYDAY_OK);
	hal_rot_close(rot);

	/* A valid key that is not the provisioned one: replaced whole, or the
	 * public item replaced. Each half is a sound key; together they fail. */
	assert_int_equal(hal_rot_file_provision(fx->f, DEVICE_ID, other, fx->vendor, fx->hems),
			 MAYDAY_OK);
	put_item(fx, "distress.pub.pem", buf, len); /* fx->distress's */
	assert_int_equal(try_open(fx->f), MAYDAY_E_KEY);
	provision(fx);
	put_item(fx, "distress.pub.pem", "-----BEGIN PUBLIC KEY-----\n", 27);
	assert_int_equal(try_open(fx->f), MAYDAY_E_KEY);

	/* The older layout (no distress.pub.pem) still opens; the key's own
	 * public half then stands for the provisioned one. */
	provision(fx);
	assert_int_equal(hal_flash_remove(fx->f, HAL_PART_ROT, "distress.pub.pem"), MAYDAY_OK);
	rot = open_rot(fx->f);
	assert_int_equal(hal_rot_distress_public(rot, &pub), MAYDAY_OK);
	assert_int_equal(EVP_PKEY_eq(pub, fx->distress), 1);
	EVP_PKEY_free(pub);
	assert_int_equal(hal_rot_self_test(rot), MAYDAY_OK);
	hal_rot_close(rot);
	assert_int_equal(hal_rot_distress_public(NULL, &pub), MAYDAY_E_INVALID);
	assert_int_equal(hal_rot_self_test(NULL), MAYDAY_E_INVALID);
	EVP_PKEY_free(other);
}

/* One flipped bit of the stored scalar, anywhere: the RoT does not open
 * (MAYDAY_E_KEY), in both layouts -- the pairwise check sees it against the
 * point stored with the key, the provisioned public key sees it too. */
static void test_damaged_scalar(void **state)
{
	struct fixture *fx = *state;

	for (size_t i = 0; i < sizeof(scalar_bits) / sizeof(scalar_bits[0]); i++) {
		provision(fx);
		rot_damage_flip_scalar(fx->f, scalar_bits[i]);
		if (try_open(fx->f) != MAYDAY_E_KEY)
			fail_msg("scalar bit %u flipped: the RoT opened", scalar_bits[i]);
		assert_int_equal(hal_flash_remove(fx->f, HAL_PART_ROT, "distress.pub.pem"),
				 MAYDAY_OK);
		if (try_open(fx->f) != MAYDAY_E_KEY)
			fail_msg("scalar bit %u flipped, older layout: the RoT opened",
				 scalar_bits[i]);
	}
	/* and flipped back, it is the key again */
	provision(fx);
	rot_damage_flip_scalar(fx->f, 77);
	rot_damage_flip_scalar(fx->f, 77);
	assert_int_equal(try_open(fx->f), MAYDAY_OK);
}

/* A key stored without its public point: OpenSSL computes the point from
 * whatever scalar it reads, so the pairwise check passes on a damaged one.
 * The provisioned public key is what catches it. Without that item (the
 * older layout) nothing can: a residual risk of old RoTs, pinned here. */
static void test_damaged_scalar_without_point(void **state)
{
	struct fixture *fx = *state;

	provision(fx);
	rot_damage_drop_point(fx->f);
	assert_int_equal(try_open(fx->f), MAYDAY_OK); /* an intact key without its point is fine */
	for (size_t i = 0; i < sizeof(scalar_bits) / sizeof(scalar_bits[0]); i++) {
		provision(fx);
		rot_damage_drop_point(fx->f);
		rot_damage_flip_scalar(fx->f, scalar_bits[i]);
		if (try_open(fx->f) != MAYDAY_E_KEY)
			fail_msg("scalar bit %u flipped (no point stored): the RoT opened",
				 scalar_bits[i]);
	}
	provision(fx);
	rot_damage_drop_point(fx->f);
	rot_damage_flip_scalar(fx->f, 3);
	assert_int_equal(hal_flash_remove(fx->f, HAL_PART_ROT, "distress.pub.pem"), MAYDAY_OK);
	assert_int_equal(try_open(fx->f), MAYDAY_OK);
}

static size_t pem_public(EVP_PKEY *k, char *out, size_t cap)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *p = NULL;
	long n;

	assert_non_null(bio);
	assert_int_equal(PEM_write_bio_PUBKEY(bio, k), 1);
	n = BIO_get_mem_data(bio, &p);
	assert_true(n > 0 && (size_t)n < cap);
	memcpy(out, p, (size_t)n);
	BIO_free(bio);
	return (size_t)n;
}

static void test_invalid_items(void **state)
{
	struct fixture *fx = *state;
	EVP_PKEY *p384 = gen("P-384");
	char pem[1024];
	size_t len;

	/* Keys: garbage, truncated, wrong curve, a public key where the private belongs. */
	put_item(fx, "distress.key.pem", "not a key", 9);
	assert_int_equal(try_open(fx->f), MAYDAY_E_KEY);
	provision(fx);
	len = get_item(fx, "distress.key.pem", (uint8_t *)pem, sizeof(pem));
	put_item(fx, "distress.key.pem", pem, len / 2);
	assert_int_equal(try_open(fx->f), MAYDAY_E_KEY);
	len = pem_public(fx->vendor, pem, sizeof(pem));
	put_item(fx, "distress.key.pem", pem, len);
	assert_int_equal(try_open(fx->f), MAYDAY_E_KEY);
	provision(fx);
	len = pem_public(p384, pem, sizeof(pem));
	put_item(fx, "hems.pub.pem", pem, len);
	assert_int_equal(try_open(fx->f), MAYDAY_E_KEY);
	provision(fx);
	put_item(fx, "vendor.pub.pem", "-----BEGIN PUBLIC KEY-----\n", 27);
	assert_int_not_equal(try_open(fx->f), MAYDAY_OK);
	provision(fx);
	memset(pem, 'A', sizeof(pem));
	put_item(fx, "unrelated", pem, sizeof(pem)); /* other files do not matter */
	assert_int_equal(try_open(fx->f), MAYDAY_OK);

	/* Device ID: a trailing newline is tolerated, nothing else. */
	put_item(fx, "device_id", DEVICE_ID "\n", strlen(DEVICE_ID) + 1);
	assert_int_equal(try_open(fx->f), MAYDAY_OK);
	put_item(fx, "device_id", "", 0);
	assert_int_equal(try_open(fx->f), MAYDAY_E_MALFORMED);
	put_item(fx, "device_id", "\n", 1);
	assert_int_equal(try_open(fx->f), MAYDAY_E_MALFORMED);
	put_item(fx, "device_id", "femto 1", 7);
	assert_int_equal(try_open(fx->f), MAYDAY_E_MALFORMED);
	put_item(fx, "device_id", "femto\0001", 7);
	assert_int_equal(try_open(fx->f), MAYDAY_E_MALFORMED);
	put_item(fx, "device_id", "femto-1\n\n", 9);
	assert_int_equal(try_open(fx->f), MAYDAY_E_MALFORMED);
	put_item(fx, "device_id", LONG_ID, sizeof(LONG_ID) - 1);
	assert_int_equal(try_open(fx->f), MAYDAY_OK);
	put_item(fx, "device_id", LONG_ID "X", sizeof(LONG_ID)); /* > MAYDAY_KID_MAX */
	assert_int_equal(try_open(fx->f), MAYDAY_E_MALFORMED);
	put_item(fx, "device_id", pem, sizeof(pem));
	assert_int_equal(try_open(fx->f), MAYDAY_E_MALFORMED);
	EVP_PKEY_free(p384);
}

static void test_provision_rejects(void **state)
{
	struct fixture *fx = *state;
	EVP_PKEY *p384 = gen("P-384");
	EVP_PKEY *pub = NULL;
	char pem[1024];
	uint8_t before[64], after[64];
	size_t len, len2;
	BIO *bio;

	len = get_item(fx, "counters", before, sizeof(before));
	assert_int_equal(hal_rot_file_provision(fx->f, "", fx->distress, fx->vendor, fx->hems),
			 MAYDAY_E_INVALID);
	assert_int_equal(hal_rot_file_provision(fx->f, "has space", fx->distress, fx->vendor,
						fx->hems),
			 MAYDAY_E_INVALID);
	assert_int_equal(hal_rot_file_provision(fx->f, LONG_ID "X",
						fx->distress, fx->vendor, fx->hems),
			 MAYDAY_E_INVALID);
	assert_int_equal(hal_rot_file_provision(fx->f, NULL, fx->distress, fx->vendor, fx->hems),
			 MAYDAY_E_INVALID);
	assert_int_equal(hal_rot_file_provision(fx->f, DEVICE_ID, NULL, fx->vendor, fx->hems),
			 MAYDAY_E_INVALID);
	assert_int_equal(hal_rot_file_provision(fx->f, DEVICE_ID, p384, fx->vendor, fx->hems),
			 MAYDAY_E_KEY);
	assert_int_equal(hal_rot_file_provision(fx->f, DEVICE_ID, fx->distress, p384, fx->hems),
			 MAYDAY_E_KEY);
	assert_int_equal(hal_rot_file_provision(fx->f, DEVICE_ID, fx->distress, fx->vendor, p384),
			 MAYDAY_E_KEY);
	/* A public-only key cannot be the distress key. */
	len2 = pem_public(fx->vendor, pem, sizeof(pem));
	bio = BIO_new_mem_buf(pem, (int)len2);
	assert_non_null(bio);
	pub = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
	BIO_free(bio);
	assert_non_null(pub);
	assert_int_equal(hal_rot_file_provision(fx->f, DEVICE_ID, pub, fx->vendor, fx->hems),
			 MAYDAY_E_KEY);
	EVP_PKEY_free(pub);
	EVP_PKEY_free(p384);
	/* Nothing was changed by the refused calls. */
	assert_int_equal(get_item(fx, "counters", after, sizeof(after)), len);
	assert_memory_equal(after, before, len);
	assert_int_equal(try_open(fx->f), MAYDAY_OK);

	/* The longest ID that still fits a COSE kid. */
	assert_int_equal(hal_rot_file_provision(fx->f, LONG_ID,
						fx->distress, fx->vendor, fx->hems),
			 MAYDAY_OK);
	assert_int_equal(try_open(fx->f), MAYDAY_OK);
}

static void test_bad_args(void **state)
{
	struct fixture *fx = *state;
	struct hal_rot *rot = (void *)1;
	EVP_PKEY *k = NULL;
	uint64_t v;

	assert_int_equal(hal_rot_open(&rot, "tpm9", fx->f), MAYDAY_E_INVALID);
	assert_null(rot);
	assert_int_equal(hal_rot_open(&rot, "file", NULL), MAYDAY_E_INVALID);
	assert_int_equal(unsetenv("MAYDAY_ROT"), 0);
	assert_int_equal(hal_rot_open(&rot, NULL, fx->f), MAYDAY_OK); /* default: file */
	assert_int_equal(hal_rot_counter_read(rot, HAL_ROT_COUNTER__COUNT, &v), MAYDAY_E_INVALID);
	assert_int_equal(hal_rot_counter_next(rot, (enum hal_rot_counter)-1, &v),
			 MAYDAY_E_INVALID);
	assert_int_equal(hal_rot_counter_advance(rot, HAL_ROT_COUNTER__COUNT, 1), MAYDAY_E_INVALID);
	assert_int_equal(hal_rot_anchor(rot, HAL_ROT_ANCHOR__COUNT, &k), MAYDAY_E_INVALID);
	assert_null(k);
	hal_rot_close(rot);
	assert_int_equal(setenv("MAYDAY_ROT", "nope", 1), 0);
	assert_int_equal(hal_rot_open(&rot, NULL, fx->f), MAYDAY_E_INVALID);
	assert_int_equal(unsetenv("MAYDAY_ROT"), 0);
}

/* The decoders behind the RoT items, called directly (device/hal/rot_*.h). */

/* Recompute the check of a record whose body was edited. */
static void seal(uint8_t rec[32])
{
	uint8_t digest[SHA256_DIGEST_LENGTH];

	SHA256(rec, 24, digest);
	memcpy(rec + 24, digest, 8);
}

static enum mayday_err decode_counters(const uint8_t *rec, size_t len, uint64_t v[2])
{
	v[0] = 0x1111;
	v[1] = 0x2222;
	return rot_counters_decode(rec, len, v);
}

static void test_counters_decode(void **state)
{
	static const uint64_t values[][2] = {
		{ 0, 0 }, { 1, 0 }, { 0, 1 }, { UINT64_MAX, UINT64_MAX }, { 0x8000000000000000ull, 255 },
	};
	uint8_t rec[32], enc[32];
	uint64_t v[2];

	(void)state;
	/* Round trip, and the encoder writes the documented layout. */
	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		build_record(rec, 1, values[i][0], values[i][1]);
		rot_counters_encode(values[i], enc);
		assert_memory_equal(enc, rec, 32);
		assert_int_equal(decode_counters(rec, 32, v), MAYDAY_OK);
		assert_true(v[0] == values[i][0] && v[1] == values[i][1]);
	}

	/* Errors leave the output alone. */
	build_record(rec, 1, 5, 6);
	assert_int_equal(decode_counters(rec, 31, v), MAYDAY_E_MALFORMED);
	assert_true(v[0] == 0x1111 && v[1] == 0x2222);
	assert_int_equal(decode_counters(rec, 0, v), MAYDAY_E_MALFORMED);

	/* Reserved bytes set under a correct check: damage, not a new format. */
	rec[7] = 1;
	seal(rec);
	assert_int_equal(decode_counters(rec, 32, v), MAYDAY_E_MALFORMED);
	assert_true(v[0] == 0x1111 && v[1] == 0x2222);
	rec[6] = 0x80;
	rec[7] = 0;
	seal(rec);
	assert_int_equal(decode_counters(rec, 32, v), MAYDAY_E_MALFORMED);
	/* An unknown version is reported as such, whatever else it holds. */
	rec[5] = 2;
	seal(rec);
	assert_int_equal(decode_counters(rec, 32, v), MAYDAY_E_UNSUPPORTED);
	build_record(rec, 0x0101, 5, 6);
	assert_int_equal(decode_counters(rec, 32, v), MAYDAY_E_UNSUPPORTED);
	build_record(rec, 0, 5, 6);
	assert_int_equal(decode_counters(rec, 32, v), MAYDAY_E_UNSUPPORTED);
	/* ...but only once the check holds: a damaged version byte is damage. */
	build_record(rec, 1, 5, 6);
	rec[5] = 2;
	assert_int_equal(decode_counters(rec, 32, v), MAYDAY_E_MALFORMED);
	/* Another magic, even sealed. */
	build_record(rec, 1, 5, 6);
	rec[3] = 'c';
	seal(rec);
	assert_int_equal(decode_counters(rec, 32, v), MAYDAY_E_MALFORMED);
	/* Only 8 check bytes count; each of them does. */
	for (int i = 24; i < 32; i++) {
		build_record(rec, 1, 5, 6);
		rec[i] ^= 0x80;
		assert_int_equal(decode_counters(rec, 32, v), MAYDAY_E_MALFORMED);
	}
	assert_true(v[0] == 0x1111 && v[1] == 0x2222);
}

static enum mayday_err decode_id(const char *item, size_t len, char out[MAYDAY_DEVICE_ID_MAX + 1],
				 size_t *out_len)
{
	memset(out, '#', MAYDAY_DEVICE_ID_MAX + 1);
	*out_len = 999;
	return rot_device_id_decode((const uint8_t *)item, len, out, out_len);
}

static void test_device_id_decode(void **state)
{
	char out[MAYDAY_DEVICE_ID_MAX + 1];
	char untouched[MAYDAY_DEVICE_ID_MAX + 1];
	char one[2] = { 0, 0 };
	size_t len;

	(void)state;
	memset(untouched, '#', sizeof(untouched));
	assert_int_equal(decode_id("femto-1\n", 8, out, &len), MAYDAY_OK);
	assert_int_equal(len, 7);
	assert_string_equal(out, "femto-1");
	assert_int_equal(decode_id(LONG_ID "\n", sizeof(LONG_ID), out, &len), MAYDAY_OK);
	assert_int_equal(len, MAYDAY_DEVICE_ID_MAX);
	assert_string_equal(out, LONG_ID);
	assert_int_equal(decode_id("!~", 2, out, &len), MAYDAY_OK); /* the printable edges */
	assert_string_equal(out, "!~");

	/* Every byte outside 0x21..0x7e is refused, as the only byte of an ID. */
	for (unsigned c = 0; c < 256; c++) {
		one[0] = (char)c;
		if (c >= 0x21 && c <= 0x7e) {
			assert_int_equal(decode_id(one, 1, out, &len), MAYDAY_OK);
			assert_int_equal(len, 1);
			assert_true(rot_device_id_ok(one, 1));
		} else if (decode_id(one, 1, out, &len) != MAYDAY_E_MALFORMED) {
			fail_msg("byte 0x%02x accepted as a device ID", c);
		} else {
			assert_int_equal(len, 999);
			assert_memory_equal(out, untouched, sizeof(out));
			assert_false(rot_device_id_ok(one, 1));
		}
	}
	/* Only one "\n", and only at the end; "\r\n" is not a newline here. */
	assert_int_equal(decode_id("femto-1\r\n", 9, out, &len), MAYDAY_E_MALFORMED);
	assert_int_equal(decode_id("\nfemto-1", 8, out, &len), MAYDAY_E_MALFORMED);
	assert_int_equal(decode_id("femto-1\n\n", 9, out, &len), MAYDAY_E_MALFORMED);
	assert_int_equal(decode_id(LONG_ID "X\n", sizeof(LONG_ID) + 1, out, &len),
			 MAYDAY_E_MALFORMED);
	assert_int_equal(decode_id("", 0, out, &len), MAYDAY_E_MALFORMED);
	assert_int_equal(len, 999);
	assert_memory_equal(out, untouched, sizeof(out));
	/* The length is what counts, not a NUL. */
	assert_false(rot_device_id_ok("femto\0-1", 8));
	assert_true(rot_device_id_ok("femto\0-1", 5));
}

/* PEM of `key` as written by OpenSSL: private (PKCS#8, encrypted with
 * `pass` if not NULL, or the traditional EC form) or public. */
enum pem_kind { PEM_PKCS8, PEM_TRADITIONAL, PEM_PUBLIC };

static size_t key_pem(EVP_PKEY *key, enum pem_kind kind, const char *pass, char *out,
		      size_t cap)
{
	BIO *bio = BIO_new(BIO_s_mem());
	const EVP_CIPHER *enc = pass != NULL ? EVP_aes_128_cbc() : NULL;
	int plen = pass != NULL ? (int)strlen(pass) : 0;
	char *p = NULL;
	long n;
	int ok;

	assert_non_null(bio);
	if (kind == PEM_PUBLIC)
		ok = PEM_write_bio_PUBKEY(bio, key);
	else if (kind == PEM_TRADITIONAL)
		ok = PEM_write_bio_PrivateKey_traditional(bio, key, enc, (unsigned char *)pass,
							  plen, NULL, NULL);
	else
		ok = PEM_write_bio_PKCS8PrivateKey(bio, key, enc, (char *)pass, plen, NULL, NULL);
	assert_int_equal(ok, 1);
	n = BIO_get_mem_data(bio, &p);
	assert_true(n > 0 && (size_t)n <= cap);
	memcpy(out, p, (size_t)n);
	BIO_free(bio);
	return (size_t)n;
}

static size_t cert_pem(EVP_PKEY *key, char *out, size_t cap)
{
	X509 *x = X509_new();
	BIO *bio = BIO_new(BIO_s_mem());
	char *p = NULL;
	long n;

	assert_non_null(x);
	assert_non_null(bio);
	assert_int_equal(ASN1_INTEGER_set(X509_get_serialNumber(x), 1), 1);
	assert_non_null(X509_gmtime_adj(X509_getm_notBefore(x), 0));
	assert_non_null(X509_gmtime_adj(X509_getm_notAfter(x), 3600));
	assert_int_equal(X509_set_pubkey(x, key), 1);
	assert_true(X509_sign(x, key, EVP_sha256()) > 0);
	assert_int_equal(PEM_write_bio_X509(bio, x), 1);
	n = BIO_get_mem_data(bio, &p);
	assert_true(n > 0 && (size_t)n <= cap);
	memcpy(out, p, (size_t)n);
	BIO_free(bio);
	X509_free(x);
	return (size_t)n;
}

static enum mayday_err try_private(const char *pem, size_t len, EVP_PKEY *want)
{
	EVP_PKEY *k = (void *)1;
	enum mayday_err err = rot_keys_private_decode((const uint8_t *)pem, len, &k);

	if (err != MAYDAY_OK) {
		assert_ptr_equal(k, (void *)1);
		return err;
	}
	assert_int_equal(EVP_PKEY_eq(k, want), 1);
	EVP_PKEY_free(k);
	return err;
}

static enum mayday_err try_public(const char *pem, size_t len, EVP_PKEY *want)
{
	EVP_PKEY *k = (void *)1;
	enum mayday_err err = rot_keys_public_decode((const uint8_t *)pem, len, &k);

	if (err != MAYDAY_OK) {
		assert_ptr_equal(k, (void *)1);
		return err;
	}
	assert_int_equal(EVP_PKEY_eq(k, want), 1);
	EVP_PKEY_free(k);
	return err;
}

static void test_keys_decode(void **state)
{
	struct fixture *fx = *state;
	EVP_PKEY *p384 = gen("P-384");
	EVP_PKEY *ed = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	static char pem[ROT_KEYS_PEM_MAX + 2];
	size_t len;

	assert_non_null(ed);
	/* P-256 private keys in both PEM forms; as an anchor they are refused. */
	len = key_pem(fx->distress, PEM_PKCS8, NULL, pem, sizeof(pem));
	assert_int_equal(try_private(pem, len, fx->distress), MAYDAY_OK);
	assert_int_equal(try_public(pem, len, fx->distress), MAYDAY_E_KEY);
	len = key_pem(fx->distress, PEM_TRADITIONAL, NULL, pem, sizeof(pem));
	assert_int_equal(try_private(pem, len, fx->distress), MAYDAY_OK);

	/* The bound: trailing bytes after the PEM block are ignored up to
	 * ROT_KEYS_PEM_MAX bytes in all; one more and the item is refused. */
	memset(pem + len, ' ', sizeof(pem) - len);
	assert_int_equal(try_private(pem, ROT_KEYS_PEM_MAX, fx->distress), MAYDAY_OK);
	assert_int_equal(try_private(pem, ROT_KEYS_PEM_MAX + 1, fx->distress), MAYDAY_E_KEY);

	/* Encrypted keys are refused without prompting for a passphrase. */
	len = key_pem(fx->distress, PEM_PKCS8, "secret", pem, sizeof(pem));
	assert_int_equal(try_private(pem, len, fx->distress), MAYDAY_E_KEY);
	len = key_pem(fx->distress, PEM_TRADITIONAL, "secret", pem, sizeof(pem));
	assert_int_equal(try_private(pem, len, fx->distress), MAYDAY_E_KEY);

	/* Anchors: a public key or a certificate's; never a private key PEM. */
	len = key_pem(fx->vendor, PEM_PUBLIC, NULL, pem, sizeof(pem));
	assert_int_equal(try_public(pem, len, fx->vendor), MAYDAY_OK);
	assert_int_equal(try_private(pem, len, fx->vendor), MAYDAY_E_KEY);
	assert_int_equal(try_public(pem, ROT_KEYS_PEM_MAX + 1, fx->vendor), MAYDAY_E_KEY);
	len = cert_pem(fx->hems, pem, sizeof(pem));
	assert_int_equal(try_public(pem, len, fx->hems), MAYDAY_OK);

	/* Other curves and key types, private or public. */
	len = key_pem(p384, PEM_PKCS8, NULL, pem, sizeof(pem));
	assert_int_equal(try_private(pem, len, p384), MAYDAY_E_KEY);
	len = key_pem(p384, PEM_PUBLIC, NULL, pem, sizeof(pem));
	assert_int_equal(try_public(pem, len, p384), MAYDAY_E_KEY);
	len = cert_pem(p384, pem, sizeof(pem));
	assert_int_equal(try_public(pem, len, p384), MAYDAY_E_KEY);
	len = key_pem(ed, PEM_PKCS8, NULL, pem, sizeof(pem));
	assert_int_equal(try_private(pem, len, ed), MAYDAY_E_KEY);
	len = key_pem(ed, PEM_PUBLIC, NULL, pem, sizeof(pem));
	assert_int_equal(try_public(pem, len, ed), MAYDAY_E_KEY);

	/* Nothing at all. */
	assert_int_equal(try_private("", 0, fx->distress), MAYDAY_E_KEY);
	assert_int_equal(try_public("", 0, fx->vendor), MAYDAY_E_KEY);

	assert_true(rot_keys_is_p256(fx->distress));
	assert_false(rot_keys_is_p256(p384));
	assert_false(rot_keys_is_p256(ed));
	EVP_PKEY_free(p384);
	EVP_PKEY_free(ed);
}

static enum mayday_err try_fast(const char *pem, size_t len, EVP_PKEY *want)
{
	EVP_PKEY *k = (void *)1;
	enum mayday_err err = rot_keys_p256_private_from_pem((const uint8_t *)pem, len, &k);

	if (err != MAYDAY_OK) {
		assert_ptr_equal(k, (void *)1);
		return err;
	}
	assert_int_equal(EVP_PKEY_eq(k, want), 1);
	EVP_PKEY_free(k);
	return err;
}

/* `pem` (one PEM block) with n bytes of its DER at `off` replaced, into out. */
static size_t pem_edit(const char *pem, size_t len, size_t off, const uint8_t *bytes, size_t n,
		       char *out, size_t cap)
{
	BIO *in = BIO_new_mem_buf(pem, (int)len), *w = BIO_new(BIO_s_mem());
	char *name = NULL, *header = NULL, *p = NULL;
	unsigned char *der = NULL;
	long der_len = 0, m;

	assert_non_null(in);
	assert_non_null(w);
	assert_int_equal(PEM_read_bio(in, &name, &header, &der, &der_len), 1);
	assert_true(off + n <= (size_t)der_len);
	memcpy(der + off, bytes, n);
	assert_true(PEM_write_bio(w, name, header, der, der_len) > 0);
	m = BIO_get_mem_data(w, &p);
	assert_true(m > 0 && (size_t)m <= cap);
	memcpy(out, p, (size_t)m);
	OPENSSL_free(name);
	OPENSSL_free(header);
	OPENSSL_free(der);
	BIO_free(in);
	BIO_free(w);
	return (size_t)m;
}

/* The distress key's fast path (rot_keys_p256_private_from_pem) takes the
 * form mayday-provision writes and gives the key OpenSSL's reader gives;
 * every other form is left to that reader, which decides as before. */
static void test_keys_fast_path(void **state)
{
	struct fixture *fx = *state;
	static char pem[ROT_KEYS_PEM_MAX], alt[ROT_KEYS_PEM_MAX];
	char *p;
	size_t len, n;

	len = key_pem(fx->distress, PEM_PKCS8, NULL, pem, sizeof(pem));
	assert_int_equal(try_fast(pem, len, fx->distress), MAYDAY_OK);
	assert_int_equal(try_private(pem, len, fx->distress), MAYDAY_OK);
	/* Without the final newline, or with bytes after the block: the
	 * reader ignores what follows the end line, and so does the fast path. */
	assert_int_equal(try_fast(pem, len - 1, fx->distress), MAYDAY_OK);
	memcpy(alt, pem, len);
	memcpy(alt + len, "trailing\n", 9);
	assert_int_equal(try_fast(alt, len + 9, fx->distress), MAYDAY_OK);

	/* Other forms of the same key: not the fast path's, still the key. */
	n = key_pem(fx->distress, PEM_TRADITIONAL, NULL, alt, sizeof(alt));
	assert_int_equal(try_fast(alt, n, fx->distress), MAYDAY_E_UNSUPPORTED);
	assert_int_equal(try_private(alt, n, fx->distress), MAYDAY_OK);
	n = 0;
	for (size_t i = 0; i < len; i++) { /* CRLF line ends */
		if (pem[i] == '\n')
			alt[n++] = '\r';
		alt[n++] = pem[i];
	}
	assert_int_equal(try_fast(alt, n, fx->distress), MAYDAY_E_UNSUPPORTED);
	assert_int_equal(try_private(alt, n, fx->distress), MAYDAY_OK);

	/* Truncated anywhere: refused by the fast path, and by the reader. */
	for (size_t cut = 0; cut < len - 26; cut += 7) {
		assert_int_equal(try_fast(pem, cut, fx->distress), MAYDAY_E_UNSUPPORTED);
		assert_int_equal(try_private(pem, cut, fx->distress), MAYDAY_E_KEY);
	}
	/* A character outside base64 in the body. */
	memcpy(alt, pem, len);
	p = alt + strlen("-----BEGIN PRIVATE KEY-----\n") + 10;
	*p = '*';
	assert_int_equal(try_fast(alt, len, fx->distress), MAYDAY_E_UNSUPPORTED);
	assert_int_equal(try_private(alt, len, fx->distress), MAYDAY_E_KEY);

	/* Another key's point beside this scalar: the fast path builds the
	 * pair, the pairwise check refuses it. A point off the curve: EC
	 * import refuses it, and so does the reader. A changed header byte
	 * (the version): not the fast path's form. */
	uint8_t point[65];
	size_t plen = 0;
	assert_int_equal(EVP_PKEY_get_octet_string_param(fx->vendor, OSSL_PKEY_PARAM_PUB_KEY, point,
							 sizeof(point), &plen), 1);
	assert_int_equal(plen, sizeof(point));
	n = pem_edit(pem, len, 73, point, sizeof(point), alt, sizeof(alt));
	assert_int_equal(try_fast(alt, n, fx->vendor), MAYDAY_OK); /* an EC key, not this one */
	assert_int_equal(try_private(alt, n, fx->distress), MAYDAY_E_KEY);
	point[64] ^= 1;
	n = pem_edit(pem, len, 73, point, sizeof(point), alt, sizeof(alt));
	assert_int_equal(try_fast(alt, n, fx->distress), MAYDAY_E_UNSUPPORTED);
	assert_int_equal(try_private(alt, n, fx->distress), MAYDAY_E_KEY);
	n = pem_edit(pem, len, 5, (const uint8_t *)"\x01", 1, alt, sizeof(alt));
	assert_int_equal(try_fast(alt, n, fx->distress), MAYDAY_E_UNSUPPORTED);

	/* A P-384 key in PKCS#8 is longer: not the fast path's form. */
	EVP_PKEY *p384 = gen("P-384");
	n = key_pem(p384, PEM_PKCS8, NULL, alt, sizeof(alt));
	assert_int_equal(try_fast(alt, n, p384), MAYDAY_E_UNSUPPORTED);
	EVP_PKEY_free(p384);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_provision_open, setup, teardown),
		cmocka_unit_test_setup_teardown(test_signer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_counters, setup, teardown),
		cmocka_unit_test_setup_teardown(test_counters_layout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_power_cut_next, setup, teardown),
		cmocka_unit_test_setup_teardown(test_power_cut_advance, setup, teardown),
		cmocka_unit_test_setup_teardown(test_corrupt_counters, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_items, setup, teardown),
		cmocka_unit_test_setup_teardown(test_invalid_items, setup, teardown),
		cmocka_unit_test_setup_teardown(test_provisioned_public_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_damaged_scalar, setup, teardown),
		cmocka_unit_test_setup_teardown(test_damaged_scalar_without_point, setup, teardown),
		cmocka_unit_test_setup_teardown(test_provision_rejects, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_args, setup, teardown),
		cmocka_unit_test(test_counters_decode),
		cmocka_unit_test(test_device_id_decode),
		cmocka_unit_test_setup_teardown(test_keys_decode, setup, teardown),
		cmocka_unit_test_setup_teardown(test_keys_fast_path, setup, teardown),
	};

	hal_specs_filter();
	return cmocka_run_group_tests(tests, NULL, NULL);
}

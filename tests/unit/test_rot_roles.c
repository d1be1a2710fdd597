/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The RoT's roles and sealed device credentials (device/hal/rot.h, "Roles"
 * and "Measurement register"; docs/rot.md):
 *  - the credentials unseal only with the register value of a verified
 *    start-up, and never once a failure, a second verification or the
 *    "released" event is in the register (extension is one-way);
 *  - the DCF role never reads them: it opens, signs and derives PSK keys on
 *    a RoT whose seal secret and sealed blob are damaged (the TrE role does
 *    not open on it), and its API refuses to extend or unseal;
 *  - the normal role cannot get the distress key: every distress call says
 *    MAYDAY_E_DENIED, and it opens on a RoT whose distress key is damaged,
 *    so it never loads it;
 *  - the credentials TLS key is the normal role's alone: the TrE and the
 *    DCF are refused (MAYDAY_E_DENIED, here and through the agent), and
 *    this backend, whose bundle carries the key, has none to give.
 */
#define _GNU_SOURCE /* nftw */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>

#include "flash.h"
#include "mayday/evidence.h"
#include "rot.h"

#define DEVICE_ID "hnb-roles-1"

static const char creds[] = "-----BEGIN PRIVATE KEY-----\nstand-in bundle\n"
			    "-----END PRIVATE KEY-----\n";

struct fixture {
	char dir[PATH_MAX];
	EVP_PKEY *distress, *vendor, *hems, *other;
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

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	const char *tmp = getenv("TMPDIR");
	uint8_t psk[MAYDAY_PSK_LEN], kid[8];

	assert_non_null(fx);
	snprintf(fx->dir, sizeof(fx->dir), "%s/mayday-rot-roles-XXXXXX",
		 tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp");
	assert_non_null(mkdtemp(fx->dir));
	fx->distress = gen();
	fx->vendor = gen();
	fx->hems = gen();
	fx->other = gen();
	memset(psk, 0x5a, sizeof(psk));
	memset(kid, 0xa5, sizeof(kid));
	assert_int_equal(hal_flash_open(&fx->f, fx->dir, "host"), MAYDAY_OK);
	assert_int_equal(hal_rot_file_provision(fx->f, DEVICE_ID, fx->distress, fx->vendor,
						fx->hems), MAYDAY_OK);
	assert_int_equal(hal_rot_file_provision_psk(fx->f, psk, kid, sizeof(kid)), MAYDAY_OK);
	assert_int_equal(hal_rot_file_provision_creds(fx->f, fx->vendor, (const uint8_t *)creds,
						      sizeof(creds) - 1), MAYDAY_OK);
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
	EVP_PKEY_free(fx->other);
	nftw(fx->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(fx);
	return 0;
}

static struct hal_rot *open_as(struct fixture *fx, enum hal_rot_role role)
{
	struct hal_rot *rot = NULL;

	assert_int_equal(hal_rot_open_role(&rot, "file", fx->f, role), MAYDAY_OK);
	assert_int_equal(hal_rot_role_of(rot), role);
	return rot;
}

static void extend_verified(struct hal_rot *rot, EVP_PKEY *vendor)
{
	uint8_t ev[HAL_ROT_REG_LEN];

	assert_int_equal(hal_rot_event_verified(vendor, ev), MAYDAY_OK);
	assert_int_equal(hal_rot_extend(rot, ev), MAYDAY_OK);
}

static void extend_failed(struct hal_rot *rot, uint32_t reason)
{
	uint8_t ev[HAL_ROT_REG_LEN];

	hal_rot_event_failed(reason, ev);
	assert_int_equal(hal_rot_extend(rot, ev), MAYDAY_OK);
}

/* The unseal's result; on success the plaintext must be the bundle. */
static enum mayday_err unseal(struct hal_rot *rot)
{
	static uint8_t out[HAL_ROT_CREDS_MAX];
	size_t len = 0;
	enum mayday_err rc;

	memset(out, 0x77, sizeof(out));
	rc = hal_rot_unseal_creds(rot, out, sizeof(out), &len);
	if (rc == MAYDAY_OK) {
		assert_int_equal(len, sizeof(creds) - 1);
		assert_memory_equal(out, creds, len);
	} else {
		/* nothing of it left behind */
		assert_null(memmem(out, sizeof(out), "stand-in", 8));
	}
	OPENSSL_cleanse(out, sizeof(out));
	return rc;
}

static void test_verified_start_up_unseals_once(void **state)
{
	struct fixture *fx = *state;
	struct hal_rot *rot = open_as(fx, HAL_ROT_ROLE_TRE);
	uint8_t ev[HAL_ROT_REG_LEN];

	extend_verified(rot, fx->vendor);
	assert_int_equal(unseal(rot), MAYDAY_OK);
	assert_int_equal(unseal(rot), MAYDAY_OK); /* the register did not move */
	hal_rot_event_released(ev);
	assert_int_equal(hal_rot_extend(rot, ev), MAYDAY_OK);
	assert_int_equal(unseal(rot), MAYDAY_E_SIGNATURE); /* capped for good */
	hal_rot_close(rot);
}

static void test_failed_start_up_never_unseals(void **state)
{
	struct fixture *fx = *state;
	static const uint32_t reasons[] = { MAYDAY_REASON_COMPONENT_MISMATCH,
					    MAYDAY_REASON_COMPONENT_MISSING,
					    MAYDAY_REASON_MANIFEST_INVALID, MAYDAY_REASON_ROLLBACK,
					    MAYDAY_REASON_ATTACH_FAILED, 0 };
	struct hal_rot *rot;

	/* nothing measured yet: the register is zeros, not the policy */
	rot = open_as(fx, HAL_ROT_ROLE_TRE);
	assert_int_equal(unseal(rot), MAYDAY_E_SIGNATURE);
	hal_rot_close(rot);
	for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++) {
		/* the failure alone */
		rot = open_as(fx, HAL_ROT_ROLE_TRE);
		extend_failed(rot, reasons[i]);
		assert_int_equal(unseal(rot), MAYDAY_E_SIGNATURE);
		/* and no later "verified" can undo it */
		extend_verified(rot, fx->vendor);
		assert_int_equal(unseal(rot), MAYDAY_E_SIGNATURE);
		hal_rot_close(rot);
	}
	/* verified twice is not the value of one verified start-up */
	rot = open_as(fx, HAL_ROT_ROLE_TRE);
	extend_verified(rot, fx->vendor);
	extend_verified(rot, fx->vendor);
	assert_int_equal(unseal(rot), MAYDAY_E_SIGNATURE);
	hal_rot_close(rot);
	/* verified against another key is not verified by the vendor */
	rot = open_as(fx, HAL_ROT_ROLE_TRE);
	extend_verified(rot, fx->other);
	assert_int_equal(unseal(rot), MAYDAY_E_SIGNATURE);
	hal_rot_close(rot);
}

static void test_policy_value(void **state)
{
	struct fixture *fx = *state;
	uint8_t policy[HAL_ROT_REG_LEN], reg[HAL_ROT_REG_LEN] = { 0 }, ev[HAL_ROT_REG_LEN];
	uint8_t failed[HAL_ROT_REG_LEN], released[HAL_ROT_REG_LEN];

	assert_int_equal(hal_rot_policy_verified(fx->vendor, policy), MAYDAY_OK);
	assert_int_equal(hal_rot_event_verified(fx->vendor, ev), MAYDAY_OK);
	hal_rot_reg_extend(reg, ev);
	assert_memory_equal(reg, policy, sizeof(reg));
	/* every kind of event is distinct from the others */
	hal_rot_event_failed(0, failed);
	hal_rot_event_released(released);
	assert_memory_not_equal(ev, failed, sizeof(ev));
	assert_memory_not_equal(ev, released, sizeof(ev));
	assert_memory_not_equal(failed, released, sizeof(ev));
	hal_rot_event_failed(1, ev);
	assert_memory_not_equal(ev, failed, sizeof(ev));
	assert_int_equal(hal_rot_event_verified(NULL, ev), MAYDAY_E_INVALID);
}

/* The DCF role opens, signs and derives on a RoT whose seal secret and
 * sealed blob are damaged: it reads neither. The TrE's open reads the
 * secret, so it fails on the same RoT -- the damage is real. */
static void test_dcf_role_never_reads_sealed_creds(void **state)
{
	struct fixture *fx = *state;
	static const char junk[] = "not a seal secret, far too long for one: 40 bytes";
	struct hal_rot *rot = NULL;
	struct mayday_signer signer;
	struct mayday_psk_keys keys;
	uint8_t out[64], ev[HAL_ROT_REG_LEN] = { 0 };
	size_t len;

	assert_int_equal(hal_flash_write_atomic(fx->f, HAL_PART_ROT, "seal.key", junk,
						sizeof(junk) - 1), MAYDAY_OK);
	assert_int_equal(hal_flash_write_atomic(fx->f, HAL_PART_ROT, "device-creds.sealed", junk,
						sizeof(junk) - 1), MAYDAY_OK);
	assert_int_equal(hal_rot_open_role(&rot, "file", fx->f, HAL_ROT_ROLE_TRE),
			 MAYDAY_E_MALFORMED);
	assert_null(rot);

	assert_int_equal(hal_rot_open(&rot, "file", fx->f), MAYDAY_OK); /* the DCF's open */
	assert_int_equal(hal_rot_role_of(rot), HAL_ROT_ROLE_DCF);
	assert_int_equal(hal_rot_signer(rot, &signer), MAYDAY_OK);
	assert_int_equal(hal_rot_self_test(rot), MAYDAY_OK);
	assert_int_equal(hal_rot_psk_keys(rot, &keys), MAYDAY_OK);
	mayday_psk_keys_wipe(&keys);
	/* and what it may not do, it is refused */
	assert_int_equal(hal_rot_unseal_creds(rot, out, sizeof(out), &len), MAYDAY_E_DENIED);
	assert_int_equal(hal_rot_extend(rot, ev), MAYDAY_E_DENIED);
	hal_rot_close(rot);
}

/* With the secret gone altogether, the TrE opens and says NOTFOUND. */
static void test_no_creds_provisioned(void **state)
{
	struct fixture *fx = *state;
	struct hal_rot *rot;

	assert_int_equal(hal_flash_remove(fx->f, HAL_PART_ROT, "seal.key"), MAYDAY_OK);
	rot = open_as(fx, HAL_ROT_ROLE_TRE);
	extend_verified(rot, fx->vendor);
	assert_int_equal(unseal(rot), MAYDAY_E_NOTFOUND);
	hal_rot_close(rot);
}

/* A damaged blob with the right register: refused, never garbage out. */
static void test_damaged_blob(void **state)
{
	struct fixture *fx = *state;
	struct hal_rot *rot;
	uint8_t *blob;
	size_t len;

	blob = malloc(HAL_ROT_CREDS_MAX + 64);
	assert_non_null(blob);
	assert_int_equal(hal_flash_read(fx->f, HAL_PART_ROT, "device-creds.sealed", blob,
					HAL_ROT_CREDS_MAX + 64, &len), MAYDAY_OK);
	blob[len / 2] ^= 0x01;
	assert_int_equal(hal_flash_write_atomic(fx->f, HAL_PART_ROT, "device-creds.sealed", blob,
						len), MAYDAY_OK);
	rot = open_as(fx, HAL_ROT_ROLE_TRE);
	extend_verified(rot, fx->vendor);
	assert_int_equal(unseal(rot), MAYDAY_E_SIGNATURE);
	hal_rot_close(rot);
	/* cut short: malformed */
	assert_int_equal(hal_flash_write_atomic(fx->f, HAL_PART_ROT, "device-creds.sealed", blob,
						20), MAYDAY_OK);
	rot = open_as(fx, HAL_ROT_ROLE_TRE);
	extend_verified(rot, fx->vendor);
	assert_int_equal(unseal(rot), MAYDAY_E_MALFORMED);
	hal_rot_close(rot);
	free(blob);
}

/* The normal role is refused the distress key in every form, and opens a
 * RoT whose distress key is damaged: it never loads it. */
static void test_normal_role_has_no_distress_key(void **state)
{
	struct fixture *fx = *state;
	static const char junk[] = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
	char id[MAYDAY_DEVICE_ID_MAX + 1];
	struct hal_rot *rot = NULL;
	struct mayday_signer signer;
	struct mayday_psk_keys keys;
	EVP_PKEY *k = NULL;
	uint64_t v;
	uint8_t out[64], ev[HAL_ROT_REG_LEN] = { 0 };
	size_t len;

	rot = open_as(fx, HAL_ROT_ROLE_NORMAL);
	assert_int_equal(hal_rot_signer(rot, &signer), MAYDAY_E_DENIED);
	assert_int_equal(hal_rot_tls_key(rot, &k), MAYDAY_E_DENIED);
	assert_null(k);
	assert_int_equal(hal_rot_distress_public(rot, &k), MAYDAY_E_DENIED);
	assert_null(k);
	assert_int_equal(hal_rot_psk_keys(rot, &keys), MAYDAY_E_DENIED);
	assert_int_equal(hal_rot_self_test(rot), MAYDAY_E_DENIED);
	assert_int_equal(hal_rot_unseal_creds(rot, out, sizeof(out), &len), MAYDAY_E_DENIED);
	assert_int_equal(hal_rot_extend(rot, ev), MAYDAY_E_DENIED);
	/* what normal code needs */
	assert_int_equal(hal_rot_device_id(rot, id), MAYDAY_OK);
	assert_string_equal(id, DEVICE_ID);
	assert_int_equal(hal_rot_anchor(rot, HAL_ROT_ANCHOR_VENDOR, &k), MAYDAY_OK);
	EVP_PKEY_free(k);
	assert_int_equal(hal_rot_counter_read(rot, HAL_ROT_COUNTER_ROLLBACK, &v), MAYDAY_OK);
	hal_rot_close(rot);

	assert_int_equal(hal_flash_write_atomic(fx->f, HAL_PART_ROT, "distress.key.pem", junk,
						sizeof(junk) - 1), MAYDAY_OK);
	assert_int_equal(hal_rot_open(&rot, "file", fx->f), MAYDAY_E_KEY); /* the DCF's */
	rot = open_as(fx, HAL_ROT_ROLE_NORMAL);
	hal_rot_close(rot);
}

static void test_creds_tls_key_normal_role_only(void **state)
{
	struct fixture *fx = *state;
	const enum hal_rot_role denied[] = { HAL_ROT_ROLE_TRE, HAL_ROT_ROLE_DCF };
	struct hal_rot *rot;
	EVP_PKEY *k = NULL;

	for (size_t i = 0; i < sizeof(denied) / sizeof(denied[0]); i++) {
		rot = open_as(fx, denied[i]);
		assert_int_equal(hal_rot_creds_tls_key(rot, &k), MAYDAY_E_DENIED);
		assert_null(k);
		hal_rot_close(rot);
	}
	rot = open_as(fx, HAL_ROT_ROLE_NORMAL);
	assert_int_equal(hal_rot_creds_tls_key(rot, &k), MAYDAY_E_UNSUPPORTED);
	assert_null(k);
	assert_int_equal(hal_rot_creds_tls_key(rot, NULL), MAYDAY_E_INVALID);
	hal_rot_close(rot);
	assert_int_equal(hal_rot_creds_tls_key(NULL, &k), MAYDAY_E_INVALID);
}

static void test_bad_arguments(void **state)
{
	struct fixture *fx = *state;
	struct hal_rot *rot = NULL;

	assert_int_equal(hal_rot_open_role(&rot, "file", fx->f, (enum hal_rot_role)0),
			 MAYDAY_E_INVALID);
	assert_int_equal(hal_rot_open_role(&rot, "file", fx->f, (enum hal_rot_role)9),
			 MAYDAY_E_INVALID);
	assert_null(rot);
	assert_int_equal(hal_rot_file_provision_creds(fx->f, fx->vendor, (const uint8_t *)creds,
						      0), MAYDAY_E_INVALID);
	assert_int_equal(hal_rot_file_provision_creds(fx->f, NULL, (const uint8_t *)creds, 4),
			 MAYDAY_E_INVALID);
	assert_int_equal(hal_rot_file_provision_creds(fx->f, fx->vendor, (const uint8_t *)creds,
						      HAL_ROT_CREDS_MAX + 1), MAYDAY_E_INVALID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_verified_start_up_unseals_once, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_failed_start_up_never_unseals, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_policy_value, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dcf_role_never_reads_sealed_creds, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_no_creds_provisioned, setup, teardown),
		cmocka_unit_test_setup_teardown(test_damaged_blob, setup, teardown),
		cmocka_unit_test_setup_teardown(test_normal_role_has_no_distress_key, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_creds_tls_key_normal_role_only, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_bad_arguments, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

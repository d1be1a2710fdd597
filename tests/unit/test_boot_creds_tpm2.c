/* SPDX-License-Identifier: Apache-2.0 */
/*
 * boot_creds_handoff on the tpm2 backend (swtpm): a TPM's PCR outlives the
 * RoT handle, so when the "released" extend fails after a verified
 * start-up the register may still hold the verified value; handoff must
 * say so (capped false) and mayday-boot then starts nothing (boot_main.c,
 * run_normal). With the credentials' key in the TPM, what the TrE hands
 * over holds no private key, and normal code's key comes from its own RoT
 * handle (normal_creds_rot_key), checked against the certificate and
 * made to sign once (refused when the PCR is not normal code's state).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>
#include <unistd.h>
#include <openssl/pem.h>

#include "boot_creds.h"
#include "normal_creds.h"
#include "rot_tpm2_testlib.h"

/* Verified start-up, then the TPM goes away before "released". */
static void released_extend_fails(void **state)
{
	struct tpm2_fx *fx = *state;
	struct hal_rot *rot = tpm2_fx_open(fx, HAL_ROT_ROLE_TRE);
	struct boot_decision d;
	uint8_t ev[HAL_ROT_REG_LEN];
	bool capped = true;
	int fd = -2;

	assert_int_equal(hal_rot_event_verified(fx->vendor, ev), MAYDAY_OK);
	assert_int_equal(hal_rot_extend(rot, ev), MAYDAY_OK);
	memset(&d, 0, sizeof(d));
	d.action = BOOT_START_NORMAL;
	assert_int_equal(swtpm_fixture_power_cut(&fx->tpm), 0);
	assert_int_not_equal(boot_creds_handoff(rot, &d, &fd, &capped), MAYDAY_OK);
	assert_false(capped);
	assert_int_equal(fd, -1);
	hal_rot_close(rot);
}

/* The same start-up with the TPM there: capped, credentials handed over. */
static void released_extend_ok(void **state)
{
	struct tpm2_fx *fx = *state;
	struct hal_rot *rot = tpm2_fx_open(fx, HAL_ROT_ROLE_TRE);
	struct boot_decision d;
	uint8_t ev[HAL_ROT_REG_LEN];
	bool capped = false;
	int fd = -2;

	assert_int_equal(hal_rot_event_verified(fx->vendor, ev), MAYDAY_OK);
	assert_int_equal(hal_rot_extend(rot, ev), MAYDAY_OK);
	memset(&d, 0, sizeof(d));
	d.action = BOOT_START_NORMAL;
	assert_int_equal(boot_creds_handoff(rot, &d, &fd, &capped), MAYDAY_OK);
	assert_true(capped);
	assert_true(fd >= 0);
	close(fd);
	hal_rot_close(rot);
}

static int setup_tpm_key(void **state)
{
	tpm2_fx_setup_bare(state);
	assert_int_equal(tpm2_fx_provision_creds_key(*state, NULL), MAYDAY_OK);
	return 0;
}

/* A verified start-up on a TPM holding the credentials' key: the memfd has
 * the certificate and CA only; normal code gets the key from the RoT. */
static void tpm_key_handoff(void **state)
{
	struct tpm2_fx *fx = *state;
	struct hal_rot *rot = tpm2_fx_open(fx, HAL_ROT_ROLE_TRE);
	struct boot_decision d;
	struct normal_creds c;
	uint8_t ev[HAL_ROT_REG_LEN];
	static char buf[HAL_ROT_CREDS_MAX];
	bool capped = false;
	ssize_t n;
	int fd = -2;

	assert_int_equal(hal_rot_event_verified(fx->vendor, ev), MAYDAY_OK);
	assert_int_equal(hal_rot_extend(rot, ev), MAYDAY_OK);
	memset(&d, 0, sizeof(d));
	d.action = BOOT_START_NORMAL;
	assert_int_equal(boot_creds_handoff(rot, &d, &fd, &capped), MAYDAY_OK);
	assert_true(capped);
	hal_rot_close(rot);
	n = pread(fd, buf, sizeof(buf), 0);
	assert_true(n > 0);
	assert_null(memmem(buf, (size_t)n, "PRIVATE KEY", 11)); /* no private key stored */
	assert_int_equal(normal_creds_read(fd, &c), MAYDAY_OK);
	assert_null(c.key);
	rot = tpm2_fx_open(fx, HAL_ROT_ROLE_NORMAL);
	assert_int_equal(normal_creds_rot_key(&c, rot), MAYDAY_OK);
	assert_int_equal(EVP_PKEY_eq(c.key, fx->creds_pub), 1);
	normal_creds_free(&c);

	/* a certificate for another key: refused where normal code loads it */
	EVP_PKEY *other = EVP_EC_gen("P-256");
	X509 *cert = tpm2_fx_cert(other, fx->ca_key, TPM2_FX_DEVICE_ID, false);
	BIO *b = BIO_new(BIO_s_mem());
	char *text = NULL;
	long len;

	assert_int_equal(PEM_write_bio_X509(b, cert), 1);
	assert_int_equal(PEM_write_bio_X509(b, fx->ca_cert), 1);
	len = BIO_get_mem_data(b, &text);
	assert_int_equal(normal_creds_parse((const uint8_t *)text, (size_t)len, &c), MAYDAY_OK);
	assert_int_equal(normal_creds_rot_key(&c, rot), MAYDAY_E_KEY);
	assert_null(c.key);
	normal_creds_free(&c);
	BIO_free(b);
	X509_free(cert);
	EVP_PKEY_free(other);
	hal_rot_close(rot);

	/* the PCR moved off normal code's state (one more extend): the TPM
	 * does not sign, and normal_creds_rot_key's one signature finds it
	 * (MAYDAY_E_DENIED, no key), not each TLS handshake later */
	rot = tpm2_fx_open(fx, HAL_ROT_ROLE_TRE);
	assert_int_equal(hal_rot_extend(rot, ev), MAYDAY_OK);
	hal_rot_close(rot);
	rot = tpm2_fx_open(fx, HAL_ROT_ROLE_NORMAL);
	assert_int_equal(normal_creds_parse((const uint8_t *)buf, (size_t)n, &c), MAYDAY_OK);
	assert_int_equal(normal_creds_rot_key(&c, rot), MAYDAY_E_DENIED);
	assert_null(c.key);
	normal_creds_free(&c);
	assert_int_equal(tpm2_fx_loaded(fx), 0);
	hal_rot_close(rot);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(released_extend_ok, tpm2_fx_setup,
						tpm2_fx_teardown),
		cmocka_unit_test_setup_teardown(released_extend_fails, tpm2_fx_setup,
						tpm2_fx_teardown),
		cmocka_unit_test_setup_teardown(tpm_key_handoff, setup_tpm_key, tpm2_fx_teardown),
	};

	swtpm_fixture_require();
	return cmocka_run_group_tests(tests, NULL, NULL);
}

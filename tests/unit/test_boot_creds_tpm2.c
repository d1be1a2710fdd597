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
 *
 * The start of normal code on a TPM (boot_start.h, on a whole device from
 * boot_fixture for the partitions, the swtpm for the RoT): an entry that
 * changed or went away after verification is found while the PCR is still
 * zero, so the PCR ends at the DCF's state E(0, failed(reason)) -- read
 * from the TPM and compared -- where the distress key signs, the message
 * counter counts, and the TPM refuses the device credentials' key; an
 * entry that loads gives E(0, verified) and nothing else yet.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include "boot_creds.h"
#include "boot_fixture.h"
#include "boot_start.h"
#include "mayday/cose.h"
#include "mayday/evidence.h"
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

/* PCR 15 as the TPM holds it. */
/* Both fixtures: the device's partitions (file RoT, only for the
 * decision) and a swtpm provisioned with the credentials' key. */
struct both {
	struct tpm2_fx *tpm;
	struct fx *dev;
};

static int setup_both(void **state)
{
	struct both *b = calloc(1, sizeof(*b));
	void *t = NULL, *d = NULL;

	assert_non_null(b);
	setup_tpm_key(&t);
	fx_setup(&d);
	b->tpm = t;
	b->dev = d;
	*state = b;
	return 0;
}

static int teardown_both(void **state)
{
	struct both *b = *state;
	void *t = b->tpm, *d = b->dev;

	fx_teardown(&d);
	tpm2_fx_teardown(&t);
	free(b);
	return 0;
}

/* The TrE's start of normal code after decision d (made before the
 * test changed the slot), with the TPM's TRE handle at PCR zero, as
 * mayday-boot runs it; then the credentials' hand-over as run_normal
 * would try it. *creds is the descriptor handed over (-1: none). */
static enum mayday_err start_normal(struct both *b, struct boot_decision *d, int *fd, int *creds)
{
	struct hal_rot *rot = tpm2_fx_open(b->tpm, HAL_ROT_ROLE_TRE);
	char path[4096];
	enum mayday_err rc;
	bool capped = false;

	rc = boot_start_load_normal(b->dev->flash, &rot, d, path, sizeof(path), fd);
	assert_non_null(rot); /* the outcome was measured */
	*creds = -1;
	if (rc == MAYDAY_OK) {
		assert_true(strstr(path, "mayday-normal") != NULL);
		assert_int_equal(boot_creds_handoff(rot, d, creds, &capped), MAYDAY_OK);
	}
	hal_rot_close(rot);
	return rc;
}

/* The PCR equals zeros extended with failed(reason). */
static void assert_pcr_failed(struct tpm2_fx *fx, uint32_t reason)
{
	uint8_t want[HAL_ROT_REG_LEN] = { 0 }, ev[HAL_ROT_REG_LEN], got[HAL_ROT_REG_LEN];

	hal_rot_event_failed(reason, ev);
	hal_rot_reg_extend(want, ev);
	tpm2_fx_pcr(fx, got);
	assert_memory_equal(got, want, HAL_ROT_REG_LEN);
}

/* What the DCF needs works in the PCR state the TrE left, and the device
 * credentials' key does not. */
static void assert_dcf_state(struct tpm2_fx *fx)
{
	static const uint8_t msg[] = "a distress indication";
	struct hal_rot *rot = tpm2_fx_open(fx, HAL_ROT_ROLE_DCF);
	struct mayday_signer signer;
	uint8_t sig[MAYDAY_ES256_SIG_LEN];
	EVP_PKEY *k = NULL;
	EVP_MD_CTX *m;
	uint64_t next = 0;
	size_t sig_len = sizeof(sig);

	assert_int_equal(hal_rot_signer(rot, &signer), MAYDAY_OK);
	assert_int_equal(signer.sign(signer.ctx, msg, sizeof(msg), sig), MAYDAY_OK);
	assert_int_equal(hal_rot_counter_next(rot, HAL_ROT_COUNTER_MESSAGE, &next), MAYDAY_OK);
	assert_true(next >= 1);
	hal_rot_close(rot);
	/* normal code's role opens the key; the TPM does not sign with it here */
	rot = tpm2_fx_open(fx, HAL_ROT_ROLE_NORMAL);
	assert_int_equal(hal_rot_creds_tls_key(rot, &k), MAYDAY_OK);
	m = EVP_MD_CTX_new();
	assert_non_null(m);
	assert_int_equal(EVP_DigestSignInit_ex(m, NULL, "SHA256", NULL, NULL, k, NULL), 1);
	assert_int_not_equal(EVP_DigestSign(m, sig, &sig_len, msg, sizeof(msg)), 1);
	ERR_clear_error();
	EVP_MD_CTX_free(m);
	EVP_PKEY_free(k);
	hal_rot_close(rot);
}

/* Normal code's entry changed between verification and loading. */
static void changed_entry_dcf_from_zero(void **state)
{
	struct both *b = *state;
	struct boot_decision d;
	int fd = -2, creds = -2;

	fx_decide(b->dev, &d);
	assert_int_equal(d.action, BOOT_START_NORMAL);
	fx_write(b->dev, HAL_PART_SLOT_A, "mayday-normal", "changed", 7);
	assert_int_equal(start_normal(b, &d, &fd, &creds), MAYDAY_E_MISMATCH);
	assert_int_equal(fd, -1);
	assert_int_equal(creds, -1); /* never unsealed */
	assert_int_equal(d.action, BOOT_START_DCF);
	assert_int_equal(d.evidence.reason, MAYDAY_REASON_COMPONENT_MISMATCH);
	assert_int_equal(d.evidence.n_failed, 1);
	assert_string_equal(d.evidence.failed[0].name, "mayday-normal");
	assert_int_equal(d.evidence.failed[0].measured_size, 7);
	assert_pcr_failed(b->tpm, MAYDAY_REASON_COMPONENT_MISMATCH);
	assert_dcf_state(b->tpm);
}

/* ... or went away. */
static void missing_entry_dcf_from_zero(void **state)
{
	struct both *b = *state;
	struct boot_decision d;
	int fd = -2, creds = -2;

	fx_decide(b->dev, &d);
	assert_int_equal(d.action, BOOT_START_NORMAL);
	fx_remove(b->dev, HAL_PART_SLOT_A, "mayday-normal");
	assert_int_equal(start_normal(b, &d, &fd, &creds), MAYDAY_E_NOTFOUND);
	assert_int_equal(fd, -1);
	assert_int_equal(creds, -1);
	assert_int_equal(d.action, BOOT_START_DCF);
	assert_int_equal(d.evidence.reason, MAYDAY_REASON_COMPONENT_MISSING);
	assert_pcr_failed(b->tpm, MAYDAY_REASON_COMPONENT_MISSING);
	assert_dcf_state(b->tpm);
}

/* An entry that loads: verified, then released, in that order, after the
 * load; the loaded copy is the caller's. */
static void loaded_entry_then_verified(void **state)
{
	struct both *b = *state;
	struct boot_decision d;
	uint8_t want[HAL_ROT_REG_LEN], got[HAL_ROT_REG_LEN];
	int fd = -2, creds = -2;

	fx_decide(b->dev, &d);
	assert_int_equal(start_normal(b, &d, &fd, &creds), MAYDAY_OK);
	assert_int_equal(d.action, BOOT_START_NORMAL);
	assert_true(fd >= 0);
	assert_true(creds >= 0);
	close(fd);
	close(creds);
	assert_int_equal(hal_rot_policy_released(b->tpm->vendor, want), MAYDAY_OK);
	tpm2_fx_pcr(b->tpm, got);
	assert_memory_equal(got, want, HAL_ROT_REG_LEN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(released_extend_ok, tpm2_fx_setup,
						tpm2_fx_teardown),
		cmocka_unit_test_setup_teardown(released_extend_fails, tpm2_fx_setup,
						tpm2_fx_teardown),
		cmocka_unit_test_setup_teardown(tpm_key_handoff, setup_tpm_key, tpm2_fx_teardown),
		cmocka_unit_test_setup_teardown(changed_entry_dcf_from_zero, setup_both,
						teardown_both),
		cmocka_unit_test_setup_teardown(missing_entry_dcf_from_zero, setup_both,
						teardown_both),
		cmocka_unit_test_setup_teardown(loaded_entry_then_verified, setup_both,
						teardown_both),
	};

	swtpm_fixture_require();
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Shared by the tpm2 RoT backend's tests: a swtpm of the test's own
 * (swtpm_fixture.h), a flash directory for the sealed blob, the keys, and
 * the test's own ESAPI connection to look at or damage the TPM. swtpm
 * serves one connection at a time: a test closes its RoT before it uses
 * tpm2_fx_esys.
 */
#ifndef MAYDAY_TEST_ROT_TPM2_TESTLIB_H
#define MAYDAY_TEST_ROT_TPM2_TESTLIB_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <tss2/tss2_esys.h>

#include "flash.h"
#include "mayday/psk.h"
#include "rot.h"
#include "swtpm_fixture.h"

#define TPM2_FX_DEVICE_ID "hnb-tpm2-1"

extern const char tpm2_fx_creds[];
extern const size_t tpm2_fx_creds_len;

struct tpm2_fx {
	struct swtpm_fixture tpm;
	char flash_dir[PATH_MAX];
	struct hal_flash *f;
	EVP_PKEY *vendor, *hems;
	EVP_PKEY *distress_pub; /* from the last tpm2_fx_provision */
	uint8_t psk[MAYDAY_PSK_LEN];
	uint8_t kid[MAYDAY_PSK_KID_GEN];
	uint8_t owner_auth[HAL_ROT_TPM2_OWNER_AUTH_MAX]; /* random per fixture */
	/* tpm2_fx_provision_creds_key: the CA issuing the credentials'
	 * certificate, and the TPM key's public half */
	EVP_PKEY *ca_key;
	X509 *ca_cert;
	EVP_PKEY *creds_pub;
};

/* cmocka setups: a started swtpm, not provisioned / provisioned with the
 * PSK and the credentials. */
int tpm2_fx_setup_bare(void **state);
int tpm2_fx_setup(void **state);
int tpm2_fx_teardown(void **state);

/* hal_rot_tpm2_provision with the fixture's items (PSK, creds); returns
 * its result, *distress_pub replaced on success. tcti_context optional. */
enum mayday_err tpm2_fx_provision(struct tpm2_fx *fx, void *tcti_context);
/* The same with the device credentials' key made in the TPM
 * (creds_issue): the sealed bundle is its certificate from fx->ca_cert
 * (CN TPM2_FX_DEVICE_ID), then fx->ca_cert; fx->creds_pub its public half. */
enum mayday_err tpm2_fx_provision_creds_key(struct tpm2_fx *fx, void *tcti_context);
/* A certificate for `subject` signed by `issuer_key`, issuer CN "test ca"
 * (a CA with basicConstraints when `ca`); the caller's. */
X509 *tpm2_fx_cert(EVP_PKEY *subject, EVP_PKEY *issuer_key, const char *cn, bool ca);
struct hal_rot *tpm2_fx_open(struct tpm2_fx *fx, enum hal_rot_role role);

/* The PCR states the roles run in (rot_tpm2_policy.c), reached as the TrE
 * reaches them, by extending through a TRE-role RoT from the state the
 * PCR is in (zeros after a swtpm start): the DCF's, E(0, failed(reason)),
 * and normal code's, E(E(0, verified), released). */
void tpm2_fx_enter_dcf(struct tpm2_fx *fx, uint32_t reason);
void tpm2_fx_enter_normal(struct tpm2_fx *fx);
/* The measurement PCR's value (HAL_ROT_TPM2_PCR_DEFAULT), read by the
 * test's own ESAPI connection. */
void tpm2_fx_pcr(struct tpm2_fx *fx, uint8_t out[HAL_ROT_REG_LEN]);

/* The test's own ESAPI connection (tpm2_fx_esys_close ends it), with the
 * fixture's owner auth set on ESYS_TR_RH_OWNER once the TPM has one. */
ESYS_CONTEXT *tpm2_fx_esys(struct tpm2_fx *fx);
void tpm2_fx_esys_close(ESYS_CONTEXT *esys);
/* The TPM's TPMA_PERMANENT bits. */
uint32_t tpm2_fx_permanent(ESYS_CONTEXT *esys);
/* Loaded transient objects plus loaded sessions: 0 after any RoT call. */
unsigned tpm2_fx_loaded(struct tpm2_fx *fx);
/* Removes the persistent object `handle` (damage for the roles' tests). */
void tpm2_fx_evict(struct tpm2_fx *fx, TPM2_HANDLE handle);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The tpm2 RoT backend on swtpm (device/hal/rot_tpm2*.c; docs/rot.md
 * "TPM 2.0 backend"), one swtpm and state directory per test:
 *  - every hal_rot operation, each in a PCR state its policy admits (the
 *    TrE's, zeros; a DCF's, failed(r)), with no transient object or session
 *    left loaded in the TPM after any of them;
 *  - the PSK keys derived in the TPM equal the file backend's with the
 *    same PSK and kid, byte for byte;
 *  - the device ID's NV index refuses a second write (write-locked);
 *  - roles: the DCF role never opens the seal object, the normal role
 *    never the distress key; a seal object with a foreign policy is
 *    refused at the TRE role's open;
 *  - the credentials unseal only after the verified extend, never after
 *    `failed` or `released`, and not after a reboot without the extend;
 *  - a TPM that is not there fails open with MAYDAY_E_IO;
 *  - hal_rot_self_test passes, and the signing rate through hal_rot_signer
 *    in a DCF state is logged (the figure; nothing asserted on time).
 * The roles the TPM enforces are test_rot_tpm2_roles'.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/rsa.h>

#include "mayday/cose.h"
#include "mayday/evidence.h"
#include "rot_tpm2.h"
#include "rot_tpm2_testlib.h"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One counter's operations from zero; the PCR must be in a state the
 * counter's policy admits. */
static void counter_ops(struct hal_rot *rot, enum hal_rot_counter c)
{
	uint64_t v = 99;

	assert_int_equal(hal_rot_counter_read(rot, c, &v), MAYDAY_OK);
	assert_int_equal(v, 0);
	assert_int_equal(hal_rot_counter_next(rot, c, &v), MAYDAY_OK);
	assert_int_equal(v, 1);
	assert_int_equal(hal_rot_counter_advance(rot, c, 7), MAYDAY_OK);
	assert_int_equal(hal_rot_counter_read(rot, c, &v), MAYDAY_OK);
	assert_int_equal(v, 7);
	assert_int_equal(hal_rot_counter_advance(rot, c, 7), MAYDAY_OK); /* no-op */
	assert_int_equal(hal_rot_counter_advance(rot, c, 6), MAYDAY_E_ROLLBACK);
	assert_int_equal(hal_rot_counter_advance(rot, c, 7 + HAL_ROT_TPM2_JUMP_MAX + 1),
			 MAYDAY_E_TOOBIG);
	assert_int_equal(hal_rot_counter_read(rot, c, &v), MAYDAY_OK);
	assert_int_equal(v, 7); /* neither moved it */
	assert_int_equal(hal_rot_counter_next(rot, c, &v), MAYDAY_OK);
	assert_int_equal(v, 8);
	/* the largest jump is taken, and is small enough for NV writes */
	assert_true(HAL_ROT_TPM2_JUMP_MAX <= 256);
	assert_int_equal(hal_rot_counter_advance(rot, c, 8 + HAL_ROT_TPM2_JUMP_MAX), MAYDAY_OK);
	assert_int_equal(hal_rot_counter_read(rot, c, &v), MAYDAY_OK);
	assert_int_equal(v, 8 + HAL_ROT_TPM2_JUMP_MAX);
}

/* Every operation, each in the PCR state its policy admits: the self-test
 * and the TLS key at PCR zero (the TrE's), signing and the message counter
 * in a DCF state (failed(r) extended), the anti-rollback counter in normal
 * code's state (verified, released) after a reboot. */
static void operations(void **state)
{
	struct tpm2_fx *fx = *state;
	struct hal_rot *rot = tpm2_fx_open(fx, HAL_ROT_ROLE_DCF);
	char id[MAYDAY_DEVICE_ID_MAX + 1];
	EVP_PKEY *k = NULL;
	uint64_t v = 99;

	assert_int_equal(hal_rot_device_id(rot, id), MAYDAY_OK);
	assert_string_equal(id, TPM2_FX_DEVICE_ID);
	assert_int_equal(hal_rot_distress_public(rot, &k), MAYDAY_OK);
	assert_int_equal(EVP_PKEY_eq(k, fx->distress_pub), 1);
	EVP_PKEY_free(k);
	assert_int_equal(hal_rot_anchor(rot, HAL_ROT_ANCHOR_VENDOR, &k), MAYDAY_OK);
	assert_int_equal(EVP_PKEY_eq(k, fx->vendor), 1);
	EVP_PKEY_free(k);
	assert_int_equal(hal_rot_anchor(rot, HAL_ROT_ANCHOR_HEMS, &k), MAYDAY_OK);
	assert_int_equal(EVP_PKEY_eq(k, fx->hems), 1);
	EVP_PKEY_free(k);
	assert_int_equal(hal_rot_self_test(rot), MAYDAY_OK);
	/* the TLS key signs in the TPM: its signature verifies with the
	 * distress key, whose private half only the TPM holds */
	assert_int_equal(hal_rot_tls_key(rot, &k), MAYDAY_OK);
	assert_int_equal(EVP_PKEY_eq(k, fx->distress_pub), 1);
	{
		static const uint8_t msg[] = "TLS 1.3, client CertificateVerify";
		uint8_t sig[80];
		size_t sig_len = sizeof(sig);
		EVP_MD_CTX *m = EVP_MD_CTX_new();

		assert_non_null(m);
		assert_int_equal(EVP_DigestSignInit_ex(m, NULL, "SHA256", NULL, NULL, k, NULL), 1);
		assert_int_equal(EVP_DigestSign(m, sig, &sig_len, msg, sizeof(msg)), 1);
		EVP_MD_CTX_free(m);
		m = EVP_MD_CTX_new();
		assert_non_null(m);
		assert_int_equal(EVP_DigestVerifyInit_ex(m, NULL, "SHA256", NULL, NULL,
							 fx->distress_pub, NULL), 1);
		assert_int_equal(EVP_DigestVerify(m, sig, sig_len, msg, sizeof(msg)), 1);
		EVP_MD_CTX_free(m);
	}
	EVP_PKEY_free(k);
	k = NULL;

	/* at PCR zero neither counter moves: the TrE raises none */
	assert_int_equal(hal_rot_counter_next(rot, HAL_ROT_COUNTER_ROLLBACK, &v),
			 MAYDAY_E_DENIED); /* normal code's only */
	assert_int_equal(hal_rot_counter_next(rot, HAL_ROT_COUNTER_MESSAGE, &v),
			 MAYDAY_E_DENIED); /* the DCF's only */
	hal_rot_close(rot);
	assert_int_equal(tpm2_fx_loaded(fx), 0);
	tpm2_fx_enter_dcf(fx, MAYDAY_REASON_MANIFEST_INVALID);
	rot = tpm2_fx_open(fx, HAL_ROT_ROLE_DCF);
	assert_int_equal(hal_rot_self_test(rot), MAYDAY_OK);
	counter_ops(rot, HAL_ROT_COUNTER_MESSAGE);
	assert_int_equal(hal_rot_counter_next(rot, HAL_ROT_COUNTER_ROLLBACK, &v),
			 MAYDAY_E_DENIED); /* normal code's only */
	assert_int_equal(hal_rot_counter_read(rot, HAL_ROT_COUNTER_ROLLBACK, &v), MAYDAY_OK);
	assert_int_equal(v, 0);
	/* the DCF role neither extends nor unseals */
	{
		uint8_t ev[HAL_ROT_REG_LEN] = { 0 }, out[64];
		size_t len;

		assert_int_equal(hal_rot_extend(rot, ev), MAYDAY_E_DENIED);
		assert_int_equal(hal_rot_unseal_creds(rot, out, sizeof(out), &len),
				 MAYDAY_E_DENIED);
	}
	hal_rot_close(rot);
	assert_int_equal(tpm2_fx_loaded(fx), 0);
	/* the anti-rollback counter in normal code's state */
	assert_int_equal(swtpm_fixture_restart(&fx->tpm), 0);
	tpm2_fx_enter_normal(fx);
	rot = tpm2_fx_open(fx, HAL_ROT_ROLE_NORMAL);
	counter_ops(rot, HAL_ROT_COUNTER_ROLLBACK);
	hal_rot_close(rot);
	assert_int_equal(tpm2_fx_loaded(fx), 0);
	/* the counters are the TPM's: they survive a reboot */
	assert_int_equal(swtpm_fixture_restart(&fx->tpm), 0);
	rot = tpm2_fx_open(fx, HAL_ROT_ROLE_NORMAL);
	assert_int_equal(hal_rot_counter_read(rot, HAL_ROT_COUNTER_ROLLBACK, &v), MAYDAY_OK);
	assert_int_equal(v, 8 + HAL_ROT_TPM2_JUMP_MAX);
	assert_int_equal(hal_rot_counter_read(rot, HAL_ROT_COUNTER_MESSAGE, &v), MAYDAY_OK);
	assert_int_equal(v, 8 + HAL_ROT_TPM2_JUMP_MAX);
	hal_rot_close(rot);
}

/* The figure: ES256 signatures per second through hal_rot_signer (COSE's
 * callback, so SHA-256 in software and ECDSA in swtpm). */
static void sign_rate(void **state)
{
	struct tpm2_fx *fx = *state;
	struct hal_rot *rot;
	struct mayday_signer signer;
	uint8_t tbs[128], sig[MAYDAY_ES256_SIG_LEN];
	unsigned n = 0;
	double t0, t;

	tpm2_fx_enter_dcf(fx, MAYDAY_REASON_COMPONENT_MISMATCH); /* as the DCF signs */
	rot = tpm2_fx_open(fx, HAL_ROT_ROLE_DCF);
	assert_int_equal(hal_rot_signer(rot, &signer), MAYDAY_OK);
	assert_memory_equal(signer.kid, TPM2_FX_DEVICE_ID, strlen(TPM2_FX_DEVICE_ID));
	memset(tbs, 0x5a, sizeof(tbs));
	t0 = now_s();
	do {
		tbs[0] = (uint8_t)n;
		assert_int_equal(signer.sign(signer.ctx, tbs, sizeof(tbs), sig), MAYDAY_OK);
		n++;
	} while ((t = now_s() - t0) < 2.0 || n < 20);
	printf("tpm2 (swtpm): %u signatures through hal_rot_signer in %.2f s = %.1f sig/s "
	       "(%.2f ms each)\n", n, t, n / t, t * 1e3 / n);
	hal_rot_close(rot);
	assert_int_equal(tpm2_fx_loaded(fx), 0);
	/* the same run's baseline: one TPM2_Sign with a password session, as
	 * layout version 1's distress key (userwithauth) signed, with a
	 * transient key of the distress key's type */
	{
		ESYS_CONTEXT *esys = tpm2_fx_esys(fx);
		TPM2B_SENSITIVE_CREATE sens = { .size = 0 };
		TPM2B_PUBLIC tmpl;
		TPM2B_DATA outside = { .size = 0 };
		TPML_PCR_SELECTION pcrs = { .count = 0 };
		TPM2B_DIGEST d = { .size = 32 };
		TPMT_SIG_SCHEME scheme = { .scheme = TPM2_ALG_ECDSA,
					   .details.ecdsa.hashAlg = TPM2_ALG_SHA256 };
		TPMT_TK_HASHCHECK ticket = { .tag = TPM2_ST_HASHCHECK, .hierarchy = TPM2_RH_NULL };
		ESYS_TR key = ESYS_TR_NONE;
		unsigned m = 0;

		rot_tpm2_template(ROT_TPM2_KIND_DISTRESS, &tmpl);
		tmpl.publicArea.objectAttributes |= TPMA_OBJECT_USERWITHAUTH;
		assert_int_equal(Esys_CreatePrimary(esys, ESYS_TR_RH_OWNER, ESYS_TR_PASSWORD,
						    ESYS_TR_NONE, ESYS_TR_NONE, &sens, &tmpl,
						    &outside, &pcrs, &key, NULL, NULL, NULL, NULL),
				 TSS2_RC_SUCCESS);
		t0 = now_s();
		do {
			TPMT_SIGNATURE *s = NULL;

			d.buffer[0] = (uint8_t)m++;
			assert_int_equal(Esys_Sign(esys, key, ESYS_TR_PASSWORD, ESYS_TR_NONE,
						   ESYS_TR_NONE, &d, &scheme, &ticket, &s),
					 TSS2_RC_SUCCESS);
			Esys_Free(s);
		} while ((t = now_s() - t0) < 2.0 || m < 20);
		printf("tpm2 (swtpm): baseline, %u TPM2_Sign with a password session (no "
		       "policy) in %.2f s = %.1f sig/s\n", m, t, m / t);
		assert_int_equal(Esys_FlushContext(esys, key), TSS2_RC_SUCCESS);
		tpm2_fx_esys_close(esys);
	}
}

/* The file backend provisioned with the same PSK and kid derives the same keys. */
static void psk_equals_file(void **state)
{
	struct tpm2_fx *fx = *state;
	struct hal_rot *rot, *frot = NULL;
	struct mayday_psk_keys a, b, sw;
	EVP_PKEY *dummy = EVP_EC_gen("P-256");

	tpm2_fx_enter_dcf(fx, MAYDAY_REASON_ATTACH_FAILED); /* the PRK is the DCF's */
	rot = tpm2_fx_open(fx, HAL_ROT_ROLE_DCF);
	assert_int_equal(hal_rot_psk_keys(rot, &a), MAYDAY_OK);
	hal_rot_close(rot);
	assert_int_equal(hal_rot_file_provision(fx->f, TPM2_FX_DEVICE_ID, dummy, fx->vendor,
						fx->hems), MAYDAY_OK);
	assert_int_equal(hal_rot_file_provision_psk(fx->f, fx->psk, fx->kid, sizeof(fx->kid)),
			 MAYDAY_OK);
	assert_int_equal(hal_rot_open(&frot, "file", fx->f), MAYDAY_OK);
	assert_int_equal(hal_rot_psk_keys(frot, &b), MAYDAY_OK);
	hal_rot_close(frot);
	assert_int_equal(mayday_psk_derive(fx->psk, sizeof(fx->psk), fx->kid, sizeof(fx->kid),
					   &sw), MAYDAY_OK);
	assert_memory_equal(a.request_key, b.request_key, sizeof(a.request_key));
	assert_memory_equal(a.request_iv, b.request_iv, sizeof(a.request_iv));
	assert_memory_equal(a.response_key, b.response_key, sizeof(a.response_key));
	assert_int_equal(a.kid_len, b.kid_len);
	assert_memory_equal(a.kid, b.kid, a.kid_len);
	assert_memory_equal(a.request_key, sw.request_key, sizeof(a.request_key));
	/* and the three values differ from one another */
	assert_memory_not_equal(a.request_key, a.response_key, sizeof(a.request_key));
	mayday_psk_keys_wipe(&a);
	mayday_psk_keys_wipe(&b);
	mayday_psk_keys_wipe(&sw);
	EVP_PKEY_free(dummy);
	assert_int_equal(tpm2_fx_loaded(fx), 0);
}

/* Provisioned without a PSK: hal_rot_psk_keys says MAYDAY_E_NOTFOUND. */
static void psk_absent(void **state)
{
	struct tpm2_fx *fx = *state;
	struct hal_rot_tpm2_provision_args a = {
		.tcti = fx->tpm.tcti,
		.device_id = TPM2_FX_DEVICE_ID,
		.vendor_pub = fx->vendor,
		.hems_pub = fx->hems,
		.owner_auth = fx->owner_auth,
		.owner_auth_len = sizeof(fx->owner_auth),
	};
	EVP_PKEY *pub = NULL;
	struct hal_rot *rot;
	struct mayday_psk_keys k;
	uint8_t out[64];
	size_t len;

	assert_int_equal(hal_rot_tpm2_provision(&a, &pub), MAYDAY_OK);
	EVP_PKEY_free(pub);
	assert_int_equal(tpm2_fx_loaded(fx), 0); /* provisioning flushed all it loaded */
	rot = tpm2_fx_open(fx, HAL_ROT_ROLE_TRE);
	assert_int_equal(hal_rot_psk_keys(rot, &k), MAYDAY_E_NOTFOUND);
	assert_int_equal(hal_rot_unseal_creds(rot, out, sizeof(out), &len), MAYDAY_E_NOTFOUND);
	assert_int_equal(hal_rot_self_test(rot), MAYDAY_OK);
	hal_rot_close(rot);
}

/* Arguments are checked before the TPM is touched: nothing provisioned. */
static void provision_args(void **state)
{
	struct tpm2_fx *fx = *state;
	EVP_PKEY *rsa = EVP_RSA_gen(2048), *pub = (EVP_PKEY *)1;
	struct hal_rot_tpm2_provision_args ok = {
		.tcti = fx->tpm.tcti,
		.device_id = TPM2_FX_DEVICE_ID,
		.vendor_pub = fx->vendor,
		.hems_pub = fx->hems,
		.owner_auth = fx->owner_auth,
		.owner_auth_len = sizeof(fx->owner_auth),
	}, a;
	struct hal_rot *rot = NULL;

	assert_non_null(rsa);
	assert_int_equal(hal_rot_tpm2_provision(NULL, &pub), MAYDAY_E_INVALID);
	assert_null(pub);
	assert_int_equal(hal_rot_tpm2_provision(&ok, NULL), MAYDAY_E_INVALID);
	a = ok;
	a.device_id = "has space";
	assert_int_equal(hal_rot_tpm2_provision(&a, &pub), MAYDAY_E_INVALID);
	a = ok;
	a.pcr = 16;
	assert_int_equal(hal_rot_tpm2_provision(&a, &pub), MAYDAY_E_INVALID);
	a = ok;
	a.pcr = 7;
	assert_int_equal(hal_rot_tpm2_provision(&a, &pub), MAYDAY_E_INVALID);
	a = ok;
	a.psk = fx->psk; /* without its kid */
	assert_int_equal(hal_rot_tpm2_provision(&a, &pub), MAYDAY_E_INVALID);
	a = ok;
	a.creds = (const uint8_t *)tpm2_fx_creds;
	a.creds_len = tpm2_fx_creds_len;
	assert_int_equal(hal_rot_tpm2_provision(&a, &pub), MAYDAY_E_INVALID); /* no flash */
	a = ok;
	a.vendor_pub = rsa;
	assert_int_equal(hal_rot_tpm2_provision(&a, &pub), MAYDAY_E_KEY);
	a = ok;
	a.owner_auth = NULL;
	assert_int_equal(hal_rot_tpm2_provision(&a, &pub), MAYDAY_E_INVALID);
	a = ok;
	a.owner_auth_len = HAL_ROT_TPM2_OWNER_AUTH_MIN - 1;
	assert_int_equal(hal_rot_tpm2_provision(&a, &pub), MAYDAY_E_INVALID);
	a = ok;
	a.owner_auth_len = HAL_ROT_TPM2_OWNER_AUTH_MAX + 1;
	assert_int_equal(hal_rot_tpm2_provision(&a, &pub), MAYDAY_E_INVALID);
	a = ok;
	a.tcti = "swtpm:host=192.0.2.1,port=2321"; /* a "TPM" elsewhere on the network */
	assert_int_equal(hal_rot_tpm2_provision(&a, &pub), MAYDAY_E_INVALID);
	a.tcti = "swtpm:port=2321,host=tpm.example";
	assert_int_equal(hal_rot_tpm2_provision(&a, &pub), MAYDAY_E_INVALID);
	a.tcti = "swtpm:host=::ffff:10.0.0.1,port=2321";
	assert_int_equal(hal_rot_tpm2_provision(&a, &pub), MAYDAY_E_INVALID);
	assert_int_equal(hal_rot_open(&rot, "tpm2:swtpm:host=10.1.2.3,port=2321", fx->f),
			 MAYDAY_E_INVALID);
	a = ok;
	a.tcti = "bogus:x";
	assert_int_equal(hal_rot_tpm2_provision(&a, &pub), MAYDAY_E_INVALID);
	assert_null(pub);
	assert_int_equal(hal_rot_open(&rot, fx->tpm.spec, fx->f), MAYDAY_E_NOTFOUND);
	EVP_PKEY_free(rsa);
}

/* The attack of a TPM with an empty owner auth: undefine the layout record
 * (the counter bases) and define one of the attacker's with identical
 * attributes. Provisioning set the owner auth, so without it the TPM
 * refuses; and a TPM whose owner auth is empty again is refused at open. */
static void owner_auth_guards_layout(void **state)
{
	struct tpm2_fx *fx = *state;
	ESYS_CONTEXT *esys = tpm2_fx_esys(fx);
	const TPM2B_AUTH empty = { .size = 0 };
	ESYS_TR nv = ESYS_TR_NONE;
	struct hal_rot *rot = NULL;
	TSS2_RC rc;

	assert_true(tpm2_fx_permanent(esys) & TPMA_PERMANENT_OWNERAUTHSET);
	assert_true(tpm2_fx_permanent(esys) & TPMA_PERMANENT_LOCKOUTAUTHSET);
	assert_int_equal(Esys_TR_SetAuth(esys, ESYS_TR_RH_OWNER, &empty), TSS2_RC_SUCCESS);
	assert_int_equal(Esys_TR_FromTPMPublic(esys, 0x01500002, ESYS_TR_NONE, ESYS_TR_NONE,
					       ESYS_TR_NONE, &nv),
			 TSS2_RC_SUCCESS);
	rc = Esys_NV_UndefineSpace(esys, ESYS_TR_RH_OWNER, nv, ESYS_TR_PASSWORD, ESYS_TR_NONE,
				   ESYS_TR_NONE);
	assert_int_equal(rc & ~TPM2_RC_N_MASK, TPM2_RC_BAD_AUTH);
	assert_int_equal(Esys_TR_SetAuth(esys, ESYS_TR_RH_LOCKOUT, &empty), TSS2_RC_SUCCESS);
	rc = Esys_Clear(esys, ESYS_TR_RH_LOCKOUT, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE);
	assert_int_not_equal(rc, TSS2_RC_SUCCESS);
	tpm2_fx_esys_close(esys);
	rot = tpm2_fx_open(fx, HAL_ROT_ROLE_TRE);
	hal_rot_close(rot);

	/* the owner auth emptied (by its holder, or a TPM never owned) */
	esys = tpm2_fx_esys(fx);
	assert_int_equal(Esys_HierarchyChangeAuth(esys, ESYS_TR_RH_OWNER, ESYS_TR_PASSWORD,
						  ESYS_TR_NONE, ESYS_TR_NONE, &empty),
			 TSS2_RC_SUCCESS);
	tpm2_fx_esys_close(esys);
	rot = NULL;
	assert_int_equal(hal_rot_open_role(&rot, fx->tpm.spec, fx->f, HAL_ROT_ROLE_NORMAL),
			 MAYDAY_E_MALFORMED);
	assert_null(rot);
	/* provisioning again takes it back, with the escrowed value */
	assert_int_equal(tpm2_fx_provision(fx, NULL), MAYDAY_OK);
	rot = tpm2_fx_open(fx, HAL_ROT_ROLE_NORMAL);
	hal_rot_close(rot);
}

/* Re-provisioning an owned TPM needs the owner auth it was given. */
static void reprovision_needs_owner_auth(void **state)
{
	struct tpm2_fx *fx = *state;
	struct hal_rot *rot;

	fx->owner_auth[0] ^= 1;
	assert_int_equal(tpm2_fx_provision(fx, NULL), MAYDAY_E_DENIED);
	fx->owner_auth[0] ^= 1;
	rot = tpm2_fx_open(fx, HAL_ROT_ROLE_TRE); /* untouched */
	hal_rot_close(rot);
	assert_int_equal(tpm2_fx_provision(fx, NULL), MAYDAY_OK);
	rot = tpm2_fx_open(fx, HAL_ROT_ROLE_TRE);
	hal_rot_close(rot);
}

/* Persists a signing primary of someone else's (not noda: no mayday
 * template) at `handle`. */
static void foreign_object(struct tpm2_fx *fx, TPM2_HANDLE handle)
{
	ESYS_CONTEXT *esys = tpm2_fx_esys(fx);
	TPM2B_SENSITIVE_CREATE sens = { .size = 0 };
	TPM2B_PUBLIC tmpl = { .publicArea = {
		.type = TPM2_ALG_ECC,
		.nameAlg = TPM2_ALG_SHA256,
		.objectAttributes = TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT |
				    TPMA_OBJECT_SENSITIVEDATAORIGIN | TPMA_OBJECT_USERWITHAUTH |
				    TPMA_OBJECT_SIGN_ENCRYPT,
		.parameters.eccDetail = {
			.symmetric.algorithm = TPM2_ALG_NULL,
			.scheme.scheme = TPM2_ALG_NULL,
			.curveID = TPM2_ECC_NIST_P256,
			.kdf.scheme = TPM2_ALG_NULL,
		},
	} };
	TPM2B_DATA outside = { .size = 0 };
	TPML_PCR_SELECTION pcrs = { .count = 0 };
	ESYS_TR obj = ESYS_TR_NONE, out = ESYS_TR_NONE;

	assert_int_equal(Esys_CreatePrimary(esys, ESYS_TR_RH_OWNER, ESYS_TR_PASSWORD,
					    ESYS_TR_NONE, ESYS_TR_NONE, &sens, &tmpl, &outside,
					    &pcrs, &obj, NULL, NULL, NULL, NULL),
			 TSS2_RC_SUCCESS);
	assert_int_equal(Esys_EvictControl(esys, ESYS_TR_RH_OWNER, obj, ESYS_TR_PASSWORD,
					   ESYS_TR_NONE, ESYS_TR_NONE, handle, &out),
			 TSS2_RC_SUCCESS);
	assert_int_equal(Esys_FlushContext(esys, obj), TSS2_RC_SUCCESS);
	tpm2_fx_esys_close(esys);
}

static bool has_handle(struct tpm2_fx *fx, TPM2_HANDLE handle)
{
	ESYS_CONTEXT *esys = tpm2_fx_esys(fx);
	TPMS_CAPABILITY_DATA *cap = NULL;
	TPMI_YES_NO more = 0;
	bool yes;

	assert_int_equal(Esys_GetCapability(esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
					    TPM2_CAP_HANDLES, handle, 1, &more, &cap),
			 TSS2_RC_SUCCESS);
	yes = cap->data.handles.count == 1 && cap->data.handles.handle[0] == handle;
	Esys_Free(cap);
	tpm2_fx_esys_close(esys);
	return yes;
}

/* The TCG's conventional handles (0x81000001 the SRK, 0x81010001 the EK)
 * are not mayday's: provisioning leaves objects there alone, and refuses
 * (MAYDAY_E_EXISTS) rather than evict another's object at one of its own. */
static void provision_spares_foreign_objects(void **state)
{
	struct tpm2_fx *fx = *state;
	struct hal_rot *rot;

	foreign_object(fx, 0x81000001);
	foreign_object(fx, 0x81010001);
	foreign_object(fx, 0x81000a11);
	assert_int_equal(tpm2_fx_provision(fx, NULL), MAYDAY_E_EXISTS);
	assert_true(has_handle(fx, 0x81000a11));
	tpm2_fx_evict(fx, 0x81000a11);
	assert_int_equal(tpm2_fx_provision(fx, NULL), MAYDAY_OK);
	assert_true(has_handle(fx, 0x81000001));
	assert_true(has_handle(fx, 0x81010001));
	rot = tpm2_fx_open(fx, HAL_ROT_ROLE_TRE);
	hal_rot_close(rot);
	/* a re-provisioning still spares them */
	assert_int_equal(tpm2_fx_provision(fx, NULL), MAYDAY_OK);
	assert_true(has_handle(fx, 0x81000001));
	assert_true(has_handle(fx, 0x81010001));
}

/* Nor does it undefine another's NV index at one of its handles. */
static void provision_spares_foreign_index(void **state)
{
	struct tpm2_fx *fx = *state;
	ESYS_CONTEXT *esys = tpm2_fx_esys(fx);
	TPM2B_AUTH auth = { .size = 0 };
	TPM2B_NV_PUBLIC pub = { .nvPublic = {
		.nvIndex = 0x01500002,
		.nameAlg = TPM2_ALG_SHA256,
		.attributes = TPMA_NV_OWNERWRITE | TPMA_NV_OWNERREAD,
		.dataSize = 8,
	} };
	ESYS_TR nv = ESYS_TR_NONE;

	assert_int_equal(Esys_NV_DefineSpace(esys, ESYS_TR_RH_OWNER, ESYS_TR_PASSWORD,
					     ESYS_TR_NONE, ESYS_TR_NONE, &auth, &pub, &nv),
			 TSS2_RC_SUCCESS);
	tpm2_fx_esys_close(esys);
	assert_int_equal(tpm2_fx_provision(fx, NULL), MAYDAY_E_EXISTS);
	assert_true(has_handle(fx, 0x01500002));
}

static void nv_device_id_locked(void **state)
{
	struct tpm2_fx *fx = *state;
	ESYS_CONTEXT *esys = tpm2_fx_esys(fx);
	ESYS_TR nv = ESYS_TR_NONE;
	TPM2B_MAX_NV_BUFFER data = { .size = 4, .buffer = "evil" };
	TSS2_RC rc;

	assert_int_equal(Esys_TR_FromTPMPublic(esys, 0x01500001, ESYS_TR_NONE, ESYS_TR_NONE,
					       ESYS_TR_NONE, &nv),
			 TSS2_RC_SUCCESS);
	rc = Esys_NV_Write(esys, ESYS_TR_RH_OWNER, nv, ESYS_TR_PASSWORD, ESYS_TR_NONE,
			   ESYS_TR_NONE, &data, 0);
	assert_int_equal(rc & 0xfff, TPM2_RC_NV_LOCKED);
	tpm2_fx_esys_close(esys);
	/* the ID is still the provisioned one */
	{
		struct hal_rot *rot = tpm2_fx_open(fx, HAL_ROT_ROLE_NORMAL);
		char id[MAYDAY_DEVICE_ID_MAX + 1];

		assert_int_equal(hal_rot_device_id(rot, id), MAYDAY_OK);
		assert_string_equal(id, TPM2_FX_DEVICE_ID);
		hal_rot_close(rot);
	}
}

static void extend(struct hal_rot *rot, const uint8_t ev[HAL_ROT_REG_LEN])
{
	assert_int_equal(hal_rot_extend(rot, ev), MAYDAY_OK);
}

static enum mayday_err unseal(struct hal_rot *rot)
{
	static uint8_t out[HAL_ROT_CREDS_MAX];
	size_t len = 0;
	enum mayday_err rc = hal_rot_unseal_creds(rot, out, sizeof(out), &len);

	if (rc == MAYDAY_OK) {
		assert_int_equal(len, tpm2_fx_creds_len);
		assert_memory_equal(out, tpm2_fx_creds, len);
		OPENSSL_cleanse(out, len);
	}
	return rc;
}

static void seal_policy(void **state)
{
	struct tpm2_fx *fx = *state;
	uint8_t verified[HAL_ROT_REG_LEN], failed[HAL_ROT_REG_LEN], released[HAL_ROT_REG_LEN];
	struct hal_rot *rot;

	assert_int_equal(hal_rot_event_verified(fx->vendor, verified), MAYDAY_OK);
	hal_rot_event_failed(MAYDAY_REASON_COMPONENT_MISMATCH, failed);
	hal_rot_event_released(released);

	/* nothing extended yet: the TPM refuses */
	rot = tpm2_fx_open(fx, HAL_ROT_ROLE_TRE);
	assert_int_equal(unseal(rot), MAYDAY_E_SIGNATURE);
	extend(rot, verified);
	assert_int_equal(unseal(rot), MAYDAY_OK);
	assert_int_equal(unseal(rot), MAYDAY_OK); /* until released */
	extend(rot, released);
	assert_int_equal(unseal(rot), MAYDAY_E_SIGNATURE);
	extend(rot, verified); /* a second verification does not bring it back */
	assert_int_equal(unseal(rot), MAYDAY_E_SIGNATURE);
	hal_rot_close(rot);
	assert_int_equal(tpm2_fx_loaded(fx), 0);

	/* a reboot: the PCR is zero again, nothing unseals without the extend */
	assert_int_equal(swtpm_fixture_restart(&fx->tpm), 0);
	rot = tpm2_fx_open(fx, HAL_ROT_ROLE_TRE);
	assert_int_equal(unseal(rot), MAYDAY_E_SIGNATURE);
	extend(rot, failed);
	assert_int_equal(unseal(rot), MAYDAY_E_SIGNATURE);
	extend(rot, verified); /* after `failed` nothing helps */
	assert_int_equal(unseal(rot), MAYDAY_E_SIGNATURE);
	hal_rot_close(rot);

	/* closing the RoT does not reset the PCR, and a TrE reopening it in
	 * the same boot at the verified value unseals nothing
	 * (tre_needs_pcr_zero) */
	assert_int_equal(swtpm_fixture_restart_unclean(&fx->tpm), 0);
	rot = tpm2_fx_open(fx, HAL_ROT_ROLE_TRE);
	extend(rot, verified);
	hal_rot_close(rot);
	rot = tpm2_fx_open(fx, HAL_ROT_ROLE_TRE);
	assert_int_equal(unseal(rot), MAYDAY_E_MISMATCH);
	hal_rot_close(rot);
	assert_int_equal(tpm2_fx_loaded(fx), 0);
}

/* The DCF role never opens the seal object: it opens and signs without it,
 * the TRE role does not open. */
static void role_dcf_no_seal(void **state)
{
	struct tpm2_fx *fx = *state;
	struct hal_rot *rot = NULL;

	tpm2_fx_evict(fx, 0x81000a13);
	rot = tpm2_fx_open(fx, HAL_ROT_ROLE_DCF);
	assert_int_equal(hal_rot_self_test(rot), MAYDAY_OK);
	hal_rot_close(rot);
	rot = NULL;
	assert_int_equal(hal_rot_open_role(&rot, fx->tpm.spec, fx->f, HAL_ROT_ROLE_TRE),
			 MAYDAY_E_NOTFOUND);
	assert_null(rot);
}

/* An object at the seal handle with the right template but a policy other
 * than this RoT's verified value (one someone else could satisfy) is
 * refused at the TRE role's open; the DCF role does not look at it. */
static void seal_foreign_policy(void **state)
{
	struct tpm2_fx *fx = *state;
	ESYS_CONTEXT *esys;
	ESYS_TR parent = ESYS_TR_NONE, obj = ESYS_TR_NONE, out = ESYS_TR_NONE;
	TPM2B_SENSITIVE_CREATE sens = { .sensitive.data = { .size = 32 } };
	TPM2B_PUBLIC tmpl = { .publicArea = {
		.type = TPM2_ALG_KEYEDHASH,
		.nameAlg = TPM2_ALG_SHA256,
		.objectAttributes = TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT |
				    TPMA_OBJECT_NODA,
		.authPolicy = { .size = 32 }, /* all zeros: a policy nobody computed */
		.parameters.keyedHashDetail.scheme.scheme = TPM2_ALG_NULL,
	} };
	TPM2B_DATA outside = { .size = 0 };
	TPML_PCR_SELECTION pcrs = { .count = 0 };
	TPM2B_PRIVATE *priv = NULL;
	TPM2B_PUBLIC *pub = NULL;
	struct hal_rot *rot = NULL;

	tpm2_fx_evict(fx, 0x81000a13);
	esys = tpm2_fx_esys(fx);
	assert_int_equal(Esys_TR_FromTPMPublic(esys, 0x81000a10, ESYS_TR_NONE, ESYS_TR_NONE,
					       ESYS_TR_NONE, &parent), TSS2_RC_SUCCESS);
	assert_int_equal(Esys_Create(esys, parent, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE,
				     &sens, &tmpl, &outside, &pcrs, &priv, &pub, NULL, NULL, NULL),
			 TSS2_RC_SUCCESS);
	assert_int_equal(Esys_Load(esys, parent, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE,
				   priv, pub, &obj), TSS2_RC_SUCCESS);
	assert_int_equal(Esys_EvictControl(esys, ESYS_TR_RH_OWNER, obj, ESYS_TR_PASSWORD,
					   ESYS_TR_NONE, ESYS_TR_NONE, 0x81000a13, &out),
			 TSS2_RC_SUCCESS);
	assert_int_equal(Esys_FlushContext(esys, obj), TSS2_RC_SUCCESS);
	Esys_Free(priv);
	Esys_Free(pub);
	tpm2_fx_esys_close(esys);

	assert_int_equal(hal_rot_open_role(&rot, fx->tpm.spec, fx->f, HAL_ROT_ROLE_TRE),
			 MAYDAY_E_MALFORMED);
	assert_null(rot);
	rot = tpm2_fx_open(fx, HAL_ROT_ROLE_DCF);
	hal_rot_close(rot);
	assert_int_equal(tpm2_fx_loaded(fx), 0);
}

/* The normal role never opens the distress key (nor the PRK): it opens
 * without them, the DCF role does not; and its distress calls are denied.
 * In normal code's PCR state, where it raises the anti-rollback counter. */
static void role_normal_no_distress(void **state)
{
	struct tpm2_fx *fx = *state;
	struct hal_rot *rot;
	struct mayday_signer signer;
	struct mayday_psk_keys k;
	EVP_PKEY *key = NULL;
	uint64_t v;

	tpm2_fx_enter_normal(fx);
	rot = tpm2_fx_open(fx, HAL_ROT_ROLE_NORMAL);

	assert_int_equal(hal_rot_signer(rot, &signer), MAYDAY_E_DENIED);
	assert_int_equal(hal_rot_psk_keys(rot, &k), MAYDAY_E_DENIED);
	assert_int_equal(hal_rot_distress_public(rot, &key), MAYDAY_E_DENIED);
	assert_int_equal(hal_rot_self_test(rot), MAYDAY_E_DENIED);
	hal_rot_close(rot);
	tpm2_fx_evict(fx, 0x81000a11);
	tpm2_fx_evict(fx, 0x81000a12);
	rot = tpm2_fx_open(fx, HAL_ROT_ROLE_NORMAL);
	assert_int_equal(hal_rot_counter_next(rot, HAL_ROT_COUNTER_ROLLBACK, &v), MAYDAY_OK);
	hal_rot_close(rot);
	rot = NULL;
	assert_int_equal(hal_rot_open_role(&rot, fx->tpm.spec, fx->f, HAL_ROT_ROLE_DCF),
			 MAYDAY_E_NOTFOUND);
	assert_null(rot);
}

/* The TRE role's handle opened with the measurement PCR already extended
 * (the TPM was not reset with the device, or mayday-boot ran twice), with
 * stderr (the log, this process's and a mayday-rot-agent's it starts) in
 * `log_path`: it opens, its self-test and unseal say MAYDAY_E_MISMATCH and
 * the log line says why; it still extends (the TrE moves the PCR off normal
 * code's state after a failed exec), and the PCR moves. */
static void tre_open_refused(struct tpm2_fx *fx, const char *log_path)
{
	struct hal_rot *rot = NULL;
	char line[1024];
	uint8_t before[HAL_ROT_REG_LEN], after[HAL_ROT_REG_LEN], ev[HAL_ROT_REG_LEN];
	bool said = false;
	int saved = dup(2), fd = open(log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	enum mayday_err opened, tested, unsealed;
	uint8_t buf[64];
	size_t len = 0;
	FILE *f;

	assert_true(saved >= 0 && fd >= 0);
	tpm2_fx_pcr(fx, before);
	fflush(stderr);
	assert_int_equal(dup2(fd, 2), 2);
	opened = hal_rot_open_role(&rot, fx->tpm.spec, fx->f, HAL_ROT_ROLE_TRE);
	tested = opened == MAYDAY_OK ? hal_rot_self_test(rot) : opened;
	unsealed = opened == MAYDAY_OK ? hal_rot_unseal_creds(rot, buf, sizeof(buf), &len) : opened;
	fflush(stderr);
	assert_int_equal(dup2(saved, 2), 2);
	close(saved);
	close(fd);
	assert_int_equal(opened, MAYDAY_OK);
	assert_int_equal(tested, MAYDAY_E_MISMATCH);
	assert_int_equal(unsealed, MAYDAY_E_MISMATCH);
	hal_rot_event_failed(MAYDAY_REASON_NORMAL_START_FAILED, ev);
	assert_int_equal(hal_rot_extend(rot, ev), MAYDAY_OK);
	hal_rot_close(rot);
	tpm2_fx_pcr(fx, after);
	hal_rot_reg_extend(before, ev);
	assert_memory_equal(after, before, HAL_ROT_REG_LEN);
	f = fopen(log_path, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f) != NULL)
		said = said || (strstr(line, "measurement PCR") != NULL &&
				strstr(line, "not zero") != NULL &&
				strstr(line, "TPM was not reset with the device") != NULL);
	fclose(f);
	assert_true(said);
	assert_int_equal(remove(log_path), 0);
}

/* The TrE's handle signs and unseals only when opened on a PCR of zeros:
 * after normal code's start-up or a DCF's (no TPM reset since), its
 * self-test fails with a clear error, while the DCF and normal roles open
 * in their states as before. */
static void tre_needs_pcr_zero(void **state)
{
	struct tpm2_fx *fx = *state;
	char log_path[PATH_MAX + 16];
	struct hal_rot *rot;

	snprintf(log_path, sizeof(log_path), "%s/tre.log", fx->flash_dir);
	rot = tpm2_fx_open(fx, HAL_ROT_ROLE_TRE); /* zeros: opens */
	hal_rot_close(rot);
	tpm2_fx_enter_normal(fx);
	tre_open_refused(fx, log_path);
	rot = tpm2_fx_open(fx, HAL_ROT_ROLE_NORMAL);
	hal_rot_close(rot);
	assert_int_equal(swtpm_fixture_restart(&fx->tpm), 0);
	tpm2_fx_enter_dcf(fx, MAYDAY_REASON_ATTACH_FAILED);
	rot = tpm2_fx_open(fx, HAL_ROT_ROLE_DCF);
	assert_int_equal(hal_rot_self_test(rot), MAYDAY_OK);
	hal_rot_close(rot);
	tre_open_refused(fx, log_path); /* its extend leaves the DCF's state */
	rot = tpm2_fx_open(fx, HAL_ROT_ROLE_DCF);
	assert_int_equal(hal_rot_self_test(rot), MAYDAY_E_DENIED);
	hal_rot_close(rot);
	/* a TPM reset brings the TrE back */
	assert_int_equal(swtpm_fixture_restart(&fx->tpm), 0);
	rot = tpm2_fx_open(fx, HAL_ROT_ROLE_TRE);
	assert_int_equal(hal_rot_self_test(rot), MAYDAY_OK);
	hal_rot_close(rot);
	assert_int_equal(tpm2_fx_loaded(fx), 0);
}

/* No TPM at the socket: open says MAYDAY_E_IO (and logs the TCTI). */
static void tpm_absent(void **state)
{
	struct tpm2_fx *fx = *state;
	struct hal_rot *rot = NULL;

	assert_int_equal(swtpm_fixture_power_cut(&fx->tpm), 0);
	assert_int_equal(hal_rot_open_role(&rot, fx->tpm.spec, fx->f, HAL_ROT_ROLE_TRE),
			 MAYDAY_E_IO);
	assert_null(rot);
	assert_int_equal(hal_rot_open(&rot, "tpm2:device:/nonexistent/tpmrm0", fx->f),
			 MAYDAY_E_IO);
	assert_int_equal(hal_rot_open(&rot, "tpm2:bogus:x", fx->f), MAYDAY_E_INVALID);
	assert_int_equal(hal_rot_open(&rot, "tpm2", fx->f), MAYDAY_E_INVALID);
	assert_int_equal(hal_rot_open(&rot, "file:x", fx->f), MAYDAY_E_INVALID);
	assert_int_equal(swtpm_fixture_start(&fx->tpm), 0);
}

/* A TPM never provisioned: MAYDAY_E_NOTFOUND, not a crash or a half RoT. */
static void not_provisioned(void **state)
{
	struct tpm2_fx *fx = *state;
	struct hal_rot *rot = NULL;

	assert_int_equal(hal_rot_open(&rot, fx->tpm.spec, fx->f), MAYDAY_E_NOTFOUND);
	assert_null(rot);
	assert_int_equal(tpm2_fx_loaded(fx), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(operations, tpm2_fx_setup, tpm2_fx_teardown),
		cmocka_unit_test_setup_teardown(sign_rate, tpm2_fx_setup, tpm2_fx_teardown),
		cmocka_unit_test_setup_teardown(psk_equals_file, tpm2_fx_setup, tpm2_fx_teardown),
		cmocka_unit_test_setup_teardown(psk_absent, tpm2_fx_setup_bare, tpm2_fx_teardown),
		cmocka_unit_test_setup_teardown(provision_args, tpm2_fx_setup_bare,
						tpm2_fx_teardown),
		cmocka_unit_test_setup_teardown(provision_spares_foreign_objects,
						tpm2_fx_setup_bare, tpm2_fx_teardown),
		cmocka_unit_test_setup_teardown(provision_spares_foreign_index, tpm2_fx_setup_bare,
						tpm2_fx_teardown),
		cmocka_unit_test_setup_teardown(owner_auth_guards_layout, tpm2_fx_setup,
						tpm2_fx_teardown),
		cmocka_unit_test_setup_teardown(reprovision_needs_owner_auth, tpm2_fx_setup,
						tpm2_fx_teardown),
		cmocka_unit_test_setup_teardown(nv_device_id_locked, tpm2_fx_setup,
						tpm2_fx_teardown),
		cmocka_unit_test_setup_teardown(seal_policy, tpm2_fx_setup, tpm2_fx_teardown),
		cmocka_unit_test_setup_teardown(role_dcf_no_seal, tpm2_fx_setup, tpm2_fx_teardown),
		cmocka_unit_test_setup_teardown(seal_foreign_policy, tpm2_fx_setup,
						tpm2_fx_teardown),
		cmocka_unit_test_setup_teardown(role_normal_no_distress, tpm2_fx_setup,
						tpm2_fx_teardown),
		cmocka_unit_test_setup_teardown(tre_needs_pcr_zero, tpm2_fx_setup,
						tpm2_fx_teardown),
		cmocka_unit_test_setup_teardown(tpm_absent, tpm2_fx_setup, tpm2_fx_teardown),
		cmocka_unit_test_setup_teardown(not_provisioned, tpm2_fx_setup_bare,
						tpm2_fx_teardown),
	};

	swtpm_fixture_require();
	return cmocka_run_group_tests(tests, NULL, NULL);
}

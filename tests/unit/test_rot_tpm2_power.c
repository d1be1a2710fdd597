/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The tpm2 RoT backend across power cuts (swtpm killed without
 * TPM2_Shutdown), one swtpm and state directory per test:
 *  - provisioning cut before each of its TPM commands in turn leaves a TPM
 *    that either opens as the last complete provisioning left it or does
 *    not open (MAYDAY_E_NOTFOUND / MAYDAY_E_MALFORMED, logged); provisioning
 *    again from each of those states works (also with the device
 *    credentials' key made in the TPM, which then opens too); the time of
 *    one provisioning is logged;
 *  - a counter never goes backwards across power cuts between increments;
 *  - counters start at zero on a TPM whose counters already ran (bases),
 *    and provisioning again never moves the TPM's raw counter back;
 *  - the seal secret and HMAC outputs never cross the TCTI in the clear;
 *  - five unclean power cuts in a row lock a DA-protected key out (the
 *    scenario is real) while the noda distress key still signs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <tss2/tss2_tcti_swtpm.h>

#include "mayday/evidence.h"
#include "rot_tpm2.h"
#include "rot_tpm2_testlib.h"

/* A TCTI in front of swtpm's that cuts the power (SIGKILL) instead of
 * sending command number `cut_at`, and fails everything after. */
struct cut_tcti {
	TSS2_TCTI_CONTEXT_COMMON_V2 common; /* first: this is the TCTI context */
	TSS2_TCTI_CONTEXT *inner;
	struct swtpm_fixture *tpm;
	unsigned sent, cut_at;
	int dead;
	uint8_t rec[1 << 16]; /* every response, in order (truncated when full) */
	size_t rec_len;
};

static TSS2_RC cut_transmit(TSS2_TCTI_CONTEXT *ctx, size_t size, const uint8_t *cmd)
{
	struct cut_tcti *c = (struct cut_tcti *)ctx;

	if (!c->dead && ++c->sent == c->cut_at) {
		assert_int_equal(swtpm_fixture_power_cut(c->tpm), 0);
		c->dead = 1;
	}
	if (c->dead)
		return TSS2_TCTI_RC_IO_ERROR;
	return Tss2_Tcti_Transmit(c->inner, size, cmd);
}

static TSS2_RC cut_receive(TSS2_TCTI_CONTEXT *ctx, size_t *size, uint8_t *rsp, int32_t timeout)
{
	struct cut_tcti *c = (struct cut_tcti *)ctx;

	TSS2_RC rc;

	if (c->dead)
		return TSS2_TCTI_RC_IO_ERROR;
	rc = Tss2_Tcti_Receive(c->inner, size, rsp, timeout);
	if (rc == TSS2_RC_SUCCESS && rsp != NULL && *size <= sizeof(c->rec) - c->rec_len) {
		memcpy(c->rec + c->rec_len, rsp, *size);
		c->rec_len += *size;
	}
	return rc;
}

static void cut_finalize(TSS2_TCTI_CONTEXT *ctx)
{
	(void)ctx; /* the inner TCTI is the test's */
}

static TSS2_RC cut_cancel(TSS2_TCTI_CONTEXT *ctx)
{
	(void)ctx;
	return TSS2_TCTI_RC_NOT_IMPLEMENTED;
}

static TSS2_RC cut_poll(TSS2_TCTI_CONTEXT *ctx, TSS2_TCTI_POLL_HANDLE *h, size_t *n)
{
	(void)ctx;
	(void)h;
	(void)n;
	return TSS2_TCTI_RC_NOT_IMPLEMENTED;
}

static TSS2_RC cut_locality(TSS2_TCTI_CONTEXT *ctx, uint8_t loc)
{
	struct cut_tcti *c = (struct cut_tcti *)ctx;

	return c->dead ? TSS2_TCTI_RC_IO_ERROR : Tss2_Tcti_SetLocality(c->inner, loc);
}

static TSS2_RC cut_sticky(TSS2_TCTI_CONTEXT *ctx, TPM2_HANDLE *h, uint8_t sticky)
{
	(void)ctx;
	(void)h;
	(void)sticky;
	return TSS2_TCTI_RC_NOT_IMPLEMENTED;
}

static void cut_init(struct cut_tcti *c, struct tpm2_fx *fx, unsigned cut_at)
{
	size_t size = 0;
	const char *conf = fx->tpm.tcti + strlen("swtpm:");

	memset(c, 0, sizeof(*c));
	c->common.v1.magic = 0x6d61796461796375ull; /* "maydaycu" */
	c->common.v1.version = 2;
	c->common.v1.transmit = cut_transmit;
	c->common.v1.receive = cut_receive;
	c->common.v1.finalize = cut_finalize;
	c->common.v1.cancel = cut_cancel;
	c->common.v1.getPollHandles = cut_poll;
	c->common.v1.setLocality = cut_locality;
	c->common.makeSticky = cut_sticky;
	c->tpm = &fx->tpm;
	c->cut_at = cut_at;
	assert_int_equal(Tss2_Tcti_Swtpm_Init(NULL, &size, conf), TSS2_RC_SUCCESS);
	c->inner = calloc(1, size);
	assert_non_null(c->inner);
	assert_int_equal(Tss2_Tcti_Swtpm_Init(c->inner, &size, conf), TSS2_RC_SUCCESS);
}

static void cut_fini(struct cut_tcti *c)
{
	Tss2_Tcti_Finalize(c->inner);
	free(c->inner);
}

static bool contains(const uint8_t *hay, size_t len, const uint8_t *needle, size_t n)
{
	for (size_t i = 0; i + n <= len; i++)
		if (memcmp(hay + i, needle, n) == 0)
			return true;
	return false;
}

/* The secrets the TPM answers with at run time (the seal secret, the HMAC
 * outputs that are the PSK's derived keys) never appear on the TCTI in
 * the clear: their sessions are salted to the primary and encrypt the
 * response. Recorded at the TCTI, each must be absent from every byte the
 * TPM sent. */
static void wire_secrets_encrypted(void **state)
{
	struct tpm2_fx *fx = *state;
	struct cut_tcti *c = calloc(1, sizeof(*c));
	struct rot_tpm2_ctx ctx;
	ESYS_TR primary = ESYS_TR_NONE, seal = ESYS_TR_NONE, prk = ESYS_TR_NONE, s = ESYS_TR_NONE;
	uint8_t ev[HAL_ROT_REG_LEN], secret[32], reg[HAL_ROT_REG_LEN], mac[32];
	static const uint8_t info[] = "wire test info\x01";
	struct rot_tpm2_policy prk_policy;

	assert_non_null(c);
	cut_init(c, fx, 0);
	assert_int_equal(rot_tpm2_ctx_open_tcti(&ctx, (TSS2_TCTI_CONTEXT *)c, "recorder"),
			 MAYDAY_OK);
	assert_int_equal(rot_tpm2_key_open(&ctx, ROT_TPM2_PRIMARY, ROT_TPM2_KIND_PRIMARY, NULL,
					   &primary, NULL),
			 MAYDAY_OK);
	assert_int_equal(rot_tpm2_key_open(&ctx, ROT_TPM2_SEAL, ROT_TPM2_KIND_SEAL, NULL, &seal,
					   NULL),
			 MAYDAY_OK);
	assert_int_equal(hal_rot_event_verified(fx->vendor, ev), MAYDAY_OK);
	assert_int_equal(rot_tpm2_pcr_extend(&ctx, HAL_ROT_TPM2_PCR_DEFAULT, ev), MAYDAY_OK);
	assert_int_equal(rot_tpm2_unseal(&ctx, primary, seal, HAL_ROT_TPM2_PCR_DEFAULT, secret,
					 reg),
			 MAYDAY_OK);
	rot_tpm2_tr_close(&ctx, &primary);
	rot_tpm2_tr_close(&ctx, &seal);
	rot_tpm2_ctx_close(&ctx);
	/* the PRK answers only in a DCF state: another boot, failed(r) */
	assert_int_equal(swtpm_fixture_restart(&fx->tpm), 0);
	assert_int_equal(rot_tpm2_ctx_open_tcti(&ctx, (TSS2_TCTI_CONTEXT *)c, "recorder"),
			 MAYDAY_OK);
	assert_int_equal(rot_tpm2_key_open(&ctx, ROT_TPM2_PRIMARY, ROT_TPM2_KIND_PRIMARY, NULL,
					   &primary, NULL),
			 MAYDAY_OK);
	assert_int_equal(rot_tpm2_key_open(&ctx, ROT_TPM2_PRK, ROT_TPM2_KIND_PRK, NULL, &prk,
					   NULL),
			 MAYDAY_OK);
	hal_rot_event_failed(MAYDAY_REASON_ROLLBACK, ev);
	assert_int_equal(rot_tpm2_pcr_extend(&ctx, HAL_ROT_TPM2_PCR_DEFAULT, ev), MAYDAY_OK);
	assert_int_equal(rot_tpm2_policy_make(ROT_TPM2_GUARD_PRK, HAL_ROT_TPM2_PCR_DEFAULT,
					      fx->vendor, &prk_policy),
			 MAYDAY_OK);
	assert_int_equal(rot_tpm2_policy_start(&ctx, primary, &s), MAYDAY_OK);
	assert_int_equal(rot_tpm2_policy_satisfy(&ctx, s, HAL_ROT_TPM2_PCR_DEFAULT, &prk_policy),
			 MAYDAY_OK);
	assert_int_equal(rot_tpm2_hmac(&ctx, prk, s, info, sizeof(info) - 1, mac), MAYDAY_OK);
	rot_tpm2_flush(&ctx, &s);
	rot_tpm2_tr_close(&ctx, &primary);
	rot_tpm2_tr_close(&ctx, &prk);
	rot_tpm2_ctx_close(&ctx);
	assert_true(c->rec_len > 0 && c->rec_len < sizeof(c->rec)); /* all of it recorded */
	assert_false(contains(c->rec, c->rec_len, secret, sizeof(secret)));
	assert_false(contains(c->rec, c->rec_len, mac, sizeof(mac)));
	cut_fini(c);
	free(c);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The RoT opens as a complete provisioning with distress key `pub`, or not
 * at all with a clear error. 1 if it opened. With `creds_key`, the normal
 * role then has the credentials' key too. */
static int opens_whole_or_not(struct tpm2_fx *fx, EVP_PKEY *pub, bool creds_key)
{
	struct hal_rot *rot = NULL;
	EVP_PKEY *k = NULL;
	enum mayday_err err = hal_rot_open_role(&rot, fx->tpm.spec, fx->f, HAL_ROT_ROLE_TRE);

	if (err != MAYDAY_OK) {
		assert_null(rot);
		assert_true(err == MAYDAY_E_NOTFOUND || err == MAYDAY_E_MALFORMED);
		return 0;
	}
	assert_int_equal(hal_rot_self_test(rot), MAYDAY_OK);
	assert_int_equal(hal_rot_distress_public(rot, &k), MAYDAY_OK);
	assert_int_equal(EVP_PKEY_eq(k, pub), 1);
	EVP_PKEY_free(k);
	hal_rot_close(rot);
	if (creds_key) {
		rot = tpm2_fx_open(fx, HAL_ROT_ROLE_NORMAL);
		assert_int_equal(hal_rot_creds_tls_key(rot, &k), MAYDAY_OK);
		assert_int_equal(EVP_PKEY_eq(k, fx->creds_pub), 1);
		EVP_PKEY_free(k);
		hal_rot_close(rot);
	}
	return 1;
}

/* tpm2_fx_provision, or with the credentials' key made in the TPM. */
static enum mayday_err provision(struct tpm2_fx *fx, void *tcti, bool creds_key)
{
	return creds_key ? tpm2_fx_provision_creds_key(fx, tcti) : tpm2_fx_provision(fx, tcti);
}

static void power_cut_loop(struct tpm2_fx *fx, bool creds_key)
{
	EVP_PKEY *complete;
	unsigned n, refused = 0, total = 0;
	double t0, t;

	t0 = now_s();
	assert_int_equal(provision(fx, NULL, creds_key), MAYDAY_OK);
	t = now_s() - t0;
	printf("tpm2 (swtpm): provisioning (PSK and credentials%s) took %.1f ms\n",
	       creds_key ? ", their key in the TPM" : "", t * 1e3);
	assert_int_equal(EVP_PKEY_up_ref(fx->distress_pub), 1);
	complete = fx->distress_pub;
	for (n = 1;; n++) {
		struct cut_tcti c;
		enum mayday_err err;

		assert_true(n < 1000); /* provisioning is a bounded number of commands */
		cut_init(&c, fx, n);
		err = provision(fx, &c, creds_key);
		cut_fini(&c);
		if (err == MAYDAY_OK) {
			assert_false(c.dead);
			total = c.sent;
			break;
		}
		assert_int_equal(err, MAYDAY_E_IO);
		assert_true(c.dead);
		assert_int_equal(swtpm_fixture_start(&fx->tpm), 0);
		if (!opens_whole_or_not(fx, complete, creds_key))
			refused++;
	}
	printf("tpm2 (swtpm): provisioning is %u TPM commands; cut before each of the "
	       "first %u, the RoT refused to open %u times, opened whole otherwise\n",
	       total, n - 1, refused);
	/* some cut fell after the old layout went: those did not open */
	assert_true(refused > 0);
	/* and the provisioning that went through is the one that opens */
	assert_int_equal(opens_whole_or_not(fx, fx->distress_pub, creds_key), 1);
	assert_int_equal(EVP_PKEY_eq(complete, fx->distress_pub), 0);
	EVP_PKEY_free(complete);
}

static void provision_power_cut(void **state)
{
	power_cut_loop(*state, false);
}

/* The same with the credentials' key made in the TPM (more commands, and
 * the certificate issued in the middle). */
static void provision_power_cut_creds_key(void **state)
{
	power_cut_loop(*state, true);
}

/* One increment; the PCR must be in a state the counter's policy admits:
 * a DCF state for the message counter, normal code's for the anti-rollback
 * one. */
static uint64_t next(struct tpm2_fx *fx, enum hal_rot_counter which)
{
	struct hal_rot *rot = tpm2_fx_open(fx, HAL_ROT_ROLE_DCF);
	uint64_t v = 0;

	assert_int_equal(hal_rot_counter_next(rot, which, &v), MAYDAY_OK);
	hal_rot_close(rot);
	return v;
}

static uint64_t read_ctr(struct tpm2_fx *fx, enum hal_rot_counter which)
{
	struct hal_rot *rot = tpm2_fx_open(fx, HAL_ROT_ROLE_NORMAL);
	uint64_t v = 0;

	assert_int_equal(hal_rot_counter_read(rot, which, &v), MAYDAY_OK);
	hal_rot_close(rot);
	return v;
}

/* Power cut after every increment: the value read after the reboot is the
 * one the increment returned, never less. */
static void counter_power_cut(void **state)
{
	struct tpm2_fx *fx = *state;

	for (uint64_t i = 1; i <= 6; i++) {
		enum hal_rot_counter which = i % 2 ? HAL_ROT_COUNTER_MESSAGE
						   : HAL_ROT_COUNTER_ROLLBACK;
		uint64_t v;

		if (which == HAL_ROT_COUNTER_MESSAGE) /* the PCR is zero after the reboot */
			tpm2_fx_enter_dcf(fx, MAYDAY_REASON_NO_BOOTABLE_SLOT);
		else
			tpm2_fx_enter_normal(fx);
		v = next(fx, which);

		assert_int_equal(v, (i + 1) / 2);
		assert_int_equal(swtpm_fixture_restart_unclean(&fx->tpm), 0);
		assert_int_equal(read_ctr(fx, which), v);
	}
	/* an advance (normal code's), then a cut: it stays */
	tpm2_fx_enter_normal(fx);
	{
		struct hal_rot *rot = tpm2_fx_open(fx, HAL_ROT_ROLE_NORMAL);

		assert_int_equal(hal_rot_counter_advance(rot, HAL_ROT_COUNTER_ROLLBACK, 40),
				 MAYDAY_OK);
		hal_rot_close(rot);
	}
	assert_int_equal(swtpm_fixture_restart_unclean(&fx->tpm), 0);
	assert_int_equal(read_ctr(fx, HAL_ROT_COUNTER_ROLLBACK), 40);
	{
		struct hal_rot *rot = tpm2_fx_open(fx, HAL_ROT_ROLE_NORMAL);

		assert_int_equal(hal_rot_counter_advance(rot, HAL_ROT_COUNTER_ROLLBACK, 39),
				 MAYDAY_E_ROLLBACK);
		hal_rot_close(rot);
	}
}

static uint64_t raw_counter(struct tpm2_fx *fx, TPM2_HANDLE index)
{
	ESYS_CONTEXT *esys = tpm2_fx_esys(fx);
	ESYS_TR nv = ESYS_TR_NONE;
	TPM2B_MAX_NV_BUFFER *d = NULL;
	uint64_t v = 0;

	assert_int_equal(Esys_TR_FromTPMPublic(esys, index, ESYS_TR_NONE, ESYS_TR_NONE,
					       ESYS_TR_NONE, &nv), TSS2_RC_SUCCESS);
	assert_int_equal(Esys_NV_Read(esys, nv, nv, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE,
				      8, 0, &d), TSS2_RC_SUCCESS);
	assert_int_equal(d->size, 8);
	for (int i = 0; i < 8; i++)
		v = v << 8 | d->buffer[i];
	Esys_Free(d);
	tpm2_fx_esys_close(esys);
	return v;
}

/* A counter of someone else's on this TPM ran to 50 and was deleted before
 * provisioning: ours start at or above it (a new NV counter starts at the
 * highest value a deleted one had) and read zero (the base). */
static void counter_bases(void **state)
{
	struct tpm2_fx *fx = *state;
	ESYS_CONTEXT *esys = tpm2_fx_esys(fx);
	TPM2B_AUTH auth = { .size = 0 };
	TPM2B_NV_PUBLIC pub = {
		.nvPublic = {
			.nvIndex = 0x01500020,
			.nameAlg = TPM2_ALG_SHA256,
			.attributes = TPMA_NV_AUTHWRITE | TPMA_NV_AUTHREAD | TPMA_NV_NO_DA |
				      ((TPMA_NV)TPM2_NT_COUNTER << TPMA_NV_TPM2_NT_SHIFT),
			.dataSize = 8,
		},
	};
	ESYS_TR nv = ESYS_TR_NONE;
	uint64_t raw1, raw2;

	assert_int_equal(Esys_NV_DefineSpace(esys, ESYS_TR_RH_OWNER, ESYS_TR_PASSWORD,
					     ESYS_TR_NONE, ESYS_TR_NONE, &auth, &pub, &nv),
			 TSS2_RC_SUCCESS);
	for (int i = 0; i < 50; i++)
		assert_int_equal(Esys_NV_Increment(esys, nv, nv, ESYS_TR_PASSWORD, ESYS_TR_NONE,
						   ESYS_TR_NONE), TSS2_RC_SUCCESS);
	/* deleted, as an earlier owner's counters would be */
	assert_int_equal(Esys_NV_UndefineSpace(esys, ESYS_TR_RH_OWNER, nv, ESYS_TR_PASSWORD,
					       ESYS_TR_NONE, ESYS_TR_NONE), TSS2_RC_SUCCESS);
	tpm2_fx_esys_close(esys);

	assert_int_equal(tpm2_fx_provision(fx, NULL), MAYDAY_OK);
	raw1 = raw_counter(fx, 0x01500010);
	assert_true(raw1 >= 50);
	assert_int_equal(read_ctr(fx, HAL_ROT_COUNTER_MESSAGE), 0);
	assert_int_equal(read_ctr(fx, HAL_ROT_COUNTER_ROLLBACK), 0);
	tpm2_fx_enter_dcf(fx, MAYDAY_REASON_NO_BOOTABLE_SLOT);
	assert_int_equal(next(fx, HAL_ROT_COUNTER_MESSAGE), 1);
	assert_int_equal(next(fx, HAL_ROT_COUNTER_MESSAGE), 2);
	/* provisioning again: the RoT's counters are zero again, the TPM's
	 * raw counter never went back */
	assert_int_equal(tpm2_fx_provision(fx, NULL), MAYDAY_OK);
	raw2 = raw_counter(fx, 0x01500010);
	assert_true(raw2 > raw1 + 1);
	assert_int_equal(read_ctr(fx, HAL_ROT_COUNTER_MESSAGE), 0);
}

/* A DA-protected signing key of the test's own, at 0x81010009. */
static void make_da_key(struct tpm2_fx *fx)
{
	ESYS_CONTEXT *esys = tpm2_fx_esys(fx);
	ESYS_TR parent = ESYS_TR_NONE, key = ESYS_TR_NONE, out = ESYS_TR_NONE;
	TPM2B_SENSITIVE_CREATE sens = { .size = 0 };
	TPM2B_PUBLIC tmpl = { .publicArea = {
		.type = TPM2_ALG_ECC,
		.nameAlg = TPM2_ALG_SHA256,
		.objectAttributes = TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT |
				    TPMA_OBJECT_SENSITIVEDATAORIGIN | TPMA_OBJECT_USERWITHAUTH |
				    TPMA_OBJECT_SIGN_ENCRYPT, /* no NODA */
		.parameters.eccDetail = {
			.symmetric.algorithm = TPM2_ALG_NULL,
			.scheme = { .scheme = TPM2_ALG_ECDSA, .details.ecdsa.hashAlg = TPM2_ALG_SHA256 },
			.curveID = TPM2_ECC_NIST_P256,
			.kdf.scheme = TPM2_ALG_NULL,
		},
	} };
	TPM2B_DATA outside = { .size = 0 };
	TPML_PCR_SELECTION pcrs = { .count = 0 };
	TPM2B_PRIVATE *priv = NULL;
	TPM2B_PUBLIC *pub = NULL;

	assert_int_equal(Esys_TR_FromTPMPublic(esys, 0x81000a10, ESYS_TR_NONE, ESYS_TR_NONE,
					       ESYS_TR_NONE, &parent), TSS2_RC_SUCCESS);
	assert_int_equal(Esys_Create(esys, parent, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE,
				     &sens, &tmpl, &outside, &pcrs, &priv, &pub, NULL, NULL, NULL),
			 TSS2_RC_SUCCESS);
	assert_int_equal(Esys_Load(esys, parent, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE,
				   priv, pub, &key), TSS2_RC_SUCCESS);
	assert_int_equal(Esys_EvictControl(esys, ESYS_TR_RH_OWNER, key, ESYS_TR_PASSWORD,
					   ESYS_TR_NONE, ESYS_TR_NONE, 0x81010009, &out),
			 TSS2_RC_SUCCESS);
	assert_int_equal(Esys_FlushContext(esys, key), TSS2_RC_SUCCESS);
	Esys_Free(priv);
	Esys_Free(pub);
	tpm2_fx_esys_close(esys);
}

static TSS2_RC sign_da_key(struct tpm2_fx *fx)
{
	ESYS_CONTEXT *esys = tpm2_fx_esys(fx);
	ESYS_TR key = ESYS_TR_NONE;
	TPM2B_DIGEST d = { .size = 32 };
	TPMT_SIG_SCHEME scheme = { .scheme = TPM2_ALG_ECDSA,
				   .details.ecdsa.hashAlg = TPM2_ALG_SHA256 };
	TPMT_TK_HASHCHECK ticket = { .tag = TPM2_ST_HASHCHECK, .hierarchy = TPM2_RH_NULL };
	TPMT_SIGNATURE *sig = NULL;
	TSS2_RC rc;

	assert_int_equal(Esys_TR_FromTPMPublic(esys, 0x81010009, ESYS_TR_NONE, ESYS_TR_NONE,
					       ESYS_TR_NONE, &key), TSS2_RC_SUCCESS);
	rc = Esys_Sign(esys, key, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &d, &scheme,
		       &ticket, &sig);
	Esys_Free(sig);
	tpm2_fx_esys_close(esys);
	return rc;
}

/* Five unclean power cuts in a row, each after the keys were used: the
 * DA-protected key ends in lockout, the noda distress key still signs. */
static void lockout(void **state)
{
	struct tpm2_fx *fx = *state;
	struct hal_rot *rot;
	TSS2_RC rc;

	make_da_key(fx);
	for (int i = 0; i < 5; i++) {
		rc = sign_da_key(fx);
		if (rc != TSS2_RC_SUCCESS)
			break; /* already locked out */
		rot = tpm2_fx_open(fx, HAL_ROT_ROLE_DCF);
		assert_int_equal(hal_rot_self_test(rot), MAYDAY_OK);
		hal_rot_close(rot);
		assert_int_equal(swtpm_fixture_restart_unclean(&fx->tpm), 0);
	}
	rc = sign_da_key(fx);
	assert_int_equal(rc & 0xfff, TPM2_RC_LOCKOUT);
	rot = tpm2_fx_open(fx, HAL_ROT_ROLE_DCF);
	assert_int_equal(hal_rot_self_test(rot), MAYDAY_OK);
	hal_rot_close(rot);
	/* and so do the TRE's calls */
	rot = tpm2_fx_open(fx, HAL_ROT_ROLE_TRE);
	{
		uint8_t ev[HAL_ROT_REG_LEN], out[HAL_ROT_CREDS_MAX];
		size_t len = 0;

		assert_int_equal(hal_rot_event_verified(fx->vendor, ev), MAYDAY_OK);
		assert_int_equal(hal_rot_extend(rot, ev), MAYDAY_OK);
		assert_int_equal(hal_rot_unseal_creds(rot, out, sizeof(out), &len), MAYDAY_OK);
		assert_int_equal(len, tpm2_fx_creds_len);
	}
	hal_rot_close(rot);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(wire_secrets_encrypted, tpm2_fx_setup,
						tpm2_fx_teardown),
		cmocka_unit_test_setup_teardown(provision_power_cut, tpm2_fx_setup_bare,
						tpm2_fx_teardown),
		cmocka_unit_test_setup_teardown(provision_power_cut_creds_key, tpm2_fx_setup_bare,
						tpm2_fx_teardown),
		cmocka_unit_test_setup_teardown(counter_power_cut, tpm2_fx_setup, tpm2_fx_teardown),
		cmocka_unit_test_setup_teardown(counter_bases, tpm2_fx_setup_bare,
						tpm2_fx_teardown),
		cmocka_unit_test_setup_teardown(lockout, tpm2_fx_setup, tpm2_fx_teardown),
	};

	swtpm_fixture_require();
	return cmocka_run_group_tests(tests, NULL, NULL);
}

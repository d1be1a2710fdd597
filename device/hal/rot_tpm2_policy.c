/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Who may use what, as the TPM enforces it (rot_tpm2.h "rot_tpm2_policy.c";
 * docs/rot.md "What the TPM enforces"). The only thing that tells the
 * roles apart inside the TPM is the measurement PCR, which after a TPM
 * reset only the TrE extends, once, with its outcome:
 *   the TrE runs with     PCR = zeros (before it extends)
 *   the DCF runs with     PCR = E(0, failed(r)), r a DCF reason 1..7
 *   normal code runs with PCR = E(E(0, verified), released)
 * So each guarded object's authPolicy is a PolicyOR of PolicyPCR branches,
 * one per PCR state admitted -- or, for the device credentials' key, which
 * admits normal code's state alone, that one PolicyPCR without a PolicyOR
 * -- and the objects have no userWithAuth: their (empty) auth value
 * authorizes nothing. Normal code's state is hal_rot_policy_released
 * (rot_measure.c, beside the verified value the credentials are sealed
 * to), the one computation of it. The NV counters add
 * PolicyCommandCode(TPM2_CC_NV_Increment), the keys
 * PolicyCommandCode(TPM2_CC_Sign) (the distress and credentials' keys) or
 * (TPM2_CC_HMAC) (the PRK), so a policy authorizes no other command (nor
 * any administrative one, which would need its own command code). The anti-rollback counter admits normal code's state
 * alone: a pending image is confirmed, and the counter raised to its
 * manifest's value, by normal code once it attached
 * (device/boot/boot_confirm.c, called by mayday-normal only); the TrE
 * never raises it, so PCR zero has no branch (least privilege), and the
 * DCF, and anything running after a failed start-up, cannot raise it.
 *
 * The digests are computed here in software from the PCR values
 * (TPM 2.0 Part 3, the policy commands' "policyDigest update"), so open
 * checks every object's policy without a trial session per branch; the
 * TPM itself checks them at every use (a real session), and
 * test_rot_tpm2_roles (policy_sw_equals_tpm) checks each guard's branches
 * and whole digest (PolicyOR, PolicyCommandCode) against the TPM's trial
 * sessions.
 *
 * A policy session is started per operation and flushed before it
 * returns; a TPM resets a policy session's digest after each command it
 * authorizes, so an operation of several commands (three HMACs, the
 * increments of an advance) satisfies the policy again before each on the
 * same session.
 */
#include <string.h>
#include <openssl/evp.h>
#include <tss2/tss2_mu.h>

#include "log.h"
#include "mayday/evidence.h"
#include "rot_tpm2.h"

/* The DCF's PCR states, failed(r) for every DCF reason. One PolicyOR
 * takes at most 8 branches: the distress key's list is PCR zero (the
 * TrE's self-test) plus these. Adding a reason to enum mayday_reason:
 * raise ROT_TPM2_REASON_LAST (rot_tpm2.h; test_rot_tpm2_roles fails until
 * it is), and if the distress key's list then exceeds 8 branches, build a
 * second OR level (PolicyOR of PolicyORs of at most 8 each) here and in
 * satisfy() -- the layout version must then change, as the policies do.
 * Reason 0 (halt) has no branch: after a halt nothing runs. */
#define DCF_STATES (ROT_TPM2_REASON_LAST - ROT_TPM2_REASON_FIRST + 1)
_Static_assert(ROT_TPM2_REASON_FIRST == MAYDAY_REASON_COMPONENT_MISMATCH &&
		       ROT_TPM2_REASON_LAST == MAYDAY_REASON_ATTACH_FAILED,
	       "the DCF reasons are enum mayday_reason's; failed(0) is a halt, never a DCF state");
_Static_assert(1 + DCF_STATES <= ROT_TPM2_BRANCH_MAX,
	       "the distress key's PolicyOR exceeds 8 branches: add a second OR level");

static void sha256_parts(const void *a, size_t alen, const void *b, size_t blen,
			 const void *c, size_t clen, uint8_t out[32])
{
	EVP_MD_CTX *m = EVP_MD_CTX_new();
	unsigned int n = 0;

	/* only allocation can fail here; a zero digest then matches no TPM's */
	memset(out, 0, 32);
	if (m != NULL && EVP_DigestInit_ex(m, EVP_sha256(), NULL) == 1 &&
	    EVP_DigestUpdate(m, a, alen) == 1 && EVP_DigestUpdate(m, b, blen) == 1 &&
	    (clen == 0 || EVP_DigestUpdate(m, c, clen) == 1))
		(void)EVP_DigestFinal_ex(m, out, &n);
	EVP_MD_CTX_free(m);
}

static void put_cc(uint8_t out[4], TPM2_CC cc)
{
	out[0] = (uint8_t)(cc >> 24);
	out[1] = (uint8_t)(cc >> 16);
	out[2] = (uint8_t)(cc >> 8);
	out[3] = (uint8_t)cc;
}

enum mayday_err rot_tpm2_policy_pcr_sw(const uint8_t old[32], unsigned pcr,
				       const uint8_t value[HAL_ROT_REG_LEN], uint8_t out[32])
{
	TPML_PCR_SELECTION sel;
	uint8_t tail[4 + sizeof(TPML_PCR_SELECTION) + 32], pcr_digest[32];
	size_t off = 4;

	rot_tpm2_pcr_select(pcr, &sel);
	put_cc(tail, TPM2_CC_PolicyPCR);
	if (Tss2_MU_TPML_PCR_SELECTION_Marshal(&sel, tail, sizeof(tail) - 32, &off) !=
	    TSS2_RC_SUCCESS)
		return MAYDAY_E_INTERNAL;
	/* pcrDigest: the hash of the selected PCRs' values, here one */
	sha256_parts(value, HAL_ROT_REG_LEN, "", 0, NULL, 0, pcr_digest);
	memcpy(tail + off, pcr_digest, 32);
	sha256_parts(old, 32, tail, off + 32, NULL, 0, out);
	return MAYDAY_OK;
}

/* PolicyOR: H(zeros || TPM_CC_PolicyOR || digest_1 || ... || digest_n). */
static void policy_or_sw(const uint8_t branch[][32], unsigned n, uint8_t out[32])
{
	static const uint8_t zeros[32];
	uint8_t cc[4];

	put_cc(cc, TPM2_CC_PolicyOR);
	sha256_parts(zeros, 32, cc, 4, branch, (size_t)n * 32, out);
}

/* PolicyCommandCode: H(old || TPM_CC_PolicyCommandCode || code). */
static void policy_cc_sw(uint8_t digest[32], TPM2_CC code)
{
	uint8_t tail[8], old[32];

	put_cc(tail, TPM2_CC_PolicyCommandCode);
	put_cc(tail + 4, code);
	memcpy(old, digest, 32);
	sha256_parts(old, 32, tail, 8, NULL, 0, digest);
}

enum mayday_err rot_tpm2_policy_make(enum rot_tpm2_guard guard, unsigned pcr, EVP_PKEY *vendor,
				     struct rot_tpm2_policy *out)
{
	static const uint8_t zeros[32];
	uint8_t states[ROT_TPM2_BRANCH_MAX][HAL_ROT_REG_LEN];
	unsigned n = 0;
	bool tre = guard == ROT_TPM2_GUARD_DISTRESS;
	bool normal = guard == ROT_TPM2_GUARD_CTR_ROLLBACK || guard == ROT_TPM2_GUARD_CREDS;
	bool dcf = !normal;

	memset(out, 0, sizeof(*out));
	if (tre)
		memset(states[n++], 0, HAL_ROT_REG_LEN);
	if (normal) {
		enum mayday_err err = hal_rot_policy_released(vendor, states[n++]);

		if (err != MAYDAY_OK)
			return err;
	}
	for (uint32_t r = ROT_TPM2_REASON_FIRST; dcf && r <= ROT_TPM2_REASON_LAST; r++) {
		uint8_t ev[HAL_ROT_REG_LEN];

		hal_rot_event_failed(r, ev);
		memset(states[n], 0, HAL_ROT_REG_LEN);
		hal_rot_reg_extend(states[n++], ev);
	}
	for (unsigned i = 0; i < n; i++) {
		enum mayday_err err = rot_tpm2_policy_pcr_sw(zeros, pcr, states[i],
							     out->branch[i]);

		if (err != MAYDAY_OK)
			return err;
	}
	out->n = n;
	if (n == 1)
		memcpy(out->digest, out->branch[0], 32);
	else
		policy_or_sw((const uint8_t(*)[32])out->branch, n, out->digest);
	/* the one command each item is for: without it the keys' policies
	 * would authorize every user-role command (TPM2_Certify, TPM2_Quote
	 * signing with the distress key; TPM2_Sign with the PRK's HMAC) */
	if (guard == ROT_TPM2_GUARD_CTR_MESSAGE || guard == ROT_TPM2_GUARD_CTR_ROLLBACK)
		out->cc = TPM2_CC_NV_Increment;
	else if (guard == ROT_TPM2_GUARD_PRK)
		out->cc = TPM2_CC_HMAC;
	else
		out->cc = TPM2_CC_Sign; /* DISTRESS, CREDS */
	policy_cc_sw(out->digest, out->cc);
	return MAYDAY_OK;
}

enum mayday_err rot_tpm2_policy_start(struct rot_tpm2_ctx *ctx, ESYS_TR salt_key, ESYS_TR *s)
{
	TPMT_SYM_DEF none = { .algorithm = TPM2_ALG_NULL };
	TSS2_RC rc;

	if (salt_key != ESYS_TR_NONE)
		return rot_tpm2_session_salted(ctx, salt_key, TPM2_SE_POLICY, s);
	rc = Esys_StartAuthSession(ctx->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
				   ESYS_TR_NONE, ESYS_TR_NONE, NULL, TPM2_SE_POLICY, &none,
				   TPM2_ALG_SHA256, s);
	if (rc != TSS2_RC_SUCCESS) {
		*s = ESYS_TR_NONE;
		return rot_tpm2_err(ctx, rc, "TPM2_StartAuthSession (policy)");
	}
	return MAYDAY_OK;
}

bool rot_tpm2_policy_refusal(TSS2_RC rc)
{
	TSS2_RC base = rc & (TPM2_RC_FMT1 | 0x3f);

	return (rc & TSS2_RC_LAYER_MASK) == TSS2_TPM_RC_LAYER && (rc & TPM2_RC_FMT1) != 0 &&
	       (base == TPM2_RC_POLICY_FAIL || base == TPM2_RC_VALUE);
}

enum mayday_err rot_tpm2_policy_denied(const struct rot_tpm2_ctx *ctx, TSS2_RC rc,
				       const char *what)
{
	if (!rot_tpm2_policy_refusal(rc))
		return rot_tpm2_err(ctx, rc, what);
	log_warnx("rot: tpm2 (%s): %s: the TPM refuses it in this PCR state (the item "
		  "is another role's: docs/rot.md \"What the TPM enforces\")", ctx->tcti_name,
		  what);
	return MAYDAY_E_DENIED;
}

/* PolicyPCR with an empty pcrDigest: the TPM takes the PCR's value as it is
 * now, so no PCR_Read is needed and the value cannot change in between
 * (the TPM also refuses the session's use if the PCR changes before it);
 * then PolicyOR over the admitted branches, which the TPM refuses
 * (TPM_RC_VALUE) unless that value is one of them. */
enum mayday_err rot_tpm2_policy_satisfy(struct rot_tpm2_ctx *ctx, ESYS_TR s, unsigned pcr,
					const struct rot_tpm2_policy *p)
{
	TPML_PCR_SELECTION sel;
	TPM2B_DIGEST empty = { .size = 0 };
	TSS2_RC rc;

	rot_tpm2_pcr_select(pcr, &sel);
	rc = Esys_PolicyPCR(ctx->esys, s, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &empty, &sel);
	if (rc != TSS2_RC_SUCCESS)
		return rot_tpm2_err(ctx, rc, "TPM2_PolicyPCR");
	if (p->n >= 2) {
		TPML_DIGEST list = { .count = p->n };

		for (unsigned i = 0; i < p->n; i++) {
			list.digests[i].size = 32;
			memcpy(list.digests[i].buffer, p->branch[i], 32);
		}
		rc = Esys_PolicyOR(ctx->esys, s, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &list);
		if (rc != TSS2_RC_SUCCESS)
			return rot_tpm2_policy_denied(ctx, rc, "TPM2_PolicyOR");
	}
	if (p->cc != 0) {
		rc = Esys_PolicyCommandCode(ctx->esys, s, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
					    p->cc);
		if (rc != TSS2_RC_SUCCESS)
			return rot_tpm2_err(ctx, rc, "TPM2_PolicyCommandCode");
	}
	return MAYDAY_OK;
}

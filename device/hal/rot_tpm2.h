/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private to the tpm2 RoT backend (rot_tpm2*.c): the TPM layout and the
 * small operations the backend and its provisioning are made of, one file
 * per job:
 *   rot_tpm2_ctx.c        the TCTI and the ESAPI context, handles, errors
 *   rot_tpm2_nv.c         write-locked NV items and NV counters
 *   rot_tpm2_keys.c       the key objects: public halves, TPM2_Sign, TPM2_HMAC
 *   rot_tpm2_pcr.c        the measurement PCR, its policy, TPM2_Unseal
 *   rot_tpm2_policy.c     the roles' policies (PolicyPCR branches, PolicyOR)
 *   rot_tpm2.c            the hal_rot_ops table
 *   rot_tpm2_provision.c  hal_rot_tpm2_provision
 * The layout (docs/rot.md "TPM 2.0 backend") is owner hierarchy objects
 * and indices with empty auth values of their own; the TPM's protections
 * are attributes (fixedtpm, write locks, counters that only increment),
 * PCR policies (the seal object's; the distress key's, the PRK's, the
 * credentials' key's and the counters' writes, each admitting only the PCR
 * states of the roles that use it: rot_tpm2_policy.c) plus the owner and lockout authorizations provisioning sets
 * (without them anyone could delete and redefine an index; open refuses a
 * TPM whose owner or lockout auth is empty). Only provisioning uses owner
 * authorization; the running RoT never needs it.
 *
 * Every TPM answer is checked before use (sizes, types, attributes), and
 * every transient object and session a function loads is flushed before
 * it returns, on every path: swtpm has no resource manager, and a device's
 * /dev/tpmrm0 is not relied on for it. ESYS_TR handles of persistent
 * objects and NV indices are ESAPI metadata only; rot_tpm2_tr_close frees
 * them.
 */
#ifndef MAYDAY_HAL_ROT_TPM2_H
#define MAYDAY_HAL_ROT_TPM2_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <openssl/evp.h>
#include <tss2/tss2_esys.h>

#include "mayday/error.h"
#include "rot.h"

/* Persistent handles away from the TCG's conventional ones (0x81000001
 * the SRK, 0x81010001/2 the EKs: other software may hold objects there);
 * provisioning replaces only objects of this layout's templates. */
#define ROT_TPM2_PRIMARY         0x81000a10u
#define ROT_TPM2_DISTRESS        0x81000a11u
#define ROT_TPM2_PRK             0x81000a12u
#define ROT_TPM2_SEAL            0x81000a13u
#define ROT_TPM2_CREDS           0x81000a14u
#define ROT_TPM2_NV_DEVICE_ID    0x01500001u
#define ROT_TPM2_NV_LAYOUT       0x01500002u
#define ROT_TPM2_NV_VENDOR       0x01500003u
#define ROT_TPM2_NV_HEMS         0x01500004u
#define ROT_TPM2_NV_CTR_MESSAGE  0x01500010u
#define ROT_TPM2_NV_CTR_ROLLBACK 0x01500011u

#define ROT_TPM2_TCTI_MAX 256 /* the TCTI text, for log lines */

struct rot_tpm2_ctx {
	TSS2_TCTI_CONTEXT *tcti; /* owned unless borrowed */
	int tcti_borrowed;
	ESYS_CONTEXT *esys;      /* owned */
	char tcti_name[ROT_TPM2_TCTI_MAX];
};

/* rot_tpm2_ctx.c. `tcti`: "device:PATH", "swtpm:CONF" (CONF as
 * Tss2_Tcti_Swtpm_Init: "path=SOCK" or "host=H,port=P"); anything else is
 * MAYDAY_E_INVALID. A TPM that cannot be reached or does not answer
 * TPM2_GetRandom is MAYDAY_E_IO, logged with the TCTI. On error nothing is
 * left open. */
MAYDAY_NODISCARD enum mayday_err rot_tpm2_ctx_open(struct rot_tpm2_ctx *ctx, const char *tcti);
/* The same over an initialised TCTI the caller owns (borrowed: not
 * finalised by close); `name` names it in log lines. */
MAYDAY_NODISCARD enum mayday_err rot_tpm2_ctx_open_tcti(struct rot_tpm2_ctx *ctx,
							TSS2_TCTI_CONTEXT *tcti,
							const char *name);
void rot_tpm2_ctx_close(struct rot_tpm2_ctx *ctx); /* NULL-safe, idempotent */
/* `rc` of `what` as an error, logged once: TCTI/connection failures
 * MAYDAY_E_IO; a missing handle or an index never written
 * MAYDAY_E_NOTFOUND; anything else from the TPM MAYDAY_E_IO. */
enum mayday_err rot_tpm2_err(const struct rot_tpm2_ctx *ctx, TSS2_RC rc, const char *what);
/* An ESYS_TR for a persistent object or NV index; MAYDAY_E_NOTFOUND if
 * the TPM has no such handle. */
MAYDAY_NODISCARD enum mayday_err rot_tpm2_tr(struct rot_tpm2_ctx *ctx, TPM2_HANDLE handle,
					     ESYS_TR *out);
void rot_tpm2_tr_close(struct rot_tpm2_ctx *ctx, ESYS_TR *tr); /* ESYS_TR_NONE-safe */
void rot_tpm2_flush(struct rot_tpm2_ctx *ctx, ESYS_TR *tr);    /* transients; NONE-safe */
/* A session salted to `salt_key` (the primary: only this TPM can recover
 * the salt) with AES-128-CFB parameter encryption of the response
 * (TPMA_SESSION_ENCRYPT): a secret the TPM answers with (the unsealed
 * secret, an HMAC output) does not cross the TCTI in the clear. The
 * caller flushes *s. */
MAYDAY_NODISCARD enum mayday_err rot_tpm2_session_salted(struct rot_tpm2_ctx *ctx,
							 ESYS_TR salt_key, TPM2_SE type,
							 ESYS_TR *s);
/* The TPM's TPMA_PERMANENT bits (TPM2_GetCapability, TPM2_PT_PERMANENT). */
MAYDAY_NODISCARD enum mayday_err rot_tpm2_permanent(struct rot_tpm2_ctx *ctx, uint32_t *attrs);
/* MAYDAY_E_MALFORMED (logged) unless both the owner and the lockout
 * authorization are set: with either empty, anyone who reaches the TPM can
 * undefine and redefine the RoT's NV indices (anchors, counter bases) with
 * identical attributes, or TPM2_Clear it, and the layout checks cannot see
 * it. Provisioning sets both (hal_rot_tpm2_provision_args.owner_auth). */
MAYDAY_NODISCARD enum mayday_err rot_tpm2_check_owned(struct rot_tpm2_ctx *ctx);

/* rot_tpm2_nv.c: the write-once items (ordinary indices written once,
 * then write-locked). read checks the index's attributes and that it is
 * written and write-locked (else MAYDAY_E_MALFORMED: provisioning did not
 * finish), and its size is min..max (else MAYDAY_E_MALFORMED). */
MAYDAY_NODISCARD enum mayday_err rot_tpm2_nv_read(struct rot_tpm2_ctx *ctx, TPM2_HANDLE index,
						  size_t min, size_t max, uint8_t *out,
						  size_t *len);
MAYDAY_NODISCARD enum mayday_err rot_tpm2_nv_write_once(struct rot_tpm2_ctx *ctx,
							TPM2_HANDLE index, const uint8_t *data,
							size_t len);
/* Removes the index if it is one of this layout (a write-once item's or a
 * counter's attributes); MAYDAY_OK if there was none; MAYDAY_E_EXISTS,
 * logged, if another index is there (someone else's: left alone). */
MAYDAY_NODISCARD enum mayday_err rot_tpm2_nv_undefine(struct rot_tpm2_ctx *ctx,
						      TPM2_HANDLE index);
/* NV counters (TPMA_NV_POLICYWRITE with `policy` as authPolicy, and
 * OWNERWRITE for provisioning's first increment; read with the empty auth
 * or the owner's): define checks nothing is there; check verifies type,
 * attributes and authPolicy == policy (MAYDAY_E_MALFORMED, logged) and that
 * it was incremented once. */
MAYDAY_NODISCARD enum mayday_err rot_tpm2_ctr_define(struct rot_tpm2_ctx *ctx, TPM2_HANDLE index,
						     const uint8_t policy[32]);
MAYDAY_NODISCARD enum mayday_err rot_tpm2_ctr_check(struct rot_tpm2_ctx *ctx, TPM2_HANDLE index,
						    const uint8_t policy[32]);
MAYDAY_NODISCARD enum mayday_err rot_tpm2_ctr_read(struct rot_tpm2_ctx *ctx, TPM2_HANDLE index,
						   uint64_t *raw);
/* TPM2_NV_Increment authorized by `session`, a policy session the caller
 * satisfied (rot_tpm2_policy_satisfy) -- or, with ESYS_TR_NONE, by the
 * owner's authorization (provisioning only). A policy refusal is
 * MAYDAY_E_DENIED, logged. */
MAYDAY_NODISCARD enum mayday_err rot_tpm2_ctr_increment(struct rot_tpm2_ctx *ctx,
							TPM2_HANDLE index, ESYS_TR session);

/* rot_tpm2_keys.c */
enum rot_tpm2_kind {
	ROT_TPM2_KIND_PRIMARY,  /* restricted decrypt ECC P-256 storage key */
	ROT_TPM2_KIND_DISTRESS, /* ECC P-256 ECDSA-SHA256 signing key */
	ROT_TPM2_KIND_PRK,      /* keyed hash, HMAC-SHA256 */
	ROT_TPM2_KIND_SEAL,     /* sealed data object, policy only */
	ROT_TPM2_KIND_CREDS     /* ECC P-256 ECDSA-SHA256 signing key, policy only */
};
/* The template provisioning creates `kind` with (attributes: rot_tpm2.h's
 * table in docs/rot.md). The authPolicy is the caller's: SEAL's, and
 * DISTRESS's, PRK's and CREDS's (no userwithauth, adminwithpolicy: their
 * policy is the only way to use them, rot_tpm2_policy.c). */
void rot_tpm2_template(enum rot_tpm2_kind kind, TPM2B_PUBLIC *out);
/* Opens the persistent object `handle` and checks that its public area is
 * of `kind` with exactly the template's attributes, name algorithm and
 * scheme, and, with `policy` (32 bytes), that authPolicy is that
 * (MAYDAY_E_MALFORMED otherwise; MAYDAY_E_NOTFOUND if absent). For
 * DISTRESS, *pub (optional, the caller's) is its public key. */
MAYDAY_NODISCARD enum mayday_err rot_tpm2_key_open(struct rot_tpm2_ctx *ctx, TPM2_HANDLE handle,
						   enum rot_tpm2_kind kind,
						   const uint8_t *policy, ESYS_TR *tr,
						   EVP_PKEY **pub);
/* Whether the loaded object `tr` has `kind`'s template (type, attributes,
 * name algorithm, scheme; not the policy), or that of layout version 1
 * (DISTRESS and PRK with userwithauth: provisioning replaces those too),
 * without logging. */
MAYDAY_NODISCARD enum mayday_err rot_tpm2_key_is(struct rot_tpm2_ctx *ctx, ESYS_TR tr,
						 enum rot_tpm2_kind kind, bool *ours);
/* Whether the TPM has the persistent object or NV index `handle`, asked
 * with TPM2_GetCapability (no error logged for an absent one). */
MAYDAY_NODISCARD enum mayday_err rot_tpm2_exists(struct rot_tpm2_ctx *ctx, TPM2_HANDLE handle,
						 bool *yes);
/* The EVP_PKEY of an ECC P-256 public area (the caller's); MAYDAY_E_KEY. */
MAYDAY_NODISCARD enum mayday_err rot_tpm2_pkey(const TPMT_PUBLIC *pub, EVP_PKEY **out);
/* SubjectPublicKeyInfo DER of a P-256 key, and back (a P-256 key passing
 * OpenSSL's public key check; MAYDAY_E_KEY otherwise). */
MAYDAY_NODISCARD enum mayday_err rot_tpm2_spki_encode(EVP_PKEY *key, uint8_t *out, size_t cap,
						      size_t *len);
MAYDAY_NODISCARD enum mayday_err rot_tpm2_spki_decode(const uint8_t *der, size_t len,
						      EVP_PKEY **out);
/* TPM2_Sign(ECDSA, SHA-256) of a digest, authorized by `session`, a
 * policy session the caller satisfied for the key; sig is r||s, each
 * left-padded to 32 bytes (a TPM answer of other sizes is
 * MAYDAY_E_MALFORMED). A policy refusal is MAYDAY_E_DENIED, logged. */
MAYDAY_NODISCARD enum mayday_err rot_tpm2_sign(struct rot_tpm2_ctx *ctx, ESYS_TR key,
					       ESYS_TR session, const uint8_t digest[32],
					       uint8_t sig[64]);
/* TPM2_HMAC(key, data) with SHA-256; data at most 64 bytes; authorized by
 * `session`, a policy session the caller satisfied, salted with response
 * encryption (rot_tpm2_policy_start with the primary), so the output
 * crosses the TCTI encrypted. A policy refusal is MAYDAY_E_DENIED. */
MAYDAY_NODISCARD enum mayday_err rot_tpm2_hmac(struct rot_tpm2_ctx *ctx, ESYS_TR key,
					       ESYS_TR session, const uint8_t *data,
					       size_t len, uint8_t out[32]);

/* rot_tpm2_pcr.c: PCR `pcr` of the sha256 bank. */
void rot_tpm2_pcr_select(unsigned pcr, TPML_PCR_SELECTION *sel); /* that PCR alone */
MAYDAY_NODISCARD enum mayday_err rot_tpm2_pcr_extend(struct rot_tpm2_ctx *ctx, unsigned pcr,
						     const uint8_t ev[HAL_ROT_REG_LEN]);
MAYDAY_NODISCARD enum mayday_err rot_tpm2_pcr_read(struct rot_tpm2_ctx *ctx, unsigned pcr,
						   uint8_t out[HAL_ROT_REG_LEN]);
/* The policy digest of PolicyPCR(sha256:pcr = value), computed by the TPM
 * in a trial session. */
MAYDAY_NODISCARD enum mayday_err rot_tpm2_policy_pcr(struct rot_tpm2_ctx *ctx, unsigned pcr,
						     const uint8_t value[HAL_ROT_REG_LEN],
						     uint8_t digest[32]);
/* MAYDAY_OK only if the TPM reports `pcr` in none of TPM_PT_PCR_RESET_L0..L4
 * (TPM2_PCR_Reset at some locality), TPM_PT_PCR_DRTM_RESET and
 * TPM_PT_PCR_NO_INCREMENT (PolicyPCR's check that the PCR did not change
 * relies on its update counter): the roles' policies hold only if nothing
 * but a TPM reset brings the measurement PCR back to zero. Else
 * MAYDAY_E_UNSUPPORTED, logged; also when the TPM does not report
 * RESET_L0. Provisioning and every open check it. */
MAYDAY_NODISCARD enum mayday_err rot_tpm2_pcr_check_props(struct rot_tpm2_ctx *ctx,
							  unsigned pcr);
/* TPM2_Unseal of `seal` in a PolicyPCR session on the PCR's current value,
 * salted to `salt_key` and encrypting the answer on the TCTI:
 * the TPM releases the 32-byte secret only if that satisfies the object's
 * policy (else MAYDAY_E_SIGNATURE). `reg` gets the PCR value the policy
 * was checked on. */
MAYDAY_NODISCARD enum mayday_err rot_tpm2_unseal(struct rot_tpm2_ctx *ctx, ESYS_TR salt_key,
						 ESYS_TR seal,
						 unsigned pcr, uint8_t secret[32],
						 uint8_t reg[HAL_ROT_REG_LEN]);

/* rot_tpm2_policy.c: the roles as the TPM enforces them (docs/rot.md
 * "What the TPM enforces"). Each guarded item's authPolicy admits the PCR
 * states (rot.h "Measurement register") of the roles that use it:
 *   DISTRESS      zeros (the TrE's self-test) and E(0, failed(r)), r = 1..7,
 *                 then PolicyCommandCode(Sign)
 *   PRK           E(0, failed(r)), r = 1..7 (the DCF), then
 *                 PolicyCommandCode(HMAC)
 *   CTR_MESSAGE   E(0, failed(r)), r = 1..7, then PolicyCommandCode(NV_Increment)
 *   CTR_ROLLBACK  normal code's state alone, E(E(0, verified(vendor)),
 *                 released) (it confirms a pending image and raises the
 *                 counter; the TrE never does), one PolicyPCR, then
 *                 PolicyCommandCode(NV_Increment)
 *   CREDS         normal code's state alone (one PolicyPCR, no PolicyOR),
 *                 then PolicyCommandCode(Sign): the device credentials'
 *                 key signs for normal code only
 * Normal code's state (hal_rot_policy_released(vendor)) is in those two
 * only, and CREDS admits no other state. The DCF
 * reasons are ROT_TPM2_REASON_FIRST..LAST (enum mayday_reason); a new
 * reason raises LAST (see rot_tpm2_policy.c for the 8-branch limit). */
#define ROT_TPM2_REASON_FIRST 1u /* MAYDAY_REASON_COMPONENT_MISMATCH */
#define ROT_TPM2_REASON_LAST  7u /* MAYDAY_REASON_ATTACH_FAILED */
#define ROT_TPM2_BRANCH_MAX   8u /* PolicyOR's limit (TPML_DIGEST) */
enum rot_tpm2_guard {
	ROT_TPM2_GUARD_DISTRESS,
	ROT_TPM2_GUARD_PRK,
	ROT_TPM2_GUARD_CTR_MESSAGE,
	ROT_TPM2_GUARD_CTR_ROLLBACK,
	ROT_TPM2_GUARD_CREDS,
	ROT_TPM2_GUARD__COUNT
};
struct rot_tpm2_policy {
	unsigned n;                              /* branches: 1 (no PolicyOR) .. 8 */
	uint8_t branch[ROT_TPM2_BRANCH_MAX][32]; /* PolicyPCR digest of each admitted state */
	TPM2_CC cc;                              /* PolicyCommandCode last: the one command */
	uint8_t digest[32];                      /* the authPolicy */
};
/* The policy of `guard` for measurement PCR `pcr`, computed in software;
 * `vendor` (borrowed) is the RoT's vendor anchor, which normal code's
 * state depends on. */
MAYDAY_NODISCARD enum mayday_err rot_tpm2_policy_make(enum rot_tpm2_guard guard, unsigned pcr,
						      EVP_PKEY *vendor,
						      struct rot_tpm2_policy *out);
/* PolicyPCR(sha256:pcr = value)'s update of the policy digest `old`, in
 * software (equal to the TPM's; rot_tpm2_policy_pcr is the TPM's). */
MAYDAY_NODISCARD enum mayday_err rot_tpm2_policy_pcr_sw(const uint8_t old[32], unsigned pcr,
							const uint8_t value[HAL_ROT_REG_LEN],
							uint8_t out[32]);
/* A policy session: salted to `salt_key` with response encryption
 * (rot_tpm2_session_salted), or with ESYS_TR_NONE neither (a signature or
 * an increment is no secret). The caller flushes *s. */
MAYDAY_NODISCARD enum mayday_err rot_tpm2_policy_start(struct rot_tpm2_ctx *ctx,
						       ESYS_TR salt_key, ESYS_TR *s);
/* Runs `p` in session `s` on the PCR's current value: PolicyPCR, PolicyOR
 * of the branches (the TPM refuses unless the PCR holds an admitted
 * state: MAYDAY_E_DENIED, logged), PolicyCommandCode. With one branch
 * there is no PolicyOR: the TPM refuses the command the session then
 * authorizes instead (TPM_RC_POLICY_FAIL; rot_tpm2_sign says
 * MAYDAY_E_DENIED). Needed again before every command the session
 * authorizes (the TPM resets it after each). */
MAYDAY_NODISCARD enum mayday_err rot_tpm2_policy_satisfy(struct rot_tpm2_ctx *ctx, ESYS_TR s,
							 unsigned pcr,
							 const struct rot_tpm2_policy *p);
/* Whether `rc` is the TPM refusing a policy (TPM_RC_POLICY_FAIL, or
 * TPM_RC_VALUE from PolicyOR). */
bool rot_tpm2_policy_refusal(TSS2_RC rc);
/* MAYDAY_E_DENIED, logged, for a policy refusal; else rot_tpm2_err. */
enum mayday_err rot_tpm2_policy_denied(const struct rot_tpm2_ctx *ctx, TSS2_RC rc,
				       const char *what);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The tpm2 backend's measurement register (rot_tpm2.h): one PCR of the
 * sha256 bank. TPM2_PCR_Extend with a 32-byte sha256 digest computes
 * PCR = SHA-256(PCR || digest), exactly hal_rot_reg_extend, so
 * hal_rot_policy_verified is the PCR's value after a verified start-up.
 * The seal object's authPolicy is PolicyPCR on that value, computed by
 * the TPM itself in a trial session, so the TPM -- not this code --
 * decides whether TPM2_Unseal releases the seal secret.
 */
#include <string.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "log.h"
#include "rot_tpm2.h"

void rot_tpm2_pcr_select(unsigned pcr, TPML_PCR_SELECTION *sel)
{
	memset(sel, 0, sizeof(*sel));
	sel->count = 1;
	sel->pcrSelections[0].hash = TPM2_ALG_SHA256;
	sel->pcrSelections[0].sizeofSelect = 3;
	sel->pcrSelections[0].pcrSelect[pcr / 8] = (uint8_t)(1u << (pcr % 8));
}

enum mayday_err rot_tpm2_pcr_extend(struct rot_tpm2_ctx *ctx, unsigned pcr,
				    const uint8_t ev[HAL_ROT_REG_LEN])
{
	TPML_DIGEST_VALUES v = { .count = 1 };
	TSS2_RC rc;

	v.digests[0].hashAlg = TPM2_ALG_SHA256;
	memcpy(v.digests[0].digest.sha256, ev, HAL_ROT_REG_LEN);
	rc = Esys_PCR_Extend(ctx->esys, ESYS_TR_PCR0 + pcr, ESYS_TR_PASSWORD, ESYS_TR_NONE,
			     ESYS_TR_NONE, &v);
	return rc == TSS2_RC_SUCCESS ? MAYDAY_OK : rot_tpm2_err(ctx, rc, "TPM2_PCR_Extend");
}

enum mayday_err rot_tpm2_pcr_read(struct rot_tpm2_ctx *ctx, unsigned pcr,
				  uint8_t out[HAL_ROT_REG_LEN])
{
	TPML_PCR_SELECTION sel, *sel_out = NULL;
	TPML_DIGEST *values = NULL;
	UINT32 update = 0;
	enum mayday_err err = MAYDAY_OK;
	TSS2_RC rc;

	rot_tpm2_pcr_select(pcr, &sel);
	rc = Esys_PCR_Read(ctx->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &sel, &update,
			   &sel_out, &values);
	if (rc != TSS2_RC_SUCCESS)
		return rot_tpm2_err(ctx, rc, "TPM2_PCR_Read");
	/* the TPM answers the selection it could read: it must be ours */
	if (sel_out->count != 1 || sel_out->pcrSelections[0].hash != TPM2_ALG_SHA256 ||
	    memcmp(sel_out->pcrSelections[0].pcrSelect, sel.pcrSelections[0].pcrSelect, 3) != 0 ||
	    values->count != 1 || values->digests[0].size != HAL_ROT_REG_LEN) {
		log_warnx("rot: tpm2 (%s): PCR %u of the sha256 bank cannot be read (is the "
			  "bank allocated?)", ctx->tcti_name, pcr);
		err = MAYDAY_E_IO;
	} else {
		memcpy(out, values->digests[0].buffer, HAL_ROT_REG_LEN);
	}
	Esys_Free(sel_out);
	Esys_Free(values);
	return err;
}

static enum mayday_err start_session(struct rot_tpm2_ctx *ctx, TPM2_SE type, ESYS_TR *s)
{
	TPMT_SYM_DEF sym = { .algorithm = TPM2_ALG_NULL };
	TSS2_RC rc = Esys_StartAuthSession(ctx->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
					   ESYS_TR_NONE, ESYS_TR_NONE, NULL, type, &sym,
					   TPM2_ALG_SHA256, s);

	if (rc != TSS2_RC_SUCCESS) {
		*s = ESYS_TR_NONE;
		return rot_tpm2_err(ctx, rc, "TPM2_StartAuthSession");
	}
	return MAYDAY_OK;
}

/* PolicyPCR's pcrDigest: the hash of the selected PCRs' values, here one. */
static enum mayday_err policy_pcr(struct rot_tpm2_ctx *ctx, ESYS_TR session, unsigned pcr,
				  const uint8_t value[HAL_ROT_REG_LEN])
{
	TPML_PCR_SELECTION sel;
	TPM2B_DIGEST d = { .size = 32 };
	unsigned int n = 0;
	TSS2_RC rc;

	if (EVP_Digest(value, HAL_ROT_REG_LEN, d.buffer, &n, EVP_sha256(), NULL) != 1 || n != 32)
		return MAYDAY_E_INTERNAL;
	rot_tpm2_pcr_select(pcr, &sel);
	rc = Esys_PolicyPCR(ctx->esys, session, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &d,
			    &sel);
	if (rc == TSS2_RC_SUCCESS)
		return MAYDAY_OK;
	/* a real session refuses a pcrDigest that is not the PCR's */
	if ((rc & (TPM2_RC_FMT1 | 0x3f)) == TPM2_RC_VALUE)
		return MAYDAY_E_SIGNATURE;
	return rot_tpm2_err(ctx, rc, "TPM2_PolicyPCR");
}

enum mayday_err rot_tpm2_policy_pcr(struct rot_tpm2_ctx *ctx, unsigned pcr,
				    const uint8_t value[HAL_ROT_REG_LEN], uint8_t digest[32])
{
	ESYS_TR s = ESYS_TR_NONE;
	TPM2B_DIGEST *pd = NULL;
	enum mayday_err err = start_session(ctx, TPM2_SE_TRIAL, &s);
	TSS2_RC rc;

	if (err == MAYDAY_OK)
		err = policy_pcr(ctx, s, pcr, value);
	if (err == MAYDAY_OK) {
		rc = Esys_PolicyGetDigest(ctx->esys, s, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
					  &pd);
		if (rc != TSS2_RC_SUCCESS)
			err = rot_tpm2_err(ctx, rc, "TPM2_PolicyGetDigest");
		else if (pd->size != 32)
			err = MAYDAY_E_MALFORMED;
		else
			memcpy(digest, pd->buffer, 32);
	}
	Esys_Free(pd);
	rot_tpm2_flush(ctx, &s);
	return err;
}

enum mayday_err rot_tpm2_unseal(struct rot_tpm2_ctx *ctx, ESYS_TR salt_key, ESYS_TR seal,
				unsigned pcr,
				uint8_t secret[32], uint8_t reg[HAL_ROT_REG_LEN])
{
	ESYS_TR s = ESYS_TR_NONE;
	TPM2B_SENSITIVE_DATA *data = NULL;
	enum mayday_err err = rot_tpm2_pcr_read(ctx, pcr, reg);
	TSS2_RC rc;

	if (err == MAYDAY_OK)
		err = rot_tpm2_session_salted(ctx, salt_key, TPM2_SE_POLICY, &s);
	if (err == MAYDAY_OK)
		err = policy_pcr(ctx, s, pcr, reg);
	if (err == MAYDAY_OK) {
		rc = Esys_Unseal(ctx->esys, seal, s, ESYS_TR_NONE, ESYS_TR_NONE, &data);
		if (rc != TSS2_RC_SUCCESS) {
			/* TPM_RC_POLICY_FAIL: the register is not the sealing value */
			if ((rc & (TPM2_RC_FMT1 | 0x3f)) == TPM2_RC_POLICY_FAIL)
				err = MAYDAY_E_SIGNATURE;
			else
				err = rot_tpm2_err(ctx, rc, "TPM2_Unseal");
		} else if (data->size != 32) {
			log_warnx("rot: tpm2 (%s): the seal object holds %u bytes, not 32",
				  ctx->tcti_name, (unsigned)data->size);
			err = MAYDAY_E_MALFORMED;
		} else {
			memcpy(secret, data->buffer, 32);
		}
	}
	if (data != NULL) {
		OPENSSL_cleanse(data, sizeof(*data));
		Esys_Free(data);
	}
	rot_tpm2_flush(ctx, &s);
	return err;
}

/* The reset, DRTM-reset and no-increment properties as the TPM reports
 * them (TPM2_GetCapability, TPM_CAP_PCR_PROPERTIES), asked from the first
 * on for as long as the TPM says there is more (at most 8 rounds). */
enum mayday_err rot_tpm2_pcr_check_props(struct rot_tpm2_ctx *ctx, unsigned pcr)
{
	static const struct {
		TPM2_PT_PCR tag;
		const char *name;
	} bad[] = {
		{ TPM2_PT_PCR_RESET_L0, "TPM_PT_PCR_RESET_L0" },
		{ TPM2_PT_PCR_RESET_L1, "TPM_PT_PCR_RESET_L1" },
		{ TPM2_PT_PCR_RESET_L2, "TPM_PT_PCR_RESET_L2" },
		{ TPM2_PT_PCR_RESET_L3, "TPM_PT_PCR_RESET_L3" },
		{ TPM2_PT_PCR_RESET_L4, "TPM_PT_PCR_RESET_L4" },
		{ TPM2_PT_PCR_NO_INCREMENT, "TPM_PT_PCR_NO_INCREMENT" },
		{ TPM2_PT_PCR_DRTM_RESET, "TPM_PT_PCR_DRTM_RESET" },
	};
	/* bit i: bad[i]'s tag was reported; RESET_L1..L4 only where the TPM
	 * has those localities, RESET_L0 always */
	unsigned seen = 0;
	UINT32 next = TPM2_PT_TPM2_PCR_FIRST;
	TPMI_YES_NO more = TPM2_YES;

	for (int round = 0; more == TPM2_YES && round < 8; round++) {
		TPMS_CAPABILITY_DATA *cap = NULL;
		TSS2_RC rc = Esys_GetCapability(ctx->esys, ESYS_TR_NONE, ESYS_TR_NONE,
						ESYS_TR_NONE, TPM2_CAP_PCR_PROPERTIES, next,
						TPM2_MAX_PCR_PROPERTIES, &more, &cap);
		const TPML_TAGGED_PCR_PROPERTY *l;

		if (rc != TSS2_RC_SUCCESS)
			return rot_tpm2_err(ctx, rc, "TPM2_GetCapability (PCR properties)");
		l = &cap->data.pcrProperties;
		if (cap->capability != TPM2_CAP_PCR_PROPERTIES || l->count == 0 ||
		    l->count > TPM2_MAX_PCR_PROPERTIES) {
			Esys_Free(cap);
			break;
		}
		for (UINT32 i = 0; i < l->count; i++) {
			const TPMS_TAGGED_PCR_SELECT *p = &l->pcrProperty[i];
			bool set = pcr / 8 < p->sizeofSelect && p->sizeofSelect <= TPM2_PCR_SELECT_MAX &&
				   (p->pcrSelect[pcr / 8] >> (pcr % 8) & 1) != 0;

			for (unsigned b = 0; b < sizeof(bad) / sizeof(bad[0]); b++) {
				if (p->tag != bad[b].tag)
					continue;
				seen |= 1u << b;
				if (set) {
					log_warnx("rot: tpm2 (%s): this TPM lists PCR %u in %s: "
						  "software could reset it (or it does not "
						  "count), and so take the TrE's or the DCF's "
						  "PCR state; use another measurement PCR",
						  ctx->tcti_name, pcr, bad[b].name);
					Esys_Free(cap);
					return MAYDAY_E_UNSUPPORTED;
				}
			}
		}
		next = l->pcrProperty[l->count - 1].tag + 1;
		Esys_Free(cap);
	}
	if (!(seen & 1u)) {
		log_warnx("rot: tpm2 (%s): the TPM does not report its PCRs' reset localities "
			  "(TPM_CAP_PCR_PROPERTIES); refusing to rely on PCR %u", ctx->tcti_name,
			  pcr);
		return MAYDAY_E_UNSUPPORTED;
	}
	return MAYDAY_OK;
}

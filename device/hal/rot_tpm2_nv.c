/* SPDX-License-Identifier: Apache-2.0 */
/*
 * NV items of the tpm2 backend (rot_tpm2.h). The write-once items are
 * owner-written, readable by owner or their own (empty) auth, and
 * write-locked until the index is deleted (TPMA_NV_WRITEDEFINE): the TPM,
 * not this code, refuses a second write. Counters are TPM_NT_COUNTER
 * indices: the TPM only increments them, and a new one starts no lower
 * than any counter the TPM deleted (TPM 2.0 Part 1, NV counters; libtpms
 * keeps that maximum as counters are deleted), so a re-provisioned counter
 * never goes back -- and starts far from zero, which is why the layout
 * record keeps a base per counter. A counter is written only through its
 * authPolicy (TPMA_NV_POLICYWRITE; rot_tpm2_policy.c: the message counter
 * in the DCF's PCR states, the anti-rollback counter in normal code's, and
 * TPM2_NV_Increment only) or by the owner (TPMA_NV_OWNERWRITE: provisioning's
 * first increment); no longer with its empty auth value, which still
 * reads it (TPMA_NV_AUTHREAD).
 * TPMA_NV_NO_DA everywhere: a reboot loop must not lock anything out.
 */
#include <string.h>
#include <tss2/tss2_rc.h>

#include "log.h"
#include "rot_tpm2.h"

#define ITEM_ATTRS (TPMA_NV_OWNERWRITE | TPMA_NV_OWNERREAD | TPMA_NV_AUTHREAD | \
		    TPMA_NV_WRITEDEFINE | TPMA_NV_NO_DA)
#define CTR_ATTRS  (TPMA_NV_POLICYWRITE | TPMA_NV_OWNERWRITE | TPMA_NV_AUTHREAD | \
		    TPMA_NV_OWNERREAD | TPMA_NV_NO_DA)
#define CTR_TYPED_ATTRS (CTR_ATTRS | ((TPMA_NV)TPM2_NT_COUNTER << TPMA_NV_TPM2_NT_SHIFT))
/* layout version 1's counters (anyone could increment them): only
 * recognised to be replaced */
#define CTR_V1_TYPED_ATTRS (TPMA_NV_AUTHWRITE | TPMA_NV_AUTHREAD | TPMA_NV_OWNERREAD | \
			    TPMA_NV_NO_DA | ((TPMA_NV)TPM2_NT_COUNTER << TPMA_NV_TPM2_NT_SHIFT))
/* set by the TPM, not by the definition */
#define STATE_ATTRS (TPMA_NV_WRITTEN | TPMA_NV_WRITELOCKED | TPMA_NV_READLOCKED)

static enum mayday_err read_public(struct rot_tpm2_ctx *ctx, ESYS_TR nv, TPMS_NV_PUBLIC *out)
{
	TPM2B_NV_PUBLIC *pub = NULL;
	TSS2_RC rc = Esys_NV_ReadPublic(ctx->esys, nv, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
					&pub, NULL);

	if (rc != TSS2_RC_SUCCESS)
		return rot_tpm2_err(ctx, rc, "TPM2_NV_ReadPublic");
	*out = pub->nvPublic;
	Esys_Free(pub);
	return MAYDAY_OK;
}

static enum mayday_err malformed(const struct rot_tpm2_ctx *ctx, TPM2_HANDLE index,
				 const char *why)
{
	log_warnx("rot: tpm2 (%s): NV index 0x%08x %s; provision the device again",
		  ctx->tcti_name, (unsigned)index, why);
	return MAYDAY_E_MALFORMED;
}

enum mayday_err rot_tpm2_nv_read(struct rot_tpm2_ctx *ctx, TPM2_HANDLE index, size_t min,
				 size_t max, uint8_t *out, size_t *len)
{
	TPM2B_MAX_NV_BUFFER *data = NULL;
	TPMS_NV_PUBLIC pub;
	ESYS_TR nv = ESYS_TR_NONE;
	enum mayday_err err = rot_tpm2_tr(ctx, index, &nv);
	TSS2_RC rc;

	if (err == MAYDAY_OK)
		err = read_public(ctx, nv, &pub);
	if (err != MAYDAY_OK)
		goto out;
	if (pub.nvIndex != index || pub.nameAlg != TPM2_ALG_SHA256 ||
	    (pub.attributes & ~STATE_ATTRS) != ITEM_ATTRS) {
		err = malformed(ctx, index, "has the wrong attributes");
		goto out;
	}
	if (!(pub.attributes & TPMA_NV_WRITTEN) || !(pub.attributes & TPMA_NV_WRITELOCKED)) {
		err = malformed(ctx, index, "is not written and write-locked (provisioning "
					    "did not finish)");
		goto out;
	}
	if (pub.dataSize < min || pub.dataSize > max || pub.dataSize > TPM2_MAX_NV_BUFFER_SIZE) {
		err = malformed(ctx, index, "has the wrong size");
		goto out;
	}
	rc = Esys_NV_Read(ctx->esys, nv, nv, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE,
			  pub.dataSize, 0, &data);
	if (rc != TSS2_RC_SUCCESS) {
		err = rot_tpm2_err(ctx, rc, "TPM2_NV_Read");
		goto out;
	}
	if (data->size != pub.dataSize) {
		err = malformed(ctx, index, "answered a read of the wrong size");
		goto out;
	}
	memcpy(out, data->buffer, data->size);
	*len = data->size;
out:
	Esys_Free(data);
	rot_tpm2_tr_close(ctx, &nv);
	return err;
}

static enum mayday_err define(struct rot_tpm2_ctx *ctx, TPM2_HANDLE index, TPM2_NT type,
			      TPMA_NV attrs, const uint8_t *policy, size_t size, ESYS_TR *nv)
{
	TPM2B_AUTH auth = { .size = 0 };
	TPM2B_NV_PUBLIC pub = {
		.nvPublic = {
			.nvIndex = index,
			.nameAlg = TPM2_ALG_SHA256,
			.attributes = attrs | ((TPMA_NV)type << TPMA_NV_TPM2_NT_SHIFT),
			.authPolicy = { .size = 0 },
			.dataSize = (UINT16)size,
		},
	};
	TSS2_RC rc;

	if (policy != NULL) {
		pub.nvPublic.authPolicy.size = 32;
		memcpy(pub.nvPublic.authPolicy.buffer, policy, 32);
	}
	rc = Esys_NV_DefineSpace(ctx->esys, ESYS_TR_RH_OWNER, ESYS_TR_PASSWORD, ESYS_TR_NONE,
				 ESYS_TR_NONE, &auth, &pub, nv);

	if (rc != TSS2_RC_SUCCESS) {
		*nv = ESYS_TR_NONE;
		return rot_tpm2_err(ctx, rc, "TPM2_NV_DefineSpace");
	}
	return MAYDAY_OK;
}

enum mayday_err rot_tpm2_nv_write_once(struct rot_tpm2_ctx *ctx, TPM2_HANDLE index,
				       const uint8_t *data, size_t len)
{
	TPM2B_MAX_NV_BUFFER buf;
	ESYS_TR nv = ESYS_TR_NONE;
	enum mayday_err err;
	TSS2_RC rc;

	if (len == 0 || len > sizeof(buf.buffer))
		return MAYDAY_E_INVALID;
	buf.size = (UINT16)len;
	memcpy(buf.buffer, data, len);
	err = define(ctx, index, TPM2_NT_ORDINARY, ITEM_ATTRS, NULL, len, &nv);
	if (err != MAYDAY_OK)
		return err;
	rc = Esys_NV_Write(ctx->esys, ESYS_TR_RH_OWNER, nv, ESYS_TR_PASSWORD, ESYS_TR_NONE,
			   ESYS_TR_NONE, &buf, 0);
	if (rc != TSS2_RC_SUCCESS)
		err = rot_tpm2_err(ctx, rc, "TPM2_NV_Write");
	if (err == MAYDAY_OK) {
		rc = Esys_NV_WriteLock(ctx->esys, ESYS_TR_RH_OWNER, nv, ESYS_TR_PASSWORD,
				       ESYS_TR_NONE, ESYS_TR_NONE);
		if (rc != TSS2_RC_SUCCESS)
			err = rot_tpm2_err(ctx, rc, "TPM2_NV_WriteLock");
	}
	rot_tpm2_tr_close(ctx, &nv);
	return err;
}

enum mayday_err rot_tpm2_nv_undefine(struct rot_tpm2_ctx *ctx, TPM2_HANDLE index)
{
	TPMS_NV_PUBLIC pub;
	ESYS_TR nv = ESYS_TR_NONE;
	bool there = false;
	enum mayday_err err = rot_tpm2_exists(ctx, index, &there);
	TSS2_RC rc;

	if (err != MAYDAY_OK || !there)
		return err; /* none there is what we want */
	err = rot_tpm2_tr(ctx, index, &nv);
	if (err == MAYDAY_OK)
		err = read_public(ctx, nv, &pub);
	if (err == MAYDAY_OK && (pub.nameAlg != TPM2_ALG_SHA256 ||
				 ((pub.attributes & ~STATE_ATTRS) != ITEM_ATTRS &&
				  (pub.attributes & ~STATE_ATTRS) != CTR_TYPED_ATTRS &&
				  (pub.attributes & ~STATE_ATTRS) != CTR_V1_TYPED_ATTRS))) {
		log_warnx("rot: tpm2 (%s): NV index 0x%08x is in use by an index that is not "
			  "mayday's; refused (remove it first if it is not needed)",
			  ctx->tcti_name, (unsigned)index);
		err = MAYDAY_E_EXISTS;
	}
	if (err != MAYDAY_OK) {
		rot_tpm2_tr_close(ctx, &nv);
		return err;
	}
	rc = Esys_NV_UndefineSpace(ctx->esys, ESYS_TR_RH_OWNER, nv, ESYS_TR_PASSWORD,
				   ESYS_TR_NONE, ESYS_TR_NONE);
	if (rc != TSS2_RC_SUCCESS) {
		rot_tpm2_tr_close(ctx, &nv);
		return rot_tpm2_err(ctx, rc, "TPM2_NV_UndefineSpace");
	}
	return MAYDAY_OK; /* the ESYS_TR went with the index */
}

enum mayday_err rot_tpm2_ctr_define(struct rot_tpm2_ctx *ctx, TPM2_HANDLE index,
				    const uint8_t policy[32])
{
	ESYS_TR nv = ESYS_TR_NONE;
	enum mayday_err err = define(ctx, index, TPM2_NT_COUNTER, CTR_ATTRS, policy, 8, &nv);

	rot_tpm2_tr_close(ctx, &nv);
	return err;
}

enum mayday_err rot_tpm2_ctr_check(struct rot_tpm2_ctx *ctx, TPM2_HANDLE index,
				   const uint8_t policy[32])
{
	TPMS_NV_PUBLIC pub;
	ESYS_TR nv = ESYS_TR_NONE;
	enum mayday_err err = rot_tpm2_tr(ctx, index, &nv);

	if (err == MAYDAY_OK)
		err = read_public(ctx, nv, &pub);
	rot_tpm2_tr_close(ctx, &nv);
	if (err != MAYDAY_OK)
		return err;
	if (pub.nvIndex != index || pub.nameAlg != TPM2_ALG_SHA256 || pub.dataSize != 8 ||
	    (pub.attributes & ~STATE_ATTRS) != CTR_TYPED_ATTRS)
		return malformed(ctx, index, "is not a counter of this layout");
	/* a counter another policy could write is not ours */
	if (pub.authPolicy.size != 32 || memcmp(pub.authPolicy.buffer, policy, 32) != 0)
		return malformed(ctx, index, "has another authPolicy than this layout's");
	if (!(pub.attributes & TPMA_NV_WRITTEN))
		return malformed(ctx, index, "was never incremented (provisioning did not finish)");
	return MAYDAY_OK;
}

enum mayday_err rot_tpm2_ctr_read(struct rot_tpm2_ctx *ctx, TPM2_HANDLE index, uint64_t *raw)
{
	TPM2B_MAX_NV_BUFFER *data = NULL;
	ESYS_TR nv = ESYS_TR_NONE;
	enum mayday_err err = rot_tpm2_tr(ctx, index, &nv);
	TSS2_RC rc;

	if (err != MAYDAY_OK)
		return err;
	rc = Esys_NV_Read(ctx->esys, nv, nv, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, 8, 0,
			  &data);
	if (rc != TSS2_RC_SUCCESS)
		err = rot_tpm2_err(ctx, rc, "TPM2_NV_Read (counter)");
	else if (data->size != 8)
		err = malformed(ctx, index, "answered a counter read of the wrong size");
	else {
		uint64_t v = 0;

		for (int i = 0; i < 8; i++)
			v = v << 8 | data->buffer[i];
		*raw = v;
	}
	Esys_Free(data);
	rot_tpm2_tr_close(ctx, &nv);
	return err;
}

enum mayday_err rot_tpm2_ctr_increment(struct rot_tpm2_ctx *ctx, TPM2_HANDLE index,
				       ESYS_TR session)
{
	ESYS_TR nv = ESYS_TR_NONE;
	enum mayday_err err = rot_tpm2_tr(ctx, index, &nv);
	TSS2_RC rc;

	if (err != MAYDAY_OK)
		return err;
	if (session == ESYS_TR_NONE)
		rc = Esys_NV_Increment(ctx->esys, ESYS_TR_RH_OWNER, nv, ESYS_TR_PASSWORD,
				       ESYS_TR_NONE, ESYS_TR_NONE);
	else
		rc = Esys_NV_Increment(ctx->esys, nv, nv, session, ESYS_TR_NONE, ESYS_TR_NONE);
	if (rc != TSS2_RC_SUCCESS)
		err = rot_tpm2_policy_denied(ctx, rc, "TPM2_NV_Increment");
	rot_tpm2_tr_close(ctx, &nv);
	return err;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Provisioning of the tpm2 RoT backend (rot.h, hal_rot_tpm2_provision).
 *
 * Order, chosen so that an interruption anywhere leaves a TPM that does
 * not open (hal_rot_open: MAYDAY_E_NOTFOUND, "no layout record") rather
 * than one that opens with half a layout:
 *   0. the owner authorization is set to the caller's value (authorizing
 *      with it if one is already set), and the lockout authorization if it
 *      is empty: cut during this, either value is there, and the same
 *      call works again;
 *   1. the layout record is deleted first, then every other mayday index
 *      and persistent object (a re-provisioning starts clean); an index or
 *      object at one of the layout's handles that is not of the layout
 *      stops provisioning (MAYDAY_E_EXISTS) and is left alone;
 *   2. the primary, the distress key (generated in the TPM), the PSK's PRK,
 *      the device credentials' key (generated in the TPM, its certificate
 *      then issued by the caller) and the seal object are made and made
 *      persistent, each with its authPolicy (rot_tpm2_policy.c; the seal
 *      object's rot_tpm2_pcr.c); the sealed blob goes to the flash RoT
 *      partition;
 *   3. the device ID and the anchors are written and write-locked, the
 *      counters defined with their policies and incremented once with the
 *      owner's authorization (whatever the PCR holds: a provisioning station
 *      is in no role), their raw values read back as bases;
 *   4. the layout record, last, write-locked.
 * The PSK and the seal secret cross the TCTI in the clear, once, here: a
 * provisioning station talks to the TPM it provisions (docs/rot.md).
 */
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "log.h"
#include "rot_device_id.h"
#include "rot_keys.h"
#include "rot_seal.h"
#include "rot_tpm2.h"
#include "rot_tpm2_layout.h"

static const TPM2_HANDLE nv_all[] = {
	ROT_TPM2_NV_LAYOUT, /* first: without it nothing opens */
	ROT_TPM2_NV_DEVICE_ID, ROT_TPM2_NV_VENDOR, ROT_TPM2_NV_HEMS,
	ROT_TPM2_NV_CTR_MESSAGE, ROT_TPM2_NV_CTR_ROLLBACK,
};
static const struct {
	TPM2_HANDLE handle;
	enum rot_tpm2_kind kind;
} objects_all[] = {
	{ ROT_TPM2_CREDS, ROT_TPM2_KIND_CREDS },
	{ ROT_TPM2_SEAL, ROT_TPM2_KIND_SEAL },
	{ ROT_TPM2_PRK, ROT_TPM2_KIND_PRK },
	{ ROT_TPM2_DISTRESS, ROT_TPM2_KIND_DISTRESS },
	{ ROT_TPM2_PRIMARY, ROT_TPM2_KIND_PRIMARY },
};

/* Removes the persistent object at `handle`, if any and if it has the
 * template of `kind`: an object of anyone else's is left alone and
 * provisioning stops (MAYDAY_E_EXISTS). */
static enum mayday_err evict(struct rot_tpm2_ctx *ctx, TPM2_HANDLE handle,
			     enum rot_tpm2_kind kind)
{
	ESYS_TR tr = ESYS_TR_NONE, out = ESYS_TR_NONE;
	bool there = false, ours = false;
	enum mayday_err err = rot_tpm2_exists(ctx, handle, &there);
	TSS2_RC rc;

	if (err != MAYDAY_OK || !there)
		return err;
	err = rot_tpm2_tr(ctx, handle, &tr);
	if (err == MAYDAY_OK)
		err = rot_tpm2_key_is(ctx, tr, kind, &ours);
	if (err == MAYDAY_OK && !ours) {
		log_warnx("rot: tpm2 (%s): persistent handle 0x%08x is in use by an object that "
			  "is not mayday's; refused (remove it first if it is not needed)",
			  ctx->tcti_name, (unsigned)handle);
		err = MAYDAY_E_EXISTS;
	}
	if (err != MAYDAY_OK) {
		rot_tpm2_tr_close(ctx, &tr);
		return err;
	}
	rc = Esys_EvictControl(ctx->esys, ESYS_TR_RH_OWNER, tr, ESYS_TR_PASSWORD, ESYS_TR_NONE,
			       ESYS_TR_NONE, handle, &out);
	if (rc != TSS2_RC_SUCCESS) {
		rot_tpm2_tr_close(ctx, &tr);
		return rot_tpm2_err(ctx, rc, "TPM2_EvictControl (remove)");
	}
	return MAYDAY_OK; /* ESAPI dropped tr with the object */
}

/* Makes the loaded transient `*tr` persistent at `handle` and flushes it. */
static enum mayday_err persist(struct rot_tpm2_ctx *ctx, ESYS_TR *tr, TPM2_HANDLE handle)
{
	ESYS_TR out = ESYS_TR_NONE;
	TSS2_RC rc = Esys_EvictControl(ctx->esys, ESYS_TR_RH_OWNER, *tr, ESYS_TR_PASSWORD,
				       ESYS_TR_NONE, ESYS_TR_NONE, handle, &out);

	rot_tpm2_flush(ctx, tr);
	if (rc != TSS2_RC_SUCCESS)
		return rot_tpm2_err(ctx, rc, "TPM2_EvictControl");
	rot_tpm2_tr_close(ctx, &out);
	return MAYDAY_OK;
}

static enum mayday_err make_primary(struct rot_tpm2_ctx *ctx)
{
	TPM2B_SENSITIVE_CREATE sens = { .size = 0 };
	TPM2B_PUBLIC tmpl;
	TPM2B_DATA outside = { .size = 0 };
	TPML_PCR_SELECTION pcrs = { .count = 0 };
	ESYS_TR tr = ESYS_TR_NONE;
	TSS2_RC rc;

	rot_tpm2_template(ROT_TPM2_KIND_PRIMARY, &tmpl);
	rc = Esys_CreatePrimary(ctx->esys, ESYS_TR_RH_OWNER, ESYS_TR_PASSWORD, ESYS_TR_NONE,
				ESYS_TR_NONE, &sens, &tmpl, &outside, &pcrs, &tr, NULL, NULL, NULL,
				NULL);
	if (rc != TSS2_RC_SUCCESS)
		return rot_tpm2_err(ctx, rc, "TPM2_CreatePrimary");
	return persist(ctx, &tr, ROT_TPM2_PRIMARY);
}

/* An object of `kind` under the primary, with `data` as its sensitive
 * part (NULL: the TPM makes it), persistent at `handle`; *pub (optional)
 * its public area. */
static enum mayday_err make_child(struct rot_tpm2_ctx *ctx, enum rot_tpm2_kind kind,
				  const uint8_t *data, size_t len, const uint8_t policy[32],
				  TPM2_HANDLE handle, TPM2B_PUBLIC *pub)
{
	TPM2B_SENSITIVE_CREATE sens;
	TPM2B_PUBLIC tmpl, *out_pub = NULL;
	TPM2B_PRIVATE *out_priv = NULL;
	TPM2B_DATA outside = { .size = 0 };
	TPML_PCR_SELECTION pcrs = { .count = 0 };
	ESYS_TR parent = ESYS_TR_NONE, tr = ESYS_TR_NONE;
	enum mayday_err err;
	TSS2_RC rc;

	memset(&sens, 0, sizeof(sens));
	if (data != NULL) {
		if (len > sizeof(sens.sensitive.data.buffer))
			return MAYDAY_E_INVALID;
		sens.sensitive.data.size = (UINT16)len;
		memcpy(sens.sensitive.data.buffer, data, len);
	}
	rot_tpm2_template(kind, &tmpl);
	if (policy != NULL) {
		tmpl.publicArea.authPolicy.size = 32;
		memcpy(tmpl.publicArea.authPolicy.buffer, policy, 32);
	}
	err = rot_tpm2_tr(ctx, ROT_TPM2_PRIMARY, &parent);
	if (err != MAYDAY_OK)
		goto out;
	rc = Esys_Create(ctx->esys, parent, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &sens,
			 &tmpl, &outside, &pcrs, &out_priv, &out_pub, NULL, NULL, NULL);
	if (rc != TSS2_RC_SUCCESS) {
		err = rot_tpm2_err(ctx, rc, "TPM2_Create");
		goto out;
	}
	rc = Esys_Load(ctx->esys, parent, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, out_priv,
		       out_pub, &tr);
	if (rc != TSS2_RC_SUCCESS) {
		err = rot_tpm2_err(ctx, rc, "TPM2_Load");
		goto out;
	}
	err = persist(ctx, &tr, handle);
	if (err == MAYDAY_OK && pub != NULL)
		*pub = *out_pub;
out:
	OPENSSL_cleanse(&sens, sizeof(sens));
	Esys_Free(out_priv);
	Esys_Free(out_pub);
	rot_tpm2_tr_close(ctx, &parent);
	return err;
}

static enum mayday_err make_distress(struct rot_tpm2_ctx *ctx, struct rot_tpm2_layout *l,
				     EVP_PKEY *vendor, EVP_PKEY **pub)
{
	TPM2B_PUBLIC area;
	struct rot_tpm2_policy p;
	enum mayday_err err = rot_tpm2_policy_make(ROT_TPM2_GUARD_DISTRESS, l->pcr, vendor, &p);

	if (err == MAYDAY_OK)
		err = make_child(ctx, ROT_TPM2_KIND_DISTRESS, NULL, 0, p.digest, ROT_TPM2_DISTRESS,
				 &area);

	if (err == MAYDAY_OK)
		err = rot_tpm2_pkey(&area.publicArea, pub);
	if (err == MAYDAY_OK)
		err = rot_tpm2_spki_encode(*pub, l->spki, sizeof(l->spki), &l->spki_len);
	return err;
}

/* PRK = HKDF-Extract(salt = kid, IKM = psk) = HMAC-SHA256(kid, psk). */
static enum mayday_err make_prk(struct rot_tpm2_ctx *ctx, const uint8_t *psk,
				const uint8_t *kid, size_t kid_len, unsigned pcr, EVP_PKEY *vendor)
{
	uint8_t prk[32];
	unsigned int n = 0;
	struct rot_tpm2_policy p;
	enum mayday_err err = rot_tpm2_policy_make(ROT_TPM2_GUARD_PRK, pcr, vendor, &p);

	if (err == MAYDAY_OK &&
	    (HMAC(EVP_sha256(), kid, (int)kid_len, psk, MAYDAY_PSK_LEN, prk, &n) == NULL ||
	     n != sizeof(prk)))
		err = MAYDAY_E_INTERNAL;
	if (err == MAYDAY_OK)
		err = make_child(ctx, ROT_TPM2_KIND_PRK, prk, sizeof(prk), p.digest, ROT_TPM2_PRK,
				 NULL);
	OPENSSL_cleanse(prk, sizeof(prk));
	return err;
}

/* The credentials' key, bound to normal code's PCR state
 * (ROT_TPM2_GUARD_CREDS), and the bundle the caller issues for its public
 * half (*pem malloc'd, the caller's). */
static enum mayday_err make_creds(struct rot_tpm2_ctx *ctx,
				  const struct hal_rot_tpm2_provision_args *a, unsigned pcr,
				  uint8_t **pem, size_t *len)
{
	TPM2B_PUBLIC area;
	struct rot_tpm2_policy p;
	EVP_PKEY *pub = NULL;
	enum mayday_err err = rot_tpm2_policy_make(ROT_TPM2_GUARD_CREDS, pcr, a->vendor_pub, &p);

	if (err == MAYDAY_OK)
		err = make_child(ctx, ROT_TPM2_KIND_CREDS, NULL, 0, p.digest, ROT_TPM2_CREDS,
				 &area);
	if (err == MAYDAY_OK)
		err = rot_tpm2_pkey(&area.publicArea, &pub);
	if (err == MAYDAY_OK)
		err = a->creds_issue(a->creds_issue_ctx, pub, pem, len);
	if (err == MAYDAY_OK && (*pem == NULL || *len == 0 || *len > HAL_ROT_CREDS_MAX))
		err = MAYDAY_E_INVALID;
	EVP_PKEY_free(pub);
	return err;
}

static enum mayday_err make_seal(struct rot_tpm2_ctx *ctx,
				 const struct hal_rot_tpm2_provision_args *a, unsigned pcr,
				 const uint8_t *creds, size_t creds_len)
{
	uint8_t secret[ROT_SEAL_SECRET_LEN], value[HAL_ROT_REG_LEN], digest[32];
	uint8_t *blob = malloc(ROT_SEAL_BLOB_MAX);
	size_t blob_len = 0;
	enum mayday_err err;

	if (blob == NULL)
		return MAYDAY_E_NOMEM;
	err = hal_rot_policy_verified(a->vendor_pub, value);
	if (err == MAYDAY_OK)
		err = rot_tpm2_policy_pcr(ctx, pcr, value, digest);
	if (err == MAYDAY_OK && RAND_priv_bytes(secret, sizeof(secret)) != 1)
		err = MAYDAY_E_INTERNAL;
	if (err == MAYDAY_OK)
		err = rot_seal(secret, value, creds, creds_len, blob, ROT_SEAL_BLOB_MAX,
			       &blob_len);
	if (err == MAYDAY_OK)
		err = make_child(ctx, ROT_TPM2_KIND_SEAL, secret, sizeof(secret), digest,
				 ROT_TPM2_SEAL, NULL);
	if (err == MAYDAY_OK)
		err = hal_flash_write_atomic(a->flash, HAL_PART_ROT, ROT_SEAL_BLOB_ITEM, blob,
					     blob_len);
	OPENSSL_cleanse(secret, sizeof(secret));
	free(blob);
	return err;
}

static enum mayday_err write_anchor(struct rot_tpm2_ctx *ctx, TPM2_HANDLE index, EVP_PKEY *key)
{
	uint8_t der[ROT_TPM2_SPKI_MAX];
	size_t len = 0;
	enum mayday_err err = rot_tpm2_spki_encode(key, der, sizeof(der), &len);

	return err != MAYDAY_OK ? err : rot_tpm2_nv_write_once(ctx, index, der, len);
}

/* Define with the guard's policy, increment once with the owner's
 * authorization (a counter reads only once written), read the base. */
static enum mayday_err make_counter(struct rot_tpm2_ctx *ctx, TPM2_HANDLE index,
				    enum rot_tpm2_guard guard, unsigned pcr, EVP_PKEY *vendor,
				    uint64_t *base)
{
	struct rot_tpm2_policy p;
	enum mayday_err err = rot_tpm2_policy_make(guard, pcr, vendor, &p);

	if (err == MAYDAY_OK)
		err = rot_tpm2_ctr_define(ctx, index, p.digest);
	if (err == MAYDAY_OK)
		err = rot_tpm2_ctr_increment(ctx, index, ESYS_TR_NONE);
	if (err == MAYDAY_OK)
		err = rot_tpm2_ctr_read(ctx, index, base);
	return err;
}

/* Authorizes `hier` with `auth` if the TPM has its authorization set
 * (`set`), else with the empty one, then changes it to `auth`. */
static enum mayday_err change_auth(struct rot_tpm2_ctx *ctx, ESYS_TR hier, bool set,
				   const TPM2B_AUTH *auth, const char *what)
{
	const TPM2B_AUTH empty = { .size = 0 };
	TSS2_RC rc = Esys_TR_SetAuth(ctx->esys, hier, set ? auth : &empty);

	if (rc == TSS2_RC_SUCCESS)
		rc = Esys_HierarchyChangeAuth(ctx->esys, hier, ESYS_TR_PASSWORD, ESYS_TR_NONE,
					      ESYS_TR_NONE, auth);
	if (rc == TSS2_RC_SUCCESS)
		rc = Esys_TR_SetAuth(ctx->esys, hier, auth);
	if (rc == TSS2_RC_SUCCESS)
		return MAYDAY_OK;
	if ((rc & TSS2_RC_LAYER_MASK) == TSS2_TPM_RC_LAYER &&
	    ((rc & ~TPM2_RC_N_MASK) == TPM2_RC_BAD_AUTH ||
	     (rc & ~TPM2_RC_N_MASK) == TPM2_RC_AUTH_FAIL)) {
		log_warnx("rot: tpm2 (%s): the TPM's %s authorization is set and is not the "
			  "one given: re-provisioning needs the value escrowed when it was "
			  "first provisioned", ctx->tcti_name, what);
		return MAYDAY_E_DENIED;
	}
	return rot_tpm2_err(ctx, rc, "TPM2_HierarchyChangeAuth");
}

/* Owner authorization := auth, and the lockout authorization too if it is
 * empty (rot_tpm2_check_owned: the running RoT refuses a TPM with either
 * empty). A lockout authorization already set is left alone, never tried:
 * it is dictionary-attack protected, and one wrong try (anyone's) would
 * lock re-provisioning out for the TPM's lockout recovery time. */
static enum mayday_err take_ownership(struct rot_tpm2_ctx *ctx, const uint8_t *auth_bytes,
				      size_t len)
{
	TPM2B_AUTH auth = { .size = (UINT16)len };
	uint32_t perm = 0;
	enum mayday_err err;

	memcpy(auth.buffer, auth_bytes, len);
	err = rot_tpm2_permanent(ctx, &perm);
	if (err == MAYDAY_OK)
		err = change_auth(ctx, ESYS_TR_RH_OWNER, perm & TPMA_PERMANENT_OWNERAUTHSET,
				  &auth, "owner");
	if (err == MAYDAY_OK && !(perm & TPMA_PERMANENT_LOCKOUTAUTHSET))
		err = change_auth(ctx, ESYS_TR_RH_LOCKOUT, false, &auth, "lockout");
	OPENSSL_cleanse(&auth, sizeof(auth));
	return err;
}

static enum mayday_err check_args(const struct hal_rot_tpm2_provision_args *a)
{
	size_t id_len;

	if (a->tcti == NULL || a->device_id == NULL || a->vendor_pub == NULL ||
	    a->hems_pub == NULL)
		return MAYDAY_E_INVALID;
	id_len = strnlen(a->device_id, MAYDAY_DEVICE_ID_MAX + 1);
	if (!rot_device_id_ok(a->device_id, id_len))
		return MAYDAY_E_INVALID;
	if (a->pcr != 0 && (a->pcr < ROT_TPM2_PCR_MIN || a->pcr > ROT_TPM2_PCR_MAX))
		return MAYDAY_E_INVALID;
	if (a->psk != NULL && (a->psk_kid == NULL || a->psk_kid_len < MAYDAY_PSK_KID_MIN ||
			       a->psk_kid_len > MAYDAY_PSK_KID_MAX))
		return MAYDAY_E_INVALID;
	if (a->creds != NULL && (a->creds_len == 0 || a->creds_len > HAL_ROT_CREDS_MAX ||
				 a->flash == NULL))
		return MAYDAY_E_INVALID;
	if (a->creds_issue != NULL && (a->creds != NULL || a->flash == NULL))
		return MAYDAY_E_INVALID;
	if (a->owner_auth == NULL || a->owner_auth_len < HAL_ROT_TPM2_OWNER_AUTH_MIN ||
	    a->owner_auth_len > HAL_ROT_TPM2_OWNER_AUTH_MAX)
		return MAYDAY_E_INVALID;
	if (!rot_keys_is_p256(a->vendor_pub) || !rot_keys_is_p256(a->hems_pub))
		return MAYDAY_E_KEY;
	return MAYDAY_OK;
}

enum mayday_err hal_rot_tpm2_provision(const struct hal_rot_tpm2_provision_args *args,
				       EVP_PKEY **distress_pub)
{
	struct rot_tpm2_ctx ctx;
	struct rot_tpm2_layout l;
	uint8_t rec[ROT_TPM2_LAYOUT_MAX];
	size_t rec_len = 0;
	EVP_PKEY *pub = NULL;
	uint8_t *issued = NULL;
	size_t issued_len = 0;
	enum mayday_err err;

	if (distress_pub != NULL)
		*distress_pub = NULL;
	if (args == NULL || distress_pub == NULL)
		return MAYDAY_E_INVALID;
	err = check_args(args);
	if (err != MAYDAY_OK)
		return err;
	memset(&l, 0, sizeof(l));
	l.pcr = args->pcr != 0 ? args->pcr : HAL_ROT_TPM2_PCR_DEFAULT;
	if (args->psk != NULL) {
		l.flags |= ROT_TPM2_FLAG_PSK;
		memcpy(l.psk_kid, args->psk_kid, args->psk_kid_len);
		l.psk_kid_len = args->psk_kid_len;
	}
	if (args->creds != NULL)
		l.flags |= ROT_TPM2_FLAG_SEAL;
	if (args->creds_issue != NULL)
		l.flags |= ROT_TPM2_FLAG_SEAL | ROT_TPM2_FLAG_CREDS;
	err = args->tcti_context != NULL
		      ? rot_tpm2_ctx_open_tcti(&ctx, args->tcti_context, args->tcti)
		      : rot_tpm2_ctx_open(&ctx, args->tcti);
	if (err != MAYDAY_OK)
		return err;
	/* before anything changes: a PCR software can reset guards nothing */
	err = rot_tpm2_pcr_check_props(&ctx, l.pcr);
	if (err == MAYDAY_OK)
		err = take_ownership(&ctx, args->owner_auth, args->owner_auth_len);
	for (size_t i = 0; err == MAYDAY_OK && i < sizeof(nv_all) / sizeof(nv_all[0]); i++)
		err = rot_tpm2_nv_undefine(&ctx, nv_all[i]);
	for (size_t i = 0; err == MAYDAY_OK && i < sizeof(objects_all) / sizeof(objects_all[0]);
	     i++)
		err = evict(&ctx, objects_all[i].handle, objects_all[i].kind);
	if (err == MAYDAY_OK)
		err = make_primary(&ctx);
	if (err == MAYDAY_OK)
		err = make_distress(&ctx, &l, args->vendor_pub, &pub);
	if (err == MAYDAY_OK && args->psk != NULL)
		err = make_prk(&ctx, args->psk, args->psk_kid, args->psk_kid_len, l.pcr,
			       args->vendor_pub);
	if (err == MAYDAY_OK && args->creds_issue != NULL)
		err = make_creds(&ctx, args, l.pcr, &issued, &issued_len);
	if (err == MAYDAY_OK && args->creds_issue != NULL)
		err = make_seal(&ctx, args, l.pcr, issued, issued_len);
	if (err == MAYDAY_OK && args->creds != NULL)
		err = make_seal(&ctx, args, l.pcr, args->creds, args->creds_len);
	free(issued); /* certificates: nothing to wipe */
	if (err == MAYDAY_OK)
		err = rot_tpm2_nv_write_once(&ctx, ROT_TPM2_NV_DEVICE_ID,
					     (const uint8_t *)args->device_id,
					     strlen(args->device_id));
	if (err == MAYDAY_OK)
		err = write_anchor(&ctx, ROT_TPM2_NV_VENDOR, args->vendor_pub);
	if (err == MAYDAY_OK)
		err = write_anchor(&ctx, ROT_TPM2_NV_HEMS, args->hems_pub);
	if (err == MAYDAY_OK)
		err = make_counter(&ctx, ROT_TPM2_NV_CTR_MESSAGE, ROT_TPM2_GUARD_CTR_MESSAGE, l.pcr,
				   args->vendor_pub, &l.base[HAL_ROT_COUNTER_MESSAGE]);
	if (err == MAYDAY_OK)
		err = make_counter(&ctx, ROT_TPM2_NV_CTR_ROLLBACK, ROT_TPM2_GUARD_CTR_ROLLBACK,
				   l.pcr, args->vendor_pub, &l.base[HAL_ROT_COUNTER_ROLLBACK]);
	if (err == MAYDAY_OK)
		err = rot_tpm2_layout_encode(&l, rec, sizeof(rec), &rec_len);
	if (err == MAYDAY_OK)
		err = rot_tpm2_nv_write_once(&ctx, ROT_TPM2_NV_LAYOUT, rec, rec_len);
	rot_tpm2_ctx_close(&ctx);
	if (err != MAYDAY_OK) {
		log_warnx("rot: tpm2 (%s): provisioning failed; the TPM holds no layout record "
			  "and will not open until provisioned again", args->tcti);
		EVP_PKEY_free(pub);
		return err;
	}
	*distress_pub = pub;
	return MAYDAY_OK;
}

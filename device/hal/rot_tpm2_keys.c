/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The tpm2 backend's key objects (rot_tpm2.h): their templates, the check
 * that a persistent handle holds an object made from one, their public
 * halves as OpenSSL keys, and the two operations they exist for.
 *
 * Every object is noda (TPMA_OBJECT_NODA): the DCF must sign after any
 * number of unclean power cuts, and dictionary-attack protection buys
 * nothing for keys whose auth value is empty. Every object is fixedtpm and
 * fixedparent, so no command can export it. The distress key, the PRK
 * and the device credentials' key have no userwithauth and are
 * adminwithpolicy: only their authPolicy (rot_tpm2_policy.c: the TrE's and
 * the DCF's PCR states, or normal code's for the credentials' key)
 * authorizes their use, and, as it ends with PolicyCommandCode of the
 * key's one command (TPM2_Sign, or TPM2_HMAC for the PRK), no other and
 * no administrative command at all. An object at a persistent handle is
 * trusted only after its public area matched the template here and its
 * authPolicy the expected one (and, for the distress key, the SPKI in the
 * layout record, rot_tpm2.c).
 */
#include <string.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/param_build.h>
#include <openssl/x509.h>

#include "log.h"
#include "rot_keys.h"
#include "rot_tpm2.h"

#define BASE_ATTRS (TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT | TPMA_OBJECT_NODA)

void rot_tpm2_template(enum rot_tpm2_kind kind, TPM2B_PUBLIC *out)
{
	TPMT_PUBLIC *p = &out->publicArea;

	memset(out, 0, sizeof(*out));
	p->nameAlg = TPM2_ALG_SHA256;
	switch (kind) {
	case ROT_TPM2_KIND_PRIMARY:
		p->type = TPM2_ALG_ECC;
		p->objectAttributes = BASE_ATTRS | TPMA_OBJECT_SENSITIVEDATAORIGIN |
				      TPMA_OBJECT_USERWITHAUTH | TPMA_OBJECT_RESTRICTED |
				      TPMA_OBJECT_DECRYPT;
		p->parameters.eccDetail.symmetric.algorithm = TPM2_ALG_AES;
		p->parameters.eccDetail.symmetric.keyBits.aes = 128;
		p->parameters.eccDetail.symmetric.mode.aes = TPM2_ALG_CFB;
		p->parameters.eccDetail.scheme.scheme = TPM2_ALG_NULL;
		p->parameters.eccDetail.curveID = TPM2_ECC_NIST_P256;
		p->parameters.eccDetail.kdf.scheme = TPM2_ALG_NULL;
		break;
	case ROT_TPM2_KIND_DISTRESS:
	case ROT_TPM2_KIND_CREDS: /* one template: their authPolicy tells them apart */
		p->type = TPM2_ALG_ECC;
		p->objectAttributes = BASE_ATTRS | TPMA_OBJECT_SENSITIVEDATAORIGIN |
				      TPMA_OBJECT_ADMINWITHPOLICY | TPMA_OBJECT_SIGN_ENCRYPT;
		p->parameters.eccDetail.symmetric.algorithm = TPM2_ALG_NULL;
		p->parameters.eccDetail.scheme.scheme = TPM2_ALG_ECDSA;
		p->parameters.eccDetail.scheme.details.ecdsa.hashAlg = TPM2_ALG_SHA256;
		p->parameters.eccDetail.curveID = TPM2_ECC_NIST_P256;
		p->parameters.eccDetail.kdf.scheme = TPM2_ALG_NULL;
		break;
	case ROT_TPM2_KIND_PRK:
		p->type = TPM2_ALG_KEYEDHASH;
		p->objectAttributes = BASE_ATTRS | TPMA_OBJECT_ADMINWITHPOLICY |
				      TPMA_OBJECT_SIGN_ENCRYPT;
		p->parameters.keyedHashDetail.scheme.scheme = TPM2_ALG_HMAC;
		p->parameters.keyedHashDetail.scheme.details.hmac.hashAlg = TPM2_ALG_SHA256;
		break;
	case ROT_TPM2_KIND_SEAL:
		p->type = TPM2_ALG_KEYEDHASH;
		p->objectAttributes = BASE_ATTRS; /* no userwithauth: the policy only */
		p->parameters.keyedHashDetail.scheme.scheme = TPM2_ALG_NULL;
		break;
	}
}

/* Layout version 1's DISTRESS and PRK: usable with their empty auth
 * value by anyone (userwithauth). Only recognised to be replaced. */
static TPMA_OBJECT v1_attrs(enum rot_tpm2_kind kind, TPMA_OBJECT now)
{
	if (kind != ROT_TPM2_KIND_DISTRESS && kind != ROT_TPM2_KIND_PRK)
		return now;
	return (now & ~TPMA_OBJECT_ADMINWITHPOLICY) | TPMA_OBJECT_USERWITHAUTH;
}

static bool matches(enum rot_tpm2_kind kind, const TPMT_PUBLIC *got, bool v1_too)
{
	TPM2B_PUBLIC want;
	const TPMT_PUBLIC *w = &want.publicArea;

	rot_tpm2_template(kind, &want);
	if (got->type != w->type || got->nameAlg != w->nameAlg ||
	    (got->objectAttributes != w->objectAttributes &&
	     (!v1_too || got->objectAttributes != v1_attrs(kind, w->objectAttributes))))
		return false;
	if (w->type == TPM2_ALG_ECC) {
		const TPMS_ECC_PARMS *a = &got->parameters.eccDetail, *b = &w->parameters.eccDetail;

		return a->curveID == b->curveID && a->scheme.scheme == b->scheme.scheme &&
		       (b->scheme.scheme == TPM2_ALG_NULL ||
			a->scheme.details.ecdsa.hashAlg == b->scheme.details.ecdsa.hashAlg) &&
		       a->symmetric.algorithm == b->symmetric.algorithm;
	}
	if (got->parameters.keyedHashDetail.scheme.scheme !=
	    w->parameters.keyedHashDetail.scheme.scheme)
		return false;
	return w->parameters.keyedHashDetail.scheme.scheme == TPM2_ALG_NULL ||
	       got->parameters.keyedHashDetail.scheme.details.hmac.hashAlg ==
		       w->parameters.keyedHashDetail.scheme.details.hmac.hashAlg;
}

enum mayday_err rot_tpm2_key_is(struct rot_tpm2_ctx *ctx, ESYS_TR tr, enum rot_tpm2_kind kind,
				bool *ours)
{
	TPM2B_PUBLIC *area = NULL;
	TSS2_RC rc = Esys_ReadPublic(ctx->esys, tr, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
				     &area, NULL, NULL);

	if (rc != TSS2_RC_SUCCESS)
		return rot_tpm2_err(ctx, rc, "TPM2_ReadPublic");
	*ours = matches(kind, &area->publicArea, true);
	Esys_Free(area);
	return MAYDAY_OK;
}

enum mayday_err rot_tpm2_key_open(struct rot_tpm2_ctx *ctx, TPM2_HANDLE handle,
				  enum rot_tpm2_kind kind, const uint8_t *policy, ESYS_TR *tr,
				  EVP_PKEY **pub)
{
	TPM2B_PUBLIC *area = NULL;
	enum mayday_err err = rot_tpm2_tr(ctx, handle, tr);
	TSS2_RC rc;

	if (err != MAYDAY_OK)
		return err;
	rc = Esys_ReadPublic(ctx->esys, *tr, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &area,
			     NULL, NULL);
	if (rc != TSS2_RC_SUCCESS) {
		err = rot_tpm2_err(ctx, rc, "TPM2_ReadPublic");
	} else if (!matches(kind, &area->publicArea, false) ||
		   (policy != NULL && (area->publicArea.authPolicy.size != 32 ||
				       memcmp(area->publicArea.authPolicy.buffer, policy, 32) != 0))) {
		log_warnx("rot: tpm2 (%s): the object at 0x%08x is not of this layout "
			  "(type, attributes or policy); provision the device again",
			  ctx->tcti_name, (unsigned)handle);
		err = MAYDAY_E_MALFORMED;
	} else if (pub != NULL) {
		err = rot_tpm2_pkey(&area->publicArea, pub);
	}
	Esys_Free(area);
	if (err != MAYDAY_OK)
		rot_tpm2_tr_close(ctx, tr);
	return err;
}

enum mayday_err rot_tpm2_pkey(const TPMT_PUBLIC *pub, EVP_PKEY **out)
{
	const TPMS_ECC_POINT *pt = &pub->unique.ecc;
	uint8_t oct[1 + 2 * 32];
	OSSL_PARAM_BLD *bld = NULL;
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *pctx = NULL;
	EVP_PKEY *key = NULL;
	enum mayday_err err = MAYDAY_E_KEY;

	if (pub->type != TPM2_ALG_ECC || pub->parameters.eccDetail.curveID != TPM2_ECC_NIST_P256 ||
	    pt->x.size == 0 || pt->x.size > 32 || pt->y.size == 0 || pt->y.size > 32)
		return MAYDAY_E_KEY;
	/* uncompressed point; a TPM may drop leading zero bytes */
	memset(oct, 0, sizeof(oct));
	oct[0] = 0x04;
	memcpy(oct + 1 + (32 - pt->x.size), pt->x.buffer, pt->x.size);
	memcpy(oct + 33 + (32 - pt->y.size), pt->y.buffer, pt->y.size);
	bld = OSSL_PARAM_BLD_new();
	if (bld == NULL ||
	    !OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) ||
	    !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, oct, sizeof(oct)))
		goto out;
	params = OSSL_PARAM_BLD_to_param(bld);
	pctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	if (params == NULL || pctx == NULL || EVP_PKEY_fromdata_init(pctx) <= 0 ||
	    EVP_PKEY_fromdata(pctx, &key, EVP_PKEY_PUBLIC_KEY, params) <= 0)
		goto out;
	EVP_PKEY_CTX_free(pctx);
	pctx = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);
	if (pctx == NULL || EVP_PKEY_public_check(pctx) != 1)
		goto out;
	*out = key;
	key = NULL;
	err = MAYDAY_OK;
out:
	EVP_PKEY_free(key);
	EVP_PKEY_CTX_free(pctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	return err;
}

enum mayday_err rot_tpm2_spki_encode(EVP_PKEY *key, uint8_t *out, size_t cap, size_t *len)
{
	int n;
	uint8_t *p = out;

	if (!rot_keys_is_p256(key))
		return MAYDAY_E_KEY;
	n = i2d_PUBKEY(key, NULL);
	if (n <= 0 || (size_t)n > cap)
		return MAYDAY_E_KEY;
	if (i2d_PUBKEY(key, &p) != n)
		return MAYDAY_E_KEY;
	*len = (size_t)n;
	return MAYDAY_OK;
}

enum mayday_err rot_tpm2_spki_decode(const uint8_t *der, size_t len, EVP_PKEY **out)
{
	const uint8_t *p = der;
	EVP_PKEY *key;
	EVP_PKEY_CTX *pctx;
	int ok;

	if (len == 0 || len > 4096)
		return MAYDAY_E_KEY;
	key = d2i_PUBKEY(NULL, &p, (long)len);
	if (key == NULL || p != der + len || !rot_keys_is_p256(key)) {
		EVP_PKEY_free(key);
		return MAYDAY_E_KEY;
	}
	pctx = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);
	ok = pctx != NULL && EVP_PKEY_public_check(pctx) == 1;
	EVP_PKEY_CTX_free(pctx);
	if (!ok) {
		EVP_PKEY_free(key);
		return MAYDAY_E_KEY;
	}
	*out = key;
	return MAYDAY_OK;
}

static bool put32(const TPM2B_ECC_PARAMETER *v, uint8_t out[32])
{
	if (v->size == 0 || v->size > 32)
		return false;
	memset(out, 0, 32);
	memcpy(out + (32 - v->size), v->buffer, v->size);
	return true;
}

enum mayday_err rot_tpm2_sign(struct rot_tpm2_ctx *ctx, ESYS_TR key, ESYS_TR session,
			      const uint8_t digest[32], uint8_t sig[64])
{
	TPM2B_DIGEST d = { .size = 32 };
	TPMT_SIG_SCHEME scheme = {
		.scheme = TPM2_ALG_ECDSA,
		.details.ecdsa.hashAlg = TPM2_ALG_SHA256,
	};
	/* not a restricted key: the TPM needs no proof it hashed the data */
	TPMT_TK_HASHCHECK ticket = { .tag = TPM2_ST_HASHCHECK, .hierarchy = TPM2_RH_NULL };
	TPMT_SIGNATURE *s = NULL;
	enum mayday_err err = MAYDAY_OK;
	TSS2_RC rc;

	memcpy(d.buffer, digest, 32);
	rc = Esys_Sign(ctx->esys, key, session, ESYS_TR_NONE, ESYS_TR_NONE, &d, &scheme, &ticket,
		       &s);
	if (rc != TSS2_RC_SUCCESS)
		return rot_tpm2_policy_denied(ctx, rc, "TPM2_Sign");
	if (s->sigAlg != TPM2_ALG_ECDSA || s->signature.ecdsa.hash != TPM2_ALG_SHA256 ||
	    !put32(&s->signature.ecdsa.signatureR, sig) ||
	    !put32(&s->signature.ecdsa.signatureS, sig + 32)) {
		log_warnx("rot: tpm2 (%s): TPM2_Sign answered a signature of the wrong shape",
			  ctx->tcti_name);
		err = MAYDAY_E_MALFORMED;
	}
	Esys_Free(s);
	return err;
}

enum mayday_err rot_tpm2_hmac(struct rot_tpm2_ctx *ctx, ESYS_TR key, ESYS_TR session,
			      const uint8_t *data, size_t len, uint8_t out[32])
{
	TPM2B_MAX_BUFFER buf;
	TPM2B_DIGEST *mac = NULL;
	enum mayday_err err = MAYDAY_OK;
	TSS2_RC rc;

	if (len > 64)
		return MAYDAY_E_INVALID;
	buf.size = (UINT16)len;
	memcpy(buf.buffer, data, len);
	/* the policy session authorizes and, salted, encrypts the answer */
	rc = Esys_HMAC(ctx->esys, key, session, ESYS_TR_NONE, ESYS_TR_NONE, &buf,
		       TPM2_ALG_SHA256, &mac);
	if (rc != TSS2_RC_SUCCESS)
		return rot_tpm2_policy_denied(ctx, rc, "TPM2_HMAC");
	if (mac->size != 32) {
		log_warnx("rot: tpm2 (%s): TPM2_HMAC answered %u bytes", ctx->tcti_name,
			  (unsigned)mac->size);
		err = MAYDAY_E_MALFORMED;
	} else {
		memcpy(out, mac->buffer, 32);
	}
	OPENSSL_cleanse(mac->buffer, sizeof(mac->buffer));
	Esys_Free(mac);
	return err;
}

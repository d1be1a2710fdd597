/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The tpm2 backend's connection (rot_tpm2.h): the TCTI is initialised by
 * calling its library directly (no TCTI loader, nothing dlopened), and the
 * first command, TPM2_GetRandom, proves the TPM answers before anything
 * else is asked. The TPM is not started here: firmware (or swtpm's
 * startup-clear flag) does that; a TPM2_Startup from us could only reset
 * PCRs a verified start-up had extended.
 */
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <tss2/tss2_rc.h>
#include <tss2/tss2_tcti_device.h>
#include <tss2/tss2_tcti_swtpm.h>

#include "log.h"
#include "rot_tpm2.h"

typedef TSS2_RC (*tcti_init_fn)(TSS2_TCTI_CONTEXT *ctx, size_t *size, const char *conf);

static enum mayday_err tcti_init(struct rot_tpm2_ctx *ctx, tcti_init_fn init, const char *conf)
{
	size_t size = 0;
	TSS2_RC rc = init(NULL, &size, conf);

	if (rc != TSS2_RC_SUCCESS)
		return rot_tpm2_err(ctx, rc, "TCTI size");
	ctx->tcti = calloc(1, size);
	if (ctx->tcti == NULL)
		return MAYDAY_E_NOMEM;
	rc = init(ctx->tcti, &size, conf);
	if (rc != TSS2_RC_SUCCESS) {
		free(ctx->tcti);
		ctx->tcti = NULL;
		return rot_tpm2_err(ctx, rc, "TCTI init");
	}
	return MAYDAY_OK;
}

static enum mayday_err set_name(struct rot_tpm2_ctx *ctx, const char *tcti)
{
	memset(ctx, 0, sizeof(*ctx));
	if (tcti == NULL || strlen(tcti) >= sizeof(ctx->tcti_name)) {
		log_warnx("rot: tpm2: no TCTI, or one too long (spec tpm2:device:/dev/tpmrm0)");
		return MAYDAY_E_INVALID;
	}
	memcpy(ctx->tcti_name, tcti, strlen(tcti) + 1);
	return MAYDAY_OK;
}

/* The ESAPI over ctx->tcti, and a first command that must be answered. */
static enum mayday_err start(struct rot_tpm2_ctx *ctx)
{
	TPM2B_DIGEST *rnd = NULL;
	enum mayday_err err;
	TSS2_RC rc = Esys_Initialize(&ctx->esys, ctx->tcti, NULL);

	if (rc != TSS2_RC_SUCCESS) {
		ctx->esys = NULL;
		err = rot_tpm2_err(ctx, rc, "Esys_Initialize");
		goto fail;
	}
	rc = Esys_GetRandom(ctx->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, 8, &rnd);
	Esys_Free(rnd);
	if (rc != TSS2_RC_SUCCESS) {
		err = rot_tpm2_err(ctx, rc, "TPM2_GetRandom");
		/* whatever the TPM said, it does not work: not a missing item */
		if (err == MAYDAY_E_NOTFOUND)
			err = MAYDAY_E_IO;
		goto fail;
	}
	return MAYDAY_OK;
fail:
	rot_tpm2_ctx_close(ctx);
	return err;
}

/* swtpm is a simulator for tests: its TCP form must stay on this host, or
 * a configuration (or MAYDAY_ROT) could point the RoT at a "TPM" anywhere
 * on the network. Every host= of `conf` must be a numeric loopback
 * address (127.0.0.0/8 or ::1; a name could resolve elsewhere). */
static bool swtpm_conf_local(const char *conf)
{
	const char *p = conf;

	while (*p != '\0') {
		size_t n = strcspn(p, ",");

		if (n > 5 && strncmp(p, "host=", 5) == 0) {
			char host[INET6_ADDRSTRLEN];
			struct in_addr a4;
			struct in6_addr a6;

			if (n - 5 >= sizeof(host))
				return false;
			memcpy(host, p + 5, n - 5);
			host[n - 5] = '\0';
			if (inet_pton(AF_INET, host, &a4) == 1) {
				if ((ntohl(a4.s_addr) >> 24) != 127)
					return false;
			} else if (inet_pton(AF_INET6, host, &a6) != 1 ||
				   !IN6_IS_ADDR_LOOPBACK(&a6)) {
				return false;
			}
		} else if (strncmp(p, "host=", 5) == 0) {
			return false;
		}
		p += n;
		if (*p == ',')
			p++;
	}
	return true;
}

enum mayday_err rot_tpm2_ctx_open(struct rot_tpm2_ctx *ctx, const char *tcti)
{
	enum mayday_err err = set_name(ctx, tcti);

	if (err != MAYDAY_OK)
		return err;
	if (strncmp(tcti, "device:", 7) == 0 && tcti[7] != '\0')
		err = tcti_init(ctx, Tss2_Tcti_Device_Init, tcti + 7);
	else if (strncmp(tcti, "swtpm:", 6) == 0 && tcti[6] != '\0') {
		if (!swtpm_conf_local(tcti + 6)) {
			log_warnx("rot: tpm2: swtpm TCTI \"%s\": host= must be a loopback address "
				  "(127.0.0.0/8, ::1); swtpm is for tests on this host", tcti);
			return MAYDAY_E_INVALID;
		}
		err = tcti_init(ctx, Tss2_Tcti_Swtpm_Init, tcti + 6);
	}
	else {
		log_warnx("rot: tpm2: unknown TCTI \"%s\" (device:PATH or swtpm:path=SOCK)", tcti);
		return MAYDAY_E_INVALID;
	}
	return err != MAYDAY_OK ? err : start(ctx);
}

enum mayday_err rot_tpm2_ctx_open_tcti(struct rot_tpm2_ctx *ctx, TSS2_TCTI_CONTEXT *tcti,
				       const char *name)
{
	enum mayday_err err = set_name(ctx, name);

	if (err != MAYDAY_OK)
		return err;
	ctx->tcti = tcti;
	ctx->tcti_borrowed = 1;
	return start(ctx);
}

void rot_tpm2_ctx_close(struct rot_tpm2_ctx *ctx)
{
	if (ctx == NULL)
		return;
	if (ctx->esys != NULL)
		Esys_Finalize(&ctx->esys);
	ctx->esys = NULL;
	if (ctx->tcti != NULL && !ctx->tcti_borrowed) {
		Tss2_Tcti_Finalize(ctx->tcti);
		free(ctx->tcti);
	}
	ctx->tcti = NULL;
}

/* A format-one response code names a handle, session or parameter in its
 * bits 6..11; the error itself is bits 0..5 with RC_FMT1. */
static TSS2_RC tpm_base(TSS2_RC rc)
{
	if ((rc & TSS2_RC_LAYER_MASK) != TSS2_TPM_RC_LAYER)
		return rc;
	return (rc & TPM2_RC_FMT1) != 0 ? rc & (TPM2_RC_FMT1 | 0x3f) : rc;
}

enum mayday_err rot_tpm2_err(const struct rot_tpm2_ctx *ctx, TSS2_RC rc, const char *what)
{
	TSS2_RC base = tpm_base(rc);

	if ((rc & TSS2_RC_LAYER_MASK) == TSS2_TPM_RC_LAYER &&
	    (base == TPM2_RC_HANDLE || base == TPM2_RC_NV_UNINITIALIZED)) {
		log_warnx("rot: tpm2 (%s): %s: %s", ctx->tcti_name, what, Tss2_RC_Decode(rc));
		return MAYDAY_E_NOTFOUND;
	}
	if (base == TPM2_RC_LOCKOUT)
		log_warnx("rot: tpm2 (%s): %s: the TPM is in dictionary-attack lockout",
			  ctx->tcti_name, what);
	else
		log_warnx("rot: tpm2 (%s): %s: %s (0x%x)", ctx->tcti_name, what,
			  Tss2_RC_Decode(rc), (unsigned)rc);
	return MAYDAY_E_IO;
}

enum mayday_err rot_tpm2_tr(struct rot_tpm2_ctx *ctx, TPM2_HANDLE handle, ESYS_TR *out)
{
	TSS2_RC rc = Esys_TR_FromTPMPublic(ctx->esys, handle, ESYS_TR_NONE, ESYS_TR_NONE,
					   ESYS_TR_NONE, out);

	if (rc != TSS2_RC_SUCCESS) {
		*out = ESYS_TR_NONE;
		return rot_tpm2_err(ctx, rc, "handle");
	}
	return MAYDAY_OK;
}

void rot_tpm2_tr_close(struct rot_tpm2_ctx *ctx, ESYS_TR *tr)
{
	if (*tr != ESYS_TR_NONE)
		(void)Esys_TR_Close(ctx->esys, tr);
	*tr = ESYS_TR_NONE;
}

void rot_tpm2_flush(struct rot_tpm2_ctx *ctx, ESYS_TR *tr)
{
	if (*tr != ESYS_TR_NONE)
		(void)Esys_FlushContext(ctx->esys, *tr);
	*tr = ESYS_TR_NONE;
}

enum mayday_err rot_tpm2_exists(struct rot_tpm2_ctx *ctx, TPM2_HANDLE handle, bool *yes)
{
	TPMS_CAPABILITY_DATA *cap = NULL;
	TPMI_YES_NO more = 0;
	TSS2_RC rc = Esys_GetCapability(ctx->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
					TPM2_CAP_HANDLES, handle, 1, &more, &cap);

	if (rc != TSS2_RC_SUCCESS)
		return rot_tpm2_err(ctx, rc, "TPM2_GetCapability");
	/* the TPM lists handles from `handle` on: the first is it, or a later one */
	*yes = cap->capability == TPM2_CAP_HANDLES && cap->data.handles.count >= 1 &&
	       cap->data.handles.handle[0] == handle;
	Esys_Free(cap);
	return MAYDAY_OK;
}

enum mayday_err rot_tpm2_permanent(struct rot_tpm2_ctx *ctx, uint32_t *attrs)
{
	TPMS_CAPABILITY_DATA *cap = NULL;
	TPMI_YES_NO more = 0;
	TSS2_RC rc = Esys_GetCapability(ctx->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
					TPM2_CAP_TPM_PROPERTIES, TPM2_PT_PERMANENT, 1, &more,
					&cap);
	enum mayday_err err = MAYDAY_OK;

	if (rc != TSS2_RC_SUCCESS)
		return rot_tpm2_err(ctx, rc, "TPM2_GetCapability (permanent)");
	if (cap->capability != TPM2_CAP_TPM_PROPERTIES ||
	    cap->data.tpmProperties.count < 1 ||
	    cap->data.tpmProperties.tpmProperty[0].property != TPM2_PT_PERMANENT) {
		log_warnx("rot: tpm2 (%s): the TPM did not report TPM2_PT_PERMANENT",
			  ctx->tcti_name);
		err = MAYDAY_E_MALFORMED;
	} else {
		*attrs = cap->data.tpmProperties.tpmProperty[0].value;
	}
	Esys_Free(cap);
	return err;
}

enum mayday_err rot_tpm2_check_owned(struct rot_tpm2_ctx *ctx)
{
	uint32_t perm = 0;
	enum mayday_err err = rot_tpm2_permanent(ctx, &perm);

	if (err != MAYDAY_OK)
		return err;
	if (!(perm & TPMA_PERMANENT_OWNERAUTHSET) || !(perm & TPMA_PERMANENT_LOCKOUTAUTHSET)) {
		log_warnx("rot: tpm2 (%s): the TPM's owner or lockout authorization is empty: "
			  "anyone could replace the RoT's NV indices; refused (provision the "
			  "device again)", ctx->tcti_name);
		return MAYDAY_E_MALFORMED;
	}
	return MAYDAY_OK;
}

enum mayday_err rot_tpm2_session_salted(struct rot_tpm2_ctx *ctx, ESYS_TR salt_key, TPM2_SE type,
					ESYS_TR *s)
{
	TPMT_SYM_DEF sym = { .algorithm = TPM2_ALG_AES,
			     .keyBits.aes = 128,
			     .mode.aes = TPM2_ALG_CFB };
	TSS2_RC rc = Esys_StartAuthSession(ctx->esys, salt_key, ESYS_TR_NONE, ESYS_TR_NONE,
					   ESYS_TR_NONE, ESYS_TR_NONE, NULL, type, &sym,
					   TPM2_ALG_SHA256, s);

	if (rc == TSS2_RC_SUCCESS)
		rc = Esys_TRSess_SetAttributes(ctx->esys, *s,
					       TPMA_SESSION_ENCRYPT | TPMA_SESSION_CONTINUESESSION,
					       0xff);
	if (rc != TSS2_RC_SUCCESS) {
		rot_tpm2_flush(ctx, s);
		*s = ESYS_TR_NONE;
		return rot_tpm2_err(ctx, rc, "TPM2_StartAuthSession (salted)");
	}
	return MAYDAY_OK;
}

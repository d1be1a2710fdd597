/* SPDX-License-Identifier: Apache-2.0 */
/* The tpm2 RoT tests' fixture (rot_tpm2_testlib.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <openssl/ec.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>
#include <tss2/tss2_tcti_swtpm.h>

#include "rot_tpm2_testlib.h"

const char tpm2_fx_creds[] = "-----BEGIN PRIVATE KEY-----\ntpm2 stand-in bundle\n"
			     "-----END PRIVATE KEY-----\n";
const size_t tpm2_fx_creds_len = sizeof(tpm2_fx_creds) - 1;

static EVP_PKEY *gen(void)
{
	EVP_PKEY *k = EVP_EC_gen("P-256");

	assert_non_null(k);
	return k;
}

int tpm2_fx_setup_bare(void **state)
{
	struct tpm2_fx *fx = calloc(1, sizeof(*fx));

	assert_non_null(fx);
	assert_int_equal(swtpm_fixture_init(&fx->tpm, "rot"), 0);
	assert_int_equal(swtpm_fixture_start(&fx->tpm), 0);
	snprintf(fx->flash_dir, sizeof(fx->flash_dir), "%s/flash", fx->tpm.dir);
	assert_int_equal(mkdir(fx->flash_dir, 0700), 0);
	assert_int_equal(hal_flash_open(&fx->f, fx->flash_dir, "host"), MAYDAY_OK);
	fx->vendor = gen();
	fx->hems = gen();
	assert_int_equal(mayday_psk_generate(fx->psk, fx->kid), MAYDAY_OK);
	assert_int_equal(RAND_bytes(fx->owner_auth, sizeof(fx->owner_auth)), 1);
	*state = fx;
	return 0;
}

int tpm2_fx_setup(void **state)
{
	tpm2_fx_setup_bare(state);
	assert_int_equal(tpm2_fx_provision(*state, NULL), MAYDAY_OK);
	return 0;
}

int tpm2_fx_teardown(void **state)
{
	struct tpm2_fx *fx = *state;

	hal_flash_close(fx->f);
	EVP_PKEY_free(fx->vendor);
	EVP_PKEY_free(fx->hems);
	EVP_PKEY_free(fx->distress_pub);
	EVP_PKEY_free(fx->ca_key);
	X509_free(fx->ca_cert);
	EVP_PKEY_free(fx->creds_pub);
	swtpm_fixture_destroy(&fx->tpm);
	free(fx);
	return 0;
}

enum mayday_err tpm2_fx_provision(struct tpm2_fx *fx, void *tcti_context)
{
	struct hal_rot_tpm2_provision_args a = {
		.tcti = fx->tpm.tcti,
		.device_id = TPM2_FX_DEVICE_ID,
		.vendor_pub = fx->vendor,
		.hems_pub = fx->hems,
		.psk = fx->psk,
		.psk_kid = fx->kid,
		.psk_kid_len = sizeof(fx->kid),
		.creds = (const uint8_t *)tpm2_fx_creds,
		.creds_len = tpm2_fx_creds_len,
		.flash = fx->f,
		.tcti_context = tcti_context,
		.owner_auth = fx->owner_auth,
		.owner_auth_len = sizeof(fx->owner_auth),
	};
	EVP_PKEY *pub = NULL;
	enum mayday_err err = hal_rot_tpm2_provision(&a, &pub);

	if (err == MAYDAY_OK) {
		assert_non_null(pub);
		EVP_PKEY_free(fx->distress_pub);
		fx->distress_pub = pub;
	} else {
		assert_null(pub);
	}
	return err;
}

X509 *tpm2_fx_cert(EVP_PKEY *subject, EVP_PKEY *issuer_key, const char *cn, bool ca)
{
	X509 *x = X509_new();
	X509_NAME *n = X509_NAME_new();

	assert_non_null(x);
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), ca ? 1 : 2);
	X509_gmtime_adj(X509_getm_notBefore(x), -60);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	X509_set_subject_name(x, n);
	X509_NAME_free(n);
	n = X509_NAME_new();
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)"test ca", -1, -1,
				   0);
	X509_set_issuer_name(x, n);
	X509_NAME_free(n);
	X509_set_pubkey(x, subject);
	if (ca) {
		X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, NULL, NID_basic_constraints,
							"critical,CA:TRUE");

		assert_non_null(e);
		X509_add_ext(x, e, -1);
		X509_EXTENSION_free(e);
	}
	assert_true(X509_sign(x, issuer_key, EVP_sha256()) > 0);
	return x;
}

static enum mayday_err issue(void *ctx, EVP_PKEY *creds_pub, uint8_t **pem, size_t *len)
{
	struct tpm2_fx *fx = ctx;
	X509 *cert = tpm2_fx_cert(creds_pub, fx->ca_key, TPM2_FX_DEVICE_ID, false);
	BIO *b = BIO_new(BIO_s_mem());
	char *text = NULL;
	long n;

	assert_non_null(b);
	assert_int_equal(PEM_write_bio_X509(b, cert), 1);
	assert_int_equal(PEM_write_bio_X509(b, fx->ca_cert), 1);
	n = BIO_get_mem_data(b, &text);
	assert_true(n > 0);
	*pem = malloc((size_t)n);
	assert_non_null(*pem);
	memcpy(*pem, text, (size_t)n);
	*len = (size_t)n;
	EVP_PKEY_free(fx->creds_pub);
	assert_int_equal(EVP_PKEY_up_ref(creds_pub), 1);
	fx->creds_pub = creds_pub;
	BIO_free(b);
	X509_free(cert);
	return MAYDAY_OK;
}

enum mayday_err tpm2_fx_provision_creds_key(struct tpm2_fx *fx, void *tcti_context)
{
	struct hal_rot_tpm2_provision_args a = {
		.tcti = fx->tpm.tcti,
		.device_id = TPM2_FX_DEVICE_ID,
		.vendor_pub = fx->vendor,
		.hems_pub = fx->hems,
		.psk = fx->psk,
		.psk_kid = fx->kid,
		.psk_kid_len = sizeof(fx->kid),
		.creds_issue = issue,
		.creds_issue_ctx = fx,
		.flash = fx->f,
		.tcti_context = tcti_context,
		.owner_auth = fx->owner_auth,
		.owner_auth_len = sizeof(fx->owner_auth),
	};
	EVP_PKEY *pub = NULL;
	enum mayday_err err;

	if (fx->ca_key == NULL) {
		fx->ca_key = gen();
		fx->ca_cert = tpm2_fx_cert(fx->ca_key, fx->ca_key, "test ca", true);
	}
	err = hal_rot_tpm2_provision(&a, &pub);
	if (err == MAYDAY_OK) {
		EVP_PKEY_free(fx->distress_pub);
		fx->distress_pub = pub;
	}
	return err;
}

struct hal_rot *tpm2_fx_open(struct tpm2_fx *fx, enum hal_rot_role role)
{
	struct hal_rot *rot = NULL;

	assert_int_equal(hal_rot_open_role(&rot, fx->tpm.spec, fx->f, role), MAYDAY_OK);
	return rot;
}

void tpm2_fx_enter_dcf(struct tpm2_fx *fx, uint32_t reason)
{
	struct hal_rot *rot = tpm2_fx_open(fx, HAL_ROT_ROLE_TRE);
	uint8_t ev[HAL_ROT_REG_LEN];

	hal_rot_event_failed(reason, ev);
	assert_int_equal(hal_rot_extend(rot, ev), MAYDAY_OK);
	hal_rot_close(rot);
}

void tpm2_fx_enter_normal(struct tpm2_fx *fx)
{
	struct hal_rot *rot = tpm2_fx_open(fx, HAL_ROT_ROLE_TRE);
	uint8_t ev[HAL_ROT_REG_LEN];

	assert_int_equal(hal_rot_event_verified(fx->vendor, ev), MAYDAY_OK);
	assert_int_equal(hal_rot_extend(rot, ev), MAYDAY_OK);
	hal_rot_event_released(ev);
	assert_int_equal(hal_rot_extend(rot, ev), MAYDAY_OK);
	hal_rot_close(rot);
}

void tpm2_fx_pcr(struct tpm2_fx *fx, uint8_t out[HAL_ROT_REG_LEN])
{
	const unsigned pcr = HAL_ROT_TPM2_PCR_DEFAULT;
	TPML_PCR_SELECTION sel = { .count = 1 }, *sel_out = NULL;
	TPML_DIGEST *values = NULL;
	UINT32 update = 0;
	ESYS_CONTEXT *esys = tpm2_fx_esys(fx);

	sel.pcrSelections[0].hash = TPM2_ALG_SHA256;
	sel.pcrSelections[0].sizeofSelect = 3;
	sel.pcrSelections[0].pcrSelect[pcr / 8] = (uint8_t)(1u << (pcr % 8));
	assert_int_equal(Esys_PCR_Read(esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &sel,
				       &update, &sel_out, &values),
			 TSS2_RC_SUCCESS);
	assert_int_equal(values->count, 1);
	assert_int_equal(values->digests[0].size, HAL_ROT_REG_LEN);
	memcpy(out, values->digests[0].buffer, HAL_ROT_REG_LEN);
	Esys_Free(sel_out);
	Esys_Free(values);
	tpm2_fx_esys_close(esys);
}

uint32_t tpm2_fx_permanent(ESYS_CONTEXT *esys)
{
	TPMS_CAPABILITY_DATA *cap = NULL;
	TPMI_YES_NO more = 0;
	uint32_t v;

	assert_int_equal(Esys_GetCapability(esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
					    TPM2_CAP_TPM_PROPERTIES, TPM2_PT_PERMANENT, 1, &more,
					    &cap),
			 TSS2_RC_SUCCESS);
	assert_int_equal(cap->data.tpmProperties.tpmProperty[0].property, TPM2_PT_PERMANENT);
	v = cap->data.tpmProperties.tpmProperty[0].value;
	Esys_Free(cap);
	return v;
}

ESYS_CONTEXT *tpm2_fx_esys(struct tpm2_fx *fx)
{
	TSS2_TCTI_CONTEXT *tcti;
	ESYS_CONTEXT *esys = NULL;
	size_t size = 0;
	const char *conf = fx->tpm.tcti + strlen("swtpm:");

	assert_int_equal(Tss2_Tcti_Swtpm_Init(NULL, &size, conf), TSS2_RC_SUCCESS);
	tcti = calloc(1, size);
	assert_non_null(tcti);
	assert_int_equal(Tss2_Tcti_Swtpm_Init(tcti, &size, conf), TSS2_RC_SUCCESS);
	assert_int_equal(Esys_Initialize(&esys, tcti, NULL), TSS2_RC_SUCCESS);
	if (tpm2_fx_permanent(esys) & TPMA_PERMANENT_OWNERAUTHSET) {
		TPM2B_AUTH auth = { .size = sizeof(fx->owner_auth) };

		memcpy(auth.buffer, fx->owner_auth, sizeof(fx->owner_auth));
		assert_int_equal(Esys_TR_SetAuth(esys, ESYS_TR_RH_OWNER, &auth),
				 TSS2_RC_SUCCESS);
	}
	return esys;
}

void tpm2_fx_esys_close(ESYS_CONTEXT *esys)
{
	TSS2_TCTI_CONTEXT *tcti = NULL;

	assert_int_equal(Esys_GetTcti(esys, &tcti), TSS2_RC_SUCCESS);
	Esys_Finalize(&esys);
	Tss2_Tcti_Finalize(tcti);
	free(tcti);
}

static unsigned count_handles(ESYS_CONTEXT *esys, TPM2_HANDLE first)
{
	TPMS_CAPABILITY_DATA *cap = NULL;
	TPMI_YES_NO more = 0;
	unsigned n;

	assert_int_equal(Esys_GetCapability(esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
					    TPM2_CAP_HANDLES, first, 64, &more, &cap),
			 TSS2_RC_SUCCESS);
	/* the TPM lists handles of the type `first` names only */
	n = cap->data.handles.count;
	Esys_Free(cap);
	return n;
}

unsigned tpm2_fx_loaded(struct tpm2_fx *fx)
{
	ESYS_CONTEXT *esys = tpm2_fx_esys(fx);
	/* transients, then loaded sessions (HMAC and policy ones alike); the
	 * values, not tss2's TPM2_TRANSIENT_FIRST, whose expansion shifts an
	 * int into its sign bit (UBSan) */
	unsigned n = count_handles(esys, 0x80000000u) + count_handles(esys, 0x02000000u);

	tpm2_fx_esys_close(esys);
	return n;
}

void tpm2_fx_evict(struct tpm2_fx *fx, TPM2_HANDLE handle)
{
	ESYS_CONTEXT *esys = tpm2_fx_esys(fx);
	ESYS_TR tr = ESYS_TR_NONE, out = ESYS_TR_NONE;

	assert_int_equal(Esys_TR_FromTPMPublic(esys, handle, ESYS_TR_NONE, ESYS_TR_NONE,
					       ESYS_TR_NONE, &tr),
			 TSS2_RC_SUCCESS);
	assert_int_equal(Esys_EvictControl(esys, ESYS_TR_RH_OWNER, tr, ESYS_TR_PASSWORD,
					   ESYS_TR_NONE, ESYS_TR_NONE, handle, &out),
			 TSS2_RC_SUCCESS);
	tpm2_fx_esys_close(esys);
}

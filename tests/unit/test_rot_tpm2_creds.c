/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The tpm2 backend's device credentials' key (ROT_TPM2_GUARD_CREDS in
 * device/hal/rot_tpm2_policy.c, its use in rot_tpm2.c; docs/rot.md
 * "TPM 2.0 backend"), one swtpm per test:
 *  - provisioning makes it (0x81000A14, layout flag 0x04) and seals a
 *    bundle with its certificate and no private key; only the normal role
 *    gets it as a TLS key (hal_rot_creds_tls_key), the other roles and a
 *    RoT provisioned with a software key do not;
 *  - the TPM itself (raw ESAPI TPM2_Sign, not through mayday's roles)
 *    refuses it at PCR zero, in every DCF state E(0, failed(r)), after
 *    verified without released, after released twice, and with the empty
 *    password; it signs only at E(E(0, verified), released); through the
 *    RoT's normal role likewise, at PCR zero and in each DCF state
 *    (tpm2_fx_enter_dcf) it signs nothing, in normal code's state
 *    (tpm2_fx_enter_normal) its signatures verify;
 *  - a real TLS 1.3 handshake whose server requires the client's
 *    certificate, authenticated with it (the time per handshake is logged
 *    next to a software key's; nothing asserted on time), and refused
 *    after a reboot that did not verify;
 *  - the normal role's credentials TLS key refuses (MAYDAY_E_MALFORMED) an
 *    object at its handle with another policy or other attributes
 *    (userWithAuth, or without adminWithPolicy), and none
 *    (MAYDAY_E_NOTFOUND), while every role's open still succeeds.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <openssl/bio.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#include "mayday/evidence.h"
#include "rot_tpm2_testlib.h"

#define CREDS_HANDLE 0x81000a14u
#define PCR          HAL_ROT_TPM2_PCR_DEFAULT

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int setup(void **state)
{
	struct tpm2_fx *fx;

	tpm2_fx_setup_bare(state);
	fx = *state;
	assert_int_equal(tpm2_fx_provision_creds_key(fx, NULL), MAYDAY_OK);
	assert_non_null(fx->creds_pub);
	return 0;
}

/* ---- raw ESAPI: what the TPM itself allows ---- */

static void raw_extend(ESYS_CONTEXT *esys, const uint8_t ev[HAL_ROT_REG_LEN])
{
	TPML_DIGEST_VALUES v = { .count = 1 };

	v.digests[0].hashAlg = TPM2_ALG_SHA256;
	memcpy(v.digests[0].digest.sha256, ev, HAL_ROT_REG_LEN);
	assert_int_equal(Esys_PCR_Extend(esys, ESYS_TR_PCR0 + PCR, ESYS_TR_PASSWORD, ESYS_TR_NONE,
					 ESYS_TR_NONE, &v),
			 TSS2_RC_SUCCESS);
}

/* TPM2_Sign with the credentials' key, authorized by a policy session in
 * which PolicyPCR was satisfied with the PCR's current value (policy), or
 * by the empty password (!policy). The TPM's answer; a signature it made
 * must verify with the key's public half. */
static TSS2_RC raw_sign(struct tpm2_fx *fx, bool policy)
{
	ESYS_CONTEXT *esys = tpm2_fx_esys(fx);
	ESYS_TR key = ESYS_TR_NONE, s = ESYS_TR_NONE;
	TPML_PCR_SELECTION sel = { .count = 1 }, *sel_out = NULL;
	TPML_DIGEST *values = NULL;
	TPMT_SYM_DEF sym = { .algorithm = TPM2_ALG_NULL };
	TPM2B_DIGEST pcr_digest = { .size = 32 }, d = { .size = 32 };
	TPMT_SIG_SCHEME scheme = { .scheme = TPM2_ALG_ECDSA,
				   .details.ecdsa.hashAlg = TPM2_ALG_SHA256 };
	TPMT_TK_HASHCHECK ticket = { .tag = TPM2_ST_HASHCHECK, .hierarchy = TPM2_RH_NULL };
	TPMT_SIGNATURE *sig = NULL;
	UINT32 update = 0;
	TSS2_RC rc;

	assert_int_equal(Esys_TR_FromTPMPublic(esys, CREDS_HANDLE, ESYS_TR_NONE, ESYS_TR_NONE,
					       ESYS_TR_NONE, &key),
			 TSS2_RC_SUCCESS);
	memset(d.buffer, 0x5a, 32);
	if (policy) {
		sel.pcrSelections[0].hash = TPM2_ALG_SHA256;
		sel.pcrSelections[0].sizeofSelect = 3;
		sel.pcrSelections[0].pcrSelect[PCR / 8] = (uint8_t)(1u << (PCR % 8));
		assert_int_equal(Esys_PCR_Read(esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &sel,
					       &update, &sel_out, &values),
				 TSS2_RC_SUCCESS);
		assert_int_equal(values->count, 1);
		assert_true(EVP_Digest(values->digests[0].buffer, 32, pcr_digest.buffer, NULL,
				       EVP_sha256(), NULL) == 1);
		assert_int_equal(Esys_StartAuthSession(esys, ESYS_TR_NONE, ESYS_TR_NONE,
						       ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
						       NULL, TPM2_SE_POLICY, &sym, TPM2_ALG_SHA256,
						       &s),
				 TSS2_RC_SUCCESS);
		assert_int_equal(Esys_PolicyPCR(esys, s, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
						&pcr_digest, &sel),
				 TSS2_RC_SUCCESS);
		assert_int_equal(Esys_PolicyCommandCode(esys, s, ESYS_TR_NONE, ESYS_TR_NONE,
							ESYS_TR_NONE, TPM2_CC_Sign),
				 TSS2_RC_SUCCESS);
	}
	rc = Esys_Sign(esys, key, policy ? s : ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &d,
		       &scheme, &ticket, &sig);
	if (rc == TSS2_RC_SUCCESS) {
		ECDSA_SIG *es = ECDSA_SIG_new();
		BIGNUM *r = BN_bin2bn(sig->signature.ecdsa.signatureR.buffer,
				      sig->signature.ecdsa.signatureR.size, NULL);
		BIGNUM *sv = BN_bin2bn(sig->signature.ecdsa.signatureS.buffer,
				       sig->signature.ecdsa.signatureS.size, NULL);
		unsigned char *der = NULL;
		int n;
		EVP_PKEY_CTX *vctx = EVP_PKEY_CTX_new(fx->creds_pub, NULL);

		assert_int_equal(ECDSA_SIG_set0(es, r, sv), 1);
		n = i2d_ECDSA_SIG(es, &der);
		assert_true(n > 0);
		assert_int_equal(EVP_PKEY_verify_init(vctx), 1);
		assert_int_equal(EVP_PKEY_verify(vctx, der, (size_t)n, d.buffer, 32), 1);
		EVP_PKEY_CTX_free(vctx);
		OPENSSL_free(der);
		ECDSA_SIG_free(es);
	}
	Esys_Free(sig);
	Esys_Free(sel_out);
	Esys_Free(values);
	if (s != ESYS_TR_NONE)
		assert_int_equal(Esys_FlushContext(esys, s), TSS2_RC_SUCCESS);
	tpm2_fx_esys_close(esys);
	return rc;
}

static bool policy_fail(TSS2_RC rc)
{
	return (rc & (TPM2_RC_FMT1 | 0x3f)) == TPM2_RC_POLICY_FAIL;
}

/* A reboot (PCR zero), then `n` events extended, through the test's own
 * ESAPI connection. */
static void reboot_to(struct tpm2_fx *fx, const uint8_t (*ev)[HAL_ROT_REG_LEN], size_t n)
{
	ESYS_CONTEXT *esys;

	assert_int_equal(swtpm_fixture_restart(&fx->tpm), 0);
	esys = tpm2_fx_esys(fx);
	for (size_t i = 0; i < n; i++)
		raw_extend(esys, ev[i]);
	tpm2_fx_esys_close(esys);
}

static void tpm_refuses_outside_normal_state(void **state)
{
	struct tpm2_fx *fx = *state;
	uint8_t ev[3][HAL_ROT_REG_LEN];
	TSS2_RC rc;

	/* PCR zero, as provisioned: the TrE's state */
	rc = raw_sign(fx, true);
	assert_true(policy_fail(rc));
	assert_int_not_equal(raw_sign(fx, false), TSS2_RC_SUCCESS);
	/* the DCF's states, halt (0) included */
	for (uint32_t r = 0; r <= MAYDAY_REASON_ATTACH_FAILED; r++) {
		hal_rot_event_failed(r, ev[0]);
		reboot_to(fx, ev, 1);
		rc = raw_sign(fx, true);
		assert_true(policy_fail(rc));
	}
	/* verified, not yet released: the TrE between the two extends */
	assert_int_equal(hal_rot_event_verified(fx->vendor, ev[0]), MAYDAY_OK);
	reboot_to(fx, ev, 1);
	assert_true(policy_fail(raw_sign(fx, true)));
	/* normal code's state: the TPM signs, but never with the password */
	hal_rot_event_released(ev[1]);
	reboot_to(fx, ev, 2);
	assert_int_equal(raw_sign(fx, true), TSS2_RC_SUCCESS);
	rc = raw_sign(fx, false);
	assert_int_not_equal(rc, TSS2_RC_SUCCESS);
	/* released twice: past the value, never back */
	hal_rot_event_released(ev[2]);
	reboot_to(fx, ev, 3);
	assert_true(policy_fail(raw_sign(fx, true)));
	/* a failure after verified (a TrE that changed its mind) */
	hal_rot_event_failed(MAYDAY_REASON_COMPONENT_MISMATCH, ev[1]);
	reboot_to(fx, ev, 2);
	assert_true(policy_fail(raw_sign(fx, true)));
}

/* ---- through the RoT ---- */

/* The TrE's part of a verified start-up: verified, unseal, released. */
static size_t tre_verified(struct tpm2_fx *fx, uint8_t *bundle, size_t cap)
{
	struct hal_rot *rot = tpm2_fx_open(fx, HAL_ROT_ROLE_TRE);
	uint8_t ev[HAL_ROT_REG_LEN];
	EVP_PKEY *k = NULL;
	size_t len = 0;

	assert_int_equal(hal_rot_creds_tls_key(rot, &k), MAYDAY_E_DENIED);
	assert_null(k);
	assert_int_equal(hal_rot_event_verified(fx->vendor, ev), MAYDAY_OK);
	assert_int_equal(hal_rot_extend(rot, ev), MAYDAY_OK);
	assert_int_equal(hal_rot_unseal_creds(rot, bundle, cap, &len), MAYDAY_OK);
	hal_rot_event_released(ev);
	assert_int_equal(hal_rot_extend(rot, ev), MAYDAY_OK);
	hal_rot_close(rot);
	return len;
}

static X509 *bundle_cert(const uint8_t *bundle, size_t len)
{
	BIO *b = BIO_new_mem_buf(bundle, (int)len);
	X509 *cert = PEM_read_bio_X509(b, NULL, NULL, NULL);

	assert_non_null(cert);
	BIO_free(b);
	return cert;
}

static void roles_and_bundle(void **state)
{
	struct tpm2_fx *fx = *state;
	static uint8_t bundle[HAL_ROT_CREDS_MAX];
	struct hal_rot *rot;
	EVP_PKEY *k = NULL;
	X509 *cert;
	size_t len;

	/* the DCF role: denied, and it never opens the key */
	rot = tpm2_fx_open(fx, HAL_ROT_ROLE_DCF);
	assert_int_equal(hal_rot_creds_tls_key(rot, &k), MAYDAY_E_DENIED);
	hal_rot_close(rot);
	len = tre_verified(fx, bundle, sizeof(bundle));
	/* the stored credentials hold no private key: the certificate first,
	 * for the TPM's key, then the CA */
	assert_null(memmem(bundle, len, "PRIVATE KEY", 11));
	assert_int_equal(memcmp(bundle, "-----BEGIN CERTIFICATE-----", 27), 0);
	cert = bundle_cert(bundle, len);
	assert_int_equal(EVP_PKEY_eq(X509_get0_pubkey(cert), fx->creds_pub), 1);
	assert_int_not_equal(EVP_PKEY_eq(fx->creds_pub, fx->distress_pub), 1);
	X509_free(cert);
	rot = tpm2_fx_open(fx, HAL_ROT_ROLE_NORMAL);
	assert_int_equal(hal_rot_creds_tls_key(rot, &k), MAYDAY_OK);
	assert_int_equal(EVP_PKEY_eq(k, fx->creds_pub), 1);
	EVP_PKEY_free(k);
	hal_rot_close(rot);
	assert_int_equal(tpm2_fx_loaded(fx), 0);

	/* a TPM provisioned with a software key (in its bundle): none here, and
	 * re-provisioning removed the TPM's key */
	assert_int_equal(tpm2_fx_provision(fx, NULL), MAYDAY_OK);
	rot = tpm2_fx_open(fx, HAL_ROT_ROLE_NORMAL);
	assert_int_equal(hal_rot_creds_tls_key(rot, &k), MAYDAY_E_NOTFOUND);
	hal_rot_close(rot);
	{
		ESYS_CONTEXT *esys = tpm2_fx_esys(fx);
		ESYS_TR tr = ESYS_TR_NONE;

		assert_int_not_equal(Esys_TR_FromTPMPublic(esys, CREDS_HANDLE, ESYS_TR_NONE,
							   ESYS_TR_NONE, ESYS_TR_NONE, &tr),
				     TSS2_RC_SUCCESS);
		tpm2_fx_esys_close(esys);
	}
	/* the file backend never holds it */
	{
		EVP_PKEY *d = EVP_EC_gen("P-256");

		assert_int_equal(hal_rot_file_provision(fx->f, TPM2_FX_DEVICE_ID, d, fx->vendor,
							fx->hems),
				 MAYDAY_OK);
		assert_int_equal(hal_rot_open_role(&rot, "file", fx->f, HAL_ROT_ROLE_NORMAL),
				 MAYDAY_OK);
		assert_int_equal(hal_rot_creds_tls_key(rot, &k), MAYDAY_E_UNSUPPORTED);
		hal_rot_close(rot);
		EVP_PKEY_free(d);
	}
}

/* One CertificateVerify-like signature with the normal role's credentials
 * TLS key, through the RoT's one signing path (a policy session on
 * ROT_TPM2_GUARD_CREDS); whether it was made, and if so that it verifies
 * with the key's public half. No transient object or session is left. */
static bool rot_creds_sign(struct tpm2_fx *fx)
{
	static const uint8_t msg[] = "TLS 1.3, client CertificateVerify";
	struct hal_rot *rot = tpm2_fx_open(fx, HAL_ROT_ROLE_NORMAL);
	EVP_MD_CTX *m = EVP_MD_CTX_new();
	EVP_PKEY *k = NULL;
	uint8_t sig[80];
	size_t sig_len = sizeof(sig);
	bool ok;

	assert_non_null(m);
	assert_int_equal(hal_rot_creds_tls_key(rot, &k), MAYDAY_OK);
	assert_int_equal(EVP_DigestSignInit_ex(m, NULL, "SHA256", NULL, NULL, k, NULL), 1);
	ok = EVP_DigestSign(m, sig, &sig_len, msg, sizeof(msg)) == 1;
	ERR_clear_error();
	EVP_MD_CTX_free(m);
	EVP_PKEY_free(k);
	hal_rot_close(rot);
	if (ok) {
		m = EVP_MD_CTX_new();
		assert_non_null(m);
		assert_int_equal(EVP_DigestVerifyInit_ex(m, NULL, "SHA256", NULL, NULL,
							 fx->creds_pub, NULL), 1);
		assert_int_equal(EVP_DigestVerify(m, sig, sig_len, msg, sizeof(msg)), 1);
		EVP_MD_CTX_free(m);
	}
	assert_int_equal(tpm2_fx_loaded(fx), 0);
	return ok;
}

/* The same refusals through the RoT, in the PCR states the roles run in
 * (reached as the TrE reaches them): the normal role opens the key in any
 * state, but the TPM signs with it only in normal code's. */
static void rot_signs_only_in_normal_state(void **state)
{
	struct tpm2_fx *fx = *state;

	assert_false(rot_creds_sign(fx)); /* PCR zero: the TrE's state */
	for (uint32_t r = MAYDAY_REASON_COMPONENT_MISMATCH; r <= MAYDAY_REASON_ATTACH_FAILED;
	     r++) {
		assert_int_equal(swtpm_fixture_restart(&fx->tpm), 0);
		tpm2_fx_enter_dcf(fx, r);
		assert_false(rot_creds_sign(fx));
	}
	assert_int_equal(swtpm_fixture_restart(&fx->tpm), 0);
	tpm2_fx_enter_normal(fx);
	assert_true(rot_creds_sign(fx));
	assert_true(rot_creds_sign(fx)); /* a session per signature: again */
}

/* Drives both ends until both are done or neither moves. */
static bool handshake(SSL *client, SSL *server)
{
	bool c_done = false, s_done = false;

	for (int round = 0; round < 50 && !(c_done && s_done); round++) {
		int rc;

		if (!c_done) {
			rc = SSL_do_handshake(client);
			if (rc == 1)
				c_done = true;
			else if (SSL_get_error(client, rc) != SSL_ERROR_WANT_READ)
				return false;
		}
		if (!s_done) {
			rc = SSL_do_handshake(server);
			if (rc == 1)
				s_done = true;
			else if (SSL_get_error(server, rc) != SSL_ERROR_WANT_READ)
				return false;
		}
	}
	/* TLS 1.3: the server reads the client's Certificate(Verify) here */
	uint8_t b;

	(void)SSL_read(server, &b, 1);
	return c_done && s_done && SSL_get0_peer_certificate(server) &&
	       SSL_get_verify_result(server) == X509_V_OK;
}

/* One TLS 1.3 handshake over a BIO pair: the server requires a client
 * certificate from ca_cert; the client presents `cli` with `key`. */
static bool tls13(X509 *ca_cert, EVP_PKEY *ca_key, X509 *cli, EVP_PKEY *key)
{
	EVP_PKEY *srv_key = EVP_EC_gen("P-256");
	X509 *srv = tpm2_fx_cert(srv_key, ca_key, "acs", false);
	SSL_CTX *sc = SSL_CTX_new(TLS_server_method()), *cc = SSL_CTX_new(TLS_client_method());
	SSL *s = NULL, *c = NULL;
	BIO *cb = NULL, *sb = NULL;
	bool ok = false;

	assert_non_null(sc);
	assert_non_null(cc);
	SSL_CTX_set_min_proto_version(sc, TLS1_3_VERSION);
	SSL_CTX_set_min_proto_version(cc, TLS1_3_VERSION);
	assert_int_equal(SSL_CTX_use_certificate(sc, srv), 1);
	assert_int_equal(SSL_CTX_use_PrivateKey(sc, srv_key), 1);
	X509_STORE_add_cert(SSL_CTX_get_cert_store(sc), ca_cert);
	X509_STORE_add_cert(SSL_CTX_get_cert_store(cc), ca_cert);
	SSL_CTX_set_verify(sc, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
	SSL_CTX_set_verify(cc, SSL_VERIFY_PEER, NULL);
	assert_int_equal(SSL_CTX_use_certificate(cc, cli), 1);
	if (SSL_CTX_use_PrivateKey(cc, key) != 1 || SSL_CTX_check_private_key(cc) != 1)
		goto out;
	s = SSL_new(sc);
	c = SSL_new(cc);
	assert_int_equal(BIO_new_bio_pair(&cb, 0, &sb, 0), 1);
	SSL_set_bio(c, cb, cb);
	SSL_set_bio(s, sb, sb);
	SSL_set_connect_state(c);
	SSL_set_accept_state(s);
	ok = handshake(c, s);
out:
	ERR_clear_error();
	SSL_free(c);
	SSL_free(s);
	SSL_CTX_free(cc);
	SSL_CTX_free(sc);
	X509_free(srv);
	EVP_PKEY_free(srv_key);
	return ok;
}

#define HANDSHAKES 10

static void tls13_client_auth_with_tpm_key(void **state)
{
	struct tpm2_fx *fx = *state;
	static uint8_t bundle[HAL_ROT_CREDS_MAX];
	size_t len = tre_verified(fx, bundle, sizeof(bundle));
	X509 *cert = bundle_cert(bundle, len);
	struct hal_rot *rot = tpm2_fx_open(fx, HAL_ROT_ROLE_NORMAL);
	EVP_PKEY *k = NULL, *soft = EVP_EC_gen("P-256");
	X509 *soft_cert = tpm2_fx_cert(soft, fx->ca_key, "soft", false);
	double t0, t_tpm, t_soft;

	assert_int_equal(hal_rot_creds_tls_key(rot, &k), MAYDAY_OK);
	t0 = now_s();
	for (int i = 0; i < HANDSHAKES; i++)
		assert_true(tls13(fx->ca_cert, fx->ca_key, cert, k));
	t_tpm = (now_s() - t0) / HANDSHAKES;
	assert_int_equal(tpm2_fx_loaded(fx), 0);
	t0 = now_s();
	for (int i = 0; i < HANDSHAKES; i++)
		assert_true(tls13(fx->ca_cert, fx->ca_key, soft_cert, soft));
	t_soft = (now_s() - t0) / HANDSHAKES;
	printf("# TLS 1.3 handshake with client auth: %.1f ms with the TPM credentials key, "
	       "%.1f ms with a software key (mean of %d, swtpm)\n",
	       t_tpm * 1e3, t_soft * 1e3, HANDSHAKES);
	/* a certificate for another key does not go with it */
	assert_false(tls13(fx->ca_cert, fx->ca_key, soft_cert, k));
	EVP_PKEY_free(k);
	hal_rot_close(rot);
	/* a reboot that did not verify: the key is there, the TPM does not sign */
	assert_int_equal(swtpm_fixture_restart(&fx->tpm), 0);
	rot = tpm2_fx_open(fx, HAL_ROT_ROLE_NORMAL);
	assert_int_equal(hal_rot_creds_tls_key(rot, &k), MAYDAY_OK);
	assert_false(tls13(fx->ca_cert, fx->ca_key, cert, k));
	EVP_PKEY_free(k);
	hal_rot_close(rot);
	assert_int_equal(tpm2_fx_loaded(fx), 0);
	X509_free(cert);
	X509_free(soft_cert);
	EVP_PKEY_free(soft);
}

/* Replaces the credentials' key with a signing key under the primary of
 * the given attributes and policy (damage). */
static void replace_key(struct tpm2_fx *fx, TPMA_OBJECT attrs, const uint8_t policy[32])
{
	ESYS_CONTEXT *esys;
	ESYS_TR parent = ESYS_TR_NONE, obj = ESYS_TR_NONE, out = ESYS_TR_NONE;
	TPM2B_SENSITIVE_CREATE sens = { .size = 0 };
	TPM2B_PUBLIC tmpl = { .publicArea = {
		.type = TPM2_ALG_ECC,
		.nameAlg = TPM2_ALG_SHA256,
		.objectAttributes = attrs,
		.authPolicy = { .size = 32 },
		.parameters.eccDetail = {
			.symmetric.algorithm = TPM2_ALG_NULL,
			.scheme = { .scheme = TPM2_ALG_ECDSA,
				    .details.ecdsa.hashAlg = TPM2_ALG_SHA256 },
			.curveID = TPM2_ECC_NIST_P256,
			.kdf.scheme = TPM2_ALG_NULL,
		},
	} };
	TPM2B_DATA outside = { .size = 0 };
	TPML_PCR_SELECTION pcrs = { .count = 0 };
	TPM2B_PRIVATE *priv = NULL;
	TPM2B_PUBLIC *pub = NULL;

	memcpy(tmpl.publicArea.authPolicy.buffer, policy, 32);
	tpm2_fx_evict(fx, CREDS_HANDLE);
	esys = tpm2_fx_esys(fx);
	assert_int_equal(Esys_TR_FromTPMPublic(esys, 0x81000a10, ESYS_TR_NONE, ESYS_TR_NONE,
					       ESYS_TR_NONE, &parent), TSS2_RC_SUCCESS);
	assert_int_equal(Esys_Create(esys, parent, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE,
				     &sens, &tmpl, &outside, &pcrs, &priv, &pub, NULL, NULL, NULL),
			 TSS2_RC_SUCCESS);
	assert_int_equal(Esys_Load(esys, parent, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE,
				   priv, pub, &obj), TSS2_RC_SUCCESS);
	assert_int_equal(Esys_EvictControl(esys, ESYS_TR_RH_OWNER, obj, ESYS_TR_PASSWORD,
					   ESYS_TR_NONE, ESYS_TR_NONE, CREDS_HANDLE, &out),
			 TSS2_RC_SUCCESS);
	assert_int_equal(Esys_FlushContext(esys, obj), TSS2_RC_SUCCESS);
	Esys_Free(priv);
	Esys_Free(pub);
	tpm2_fx_esys_close(esys);
}

/* The policy digest the TPM computes for PolicyPCR(PCR = value), then
 * PolicyCommandCode(cc) unless cc is 0. */
static void trial_policy(struct tpm2_fx *fx, const uint8_t value[HAL_ROT_REG_LEN], TPM2_CC cc,
			 uint8_t out[32])
{
	ESYS_CONTEXT *esys = tpm2_fx_esys(fx);
	ESYS_TR s = ESYS_TR_NONE;
	TPMT_SYM_DEF sym = { .algorithm = TPM2_ALG_NULL };
	TPML_PCR_SELECTION sel = { .count = 1 };
	TPM2B_DIGEST d = { .size = 32 }, *pd = NULL;

	sel.pcrSelections[0].hash = TPM2_ALG_SHA256;
	sel.pcrSelections[0].sizeofSelect = 3;
	sel.pcrSelections[0].pcrSelect[PCR / 8] = (uint8_t)(1u << (PCR % 8));
	assert_true(EVP_Digest(value, HAL_ROT_REG_LEN, d.buffer, NULL, EVP_sha256(), NULL) == 1);
	assert_int_equal(Esys_StartAuthSession(esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
					       ESYS_TR_NONE, ESYS_TR_NONE, NULL, TPM2_SE_TRIAL,
					       &sym, TPM2_ALG_SHA256, &s),
			 TSS2_RC_SUCCESS);
	assert_int_equal(Esys_PolicyPCR(esys, s, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &d,
					&sel),
			 TSS2_RC_SUCCESS);
	if (cc != 0)
		assert_int_equal(Esys_PolicyCommandCode(esys, s, ESYS_TR_NONE, ESYS_TR_NONE,
							ESYS_TR_NONE, cc),
				 TSS2_RC_SUCCESS);
	assert_int_equal(Esys_PolicyGetDigest(esys, s, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
					      &pd),
			 TSS2_RC_SUCCESS);
	memcpy(out, pd->buffer, 32);
	Esys_Free(pd);
	assert_int_equal(Esys_FlushContext(esys, s), TSS2_RC_SUCCESS);
	tpm2_fx_esys_close(esys);
}

/* The normal role's credentials TLS key with the TPM as it is: the open
 * itself always succeeds (the key is opened at this call), as do the TRE
 * and DCF roles' (they never open it); the call's result is returned. */
static enum mayday_err normal_key(struct tpm2_fx *fx)
{
	struct hal_rot *rot = tpm2_fx_open(fx, HAL_ROT_ROLE_TRE);
	EVP_PKEY *k = NULL;
	enum mayday_err err;

	hal_rot_close(rot);
	rot = tpm2_fx_open(fx, HAL_ROT_ROLE_DCF);
	hal_rot_close(rot);
	rot = tpm2_fx_open(fx, HAL_ROT_ROLE_NORMAL);
	err = hal_rot_creds_tls_key(rot, &k);
	if (err == MAYDAY_OK)
		assert_non_null(k);
	EVP_PKEY_free(k);
	hal_rot_close(rot);
	assert_int_equal(tpm2_fx_loaded(fx), 0);
	return err;
}

/* The credentials' key is checked when the normal role first asks for it,
 * and only then: a key another policy (or its password) could use, or none,
 * fails that call (MAYDAY_E_MALFORMED, MAYDAY_E_NOTFOUND), while every
 * role's open -- the TrE's, which must start the DCF, and normal code's,
 * which must confirm its image -- still succeeds. */
static void open_checks_the_key(void **state)
{
	struct tpm2_fx *fx = *state;
	const TPMA_OBJECT attrs = TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT |
				  TPMA_OBJECT_NODA | TPMA_OBJECT_SENSITIVEDATAORIGIN |
				  TPMA_OBJECT_ADMINWITHPOLICY | TPMA_OBJECT_SIGN_ENCRYPT;
	uint8_t value[HAL_ROT_REG_LEN], policy[32];

	/* the template's attributes with the released policy: what provisioning
	 * made, so it is taken (a key made here, not the provisioned one) */
	assert_int_equal(hal_rot_policy_released(fx->vendor, value), MAYDAY_OK);
	trial_policy(fx, value, TPM2_CC_Sign, policy);
	replace_key(fx, attrs, policy);
	assert_int_equal(normal_key(fx), MAYDAY_OK);
	/* the released value without the command code (it would authorize
	 * TPM2_Certify, TPM2_Quote too): refused */
	trial_policy(fx, value, 0, policy);
	replace_key(fx, attrs, policy);
	assert_int_equal(normal_key(fx), MAYDAY_E_MALFORMED);
	/* the verified value's policy: usable by the TrE, refused */
	assert_int_equal(hal_rot_policy_verified(fx->vendor, value), MAYDAY_OK);
	trial_policy(fx, value, TPM2_CC_Sign, policy);
	replace_key(fx, attrs, policy);
	assert_int_equal(normal_key(fx), MAYDAY_E_MALFORMED);
	/* the right policy, but the password would do too (userWithAuth) */
	assert_int_equal(hal_rot_policy_released(fx->vendor, value), MAYDAY_OK);
	trial_policy(fx, value, TPM2_CC_Sign, policy);
	replace_key(fx, attrs | TPMA_OBJECT_USERWITHAUTH, policy);
	assert_int_equal(normal_key(fx), MAYDAY_E_MALFORMED);
	/* the right policy, without adminWithPolicy (the owner's
	 * administrative commands would need only the empty auth value) */
	replace_key(fx, attrs & ~TPMA_OBJECT_ADMINWITHPOLICY, policy);
	assert_int_equal(normal_key(fx), MAYDAY_E_MALFORMED);
	/* not there at all: evicted */
	tpm2_fx_evict(fx, CREDS_HANDLE);
	assert_int_equal(normal_key(fx), MAYDAY_E_NOTFOUND);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(roles_and_bundle, setup, tpm2_fx_teardown),
		cmocka_unit_test_setup_teardown(tpm_refuses_outside_normal_state, setup,
						tpm2_fx_teardown),
		cmocka_unit_test_setup_teardown(rot_signs_only_in_normal_state, setup,
						tpm2_fx_teardown),
		cmocka_unit_test_setup_teardown(tls13_client_auth_with_tpm_key, setup,
						tpm2_fx_teardown),
		cmocka_unit_test_setup_teardown(open_checks_the_key, setup, tpm2_fx_teardown),
	};

	swtpm_fixture_require();
	return cmocka_run_group_tests(tests, NULL, NULL);
}

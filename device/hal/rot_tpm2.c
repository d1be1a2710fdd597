/* SPDX-License-Identifier: Apache-2.0 */
/*
 * "tpm2" RoT backend (rot.h; docs/rot.md "TPM 2.0 backend"): the RoT's
 * items live in a TPM 2.0, reached through the ESAPI over the TCTI the
 * spec names. The layout (rot_tpm2.h) is read and checked at open, for
 * what the role may use only (rot.h, "Roles"):
 *   every role   the layout record, the device ID, the two anchors, the
 *                two counters (type, attributes, authPolicy), and that the
 *                TPM resets the measurement PCR only with itself
 *                (rot_tpm2_pcr_check_props)
 *   TRE          the measurement PCR: a handle opened when it is not all
 *                zeros signs and unseals nothing (check_pcr_zero)
 *   DCF, TRE     the distress key, whose public area must be the one the
 *                layout record holds (the key the H(e)MS enrolled), and the
 *                PSK's PRK when the layout says there is one
 *   TRE          the seal object when the layout says there is one, whose
 *                policy must be PolicyPCR on the verified value of this
 *                RoT's vendor anchor
 * The device credentials' key is opened by none of them: the normal role
 * opens it at its first hal_rot_creds_tls_key (no other role may call it),
 * with the same checks (its policy must be PolicyPCR on normal code's PCR
 * state, then the command code: rot_tpm2_policy.c), so a missing or
 * damaged credentials' key costs normal code its CWMP session only, never
 * the TrE's start-up (the DCF) nor normal code's confirmation of an image.
 * So the normal role never opens the distress key or the PRK, the DCF and
 * TRE roles never the credentials' key, the DCF role never the seal
 * object; the TPM itself
 * enforces that the seal secret leaves only under the PCR policy of a
 * verified start-up, that the credentials' key signs only in normal code's
 * PCR state, and that the distress key, the PRK and the counters'
 * increments work only in the PCR states of the roles that use them
 * (rot_tpm2_policy.c). Open checks that each of them has exactly the
 * policy this layout gives it (an object another policy could satisfy is
 * not ours), and every use satisfies it in a policy session of its own,
 * flushed before the call returns.
 *
 * Nothing secret is held here: the keys stay in the TPM (ESYS_TR handles
 * of persistent objects only), the PSK keys are derived by TPM2_HMAC on
 * each call, and the seal secret exists only inside unseal_creds. Counters
 * are read from the TPM at every call; value = raw - base (the layout
 * record's bases), so the RoT's counters start at zero on a TPM whose
 * counters already ran.
 */
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "log.h"
#include "rot_backend.h"
#include "rot_device_id.h"
#include "rot_seal.h"
#include "rot_tls_key.h"
#include "rot_tpm2.h"
#include "rot_tpm2_layout.h"

struct rot_tpm2 {
	struct rot_tpm2_ctx ctx;
	struct hal_flash *flash; /* borrowed */
	struct rot_tpm2_layout layout;
	char id[MAYDAY_DEVICE_ID_MAX + 1];
	size_t id_len;
	EVP_PKEY *anchor[HAL_ROT_ANCHOR__COUNT];
	EVP_PKEY *key_pub; /* the distress key's public half (DCF, TRE) */
	ESYS_TR distress, prk, seal, creds;
	EVP_PKEY *creds_pub; /* the credentials' key's public half (NORMAL, once opened) */
	ESYS_TR primary; /* salts the sessions that carry secrets (with prk, seal) */
	struct rot_tpm2_policy policy[ROT_TPM2_GUARD__COUNT]; /* for layout.pcr */
	bool late_tre; /* a TRE handle opened on a PCR not all zeros: extend only */
};

static const TPM2_HANDLE counter_index[HAL_ROT_COUNTER__COUNT] = {
	[HAL_ROT_COUNTER_MESSAGE] = ROT_TPM2_NV_CTR_MESSAGE,
	[HAL_ROT_COUNTER_ROLLBACK] = ROT_TPM2_NV_CTR_ROLLBACK,
};
static const enum rot_tpm2_guard counter_guard[HAL_ROT_COUNTER__COUNT] = {
	[HAL_ROT_COUNTER_MESSAGE] = ROT_TPM2_GUARD_CTR_MESSAGE,
	[HAL_ROT_COUNTER_ROLLBACK] = ROT_TPM2_GUARD_CTR_ROLLBACK,
};

static void tpm2_close(void *state)
{
	struct rot_tpm2 *st = state;

	if (st == NULL)
		return;
	if (st->ctx.esys != NULL) {
		rot_tpm2_tr_close(&st->ctx, &st->distress);
		rot_tpm2_tr_close(&st->ctx, &st->prk);
		rot_tpm2_tr_close(&st->ctx, &st->seal);
		rot_tpm2_tr_close(&st->ctx, &st->creds);
		rot_tpm2_tr_close(&st->ctx, &st->primary);
	}
	rot_tpm2_ctx_close(&st->ctx);
	EVP_PKEY_free(st->key_pub);
	EVP_PKEY_free(st->creds_pub);
	for (unsigned i = 0; i < HAL_ROT_ANCHOR__COUNT; i++)
		EVP_PKEY_free(st->anchor[i]);
	OPENSSL_cleanse(st, sizeof(*st));
	free(st);
}

static enum mayday_err load_layout(struct rot_tpm2 *st)
{
	uint8_t rec[ROT_TPM2_LAYOUT_MAX];
	size_t len = 0;
	enum mayday_err err = rot_tpm2_nv_read(&st->ctx, ROT_TPM2_NV_LAYOUT,
					       ROT_TPM2_LAYOUT_FIXED + 1, sizeof(rec), rec, &len);

	if (err == MAYDAY_E_NOTFOUND)
		log_warnx("rot: tpm2 (%s): no layout record: the TPM is not provisioned, or "
			  "its provisioning did not finish", st->ctx.tcti_name);
	if (err != MAYDAY_OK)
		return err;
	err = rot_tpm2_layout_decode(rec, len, &st->layout);
	if (err == MAYDAY_E_UNSUPPORTED && ((unsigned)rec[4] << 8 | rec[5]) <
						   ROT_TPM2_LAYOUT_VERSION)
		/* version 1: the distress key, the PRK and the counters took
		 * their empty auth value from anyone; their policies are new */
		log_warnx("rot: tpm2 (%s): the TPM was provisioned by an earlier release "
			  "(layout version %u): provision again", st->ctx.tcti_name,
			  (unsigned)rec[4] << 8 | rec[5]);
	else if (err != MAYDAY_OK)
		log_warnx("rot: tpm2 (%s): the layout record is damaged or of another format",
			  st->ctx.tcti_name);
	return err;
}

static enum mayday_err load_device_id(struct rot_tpm2 *st)
{
	uint8_t buf[MAYDAY_DEVICE_ID_MAX];
	size_t len = 0;
	enum mayday_err err = rot_tpm2_nv_read(&st->ctx, ROT_TPM2_NV_DEVICE_ID, 1, sizeof(buf),
					       buf, &len);

	if (err == MAYDAY_OK && !rot_device_id_ok((const char *)buf, len))
		err = MAYDAY_E_MALFORMED;
	if (err == MAYDAY_OK) {
		memcpy(st->id, buf, len);
		st->id[len] = '\0';
		st->id_len = len;
	}
	return err;
}

static enum mayday_err load_anchor(struct rot_tpm2 *st, TPM2_HANDLE index, EVP_PKEY **out)
{
	uint8_t der[ROT_TPM2_SPKI_MAX];
	size_t len = 0;
	enum mayday_err err = rot_tpm2_nv_read(&st->ctx, index, 1, sizeof(der), der, &len);

	return err != MAYDAY_OK ? err : rot_tpm2_spki_decode(der, len, out);
}

/* Every guarded item's expected policy (rot_tpm2_policy.c), for the
 * layout's PCR and the RoT's vendor anchor: open refuses an item with any
 * other, and each use satisfies it. */
static enum mayday_err make_policies(struct rot_tpm2 *st)
{
	enum mayday_err err = MAYDAY_OK;

	for (unsigned g = 0; err == MAYDAY_OK && g < ROT_TPM2_GUARD__COUNT; g++)
		err = rot_tpm2_policy_make((enum rot_tpm2_guard)g, st->layout.pcr,
					   st->anchor[HAL_ROT_ANCHOR_VENDOR], &st->policy[g]);
	return err;
}

static enum mayday_err check_counters(struct rot_tpm2 *st)
{
	for (unsigned i = 0; i < HAL_ROT_COUNTER__COUNT; i++) {
		uint64_t raw = 0;
		enum mayday_err err = rot_tpm2_ctr_check(&st->ctx, counter_index[i],
							 st->policy[counter_guard[i]].digest);

		if (err == MAYDAY_OK)
			err = rot_tpm2_ctr_read(&st->ctx, counter_index[i], &raw);
		if (err == MAYDAY_OK && raw < st->layout.base[i]) {
			log_warnx("rot: tpm2 (%s): counter 0x%08x is below its base: not the "
				  "counter this TPM was provisioned with", st->ctx.tcti_name,
				  (unsigned)counter_index[i]);
			err = MAYDAY_E_MALFORMED;
		}
		if (err != MAYDAY_OK)
			return err;
	}
	return MAYDAY_OK;
}

/* The distress key must be the one whose SPKI the layout record holds. */
static enum mayday_err load_distress(struct rot_tpm2 *st)
{
	EVP_PKEY *recorded = NULL;
	enum mayday_err err = rot_tpm2_key_open(&st->ctx, ROT_TPM2_DISTRESS,
						ROT_TPM2_KIND_DISTRESS,
						st->policy[ROT_TPM2_GUARD_DISTRESS].digest,
						&st->distress, &st->key_pub);

	if (err == MAYDAY_OK)
		err = rot_tpm2_spki_decode(st->layout.spki, st->layout.spki_len, &recorded);
	if (err == MAYDAY_OK && EVP_PKEY_eq(recorded, st->key_pub) != 1) {
		log_warnx("rot: tpm2 (%s): the distress key is not the key this device was "
			  "provisioned with", st->ctx.tcti_name);
		err = MAYDAY_E_KEY;
	}
	EVP_PKEY_free(recorded);
	return err;
}

/* The seal object, whose policy must be PolicyPCR on this device's
 * verified value: bound to the vendor anchor the RoT holds, so an object
 * with any other policy (one someone else could satisfy) is refused. */
static enum mayday_err load_seal(struct rot_tpm2 *st)
{
	uint8_t value[HAL_ROT_REG_LEN], policy[32];
	enum mayday_err err = hal_rot_policy_verified(st->anchor[HAL_ROT_ANCHOR_VENDOR], value);

	if (err == MAYDAY_OK)
		err = rot_tpm2_policy_pcr(&st->ctx, st->layout.pcr, value, policy);
	if (err == MAYDAY_OK)
		err = rot_tpm2_key_open(&st->ctx, ROT_TPM2_SEAL, ROT_TPM2_KIND_SEAL, policy,
					&st->seal, NULL);
	return err;
}

/* The TrE runs first after every TPM reset (docs/rot.md "What the TPM
 * enforces"), so a TRE handle opened on a measurement PCR that is not all
 * zeros is late: the TPM was not reset with the device (a warm reboot on a
 * board whose reset line does not reach the TPM), or mayday-boot already
 * ran since the reset. The distress key's self-test and the unseal cannot
 * work as the roles need there (the TPM refuses the distress key outside
 * its states, and the seal opens only at the verified value), so a late
 * handle refuses both at once with MAYDAY_E_MISMATCH and a log line saying
 * why (the TrE then halts rot-invalid). It may still extend: the TrE
 * reopens its role after normal code's exec failed behind `released`,
 * only to move the PCR off normal code's state (boot_start.h). */
static enum mayday_err check_pcr_zero(struct rot_tpm2 *st)
{
	static const uint8_t zeros[HAL_ROT_REG_LEN];
	uint8_t reg[HAL_ROT_REG_LEN];
	enum mayday_err err = rot_tpm2_pcr_read(&st->ctx, st->layout.pcr, reg);

	if (err == MAYDAY_OK)
		st->late_tre = memcmp(reg, zeros, sizeof(reg)) != 0;
	return err;
}

static enum mayday_err refuse_late_tre(const struct rot_tpm2 *st, const char *what)
{
	log_warnx("rot: tpm2 (%s): %s refused: the measurement PCR %u was not zero at the TrE's "
		  "open: the TPM was not reset with the device, or mayday-boot already ran since "
		  "its reset (docs/rot.md \"What the TPM enforces\"); reset the device with its TPM",
		  st->ctx.tcti_name, what, st->layout.pcr);
	return MAYDAY_E_MISMATCH;
}

static enum mayday_err tpm2_open(void **state, const char *arg, struct hal_flash *flash,
				 enum hal_rot_role role)
{
	struct rot_tpm2 *st = calloc(1, sizeof(*st));
	bool distress = role != HAL_ROT_ROLE_NORMAL;
	enum mayday_err err;

	if (st == NULL)
		return MAYDAY_E_NOMEM;
	st->flash = flash;
	st->distress = st->prk = st->seal = st->creds = st->primary = ESYS_TR_NONE;
	err = rot_tpm2_ctx_open(&st->ctx, arg);
	if (err == MAYDAY_OK)
		err = load_layout(st); /* first: an unprovisioned TPM is NOTFOUND */
	if (err == MAYDAY_OK)
		err = rot_tpm2_check_owned(&st->ctx);
	if (err == MAYDAY_OK)
		err = rot_tpm2_pcr_check_props(&st->ctx, st->layout.pcr);
	if (err == MAYDAY_OK && role == HAL_ROT_ROLE_TRE)
		err = check_pcr_zero(st);
	if (err == MAYDAY_OK)
		err = load_device_id(st);
	if (err == MAYDAY_OK)
		err = load_anchor(st, ROT_TPM2_NV_VENDOR, &st->anchor[HAL_ROT_ANCHOR_VENDOR]);
	if (err == MAYDAY_OK)
		err = load_anchor(st, ROT_TPM2_NV_HEMS, &st->anchor[HAL_ROT_ANCHOR_HEMS]);
	if (err == MAYDAY_OK)
		err = make_policies(st);
	if (err == MAYDAY_OK)
		err = check_counters(st);
	if (err == MAYDAY_OK && distress)
		err = load_distress(st);
	if (err == MAYDAY_OK && distress &&
	    (st->layout.flags & (ROT_TPM2_FLAG_PSK | ROT_TPM2_FLAG_SEAL)))
		err = rot_tpm2_key_open(&st->ctx, ROT_TPM2_PRIMARY, ROT_TPM2_KIND_PRIMARY, NULL,
					&st->primary, NULL);
	if (err == MAYDAY_OK && distress && (st->layout.flags & ROT_TPM2_FLAG_PSK))
		err = rot_tpm2_key_open(&st->ctx, ROT_TPM2_PRK, ROT_TPM2_KIND_PRK,
					st->policy[ROT_TPM2_GUARD_PRK].digest, &st->prk, NULL);
	if (err == MAYDAY_OK && role == HAL_ROT_ROLE_TRE && (st->layout.flags & ROT_TPM2_FLAG_SEAL))
		err = load_seal(st);
	if (err != MAYDAY_OK) {
		tpm2_close(st);
		return err;
	}
	*state = st;
	return MAYDAY_OK;
}

static enum mayday_err tpm2_device_id(void *state, char out[MAYDAY_DEVICE_ID_MAX + 1])
{
	const struct rot_tpm2 *st = state;

	memcpy(out, st->id, st->id_len + 1);
	return MAYDAY_OK;
}

/* ES256 over tbs with `key`, the hash in software, the ECDSA in the TPM,
 * authorized by the key's policy `guard` in a session of its own: a
 * signature is one operation, and a session kept between calls would hold
 * one of the TPM's few slots (three on swtpm) for as long as the RoT is
 * open. The TPM refuses it outside the guard's PCR states
 * (MAYDAY_E_DENIED). */
static enum mayday_err policy_sign(struct rot_tpm2 *st, ESYS_TR key, enum rot_tpm2_guard guard,
				   const uint8_t *tbs, size_t tbs_len,
				   uint8_t sig[MAYDAY_ES256_SIG_LEN])
{
	uint8_t digest[32];
	unsigned int n = 0;
	ESYS_TR s = ESYS_TR_NONE;
	enum mayday_err err;

	if (EVP_Digest(tbs, tbs_len, digest, &n, EVP_sha256(), NULL) != 1 || n != 32)
		return MAYDAY_E_INTERNAL;
	err = rot_tpm2_policy_start(&st->ctx, ESYS_TR_NONE, &s);
	if (err == MAYDAY_OK)
		err = rot_tpm2_policy_satisfy(&st->ctx, s, st->layout.pcr, &st->policy[guard]);
	if (err == MAYDAY_OK)
		err = rot_tpm2_sign(&st->ctx, key, s, digest, sig);
	rot_tpm2_flush(&st->ctx, &s);
	return err;
}

/* mayday_sign_fn over the distress key (the TrE's or the DCF's PCR state). */
static enum mayday_err tpm2_sign(void *ctx, const uint8_t *tbs, size_t tbs_len,
				 uint8_t sig[MAYDAY_ES256_SIG_LEN])
{
	struct rot_tpm2 *st = ctx;

	if (st->late_tre)
		return refuse_late_tre(st, "signing");
	return policy_sign(st, st->distress, ROT_TPM2_GUARD_DISTRESS, tbs, tbs_len, sig);
}

static enum mayday_err tpm2_signer(void *state, struct mayday_signer *out)
{
	struct rot_tpm2 *st = state;

	memset(out, 0, sizeof(*out));
	if (st->id_len > sizeof(out->kid))
		return MAYDAY_E_INTERNAL;
	out->sign = tpm2_sign;
	out->ctx = st;
	memcpy(out->kid, st->id, st->id_len);
	out->kid_len = st->id_len;
	return MAYDAY_OK;
}

static enum mayday_err up_ref(EVP_PKEY *key, EVP_PKEY **out)
{
	if (EVP_PKEY_up_ref(key) != 1)
		return MAYDAY_E_INTERNAL;
	*out = key;
	return MAYDAY_OK;
}

static enum mayday_err tpm2_distress_public(void *state, EVP_PKEY **out)
{
	return up_ref(((struct rot_tpm2 *)state)->key_pub, out);
}

/* The TLS client key is the distress key (dcf-cert.pem certifies it): an
 * OpenSSL key whose CertificateVerify signature is one tpm2_sign, so the key
 * never leaves the TPM (rot_tls_key.h). It signs while the RoT is open. */
static enum mayday_err tpm2_tls_key(void *state, EVP_PKEY **out)
{
	struct rot_tpm2 *st = state;
	struct mayday_signer signer;
	enum mayday_err rc = tpm2_signer(state, &signer);

	if (rc == MAYDAY_OK)
		rc = rot_tls_key_new(&signer, st->key_pub, out);
	return rc;
}

/* mayday_sign_fn over the credentials' key (normal code's PCR state only). */
static enum mayday_err tpm2_creds_sign(void *ctx, const uint8_t *tbs, size_t tbs_len,
				       uint8_t sig[MAYDAY_ES256_SIG_LEN])
{
	struct rot_tpm2 *st = ctx;

	return policy_sign(st, st->creds, ROT_TPM2_GUARD_CREDS, tbs, tbs_len, sig);
}

/* Normal code's TLS client key (its certificate is in the sealed bundle):
 * like tpm2_tls_key, over the credentials' key, opened and checked here at
 * the first call (rot.c lets only the normal role ask) and kept while the
 * RoT is open. A key that is missing (MAYDAY_E_NOTFOUND) or not of this
 * layout (MAYDAY_E_MALFORMED) is logged and fails this call only. */
static enum mayday_err tpm2_creds_tls_key(void *state, EVP_PKEY **out)
{
	struct rot_tpm2 *st = state;
	struct mayday_signer signer;

	if (!(st->layout.flags & ROT_TPM2_FLAG_CREDS))
		return MAYDAY_E_NOTFOUND;
	if (st->creds == ESYS_TR_NONE) {
		enum mayday_err err = rot_tpm2_key_open(&st->ctx, ROT_TPM2_CREDS,
							ROT_TPM2_KIND_CREDS,
							st->policy[ROT_TPM2_GUARD_CREDS].digest,
							&st->creds, &st->creds_pub);

		if (err != MAYDAY_OK) {
			log_warnx("rot: tpm2 (%s): the device credentials' key at 0x%08x cannot "
				  "be used (%s): normal code has no TLS client key; provision "
				  "the device again", st->ctx.tcti_name, (unsigned)ROT_TPM2_CREDS,
				  mayday_strerror(err));
			return err;
		}
	}
	memset(&signer, 0, sizeof(signer));
	signer.sign = tpm2_creds_sign;
	signer.ctx = st;
	return rot_tls_key_new(&signer, st->creds_pub, out);
}

static enum mayday_err tpm2_anchor(void *state, enum hal_rot_anchor which, EVP_PKEY **out)
{
	return up_ref(((struct rot_tpm2 *)state)->anchor[which], out);
}

/* HKDF-Expand(PRK, info, L <= 32) = the first L bytes of HMAC(PRK, info || 0x01),
 * in policy session `s` (salted, encrypting the answer), satisfied anew. */
static enum mayday_err expand(struct rot_tpm2 *st, ESYS_TR s, const char *info, uint8_t *out,
			      size_t len)
{
	uint8_t msg[64], t[32];
	size_t info_len = strlen(info);
	enum mayday_err err;

	if (info_len + 1 > sizeof(msg) || len > sizeof(t))
		return MAYDAY_E_INTERNAL;
	memcpy(msg, info, info_len);
	msg[info_len] = 0x01;
	err = rot_tpm2_policy_satisfy(&st->ctx, s, st->layout.pcr,
				      &st->policy[ROT_TPM2_GUARD_PRK]);
	if (err == MAYDAY_OK)
		err = rot_tpm2_hmac(&st->ctx, st->prk, s, msg, info_len + 1, t);
	if (err == MAYDAY_OK)
		memcpy(out, t, len);
	OPENSSL_cleanse(t, sizeof(t));
	return err;
}

static enum mayday_err tpm2_psk_keys(void *state, struct mayday_psk_keys *out)
{
	struct rot_tpm2 *st = state;
	ESYS_TR s = ESYS_TR_NONE;
	enum mayday_err err;

	if (!(st->layout.flags & ROT_TPM2_FLAG_PSK))
		return MAYDAY_E_NOTFOUND;
	memset(out, 0, sizeof(*out));
	/* one session for the three HMACs */
	err = rot_tpm2_policy_start(&st->ctx, st->primary, &s);
	if (err == MAYDAY_OK)
		err = expand(st, s, MAYDAY_PSK_INFO_REQUEST_KEY, out->request_key,
			     sizeof(out->request_key));
	if (err == MAYDAY_OK)
		err = expand(st, s, MAYDAY_PSK_INFO_REQUEST_IV, out->request_iv,
			     sizeof(out->request_iv));
	if (err == MAYDAY_OK)
		err = expand(st, s, MAYDAY_PSK_INFO_RESPONSE_KEY, out->response_key,
			     sizeof(out->response_key));
	rot_tpm2_flush(&st->ctx, &s);
	if (err == MAYDAY_OK) {
		memcpy(out->kid, st->layout.psk_kid, st->layout.psk_kid_len);
		out->kid_len = st->layout.psk_kid_len;
	}
	return err; /* rot.c wipes *out on error */
}

static enum mayday_err tpm2_extend(void *state, const uint8_t event[HAL_ROT_REG_LEN])
{
	struct rot_tpm2 *st = state;

	return rot_tpm2_pcr_extend(&st->ctx, st->layout.pcr, event);
}

static enum mayday_err tpm2_unseal_creds(void *state, uint8_t *out, size_t cap, size_t *len)
{
	struct rot_tpm2 *st = state;
	uint8_t secret[ROT_SEAL_SECRET_LEN], reg[HAL_ROT_REG_LEN];
	uint8_t *blob;
	size_t blob_len = 0;
	enum mayday_err err;

	if (!(st->layout.flags & ROT_TPM2_FLAG_SEAL))
		return MAYDAY_E_NOTFOUND;
	if (st->late_tre)
		return refuse_late_tre(st, "unsealing");
	blob = malloc(ROT_SEAL_BLOB_MAX);
	if (blob == NULL)
		return MAYDAY_E_NOMEM;
	err = hal_flash_read(st->flash, HAL_PART_ROT, ROT_SEAL_BLOB_ITEM, blob, ROT_SEAL_BLOB_MAX,
			     &blob_len);
	if (err == MAYDAY_E_TOOBIG)
		err = MAYDAY_E_MALFORMED; /* a stored item past its bound is damaged */
	if (err == MAYDAY_OK)
		err = rot_tpm2_unseal(&st->ctx, st->primary, st->seal, st->layout.pcr, secret, reg);
	if (err == MAYDAY_OK)
		err = rot_unseal(secret, reg, blob, blob_len, out, cap, len);
	OPENSSL_cleanse(secret, sizeof(secret));
	free(blob); /* ciphertext: nothing to wipe */
	return err;
}

static enum mayday_err tpm2_counter_read(void *state, enum hal_rot_counter which,
					 uint64_t *value)
{
	struct rot_tpm2 *st = state;
	uint64_t raw = 0;
	enum mayday_err err = rot_tpm2_ctr_read(&st->ctx, counter_index[which], &raw);

	if (err != MAYDAY_OK)
		return err;
	if (raw < st->layout.base[which])
		return MAYDAY_E_MALFORMED; /* checked at open; the TPM changed under us */
	*value = raw - st->layout.base[which];
	return MAYDAY_OK;
}

/* One TPM2_NV_Increment of `which` in policy session `s`, satisfied anew
 * (the TPM refuses it outside the counter's PCR states: MAYDAY_E_DENIED). */
static enum mayday_err increment(struct rot_tpm2 *st, ESYS_TR s, enum hal_rot_counter which)
{
	enum mayday_err err = rot_tpm2_policy_satisfy(&st->ctx, s, st->layout.pcr,
						      &st->policy[counter_guard[which]]);

	return err != MAYDAY_OK ? err : rot_tpm2_ctr_increment(&st->ctx, counter_index[which], s);
}

/* Tries before next gives up on a counter others keep incrementing. */
#define NEXT_TRIES 4

/* A value is ours only if the counter went from old to old + 1 between our
 * two reads: that step was our increment, and no one else's can make it,
 * so two processes never get the same value (a PSK nonce must not repeat).
 * Another writer in between: try again, a few times, then MAYDAY_E_RETRY. */
static enum mayday_err tpm2_counter_next(void *state, enum hal_rot_counter which,
					 uint64_t *value)
{
	struct rot_tpm2 *st = state;
	ESYS_TR s = ESYS_TR_NONE;
	enum mayday_err err = rot_tpm2_policy_start(&st->ctx, ESYS_TR_NONE, &s);

	for (int i = 0; err == MAYDAY_OK && i < NEXT_TRIES; i++) {
		uint64_t old = 0, now = 0;

		err = tpm2_counter_read(st, which, &old);
		if (err == MAYDAY_OK && old == UINT64_MAX)
			err = MAYDAY_E_TOOBIG;
		/* TPM2_NV_Increment is durable when it returns: NV counters are
		 * written through (TPMA_NV_ORDERLY is not set) */
		if (err == MAYDAY_OK)
			err = increment(st, s, which);
		if (err == MAYDAY_OK)
			err = tpm2_counter_read(st, which, &now);
		if (err == MAYDAY_OK && now == old + 1) {
			rot_tpm2_flush(&st->ctx, &s);
			*value = now;
			return MAYDAY_OK;
		}
	}
	rot_tpm2_flush(&st->ctx, &s);
	if (err != MAYDAY_OK)
		return err;
	log_warnx("rot: tpm2 (%s): counter %d: another writer incremented it %d times in a "
		  "row; the RoT's counters take a single writer", st->ctx.tcti_name, (int)which,
		  NEXT_TRIES);
	return MAYDAY_E_RETRY;
}

/* Increments until the value read back from the TPM reaches `to`: a
 * concurrent increment counts too, so the counter never overshoots `to`
 * because of one. At most to - v increments: each raises it by one. */
static enum mayday_err tpm2_counter_advance(void *state, enum hal_rot_counter which, uint64_t to)
{
	struct rot_tpm2 *st = state;
	ESYS_TR s = ESYS_TR_NONE;
	uint64_t v = 0;
	enum mayday_err err = tpm2_counter_read(st, which, &v);

	if (err != MAYDAY_OK)
		return err;
	if (to < v)
		return MAYDAY_E_ROLLBACK;
	if (to - v > HAL_ROT_TPM2_JUMP_MAX)
		return MAYDAY_E_TOOBIG;
	if (v < to)
		err = rot_tpm2_policy_start(&st->ctx, ESYS_TR_NONE, &s); /* one for all steps */
	/* one increment at a time; cut short, the counter is between v and to */
	for (unsigned n = 0; err == MAYDAY_OK && v < to && n <= HAL_ROT_TPM2_JUMP_MAX; n++) {
		err = increment(st, s, which);
		if (err == MAYDAY_OK)
			err = tpm2_counter_read(st, which, &v);
	}
	rot_tpm2_flush(&st->ctx, &s);
	if (err == MAYDAY_OK && v < to)
		err = MAYDAY_E_IO; /* the TPM did not count what we asked */
	return err;
}

const struct hal_rot_ops hal_rot_tpm2_ops = {
	.name = "tpm2",
	.open = tpm2_open,
	.close = tpm2_close,
	.device_id = tpm2_device_id,
	.signer = tpm2_signer,
	.distress_public = tpm2_distress_public,
	.anchor = tpm2_anchor,
	.tls_key = tpm2_tls_key,
	.creds_tls_key = tpm2_creds_tls_key,
	.psk_keys = tpm2_psk_keys,
	.extend = tpm2_extend,
	.unseal_creds = tpm2_unseal_creds,
	.counter_read = tpm2_counter_read,
	.counter_next = tpm2_counter_next,
	.counter_advance = tpm2_counter_advance,
};

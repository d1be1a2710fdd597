/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The roles as the TPM enforces them (device/hal/rot_tpm2_policy.c;
 * docs/rot.md "What the TPM enforces"), one swtpm per test. The attacks
 * are raw ESAPI calls of the test's own -- not through mayday's role
 * checks -- as any process that reaches the TPM could make them:
 *  - normal code's PCR state (verified, then released): TPM2_Sign with the
 *    distress key, TPM2_HMAC with the PRK, TPM2_NV_Increment of the message
 *    counter are refused by the TPM, with a password session (the empty
 *    auth value) and with a policy session that tries every admitted
 *    branch; the anti-rollback counter advances there (normal code
 *    confirms a pending image), never with a password session;
 *  - in every DCF state (failed(r), r = 1..7) signing, the PSK keys and
 *    the message counter work and the anti-rollback counter is refused;
 *    after a halt (failed(0)) nothing works;
 *  - at PCR zero (the TrE's) the self-test signs; the PRK and both
 *    counters are refused (the TrE raises neither);
 *  - open refuses a distress key with userwithauth or another authPolicy,
 *    and a counter with another authPolicy (MAYDAY_E_MALFORMED); a layout
 *    record of version 1 is MAYDAY_E_UNSUPPORTED, and provisioning again
 *    replaces version 1's objects;
 *  - each key's policy admits its one command: in an admitted state the
 *    distress and credentials' keys neither certify nor quote, the PRK
 *    makes no TPM2_Sign;
 *  - the software policy digests equal the TPM's trial-session ones, and
 *    the DCF reasons are exactly enum mayday_reason's.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>
#include <openssl/evp.h>

#include "mayday/evidence.h"
#include "rot_tpm2.h"
#include "rot_tpm2_layout.h"
#include "rot_tpm2_testlib.h"

#define PCR HAL_ROT_TPM2_PCR_DEFAULT

enum op { OP_SIGN, OP_HMAC, OP_INC_MESSAGE, OP_INC_ROLLBACK };

static const TPM2_HANDLE op_handle[] = {
	[OP_SIGN] = ROT_TPM2_DISTRESS,
	[OP_HMAC] = ROT_TPM2_PRK,
	[OP_INC_MESSAGE] = ROT_TPM2_NV_CTR_MESSAGE,
	[OP_INC_ROLLBACK] = ROT_TPM2_NV_CTR_ROLLBACK,
};
static const enum rot_tpm2_guard op_guard[] = {
	[OP_SIGN] = ROT_TPM2_GUARD_DISTRESS,
	[OP_HMAC] = ROT_TPM2_GUARD_PRK,
	[OP_INC_MESSAGE] = ROT_TPM2_GUARD_CTR_MESSAGE,
	[OP_INC_ROLLBACK] = ROT_TPM2_GUARD_CTR_ROLLBACK,
};

/* The command itself, authorized by `session`. */
static TSS2_RC run(ESYS_CONTEXT *esys, enum op op, ESYS_TR obj, ESYS_TR session)
{
	TPM2B_DIGEST d = { .size = 32 };
	TPMT_SIG_SCHEME scheme = { .scheme = TPM2_ALG_ECDSA,
				   .details.ecdsa.hashAlg = TPM2_ALG_SHA256 };
	TPMT_TK_HASHCHECK ticket = { .tag = TPM2_ST_HASHCHECK, .hierarchy = TPM2_RH_NULL };
	TPM2B_MAX_BUFFER buf = { .size = 4, .buffer = "info" };
	TPMT_SIGNATURE *sig = NULL;
	TPM2B_DIGEST *mac = NULL;
	TSS2_RC rc;

	switch (op) {
	case OP_SIGN:
		rc = Esys_Sign(esys, obj, session, ESYS_TR_NONE, ESYS_TR_NONE, &d, &scheme,
			       &ticket, &sig);
		Esys_Free(sig);
		return rc;
	case OP_HMAC:
		rc = Esys_HMAC(esys, obj, session, ESYS_TR_NONE, ESYS_TR_NONE, &buf,
			       TPM2_ALG_SHA256, &mac);
		Esys_Free(mac);
		return rc;
	default:
		return Esys_NV_Increment(esys, obj, obj, session, ESYS_TR_NONE, ESYS_TR_NONE);
	}
}

/* The PCR values `guard` admits, as an attacker would compute them. */
static unsigned admitted(struct tpm2_fx *fx, enum rot_tpm2_guard guard,
			 uint8_t states[ROT_TPM2_BRANCH_MAX][HAL_ROT_REG_LEN])
{
	unsigned n = 0;

	if (guard == ROT_TPM2_GUARD_DISTRESS)
		memset(states[n++], 0, HAL_ROT_REG_LEN);
	if (guard == ROT_TPM2_GUARD_CTR_ROLLBACK) {
		assert_int_equal(hal_rot_policy_released(fx->vendor, states[n++]), MAYDAY_OK);
		return n;
	}
	for (uint32_t r = 1; r <= ROT_TPM2_REASON_LAST; r++) {
		uint8_t ev[HAL_ROT_REG_LEN];

		hal_rot_event_failed(r, ev);
		memset(states[n], 0, HAL_ROT_REG_LEN);
		hal_rot_reg_extend(states[n++], ev);
	}
	return n;
}

static ESYS_TR policy_session(ESYS_CONTEXT *esys)
{
	TPMT_SYM_DEF none = { .algorithm = TPM2_ALG_NULL };
	ESYS_TR s = ESYS_TR_NONE;

	assert_int_equal(Esys_StartAuthSession(esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
					       ESYS_TR_NONE, ESYS_TR_NONE, NULL, TPM2_SE_POLICY,
					       &none, TPM2_ALG_SHA256, &s),
			 TSS2_RC_SUCCESS);
	return s;
}

/* `op` by raw ESAPI: with a password session (the empty auth value), then
 * with a policy session that claims each admitted PCR value in turn, then
 * with PolicyPCR on the PCR as it is and PolicyOR of the admitted branches
 * (and the command code). Returns whether any of them succeeded (the
 * password attempt never may). */
static bool raw_attempt(struct tpm2_fx *fx, enum op op)
{
	ESYS_CONTEXT *esys = tpm2_fx_esys(fx);
	uint8_t states[ROT_TPM2_BRANCH_MAX][HAL_ROT_REG_LEN];
	unsigned n = admitted(fx, op_guard[op], states);
	struct rot_tpm2_policy p;
	TPML_PCR_SELECTION sel;
	ESYS_TR obj = ESYS_TR_NONE, s;
	bool any = false;
	TSS2_RC rc;

	assert_int_equal(rot_tpm2_policy_make(op_guard[op], PCR, fx->vendor, &p), MAYDAY_OK);
	assert_int_equal(p.n, n);
	rot_tpm2_pcr_select(PCR, &sel);
	assert_int_equal(Esys_TR_FromTPMPublic(esys, op_handle[op], ESYS_TR_NONE, ESYS_TR_NONE,
					       ESYS_TR_NONE, &obj),
			 TSS2_RC_SUCCESS);
	/* the empty auth value: the objects have no userwithauth, the
	 * counters no authwrite */
	rc = run(esys, op, obj, ESYS_TR_PASSWORD);
	assert_int_not_equal(rc, TSS2_RC_SUCCESS);
	/* every branch: a real session refuses a pcrDigest that is not the PCR's */
	for (unsigned i = 0; i < n; i++) {
		TPM2B_DIGEST d = { .size = 32 };
		unsigned int len = 0;

		assert_int_equal(EVP_Digest(states[i], HAL_ROT_REG_LEN, d.buffer, &len,
					    EVP_sha256(), NULL), 1);
		s = policy_session(esys);
		rc = Esys_PolicyPCR(esys, s, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &d, &sel);
		if (rc == TSS2_RC_SUCCESS) {
			/* the PCR holds this admitted value: the rest must pass */
			TPML_DIGEST list = { .count = n };

			for (unsigned j = 0; j < n; j++) {
				list.digests[j].size = 32;
				memcpy(list.digests[j].buffer, p.branch[j], 32);
			}
			if (n >= 2)
				assert_int_equal(Esys_PolicyOR(esys, s, ESYS_TR_NONE, ESYS_TR_NONE,
							       ESYS_TR_NONE, &list),
						 TSS2_RC_SUCCESS);
			if (p.cc != 0)
				assert_int_equal(Esys_PolicyCommandCode(esys, s, ESYS_TR_NONE,
									ESYS_TR_NONE,
									ESYS_TR_NONE, p.cc),
						 TSS2_RC_SUCCESS);
			rc = run(esys, op, obj, s);
			any = any || rc == TSS2_RC_SUCCESS;
		}
		assert_int_equal(Esys_FlushContext(esys, s), TSS2_RC_SUCCESS);
	}
	/* the PCR as it is, then the whole list, as mayday does it */
	s = policy_session(esys);
	{
		TPM2B_DIGEST empty = { .size = 0 };
		TPML_DIGEST list = { .count = n };

		assert_int_equal(Esys_PolicyPCR(esys, s, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
						&empty, &sel),
				 TSS2_RC_SUCCESS);
		for (unsigned j = 0; j < n; j++) {
			list.digests[j].size = 32;
			memcpy(list.digests[j].buffer, p.branch[j], 32);
		}
		rc = n >= 2 ? Esys_PolicyOR(esys, s, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
					    &list)
			    : TSS2_RC_SUCCESS;
		if (rc == TSS2_RC_SUCCESS && p.cc != 0)
			rc = Esys_PolicyCommandCode(esys, s, ESYS_TR_NONE, ESYS_TR_NONE,
						    ESYS_TR_NONE, p.cc);
		if (rc == TSS2_RC_SUCCESS)
			rc = run(esys, op, obj, s);
		any = any || rc == TSS2_RC_SUCCESS;
		if (rc != TSS2_RC_SUCCESS) /* the TPM's own refusal, not an ESAPI error */
			assert_true((rc & TSS2_RC_LAYER_MASK) == TSS2_TPM_RC_LAYER);
	}
	assert_int_equal(Esys_FlushContext(esys, s), TSS2_RC_SUCCESS);
	Esys_TR_Close(esys, &obj);
	tpm2_fx_esys_close(esys);
	return any;
}

static void check_hal(struct tpm2_fx *fx, enum mayday_err sign, enum mayday_err psk,
		      enum mayday_err message, enum mayday_err rollback)
{
	struct hal_rot *rot = tpm2_fx_open(fx, HAL_ROT_ROLE_DCF);
	struct mayday_psk_keys k;
	uint64_t v = 0, was = 0;

	assert_int_equal(hal_rot_self_test(rot), sign);
	assert_int_equal(hal_rot_psk_keys(rot, &k), psk);
	mayday_psk_keys_wipe(&k);
	assert_int_equal(hal_rot_counter_next(rot, HAL_ROT_COUNTER_MESSAGE, &v), message);
	assert_int_equal(hal_rot_counter_read(rot, HAL_ROT_COUNTER_ROLLBACK, &was), MAYDAY_OK);
	assert_int_equal(hal_rot_counter_advance(rot, HAL_ROT_COUNTER_ROLLBACK, was + 1),
			 rollback);
	assert_int_equal(hal_rot_counter_read(rot, HAL_ROT_COUNTER_ROLLBACK, &v), MAYDAY_OK);
	assert_int_equal(v, rollback == MAYDAY_OK ? was + 1 : was);
	hal_rot_close(rot);
	assert_int_equal(tpm2_fx_loaded(fx), 0);
}

/* Normal code's state: the TPM refuses the distress key, the PRK and the
 * message counter, whatever session is tried. */
static void normal_state_refused(void **state)
{
	struct tpm2_fx *fx = *state;

	tpm2_fx_enter_normal(fx);
	assert_false(raw_attempt(fx, OP_SIGN));
	assert_false(raw_attempt(fx, OP_HMAC));
	assert_false(raw_attempt(fx, OP_INC_MESSAGE));
	/* normal code confirms a pending image: the anti-rollback counter is
	 * its (through the policy only; the password attempt was refused) */
	assert_true(raw_attempt(fx, OP_INC_ROLLBACK));
	check_hal(fx, MAYDAY_E_DENIED, MAYDAY_E_DENIED, MAYDAY_E_DENIED, MAYDAY_OK);
	/* nor can an administrative command use the empty auth value */
	{
		ESYS_CONTEXT *esys = tpm2_fx_esys(fx);
		ESYS_TR key = ESYS_TR_NONE, parent = ESYS_TR_NONE;
		TPM2B_AUTH auth = { .size = 4, .buffer = "mine" };
		TPM2B_PRIVATE *priv = NULL;

		assert_int_equal(Esys_TR_FromTPMPublic(esys, ROT_TPM2_DISTRESS, ESYS_TR_NONE,
						       ESYS_TR_NONE, ESYS_TR_NONE, &key),
				 TSS2_RC_SUCCESS);
		assert_int_equal(Esys_TR_FromTPMPublic(esys, ROT_TPM2_PRIMARY, ESYS_TR_NONE,
						       ESYS_TR_NONE, ESYS_TR_NONE, &parent),
				 TSS2_RC_SUCCESS);
		assert_int_not_equal(Esys_ObjectChangeAuth(esys, key, parent, ESYS_TR_PASSWORD,
							   ESYS_TR_NONE, ESYS_TR_NONE, &auth,
							   &priv),
				     TSS2_RC_SUCCESS);
		Esys_Free(priv);
		tpm2_fx_esys_close(esys);
	}
}

/* Every DCF state: the DCF's operations work, the anti-rollback counter is
 * refused; a halt, failed(0), admits nothing. */
static void dcf_states(void **state)
{
	struct tpm2_fx *fx = *state;

	for (uint32_t r = 1; r <= ROT_TPM2_REASON_LAST; r++) {
		assert_int_equal(swtpm_fixture_restart(&fx->tpm), 0);
		tpm2_fx_enter_dcf(fx, r);
		check_hal(fx, MAYDAY_OK, MAYDAY_OK, MAYDAY_OK, MAYDAY_E_DENIED);
		if (r == MAYDAY_REASON_COMPONENT_MISMATCH) {
			/* raw: the TPM's doing, not mayday's */
			assert_true(raw_attempt(fx, OP_SIGN));
			assert_true(raw_attempt(fx, OP_HMAC));
			assert_true(raw_attempt(fx, OP_INC_MESSAGE));
			assert_false(raw_attempt(fx, OP_INC_ROLLBACK));
		}
	}
	assert_int_equal(swtpm_fixture_restart(&fx->tpm), 0);
	tpm2_fx_enter_dcf(fx, 0); /* a halt: nothing runs, nothing is admitted */
	check_hal(fx, MAYDAY_E_DENIED, MAYDAY_E_DENIED, MAYDAY_E_DENIED, MAYDAY_E_DENIED);
	assert_false(raw_attempt(fx, OP_SIGN));
}

/* PCR zero, the TrE's: the self-test only; the TrE raises no counter
 * (normal code confirms a pending image), so neither admits PCR zero. */
static void tre_state(void **state)
{
	struct tpm2_fx *fx = *state;

	check_hal(fx, MAYDAY_OK, MAYDAY_E_DENIED, MAYDAY_E_DENIED, MAYDAY_E_DENIED);
	assert_true(raw_attempt(fx, OP_SIGN));
	assert_false(raw_attempt(fx, OP_HMAC));
	assert_false(raw_attempt(fx, OP_INC_MESSAGE));
	assert_false(raw_attempt(fx, OP_INC_ROLLBACK));
}

/* A policy session in which `p`'s PolicyPCR (the PCR as it is) and
 * PolicyOR (with two branches or more) are satisfied by raw ESAPI, then
 * PolicyCommandCode(cc) unless cc is 0: what a process in an admitted
 * state can build. The caller flushes it. */
static ESYS_TR admitted_session(ESYS_CONTEXT *esys, const struct rot_tpm2_policy *p, TPM2_CC cc)
{
	ESYS_TR s = policy_session(esys);
	TPM2B_DIGEST empty = { .size = 0 };
	TPML_PCR_SELECTION sel;
	TPML_DIGEST list = { .count = p->n };

	rot_tpm2_pcr_select(PCR, &sel);
	assert_int_equal(Esys_PolicyPCR(esys, s, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &empty,
					&sel), TSS2_RC_SUCCESS);
	for (unsigned j = 0; j < p->n; j++) {
		list.digests[j].size = 32;
		memcpy(list.digests[j].buffer, p->branch[j], 32);
	}
	if (p->n >= 2)
		assert_int_equal(Esys_PolicyOR(esys, s, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
					       &list), TSS2_RC_SUCCESS);
	if (cc != 0)
		assert_int_equal(Esys_PolicyCommandCode(esys, s, ESYS_TR_NONE, ESYS_TR_NONE,
							ESYS_TR_NONE, cc), TSS2_RC_SUCCESS);
	return s;
}

/* TPM2_Certify of the primary, signed by `key` authorized by session s. */
static TSS2_RC certify(ESYS_CONTEXT *esys, ESYS_TR key, ESYS_TR s)
{
	ESYS_TR primary = ESYS_TR_NONE;
	TPM2B_DATA q = { .size = 0 };
	TPMT_SIG_SCHEME scheme = { .scheme = TPM2_ALG_NULL };
	TPM2B_ATTEST *info = NULL;
	TPMT_SIGNATURE *sig = NULL;
	TSS2_RC rc;

	assert_int_equal(Esys_TR_FromTPMPublic(esys, ROT_TPM2_PRIMARY, ESYS_TR_NONE, ESYS_TR_NONE,
					       ESYS_TR_NONE, &primary), TSS2_RC_SUCCESS);
	rc = Esys_Certify(esys, primary, key, ESYS_TR_PASSWORD, s, ESYS_TR_NONE, &q, &scheme,
			  &info, &sig);
	Esys_Free(info);
	Esys_Free(sig);
	Esys_TR_Close(esys, &primary);
	return rc;
}

/* TPM2_Quote of the measurement PCR, signed by `key` in session s. */
static TSS2_RC quote(ESYS_CONTEXT *esys, ESYS_TR key, ESYS_TR s)
{
	TPM2B_DATA q = { .size = 0 };
	TPMT_SIG_SCHEME scheme = { .scheme = TPM2_ALG_NULL };
	TPML_PCR_SELECTION sel;
	TPM2B_ATTEST *quoted = NULL;
	TPMT_SIGNATURE *sig = NULL;
	TSS2_RC rc;

	rot_tpm2_pcr_select(PCR, &sel);
	rc = Esys_Quote(esys, key, s, ESYS_TR_NONE, ESYS_TR_NONE, &q, &scheme, &sel, &quoted,
			&sig);
	Esys_Free(quoted);
	Esys_Free(sig);
	return rc;
}

/* TPM2_Sign with the key's own scheme (an HMAC for the PRK) in session s. */
static TSS2_RC sign_own_scheme(ESYS_CONTEXT *esys, ESYS_TR key, ESYS_TR s)
{
	TPM2B_DIGEST d = { .size = 32 };
	TPMT_SIG_SCHEME scheme = { .scheme = TPM2_ALG_NULL };
	TPMT_TK_HASHCHECK ticket = { .tag = TPM2_ST_HASHCHECK, .hierarchy = TPM2_RH_NULL };
	TPMT_SIGNATURE *sig = NULL;
	TSS2_RC rc = Esys_Sign(esys, key, s, ESYS_TR_NONE, ESYS_TR_NONE, &d, &scheme, &ticket,
			       &sig);

	Esys_Free(sig);
	return rc;
}

/* `cmd` (certify, quote, sign_own_scheme) with the item at `handle`, in
 * a session where its policy is satisfied with command code `cc`. */
static TSS2_RC with_policy(struct tpm2_fx *fx, TPM2_HANDLE handle, enum rot_tpm2_guard guard,
			   TPM2_CC cc, TSS2_RC (*cmd)(ESYS_CONTEXT *, ESYS_TR, ESYS_TR))
{
	ESYS_CONTEXT *esys = tpm2_fx_esys(fx);
	struct rot_tpm2_policy p;
	ESYS_TR key = ESYS_TR_NONE, s;
	TSS2_RC rc;

	assert_int_equal(rot_tpm2_policy_make(guard, PCR, fx->vendor, &p), MAYDAY_OK);
	assert_int_equal(Esys_TR_FromTPMPublic(esys, handle, ESYS_TR_NONE, ESYS_TR_NONE,
					       ESYS_TR_NONE, &key), TSS2_RC_SUCCESS);
	s = admitted_session(esys, &p, cc);
	rc = cmd(esys, key, s);
	assert_int_equal(Esys_FlushContext(esys, s), TSS2_RC_SUCCESS);
	Esys_TR_Close(esys, &key);
	tpm2_fx_esys_close(esys);
	return rc;
}

/* Each key's policy names its one command: in a state the policy admits,
 * the distress and credentials' keys sign (TPM2_Sign) but certify nothing
 * and quote nothing, and the PRK computes TPM2_HMAC but no TPM2_Sign with
 * its HMAC scheme -- whether the session names the command, names the
 * other one, or names none. */
static void keys_pinned_to_command(void **state)
{
	struct tpm2_fx *fx = *state;

	assert_int_equal(tpm2_fx_provision_creds_key(fx, NULL), MAYDAY_OK);
	tpm2_fx_enter_dcf(fx, MAYDAY_REASON_COMPONENT_MISMATCH);
	/* the control: the admitted command goes through */
	assert_true(raw_attempt(fx, OP_SIGN));
	assert_true(raw_attempt(fx, OP_HMAC));
	for (unsigned i = 0; i < 3; i++) {
		static const TPM2_CC distress_cc[] = { TPM2_CC_Sign, 0, TPM2_CC_Certify };
		static const TPM2_CC quote_cc[] = { TPM2_CC_Sign, 0, TPM2_CC_Quote };
		static const TPM2_CC prk_cc[] = { TPM2_CC_HMAC, 0, TPM2_CC_Sign };

		assert_int_not_equal(with_policy(fx, ROT_TPM2_DISTRESS, ROT_TPM2_GUARD_DISTRESS,
						 distress_cc[i], certify), TSS2_RC_SUCCESS);
		assert_int_not_equal(with_policy(fx, ROT_TPM2_DISTRESS, ROT_TPM2_GUARD_DISTRESS,
						 quote_cc[i], quote), TSS2_RC_SUCCESS);
		assert_int_not_equal(with_policy(fx, ROT_TPM2_PRK, ROT_TPM2_GUARD_PRK, prk_cc[i],
						 sign_own_scheme), TSS2_RC_SUCCESS);
	}
	/* the credentials' key in normal code's state */
	assert_int_equal(swtpm_fixture_restart(&fx->tpm), 0);
	tpm2_fx_enter_normal(fx);
	assert_int_equal(with_policy(fx, ROT_TPM2_CREDS, ROT_TPM2_GUARD_CREDS, TPM2_CC_Sign,
				     sign_own_scheme), TSS2_RC_SUCCESS);
	for (unsigned i = 0; i < 3; i++) {
		static const TPM2_CC cc[] = { TPM2_CC_Sign, 0, TPM2_CC_Certify };

		assert_int_not_equal(with_policy(fx, ROT_TPM2_CREDS, ROT_TPM2_GUARD_CREDS, cc[i],
						 certify), TSS2_RC_SUCCESS);
		assert_int_not_equal(with_policy(fx, ROT_TPM2_CREDS, ROT_TPM2_GUARD_CREDS, cc[i],
						 quote), TSS2_RC_SUCCESS);
	}
	assert_int_equal(tpm2_fx_loaded(fx), 0);
}

/* A new key at the distress key's handle, with `attrs` and `policy`; then
 * the DCF role's open. */
static enum mayday_err open_with_distress(struct tpm2_fx *fx, TPMA_OBJECT attrs,
					  const uint8_t policy[32])
{
	ESYS_CONTEXT *esys;
	ESYS_TR parent = ESYS_TR_NONE, obj = ESYS_TR_NONE, out = ESYS_TR_NONE;
	TPM2B_SENSITIVE_CREATE sens = { .size = 0 };
	TPM2B_PUBLIC tmpl;
	TPM2B_DATA outside = { .size = 0 };
	TPML_PCR_SELECTION pcrs = { .count = 0 };
	TPM2B_PRIVATE *priv = NULL;
	TPM2B_PUBLIC *pub = NULL;
	struct hal_rot *rot = NULL;
	enum mayday_err err;

	tpm2_fx_evict(fx, ROT_TPM2_DISTRESS);
	rot_tpm2_template(ROT_TPM2_KIND_DISTRESS, &tmpl);
	tmpl.publicArea.objectAttributes = attrs;
	tmpl.publicArea.authPolicy.size = 32;
	memcpy(tmpl.publicArea.authPolicy.buffer, policy, 32);
	esys = tpm2_fx_esys(fx);
	assert_int_equal(Esys_TR_FromTPMPublic(esys, ROT_TPM2_PRIMARY, ESYS_TR_NONE, ESYS_TR_NONE,
					       ESYS_TR_NONE, &parent), TSS2_RC_SUCCESS);
	assert_int_equal(Esys_Create(esys, parent, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE,
				     &sens, &tmpl, &outside, &pcrs, &priv, &pub, NULL, NULL, NULL),
			 TSS2_RC_SUCCESS);
	assert_int_equal(Esys_Load(esys, parent, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE,
				   priv, pub, &obj), TSS2_RC_SUCCESS);
	assert_int_equal(Esys_EvictControl(esys, ESYS_TR_RH_OWNER, obj, ESYS_TR_PASSWORD,
					   ESYS_TR_NONE, ESYS_TR_NONE, ROT_TPM2_DISTRESS, &out),
			 TSS2_RC_SUCCESS);
	assert_int_equal(Esys_FlushContext(esys, obj), TSS2_RC_SUCCESS);
	Esys_Free(priv);
	Esys_Free(pub);
	tpm2_fx_esys_close(esys);
	err = hal_rot_open_role(&rot, fx->tpm.spec, fx->f, HAL_ROT_ROLE_DCF);
	if (err != MAYDAY_OK)
		assert_null(rot);
	hal_rot_close(rot);
	return err;
}

/* Open refuses an object another policy (or the empty auth) could use. */
static void open_refuses_foreign_policy(void **state)
{
	struct tpm2_fx *fx = *state;
	struct rot_tpm2_policy p, other;
	TPM2B_PUBLIC t;

	assert_int_equal(rot_tpm2_policy_make(ROT_TPM2_GUARD_DISTRESS, PCR, fx->vendor, &p),
			 MAYDAY_OK);
	assert_int_equal(rot_tpm2_policy_make(ROT_TPM2_GUARD_PRK, PCR, fx->vendor, &other),
			 MAYDAY_OK);
	rot_tpm2_template(ROT_TPM2_KIND_DISTRESS, &t);
	/* the right policy, but userwithauth: anyone could sign */
	assert_int_equal(open_with_distress(fx, t.publicArea.objectAttributes |
						    TPMA_OBJECT_USERWITHAUTH, p.digest),
			 MAYDAY_E_MALFORMED);
	/* the right attributes, another policy (the PRK's) */
	assert_int_equal(open_with_distress(fx, t.publicArea.objectAttributes, other.digest),
			 MAYDAY_E_MALFORMED);
	/* the right template and policy, a key nobody enrolled */
	assert_int_equal(open_with_distress(fx, t.publicArea.objectAttributes, p.digest),
			 MAYDAY_E_KEY);

	/* a message counter another policy could write (the anti-rollback one's) */
	assert_int_equal(tpm2_fx_provision(fx, NULL), MAYDAY_OK);
	{
		ESYS_CONTEXT *esys = tpm2_fx_esys(fx);
		ESYS_TR nv = ESYS_TR_NONE;
		TPM2B_AUTH auth = { .size = 0 };
		TPM2B_NV_PUBLIC pub = { .nvPublic = {
			.nvIndex = ROT_TPM2_NV_CTR_MESSAGE,
			.nameAlg = TPM2_ALG_SHA256,
			.attributes = TPMA_NV_POLICYWRITE | TPMA_NV_OWNERWRITE | TPMA_NV_AUTHREAD |
				      TPMA_NV_OWNERREAD | TPMA_NV_NO_DA |
				      ((TPMA_NV)TPM2_NT_COUNTER << TPMA_NV_TPM2_NT_SHIFT),
			.authPolicy = { .size = 32 },
			.dataSize = 8,
		} };
		struct rot_tpm2_policy rb;
		struct hal_rot *rot = NULL;

		assert_int_equal(rot_tpm2_policy_make(ROT_TPM2_GUARD_CTR_ROLLBACK, PCR,
						      fx->vendor, &rb), MAYDAY_OK);
		memcpy(pub.nvPublic.authPolicy.buffer, rb.digest, 32);
		assert_int_equal(Esys_TR_FromTPMPublic(esys, ROT_TPM2_NV_CTR_MESSAGE, ESYS_TR_NONE,
						       ESYS_TR_NONE, ESYS_TR_NONE, &nv),
				 TSS2_RC_SUCCESS);
		assert_int_equal(Esys_NV_UndefineSpace(esys, ESYS_TR_RH_OWNER, nv,
						       ESYS_TR_PASSWORD, ESYS_TR_NONE,
						       ESYS_TR_NONE), TSS2_RC_SUCCESS);
		assert_int_equal(Esys_NV_DefineSpace(esys, ESYS_TR_RH_OWNER, ESYS_TR_PASSWORD,
						     ESYS_TR_NONE, ESYS_TR_NONE, &auth, &pub, &nv),
				 TSS2_RC_SUCCESS);
		assert_int_equal(Esys_NV_Increment(esys, ESYS_TR_RH_OWNER, nv, ESYS_TR_PASSWORD,
						   ESYS_TR_NONE, ESYS_TR_NONE), TSS2_RC_SUCCESS);
		tpm2_fx_esys_close(esys);
		assert_int_equal(hal_rot_open_role(&rot, fx->tpm.spec, fx->f,
						   HAL_ROT_ROLE_NORMAL), MAYDAY_E_MALFORMED);
		assert_null(rot);
	}
}

/* A TPM provisioned by layout version 1: its record is refused
 * (MAYDAY_E_UNSUPPORTED, "provision again"), and provisioning again
 * replaces version 1's objects (a distress key with userwithauth, a
 * counter with authwrite) rather than refusing them as foreign. */
static void layout_v1(void **state)
{
	struct tpm2_fx *fx = *state;
	ESYS_CONTEXT *esys;
	ESYS_TR nv = ESYS_TR_NONE;
	TPM2B_NV_PUBLIC *pub = NULL;
	TPM2B_MAX_NV_BUFFER *rec = NULL;
	TPM2B_MAX_NV_BUFFER data;
	TPM2B_AUTH auth = { .size = 0 };
	struct hal_rot *rot = NULL;
	struct rot_tpm2_policy p;
	TPM2B_PUBLIC t;

	/* a version 1 distress key (userwithauth, no policy): under a version
	 * 2 record, open refuses it as not this layout's */
	rot_tpm2_template(ROT_TPM2_KIND_DISTRESS, &t);
	memset(&p, 0, sizeof(p));
	assert_int_equal(open_with_distress(fx, (t.publicArea.objectAttributes &
						 ~TPMA_OBJECT_ADMINWITHPOLICY) |
							TPMA_OBJECT_USERWITHAUTH,
					    p.digest),
			 MAYDAY_E_MALFORMED);
	/* the record again, as version 1 wrote it */
	esys = tpm2_fx_esys(fx);
	assert_int_equal(Esys_TR_FromTPMPublic(esys, ROT_TPM2_NV_LAYOUT, ESYS_TR_NONE,
					       ESYS_TR_NONE, ESYS_TR_NONE, &nv), TSS2_RC_SUCCESS);
	assert_int_equal(Esys_NV_ReadPublic(esys, nv, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
					    &pub, NULL), TSS2_RC_SUCCESS);
	assert_int_equal(Esys_NV_Read(esys, ESYS_TR_RH_OWNER, nv, ESYS_TR_PASSWORD, ESYS_TR_NONE,
				      ESYS_TR_NONE, pub->nvPublic.dataSize, 0, &rec),
			 TSS2_RC_SUCCESS);
	data = *rec;
	assert_int_equal(data.buffer[5], ROT_TPM2_LAYOUT_VERSION);
	data.buffer[5] = 1;
	assert_int_equal(Esys_NV_UndefineSpace(esys, ESYS_TR_RH_OWNER, nv, ESYS_TR_PASSWORD,
					       ESYS_TR_NONE, ESYS_TR_NONE), TSS2_RC_SUCCESS);
	pub->nvPublic.attributes &= ~(TPMA_NV_WRITTEN | TPMA_NV_WRITELOCKED);
	assert_int_equal(Esys_NV_DefineSpace(esys, ESYS_TR_RH_OWNER, ESYS_TR_PASSWORD,
					     ESYS_TR_NONE, ESYS_TR_NONE, &auth, pub, &nv),
			 TSS2_RC_SUCCESS);
	assert_int_equal(Esys_NV_Write(esys, ESYS_TR_RH_OWNER, nv, ESYS_TR_PASSWORD, ESYS_TR_NONE,
				       ESYS_TR_NONE, &data, 0), TSS2_RC_SUCCESS);
	assert_int_equal(Esys_NV_WriteLock(esys, ESYS_TR_RH_OWNER, nv, ESYS_TR_PASSWORD,
					   ESYS_TR_NONE, ESYS_TR_NONE), TSS2_RC_SUCCESS);
	/* and a version 1 counter */
	{
		ESYS_TR c = ESYS_TR_NONE;
		TPM2B_NV_PUBLIC v1 = { .nvPublic = {
			.nvIndex = ROT_TPM2_NV_CTR_ROLLBACK,
			.nameAlg = TPM2_ALG_SHA256,
			.attributes = TPMA_NV_AUTHWRITE | TPMA_NV_AUTHREAD | TPMA_NV_OWNERREAD |
				      TPMA_NV_NO_DA |
				      ((TPMA_NV)TPM2_NT_COUNTER << TPMA_NV_TPM2_NT_SHIFT),
			.dataSize = 8,
		} };

		assert_int_equal(Esys_TR_FromTPMPublic(esys, ROT_TPM2_NV_CTR_ROLLBACK,
						       ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
						       &c), TSS2_RC_SUCCESS);
		assert_int_equal(Esys_NV_UndefineSpace(esys, ESYS_TR_RH_OWNER, c,
						       ESYS_TR_PASSWORD, ESYS_TR_NONE,
						       ESYS_TR_NONE), TSS2_RC_SUCCESS);
		assert_int_equal(Esys_NV_DefineSpace(esys, ESYS_TR_RH_OWNER, ESYS_TR_PASSWORD,
						     ESYS_TR_NONE, ESYS_TR_NONE, &auth, &v1, &c),
				 TSS2_RC_SUCCESS);
		Esys_TR_Close(esys, &c);
	}
	Esys_Free(pub);
	Esys_Free(rec);
	Esys_TR_Close(esys, &nv);
	tpm2_fx_esys_close(esys);
	assert_int_equal(hal_rot_open_role(&rot, fx->tpm.spec, fx->f, HAL_ROT_ROLE_NORMAL),
			 MAYDAY_E_UNSUPPORTED);
	assert_null(rot);
	/* provisioning again takes all of it back: the TRE role's open checks
	 * the distress key's attributes and policy and both counters' policies,
	 * so it succeeds only if the version 1 key and counter were replaced */
	assert_int_equal(tpm2_fx_provision(fx, NULL), MAYDAY_OK);
	rot = tpm2_fx_open(fx, HAL_ROT_ROLE_TRE);
	assert_int_equal(hal_rot_self_test(rot), MAYDAY_OK);
	hal_rot_close(rot);
}

/* The TPM's own digest of `p` (a trial session): PolicyPCR on `value`
 * (any admitted state: a trial session checks nothing), PolicyOR of the
 * branches when there are two or more, PolicyCommandCode(p->cc). */
static void trial_whole(struct tpm2_fx *fx, const struct rot_tpm2_policy *p,
			const uint8_t value[HAL_ROT_REG_LEN], uint8_t out[32])
{
	ESYS_CONTEXT *esys = tpm2_fx_esys(fx);
	TPMT_SYM_DEF none = { .algorithm = TPM2_ALG_NULL };
	TPM2B_DIGEST d = { .size = 32 }, *pd = NULL;
	TPML_PCR_SELECTION sel;
	TPML_DIGEST list = { .count = p->n };
	ESYS_TR s = ESYS_TR_NONE;
	unsigned int len = 0;

	rot_tpm2_pcr_select(PCR, &sel);
	assert_int_equal(EVP_Digest(value, HAL_ROT_REG_LEN, d.buffer, &len, EVP_sha256(), NULL),
			 1);
	assert_int_equal(Esys_StartAuthSession(esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
					       ESYS_TR_NONE, ESYS_TR_NONE, NULL, TPM2_SE_TRIAL,
					       &none, TPM2_ALG_SHA256, &s), TSS2_RC_SUCCESS);
	assert_int_equal(Esys_PolicyPCR(esys, s, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &d,
					&sel), TSS2_RC_SUCCESS);
	for (unsigned j = 0; j < p->n; j++) {
		list.digests[j].size = 32;
		memcpy(list.digests[j].buffer, p->branch[j], 32);
	}
	if (p->n >= 2)
		assert_int_equal(Esys_PolicyOR(esys, s, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
					       &list), TSS2_RC_SUCCESS);
	assert_int_equal(Esys_PolicyCommandCode(esys, s, ESYS_TR_NONE, ESYS_TR_NONE,
						ESYS_TR_NONE, p->cc), TSS2_RC_SUCCESS);
	assert_int_equal(Esys_PolicyGetDigest(esys, s, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
					      &pd), TSS2_RC_SUCCESS);
	assert_int_equal(pd->size, 32);
	memcpy(out, pd->buffer, 32);
	Esys_Free(pd);
	assert_int_equal(Esys_FlushContext(esys, s), TSS2_RC_SUCCESS);
	tpm2_fx_esys_close(esys);
}

/* The software PolicyPCR digest is the TPM's (a trial session), and so is
 * every guard's whole policy (its branches, PolicyOR, PolicyCommandCode);
 * the TPM reports the measurement PCRs 8..15 as reset by nothing but a
 * TPM reset, and its resettable ones (16, 23 on swtpm) are refused. */
static void policy_sw_equals_tpm(void **state)
{
	struct tpm2_fx *fx = *state;
	static const uint8_t zeros[32];
	struct rot_tpm2_ctx ctx;
	struct rot_tpm2_policy p;
	uint8_t value[HAL_ROT_REG_LEN], sw[32], tpm[32];

	assert_int_equal(rot_tpm2_ctx_open(&ctx, fx->tpm.tcti), MAYDAY_OK);
	for (unsigned pcr = 8; pcr <= 15; pcr += 7) {
		memset(value, (int)pcr, sizeof(value));
		assert_int_equal(rot_tpm2_policy_pcr_sw(zeros, pcr, value, sw), MAYDAY_OK);
		assert_int_equal(rot_tpm2_policy_pcr(&ctx, pcr, value, tpm), MAYDAY_OK);
		assert_memory_equal(sw, tpm, 32);
	}
	assert_int_equal(rot_tpm2_policy_make(ROT_TPM2_GUARD_CREDS, PCR, fx->vendor, &p),
			 MAYDAY_OK);
	assert_int_equal(p.n, 1);
	assert_int_equal(p.cc, TPM2_CC_Sign);
	assert_int_equal(hal_rot_policy_released(fx->vendor, value), MAYDAY_OK);
	assert_int_equal(rot_tpm2_policy_pcr(&ctx, PCR, value, tpm), MAYDAY_OK);
	assert_memory_equal(p.branch[0], tpm, 32);
	for (unsigned pcr = ROT_TPM2_PCR_MIN; pcr <= ROT_TPM2_PCR_MAX; pcr++)
		assert_int_equal(rot_tpm2_pcr_check_props(&ctx, pcr), MAYDAY_OK);
	assert_int_equal(rot_tpm2_pcr_check_props(&ctx, 16), MAYDAY_E_UNSUPPORTED);
	assert_int_equal(rot_tpm2_pcr_check_props(&ctx, 23), MAYDAY_E_UNSUPPORTED);
	rot_tpm2_ctx_close(&ctx);
	for (unsigned g = 0; g < ROT_TPM2_GUARD__COUNT; g++) {
		uint8_t states[ROT_TPM2_BRANCH_MAX][HAL_ROT_REG_LEN];
		unsigned n;

		assert_int_equal(rot_tpm2_policy_make((enum rot_tpm2_guard)g, PCR, fx->vendor,
						      &p), MAYDAY_OK);
		if (g == ROT_TPM2_GUARD_CREDS) {
			assert_int_equal(hal_rot_policy_released(fx->vendor, states[0]), MAYDAY_OK);
			n = 1;
		} else {
			n = admitted(fx, (enum rot_tpm2_guard)g, states);
		}
		assert_int_equal(p.n, n);
		for (unsigned i = 0; i < n; i++) {
			assert_int_equal(rot_tpm2_ctx_open(&ctx, fx->tpm.tcti), MAYDAY_OK);
			assert_int_equal(rot_tpm2_policy_pcr(&ctx, PCR, states[i], tpm), MAYDAY_OK);
			rot_tpm2_ctx_close(&ctx);
			assert_memory_equal(p.branch[i], tpm, 32);
		}
		trial_whole(fx, &p, states[n - 1], tpm);
		assert_memory_equal(p.digest, tpm, 32);
	}
}

/* The DCF reasons are enum mayday_reason's, all of them: a reason added
 * there without raising ROT_TPM2_REASON_LAST fails here (its DCF could not
 * sign). */
static void reasons_cover_enum(void **state)
{
	(void)state;
	for (uint32_t r = ROT_TPM2_REASON_FIRST; r <= ROT_TPM2_REASON_LAST; r++)
		assert_string_not_equal(mayday_reason_name(r), "unknown");
	assert_string_equal(mayday_reason_name(ROT_TPM2_REASON_LAST + 1), "unknown");
	assert_string_equal(mayday_reason_name(0), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(normal_state_refused, tpm2_fx_setup,
						tpm2_fx_teardown),
		cmocka_unit_test_setup_teardown(dcf_states, tpm2_fx_setup, tpm2_fx_teardown),
		cmocka_unit_test_setup_teardown(tre_state, tpm2_fx_setup, tpm2_fx_teardown),
		cmocka_unit_test_setup_teardown(open_refuses_foreign_policy, tpm2_fx_setup,
						tpm2_fx_teardown),
		cmocka_unit_test_setup_teardown(layout_v1, tpm2_fx_setup, tpm2_fx_teardown),
		cmocka_unit_test_setup_teardown(policy_sw_equals_tpm, tpm2_fx_setup_bare,
						tpm2_fx_teardown),
		cmocka_unit_test_setup_teardown(keys_pinned_to_command, tpm2_fx_setup,
						tpm2_fx_teardown),
		cmocka_unit_test(reasons_cover_enum),
	};

	swtpm_fixture_require();
	return cmocka_run_group_tests(tests, NULL, NULL);
}

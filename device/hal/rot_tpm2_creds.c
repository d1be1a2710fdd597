/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The device credentials' key of the tpm2 backend (rot_tpm2.h; docs/rot.md
 * "TPM 2.0 backend"): an ECC P-256 signing key made in the TPM at
 * provisioning (fixedtpm, fixedparent: never exported), whose only
 * authorization is its policy -- userWithAuth is clear, so the empty
 * password does not do -- PolicyPCR(sha256:pcr = hal_rot_policy_released),
 * the value the PCR holds only while normal code runs after a verified
 * start-up. The TPM, not this code, refuses a signature in any other state
 * (PCR zero, a DCF's failed value, verified but not yet released); no
 * software can bring the PCR to that value otherwise (rot.h, "Measurement
 * register").
 */
#include "rot_tpm2.h"

enum mayday_err rot_tpm2_creds_policy(struct rot_tpm2_ctx *ctx, unsigned pcr, EVP_PKEY *vendor,
				      uint8_t digest[32])
{
	uint8_t value[HAL_ROT_REG_LEN];
	enum mayday_err err = hal_rot_policy_released(vendor, value);

	return err != MAYDAY_OK ? err : rot_tpm2_policy_pcr(ctx, pcr, value, digest);
}

enum mayday_err rot_tpm2_creds_open(struct rot_tpm2_ctx *ctx, unsigned pcr, EVP_PKEY *vendor,
				    ESYS_TR *tr, EVP_PKEY **pub)
{
	uint8_t policy[32];
	enum mayday_err err = rot_tpm2_creds_policy(ctx, pcr, vendor, policy);

	if (err == MAYDAY_OK)
		err = rot_tpm2_key_open(ctx, ROT_TPM2_CREDS, ROT_TPM2_KIND_CREDS, policy, tr, pub);
	return err;
}

enum mayday_err rot_tpm2_creds_sign(struct rot_tpm2_ctx *ctx, ESYS_TR key, unsigned pcr,
				    const uint8_t digest[32], uint8_t sig[64])
{
	uint8_t reg[HAL_ROT_REG_LEN];
	ESYS_TR s = ESYS_TR_NONE;
	enum mayday_err err = rot_tpm2_policy_session_pcr(ctx, pcr, &s, reg);

	if (err == MAYDAY_OK)
		err = rot_tpm2_sign_auth(ctx, key, s, digest, sig);
	rot_tpm2_flush(ctx, &s);
	return err;
}

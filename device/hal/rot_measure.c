/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The measurement register's values (see rot.h, "Measurement register"):
 * pure functions, so mayday-provision computes the policy a blob is sealed
 * to with the very code mayday-boot's extensions run through.
 *
 * Every event is SHA-256(label || 0x00 || data) with its own label, so no
 * event of one kind can equal an event of another; extending is
 * reg' = SHA-256(reg || event), as a TPM's PCR extend with SHA-256.
 */
#include <string.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "mayday/keys.h"
#include "rot.h"

#define LABEL_VERIFIED "mayday start-up verified"
#define LABEL_FAILED   "mayday start-up failed"
#define LABEL_RELEASED "mayday device credentials released"

static void event(const char *label, const uint8_t *data, size_t len,
		  uint8_t ev[HAL_ROT_REG_LEN])
{
	uint8_t buf[64 + 1 + HAL_ROT_REG_LEN];
	size_t n = strlen(label);

	memcpy(buf, label, n);
	buf[n++] = 0;
	if (len > 0)
		memcpy(buf + n, data, len);
	mayday_sha256(buf, n + len, ev);
}

enum mayday_err hal_rot_event_verified(EVP_PKEY *vendor, uint8_t ev[HAL_ROT_REG_LEN])
{
	uint8_t id[MAYDAY_DIGEST_LEN];
	unsigned char *der = NULL;
	int n;

	if (vendor == NULL || ev == NULL)
		return MAYDAY_E_INVALID;
	n = i2d_PUBKEY(vendor, &der);
	if (n <= 0)
		return MAYDAY_E_KEY;
	mayday_sha256(der, (size_t)n, id);
	OPENSSL_free(der);
	event(LABEL_VERIFIED, id, sizeof(id), ev);
	return MAYDAY_OK;
}

void hal_rot_event_failed(uint32_t reason, uint8_t ev[HAL_ROT_REG_LEN])
{
	const uint8_t be[4] = { (uint8_t)(reason >> 24), (uint8_t)(reason >> 16),
				(uint8_t)(reason >> 8), (uint8_t)reason };

	event(LABEL_FAILED, be, sizeof(be), ev);
}

void hal_rot_event_released(uint8_t ev[HAL_ROT_REG_LEN])
{
	event(LABEL_RELEASED, NULL, 0, ev);
}

void hal_rot_reg_extend(uint8_t reg[HAL_ROT_REG_LEN], const uint8_t ev[HAL_ROT_REG_LEN])
{
	uint8_t buf[2 * HAL_ROT_REG_LEN];

	memcpy(buf, reg, HAL_ROT_REG_LEN);
	memcpy(buf + HAL_ROT_REG_LEN, ev, HAL_ROT_REG_LEN);
	mayday_sha256(buf, sizeof(buf), reg);
}

enum mayday_err hal_rot_policy_verified(EVP_PKEY *vendor, uint8_t policy[HAL_ROT_REG_LEN])
{
	uint8_t ev[HAL_ROT_REG_LEN];
	enum mayday_err err = hal_rot_event_verified(vendor, ev);

	if (err != MAYDAY_OK)
		return err;
	memset(policy, 0, HAL_ROT_REG_LEN);
	hal_rot_reg_extend(policy, ev);
	return MAYDAY_OK;
}

enum mayday_err hal_rot_policy_released(EVP_PKEY *vendor, uint8_t policy[HAL_ROT_REG_LEN])
{
	uint8_t ev[HAL_ROT_REG_LEN];
	enum mayday_err err = hal_rot_policy_verified(vendor, policy);

	if (err != MAYDAY_OK)
		return err;
	hal_rot_event_released(ev);
	hal_rot_reg_extend(policy, ev);
	return MAYDAY_OK;
}

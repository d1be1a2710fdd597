/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private to the file RoT backend: the sealed device-credentials blob.
 *
 * The file backend's model of a TPM sealed object with a PCR policy: the
 * blob is AES-256-GCM under a key derived (HKDF-SHA256) from the RoT's seal
 * secret (salt = the measurement register value, info = ROT_SEAL_INFO), so
 * it opens only with the register value it was sealed to -- the value a
 * verified start-up produces (hal_rot_policy_verified). Any other register
 * value, like a damaged blob, fails the GCM tag: MAYDAY_E_SIGNATURE.
 *
 * Blob layout (stored item, so hostile on read): "MDS1" (4 bytes, also the
 * AAD) || 12-byte random nonce || ciphertext (= plaintext length) ||
 * 16-byte tag. At most ROT_SEAL_BLOB_MAX bytes.
 */
#ifndef MAYDAY_HAL_ROT_SEAL_H
#define MAYDAY_HAL_ROT_SEAL_H

#include <stddef.h>
#include <stdint.h>

#include "mayday/error.h"
#include "rot.h"

/* The blob's item in HAL_PART_ROT, whichever backend holds the secret. */
#define ROT_SEAL_BLOB_ITEM  "device-creds.sealed"
#define ROT_SEAL_SECRET_LEN 32
#define ROT_SEAL_OVERHEAD   (4 + 12 + 16)
#define ROT_SEAL_BLOB_MAX   (HAL_ROT_CREDS_MAX + ROT_SEAL_OVERHEAD)

/* Seals plain[0..len) (1..HAL_ROT_CREDS_MAX bytes) to `policy` into out
 * (ROT_SEAL_BLOB_MAX bytes suffice). */
MAYDAY_NODISCARD enum mayday_err rot_seal(const uint8_t secret[ROT_SEAL_SECRET_LEN],
					  const uint8_t policy[HAL_ROT_REG_LEN],
					  const uint8_t *plain, size_t len, uint8_t *out,
					  size_t cap, size_t *out_len);

/* Opens `blob` with the register value `reg` into out (cap >= the blob's
 * plaintext). MAYDAY_E_MALFORMED for a blob of the wrong shape,
 * MAYDAY_E_SIGNATURE when the tag fails (another register value, or
 * damage), MAYDAY_E_TOOBIG if out is too small. On error out is wiped. */
MAYDAY_NODISCARD enum mayday_err rot_unseal(const uint8_t secret[ROT_SEAL_SECRET_LEN],
					    const uint8_t reg[HAL_ROT_REG_LEN],
					    const uint8_t *blob, size_t len, uint8_t *out,
					    size_t cap, size_t *out_len);

#endif

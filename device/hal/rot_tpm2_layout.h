/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private to the tpm2 RoT backend: the layout record, NV index
 * ROT_TPM2_NV_LAYOUT, written last at provisioning and then write-locked.
 * It says how this TPM was provisioned; integers big-endian:
 *   offset  size
 *        0     4  magic "MDYT"
 *        4     2  format version, ROT_TPM2_LAYOUT_VERSION
 *        6     1  measurement PCR index (sha256 bank), 8..15
 *        7     1  flags: bit 0 the PSK's PRK object exists, bit 1 the seal
 *                 object exists, bit 2 the device credentials' key exists
 *                 (only with bit 1: its certificate is in the sealed
 *                 bundle); other bits zero
 *        8     8  base of the message counter (its raw value at provisioning)
 *       16     8  base of the anti-rollback counter
 *       24     1  psk_kid length: 0 without a PSK, else MAYDAY_PSK_KID_MIN..MAX
 *       25    16  psk_kid, zero-padded
 *       41     2  N, the distress key's SPKI length, 1..ROT_TPM2_SPKI_MAX
 *       43     N  the distress key's SubjectPublicKeyInfo, DER
 * The record is read from the TPM, so the decoder treats it as hostile: it
 * never reads past `len`, accepts exactly 43 + N bytes, and writes `out`
 * only when the whole record is good. The SPKI's content is checked by the
 * caller (a P-256 key, and the key the TPM holds).
 */
#ifndef MAYDAY_HAL_ROT_TPM2_LAYOUT_H
#define MAYDAY_HAL_ROT_TPM2_LAYOUT_H

#include <stddef.h>
#include <stdint.h>

#include "mayday/error.h"
#include "mayday/psk.h"
#include "rot.h"

/* 2: the distress key, the PRK and the counters' writes are bound to the
 * PCR states of the roles that use them (rot_tpm2_policy.c); a version 1 record
 * (their empty auth values open to anyone) is MAYDAY_E_UNSUPPORTED:
 * provision again. */
#define ROT_TPM2_LAYOUT_VERSION   2u
#define ROT_TPM2_SPKI_MAX         128 /* a P-256 SPKI is 91 bytes */
#define ROT_TPM2_LAYOUT_FIXED     43
#define ROT_TPM2_LAYOUT_MAX       (ROT_TPM2_LAYOUT_FIXED + ROT_TPM2_SPKI_MAX)
#define ROT_TPM2_FLAG_PSK         0x01u
#define ROT_TPM2_FLAG_SEAL        0x02u
#define ROT_TPM2_FLAG_CREDS       0x04u
#define ROT_TPM2_PCR_MIN          8u  /* 0..7: the firmware's */
#define ROT_TPM2_PCR_MAX          15u /* 16, 23: resettable; 17..22: DRTM, locality > 0 */

struct rot_tpm2_layout {
	unsigned pcr;
	unsigned flags;
	uint64_t base[HAL_ROT_COUNTER__COUNT];
	uint8_t psk_kid[MAYDAY_PSK_KID_MAX];
	size_t psk_kid_len;
	uint8_t spki[ROT_TPM2_SPKI_MAX];
	size_t spki_len;
};

/* MAYDAY_E_INVALID if `in` breaks the rules above; else the record in
 * out (ROT_TPM2_LAYOUT_MAX bytes suffice) and its length. */
MAYDAY_NODISCARD enum mayday_err rot_tpm2_layout_encode(const struct rot_tpm2_layout *in,
							uint8_t *out, size_t cap,
							size_t *out_len);
/* MAYDAY_E_MALFORMED for anything but a record of this format;
 * MAYDAY_E_UNSUPPORTED for a well-formed header of another version. */
MAYDAY_NODISCARD enum mayday_err rot_tpm2_layout_decode(const uint8_t *rec, size_t len,
							struct rot_tpm2_layout *out);

#endif

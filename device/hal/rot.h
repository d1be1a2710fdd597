/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Root of Trust HAL: secure storage for the device ID, the distress signing
 * key, the PSK of the PSK distress method, the trust anchors and the
 * monotonic counters.
 *
 * The signing key never leaves the RoT: callers get a mayday_signer whose
 * callback signs inside the backend (a TPM backend signs in the TPM).
 * Neither does the PSK: callers get the keys derived from it
 * (hal_rot_psk_keys).
 * Counters never go backwards and survive power cuts: the new value is
 * durable before any call that advanced it returns.
 *
 * Backends by name: "file" (embedded default; the HAL_PART_ROT partition of
 * the flash HAL, so flash fault injection applies to it too).
 */
#ifndef MAYDAY_HAL_ROT_H
#define MAYDAY_HAL_ROT_H

#include <stdint.h>
#include <openssl/evp.h>

#include "mayday/cose.h"
#include "mayday/error.h"
#include "mayday/limits.h"
#include "mayday/psk.h"
#include "flash.h"

enum hal_rot_counter {
	HAL_ROT_COUNTER_MESSAGE  = 0, /* distress message counter (COSE partial IV, replay defence) */
	HAL_ROT_COUNTER_ROLLBACK = 1, /* anti-rollback: lowest acceptable manifest rollback value */
	HAL_ROT_COUNTER__COUNT
};

enum hal_rot_anchor {
	HAL_ROT_ANCHOR_VENDOR = 0, /* vendor image/DCF signing public key */
	HAL_ROT_ANCHOR_HEMS   = 1, /* H(e)MS acknowledgement signing public key */
	HAL_ROT_ANCHOR__COUNT
};

struct hal_rot;

/* `spec`: "file"; NULL means the MAYDAY_ROT environment variable, else "file".
 * `flash` is borrowed and must outlive the RoT. Every item is loaded and
 * checked here: MAYDAY_E_NOTFOUND if one is missing, MAYDAY_E_MALFORMED if
 * the device ID, the counters record or the PSK is damaged, MAYDAY_E_KEY if
 * a key is unreadable, not P-256 or fails its check (the distress key: its
 * private and public halves disagree, or it is not the key it was
 * provisioned with), MAYDAY_E_UNSUPPORTED for an unknown counters format. The PSK is the one optional item: a RoT without it opens
 * (hal_rot_psk_keys then says MAYDAY_E_NOTFOUND), one with half of it (a
 * psk_kid without a PSK, or the reverse) or with a PSK or kid of the wrong
 * size does not. A corrupted counters record is never reset: the TrE halts. */
MAYDAY_NODISCARD enum mayday_err hal_rot_open(struct hal_rot **out, const char *spec,
					      struct hal_flash *flash);
void hal_rot_close(struct hal_rot *rot); /* NULL-safe; wipes key material */

/* NUL-terminated; `out` holds MAYDAY_DEVICE_ID_MAX + 1 bytes. */
MAYDAY_NODISCARD enum mayday_err hal_rot_device_id(struct hal_rot *rot,
						   char out[MAYDAY_DEVICE_ID_MAX + 1]);
/* A signer over the distress key; kid = device ID. Valid while rot is open. */
MAYDAY_NODISCARD enum mayday_err hal_rot_signer(struct hal_rot *rot, struct mayday_signer *out);
/* The distress key's public half as provisioned (the key the H(e)MS
 * enrolled). Caller owns *out (EVP_PKEY_free). */
MAYDAY_NODISCARD enum mayday_err hal_rot_distress_public(struct hal_rot *rot, EVP_PKEY **out);
/* Known-answer test of the distress key, whatever the backend: one COSE
 * signature made through hal_rot_signer over a fixed payload must verify
 * with hal_rot_distress_public. MAYDAY_E_KEY if it does not (a device
 * whose indications nobody could verify), other errors as the calls it
 * makes. mayday-boot runs it at every start-up (device/boot/README.md). */
MAYDAY_NODISCARD enum mayday_err hal_rot_self_test(struct hal_rot *rot);
/* Caller owns *out (EVP_PKEY_free). */
MAYDAY_NODISCARD enum mayday_err hal_rot_anchor(struct hal_rot *rot, enum hal_rot_anchor which,
						EVP_PKEY **out);

/* The distress key as an OpenSSL key handle, for the DCF's TLS client (the
 * DCF partition's dcf-cert.pem certifies this key). Caller owns *out
 * (EVP_PKEY_free). This is a handle, not a copy of the key bytes: the file
 * backend hands a reference to the key it already holds in memory (wiped
 * when the last reference is freed); a TPM backend would hand a key object of
 * OpenSSL's tpm2 provider, so the TLS handshake signature is made inside the
 * TPM and the key never leaves it. Callers give it only to OpenSSL.
 * MAYDAY_E_UNSUPPORTED from a backend that offers no TLS key. */
MAYDAY_NODISCARD enum mayday_err hal_rot_tls_key(struct hal_rot *rot, EVP_PKEY **out);

/* The keys of the PSK distress method (docs/protocol.md §12.2), derived from
 * the device's PSK inside the backend; the PSK itself is never handed out.
 * The caller owns *out and wipes it (mayday_psk_keys_wipe) as soon as it is
 * done; on any error *out is wiped. MAYDAY_E_NOTFOUND if the device was
 * provisioned without a PSK; MAYDAY_E_UNSUPPORTED from a backend without
 * PSK storage.
 * The file backend keeps the PSK in memory while the RoT is open and runs
 * mayday_psk_derive. A TPM backend would import, at provisioning, the HKDF
 * pseudorandom key PRK = HKDF-Extract(salt = psk_kid, IKM = psk) as a
 * non-duplicable keyed-hash (HMAC-SHA256) object -- not the PSK itself,
 * since Extract keys its HMAC with the salt -- and run HKDF-Expand inside the
 * TPM: every derived value is at most 32 bytes, i.e. one TPM2_HMAC(PRK,
 * info || 0x01) each. Only the derived keys leave the TPM (AES-GCM runs in
 * software), and they are no use for anything but this method. */
MAYDAY_NODISCARD enum mayday_err hal_rot_psk_keys(struct hal_rot *rot,
						  struct mayday_psk_keys *out);

MAYDAY_NODISCARD enum mayday_err hal_rot_counter_read(struct hal_rot *rot,
						      enum hal_rot_counter which, uint64_t *value);
/* value+1, durably stored before it is returned in *value. Every counter call
 * re-reads the stored record (errors as for hal_rot_open); after a power cut
 * the stored value is the old one or the new one. MAYDAY_E_TOOBIG at UINT64_MAX. */
MAYDAY_NODISCARD enum mayday_err hal_rot_counter_next(struct hal_rot *rot,
						      enum hal_rot_counter which, uint64_t *value);
/* Raise to `to` (no-op if equal); MAYDAY_E_ROLLBACK if `to` is below the current value. */
MAYDAY_NODISCARD enum mayday_err hal_rot_counter_advance(struct hal_rot *rot,
							 enum hal_rot_counter which, uint64_t to);

/* Provisioning of the file backend (mayday-provision only): writes the RoT
 * partition with the given identity, key (and its public half, which open
 * checks the key against) and anchors, counters at zero
 * (each item with hal_flash_write_atomic; an existing RoT is overwritten).
 * The device ID doubles as the COSE kid, so it must be 1..MAYDAY_KID_MAX
 * bytes of printable ASCII without spaces (else MAYDAY_E_INVALID); all keys
 * must be P-256 (else MAYDAY_E_KEY). Keys are borrowed. */
MAYDAY_NODISCARD enum mayday_err hal_rot_file_provision(struct hal_flash *flash,
							const char *device_id,
							EVP_PKEY *distress_key,
							EVP_PKEY *vendor_pub, EVP_PKEY *hems_pub);

/* Provisioning of the file backend, after hal_rot_file_provision: stores the
 * device's PSK and its psk_kid (kid_len MAYDAY_PSK_KID_MIN..MAX, else
 * MAYDAY_E_INVALID), each with hal_flash_write_atomic, replacing any PSK the
 * RoT had. The two are separate items: should the process die between them,
 * the RoT holds a kid without a PSK (or, when replacing, a kid and a PSK that
 * do not belong together), which hal_rot_open rejects or the H(e)MS refuses;
 * provision the device again. Borrowed; the caller wipes `psk`. */
MAYDAY_NODISCARD enum mayday_err hal_rot_file_provision_psk(struct hal_flash *flash,
							    const uint8_t psk[MAYDAY_PSK_LEN],
							    const uint8_t *kid, size_t kid_len);

#endif

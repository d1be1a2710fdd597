/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The PSK distress method: the signed indication (COSE_Sign1 bytes,
 * unchanged) sealed in a COSE_Encrypt0 (RFC 9052 §5.2) with AES-256-GCM
 * under a key derived from a per-device pre-shared key, and the signed
 * acknowledgement sealed the same way in the other direction.
 * Wire format and test vectors: docs/protocol.md §12.
 *
 * Request (device -> H(e)MS): unprotected header {4: psk_kid, 6: partial IV};
 * the partial IV is the RoT message counter, so the nonce (request base IV
 * XOR counter) is unique as long as the counter is persisted before use and
 * a counter never seals two different plaintexts.
 * Response (H(e)MS -> device): unprotected header {5: IV}, a fresh random
 * 12-byte IV per response (a server answers every retransmission, and every
 * signed ack is new bytes), bound to the request by using the request's
 * partial IV as external AAD.
 *
 * Ownership: all buffers are the caller's; nothing is allocated that
 * outlives a call. struct mayday_psk_keys holds secrets: release it with
 * mayday_psk_keys_wipe. Plaintext and ciphertext buffers must not overlap.
 */
#ifndef MAYDAY_PSK_H
#define MAYDAY_PSK_H

#include <stddef.h>
#include <stdint.h>

#include "mayday/error.h"
#include "mayday/limits.h"

#define MAYDAY_PSK_LEN       32  /* the pre-shared key, random, per device */
#define MAYDAY_PSK_KID_MIN   8   /* psk_kid: random, assigned with the PSK */
#define MAYDAY_PSK_KID_MAX   16
#define MAYDAY_PSK_KID_GEN   8   /* what mayday_psk_generate draws */
#define MAYDAY_PSK_KEY_LEN   32  /* AES-256-GCM key (COSE alg 3, A256GCM) */
#define MAYDAY_PSK_IV_LEN    12  /* GCM nonce */
#define MAYDAY_PSK_TAG_LEN   16  /* GCM tag, appended to the ciphertext */
#define MAYDAY_PSK_PIV_MAX   8   /* partial IV: a uint64 counter, minimal big-endian */

/* HKDF-SHA256 info strings of the three derived values (no NUL): a RoT
 * that runs HKDF-Expand itself (the tpm2 backend) uses the same ones. */
#define MAYDAY_PSK_INFO_REQUEST_KEY  "mayday psk v1 request key"
#define MAYDAY_PSK_INFO_REQUEST_IV   "mayday psk v1 request iv"
#define MAYDAY_PSK_INFO_RESPONSE_KEY "mayday psk v1 response key"

/* Keys derived from one device's PSK (HKDF-SHA256, salt = psk_kid). */
struct mayday_psk_keys {
	uint8_t request_key[MAYDAY_PSK_KEY_LEN];
	uint8_t request_iv[MAYDAY_PSK_IV_LEN];   /* base IV, XORed with the partial IV */
	uint8_t response_key[MAYDAY_PSK_KEY_LEN];
	uint8_t kid[MAYDAY_PSK_KID_MAX];         /* psk_kid, sent in every request */
	size_t kid_len;
};

/* The unprotected header of a request. */
struct mayday_psk_header {
	uint8_t kid[MAYDAY_PSK_KID_MAX];
	size_t kid_len;
	uint64_t counter;                        /* the partial IV, >= 1 */
};

/* Provisioning: a fresh random PSK and a random psk_kid of MAYDAY_PSK_KID_GEN
 * bytes (never derived from the device ID). The caller wipes `psk`. Kids must
 * be unique per H(e)MS: the enrolment checks, this does not. */
MAYDAY_NODISCARD enum mayday_err
mayday_psk_generate(uint8_t psk[MAYDAY_PSK_LEN], uint8_t kid[MAYDAY_PSK_KID_GEN]);

/* Derive the keys. psk_len must be MAYDAY_PSK_LEN and kid_len within
 * MAYDAY_PSK_KID_MIN..MAX, else MAYDAY_E_KEY. On error *keys is wiped. */
MAYDAY_NODISCARD enum mayday_err
mayday_psk_derive(const uint8_t *psk, size_t psk_len, const uint8_t *kid, size_t kid_len,
		  struct mayday_psk_keys *keys);

/* OPENSSL_cleanse the whole struct. NULL is fine. */
void mayday_psk_keys_wipe(struct mayday_psk_keys *keys);

/* Device: seal `pt` (the signed indication, at most MAYDAY_INDICATION_MAX
 * bytes) under `counter` (>= 1; 0 is MAYDAY_E_INVALID). Deterministic: the
 * same keys, counter and plaintext give the same bytes, so retransmitting or
 * re-sealing the same plaintext is safe; sealing a different plaintext under
 * a counter already used is a nonce reuse and MUST NOT happen.
 * MAYDAY_E_TOOBIG if pt or the result does not fit. */
MAYDAY_NODISCARD enum mayday_err
mayday_psk_seal_request(const struct mayday_psk_keys *keys, uint64_t counter,
			const uint8_t *pt, size_t pt_len,
			uint8_t *out, size_t out_cap, size_t *out_len);

/* H(e)MS: decode a request without decrypting it, to find the device's PSK
 * by hdr->kid. Checks everything but the ciphertext's tag: size limit, strict
 * deterministic CBOR, tag 16, alg A256GCM, no crit, no other header labels,
 * kid length, partial IV minimal and at most 8 bytes, no trailing bytes.
 * Errors as in docs/protocol.md §12, with the offset in diag. */
MAYDAY_NODISCARD enum mayday_err
mayday_psk_peek_kid(const uint8_t *in, size_t in_len, struct mayday_psk_header *hdr,
		    struct mayday_diag *diag);

/* H(e)MS: decode (as mayday_psk_peek_kid) and decrypt a request with the
 * keys found for its kid. A kid other than keys->kid is MAYDAY_E_KEY; a tag
 * that does not verify is MAYDAY_E_SIGNATURE. Plaintext goes to pt (pt_cap
 * >= ciphertext length - 16, else MAYDAY_E_TOOBIG); on any error nothing of
 * it is left there and *pt_len = 0. The caller then opens the signed
 * indication and MUST check its counter claim equals hdr->counter and its
 * device ID is the device the kid belongs to. */
MAYDAY_NODISCARD enum mayday_err
mayday_psk_open_request(const struct mayday_psk_keys *keys, const uint8_t *in, size_t in_len,
			struct mayday_psk_header *hdr, uint8_t *pt, size_t pt_cap,
			size_t *pt_len, struct mayday_diag *diag);

/* H(e)MS: seal `pt` (the signed acknowledgement, at most MAYDAY_ACK_MAX
 * bytes) as the answer to the request sealed under `counter`, with a fresh
 * random IV (OpenSSL's RAND_bytes; failure: MAYDAY_E_INTERNAL). */
MAYDAY_NODISCARD enum mayday_err
mayday_psk_seal_response(const struct mayday_psk_keys *keys, uint64_t counter,
			 const uint8_t *pt, size_t pt_len,
			 uint8_t *out, size_t out_cap, size_t *out_len);

/* Device: decode and decrypt a response to the request sealed under
 * `counter`. A response to another counter, or sealed with other keys, does
 * not verify (MAYDAY_E_SIGNATURE). Decode errors as for requests. Plaintext
 * as in mayday_psk_open_request; the caller then verifies the signed ack. */
MAYDAY_NODISCARD enum mayday_err
mayday_psk_open_response(const struct mayday_psk_keys *keys, uint64_t counter,
			 const uint8_t *in, size_t in_len, uint8_t *pt, size_t pt_cap,
			 size_t *pt_len, struct mayday_diag *diag);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * COSE_Encrypt0 (RFC 9052 §5.2), tagged (16), with A256GCM (RFC 9053 §4.1),
 * in the two shapes of the PSK method (docs/protocol.md §12). Private to
 * libmayday; psk.c derives the keys and nonces, this layer only frames and
 * seals.
 */
#ifndef MAYDAY_COSE_ENCRYPT0_H
#define MAYDAY_COSE_ENCRYPT0_H

#include <stddef.h>
#include <stdint.h>

#include "mayday/error.h"
#include "mayday/psk.h"

enum cose_encrypt0_kind {
	COSE_ENCRYPT0_REQUEST,   /* unprotected {4: kid, 6: partial IV} */
	COSE_ENCRYPT0_RESPONSE   /* unprotected {5: IV} */
};

/* The unprotected header. Pointers are borrowed (from the caller when
 * sealing, from the input when decoding). */
struct cose_encrypt0_hdr {
	enum cose_encrypt0_kind kind;
	const uint8_t *kid;      /* REQUEST: MAYDAY_PSK_KID_MIN..MAX bytes */
	size_t kid_len;
	uint64_t piv;            /* REQUEST: partial IV as an integer, >= 1 */
	const uint8_t *iv;       /* RESPONSE: MAYDAY_PSK_IV_LEN bytes */
};

/* A decoded message; pointers into the input buffer. */
struct cose_encrypt0 {
	struct cose_encrypt0_hdr hdr;
	const uint8_t *protected_hdr;   /* serialized, exactly {1: 3} */
	size_t protected_len;
	const uint8_t *ciphertext;      /* including the 16-byte tag */
	size_t ciphertext_len;
	size_t kid_off;                 /* message offsets, for diagnostics */
	size_t ciphertext_off;
};

/* Partial IV encoding of v >= 1: big-endian, no leading zero byte. Returns
 * the length (1..MAYDAY_PSK_PIV_MAX). */
size_t cose_encrypt0_piv(uint64_t v, uint8_t out[MAYDAY_PSK_PIV_MAX]);

/* Frame and seal `pt` into `out`. `nonce` is the full GCM nonce;
 * `ext_aad` the Enc_structure's external_aad (may be empty). */
MAYDAY_NODISCARD enum mayday_err
cose_encrypt0_seal(const uint8_t key[MAYDAY_PSK_KEY_LEN], const uint8_t nonce[MAYDAY_PSK_IV_LEN],
		   const struct cose_encrypt0_hdr *hdr, const uint8_t *ext_aad, size_t ext_aad_len,
		   const uint8_t *pt, size_t pt_len, uint8_t *out, size_t out_cap,
		   size_t *out_len);

/* Strict structural decode of a message of `kind`: at most max_len bytes,
 * plaintext at most pt_max bytes. Does not decrypt. */
MAYDAY_NODISCARD enum mayday_err
cose_encrypt0_decode(const uint8_t *in, size_t in_len, size_t max_len, size_t pt_max,
		     enum cose_encrypt0_kind kind, struct cose_encrypt0 *msg,
		     struct mayday_diag *diag);

/* Decrypt and authenticate a decoded message. MAYDAY_E_SIGNATURE if the tag
 * does not verify, with pt cleansed and *pt_len = 0. */
MAYDAY_NODISCARD enum mayday_err
cose_encrypt0_open(const struct cose_encrypt0 *msg, const uint8_t key[MAYDAY_PSK_KEY_LEN],
		   const uint8_t nonce[MAYDAY_PSK_IV_LEN], const uint8_t *ext_aad,
		   size_t ext_aad_len, uint8_t *pt, size_t pt_cap, size_t *pt_len,
		   struct mayday_diag *diag);

#endif

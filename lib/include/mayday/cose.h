/* SPDX-License-Identifier: Apache-2.0 */
/*
 * COSE_Sign1 (RFC 9052 §4.2) with ES256 (RFC 9053 §2.1), tagged (18).
 *
 * Profile (see docs/protocol.md): protected header is exactly {1: -7};
 * unprotected header is {4: kid} (kid a byte string, 1..MAYDAY_KID_MAX bytes)
 * or empty; payload is an embedded byte string; signature is 64 bytes r||s.
 * A protected header carrying `crit` (2) or any label other than 1 is
 * rejected with MAYDAY_E_CRITICAL / MAYDAY_E_UNSUPPORTED.
 *
 * Signing goes through a callback so a key that never leaves the RoT
 * (TPM) signs the same way as an OpenSSL key.
 */
#ifndef MAYDAY_COSE_H
#define MAYDAY_COSE_H

#include <stddef.h>
#include <stdint.h>
#include <openssl/evp.h>

#include "mayday/error.h"
#include "mayday/limits.h"

/* Produce an ES256 signature (64 bytes r||s) over `tbs` (the Sig_structure). */
typedef enum mayday_err (*mayday_sign_fn)(void *ctx, const uint8_t *tbs, size_t tbs_len,
					  uint8_t sig[MAYDAY_ES256_SIG_LEN]);

struct mayday_signer {
	mayday_sign_fn sign;
	void *ctx;
	uint8_t kid[MAYDAY_KID_MAX];
	size_t kid_len;           /* 0: no kid in the unprotected header */
};

/* A signer over an OpenSSL P-256 private key. `pkey` is borrowed: it must
 * outlive the signer; the caller frees it. */
MAYDAY_NODISCARD enum mayday_err
mayday_signer_from_pkey(struct mayday_signer *signer, EVP_PKEY *pkey,
			const uint8_t *kid, size_t kid_len);

/* A signer like mayday_signer_from_pkey that keeps its OpenSSL contexts
 * between signatures, for signing many messages (maydayd's acks). It is for
 * one thread at a time. `pkey` is borrowed and must outlive the signer.
 * Release with mayday_signer_close. */
MAYDAY_NODISCARD enum mayday_err
mayday_signer_open(struct mayday_signer *signer, EVP_PKEY *pkey,
		   const uint8_t *kid, size_t kid_len);
/* Frees what mayday_signer_open allocated and clears the signer. Does
 * nothing for a NULL signer or one not made by mayday_signer_open. */
void mayday_signer_close(struct mayday_signer *signer);

/* Sign `payload` into a tagged COSE_Sign1 written to `out` (caller's buffer).
 * MAYDAY_E_TOOBIG if it does not fit in out_cap. */
MAYDAY_NODISCARD enum mayday_err
mayday_cose_sign1_encode(const struct mayday_signer *signer,
			 const uint8_t *payload, size_t payload_len,
			 uint8_t *out, size_t out_cap, size_t *out_len);

/* A decoded COSE_Sign1. All pointers point into the input buffer passed to
 * mayday_cose_sign1_decode, which must outlive this struct. */
struct mayday_cose_sign1 {
	const uint8_t *protected_hdr;  /* the serialized protected header bytes */
	size_t protected_len;
	const uint8_t *payload;
	size_t payload_len;
	const uint8_t *signature;      /* MAYDAY_ES256_SIG_LEN bytes */
	uint8_t kid[MAYDAY_KID_MAX];
	size_t kid_len;                /* 0 when absent */
};

/* Structural decode only; does not verify. Rejects inputs larger than
 * max_len, trailing bytes, wrong tag, wrong algorithm, crit. */
MAYDAY_NODISCARD enum mayday_err
mayday_cose_sign1_decode(const uint8_t *in, size_t in_len, size_t max_len,
			 struct mayday_cose_sign1 *out, struct mayday_diag *diag);

/* Verify the signature with a P-256 public key. MAYDAY_E_SIGNATURE if bad. */
MAYDAY_NODISCARD enum mayday_err
mayday_cose_sign1_verify(const struct mayday_cose_sign1 *msg, EVP_PKEY *pub);

/* A verifier for hot paths: the same check as mayday_cose_sign1_verify,
 * without OpenSSL's per-call set-up. It keeps a SHA-256 context and, for up
 * to `keys` public keys (rounded up to a power of two, direct-mapped by the
 * key's address), a verification context holding a reference to the key.
 * Such a key stays allocated until its entry is replaced or the verifier
 * freed. For one thread at a time. Caller owns *out. */
#define MAYDAY_COSE_VERIFIER_KEYS_MAX (1u << 20)
struct mayday_cose_verifier;
MAYDAY_NODISCARD enum mayday_err mayday_cose_verifier_new(struct mayday_cose_verifier **out,
							  size_t keys);
void mayday_cose_verifier_free(struct mayday_cose_verifier *v); /* NULL-safe */
/* As mayday_cose_sign1_verify: MAYDAY_OK, MAYDAY_E_SIGNATURE if bad,
 * MAYDAY_E_KEY if `pub` is not a P-256 key. */
MAYDAY_NODISCARD enum mayday_err
mayday_cose_verifier_verify(struct mayday_cose_verifier *v,
			    const struct mayday_cose_sign1 *msg, EVP_PKEY *pub);

#endif

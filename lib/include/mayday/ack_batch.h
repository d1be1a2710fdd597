/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Batch acknowledgements (docs/protocol.md §7.2): the H(e)MS signs one
 * Merkle root over the claims of many acknowledgements, and each device
 * gets its own claims with the audit path to that root and the signed root.
 * The claims (struct mayday_ack, §7) mean exactly what they mean in a
 * single signed acknowledgement; only the proof of their origin differs.
 *
 *   H(e)MS:  mayday_ack_tree_new once; per batch: reset, add each ack's
 *            claims, sign (one ES256 signature), encode each leaf's message.
 *   device:  mayday_ack_verify_any takes either form; mayday_ack_peek reads
 *            either form's claims unverified (only to recognise an answer
 *            that does not verify, never to act on it).
 *
 * A batch acknowledgement that decodes but whose path does not lead to the
 * signed root, or whose root signature does not verify, is
 * MAYDAY_E_SIGNATURE: "does not verify", like a single ack with a bad
 * signature (§7.1).
 */
#ifndef MAYDAY_ACK_BATCH_H
#define MAYDAY_ACK_BATCH_H

#include <stddef.h>
#include <stdint.h>
#include <openssl/evp.h>

#include "mayday/cose.h"
#include "mayday/indication.h"

/* Bits of the indication's ack_forms claim (§6, key -65541): the
 * acknowledgement forms the device understands besides the single signed
 * one every device takes. */
#define MAYDAY_ACK_FORM_BATCH 0x1u
#define MAYDAY_ACK_FORMS_KNOWN MAYDAY_ACK_FORM_BATCH

/* The signed root's claims (§7.2). */
struct mayday_ack_root {
	uint64_t size;                         /* leaves, 1..MAYDAY_ACK_BATCH_LEAVES_MAX */
	uint8_t root[MAYDAY_DIGEST_LEN];       /* RFC 9162 tree hash */
};

MAYDAY_NODISCARD enum mayday_err
mayday_ack_root_encode(const struct mayday_ack_root *root, uint8_t *out, size_t out_cap,
		       size_t *out_len);
MAYDAY_NODISCARD enum mayday_err
mayday_ack_root_decode(const uint8_t *in, size_t in_len, struct mayday_ack_root *root,
		       struct mayday_diag *diag);

/* A batch acknowledgement decoded but not verified. Pointers point into the
 * input, which must outlive the struct. */
struct mayday_ack_batch {
	const uint8_t *claims;                 /* the ack-claims bytes: the leaf */
	size_t claims_len;
	uint64_t index;                        /* leaf index */
	uint8_t path[MAYDAY_ACK_BATCH_PATH_MAX][MAYDAY_DIGEST_LEN];
	size_t path_len;
	const uint8_t *root_cose;              /* the signed root (COSE_Sign1 bytes) */
	size_t root_cose_len;
};

/* Structure only (§7.2 CDDL, deterministic CBOR, at most MAYDAY_ACK_MAX
 * bytes, path of at most MAYDAY_ACK_BATCH_PATH_MAX digests). Nothing is
 * verified and the claims are not decoded. */
MAYDAY_NODISCARD enum mayday_err
mayday_ack_batch_decode(const uint8_t *in, size_t in_len, struct mayday_ack_batch *b,
			struct mayday_diag *diag);

/* Decode and verify a batch acknowledgement with the H(e)MS public key, in
 * this order: the root's COSE_Sign1 verifies and its claims decode; the
 * index is below the size, and the path has exactly the length RFC 9162
 * gives that index and size and leads from the leaf to the signed root;
 * then the leaf's claims decode (§7). *ack is zeroed unless MAYDAY_OK. */
MAYDAY_NODISCARD enum mayday_err
mayday_ack_batch_verify(const uint8_t *in, size_t in_len, EVP_PKEY *hems_pub,
			struct mayday_ack *ack, struct mayday_diag *diag);

/* Either form: a tagged COSE_Sign1 (first byte 0xd2) is a single signed
 * acknowledgement (mayday_ack_verify), a 4-item array (0x84) a batch one. */
MAYDAY_NODISCARD enum mayday_err
mayday_ack_verify_any(const uint8_t *in, size_t in_len, EVP_PKEY *hems_pub,
		      struct mayday_ack *ack, struct mayday_diag *diag);
/* Either form's claims, decoded WITHOUT verifying anything. */
MAYDAY_NODISCARD enum mayday_err
mayday_ack_peek(const uint8_t *in, size_t in_len, struct mayday_ack *ack,
		struct mayday_diag *diag);
/* 1 for the batch form's first byte, 0 otherwise (no other check). */
int mayday_ack_is_batch(const uint8_t *in, size_t in_len);

/* H(e)MS side. A tree of up to `max_leaves` (1..MAYDAY_ACK_BATCH_LEAVES_MAX)
 * leaves, reused batch after batch; for one thread at a time. The caller
 * owns *out and frees it with mayday_ack_tree_free (NULL-safe). */
struct mayday_ack_tree;
MAYDAY_NODISCARD enum mayday_err mayday_ack_tree_new(struct mayday_ack_tree **out,
						     size_t max_leaves);
void mayday_ack_tree_free(struct mayday_ack_tree *t);
/* Empties the tree for the next batch. */
void mayday_ack_tree_reset(struct mayday_ack_tree *t);
/* Adds the encoded claims of one ack (mayday_ack_encode_claims) as the next
 * leaf; *index is its leaf index. The bytes are hashed, not kept: the
 * caller gives them again to mayday_ack_tree_encode. MAYDAY_E_TOOBIG when
 * the tree is full; MAYDAY_E_INVALID after sign (reset first). */
MAYDAY_NODISCARD enum mayday_err
mayday_ack_tree_add(struct mayday_ack_tree *t, const uint8_t *claims, size_t claims_len,
		    size_t *index);
/* Builds the tree and signs its root: the batch's one signature. */
MAYDAY_NODISCARD enum mayday_err
mayday_ack_tree_sign(struct mayday_ack_tree *t, const struct mayday_signer *signer);
/* The batch acknowledgement of leaf `index`, whose claims are `claims` (the
 * bytes added as that leaf: checked against its hash, else
 * MAYDAY_E_INVALID). After sign. */
MAYDAY_NODISCARD enum mayday_err
mayday_ack_tree_encode(const struct mayday_ack_tree *t, size_t index, const uint8_t *claims,
		       size_t claims_len, uint8_t *out, size_t out_cap, size_t *out_len);
/* The signed root (valid after sign; points into the tree). */
const uint8_t *mayday_ack_tree_root(const struct mayday_ack_tree *t, size_t *len);

#endif

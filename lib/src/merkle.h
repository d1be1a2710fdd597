/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The Merkle tree of batch acknowledgements (docs/protocol.md §7.2): the
 * tree hash of RFC 9162 §2.1.1 over SHA-256, with its domain separation
 * (leaf = H(0x00 || data), node = H(0x01 || left || right)), and the
 * inclusion-proof check of RFC 9162 §2.1.3.2. Private to libmayday.
 *
 * The tree is built bottom-up: nodes are paired left to right, and the
 * last node of a level with an odd count moves up unchanged. That is the
 * RFC's recursive definition (split at the largest power of two below the
 * size) computed level by level: every node then is the RFC's MTH of the
 * leaves below it, and an audit path is the siblings met going up, a
 * promoted level contributing none.
 */
#ifndef MAYDAY_MERKLE_H
#define MAYDAY_MERKLE_H

#include <stddef.h>
#include <stdint.h>
#include <openssl/evp.h>

#include "mayday/error.h"
#include "mayday/limits.h"

typedef uint8_t merkle_hash[MAYDAY_DIGEST_LEN];

/* Leaf and interior-node hashes. `md` is a caller's reusable context, or
 * NULL for a one-shot digest. They fail only when OpenSSL does. */
MAYDAY_NODISCARD enum mayday_err merkle_leaf(EVP_MD_CTX *md, const uint8_t *data, size_t len,
					     merkle_hash out);
MAYDAY_NODISCARD enum mayday_err merkle_node(EVP_MD_CTX *md, const merkle_hash left,
					     const merkle_hash right, merkle_hash out);

/* Levels of a tree: `nodes` holds level 0 (the leaf hashes, `size` of
 * them) followed by each level above, the root last. A level of n nodes
 * has ceil(n / 2) above it, so there are at most MERKLE_NODES(size)
 * entries. The caller owns `nodes`. */
#define MERKLE_NODES(size) (2 * (size) + MAYDAY_ACK_BATCH_PATH_MAX + 1)
MAYDAY_NODISCARD enum mayday_err merkle_build(EVP_MD_CTX *md, merkle_hash *nodes, size_t size,
					      size_t *n_nodes);
/* The audit path of leaf `index` from levels built by merkle_build, leaf
 * to root, into path[0 .. *path_len) (room for MAYDAY_ACK_BATCH_PATH_MAX). */
void merkle_path(const merkle_hash *nodes, size_t size, size_t index, merkle_hash *path,
		 size_t *path_len);

/* RFC 9162 §2.1.3.2: the root the path leads to from `leaf`. MAYDAY_E_SIGNATURE
 * when the path cannot belong to leaf `index` of a tree of `size` leaves
 * (index >= size, a path too short or too long). */
MAYDAY_NODISCARD enum mayday_err merkle_root_from_path(EVP_MD_CTX *md, const merkle_hash leaf,
						       uint64_t index, uint64_t size,
						       const merkle_hash *path, size_t path_len,
						       merkle_hash out);

#endif

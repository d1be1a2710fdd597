/* SPDX-License-Identifier: Apache-2.0 */
/*
 * RFC 9162 Merkle tree hashes for batch acknowledgements (merkle.h says
 * how the tree is laid out). Hashing goes through one EVP_MD_CTX reused
 * for every node of a batch: a digest per call through EVP_Digest would
 * fetch SHA-256 and allocate a context each time, which costs more than
 * hashing 65 bytes.
 */
#include <string.h>

#include "merkle.h"

static const uint8_t LEAF_PREFIX = 0x00, NODE_PREFIX = 0x01;

static enum mayday_err digest2(EVP_MD_CTX *md, uint8_t prefix, const uint8_t *a, size_t a_len,
			       const uint8_t *b, size_t b_len, merkle_hash out)
{
	EVP_MD_CTX *own = NULL;
	unsigned int n = 0;
	int ok;

	if (md == NULL && (md = own = EVP_MD_CTX_new()) == NULL)
		return MAYDAY_E_NOMEM;
	ok = EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1 &&
	     EVP_DigestUpdate(md, &prefix, 1) == 1 &&
	     (a_len == 0 || EVP_DigestUpdate(md, a, a_len) == 1) &&
	     (b_len == 0 || EVP_DigestUpdate(md, b, b_len) == 1) &&
	     EVP_DigestFinal_ex(md, out, &n) == 1 && n == MAYDAY_DIGEST_LEN;
	EVP_MD_CTX_free(own);
	return ok ? MAYDAY_OK : MAYDAY_E_INTERNAL;
}

enum mayday_err merkle_leaf(EVP_MD_CTX *md, const uint8_t *data, size_t len, merkle_hash out)
{
	return digest2(md, LEAF_PREFIX, data, len, NULL, 0, out);
}

enum mayday_err merkle_node(EVP_MD_CTX *md, const merkle_hash left, const merkle_hash right,
			    merkle_hash out)
{
	return digest2(md, NODE_PREFIX, left, MAYDAY_DIGEST_LEN, right, MAYDAY_DIGEST_LEN, out);
}

enum mayday_err merkle_build(EVP_MD_CTX *md, merkle_hash *nodes, size_t size, size_t *n_nodes)
{
	size_t lo = 0, n = size;
	enum mayday_err err;

	if (size == 0)
		return MAYDAY_E_INVALID;
	while (n > 1) {
		size_t up = lo + n;

		for (size_t i = 0; i + 1 < n; i += 2) {
			err = merkle_node(md, nodes[lo + i], nodes[lo + i + 1], nodes[up + i / 2]);
			if (err)
				return err;
		}
		if (n & 1)
			memcpy(nodes[up + n / 2], nodes[lo + n - 1], MAYDAY_DIGEST_LEN);
		lo = up;
		n = (n + 1) / 2;
	}
	*n_nodes = lo + 1;
	return MAYDAY_OK;
}

void merkle_path(const merkle_hash *nodes, size_t size, size_t index, merkle_hash *path,
		 size_t *path_len)
{
	size_t lo = 0, n = size, k = 0;

	while (n > 1) {
		size_t sib = index ^ 1;

		if (sib < n)
			memcpy(path[k++], nodes[lo + sib], MAYDAY_DIGEST_LEN);
		lo += n;
		index >>= 1;
		n = (n + 1) / 2;
	}
	*path_len = k;
}

enum mayday_err merkle_root_from_path(EVP_MD_CTX *md, const merkle_hash leaf, uint64_t index,
				      uint64_t size, const merkle_hash *path, size_t path_len,
				      merkle_hash out)
{
	uint64_t fn = index, sn;
	merkle_hash r;
	enum mayday_err err;

	/* RFC 9162 §2.1.3.2, step by step. */
	if (size == 0 || index >= size)
		return MAYDAY_E_SIGNATURE;
	sn = size - 1;
	memcpy(r, leaf, MAYDAY_DIGEST_LEN);
	for (size_t i = 0; i < path_len; i++) {
		if (sn == 0)
			return MAYDAY_E_SIGNATURE;   /* path longer than the tree is high */
		if ((fn & 1) || fn == sn) {
			err = merkle_node(md, path[i], r, r);
			if (err)
				return err;
			if (!(fn & 1)) {
				while (!(fn & 1) && fn != 0) {
					fn >>= 1;
					sn >>= 1;
				}
			}
		} else {
			err = merkle_node(md, r, path[i], r);
			if (err)
				return err;
		}
		fn >>= 1;
		sn >>= 1;
	}
	if (sn != 0)
		return MAYDAY_E_SIGNATURE;           /* path shorter than the tree is high */
	memcpy(out, r, MAYDAY_DIGEST_LEN);
	return MAYDAY_OK;
}

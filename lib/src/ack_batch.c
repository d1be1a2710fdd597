/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The batch acknowledgement (docs/protocol.md §7.2): one ES256 signature
 * over a Merkle root for all the acknowledgements of a commit batch,
 * instead of one per acknowledgement.
 *
 *   mayday-ack-batch = [claims: bstr, index: uint, path: [* digest],
 *                       root: bstr .cbor mayday-sign1(ack-batch-root)]
 *   ack-batch-root   = {0: 1, 1: size, 2: root hash}
 *
 * The leaf is the ack-claims bytes themselves (hashed as RFC 9162 leaves,
 * merkle.c), so the claims a device reads are exactly the bytes the path
 * proves; nothing is re-encoded between proof and decision.
 *
 * Verification order: the root's COSE layer and signature first, then its
 * claims, then the path from the leaf, then the leaf's claims. Nothing an
 * unauthenticated party chose is interpreted before the signature and the
 * path vouch for it, except by the structural decoders every input passes.
 * A root claims map and an ack claims map can never stand for each other:
 * key 1 is an unsigned integer in one and a text string in the other, and
 * both decoders are strict.
 */
#include <stdlib.h>
#include <string.h>

#include "ack_claims.h"
#include "cbor_det.h"
#include "cose_sign1.h"
#include "merkle.h"
#include "mayday/ack_batch.h"
#include "mayday/keys.h"

enum { ROOT_VERSION = 0, ROOT_SIZE = 1, ROOT_HASH = 2, ROOT__COUNT };
#define ROOT_KEYS ((UINT64_C(1) << ROOT__COUNT) - 1)
#define BATCH_ITEMS 4
#define COSE_SIGN1_FIRST 0xd2   /* tag 18 */
#define BATCH_FIRST 0x84        /* array of 4 */

enum mayday_err mayday_ack_root_encode(const struct mayday_ack_root *root, uint8_t *out,
				       size_t out_cap, size_t *out_len)
{
	struct cbor_det_writer w;

	if (!root || !out_len || root->size == 0 || root->size > MAYDAY_ACK_BATCH_LEAVES_MAX)
		return MAYDAY_E_INVALID;
	cbor_det_writer_init(&w, out, out_cap);
	cbor_det_put_map(&w, ROOT__COUNT);
	cbor_det_put_uint(&w, ROOT_VERSION);
	cbor_det_put_uint(&w, MAYDAY_PROTOCOL_VERSION);
	cbor_det_put_uint(&w, ROOT_SIZE);
	cbor_det_put_uint(&w, root->size);
	cbor_det_put_uint(&w, ROOT_HASH);
	cbor_det_put_bstr(&w, root->root, sizeof(root->root));
	return cbor_det_writer_done(&w, out_len);
}

static enum mayday_err root_decode(const uint8_t *in, size_t in_len, size_t base,
				   struct mayday_ack_root *root, struct mayday_diag *diag)
{
	struct cbor_det_reader r;
	struct cbor_det_map m;
	uint64_t key;
	bool more;
	enum mayday_err err;

	memset(root, 0, sizeof(*root));
	cbor_det_reader_init(&r, in, in_len, base, diag);
	if (in_len > MAYDAY_ACK_MAX)
		return cbor_det_fail(&r, base + MAYDAY_ACK_MAX, MAYDAY_E_TOOBIG,
				     "root claims larger than their limit");
	err = cbor_det_map_open(&r, &m);
	while (!err) {
		err = cbor_det_map_next(&r, &m, &more, &key);
		if (err || !more)
			break;
		switch (key) {
		case ROOT_VERSION:
			err = cbor_det_get_version(&r);
			break;
		case ROOT_SIZE: {
			size_t at = cbor_det_offset(&r);

			err = cbor_det_get_uint(&r, &root->size);
			if (!err && root->size == 0)
				err = cbor_det_fail(&r, at, MAYDAY_E_MALFORMED, "empty batch");
			else if (!err && root->size > MAYDAY_ACK_BATCH_LEAVES_MAX)
				err = cbor_det_fail(&r, at, MAYDAY_E_TOOBIG,
						    "batch larger than its limit");
			break;
		}
		case ROOT_HASH:
			err = cbor_det_get_bytes(&r, root->root, sizeof(root->root));
			break;
		default:
			err = cbor_det_map_unknown(&r, &m);
			break;
		}
	}
	if (!err)
		err = cbor_det_map_require(&r, &m, ROOT_KEYS);
	if (!err)
		err = cbor_det_end(&r);
	if (err)
		memset(root, 0, sizeof(*root));
	return err;
}

enum mayday_err mayday_ack_root_decode(const uint8_t *in, size_t in_len,
				       struct mayday_ack_root *root, struct mayday_diag *diag)
{
	if (!root || (!in && in_len))
		return MAYDAY_E_INVALID;
	return root_decode(in, in_len, 0, root, diag);
}

enum mayday_err mayday_ack_batch_decode(const uint8_t *in, size_t in_len,
					struct mayday_ack_batch *b, struct mayday_diag *diag)
{
	struct cbor_det_reader r;
	struct cbor_det_item it;
	uint64_t n;
	enum mayday_err err;

	if (!b || (!in && in_len))
		return MAYDAY_E_INVALID;
	memset(b, 0, sizeof(*b));
	cbor_det_reader_init(&r, in, in_len, 0, diag);
	if (in_len > MAYDAY_ACK_MAX)
		return cbor_det_fail(&r, MAYDAY_ACK_MAX, MAYDAY_E_TOOBIG,
				     "acknowledgement larger than its limit");
	err = cbor_det_next(&r, &it);
	if (!err && (it.kind != CBOR_DET_ARRAY || it.val != BATCH_ITEMS))
		err = cbor_det_fail(&r, it.off, MAYDAY_E_MALFORMED,
				    "not a 4-item batch acknowledgement");
	if (!err)
		err = cbor_det_get_bstr(&r, &b->claims, &b->claims_len);
	if (!err)
		err = cbor_det_get_uint(&r, &b->index);
	if (!err)
		err = cbor_det_get_array(&r, &n, MAYDAY_ACK_BATCH_PATH_MAX);
	for (uint64_t i = 0; !err && i < n; i++)
		err = cbor_det_get_bytes(&r, b->path[i], MAYDAY_DIGEST_LEN);
	if (!err) {
		b->path_len = (size_t)n;
		err = cbor_det_get_bstr(&r, &b->root_cose, &b->root_cose_len);
	}
	if (!err)
		err = cbor_det_end(&r);
	if (err)
		memset(b, 0, sizeof(*b));
	return err;
}

static enum mayday_err fail_at(struct mayday_diag *diag, size_t off, enum mayday_err err,
			       const char *what)
{
	if (diag) {
		diag->offset = off;
		diag->what = what;
	}
	return err;
}

static enum mayday_err batch_verify(const uint8_t *in, size_t in_len, EVP_PKEY *hems_pub,
				    struct mayday_ack *ack, struct mayday_diag *diag)
{
	struct mayday_ack_batch b;
	struct mayday_cose_sign1 msg;
	struct mayday_ack_root root;
	merkle_hash leaf, got;
	size_t root_off;
	enum mayday_err err = mayday_ack_batch_decode(in, in_len, &b, diag);

	if (err)
		return err;
	root_off = (size_t)(b.root_cose - in);
	err = cose_sign1_open_verified(b.root_cose, b.root_cose_len, MAYDAY_ACK_MAX, hems_pub,
				       &msg, diag);
	if (err) {
		if (diag)
			diag->offset += root_off;
		return err;
	}
	err = root_decode(msg.payload, msg.payload_len, root_off + (size_t)(msg.payload - b.root_cose),
			  &root, diag);
	if (err)
		return err;
	/* The path is checked against the signed root: a path that does not
	 * lead there is an acknowledgement that does not verify. */
	err = merkle_leaf(NULL, b.claims, b.claims_len, leaf);
	if (!err)
		err = merkle_root_from_path(NULL, leaf, b.index, root.size,
					    (const merkle_hash *)b.path, b.path_len, got);
	if (err == MAYDAY_E_SIGNATURE)
		return fail_at(diag, 0, err, "audit path does not fit the index and tree size");
	if (err)
		return err;
	if (!mayday_ct_equal(got, root.root, sizeof(got)))
		return fail_at(diag, 0, MAYDAY_E_SIGNATURE, "audit path does not lead to the signed root");
	return ack_claims_decode(b.claims, b.claims_len, (size_t)(b.claims - in), ack, diag);
}

enum mayday_err mayday_ack_batch_verify(const uint8_t *in, size_t in_len, EVP_PKEY *hems_pub,
					struct mayday_ack *ack, struct mayday_diag *diag)
{
	enum mayday_err err;

	if (!ack || (!in && in_len))
		return MAYDAY_E_INVALID;
	memset(ack, 0, sizeof(*ack));
	err = batch_verify(in, in_len, hems_pub, ack, diag);
	if (err)
		memset(ack, 0, sizeof(*ack));
	return err;
}

int mayday_ack_is_batch(const uint8_t *in, size_t in_len)
{
	return in != NULL && in_len > 0 && in[0] == BATCH_FIRST;
}

enum mayday_err mayday_ack_verify_any(const uint8_t *in, size_t in_len, EVP_PKEY *hems_pub,
				      struct mayday_ack *ack, struct mayday_diag *diag)
{
	if (mayday_ack_is_batch(in, in_len))
		return mayday_ack_batch_verify(in, in_len, hems_pub, ack, diag);
	return mayday_ack_verify(in, in_len, hems_pub, ack, diag);
}

enum mayday_err mayday_ack_peek(const uint8_t *in, size_t in_len, struct mayday_ack *ack,
				struct mayday_diag *diag)
{
	struct mayday_ack_batch b;
	struct mayday_cose_sign1 cose;
	enum mayday_err err;

	if (!ack || (!in && in_len))
		return MAYDAY_E_INVALID;
	memset(ack, 0, sizeof(*ack));
	if (mayday_ack_is_batch(in, in_len)) {
		err = mayday_ack_batch_decode(in, in_len, &b, diag);
		if (err)
			return err;
		return ack_claims_decode(b.claims, b.claims_len, (size_t)(b.claims - in), ack, diag);
	}
	err = mayday_cose_sign1_decode(in, in_len, MAYDAY_ACK_MAX, &cose, diag);
	if (err)
		return err;
	return ack_claims_decode(cose.payload, cose.payload_len, (size_t)(cose.payload - in), ack,
				 diag);
}

struct mayday_ack_tree {
	size_t cap;                 /* leaves at most */
	size_t n;                   /* leaves added */
	size_t n_nodes;             /* after sign: every level's nodes, root last */
	int sealed;                 /* signed: encode allowed, add refused */
	EVP_MD_CTX *md;
	merkle_hash *nodes;         /* MERKLE_NODES(cap) */
	uint8_t root_cose[MAYDAY_ACK_MAX];
	size_t root_cose_len;
};

enum mayday_err mayday_ack_tree_new(struct mayday_ack_tree **out, size_t max_leaves)
{
	struct mayday_ack_tree *t;

	if (!out)
		return MAYDAY_E_INVALID;
	*out = NULL;
	if (max_leaves == 0 || max_leaves > MAYDAY_ACK_BATCH_LEAVES_MAX)
		return MAYDAY_E_INVALID;
	t = calloc(1, sizeof(*t));
	if (!t)
		return MAYDAY_E_NOMEM;
	t->cap = max_leaves;
	t->nodes = calloc(MERKLE_NODES(max_leaves), sizeof(*t->nodes));
	t->md = EVP_MD_CTX_new();
	if (!t->nodes || !t->md) {
		mayday_ack_tree_free(t);
		return MAYDAY_E_NOMEM;
	}
	*out = t;
	return MAYDAY_OK;
}

void mayday_ack_tree_free(struct mayday_ack_tree *t)
{
	if (!t)
		return;
	EVP_MD_CTX_free(t->md);
	free(t->nodes);
	free(t);
}

void mayday_ack_tree_reset(struct mayday_ack_tree *t)
{
	if (!t)
		return;
	t->n = 0;
	t->n_nodes = 0;
	t->sealed = 0;
	t->root_cose_len = 0;
}

enum mayday_err mayday_ack_tree_add(struct mayday_ack_tree *t, const uint8_t *claims,
				    size_t claims_len, size_t *index)
{
	enum mayday_err err;

	if (!t || !index || (!claims && claims_len) || t->sealed || claims_len > MAYDAY_ACK_MAX)
		return MAYDAY_E_INVALID;
	if (t->n >= t->cap)
		return MAYDAY_E_TOOBIG;
	err = merkle_leaf(t->md, claims, claims_len, t->nodes[t->n]);
	if (err)
		return err;
	*index = t->n++;
	return MAYDAY_OK;
}

enum mayday_err mayday_ack_tree_sign(struct mayday_ack_tree *t, const struct mayday_signer *signer)
{
	struct mayday_ack_root root;
	uint8_t payload[64];
	size_t payload_len;
	enum mayday_err err;

	if (!t || !signer || t->n == 0 || t->sealed)
		return MAYDAY_E_INVALID;
	err = merkle_build(t->md, t->nodes, t->n, &t->n_nodes);
	if (err)
		return err;
	root.size = t->n;
	memcpy(root.root, t->nodes[t->n_nodes - 1], sizeof(root.root));
	err = mayday_ack_root_encode(&root, payload, sizeof(payload), &payload_len);
	if (!err)
		err = mayday_cose_sign1_encode(signer, payload, payload_len, t->root_cose,
					       sizeof(t->root_cose), &t->root_cose_len);
	if (err)
		return err;
	t->sealed = 1;
	return MAYDAY_OK;
}

enum mayday_err mayday_ack_tree_encode(const struct mayday_ack_tree *t, size_t index,
				       const uint8_t *claims, size_t claims_len, uint8_t *out,
				       size_t out_cap, size_t *out_len)
{
	struct cbor_det_writer w;
	merkle_hash leaf, path[MAYDAY_ACK_BATCH_PATH_MAX];
	size_t path_len, len;
	enum mayday_err err;

	if (!t || !out_len || (!claims && claims_len) || !t->sealed || index >= t->n)
		return MAYDAY_E_INVALID;
	err = merkle_leaf(t->md, claims, claims_len, leaf);
	if (err)
		return err;
	if (memcmp(leaf, t->nodes[index], sizeof(leaf)) != 0)
		return MAYDAY_E_INVALID;   /* not the bytes this leaf was made of */
	merkle_path(t->nodes, t->n, index, path, &path_len);
	cbor_det_writer_init(&w, out, out_cap);
	cbor_det_put_array(&w, BATCH_ITEMS);
	cbor_det_put_bstr(&w, claims, claims_len);
	cbor_det_put_uint(&w, index);
	cbor_det_put_array(&w, path_len);
	for (size_t i = 0; i < path_len; i++)
		cbor_det_put_bstr(&w, path[i], MAYDAY_DIGEST_LEN);
	cbor_det_put_bstr(&w, t->root_cose, t->root_cose_len);
	err = cbor_det_writer_done(&w, &len);
	if (err)
		return err;
	if (len > MAYDAY_ACK_MAX)
		return MAYDAY_E_TOOBIG;
	*out_len = len;
	return MAYDAY_OK;
}

const uint8_t *mayday_ack_tree_root(const struct mayday_ack_tree *t, size_t *len)
{
	if (!t || !t->sealed) {
		if (len)
			*len = 0;
		return NULL;
	}
	if (len)
		*len = t->root_cose_len;
	return t->root_cose;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz the batch acknowledgement (docs/protocol.md §7.2): its structural
 * decoder, the root claims decoder, verification of either form with the
 * protocol.md test key (so the seeds reach the path and the claims), and
 * the tree itself: the input cut into leaves, signed, and every leaf's
 * message decoded again and checked against its path — a message the tree
 * made must never fail as "does not verify".
 */
#include <stdlib.h>
#include <string.h>

#include "mayday/ack_batch.h"
#include "test_vectors.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define LEAVES_MAX 40

static void check_rules(const struct mayday_ack *a)
{
	if (a->status > MAYDAY_ACK_REJECTED || a->action > MAYDAY_ACTION_MAX ||
	    (a->action == MAYDAY_ACTION_WAIT && a->retry_after == 0) ||
	    (a->action == MAYDAY_ACTION_REMEDIATE && a->acs_url[0] == '\0') ||
	    a->device_id[0] == '\0')
		abort();
}

static void tree_round_trip(const uint8_t *data, size_t size, EVP_PKEY *pub,
			    struct mayday_signer *signer, struct mayday_ack_tree *t)
{
	static uint8_t out[MAYDAY_ACK_MAX];
	size_t n, chunk, idx, len;

	if (size < 2)
		return;
	n = 1 + data[0] % LEAVES_MAX;
	data++;
	size--;
	chunk = size / n;
	mayday_ack_tree_reset(t);
	for (size_t i = 0; i < n; i++) {
		if (mayday_ack_tree_add(t, data + i * chunk, chunk, &idx) != MAYDAY_OK || idx != i)
			abort();
	}
	if (mayday_ack_tree_sign(t, signer) != MAYDAY_OK)
		abort();
	for (size_t i = 0; i < n; i++) {
		struct mayday_ack_batch b;
		struct mayday_ack ack;
		struct mayday_diag diag = { 0 };
		enum mayday_err err;

		err = mayday_ack_tree_encode(t, i, data + i * chunk, chunk, out, sizeof(out), &len);
		if (err == MAYDAY_E_TOOBIG)
			continue;   /* large leaves: over the ack limit, refused */
		if (err != MAYDAY_OK || mayday_ack_batch_decode(out, len, &b, &diag) != MAYDAY_OK ||
		    b.index != i || b.claims_len != chunk ||
		    (chunk && memcmp(b.claims, data + i * chunk, chunk) != 0))
			abort();
		/* The leaf is arbitrary bytes: the claims may not decode, but the
		 * path and the root always verify. One leaf per input is
		 * verified (an ES256 verify each): the first and the last alternate. */
		if (i != ((data[0] & 1) ? n - 1 : 0))
			continue;
		err = mayday_ack_verify_any(out, len, pub, &ack, &diag);
		if (err == MAYDAY_E_SIGNATURE)
			abort();
		if (err == MAYDAY_OK)
			check_rules(&ack);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static EVP_PKEY *pub, *key;
	static struct mayday_signer signer;
	static struct mayday_ack_tree *tree;
	static uint8_t out[MAYDAY_ACK_MAX];
	struct mayday_ack_batch b;
	struct mayday_ack_root root, again;
	struct mayday_ack ack, peeked;
	struct mayday_diag diag = { 0 };
	size_t len;

	if (!pub) {
		pub = tv_pub();
		key = tv_key();
		if (!pub || !key || mayday_signer_from_pkey(&signer, key, NULL, 0) != MAYDAY_OK ||
		    mayday_ack_tree_new(&tree, LEAVES_MAX) != MAYDAY_OK)
			abort();
	}
	if (mayday_ack_batch_decode(data, size, &b, &diag) == MAYDAY_OK) {
		if (b.path_len > MAYDAY_ACK_BATCH_PATH_MAX || b.claims < data ||
		    b.claims + b.claims_len > data + size || b.root_cose < data ||
		    b.root_cose + b.root_cose_len > data + size)
			abort();
	} else if (diag.offset > size || !diag.what) {
		abort();
	}
	diag.what = NULL;
	if (mayday_ack_root_decode(data, size, &root, &diag) == MAYDAY_OK) {
		if (root.size == 0 || root.size > MAYDAY_ACK_BATCH_LEAVES_MAX ||
		    mayday_ack_root_encode(&root, out, sizeof(out), &len) != MAYDAY_OK ||
		    len > size || mayday_ack_root_decode(out, len, &again, &diag) != MAYDAY_OK ||
		    memcmp(&root, &again, sizeof(root)) != 0)
			abort();
	}
	diag.what = NULL;
	if (mayday_ack_verify_any(data, size, pub, &ack, &diag) == MAYDAY_OK) {
		check_rules(&ack);
		/* What verified is what an unverified look sees. */
		if (mayday_ack_peek(data, size, &peeked, &diag) != MAYDAY_OK ||
		    memcmp(&ack, &peeked, sizeof(ack)) != 0)
			abort();
	} else if (diag.offset > size || !diag.what) {
		abort();
	}
	tree_round_trip(data, size, pub, &signer, tree);
	return 0;
}

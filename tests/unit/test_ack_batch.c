/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Batch acknowledgements (docs/protocol.md §7.2): the tree against an
 * independent implementation of RFC 9162's recursive definitions (MTH and
 * PATH, over OpenSSL's SHA-256 directly), every leaf of trees of 1, 2, 3,
 * 4, 5, 7, 8 and 230 leaves verified, and for each leaf a tampered path,
 * index, size, root and leaf rejected as "does not verify"; the structure's
 * limits; the largest message; and the indication's ack_forms claim that
 * asks for the form.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/ec.h>
#include <openssl/sha.h>

#include "mayday/ack_batch.h"
#include "mayday/indication.h"
#include "mayday/keys.h"
#include "test_vectors.h"

#define H 32
#define MAX_LEAVES 256

static EVP_PKEY *key;
static struct mayday_signer signer;

/* ---- RFC 9162 §2.1.1 and §2.1.3.1, as written there ---- */

static void ref_leaf(const uint8_t *d, size_t n, uint8_t out[H])
{
	uint8_t buf[MAYDAY_ACK_MAX + 1];

	buf[0] = 0x00;
	memcpy(buf + 1, d, n);
	SHA256(buf, n + 1, out);
}

static void ref_node(const uint8_t l[H], const uint8_t r[H], uint8_t out[H])
{
	uint8_t buf[1 + 2 * H];

	buf[0] = 0x01;
	memcpy(buf + 1, l, H);
	memcpy(buf + 1 + H, r, H);
	SHA256(buf, sizeof(buf), out);
}

static size_t split(size_t n) /* the largest power of two smaller than n */
{
	size_t k = 1;

	while (k * 2 < n)
		k *= 2;
	return k;
}

/* MTH(D[lo .. lo+n)) over the leaf hashes. */
static void ref_mth(uint8_t (*leaves)[H], size_t lo, size_t n, uint8_t out[H])
{
	uint8_t a[H], b[H];
	size_t k;

	if (n == 1) {
		memcpy(out, leaves[lo], H);
		return;
	}
	k = split(n);
	ref_mth(leaves, lo, k, a);
	ref_mth(leaves, lo + k, n - k, b);
	ref_node(a, b, out);
}

/* PATH(m, D[lo .. lo+n)), appended leaf to root. */
static void ref_path(uint8_t (*leaves)[H], size_t m, size_t lo, size_t n, uint8_t (*path)[H],
		     size_t *len)
{
	size_t k;

	if (n == 1)
		return;
	k = split(n);
	if (m < k) {
		ref_path(leaves, m, lo, k, path, len);
		ref_mth(leaves, lo + k, n - k, path[(*len)++]);
	} else {
		ref_path(leaves, m - k, lo + k, n - k, path, len);
		ref_mth(leaves, lo, k, path[(*len)++]);
	}
}

/* ---- fixtures ---- */

struct batch {
	size_t n;
	uint8_t claims[MAX_LEAVES][128];
	size_t claims_len[MAX_LEAVES];
	uint8_t leaves[MAX_LEAVES][H];
	struct mayday_ack acks[MAX_LEAVES];
	struct mayday_ack_tree *tree;
};

static void example_ack(struct mayday_ack *a, size_t i)
{
	memset(a, 0, sizeof(*a));
	snprintf(a->device_id, sizeof(a->device_id), "hnb-%04zu", i);
	a->counter = 1000 + i;
	a->incident_id = 7 + i;
	a->status = i % 5 == 4 ? MAYDAY_ACK_REJECTED : MAYDAY_ACK_STORED;
	a->action = i % 3 == 2 ? MAYDAY_ACTION_REMEDIATE : MAYDAY_ACTION_NONE;
	if (a->action == MAYDAY_ACTION_REMEDIATE)
		strcpy(a->acs_url, "https://127.0.0.1:7547/acs");
}

static void make_batch(struct batch *b, size_t n)
{
	size_t idx;

	b->n = n;
	assert_int_equal(mayday_ack_tree_new(&b->tree, n), MAYDAY_OK);
	for (size_t i = 0; i < n; i++) {
		example_ack(&b->acks[i], i);
		assert_int_equal(mayday_ack_encode_claims(&b->acks[i], b->claims[i],
							  sizeof(b->claims[i]), &b->claims_len[i]),
				 MAYDAY_OK);
		ref_leaf(b->claims[i], b->claims_len[i], b->leaves[i]);
		assert_int_equal(mayday_ack_tree_add(b->tree, b->claims[i], b->claims_len[i], &idx),
				 MAYDAY_OK);
		assert_int_equal(idx, i);
	}
	assert_int_equal(mayday_ack_tree_sign(b->tree, &signer), MAYDAY_OK);
}

/* A batch acknowledgement built by hand (tv_cbor, not libmayday). */
static void craft(struct tv_cbor *c, const uint8_t *claims, size_t claims_len, uint64_t index,
		  uint8_t (*path)[H], size_t path_len, const uint8_t *root, size_t root_len)
{
	tvc_init(c);
	tvc_array(c, 4);
	tvc_bstr(c, claims, claims_len);
	tvc_uint(c, index);
	tvc_array(c, path_len);
	for (size_t i = 0; i < path_len; i++)
		tvc_bstr(c, path[i], H);
	tvc_bstr(c, root, root_len);
}

/* A root signed with the test key: what only the H(e)MS could make. */
static size_t signed_root(uint64_t size, const uint8_t hash[H], uint8_t *out, size_t cap)
{
	struct tv_cbor c;
	size_t len;

	tvc_init(&c);
	tvc_map(&c, 3);
	tvc_uint(&c, 0);
	tvc_uint(&c, 1);
	tvc_uint(&c, 1);
	tvc_uint(&c, size);
	tvc_uint(&c, 2);
	tvc_bstr(&c, hash, H);
	assert_int_equal(mayday_cose_sign1_encode(&signer, c.buf, c.len, out, cap, &len), MAYDAY_OK);
	return len;
}

static enum mayday_err verify(const struct tv_cbor *c, struct mayday_ack *got)
{
	struct mayday_diag diag = { 0 };

	return mayday_ack_verify_any(c->buf, c->len, key, got, &diag);
}

static void expect_sig(const struct tv_cbor *c)
{
	struct mayday_ack got;

	assert_int_equal(verify(c, &got), MAYDAY_E_SIGNATURE);
}

/* ---- tests ---- */

static void check_size(size_t n)
{
	static struct batch b;
	uint8_t msg[MAYDAY_ACK_MAX], root[H], path[MAYDAY_ACK_BATCH_PATH_MAX + 1][H];
	uint8_t other_root[MAYDAY_ACK_MAX], bad[MAYDAY_ACK_MAX];
	struct mayday_ack_batch dec;
	struct mayday_ack_root rc;
	struct mayday_ack got;
	struct mayday_diag diag = { 0 };
	struct mayday_cose_sign1 cose;
	struct tv_cbor c;
	const uint8_t *rcose;
	size_t len, rlen, plen, olen, blen;

	make_batch(&b, n);
	ref_mth(b.leaves, 0, n, root);
	rcose = mayday_ack_tree_root(b.tree, &rlen);
	assert_non_null(rcose);
	assert_int_equal(mayday_cose_sign1_decode(rcose, rlen, MAYDAY_ACK_MAX, &cose, &diag),
			 MAYDAY_OK);
	assert_int_equal(mayday_ack_root_decode(cose.payload, cose.payload_len, &rc, &diag),
			 MAYDAY_OK);
	assert_int_equal(rc.size, n);
	assert_memory_equal(rc.root, root, H);

	for (size_t i = 0; i < n; i++) {
		plen = 0;
		ref_path(b.leaves, i, 0, n, path, &plen);
		assert_int_equal(mayday_ack_tree_encode(b.tree, i, b.claims[i], b.claims_len[i], msg,
							sizeof(msg), &len), MAYDAY_OK);
		assert_true(mayday_ack_is_batch(msg, len));
		assert_int_equal(mayday_ack_batch_decode(msg, len, &dec, &diag), MAYDAY_OK);
		assert_int_equal(dec.index, i);
		assert_int_equal(dec.path_len, plen);
		assert_memory_equal(dec.path, path, plen * H);
		/* The same bytes built independently: one encoding. */
		craft(&c, b.claims[i], b.claims_len[i], i, path, plen, rcose, rlen);
		assert_int_equal(c.len, len);
		assert_memory_equal(c.buf, msg, len);
		assert_int_equal(verify(&c, &got), MAYDAY_OK);
		assert_memory_equal(&got, &b.acks[i], sizeof(got));
		assert_int_equal(mayday_ack_peek(msg, len, &got, &diag), MAYDAY_OK);
		assert_memory_equal(&got, &b.acks[i], sizeof(got));

		/* Path: each entry altered; one entry dropped; one added. */
		for (size_t k = 0; k < plen; k++) {
			path[k][k % H] ^= 0x40;
			craft(&c, b.claims[i], b.claims_len[i], i, path, plen, rcose, rlen);
			expect_sig(&c);
			path[k][k % H] ^= 0x40;
		}
		if (plen > 0) {
			craft(&c, b.claims[i], b.claims_len[i], i, path, plen - 1, rcose, rlen);
			expect_sig(&c);
		}
		memcpy(path[plen], root, H);
		craft(&c, b.claims[i], b.claims_len[i], i, path, plen + 1, rcose, rlen);
		expect_sig(&c);
		/* Index: every other leaf's, the size, far beyond. */
		for (size_t j = 0; j < n && j < 16; j++) {
			if (j == i)
				continue;
			craft(&c, b.claims[i], b.claims_len[i], j, path, plen, rcose, rlen);
			expect_sig(&c);
		}
		craft(&c, b.claims[i], b.claims_len[i], n, path, plen, rcose, rlen);
		expect_sig(&c);
		craft(&c, b.claims[i], b.claims_len[i], UINT64_MAX, path, plen, rcose, rlen);
		expect_sig(&c);
		/* Leaf: another leaf's claims under this path, and these claims
		 * with one more counter. */
		if (n > 1) {
			size_t j = (i + 1) % n;

			craft(&c, b.claims[j], b.claims_len[j], i, path, plen, rcose, rlen);
			expect_sig(&c);
		}
		{
			struct mayday_ack a = b.acks[i];
			uint8_t cl[128];
			size_t cl_len;

			a.counter++;
			assert_int_equal(mayday_ack_encode_claims(&a, cl, sizeof(cl), &cl_len),
					 MAYDAY_OK);
			craft(&c, cl, cl_len, i, path, plen, rcose, rlen);
			expect_sig(&c);
		}
		/* Root: the size or the hash changed without re-signing (the
		 * signature fails), and validly signed roots this path does not
		 * lead to: another hash, a size the index does not fit. */
		memcpy(bad, rcose, rlen);
		bad[rlen - 70] ^= 0x01;   /* inside the root hash of the payload */
		craft(&c, b.claims[i], b.claims_len[i], i, path, plen, bad, rlen);
		expect_sig(&c);
		{
			uint8_t h[H];

			memcpy(h, root, H);
			h[0] ^= 0x80;
			olen = signed_root(n, h, other_root, sizeof(other_root));
			craft(&c, b.claims[i], b.claims_len[i], i, path, plen, other_root, olen);
			expect_sig(&c);
			olen = signed_root(i == 0 ? 1 : i, root, other_root, sizeof(other_root));
			craft(&c, b.claims[i], b.claims_len[i], i, path, plen, other_root, olen);
			if (i == 0 && n == 1)
				assert_int_equal(verify(&c, &got), MAYDAY_OK); /* the same root */
			else
				expect_sig(&c);
		}
		/* Another key's root. */
		{
			EVP_PKEY *other = EVP_EC_gen("P-256");
			struct mayday_signer os;

			assert_non_null(other);
			assert_int_equal(mayday_signer_from_pkey(&os, other, NULL, 0), MAYDAY_OK);
			tvc_init(&c);
			assert_int_equal(mayday_cose_sign1_encode(&os, cose.payload, cose.payload_len,
								  bad, sizeof(bad), &blen),
					 MAYDAY_OK);
			craft(&c, b.claims[i], b.claims_len[i], i, path, plen, bad, blen);
			expect_sig(&c);
			EVP_PKEY_free(other);
		}
	}
	/* The claims given back must be the leaf's own. */
	if (n > 1)
		assert_int_equal(mayday_ack_tree_encode(b.tree, 0, b.claims[1], b.claims_len[1], msg,
							sizeof(msg), &len), MAYDAY_E_INVALID);
	assert_int_equal(mayday_ack_tree_encode(b.tree, n, b.claims[0], b.claims_len[0], msg,
						sizeof(msg), &len), MAYDAY_E_INVALID);
	mayday_ack_tree_free(b.tree);
}

static void test_sizes(void **state)
{
	static const size_t sizes[] = {1, 2, 3, 4, 5, 7, 8, 230};

	(void)state;
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		check_size(sizes[i]);
}

/* Every size up to 70: the library's paths are RFC 9162's and their
 * lengths never exceed ceil(log2(size)). */
static void test_paths_all_sizes(void **state)
{
	static struct batch b;
	uint8_t msg[MAYDAY_ACK_MAX], path[MAYDAY_ACK_BATCH_PATH_MAX][H];
	struct mayday_ack_batch dec;
	struct mayday_diag diag = { 0 };
	size_t len, plen, idx;

	(void)state;
	assert_int_equal(mayday_ack_tree_new(&b.tree, 70), MAYDAY_OK);
	for (size_t n = 1; n <= 70; n++) {
		size_t log2 = 0;

		while (((size_t)1 << log2) < n)
			log2++;
		mayday_ack_tree_reset(b.tree);
		for (size_t i = 0; i < n; i++) {
			example_ack(&b.acks[i], i);
			assert_int_equal(mayday_ack_encode_claims(&b.acks[i], b.claims[i], 128,
								  &b.claims_len[i]), MAYDAY_OK);
			ref_leaf(b.claims[i], b.claims_len[i], b.leaves[i]);
			assert_int_equal(mayday_ack_tree_add(b.tree, b.claims[i], b.claims_len[i],
							     &idx), MAYDAY_OK);
		}
		assert_int_equal(mayday_ack_tree_sign(b.tree, &signer), MAYDAY_OK);
		for (size_t i = 0; i < n; i++) {
			plen = 0;
			ref_path(b.leaves, i, 0, n, path, &plen);
			assert_true(plen <= log2);
			assert_int_equal(mayday_ack_tree_encode(b.tree, i, b.claims[i],
								b.claims_len[i], msg, sizeof(msg),
								&len), MAYDAY_OK);
			assert_int_equal(mayday_ack_batch_decode(msg, len, &dec, &diag), MAYDAY_OK);
			assert_int_equal(dec.path_len, plen);
			assert_memory_equal(dec.path, path, plen * H);
		}
	}
	/* A full tree refuses one more leaf; a signed one any. */
	assert_int_equal(mayday_ack_tree_add(b.tree, b.claims[0], b.claims_len[0], &idx),
			 MAYDAY_E_INVALID);
	mayday_ack_tree_reset(b.tree);
	for (size_t i = 0; i < 70; i++)
		assert_int_equal(mayday_ack_tree_add(b.tree, b.claims[0], b.claims_len[0], &idx),
				 MAYDAY_OK);
	assert_int_equal(mayday_ack_tree_add(b.tree, b.claims[0], b.claims_len[0], &idx),
			 MAYDAY_E_TOOBIG);
	mayday_ack_tree_free(b.tree);
}

/* Every single-bit change anywhere in a batch acknowledgement is refused
 * (the signed root has no kid: nothing in it is unsigned). */
static void test_bit_flips(void **state)
{
	static struct batch b;
	uint8_t msg[MAYDAY_ACK_MAX];
	struct mayday_ack got;
	struct mayday_diag diag;
	size_t len;

	(void)state;
	make_batch(&b, 5);
	assert_int_equal(mayday_ack_tree_encode(b.tree, 2, b.claims[2], b.claims_len[2], msg,
						sizeof(msg), &len), MAYDAY_OK);
	for (size_t i = 0; i < len * 8; i++) {
		msg[i / 8] ^= (uint8_t)(1u << (i % 8));
		assert_int_not_equal(mayday_ack_verify_any(msg, len, key, &got, &diag), MAYDAY_OK);
		msg[i / 8] ^= (uint8_t)(1u << (i % 8));
	}
	assert_int_equal(mayday_ack_verify_any(msg, len, key, &got, &diag), MAYDAY_OK);
	mayday_ack_tree_free(b.tree);
}

/* The largest batch acknowledgement the limits allow fits the ack limit. */
static void test_largest(void **state)
{
	struct mayday_ack_tree *t;
	struct mayday_ack a, got;
	struct mayday_signer s;
	struct mayday_diag diag = { 0 };
	uint8_t claims[MAYDAY_ACK_MAX], msg[MAYDAY_ACK_MAX], kid[MAYDAY_KID_MAX];
	size_t claims_len, len, idx;

	(void)state;
	memset(&a, 0, sizeof(a));
	memset(a.device_id, 'd', MAYDAY_DEVICE_ID_MAX);
	a.counter = a.incident_id = UINT64_MAX;
	a.status = MAYDAY_ACK_REJECTED;
	a.action = MAYDAY_ACTION_REMEDIATE;
	a.retry_after = UINT32_MAX;
	memset(a.acs_url, 'u', MAYDAY_URL_MAX);
	memset(kid, 'k', sizeof(kid));
	assert_int_equal(mayday_signer_from_pkey(&s, key, kid, sizeof(kid)), MAYDAY_OK);
	assert_int_equal(mayday_ack_encode_claims(&a, claims, sizeof(claims), &claims_len),
			 MAYDAY_OK);
	assert_int_equal(mayday_ack_tree_new(&t, MAYDAY_ACK_BATCH_LEAVES_MAX), MAYDAY_OK);
	for (size_t i = 0; i < MAYDAY_ACK_BATCH_LEAVES_MAX; i++)
		assert_int_equal(mayday_ack_tree_add(t, claims, claims_len, &idx), MAYDAY_OK);
	assert_int_equal(mayday_ack_tree_add(t, claims, claims_len, &idx), MAYDAY_E_TOOBIG);
	assert_int_equal(mayday_ack_tree_sign(t, &s), MAYDAY_OK);
	/* The last leaf: a three-byte index and a path of ten. */
	assert_int_equal(mayday_ack_tree_encode(t, MAYDAY_ACK_BATCH_LEAVES_MAX - 1, claims,
						claims_len, msg, sizeof(msg), &len), MAYDAY_OK);
	print_message("largest batch ack: %zu bytes\n", len);
	assert_int_equal(len, 892);
	assert_int_equal(mayday_ack_verify_any(msg, len, key, &got, &diag), MAYDAY_OK);
	assert_memory_equal(&got, &a, sizeof(a));
	mayday_ack_tree_free(t);
	assert_int_equal(mayday_ack_tree_new(&t, MAYDAY_ACK_BATCH_LEAVES_MAX + 1), MAYDAY_E_INVALID);
	assert_null(t);
}

static void expect_decode(const struct tv_cbor *c, enum mayday_err want)
{
	struct mayday_ack_batch b;
	struct mayday_ack got;
	struct mayday_diag diag = { 0 };

	assert_int_equal(mayday_ack_batch_decode(c->buf, c->len, &b, &diag), want);
	assert_int_equal(mayday_ack_verify_any(c->buf, c->len, key, &got, &diag), want);
	assert_int_equal(mayday_ack_peek(c->buf, c->len, &got, &diag), want);
}

static void test_structure(void **state)
{
	static struct batch b;
	uint8_t path[MAYDAY_ACK_BATCH_PATH_MAX + 1][H], big[MAYDAY_ACK_MAX + 1];
	struct mayday_ack got;
	struct mayday_diag diag = { 0 };
	struct tv_cbor c;
	const uint8_t *rcose;
	size_t rlen;

	(void)state;
	memset(path, 0x11, sizeof(path));
	make_batch(&b, 2);
	rcose = mayday_ack_tree_root(b.tree, &rlen);
	/* A path of eleven: too big from its head. */
	craft(&c, b.claims[0], b.claims_len[0], 0, path, MAYDAY_ACK_BATCH_PATH_MAX + 1, rcose,
	      rlen);
	expect_decode(&c, MAYDAY_E_TOOBIG);
	/* Three items, five items, a map. */
	tvc_init(&c);
	tvc_array(&c, 3);
	tvc_bstr(&c, b.claims[0], b.claims_len[0]);
	tvc_uint(&c, 0);
	tvc_array(&c, 0);
	expect_decode(&c, MAYDAY_E_MALFORMED);
	craft(&c, b.claims[0], b.claims_len[0], 0, path, 1, rcose, rlen);
	c.buf[0] = 0x85;
	tvc_uint(&c, 0);
	expect_decode(&c, MAYDAY_E_MALFORMED);
	/* A digest of 31 bytes in the path. */
	tvc_init(&c);
	tvc_array(&c, 4);
	tvc_bstr(&c, b.claims[0], b.claims_len[0]);
	tvc_uint(&c, 0);
	tvc_array(&c, 1);
	tvc_bstr(&c, path[0], H - 1);
	tvc_bstr(&c, rcose, rlen);
	expect_decode(&c, MAYDAY_E_MALFORMED);
	/* Trailing byte, truncation, a non-shortest index. */
	craft(&c, b.claims[0], b.claims_len[0], 0, path, 1, rcose, rlen);
	tvc_byte(&c, 0x00);
	expect_decode(&c, MAYDAY_E_MALFORMED);
	craft(&c, b.claims[0], b.claims_len[0], 0, path, 1, rcose, rlen);
	c.len--;
	expect_decode(&c, MAYDAY_E_MALFORMED);
	/* Over the limit, before anything is parsed. */
	memset(big, 0, sizeof(big));
	big[0] = 0x84;
	assert_int_equal(mayday_ack_verify_any(big, sizeof(big), key, &got, &diag),
			 MAYDAY_E_TOOBIG);
	/* Root claims: size 0, size over the limit, an unknown key, validly
	 * signed; an ack's claims signed as a root. */
	{
		uint8_t r[MAYDAY_ACK_MAX], h[H] = {0};
		struct tv_cbor p;
		size_t len;
		struct mayday_ack_root rc;

		len = signed_root(0, h, r, sizeof(r));
		craft(&c, b.claims[0], b.claims_len[0], 0, path, 1, r, len);
		assert_int_equal(verify(&c, &got), MAYDAY_E_MALFORMED);
		len = signed_root(MAYDAY_ACK_BATCH_LEAVES_MAX + 1, h, r, sizeof(r));
		craft(&c, b.claims[0], b.claims_len[0], 0, path, 1, r, len);
		assert_int_equal(verify(&c, &got), MAYDAY_E_TOOBIG);
		tvc_init(&p);
		tvc_map(&p, 4);
		tvc_uint(&p, 0);
		tvc_uint(&p, 1);
		tvc_uint(&p, 1);
		tvc_uint(&p, 2);
		tvc_uint(&p, 2);
		tvc_bstr(&p, h, H);
		tvc_uint(&p, 3);
		tvc_uint(&p, 0);
		assert_int_equal(mayday_ack_root_decode(p.buf, p.len, &rc, &diag), MAYDAY_E_CRITICAL);
		assert_int_equal(mayday_ack_root_decode(b.claims[0], b.claims_len[0], &rc, &diag),
				 MAYDAY_E_MALFORMED);
		assert_int_equal(mayday_cose_sign1_encode(&signer, b.claims[0], b.claims_len[0], r,
							  sizeof(r), &len), MAYDAY_OK);
		craft(&c, b.claims[0], b.claims_len[0], 0, path, 1, r, len);
		assert_int_equal(verify(&c, &got), MAYDAY_E_MALFORMED);
		/* and a signed root is no single acknowledgement */
		assert_int_equal(mayday_ack_verify_any(rcose, rlen, key, &got, &diag),
				 MAYDAY_E_MALFORMED);
	}
	mayday_ack_tree_free(b.tree);
}

/* The single form still goes through verify_any and peek. */
static void test_single_form(void **state)
{
	struct mayday_ack a, got;
	struct mayday_diag diag = { 0 };
	uint8_t out[MAYDAY_ACK_MAX];
	size_t len;

	(void)state;
	tv_example_ack_remediate(&a);
	assert_int_equal(mayday_ack_sign(&a, &signer, out, sizeof(out), &len), MAYDAY_OK);
	assert_false(mayday_ack_is_batch(out, len));
	assert_int_equal(mayday_ack_verify_any(out, len, key, &got, &diag), MAYDAY_OK);
	assert_memory_equal(&got, &a, sizeof(a));
	out[len - 1] ^= 1;
	assert_int_equal(mayday_ack_verify_any(out, len, key, &got, &diag), MAYDAY_E_SIGNATURE);
	assert_int_equal(mayday_ack_peek(out, len, &got, &diag), MAYDAY_OK);
	assert_memory_equal(&got, &a, sizeof(a));
}

/* docs/protocol.md §10: the batch vectors verify, and libmayday's tree over
 * the same three claims has the same root. */
static void test_vectors(void **state)
{
	struct mayday_ack ex, got;
	struct mayday_ack_tree *t;
	struct mayday_ack_root rc;
	struct mayday_cose_sign1 cose;
	struct mayday_diag diag = { 0 };
	EVP_PKEY *pub = tv_pub();
	const char *leaves[3] = {tv_ack_claims_hex, tv_ack_wait_claims_hex,
				 tv_ack_remediate_claims_hex};
	uint8_t *l[3], *v, *rcl, out[128];
	size_t ll[3], len, rcl_len, idx, rlen, olen;
	const uint8_t *r;

	(void)state;
	v = tv_unhex(tv_ack_batch_hex, &len);
	tv_example_ack_remediate(&ex);
	assert_int_equal(mayday_ack_verify_any(v, len, pub, &got, &diag), MAYDAY_OK);
	assert_memory_equal(&got, &ex, sizeof(ex));
	v[len - 1] ^= 1;
	assert_int_equal(mayday_ack_verify_any(v, len, pub, &got, &diag), MAYDAY_E_SIGNATURE);
	rcl = tv_unhex(tv_ack_batch_root_claims_hex, &rcl_len);
	assert_int_equal(mayday_ack_root_decode(rcl, rcl_len, &rc, &diag), MAYDAY_OK);
	assert_int_equal(rc.size, 3);
	assert_int_equal(mayday_ack_root_encode(&rc, out, sizeof(out), &olen), MAYDAY_OK);
	assert_int_equal(olen, rcl_len);
	assert_memory_equal(out, rcl, olen);
	assert_int_equal(mayday_ack_tree_new(&t, 3), MAYDAY_OK);
	for (int i = 0; i < 3; i++) {
		l[i] = tv_unhex(leaves[i], &ll[i]);
		assert_int_equal(mayday_ack_tree_add(t, l[i], ll[i], &idx), MAYDAY_OK);
	}
	assert_int_equal(mayday_ack_tree_sign(t, &signer), MAYDAY_OK);
	r = mayday_ack_tree_root(t, &rlen);
	assert_int_equal(mayday_cose_sign1_decode(r, rlen, MAYDAY_ACK_MAX, &cose, &diag), MAYDAY_OK);
	assert_int_equal(cose.payload_len, rcl_len);
	assert_memory_equal(cose.payload, rcl, rcl_len);
	/* The library's message for leaf 2 differs from the vector only in the
	 * signed root (another signature, no kid). */
	assert_int_equal(mayday_ack_tree_encode(t, 2, l[2], ll[2], out, 0, &olen), MAYDAY_E_TOOBIG);
	for (int i = 0; i < 3; i++)
		free(l[i]);
	mayday_ack_tree_free(t);
	free(rcl);
	free(v);
	EVP_PKEY_free(pub);
}

/* The ack_forms claim: both message versions, round trip, one encoding. */
static void test_ack_forms_claim(void **state)
{
	struct mayday_indication ind, got;
	struct mayday_diag diag = { 0 };
	uint8_t out[MAYDAY_INDICATION_MAX], plain[MAYDAY_INDICATION_MAX];
	size_t len, plain_len;

	(void)state;
	for (int v = 0; v < 2; v++) {
		if (v == 0)
			tv_example_indication(&ind);
		else
			tv_example_indication_eat(&ind);
		assert_int_equal(mayday_indication_encode_claims(&ind, plain, sizeof(plain),
								 &plain_len), MAYDAY_OK);
		ind.ack_forms = MAYDAY_ACK_FORM_BATCH;
		assert_int_equal(mayday_indication_encode_claims(&ind, out, sizeof(out), &len),
				 MAYDAY_OK);
		/* The claim is appended: key -65541 sorts after every other. */
		assert_int_equal(len, plain_len + 6);
		assert_memory_equal(out + len - 6, "\x3a\x00\x01\x00\x04\x01", 6);
		assert_int_equal(mayday_indication_decode_claims(out, len, &got, &diag), MAYDAY_OK);
		assert_int_equal(got.ack_forms, MAYDAY_ACK_FORM_BATCH);
		assert_memory_equal(&got, &ind, sizeof(got));
		/* Bits not known here: the encoder refuses them, decoders keep them. */
		ind.ack_forms = 0x3;
		assert_int_equal(mayday_indication_encode_claims(&ind, out, sizeof(out), &len),
				 MAYDAY_E_INVALID);
		ind.ack_forms = MAYDAY_ACK_FORM_BATCH;
		assert_int_equal(mayday_indication_encode_claims(&ind, out, sizeof(out), &len),
				 MAYDAY_OK);
		out[len - 1] = 0x03;
		assert_int_equal(mayday_indication_decode_claims(out, len, &got, &diag), MAYDAY_OK);
		assert_int_equal(got.ack_forms, 3);
		/* 0 has the one encoding "no claim". */
		out[len - 1] = 0x00;
		assert_int_equal(mayday_indication_decode_claims(out, len, &got, &diag),
				 MAYDAY_E_MALFORMED);
		/* Not a uint32. */
		out[len - 1] = 0x40;
		assert_int_equal(mayday_indication_decode_claims(out, len, &got, &diag),
				 MAYDAY_E_MALFORMED);
	}
}

static int setup(void **state)
{
	(void)state;
	key = tv_key();
	return key == NULL || mayday_signer_from_pkey(&signer, key, NULL, 0) != MAYDAY_OK;
}

static int teardown(void **state)
{
	(void)state;
	EVP_PKEY_free(key);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_paths_all_sizes),
		cmocka_unit_test(test_bit_flips),
		cmocka_unit_test(test_largest),
		cmocka_unit_test(test_structure),
		cmocka_unit_test(test_single_form),
		cmocka_unit_test(test_ack_forms_claim),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

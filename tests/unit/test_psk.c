/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The PSK method (mayday/psk.h, docs/protocol.md §12): the documented
 * vectors (computed with an independent implementation when they were
 * written, and checked here against the document itself), round trips,
 * wrong keys and directions, nonce uniqueness, every bit flip and every
 * truncation of a sealed datagram, and the strict decoder's rejections.
 *
 * Messages the library would never write are built with the raw CBOR
 * builder of test_vectors.h and, where they must carry a valid tag, sealed
 * here with OpenSSL's AES-256-GCM directly.
 *
 * Usage: test_psk PROTOCOL_MD
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "mayday/keys.h"
#include "mayday/psk.h"
#include "test_vectors.h"

/* §12.7: PSK 00..1f, psk_kid a0b1c2d3e4f50617. */
static const char psk_hex[] = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
static const char kid_hex[] = "a0b1c2d3e4f50617";
static const char request_key_hex[] =
	"0c16cca6271fca214fcce042ebbeadaa6af98f4f102600c17ccf8b15a848518a";
static const char request_iv_hex[] = "6ef57d929c0b47c3fe0335f0";
static const char response_key_hex[] =
	"da184e0475df336d84c032a8ecffda70a801868eb329668b7921ff29bef525c4";
static const char response_iv_hex[] = "d3a1f2b80c5e9a4716e02b6c";
#define VEC_COUNTER 42

static const char psk_request_hex[] =
	"d08343a10103a20448a0b1c2d3e4f5061706412a590167091aef3ec6ecd688c3"
	"9b17cd160b4b56094a9573a018d12d093dcd9c7881013d38f09eef619724a1b2"
	"5b2341e0c8f8548f2db9fe4804c8caffcb58b28f3f2e7f3da2a453b682ea64f2"
	"669fdc412cc2789b44da9e8196069634dfea3cc45a6fb8d3fac98723eede1b17"
	"4be5b2b63560f9254d38c4a3786032dde7f5ef4b39b66009083145af2318431f"
	"05b830f69c138903425c32e90de7dae2188fb45496fe767575eeb8764e3ced2f"
	"97d5ae79cb3728cb35c4bff64c4e4fe1ef5493d801434483fad07fb6aa3189cc"
	"6c4e98cd36e174ef02d51746311ed54d4de07d7017a557d653fc009fb18a3c20"
	"af4917c945db35f3b1be01d9d4e469833a28913cc2961b8d4e1b33845309d026"
	"7f85917229ad977575541bac87c54f2244623b8b427c1c5d3088542e09721309"
	"d3b14e17132cda439da63aef9a3d0922cdaa96cdc3a280296c2146fcf80aa115"
	"f6e1e7215afc46f7d34fa1948ff608f2d02c5d74d0ae6e27b06312240a2a";
static const char psk_response_hex[] =
	"d08343a10103a1054cd3a1f2b80c5e9a4716e02b6c58a134237399708c8f8636"
	"45955c5eb53960fb4b999dc985aa705a6eabfa5c61f11af3ed0eed4dfa80cd0c"
	"b9de3be3cee0299bb398a138c8c54e573882e9dbf3636b4ea079328d2e21bc2e"
	"c4d6e4ec87104794ee20a31e84fb67b24674d503e0de531fdd1f1926085f38bc"
	"f67604c5119cd8353c1444dafd2b197ee6eff03b5278157577c7efa9830f4b58"
	"8396845f2eab3acc7317890dc938d402686ffb94baf00bb2";
/* Enc_structures and nonces of §12.7. */
static const char request_aad_hex[] = "8368456e63727970743043a1010340";
static const char response_aad_hex[] = "8368456e63727970743043a10103412a";
static const char nonce_1_hex[] = "6ef57d929c0b47c3fe0335f1";
static const char nonce_42_hex[] = "6ef57d929c0b47c3fe0335da";
static const char nonce_max_hex[] = "6ef57d9263f4b83c01fcca0f";

static const char *protocol_md;

static const uint8_t prot_a256gcm[] = { 0xa1, 0x01, 0x03 };

static uint8_t *unhex(const char *hex, size_t *len)
{
	return tv_unhex(hex, len);
}

static void derive_keys(const char *psk_h, const char *kid_h, struct mayday_psk_keys *keys)
{
	size_t psk_len, kid_len;
	uint8_t *psk = unhex(psk_h, &psk_len), *kid = unhex(kid_h, &kid_len);

	assert_int_equal(mayday_psk_derive(psk, psk_len, kid, kid_len, keys), MAYDAY_OK);
	free(psk);
	free(kid);
}

static void assert_hex(const uint8_t *b, size_t len, const char *want)
{
	char *got = malloc(2 * len + 1);

	assert_non_null(got);
	mayday_hex(b, len, got);
	assert_string_equal(got, want);
	free(got);
}

/* Independent AES-256-GCM: ct gets pt_len + 16 bytes (ciphertext || tag). */
static void gcm_seal(const uint8_t *key, const uint8_t *nonce, const uint8_t *aad, size_t aad_len,
		     const uint8_t *pt, size_t pt_len, uint8_t *ct)
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int n;

	assert_non_null(c);
	assert_int_equal(EVP_EncryptInit_ex(c, EVP_aes_256_gcm(), NULL, key, nonce), 1);
	assert_int_equal(EVP_EncryptUpdate(c, NULL, &n, aad, (int)aad_len), 1);
	if (pt_len)
		assert_int_equal(EVP_EncryptUpdate(c, ct, &n, pt, (int)pt_len), 1);
	assert_int_equal(EVP_EncryptFinal_ex(c, ct + pt_len, &n), 1);
	assert_int_equal(EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16, ct + pt_len), 1);
	EVP_CIPHER_CTX_free(c);
}

static size_t piv_of(uint64_t v, uint8_t out[8])
{
	size_t n = 0;

	for (int shift = 56; shift >= 0; shift -= 8)
		if (n || (v >> shift) & 0xff || shift == 0)
			out[n++] = (uint8_t)(v >> shift);
	return n;
}

/* A datagram built field by field: protected bytes, raw unprotected map,
 * and a ciphertext sealed with key/nonce over the Enc_structure. */
struct spec {
	const uint8_t *prot;
	size_t prot_len;
	struct tv_cbor unprot;
	const uint8_t *key;
	uint8_t nonce[12];
	uint8_t ext[8];
	size_t ext_len;
	const uint8_t *pt;
	size_t pt_len;
};

static void build(struct tv_cbor *b, const struct spec *s)
{
	struct tv_cbor aad;
	uint8_t *ct = malloc(s->pt_len + 16);

	assert_non_null(ct);
	tvc_init(&aad);
	tvc_array(&aad, 3);
	tvc_tstr(&aad, "Encrypt0");
	tvc_bstr(&aad, s->prot, s->prot_len);
	tvc_bstr(&aad, s->ext, s->ext_len);
	gcm_seal(s->key, s->nonce, aad.buf, aad.len, s->pt, s->pt_len, ct);
	tvc_init(b);
	tvc_tag(b, 16);
	tvc_array(b, 3);
	tvc_bstr(b, s->prot, s->prot_len);
	tvc_raw(b, s->unprot.buf, s->unprot.len);
	tvc_bstr(b, ct, s->pt_len + 16);
	free(ct);
}

static void request_nonce(const struct mayday_psk_keys *k, uint64_t counter, uint8_t nonce[12])
{
	uint8_t piv[8];
	size_t n = piv_of(counter, piv);

	memcpy(nonce, k->request_iv, 12);
	for (size_t i = 0; i < n; i++)
		nonce[12 - n + i] ^= piv[i];
}

/* A well-formed request spec under `k`. */
static void request_spec(struct spec *s, const struct mayday_psk_keys *k, uint64_t counter,
			 const uint8_t *pt, size_t pt_len)
{
	uint8_t piv[8];

	memset(s, 0, sizeof(*s));
	s->prot = prot_a256gcm;
	s->prot_len = sizeof(prot_a256gcm);
	tvc_init(&s->unprot);
	tvc_map(&s->unprot, 2);
	tvc_uint(&s->unprot, 4);
	tvc_bstr(&s->unprot, k->kid, k->kid_len);
	tvc_uint(&s->unprot, 6);
	tvc_bstr(&s->unprot, piv, piv_of(counter, piv));
	s->key = k->request_key;
	request_nonce(k, counter, s->nonce);
	s->pt = pt;
	s->pt_len = pt_len;
}

static void response_spec(struct spec *s, const struct mayday_psk_keys *k, uint64_t counter,
			  const uint8_t iv[12], const uint8_t *pt, size_t pt_len)
{
	memset(s, 0, sizeof(*s));
	s->prot = prot_a256gcm;
	s->prot_len = sizeof(prot_a256gcm);
	tvc_init(&s->unprot);
	tvc_map(&s->unprot, 1);
	tvc_uint(&s->unprot, 5);
	tvc_bstr(&s->unprot, iv, 12);
	s->key = k->response_key;
	memcpy(s->nonce, iv, 12);
	s->ext_len = piv_of(counter, s->ext);
	s->pt = pt;
	s->pt_len = pt_len;
}

static void test_derive_vectors(void **state)
{
	struct mayday_psk_keys keys;

	(void)state;
	derive_keys(psk_hex, kid_hex, &keys);
	assert_hex(keys.request_key, sizeof(keys.request_key), request_key_hex);
	assert_hex(keys.request_iv, sizeof(keys.request_iv), request_iv_hex);
	assert_hex(keys.response_key, sizeof(keys.response_key), response_key_hex);
	assert_hex(keys.kid, keys.kid_len, kid_hex);
	mayday_psk_keys_wipe(&keys);
	for (size_t i = 0; i < sizeof(keys); i++)
		assert_int_equal(((const uint8_t *)&keys)[i], 0);
}

static void test_nonce_and_aad_vectors(void **state)
{
	struct mayday_psk_keys keys;
	struct tv_cbor aad;
	uint8_t nonce[12];

	(void)state;
	derive_keys(psk_hex, kid_hex, &keys);
	request_nonce(&keys, 1, nonce);
	assert_hex(nonce, 12, nonce_1_hex);
	request_nonce(&keys, VEC_COUNTER, nonce);
	assert_hex(nonce, 12, nonce_42_hex);
	request_nonce(&keys, UINT64_MAX, nonce);
	assert_hex(nonce, 12, nonce_max_hex);
	tvc_init(&aad);
	tvc_array(&aad, 3);
	tvc_tstr(&aad, "Encrypt0");
	tvc_bstr(&aad, prot_a256gcm, 3);
	tvc_bstr(&aad, NULL, 0);
	assert_hex(aad.buf, aad.len, request_aad_hex);
	tvc_init(&aad);
	tvc_array(&aad, 3);
	tvc_tstr(&aad, "Encrypt0");
	tvc_bstr(&aad, prot_a256gcm, 3);
	tvc_bstr(&aad, (const uint8_t[]){ VEC_COUNTER }, 1);
	assert_hex(aad.buf, aad.len, response_aad_hex);
	mayday_psk_keys_wipe(&keys);
}

static void test_request_vector(void **state)
{
	struct mayday_psk_keys keys;
	struct mayday_psk_header hdr;
	struct mayday_diag diag = { 0 };
	struct mayday_cose_sign1 msg;
	struct mayday_indication ind;
	struct tv_cbor built;
	struct spec s;
	size_t ind_len, vec_len, out_len, pt_len;
	uint8_t *ind_cose = unhex(tv_indication_cose_hex, &ind_len);
	uint8_t *vec = unhex(psk_request_hex, &vec_len);
	uint8_t out[MAYDAY_PSK_DATAGRAM_MAX], pt[MAYDAY_INDICATION_MAX];

	(void)state;
	derive_keys(psk_hex, kid_hex, &keys);
	assert_int_equal(mayday_psk_seal_request(&keys, VEC_COUNTER, ind_cose, ind_len, out,
						 sizeof(out), &out_len), MAYDAY_OK);
	assert_hex(out, out_len, psk_request_hex);
	request_spec(&s, &keys, VEC_COUNTER, ind_cose, ind_len);
	build(&built, &s);
	assert_hex(built.buf, built.len, psk_request_hex);

	assert_int_equal(mayday_psk_peek_kid(vec, vec_len, &hdr, &diag), MAYDAY_OK);
	assert_hex(hdr.kid, hdr.kid_len, kid_hex);
	assert_int_equal(hdr.counter, VEC_COUNTER);
	memset(&hdr, 0, sizeof(hdr));
	assert_int_equal(mayday_psk_open_request(&keys, vec, vec_len, &hdr, pt, sizeof(pt),
						 &pt_len, &diag), MAYDAY_OK);
	assert_int_equal(hdr.counter, VEC_COUNTER);
	assert_hex(hdr.kid, hdr.kid_len, kid_hex);
	assert_int_equal(pt_len, ind_len);
	assert_memory_equal(pt, ind_cose, ind_len);
	/* The receiver's binding rule holds for the vector: claim counter = partial IV. */
	assert_int_equal(mayday_indication_open(pt, pt_len, &msg, &ind, &diag), MAYDAY_OK);
	assert_int_equal(ind.counter, hdr.counter);
	mayday_psk_keys_wipe(&keys);
	free(ind_cose);
	free(vec);
}

static void test_response_vector(void **state)
{
	struct mayday_psk_keys keys;
	struct mayday_diag diag = { 0 };
	struct mayday_ack ack, want;
	struct tv_cbor built;
	struct spec s;
	size_t ack_len, vec_len, iv_len, pt_len;
	uint8_t *ack_cose = unhex(tv_ack_remediate_cose_hex, &ack_len);
	uint8_t *vec = unhex(psk_response_hex, &vec_len);
	uint8_t *iv = unhex(response_iv_hex, &iv_len);
	uint8_t pt[MAYDAY_ACK_MAX];
	EVP_PKEY *pub = tv_pub();

	(void)state;
	derive_keys(psk_hex, kid_hex, &keys);
	response_spec(&s, &keys, VEC_COUNTER, iv, ack_cose, ack_len);
	build(&built, &s);
	assert_hex(built.buf, built.len, psk_response_hex);

	assert_int_equal(mayday_psk_open_response(&keys, VEC_COUNTER, vec, vec_len, pt, sizeof(pt),
						  &pt_len, &diag), MAYDAY_OK);
	assert_int_equal(pt_len, ack_len);
	assert_memory_equal(pt, ack_cose, ack_len);
	assert_int_equal(mayday_ack_verify(pt, pt_len, pub, &ack, &diag), MAYDAY_OK);
	tv_example_ack_remediate(&want);
	assert_memory_equal(&ack, &want, sizeof(ack));
	/* Bound to its request: another counter does not open it. */
	assert_int_equal(mayday_psk_open_response(&keys, VEC_COUNTER + 1, vec, vec_len, pt,
						  sizeof(pt), &pt_len, &diag), MAYDAY_E_SIGNATURE);
	assert_int_equal(pt_len, 0);
	EVP_PKEY_free(pub);
	mayday_psk_keys_wipe(&keys);
	free(ack_cose);
	free(vec);
	free(iv);
}

/* The response the library seals is the documented construction with the IV
 * it drew, and a fresh IV each time. */
static void test_response_seal(void **state)
{
	struct mayday_psk_keys keys;
	struct mayday_diag diag = { 0 };
	struct tv_cbor built;
	struct spec s;
	size_t ack_len, len[2], pt_len;
	uint8_t *ack_cose = unhex(tv_ack_remediate_cose_hex, &ack_len);
	uint8_t out[2][MAYDAY_PSK_DATAGRAM_MAX], pt[MAYDAY_ACK_MAX], req_nonce[12];
	const size_t iv_off = 9; /* d0 83 43a10103 a1 05 4c */

	(void)state;
	derive_keys(psk_hex, kid_hex, &keys);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(mayday_psk_seal_response(&keys, VEC_COUNTER, ack_cose, ack_len,
							  out[i], sizeof(out[i]), &len[i]),
				 MAYDAY_OK);
		assert_int_equal(len[i], ack_len + 39);
		response_spec(&s, &keys, VEC_COUNTER, out[i] + iv_off, ack_cose, ack_len);
		build(&built, &s);
		assert_int_equal(built.len, len[i]);
		assert_memory_equal(built.buf, out[i], len[i]);
		assert_int_equal(mayday_psk_open_response(&keys, VEC_COUNTER, out[i], len[i], pt,
							  sizeof(pt), &pt_len, &diag), MAYDAY_OK);
		assert_memory_equal(pt, ack_cose, ack_len);
	}
	/* Two answers to one request: same plaintext, different nonces. */
	assert_memory_not_equal(out[0] + iv_off, out[1] + iv_off, 12);
	/* Nor is a response nonce the nonce of the request it answers. */
	request_nonce(&keys, VEC_COUNTER, req_nonce);
	assert_memory_not_equal(out[0] + iv_off, req_nonce, 12);
	mayday_psk_keys_wipe(&keys);
	free(ack_cose);
}

/* Request and response for the same counter and plaintext never share
 * key, nonce or ciphertext. */
static void test_nonce_uniqueness(void **state)
{
	struct mayday_psk_keys keys;
	uint8_t pt[64], req[256], resp[256], nonces[64][12];
	size_t req_len, resp_len;

	(void)state;
	memset(pt, 0x5a, sizeof(pt));
	derive_keys(psk_hex, kid_hex, &keys);
	assert_memory_not_equal(keys.request_key, keys.response_key, MAYDAY_PSK_KEY_LEN);
	assert_int_equal(mayday_psk_seal_request(&keys, 7, pt, sizeof(pt), req, sizeof(req),
						 &req_len), MAYDAY_OK);
	assert_int_equal(mayday_psk_seal_response(&keys, 7, pt, sizeof(pt), resp, sizeof(resp),
						  &resp_len), MAYDAY_OK);
	/* Ciphertext || tag are the last 80 bytes of each. */
	assert_memory_not_equal(req + req_len - 80, resp + resp_len - 80, 80);
	/* Distinct counters, distinct request nonces. */
	for (uint64_t c = 1; c <= 64; c++) {
		request_nonce(&keys, c, nonces[c - 1]);
		for (uint64_t d = 1; d < c; d++)
			assert_memory_not_equal(nonces[c - 1], nonces[d - 1], 12);
	}
	mayday_psk_keys_wipe(&keys);
}

static void test_round_trip(void **state)
{
	static const uint64_t counters[] = { 1, 0xff, 0x100, 0xffff, 0x10000, UINT32_MAX,
					     (uint64_t)UINT32_MAX + 1, UINT64_MAX - 1, UINT64_MAX };
	static const size_t sizes[] = { 0, 1, 15, 16, 17, 343, MAYDAY_INDICATION_MAX };
	static uint8_t pt[MAYDAY_INDICATION_MAX], got[MAYDAY_INDICATION_MAX];
	static uint8_t out[MAYDAY_PSK_DATAGRAM_MAX];
	struct mayday_psk_keys keys;

	(void)state;
	for (size_t i = 0; i < sizeof(pt); i++)
		pt[i] = (uint8_t)(i * 7 + 3);
	derive_keys(psk_hex, kid_hex, &keys);
	for (size_t ci = 0; ci < sizeof(counters) / sizeof(counters[0]); ci++) {
		for (size_t si = 0; si < sizeof(sizes) / sizeof(sizes[0]); si++) {
			struct mayday_psk_header hdr;
			struct mayday_diag diag = { 0 };
			size_t out_len, got_len;
			uint8_t piv[8];
			size_t piv_len = piv_of(counters[ci], piv);

			assert_int_equal(mayday_psk_seal_request(&keys, counters[ci], pt, sizes[si],
								 out, sizeof(out), &out_len),
					 MAYDAY_OK);
			/* kid at 8..15, then 06, the partial IV's head and bytes. */
			assert_int_equal(out[17], 0x06);
			assert_int_equal(out[18], 0x40 + piv_len);
			assert_memory_equal(out + 19, piv, piv_len);
			assert_int_equal(mayday_psk_open_request(&keys, out, out_len, &hdr, got,
								 sizeof(got), &got_len, &diag),
					 MAYDAY_OK);
			assert_int_equal(hdr.counter, counters[ci]);
			assert_int_equal(got_len, sizes[si]);
			assert_memory_equal(got, pt, sizes[si]);
			if (sizes[si] > MAYDAY_ACK_MAX)
				continue;
			assert_int_equal(mayday_psk_seal_response(&keys, counters[ci], pt, sizes[si],
								  out, sizeof(out), &out_len),
					 MAYDAY_OK);
			assert_int_equal(mayday_psk_open_response(&keys, counters[ci], out, out_len,
								  got, sizeof(got), &got_len,
								  &diag), MAYDAY_OK);
			assert_int_equal(got_len, sizes[si]);
			assert_memory_equal(got, pt, sizes[si]);
		}
	}
	mayday_psk_keys_wipe(&keys);
}

/* The largest request the limits allow fits MAYDAY_PSK_DATAGRAM_MAX. */
static void test_largest(void **state)
{
	static uint8_t pt[MAYDAY_INDICATION_MAX + 1], out[MAYDAY_PSK_DATAGRAM_MAX + 64];
	uint8_t psk[MAYDAY_PSK_LEN] = { 1 }, kid[MAYDAY_PSK_KID_MAX] = { 2 };
	struct mayday_psk_keys keys;
	size_t len;

	(void)state;
	assert_int_equal(mayday_psk_derive(psk, sizeof(psk), kid, sizeof(kid), &keys), MAYDAY_OK);
	assert_int_equal(mayday_psk_seal_request(&keys, UINT64_MAX, pt, MAYDAY_INDICATION_MAX, out,
						 sizeof(out), &len), MAYDAY_OK);
	assert_true(len <= MAYDAY_PSK_DATAGRAM_MAX);
	assert_int_equal(mayday_psk_seal_request(&keys, 1, pt, MAYDAY_INDICATION_MAX + 1, out,
						 sizeof(out), &len), MAYDAY_E_TOOBIG);
	assert_int_equal(mayday_psk_seal_response(&keys, UINT64_MAX, pt, MAYDAY_ACK_MAX, out,
						  sizeof(out), &len), MAYDAY_OK);
	assert_true(len <= MAYDAY_PSK_DATAGRAM_MAX);
	assert_int_equal(mayday_psk_seal_response(&keys, 1, pt, MAYDAY_ACK_MAX + 1, out,
						  sizeof(out), &len), MAYDAY_E_TOOBIG);
	mayday_psk_keys_wipe(&keys);
}

static void test_seal_args(void **state)
{
	struct mayday_psk_keys keys;
	uint8_t pt[40] = { 0 }, out[128];
	size_t need, len;

	(void)state;
	derive_keys(psk_hex, kid_hex, &keys);
	assert_int_equal(mayday_psk_seal_request(&keys, 0, pt, sizeof(pt), out, sizeof(out), &len),
			 MAYDAY_E_INVALID);
	assert_int_equal(mayday_psk_seal_response(&keys, 0, pt, sizeof(pt), out, sizeof(out),
						  &len), MAYDAY_E_INVALID);
	assert_int_equal(mayday_psk_seal_request(NULL, 1, pt, sizeof(pt), out, sizeof(out), &len),
			 MAYDAY_E_INVALID);
	assert_int_equal(mayday_psk_seal_request(&keys, 1, pt, sizeof(pt), out, sizeof(out),
						 &need), MAYDAY_OK);
	for (size_t cap = 0; cap < need; cap++)
		assert_int_equal(mayday_psk_seal_request(&keys, 1, pt, sizeof(pt), out, cap, &len),
				 MAYDAY_E_TOOBIG);
	assert_int_equal(mayday_psk_seal_response(&keys, 1, pt, sizeof(pt), out, sizeof(out),
						  &need), MAYDAY_OK);
	for (size_t cap = 0; cap < need; cap++)
		assert_int_equal(mayday_psk_seal_response(&keys, 1, pt, sizeof(pt), out, cap, &len),
				 MAYDAY_E_TOOBIG);
	mayday_psk_keys_wipe(&keys);
}

static void test_derive_args(void **state)
{
	uint8_t psk[MAYDAY_PSK_LEN + 1] = { 0 }, kid[MAYDAY_PSK_KID_MAX + 1] = { 0 }, out[64];
	struct mayday_psk_keys keys, other;
	size_t len;

	(void)state;
	memset(&keys, 0xee, sizeof(keys));
	assert_int_equal(mayday_psk_derive(psk, MAYDAY_PSK_LEN - 1, kid, 8, &keys), MAYDAY_E_KEY);
	for (size_t i = 0; i < sizeof(keys); i++)
		assert_int_equal(((const uint8_t *)&keys)[i], 0);
	assert_int_equal(mayday_psk_derive(psk, MAYDAY_PSK_LEN + 1, kid, 8, &keys), MAYDAY_E_KEY);
	assert_int_equal(mayday_psk_derive(psk, MAYDAY_PSK_LEN, kid, MAYDAY_PSK_KID_MIN - 1, &keys),
			 MAYDAY_E_KEY);
	assert_int_equal(mayday_psk_derive(psk, MAYDAY_PSK_LEN, kid, MAYDAY_PSK_KID_MAX + 1, &keys),
			 MAYDAY_E_KEY);
	assert_int_equal(mayday_psk_derive(NULL, MAYDAY_PSK_LEN, kid, 8, &keys), MAYDAY_E_INVALID);
	/* A wiped (or never derived) key set cannot seal. */
	assert_int_equal(mayday_psk_seal_request(&keys, 1, psk, 1, out, sizeof(out), &len),
			 MAYDAY_E_INVALID);
	/* The kid is the salt: same PSK, another kid, other keys. */
	assert_int_equal(mayday_psk_derive(psk, MAYDAY_PSK_LEN, kid, 8, &keys), MAYDAY_OK);
	kid[7] = 1;
	assert_int_equal(mayday_psk_derive(psk, MAYDAY_PSK_LEN, kid, 8, &other), MAYDAY_OK);
	assert_memory_not_equal(keys.request_key, other.request_key, MAYDAY_PSK_KEY_LEN);
	assert_memory_not_equal(keys.request_iv, other.request_iv, MAYDAY_PSK_IV_LEN);
	assert_memory_not_equal(keys.response_key, other.response_key, MAYDAY_PSK_KEY_LEN);
	mayday_psk_keys_wipe(&keys);
	mayday_psk_keys_wipe(&other);
	mayday_psk_keys_wipe(NULL);
}

static void test_generate(void **state)
{
	uint8_t psk[2][MAYDAY_PSK_LEN], kid[2][MAYDAY_PSK_KID_GEN];
	struct mayday_psk_keys keys;

	(void)state;
	for (int i = 0; i < 2; i++)
		assert_int_equal(mayday_psk_generate(psk[i], kid[i]), MAYDAY_OK);
	assert_memory_not_equal(psk[0], psk[1], MAYDAY_PSK_LEN);
	assert_memory_not_equal(kid[0], kid[1], MAYDAY_PSK_KID_GEN);
	assert_int_equal(mayday_psk_derive(psk[0], MAYDAY_PSK_LEN, kid[0], MAYDAY_PSK_KID_GEN,
					   &keys), MAYDAY_OK);
	mayday_psk_keys_wipe(&keys);
	assert_int_equal(mayday_psk_generate(NULL, kid[0]), MAYDAY_E_INVALID);
}

static void expect_open_fails(const struct mayday_psk_keys *keys, const uint8_t *in, size_t len,
			      enum mayday_err want)
{
	struct mayday_psk_header hdr;
	struct mayday_diag diag = { 0 };
	uint8_t pt[MAYDAY_INDICATION_MAX] = { 0 };
	size_t pt_len = 99;

	assert_int_equal(mayday_psk_open_request(keys, in, len, &hdr, pt, sizeof(pt), &pt_len,
						 &diag), want);
	assert_int_equal(pt_len, 0);
	assert_int_equal(hdr.counter, 0);
	assert_non_null(diag.what);
	assert_true(diag.offset <= len);
	for (size_t i = 0; i < sizeof(pt); i++)
		assert_int_equal(pt[i], 0);
}

static void test_wrong_keys(void **state)
{
	static const char other_psk_hex[] =
		"ff0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
	struct mayday_psk_keys keys, other_psk, other_kid;
	struct mayday_diag diag = { 0 };
	struct tv_cbor b;
	struct spec s;
	size_t len, ack_len, pt_len;
	uint8_t *vec = unhex(psk_request_hex, &len);
	uint8_t *resp = unhex(psk_response_hex, &ack_len);
	uint8_t pt[MAYDAY_ACK_MAX], iv[12] = { 9 };

	(void)state;
	derive_keys(psk_hex, kid_hex, &keys);
	derive_keys(other_psk_hex, kid_hex, &other_psk);
	derive_keys(psk_hex, "a0b1c2d3e4f50618", &other_kid);
	expect_open_fails(&other_psk, vec, len, MAYDAY_E_SIGNATURE);
	expect_open_fails(&other_kid, vec, len, MAYDAY_E_KEY);
	assert_int_equal(mayday_psk_open_response(&other_psk, VEC_COUNTER, resp, ack_len, pt,
						  sizeof(pt), &pt_len, &diag), MAYDAY_E_SIGNATURE);

	/* Wrong direction: a request sealed with the response key, a response
	 * sealed with the request key and nonce. */
	request_spec(&s, &keys, 5, (const uint8_t *)"hello", 5);
	s.key = keys.response_key;
	build(&b, &s);
	expect_open_fails(&keys, b.buf, b.len, MAYDAY_E_SIGNATURE);
	s.key = keys.request_key;
	build(&b, &s);
	assert_int_equal(mayday_psk_open_request(&keys, b.buf, b.len, &(struct mayday_psk_header){0},
						 pt, sizeof(pt), &pt_len, &diag), MAYDAY_OK);
	request_nonce(&keys, 5, iv);
	response_spec(&s, &keys, 5, iv, (const uint8_t *)"hello", 5);
	s.key = keys.request_key;
	build(&b, &s);
	assert_int_equal(mayday_psk_open_response(&keys, 5, b.buf, b.len, pt, sizeof(pt), &pt_len,
						  &diag), MAYDAY_E_SIGNATURE);
	/* A request is not a response and vice versa, whatever the keys. */
	assert_int_equal(mayday_psk_open_response(&keys, VEC_COUNTER, vec, len, pt, sizeof(pt),
						  &pt_len, &diag), MAYDAY_E_UNSUPPORTED);
	expect_open_fails(&keys, resp, ack_len, MAYDAY_E_UNSUPPORTED);
	mayday_psk_keys_wipe(&keys);
	mayday_psk_keys_wipe(&other_psk);
	mayday_psk_keys_wipe(&other_kid);
	free(vec);
	free(resp);
}

static void test_bit_flips(void **state)
{
	struct mayday_psk_keys keys;
	size_t len, rlen;
	uint8_t *v = unhex(psk_request_hex, &len);
	uint8_t *r = unhex(psk_response_hex, &rlen);
	uint8_t pt[MAYDAY_INDICATION_MAX];

	(void)state;
	derive_keys(psk_hex, kid_hex, &keys);
	for (size_t i = 0; i < len * 8; i++) {
		struct mayday_psk_header hdr;
		struct mayday_diag diag = { 0 };
		size_t pt_len;

		v[i / 8] ^= (uint8_t)(1u << (i % 8));
		assert_int_not_equal(mayday_psk_open_request(&keys, v, len, &hdr, pt, sizeof(pt),
							     &pt_len, &diag), MAYDAY_OK);
		assert_int_equal(pt_len, 0);
		assert_true(diag.offset <= len);
		v[i / 8] ^= (uint8_t)(1u << (i % 8));
	}
	for (size_t i = 0; i < rlen * 8; i++) {
		struct mayday_diag diag = { 0 };
		size_t pt_len;

		r[i / 8] ^= (uint8_t)(1u << (i % 8));
		assert_int_not_equal(mayday_psk_open_response(&keys, VEC_COUNTER, r, rlen, pt,
							      sizeof(pt), &pt_len, &diag),
				     MAYDAY_OK);
		assert_int_equal(pt_len, 0);
		r[i / 8] ^= (uint8_t)(1u << (i % 8));
	}
	mayday_psk_keys_wipe(&keys);
	free(v);
	free(r);
}

static void test_truncation(void **state)
{
	struct mayday_psk_keys keys;
	size_t len, rlen;
	uint8_t *v = unhex(psk_request_hex, &len);
	uint8_t *r = unhex(psk_response_hex, &rlen);
	uint8_t pt[MAYDAY_INDICATION_MAX];

	(void)state;
	derive_keys(psk_hex, kid_hex, &keys);
	for (size_t n = 0; n < len; n++) {
		struct mayday_psk_header hdr;
		struct mayday_diag diag = { 0 };
		size_t pt_len;

		/* Each prefix in its own allocation, so ASan sees any over-read. */
		uint8_t *cut = malloc(n ? n : 1);

		assert_non_null(cut);
		memcpy(cut, v, n);
		assert_int_equal(mayday_psk_peek_kid(cut, n, &hdr, &diag), MAYDAY_E_MALFORMED);
		assert_string_equal(diag.what, "truncated");
		assert_true(diag.offset <= n);
		assert_int_equal(mayday_psk_open_request(&keys, cut, n, &hdr, pt, sizeof(pt),
							 &pt_len, &diag), MAYDAY_E_MALFORMED);
		free(cut);
	}
	for (size_t n = 0; n < rlen; n++) {
		struct mayday_diag diag = { 0 };
		size_t pt_len;
		uint8_t *cut = malloc(n ? n : 1);

		assert_non_null(cut);
		memcpy(cut, r, n);
		assert_int_equal(mayday_psk_open_response(&keys, VEC_COUNTER, cut, n, pt, sizeof(pt),
							  &pt_len, &diag), MAYDAY_E_MALFORMED);
		assert_string_equal(diag.what, "truncated");
		free(cut);
	}
	mayday_psk_keys_wipe(&keys);
	free(v);
	free(r);
}

/* Structural rejections: message bytes, expected error, diag text and offset. */
static void expect_peek(const struct tv_cbor *b, enum mayday_err want, const char *what,
			size_t off)
{
	struct mayday_psk_header hdr;
	struct mayday_diag diag = { 0 };

	assert_int_equal(mayday_psk_peek_kid(b->buf, b->len, &hdr, &diag), want);
	assert_string_equal(diag.what, what);
	assert_int_equal(diag.offset, off);
	assert_int_equal(hdr.kid_len, 0);
}

/* Head of a request up to the unprotected map: d0 83 43 a10103 (6 bytes);
 * with req_unprot the kid is at 8, the partial IV at 18. */
static void req_head(struct tv_cbor *b)
{
	tvc_init(b);
	tvc_tag(b, 16);
	tvc_array(b, 3);
	tvc_bstr(b, prot_a256gcm, 3);
}

static const uint8_t kid8[8] = { 0xa0, 0xb1, 0xc2, 0xd3, 0xe4, 0xf5, 0x06, 0x17 };
static const uint8_t ct16[17] = { 0 };

static void req_unprot(struct tv_cbor *b, const uint8_t *piv, size_t piv_len)
{
	tvc_map(b, 2);
	tvc_uint(b, 4);
	tvc_bstr(b, kid8, sizeof(kid8));
	tvc_uint(b, 6);
	tvc_bstr(b, piv, piv_len);
}

static void test_reject_protected(void **state)
{
	struct tv_cbor b;
	const uint8_t piv[1] = { 1 };
	struct {
		const char *prot_hex;
		enum mayday_err err;
		const char *what;
		size_t off;
	} cases[] = {
		{ "a10101", MAYDAY_E_UNSUPPORTED, "algorithm is not A256GCM", 5 },     /* A128GCM */
		{ "a10126", MAYDAY_E_UNSUPPORTED, "algorithm is not A256GCM", 5 },     /* ES256 */
		{ "a1016441323536", MAYDAY_E_UNSUPPORTED, "algorithm is not A256GCM", 5 }, /* text */
		{ "a10164413235", MAYDAY_E_MALFORMED, "truncated", 5 },
		{ "a0", MAYDAY_E_UNSUPPORTED, "no algorithm in protected header", 3 },
		{ "", MAYDAY_E_UNSUPPORTED, "no algorithm in protected header", 3 },
		{ "a10281", MAYDAY_E_CRITICAL, "crit header present", 4 },
		{ "a2010302810a", MAYDAY_E_CRITICAL, "crit header present", 6 },
		{ "a2010304410a", MAYDAY_E_UNSUPPORTED, "protected header label not in profile", 6 },
		{ "a2030001", MAYDAY_E_UNSUPPORTED, "protected header label not in profile", 4 },
		{ "a201030103", MAYDAY_E_MALFORMED, "duplicate map key", 6 },
		{ "a1180103", MAYDAY_E_MALFORMED, "non-shortest integer", 4 },
		{ "a101030a", MAYDAY_E_MALFORMED, "trailing bytes", 6 },
		{ "810103", MAYDAY_E_MALFORMED, "protected header is not a map", 3 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t len = strlen(cases[i].prot_hex) / 2;
		uint8_t *p = len ? unhex(cases[i].prot_hex, &len) : NULL;

		tvc_init(&b);
		tvc_tag(&b, 16);
		tvc_array(&b, 3);
		tvc_bstr(&b, p, len);
		req_unprot(&b, piv, 1);
		tvc_bstr(&b, ct16, 16);
		expect_peek(&b, cases[i].err, cases[i].what, cases[i].off);
		free(p);
	}
}

static void test_reject_unprotected(void **state)
{
	struct tv_cbor b;
	const uint8_t piv[9] = { 1, 2, 3, 4, 5, 6, 7, 8, 9 }, piv0[2] = { 0, 42 };
	uint8_t kid17[17] = { 0 };
	struct mayday_psk_header hdr;
	struct mayday_diag diag = { 0 };

	(void)state;
	/* Partial IV: empty, leading zero, 9 bytes; 8 bytes is fine. */
	req_head(&b);
	req_unprot(&b, piv, 0);
	tvc_bstr(&b, ct16, 16);
	expect_peek(&b, MAYDAY_E_MALFORMED, "empty partial IV", 18);
	req_head(&b);
	req_unprot(&b, piv0, 2);
	tvc_bstr(&b, ct16, 16);
	expect_peek(&b, MAYDAY_E_MALFORMED, "partial IV not minimal", 18);
	req_head(&b);
	req_unprot(&b, piv, 9);
	tvc_bstr(&b, ct16, 16);
	expect_peek(&b, MAYDAY_E_MALFORMED, "partial IV longer than 8 bytes", 18);
	req_head(&b);
	req_unprot(&b, piv, 8);
	tvc_bstr(&b, ct16, 16);
	assert_int_equal(mayday_psk_peek_kid(b.buf, b.len, &hdr, &diag), MAYDAY_OK);
	assert_int_equal(hdr.counter, UINT64_C(0x0102030405060708));
	assert_memory_equal(hdr.kid, kid8, sizeof(kid8));

	/* kid: 7 bytes, 17 bytes, a text string. */
	req_head(&b);
	tvc_map(&b, 2);
	tvc_uint(&b, 4);
	tvc_bstr(&b, kid8, 7);
	tvc_uint(&b, 6);
	tvc_bstr(&b, piv, 1);
	tvc_bstr(&b, ct16, 16);
	expect_peek(&b, MAYDAY_E_MALFORMED, "kid too short", 8);
	req_head(&b);
	tvc_map(&b, 2);
	tvc_uint(&b, 4);
	tvc_bstr(&b, kid17, 17);
	tvc_uint(&b, 6);
	tvc_bstr(&b, piv, 1);
	tvc_bstr(&b, ct16, 16);
	expect_peek(&b, MAYDAY_E_TOOBIG, "kid too long", 8);
	req_head(&b);
	tvc_map(&b, 2);
	tvc_uint(&b, 4);
	tvc_tstr(&b, "device-1");
	tvc_uint(&b, 6);
	tvc_bstr(&b, piv, 1);
	tvc_bstr(&b, ct16, 16);
	expect_peek(&b, MAYDAY_E_MALFORMED, "expected a byte string", 8);

	/* Missing labels. */
	req_head(&b);
	tvc_map(&b, 1);
	tvc_uint(&b, 6);
	tvc_bstr(&b, piv, 1);
	tvc_bstr(&b, ct16, 16);
	expect_peek(&b, MAYDAY_E_MALFORMED, "kid missing", 10);
	req_head(&b);
	tvc_map(&b, 1);
	tvc_uint(&b, 4);
	tvc_bstr(&b, kid8, 8);
	tvc_bstr(&b, ct16, 16);
	expect_peek(&b, MAYDAY_E_MALFORMED, "partial IV missing", 17);
	req_head(&b);
	tvc_map(&b, 0);
	tvc_bstr(&b, ct16, 16);
	expect_peek(&b, MAYDAY_E_MALFORMED, "kid missing", 7);

	/* Order, duplicates, crit, other labels (IV, alg, text and negative). */
	req_head(&b);
	tvc_map(&b, 2);
	tvc_uint(&b, 6);
	tvc_bstr(&b, piv, 1);
	tvc_uint(&b, 4);
	tvc_bstr(&b, kid8, 8);
	tvc_bstr(&b, ct16, 16);
	expect_peek(&b, MAYDAY_E_MALFORMED, "map keys not in deterministic order", 10);
	req_head(&b);
	tvc_map(&b, 3);
	tvc_uint(&b, 4);
	tvc_bstr(&b, kid8, 8);
	tvc_uint(&b, 4);
	tvc_bstr(&b, kid8, 8);
	tvc_uint(&b, 6);
	tvc_bstr(&b, piv, 1);
	tvc_bstr(&b, ct16, 16);
	expect_peek(&b, MAYDAY_E_MALFORMED, "duplicate map key", 17);
	req_head(&b);
	tvc_map(&b, 3);
	tvc_uint(&b, 2);
	tvc_array(&b, 1);
	tvc_uint(&b, 4);
	tvc_uint(&b, 4);
	tvc_bstr(&b, kid8, 8);
	tvc_uint(&b, 6);
	tvc_bstr(&b, piv, 1);
	tvc_bstr(&b, ct16, 16);
	expect_peek(&b, MAYDAY_E_CRITICAL, "crit header present", 7);
	req_head(&b);
	tvc_map(&b, 3);
	tvc_uint(&b, 4);
	tvc_bstr(&b, kid8, 8);
	tvc_uint(&b, 5);
	tvc_bstr(&b, ct16, 12);
	tvc_uint(&b, 6);
	tvc_bstr(&b, piv, 1);
	tvc_bstr(&b, ct16, 16);
	expect_peek(&b, MAYDAY_E_UNSUPPORTED, "unprotected header label not in profile", 17);
	req_head(&b);
	tvc_map(&b, 3);
	tvc_uint(&b, 1);
	tvc_uint(&b, 3);
	tvc_uint(&b, 4);
	tvc_bstr(&b, kid8, 8);
	tvc_uint(&b, 6);
	tvc_bstr(&b, piv, 1);
	tvc_bstr(&b, ct16, 16);
	expect_peek(&b, MAYDAY_E_UNSUPPORTED, "unprotected header label not in profile", 7);
	req_head(&b);
	tvc_map(&b, 3);
	tvc_uint(&b, 4);
	tvc_bstr(&b, kid8, 8);
	tvc_uint(&b, 6);
	tvc_bstr(&b, piv, 1);
	tvc_nint(&b, 0);
	tvc_uint(&b, 0);
	tvc_bstr(&b, ct16, 16);
	expect_peek(&b, MAYDAY_E_UNSUPPORTED, "unprotected header label not in profile", 20);
	req_head(&b);
	tvc_map(&b, 1);
	tvc_tstr(&b, "kid");
	tvc_bstr(&b, kid8, 8);
	tvc_bstr(&b, ct16, 16);
	expect_peek(&b, MAYDAY_E_UNSUPPORTED, "unprotected header label not in profile", 7);
}

static void test_reject_structure(void **state)
{
	static uint8_t big[MAYDAY_PSK_DATAGRAM_MAX + 1];
	struct tv_cbor b;
	struct mayday_psk_header hdr;
	struct mayday_diag diag = { 0 };
	const uint8_t piv[1] = { 1 };

	(void)state;
	/* The smallest valid shape decodes (ciphertext = tag only). */
	req_head(&b);
	req_unprot(&b, piv, 1);
	tvc_bstr(&b, ct16, 16);
	assert_int_equal(mayday_psk_peek_kid(b.buf, b.len, &hdr, &diag), MAYDAY_OK);
	assert_int_equal(hdr.counter, 1);
	tvc_byte(&b, 0x00);
	expect_peek(&b, MAYDAY_E_MALFORMED, "trailing bytes", b.len - 1);

	/* Tag, array. */
	tvc_init(&b);
	tvc_array(&b, 3);
	expect_peek(&b, MAYDAY_E_MALFORMED, "not a tagged COSE_Encrypt0", 0);
	tvc_init(&b);
	tvc_tag(&b, 18);
	expect_peek(&b, MAYDAY_E_MALFORMED, "not a tagged COSE_Encrypt0", 0);
	tvc_init(&b);
	tvc_tag(&b, 16);
	tvc_array(&b, 4);
	expect_peek(&b, MAYDAY_E_MALFORMED, "COSE_Encrypt0 is not a 3-item array", 1);
	tvc_init(&b);
	tvc_tag(&b, 16);
	tvc_raw(&b, (const uint8_t[]){ 0x98, 0x03 }, 2);
	expect_peek(&b, MAYDAY_E_MALFORMED, "non-shortest integer", 1);
	tvc_init(&b);
	tvc_tag(&b, 16);
	tvc_raw(&b, (const uint8_t[]){ 0x9f }, 1);
	expect_peek(&b, MAYDAY_E_MALFORMED, "indefinite length", 1);

	/* Ciphertext: nil, text, shorter than the tag, indefinite, over the limit. */
	req_head(&b);
	req_unprot(&b, piv, 1);
	tvc_raw(&b, (const uint8_t[]){ 0xf6 }, 1);
	expect_peek(&b, MAYDAY_E_UNSUPPORTED, "detached ciphertext", 20);
	req_head(&b);
	req_unprot(&b, piv, 1);
	tvc_tstr(&b, "0123456789abcdef");
	expect_peek(&b, MAYDAY_E_MALFORMED, "ciphertext is not a byte string", 20);
	req_head(&b);
	req_unprot(&b, piv, 1);
	tvc_bstr(&b, ct16, 15);
	expect_peek(&b, MAYDAY_E_MALFORMED, "ciphertext shorter than its tag", 20);
	req_head(&b);
	req_unprot(&b, piv, 1);
	tvc_raw(&b, (const uint8_t[]){ 0x5f, 0x50 }, 2);
	tvc_raw(&b, ct16, 16);
	tvc_raw(&b, (const uint8_t[]){ 0xff }, 1);
	expect_peek(&b, MAYDAY_E_MALFORMED, "indefinite length", 20);
	req_head(&b);
	req_unprot(&b, piv, 1);
	tvc_bstr(&b, big, MAYDAY_INDICATION_MAX + 17);
	expect_peek(&b, MAYDAY_E_TOOBIG, "plaintext larger than its limit", 20);
	/* A non-shortest ciphertext head. */
	req_head(&b);
	req_unprot(&b, piv, 1);
	tvc_raw(&b, (const uint8_t[]){ 0x58, 0x10 }, 2);
	tvc_raw(&b, ct16, 16);
	expect_peek(&b, MAYDAY_E_MALFORMED, "non-shortest length", 20);

	/* The whole datagram over its limit is refused before parsing. */
	assert_int_equal(mayday_psk_peek_kid(big, sizeof(big), &hdr, &diag), MAYDAY_E_TOOBIG);
	assert_int_equal(diag.offset, MAYDAY_PSK_DATAGRAM_MAX);
	assert_int_equal(mayday_psk_peek_kid(NULL, 0, &hdr, &diag), MAYDAY_E_MALFORMED);
	assert_int_equal(mayday_psk_peek_kid(big, 1, NULL, &diag), MAYDAY_E_INVALID);
}

static void test_reject_response(void **state)
{
	struct mayday_psk_keys keys;
	struct mayday_diag diag = { 0 };
	struct tv_cbor b;
	uint8_t pt[MAYDAY_ACK_MAX + 64];
	static uint8_t big[MAYDAY_ACK_MAX + 17];
	size_t pt_len;

	(void)state;
	derive_keys(psk_hex, kid_hex, &keys);
	/* IV of 11 bytes; missing; request labels in a response. */
	req_head(&b);
	tvc_map(&b, 1);
	tvc_uint(&b, 5);
	tvc_bstr(&b, ct16, 11);
	tvc_bstr(&b, ct16, 16);
	assert_int_equal(mayday_psk_open_response(&keys, 1, b.buf, b.len, pt, sizeof(pt), &pt_len,
						  &diag), MAYDAY_E_MALFORMED);
	assert_string_equal(diag.what, "IV is not 12 bytes");
	assert_int_equal(diag.offset, 8);
	req_head(&b);
	tvc_map(&b, 0);
	tvc_bstr(&b, ct16, 16);
	assert_int_equal(mayday_psk_open_response(&keys, 1, b.buf, b.len, pt, sizeof(pt), &pt_len,
						  &diag), MAYDAY_E_MALFORMED);
	assert_string_equal(diag.what, "IV missing");
	req_head(&b);
	tvc_map(&b, 2);
	tvc_uint(&b, 5);
	tvc_bstr(&b, ct16, 12);
	tvc_uint(&b, 6);
	tvc_bstr(&b, (const uint8_t[]){ 1 }, 1);
	tvc_bstr(&b, ct16, 16);
	assert_int_equal(mayday_psk_open_response(&keys, 1, b.buf, b.len, pt, sizeof(pt), &pt_len,
						  &diag), MAYDAY_E_UNSUPPORTED);
	assert_int_equal(diag.offset, 21);
	/* Plaintext over the acknowledgement limit. */
	req_head(&b);
	tvc_map(&b, 1);
	tvc_uint(&b, 5);
	tvc_bstr(&b, ct16, 12);
	tvc_bstr(&b, big, sizeof(big));
	assert_int_equal(mayday_psk_open_response(&keys, 1, b.buf, b.len, pt, sizeof(pt), &pt_len,
						  &diag), MAYDAY_E_TOOBIG);
	assert_string_equal(diag.what, "plaintext larger than its limit");
	assert_int_equal(mayday_psk_open_response(&keys, 0, b.buf, b.len, pt, sizeof(pt), &pt_len,
						  &diag), MAYDAY_E_INVALID);
	mayday_psk_keys_wipe(&keys);
}

/* A caller buffer too small for the plaintext is refused before decrypting. */
static void test_small_buffer(void **state)
{
	struct mayday_psk_keys keys;
	struct mayday_psk_header hdr;
	struct mayday_diag diag = { 0 };
	size_t len, pt_len;
	uint8_t *v = unhex(psk_request_hex, &len);
	uint8_t pt[MAYDAY_INDICATION_MAX];

	(void)state;
	derive_keys(psk_hex, kid_hex, &keys);
	assert_int_equal(mayday_psk_open_request(&keys, v, len, &hdr, pt, 342, &pt_len, &diag),
			 MAYDAY_E_TOOBIG);
	assert_string_equal(diag.what, "plaintext buffer too small");
	assert_int_equal(mayday_psk_open_request(&keys, v, len, &hdr, pt, 343, &pt_len, &diag),
			 MAYDAY_OK);
	mayday_psk_keys_wipe(&keys);
	free(v);
}

/* docs/protocol.md carries the same bytes (its hex blocks, whitespace removed). */
static void test_doc(void **state)
{
	static const char *const vectors[] = {
		psk_hex, kid_hex, request_key_hex, request_iv_hex, response_key_hex,
		response_iv_hex, psk_request_hex, psk_response_hex, request_aad_hex,
		response_aad_hex, nonce_1_hex, nonce_42_hex, nonce_max_hex,
	};
	FILE *f;
	char *doc;
	size_t n = 0;
	int c;

	(void)state;
	assert_non_null(protocol_md);
	f = fopen(protocol_md, "r");
	assert_non_null(f);
	doc = malloc(1 << 20);
	assert_non_null(doc);
	while ((c = fgetc(f)) != EOF && n < (1 << 20) - 1)
		if (c != ' ' && c != '\n' && c != '\t')
			doc[n++] = (char)c;
	doc[n] = '\0';
	fclose(f);
	assert_non_null(strstr(doc, "##12."));
	for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++)
		if (!strstr(doc, vectors[i]))
			fail_msg("docs/protocol.md lacks vector %zu (%.16s...)", i, vectors[i]);
	free(doc);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_derive_vectors),
		cmocka_unit_test(test_nonce_and_aad_vectors),
		cmocka_unit_test(test_request_vector),
		cmocka_unit_test(test_response_vector),
		cmocka_unit_test(test_response_seal),
		cmocka_unit_test(test_nonce_uniqueness),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_largest),
		cmocka_unit_test(test_seal_args),
		cmocka_unit_test(test_derive_args),
		cmocka_unit_test(test_generate),
		cmocka_unit_test(test_wrong_keys),
		cmocka_unit_test(test_bit_flips),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_reject_protected),
		cmocka_unit_test(test_reject_unprotected),
		cmocka_unit_test(test_reject_structure),
		cmocka_unit_test(test_reject_response),
		cmocka_unit_test(test_small_buffer),
		cmocka_unit_test(test_doc),
	};

	protocol_md = argc > 1 ? argv[1] : NULL;
	return cmocka_run_group_tests(tests, NULL, NULL);
}

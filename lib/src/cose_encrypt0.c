/* SPDX-License-Identifier: Apache-2.0 */
/*
 * COSE_Encrypt0 with A256GCM in the PSK profile (cose_encrypt0.h,
 * docs/protocol.md §12).
 *
 * Sealing writes the CBOR heads into the caller's buffer and encrypts the
 * plaintext straight behind them, the GCM tag last, so the ciphertext bstr
 * is ciphertext || tag as RFC 9053 §4.1 has it. The AAD is the Enc_structure
 * ["Encrypt0", protected, external_aad], built in a small stack buffer.
 *
 * Decoding is as strict as COSE_Sign1's: one accepted encoding per message
 * (deterministic CBOR, fixed protected header, a fixed set of unprotected
 * labels per direction), every size bounded before anything is decrypted.
 * Opening decrypts into the caller's buffer and wipes it again if the tag
 * does not verify, so unauthenticated plaintext never leaves this file.
 */
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include "algs.h"
#include "cbor_det.h"
#include "cose_encrypt0.h"
#include "cose_hdr.h"

#define COSE_TAG_ENCRYPT0 16
#define HDR_KID           4
#define HDR_IV            5
#define HDR_PIV           6
#define ALG_A256GCM       3
#define HEAD_MAX          64  /* tag, array, headers, ciphertext bstr head: at most 46 */

static const struct cose_hdr_alg a256gcm_alg = { CBOR_DET_UINT, ALG_A256GCM, "algorithm is not A256GCM" };
#define AAD_MAX           32  /* Enc_structure: at most 23 */

/* The serialized protected header {1: 3}. */
static const uint8_t protected_a256gcm[] = { 0xa1, 0x01, 0x03 };
static const char enc_context[] = "Encrypt0";

size_t cose_encrypt0_piv(uint64_t v, uint8_t out[MAYDAY_PSK_PIV_MAX])
{
	size_t n = 1;

	while (n < MAYDAY_PSK_PIV_MAX && (v >> (8 * n)) != 0)
		n++;
	for (size_t i = 0; i < n; i++)
		out[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
	return n;
}

static enum mayday_err enc_structure(const uint8_t *prot, size_t prot_len, const uint8_t *ext,
				     size_t ext_len, uint8_t aad[AAD_MAX], size_t *aad_len)
{
	struct cbor_det_writer w;

	cbor_det_writer_init(&w, aad, AAD_MAX);
	cbor_det_put_array(&w, 3);
	cbor_det_put_tstr(&w, enc_context);
	cbor_det_put_bstr(&w, prot, prot_len);
	cbor_det_put_bstr(&w, ext, ext_len);
	return cbor_det_writer_done(&w, aad_len);
}

/* AES-256-GCM over `in` into `out`; the tag is written (enc) or checked (!enc). */
static enum mayday_err gcm(int enc, const uint8_t *key, const uint8_t *nonce,
			   const uint8_t *aad, size_t aad_len, const uint8_t *in, size_t len,
			   uint8_t *out, uint8_t tag[MAYDAY_PSK_TAG_LEN])
{
	const EVP_CIPHER *aes = algs_aes_256_gcm();
	EVP_CIPHER_CTX *ctx;
	enum mayday_err err = MAYDAY_E_INTERNAL;
	int n;

	if (!aes)
		return MAYDAY_E_INTERNAL;
	if (!(ctx = EVP_CIPHER_CTX_new()))
		return MAYDAY_E_NOMEM;
	if (EVP_CipherInit_ex(ctx, aes, NULL, NULL, NULL, enc) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, MAYDAY_PSK_IV_LEN, NULL) != 1 ||
	    EVP_CipherInit_ex(ctx, NULL, NULL, key, nonce, enc) != 1 ||
	    EVP_CipherUpdate(ctx, NULL, &n, aad, (int)aad_len) != 1)
		goto out;
	if (len && (EVP_CipherUpdate(ctx, out, &n, in, (int)len) != 1 || (size_t)n != len))
		goto out;
	if (!enc && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, MAYDAY_PSK_TAG_LEN, tag) != 1)
		goto out;
	if (EVP_CipherFinal_ex(ctx, out + len, &n) != 1) {
		err = enc ? MAYDAY_E_INTERNAL : MAYDAY_E_SIGNATURE;
		goto out;
	}
	if (enc && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, MAYDAY_PSK_TAG_LEN, tag) != 1)
		goto out;
	err = MAYDAY_OK;
out:
	if (err)
		ERR_clear_error();
	EVP_CIPHER_CTX_free(ctx);
	return err;
}

static void put_unprotected(struct cbor_det_writer *w, const struct cose_encrypt0_hdr *hdr)
{
	uint8_t piv[MAYDAY_PSK_PIV_MAX];

	if (hdr->kind == COSE_ENCRYPT0_RESPONSE) {
		cbor_det_put_map(w, 1);
		cbor_det_put_uint(w, HDR_IV);
		cbor_det_put_bstr(w, hdr->iv, MAYDAY_PSK_IV_LEN);
		return;
	}
	cbor_det_put_map(w, 2);
	cbor_det_put_uint(w, HDR_KID);
	cbor_det_put_bstr(w, hdr->kid, hdr->kid_len);
	cbor_det_put_uint(w, HDR_PIV);
	cbor_det_put_bstr(w, piv, cose_encrypt0_piv(hdr->piv, piv));
}

enum mayday_err cose_encrypt0_seal(const uint8_t key[MAYDAY_PSK_KEY_LEN],
				   const uint8_t nonce[MAYDAY_PSK_IV_LEN],
				   const struct cose_encrypt0_hdr *hdr, const uint8_t *ext_aad,
				   size_t ext_aad_len, const uint8_t *pt, size_t pt_len,
				   uint8_t *out, size_t out_cap, size_t *out_len)
{
	uint8_t head[HEAD_MAX], aad[AAD_MAX], tag[MAYDAY_PSK_TAG_LEN];
	struct cbor_det_writer w;
	size_t head_len, aad_len;
	enum mayday_err err;

	if (hdr->kind == COSE_ENCRYPT0_REQUEST
		    ? (!hdr->kid || hdr->kid_len < MAYDAY_PSK_KID_MIN ||
		       hdr->kid_len > MAYDAY_PSK_KID_MAX || hdr->piv == 0)
		    : !hdr->iv)
		return MAYDAY_E_INVALID;
	err = enc_structure(protected_a256gcm, sizeof(protected_a256gcm), ext_aad, ext_aad_len,
			    aad, &aad_len);
	if (err)
		return err;

	cbor_det_writer_init(&w, head, sizeof(head));
	cbor_det_put_tag(&w, COSE_TAG_ENCRYPT0);
	cbor_det_put_array(&w, 3);
	cbor_det_put_bstr(&w, protected_a256gcm, sizeof(protected_a256gcm));
	put_unprotected(&w, hdr);
	cbor_det_put_bstr_head(&w, pt_len + MAYDAY_PSK_TAG_LEN);
	err = cbor_det_writer_done(&w, &head_len);
	if (err)
		return err;
	if (head_len > out_cap || pt_len + MAYDAY_PSK_TAG_LEN > out_cap - head_len)
		return MAYDAY_E_TOOBIG;

	memcpy(out, head, head_len);
	err = gcm(1, key, nonce, aad, aad_len, pt, pt_len, out + head_len, tag);
	if (err) {
		OPENSSL_cleanse(out, head_len + pt_len);
		return err;
	}
	memcpy(out + head_len + pt_len, tag, sizeof(tag));
	*out_len = head_len + pt_len + MAYDAY_PSK_TAG_LEN;
	return MAYDAY_OK;
}

static enum mayday_err get_kid(struct cbor_det_reader *r, struct cose_encrypt0 *msg)
{
	size_t off = cbor_det_offset(r);
	enum mayday_err err = cbor_det_get_bstr(r, &msg->hdr.kid, &msg->hdr.kid_len);

	if (err)
		return err;
	if (msg->hdr.kid_len < MAYDAY_PSK_KID_MIN)
		return cbor_det_fail(r, off, MAYDAY_E_MALFORMED, "kid too short");
	if (msg->hdr.kid_len > MAYDAY_PSK_KID_MAX)
		return cbor_det_fail(r, off, MAYDAY_E_TOOBIG, "kid too long");
	msg->kid_off = off;
	return MAYDAY_OK;
}

/* A uint64 counter >= 1, minimal big-endian: 1..8 bytes, no leading zero. */
static enum mayday_err get_piv(struct cbor_det_reader *r, struct cose_encrypt0 *msg)
{
	size_t off = cbor_det_offset(r), len;
	const uint8_t *p;
	enum mayday_err err = cbor_det_get_bstr(r, &p, &len);

	if (err)
		return err;
	if (len == 0)
		return cbor_det_fail(r, off, MAYDAY_E_MALFORMED, "empty partial IV");
	if (len > MAYDAY_PSK_PIV_MAX)
		return cbor_det_fail(r, off, MAYDAY_E_MALFORMED, "partial IV longer than 8 bytes");
	if (p[0] == 0)
		return cbor_det_fail(r, off, MAYDAY_E_MALFORMED, "partial IV not minimal");
	msg->hdr.piv = 0;
	for (size_t i = 0; i < len; i++)
		msg->hdr.piv = msg->hdr.piv << 8 | p[i];
	return MAYDAY_OK;
}

static enum mayday_err get_iv(struct cbor_det_reader *r, struct cose_encrypt0 *msg)
{
	size_t off = cbor_det_offset(r), len;
	enum mayday_err err = cbor_det_get_bstr(r, &msg->hdr.iv, &len);

	if (err)
		return err;
	if (len != MAYDAY_PSK_IV_LEN)
		return cbor_det_fail(r, off, MAYDAY_E_MALFORMED, "IV is not 12 bytes");
	return MAYDAY_OK;
}

/* Request {4: kid, 6: piv}; response {5: iv}. Both labels required. */
static enum mayday_err parse_unprotected(struct cbor_det_reader *r, enum cose_encrypt0_kind kind,
					 struct cose_encrypt0 *msg)
{
	struct cbor_det_item it, key;
	const uint8_t *prev = NULL;
	size_t prev_len = 0;
	bool req = kind == COSE_ENCRYPT0_REQUEST;
	enum mayday_err err;

	err = cbor_det_next(r, &it);
	if (err)
		return err;
	if (it.kind != CBOR_DET_MAP)
		return cbor_det_fail(r, it.off, MAYDAY_E_MALFORMED, "unprotected header is not a map");
	for (uint64_t i = 0; i < it.val; i++) {
		err = cose_hdr_next_label(r, &prev, &prev_len, &key);
		if (err)
			return err;
		if (key.kind == CBOR_DET_UINT && key.val == HDR_KID && req)
			err = get_kid(r, msg);
		else if (key.kind == CBOR_DET_UINT && key.val == HDR_PIV && req)
			err = get_piv(r, msg);
		else if (key.kind == CBOR_DET_UINT && key.val == HDR_IV && !req)
			err = get_iv(r, msg);
		else
			return cbor_det_fail(r, key.off, MAYDAY_E_UNSUPPORTED,
					     "unprotected header label not in profile");
		if (err)
			return err;
	}
	/* Keys are unique, so presence of both request labels is all that is left. */
	if (req && !msg->hdr.kid)
		return cbor_det_fail(r, cbor_det_offset(r), MAYDAY_E_MALFORMED, "kid missing");
	if (req && msg->hdr.piv == 0)
		return cbor_det_fail(r, cbor_det_offset(r), MAYDAY_E_MALFORMED, "partial IV missing");
	if (!req && !msg->hdr.iv)
		return cbor_det_fail(r, cbor_det_offset(r), MAYDAY_E_MALFORMED, "IV missing");
	return MAYDAY_OK;
}

static enum mayday_err decode(struct cbor_det_reader *r, size_t pt_max,
			      enum cose_encrypt0_kind kind, struct cose_encrypt0 *msg)
{
	struct cbor_det_item it;
	const uint8_t *p;
	size_t len;
	enum mayday_err err;

	err = cbor_det_next(r, &it);
	if (err)
		return err;
	if (it.kind != CBOR_DET_TAG || it.val != COSE_TAG_ENCRYPT0)
		return cbor_det_fail(r, it.off, MAYDAY_E_MALFORMED, "not a tagged COSE_Encrypt0");
	err = cbor_det_next(r, &it);
	if (err)
		return err;
	if (it.kind != CBOR_DET_ARRAY || it.val != 3)
		return cbor_det_fail(r, it.off, MAYDAY_E_MALFORMED,
				     "COSE_Encrypt0 is not a 3-item array");

	err = cbor_det_get_bstr(r, &p, &len);
	if (err)
		return err;
	err = cose_hdr_parse_protected(p, len, cbor_det_offset(r) - len, r->diag, &a256gcm_alg);
	if (err)
		return err;
	msg->protected_hdr = p;
	msg->protected_len = len;

	err = parse_unprotected(r, kind, msg);
	if (err)
		return err;

	err = cbor_det_next(r, &it);
	if (err)
		return err;
	if (it.kind == CBOR_DET_NULL)
		return cbor_det_fail(r, it.off, MAYDAY_E_UNSUPPORTED, "detached ciphertext");
	if (it.kind != CBOR_DET_BSTR)
		return cbor_det_fail(r, it.off, MAYDAY_E_MALFORMED, "ciphertext is not a byte string");
	if (it.val < MAYDAY_PSK_TAG_LEN)
		return cbor_det_fail(r, it.off, MAYDAY_E_MALFORMED, "ciphertext shorter than its tag");
	if (it.val - MAYDAY_PSK_TAG_LEN > pt_max)
		return cbor_det_fail(r, it.off, MAYDAY_E_TOOBIG, "plaintext larger than its limit");
	msg->ciphertext = it.ptr;
	msg->ciphertext_len = (size_t)it.val;
	msg->ciphertext_off = it.off;
	return cbor_det_end(r);
}

enum mayday_err cose_encrypt0_decode(const uint8_t *in, size_t in_len, size_t max_len,
				     size_t pt_max, enum cose_encrypt0_kind kind,
				     struct cose_encrypt0 *msg, struct mayday_diag *diag)
{
	struct cbor_det_reader r;
	enum mayday_err err;

	memset(msg, 0, sizeof(*msg));
	msg->hdr.kind = kind;
	cbor_det_reader_init(&r, in, in_len, 0, diag);
	if (in_len > max_len)
		return cbor_det_fail(&r, max_len, MAYDAY_E_TOOBIG, "message larger than its limit");
	err = decode(&r, pt_max, kind, msg);
	if (err) {
		memset(msg, 0, sizeof(*msg));
		msg->hdr.kind = kind;
	}
	return err;
}

enum mayday_err cose_encrypt0_open(const struct cose_encrypt0 *msg,
				   const uint8_t key[MAYDAY_PSK_KEY_LEN],
				   const uint8_t nonce[MAYDAY_PSK_IV_LEN], const uint8_t *ext_aad,
				   size_t ext_aad_len, uint8_t *pt, size_t pt_cap, size_t *pt_len,
				   struct mayday_diag *diag)
{
	uint8_t aad[AAD_MAX], tag[MAYDAY_PSK_TAG_LEN];
	size_t aad_len, len = msg->ciphertext_len - MAYDAY_PSK_TAG_LEN;
	const char *what = "authentication tag does not verify";
	enum mayday_err err;

	*pt_len = 0;
	if (len > pt_cap) {
		err = MAYDAY_E_TOOBIG;
		what = "plaintext buffer too small";
		goto out;
	}
	err = enc_structure(msg->protected_hdr, msg->protected_len, ext_aad, ext_aad_len, aad,
			    &aad_len);
	if (err)
		goto out;
	memcpy(tag, msg->ciphertext + len, sizeof(tag));
	err = gcm(0, key, nonce, aad, aad_len, msg->ciphertext, len, pt, tag);
	if (err) {
		OPENSSL_cleanse(pt, len);
		goto out;
	}
	*pt_len = len;
out:
	if (err && diag) {
		diag->offset = msg->ciphertext_off;
		diag->what = err == MAYDAY_E_SIGNATURE || err == MAYDAY_E_TOOBIG
				     ? what : "AEAD failed";
	}
	return err;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The PSK method (design: psk.h; wire format: docs/protocol.md §12).
 *
 * Keys come from one HKDF-SHA256 (RFC 5869) per output, all with the PSK as
 * input keying material and psk_kid as salt, told apart by their info
 * strings, so the two directions never share a key. Request nonces are the
 * derived base IV XOR the left-zero-padded partial IV (RFC 9052 §3.1):
 * unique per counter. Response nonces are drawn at random, because the
 * H(e)MS answers every retransmission of a request with a freshly signed
 * acknowledgement: reusing the request's partial IV would seal different
 * plaintexts under one nonce. The response is tied to its request through
 * the external AAD instead (the request's partial IV bytes).
 */
#include <stdbool.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include "algs.h"
#include "cose_encrypt0.h"
#include "mayday/psk.h"

static const char info_request_key[] = MAYDAY_PSK_INFO_REQUEST_KEY;
static const char info_request_iv[] = MAYDAY_PSK_INFO_REQUEST_IV;
static const char info_response_key[] = MAYDAY_PSK_INFO_RESPONSE_KEY;

enum mayday_err mayday_psk_generate(uint8_t psk[MAYDAY_PSK_LEN], uint8_t kid[MAYDAY_PSK_KID_GEN])
{
	if (!psk || !kid)
		return MAYDAY_E_INVALID;
	if (RAND_bytes(psk, MAYDAY_PSK_LEN) != 1 || RAND_bytes(kid, MAYDAY_PSK_KID_GEN) != 1) {
		OPENSSL_cleanse(psk, MAYDAY_PSK_LEN);
		ERR_clear_error();
		return MAYDAY_E_INTERNAL;
	}
	return MAYDAY_OK;
}

static enum mayday_err hkdf(EVP_KDF *kdf, const uint8_t *psk, size_t psk_len,
			    const uint8_t *salt, size_t salt_len, const char *info,
			    uint8_t *out, size_t out_len)
{
	EVP_KDF_CTX *ctx = EVP_KDF_CTX_new(kdf);
	OSSL_PARAM params[5];
	enum mayday_err err = MAYDAY_OK;

	if (!ctx)
		return MAYDAY_E_NOMEM;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)"SHA256", 0);
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)psk, psk_len);
	params[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)salt, salt_len);
	params[3] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *)info,
						      strlen(info));
	params[4] = OSSL_PARAM_construct_end();
	if (EVP_KDF_derive(ctx, out, out_len, params) != 1) {
		ERR_clear_error();
		err = MAYDAY_E_INTERNAL;
	}
	EVP_KDF_CTX_free(ctx);
	return err;
}

enum mayday_err mayday_psk_derive(const uint8_t *psk, size_t psk_len, const uint8_t *kid,
				  size_t kid_len, struct mayday_psk_keys *keys)
{
	EVP_KDF *kdf = algs_hkdf();
	enum mayday_err err;

	if (!keys)
		return MAYDAY_E_INVALID;
	mayday_psk_keys_wipe(keys);
	if (!psk || !kid)
		return MAYDAY_E_INVALID;
	if (psk_len != MAYDAY_PSK_LEN || kid_len < MAYDAY_PSK_KID_MIN ||
	    kid_len > MAYDAY_PSK_KID_MAX)
		return MAYDAY_E_KEY;
	if (!kdf)
		return MAYDAY_E_INTERNAL;
	err = hkdf(kdf, psk, psk_len, kid, kid_len, info_request_key, keys->request_key,
		   sizeof(keys->request_key));
	if (!err)
		err = hkdf(kdf, psk, psk_len, kid, kid_len, info_request_iv, keys->request_iv,
			   sizeof(keys->request_iv));
	if (!err)
		err = hkdf(kdf, psk, psk_len, kid, kid_len, info_response_key, keys->response_key,
			   sizeof(keys->response_key));
	if (err) {
		mayday_psk_keys_wipe(keys);
		return err;
	}
	memcpy(keys->kid, kid, kid_len);
	keys->kid_len = kid_len;
	return MAYDAY_OK;
}

void mayday_psk_keys_wipe(struct mayday_psk_keys *keys)
{
	if (keys)
		OPENSSL_cleanse(keys, sizeof(*keys));
}

static bool keys_ok(const struct mayday_psk_keys *keys)
{
	return keys && keys->kid_len >= MAYDAY_PSK_KID_MIN && keys->kid_len <= MAYDAY_PSK_KID_MAX;
}

/* base_iv XOR the partial IV of `counter`, left-padded with zeros. */
static void request_nonce(const struct mayday_psk_keys *keys, uint64_t counter,
			  uint8_t nonce[MAYDAY_PSK_IV_LEN])
{
	uint8_t piv[MAYDAY_PSK_PIV_MAX];
	size_t n = cose_encrypt0_piv(counter, piv);

	memcpy(nonce, keys->request_iv, MAYDAY_PSK_IV_LEN);
	for (size_t i = 0; i < n; i++)
		nonce[MAYDAY_PSK_IV_LEN - n + i] ^= piv[i];
}

enum mayday_err mayday_psk_seal_request(const struct mayday_psk_keys *keys, uint64_t counter,
					const uint8_t *pt, size_t pt_len,
					uint8_t *out, size_t out_cap, size_t *out_len)
{
	struct cose_encrypt0_hdr hdr = { .kind = COSE_ENCRYPT0_REQUEST };
	uint8_t nonce[MAYDAY_PSK_IV_LEN];

	if (!keys_ok(keys) || counter == 0 || (!pt && pt_len) || !out || !out_len)
		return MAYDAY_E_INVALID;
	if (pt_len > MAYDAY_INDICATION_MAX)
		return MAYDAY_E_TOOBIG;
	hdr.kid = keys->kid;
	hdr.kid_len = keys->kid_len;
	hdr.piv = counter;
	request_nonce(keys, counter, nonce);
	return cose_encrypt0_seal(keys->request_key, nonce, &hdr, NULL, 0, pt, pt_len, out,
				  out_cap, out_len);
}

enum mayday_err mayday_psk_peek_kid(const uint8_t *in, size_t in_len,
				    struct mayday_psk_header *hdr, struct mayday_diag *diag)
{
	struct cose_encrypt0 msg;
	enum mayday_err err;

	if (!hdr || (!in && in_len))
		return MAYDAY_E_INVALID;
	memset(hdr, 0, sizeof(*hdr));
	err = cose_encrypt0_decode(in, in_len, MAYDAY_PSK_DATAGRAM_MAX, MAYDAY_INDICATION_MAX,
				   COSE_ENCRYPT0_REQUEST, &msg, diag);
	if (err)
		return err;
	memcpy(hdr->kid, msg.hdr.kid, msg.hdr.kid_len);
	hdr->kid_len = msg.hdr.kid_len;
	hdr->counter = msg.hdr.piv;
	return MAYDAY_OK;
}

enum mayday_err mayday_psk_open_request(const struct mayday_psk_keys *keys, const uint8_t *in,
					size_t in_len, struct mayday_psk_header *hdr,
					uint8_t *pt, size_t pt_cap, size_t *pt_len,
					struct mayday_diag *diag)
{
	struct cose_encrypt0 msg;
	uint8_t nonce[MAYDAY_PSK_IV_LEN];
	enum mayday_err err;

	if (!keys_ok(keys) || !hdr || (!in && in_len) || !pt || !pt_len)
		return MAYDAY_E_INVALID;
	*pt_len = 0;
	memset(hdr, 0, sizeof(*hdr));
	err = cose_encrypt0_decode(in, in_len, MAYDAY_PSK_DATAGRAM_MAX, MAYDAY_INDICATION_MAX,
				   COSE_ENCRYPT0_REQUEST, &msg, diag);
	if (err)
		return err;
	if (msg.hdr.kid_len != keys->kid_len || memcmp(msg.hdr.kid, keys->kid, keys->kid_len)) {
		if (diag) {
			diag->offset = msg.kid_off;
			diag->what = "kid names another key";
		}
		return MAYDAY_E_KEY;
	}
	request_nonce(keys, msg.hdr.piv, nonce);
	err = cose_encrypt0_open(&msg, keys->request_key, nonce, NULL, 0, pt, pt_cap, pt_len,
				 diag);
	if (err)
		return err;
	memcpy(hdr->kid, msg.hdr.kid, msg.hdr.kid_len);
	hdr->kid_len = msg.hdr.kid_len;
	hdr->counter = msg.hdr.piv;
	return MAYDAY_OK;
}

enum mayday_err mayday_psk_seal_response(const struct mayday_psk_keys *keys, uint64_t counter,
					 const uint8_t *pt, size_t pt_len,
					 uint8_t *out, size_t out_cap, size_t *out_len)
{
	struct cose_encrypt0_hdr hdr = { .kind = COSE_ENCRYPT0_RESPONSE };
	uint8_t iv[MAYDAY_PSK_IV_LEN], piv[MAYDAY_PSK_PIV_MAX];
	size_t piv_len;

	if (!keys_ok(keys) || counter == 0 || (!pt && pt_len) || !out || !out_len)
		return MAYDAY_E_INVALID;
	if (pt_len > MAYDAY_ACK_MAX)
		return MAYDAY_E_TOOBIG;
	if (RAND_bytes(iv, sizeof(iv)) != 1) {
		ERR_clear_error();
		return MAYDAY_E_INTERNAL;
	}
	hdr.iv = iv;
	piv_len = cose_encrypt0_piv(counter, piv);
	return cose_encrypt0_seal(keys->response_key, iv, &hdr, piv, piv_len, pt, pt_len, out,
				  out_cap, out_len);
}

enum mayday_err mayday_psk_open_response(const struct mayday_psk_keys *keys, uint64_t counter,
					 const uint8_t *in, size_t in_len, uint8_t *pt,
					 size_t pt_cap, size_t *pt_len, struct mayday_diag *diag)
{
	struct cose_encrypt0 msg;
	uint8_t piv[MAYDAY_PSK_PIV_MAX];
	size_t piv_len;
	enum mayday_err err;

	if (!keys_ok(keys) || counter == 0 || (!in && in_len) || !pt || !pt_len)
		return MAYDAY_E_INVALID;
	*pt_len = 0;
	err = cose_encrypt0_decode(in, in_len, MAYDAY_PSK_DATAGRAM_MAX, MAYDAY_ACK_MAX,
				   COSE_ENCRYPT0_RESPONSE, &msg, diag);
	if (err)
		return err;
	piv_len = cose_encrypt0_piv(counter, piv);
	return cose_encrypt0_open(&msg, keys->response_key, msg.hdr.iv, piv, piv_len, pt, pt_cap,
				  pt_len, diag);
}

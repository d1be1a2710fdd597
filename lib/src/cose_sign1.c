/* SPDX-License-Identifier: Apache-2.0 */
/*
 * COSE_Sign1 in the mayday profile (cose.h, docs/protocol.md).
 *
 * Encoding allocates nothing: the Sig_structure is assembled in the caller's
 * output buffer (it is always shorter than the final message), signed, and
 * then the payload is moved to its final place and the message written
 * around it. Verification hashes the Sig_structure piecewise, so it never
 * copies the payload either.
 *
 * A mayday_cose_verifier does the same verification for a hot path: the
 * Sig_structure is hashed with a digest fetched once and a reused context,
 * and the hash verified with a key context kept per key (OpenSSL 3 builds
 * both on every call otherwise).
 *
 * Decoding is strict: the tag, the array, both headers and the signature
 * must be exactly in the profile's deterministic form, so one signed
 * message has exactly one accepted encoding (but for the unprotected kid,
 * which is not signed and therefore checked by the caller where it matters).
 */
#include <string.h>

#include <openssl/err.h>

#include "cbor_det.h"
#include "es256.h"
#include "cose_hdr.h"
#include "cose_sign1.h"

#define COSE_TAG_SIGN1   18
#define HDR_KID          4
#define ALG_ES256_N      6   /* alg -7 is encoded as CBOR negative integer n = 6 */

static const struct cose_hdr_alg es256_alg = { CBOR_DET_NINT, ALG_ES256_N, "algorithm is not ES256" };
#define PREFIX_MAX       96  /* generous bound for the heads around the payload */

/* The serialized protected header {1: -7}. */
static const uint8_t protected_es256[] = { 0xa1, 0x01, 0x26 };
static const char sig_context[] = "Signature1";

/* Sig_structure up to (and including) the payload's bstr head:
 * ["Signature1", protected, h'' (external_aad), payload]. */
static void put_tbs_prefix(struct cbor_det_writer *w, const uint8_t *prot, size_t prot_len,
			   size_t payload_len)
{
	cbor_det_put_array(w, 4);
	cbor_det_put_tstr(w, sig_context);
	cbor_det_put_bstr(w, prot, prot_len);
	cbor_det_put_bstr(w, NULL, 0);
	cbor_det_put_bstr_head(w, payload_len);
}

enum mayday_err mayday_cose_sign1_encode(const struct mayday_signer *signer,
					 const uint8_t *payload, size_t payload_len,
					 uint8_t *out, size_t out_cap, size_t *out_len)
{
	uint8_t tbs_head[PREFIX_MAX], msg_head[PREFIX_MAX + MAYDAY_KID_MAX];
	uint8_t sig[MAYDAY_ES256_SIG_LEN];
	struct cbor_det_writer w;
	size_t tbs_len, head_len, total;
	enum mayday_err err;

	if (!signer || !signer->sign || signer->kid_len > MAYDAY_KID_MAX || !out || !out_len ||
	    (payload_len && !payload))
		return MAYDAY_E_INVALID;

	cbor_det_writer_init(&w, tbs_head, sizeof(tbs_head));
	put_tbs_prefix(&w, protected_es256, sizeof(protected_es256), payload_len);
	err = cbor_det_writer_done(&w, &tbs_len);
	if (err)
		return err;

	cbor_det_writer_init(&w, msg_head, sizeof(msg_head));
	cbor_det_put_tag(&w, COSE_TAG_SIGN1);
	cbor_det_put_array(&w, 4);
	cbor_det_put_bstr(&w, protected_es256, sizeof(protected_es256));
	if (signer->kid_len) {
		cbor_det_put_map(&w, 1);
		cbor_det_put_uint(&w, HDR_KID);
		cbor_det_put_bstr(&w, signer->kid, signer->kid_len);
	} else {
		cbor_det_put_map(&w, 0);
	}
	cbor_det_put_bstr_head(&w, payload_len);
	err = cbor_det_writer_done(&w, &head_len);
	if (err)
		return err;

	/* The message is longer than the Sig_structure (its heads are), so if
	 * the message fits, the Sig_structure fits too. */
	if (payload_len > out_cap || head_len + 2 + MAYDAY_ES256_SIG_LEN > out_cap - payload_len)
		return MAYDAY_E_TOOBIG;
	total = head_len + payload_len + 2 + MAYDAY_ES256_SIG_LEN;

	if (payload_len)
		memmove(out + tbs_len, payload, payload_len);
	memcpy(out, tbs_head, tbs_len);
	err = signer->sign(signer->ctx, out, tbs_len + payload_len, sig);
	if (err)
		return err;

	if (payload_len)
		memmove(out + head_len, out + tbs_len, payload_len);
	memcpy(out, msg_head, head_len);
	cbor_det_writer_init(&w, out + head_len + payload_len, out_cap - head_len - payload_len);
	cbor_det_put_bstr(&w, sig, sizeof(sig));
	err = cbor_det_writer_done(&w, &tbs_len);
	if (err)
		return err;
	*out_len = total;
	return MAYDAY_OK;
}

/* The unprotected header: {} or {4: kid}. */
static enum mayday_err parse_unprotected(struct cbor_det_reader *r, struct mayday_cose_sign1 *out)
{
	struct cbor_det_item it, key;
	const uint8_t *prev = NULL, *kid;
	size_t prev_len = 0, kid_len, kid_off;
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
		if (key.kind != CBOR_DET_UINT || key.val != HDR_KID)
			return cbor_det_fail(r, key.off, MAYDAY_E_UNSUPPORTED,
					     "unprotected header label not in profile");
		kid_off = cbor_det_offset(r);
		err = cbor_det_get_bstr(r, &kid, &kid_len);
		if (err)
			return err;
		if (kid_len == 0)
			return cbor_det_fail(r, kid_off, MAYDAY_E_MALFORMED, "empty kid");
		if (kid_len > MAYDAY_KID_MAX)
			return cbor_det_fail(r, kid_off, MAYDAY_E_TOOBIG, "kid too long");
		memcpy(out->kid, kid, kid_len);
		out->kid_len = kid_len;
	}
	return MAYDAY_OK;
}

static enum mayday_err decode(struct cbor_det_reader *r, struct mayday_cose_sign1 *out)
{
	struct cbor_det_item it;
	const uint8_t *p;
	size_t len;
	enum mayday_err err;

	err = cbor_det_next(r, &it);
	if (err)
		return err;
	if (it.kind != CBOR_DET_TAG || it.val != COSE_TAG_SIGN1)
		return cbor_det_fail(r, it.off, MAYDAY_E_MALFORMED, "not a tagged COSE_Sign1");
	err = cbor_det_next(r, &it);
	if (err)
		return err;
	if (it.kind != CBOR_DET_ARRAY || it.val != 4)
		return cbor_det_fail(r, it.off, MAYDAY_E_MALFORMED, "COSE_Sign1 is not a 4-item array");

	err = cbor_det_get_bstr(r, &p, &len);
	if (err)
		return err;
	err = cose_hdr_parse_protected(p, len, cbor_det_offset(r) - len, r->diag, &es256_alg);
	if (err)
		return err;
	out->protected_hdr = p;
	out->protected_len = len;

	err = parse_unprotected(r, out);
	if (err)
		return err;

	err = cbor_det_next(r, &it);
	if (err)
		return err;
	if (it.kind == CBOR_DET_NULL)
		return cbor_det_fail(r, it.off, MAYDAY_E_UNSUPPORTED, "detached payload");
	if (it.kind != CBOR_DET_BSTR)
		return cbor_det_fail(r, it.off, MAYDAY_E_MALFORMED, "payload is not a byte string");
	out->payload = it.ptr;
	out->payload_len = (size_t)it.val;

	err = cbor_det_next(r, &it);
	if (err)
		return err;
	if (it.kind != CBOR_DET_BSTR || it.val != MAYDAY_ES256_SIG_LEN)
		return cbor_det_fail(r, it.off, MAYDAY_E_MALFORMED, "signature is not 64 bytes");
	out->signature = it.ptr;
	return cbor_det_end(r);
}

enum mayday_err mayday_cose_sign1_decode(const uint8_t *in, size_t in_len, size_t max_len,
					 struct mayday_cose_sign1 *out, struct mayday_diag *diag)
{
	struct cbor_det_reader r;
	enum mayday_err err;

	if (!out || (!in && in_len))
		return MAYDAY_E_INVALID;
	memset(out, 0, sizeof(*out));
	cbor_det_reader_init(&r, in, in_len, 0, diag);
	if (in_len > max_len)
		return cbor_det_fail(&r, max_len, MAYDAY_E_TOOBIG, "message larger than its limit");
	err = decode(&r, out);
	if (err)
		memset(out, 0, sizeof(*out));
	return err;
}

/* The Sig_structure's bytes before the payload, and the signature as DER. */
static enum mayday_err verify_prepare(const struct mayday_cose_sign1 *msg,
				      uint8_t head[PREFIX_MAX], size_t *head_len,
				      uint8_t der[ES256_DER_MAX], size_t *der_len)
{
	struct cbor_det_writer w;
	enum mayday_err err;

	if (!msg || !msg->signature || !msg->protected_hdr || (msg->payload_len && !msg->payload))
		return MAYDAY_E_INVALID;
	cbor_det_writer_init(&w, head, PREFIX_MAX);
	put_tbs_prefix(&w, msg->protected_hdr, msg->protected_len, msg->payload_len);
	err = cbor_det_writer_done(&w, head_len);
	if (err)
		return err;
	return es256_raw_to_der(msg->signature, der, der_len);
}

enum mayday_err mayday_cose_sign1_verify(const struct mayday_cose_sign1 *msg, EVP_PKEY *pub)
{
	enum mayday_err err;
	uint8_t head[PREFIX_MAX], der[ES256_DER_MAX];
	size_t head_len, der_len;
	EVP_MD_CTX *md = NULL;

	err = verify_prepare(msg, head, &head_len, der, &der_len);
	if (err)
		return err;
	if (!es256_key_ok(pub))
		return MAYDAY_E_KEY;

	md = EVP_MD_CTX_new();
	if (!md)
		return MAYDAY_E_NOMEM;
	err = MAYDAY_E_SIGNATURE;
	if (EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, pub) != 1) {
		err = MAYDAY_E_KEY;
		goto out;
	}
	if (EVP_DigestVerifyUpdate(md, head, head_len) != 1 ||
	    (msg->payload_len && EVP_DigestVerifyUpdate(md, msg->payload, msg->payload_len) != 1)) {
		err = MAYDAY_E_INTERNAL;
		goto out;
	}
	if (EVP_DigestVerifyFinal(md, der, der_len) == 1)
		err = MAYDAY_OK;
out:
	if (err)
		ERR_clear_error();
	EVP_MD_CTX_free(md);
	return err;
}

/* A verify-initialised key context per key, direct-mapped by the key's
 * address. The entry holds a reference to its key, so that address cannot
 * be reused by another key while the entry exists: the address is the
 * identity. */
struct verifier_entry {
	EVP_PKEY *key;
	EVP_PKEY_CTX *ctx;
};

struct mayday_cose_verifier {
	EVP_MD *sha256;
	EVP_MD_CTX *md;
	size_t n;                 /* entries, a power of two */
	struct verifier_entry *e;
};

void mayday_cose_verifier_free(struct mayday_cose_verifier *v)
{
	if (!v)
		return;
	for (size_t i = 0; v->e && i < v->n; i++) {
		EVP_PKEY_CTX_free(v->e[i].ctx);
		EVP_PKEY_free(v->e[i].key);
	}
	OPENSSL_free(v->e);
	EVP_MD_CTX_free(v->md);
	EVP_MD_free(v->sha256);
	OPENSSL_free(v);
}

enum mayday_err mayday_cose_verifier_new(struct mayday_cose_verifier **out, size_t keys)
{
	struct mayday_cose_verifier *v;
	size_t n = 1;

	if (!out)
		return MAYDAY_E_INVALID;
	*out = NULL;
	if (keys > MAYDAY_COSE_VERIFIER_KEYS_MAX)
		return MAYDAY_E_INVALID;
	while (n < keys)
		n <<= 1;
	v = OPENSSL_zalloc(sizeof(*v));
	if (!v)
		return MAYDAY_E_NOMEM;
	v->n = n;
	v->e = OPENSSL_zalloc(n * sizeof(*v->e));
	v->sha256 = EVP_MD_fetch(NULL, "SHA2-256", NULL);
	v->md = EVP_MD_CTX_new();
	if (!v->e || !v->sha256 || !v->md) {
		ERR_clear_error();
		mayday_cose_verifier_free(v);
		return MAYDAY_E_NOMEM;
	}
	*out = v;
	return MAYDAY_OK;
}

static enum mayday_err verifier_ctx(struct mayday_cose_verifier *v, EVP_PKEY *pub,
				    EVP_PKEY_CTX **ctx)
{
	uintptr_t a = (uintptr_t)pub;
	struct verifier_entry *e = &v->e[((a >> 4) ^ (a >> 12)) & (v->n - 1)];
	EVP_PKEY_CTX *c;

	if (pub && e->key == pub) {
		*ctx = e->ctx;
		return MAYDAY_OK;
	}
	if (!es256_key_ok(pub))
		return MAYDAY_E_KEY;
	c = EVP_PKEY_CTX_new_from_pkey(NULL, pub, NULL);
	if (!c)
		return MAYDAY_E_NOMEM;
	if (EVP_PKEY_verify_init(c) != 1 || !EVP_PKEY_up_ref(pub)) {
		EVP_PKEY_CTX_free(c);
		return MAYDAY_E_KEY;
	}
	EVP_PKEY_CTX_free(e->ctx);
	EVP_PKEY_free(e->key);
	e->key = pub;
	e->ctx = c;
	*ctx = c;
	return MAYDAY_OK;
}

enum mayday_err mayday_cose_verifier_verify(struct mayday_cose_verifier *v,
					    const struct mayday_cose_sign1 *msg, EVP_PKEY *pub)
{
	uint8_t head[PREFIX_MAX], der[ES256_DER_MAX], digest[MAYDAY_DIGEST_LEN];
	size_t head_len, der_len;
	unsigned int dlen = 0;
	EVP_PKEY_CTX *ctx = NULL;
	enum mayday_err err;

	if (!v)
		return MAYDAY_E_INVALID;
	err = verify_prepare(msg, head, &head_len, der, &der_len);
	if (err)
		return err;
	err = verifier_ctx(v, pub, &ctx);
	if (err)
		goto out;
	if (EVP_DigestInit_ex2(v->md, v->sha256, NULL) != 1 ||
	    EVP_DigestUpdate(v->md, head, head_len) != 1 ||
	    (msg->payload_len && EVP_DigestUpdate(v->md, msg->payload, msg->payload_len) != 1) ||
	    EVP_DigestFinal_ex(v->md, digest, &dlen) != 1 || dlen != sizeof(digest)) {
		err = MAYDAY_E_INTERNAL;
		goto out;
	}
	err = EVP_PKEY_verify(ctx, der, der_len, digest, sizeof(digest)) == 1 ? MAYDAY_OK
									    : MAYDAY_E_SIGNATURE;
out:
	if (err)
		ERR_clear_error();
	return err;
}

enum mayday_err cose_sign1_open_verified(const uint8_t *in, size_t in_len, size_t max_len,
					 EVP_PKEY *pub, struct mayday_cose_sign1 *msg,
					 struct mayday_diag *diag)
{
	enum mayday_err err = mayday_cose_sign1_decode(in, in_len, max_len, msg, diag);

	if (err)
		return err;
	err = mayday_cose_sign1_verify(msg, pub);
	if (err) {
		if (diag) {
			/* Offset of the signature's 2-byte bstr head. */
			diag->offset = (size_t)(msg->signature - in) - 2;
			diag->what = err == MAYDAY_E_KEY ? "not a P-256 public key"
							 : "signature does not verify";
		}
		memset(msg, 0, sizeof(*msg));
	}
	return err;
}

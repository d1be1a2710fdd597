/* SPDX-License-Identifier: Apache-2.0 */
/*
 * An OpenSSL key whose signatures the RoT makes (rot_tls_key.h): a built-in
 * provider with an EC key manager and an ECDSA signature, in a library
 * context of its own.
 *
 * The key data is the public point and a copy of the signer. Its private
 * half is never exported: when OpenSSL first tries the default provider's
 * ECDSA (which would need the private scalar), the export fails and it
 * falls back to this provider's signature. Public-only keys can be imported
 * (that is how EVP_PKEY_eq brings a certificate's key here to compare).
 * Nothing here is reached by code that does not hold such a key: no other
 * library context has the provider.
 */
#include "rot_tls_key.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/bn.h>
#include <openssl/core_dispatch.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/params.h>
#include <openssl/provider.h>

#define RTK_PROVIDER     "mayday-rot"
#define RTK_PARAM_SIGNER "mayday-rot-signer" /* octet string: a struct mayday_signer */
#define RTK_GROUP        "prime256v1"
#define RTK_POINT_LEN    65 /* uncompressed P-256 point: 0x04 || x || y */
#define RTK_SIG_DER_MAX  72 /* ECDSA-Sig-Value of two 256-bit integers */

struct rtk_key {
	uint8_t point[RTK_POINT_LEN];
	bool has_point;
	bool has_signer;
	struct mayday_signer signer;
};

struct rtk_sig {
	struct rtk_key *key; /* borrowed: OpenSSL keeps the key alive */
	uint8_t tbs[ROT_TLS_KEY_TBS_MAX];
	size_t tbs_len;
	bool overflow;
};

/* ---- key manager ---- */

static void *rtk_key_new(void *provctx)
{
	(void)provctx;
	return calloc(1, sizeof(struct rtk_key));
}

static void rtk_key_free(void *keydata)
{
	if (keydata) {
		OPENSSL_cleanse(keydata, sizeof(struct rtk_key));
		free(keydata);
	}
}

static int rtk_key_has(const void *keydata, int selection)
{
	const struct rtk_key *k = keydata;

	if (!k)
		return 0;
	if ((selection & OSSL_KEYMGMT_SELECT_PUBLIC_KEY) && !k->has_point)
		return 0;
	if ((selection & OSSL_KEYMGMT_SELECT_PRIVATE_KEY) && !k->has_signer)
		return 0;
	return 1; /* the domain parameters are fixed: P-256 */
}

static int rtk_key_match(const void *a, const void *b, int selection)
{
	const struct rtk_key *x = a, *y = b;

	if (!(selection & OSSL_KEYMGMT_SELECT_KEYPAIR))
		return 1; /* same group, always */
	return x->has_point && y->has_point && memcmp(x->point, y->point, RTK_POINT_LEN) == 0;
}

static const OSSL_PARAM rtk_key_import_list[] = {
	OSSL_PARAM_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, NULL, 0),
	OSSL_PARAM_octet_string(OSSL_PKEY_PARAM_PUB_KEY, NULL, 0),
	OSSL_PARAM_octet_string(RTK_PARAM_SIGNER, NULL, 0),
	OSSL_PARAM_END
};

static const OSSL_PARAM *rtk_key_import_types(int selection)
{
	(void)selection;
	return rtk_key_import_list;
}

static const OSSL_PARAM rtk_key_export_list[] = {
	OSSL_PARAM_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, NULL, 0),
	OSSL_PARAM_octet_string(OSSL_PKEY_PARAM_PUB_KEY, NULL, 0),
	OSSL_PARAM_END
};

static const OSSL_PARAM *rtk_key_export_types(int selection)
{
	(void)selection;
	return rtk_key_export_list;
}

static int rtk_key_import(void *keydata, int selection, const OSSL_PARAM params[])
{
	struct rtk_key *k = keydata;
	const OSSL_PARAM *p;

	p = OSSL_PARAM_locate_const(params, OSSL_PKEY_PARAM_GROUP_NAME);
	if (p) {
		/* copied with its terminator: a parameter's string need not have one */
		char group[16], *gp = group;

		if (OSSL_PARAM_get_utf8_string(p, &gp, sizeof(group)) != 1 ||
		    (strcasecmp(group, RTK_GROUP) != 0 && strcasecmp(group, "P-256") != 0))
			return 0;
	}
	if (selection & OSSL_KEYMGMT_SELECT_PUBLIC_KEY) {
		p = OSSL_PARAM_locate_const(params, OSSL_PKEY_PARAM_PUB_KEY);
		if (!p || p->data_type != OSSL_PARAM_OCTET_STRING ||
		    p->data_size != RTK_POINT_LEN || ((const uint8_t *)p->data)[0] != 0x04)
			return 0;
		memcpy(k->point, p->data, RTK_POINT_LEN);
		k->has_point = true;
	}
	/* A private half comes only as a signer, and only from rot_tls_key_new;
	 * an import without one (a certificate's key, to compare) is public. */
	p = OSSL_PARAM_locate_const(params, RTK_PARAM_SIGNER);
	if ((selection & OSSL_KEYMGMT_SELECT_PRIVATE_KEY) && p) {
		if (p->data_type != OSSL_PARAM_OCTET_STRING ||
		    p->data_size != sizeof(struct mayday_signer))
			return 0;
		memcpy(&k->signer, p->data, sizeof(k->signer));
		k->has_signer = k->signer.sign != NULL;
	}
	return 1;
}

static int rtk_key_export(void *keydata, int selection, OSSL_CALLBACK *cb, void *cbarg)
{
	struct rtk_key *k = keydata;
	OSSL_PARAM params[3];
	size_t n = 0;

	/* The private half stays here: the whole point of the key. */
	if ((selection & OSSL_KEYMGMT_SELECT_PRIVATE_KEY) || !k->has_point)
		return 0;
	params[n++] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME,
						       (char *)RTK_GROUP, 0);
	if (selection & OSSL_KEYMGMT_SELECT_PUBLIC_KEY)
		params[n++] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, k->point,
								RTK_POINT_LEN);
	params[n] = OSSL_PARAM_construct_end();
	return cb(params, cbarg);
}

static const OSSL_PARAM rtk_key_gettable_list[] = {
	OSSL_PARAM_int(OSSL_PKEY_PARAM_BITS, NULL),
	OSSL_PARAM_int(OSSL_PKEY_PARAM_SECURITY_BITS, NULL),
	OSSL_PARAM_int(OSSL_PKEY_PARAM_MAX_SIZE, NULL),
	OSSL_PARAM_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, NULL, 0),
	OSSL_PARAM_utf8_string(OSSL_PKEY_PARAM_DEFAULT_DIGEST, NULL, 0),
	OSSL_PARAM_octet_string(OSSL_PKEY_PARAM_PUB_KEY, NULL, 0),
	OSSL_PARAM_octet_string(OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, NULL, 0),
	OSSL_PARAM_END
};

static const OSSL_PARAM *rtk_key_gettable_params(void *provctx)
{
	(void)provctx;
	return rtk_key_gettable_list;
}

static int rtk_key_get_params(void *keydata, OSSL_PARAM params[])
{
	struct rtk_key *k = keydata;
	OSSL_PARAM *p;

	if ((p = OSSL_PARAM_locate(params, OSSL_PKEY_PARAM_BITS)) && !OSSL_PARAM_set_int(p, 256))
		return 0;
	if ((p = OSSL_PARAM_locate(params, OSSL_PKEY_PARAM_SECURITY_BITS)) &&
	    !OSSL_PARAM_set_int(p, 128))
		return 0;
	if ((p = OSSL_PARAM_locate(params, OSSL_PKEY_PARAM_MAX_SIZE)) &&
	    !OSSL_PARAM_set_int(p, RTK_SIG_DER_MAX))
		return 0;
	if ((p = OSSL_PARAM_locate(params, OSSL_PKEY_PARAM_GROUP_NAME)) &&
	    !OSSL_PARAM_set_utf8_string(p, RTK_GROUP))
		return 0;
	if ((p = OSSL_PARAM_locate(params, OSSL_PKEY_PARAM_DEFAULT_DIGEST)) &&
	    !OSSL_PARAM_set_utf8_string(p, "SHA256"))
		return 0;
	if ((p = OSSL_PARAM_locate(params, OSSL_PKEY_PARAM_PUB_KEY)) &&
	    (!k->has_point || !OSSL_PARAM_set_octet_string(p, k->point, RTK_POINT_LEN)))
		return 0;
	if ((p = OSSL_PARAM_locate(params, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY)) &&
	    (!k->has_point || !OSSL_PARAM_set_octet_string(p, k->point, RTK_POINT_LEN)))
		return 0;
	return 1;
}

static const char *rtk_key_operation_name(int operation_id)
{
	return operation_id == OSSL_OP_SIGNATURE ? "ECDSA" : NULL;
}

static const OSSL_DISPATCH rtk_keymgmt_fns[] = {
	{ OSSL_FUNC_KEYMGMT_NEW, (void (*)(void))rtk_key_new },
	{ OSSL_FUNC_KEYMGMT_FREE, (void (*)(void))rtk_key_free },
	{ OSSL_FUNC_KEYMGMT_HAS, (void (*)(void))rtk_key_has },
	{ OSSL_FUNC_KEYMGMT_MATCH, (void (*)(void))rtk_key_match },
	{ OSSL_FUNC_KEYMGMT_IMPORT, (void (*)(void))rtk_key_import },
	{ OSSL_FUNC_KEYMGMT_IMPORT_TYPES, (void (*)(void))rtk_key_import_types },
	{ OSSL_FUNC_KEYMGMT_EXPORT, (void (*)(void))rtk_key_export },
	{ OSSL_FUNC_KEYMGMT_EXPORT_TYPES, (void (*)(void))rtk_key_export_types },
	{ OSSL_FUNC_KEYMGMT_GET_PARAMS, (void (*)(void))rtk_key_get_params },
	{ OSSL_FUNC_KEYMGMT_GETTABLE_PARAMS, (void (*)(void))rtk_key_gettable_params },
	{ OSSL_FUNC_KEYMGMT_QUERY_OPERATION_NAME, (void (*)(void))rtk_key_operation_name },
	{ 0, NULL }
};

/* ---- signature: ECDSA over SHA-256, the message signed by the signer ---- */

static void *rtk_sig_new(void *provctx, const char *propq)
{
	(void)provctx;
	(void)propq;
	return calloc(1, sizeof(struct rtk_sig));
}

static void rtk_sig_free(void *ctx)
{
	if (ctx) {
		OPENSSL_cleanse(ctx, sizeof(struct rtk_sig));
		free(ctx);
	}
}

static void *rtk_sig_dup(void *ctx)
{
	struct rtk_sig *copy = malloc(sizeof(*copy));

	if (copy)
		memcpy(copy, ctx, sizeof(*copy));
	return copy;
}

/* The signer makes ES256: SHA-256 is the only digest it can sign with. */
static bool rtk_is_sha256(const char *name)
{
	static const char *const names[] = { "SHA256", "SHA2-256", "SHA-256",
					     "2.16.840.1.101.3.4.2.1" };

	if (!name || !*name)
		return true; /* the key's default digest */
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcasecmp(name, names[i]) == 0)
			return true;
	return false;
}

static int rtk_sig_digest_init(void *ctx, const char *mdname, void *provkey,
			       const OSSL_PARAM params[])
{
	struct rtk_sig *s = ctx;
	struct rtk_key *k = provkey;

	(void)params;
	if (!rtk_is_sha256(mdname))
		return 0;
	if (k) {
		if (!k->has_signer)
			return 0;
		s->key = k;
	}
	if (!s->key)
		return 0;
	s->tbs_len = 0;
	s->overflow = false;
	return 1;
}

static int rtk_sig_digest_update(void *ctx, const unsigned char *data, size_t len)
{
	struct rtk_sig *s = ctx;

	if (len > sizeof(s->tbs) - s->tbs_len) {
		s->overflow = true;
		return 0;
	}
	memcpy(s->tbs + s->tbs_len, data, len);
	s->tbs_len += len;
	return 1;
}

/* r || s from the signer into an ECDSA-Sig-Value (what TLS carries). */
static int rtk_sign(struct rtk_key *k, const uint8_t *tbs, size_t tbs_len, unsigned char *sig,
		    size_t *siglen, size_t sigsize)
{
	uint8_t rs[MAYDAY_ES256_SIG_LEN];
	ECDSA_SIG *es = ECDSA_SIG_new();
	BIGNUM *r = NULL, *sv = NULL;
	unsigned char *p = sig;
	int len, ok = 0;

	if (!es || k->signer.sign(k->signer.ctx, tbs, tbs_len, rs) != MAYDAY_OK)
		goto out;
	r = BN_bin2bn(rs, 32, NULL);
	sv = BN_bin2bn(rs + 32, 32, NULL);
	if (!r || !sv || ECDSA_SIG_set0(es, r, sv) != 1)
		goto out;
	r = sv = NULL; /* es owns them */
	len = i2d_ECDSA_SIG(es, NULL);
	if (len <= 0 || (size_t)len > sigsize || i2d_ECDSA_SIG(es, &p) != len)
		goto out;
	*siglen = (size_t)len;
	ok = 1;
out:
	BN_free(r);
	BN_free(sv);
	ECDSA_SIG_free(es);
	OPENSSL_cleanse(rs, sizeof(rs));
	return ok;
}

static int rtk_sig_digest_final(void *ctx, unsigned char *sig, size_t *siglen, size_t sigsize)
{
	struct rtk_sig *s = ctx;

	if (!sig) {
		*siglen = RTK_SIG_DER_MAX;
		return 1;
	}
	if (s->overflow || !s->key)
		return 0;
	return rtk_sign(s->key, s->tbs, s->tbs_len, sig, siglen, sigsize);
}

static int rtk_sig_digest_sign(void *ctx, unsigned char *sig, size_t *siglen, size_t sigsize,
			       const unsigned char *tbs, size_t tbs_len)
{
	struct rtk_sig *s = ctx;

	if (!sig) {
		*siglen = RTK_SIG_DER_MAX;
		return 1;
	}
	if (!s->key || tbs_len > ROT_TLS_KEY_TBS_MAX)
		return 0;
	return rtk_sign(s->key, tbs, tbs_len, sig, siglen, sigsize);
}

static const OSSL_DISPATCH rtk_signature_fns[] = {
	{ OSSL_FUNC_SIGNATURE_NEWCTX, (void (*)(void))rtk_sig_new },
	{ OSSL_FUNC_SIGNATURE_FREECTX, (void (*)(void))rtk_sig_free },
	{ OSSL_FUNC_SIGNATURE_DUPCTX, (void (*)(void))rtk_sig_dup },
	{ OSSL_FUNC_SIGNATURE_DIGEST_SIGN_INIT, (void (*)(void))rtk_sig_digest_init },
	{ OSSL_FUNC_SIGNATURE_DIGEST_SIGN_UPDATE, (void (*)(void))rtk_sig_digest_update },
	{ OSSL_FUNC_SIGNATURE_DIGEST_SIGN_FINAL, (void (*)(void))rtk_sig_digest_final },
	{ OSSL_FUNC_SIGNATURE_DIGEST_SIGN, (void (*)(void))rtk_sig_digest_sign },
	{ 0, NULL }
};

/* ---- the provider ---- */

static const OSSL_ALGORITHM rtk_keymgmt_algs[] = {
	{ "EC:id-ecPublicKey:1.2.840.10045.2.1", "provider=" RTK_PROVIDER, rtk_keymgmt_fns,
	  "a P-256 key whose signatures the RoT makes" },
	{ NULL, NULL, NULL, NULL }
};

static const OSSL_ALGORITHM rtk_signature_algs[] = {
	{ "ECDSA", "provider=" RTK_PROVIDER, rtk_signature_fns, "ECDSA-SHA256 made by the RoT" },
	{ NULL, NULL, NULL, NULL }
};

static const OSSL_ALGORITHM *rtk_query(void *provctx, int operation_id, int *no_cache)
{
	(void)provctx;
	*no_cache = 0;
	if (operation_id == OSSL_OP_KEYMGMT)
		return rtk_keymgmt_algs;
	if (operation_id == OSSL_OP_SIGNATURE)
		return rtk_signature_algs;
	return NULL;
}

static const OSSL_DISPATCH rtk_provider_fns[] = {
	{ OSSL_FUNC_PROVIDER_QUERY_OPERATION, (void (*)(void))rtk_query },
	{ 0, NULL }
};

static int rtk_provider_init(const OSSL_CORE_HANDLE *handle, const OSSL_DISPATCH *in,
			     const OSSL_DISPATCH **out, void **provctx)
{
	(void)handle;
	(void)in;
	*out = rtk_provider_fns;
	*provctx = NULL;
	return 1;
}

/* One library context for the process, made at first use and kept: keys
 * made in it may live as long as the process. */
static OSSL_LIB_CTX *rtk_libctx;
static pthread_once_t rtk_once = PTHREAD_ONCE_INIT;

static void rtk_libctx_init(void)
{
	OSSL_LIB_CTX *ctx = OSSL_LIB_CTX_new();

	if (!ctx)
		return;
	if (OSSL_PROVIDER_add_builtin(ctx, RTK_PROVIDER, rtk_provider_init) != 1 ||
	    !OSSL_PROVIDER_load(ctx, RTK_PROVIDER)) {
		OSSL_LIB_CTX_free(ctx);
		return;
	}
	rtk_libctx = ctx;
}

static enum mayday_err rtk_public_point(EVP_PKEY *pub, uint8_t point[RTK_POINT_LEN])
{
	char group[32];
	size_t len = 0;

	if (EVP_PKEY_is_a(pub, "EC") != 1 ||
	    EVP_PKEY_get_utf8_string_param(pub, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group),
					   NULL) != 1 ||
	    strcmp(group, RTK_GROUP) != 0)
		return MAYDAY_E_KEY;
	if (EVP_PKEY_get_octet_string_param(pub, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, point,
					    RTK_POINT_LEN, &len) != 1 ||
	    len != RTK_POINT_LEN || point[0] != 0x04)
		return MAYDAY_E_KEY;
	return MAYDAY_OK;
}

enum mayday_err rot_tls_key_new(const struct mayday_signer *signer, EVP_PKEY *pub,
				EVP_PKEY **out)
{
	uint8_t point[RTK_POINT_LEN];
	struct mayday_signer copy = *signer;
	EVP_PKEY_CTX *ctx = NULL;
	OSSL_PARAM params[4];
	enum mayday_err rc;

	*out = NULL;
	if (!signer->sign)
		return MAYDAY_E_INVALID;
	rc = rtk_public_point(pub, point);
	if (rc != MAYDAY_OK)
		return rc;
	if (pthread_once(&rtk_once, rtk_libctx_init) != 0 || !rtk_libctx)
		return MAYDAY_E_INTERNAL;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)RTK_GROUP,
						     0);
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, point, sizeof(point));
	params[2] = OSSL_PARAM_construct_octet_string(RTK_PARAM_SIGNER, &copy, sizeof(copy));
	params[3] = OSSL_PARAM_construct_end();
	ctx = EVP_PKEY_CTX_new_from_name(rtk_libctx, "EC", "provider=" RTK_PROVIDER);
	rc = MAYDAY_E_INTERNAL;
	if (ctx && EVP_PKEY_fromdata_init(ctx) == 1 &&
	    EVP_PKEY_fromdata(ctx, out, EVP_PKEY_KEYPAIR, params) == 1)
		rc = MAYDAY_OK;
	EVP_PKEY_CTX_free(ctx);
	OPENSSL_cleanse(&copy, sizeof(copy));
	return rc;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The API's bearer tokens (api_token.h): making and checking them, and
 * GET/POST /v1/tokens, DELETE /v1/tokens/{id} (admin). The secret leaves
 * this file once, in the 201 answer that made it; what is stored is its
 * SHA-256, compared with CRYPTO_memcmp.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "api_json.h"
#include "api_page.h"
#include "api_token.h"
#include "api_write.h"

static const char b64url[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* base64url without padding of 32 bytes: exactly API_TOKEN_SECRET_LEN characters. */
static void encode_secret(const uint8_t in[32], char out[API_TOKEN_SECRET_LEN + 1])
{
	size_t o = 0;
	uint32_t acc = 0;
	int bits = 0;
	for (size_t i = 0; i < 32; i++) {
		acc = (acc << 8) | in[i];
		bits += 8;
		while (bits >= 6) {
			bits -= 6;
			out[o++] = b64url[(acc >> bits) & 63];
		}
	}
	if (bits > 0)
		out[o++] = b64url[(acc << (6 - bits)) & 63];
	out[o] = '\0';
}

static bool sha256(const char *s, size_t n, uint8_t out[32])
{
	unsigned len = 0;
	return EVP_Digest(s, n, out, &len, EVP_sha256(), NULL) == 1 && len == 32;
}

enum mayday_err api_token_make(char id[STORE_TOKEN_ID_LEN + 1], char token[API_TOKEN_LEN + 1],
			       uint8_t hash[32])
{
	uint8_t raw[8 + 32];
	char secret[API_TOKEN_SECRET_LEN + 1];
	enum mayday_err err = MAYDAY_E_INTERNAL;
	if (RAND_bytes(raw, sizeof(raw)) != 1)
		goto out;
	memcpy(id, "mdt_", 4);
	for (size_t i = 0; i < 8; i++)
		snprintf(id + 4 + 2 * i, 3, "%02x", raw[i]);
	encode_secret(raw + 8, secret);
	snprintf(token, API_TOKEN_LEN + 1, "%s.%s", id, secret);
	if (sha256(secret, API_TOKEN_SECRET_LEN, hash))
		err = MAYDAY_OK;
out:
	OPENSSL_cleanse(raw, sizeof(raw));
	OPENSSL_cleanse(secret, sizeof(secret));
	return err;
}

/* The token's syntax; its id into id. */
static bool parse(const char *bearer, char id[STORE_TOKEN_ID_LEN + 1])
{
	if (bearer == NULL || strnlen(bearer, API_TOKEN_LEN + 1) != API_TOKEN_LEN ||
	    memcmp(bearer, "mdt_", 4) != 0 || bearer[STORE_TOKEN_ID_LEN] != '.')
		return false;
	for (size_t i = 4; i < STORE_TOKEN_ID_LEN; i++)
		if (!((bearer[i] >= '0' && bearer[i] <= '9') || (bearer[i] >= 'a' && bearer[i] <= 'f')))
			return false;
	for (size_t i = STORE_TOKEN_ID_LEN + 1; i < API_TOKEN_LEN; i++)
		if (strchr(b64url, bearer[i]) == NULL || bearer[i] == '\0')
			return false;
	memcpy(id, bearer, STORE_TOKEN_ID_LEN);
	id[STORE_TOKEN_ID_LEN] = '\0';
	return true;
}

enum mayday_err api_token_verify(struct store *st, const char *bearer, struct api_identity *out)
{
	char id[STORE_TOKEN_ID_LEN + 1], role[STORE_ROLE_MAX + 1], name[STORE_TOKEN_NAME_MAX + 1];
	uint8_t want[32], got[32];
	bool revoked = true;
	memset(out, 0, sizeof(*out));
	if (!parse(bearer, id))
		return MAYDAY_E_MALFORMED;
	enum mayday_err err = store_token_lookup(st, id, want, role, name, &revoked);
	if (err == MAYDAY_E_NOTFOUND)
		return MAYDAY_E_DENIED;
	if (err != MAYDAY_OK)
		return err;
	if (!sha256(bearer + STORE_TOKEN_ID_LEN + 1, API_TOKEN_SECRET_LEN, got))
		return MAYDAY_E_INTERNAL;
	int differs = CRYPTO_memcmp(want, got, sizeof(got));
	enum api_role r = api_role_parse(role);
	if (differs != 0 || revoked || r == API_ROLE_NONE)
		return MAYDAY_E_DENIED;
	snprintf(out->name, sizeof(out->name), "token:%s", name);
	out->role = r;
	/* A lost last_used_at does not make a valid token invalid. */
	if (store_token_touch(st, id, (int64_t)time(NULL)) != MAYDAY_OK)
		return MAYDAY_OK;
	return MAYDAY_OK;
}

static int token_row(void *ctx, const struct store_token_row *t)
{
	json_t *arr = ctx, *o = json_object();
	if (o == NULL || json_array_append_new(arr, o) != 0)
		return 1;
	json_object_set_new(o, "id", json_string(t->id));
	json_object_set_new(o, "name", api_json_str(t->name));
	json_object_set_new(o, "role", json_string(t->role));
	json_object_set_new(o, "created_at", api_json_time(t->created_at));
	json_object_set_new(o, "created_by", api_json_str(t->created_by));
	json_object_set_new(o, "last_used_at", api_json_time(t->last_used_at));
	json_object_set_new(o, "revoked_at", api_json_time(t->revoked_at));
	return 0;
}

enum mayday_err api_tokens_list(struct api_ctx *ctx, const struct api_request *rq,
				const struct api_params *p, struct api_response *rs)
{
	static const char *const allowed[] = {NULL};
	enum mayday_err err = MAYDAY_OK;
	(void)p;
	if (!api_query_check(rq->query, allowed, rs, &err))
		return err;
	json_t *arr = json_array();
	if (arr == NULL)
		return MAYDAY_E_NOMEM;
	err = store_token_list(ctx->st, token_row, arr);
	if (err != MAYDAY_OK) {
		json_decref(arr);
		return api_store_error(rs, err, "listing tokens");
	}
	return api_json(rs, 200, json_pack("{s:o}", "tokens", arr));
}

enum mayday_err api_tokens_post(struct api_ctx *ctx, const struct api_request *rq,
				const struct api_params *p, struct api_response *rs)
{
	static const char *const known[] = {"name", "role", NULL};
	char id[STORE_TOKEN_ID_LEN + 1], token[API_TOKEN_LEN + 1];
	uint8_t hash[32];
	const char *name = NULL, *role = NULL;
	json_t *body = NULL;
	enum mayday_err err = MAYDAY_OK;
	(void)p;
	if (!api_write_body(rq, false, &body, rs, &err))
		return err;
	if (!api_write_known(body, known, rs, &err) ||
	    !api_write_str(body, "name", STORE_TOKEN_NAME_MAX, true, &name, rs, &err) ||
	    !api_write_str(body, "role", STORE_ROLE_MAX, true, &role, rs, &err))
		goto out;
	if (api_role_parse(role) == API_ROLE_NONE) {
		err = api_error(rs, 400, API_E_BAD_REQUEST,
				"\"role\": one of viewer, operator, admin");
		goto out;
	}
	for (const char *c = name; *c; c++)
		if (*c <= ' ' || *c > '~') {
			err = api_error(rs, 400, API_E_BAD_REQUEST,
					"\"name\": printable ASCII without spaces");
			goto out;
		}
	if ((err = api_token_make(id, token, hash)) != MAYDAY_OK) {
		err = api_error(rs, 500, API_E_INTERNAL, "no randomness for a token");
		goto out;
	}
	err = store_token_create(ctx->st, id, name, api_role_name(api_role_parse(role)), hash,
				 rq->who->name, rq->now);
	if (err == MAYDAY_E_EXISTS) {
		err = api_error(rs, 409, API_E_CONFLICT, "a token named \"%s\" exists", name);
	} else if (err != MAYDAY_OK) {
		err = api_store_error(rs, err, "storing the token");
	} else {
		snprintf(rs->location, sizeof(rs->location), "/v1/tokens/%s", id);
		err = api_json(rs, 201, json_pack("{s:s,s:s,s:s,s:s}", "id", id, "name", name,
						  "role", api_role_name(api_role_parse(role)),
						  "token", token));
	}
out:
	OPENSSL_cleanse(token, sizeof(token));
	json_decref(body);
	return err;
}

enum mayday_err api_tokens_delete(struct api_ctx *ctx, const struct api_request *rq,
				  const struct api_params *p, struct api_response *rs)
{
	enum mayday_err err = store_token_revoke(ctx->st, p->v[0], rq->who->name, rq->now);
	if (err == MAYDAY_E_INVALID)
		return api_error(rs, 400, API_E_BAD_REQUEST, "identity too long");
	if (err != MAYDAY_OK)
		return api_store_error(rs, err, "revoking the token");
	rs->status = 204;
	return MAYDAY_OK;
}

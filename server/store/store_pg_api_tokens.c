/* SPDX-License-Identifier: Apache-2.0 */
/*
 * PostgreSQL backend of the API's bearer tokens (store_api.h), with the
 * SQLite backend's rules (store_sqlite_api_tokens.c). The table holds
 * SHA-256(secret) only (BYTEA of 32, checked by the schema), so a copy of
 * the database lets nobody in; comparing the hash is the caller's
 * (api_token.c, in constant time). Creating and revoking record the
 * action in the same transaction.
 *
 * Several nodes: the name's and the id's UNIQUE decide a creation (INSERT
 * ... ON CONFLICT DO NOTHING: the second of two at once waits for the
 * first, inserts nothing and answers MAYDAY_E_EXISTS); a revocation is an
 * UPDATE guarded by revoked_at IS NULL, checked again on the row another
 * node committed, so it is recorded once; last_used_at only moves forward
 * (guarded by the time it would replace).
 *
 * A token is looked up and touched at each API request: those two
 * statements are prepared on the connection (store_pg_q); creating,
 * revoking and listing are rare and run unprepared (store_pg_api_q).
 */
#include <string.h>

#include "store_pg_api.h"

enum mayday_err store_pg_token_create(struct store *st, const char *id, const char *name,
				      const char *role, const uint8_t sha256[32],
				      const char *created_by, int64_t now)
{
	struct store_pg *p = store_pg_of(st);
	struct store_pg_params q = {0};
	if (!store_pg_id_ok(name, STORE_TOKEN_NAME_MAX) ||
	    created_by == NULL || strnlen(created_by, STORE_WHO_MAX + 1) > STORE_WHO_MAX)
		return MAYDAY_E_INVALID;
	enum mayday_err err = store_pg_tx(p);
	if (err != MAYDAY_OK)
		return err;
	store_pg_p_text(&q, id);
	store_pg_p_text(&q, name);
	store_pg_p_text(&q, role);
	store_pg_p_bin(&q, sha256, 32);
	store_pg_p_i64(&q, now);
	store_pg_p_text(&q, created_by);
	/* The name's (or the id's) UNIQUE: someone has it, now or committed
	 * by another node while this waited. */
	PGresult *r = store_pg_api_q(p, "INSERT INTO api_tokens (id, name, role, secret_sha256,"
				     " created_at, created_by) VALUES ($1, $2, $3, $4, $5, $6)"
				     " ON CONFLICT DO NOTHING RETURNING id", &q, &err);
	if (r != NULL && PQntuples(r) != 1)
		err = MAYDAY_E_EXISTS;
	PQclear(r);
	if (err == MAYDAY_OK)
		err = store_pg_api_action(p, created_by, "token.create", id, name, now);
	return store_pg_tx_end(p, err);
}

enum mayday_err store_pg_token_lookup(struct store *st, const char *id, uint8_t sha256[32],
				      char role[STORE_ROLE_MAX + 1],
				      char name[STORE_TOKEN_NAME_MAX + 1], bool *revoked)
{
	struct store_pg *p = store_pg_of(st);
	struct store_pg_params q = {0};
	enum mayday_err err;
	*revoked = false;
	store_pg_p_text(&q, id);
	PGresult *r = store_pg_q(p, "SELECT secret_sha256, role, name, revoked_at IS NOT NULL"
				 " FROM api_tokens WHERE id = $1", &q, &err);
	if (r == NULL)
		return err;
	if (PQntuples(r) != 1) {
		err = MAYDAY_E_NOTFOUND;
	} else if (PQgetlength(r, 0, 0) != 32) {
		err = MAYDAY_E_MALFORMED;
	} else {
		memcpy(sha256, PQgetvalue(r, 0, 0), 32);
		store_pg_text(r, 0, 1, role, STORE_ROLE_MAX + 1);
		store_pg_text(r, 0, 2, name, STORE_TOKEN_NAME_MAX + 1);
		*revoked = PQgetvalue(r, 0, 3)[0] != 0;   /* binary bool */
	}
	PQclear(r);
	return err;
}

enum mayday_err store_pg_token_touch(struct store *st, const char *id, int64_t now)
{
	struct store_pg *p = store_pg_of(st);
	struct store_pg_params q = {0};
	enum mayday_err err;
	store_pg_p_text(&q, id);
	store_pg_p_i64(&q, now);
	/* Only a newer second writes: a busy token does not rewrite its row
	 * per request, and nodes touching it at once never move it back. */
	PQclear(store_pg_q(p, "UPDATE api_tokens SET last_used_at = $2"
			   " WHERE id = $1 AND coalesce(last_used_at, 0) < $2", &q, &err));
	return err;
}

enum mayday_err store_pg_token_revoke(struct store *st, const char *id, const char *by,
				      int64_t now)
{
	struct store_pg *p = store_pg_of(st);
	struct store_pg_params q = {0};
	if (by == NULL || strnlen(by, STORE_WHO_MAX + 1) > STORE_WHO_MAX)
		return MAYDAY_E_INVALID;
	enum mayday_err err = store_pg_tx(p);
	if (err != MAYDAY_OK)
		return err;
	store_pg_p_text(&q, id);
	store_pg_p_i64(&q, now);
	PGresult *r = store_pg_api_q(p, "UPDATE api_tokens SET revoked_at = $2 WHERE id = $1"
				     " AND revoked_at IS NULL", &q, &err);
	bool revoked_now = r != NULL && strcmp(PQcmdTuples(r), "1") == 0;
	PQclear(r);
	if (err == MAYDAY_OK && revoked_now)
		err = store_pg_api_action(p, by, "token.revoke", id, NULL, now);
	return store_pg_tx_end(p, err);
}

enum mayday_err store_pg_token_list(struct store *st, store_token_cb cb, void *ctx)
{
	struct store_pg *p = store_pg_of(st);
	struct store_pg_params q = {0};
	struct store_token_row t;
	enum mayday_err err;
	/* Ids in byte order, as SQLite's BINARY collation sorts them. */
	PGresult *r = store_pg_api_q(p, "SELECT id, name, role, created_at, created_by,"
				     " coalesce(last_used_at, 0), coalesce(revoked_at, 0)"
				     " FROM api_tokens ORDER BY created_at, id COLLATE \"C\"", &q, &err);
	if (r == NULL)
		return err;
	for (int i = 0; i < PQntuples(r); i++) {
		memset(&t, 0, sizeof(t));
		store_pg_text(r, i, 0, t.id, sizeof(t.id));
		store_pg_text(r, i, 1, t.name, sizeof(t.name));
		store_pg_text(r, i, 2, t.role, sizeof(t.role));
		t.created_at = store_pg_i64(r, i, 3);
		store_pg_text(r, i, 4, t.created_by, sizeof(t.created_by));
		t.last_used_at = store_pg_i64(r, i, 5);
		t.revoked_at = store_pg_i64(r, i, 6);
		if (cb(ctx, &t) != 0)
			break;
	}
	PQclear(r);
	return MAYDAY_OK;
}

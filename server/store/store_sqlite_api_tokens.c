/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SQLite backend of the API's bearer tokens (store_api.h). The table holds
 * SHA-256(secret) only, so a copy of the store lets nobody in; comparing
 * the hash is the caller's (api_token.c, in constant time). Creating and
 * revoking record the action in the same transaction.
 */
#include <string.h>

#include "store_sqlite_api.h"

enum mayday_err store_sqlite_token_create(struct store *st, const char *id, const char *name,
					  const char *role, const uint8_t sha256[32],
					  const char *created_by, int64_t now)
{
	struct store_sqlite *s = store_sqlite_of(st);
	sqlite3_stmt *q = NULL;
	if (!store_sqlite_id_ok(name, STORE_TOKEN_NAME_MAX) ||
	    created_by == NULL ||
	    strnlen(created_by, STORE_WHO_MAX + 1) > STORE_WHO_MAX)
		return MAYDAY_E_INVALID;
	enum mayday_err err = store_sqlite_remed_tx(s);
	if (err != MAYDAY_OK)
		return err;
	int rc = sqlite3_prepare_v2(s->db, "INSERT INTO api_tokens (id, name, role, secret_sha256,"
				    " created_at, created_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
				    -1, &q, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 2, name, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 3, role, -1, SQLITE_STATIC);
		sqlite3_bind_blob(q, 4, sha256, 32, SQLITE_STATIC);
		sqlite3_bind_int64(q, 5, now);
		sqlite3_bind_text(q, 6, created_by, -1, SQLITE_STATIC);
		rc = sqlite3_step(q);
	}
	/* The name's (or the id's) UNIQUE: someone has it. */
	if ((rc & 0xff) == SQLITE_CONSTRAINT)
		err = MAYDAY_E_EXISTS;
	else if (rc != SQLITE_DONE)
		err = store_sqlite_err(rc);
	sqlite3_finalize(q);
	if (err == MAYDAY_OK)
		err = store_sqlite_api_action(s, created_by, "token.create", id, name, now);
	return store_sqlite_remed_tx_end(s, err);
}

enum mayday_err store_sqlite_token_lookup(struct store *st, const char *id, uint8_t sha256[32],
					  char role[STORE_ROLE_MAX + 1],
					  char name[STORE_TOKEN_NAME_MAX + 1], bool *revoked)
{
	struct store_sqlite *s = store_sqlite_of(st);
	sqlite3_stmt *q = NULL;
	*revoked = false;
	enum mayday_err err = store_sqlite_prep(s, &q, "SELECT secret_sha256, role, name,"
						" revoked_at IS NOT NULL FROM api_tokens"
						" WHERE id = ?1", "t", id);
	if (err == MAYDAY_OK) {
		int rc = sqlite3_step(q);
		if (rc == SQLITE_ROW && sqlite3_column_bytes(q, 0) == 32) {
			memcpy(sha256, sqlite3_column_blob(q, 0), 32);
			store_sqlite_text(q, 1, role, STORE_ROLE_MAX + 1);
			store_sqlite_text(q, 2, name, STORE_TOKEN_NAME_MAX + 1);
			*revoked = sqlite3_column_int64(q, 3) != 0;
		} else {
			err = rc == SQLITE_DONE ? MAYDAY_E_NOTFOUND
			      : rc == SQLITE_ROW ? MAYDAY_E_MALFORMED : store_sqlite_err(rc);
		}
	}
	sqlite3_finalize(q);
	return err;
}

enum mayday_err store_sqlite_token_touch(struct store *st, const char *id, int64_t now)
{
	/* Only a newer second writes: a busy token does not rewrite its row per request. */
	return store_sqlite_exec(store_sqlite_of(st), "UPDATE api_tokens SET last_used_at = ?2"
				 " WHERE id = ?1 AND coalesce(last_used_at, 0) < ?2", "ti", id, now);
}

enum mayday_err store_sqlite_token_revoke(struct store *st, const char *id, const char *by,
					  int64_t now)
{
	struct store_sqlite *s = store_sqlite_of(st);
	if (by == NULL || strnlen(by, STORE_WHO_MAX + 1) > STORE_WHO_MAX)
		return MAYDAY_E_INVALID;
	enum mayday_err err = store_sqlite_remed_tx(s);
	if (err != MAYDAY_OK)
		return err;
	err = store_sqlite_exec(s, "UPDATE api_tokens SET revoked_at = ?2 WHERE id = ?1"
				" AND revoked_at IS NULL", "ti", id, now);
	if (err == MAYDAY_OK && sqlite3_changes(s->db) == 1)
		err = store_sqlite_api_action(s, by, "token.revoke", id, NULL, now);
	return store_sqlite_remed_tx_end(s, err);
}

enum mayday_err store_sqlite_token_list(struct store *st, store_token_cb cb, void *ctx)
{
	struct store_sqlite *s = store_sqlite_of(st);
	struct store_token_row t;
	sqlite3_stmt *q = NULL;
	int rc = SQLITE_DONE;
	enum mayday_err err = store_sqlite_prep(s, &q, "SELECT id, name, role, created_at,"
						" created_by, coalesce(last_used_at, 0),"
						" coalesce(revoked_at, 0) FROM api_tokens"
						" ORDER BY created_at, id", "");
	while (err == MAYDAY_OK && (rc = sqlite3_step(q)) == SQLITE_ROW) {
		memset(&t, 0, sizeof(t));
		store_sqlite_text(q, 0, t.id, sizeof(t.id));
		store_sqlite_text(q, 1, t.name, sizeof(t.name));
		store_sqlite_text(q, 2, t.role, sizeof(t.role));
		t.created_at = sqlite3_column_int64(q, 3);
		store_sqlite_text(q, 4, t.created_by, sizeof(t.created_by));
		t.last_used_at = sqlite3_column_int64(q, 5);
		t.revoked_at = sqlite3_column_int64(q, 6);
		if (cb(ctx, &t) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	sqlite3_finalize(q);
	if (err == MAYDAY_OK && rc != SQLITE_DONE)
		err = store_sqlite_err(rc);
	return err;
}

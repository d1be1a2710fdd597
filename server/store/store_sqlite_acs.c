/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SQLite side of store_acs.h: CPE credentials (HA1s only) and the ACS's
 * decisions (append-only, schema version 8). Rare calls: SQL is prepared
 * per call, like the remediation files.
 */
#include <stdio.h>
#include <string.h>

#include "store_acs.h"
#include "store_sqlite.h"

static bool hex_ok(const char *s, size_t n)
{
	return strlen(s) == n && strspn(s, "0123456789abcdef") == n;
}

static bool username_ok(const char *u)
{
	size_t n = strlen(u);
	if (n == 0 || n > STORE_ACS_USERNAME_MAX)
		return false;
	for (; *u; u++)
		if (*u < ' ' || *u > '~' || *u == ':' || *u == '"' || *u == '\\')
			return false;
	return true;
}

enum mayday_err store_sqlite_acs_cred_set(struct store *st, const struct store_acs_cred *c)
{
	struct store_sqlite *s = store_sqlite_of(st);
	sqlite3_stmt *q = NULL;
	if (!username_ok(c->username) || !hex_ok(c->ha1_md5, STORE_ACS_HA1_MD5_HEX) ||
	    !hex_ok(c->ha1_sha256, STORE_ACS_HA1_SHA256_HEX))
		return MAYDAY_E_INVALID;
	enum mayday_err err = store_sqlite_remed_tx(s);
	if (err != MAYDAY_OK)
		return err;
	err = store_sqlite_prep(s, &q, "SELECT (SELECT count(*) FROM devices WHERE id = ?1),"
				" (SELECT count(*) FROM cwmp_credentials"
				"  WHERE username = ?2 AND device_id != ?1)",
				"tt", c->device_id, c->username);
	if (err == MAYDAY_OK) {
		if (sqlite3_step(q) != SQLITE_ROW)
			err = MAYDAY_E_IO;
		else if (sqlite3_column_int(q, 0) == 0)
			err = MAYDAY_E_NOTFOUND;
		else if (sqlite3_column_int(q, 1) != 0)
			err = MAYDAY_E_MISMATCH;
	}
	sqlite3_finalize(q);
	if (err == MAYDAY_OK)
		err = store_sqlite_exec(s, "INSERT OR REPLACE INTO cwmp_credentials"
					" (device_id, username, ha1_md5, ha1_sha256, set_at)"
					" VALUES (?1, ?2, ?3, ?4, ?5)", "tttti", c->device_id,
					c->username, c->ha1_md5, c->ha1_sha256, c->set_at);
	return store_sqlite_remed_tx_end(s, err);
}

enum mayday_err store_sqlite_acs_cred_get(struct store *st, const char *username,
					  struct store_acs_cred *out)
{
	struct store_sqlite *s = store_sqlite_of(st);
	sqlite3_stmt *q = NULL;
	memset(out, 0, sizeof(*out));
	enum mayday_err err = store_sqlite_prep(s, &q, "SELECT device_id, username, ha1_md5,"
						" ha1_sha256, set_at FROM cwmp_credentials"
						" WHERE username = ?1", "t", username);
	if (err == MAYDAY_OK) {
		int rc = sqlite3_step(q);
		if (rc == SQLITE_ROW) {
			store_sqlite_text(q, 0, out->device_id, sizeof(out->device_id));
			store_sqlite_text(q, 1, out->username, sizeof(out->username));
			store_sqlite_text(q, 2, out->ha1_md5, sizeof(out->ha1_md5));
			store_sqlite_text(q, 3, out->ha1_sha256, sizeof(out->ha1_sha256));
			out->set_at = sqlite3_column_int64(q, 4);
		} else {
			err = rc == SQLITE_DONE ? MAYDAY_E_NOTFOUND : store_sqlite_err(rc);
		}
	}
	sqlite3_finalize(q);
	return err;
}

enum mayday_err store_sqlite_acs_note(struct store *st, const char *device_id, int64_t now,
				      const char *text)
{
	struct store_sqlite *s = store_sqlite_of(st);
	char cut[STORE_ACS_NOTE_MAX + 1];
	snprintf(cut, sizeof(cut), "%s", text);
	enum mayday_err err = store_sqlite_exec(
		s, "INSERT INTO acs_decisions (device_id, incident_id, at, text)"
		   " SELECT id, (SELECT i.id FROM incidents i WHERE i.device_id = ?1"
		   "  AND i.closed_at IS NULL), ?2, ?3 FROM devices WHERE id = ?1",
		"tit", device_id, now, cut);
	if (err == MAYDAY_OK && sqlite3_changes(s->db) == 0)
		err = MAYDAY_E_NOTFOUND;
	return err;
}

enum mayday_err store_sqlite_acs_reboot_refused(struct store *st, const char *device_id,
						const char *command_key, uint32_t fault_code,
						const char *detail)
{
	struct store_sqlite *s = store_sqlite_of(st);
	enum mayday_err err = store_sqlite_exec(
		s, "UPDATE remediation_attempts SET fault_code = ?3, detail = ?4"
		   " WHERE device_id = ?1 AND command_key = ?2 AND result = 'installed'",
		"ttit", device_id, command_key, (int64_t)fault_code, detail);
	if (err == MAYDAY_OK && sqlite3_changes(s->db) == 0)
		err = MAYDAY_E_NOTFOUND;
	return err;
}

enum mayday_err store_sqlite_acs_connreq_url(struct store *st, const char *device_id,
					     const char *url)
{
	struct store_sqlite *s = store_sqlite_of(st);
	if (url[0] == '\0')
		return store_sqlite_exec(s, "DELETE FROM cwmp_connreq WHERE device_id = ?1", "t",
					 device_id);
	/* unchanged URL: no write (every Inform of the CPE calls this) */
	return store_sqlite_exec(s, "INSERT INTO cwmp_connreq (device_id, url)"
				 " SELECT id, ?2 FROM devices WHERE id = ?1"
				 " ON CONFLICT (device_id) DO UPDATE SET url = excluded.url"
				 " WHERE url != excluded.url", "tt", device_id, url);
}

enum mayday_err store_sqlite_acs_connreq_due(struct store *st, int64_t before, int64_t now,
					     unsigned max, store_acs_connreq_cb cb, void *ctx)
{
	struct store_sqlite *s = store_sqlite_of(st);
	char ids[16][MAYDAY_DEVICE_ID_MAX + 1], urls[16][STORE_ACS_URL_MAX + 1];
	bool mine[16] = {false};
	unsigned n = 0;
	sqlite3_stmt *q = NULL;
	int rc = SQLITE_DONE;
	if (max > 16)
		max = 16;
	/* Read outside a transaction: the timer asks every few seconds, and
	 * mostly nothing is due, so no write lock is taken for nothing. */
	enum mayday_err err = store_sqlite_prep(
		s, &q, "SELECT c.device_id, c.url FROM cwmp_connreq c"
		       " JOIN devices d ON d.id = c.device_id"
		       " WHERE d.state = 'remediation_scheduled' AND c.requested_at < ?1"
		       " ORDER BY c.requested_at LIMIT ?2", "ii", before, (int64_t)max);
	while (err == MAYDAY_OK && n < max && (rc = sqlite3_step(q)) == SQLITE_ROW) {
		store_sqlite_text(q, 0, ids[n], sizeof(ids[n]));
		store_sqlite_text(q, 1, urls[n], sizeof(urls[n]));
		n++;
	}
	if (err == MAYDAY_OK && rc != SQLITE_DONE && rc != SQLITE_ROW)
		err = store_sqlite_err(rc);
	sqlite3_finalize(q);
	if (err != MAYDAY_OK || n == 0)
		return err;
	if ((err = store_sqlite_remed_tx(s)) != MAYDAY_OK)
		return err;
	/* marked only if still due: another process may have asked meanwhile */
	for (unsigned i = 0; err == MAYDAY_OK && i < n; i++) {
		err = store_sqlite_exec(s, "UPDATE cwmp_connreq SET requested_at = ?2"
					" WHERE device_id = ?1 AND requested_at < ?3", "tii", ids[i],
					now, before);
		mine[i] = err == MAYDAY_OK && sqlite3_changes(s->db) == 1;
	}
	err = store_sqlite_remed_tx_end(s, err);
	for (unsigned i = 0; err == MAYDAY_OK && i < n; i++)
		if (mine[i] && cb(ctx, ids[i], urls[i]) != 0)
			break;
	return err;
}

enum mayday_err store_sqlite_acs_notes(struct store *st, const char *device_id,
				       store_acs_note_cb cb, void *ctx)
{
	struct store_sqlite *s = store_sqlite_of(st);
	struct store_acs_note n;
	sqlite3_stmt *q = NULL;
	int rc;
	enum mayday_err err = store_sqlite_prep(s, &q, "SELECT id, coalesce(incident_id, 0), at,"
						" text FROM acs_decisions WHERE device_id = ?1"
						" ORDER BY id", "t", device_id);
	if (err != MAYDAY_OK)
		return err;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		memset(&n, 0, sizeof(n));
		n.id = sqlite3_column_int64(q, 0);
		n.incident_id = sqlite3_column_int64(q, 1);
		n.at = sqlite3_column_int64(q, 2);
		store_sqlite_text(q, 3, n.text, sizeof(n.text));
		if (cb(ctx, &n) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	sqlite3_finalize(q);
	return rc == SQLITE_DONE ? MAYDAY_OK : store_sqlite_err(rc);
}

/*
 * SQLite: the PSK method's per-device keys and replay windows (psk_keys).
 *
 * The window is the 16 bytes of struct mayday_replay_window kept in the
 * device's PSK row. It is read by the daemon's workers to refuse a replay
 * before decrypting (psk_get) and advanced only by the writer, inside the
 * batch that stores the indication (psk_advance): one writer thread and one
 * transaction serialise check-and-update per device, and a rolled-back
 * batch leaves the window as it was.
 */
#include <string.h>
#include <time.h>

#include "mayday/keys.h"
#include "store_sqlite.h"

enum mayday_err store_sqlite_psk_enrol(struct store *st, const char *device_id,
				       const uint8_t *kid, size_t kid_len, const uint8_t *psk)
{
	struct store_sqlite *s = store_sqlite_of(st);
	enum mayday_err err;
	int rc;
	if (s->in_batch || !store_sqlite_id_ok(device_id, MAYDAY_DEVICE_ID_MAX))
		return MAYDAY_E_INVALID;
	rc = sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		return store_sqlite_err(rc);

	/* The device, and its current PSK if any. */
	err = store_sqlite_stmt(s, &s->psk_of_dev,
		"SELECT p.kid, p.psk FROM devices d LEFT JOIN psk_keys p ON p.device_id = d.id"
		" WHERE d.id = ?1");
	if (err != MAYDAY_OK)
		goto out;
	sqlite3_bind_text(s->psk_of_dev, 1, device_id, -1, SQLITE_STATIC);
	rc = sqlite3_step(s->psk_of_dev);
	if (rc != SQLITE_ROW) {
		err = rc == SQLITE_DONE ? MAYDAY_E_NOTFOUND : store_sqlite_err(rc);
		goto out;
	}
	const void *old_kid = sqlite3_column_blob(s->psk_of_dev, 0);
	const void *old_psk = sqlite3_column_blob(s->psk_of_dev, 1);
	int same = old_kid != NULL && old_psk != NULL &&
		   (size_t)sqlite3_column_bytes(s->psk_of_dev, 0) == kid_len &&
		   sqlite3_column_bytes(s->psk_of_dev, 1) == MAYDAY_PSK_LEN &&
		   memcmp(old_kid, kid, kid_len) == 0 &&
		   mayday_ct_equal(old_psk, psk, MAYDAY_PSK_LEN);
	sqlite3_reset(s->psk_of_dev);
	if (same)
		goto out;   /* idempotent: keep the window */

	/* Kids select keys on the wire: one device per kid. */
	err = store_sqlite_stmt(s, &s->psk_of_kid, "SELECT device_id FROM psk_keys WHERE kid = ?1");
	if (err != MAYDAY_OK)
		goto out;
	sqlite3_bind_blob(s->psk_of_kid, 1, kid, (int)kid_len, SQLITE_STATIC);
	rc = sqlite3_step(s->psk_of_kid);
	if (rc == SQLITE_ROW) {
		const unsigned char *owner = sqlite3_column_text(s->psk_of_kid, 0);
		if (owner == NULL || strcmp((const char *)owner, device_id) != 0)
			err = MAYDAY_E_MISMATCH;
	} else if (rc != SQLITE_DONE) {
		err = store_sqlite_err(rc);
	}
	sqlite3_reset(s->psk_of_kid);
	if (err != MAYDAY_OK)
		goto out;

	err = store_sqlite_stmt(s, &s->psk_del, "DELETE FROM psk_keys WHERE device_id = ?1");
	if (err != MAYDAY_OK)
		goto out;
	sqlite3_bind_text(s->psk_del, 1, device_id, -1, SQLITE_STATIC);
	rc = sqlite3_step(s->psk_del);
	sqlite3_reset(s->psk_del);
	if (rc != SQLITE_DONE) {
		err = store_sqlite_err(rc);
		goto out;
	}
	err = store_sqlite_stmt(s, &s->psk_ins,
		"INSERT INTO psk_keys (kid, device_id, psk, enrolled_at) VALUES (?1, ?2, ?3, ?4)");
	if (err != MAYDAY_OK)
		goto out;
	sqlite3_bind_blob(s->psk_ins, 1, kid, (int)kid_len, SQLITE_STATIC);
	sqlite3_bind_text(s->psk_ins, 2, device_id, -1, SQLITE_STATIC);
	sqlite3_bind_blob(s->psk_ins, 3, psk, MAYDAY_PSK_LEN, SQLITE_STATIC);
	sqlite3_bind_int64(s->psk_ins, 4, (int64_t)time(NULL));
	rc = sqlite3_step(s->psk_ins);
	sqlite3_clear_bindings(s->psk_ins);   /* no pointer to the caller's key stays behind */
	sqlite3_reset(s->psk_ins);
	if (rc != SQLITE_DONE)
		err = store_sqlite_err(rc);
out:
	if (err == MAYDAY_OK) {
		rc = sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
		if (rc != SQLITE_OK)
			err = store_sqlite_err(rc);
	}
	if (err != MAYDAY_OK && sqlite3_get_autocommit(s->db) == 0)
		(void)sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	return err;
}

/* The row of `kid` in the prepared psk_get statement; SQLITE_ROW if found. */
static int psk_row(struct store_sqlite *s, const uint8_t *kid, size_t kid_len,
		   enum mayday_err *err)
{
	*err = store_sqlite_stmt(s, &s->psk_get,
		"SELECT device_id, psk, replay_highest, replay_bitmap FROM psk_keys WHERE kid = ?1");
	if (*err != MAYDAY_OK)
		return SQLITE_ERROR;
	sqlite3_bind_blob(s->psk_get, 1, kid, (int)kid_len, SQLITE_STATIC);
	int rc = sqlite3_step(s->psk_get);
	if (rc == SQLITE_DONE)
		*err = MAYDAY_E_NOTFOUND;
	else if (rc != SQLITE_ROW)
		*err = store_sqlite_err(rc);
	return rc;
}

static void window_of(sqlite3_stmt *q, struct mayday_replay_window *w)
{
	w->highest = (uint64_t)sqlite3_column_int64(q, 2);
	w->bitmap = (uint64_t)sqlite3_column_int64(q, 3);
}

enum mayday_err store_sqlite_psk_get(struct store *st, const uint8_t *kid, size_t kid_len,
				     struct store_psk *out)
{
	struct store_sqlite *s = store_sqlite_of(st);
	enum mayday_err err;
	if (psk_row(s, kid, kid_len, &err) == SQLITE_ROW) {
		const void *psk = sqlite3_column_blob(s->psk_get, 1);
		if (psk == NULL || sqlite3_column_bytes(s->psk_get, 1) != MAYDAY_PSK_LEN) {
			err = MAYDAY_E_IO;   /* the CHECK constraint makes this corruption */
		} else {
			memcpy(out->psk, psk, MAYDAY_PSK_LEN);
			store_sqlite_text(s->psk_get, 0, out->device_id, sizeof(out->device_id));
			window_of(s->psk_get, &out->window);
		}
	}
	sqlite3_reset(s->psk_get);
	return err;
}

enum mayday_err store_sqlite_psk_advance(struct store_sqlite *s, const uint8_t *kid,
					 size_t kid_len, const char *device_id, uint64_t counter)
{
	struct mayday_replay_window w;
	enum mayday_err err;
	char owner[MAYDAY_DEVICE_ID_MAX + 1];
	int rc = psk_row(s, kid, kid_len, &err);
	if (rc == SQLITE_ROW) {
		store_sqlite_text(s->psk_get, 0, owner, sizeof(owner));
		window_of(s->psk_get, &w);
	}
	sqlite3_reset(s->psk_get);
	if (err == MAYDAY_E_NOTFOUND)
		return MAYDAY_E_INVALID;
	if (err != MAYDAY_OK)
		return err;
	if (strcmp(owner, device_id) != 0)
		return MAYDAY_E_INVALID;
	if ((err = mayday_replay_update(&w, counter)) != MAYDAY_OK)
		return err;
	err = store_sqlite_stmt(s, &s->psk_win_set,
		"UPDATE psk_keys SET replay_highest = ?2, replay_bitmap = ?3 WHERE kid = ?1");
	if (err != MAYDAY_OK)
		return err;
	sqlite3_bind_blob(s->psk_win_set, 1, kid, (int)kid_len, SQLITE_STATIC);
	sqlite3_bind_int64(s->psk_win_set, 2, (int64_t)w.highest);
	sqlite3_bind_int64(s->psk_win_set, 3, (int64_t)w.bitmap);
	rc = sqlite3_step(s->psk_win_set);
	sqlite3_reset(s->psk_win_set);
	return rc == SQLITE_DONE ? MAYDAY_OK : store_sqlite_err(rc);
}

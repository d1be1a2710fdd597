/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SQLite: the PSK method's per-device keys and replay windows (psk_keys).
 *
 * The window is the 16 bytes of struct mayday_replay_window kept in the
 * device's PSK row. It is read by the daemon's workers to refuse a replay
 * before decrypting (psk_get) and advanced only by the writer, inside the
 * batch that stores the indication (psk_advance): one writer thread and one
 * transaction serialise check-and-update per device, and a rolled-back
 * batch leaves the window as it was.
 *
 * The PSK itself is stored sealed under the handle's key-encryption key
 * (psk_sealed, mayday/kek.h) with its kid and device ID as associated data,
 * so a sealed key moved to another row does not open. Without a KEK the
 * handle can neither enrol nor read a PSK (MAYDAY_E_KEY).
 */
#include <string.h>
#include <time.h>
#include <openssl/crypto.h>

#include "mayday/keys.h"
#include "store_psk_seal.h"
#include "store_sqlite.h"

static enum mayday_err psk_seal(struct store_sqlite *s, const uint8_t *kid, size_t kid_len,
				const char *device_id, const uint8_t *psk,
				uint8_t sealed[MAYDAY_KEK_SEALED_LEN])
{
	uint8_t aad[STORE_PSK_AAD_MAX];
	size_t n = store_psk_aad(aad, kid, kid_len, device_id);
	return mayday_kek_seal(s->kek, aad, n, psk, sealed);
}

/* The PSK of a psk_sealed column value; MAYDAY_E_IO if it is not one this
 * KEK sealed for this row (corruption, another KEK, a swapped row). */
static enum mayday_err psk_unseal(struct store_sqlite *s, const uint8_t *kid, size_t kid_len,
				  const char *device_id, const void *sealed, int sealed_len,
				  uint8_t psk[MAYDAY_PSK_LEN])
{
	uint8_t aad[STORE_PSK_AAD_MAX];
	if (sealed == NULL || sealed_len != MAYDAY_KEK_SEALED_LEN)
		return sealed == NULL ? MAYDAY_E_KEY : MAYDAY_E_IO;
	size_t n = store_psk_aad(aad, kid, kid_len, device_id);
	return mayday_kek_open(s->kek, aad, n, sealed, psk) == MAYDAY_OK ? MAYDAY_OK : MAYDAY_E_IO;
}

enum mayday_err store_sqlite_psk_enrol(struct store *st, const char *device_id,
				       const uint8_t *kid, size_t kid_len, const uint8_t *psk)
{
	struct store_sqlite *s = store_sqlite_of(st);
	uint8_t sealed[MAYDAY_KEK_SEALED_LEN], old[MAYDAY_PSK_LEN];
	enum mayday_err err;
	int rc;
	if (s->in_batch || !store_sqlite_id_ok(device_id, MAYDAY_DEVICE_ID_MAX))
		return MAYDAY_E_INVALID;
	if (!s->has_kek)
		return MAYDAY_E_KEY;
	if ((err = psk_seal(s, kid, kid_len, device_id, psk, sealed)) != MAYDAY_OK)
		return err;
	rc = sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		return store_sqlite_err(rc);

	/* The device, and its current PSK if any. */
	err = store_sqlite_stmt(s, &s->psk_of_dev,
		"SELECT p.kid, p.psk_sealed FROM devices d LEFT JOIN psk_keys p ON p.device_id = d.id"
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
	int same = old_kid != NULL &&
		   (size_t)sqlite3_column_bytes(s->psk_of_dev, 0) == kid_len &&
		   memcmp(old_kid, kid, kid_len) == 0 &&
		   psk_unseal(s, kid, kid_len, device_id, sqlite3_column_blob(s->psk_of_dev, 1),
			      sqlite3_column_bytes(s->psk_of_dev, 1), old) == MAYDAY_OK &&
		   mayday_ct_equal(old, psk, MAYDAY_PSK_LEN);
	OPENSSL_cleanse(old, sizeof(old));
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
		"INSERT INTO psk_keys (kid, device_id, psk_sealed, enrolled_at) VALUES (?1, ?2, ?3, ?4)");
	if (err != MAYDAY_OK)
		goto out;
	sqlite3_bind_blob(s->psk_ins, 1, kid, (int)kid_len, SQLITE_STATIC);
	sqlite3_bind_text(s->psk_ins, 2, device_id, -1, SQLITE_STATIC);
	sqlite3_bind_blob(s->psk_ins, 3, sealed, sizeof(sealed), SQLITE_STATIC);
	sqlite3_bind_int64(s->psk_ins, 4, (int64_t)time(NULL));
	rc = sqlite3_step(s->psk_ins);
	sqlite3_clear_bindings(s->psk_ins);   /* no pointer to the stack stays behind */
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
		"SELECT device_id, psk_sealed, replay_highest, replay_bitmap FROM psk_keys"
		" WHERE kid = ?1");
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
	if (!s->has_kek)
		return MAYDAY_E_KEY;
	if (psk_row(s, kid, kid_len, &err) == SQLITE_ROW) {
		store_sqlite_text(s->psk_get, 0, out->device_id, sizeof(out->device_id));
		/* NULL psk_sealed: a plaintext row, sealed when a KEK is given. */
		err = psk_unseal(s, kid, kid_len, out->device_id,
				 sqlite3_column_blob(s->psk_get, 1),
				 sqlite3_column_bytes(s->psk_get, 1), out->psk);
		window_of(s->psk_get, &out->window);
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

/* Seals the plaintext rows one at a time in rowid order (the statement is
 * re-run after each update rather than stepped across it). */
static enum mayday_err seal_plaintext_rows(struct store_sqlite *s, int *sealed_rows)
{
	sqlite3_stmt *sel = NULL, *upd = NULL;
	uint8_t sealed[MAYDAY_KEK_SEALED_LEN], kid[MAYDAY_PSK_KID_MAX];
	char device_id[MAYDAY_DEVICE_ID_MAX + 1];
	enum mayday_err err = MAYDAY_OK;
	int64_t last = 0;
	int rc = sqlite3_prepare_v2(s->db,
		"SELECT rowid, kid, device_id, psk FROM psk_keys"
		" WHERE psk IS NOT NULL AND rowid > ?1 ORDER BY rowid LIMIT 1", -1, &sel, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(s->db,
			"UPDATE psk_keys SET psk = NULL, psk_sealed = ?2 WHERE rowid = ?1", -1, &upd,
			NULL);
	if (rc != SQLITE_OK) {
		err = store_sqlite_err(rc);
		goto out;
	}
	for (;;) {
		sqlite3_bind_int64(sel, 1, last);
		rc = sqlite3_step(sel);
		if (rc != SQLITE_ROW) {
			err = rc == SQLITE_DONE ? MAYDAY_OK : store_sqlite_err(rc);
			break;
		}
		last = sqlite3_column_int64(sel, 0);
		size_t kid_len = (size_t)sqlite3_column_bytes(sel, 1);
		const void *k = sqlite3_column_blob(sel, 1), *psk = sqlite3_column_blob(sel, 3);
		if (k == NULL || kid_len > sizeof(kid) || psk == NULL ||
		    sqlite3_column_bytes(sel, 3) != MAYDAY_PSK_LEN) {
			err = MAYDAY_E_IO;   /* the CHECK constraints make this corruption */
			break;
		}
		memcpy(kid, k, kid_len);
		store_sqlite_text(sel, 2, device_id, sizeof(device_id));
		err = psk_seal(s, kid, kid_len, device_id, psk, sealed);
		sqlite3_reset(sel);
		if (err != MAYDAY_OK)
			break;
		sqlite3_bind_int64(upd, 1, last);
		sqlite3_bind_blob(upd, 2, sealed, sizeof(sealed), SQLITE_STATIC);
		rc = sqlite3_step(upd);
		sqlite3_reset(upd);
		if (rc != SQLITE_DONE) {
			err = store_sqlite_err(rc);
			break;
		}
		(*sealed_rows)++;
	}
out:
	sqlite3_finalize(sel);   /* finalizing drops the plaintext SQLite held */
	sqlite3_finalize(upd);
	return err;
}

#define KEK_PROBE_ROWS 8

/* Whether `kek` is the store's: some of the first sealed rows open under
 * it (all of them failing means another KEK, e.g. a PKI made anew with
 * init --force; one damaged row alone does not stop the daemon). A store
 * without sealed rows accepts any KEK. */
static enum mayday_err kek_matches(struct store_sqlite *s)
{
	sqlite3_stmt *q = NULL;
	uint8_t psk[MAYDAY_PSK_LEN];
	char device_id[MAYDAY_DEVICE_ID_MAX + 1];
	int tried = 0, opened = 0, rc = sqlite3_prepare_v2(s->db,
		"SELECT kid, device_id, psk_sealed FROM psk_keys WHERE psk_sealed IS NOT NULL"
		" ORDER BY rowid LIMIT ?1", -1, &q, NULL);
	if (rc != SQLITE_OK)
		return store_sqlite_err(rc);
	sqlite3_bind_int(q, 1, KEK_PROBE_ROWS);
	while (!opened && (rc = sqlite3_step(q)) == SQLITE_ROW) {
		size_t kid_len = (size_t)sqlite3_column_bytes(q, 0);
		const void *kid = sqlite3_column_blob(q, 0);
		tried++;
		if (kid == NULL || kid_len > MAYDAY_PSK_KID_MAX)
			continue;
		store_sqlite_text(q, 1, device_id, sizeof(device_id));
		opened = psk_unseal(s, kid, kid_len, device_id, sqlite3_column_blob(q, 2),
				    sqlite3_column_bytes(q, 2), psk) == MAYDAY_OK;
	}
	OPENSSL_cleanse(psk, sizeof(psk));
	sqlite3_finalize(q);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_sqlite_err(rc);
	return opened || tried == 0 ? MAYDAY_OK : MAYDAY_E_KEY;
}

enum mayday_err store_sqlite_psk_set_kek(struct store *st, const uint8_t *kek)
{
	struct store_sqlite *s = store_sqlite_of(st);
	int sealed_rows = 0;
	if (s->in_batch)
		return MAYDAY_E_INVALID;
	memcpy(s->kek, kek, MAYDAY_KEK_LEN);
	s->has_kek = 1;
	int rc = sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		s->has_kek = 0;
		return store_sqlite_err(rc);
	}
	enum mayday_err err = kek_matches(s);
	if (err == MAYDAY_OK)
		err = seal_plaintext_rows(s, &sealed_rows);
	if (err == MAYDAY_OK) {
		rc = sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
		if (rc != SQLITE_OK)
			err = store_sqlite_err(rc);
	}
	if (err != MAYDAY_OK) {
		if (sqlite3_get_autocommit(s->db) == 0)
			(void)sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		OPENSSL_cleanse(s->kek, sizeof(s->kek));
		s->has_kek = 0;
		return err;
	}
	/* secure_delete zeroed the plaintext in the pages; the WAL still has
	 * the frames that wrote it until it is checkpointed and truncated. A
	 * busy reader may keep some frames for now: SQLite overwrites them. */
	if (sealed_rows > 0)
		(void)sqlite3_exec(s->db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL);
	return MAYDAY_OK;
}

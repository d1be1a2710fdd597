/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SQLite silence (store_silence.h). A signed indication's contact is
 * written by ingest itself, in the UPDATE that moves the device's mark
 * (store_sqlite_ingest.c); store_sqlite_silence_touch is the contact of
 * the other paths (a CWMP Inform), one UPDATE by primary key with a
 * prepared statement kept on the handle. Everything else -- the way back
 * from unreachable, the sweep -- is rare and prepares its SQL per call,
 * like the remediation files.
 *
 * The sweep reads its candidates outside any transaction (through the
 * partial indexes of schema version 7, so an idle sweep takes no write
 * lock), then moves them in one IMMEDIATE transaction, each UPDATE guarded
 * by the state and contact time it was read with: a device heard from in
 * between is left alone.
 */
#include <stdio.h>
#include <string.h>

#include "store_silence.h"
#include "store_sqlite.h"

/* Writes only a newer time: a device heard from again within the same
 * second costs a primary-key lookup, not a row and two index updates. */
enum mayday_err store_sqlite_silence_touch(struct store_sqlite *s, const char *device_id,
					   int64_t now)
{
	enum mayday_err err = store_sqlite_stmt(s, &s->upd_seen,
		"UPDATE devices SET last_seen = ?2 WHERE id = ?1 AND coalesce(last_seen, 0) < ?2");
	if (err != MAYDAY_OK)
		return err;
	sqlite3_bind_text(s->upd_seen, 1, device_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s->upd_seen, 2, now);
	int rc = sqlite3_step(s->upd_seen);
	return rc == SQLITE_DONE ? MAYDAY_OK : store_sqlite_err(rc);
}

enum mayday_err store_sqlite_silence_back(struct store_sqlite *s, const char *device_id,
					  int64_t now, bool close_if_healthy,
					  enum store_state *restored, int64_t *incident)
{
	sqlite3_stmt *q = NULL;
	*restored = STORE_STATE_HEALTHY;
	*incident = 0;
	/* The state it had is the one its latest 'silent' event left. */
	enum mayday_err err = store_sqlite_prep(s, &q,
		"SELECT i.id, (SELECT e.from_state FROM incident_events e"
		"  WHERE e.incident_id = i.id AND e.kind = 'silent' ORDER BY e.id DESC LIMIT 1)"
		" FROM incidents i WHERE i.device_id = ?1 AND i.closed_at IS NULL", "t", device_id);
	if (err == MAYDAY_OK) {
		int rc = sqlite3_step(q);
		if (rc == SQLITE_ROW) {
			char name[STORE_STATE_NAME_MAX + 1];
			*incident = sqlite3_column_int64(q, 0);
			store_sqlite_text(q, 1, name, sizeof(name));
			if (!store_state_parse(name, restored) ||
			    *restored == STORE_STATE_UNREACHABLE)
				*restored = STORE_STATE_HEALTHY;
		} else if (rc != SQLITE_DONE) {
			err = store_sqlite_err(rc);
		}
	}
	sqlite3_finalize(q);
	if (err != MAYDAY_OK)
		return err;
	const char *to = store_state_name(*restored);
	err = store_sqlite_exec(s, "UPDATE devices SET state = ?2, state_since = ?3 WHERE id = ?1", "tti",
		   device_id, to, now);
	if (err != MAYDAY_OK || *incident == 0)
		return err;
	if (*restored == STORE_STATE_HEALTHY && close_if_healthy)
		err = store_sqlite_exec(s, "UPDATE incidents SET state = ?2, closed_at = ?3 WHERE id = ?1", "iti",
			   *incident, to, now);
	else
		err = store_sqlite_exec(s, "UPDATE incidents SET state = ?2 WHERE id = ?1", "it", *incident, to);
	if (err != MAYDAY_OK)
		return err;
	return store_sqlite_event(s, *incident, now, "heard", "unreachable", to, 0);
}

enum mayday_err store_sqlite_seen(struct store *st, const char *device_id, int64_t now,
				  struct store_seen_out *out)
{
	struct store_sqlite *s = store_sqlite_of(st);
	struct store_seen_out local;
	sqlite3_stmt *q = NULL;
	char name[STORE_STATE_NAME_MAX + 1] = "";
	out = out != NULL ? out : &local;
	memset(out, 0, sizeof(*out));
	if (!store_sqlite_id_ok(device_id, MAYDAY_DEVICE_ID_MAX))
		return MAYDAY_E_NOTFOUND;
	enum mayday_err err = store_sqlite_remed_tx(s);
	if (err != MAYDAY_OK)
		return err;
	err = store_sqlite_silence_touch(s, device_id, now);
	if (err == MAYDAY_OK)
		err = store_sqlite_prep(s, &q, "SELECT state FROM devices WHERE id = ?1", "t", device_id);
	if (err == MAYDAY_OK) {
		int rc = sqlite3_step(q);
		if (rc == SQLITE_ROW)
			store_sqlite_text(q, 0, name, sizeof(name));
		else
			err = rc == SQLITE_DONE ? MAYDAY_E_NOTFOUND : store_sqlite_err(rc);
	}
	sqlite3_finalize(q);
	if (err == MAYDAY_OK && strcmp(name, "unreachable") == 0) {
		enum store_state back;
		err = store_sqlite_silence_back(s, device_id, now, true, &back, &out->incident_id);
		out->back = err == MAYDAY_OK;
		snprintf(name, sizeof(name), "%s", store_state_name(back));
	}
	snprintf(out->state, sizeof(out->state), "%s", name);
	err = store_sqlite_remed_tx_end(s, err);
	if (err != MAYDAY_OK)
		memset(out, 0, sizeof(*out));
	return err;
}

/* Candidates of one query into out[*n..cap). */
static enum mayday_err collect(sqlite3_stmt *q, struct store_silent_row *out, size_t cap,
			       size_t *n)
{
	int rc = SQLITE_DONE;
	while (*n < cap && (rc = sqlite3_step(q)) == SQLITE_ROW) {
		struct store_silent_row *r = &out[(*n)++];
		memset(r, 0, sizeof(*r));
		store_sqlite_text(q, 0, r->device_id, sizeof(r->device_id));
		store_sqlite_text(q, 1, r->product_class, sizeof(r->product_class));
		store_sqlite_text(q, 2, r->from_state, sizeof(r->from_state));
		r->last_seen = sqlite3_column_int64(q, 3);
	}
	if (*n == cap)
		return MAYDAY_OK;
	return rc == SQLITE_DONE ? MAYDAY_OK : store_sqlite_err(rc);
}

#define SEEN "coalesce(last_seen, enrolled_at)"
#define CANDIDATE_COLS "SELECT id, product_class, state, " SEEN " FROM devices"

static enum mayday_err candidates(struct store_sqlite *s, const struct store_silence_rules *r,
				  int64_t now, struct store_silent_row *out, size_t cap,
				  size_t *n)
{
	enum mayday_err err = MAYDAY_OK;
	sqlite3_stmt *q = NULL;
	for (unsigned i = 0; i < r->n_classes && err == MAYDAY_OK && *n < cap; i++) {
		if (r->classes[i].interval_s <= 0)
			continue;
		err = store_sqlite_prep(s, &q, CANDIDATE_COLS " WHERE product_class = ?1"
			   " AND state != 'unreachable' AND " SEEN " < ?2"
			   " ORDER BY " SEEN " LIMIT ?3", "tii", r->classes[i].product_class,
			   now - r->classes[i].interval_s, (int64_t)(cap - *n));
		if (err == MAYDAY_OK)
			err = collect(q, out, cap, n);
		sqlite3_finalize(q);
		q = NULL;
	}
	if (err != MAYDAY_OK || r->default_s <= 0 || *n >= cap)
		return err;
	/* The rest: every class not listed. Unused slots of the list are '',
	 * which no class is (store_sqlite_id_ok). */
	char sql[512];
	int len = snprintf(sql, sizeof(sql), CANDIDATE_COLS " WHERE state != 'unreachable'"
			   " AND " SEEN " < ?1 AND product_class NOT IN (");
	for (unsigned i = 0; i < STORE_SILENCE_CLASSES_MAX && len > 0 && (size_t)len < sizeof(sql);
	     i++)
		len += snprintf(sql + len, sizeof(sql) - (size_t)len, "%s?%u", i ? ", " : "",
				i + 2);
	if (len <= 0 || (size_t)len >= sizeof(sql) ||
	    snprintf(sql + len, sizeof(sql) - (size_t)len, ") ORDER BY " SEEN " LIMIT ?%u",
		     STORE_SILENCE_CLASSES_MAX + 2) >= (int)(sizeof(sql) - (size_t)len))
		return MAYDAY_E_INTERNAL;
	int rc = sqlite3_prepare_v2(s->db, sql, -1, &q, NULL);
	if (rc != SQLITE_OK)
		return store_sqlite_err(rc);
	sqlite3_bind_int64(q, 1, now - r->default_s);
	for (unsigned i = 0; i < STORE_SILENCE_CLASSES_MAX; i++)
		sqlite3_bind_text(q, (int)i + 2,
				  i < r->n_classes ? r->classes[i].product_class : "", -1,
				  SQLITE_STATIC);
	sqlite3_bind_int64(q, STORE_SILENCE_CLASSES_MAX + 2, (int64_t)(cap - *n));
	err = collect(q, out, cap, n);
	sqlite3_finalize(q);
	return err;
}

/* Moves one candidate; *moved false if it changed since it was read. */
static enum mayday_err mark(struct store_sqlite *s, struct store_silent_row *r, int64_t now,
			    bool *moved)
{
	sqlite3_stmt *q = NULL;
	*moved = false;
	enum mayday_err err = store_sqlite_exec(s, "UPDATE devices SET state = 'unreachable', state_since = ?2"
				   " WHERE id = ?1 AND state = ?3 AND " SEEN " = ?4", "titi",
				   r->device_id, now, r->from_state, r->last_seen);
	if (err != MAYDAY_OK || sqlite3_changes(s->db) != 1)
		return err;
	*moved = true;
	err = store_sqlite_prep(s, &q, "SELECT id FROM incidents WHERE device_id = ?1 AND closed_at IS NULL",
		   "t", r->device_id);
	if (err == MAYDAY_OK) {
		int rc = sqlite3_step(q);
		if (rc == SQLITE_ROW)
			r->incident_id = sqlite3_column_int64(q, 0);
		else if (rc != SQLITE_DONE)
			err = store_sqlite_err(rc);
	}
	sqlite3_finalize(q);
	if (err != MAYDAY_OK)
		return err;
	if (r->incident_id != 0) {
		err = store_sqlite_exec(s, "UPDATE incidents SET state = 'unreachable' WHERE id = ?1", "i",
			   r->incident_id);
	} else {
		err = store_sqlite_exec(s, "INSERT INTO incidents (device_id, opened_at, state)"
			   " VALUES (?1, ?2, 'unreachable')", "ti", r->device_id, now);
		r->incident_id = sqlite3_last_insert_rowid(s->db);
	}
	if (err != MAYDAY_OK)
		return err;
	return store_sqlite_event(s, r->incident_id, now, "silent", r->from_state, "unreachable",
				  0);
}

enum mayday_err store_sqlite_silence_sweep(struct store *st,
					   const struct store_silence_rules *rules, int64_t now,
					   struct store_silent_row *out, size_t cap, size_t *n)
{
	struct store_sqlite *s = store_sqlite_of(st);
	size_t found = 0, kept = 0;
	*n = 0;
	if (rules->n_classes > STORE_SILENCE_CLASSES_MAX || s->in_batch)
		return MAYDAY_E_INVALID;
	for (unsigned i = 0; i < rules->n_classes; i++) {
		if (!store_sqlite_id_ok(rules->classes[i].product_class, MAYDAY_CLASS_MAX))
			return MAYDAY_E_INVALID;
	}
	enum mayday_err err = candidates(s, rules, now, out, cap, &found);
	if (err != MAYDAY_OK || found == 0)
		return err;
	if ((err = store_sqlite_remed_tx(s)) != MAYDAY_OK)
		return err;
	for (size_t i = 0; i < found && err == MAYDAY_OK; i++) {
		bool moved = false;
		err = mark(s, &out[i], now, &moved);
		if (err == MAYDAY_OK && moved)
			out[kept++] = out[i];
	}
	err = store_sqlite_remed_tx_end(s, err);
	if (err == MAYDAY_OK)
		*n = kept;
	return err;
}

enum mayday_err store_sqlite_count_states(struct store *st, struct store_state_counts *out)
{
	struct store_sqlite *s = store_sqlite_of(st);
	sqlite3_stmt *q = NULL;
	memset(out, 0, sizeof(*out));
	int rc = sqlite3_prepare_v2(s->db, "SELECT state, count(*) FROM devices GROUP BY state",
				    -1, &q, NULL);
	while (rc == SQLITE_OK && (rc = sqlite3_step(q)) == SQLITE_ROW) {
		enum store_state v;
		const char *name = (const char *)sqlite3_column_text(q, 0);
		if (name != NULL && store_state_parse(name, &v))
			out->n[v] = (uint64_t)sqlite3_column_int64(q, 1);
		rc = SQLITE_OK;
	}
	sqlite3_finalize(q);
	return rc == SQLITE_DONE ? MAYDAY_OK : store_sqlite_err(rc);
}

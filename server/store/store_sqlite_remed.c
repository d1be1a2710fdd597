/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SQLite backend of store_remed.h. Remediation is rare next to ingest, so
 * statements are prepared per call (no cached handles) through one small
 * binder, `prep` ("i" int64, "t" text per argument). Every call but
 * schedule runs in its own IMMEDIATE transaction (store_sqlite_remed_tx,
 * shared with store_sqlite_remed_class.c); schedule joins the open ingest
 * batch so the ack that says REMEDIATE is durable with its decision.
 */
#include <stdio.h>
#include <string.h>

#include "store_sqlite.h"
#include "store_state.h"

enum mayday_err store_sqlite_remed_tx(struct store_sqlite *s)
{
	if (s->in_batch)
		return MAYDAY_E_INVALID;
	return store_sqlite_err(sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL));
}

enum mayday_err store_sqlite_remed_tx_end(struct store_sqlite *s, enum mayday_err err)
{
	if (err == MAYDAY_OK) {
		int rc = sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
		if (rc == SQLITE_OK)
			return MAYDAY_OK;
		err = store_sqlite_err(rc);
	}
	(void)sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	return err;
}

/* The device's open incident and its state. */
static enum mayday_err open_incident(struct store_sqlite *s, const char *device_id,
				     int64_t *incident, enum store_state *state)
{
	sqlite3_stmt *q = NULL;
	char name[STORE_STATE_NAME_MAX + 1];
	enum mayday_err err = store_sqlite_prep(s, &q, "SELECT id, state FROM incidents"
				   " WHERE device_id = ?1 AND closed_at IS NULL", "t", device_id);
	if (err != MAYDAY_OK)
		return err;
	int rc = sqlite3_step(q);
	if (rc == SQLITE_ROW) {
		*incident = sqlite3_column_int64(q, 0);
		store_sqlite_text(q, 1, name, sizeof(name));
		if (!store_state_parse(name, state))
			*state = STORE_STATE_IN_DISTRESS;
	} else {
		err = rc == SQLITE_DONE ? MAYDAY_E_NOTFOUND : store_sqlite_err(rc);
	}
	sqlite3_finalize(q);
	return err;
}

/* Moves incident and device together and records it; `close` closes the
 * incident (its state stays `to`, the device goes `dev_to`). */
static enum mayday_err move(struct store_sqlite *s, const char *device_id, int64_t incident,
			    enum store_state from, enum store_state to, enum store_state dev_to,
			    int close, int64_t now)
{
	enum mayday_err err = close ? store_sqlite_exec(s, "UPDATE incidents SET state = ?2, closed_at = ?3"
					   " WHERE id = ?1", "iti", incident, store_state_name(to), now)
				    : store_sqlite_exec(s, "UPDATE incidents SET state = ?2 WHERE id = ?1", "it",
					   incident, store_state_name(to));
	if (err == MAYDAY_OK)
		err = store_sqlite_exec(s, "UPDATE devices SET state = ?2, state_since = ?3 WHERE id = ?1", "tti",
			   device_id, store_state_name(dev_to), now);
	if (err == MAYDAY_OK)
		err = store_sqlite_exec(s, "INSERT INTO incident_events (incident_id, at, kind, from_state,"
			   " to_state) VALUES (?1, ?2, 'remediation', ?3, ?4)", "iitt", incident,
			   now, store_state_name(from), store_state_name(to));
	return err;
}

static enum mayday_err count_attempts(struct store_sqlite *s, int64_t incident, uint32_t *all,
				      uint32_t *failed)
{
	sqlite3_stmt *q = NULL;
	enum mayday_err err = store_sqlite_prep(s, &q, "SELECT count(*), coalesce(sum(result = 'failed'), 0)"
				   " FROM remediation_attempts WHERE incident_id = ?1", "i",
				   incident);
	if (err != MAYDAY_OK)
		return err;
	int rc = sqlite3_step(q);
	if (rc == SQLITE_ROW) {
		*all = (uint32_t)sqlite3_column_int64(q, 0);
		*failed = (uint32_t)sqlite3_column_int64(q, 1);
	} else {
		err = store_sqlite_err(rc);
	}
	sqlite3_finalize(q);
	return err;
}

static enum mayday_err scalar(struct store_sqlite *s, const char *sql, const char *fmt,
			      const void *a, int64_t *out)
{
	sqlite3_stmt *q = NULL;
	enum mayday_err err = fmt[0] == 'i' ? store_sqlite_prep(s, &q, sql, fmt, *(const int64_t *)a)
			      : fmt[0] == 't' ? store_sqlite_prep(s, &q, sql, fmt, (const char *)a)
					      : store_sqlite_prep(s, &q, sql, "");
	if (err != MAYDAY_OK)
		return err;
	int rc = sqlite3_step(q);
	if (rc == SQLITE_ROW)
		*out = sqlite3_column_int64(q, 0);
	else
		err = rc == SQLITE_DONE ? MAYDAY_E_NOTFOUND : store_sqlite_err(rc);
	sqlite3_finalize(q);
	return err;
}

enum mayday_err store_sqlite_remed_status(struct store *st, const char *device_id,
					  struct store_remed_status *out)
{
	struct store_sqlite *s = store_sqlite_of(st);
	sqlite3_stmt *q = NULL;
	enum store_state state;
	int64_t v = 0;
	memset(out, 0, sizeof(*out));
	enum mayday_err err = store_sqlite_prep(s, &q, "SELECT product_class, state FROM devices WHERE id = ?1",
				   "t", device_id);
	if (err != MAYDAY_OK)
		return err;
	int rc = sqlite3_step(q);
	if (rc == SQLITE_ROW) {
		store_sqlite_text(q, 0, out->product_class, sizeof(out->product_class));
		store_sqlite_text(q, 1, out->state, sizeof(out->state));
	} else {
		err = rc == SQLITE_DONE ? MAYDAY_E_NOTFOUND : store_sqlite_err(rc);
	}
	sqlite3_finalize(q);
	if (err != MAYDAY_OK)
		return err;
	err = scalar(s, "SELECT trust = 'signed' FROM indications WHERE device_id = ?1"
		     " ORDER BY received_at DESC, id DESC LIMIT 1", "t", device_id, &v);
	if (err != MAYDAY_OK && err != MAYDAY_E_NOTFOUND)
		return err;
	out->last_signed = err == MAYDAY_OK && v != 0;
	err = open_incident(s, device_id, &out->incident_id, &state);
	if (err == MAYDAY_E_NOTFOUND)
		return MAYDAY_OK;
	if (err != MAYDAY_OK)
		return err;
	err = scalar(s, "SELECT count(*) FROM remediation_approvals WHERE incident_id = ?1", "i",
		     &out->incident_id, &v);
	if (err != MAYDAY_OK)
		return err;
	out->approved = v != 0;
	return count_attempts(s, out->incident_id, &out->attempts, &out->failures);
}

enum mayday_err store_sqlite_remed_approve(struct store *st, const char *device_id, int64_t now)
{
	struct store_sqlite *s = store_sqlite_of(st);
	int64_t incident = 0;
	enum store_state state;
	enum mayday_err err = store_sqlite_remed_tx(s);
	if (err != MAYDAY_OK)
		return err;
	err = open_incident(s, device_id, &incident, &state);
	if (err == MAYDAY_OK)
		err = store_sqlite_exec(s, "INSERT OR IGNORE INTO remediation_approvals (incident_id, approved_at)"
			   " VALUES (?1, ?2)", "ii", incident, now);
	/* Approving again is the same approval: its history row is written once. */
	if (err == MAYDAY_OK && sqlite3_changes(s->db) == 1)
		err = store_sqlite_exec(s, "INSERT INTO incident_events (incident_id, at, kind)"
			   " VALUES (?1, ?2, 'approved')", "ii", incident, now);
	return store_sqlite_remed_tx_end(s, err);
}

enum mayday_err store_sqlite_remed_schedule(struct store *st, const char *device_id,
					    bool need_approval, uint32_t max_attempts, int64_t now,
					    bool *remediate)
{
	struct store_sqlite *s = store_sqlite_of(st);
	struct store_remed_status rs;
	enum store_state state;
	*remediate = false;
	if (!s->in_batch)
		return MAYDAY_E_INVALID;
	enum mayday_err err = store_sqlite_remed_status(st, device_id, &rs);
	if (err != MAYDAY_OK)
		return err;
	if (rs.incident_id == 0 || !rs.last_signed || !store_state_parse(rs.state, &state))
		return MAYDAY_OK;
	if (state == STORE_STATE_REMEDIATION_SCHEDULED ||
	    state == STORE_STATE_REMEDIATION_IN_PROGRESS) {
		*remediate = true;
		return MAYDAY_OK;
	}
	if (state != STORE_STATE_IN_DISTRESS || (need_approval && !rs.approved) ||
	    rs.failures >= max_attempts)
		return MAYDAY_OK;
	err = move(s, device_id, rs.incident_id, state, STORE_STATE_REMEDIATION_SCHEDULED,
		   STORE_STATE_REMEDIATION_SCHEDULED, 0, now);
	*remediate = err == MAYDAY_OK;
	return err;
}

enum mayday_err store_sqlite_remed_in_flight(struct store *st, int64_t since, uint32_t *n)
{
	int64_t v = 0;
	enum mayday_err err = scalar(store_sqlite_of(st), "SELECT count(*) FROM"
				     " remediation_attempts WHERE result = 'in_progress'"
				     " AND started_at >= ?1", "i", &since, &v);
	*n = (uint32_t)v;
	return err;
}

enum mayday_err store_sqlite_remed_begin(struct store *st, const char *device_id,
					 struct store_remed_attempt *a, int64_t since,
					 uint32_t max_in_flight, int64_t now)
{
	struct store_sqlite *s = store_sqlite_of(st);
	int64_t incident = 0, flying = 0;
	enum store_state state;
	uint32_t all = 0, failed = 0;
	enum mayday_err err = store_sqlite_remed_tx(s);
	if (err != MAYDAY_OK)
		return err;
	err = open_incident(s, device_id, &incident, &state);
	if (err == MAYDAY_OK && state != STORE_STATE_REMEDIATION_SCHEDULED)
		err = MAYDAY_E_NOTFOUND;
	/* A device revoked after its incident was scheduled gets no download:
	 * whoever holds its key now is not to be handed an image. */
	if (err == MAYDAY_OK) {
		int64_t revoked = 0;
		err = scalar(s, "SELECT 1 FROM devices WHERE id = ?1 AND revoked_at IS NOT NULL",
			     "t", device_id, &revoked);
		err = err == MAYDAY_OK ? MAYDAY_E_NOTFOUND
		      : err == MAYDAY_E_NOTFOUND ? MAYDAY_OK : err;
	}
	/* The download slots, counted in the IMMEDIATE transaction that
	 * records the attempt: two sessions pushing at once cannot both take
	 * the last one. */
	if (err == MAYDAY_OK)
		err = scalar(s, "SELECT count(*) FROM remediation_attempts"
			     " WHERE result = 'in_progress' AND started_at >= ?1", "i", &since,
			     &flying);
	if (err == MAYDAY_OK && flying >= (int64_t)max_in_flight)
		err = MAYDAY_E_TOOBIG;
	if (err == MAYDAY_OK)
		err = count_attempts(s, incident, &all, &failed);
	if (err == MAYDAY_OK) {
		a->incident_id = incident;
		a->attempt = all + 1;
		snprintf(a->device_id, sizeof(a->device_id), "%s", device_id);
		snprintf(a->command_key, sizeof(a->command_key), "rem-%lld-%u", (long long)incident,
			 a->attempt);
		snprintf(a->result, sizeof(a->result), "in_progress");
		a->started_at = now;
		a->finished_at = 0;
		a->fault_code = 0;
		a->token_used = false;
		err = store_sqlite_exec(s, "INSERT INTO remediation_attempts (incident_id, device_id, attempt,"
			   " command_key, token, bundle, bundle_size, free_space, max_image_size,"
			   " started_at, result) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10,"
			   " 'in_progress')", "ititttiiii", incident, device_id,
			   (int64_t)a->attempt, a->command_key, a->token, a->bundle,
			   (int64_t)a->bundle_size, (int64_t)a->free_space,
			   (int64_t)a->max_image_size, now);
	}
	if (err == MAYDAY_OK) {
		a->id = sqlite3_last_insert_rowid(s->db);
		err = move(s, device_id, incident, state, STORE_STATE_REMEDIATION_IN_PROGRESS,
			   STORE_STATE_REMEDIATION_IN_PROGRESS, 0, now);
	}
	return store_sqlite_remed_tx_end(s, err);
}

enum mayday_err store_sqlite_remed_fail(struct store *st, const char *device_id,
					const char *command_key, uint32_t fault_code,
					const char *detail, uint32_t max_attempts, int64_t now,
					bool *gave_up)
{
	struct store_sqlite *s = store_sqlite_of(st);
	int64_t incident = 0, v = 0;
	enum store_state state;
	uint32_t all = 0, failed = 0;
	*gave_up = false;
	enum mayday_err err = store_sqlite_remed_tx(s);
	if (err != MAYDAY_OK)
		return err;
	err = open_incident(s, device_id, &incident, &state);
	if (err == MAYDAY_OK && command_key != NULL) {
		err = scalar(s, "SELECT id FROM remediation_attempts WHERE command_key = ?1"
			     " AND result IN ('in_progress', 'installed')", "t", command_key, &v);
		if (err == MAYDAY_OK)
			err = store_sqlite_exec(s, "UPDATE remediation_attempts SET result = 'failed',"
				   " fault_code = ?2, detail = ?3, finished_at = ?4 WHERE id = ?1"
				   " AND device_id = ?5", "iitit", v, (int64_t)fault_code, detail,
				   now, device_id);
		if (err == MAYDAY_OK && sqlite3_changes(s->db) != 1)
			err = MAYDAY_E_NOTFOUND;
	} else if (err == MAYDAY_OK) {
		err = count_attempts(s, incident, &all, &failed);
		char key[STORE_COMMANDKEY_MAX + 1];
		snprintf(key, sizeof(key), "rem-%lld-%u", (long long)incident, all + 1);
		if (err == MAYDAY_OK)
			err = store_sqlite_exec(s, "INSERT INTO remediation_attempts (incident_id, device_id,"
				   " attempt, command_key, token, bundle, bundle_size, free_space,"
				   " max_image_size, started_at, finished_at, result, fault_code,"
				   " detail) VALUES (?1, ?2, ?3, ?4, '', '', 0, 0, 0, ?5, ?5,"
				   " 'failed', ?6, ?7)", "itit" "iit", incident, device_id,
				   (int64_t)(all + 1), key, now, (int64_t)fault_code, detail);
	}
	if (err == MAYDAY_OK)
		err = count_attempts(s, incident, &all, &failed);
	if (err == MAYDAY_OK) {
		enum store_state to = failed >= max_attempts ? STORE_STATE_FAILED
							     : STORE_STATE_IN_DISTRESS;
		*gave_up = to == STORE_STATE_FAILED;
		err = move(s, device_id, incident, state, to, to, 0, now);
	}
	return store_sqlite_remed_tx_end(s, err);
}

/* The attempt `command_key` of the device in one of the two live results. */
static enum mayday_err live_attempt(struct store_sqlite *s, const char *device_id,
				    const char *command_key, int64_t *id)
{
	sqlite3_stmt *q = NULL;
	enum mayday_err err = store_sqlite_prep(s, &q, "SELECT id FROM remediation_attempts WHERE"
				   " command_key = ?1 AND device_id = ?2 AND result IN"
				   " ('in_progress', 'installed')", "tt", command_key, device_id);
	if (err != MAYDAY_OK)
		return err;
	int rc = sqlite3_step(q);
	if (rc == SQLITE_ROW)
		*id = sqlite3_column_int64(q, 0);
	else
		err = rc == SQLITE_DONE ? MAYDAY_E_NOTFOUND : store_sqlite_err(rc);
	sqlite3_finalize(q);
	return err;
}

static enum mayday_err finish_ok(struct store *st, const char *device_id, const char *command_key,
				 int64_t now, int recovered)
{
	struct store_sqlite *s = store_sqlite_of(st);
	int64_t incident = 0, id = 0;
	enum store_state state;
	enum mayday_err err = store_sqlite_remed_tx(s);
	if (err != MAYDAY_OK)
		return err;
	err = open_incident(s, device_id, &incident, &state);
	if (err == MAYDAY_OK)
		err = live_attempt(s, device_id, command_key, &id);
	if (err == MAYDAY_OK)
		err = store_sqlite_exec(s, "UPDATE remediation_attempts SET result = ?2, finished_at = ?3"
			   " WHERE id = ?1", "iti", id, recovered ? "recovered" : "installed", now);
	if (err == MAYDAY_OK && recovered)
		err = move(s, device_id, incident, state, STORE_STATE_RECOVERED,
			   STORE_STATE_HEALTHY, 1, now);
	else if (err == MAYDAY_OK && state != STORE_STATE_INSTALLED)
		err = move(s, device_id, incident, state, STORE_STATE_INSTALLED,
			   STORE_STATE_INSTALLED, 0, now);
	return store_sqlite_remed_tx_end(s, err);
}

enum mayday_err store_sqlite_remed_installed(struct store *st, const char *device_id,
					     const char *command_key, int64_t now)
{
	return finish_ok(st, device_id, command_key, now, 0);
}

enum mayday_err store_sqlite_remed_recovered(struct store *st, const char *device_id,
					     const char *command_key, int64_t now)
{
	return finish_ok(st, device_id, command_key, now, 1);
}

void store_sqlite_remed_row(sqlite3_stmt *q, struct store_remed_attempt *a)
{
	memset(a, 0, sizeof(*a));
	a->id = sqlite3_column_int64(q, 0);
	a->incident_id = sqlite3_column_int64(q, 1);
	store_sqlite_text(q, 2, a->device_id, sizeof(a->device_id));
	a->attempt = (uint32_t)sqlite3_column_int64(q, 3);
	store_sqlite_text(q, 4, a->command_key, sizeof(a->command_key));
	store_sqlite_text(q, 5, a->token, sizeof(a->token));
	a->token_used = sqlite3_column_int64(q, 6) != 0;
	store_sqlite_text(q, 7, a->bundle, sizeof(a->bundle));
	a->bundle_size = (uint64_t)sqlite3_column_int64(q, 8);
	a->free_space = (uint64_t)sqlite3_column_int64(q, 9);
	a->max_image_size = (uint64_t)sqlite3_column_int64(q, 10);
	a->started_at = sqlite3_column_int64(q, 11);
	a->finished_at = sqlite3_column_int64(q, 12);
	store_sqlite_text(q, 13, a->result, sizeof(a->result));
	a->fault_code = (uint32_t)sqlite3_column_int64(q, 14);
	store_sqlite_text(q, 15, a->detail, sizeof(a->detail));
}

enum mayday_err store_sqlite_remed_take_token(struct store *st, const char *token,
					      const char *device_id,
					      struct store_remed_attempt *out)
{
	struct store_sqlite *s = store_sqlite_of(st);
	sqlite3_stmt *q = NULL;
	memset(out, 0, sizeof(*out));
	if (token[0] == '\0')
		return MAYDAY_E_NOTFOUND;
	enum mayday_err err = store_sqlite_remed_tx(s);
	if (err != MAYDAY_OK)
		return err;
	err = store_sqlite_prep(s, &q, STORE_SQLITE_ATTEMPT_COLS "WHERE token = ?1 AND token_used = 0"
		   " AND result = 'in_progress'", "t", token);
	if (err == MAYDAY_OK) {
		int rc = sqlite3_step(q);
		if (rc == SQLITE_ROW)
			store_sqlite_remed_row(q, out);
		else
			err = rc == SQLITE_DONE ? MAYDAY_E_NOTFOUND : store_sqlite_err(rc);
	}
	sqlite3_finalize(q);
	if (err == MAYDAY_OK && strcmp(out->device_id, device_id) != 0)
		err = MAYDAY_E_MISMATCH;
	if (err == MAYDAY_OK)
		err = store_sqlite_exec(s, "UPDATE remediation_attempts SET token_used = 1 WHERE id = ?1", "i",
			   out->id);
	return store_sqlite_remed_tx_end(s, err);
}

enum mayday_err store_sqlite_remed_list(struct store *st, const char *device_id,
					store_remed_cb cb, void *ctx)
{
	struct store_sqlite *s = store_sqlite_of(st);
	struct store_remed_attempt a;
	sqlite3_stmt *q = NULL;
	int rc;
	enum mayday_err err = store_sqlite_prep(s, &q, STORE_SQLITE_ATTEMPT_COLS "WHERE device_id = ?1"
				   " ORDER BY id DESC", "t", device_id);
	if (err != MAYDAY_OK)
		return err;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		store_sqlite_remed_row(q, &a);
		if (cb(ctx, &a) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	sqlite3_finalize(q);
	return rc == SQLITE_DONE ? MAYDAY_OK : store_sqlite_err(rc);
}

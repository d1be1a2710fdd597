/* SPDX-License-Identifier: Apache-2.0 */
/*
 * PostgreSQL remediation records (store_remed.h), with the SQLite
 * backend's rules (store_sqlite_remed.c, whose comments say why each is
 * there): the incident's remediation states, attempts, approvals, download
 * tokens and slots. Every call but schedule runs its own transaction at
 * READ COMMITTED; schedule joins the open ingest batch, so the ack that
 * says REMEDIATE is durable with its decision.
 *
 * Several nodes on one database (issue 15): what SQLite's single writer
 * gives for free is held here by locks in the database, never memory:
 *  - a device's remediation moves (schedule, begin, fail, installed,
 *    recovered) lock its devices row first (SELECT ... FOR UPDATE), as
 *    ingest does, so two nodes moving one device run one after the other,
 *    the second reading the incident and attempts the first committed;
 *  - download slots: store_remed_begin takes one transaction-scoped
 *    advisory lock (STORE_PG_SLOTS_LOCK) before counting the attempts in
 *    flight, and records its attempt in that transaction, so begins on
 *    all nodes are counted one after the other and never exceed
 *    max_in_flight (a store-wide limit, hence one lock, not one per class);
 *  - a download token is taken by one guarded UPDATE (... WHERE
 *    token_used = 0 ... RETURNING): a second taker waits for the first's
 *    row lock, then finds the guard false on the committed row, so one
 *    download per token whichever nodes ask at once;
 *  - approving twice is one approval: the primary key on the incident,
 *    INSERT ... ON CONFLICT DO NOTHING, and its history row only for the
 *    insert that won.
 */
#include <stdio.h>
#include <string.h>

#include "store_pg_remed.h"
#include "store_state.h"

/* pg_advisory_xact_lock key of the download slots: "slots" in ASCII codes, an
 * arbitrary constant apart from the schema's. */
#define STORE_PG_SLOTS_LOCK "115108111116115"

/* Text the CPE sent (a fault string) as the database takes it: valid
 * UTF-8 as is, anything else with its bytes outside printable ASCII as
 * '?', rather than losing the record of the failure to an encoding error. */
static void clean_text(const char *in, char *out, size_t cap)
{
	size_t n = strnlen(in, cap - 1), i = 0;
	bool utf8 = true;
	while (i < n && utf8) {
		unsigned char c = (unsigned char)in[i];
		size_t len = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3
			     : (c & 0xF8) == 0xF0 ? 4 : 0;
		utf8 = len != 0 && i + len <= n && (len != 2 || c >= 0xC2) && c <= 0xF4;
		for (size_t k = 1; utf8 && k < len; k++)
			utf8 = ((unsigned char)in[i + k] & 0xC0) == 0x80;
		if (utf8 && len > 2) {
			/* no overlong forms, surrogates or code points past U+10FFFF */
			unsigned char d = (unsigned char)in[i + 1];
			utf8 = !(c == 0xE0 && d < 0xA0) && !(c == 0xED && d >= 0xA0) &&
			       !(c == 0xF0 && d < 0x90) && !(c == 0xF4 && d >= 0x90);
		}
		i += len;
	}
	for (i = 0; i < n; i++)
		out[i] = utf8 || (in[i] >= ' ' && in[i] <= '~') ? in[i] : '?';
	out[n] = '\0';
}

/* The device's row locked for the transaction; *revoked whether its key
 * was revoked. MAYDAY_E_NOTFOUND: not enrolled. */
static enum mayday_err dev_lock(struct store_pg *p, const char *device_id, bool *revoked)
{
	struct store_pg_params q = {0};
	enum mayday_err err;
	store_pg_p_text(&q, device_id);
	PGresult *r = store_pg_q(p, "SELECT revoked_at IS NOT NULL FROM devices WHERE id = $1"
				 " FOR UPDATE", &q, &err);
	if (r == NULL)
		return err;
	if (PQntuples(r) == 1)
		*revoked = PQgetvalue(r, 0, 0)[0] != 0;   /* binary bool */
	else
		err = MAYDAY_E_NOTFOUND;
	PQclear(r);
	return err;
}

/* The device's open incident and its state. */
static enum mayday_err open_incident(struct store_pg *p, const char *device_id,
				     int64_t *incident, enum store_state *state)
{
	struct store_pg_params q = {0};
	char name[STORE_STATE_NAME_MAX + 1];
	enum mayday_err err;
	store_pg_p_text(&q, device_id);
	PGresult *r = store_pg_q(p, "SELECT id, state FROM incidents"
				 " WHERE device_id = $1 AND closed_at IS NULL", &q, &err);
	if (r == NULL)
		return err;
	if (PQntuples(r) == 1) {
		*incident = store_pg_i64(r, 0, 0);
		store_pg_text(r, 0, 1, name, sizeof(name));
		if (!store_state_parse(name, state))
			*state = STORE_STATE_IN_DISTRESS;
	} else {
		err = MAYDAY_E_NOTFOUND;
	}
	PQclear(r);
	return err;
}

/* Moves incident and device together and records it; `close` closes the
 * incident (its state stays `to`, the device goes `dev_to`). */
static enum mayday_err move(struct store_pg *p, const char *device_id, int64_t incident,
			    enum store_state from, enum store_state to, enum store_state dev_to,
			    bool close, int64_t now)
{
	struct store_pg_params q = {0}, d = {0};
	enum mayday_err err;
	store_pg_p_i64(&q, incident);
	store_pg_p_text(&q, store_state_name(to));
	if (close) {
		store_pg_p_i64(&q, now);
		PQclear(store_pg_q(p, "UPDATE incidents SET state = $2, closed_at = $3 WHERE id = $1",
				   &q, &err));
	} else {
		PQclear(store_pg_q(p, "UPDATE incidents SET state = $2 WHERE id = $1", &q, &err));
	}
	if (err != MAYDAY_OK)
		return err;
	store_pg_p_text(&d, device_id);
	store_pg_p_text(&d, store_state_name(dev_to));
	store_pg_p_i64(&d, now);
	PQclear(store_pg_q(p, "UPDATE devices SET state = $2, state_since = $3 WHERE id = $1", &d,
			   &err));
	if (err != MAYDAY_OK)
		return err;
	return store_pg_event(p, incident, now, "remediation", store_state_name(from),
			      store_state_name(to), 0);
}

static enum mayday_err count_attempts(struct store_pg *p, int64_t incident, uint32_t *all,
				      uint32_t *failed)
{
	struct store_pg_params q = {0};
	enum mayday_err err;
	store_pg_p_i64(&q, incident);
	PGresult *r = store_pg_q(p, "SELECT count(*), count(*) FILTER (WHERE result = 'failed')"
				 " FROM remediation_attempts WHERE incident_id = $1", &q, &err);
	if (r == NULL)
		return err;
	*all = (uint32_t)store_pg_i64(r, 0, 0);
	*failed = (uint32_t)store_pg_i64(r, 0, 1);
	PQclear(r);
	return MAYDAY_OK;
}

enum mayday_err store_pg_count_remed(struct store *st, struct store_remed_counts *out)
{
	struct store_pg *p = store_pg_of(st);
	struct store_pg_params q = {0};
	enum mayday_err err;
	memset(out, 0, sizeof(*out));
	/* One statement, so one snapshot: the four agree with each other. */
	PGresult *r = store_pg_q(p, "SELECT count(*) FILTER (WHERE result = 'in_progress'),"
				 " count(*) FILTER (WHERE result = 'installed'),"
				 " count(*) FILTER (WHERE result = 'recovered'),"
				 " count(*) FILTER (WHERE result = 'failed')"
				 " FROM remediation_attempts", &q, &err);
	if (r == NULL)
		return err;
	out->in_progress = (uint64_t)store_pg_i64(r, 0, 0);
	out->installed = (uint64_t)store_pg_i64(r, 0, 1);
	out->recovered = (uint64_t)store_pg_i64(r, 0, 2);
	out->failed = (uint64_t)store_pg_i64(r, 0, 3);
	PQclear(r);
	return MAYDAY_OK;
}

enum mayday_err store_pg_remed_status(struct store *st, const char *device_id,
				      struct store_remed_status *out)
{
	struct store_pg *p = store_pg_of(st);
	struct store_pg_params q = {0};
	enum mayday_err err;
	memset(out, 0, sizeof(*out));
	if (!store_pg_id_ok(device_id, MAYDAY_DEVICE_ID_MAX))
		return MAYDAY_E_NOTFOUND;
	store_pg_p_text(&q, device_id);
	/* One statement: device, newest indication, incident and attempts
	 * read in one snapshot. */
	PGresult *r = store_pg_q(p,
		"SELECT d.product_class, d.state,"
		" coalesce((SELECT trust = 'signed' FROM indications WHERE device_id = d.id"
		"  ORDER BY received_at DESC, id DESC LIMIT 1), false),"
		" coalesce(i.id, 0),"
		" EXISTS (SELECT 1 FROM remediation_approvals WHERE incident_id = i.id),"
		" (SELECT count(*) FROM remediation_attempts WHERE incident_id = i.id),"
		" (SELECT count(*) FROM remediation_attempts WHERE incident_id = i.id"
		"  AND result = 'failed')"
		" FROM devices d LEFT JOIN incidents i ON i.device_id = d.id AND i.closed_at IS NULL"
		" WHERE d.id = $1", &q, &err);
	if (r == NULL)
		return err;
	if (PQntuples(r) == 1) {
		store_pg_text(r, 0, 0, out->product_class, sizeof(out->product_class));
		store_pg_text(r, 0, 1, out->state, sizeof(out->state));
		out->last_signed = PQgetvalue(r, 0, 2)[0] != 0;
		out->incident_id = store_pg_i64(r, 0, 3);
		if (out->incident_id != 0) {
			out->approved = PQgetvalue(r, 0, 4)[0] != 0;
			out->attempts = (uint32_t)store_pg_i64(r, 0, 5);
			out->failures = (uint32_t)store_pg_i64(r, 0, 6);
		}
	} else {
		err = MAYDAY_E_NOTFOUND;
	}
	PQclear(r);
	return err;
}

enum mayday_err store_pg_remed_approve(struct store *st, const char *device_id, int64_t now)
{
	struct store_pg *p = store_pg_of(st);
	struct store_pg_params q = {0};
	int64_t incident = 0;
	enum store_state state;
	if (!store_pg_id_ok(device_id, MAYDAY_DEVICE_ID_MAX))
		return p->in_batch ? MAYDAY_E_INVALID : MAYDAY_E_NOTFOUND;
	enum mayday_err err = store_pg_tx(p);
	if (err != MAYDAY_OK)
		return err;
	err = open_incident(p, device_id, &incident, &state);
	PGresult *r = NULL;
	if (err == MAYDAY_OK) {
		store_pg_p_i64(&q, incident);
		store_pg_p_i64(&q, now);
		r = store_pg_q(p, "INSERT INTO remediation_approvals (incident_id, approved_at)"
			       " VALUES ($1, $2) ON CONFLICT (incident_id) DO NOTHING", &q, &err);
	}
	/* Approving again (from any node) is the same approval: its history
	 * row is written by the insert that won. */
	if (r != NULL && strcmp(PQcmdTuples(r), "1") == 0)
		err = store_pg_event(p, incident, now, "approved", NULL, NULL, 0);
	PQclear(r);
	return store_pg_tx_end(p, err);
}

enum mayday_err store_pg_remed_schedule(struct store *st, const char *device_id,
					bool need_approval, uint32_t max_attempts, int64_t now,
					bool *remediate)
{
	struct store_pg *p = store_pg_of(st);
	struct store_remed_status rs;
	enum store_state state;
	bool revoked = false;
	*remediate = false;
	if (!p->in_batch)
		return MAYDAY_E_INVALID;
	if (!store_pg_id_ok(device_id, MAYDAY_DEVICE_ID_MAX))
		return MAYDAY_E_NOTFOUND;
	/* Held already when ingest put the device's signed record. */
	enum mayday_err err = dev_lock(p, device_id, &revoked);
	if (err == MAYDAY_OK)
		err = store_pg_remed_status(st, device_id, &rs);
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
	err = move(p, device_id, rs.incident_id, state, STORE_STATE_REMEDIATION_SCHEDULED,
		   STORE_STATE_REMEDIATION_SCHEDULED, false, now);
	*remediate = err == MAYDAY_OK;
	return err;
}

/* Attempts in progress started at or after `since`, in p's transaction
 * (or its own snapshot outside one). */
static enum mayday_err in_flight(struct store_pg *p, int64_t since, uint32_t *n)
{
	struct store_pg_params q = {0};
	enum mayday_err err;
	store_pg_p_i64(&q, since);
	PGresult *r = store_pg_q(p, "SELECT count(*) FROM remediation_attempts"
				 " WHERE result = 'in_progress' AND started_at >= $1", &q, &err);
	if (r == NULL)
		return err;
	*n = (uint32_t)store_pg_i64(r, 0, 0);
	PQclear(r);
	return MAYDAY_OK;
}

enum mayday_err store_pg_remed_in_flight(struct store *st, int64_t since, uint32_t *n)
{
	*n = 0;
	return in_flight(store_pg_of(st), since, n);
}

enum mayday_err store_pg_remed_begin(struct store *st, const char *device_id,
				     struct store_remed_attempt *a, int64_t since,
				     uint32_t max_in_flight, int64_t now)
{
	struct store_pg *p = store_pg_of(st);
	struct store_pg_params none = {0};
	int64_t incident = 0;
	enum store_state state;
	uint32_t all = 0, failed = 0, flying = 0;
	bool revoked = false;
	if (!store_pg_id_ok(device_id, MAYDAY_DEVICE_ID_MAX))
		return p->in_batch ? MAYDAY_E_INVALID : MAYDAY_E_NOTFOUND;
	enum mayday_err err = store_pg_tx(p);
	if (err != MAYDAY_OK)
		return err;
	/* The slots first: every node's begin waits here for the one before
	 * it to commit, then counts what that one recorded (at READ COMMITTED
	 * each later statement reads a snapshot taken after the lock). */
	PQclear(store_pg_q(p, "SELECT pg_advisory_xact_lock(" STORE_PG_SLOTS_LOCK ")", &none,
			   &err));
	if (err == MAYDAY_OK)
		err = dev_lock(p, device_id, &revoked);
	if (err == MAYDAY_OK)
		err = open_incident(p, device_id, &incident, &state);
	if (err == MAYDAY_OK && state != STORE_STATE_REMEDIATION_SCHEDULED)
		err = MAYDAY_E_NOTFOUND;
	/* A device revoked after its incident was scheduled gets no download. */
	if (err == MAYDAY_OK && revoked)
		err = MAYDAY_E_NOTFOUND;
	if (err == MAYDAY_OK)
		err = in_flight(p, since, &flying);
	if (err == MAYDAY_OK && flying >= max_in_flight)
		err = MAYDAY_E_TOOBIG;
	if (err == MAYDAY_OK)
		err = count_attempts(p, incident, &all, &failed);
	PGresult *r = NULL;
	if (err == MAYDAY_OK) {
		struct store_pg_params q = {0};
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
		store_pg_p_i64(&q, incident);
		store_pg_p_text(&q, device_id);
		store_pg_p_i64(&q, a->attempt);
		store_pg_p_text(&q, a->command_key);
		store_pg_p_text(&q, a->token);
		store_pg_p_text(&q, a->bundle);
		store_pg_p_i64(&q, (int64_t)a->bundle_size);
		store_pg_p_i64(&q, (int64_t)a->free_space);
		store_pg_p_i64(&q, (int64_t)a->max_image_size);
		store_pg_p_i64(&q, now);
		r = store_pg_q(p, "INSERT INTO remediation_attempts (incident_id, device_id, attempt,"
			       " command_key, token, bundle, bundle_size, free_space, max_image_size,"
			       " started_at, result) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10,"
			       " 'in_progress') RETURNING id", &q, &err);
	}
	if (r != NULL) {
		a->id = store_pg_i64(r, 0, 0);
		PQclear(r);
		err = move(p, device_id, incident, state, STORE_STATE_REMEDIATION_IN_PROGRESS,
			   STORE_STATE_REMEDIATION_IN_PROGRESS, false, now);
	}
	return store_pg_tx_end(p, err);
}

enum mayday_err store_pg_remed_fail(struct store *st, const char *device_id,
				    const char *command_key, uint32_t fault_code,
				    const char *detail, uint32_t max_attempts, int64_t now,
				    bool *gave_up)
{
	struct store_pg *p = store_pg_of(st);
	char text[STORE_DETAIL_MAX + 1];
	int64_t incident = 0;
	enum store_state state;
	uint32_t all = 0, failed = 0;
	bool revoked = false;
	*gave_up = false;
	if (!store_pg_id_ok(device_id, MAYDAY_DEVICE_ID_MAX) ||
	    (command_key != NULL && !store_pg_id_ok(command_key, STORE_COMMANDKEY_MAX)))
		return p->in_batch ? MAYDAY_E_INVALID : MAYDAY_E_NOTFOUND;
	clean_text(detail, text, sizeof(text));
	enum mayday_err err = store_pg_tx(p);
	if (err != MAYDAY_OK)
		return err;
	err = dev_lock(p, device_id, &revoked);
	if (err == MAYDAY_OK)
		err = open_incident(p, device_id, &incident, &state);
	if (err == MAYDAY_OK && command_key != NULL) {
		struct store_pg_params q = {0};
		store_pg_p_text(&q, command_key);
		store_pg_p_i64(&q, fault_code);
		store_pg_p_text(&q, text);
		store_pg_p_i64(&q, now);
		store_pg_p_text(&q, device_id);
		PGresult *r = store_pg_q(p, "UPDATE remediation_attempts SET result = 'failed',"
					 " fault_code = $2, detail = $3, finished_at = $4"
					 " WHERE command_key = $1 AND device_id = $5"
					 " AND result IN ('in_progress', 'installed')", &q, &err);
		if (r != NULL && strcmp(PQcmdTuples(r), "1") != 0)
			err = MAYDAY_E_NOTFOUND;
		PQclear(r);
	} else if (err == MAYDAY_OK) {
		char key[STORE_COMMANDKEY_MAX + 1];
		err = count_attempts(p, incident, &all, &failed);
		snprintf(key, sizeof(key), "rem-%lld-%u", (long long)incident, all + 1);
		if (err == MAYDAY_OK) {
			struct store_pg_params q = {0};
			store_pg_p_i64(&q, incident);
			store_pg_p_text(&q, device_id);
			store_pg_p_i64(&q, all + 1);
			store_pg_p_text(&q, key);
			store_pg_p_i64(&q, now);
			store_pg_p_i64(&q, fault_code);
			store_pg_p_text(&q, text);
			PQclear(store_pg_q(p, "INSERT INTO remediation_attempts (incident_id,"
					   " device_id, attempt, command_key, token, bundle,"
					   " bundle_size, free_space, max_image_size, started_at,"
					   " finished_at, result, fault_code, detail) VALUES ($1, $2,"
					   " $3, $4, '', '', 0, 0, 0, $5, $5, 'failed', $6, $7)", &q,
					   &err));
		}
	}
	if (err == MAYDAY_OK)
		err = count_attempts(p, incident, &all, &failed);
	if (err == MAYDAY_OK) {
		enum store_state to = failed >= max_attempts ? STORE_STATE_FAILED
							     : STORE_STATE_IN_DISTRESS;
		err = move(p, device_id, incident, state, to, to, false, now);
		*gave_up = err == MAYDAY_OK && to == STORE_STATE_FAILED;
	}
	err = store_pg_tx_end(p, err);
	if (err != MAYDAY_OK)
		*gave_up = false;
	return err;
}

static enum mayday_err finish_ok(struct store *st, const char *device_id, const char *command_key,
				 int64_t now, bool recovered)
{
	struct store_pg *p = store_pg_of(st);
	int64_t incident = 0;
	enum store_state state;
	bool revoked = false;
	if (!store_pg_id_ok(device_id, MAYDAY_DEVICE_ID_MAX) ||
	    !store_pg_id_ok(command_key, STORE_COMMANDKEY_MAX))
		return p->in_batch ? MAYDAY_E_INVALID : MAYDAY_E_NOTFOUND;
	enum mayday_err err = store_pg_tx(p);
	if (err != MAYDAY_OK)
		return err;
	err = dev_lock(p, device_id, &revoked);
	if (err == MAYDAY_OK)
		err = open_incident(p, device_id, &incident, &state);
	if (err == MAYDAY_OK) {
		struct store_pg_params q = {0};
		store_pg_p_text(&q, command_key);
		store_pg_p_text(&q, device_id);
		store_pg_p_text(&q, recovered ? "recovered" : "installed");
		store_pg_p_i64(&q, now);
		/* The attempt in one of the two live results, or nothing. */
		PGresult *r = store_pg_q(p, "UPDATE remediation_attempts SET result = $3,"
					 " finished_at = $4 WHERE command_key = $1 AND device_id = $2"
					 " AND result IN ('in_progress', 'installed')", &q, &err);
		if (r != NULL && strcmp(PQcmdTuples(r), "1") != 0)
			err = MAYDAY_E_NOTFOUND;
		PQclear(r);
	}
	if (err == MAYDAY_OK && recovered)
		err = move(p, device_id, incident, state, STORE_STATE_RECOVERED, STORE_STATE_HEALTHY,
			   true, now);
	else if (err == MAYDAY_OK && state != STORE_STATE_INSTALLED)
		err = move(p, device_id, incident, state, STORE_STATE_INSTALLED,
			   STORE_STATE_INSTALLED, false, now);
	return store_pg_tx_end(p, err);
}

enum mayday_err store_pg_remed_installed(struct store *st, const char *device_id,
					 const char *command_key, int64_t now)
{
	return finish_ok(st, device_id, command_key, now, false);
}

enum mayday_err store_pg_remed_recovered(struct store *st, const char *device_id,
					 const char *command_key, int64_t now)
{
	return finish_ok(st, device_id, command_key, now, true);
}

void store_pg_remed_row(const PGresult *r, int i, struct store_remed_attempt *a)
{
	memset(a, 0, sizeof(*a));
	a->id = store_pg_i64(r, i, 0);
	a->incident_id = store_pg_i64(r, i, 1);
	store_pg_text(r, i, 2, a->device_id, sizeof(a->device_id));
	a->attempt = (uint32_t)store_pg_i64(r, i, 3);
	store_pg_text(r, i, 4, a->command_key, sizeof(a->command_key));
	store_pg_text(r, i, 5, a->token, sizeof(a->token));
	a->token_used = store_pg_i64(r, i, 6) != 0;
	store_pg_text(r, i, 7, a->bundle, sizeof(a->bundle));
	a->bundle_size = (uint64_t)store_pg_i64(r, i, 8);
	a->free_space = (uint64_t)store_pg_i64(r, i, 9);
	a->max_image_size = (uint64_t)store_pg_i64(r, i, 10);
	a->started_at = store_pg_i64(r, i, 11);
	a->finished_at = store_pg_i64(r, i, 12);
	store_pg_text(r, i, 13, a->result, sizeof(a->result));
	a->fault_code = (uint32_t)store_pg_i64(r, i, 14);
	store_pg_text(r, i, 15, a->detail, sizeof(a->detail));
}

enum mayday_err store_pg_remed_each(struct store_pg *p, const char *sql,
				    const struct store_pg_params *q, store_remed_cb cb,
				    void *ctx)
{
	struct store_remed_attempt a;
	enum mayday_err err;
	PGresult *r = store_pg_q(p, sql, q, &err);
	if (r == NULL)
		return err;
	for (int i = 0; i < PQntuples(r); i++) {
		store_pg_remed_row(r, i, &a);
		if (cb(ctx, &a) != 0)
			break;
	}
	PQclear(r);
	return MAYDAY_OK;
}

enum mayday_err store_pg_remed_take_token(struct store *st, const char *token,
					  const char *device_id,
					  struct store_remed_attempt *out)
{
	struct store_pg *p = store_pg_of(st);
	struct store_pg_params q = {0};
	enum mayday_err err;
	memset(out, 0, sizeof(*out));
	if (p->in_batch)
		return MAYDAY_E_INVALID;
	if (!store_pg_id_ok(token, STORE_TOKEN_MAX))
		return MAYDAY_E_NOTFOUND;
	/* An identity no device can have is told the token is not its own. */
	if (!store_pg_id_ok(device_id, MAYDAY_DEVICE_ID_MAX))
		device_id = "";
	store_pg_p_text(&q, token);
	store_pg_p_text(&q, device_id);
	/* One statement, its own transaction: the guard is checked again on
	 * the row as committed by a node that took it meanwhile. */
	PGresult *r = store_pg_q(p, "UPDATE remediation_attempts SET token_used = 1"
				 " WHERE token = $1 AND device_id = $2 AND token_used = 0"
				 " AND result = 'in_progress' RETURNING id, incident_id, device_id,"
				 " attempt::bigint, command_key, token, token_used::bigint, bundle,"
				 " bundle_size, free_space, max_image_size, started_at, finished_at,"
				 " result, fault_code, detail", &q, &err);
	if (r == NULL)
		return err;
	int taken = PQntuples(r) == 1;
	if (taken)
		store_pg_remed_row(r, 0, out);
	PQclear(r);
	if (taken)
		return MAYDAY_OK;
	/* Not taken: issued to another device (which keeps it), or nothing. */
	struct store_pg_params t = {0};
	store_pg_p_text(&t, token);
	r = store_pg_q(p, "SELECT 1 FROM remediation_attempts WHERE token = $1"
		       " AND token_used = 0 AND result = 'in_progress'", &t, &err);
	if (r == NULL)
		return err;
	err = PQntuples(r) > 0 ? MAYDAY_E_MISMATCH : MAYDAY_E_NOTFOUND;
	PQclear(r);
	return err;
}

enum mayday_err store_pg_remed_list(struct store *st, const char *device_id,
				    store_remed_cb cb, void *ctx)
{
	struct store_pg *p = store_pg_of(st);
	struct store_pg_params q = {0};
	if (!store_pg_id_ok(device_id, MAYDAY_DEVICE_ID_MAX))
		return MAYDAY_OK;
	store_pg_p_text(&q, device_id);
	return store_pg_remed_each(p, STORE_PG_ATTEMPT_COLS "WHERE device_id = $1 ORDER BY id DESC",
				   &q, cb, ctx);
}

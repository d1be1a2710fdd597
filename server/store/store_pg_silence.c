/* SPDX-License-Identifier: Apache-2.0 */
/*
 * PostgreSQL silence (store_silence.h), with the SQLite backend's rules
 * (store_sqlite_silence.c): contact outside ingest, the way back from
 * unreachable, the sweep, the counts per state; and the incident history
 * row both this file and ingest write.
 *
 * Several nodes: a contact locks the device's row (its UPDATE, or SELECT
 * ... FOR UPDATE when the time is not newer) before reading its state, as
 * ingest does, so a device coming back is brought back once. The sweep
 * reads its candidates outside a transaction, then moves each with an
 * UPDATE guarded by the state and contact time it read: under READ
 * COMMITTED the guard is checked again on the row as committed by any
 * node meanwhile, so a device heard from in between, or moved by another
 * node's sweep, is left alone.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_pg.h"
#include "store_silence.h"

enum mayday_err store_pg_event(struct store_pg *p, int64_t incident, int64_t at,
			       const char *kind, const char *from, const char *to,
			       int64_t indication)
{
	struct store_pg_params q = {0};
	enum mayday_err err;
	store_pg_p_i64(&q, incident);
	store_pg_p_i64(&q, at);
	store_pg_p_text(&q, kind);
	store_pg_p_text(&q, from);
	store_pg_p_text(&q, to);
	if (indication)
		store_pg_p_i64(&q, indication);
	else
		store_pg_p_text(&q, NULL);
	PQclear(store_pg_q(p, "INSERT INTO incident_events (incident_id, at, kind, from_state,"
			   " to_state, indication_id) VALUES ($1, $2, $3, $4, $5, $6)", &q, &err));
	return err;
}

enum mayday_err store_pg_silence_back(struct store_pg *p, const char *device_id, int64_t now,
				      bool close_if_healthy, enum store_state *restored,
				      int64_t *incident)
{
	struct store_pg_params q = {0};
	enum mayday_err err;
	char name[STORE_STATE_NAME_MAX + 1] = "";
	*restored = STORE_STATE_HEALTHY;
	*incident = 0;
	/* The state it had is the one its latest 'silent' event left. */
	store_pg_p_text(&q, device_id);
	PGresult *r = store_pg_q(p,
		"SELECT i.id, (SELECT e.from_state FROM incident_events e"
		"  WHERE e.incident_id = i.id AND e.kind = 'silent' ORDER BY e.id DESC LIMIT 1)"
		" FROM incidents i WHERE i.device_id = $1 AND i.closed_at IS NULL", &q, &err);
	if (r == NULL)
		return err;
	if (PQntuples(r) == 1) {
		*incident = store_pg_i64(r, 0, 0);
		store_pg_text(r, 0, 1, name, sizeof(name));
		if (!store_state_parse(name, restored) || *restored == STORE_STATE_UNREACHABLE)
			*restored = STORE_STATE_HEALTHY;
	}
	PQclear(r);
	const char *to = store_state_name(*restored);
	struct store_pg_params d = {0};
	store_pg_p_text(&d, device_id);
	store_pg_p_text(&d, to);
	store_pg_p_i64(&d, now);
	PQclear(store_pg_q(p, "UPDATE devices SET state = $2, state_since = $3 WHERE id = $1", &d,
			   &err));
	if (err != MAYDAY_OK || *incident == 0)
		return err;
	struct store_pg_params u = {0};
	store_pg_p_i64(&u, *incident);
	store_pg_p_text(&u, to);
	if (*restored == STORE_STATE_HEALTHY && close_if_healthy) {
		store_pg_p_i64(&u, now);
		PQclear(store_pg_q(p, "UPDATE incidents SET state = $2, closed_at = $3 WHERE id = $1",
				   &u, &err));
	} else {
		PQclear(store_pg_q(p, "UPDATE incidents SET state = $2 WHERE id = $1", &u, &err));
	}
	if (err != MAYDAY_OK)
		return err;
	return store_pg_event(p, *incident, now, "heard", "unreachable", to, 0);
}

/* COMMIT after err == MAYDAY_OK, else ROLLBACK; the outcome. */
static enum mayday_err tx_end(struct store_pg *p, enum mayday_err err)
{
	if (err == MAYDAY_OK && (err = store_pg_run(p, "COMMIT", 0, NULL)) == MAYDAY_OK)
		return MAYDAY_OK;
	(void)store_pg_run(p, "ROLLBACK", 0, NULL);
	return err;
}

enum mayday_err store_pg_seen(struct store *st, const char *device_id, int64_t now,
			      struct store_seen_out *out)
{
	struct store_pg *p = store_pg_of(st);
	struct store_seen_out local;
	struct store_pg_params q = {0};
	char name[STORE_STATE_NAME_MAX + 1] = "";
	out = out != NULL ? out : &local;
	memset(out, 0, sizeof(*out));
	if (!store_pg_id_ok(device_id, MAYDAY_DEVICE_ID_MAX))
		return MAYDAY_E_NOTFOUND;
	if (p->in_batch)
		return MAYDAY_E_INVALID;
	enum mayday_err err = store_pg_run(p, "BEGIN", 0, NULL);
	if (err != MAYDAY_OK)
		return err;
	store_pg_p_text(&q, device_id);
	store_pg_p_i64(&q, now);
	/* A newer time only: within the same second nothing is written. */
	PQclear(store_pg_q(p, "UPDATE devices SET last_seen = $2 WHERE id = $1"
			   " AND coalesce(last_seen, 0) < $2", &q, &err));
	PGresult *r = NULL;
	if (err == MAYDAY_OK) {
		struct store_pg_params s = {0};
		store_pg_p_text(&s, device_id);
		r = store_pg_q(p, "SELECT state FROM devices WHERE id = $1 FOR UPDATE", &s, &err);
	}
	if (r != NULL) {
		if (PQntuples(r) == 1)
			store_pg_text(r, 0, 0, name, sizeof(name));
		else
			err = MAYDAY_E_NOTFOUND;
		PQclear(r);
	}
	if (err == MAYDAY_OK && strcmp(name, "unreachable") == 0) {
		enum store_state back;
		err = store_pg_silence_back(p, device_id, now, true, &back, &out->incident_id);
		out->back = err == MAYDAY_OK;
		snprintf(name, sizeof(name), "%s", store_state_name(back));
	}
	snprintf(out->state, sizeof(out->state), "%s", name);
	err = tx_end(p, err);
	if (err != MAYDAY_OK)
		memset(out, 0, sizeof(*out));
	return err;
}

#define SEEN "coalesce(last_seen, enrolled_at)"
#define CANDIDATE_COLS "SELECT id, product_class, state, " SEEN " FROM devices"

static void collect(const PGresult *r, struct store_silent_row *out, size_t cap, size_t *n)
{
	for (int i = 0; i < PQntuples(r) && *n < cap; i++) {
		struct store_silent_row *row = &out[(*n)++];
		memset(row, 0, sizeof(*row));
		store_pg_text(r, i, 0, row->device_id, sizeof(row->device_id));
		store_pg_text(r, i, 1, row->product_class, sizeof(row->product_class));
		store_pg_text(r, i, 2, row->from_state, sizeof(row->from_state));
		row->last_seen = store_pg_i64(r, i, 3);
	}
}

/* The listed classes as a text[] literal; classes are printable ASCII
 * without spaces (store_pg_id_ok), quotes and backslashes escaped. */
static bool class_array(const struct store_silence_rules *rules, char *out, size_t cap)
{
	size_t o = 0;
	out[o++] = '{';
	for (unsigned i = 0; i < rules->n_classes; i++) {
		if (o + 2 >= cap)
			return false;
		if (i)
			out[o++] = ',';
		out[o++] = '"';
		for (const char *c = rules->classes[i].product_class; *c; c++) {
			if (o + 4 >= cap)
				return false;
			if (*c == '"' || *c == '\\')
				out[o++] = '\\';
			out[o++] = *c;
		}
		out[o++] = '"';
	}
	if (o + 2 > cap)
		return false;
	out[o++] = '}';
	out[o] = '\0';
	return true;
}

static enum mayday_err candidates(struct store_pg *p, const struct store_silence_rules *rules,
				  int64_t now, struct store_silent_row *out, size_t cap,
				  size_t *n)
{
	enum mayday_err err = MAYDAY_OK;
	for (unsigned i = 0; i < rules->n_classes && *n < cap; i++) {
		if (rules->classes[i].interval_s <= 0)
			continue;
		struct store_pg_params q = {0};
		store_pg_p_text(&q, rules->classes[i].product_class);
		store_pg_p_i64(&q, now - rules->classes[i].interval_s);
		store_pg_p_i64(&q, (int64_t)(cap - *n));
		PGresult *r = store_pg_q(p, CANDIDATE_COLS " WHERE product_class = $1"
					 " AND state != 'unreachable' AND " SEEN " < $2"
					 " ORDER BY " SEEN " LIMIT $3", &q, &err);
		if (r == NULL)
			return err;
		collect(r, out, cap, n);
		PQclear(r);
	}
	if (rules->default_s <= 0 || *n >= cap)
		return MAYDAY_OK;
	/* The rest: every class not listed. */
	char classes[STORE_SILENCE_CLASSES_MAX * (2 * MAYDAY_CLASS_MAX + 3) + 3];
	if (!class_array(rules, classes, sizeof(classes)))
		return MAYDAY_E_INTERNAL;
	struct store_pg_params q = {0};
	store_pg_p_i64(&q, now - rules->default_s);
	store_pg_p_text(&q, classes);
	store_pg_p_i64(&q, (int64_t)(cap - *n));
	PGresult *r = store_pg_q(p, CANDIDATE_COLS " WHERE state != 'unreachable'"
				 " AND " SEEN " < $1 AND product_class <> ALL ($2::text[])"
				 " ORDER BY " SEEN " LIMIT $3", &q, &err);
	if (r == NULL)
		return err;
	collect(r, out, cap, n);
	PQclear(r);
	return MAYDAY_OK;
}

/* Moves one candidate; *moved false if it changed since it was read. */
static enum mayday_err mark(struct store_pg *p, struct store_silent_row *row, int64_t now,
			    bool *moved)
{
	struct store_pg_params q = {0};
	enum mayday_err err;
	*moved = false;
	store_pg_p_text(&q, row->device_id);
	store_pg_p_i64(&q, now);
	store_pg_p_text(&q, row->from_state);
	store_pg_p_i64(&q, row->last_seen);
	PGresult *r = store_pg_q(p, "UPDATE devices SET state = 'unreachable', state_since = $2"
				 " WHERE id = $1 AND state = $3 AND " SEEN " = $4", &q, &err);
	if (r == NULL)
		return err;
	*moved = strcmp(PQcmdTuples(r), "1") == 0;
	PQclear(r);
	if (!*moved)
		return MAYDAY_OK;
	struct store_pg_params d = {0};
	store_pg_p_text(&d, row->device_id);
	r = store_pg_q(p, "SELECT id FROM incidents WHERE device_id = $1 AND closed_at IS NULL",
		       &d, &err);
	if (r == NULL)
		return err;
	row->incident_id = PQntuples(r) == 1 ? store_pg_i64(r, 0, 0) : 0;
	PQclear(r);
	if (row->incident_id != 0) {
		struct store_pg_params u = {0};
		store_pg_p_i64(&u, row->incident_id);
		PQclear(store_pg_q(p, "UPDATE incidents SET state = 'unreachable' WHERE id = $1", &u,
				   &err));
	} else {
		store_pg_p_i64(&d, now);
		r = store_pg_q(p, "INSERT INTO incidents (device_id, opened_at, state)"
			       " VALUES ($1, $2, 'unreachable') RETURNING id", &d, &err);
		if (r != NULL)
			row->incident_id = store_pg_i64(r, 0, 0);
		PQclear(r);
	}
	if (err != MAYDAY_OK)
		return err;
	return store_pg_event(p, row->incident_id, now, "silent", row->from_state, "unreachable",
			      0);
}

/* qsort's comparison of candidate rows (pointers to them) by device ID,
 * in byte order. */
static int by_device_id(const void *a, const void *b)
{
	const struct store_silent_row *x = *(const struct store_silent_row *const *)a;
	const struct store_silent_row *y = *(const struct store_silent_row *const *)b;

	return strcmp(x->device_id, y->device_id);
}

enum mayday_err store_pg_silence_sweep(struct store *st, const struct store_silence_rules *rules,
				       int64_t now, struct store_silent_row *out, size_t cap,
				       size_t *n)
{
	struct store_pg *p = store_pg_of(st);
	size_t found = 0, kept = 0;
	*n = 0;
	if (rules->n_classes > STORE_SILENCE_CLASSES_MAX || p->in_batch)
		return MAYDAY_E_INVALID;
	for (unsigned i = 0; i < rules->n_classes; i++) {
		if (!store_pg_id_ok(rules->classes[i].product_class, MAYDAY_CLASS_MAX))
			return MAYDAY_E_INVALID;
	}
	enum mayday_err err = candidates(p, rules, now, out, cap, &found);
	if (err != MAYDAY_OK || found == 0)
		return err;
	/* Marked in device ID order, the order ingest's writers lock devices
	 * in (srv_writer.c), so a sweep and a batch never wait on each other
	 * in a cycle; answered in the candidates' order (oldest contact first). */
	struct store_silent_row **order = malloc(found * sizeof(*order));
	bool *moved = calloc(found, sizeof(*moved));
	if (order == NULL || moved == NULL) {
		free(order);
		free(moved);
		return MAYDAY_E_NOMEM;
	}
	for (size_t i = 0; i < found; i++)
		order[i] = &out[i];
	qsort(order, found, sizeof(*order), by_device_id);
	if ((err = store_pg_run(p, "BEGIN", 0, NULL)) != MAYDAY_OK) {
		free(order);
		free(moved);
		return err;
	}
	for (size_t i = 0; i < found && err == MAYDAY_OK; i++)
		err = mark(p, order[i], now, &moved[order[i] - out]);
	for (size_t i = 0; err == MAYDAY_OK && i < found; i++)
		if (moved[i])
			out[kept++] = out[i];
	free(order);
	free(moved);
	err = tx_end(p, err);
	if (err == MAYDAY_OK)
		*n = kept;
	return err;
}

enum mayday_err store_pg_count_states(struct store *st, struct store_state_counts *out)
{
	struct store_pg *p = store_pg_of(st);
	struct store_pg_params q = {0};
	enum mayday_err err;
	char name[STORE_STATE_NAME_MAX + 1];
	memset(out, 0, sizeof(*out));
	PGresult *r = store_pg_q(p, "SELECT state, count(*) FROM devices GROUP BY state", &q,
				 &err);
	if (r == NULL)
		return err;
	for (int i = 0; i < PQntuples(r); i++) {
		enum store_state v;
		store_pg_text(r, i, 0, name, sizeof(name));
		if (store_state_parse(name, &v))
			out->n[v] = (uint64_t)store_pg_i64(r, i, 1);
	}
	PQclear(r);
	return MAYDAY_OK;
}

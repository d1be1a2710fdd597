/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The events outbox of the SQLite backend (store_events.h). The rows are
 * written by the schema's triggers (store_sqlite_schema.c, version 10);
 * this file only reads them past a consumer's cursor (or past an id, for a
 * consumer reading a batch) and moves the cursor, and reads the context a
 * VES fault needs (the incident's reason and first failed component),
 * which the events' documents do not carry. The outbox's order is the
 * ids': one writer at a time commits, so ids are drawn in commit order and
 * no event commits behind one already read (several PostgreSQL nodes need
 * more: store_pg_events.c).
 */
#include <string.h>

#include "store_sqlite.h"

#define EVENT_COLS \
	"SELECT e.id, e.type, json_object('id', e.id, 'type', e.type," \
	" 'created_at', e.created_at, 'device_id', e.device_id, 'data', json(e.payload))" \
	" FROM events e "

/* One row of EVENT_COLS from q (prepared), then finalizes it. */
static enum mayday_err event_row(sqlite3_stmt *q, struct store_event *out)
{
	enum mayday_err err = MAYDAY_OK;
	int rc = sqlite3_step(q);
	if (rc == SQLITE_DONE) {
		err = MAYDAY_E_NOTFOUND;
	} else if (rc != SQLITE_ROW) {
		err = store_sqlite_err(rc);
	} else if ((size_t)sqlite3_column_bytes(q, 2) > STORE_EVENT_JSON_MAX) {
		err = MAYDAY_E_INTERNAL;
	} else {
		out->id = sqlite3_column_int64(q, 0);
		store_sqlite_text(q, 1, out->type, sizeof(out->type));
		store_sqlite_text(q, 2, out->json, sizeof(out->json));
		out->json_len = strlen(out->json);
	}
	sqlite3_finalize(q);
	return err;
}

enum mayday_err store_sqlite_events_next(struct store *st, const char *consumer,
					 struct store_event *out)
{
	struct store_sqlite *s = store_sqlite_of(st);
	sqlite3_stmt *q = NULL;
	if (s->in_batch)
		return MAYDAY_E_INVALID;
	enum mayday_err err = store_sqlite_prep(s, &q, EVENT_COLS
		"WHERE e.id > coalesce((SELECT delivered_up_to FROM event_cursors"
		"  WHERE endpoint = ?1), 0) ORDER BY e.id LIMIT 1", "t", consumer);
	return err == MAYDAY_OK ? event_row(q, out) : err;
}

enum mayday_err store_sqlite_events_after(struct store *st, int64_t after,
					  struct store_event *out)
{
	struct store_sqlite *s = store_sqlite_of(st);
	sqlite3_stmt *q = NULL;
	if (s->in_batch)
		return MAYDAY_E_INVALID;
	enum mayday_err err = store_sqlite_prep(s, &q, EVENT_COLS
		"WHERE e.id > ?1 ORDER BY e.id LIMIT 1", "i", after);
	return err == MAYDAY_OK ? event_row(q, out) : err;
}

/* The incident's first signed indication stands for it: the report that
 * opened it (or, for an incident silence opened, the first one since). */
enum mayday_err store_sqlite_events_context(struct store *st, const char *device_id,
					    int64_t incident_id, struct store_event_context *out)
{
	struct store_sqlite *s = store_sqlite_of(st);
	sqlite3_stmt *q = NULL;
	memset(out, 0, sizeof(*out));
	if (s->in_batch)
		return MAYDAY_E_INVALID;
	enum mayday_err err = store_sqlite_prep(s, &q,
		"SELECT (SELECT product_class FROM devices WHERE id = ?1),"
		" (SELECT opened_at FROM incidents WHERE id = ?2 AND device_id = ?1),"
		" n.reason, (SELECT name FROM failed_components WHERE indication_id = n.id"
		"  ORDER BY idx LIMIT 1)"
		" FROM (SELECT 1) LEFT JOIN (SELECT id, reason FROM indications"
		"  WHERE incident_id = ?2 AND device_id = ?1 AND trust = 'signed'"
		"  ORDER BY id LIMIT 1) n", "ti", device_id, incident_id);
	if (err != MAYDAY_OK)
		return err;
	int rc = sqlite3_step(q);
	if (rc == SQLITE_ROW) {
		store_sqlite_text(q, 0, out->product_class, sizeof(out->product_class));
		out->opened_at = sqlite3_column_int64(q, 1);
		out->has_reason = sqlite3_column_type(q, 2) != SQLITE_NULL;
		out->reason = (uint32_t)sqlite3_column_int64(q, 2);
		store_sqlite_text(q, 3, out->component, sizeof(out->component));
	} else {
		err = store_sqlite_err(rc);
	}
	sqlite3_finalize(q);
	return err;
}

enum mayday_err store_sqlite_events_ack(struct store *st, const char *consumer, int64_t id)
{
	struct store_sqlite *s = store_sqlite_of(st);
	if (s->in_batch)
		return MAYDAY_E_INVALID;
	/* Only to an event's id, as on PostgreSQL, where an id no event has
	 * has no place in the order (store_pg_events.c). An UPSERT that keeps
	 * the higher id still counts one change. */
	enum mayday_err err = store_sqlite_exec(s, "INSERT INTO event_cursors"
		" (endpoint, delivered_up_to) SELECT ?1, id FROM events WHERE id = ?2"
		" ON CONFLICT (endpoint) DO UPDATE"
		" SET delivered_up_to = max(delivered_up_to, excluded.delivered_up_to)",
		"ti", consumer, id);
	if (err == MAYDAY_OK && sqlite3_changes(s->db) == 0)
		err = MAYDAY_E_NOTFOUND;
	return err;
}

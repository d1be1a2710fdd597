/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The events outbox of the SQLite backend (store_events.h). The rows are
 * written by the schema's triggers (store_sqlite_schema.c, version 10);
 * this file only reads them past a consumer's cursor and moves the cursor.
 */
#include <string.h>

#include "store_sqlite.h"

enum mayday_err store_sqlite_events_next(struct store *st, const char *consumer,
					 struct store_event *out)
{
	struct store_sqlite *s = store_sqlite_of(st);
	sqlite3_stmt *q = NULL;
	if (s->in_batch)
		return MAYDAY_E_INVALID;
	enum mayday_err err = store_sqlite_prep(s, &q,
		"SELECT e.id, e.type, json_object('id', e.id, 'type', e.type,"
		" 'created_at', e.created_at, 'device_id', e.device_id, 'data', json(e.payload))"
		" FROM events e WHERE e.id > coalesce((SELECT delivered_up_to FROM event_cursors"
		"  WHERE endpoint = ?1), 0) ORDER BY e.id LIMIT 1", "t", consumer);
	if (err == MAYDAY_OK) {
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
	}
	sqlite3_finalize(q);
	return err;
}

enum mayday_err store_sqlite_events_ack(struct store *st, const char *consumer, int64_t id)
{
	struct store_sqlite *s = store_sqlite_of(st);
	if (s->in_batch)
		return MAYDAY_E_INVALID;
	return store_sqlite_exec(s, "INSERT INTO event_cursors (endpoint, delivered_up_to)"
		" VALUES (?1, ?2) ON CONFLICT (endpoint) DO UPDATE"
		" SET delivered_up_to = max(delivered_up_to, excluded.delivered_up_to)",
		"ti", consumer, id);
}

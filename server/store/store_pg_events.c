/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The events outbox of the PostgreSQL backend (store_events.h) and the
 * API's page of it (store_events_page, store_api_query.h). The rows are
 * written by the schema's triggers (store_pg_schema.c), in the transaction
 * of the change; this file reads them in the outbox's order past a
 * consumer's cursor or past an event, moves cursors, and reads the context
 * a VES fault needs, as the SQLite backend does (store_sqlite_events.c).
 *
 * The order, with several nodes. On SQLite one writer at a time commits,
 * so ids are drawn in commit order and a cursor can be an id. Here an
 * event's id is drawn when it is inserted, not when its transaction
 * commits: node A may insert id 10, node B id 11 and commit first. A
 * consumer that took 11 and moved its cursor past it would never see 10.
 * So every event records the transaction that wrote it (events.tx, the
 * full 64-bit xid: pg_current_xact_id()) and consumers read:
 *  - only events of transactions older than every transaction of this
 *    database still running (HORIZON): the statement's snapshot lists the
 *    transactions running when it was taken (pg_snapshot_xip), and every
 *    xid below its xmax not listed there has ended (committed, and in the
 *    snapshot, or rolled back); transactions that have not written yet
 *    will get xids at or above xmax. So the set of events below the
 *    oldest listed transaction of this database is final. A listed
 *    transaction counts unless pg_stat_activity shows it to another
 *    database's session (a session never changes database, and another
 *    database's cannot write here): a long writer elsewhere on the server
 *    holds nothing back, and one whose database cannot be told (ended
 *    meanwhile, a prepared transaction, a role not allowed to see it)
 *    counts, which only delays;
 *  - in (tx, id) order. Everything committed later sorts after all that
 *    was readable before (its tx is at or above the xmin of every earlier
 *    read), so a position in this order never has an event appear behind
 *    it. Reading by id alone would still lose one: B may take its xid
 *    before A, write its event after A's, and commit while A runs; B's is
 *    readable first and A's, with the lower id, comes after it.
 * A cursor stays an event id (event_cursors.delivered_up_to, the last
 * event delivered, as on SQLite); its place in the order is that event's
 * (tx, id). An id no event has -- 0, or one taken away by someone allowed
 * to TRUNCATE the outbox -- stands before every event: at-least-once
 * repeats rather than skips. The cost: one writing transaction on this
 * database that stays open (a session idle in a transaction) holds back
 * every event behind it until it ends; maydayd's own transactions are
 * short (a batch, a sweep) and wait for a lock 10 s at most.
 *
 * Several nodes moving one consumer's cursor: the UPSERT moves it only
 * forward in that order, compared against the row as committed (ON
 * CONFLICT locks it), so a node that delivered less never moves it back.
 *
 * Documents: SQLite's json_object() writes them compact; PostgreSQL's
 * json text has spaces between members, taken out here (compact) so a
 * webhook receiver and an API client get the same bytes from either
 * backend but for the order of the keys in "data" (jsonb sorts them).
 */
#include <stdio.h>
#include <string.h>

#include "store_api_query.h"
#include "store_pg.h"

/* An event's document, as the JSON text the server writes. */
#define EVENT_DOC \
	"json_build_object('id', e.id, 'type', e.type, 'created_at', e.created_at," \
	" 'device_id', e.device_id, 'data', e.payload)::text"

/* The oldest transaction of this database still running when the
 * statement's snapshot was taken, or the snapshot's xmax when none is
 * (every function reads the one snapshot of the statement). */
#define HORIZON \
	"coalesce((SELECT x FROM pg_snapshot_xip(pg_current_snapshot()) x" \
	"  WHERE NOT EXISTS (SELECT 1 FROM pg_stat_activity a" \
	"   WHERE a.backend_xid = x::xid AND a.datname <> current_database())" \
	"  ORDER BY x LIMIT 1), pg_snapshot_xmax(pg_current_snapshot()))"

/* Deliverable: written by a transaction older than any still running. */
#define DELIVERABLE "e.tx < " HORIZON

/* The place in the order of the event whose id is ID (an SQL expression
 * of type bigint): its (tx, id), or before every event when there is
 * none. Scalar subqueries, so the row comparison can use the (tx, id)
 * index. */
#define PLACE_OF(ID) \
	"(coalesce((SELECT x.tx FROM events x WHERE x.id = " ID "), '0'::xid8), " ID ")"

#define CURSOR_OF_1 "coalesce((SELECT delivered_up_to FROM event_cursors WHERE endpoint = $1), 0)"

/* Copies the server's JSON text without the whitespace outside strings.
 * The text is the server's own output: a string's quote inside it is
 * always escaped, and whitespace within strings is kept. false when the
 * result does not fit cap (NUL included). */
static bool compact(const char *in, size_t len, char *out, size_t cap, size_t *n)
{
	bool str = false, esc = false;
	size_t o = 0;
	for (size_t i = 0; i < len; i++) {
		char c = in[i];
		if (!str && (c == ' ' || c == '\n' || c == '\r' || c == '\t'))
			continue;
		if (o + 1 >= cap)
			return false;
		out[o++] = c;
		if (esc)
			esc = false;
		else if (str && c == '\\')
			esc = true;
		else if (c == '"')
			str = !str;
	}
	out[o] = '\0';
	*n = o;
	return true;
}

/* Row 0 of (id, type, document) into *out; NOTFOUND for no row. Clears r. */
static enum mayday_err event_row(PGresult *r, struct store_event *out)
{
	enum mayday_err err = MAYDAY_OK;
	if (PQntuples(r) != 1) {
		err = MAYDAY_E_NOTFOUND;
	} else if (!compact(PQgetvalue(r, 0, 2), (size_t)PQgetlength(r, 0, 2), out->json,
			    sizeof(out->json), &out->json_len)) {
		err = MAYDAY_E_INTERNAL;
	} else {
		out->id = store_pg_i64(r, 0, 0);
		store_pg_text(r, 0, 1, out->type, sizeof(out->type));
	}
	PQclear(r);
	return err;
}

enum mayday_err store_pg_events_next(struct store *st, const char *consumer,
				     struct store_event *out)
{
	struct store_pg *p = store_pg_of(st);
	struct store_pg_params q = {0};
	enum mayday_err err;
	if (p->in_batch)
		return MAYDAY_E_INVALID;
	store_pg_p_text(&q, consumer);
	PGresult *r = store_pg_q(p, "SELECT e.id, e.type, " EVENT_DOC " FROM events e"
				 " WHERE " DELIVERABLE " AND (e.tx, e.id) > " PLACE_OF(CURSOR_OF_1)
				 " ORDER BY e.tx, e.id LIMIT 1", &q, &err);
	return r != NULL ? event_row(r, out) : err;
}

enum mayday_err store_pg_events_after(struct store *st, int64_t after, struct store_event *out)
{
	struct store_pg *p = store_pg_of(st);
	struct store_pg_params q = {0};
	enum mayday_err err;
	if (p->in_batch)
		return MAYDAY_E_INVALID;
	store_pg_p_i64(&q, after);
	PGresult *r = store_pg_q(p, "SELECT e.id, e.type, " EVENT_DOC " FROM events e"
				 " WHERE " DELIVERABLE " AND (e.tx, e.id) > " PLACE_OF("$1::bigint")
				 " ORDER BY e.tx, e.id LIMIT 1", &q, &err);
	return r != NULL ? event_row(r, out) : err;
}

enum mayday_err store_pg_events_page(struct store *st, int64_t after_id, unsigned limit,
				     store_event_doc_cb cb, void *ctx)
{
	struct store_pg *p = store_pg_of(st);
	struct store_pg_params q = {0};
	enum mayday_err err;
	char doc[STORE_EVENT_JSON_MAX + 1];
	size_t len;
	if (limit < 1 || limit > STORE_API_PAGE_MAX)
		return MAYDAY_E_INVALID;
	store_pg_p_i64(&q, after_id);
	store_pg_p_i64(&q, limit);
	/* The order and the documents of store_events_next: a page ends where
	 * a consumer's cursor could stand, and the next page starts after it
	 * without an event slipping in behind. */
	PGresult *r = store_pg_q(p, "SELECT e.id, e.type, " EVENT_DOC " FROM events e"
				 " WHERE " DELIVERABLE " AND (e.tx, e.id) > " PLACE_OF("$1::bigint")
				 " ORDER BY e.tx, e.id LIMIT $2", &q, &err);
	if (r == NULL)
		return err;
	for (int i = 0; i < PQntuples(r); i++) {
		if (!compact(PQgetvalue(r, i, 2), (size_t)PQgetlength(r, i, 2), doc, sizeof(doc),
			     &len)) {
			err = MAYDAY_E_INTERNAL;
			break;
		}
		if (cb(ctx, store_pg_i64(r, i, 0), doc, len) != 0)
			break;
	}
	PQclear(r);
	return err;
}

/* The incident's first signed indication stands for it, as on SQLite. */
enum mayday_err store_pg_events_context(struct store *st, const char *device_id,
					int64_t incident_id, struct store_event_context *out)
{
	struct store_pg *p = store_pg_of(st);
	struct store_pg_params q = {0};
	enum mayday_err err;
	memset(out, 0, sizeof(*out));
	if (p->in_batch)
		return MAYDAY_E_INVALID;
	store_pg_p_text(&q, device_id);
	store_pg_p_i64(&q, incident_id);
	PGresult *r = store_pg_q(p,
		"SELECT (SELECT product_class FROM devices WHERE id = $1),"
		" (SELECT opened_at FROM incidents WHERE id = $2 AND device_id = $1),"
		" n.reason, (SELECT name FROM failed_components WHERE indication_id = n.id"
		"  ORDER BY idx LIMIT 1)"
		" FROM (SELECT 1) one LEFT JOIN (SELECT id, reason FROM indications"
		"  WHERE incident_id = $2 AND device_id = $1 AND trust = 'signed'"
		"  ORDER BY id LIMIT 1) n ON true", &q, &err);
	if (r == NULL)
		return err;
	if (PQntuples(r) == 1) {
		store_pg_text(r, 0, 0, out->product_class, sizeof(out->product_class));
		out->opened_at = store_pg_i64(r, 0, 1);
		out->has_reason = !PQgetisnull(r, 0, 2);
		out->reason = (uint32_t)store_pg_i64(r, 0, 2);
		store_pg_text(r, 0, 3, out->component, sizeof(out->component));
	} else {
		err = MAYDAY_E_INTERNAL;
	}
	PQclear(r);
	return err;
}

enum mayday_err store_pg_events_ack(struct store *st, const char *consumer, int64_t id)
{
	struct store_pg *p = store_pg_of(st);
	struct store_pg_params q = {0};
	enum mayday_err err;
	if (p->in_batch)
		return MAYDAY_E_INVALID;
	store_pg_p_text(&q, consumer);
	store_pg_p_i64(&q, id);
	/* Forward only, in the outbox's order, against the row as committed
	 * by any node; an id no event has moves nothing. */
	PGresult *r = store_pg_q(p,
		"WITH e AS (SELECT id FROM events WHERE id = $2::bigint),"
		" up AS (INSERT INTO event_cursors (endpoint, delivered_up_to)"
		"  SELECT $1::text, id FROM e ON CONFLICT (endpoint) DO UPDATE"
		"  SET delivered_up_to = excluded.delivered_up_to"
		"  WHERE " PLACE_OF("excluded.delivered_up_to")
		"   > " PLACE_OF("event_cursors.delivered_up_to") " RETURNING 1)"
		" SELECT count(*) FROM e", &q, &err);
	if (r == NULL)
		return err;
	if (store_pg_i64(r, 0, 0) != 1)
		err = MAYDAY_E_NOTFOUND;
	PQclear(r);
	return err;
}

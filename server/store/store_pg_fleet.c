/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The fleet view over PostgreSQL (store_fleet.h), with the SQLite
 * backend's groupings, counts and order (store_sqlite_fleet.c): one
 * grouped SELECT per grouping, sent unprepared so that it is planned with
 * the window and the class at hand (the window's start decides between
 * the index indications_fleet and a scan). Keys are ordered by their bytes
 * (COLLATE "C"), as SQLite orders them, whatever the database's collation.
 *
 * The anomaly rule (store_fleet_anomalies) reads and records in one
 * transaction. SQLite's IMMEDIATE transaction makes two callers take
 * turns; here several nodes may evaluate the same class at once, and two
 * must not both record one finding (nor both pause the class). Held by an
 * advisory lock per class, taken first in the transaction at READ
 * COMMITTED: the second node waits for the first to commit, and its
 * statements, each with a snapshot taken after the lock was granted, then
 * see the finding recorded (suppressed for the window) and the pause. The
 * isolation level is said explicitly: at REPEATABLE READ the snapshot
 * would be the lock statement's, older than the other node's commit.
 * The lock is the class's one (store_pg_remed_class_lock), which every
 * other reader-then-writer of the class's pause history
 * (remediation_class_events) takes too, so a finding's pause, the failure
 * rule's and an operator's take turns.
 */
#include <stdio.h>
#include <string.h>

#include "store_fleet.h"
#include "store_pg.h"
#include "store_pg_remed.h"

_Static_assert(MAYDAY_NAME_MAX >= MAYDAY_CLASS_MAX && MAYDAY_NAME_MAX >= MAYDAY_VERSION_STR_MAX,
	       "store_fleet_row.key holds every kind of key");

/* $1 window start, $2 class or NULL, $3 limit. */
#define WINDOW " i.trust = 'signed' AND i.received_at >= $1" \
	       " AND ($2::text IS NULL OR d.product_class = $2::text)"
#define FROM_WINDOW " FROM indications i JOIN devices d ON d.id = i.device_id"
#define WITH_COMPONENTS " JOIN failed_components f ON f.indication_id = i.id"
#define LARGEST " ORDER BY 3 DESC, 4 DESC, "

static const char *const fleet_sql[] = {
	[STORE_FLEET_CLASS] =
		"SELECT d.product_class, '', count(DISTINCT i.device_id), count(*),"
		" max(i.received_at)" FROM_WINDOW
		" WHERE" WINDOW " GROUP BY d.product_class"
		LARGEST "d.product_class COLLATE \"C\" LIMIT $3",
	[STORE_FLEET_IMAGE] =
		"SELECT i.image_version, '', count(DISTINCT i.device_id), count(*),"
		" max(i.received_at)" FROM_WINDOW
		" WHERE" WINDOW " GROUP BY i.image_version"
		LARGEST "i.image_version COLLATE \"C\" LIMIT $3",
	[STORE_FLEET_COMPONENT] =
		"SELECT f.name, '', count(DISTINCT i.device_id), count(DISTINCT i.id),"
		" max(i.received_at)" FROM_WINDOW WITH_COMPONENTS
		" WHERE" WINDOW " GROUP BY f.name"
		LARGEST "f.name COLLATE \"C\" LIMIT $3",
	[STORE_FLEET_DIGEST] =
		"SELECT f.name, f.measured_digest, count(DISTINCT i.device_id),"
		" count(DISTINCT i.id), max(i.received_at)" FROM_WINDOW WITH_COMPONENTS
		" WHERE" WINDOW " GROUP BY f.name, f.measured_digest"
		LARGEST "f.name COLLATE \"C\", f.measured_digest COLLATE \"C\" LIMIT $3",
	[STORE_FLEET_HOUR] =
		"SELECT to_char(to_timestamp(i.received_at) AT TIME ZONE 'UTC',"
		" 'YYYY-MM-DD\"T\"HH24\":00:00Z\"'), '', count(DISTINCT i.device_id), count(*),"
		" max(i.received_at)" FROM_WINDOW
		" WHERE" WINDOW " GROUP BY 1 ORDER BY 1 DESC LIMIT $3",
};

enum mayday_err store_pg_fleet(struct store *st, const struct store_fleet_query *q,
			       store_fleet_cb cb, void *ctx)
{
	struct store_pg *p = store_pg_of(st);
	struct store_pg_params par = {0};
	struct store_fleet_row row;
	enum mayday_err err;
	if ((unsigned)q->by > STORE_FLEET_HOUR || q->limit < 1 ||
	    q->limit > STORE_FLEET_LIMIT_MAX)
		return MAYDAY_E_INVALID;
	if (q->product_class != NULL && !store_pg_text_ok(q->product_class))
		return MAYDAY_OK;   /* no class has that name */
	store_pg_p_i64(&par, q->since);
	store_pg_p_text(&par, q->product_class);
	store_pg_p_i64(&par, q->limit);
	PGresult *r = store_pg_execb(p, fleet_sql[q->by], par.n, par.v, par.len, par.fmt, &err);
	if (r == NULL)
		return err;
	for (int i = 0; i < PQntuples(r); i++) {
		memset(&row, 0, sizeof(row));
		store_pg_text(r, i, 0, row.key, sizeof(row.key));
		store_pg_text(r, i, 1, row.digest_hex, sizeof(row.digest_hex));
		row.devices = (uint64_t)store_pg_i64(r, i, 2);
		row.indications = (uint64_t)store_pg_i64(r, i, 3);
		row.last_at = store_pg_i64(r, i, 4);
		if (cb(ctx, &row) != 0)
			break;
	}
	PQclear(r);
	return MAYDAY_OK;
}

/* The anomaly rule (store_fleet.h): $1 class, $2 window start, $3
 * threshold, $4 suppressed after (a finding newer than this one window
 * back), $5 cap. */
#define ANOMALY_SQL                                                                       \
	"SELECT f.name, count(DISTINCT i.device_id)" FROM_WINDOW WITH_COMPONENTS          \
	" WHERE i.trust = 'signed' AND i.received_at >= $2 AND d.product_class = $1"      \
	" GROUP BY f.name HAVING count(DISTINCT i.device_id) >= $3"                       \
	" AND NOT EXISTS (SELECT 1 FROM fleet_anomalies a WHERE a.product_class = $1"     \
	"  AND a.component = f.name AND a.at > $4)"                                       \
	" ORDER BY 2 DESC, f.name COLLATE \"C\" LIMIT $5"

static enum mayday_err anomaly_record(struct store_pg *p, const struct store_fleet_rule *rule,
				      int64_t now, struct store_fleet_anomaly *a)
{
	struct store_pg_params q = {0};
	enum mayday_err err;
	store_pg_p_text(&q, rule->product_class);
	store_pg_p_text(&q, a->component);
	store_pg_p_i64(&q, now);
	store_pg_p_i64(&q, (int64_t)a->devices);
	store_pg_p_i64(&q, (int64_t)rule->devices);
	store_pg_p_i64(&q, rule->window_s);
	store_pg_p_i64(&q, a->paused ? 1 : 0);
	PGresult *r = store_pg_q(p, "INSERT INTO fleet_anomalies (product_class, component, at,"
				 " devices, threshold, window_s, paused)"
				 " VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id", &q, &err);
	if (r == NULL)
		return err;
	a->id = PQntuples(r) == 1 ? store_pg_i64(r, 0, 0) : 0;
	PQclear(r);
	return MAYDAY_OK;
}

/* Pauses the class unless its newest history row already says paused;
 * *did says whether this call did. Under the class's lock. */
static enum mayday_err anomaly_pause(struct store_pg *p, const char *product_class,
				     int64_t now, bool *did)
{
	struct store_pg_params q = {0};
	enum mayday_err err;
	char kind[16] = "";
	*did = false;
	store_pg_p_text(&q, product_class);
	PGresult *r = store_pg_q(p, "SELECT kind FROM remediation_class_events"
				 " WHERE product_class = $1 ORDER BY id DESC LIMIT 1", &q, &err);
	if (r == NULL)
		return err;
	if (PQntuples(r) == 1)
		store_pg_text(r, 0, 0, kind, sizeof(kind));
	PQclear(r);
	if (strcmp(kind, "paused") == 0)
		return MAYDAY_OK;
	store_pg_p_i64(&q, now);
	PQclear(store_pg_q(p, "INSERT INTO remediation_class_events (product_class, at, kind,"
			   " failures) VALUES ($1, $2, 'paused', 0)", &q, &err));
	*did = err == MAYDAY_OK;
	return err;
}

/* Findings of `rule` at `now`, at most cap, into out; *k of them. */
static enum mayday_err anomaly_find(struct store_pg *p, const struct store_fleet_rule *rule,
				    int64_t now, struct store_fleet_anomaly *out, size_t cap,
				    size_t *k)
{
	struct store_pg_params q = {0};
	enum mayday_err err;
	store_pg_p_text(&q, rule->product_class);
	store_pg_p_i64(&q, now - rule->window_s);
	store_pg_p_i64(&q, (int64_t)rule->devices);
	store_pg_p_i64(&q, now - rule->window_s);
	store_pg_p_i64(&q, (int64_t)cap);
	PGresult *r = store_pg_execb(p, ANOMALY_SQL, q.n, q.v, q.len, q.fmt, &err);
	if (r == NULL)
		return err;
	for (int i = 0; i < PQntuples(r) && *k < cap; i++) {
		struct store_fleet_anomaly *a = &out[(*k)++];
		memset(a, 0, sizeof(*a));
		snprintf(a->product_class, sizeof(a->product_class), "%s", rule->product_class);
		store_pg_text(r, i, 0, a->component, sizeof(a->component));
		a->devices = (uint64_t)store_pg_i64(r, i, 1);
	}
	PQclear(r);
	return MAYDAY_OK;
}

enum mayday_err store_pg_fleet_anomalies(struct store *st, const struct store_fleet_rule *rule,
					 int64_t now, struct store_fleet_anomaly *out,
					 size_t cap, size_t *n)
{
	struct store_pg *p = store_pg_of(st);
	enum mayday_err err;
	size_t k = 0;
	*n = 0;
	if (rule->product_class == NULL || rule->product_class[0] == '\0' || rule->devices < 1 ||
	    rule->window_s < 1 || rule->window_s > now || cap == 0 || cap > STORE_FLEET_LIMIT_MAX)
		return MAYDAY_E_INVALID;
	if (p->in_batch)
		return MAYDAY_E_INVALID;
	if (!store_pg_text_ok(rule->product_class))
		return MAYDAY_OK;   /* no class has that name: nothing found */
	if ((err = store_pg_run(p, "BEGIN ISOLATION LEVEL READ COMMITTED", 0, NULL)) != MAYDAY_OK)
		return err;
	err = store_pg_remed_class_lock(p, rule->product_class);
	if (err == MAYDAY_OK)
		err = anomaly_find(p, rule, now, out, cap, &k);
	/* The class pauses once, with its first finding of this call. */
	if (err == MAYDAY_OK && k > 0 && rule->auto_pause)
		err = anomaly_pause(p, rule->product_class, now, &out[0].paused);
	for (size_t i = 0; err == MAYDAY_OK && i < k; i++)
		err = anomaly_record(p, rule, now, &out[i]);
	if (err == MAYDAY_OK && (err = store_pg_run(p, "COMMIT", 0, NULL)) == MAYDAY_OK) {
		*n = k;
		return MAYDAY_OK;
	}
	(void)store_pg_run(p, "ROLLBACK", 0, NULL);
	return err;
}

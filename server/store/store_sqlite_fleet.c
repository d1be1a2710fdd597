/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The fleet view over SQLite (store_fleet.h): one grouped SELECT per
 * grouping, run once per call (an operator's query, not a hot path).
 *
 * The window is read through indications_fleet, a partial index on
 * (received_at, device_id, image_version, trust) of signed rows only: the
 * class and image groupings are answered from that covering index and
 * devices' primary key without touching the wide indication rows, and the
 * component groupings reach failed_components by its primary key
 * (indication_id, idx). CROSS JOIN pins that loop order: left to itself,
 * the planner walks devices by class (for the GROUP BY) and looks every
 * device's indications up, which read all 1M rows of the benchmark
 * (bench/fleet.sh) for a window of 33k. Distinct counts, because an
 * indication may name a component twice and a device may send many.
 *
 * The anomaly rule (store_fleet_anomalies) is the component grouping of
 * one class with a HAVING, evaluated and recorded in one IMMEDIATE
 * transaction.
 */
#include <stdio.h>
#include <string.h>

#include "store_fleet.h"
#include "store_sqlite.h"

_Static_assert(MAYDAY_NAME_MAX >= MAYDAY_CLASS_MAX && MAYDAY_NAME_MAX >= MAYDAY_VERSION_STR_MAX,
	       "store_fleet_row.key holds every kind of key");

#define WINDOW " i.trust = 'signed' AND i.received_at >= ?1" \
	       " AND (?2 IS NULL OR d.product_class = ?2)"
#define ORDER " ORDER BY 3 DESC, 4 DESC, 1, 2 LIMIT ?3"

static const char *const fleet_sql[] = {
	[STORE_FLEET_CLASS] =
		"SELECT d.product_class, '', count(DISTINCT i.device_id), count(*),"
		" max(i.received_at)"
		" FROM indications i CROSS JOIN devices d ON d.id = i.device_id"
		" WHERE" WINDOW " GROUP BY d.product_class" ORDER,
	[STORE_FLEET_IMAGE] =
		"SELECT i.image_version, '', count(DISTINCT i.device_id), count(*),"
		" max(i.received_at)"
		" FROM indications i CROSS JOIN devices d ON d.id = i.device_id"
		" WHERE" WINDOW " GROUP BY i.image_version" ORDER,
	[STORE_FLEET_COMPONENT] =
		"SELECT f.name, '', count(DISTINCT i.device_id), count(DISTINCT i.id),"
		" max(i.received_at)"
		" FROM indications i CROSS JOIN devices d ON d.id = i.device_id"
		" CROSS JOIN failed_components f ON f.indication_id = i.id"
		" WHERE" WINDOW " GROUP BY f.name" ORDER,
	[STORE_FLEET_DIGEST] =
		"SELECT f.name, f.measured_digest, count(DISTINCT i.device_id),"
		" count(DISTINCT i.id), max(i.received_at)"
		" FROM indications i CROSS JOIN devices d ON d.id = i.device_id"
		" CROSS JOIN failed_components f ON f.indication_id = i.id"
		" WHERE" WINDOW " GROUP BY f.name, f.measured_digest" ORDER,
	[STORE_FLEET_HOUR] =
		"SELECT strftime('%Y-%m-%dT%H:00:00Z', i.received_at, 'unixepoch'), '',"
		" count(DISTINCT i.device_id), count(*), max(i.received_at)"
		" FROM indications i CROSS JOIN devices d ON d.id = i.device_id"
		" WHERE" WINDOW " GROUP BY 1 ORDER BY 1 DESC LIMIT ?3",
};

enum mayday_err store_sqlite_fleet(struct store *st, const struct store_fleet_query *q,
				   store_fleet_cb cb, void *ctx)
{
	struct store_sqlite *s = store_sqlite_of(st);
	struct store_fleet_row row;
	sqlite3_stmt *stmt = NULL;
	enum mayday_err err = MAYDAY_OK;
	int rc;
	if ((unsigned)q->by > STORE_FLEET_HOUR || q->limit < 1 ||
	    q->limit > STORE_FLEET_LIMIT_MAX)
		return MAYDAY_E_INVALID;
	rc = sqlite3_prepare_v2(s->db, fleet_sql[q->by], -1, &stmt, NULL);
	if (rc != SQLITE_OK)
		return store_sqlite_err(rc);
	sqlite3_bind_int64(stmt, 1, q->since);
	if (q->product_class != NULL)
		sqlite3_bind_text(stmt, 2, q->product_class, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(stmt, 2);
	sqlite3_bind_int64(stmt, 3, q->limit);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		memset(&row, 0, sizeof(row));
		store_sqlite_text(stmt, 0, row.key, sizeof(row.key));
		store_sqlite_text(stmt, 1, row.digest_hex, sizeof(row.digest_hex));
		row.devices = (uint64_t)sqlite3_column_int64(stmt, 2);
		row.indications = (uint64_t)sqlite3_column_int64(stmt, 3);
		row.last_at = sqlite3_column_int64(stmt, 4);
		if (cb(ctx, &row) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	if (rc != SQLITE_DONE)
		err = store_sqlite_err(rc);
	sqlite3_finalize(stmt);
	return err;
}

/* The anomaly rule (store_fleet.h): ?1 class, ?2 window start, ?3
 * threshold, ?4 suppressed after (a finding newer than this one window
 * back), ?5 cap. */
#define ANOMALY_SQL                                                                       \
	"SELECT f.name, count(DISTINCT i.device_id)"                                      \
	" FROM indications i CROSS JOIN devices d ON d.id = i.device_id"                  \
	" CROSS JOIN failed_components f ON f.indication_id = i.id"                       \
	" WHERE i.trust = 'signed' AND i.received_at >= ?2 AND d.product_class = ?1"      \
	" GROUP BY f.name HAVING count(DISTINCT i.device_id) >= ?3"                       \
	" AND NOT EXISTS (SELECT 1 FROM fleet_anomalies a WHERE a.product_class = ?1"     \
	"  AND a.component = f.name AND a.at > ?4)"                                       \
	" ORDER BY 2 DESC, 1 LIMIT ?5"

static enum mayday_err anomaly_record(struct store_sqlite *s, const struct store_fleet_rule *r,
				      int64_t now, struct store_fleet_anomaly *a)
{
	sqlite3_stmt *q = NULL;
	enum mayday_err err = store_sqlite_prep(s, &q,
		"INSERT INTO fleet_anomalies (product_class, component, at, devices, threshold,"
		" window_s, paused) VALUES (?, ?, ?, ?, ?, ?, ?)", "ttiiiii", r->product_class,
		a->component, now, (int64_t)a->devices, (int64_t)r->devices, r->window_s,
		(int64_t)a->paused);
	if (err == MAYDAY_OK && sqlite3_step(q) != SQLITE_DONE)
		err = store_sqlite_err(sqlite3_errcode(s->db));
	a->id = sqlite3_last_insert_rowid(s->db);
	sqlite3_finalize(q);
	return err;
}

/* Pauses the class unless its newest history row already says paused;
 * *did says whether this call did. */
static enum mayday_err anomaly_pause(struct store_sqlite *s, const char *product_class,
				     int64_t now, bool *did)
{
	sqlite3_stmt *q = NULL;
	*did = false;
	enum mayday_err err = store_sqlite_prep(s, &q,
		"SELECT kind FROM remediation_class_events WHERE product_class = ?"
		" ORDER BY id DESC LIMIT 1", "t", product_class);
	int rc = err == MAYDAY_OK ? sqlite3_step(q) : SQLITE_ERROR;
	bool paused = rc == SQLITE_ROW &&
		      strcmp((const char *)sqlite3_column_text(q, 0), "paused") == 0;
	if (err == MAYDAY_OK && rc != SQLITE_ROW && rc != SQLITE_DONE)
		err = store_sqlite_err(rc);
	sqlite3_finalize(q);
	if (err != MAYDAY_OK || paused)
		return err;
	err = store_sqlite_exec(s, "INSERT INTO remediation_class_events (product_class, at, kind,"
				" failures) VALUES (?, ?, 'paused', 0)", "ti", product_class, now);
	*did = err == MAYDAY_OK;
	return err;
}

enum mayday_err store_sqlite_fleet_anomalies(struct store *st, const struct store_fleet_rule *rule,
					     int64_t now, struct store_fleet_anomaly *out,
					     size_t cap, size_t *n)
{
	struct store_sqlite *s = store_sqlite_of(st);
	sqlite3_stmt *q = NULL;
	enum mayday_err err = MAYDAY_OK;
	size_t k = 0;
	int rc;
	*n = 0;
	if (rule->product_class == NULL || rule->product_class[0] == '\0' || rule->devices < 1 ||
	    rule->window_s < 1 || rule->window_s > now || cap == 0 || cap > STORE_FLEET_LIMIT_MAX)
		return MAYDAY_E_INVALID;
	rc = sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		return store_sqlite_err(rc);
	err = store_sqlite_prep(s, &q, ANOMALY_SQL, "tiiii", rule->product_class,
				now - rule->window_s, (int64_t)rule->devices, now - rule->window_s,
				(int64_t)cap);
	while (err == MAYDAY_OK && (rc = sqlite3_step(q)) == SQLITE_ROW) {
		struct store_fleet_anomaly *a = &out[k++];
		memset(a, 0, sizeof(*a));
		snprintf(a->product_class, sizeof(a->product_class), "%s", rule->product_class);
		store_sqlite_text(q, 0, a->component, sizeof(a->component));
		a->devices = (uint64_t)sqlite3_column_int64(q, 1);
	}
	if (err == MAYDAY_OK && rc != SQLITE_DONE && rc != SQLITE_ROW)
		err = store_sqlite_err(rc);
	sqlite3_finalize(q);
	/* The class pauses once, with its first finding of this call. */
	if (err == MAYDAY_OK && k > 0 && rule->auto_pause)
		err = anomaly_pause(s, rule->product_class, now, &out[0].paused);
	for (size_t i = 0; err == MAYDAY_OK && i < k; i++)
		err = anomaly_record(s, rule, now, &out[i]);
	if (err == MAYDAY_OK) {
		rc = sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
		if (rc != SQLITE_OK)
			err = store_sqlite_err(rc);
	}
	if (err != MAYDAY_OK) {
		(void)sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		return err;
	}
	*n = k;
	return MAYDAY_OK;
}

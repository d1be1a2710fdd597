/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SQLite backend of the product-class pause (store_remed.h). The state of a
 * class is its newest row in remediation_class_events: "paused" or
 * "resumed" (none: never paused). While it is not paused, the rule is
 * evaluated from the attempts: the class's finished attempts (failed or
 * recovered) after the newest resume, newest first; the failures before the
 * first recovered one are the run. A run of n pauses the class, recorded in
 * an IMMEDIATE transaction that first checks the newest event is still the
 * one the rule was evaluated after, so two sessions (or two maydayd nodes)
 * seeing the same failure record one pause, and only one of them is told it
 * did. The common case, a class that is not paused and far from n, only
 * reads.
 */
#include <stdint.h>
#include <string.h>

#include "store_sqlite.h"

/* The device IDs of a class (?1); the pause rule and the listings join on it. */
#define IN_CLASS " device_id IN (SELECT id FROM devices WHERE product_class = ?1)"

struct class_event {
	int64_t id, at;
	bool paused;
	uint32_t failures;
};

/* Prepares sql with ?1 = the class and ?2.. = the integers given, as many
 * as the statement has parameters (at most 3). */
static enum mayday_err prep_class(struct store_sqlite *s, sqlite3_stmt **q, const char *sql,
				  const char *product_class, int64_t a, int64_t b, int64_t c)
{
	const int64_t v[3] = {a, b, c};
	int rc = sqlite3_prepare_v2(s->db, sql, -1, q, NULL);
	if (rc != SQLITE_OK)
		return store_sqlite_err(rc);
	int n = sqlite3_bind_parameter_count(*q);
	rc = sqlite3_bind_text(*q, 1, product_class, -1, SQLITE_TRANSIENT);
	for (int i = 2; rc == SQLITE_OK && i <= n && i <= 4; i++)
		rc = sqlite3_bind_int64(*q, i, v[i - 2]);
	return store_sqlite_err(rc);
}

/* The class's newest event (ev->id 0: none). */
static enum mayday_err newest_event(struct store_sqlite *s, const char *product_class,
				    struct class_event *ev)
{
	sqlite3_stmt *q = NULL;
	memset(ev, 0, sizeof(*ev));
	enum mayday_err err = prep_class(s, &q, "SELECT id, at, kind = 'paused', failures FROM"
					 " remediation_class_events WHERE product_class = ?1"
					 " ORDER BY id DESC LIMIT 1", product_class, 0, 0, 0);
	if (err == MAYDAY_OK) {
		int rc = sqlite3_step(q);
		if (rc == SQLITE_ROW) {
			ev->id = sqlite3_column_int64(q, 0);
			ev->at = sqlite3_column_int64(q, 1);
			ev->paused = sqlite3_column_int64(q, 2) != 0;
			ev->failures = (uint32_t)sqlite3_column_int64(q, 3);
		} else if (rc != SQLITE_DONE) {
			err = store_sqlite_err(rc);
		}
	}
	sqlite3_finalize(q);
	return err;
}

/* When the class was last resumed before event `before` (0: never). */
static enum mayday_err resumed_before(struct store_sqlite *s, const char *product_class,
				      int64_t before, int64_t *at)
{
	sqlite3_stmt *q = NULL;
	*at = 0;
	enum mayday_err err = prep_class(s, &q, "SELECT coalesce(max(at), 0) FROM"
					 " remediation_class_events WHERE product_class = ?1"
					 " AND kind = 'resumed' AND id < ?2", product_class, before,
					 0, 0);
	if (err == MAYDAY_OK) {
		int rc = sqlite3_step(q);
		if (rc == SQLITE_ROW)
			*at = sqlite3_column_int64(q, 0);
		else
			err = store_sqlite_err(rc);
	}
	sqlite3_finalize(q);
	return err;
}

/* Failed attempts in a row among the class's newest finished after `since`. */
static enum mayday_err failed_run(struct store_sqlite *s, const char *product_class,
				  int64_t since, uint32_t *run)
{
	sqlite3_stmt *q = NULL;
	int rc = SQLITE_DONE;
	*run = 0;
	enum mayday_err err = prep_class(s, &q, "SELECT result = 'failed' FROM remediation_attempts"
					 " WHERE result IN ('failed', 'recovered')"
					 " AND finished_at > ?2 AND" IN_CLASS
					 " ORDER BY finished_at DESC, id DESC", product_class,
					 since, 0, 0);
	while (err == MAYDAY_OK && (rc = sqlite3_step(q)) == SQLITE_ROW &&
	       sqlite3_column_int64(q, 0) != 0 && *run < UINT32_MAX)
		(*run)++;
	sqlite3_finalize(q);
	if (err == MAYDAY_OK && rc != SQLITE_ROW && rc != SQLITE_DONE)
		err = store_sqlite_err(rc);
	return err;
}

enum mayday_err store_sqlite_remed_class_paused(struct store *st, const char *product_class,
					       uint32_t n, int64_t now, bool *paused, bool *newly)
{
	struct store_sqlite *s = store_sqlite_of(st);
	struct class_event ev, again = {0};
	uint32_t run = 0;
	*paused = *newly = false;
	enum mayday_err err = newest_event(s, product_class, &ev);
	if (err != MAYDAY_OK || ev.paused) {
		*paused = err == MAYDAY_OK;
		return err;
	}
	/* not paused: the newest event, if any, is a resume */
	err = failed_run(s, product_class, ev.at, &run);
	if (err != MAYDAY_OK || run < n)
		return err;
	err = store_sqlite_remed_tx(s);
	if (err != MAYDAY_OK)
		return err;
	err = newest_event(s, product_class, &again);
	if (err == MAYDAY_OK && again.id == ev.id) {
		sqlite3_stmt *q = NULL;
		err = prep_class(s, &q, "INSERT INTO remediation_class_events (product_class, at,"
				 " kind, failures) VALUES (?1, ?2, 'paused', ?3)", product_class,
				 now, (int64_t)run, 0);
		if (err == MAYDAY_OK && sqlite3_step(q) != SQLITE_DONE)
			err = store_sqlite_err(sqlite3_errcode(s->db));
		sqlite3_finalize(q);
		*newly = err == MAYDAY_OK;
	}
	/* Someone else recorded an event meanwhile: theirs stands. */
	*paused = err == MAYDAY_OK && (*newly || again.paused);
	err = store_sqlite_remed_tx_end(s, err);
	if (err != MAYDAY_OK)
		*paused = *newly = false;
	return err;
}

enum mayday_err store_sqlite_remed_class_resume(struct store *st, const char *product_class,
					       int64_t now, bool *was_paused)
{
	struct store_sqlite *s = store_sqlite_of(st);
	struct class_event ev = {0};
	sqlite3_stmt *q = NULL;
	*was_paused = false;
	enum mayday_err err = store_sqlite_remed_tx(s);
	if (err != MAYDAY_OK)
		return err;
	err = prep_class(s, &q, "SELECT 1 FROM devices WHERE product_class = ?1 LIMIT 1",
			 product_class, 0, 0, 0);
	if (err == MAYDAY_OK) {
		int rc = sqlite3_step(q);
		if (rc != SQLITE_ROW)
			err = rc == SQLITE_DONE ? MAYDAY_E_NOTFOUND : store_sqlite_err(rc);
	}
	sqlite3_finalize(q);
	q = NULL;
	if (err == MAYDAY_OK)
		err = newest_event(s, product_class, &ev);
	if (err == MAYDAY_OK)
		err = prep_class(s, &q, "INSERT INTO remediation_class_events (product_class, at,"
				 " kind) VALUES (?1, ?2, 'resumed')", product_class, now, 0, 0);
	if (err == MAYDAY_OK && sqlite3_step(q) != SQLITE_DONE)
		err = store_sqlite_err(sqlite3_errcode(s->db));
	sqlite3_finalize(q);
	err = store_sqlite_remed_tx_end(s, err);
	*was_paused = err == MAYDAY_OK && ev.paused;
	return err;
}

enum mayday_err store_sqlite_remed_classes(struct store *st, store_remed_class_cb cb, void *ctx)
{
	struct store_sqlite *s = store_sqlite_of(st);
	struct store_remed_class c;
	sqlite3_stmt *q = NULL;
	int rc;
	/* e: the class's newest event, whose kind says whether it is paused */
	rc = sqlite3_prepare_v2(s->db,
		"SELECT d.product_class, count(*), sum(d.state = 'in_distress'),"
		" sum(d.state = 'remediation_scheduled'), sum(d.state = 'remediation_in_progress'),"
		" sum(d.state = 'installed'), sum(d.state = 'remediation_failed'),"
		" e.kind = 'paused', e.at, e.failures,"
		" (SELECT max(at) FROM remediation_class_events r WHERE r.kind = 'resumed'"
		"  AND r.product_class = d.product_class)"
		" FROM devices d LEFT JOIN remediation_class_events e ON e.id ="
		"  (SELECT max(id) FROM remediation_class_events"
		"   WHERE product_class = d.product_class)"
		" GROUP BY d.product_class ORDER BY d.product_class", -1, &q, NULL);
	if (rc != SQLITE_OK)
		return store_sqlite_err(rc);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		memset(&c, 0, sizeof(c));
		store_sqlite_text(q, 0, c.product_class, sizeof(c.product_class));
		c.devices = (uint32_t)sqlite3_column_int64(q, 1);
		c.in_distress = (uint32_t)sqlite3_column_int64(q, 2);
		c.scheduled = (uint32_t)sqlite3_column_int64(q, 3);
		c.in_progress = (uint32_t)sqlite3_column_int64(q, 4);
		c.installed = (uint32_t)sqlite3_column_int64(q, 5);
		c.failed = (uint32_t)sqlite3_column_int64(q, 6);
		c.paused = sqlite3_column_int64(q, 7) != 0;
		if (c.paused) {
			c.paused_at = sqlite3_column_int64(q, 8);
			c.pause_failures = (uint32_t)sqlite3_column_int64(q, 9);
		}
		c.resumed_at = sqlite3_column_int64(q, 10);
		if (cb(ctx, &c) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	sqlite3_finalize(q);
	return rc == SQLITE_DONE ? MAYDAY_OK : store_sqlite_err(rc);
}

enum mayday_err store_sqlite_remed_class_failures(struct store *st, const char *product_class,
						 store_remed_cb cb, void *ctx)
{
	struct store_sqlite *s = store_sqlite_of(st);
	struct store_remed_attempt a;
	struct class_event ev;
	sqlite3_stmt *q = NULL;
	int64_t since = 0;
	int rc = SQLITE_DONE;
	enum mayday_err err = newest_event(s, product_class, &ev);
	if (err != MAYDAY_OK || !ev.paused)
		return err;
	err = resumed_before(s, product_class, ev.id, &since);
	if (err == MAYDAY_OK)
		err = prep_class(s, &q, STORE_SQLITE_ATTEMPT_COLS "WHERE result = 'failed'"
				 " AND finished_at > ?2 AND finished_at <= ?3 AND" IN_CLASS
				 " ORDER BY finished_at DESC, id DESC LIMIT ?4", product_class,
				 since, ev.at, (int64_t)ev.failures);
	while (err == MAYDAY_OK && (rc = sqlite3_step(q)) == SQLITE_ROW) {
		store_sqlite_remed_row(q, &a);
		if (cb(ctx, &a) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	sqlite3_finalize(q);
	if (err == MAYDAY_OK && rc != SQLITE_DONE)
		err = store_sqlite_err(rc);
	return err;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * PostgreSQL product-class pause (store_remed.h), with the SQLite
 * backend's rule (store_sqlite_remed_class.c): a class's state is its
 * newest row in remediation_class_events ("paused" or "resumed"; none:
 * never paused); while not paused, a run of n failed attempts among its
 * newest finished since the last resume pauses it. The common case, a
 * class not paused and far from n, only reads.
 *
 * Several nodes (issue 15): every write of a class's history (a pause
 * recorded, a resume) takes a transaction-scoped advisory lock of that
 * class (store_pg_remed_class_lock: a fixed key and the hash of its name;
 * another class sharing the hash only waits a little) and then reads the
 * newest event again, in a later statement whose snapshot (READ
 * COMMITTED) holds what the lock's previous holder committed. So nodes
 * seeing the same failures at once record one pause and only one of them
 * is told it did; nodes resuming at once each record a resume, but only
 * the first is told the class was paused; and a pause or resume committed
 * on one node is what every node's next check reads. Under the lock, a
 * class's events are inserted and committed one after the other, so their
 * ids are in commit order and "newest" means the same on every node.
 */
#include <string.h>

#include "store_pg_remed.h"

/* The device IDs of a class ($1); the pause rule and the listings join on it. */
#define CLASS_DEVICES "(SELECT id FROM devices WHERE product_class = $1)"

struct class_event {
	int64_t id, at;
	bool paused;
	uint32_t failures;
};

/* The class's newest event (ev->id 0: none). */
static enum mayday_err newest_event(struct store_pg *p, const char *product_class,
				    struct class_event *ev)
{
	struct store_pg_params q = {0};
	enum mayday_err err;
	memset(ev, 0, sizeof(*ev));
	store_pg_p_text(&q, product_class);
	PGresult *r = store_pg_q(p, "SELECT id, at, kind = 'paused', failures::bigint FROM"
				 " remediation_class_events WHERE product_class = $1"
				 " ORDER BY id DESC LIMIT 1", &q, &err);
	if (r == NULL)
		return err;
	if (PQntuples(r) == 1) {
		ev->id = store_pg_i64(r, 0, 0);
		ev->at = store_pg_i64(r, 0, 1);
		ev->paused = PQgetvalue(r, 0, 2)[0] != 0;   /* binary bool */
		ev->failures = (uint32_t)store_pg_i64(r, 0, 3);
	}
	PQclear(r);
	return MAYDAY_OK;
}

enum mayday_err store_pg_remed_class_lock(struct store_pg *p, const char *product_class)
{
	struct store_pg_params q = {0};
	enum mayday_err err;
	store_pg_p_text(&q, product_class);
	/* 1668047219: "clas" in ASCII, the key space of the classes' locks */
	PQclear(store_pg_q(p, "SELECT pg_advisory_xact_lock(1668047219, hashtext($1))", &q, &err));
	return err;
}

/* Failed attempts in a row among the class's newest finished after
 * `since`: the failed ones newer (finished_at, id) than its newest
 * recovered one, counted by the server. */
static enum mayday_err failed_run(struct store_pg *p, const char *product_class, int64_t since,
				  uint32_t *run)
{
	struct store_pg_params q = {0};
	enum mayday_err err;
	*run = 0;
	store_pg_p_text(&q, product_class);
	store_pg_p_i64(&q, since);
	PGresult *r = store_pg_q(p,
		"SELECT count(*) FROM remediation_attempts a WHERE a.result = 'failed'"
		" AND a.finished_at > $2 AND a.device_id IN " CLASS_DEVICES
		" AND NOT EXISTS (SELECT 1 FROM remediation_attempts b WHERE b.result = 'recovered'"
		"  AND b.finished_at > $2 AND b.device_id IN " CLASS_DEVICES
		"  AND (b.finished_at, b.id) > (a.finished_at, a.id))", &q, &err);
	if (r == NULL)
		return err;
	int64_t n = store_pg_i64(r, 0, 0);
	*run = n > (int64_t)UINT32_MAX ? UINT32_MAX : (uint32_t)n;
	PQclear(r);
	return MAYDAY_OK;
}

enum mayday_err store_pg_remed_class_paused(struct store *st, const char *product_class,
					    uint32_t n, int64_t now, bool *paused, bool *newly)
{
	struct store_pg *p = store_pg_of(st);
	struct class_event ev, again = {0};
	uint32_t run = 0;
	*paused = *newly = false;
	enum mayday_err err = newest_event(p, product_class, &ev);
	if (err != MAYDAY_OK || ev.paused) {
		*paused = err == MAYDAY_OK;
		return err;
	}
	/* not paused: the newest event, if any, is a resume */
	err = failed_run(p, product_class, ev.at, &run);
	if (err != MAYDAY_OK || run < n)
		return err;
	if ((err = store_pg_tx(p)) != MAYDAY_OK)
		return err;
	err = store_pg_remed_class_lock(p, product_class);
	if (err == MAYDAY_OK)
		err = newest_event(p, product_class, &again);
	if (err == MAYDAY_OK && again.id == ev.id) {
		struct store_pg_params q = {0};
		store_pg_p_text(&q, product_class);
		store_pg_p_i64(&q, now);
		store_pg_p_i64(&q, run);
		PQclear(store_pg_q(p, "INSERT INTO remediation_class_events (product_class, at, kind,"
				   " failures) VALUES ($1, $2, 'paused', $3)", &q, &err));
		*newly = err == MAYDAY_OK;
	}
	/* Another node recorded an event meanwhile: theirs stands. */
	*paused = err == MAYDAY_OK && (*newly || again.paused);
	err = store_pg_tx_end(p, err);
	if (err != MAYDAY_OK)
		*paused = *newly = false;
	return err;
}

enum mayday_err store_pg_remed_class_resume(struct store *st, const char *product_class,
					    int64_t now, bool *was_paused)
{
	struct store_pg *p = store_pg_of(st);
	struct store_pg_params q = {0};
	struct class_event ev = {0};
	*was_paused = false;
	enum mayday_err err = store_pg_tx(p);
	if (err != MAYDAY_OK)
		return err;
	err = store_pg_remed_class_lock(p, product_class);
	store_pg_p_text(&q, product_class);
	if (err == MAYDAY_OK) {
		PGresult *r = store_pg_q(p, "SELECT 1 FROM devices WHERE product_class = $1 LIMIT 1",
					 &q, &err);
		if (r != NULL && PQntuples(r) == 0)
			err = MAYDAY_E_NOTFOUND;
		PQclear(r);
	}
	if (err == MAYDAY_OK)
		err = newest_event(p, product_class, &ev);
	if (err == MAYDAY_OK) {
		store_pg_p_i64(&q, now);
		PQclear(store_pg_q(p, "INSERT INTO remediation_class_events (product_class, at, kind)"
				   " VALUES ($1, $2, 'resumed')", &q, &err));
	}
	err = store_pg_tx_end(p, err);
	*was_paused = err == MAYDAY_OK && ev.paused;
	return err;
}

enum mayday_err store_pg_remed_classes(struct store *st, store_remed_class_cb cb, void *ctx)
{
	struct store_pg *p = store_pg_of(st);
	struct store_pg_params q = {0};
	struct store_remed_class c;
	enum mayday_err err;
	/* e: the class's newest event, whose kind says whether it is paused */
	PGresult *r = store_pg_q(p,
		"SELECT d.product_class, count(*), count(*) FILTER (WHERE d.state = 'in_distress'),"
		" count(*) FILTER (WHERE d.state = 'remediation_scheduled'),"
		" count(*) FILTER (WHERE d.state = 'remediation_in_progress'),"
		" count(*) FILTER (WHERE d.state = 'installed'),"
		" count(*) FILTER (WHERE d.state = 'remediation_failed'),"
		" coalesce(e.kind = 'paused', false), e.at, e.failures::bigint,"
		" (SELECT max(at) FROM remediation_class_events r WHERE r.kind = 'resumed'"
		"  AND r.product_class = d.product_class)"
		" FROM devices d LEFT JOIN remediation_class_events e ON e.id ="
		"  (SELECT max(id) FROM remediation_class_events"
		"   WHERE product_class = d.product_class)"
		" GROUP BY d.product_class, e.kind, e.at, e.failures"
		" ORDER BY d.product_class COLLATE \"C\"", &q, &err);
	if (r == NULL)
		return err;
	for (int i = 0; i < PQntuples(r); i++) {
		memset(&c, 0, sizeof(c));
		store_pg_text(r, i, 0, c.product_class, sizeof(c.product_class));
		c.devices = (uint32_t)store_pg_i64(r, i, 1);
		c.in_distress = (uint32_t)store_pg_i64(r, i, 2);
		c.scheduled = (uint32_t)store_pg_i64(r, i, 3);
		c.in_progress = (uint32_t)store_pg_i64(r, i, 4);
		c.installed = (uint32_t)store_pg_i64(r, i, 5);
		c.failed = (uint32_t)store_pg_i64(r, i, 6);
		c.paused = PQgetvalue(r, i, 7)[0] != 0;
		if (c.paused) {
			c.paused_at = store_pg_i64(r, i, 8);
			c.pause_failures = (uint32_t)store_pg_i64(r, i, 9);
		}
		c.resumed_at = store_pg_i64(r, i, 10);
		if (cb(ctx, &c) != 0)
			break;
	}
	PQclear(r);
	return MAYDAY_OK;
}

enum mayday_err store_pg_remed_class_failures(struct store *st, const char *product_class,
					      store_remed_cb cb, void *ctx)
{
	struct store_pg *p = store_pg_of(st);
	struct store_pg_params q = {0};
	struct class_event ev;
	enum mayday_err err = newest_event(p, product_class, &ev);
	if (err != MAYDAY_OK || !ev.paused)
		return err;
	/* Since the resume before the pause (0: never resumed), up to it. */
	store_pg_p_text(&q, product_class);
	store_pg_p_i64(&q, ev.id);
	store_pg_p_i64(&q, ev.at);
	store_pg_p_i64(&q, ev.failures);
	return store_pg_remed_each(p, STORE_PG_ATTEMPT_COLS "WHERE result = 'failed'"
				   " AND finished_at > (SELECT coalesce(max(at), 0)"
				   "  FROM remediation_class_events WHERE product_class = $1"
				   "  AND kind = 'resumed' AND id < $2)"
				   " AND finished_at <= $3 AND device_id IN " CLASS_DEVICES
				   " ORDER BY finished_at DESC, id DESC LIMIT $4", &q, cb, ctx);
}

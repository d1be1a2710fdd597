/* SPDX-License-Identifier: Apache-2.0 */
/* Store ingest: new, duplicate, conflict, trust separation, incidents,
 * batches and rollback; the counter rule (protocol.md §6.1) and its
 * migration. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include <sqlite3.h>

#include "store_sqlite.h"   /* STORE_SQLITE_SCHEMA_VERSION */
#include "test_store_fixture.h"

struct t {
	struct fx fx;
	EVP_PKEY *key;
};

static int setup(void **state)
{
	static struct t t;
	char pem[1024];
	fx_open(&t.fx);
	t.key = fx_key(pem, sizeof(pem));
	assert_int_equal(store_enrol(t.fx.st, "hnb-1", "femto-a", pem), MAYDAY_OK);
	*state = &t;
	return 0;
}

static int teardown(void **state)
{
	struct t *t = *state;
	EVP_PKEY_free(t->key);
	fx_close(&t->fx);
	return 0;
}

static struct store_counts counts(struct store *st)
{
	struct store_counts c;
	assert_int_equal(store_count(st, &c), MAYDAY_OK);
	return c;
}

static void test_signed_opens_incident(void **state)
{
	struct t *t = *state;
	uint8_t raw[MAYDAY_INDICATION_MAX];
	struct mayday_indication ind;
	struct store_ingest_rec rec;
	fx_indication(&ind, "hnb-1", 1);
	fx_rec(&rec, &ind, STORE_TRUST_SIGNED, raw, sizeof(raw));
	assert_int_equal(fx_put1(t->fx.st, &rec), MAYDAY_OK);
	assert_int_equal(rec.outcome, STORE_NEW);
	assert_true(rec.indication_id > 0);
	assert_true(rec.incident_id > 0);

	struct store_counts c = counts(t->fx.st);
	assert_int_equal(c.indications_signed, 1);
	assert_int_equal(c.failed_components, 1);
	assert_int_equal(c.incidents, 1);
	assert_int_equal(c.incident_events, 2);   /* opened (healthy -> in_distress) + indication */
	struct store_device_row d;
	assert_int_equal(store_get_device(t->fx.st, "hnb-1", &d), MAYDAY_OK);
	assert_string_equal(d.state, "in_distress");

	/* A second, different report joins the same incident. */
	int64_t incident = rec.incident_id;
	fx_indication(&ind, "hnb-1", 2);
	fx_rec(&rec, &ind, STORE_TRUST_SIGNED, raw, sizeof(raw));
	assert_int_equal(fx_put1(t->fx.st, &rec), MAYDAY_OK);
	assert_int_equal(rec.outcome, STORE_NEW);
	assert_int_equal(rec.incident_id, incident);
	c = counts(t->fx.st);
	assert_int_equal(c.incidents, 1);
	assert_int_equal(c.incident_events, 3);
}

static void test_duplicate_and_conflict(void **state)
{
	struct t *t = *state;
	uint8_t raw[MAYDAY_INDICATION_MAX];
	struct mayday_indication ind;
	struct store_ingest_rec rec, again;
	fx_indication(&ind, "hnb-1", 5);
	fx_rec(&rec, &ind, STORE_TRUST_SIGNED, raw, sizeof(raw));
	assert_int_equal(fx_put1(t->fx.st, &rec), MAYDAY_OK);
	struct store_counts before = counts(t->fx.st);

	/* Identical claims: the original's ids, nothing written. */
	fx_rec(&again, &ind, STORE_TRUST_SIGNED, raw, sizeof(raw));
	assert_int_equal(fx_put1(t->fx.st, &again), MAYDAY_OK);
	assert_int_equal(again.outcome, STORE_DUPLICATE);
	assert_int_equal(again.indication_id, rec.indication_id);
	assert_int_equal(again.incident_id, rec.incident_id);
	struct store_counts after = counts(t->fx.st);
	assert_memory_equal(&before, &after, sizeof(before));

	/* Same (device, counter), other claims: a replay conflict, nothing written. */
	ind.time += 60;
	fx_rec(&again, &ind, STORE_TRUST_SIGNED, raw, sizeof(raw));
	assert_int_equal(fx_put1(t->fx.st, &again), MAYDAY_OK);
	assert_int_equal(again.outcome, STORE_CONFLICT);
	assert_int_equal(again.indication_id, 0);
	assert_int_equal(again.incident_id, 0);
	after = counts(t->fx.st);
	assert_memory_equal(&before, &after, sizeof(before));
}

static void test_unverified_never_touches_device(void **state)
{
	struct t *t = *state;
	uint8_t raw[MAYDAY_INDICATION_MAX], raw2[MAYDAY_INDICATION_MAX];
	struct mayday_indication ind, forged;
	struct store_ingest_rec rec;
	struct store_device_row d;

	/* A forgery for an enrolled, healthy device: recorded, device untouched. */
	fx_indication(&forged, "hnb-1", 9);
	fx_rec(&rec, &forged, STORE_TRUST_UNVERIFIED, raw, sizeof(raw));
	assert_int_equal(fx_put1(t->fx.st, &rec), MAYDAY_OK);
	assert_int_equal(rec.outcome, STORE_NEW);
	assert_int_equal(rec.incident_id, 0);
	assert_int_equal(store_get_device(t->fx.st, "hnb-1", &d), MAYDAY_OK);
	assert_string_equal(d.state, "healthy");
	assert_false(d.has_reason);
	assert_int_equal(d.n_unverified, 1);
	struct store_counts c = counts(t->fx.st);
	assert_int_equal(c.incidents, 0);
	assert_int_equal(c.incident_events, 0);

	/* The forger took counter 9 first; the authentic report still gets it. */
	fx_indication(&ind, "hnb-1", 9);
	ind.time += 1;
	fx_rec(&rec, &ind, STORE_TRUST_SIGNED, raw2, sizeof(raw2));
	assert_int_equal(fx_put1(t->fx.st, &rec), MAYDAY_OK);
	assert_int_equal(rec.outcome, STORE_NEW);
	assert_true(rec.incident_id > 0);
	assert_int_equal(store_get_device(t->fx.st, "hnb-1", &d), MAYDAY_OK);
	assert_string_equal(d.state, "in_distress");
	assert_int_equal(d.n_signed, 1);

	/* Later forgeries change nothing of the device's state or incident. */
	int64_t since = d.state_since;
	fx_indication(&forged, "hnb-1", 10);
	fx_rec(&rec, &forged, STORE_TRUST_UNVERIFIED, raw, sizeof(raw));
	struct store_counts before = counts(t->fx.st);
	assert_int_equal(fx_put1(t->fx.st, &rec), MAYDAY_OK);
	c = counts(t->fx.st);
	assert_int_equal(c.incidents, before.incidents);
	assert_int_equal(c.incident_events, before.incident_events);
	assert_int_equal(c.indications_signed, before.indications_signed);
	assert_int_equal(c.indications_unverified, before.indications_unverified + 1);
	assert_int_equal(store_get_device(t->fx.st, "hnb-1", &d), MAYDAY_OK);
	assert_int_equal(d.state_since, since);

	/* Unknown devices are recorded unverified too; a signed row for one is refused. */
	fx_indication(&forged, "never-enrolled", 1);
	fx_rec(&rec, &forged, STORE_TRUST_UNVERIFIED, raw, sizeof(raw));
	assert_int_equal(fx_put1(t->fx.st, &rec), MAYDAY_OK);
	assert_int_equal(rec.outcome, STORE_NEW);
	fx_rec(&rec, &forged, STORE_TRUST_SIGNED, raw, sizeof(raw));
	assert_int_equal(fx_put1(t->fx.st, &rec), MAYDAY_E_INVALID);
}

static void test_batch_rollback_and_dups_in_batch(void **state)
{
	struct t *t = *state;
	uint8_t raw[3][MAYDAY_INDICATION_MAX];
	struct mayday_indication ind[3];
	struct store_ingest_rec rec[3];
	struct store_counts before = counts(t->fx.st);

	for (int i = 0; i < 3; i++)
		fx_indication(&ind[i], "hnb-1", 20 + (uint64_t)i);
	for (int i = 0; i < 3; i++)
		fx_rec(&rec[i], &ind[i], STORE_TRUST_SIGNED, raw[i], sizeof(raw[i]));
	assert_int_equal(store_ingest_begin(t->fx.st), MAYDAY_OK);
	assert_int_equal(store_ingest_begin(t->fx.st), MAYDAY_E_INVALID);
	for (int i = 0; i < 3; i++)
		assert_int_equal(store_ingest_put(t->fx.st, &rec[i]), MAYDAY_OK);
	store_ingest_rollback(t->fx.st);
	struct store_counts after = counts(t->fx.st);
	assert_memory_equal(&before, &after, sizeof(before));

	/* The same record twice in one batch: the second is a duplicate. */
	struct store_ingest_rec twin;
	fx_rec(&twin, &ind[0], STORE_TRUST_SIGNED, raw[0], sizeof(raw[0]));
	assert_int_equal(store_ingest_begin(t->fx.st), MAYDAY_OK);
	assert_int_equal(store_ingest_put(t->fx.st, &rec[0]), MAYDAY_OK);
	assert_int_equal(store_ingest_put(t->fx.st, &twin), MAYDAY_OK);
	assert_int_equal(store_ingest_commit(t->fx.st), MAYDAY_OK);
	assert_int_equal(rec[0].outcome, STORE_NEW);
	assert_int_equal(twin.outcome, STORE_DUPLICATE);
	assert_int_equal(twin.indication_id, rec[0].indication_id);
	after = counts(t->fx.st);
	assert_int_equal(after.indications, before.indications + 1);

	/* Puts outside a batch and bad records are refused. */
	assert_int_equal(store_ingest_put(t->fx.st, &rec[1]), MAYDAY_E_INVALID);
	assert_int_equal(store_ingest_commit(t->fx.st), MAYDAY_E_INVALID);
	rec[1].raw_len = 0;
	assert_int_equal(fx_put1(t->fx.st, &rec[1]), MAYDAY_E_INVALID);
	ind[2].evidence.n_failed = MAYDAY_MAX_COMPONENTS + 1;
	assert_int_equal(fx_put1(t->fx.st, &rec[2]), MAYDAY_E_INVALID);
}

static sqlite3 *raw_db(struct fx *fx)
{
	sqlite3 *db = NULL;
	char path[400];
	snprintf(path, sizeof(path), "%s/hems.db", fx->dir);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	return db;
}

/* The device's high-water mark as stored (-1: none). */
static long long mark_of(struct fx *fx, const char *id)
{
	char sql[200];
	snprintf(sql, sizeof(sql), "SELECT coalesce(signed_counter, -1) FROM devices WHERE id = '%s'",
		 id);
	return fx_sql_scalar(fx, sql);
}

static void exec_raw(struct fx *fx, const char *sql)
{
	fx_sql_exec(fx, sql);
}

/* Everything a refused record must leave as it was. */
struct snap {
	struct store_counts c;
	char state[STORE_STATE_NAME_MAX + 1];
	int64_t since;
	long long mark;
};

static struct snap snap_of(struct t *t)
{
	struct snap n;
	struct store_device_row d;
	memset(&n, 0, sizeof(n));
	n.c = counts(t->fx.st);
	assert_int_equal(store_get_device(t->fx.st, "hnb-1", &d), MAYDAY_OK);
	snprintf(n.state, sizeof(n.state), "%s", d.state);
	n.since = d.state_since;
	n.mark = mark_of(&t->fx, "hnb-1");
	return n;
}

static void same_snap(const struct snap *a, const struct snap *b)
{
	assert_memory_equal(&a->c, &b->c, sizeof(a->c));
	assert_string_equal(a->state, b->state);
	assert_int_equal(a->since, b->since);
	assert_int_equal(a->mark, b->mark);
}

static void put_signed(struct t *t, struct mayday_indication *ind, uint64_t counter,
		       uint64_t time_add, struct store_ingest_rec *rec, uint8_t *raw)
{
	fx_indication(ind, "hnb-1", counter);
	ind->time += time_add;
	fx_rec(rec, ind, STORE_TRUST_SIGNED, raw, MAYDAY_INDICATION_MAX);
	assert_int_equal(fx_put1(t->fx.st, rec), MAYDAY_OK);
}

/* Below the mark: refused with nothing changed, even for a device that
 * recovered meanwhile; an identical retransmission keeps its answer. */
static void test_counter_rule(void **state)
{
	struct t *t = *state;
	uint8_t raw[MAYDAY_INDICATION_MAX];
	struct mayday_indication ind, captured;
	struct store_ingest_rec rec, first;
	uint8_t cap_raw[MAYDAY_INDICATION_MAX];

	assert_int_equal(mark_of(&t->fx, "hnb-1"), -1);
	/* Counter 9 is signed by the device but never reaches the store (captured). */
	fx_indication(&captured, "hnb-1", 9);
	put_signed(t, &ind, 10, 0, &first, raw);
	assert_int_equal(first.outcome, STORE_NEW);
	assert_int_equal(mark_of(&t->fx, "hnb-1"), 10);

	/* The device recovers: its incident closes, it is healthy again. */
	exec_raw(&t->fx, "UPDATE incidents SET closed_at = 1, state = 'recovered';"
		 " UPDATE devices SET state = 'healthy', state_since = 2 WHERE id = 'hnb-1'");
	struct snap before = snap_of(t);

	/* The captured counter 9, replayed: stale, nothing stored, still healthy. */
	fx_rec(&rec, &captured, STORE_TRUST_SIGNED, cap_raw, sizeof(cap_raw));
	assert_int_equal(fx_put1(t->fx.st, &rec), MAYDAY_OK);
	assert_int_equal(rec.outcome, STORE_STALE);
	assert_int_equal(rec.indication_id, 0);
	assert_int_equal(rec.incident_id, 0);
	assert_int_equal(rec.high, 10);
	struct snap after = snap_of(t);
	same_snap(&before, &after);
	assert_string_equal(after.state, "healthy");

	/* Counter 1, and counter 10 with other claims: refused the same way. */
	put_signed(t, &ind, 1, 0, &rec, raw);
	assert_int_equal(rec.outcome, STORE_STALE);
	put_signed(t, &ind, 10, 60, &rec, raw);
	assert_int_equal(rec.outcome, STORE_CONFLICT);
	assert_int_equal(rec.high, 10);
	after = snap_of(t);
	same_snap(&before, &after);

	/* The identical retransmission of the row at the mark: its answer again. */
	put_signed(t, &ind, 10, 0, &rec, raw);
	assert_int_equal(rec.outcome, STORE_DUPLICATE);
	assert_int_equal(rec.indication_id, first.indication_id);
	assert_int_equal(rec.incident_id, first.incident_id);
	after = snap_of(t);
	same_snap(&before, &after);

	/* Above the mark: a new report, a new incident; the twin of the older
	 * row at 10 still gets its own answer (its closed incident), with a
	 * mark above it (the writer takes no remediation decision for it) and
	 * nothing changed. */
	put_signed(t, &ind, 11, 0, &rec, raw);
	assert_int_equal(rec.outcome, STORE_NEW);
	assert_true(rec.incident_id > first.incident_id);
	assert_int_equal(mark_of(&t->fx, "hnb-1"), 11);
	before = snap_of(t);
	assert_string_equal(before.state, "in_distress");
	put_signed(t, &ind, 10, 0, &rec, raw);
	assert_int_equal(rec.outcome, STORE_DUPLICATE);
	assert_int_equal(rec.indication_id, first.indication_id);
	assert_int_equal(rec.incident_id, first.incident_id);
	assert_int_equal(rec.high, 11);
	after = snap_of(t);
	same_snap(&before, &after);

	/* Counters compare unsigned: 2^63 + 1 is above 11, 2^62 below it. */
	put_signed(t, &ind, (UINT64_C(1) << 63) + 1, 0, &rec, raw);
	assert_int_equal(rec.outcome, STORE_NEW);
	put_signed(t, &ind, UINT64_C(1) << 62, 0, &rec, raw);
	assert_int_equal(rec.outcome, STORE_STALE);
	assert_true(rec.high == (UINT64_C(1) << 63) + 1);
}

/* Several indications of one device in one batch: each is judged against
 * the mark its predecessors left; a rolled back batch leaves the mark. */
static void test_counter_rule_in_batch(void **state)
{
	struct t *t = *state;
	static const uint64_t order[] = {30, 28, 31, 29, 31, 32, 33};
	static const enum store_outcome want[] = {STORE_NEW, STORE_STALE, STORE_NEW, STORE_STALE,
						  STORE_DUPLICATE, STORE_NEW, STORE_NEW};
	enum { N = sizeof(order) / sizeof(order[0]) };
	static uint8_t raw[N][MAYDAY_INDICATION_MAX];
	struct mayday_indication ind[N];
	struct store_ingest_rec rec[N];
	struct store_counts before = counts(t->fx.st);

	for (size_t i = 0; i < N; i++) {
		fx_indication(&ind[i], "hnb-1", order[i]);
		fx_rec(&rec[i], &ind[i], STORE_TRUST_SIGNED, raw[i], sizeof(raw[i]));
	}
	/* Rolled back: nothing of it counts, the mark included. */
	assert_int_equal(store_ingest_begin(t->fx.st), MAYDAY_OK);
	for (size_t i = 0; i < N; i++)
		assert_int_equal(store_ingest_put(t->fx.st, &rec[i]), MAYDAY_OK);
	store_ingest_rollback(t->fx.st);
	assert_int_equal(mark_of(&t->fx, "hnb-1"), -1);

	assert_int_equal(store_ingest_begin(t->fx.st), MAYDAY_OK);
	for (size_t i = 0; i < N; i++)
		assert_int_equal(store_ingest_put(t->fx.st, &rec[i]), MAYDAY_OK);
	assert_int_equal(store_ingest_commit(t->fx.st), MAYDAY_OK);
	for (size_t i = 0; i < N; i++)
		assert_int_equal(rec[i].outcome, want[i]);
	assert_int_equal(rec[4].indication_id, rec[2].indication_id);
	struct store_counts after = counts(t->fx.st);
	assert_int_equal(after.indications_signed, before.indications_signed + 4);
	assert_int_equal(after.incidents, 1);
	assert_int_equal(after.incident_events, 1 + 4);   /* opened + one per new row */
	assert_int_equal(mark_of(&t->fx, "hnb-1"), 33);
}

/* Unverified rows are evidence: neither refused by the mark nor moving it. */
static void test_unverified_and_the_mark(void **state)
{
	struct t *t = *state;
	uint8_t raw[MAYDAY_INDICATION_MAX];
	struct mayday_indication ind;
	struct store_ingest_rec rec;

	fx_indication(&ind, "hnb-1", 1000);
	fx_rec(&rec, &ind, STORE_TRUST_UNVERIFIED, raw, sizeof(raw));
	assert_int_equal(fx_put1(t->fx.st, &rec), MAYDAY_OK);
	assert_int_equal(rec.outcome, STORE_NEW);
	assert_int_equal(mark_of(&t->fx, "hnb-1"), -1);

	put_signed(t, &ind, 5, 0, &rec, raw);
	assert_int_equal(rec.outcome, STORE_NEW);
	assert_int_equal(mark_of(&t->fx, "hnb-1"), 5);

	fx_indication(&ind, "hnb-1", 3);
	fx_rec(&rec, &ind, STORE_TRUST_UNVERIFIED, raw, sizeof(raw));
	assert_int_equal(fx_put1(t->fx.st, &rec), MAYDAY_OK);
	assert_int_equal(rec.outcome, STORE_NEW);
	fx_indication(&ind, "hnb-1", 2000);
	fx_rec(&rec, &ind, STORE_TRUST_UNVERIFIED, raw, sizeof(raw));
	assert_int_equal(fx_put1(t->fx.st, &rec), MAYDAY_OK);
	assert_int_equal(mark_of(&t->fx, "hnb-1"), 5);
	put_signed(t, &ind, 6, 0, &rec, raw);
	assert_int_equal(rec.outcome, STORE_NEW);
}

/* A version 4 store (signed rows, no mark) gets its marks from its rows,
 * the largest counter taken as unsigned; unverified rows do not count. */
static int version_row(void *ctx, const struct store_indication_row *r)
{
	unsigned *by_counter = ctx;
	if (r->counter < 4)
		by_counter[r->counter] = r->msg_version;
	return 0;
}

/* Both message versions are stored side by side, each row recording the
 * one it came in; the device shows its latest; a counter taken by one
 * version is a conflict for the other (other payload bytes). */
static void test_message_versions(void **state)
{
	struct t *t = *state;
	uint8_t raw[MAYDAY_INDICATION_MAX];
	struct mayday_indication ind;
	struct store_ingest_rec rec;
	struct store_device_row d;
	unsigned got[4] = {0};

	put_signed(t, &ind, 1, 0, &rec, raw);
	assert_int_equal(rec.outcome, STORE_NEW);
	assert_int_equal(store_get_device(t->fx.st, "hnb-1", &d), MAYDAY_OK);
	assert_int_equal(d.last_msg_version, 1);
	fx_indication(&ind, "hnb-1", 2);
	ind.claims = MAYDAY_CLAIMS_EAT;
	fx_rec(&rec, &ind, STORE_TRUST_SIGNED, raw, sizeof(raw));
	assert_int_equal(fx_put1(t->fx.st, &rec), MAYDAY_OK);
	assert_int_equal(rec.outcome, STORE_NEW);
	assert_int_equal(store_get_device(t->fx.st, "hnb-1", &d), MAYDAY_OK);
	assert_int_equal(d.last_msg_version, 2);
	assert_int_equal(counts(t->fx.st).indications_v2, 1);

	/* counter 2 again, as version 1: other claims bytes under a stored counter */
	fx_indication(&ind, "hnb-1", 2);
	fx_rec(&rec, &ind, STORE_TRUST_SIGNED, raw, sizeof(raw));
	assert_int_equal(fx_put1(t->fx.st, &rec), MAYDAY_OK);
	assert_int_not_equal(rec.outcome, STORE_NEW);
	assert_int_equal(counts(t->fx.st).indications_v2, 1);

	assert_int_equal(store_list_indications(t->fx.st, "hnb-1", version_row, got), MAYDAY_OK);
	assert_int_equal(got[1], 1);
	assert_int_equal(got[2], 2);
}

static void test_migrate_v5(void **state)
{
	FX_SQLITE_ONLY();
	struct t *t = *state;
	uint8_t raw[MAYDAY_INDICATION_MAX];
	struct mayday_indication ind;
	struct store_ingest_rec rec;
	char pem[1024];
	EVP_PKEY *k2 = fx_key(pem, sizeof(pem));
	assert_int_equal(store_enrol(t->fx.st, "hnb-2", "femto-a", pem), MAYDAY_OK);
	assert_int_equal(store_enrol(t->fx.st, "hnb-3", "femto-a", pem), MAYDAY_OK);
	put_signed(t, &ind, 7, 0, &rec, raw);
	put_signed(t, &ind, (UINT64_C(1) << 63) + 5, 0, &rec, raw);
	fx_indication(&ind, "hnb-2", 4);
	fx_rec(&rec, &ind, STORE_TRUST_SIGNED, raw, sizeof(raw));
	assert_int_equal(fx_put1(t->fx.st, &rec), MAYDAY_OK);
	fx_indication(&ind, "hnb-2", 90);
	fx_rec(&rec, &ind, STORE_TRUST_UNVERIFIED, raw, sizeof(raw));
	assert_int_equal(fx_put1(t->fx.st, &rec), MAYDAY_OK);
	store_close(t->fx.st);
	t->fx.st = NULL;
	exec_raw(&t->fx, FX_DROP_V12 "ALTER TABLE devices DROP COLUMN signed_counter;"
		 " DROP INDEX devices_silence;"
		 " DROP INDEX devices_class_silence;"
		 " ALTER TABLE devices DROP COLUMN last_seen;"
		 /* and version 8's ACS tables (store_acs.h) */
		 " DROP TABLE cwmp_credentials; DROP TABLE acs_decisions; DROP TABLE cwmp_connreq;"
		 /* and version 10's outbox (store_events.h) */
		 " DROP TRIGGER IF EXISTS events_of_incident; DROP TRIGGER IF EXISTS events_of_class; DROP TRIGGER IF EXISTS events_of_attempt; DROP TABLE events; DROP TABLE event_cursors;"
		 " DROP INDEX indications_fleet; DROP TABLE fleet_anomalies;"
		 " ALTER TABLE indications DROP COLUMN msg_version;"
		 " UPDATE schema_version SET version = 5;");

	assert_int_equal(store_open(&t->fx.st, t->fx.spec), MAYDAY_OK);
	sqlite3 *db = raw_db(&t->fx);
	assert_int_equal(fx_scalar(db, "SELECT max(version) FROM schema_version"),
			 STORE_SQLITE_SCHEMA_VERSION);
	/* version 9: every older row was a version 1 message */
	assert_int_equal(fx_scalar(db, "SELECT count(*) FROM indications WHERE msg_version != 1"),
			 0);
	assert_true(fx_scalar(db, "SELECT count(*) FROM indications") > 0);
	sqlite3_close(db);
	assert_int_equal(mark_of(&t->fx, "hnb-1"), (long long)((UINT64_C(1) << 63) + 5));
	assert_int_equal(mark_of(&t->fx, "hnb-2"), 4);
	assert_int_equal(mark_of(&t->fx, "hnb-3"), -1);
	put_signed(t, &ind, 8, 0, &rec, raw);
	assert_int_equal(rec.outcome, STORE_STALE);
	EVP_PKEY_free(k2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_signed_opens_incident, setup, teardown),
		cmocka_unit_test_setup_teardown(test_duplicate_and_conflict, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unverified_never_touches_device, setup, teardown),
		cmocka_unit_test_setup_teardown(test_batch_rollback_and_dups_in_batch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_counter_rule, setup, teardown),
		cmocka_unit_test_setup_teardown(test_counter_rule_in_batch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unverified_and_the_mark, setup, teardown),
		cmocka_unit_test_setup_teardown(test_message_versions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_migrate_v5, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

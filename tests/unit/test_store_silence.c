/* SPDX-License-Identifier: Apache-2.0 */
/* Silence (store_silence.h) on a real temporary store, with times passed
 * in: last_seen set by authenticated contact only, the sweep per class,
 * its idempotence and bound, the way back by Inform and by distress, the
 * history it writes, the state counts, and the migration of a version 4
 * store. Enrolment stamps the real clock, so times are relative to T0, the
 * clock at setup. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>
#include <sqlite3.h>

#include "store_remed.h"
#include "store_silence.h"
#include "test_store_fixture.h"

static int64_t T0;

static int setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));
	char pem[1024];
	assert_non_null(fx);
	fx_open(fx);
	EVP_PKEY *k = fx_key(pem, sizeof(pem));
	EVP_PKEY_free(k);
	T0 = (int64_t)time(NULL);
	assert_int_equal(store_enrol(fx->st, "hnb-1", "femto-a", pem), MAYDAY_OK);
	assert_int_equal(store_enrol(fx->st, "hnb-2", "femto-a", pem), MAYDAY_OK);
	assert_int_equal(store_enrol(fx->st, "hnb-3", "femto-b", pem), MAYDAY_OK);
	assert_int_equal(store_enrol(fx->st, "hnb-4", "femto-a", pem), MAYDAY_OK);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	fx_close(*state);
	free(*state);
	return 0;
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

static long long scalar(struct fx *fx, const char *fmt, ...)
{
	char sql[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(sql, sizeof(sql), fmt, ap);
	va_end(ap);
	return fx_sql_scalar(fx, sql);
}

/* A distress indication of `id` received at `at`; returns the record. */
static struct store_ingest_rec distress(struct fx *fx, const char *id, uint64_t counter,
					enum store_trust trust, int64_t at)
{
	static struct mayday_indication ind;
	static uint8_t raw[4096];
	struct store_ingest_rec rec;
	fx_indication(&ind, id, counter);
	fx_rec(&rec, &ind, trust, raw, sizeof(raw));
	rec.received_at = at;
	assert_int_equal(fx_put1(fx->st, &rec), MAYDAY_OK);
	return rec;
}

static struct store_device_row device(struct fx *fx, const char *id)
{
	struct store_device_row d;
	assert_int_equal(store_get_device(fx->st, id, &d), MAYDAY_OK);
	return d;
}

/* default 100 s; femto-b 1000 s */
static struct store_silence_rules rules(void)
{
	struct store_silence_rules r = {.default_s = 100, .n_classes = 1};
	r.classes[0].product_class = "femto-b";
	r.classes[0].interval_s = 1000;
	return r;
}

static size_t sweep(struct fx *fx, int64_t now, struct store_silent_row *rows, size_t cap)
{
	struct store_silence_rules r = rules();
	size_t n = 99;
	assert_int_equal(store_silence_sweep(fx->st, &r, now, rows, cap, &n), MAYDAY_OK);
	return n;
}

static const struct store_silent_row *row_of(const struct store_silent_row *rows, size_t n,
					      const char *id)
{
	for (size_t i = 0; i < n; i++) {
		if (strcmp(rows[i].device_id, id) == 0)
			return &rows[i];
	}
	return NULL;
}

static void test_last_seen_signed_only(void **state)
{
	struct fx *fx = *state;
	struct store_seen_out o;
	assert_int_equal(device(fx, "hnb-1").last_seen, 0);   /* never heard from */

	/* An unverified indication naming the device is not contact. */
	distress(fx, "hnb-1", 1, STORE_TRUST_UNVERIFIED, T0 + 100);
	assert_int_equal(device(fx, "hnb-1").last_seen, 0);

	struct store_ingest_rec rec = distress(fx, "hnb-1", 2, STORE_TRUST_SIGNED, T0 + 200);
	assert_false(rec.back_from_silence);
	assert_int_equal(device(fx, "hnb-1").last_seen, T0 + 200);

	/* A retransmission is no contact: anyone may replay it. */
	rec = distress(fx, "hnb-1", 2, STORE_TRUST_SIGNED, T0 + 300);
	assert_int_equal(rec.outcome, STORE_DUPLICATE);
	assert_int_equal(device(fx, "hnb-1").last_seen, T0 + 200);

	/* An Inform; an older time never moves last_seen back. */
	assert_int_equal(store_seen(fx->st, "hnb-1", T0 + 400, &o), MAYDAY_OK);
	assert_false(o.back);
	assert_string_equal(o.state, "in_distress");
	assert_int_equal(device(fx, "hnb-1").last_seen, T0 + 400);
	assert_int_equal(store_seen(fx->st, "hnb-1", T0 + 150, NULL), MAYDAY_OK);
	assert_int_equal(device(fx, "hnb-1").last_seen, T0 + 400);

	/* A new signed indication received at an older time (same UPDATE as
	 * the counter mark): the mark moves, last_seen does not go back. */
	rec = distress(fx, "hnb-1", 3, STORE_TRUST_SIGNED, T0 + 350);
	assert_int_equal(rec.outcome, STORE_NEW);
	assert_int_equal(device(fx, "hnb-1").last_seen, T0 + 400);
	rec = distress(fx, "hnb-1", 3, STORE_TRUST_SIGNED, T0 + 360);
	assert_int_equal(rec.outcome, STORE_DUPLICATE);
	assert_int_equal(rec.high, 3);
	rec = distress(fx, "hnb-1", 4, STORE_TRUST_SIGNED, T0 + 400);   /* same second */
	assert_int_equal(rec.outcome, STORE_NEW);
	assert_int_equal(device(fx, "hnb-1").last_seen, T0 + 400);
	rec = distress(fx, "hnb-1", 5, STORE_TRUST_SIGNED, T0 + 500);
	assert_int_equal(rec.outcome, STORE_NEW);
	assert_int_equal(device(fx, "hnb-1").last_seen, T0 + 500);

	assert_int_equal(store_seen(fx->st, "nobody", T0, &o), MAYDAY_E_NOTFOUND);
	assert_int_equal(store_seen(fx->st, "bad id", T0, &o), MAYDAY_E_NOTFOUND);
	/* not inside an ingest batch */
	assert_int_equal(store_ingest_begin(fx->st), MAYDAY_OK);
	assert_int_equal(store_seen(fx->st, "hnb-1", T0, &o), MAYDAY_E_INVALID);
	store_ingest_rollback(fx->st);
}

static void test_sweep(void **state)
{
	struct fx *fx = *state;
	struct store_silent_row rows[16];

	assert_int_equal(store_seen(fx->st, "hnb-1", T0 + 10, NULL), MAYDAY_OK);  /* healthy */
	/* hnb-2: enrolled, never heard from */
	assert_int_equal(store_seen(fx->st, "hnb-3", T0 + 10, NULL), MAYDAY_OK);  /* femto-b */
	distress(fx, "hnb-4", 1, STORE_TRUST_SIGNED, T0 + 10);                   /* in_distress */
	long long inc4 = scalar(fx, "SELECT id FROM incidents WHERE device_id = 'hnb-4'");

	/* Everyone heard from (or enrolled) within the interval. */
	assert_int_equal(sweep(fx, T0 + 60, rows, 16), 0);

	size_t n = sweep(fx, T0 + 200, rows, 16);
	assert_int_equal(n, 3);
	const struct store_silent_row *r1 = row_of(rows, n, "hnb-1");
	const struct store_silent_row *r2 = row_of(rows, n, "hnb-2");
	const struct store_silent_row *r4 = row_of(rows, n, "hnb-4");
	assert_non_null(r1);
	assert_non_null(r2);
	assert_non_null(r4);
	assert_null(row_of(rows, n, "hnb-3"));            /* its class allows 1000 s */
	assert_string_equal(r1->from_state, "healthy");
	assert_int_equal(r1->last_seen, T0 + 10);
	assert_string_equal(r2->product_class, "femto-a");
	assert_true(r2->last_seen >= T0 && r2->last_seen <= T0 + 5); /* enrolment */
	assert_string_equal(r4->from_state, "in_distress");
	assert_int_equal(r4->incident_id, inc4);          /* joins its open incident */
	for (int i = 1; i <= 4; i++) {
		char id[8];
		snprintf(id, sizeof(id), "hnb-%d", i);
		struct store_device_row d = device(fx, id);
		assert_string_equal(d.state, i == 3 ? "healthy" : "unreachable");
		if (i != 3)
			assert_int_equal(d.state_since, T0 + 200);
	}
	/* A healthy device's silence opens an incident; the events say from what. */
	assert_int_not_equal(r1->incident_id, 0);
	assert_int_equal(scalar(fx, "SELECT count(*) FROM incidents WHERE id = %lld AND"
				" state = 'unreachable' AND closed_at IS NULL AND opened_at = %lld",
				(long long)r1->incident_id, (long long)(T0 + 200)), 1);
	assert_int_equal(scalar(fx, "SELECT count(*) FROM incident_events WHERE kind = 'silent'"
				" AND to_state = 'unreachable' AND at = %lld", (long long)(T0 + 200)),
			 3);
	assert_int_equal(scalar(fx, "SELECT count(*) FROM incident_events WHERE incident_id = %lld"
				" AND kind = 'silent' AND from_state = 'in_distress'", inc4), 1);
	long long events = scalar(fx, "SELECT count(*) FROM incident_events");

	/* Sweeping again (any time later) moves nobody twice. */
	assert_int_equal(sweep(fx, T0 + 200, rows, 16), 0);
	assert_int_equal(sweep(fx, T0 + 900, rows, 16), 0);
	assert_int_equal(scalar(fx, "SELECT count(*) FROM incident_events"), events);

	/* femto-b's own interval. */
	n = sweep(fx, T0 + 1011, rows, 16);
	assert_int_equal(n, 1);
	assert_string_equal(rows[0].device_id, "hnb-3");
	assert_string_equal(device(fx, "hnb-3").state, "unreachable");
}

static void test_sweep_bounded_and_off(void **state)
{
	struct fx *fx = *state;
	struct store_silent_row rows[2];
	struct store_silence_rules off = {.default_s = 0};
	size_t n = 99;
	assert_int_equal(store_silence_sweep(fx->st, &off, T0 + 100000, rows, 2, &n), MAYDAY_OK);
	assert_int_equal(n, 0);

	/* Oldest first, at most cap per call; the rest at the next. */
	assert_int_equal(store_seen(fx->st, "hnb-1", T0 + 30, NULL), MAYDAY_OK);
	assert_int_equal(store_seen(fx->st, "hnb-2", T0 + 20, NULL), MAYDAY_OK);
	assert_int_equal(store_seen(fx->st, "hnb-4", T0 + 40, NULL), MAYDAY_OK);
	assert_int_equal(sweep(fx, T0 + 500, rows, 2), 2);
	assert_string_equal(rows[0].device_id, "hnb-2");
	assert_string_equal(rows[1].device_id, "hnb-1");
	assert_int_equal(sweep(fx, T0 + 500, rows, 2), 1);
	assert_string_equal(rows[0].device_id, "hnb-4");
	assert_int_equal(sweep(fx, T0 + 500, rows, 2), 0);

	/* A bad rule is refused before anything happens. */
	struct store_silence_rules bad = {.default_s = 10, .n_classes = 1};
	bad.classes[0].product_class = "";
	bad.classes[0].interval_s = 10;
	assert_int_equal(store_silence_sweep(fx->st, &bad, T0 + 500, rows, 2, &n),
			 MAYDAY_E_INVALID);
}

static void test_back(void **state)
{
	struct fx *fx = *state;
	struct store_silent_row rows[16];
	struct store_seen_out o;

	assert_int_equal(store_seen(fx->st, "hnb-1", T0 + 10, NULL), MAYDAY_OK);
	distress(fx, "hnb-4", 1, STORE_TRUST_SIGNED, T0 + 10);
	assert_int_equal(sweep(fx, T0 + 200, rows, 16), 3);    /* hnb-1, -2, -4 */
	long long inc1 = scalar(fx, "SELECT id FROM incidents WHERE device_id = 'hnb-1'");
	long long inc2 = scalar(fx, "SELECT id FROM incidents WHERE device_id = 'hnb-2'");
	long long inc4 = scalar(fx, "SELECT id FROM incidents WHERE device_id = 'hnb-4'");

	/* An Inform of a device that was healthy: healthy again, the silence
	 * incident closed with a 'heard' event. */
	assert_int_equal(store_seen(fx->st, "hnb-1", T0 + 300, &o), MAYDAY_OK);
	assert_true(o.back);
	assert_string_equal(o.state, "healthy");
	assert_int_equal(o.incident_id, inc1);
	struct store_device_row d = device(fx, "hnb-1");
	assert_string_equal(d.state, "healthy");
	assert_int_equal(d.last_seen, T0 + 300);
	assert_int_equal(scalar(fx, "SELECT closed_at FROM incidents WHERE id = %lld", inc1),
			 T0 + 300);
	assert_int_equal(scalar(fx, "SELECT count(*) FROM incident_events WHERE incident_id = %lld"
				" AND kind = 'heard' AND from_state = 'unreachable'"
				" AND to_state = 'healthy'", inc1), 1);
	/* Heard once is enough: the next contact is an ordinary one. */
	assert_int_equal(store_seen(fx->st, "hnb-1", T0 + 310, &o), MAYDAY_OK);
	assert_false(o.back);

	/* A distress report of a device that was in distress: in distress,
	 * in the same incident, which stays open. */
	struct store_ingest_rec rec = distress(fx, "hnb-4", 2, STORE_TRUST_SIGNED, T0 + 300);
	assert_true(rec.back_from_silence);
	assert_int_equal(rec.incident_id, inc4);
	assert_string_equal(device(fx, "hnb-4").state, "in_distress");
	assert_int_equal(scalar(fx, "SELECT count(*) FROM incidents WHERE id = %lld AND"
				" closed_at IS NULL AND state = 'in_distress'", inc4), 1);

	/* A distress report of a device silent since enrolment: the silence
	 * incident moves on to in_distress; its history shows both. */
	rec = distress(fx, "hnb-2", 1, STORE_TRUST_SIGNED, T0 + 300);
	assert_true(rec.back_from_silence);
	assert_int_equal(rec.incident_id, inc2);
	assert_string_equal(device(fx, "hnb-2").state, "in_distress");
	assert_int_equal(scalar(fx, "SELECT count(*) FROM incident_events WHERE incident_id = %lld"
				" AND ((kind = 'heard' AND to_state = 'healthy') OR"
				" (kind = 'state' AND from_state = 'healthy' AND"
				" to_state = 'in_distress'))", inc2), 2);

	/* An unverified report changes nothing of an unreachable device. */
	assert_int_equal(sweep(fx, T0 + 1000, rows, 16), 3);
	rec = distress(fx, "hnb-1", 9, STORE_TRUST_UNVERIFIED, T0 + 1001);
	assert_false(rec.back_from_silence);
	assert_string_equal(device(fx, "hnb-1").state, "unreachable");
}

/* Silence applies in any state and the state it left comes back: a
 * device whose remediation was scheduled is scheduled again. */
static void test_back_to_remediation(void **state)
{
	struct fx *fx = *state;
	struct store_silent_row rows[16];
	struct store_seen_out o;
	bool yes = false;
	distress(fx, "hnb-4", 1, STORE_TRUST_SIGNED, T0 + 10);
	assert_int_equal(store_ingest_begin(fx->st), MAYDAY_OK);
	assert_int_equal(store_remed_schedule(fx->st, "hnb-4", false, 3, T0 + 10, &yes),
			 MAYDAY_OK);
	assert_int_equal(store_ingest_commit(fx->st), MAYDAY_OK);
	assert_true(yes);
	assert_string_equal(device(fx, "hnb-4").state, "remediation_scheduled");
	struct store_silence_rules r = {.default_s = 0, .n_classes = 1};
	r.classes[0].product_class = "femto-a";
	r.classes[0].interval_s = 50;
	size_t n = 0;
	assert_int_equal(store_silence_sweep(fx->st, &r, T0 + 100, rows, 16, &n), MAYDAY_OK);
	assert_int_equal(n, 3);    /* hnb-1, -2 never heard; hnb-4 */
	assert_non_null(row_of(rows, n, "hnb-4"));
	assert_string_equal(row_of(rows, n, "hnb-4")->from_state, "remediation_scheduled");
	assert_int_equal(store_seen(fx->st, "hnb-4", T0 + 120, &o), MAYDAY_OK);
	assert_true(o.back);
	assert_string_equal(o.state, "remediation_scheduled");
	assert_string_equal(device(fx, "hnb-4").state, "remediation_scheduled");
	assert_int_equal(scalar(fx, "SELECT count(*) FROM incidents WHERE device_id = 'hnb-4'"
				" AND closed_at IS NULL AND state = 'remediation_scheduled'"), 1);
}

static void test_count_states(void **state)
{
	struct fx *fx = *state;
	struct store_state_counts c;
	struct store_silent_row rows[16];
	distress(fx, "hnb-4", 1, STORE_TRUST_SIGNED, T0 + 150);
	assert_int_equal(store_seen(fx->st, "hnb-3", T0 + 10, NULL), MAYDAY_OK);
	assert_int_equal(sweep(fx, T0 + 200, rows, 16), 2);   /* hnb-1, hnb-2 */
	assert_int_equal(store_count_states(fx->st, &c), MAYDAY_OK);
	assert_int_equal(c.n[STORE_STATE_UNREACHABLE], 2);
	assert_int_equal(c.n[STORE_STATE_HEALTHY], 1);
	assert_int_equal(c.n[STORE_STATE_IN_DISTRESS], 1);
	assert_int_equal(sweep(fx, T0 + 200, rows, 16), 0);
}

/* A version 6 store (no last_seen, no silence indexes) opens, migrates
 * once, and its devices count as seen at enrolment. */
static void test_migrate_v6(void **state)
{
	FX_SQLITE_ONLY();
	struct fx *fx = *state;
	struct store_silent_row rows[16];
	store_close(fx->st);
	fx->st = NULL;
	sqlite3 *db = raw_db(fx);
	assert_int_equal(sqlite3_exec(db, FX_DROP_V12 "DROP INDEX devices_silence;"
				      " DROP INDEX devices_class_silence;"
				      " ALTER TABLE devices DROP COLUMN last_seen;"
				      /* and version 8's ACS tables (store_acs.h) */
				      " DROP TABLE cwmp_credentials; DROP TABLE acs_decisions;"
				      " DROP TABLE cwmp_connreq;"
				      /* and version 10's outbox (store_events.h) */
				      " DROP TRIGGER IF EXISTS events_of_incident; DROP TRIGGER IF EXISTS events_of_class; DROP TRIGGER IF EXISTS events_of_attempt; DROP TABLE events; DROP TABLE event_cursors;"
				      " DROP INDEX indications_fleet; DROP TABLE fleet_anomalies;"
				      " ALTER TABLE indications DROP COLUMN msg_version;"
				      " UPDATE schema_version SET version = 6;", NULL, NULL, NULL),
			 SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(store_open(&fx->st, fx->spec), MAYDAY_OK);
	assert_int_equal(device(fx, "hnb-1").last_seen, 0);
	assert_int_equal(sweep(fx, T0 + 50, rows, 16), 0);
	assert_int_equal(sweep(fx, T0 + 200, rows, 16), 3);   /* femto-a */
	assert_int_equal(scalar(fx, "SELECT count(*) FROM sqlite_master WHERE type = 'index'"
				" AND name LIKE 'devices_%%silence'"), 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_last_seen_signed_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sweep, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sweep_bounded_and_off, setup, teardown),
		cmocka_unit_test_setup_teardown(test_back, setup, teardown),
		cmocka_unit_test_setup_teardown(test_back_to_remediation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_count_states, setup, teardown),
		cmocka_unit_test_setup_teardown(test_migrate_v6, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

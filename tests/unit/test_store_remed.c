/* SPDX-License-Identifier: Apache-2.0 */
/* Remediation records (store_remed.h) on a real temporary store, SQLite or
 * (test_store_remed_pg) PostgreSQL: the incident state machine of
 * remediation, attempts, tokens, download slots, approvals; the pause of a
 * product class after failures in a row, its resume, and the migration
 * that adds it to a version 3 store (SQLite's). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <sqlite3.h>

#include "store_remed.h"
#include "store_sqlite.h"   /* STORE_SQLITE_SCHEMA_VERSION */
#include "test_store_fixture.h"

#define NOW 1700000600

static int setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));
	char pem[1024];
	assert_non_null(fx);
	fx_open(fx);
	EVP_PKEY *k = fx_key(pem, sizeof(pem));
	EVP_PKEY_free(k);
	assert_int_equal(store_enrol(fx->st, "hnb-1", "femto-a", pem), MAYDAY_OK);
	assert_int_equal(store_enrol(fx->st, "hnb-2", "femto-a", pem), MAYDAY_OK);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	fx_close(*state);
	free(*state);
	return 0;
}

static void distress(struct fx *fx, const char *id, uint64_t counter, enum store_trust trust)
{
	struct mayday_indication ind;
	struct store_ingest_rec rec;
	uint8_t raw[4096];
	fx_indication(&ind, id, counter);
	fx_rec(&rec, &ind, trust, raw, sizeof(raw));
	rec.received_at = NOW + (int64_t)counter;
	assert_int_equal(fx_put1(fx->st, &rec), MAYDAY_OK);
}

static bool schedule(struct fx *fx, const char *id, bool need_approval, uint32_t max)
{
	bool yes = true;
	assert_int_equal(store_ingest_begin(fx->st), MAYDAY_OK);
	assert_int_equal(store_remed_schedule(fx->st, id, need_approval, max, NOW, &yes),
			 MAYDAY_OK);
	assert_int_equal(store_ingest_commit(fx->st), MAYDAY_OK);
	return yes;
}

static void expect_state(struct fx *fx, const char *id, const char *state)
{
	struct store_remed_status rs;
	struct store_device_row d;
	assert_int_equal(store_remed_status(fx->st, id, &rs), MAYDAY_OK);
	assert_int_equal(store_get_device(fx->st, id, &d), MAYDAY_OK);
	assert_string_equal(d.state, state);
	if (rs.incident_id != 0)
		assert_string_equal(rs.state, state);
}

static struct store_remed_attempt begin(struct fx *fx, const char *id, const char *token)
{
	struct store_remed_attempt a;
	memset(&a, 0, sizeof(a));
	snprintf(a.token, sizeof(a.token), "%s", token);
	snprintf(a.bundle, sizeof(a.bundle), "/b/femto-a.bundle");
	a.bundle_size = 1000;
	a.free_space = 5000;
	a.max_image_size = 4000;
	assert_int_equal(store_remed_begin(fx->st, id, &a, 0, UINT32_MAX, NOW), MAYDAY_OK);
	return a;
}

static void test_outside_batch_refused(void **state)
{
	struct fx *fx = *state;
	bool yes = true;
	distress(fx, "hnb-1", 1, STORE_TRUST_SIGNED);
	assert_int_equal(store_remed_schedule(fx->st, "hnb-1", false, 3, NOW, &yes),
			 MAYDAY_E_INVALID);
	assert_false(yes);
	/* nothing scheduled: no attempt can begin */
	struct store_remed_attempt a = {.bundle_size = 1};
	assert_int_equal(store_remed_begin(fx->st, "hnb-1", &a, 0, UINT32_MAX, NOW),
			 MAYDAY_E_NOTFOUND);
}

static void test_approval(void **state)
{
	struct fx *fx = *state;
	struct store_remed_status rs;
	assert_int_equal(store_remed_approve(fx->st, "hnb-1", NOW), MAYDAY_E_NOTFOUND);
	distress(fx, "hnb-1", 1, STORE_TRUST_SIGNED);
	assert_false(schedule(fx, "hnb-1", true, 3));
	expect_state(fx, "hnb-1", "in_distress");
	assert_int_equal(store_remed_approve(fx->st, "hnb-1", NOW), MAYDAY_OK);
	assert_int_equal(store_remed_approve(fx->st, "hnb-1", NOW), MAYDAY_OK);
	assert_int_equal(store_remed_status(fx->st, "hnb-1", &rs), MAYDAY_OK);
	assert_true(rs.approved);
	assert_true(schedule(fx, "hnb-1", true, 3));
	expect_state(fx, "hnb-1", "remediation_scheduled");
	/* asked again while scheduled: still remediate, no second move */
	assert_true(schedule(fx, "hnb-1", true, 3));
}

static void test_last_indication_unverified(void **state)
{
	struct fx *fx = *state;
	struct store_remed_status rs;
	distress(fx, "hnb-1", 1, STORE_TRUST_SIGNED);
	distress(fx, "hnb-1", 2, STORE_TRUST_UNVERIFIED);
	assert_int_equal(store_remed_status(fx->st, "hnb-1", &rs), MAYDAY_OK);
	assert_false(rs.last_signed);
	assert_false(schedule(fx, "hnb-1", false, 3));
	expect_state(fx, "hnb-1", "in_distress");
	distress(fx, "hnb-1", 3, STORE_TRUST_SIGNED);
	assert_true(schedule(fx, "hnb-1", false, 3));
}

static void test_recovered(void **state)
{
	struct fx *fx = *state;
	struct store_remed_attempt a, got;
	struct store_counts c0, c1;
	uint32_t n = 9;
	distress(fx, "hnb-1", 1, STORE_TRUST_SIGNED);
	assert_true(schedule(fx, "hnb-1", false, 3));
	assert_int_equal(store_count(fx->st, &c0), MAYDAY_OK);
	struct store_remed_counts rc;
	assert_int_equal(store_count_remed(fx->st, &rc), MAYDAY_OK);
	assert_int_equal(rc.in_progress + rc.installed + rc.recovered + rc.failed, 0);
	a = begin(fx, "hnb-1", "tok1");
	assert_int_equal(store_count_remed(fx->st, &rc), MAYDAY_OK);
	assert_int_equal(rc.in_progress, 1);
	assert_int_equal(a.attempt, 1);
	char key[40];
	snprintf(key, sizeof(key), "rem-%lld-1", (long long)a.incident_id);
	assert_string_equal(a.command_key, key);
	expect_state(fx, "hnb-1", "remediation_in_progress");
	assert_int_equal(store_remed_in_flight(fx->st, NOW - 3600, &n), MAYDAY_OK);
	assert_int_equal(n, 1);
	/* started before the window: no longer holds a download slot */
	assert_int_equal(store_remed_in_flight(fx->st, NOW + 1, &n), MAYDAY_OK);
	assert_int_equal(n, 0);

	/* the token serves its own device once; another identity gets nothing */
	assert_int_equal(store_remed_take_token(fx->st, "tok1", "hnb-2", &got), MAYDAY_E_MISMATCH);
	assert_int_equal(store_remed_take_token(fx->st, "tok1", "hnb-1", &got), MAYDAY_OK);
	assert_string_equal(got.bundle, "/b/femto-a.bundle");
	assert_int_equal(got.bundle_size, 1000);
	assert_int_equal(store_remed_take_token(fx->st, "tok1", "hnb-1", &got), MAYDAY_E_NOTFOUND);
	assert_int_equal(store_remed_take_token(fx->st, "nope", "hnb-1", &got), MAYDAY_E_NOTFOUND);

	/* another device cannot complete this attempt */
	assert_int_equal(store_remed_recovered(fx->st, "hnb-2", a.command_key, NOW),
			 MAYDAY_E_NOTFOUND);
	assert_int_equal(store_remed_installed(fx->st, "hnb-1", a.command_key, NOW), MAYDAY_OK);
	expect_state(fx, "hnb-1", "installed");
	assert_int_equal(store_remed_recovered(fx->st, "hnb-1", a.command_key, NOW + 5), MAYDAY_OK);
	expect_state(fx, "hnb-1", "healthy");
	assert_int_equal(store_count_remed(fx->st, &rc), MAYDAY_OK);
	assert_int_equal(rc.in_progress, 0);
	assert_int_equal(rc.recovered, 1);
	assert_int_equal(rc.installed + rc.failed, 0);
	assert_int_equal(store_remed_in_flight(fx->st, NOW - 3600, &n), MAYDAY_OK);
	assert_int_equal(n, 0);
	assert_int_equal(store_remed_recovered(fx->st, "hnb-1", a.command_key, NOW),
			 MAYDAY_E_NOTFOUND);
	assert_int_equal(store_count(fx->st, &c1), MAYDAY_OK);
	assert_int_equal(c1.incident_events, c0.incident_events + 3);  /* history kept */
}

static int first_incident(void *ctx, const struct store_incident_row *r)
{
	*(struct store_incident_row *)ctx = *r;
	return 1;
}

static int collect(void *ctx, const struct store_remed_attempt *a)
{
	struct store_remed_attempt *arr = ctx;
	for (int i = 0; i < 4; i++) {
		if (arr[i].id == 0) {
			arr[i] = *a;
			return 0;
		}
	}
	return 1;
}

static void test_failures_until_given_up(void **state)
{
	struct fx *fx = *state;
	struct store_remed_attempt a, list[4];
	struct store_incident_row inc;
	bool gave_up = true;
	distress(fx, "hnb-1", 1, STORE_TRUST_SIGNED);
	assert_true(schedule(fx, "hnb-1", false, 2));
	a = begin(fx, "hnb-1", "t1");
	assert_int_equal(store_remed_fail(fx->st, "hnb-1", a.command_key, 9019, "auth", 2, NOW,
					  &gave_up), MAYDAY_OK);
	assert_false(gave_up);
	expect_state(fx, "hnb-1", "in_distress");
	/* a failed attempt cannot fail (or complete) twice */
	assert_int_equal(store_remed_fail(fx->st, "hnb-1", a.command_key, 9019, "auth", 2, NOW,
					  &gave_up), MAYDAY_E_NOTFOUND);
	assert_true(schedule(fx, "hnb-1", false, 2));
	/* refused before any download (image too big): a failed attempt too */
	assert_int_equal(store_remed_fail(fx->st, "hnb-1", NULL, 0, "image-too-big", 2, NOW,
					  &gave_up), MAYDAY_OK);
	assert_true(gave_up);
	expect_state(fx, "hnb-1", "remediation_failed");
	/* left for a human: more distress neither reschedules nor reopens */
	distress(fx, "hnb-1", 2, STORE_TRUST_SIGNED);
	expect_state(fx, "hnb-1", "remediation_failed");
	assert_false(schedule(fx, "hnb-1", false, 2));
	memset(list, 0, sizeof(list));
	assert_int_equal(store_remed_list(fx->st, "hnb-1", collect, list), MAYDAY_OK);
	assert_int_equal(list[0].attempt, 2);
	assert_string_equal(list[0].result, "failed");
	assert_string_equal(list[0].detail, "image-too-big");
	assert_int_equal(list[1].attempt, 1);
	assert_int_equal(list[1].fault_code, 9019);
	assert_int_equal(list[2].id, 0);
	struct store_remed_counts rc;
	assert_int_equal(store_count_remed(fx->st, &rc), MAYDAY_OK);
	assert_int_equal(rc.failed, 2);
	assert_int_equal(rc.in_progress + rc.installed + rc.recovered, 0);
	assert_int_equal(store_list_incidents(fx->st, "hnb-1", first_incident, &inc), MAYDAY_OK);
	assert_string_equal(inc.state, "remediation_failed");
	assert_int_equal(inc.closed_at, 0);
}

/* max_in_flight is held where the attempt is recorded: with the slots
 * taken, begin refuses and writes nothing; an attempt that finished, or
 * one started before the window, holds no slot. */
static void test_download_slots(void **state)
{
	struct fx *fx = *state;
	struct store_remed_attempt a = {.bundle_size = 1}, b = {.bundle_size = 1};
	struct store_remed_counts rc;
	struct store_counts c0, c1;
	snprintf(a.token, sizeof(a.token), "ta");
	snprintf(b.token, sizeof(b.token), "tb");
	distress(fx, "hnb-1", 1, STORE_TRUST_SIGNED);
	distress(fx, "hnb-2", 1, STORE_TRUST_SIGNED);
	assert_true(schedule(fx, "hnb-1", false, 3));
	assert_true(schedule(fx, "hnb-2", false, 3));
	assert_int_equal(store_remed_begin(fx->st, "hnb-1", &a, NOW - 60, 1, NOW), MAYDAY_OK);
	assert_int_equal(store_count(fx->st, &c0), MAYDAY_OK);
	assert_int_equal(store_remed_begin(fx->st, "hnb-2", &b, NOW - 60, 1, NOW),
			 MAYDAY_E_TOOBIG);
	assert_int_equal(store_count(fx->st, &c1), MAYDAY_OK);
	assert_memory_equal(&c0, &c1, sizeof(c0));
	assert_int_equal(store_count_remed(fx->st, &rc), MAYDAY_OK);
	assert_int_equal(rc.in_progress, 1);
	expect_state(fx, "hnb-2", "remediation_scheduled");
	/* a second slot, or a window that no longer holds hnb-1's attempt */
	assert_int_equal(store_remed_begin(fx->st, "hnb-2", &b, NOW + 1, 1, NOW + 1), MAYDAY_OK);
	expect_state(fx, "hnb-2", "remediation_in_progress");
	/* both finished: the slots are free again */
	assert_int_equal(store_remed_recovered(fx->st, "hnb-1", a.command_key, NOW + 2), MAYDAY_OK);
	bool gave_up = true;
	assert_int_equal(store_remed_fail(fx->st, "hnb-2", b.command_key, 9010, "x", 3, NOW + 2,
					  &gave_up), MAYDAY_OK);
	uint32_t n = 9;
	assert_int_equal(store_remed_in_flight(fx->st, 0, &n), MAYDAY_OK);
	assert_int_equal(n, 0);
	assert_true(schedule(fx, "hnb-2", false, 3));
	assert_int_equal(store_remed_begin(fx->st, "hnb-2", &b, 0, 1, NOW + 3), MAYDAY_OK);
	assert_int_equal(b.attempt, 2);
}

/* ---- the pause of a product class ---------------------------------------- */

static void enrol_more(struct fx *fx)
{
	char pem[1024];
	EVP_PKEY_free(fx_key(pem, sizeof(pem)));
	assert_int_equal(store_enrol(fx->st, "hnb-3", "femto-a", pem), MAYDAY_OK);
	assert_int_equal(store_enrol(fx->st, "hnb-9", "femto-b", pem), MAYDAY_OK);
}

/* A new attempt of `id` (a fresh signed distress, scheduled, Download
 * pushed); its command key goes to key. */
static void started(struct fx *fx, const char *id, char key[STORE_COMMANDKEY_MAX + 1])
{
	static uint64_t counter = 100;
	distress(fx, id, ++counter, STORE_TRUST_SIGNED);
	assert_true(schedule(fx, id, false, 100));
	struct store_remed_attempt a = begin(fx, id, "");
	snprintf(key, STORE_COMMANDKEY_MAX + 1, "%s", a.command_key);
}

/* An attempt of `id` that fails at `at`. */
static void failed_at(struct fx *fx, const char *id, int64_t at)
{
	char key[STORE_COMMANDKEY_MAX + 1];
	bool gave_up = true;
	started(fx, id, key);
	assert_int_equal(store_remed_fail(fx->st, id, key, 9018, "bad image", 100, at, &gave_up),
			 MAYDAY_OK);
	assert_false(gave_up);
}

/* An attempt of `id` that recovers at `at`. */
static void recovered_at(struct fx *fx, const char *id, int64_t at)
{
	char key[STORE_COMMANDKEY_MAX + 1];
	started(fx, id, key);
	assert_int_equal(store_remed_recovered(fx->st, id, key, at), MAYDAY_OK);
}

/* store_remed_class_paused with pause_after_failures n at `now`; *newly to newly. */
static bool paused(struct fx *fx, const char *cls, uint32_t n, int64_t now, bool *newly)
{
	bool p = true, nw = true;
	assert_int_equal(store_remed_class_paused(fx->st, cls, n, now, &p, &nw), MAYDAY_OK);
	if (newly != NULL)
		*newly = nw;
	else
		assert_false(nw);
	return p;
}

static int class_cb(void *ctx, const struct store_remed_class *c)
{
	struct store_remed_class *want = ctx;
	if (strcmp(c->product_class, want->product_class) == 0)
		*want = *c;
	return 0;
}

static struct store_remed_class class_of(struct fx *fx, const char *cls)
{
	struct store_remed_class c;
	memset(&c, 0, sizeof(c));
	snprintf(c.product_class, sizeof(c.product_class), "%s", cls);
	assert_int_equal(store_remed_classes(fx->st, class_cb, &c), MAYDAY_OK);
	return c;
}

struct failures {
	int n;
	char device[4][MAYDAY_DEVICE_ID_MAX + 1];
	int64_t at[4];
};

static int failures_cb(void *ctx, const struct store_remed_attempt *a)
{
	struct failures *f = ctx;
	assert_string_equal(a->result, "failed");
	if (f->n < 4) {
		snprintf(f->device[f->n], sizeof(f->device[0]), "%s", a->device_id);
		f->at[f->n] = a->finished_at;
	}
	f->n++;
	return 0;
}

/* N failed in a row pause; a recovered attempt in between breaks the run;
 * attempts in progress do not count; other classes are not affected. */
static void test_class_pause_rule(void **state)
{
	struct fx *fx = *state;
	char key3[STORE_COMMANDKEY_MAX + 1];
	bool newly = false;
	enrol_more(fx);
	assert_false(paused(fx, "femto-a", 3, NOW, NULL));
	failed_at(fx, "hnb-1", NOW + 1);
	failed_at(fx, "hnb-2", NOW + 2);
	assert_false(paused(fx, "femto-a", 3, NOW + 2, NULL));
	recovered_at(fx, "hnb-3", NOW + 3);
	failed_at(fx, "hnb-1", NOW + 4);
	failed_at(fx, "hnb-2", NOW + 5);
	/* 4 of the 5 failed, but not the 3 newest: the recovery broke the run */
	assert_false(paused(fx, "femto-a", 3, NOW + 5, NULL));
	/* in progress (and installed) attempts are not finished: they do not count */
	started(fx, "hnb-3", key3);
	assert_false(paused(fx, "femto-a", 3, NOW + 5, NULL));
	assert_int_equal(store_remed_installed(fx->st, "hnb-3", key3, NOW + 5), MAYDAY_OK);
	assert_false(paused(fx, "femto-a", 3, NOW + 5, NULL));
	/* another class's failures do not count either */
	failed_at(fx, "hnb-9", NOW + 6);
	assert_false(paused(fx, "femto-a", 3, NOW + 6, NULL));
	assert_false(class_of(fx, "femto-a").paused);

	failed_at(fx, "hnb-1", NOW + 7);
	/* 0: no automatic pause */
	assert_false(paused(fx, "femto-a", 0, NOW + 7, NULL));
	assert_false(class_of(fx, "femto-a").paused);
	assert_true(paused(fx, "femto-a", 3, NOW + 8, &newly));
	assert_true(newly);
	/* recorded once: later checks see it, none records it again */
	assert_true(paused(fx, "femto-a", 3, NOW + 9, &newly));
	assert_false(newly);
	assert_true(paused(fx, "femto-a", 50, NOW + 9, &newly));
	assert_false(newly);
	assert_false(paused(fx, "femto-b", 3, NOW + 9, NULL));
	struct store_remed_class c = class_of(fx, "femto-a");
	assert_true(c.paused);
	assert_int_equal(c.paused_at, NOW + 8);
	assert_int_equal(c.pause_failures, 3);
	assert_int_equal(c.resumed_at, 0);
	assert_int_equal(c.devices, 3);
	assert_int_equal(c.in_distress, 2);
	assert_int_equal(c.installed, 1);
	/* the failures that paused it, newest first */
	struct failures f = {0};
	assert_int_equal(store_remed_class_failures(fx->st, "femto-a", failures_cb, &f), MAYDAY_OK);
	assert_int_equal(f.n, 3);
	assert_string_equal(f.device[0], "hnb-1");
	assert_int_equal(f.at[0], NOW + 7);
	assert_string_equal(f.device[1], "hnb-2");
	assert_int_equal(f.at[2], NOW + 4);
	/* the pause stays until resumed, even when an attempt under way recovers */
	assert_int_equal(store_remed_recovered(fx->st, "hnb-3", key3, NOW + 10), MAYDAY_OK);
	assert_true(paused(fx, "femto-a", 3, NOW + 10, NULL));
	assert_int_equal(store_remed_class_paused(fx->st, "", 3, NOW, &(bool){0}, &(bool){0}),
			 MAYDAY_E_INVALID);
}

/* A resume is recorded; only failures finished after it count. */
static void test_class_resume(void **state)
{
	struct fx *fx = *state;
	bool was = true, newly = false;
	struct store_counts c0, c1;
	enrol_more(fx);
	assert_int_equal(store_remed_class_resume(fx->st, "femto-z", NOW, &was), MAYDAY_E_NOTFOUND);
	assert_int_equal(store_remed_class_resume(fx->st, "femto a", NOW, &was), MAYDAY_E_INVALID);
	/* not paused: allowed, says so */
	assert_int_equal(store_remed_class_resume(fx->st, "femto-a", NOW, &was), MAYDAY_OK);
	assert_false(was);
	assert_int_equal(class_of(fx, "femto-a").resumed_at, NOW);
	failed_at(fx, "hnb-1", NOW + 1);
	failed_at(fx, "hnb-2", NOW + 2);
	assert_true(paused(fx, "femto-a", 2, NOW + 2, &newly));
	assert_true(newly);
	assert_int_equal(store_count(fx->st, &c0), MAYDAY_OK);
	assert_int_equal(store_remed_class_resume(fx->st, "femto-a", NOW + 10, &was), MAYDAY_OK);
	assert_true(was);
	assert_int_equal(store_count(fx->st, &c1), MAYDAY_OK);
	assert_memory_equal(&c0, &c1, sizeof(c0));   /* no device or incident touched */
	struct store_remed_class c = class_of(fx, "femto-a");
	assert_false(c.paused);
	assert_int_equal(c.resumed_at, NOW + 10);
	assert_int_equal(c.paused_at, 0);
	struct failures f = {0};
	assert_int_equal(store_remed_class_failures(fx->st, "femto-a", failures_cb, &f), MAYDAY_OK);
	assert_int_equal(f.n, 0);
	/* the failures before the resume (and in its very second) no longer count */
	assert_false(paused(fx, "femto-a", 2, NOW + 10, NULL));
	failed_at(fx, "hnb-1", NOW + 10);
	assert_false(paused(fx, "femto-a", 2, NOW + 10, NULL));
	failed_at(fx, "hnb-3", NOW + 11);
	assert_false(paused(fx, "femto-a", 2, NOW + 11, NULL));
	failed_at(fx, "hnb-2", NOW + 12);
	assert_true(paused(fx, "femto-a", 2, NOW + 12, &newly));
	assert_true(newly);
	c = class_of(fx, "femto-a");
	assert_int_equal(c.paused_at, NOW + 12);
	assert_int_equal(c.pause_failures, 2);
	assert_int_equal(c.resumed_at, NOW + 10);
	/* what paused it this time: the two after the resume, not the ones before */
	memset(&f, 0, sizeof(f));
	assert_int_equal(store_remed_class_failures(fx->st, "femto-a", failures_cb, &f), MAYDAY_OK);
	assert_int_equal(f.n, 2);
	assert_string_equal(f.device[0], "hnb-2");
	assert_string_equal(f.device[1], "hnb-3");
	assert_false(class_of(fx, "femto-b").paused);

	/* the class history is append-only (on PostgreSQL: test_store_postgresql) */
	if (!fx_is_pg()) {
		char path[400];
		sqlite3 *db = NULL;
		snprintf(path, sizeof(path), "%s/hems.db", fx->dir);
		assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
		assert_int_not_equal(sqlite3_exec(db, "DELETE FROM remediation_class_events", NULL,
						  NULL, NULL), SQLITE_OK);
		assert_int_not_equal(sqlite3_exec(db, "UPDATE remediation_class_events"
						  " SET kind = 'resumed'", NULL, NULL, NULL),
				     SQLITE_OK);
		sqlite3_close(db);
	}
	assert_true(paused(fx, "femto-a", 2, NOW + 13, NULL));
}

/* A version 3 store (the migration chain without its step 4, as a store of
 * the previous release is) with failed attempts in it opens, migrates once,
 * and its history counts toward the pause. */
static void test_migrate_v3(void **state)
{
	FX_SQLITE_ONLY();
	struct fx *fx = *state;
	char path[400];
	sqlite3 *db = NULL;
	failed_at(fx, "hnb-1", NOW + 1);
	failed_at(fx, "hnb-2", NOW + 2);
	store_close(fx->st);
	fx->st = NULL;
	snprintf(path, sizeof(path), "%s/hems.db", fx->dir);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, FX_DROP_V12 "DROP TABLE remediation_class_events;"
				      " DROP INDEX devices_class;"
				      " DROP INDEX remediation_attempts_finished;"
				      " ALTER TABLE devices DROP COLUMN signed_counter;"
				      /* and version 7's silence (test_store_silence.c) */
				      " DROP INDEX devices_silence;"
				      " DROP INDEX devices_class_silence;"
				      " ALTER TABLE devices DROP COLUMN last_seen;"
				      /* and version 8's ACS tables (store_acs.h) */
				      " DROP TABLE cwmp_credentials; DROP TABLE acs_decisions;"
				      " DROP TABLE cwmp_connreq;"
				      /* and version 9's message version */
				      /* and version 10's outbox (store_events.h) */
				      " DROP TRIGGER IF EXISTS events_of_incident; DROP TRIGGER IF EXISTS events_of_class; DROP TRIGGER IF EXISTS events_of_attempt; DROP TABLE events; DROP TABLE event_cursors;"
				      " DROP INDEX indications_fleet; DROP TABLE fleet_anomalies;"
				      " ALTER TABLE indications DROP COLUMN msg_version;"
				      " UPDATE schema_version SET version = 3;", NULL, NULL, NULL),
			 SQLITE_OK);
	assert_int_equal(fx_scalar(db, "SELECT count(*) FROM sqlite_master WHERE name LIKE"
				    " 'remediation_class_events%'"), 0);
	sqlite3_close(db);

	assert_int_equal(store_open(&fx->st, fx->spec), MAYDAY_OK);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(fx_scalar(db, "SELECT max(version) FROM schema_version"),
			 STORE_SQLITE_SCHEMA_VERSION);
	assert_int_equal(fx_scalar(db, "SELECT count(*) FROM schema_version"), 1);
	/* the table, its two append-only triggers and index, and both new indexes */
	assert_int_equal(fx_scalar(db, "SELECT count(*) FROM sqlite_master WHERE name LIKE"
				    " 'remediation_class_events%'"), 4);
	assert_int_equal(fx_scalar(db, "SELECT count(*) FROM sqlite_master WHERE name IN"
				    " ('devices_class', 'remediation_attempts_finished')"), 2);
	sqlite3_close(db);
	struct store_remed_class c = class_of(fx, "femto-a");
	assert_false(c.paused);
	assert_int_equal(c.devices, 2);
	assert_int_equal(c.in_distress, 2);
	bool newly = false;
	assert_true(paused(fx, "femto-a", 2, NOW + 3, &newly));
	assert_true(newly);
	/* opening again migrates nothing and keeps the pause */
	store_close(fx->st);
	fx->st = NULL;
	assert_int_equal(store_open(&fx->st, fx->spec), MAYDAY_OK);
	assert_true(class_of(fx, "femto-a").paused);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_outside_batch_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_approval, setup, teardown),
		cmocka_unit_test_setup_teardown(test_last_indication_unverified, setup, teardown),
		cmocka_unit_test_setup_teardown(test_recovered, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failures_until_given_up, setup, teardown),
		cmocka_unit_test_setup_teardown(test_download_slots, setup, teardown),
		cmocka_unit_test_setup_teardown(test_class_pause_rule, setup, teardown),
		cmocka_unit_test_setup_teardown(test_class_resume, setup, teardown),
		cmocka_unit_test_setup_teardown(test_migrate_v3, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

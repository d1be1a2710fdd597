/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The writer's redo of a batch that lost a deadlock (srv_writer.c), on a
 * real PostgreSQL store with a real deadlock: another session (c1, as
 * another node would) holds device b's row and waits for device a's,
 * which the writer's batch locked first; the writer's put of device b then
 * closes the cycle and PostgreSQL aborts it. c1 never checks for deadlocks
 * (deadlock_timeout of a minute), so the writer is always the one aborted.
 * The writer is held between its two devices by a third session (c2)
 * inserting an unverified row with the key of the batch's second record,
 * uncommitted, until c1 is waiting: the order of events is made, not
 * timed.
 *
 * The batch arrives as b, a, a' (a' unverified); the writer puts it in
 * device order a, a', b: without that order it locks b first, c1 is never
 * blocked and the wait for two waiters fails.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "srv_writer.h"
#include "store.h"
#include "store_ingest.h"
#include "store_query.h"
#include "test_store_fixture.h"
#include "test_store_pg_fixture.h"

#define N 3

struct t {
	struct fx fx;
	struct fxpg pg;
	struct srv_slot *slot[N];
	struct srv_stats stats;
	PGconn *c1, *c2, *watch;
	pthread_t writer;
	bool started;
	atomic_bool done;
	int wpid;        /* the writer's session */
	enum mayday_err err;
};

static int setup(void **state)
{
	char pem[1024];
	struct t *t = calloc(1, sizeof(*t));
	assert_non_null(t);
	fx_open(&t->fx);
	snprintf(t->pg.db, sizeof(t->pg.db), "%s", t->fx.pgdb);
	snprintf(t->pg.uri, sizeof(t->pg.uri), "%s", t->fx.spec);
	EVP_PKEY *k = fx_key(pem, sizeof(pem));
	EVP_PKEY_free(k);
	assert_int_equal(store_enrol(t->fx.st, "dev-a", "femto", pem), MAYDAY_OK);
	assert_int_equal(store_enrol(t->fx.st, "dev-b", "femto", pem), MAYDAY_OK);
	/* Arrival order: b, a, then a's unverified record. */
	static const struct {
		const char *id;
		uint64_t counter;
		enum store_trust trust;
	} recs[N] = {{"dev-b", 1, STORE_TRUST_SIGNED}, {"dev-a", 1, STORE_TRUST_SIGNED},
		     {"dev-a", 7, STORE_TRUST_UNVERIFIED}};
	for (int i = 0; i < N; i++) {
		struct srv_slot *s = calloc(1, sizeof(*s));
		assert_non_null(s);
		fx_indication(&s->ind, recs[i].id, recs[i].counter);
		fx_rec(&s->rec, &s->ind, recs[i].trust, s->buf, sizeof(s->buf));
		s->verdict = SRV_STORE;
		snprintf(s->peer_text, sizeof(s->peer_text), "127.0.0.1:%d", 1000 + i);
		t->slot[i] = s;
	}
	t->c1 = fxpg_connect(&t->pg);
	t->c2 = fxpg_connect(&t->pg);
	t->watch = fxpg_connect(&t->pg);
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct t *t = *state;
	PQfinish(t->c1);
	PQfinish(t->c2);
	PQfinish(t->watch);
	for (int i = 0; i < N; i++)
		free(t->slot[i]);
	fx_close(&t->fx);
	free(t);
	return 0;
}

static void ok(PGconn *c, const char *sql)
{
	PGresult *r = PQexec(c, sql);
	if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)
		fail_msg("%s: %s", sql, PQerrorMessage(c));
	PQclear(r);
}

/* Whether `pid` waits for a lock `by` holds (pg_blocking_pids). */
static bool blocked(struct t *t, int pid, int by)
{
	char sql[160];
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM unnest(pg_blocking_pids(%d)) b"
		 " WHERE b = %d", pid, by);
	return fxpg_scalar(t->watch, sql) == 1;
}

/* Until `pid` waits for `by`, or (false) the writer has returned. Each
 * step is made by the one before, never by time: the minute is only a
 * bound for a broken run. */
static bool wait_blocked(struct t *t, int pid, int by)
{
	struct timespec pause = {0, 10 * 1000 * 1000};
	for (int i = 0; i < 6000; i++) {
		if (blocked(t, pid, by))
			return true;
		if (atomic_load(&t->done))
			return false;
		nanosleep(&pause, NULL);
	}
	fail_msg("session %d never waited for session %d", pid, by);
	return false;
}

static void *writer_main(void *arg)
{
	struct t *t = arg;
	t->err = srv_writer_commit(t->fx.st, t->slot, N, &t->stats);
	atomic_store(&t->done, true);
	return NULL;
}

/* The writer's transaction id (0: none). */
static long long writer_xid(struct t *t)
{
	char sql[160];
	snprintf(sql, sizeof(sql), "SELECT coalesce(backend_xid::text, '0')::bigint"
		 " FROM pg_stat_activity WHERE pid = %d", t->wpid);
	return fxpg_scalar(t->watch, sql);
}

/* c1 holds dev-b, and dev-a in the savepoint if it won it last time. Sets
 * up one deadlock the writer loses: c2 holds the key of (dev-a, 7,
 * unverified); c1 lets dev-a go; the writer locks dev-a and waits for c2;
 * c1 asks for dev-a and waits for the writer; c2 lets go; the writer asks
 * for dev-b: a cycle, which the writer closed and so breaks. False if the
 * writer returned instead. *xid: the writer's transaction that loses. */
static bool arm(struct t *t, long long *xid)
{
	ok(t->c2, "BEGIN");
	ok(t->c2, "INSERT INTO indications (device_id, counter, received_at, device_time,"
	   " transport, trust, peer, reason, image_version, manifest_rollback, dcf_version,"
	   " slot, boot_attempts, free_space, max_image_size, raw, digest)"
	   " VALUES ('dev-a', 7, 0, 0, 0, 'unverified', '', 0, '', 0, '', 0, 0, 0, 0,"
	   " '\\x00', '\\x00')");
	ok(t->c1, "ROLLBACK TO SAVEPOINT round");
	/* The writer starts once c2 holds the key, which it must wait for. */
	if (!t->started) {
		assert_int_equal(pthread_create(&t->writer, NULL, writer_main, t), 0);
		t->started = true;
	}
	if (!wait_blocked(t, t->wpid, PQbackendPID(t->c2))) {
		ok(t->c2, "ROLLBACK");
		return false;
	}
	*xid = writer_xid(t);
	assert_int_equal(PQsendQuery(t->c1, "SELECT 1 FROM devices WHERE id = 'dev-a' FOR UPDATE"),
			 1);
	assert_true(wait_blocked(t, PQbackendPID(t->c1), t->wpid));
	ok(t->c2, "ROLLBACK");
	return true;
}

/* c1's answer to its request for dev-a: waits for it. */
static ExecStatusType c1_answer(struct t *t)
{
	PGresult *r;
	ExecStatusType st = PGRES_FATAL_ERROR;
	while ((r = PQgetResult(t->c1)) != NULL) {
		st = PQresultStatus(r);
		PQclear(r);
	}
	return st;
}

static void start(struct t *t)
{
	ok(t->c1, "SET deadlock_timeout = '1min'");
	ok(t->c2, "SET deadlock_timeout = '1min'");
	ok(t->c1, "BEGIN");
	ok(t->c1, "SELECT 1 FROM devices WHERE id = 'dev-b' FOR UPDATE");
	ok(t->c1, "SAVEPOINT round");
	/* The writer's session: the store's one connection. */
	char sql[200];
	snprintf(sql, sizeof(sql), "SELECT pid FROM pg_stat_activity WHERE datname ="
		 " current_database() AND pid NOT IN (pg_backend_pid(), %d, %d)",
		 PQbackendPID(t->c1), PQbackendPID(t->c2));
	t->wpid = (int)fxpg_scalar(t->watch, sql);
}

/* A deadlock lost once: the batch is redone and stored whole, in device order. */
static void test_redone_after_deadlock(void **state)
{
	struct t *t = *state;
	long long xid = 0;
	start(t);
	assert_true(arm(t, &xid));
	/* Once the writer's transaction is gone, c1 lets everything go (its
	 * request cancelled if the redo took dev-a first), so the redo meets
	 * nobody. */
	struct timespec pause = {0, 10 * 1000 * 1000};
	for (int i = 0; i < 6000 && writer_xid(t) == xid; i++)
		nanosleep(&pause, NULL);
	PQconsumeInput(t->c1);
	if (PQisBusy(t->c1)) {
		char why[256];
		PGcancel *cancel = PQgetCancel(t->c1);
		assert_non_null(cancel);
		assert_int_equal(PQcancel(cancel, why, sizeof(why)), 1);
		PQfreeCancel(cancel);
	}
	(void)c1_answer(t);
	ok(t->c1, "ROLLBACK");
	assert_int_equal(pthread_join(t->writer, NULL), 0);
	assert_int_equal(t->err, MAYDAY_OK);
	for (int i = 0; i < N; i++) {
		assert_int_equal(t->slot[i]->committed, 1);
		assert_int_equal(t->slot[i]->rec.outcome, STORE_NEW);
	}
	assert_int_equal(fx_sql_scalar(&t->fx, "SELECT count(*) FROM indications"), N);
	/* Put in device order: a, a', then b (which arrived first). */
	assert_true(t->slot[1]->rec.indication_id < t->slot[2]->rec.indication_id);
	assert_true(t->slot[2]->rec.indication_id < t->slot[0]->rec.indication_id);
}

/* Lost every time: redone SRV_WRITER_REDO_MAX times, then nothing is
 * committed (nothing may be acked) and the error says so. A redo that
 * takes dev-a before c1 does deadlocks again by itself (c1 still asks for
 * it); one that does not is set up again. */
static void test_redo_bounded(void **state)
{
	struct t *t = *state;
	long long xid = 0;
	int rounds = 0;
	start(t);
	while (arm(t, &xid)) {
		assert_int_equal(c1_answer(t), PGRES_TUPLES_OK);
		assert_true(++rounds <= SRV_WRITER_REDO_MAX + 1);
	}
	ok(t->c1, "ROLLBACK");
	assert_int_equal(pthread_join(t->writer, NULL), 0);
	assert_true(rounds >= 1);
	assert_int_equal(t->err, MAYDAY_E_RETRY);
	for (int i = 0; i < N; i++)
		assert_int_equal(t->slot[i]->committed, 0);
	assert_int_equal(fx_sql_scalar(&t->fx, "SELECT count(*) FROM indications"), 0);
	assert_int_equal(atomic_load(&t->stats.batches), 0);
}

int main(void)
{
	char server[1024];
	if (!fxpg_server(server, sizeof(server))) {
		printf("no PostgreSQL server for the tests: skipped\n");
		return 77;
	}
	setenv("MAYDAY_TEST_STORE", "postgresql", 1);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_redone_after_deadlock, setup, teardown),
		cmocka_unit_test_setup_teardown(test_redo_bounded, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

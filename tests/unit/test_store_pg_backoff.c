/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The PostgreSQL backend when its server stays unreachable (store_pg.c):
 * after a failed connection the next is tried only after a back-off
 * (0.5 s doubling to 30 s), calls failing at once meanwhile; once the
 * server answers again the first call after the back-off connects, the
 * back-off starts again from 0.5 s at the next outage, and each outage
 * is logged once as it starts and once as it ends.
 *
 * The outage is made on the shared test server (the pg_server fixture)
 * without stopping it, which would break the tests running beside this
 * one: the test's own database stops accepting connections (ALTER
 * DATABASE ... ALLOW_CONNECTIONS false) and its session is ended, so each
 * try to connect again is refused as by a server that is down. Which calls
 * tried is told by store_errmsg: the server's refusal, or the back-off's
 * "the next in". No assertion is on elapsed time: waits only poll, with
 * deadlines of a minute. Exit 77 (skipped) without a server.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "store.h"
#include "store_query.h"
#include "test_store_fixture.h"
#include "test_store_pg_fixture.h"

struct t {
	struct fxpg pg;
	struct store *st;
	PGconn *admin;
	char log[128];
	int saved_stderr;
};

static void admin_exec(struct t *t, const char *sql)
{
	PGresult *r = PQexec(t->admin, sql);
	if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK) {
		printf("%s: %s\n", sql, PQerrorMessage(t->admin));   /* stderr is the log's */
		fail();
	}
	PQclear(r);
}

static void connections(struct t *t, bool allow)
{
	char sql[160];
	snprintf(sql, sizeof(sql), "ALTER DATABASE %s ALLOW_CONNECTIONS %s", t->pg.db,
		 allow ? "true" : "false");
	admin_exec(t, sql);
}

static int setup(void **state)
{
	struct t *t = calloc(1, sizeof(*t));
	char pem[STORE_PEM_MAX];
	assert_non_null(t);
	char server[1024];
	fxpg_create(&t->pg);
	/* on the server's own database: a database's connections cannot be
	 * refused from a session of it */
	assert_true(fxpg_server(server, sizeof(server)));
	t->admin = PQconnectdb(server);
	assert_int_equal(PQstatus(t->admin), CONNECTION_OK);
	assert_int_equal(store_open(&t->st, t->pg.uri), MAYDAY_OK);
	EVP_PKEY_free(fx_key(pem, sizeof(pem)));
	assert_int_equal(store_enrol(t->st, "dev-1", "femto", pem), MAYDAY_OK);
	/* the store's log lines (stderr) into a file, to count them */
	snprintf(t->log, sizeof(t->log), "%s/mayday-backoff.XXXXXX",
		 getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp");
	int fd = mkstemp(t->log);
	assert_true(fd >= 0);
	fflush(stderr);
	t->saved_stderr = dup(2);
	assert_true(t->saved_stderr >= 0 && dup2(fd, 2) == 2);
	close(fd);
	*state = t;
	return 0;
}

static void restore_stderr(struct t *t)
{
	if (t->saved_stderr >= 0) {
		fflush(stderr);
		dup2(t->saved_stderr, 2);
		close(t->saved_stderr);
		t->saved_stderr = -1;
	}
}

static int teardown(void **state)
{
	struct t *t = *state;
	char line[1024];
	restore_stderr(t);
	/* what went to stderr meanwhile: the store's lines, cmocka's on a failure */
	FILE *f = fopen(t->log, "r");
	while (f != NULL && fgets(line, sizeof(line), f) != NULL)
		printf("stderr: %s", line);
	if (f != NULL)
		fclose(f);
	unlink(t->log);
	connections(t, true);
	PQfinish(t->admin);
	store_close(t->st);
	fxpg_drop(&t->pg);
	free(t);
	return 0;
}

/* One store call: MAYDAY_OK, or its failure (always MAYDAY_E_IO here). */
static enum mayday_err call(struct t *t)
{
	char pem[STORE_PEM_MAX];
	size_t len;
	enum mayday_err err = store_device_key(t->st, "dev-1", pem, sizeof(pem), &len);
	assert_true(err == MAYDAY_OK || err == MAYDAY_E_IO);
	return err;
}

static bool in_backoff(struct t *t)
{
	return strstr(store_errmsg(t->st), "the next in") != NULL;
}

/* The server goes away for this handle: the session is ended and no new
 * one is let in; the first call finds the connection lost. */
static void outage(struct t *t)
{
	char sql[200];
	connections(t, false);
	snprintf(sql, sizeof(sql), "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
		 " WHERE datname = '%s'", t->pg.db);
	assert_int_equal(fxpg_scalar(t->admin, sql), 1);
	assert_int_equal(call(t), MAYDAY_E_IO);
}

/* Calls every 50 ms until `tries` connections failed (said by the
 * back-off's words); asserts each call failed. */
static void fail_until(struct t *t, unsigned tries)
{
	char want[48];
	snprintf(want, sizeof(want), "%u tries failed", tries);
	for (int i = 0; i < 1200; i++) {
		assert_int_equal(call(t), MAYDAY_E_IO);
		if (in_backoff(t) && strstr(store_errmsg(t->st), want) != NULL)
			return;
		usleep(50 * 1000);
	}
	printf("never %s: %s\n", want, store_errmsg(t->st));
	fail();
}

static int count_lines(const char *path, const char *what)
{
	char line[1024];
	int n = 0;
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f) != NULL)
		n += strstr(line, what) != NULL;
	fclose(f);
	return n;
}

static void test_backoff(void **state)
{
	struct t *t = *state;
	assert_int_equal(call(t), MAYDAY_OK);
	outage(t);
	/* The next call tries, is refused, and starts the back-off. */
	assert_int_equal(call(t), MAYDAY_E_IO);
	assert_non_null(strstr(store_errmsg(t->st), "not currently accepting connections"));
	/* Calls right after fail without trying: of a few in a row, at least
	 * one finds the back-off (each try that fails doubles it). */
	bool fast = false;
	for (int i = 0; i < 6 && !fast; i++) {
		assert_int_equal(call(t), MAYDAY_E_IO);
		fast = in_backoff(t);
	}
	assert_true(fast);
	/* Five failed tries: the back-off is now 8 s (0.5, 1, 2, 4, 8). */
	fail_until(t, 5);

	/* The server answers again: calls within the back-off still fail at
	 * once, without trying; the first after it connects. */
	connections(t, true);
	assert_int_equal(call(t), MAYDAY_E_IO);
	assert_true(in_backoff(t));
	int waited = 0;
	while (call(t) != MAYDAY_OK) {
		assert_true(in_backoff(t));   /* a try now would have connected */
		assert_true(++waited < 600);
		usleep(100 * 1000);
	}
	assert_int_equal(call(t), MAYDAY_OK);

	/* A new outage starts again from the shortest wait. */
	outage(t);
	assert_int_equal(call(t), MAYDAY_E_IO);
	assert_non_null(strstr(store_errmsg(t->st), "not currently accepting connections"));
	/* the first wait seen is of the first tries (0.5 s, 1 s, or 2 s on a
	 * slow machine), not the 16 s that would follow the last outage's 8 */
	for (int i = 0; !in_backoff(t); i++) {
		assert_true(i < 6);
		assert_int_equal(call(t), MAYDAY_E_IO);
	}
	const char *next = strstr(store_errmsg(t->st), "the next in ");
	assert_true(strtod(next + strlen("the next in "), NULL) <= 2.0);
	connections(t, true);
	while (call(t) != MAYDAY_OK) {
		assert_true(++waited < 1200);
		usleep(100 * 1000);
	}

	/* Each outage said once as it started and once as it ended. */
	restore_stderr(t);
	assert_int_equal(count_lines(t->log, "cannot connect again"), 2);
	assert_int_equal(count_lines(t->log, "connected again after"), 2);
}

int main(void)
{
	char uri[1024];
	if (!fxpg_server(uri, sizeof(uri))) {
		fprintf(stderr, "SKIP: no PostgreSQL server for the tests (MAYDAY_TEST_PG / "
			"MAYDAY_TEST_PG_FILE unset: tests/integration/pg_harness.sh found no "
			"PostgreSQL installed)\n");
		return 77;
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_backoff, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Remediation with several maydayd nodes on one PostgreSQL database
 * (issue 15): each node a thread with its own store handle (its own
 * connection), all calling at once. The rules that must hold across nodes:
 * download slots (store_remed_begin never lets more than max_in_flight
 * attempts be in flight), the class pause (recorded once, seen by every
 * node, cleared once by concurrent resumes) and one-time bundle tokens
 * (taken by exactly one node).
 *
 * So that the nodes really meet, a raw connection holds a table or row
 * lock that each node's write must wait for, until every node is waiting
 * on a lock (pg_stat_activity) or 5 s have passed: then all read what they
 * read before any of them wrote, and only the backend's own lock or guard
 * keeps them apart. The answers asserted hold whatever the timing; without
 * the backend's lock each test fails (several nodes get the slot, the
 * pause, the resume or the token). Exit 77 (skipped) without a server.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "store.h"
#include "store_ingest.h"
#include "store_remed.h"
#include "test_store_fixture.h"
#include "test_store_pg_fixture.h"

#define NODES 4
#define NOW 1700000600

struct t {
	struct fxpg pg;
	struct store *st;   /* the test's own handle, for setting up and reading */
};

static int setup(void **state)
{
	struct t *t = calloc(1, sizeof(*t));
	char pem[1024], id[16];
	assert_non_null(t);
	fxpg_create(&t->pg);
	assert_int_equal(store_open(&t->st, t->pg.uri), MAYDAY_OK);
	EVP_PKEY_free(fx_key(pem, sizeof(pem)));
	for (int i = 0; i < NODES; i++) {
		snprintf(id, sizeof(id), "hnb-%d", i);
		assert_int_equal(store_enrol(t->st, id, "femto-a", pem), MAYDAY_OK);
	}
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct t *t = *state;
	store_close(t->st);
	fxpg_drop(&t->pg);
	free(t);
	return 0;
}

/* A signed distress of `id`, then its incident scheduled. */
static void scheduled(struct t *t, const char *id, uint64_t counter)
{
	struct mayday_indication ind;
	struct store_ingest_rec rec;
	uint8_t raw[4096];
	bool yes = false;
	fx_indication(&ind, id, counter);
	fx_rec(&rec, &ind, STORE_TRUST_SIGNED, raw, sizeof(raw));
	rec.received_at = NOW + (int64_t)counter;
	assert_int_equal(fx_put1(t->st, &rec), MAYDAY_OK);
	assert_int_equal(store_ingest_begin(t->st), MAYDAY_OK);
	assert_int_equal(store_remed_schedule(t->st, id, false, 100, NOW, &yes), MAYDAY_OK);
	assert_int_equal(store_ingest_commit(t->st), MAYDAY_OK);
	assert_true(yes);
}

/* An attempt of `id` begun with `token` on the test's handle. */
static struct store_remed_attempt begun(struct t *t, const char *id, uint64_t counter,
					const char *token)
{
	struct store_remed_attempt a = {.bundle_size = 1};
	scheduled(t, id, counter);
	snprintf(a.token, sizeof(a.token), "%s", token);
	snprintf(a.bundle, sizeof(a.bundle), "/b/femto-a.bundle");
	assert_int_equal(store_remed_begin(t->st, id, &a, 0, UINT32_MAX, NOW), MAYDAY_OK);
	return a;
}

/* ---- the nodes ----------------------------------------------------------- */

enum op { OP_BEGIN, OP_TAKE, OP_PAUSED, OP_RESUME };

struct node {
	const char *uri;
	pthread_barrier_t *go;
	enum op op;
	char device[16];
	struct store_remed_attempt a;
	bool paused, newly, was_paused;
	enum mayday_err open_err, err;
};

static void *node_run(void *arg)
{
	struct node *n = arg;
	struct store *st = NULL;
	n->open_err = store_open(&st, n->uri);
	pthread_barrier_wait(n->go);
	if (n->open_err != MAYDAY_OK) {
		store_close(st);
		return NULL;
	}
	switch (n->op) {
	case OP_BEGIN:
		snprintf(n->a.bundle, sizeof(n->a.bundle), "/b/femto-a.bundle");
		n->a.bundle_size = 1;
		n->err = store_remed_begin(st, n->device, &n->a, NOW - 60, 2, NOW);
		break;
	case OP_TAKE:
		n->err = store_remed_take_token(st, "tok-x", n->device, &n->a);
		break;
	case OP_PAUSED:
		n->err = store_remed_class_paused(st, "femto-a", 2, NOW + 50, &n->paused,
						  &n->newly);
		break;
	case OP_RESUME:
		n->err = store_remed_class_resume(st, "femto-a", NOW + 60, &n->was_paused);
		break;
	}
	store_close(st);
	return NULL;
}

/* Sessions of the test's database waiting for a lock. */
static long long waiting(PGconn *watch)
{
	return fxpg_scalar(watch, "SELECT count(*) FROM pg_stat_activity"
			   " WHERE datname = current_database() AND wait_event_type = 'Lock'");
}

/* Runs NODES nodes doing `op` while a raw connection holds `hold` (SQL
 * run inside its transaction), released once every node waits on a lock
 * or after 5 s; node i acts for device hnb-<i> (or `device` if not NULL). */
static void run_nodes(struct t *t, struct node *nodes, enum op op, const char *device,
		      const char *hold)
{
	pthread_t th[NODES];
	pthread_barrier_t go;
	PGconn *holder = fxpg_connect(&t->pg), *watch = fxpg_connect(&t->pg);
	PGresult *r = PQexec(holder, "BEGIN");
	assert_int_equal(PQresultStatus(r), PGRES_COMMAND_OK);
	PQclear(r);
	r = PQexec(holder, hold);
	assert_true(PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK);
	PQclear(r);
	assert_int_equal(pthread_barrier_init(&go, NULL, NODES), 0);
	memset(nodes, 0, NODES * sizeof(*nodes));
	for (int i = 0; i < NODES; i++) {
		nodes[i].uri = t->pg.uri;
		nodes[i].go = &go;
		nodes[i].op = op;
		if (device != NULL)
			snprintf(nodes[i].device, sizeof(nodes[i].device), "%s", device);
		else
			snprintf(nodes[i].device, sizeof(nodes[i].device), "hnb-%d", i);
		assert_int_equal(pthread_create(&th[i], NULL, node_run, &nodes[i]), 0);
	}
	/* Bounded well inside the connections' lock_timeout (10 s). */
	for (int ms = 0; ms < 5000 && waiting(watch) < NODES; ms += 10)
		nanosleep(&(struct timespec){.tv_nsec = 10 * 1000 * 1000}, NULL);
	r = PQexec(holder, "COMMIT");
	assert_int_equal(PQresultStatus(r), PGRES_COMMAND_OK);
	PQclear(r);
	for (int i = 0; i < NODES; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		assert_int_equal(nodes[i].open_err, MAYDAY_OK);
	}
	pthread_barrier_destroy(&go);
	PQfinish(holder);
	PQfinish(watch);
}

/* Four scheduled devices, four nodes beginning at once with
 * max_in_flight 2: two begin, two are refused and stay scheduled. Without
 * the slots' advisory lock all four count none in flight and begin. */
static void test_nodes_download_slots(void **state)
{
	struct t *t = *state;
	struct node nodes[NODES];
	uint32_t n = 0;
	int began = 0;
	for (int i = 0; i < NODES; i++) {
		char id[16];
		snprintf(id, sizeof(id), "hnb-%d", i);
		scheduled(t, id, 1);
	}
	run_nodes(t, nodes, OP_BEGIN, NULL,
		  "LOCK TABLE remediation_attempts IN EXCLUSIVE MODE");
	for (int i = 0; i < NODES; i++) {
		struct store_remed_status rs;
		assert_true(nodes[i].err == MAYDAY_OK || nodes[i].err == MAYDAY_E_TOOBIG);
		began += nodes[i].err == MAYDAY_OK;
		assert_int_equal(store_remed_status(t->st, nodes[i].device, &rs), MAYDAY_OK);
		assert_string_equal(rs.state, nodes[i].err == MAYDAY_OK ? "remediation_in_progress"
								  : "remediation_scheduled");
	}
	assert_int_equal(began, 2);
	assert_int_equal(store_remed_in_flight(t->st, 0, &n), MAYDAY_OK);
	assert_int_equal(n, 2);
}

/* One token, four nodes taking it at once for its device: one gets the
 * attempt, the others nothing. Without the guard (token_used = 0 checked
 * again on the committed row) every node gets it. */
static void test_nodes_one_token(void **state)
{
	struct t *t = *state;
	struct node nodes[NODES];
	struct store_remed_attempt got;
	struct store_remed_attempt a = begun(t, "hnb-1", 1, "tok-x");
	int taken = 0;
	run_nodes(t, nodes, OP_TAKE, "hnb-1",
		  "SELECT 1 FROM remediation_attempts WHERE token = 'tok-x' FOR UPDATE");
	for (int i = 0; i < NODES; i++) {
		if (nodes[i].err == MAYDAY_OK) {
			taken++;
			assert_int_equal(nodes[i].a.id, a.id);
			assert_string_equal(nodes[i].a.bundle, "/b/femto-a.bundle");
		} else {
			assert_int_equal(nodes[i].err, MAYDAY_E_NOTFOUND);
		}
	}
	assert_int_equal(taken, 1);
	assert_int_equal(store_remed_take_token(t->st, "tok-x", "hnb-1", &got), MAYDAY_E_NOTFOUND);
}

struct class_seen {
	bool paused;
	int64_t paused_at;
	uint32_t failures;
};

static int class_cb(void *ctx, const struct store_remed_class *c)
{
	struct class_seen *s = ctx;
	if (strcmp(c->product_class, "femto-a") == 0) {
		s->paused = c->paused;
		s->paused_at = c->paused_at;
		s->failures = c->pause_failures;
	}
	return 0;
}

/* Every node's next check, on its own handle, says `paused`. */
static void every_node_sees(struct t *t, bool paused)
{
	for (int i = 0; i < NODES; i++) {
		struct store *st = NULL;
		struct class_seen s = {0};
		bool p = !paused, newly = true;
		assert_int_equal(store_open(&st, t->pg.uri), MAYDAY_OK);
		assert_int_equal(store_remed_class_paused(st, "femto-a", 2, NOW + 70 + i, &p,
							  &newly), MAYDAY_OK);
		assert_true(p == paused);
		assert_false(newly);
		assert_int_equal(store_remed_classes(st, class_cb, &s), MAYDAY_OK);
		assert_true(s.paused == paused);
		store_close(st);
	}
}

/* Two failures in a row with the rule at 2: four nodes checking at once
 * record one pause and one of them is told; every node then sees it. Four
 * nodes resuming at once: one is told the class was paused, and every
 * node then sees it running. Without the class's advisory lock every node
 * records (and is told of) its own pause, and every resume says it
 * resumed a paused class. */
static void test_nodes_class_pause(void **state)
{
	struct t *t = *state;
	struct node nodes[NODES];
	bool gave_up = true;
	for (int i = 0; i < 2; i++) {
		char id[16];
		snprintf(id, sizeof(id), "hnb-%d", i);
		struct store_remed_attempt a = begun(t, id, 1, "");
		assert_int_equal(store_remed_fail(t->st, id, a.command_key, 9018, "bad image", 100,
						  NOW + 10 + i, &gave_up), MAYDAY_OK);
		if (i == 0)
			every_node_sees(t, false);   /* one failure: below the rule's 2 */
	}

	run_nodes(t, nodes, OP_PAUSED, NULL,
		  "LOCK TABLE remediation_class_events IN EXCLUSIVE MODE");
	int newly = 0;
	for (int i = 0; i < NODES; i++) {
		assert_int_equal(nodes[i].err, MAYDAY_OK);
		assert_true(nodes[i].paused);
		newly += nodes[i].newly;
	}
	assert_int_equal(newly, 1);
	PGconn *c = fxpg_connect(&t->pg);
	assert_int_equal(fxpg_scalar(c, "SELECT count(*) FROM remediation_class_events"
				     " WHERE kind = 'paused'"), 1);
	every_node_sees(t, true);
	struct class_seen s = {0};
	assert_int_equal(store_remed_classes(t->st, class_cb, &s), MAYDAY_OK);
	assert_int_equal(s.paused_at, NOW + 50);
	assert_int_equal(s.failures, 2);

	run_nodes(t, nodes, OP_RESUME, NULL,
		  "LOCK TABLE remediation_class_events IN EXCLUSIVE MODE");
	int was = 0;
	for (int i = 0; i < NODES; i++) {
		assert_int_equal(nodes[i].err, MAYDAY_OK);
		was += nodes[i].was_paused;
	}
	assert_int_equal(was, 1);
	assert_int_equal(fxpg_scalar(c, "SELECT count(*) FROM remediation_class_events"
				     " WHERE kind = 'resumed'"), NODES);
	PQfinish(c);
	/* the failures before the resume no longer count: running everywhere */
	every_node_sees(t, false);
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
		cmocka_unit_test_setup_teardown(test_nodes_download_slots, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nodes_one_token, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nodes_class_pause, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

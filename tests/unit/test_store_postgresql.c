/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The PostgreSQL store backend against a real server (the pg_server CTest
 * fixture, tests/integration/pg_harness.sh), one fresh database per test:
 * the schema made at version 12 and migrated to 13 with its constraints
 * (a version 12 store migrating to 13, gaining the counts' index), made once when
 * several handles open an empty database at the same time, refused when
 * missing or newer; enrolment and key lookup; and the calls not written
 * yet answering MAYDAY_E_UNSUPPORTED, which maydayd's open
 * (STORE_OPEN_CHECK) turns into a refusal naming them. Exit 77 (skipped)
 * when no server was started: PostgreSQL is not installed.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <sqlite3.h>

#include "store.h"
#include "store_ingest.h"
#include "store_query.h"
#include "store_acs.h"
#include "store_events.h"
#include "store_pg.h"
#include "store_remed.h"
#include "test_store_fixture.h"
#include "test_store_pg_fixture.h"

struct t {
	struct fxpg pg;
	struct store *st;
};

static int setup(void **state)
{
	struct t *t = calloc(1, sizeof(*t));
	assert_non_null(t);
	fxpg_create(&t->pg);
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

/* Every table.column of the PostgreSQL schema, sorted, against a fresh
 * SQLite store's: the same schema but for psk_keys.psk, SQLite's plaintext
 * column kept only for stores older than version 5, which PostgreSQL
 * stores never were, and events.tx, PostgreSQL's only: the transaction
 * that wrote an event, which orders several nodes' events
 * (store_pg_events.c; one writer at a time orders SQLite's). */
static void same_columns_as_sqlite(PGconn *c)
{
	char dir[] = "/tmp/mayday-pgcmp.XXXXXX", spec[160], path[128];
	struct store *st = NULL;
	sqlite3 *db = NULL;
	sqlite3_stmt *q = NULL;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/hems.db", dir);
	snprintf(spec, sizeof(spec), "sqlite:%s", path);
	assert_int_equal(store_open(&st, spec), MAYDAY_OK);
	store_close(st);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db,
		"SELECT group_concat(n, ',') FROM (SELECT m.name || '.' || p.name AS n"
		" FROM sqlite_master m, pragma_table_info(m.name) p WHERE m.type = 'table'"
		" AND n != 'psk_keys.psk' ORDER BY n)", -1, &q, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	PGresult *r = PQexec(c, "SELECT string_agg(table_name || '.' || column_name, ','"
			     " ORDER BY table_name || '.' || column_name COLLATE \"C\")"
			     " FROM information_schema.columns WHERE table_schema = 'public'"
			     " AND (table_name, column_name) <> ('events', 'tx')");
	assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
	assert_string_equal(PQgetvalue(r, 0, 0), (const char *)sqlite3_column_text(q, 0));
	PQclear(r);
	sqlite3_finalize(q);
	sqlite3_close(db);
	unlink(path);
	rmdir(dir);
}

static void test_schema_made_at_12(void **state)
{
	struct t *t = *state;
	char why[512];
	/* Without CREATE an empty database is not a store. */
	assert_int_equal(store_open_ex(&t->st, t->pg.uri, 0, why, sizeof(why)), MAYDAY_E_NOTFOUND);
	assert_non_null(strstr(why, "not a mayday store"));
	assert_int_equal(store_open(&t->st, t->pg.uri), MAYDAY_OK);
	store_close(t->st);
	/* Opened again, nothing is made twice; now a reader may open it too. */
	assert_int_equal(store_open(&t->st, t->pg.uri), MAYDAY_OK);
	store_close(t->st);
	assert_int_equal(store_open_ex(&t->st, t->pg.uri, 0, why, sizeof(why)), MAYDAY_OK);
	PGconn *c = fxpg_connect(&t->pg);
	assert_int_equal(fxpg_scalar(c, "SELECT count(*) FROM schema_version"), 1);
	assert_int_equal(fxpg_scalar(c, "SELECT version FROM schema_version"), 13);
	same_columns_as_sqlite(c);
	/* A store of version 12 (the first PostgreSQL one, without the counts'
	 * index of version 13) is refused to a reader and migrated by maydayd:
	 * the index is made, and the counts' statement can read through it. */
	store_close(t->st);
	t->st = NULL;
	PQclear(PQexec(c, "DROP INDEX remediation_attempts_started"));
	PQclear(PQexec(c, "UPDATE schema_version SET version = 12"));
	assert_int_equal(store_open_ex(&t->st, t->pg.uri, 0, why, sizeof(why)),
			 MAYDAY_E_UNSUPPORTED);
	assert_non_null(strstr(why, "start maydayd"));
	assert_int_equal(store_open(&t->st, t->pg.uri), MAYDAY_OK);
	assert_int_equal(fxpg_scalar(c, "SELECT version FROM schema_version"), 13);
	assert_int_equal(fxpg_scalar(c, "SELECT count(*) FROM schema_version"), 1);
	assert_int_equal(fxpg_scalar(c, "SELECT count(*) FROM pg_indexes WHERE indexname ="
				     " 'remediation_attempts_started'"), 1);
	/* the statement store_pg_device_counts runs (prepared as store_pg_q
	 * prepares it: the parameter's type from the column), its window bound */
	PQclear(PQexec(c, "SET enable_seqscan = off"));
	PGresult *prep = PQprepare(c, "counts_remed", STORE_PG_COUNTS_REMED, 1, NULL);
	assert_int_equal(PQresultStatus(prep), PGRES_COMMAND_OK);
	PQclear(prep);
	PGresult *plan = PQexec(c, "EXPLAIN EXECUTE counts_remed(1000)");
	assert_int_equal(PQresultStatus(plan), PGRES_TUPLES_OK);
	/* the index scanned as a range of the window (an Index Cond on
	 * started_at), not read whole and filtered */
	bool indexed = false, range = false;
	for (int i = 0; i < PQntuples(plan); i++) {
		const char *line = PQgetvalue(plan, i, 0);
		indexed |= strstr(line, "remediation_attempts_started") != NULL;
		range |= strstr(line, "Index Cond: (started_at >= ") != NULL;
	}
	PQclear(plan);
	assert_true(indexed);
	assert_true(range);
	/* A newer schema is refused, with the reason. */
	PQclear(PQexec(c, "UPDATE schema_version SET version = 14"));
	store_close(t->st);
	t->st = NULL;
	assert_int_equal(store_open_ex(&t->st, t->pg.uri, STORE_OPEN_CREATE, why, sizeof(why)),
			 MAYDAY_E_UNSUPPORTED);
	assert_non_null(strstr(why, "schema version 14"));
	PQfinish(c);
}

struct opener {
	const char *uri;
	enum mayday_err err;
};

static void *open_one(void *arg)
{
	struct opener *o = arg;
	struct store *st = NULL;
	o->err = store_open(&st, o->uri);
	store_close(st);
	return NULL;
}

/* Nodes starting together on an empty database: one makes the schema,
 * the others wait for it and find it made. */
static void test_schema_made_once_by_concurrent_opens(void **state)
{
	struct t *t = *state;
	pthread_t th[4];
	struct opener o[4];
	for (int i = 0; i < 4; i++) {
		o[i].uri = t->pg.uri;
		o[i].err = MAYDAY_E_INTERNAL;
		assert_int_equal(pthread_create(&th[i], NULL, open_one, &o[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		assert_int_equal(o[i].err, MAYDAY_OK);
	}
	PGconn *c = fxpg_connect(&t->pg);
	assert_int_equal(fxpg_scalar(c, "SELECT count(*) FROM schema_version"), 1);
	PQfinish(c);
}

/* The constraints the ingest rules stand on are the database's own. */
static void test_constraints_and_append_only(void **state)
{
	struct t *t = *state;
	char pem[STORE_PEM_MAX];
	EVP_PKEY *k = fx_key(pem, sizeof(pem));
	assert_int_equal(store_open(&t->st, t->pg.uri), MAYDAY_OK);
	assert_int_equal(store_enrol(t->st, "dev-1", "femto", pem), MAYDAY_OK);
	PGconn *c = fxpg_connect(&t->pg);
	static const char ins[] =
		"INSERT INTO indications (device_id, counter, received_at, device_time, transport,"
		" trust, peer, reason, image_version, manifest_rollback, dcf_version, slot,"
		" boot_attempts, free_space, max_image_size, raw, digest)"
		" VALUES ('dev-1', 7, 1, 1, 0, '%s', 'p', 1, 'v', 0, 'd', 0, 0, 0, 0, '\\x00', '\\x00')";
	char sql[sizeof(ins) + 16];
	snprintf(sql, sizeof(sql), ins, "signed");
	PGresult *r = PQexec(c, sql);
	assert_int_equal(PQresultStatus(r), PGRES_COMMAND_OK);
	PQclear(r);
	/* unique (device, counter, trust): a second signed row 7 is refused... */
	r = PQexec(c, sql);
	assert_int_equal(PQresultStatus(r), PGRES_FATAL_ERROR);
	assert_string_equal(PQresultErrorField(r, PG_DIAG_SQLSTATE), "23505");
	PQclear(r);
	/* ...an unverified one beside it is not: a forgery cannot take its place. */
	snprintf(sql, sizeof(sql), ins, "unverified");
	r = PQexec(c, sql);
	assert_int_equal(PQresultStatus(r), PGRES_COMMAND_OK);
	PQclear(r);
	snprintf(sql, sizeof(sql), ins, "trusted");
	r = PQexec(c, sql);
	assert_string_equal(PQresultErrorField(r, PG_DIAG_SQLSTATE), "23514"); /* CHECK */
	PQclear(r);
	/* History is append-only. */
	static const char *const no[] = {
		"UPDATE indications SET counter = 8", "DELETE FROM indications",
		"UPDATE events SET type = 'x'", "DELETE FROM events",
	};
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		r = PQexec(c, no[i]);
		assert_int_equal(PQresultStatus(r), PGRES_FATAL_ERROR);
		assert_non_null(strstr(PQresultErrorMessage(r), "append-only"));
		PQclear(r);
	}
	PQfinish(c);
	EVP_PKEY_free(k);
}

static void test_enrol_and_key(void **state)
{
	struct t *t = *state;
	char pem1[STORE_PEM_MAX], pem2[STORE_PEM_MAX], got[STORE_PEM_MAX];
	size_t len = 0;
	EVP_PKEY *k1 = fx_key(pem1, sizeof(pem1)), *k2 = fx_key(pem2, sizeof(pem2));
	assert_int_equal(store_open(&t->st, t->pg.uri), MAYDAY_OK);
	assert_int_equal(store_enrol(t->st, "dev-1", "femto", pem1), MAYDAY_OK);
	assert_int_equal(store_device_key(t->st, "dev-1", got, sizeof(got), &len), MAYDAY_OK);
	assert_string_equal(got, pem1);
	assert_int_equal(len, strlen(pem1));
	assert_int_equal(store_device_key(t->st, "dev-2", got, sizeof(got), &len),
			 MAYDAY_E_NOTFOUND);
	assert_int_equal(store_device_key(t->st, "dev-1", got, 10, &len), MAYDAY_E_TOOBIG);
	/* The same key again changes nothing; a new key replaces it. */
	assert_int_equal(store_enrol(t->st, "dev-1", "femto", pem1), MAYDAY_OK);
	assert_int_equal(store_enrol(t->st, "dev-1", "femto", pem2), MAYDAY_OK);
	assert_int_equal(store_device_key(t->st, "dev-1", got, sizeof(got), &len), MAYDAY_OK);
	assert_string_equal(got, pem2);
	/* What enrolment refuses. */
	assert_int_equal(store_enrol(t->st, "dev 1", "femto", pem1), MAYDAY_E_INVALID);
	assert_int_equal(store_enrol(t->st, "dev-3", "", pem1), MAYDAY_E_INVALID);
	assert_int_equal(store_enrol(t->st, "dev-3", "femto", "not a key"), MAYDAY_E_KEY);
	struct store_counts n;
	assert_int_equal(store_count(t->st, &n), MAYDAY_OK);
	assert_int_equal(n.devices, 1);
	assert_int_equal(n.indications, 0);
	/* The outbox: enrolled, then a new key (the same key again is no event). */
	PGconn *c = fxpg_connect(&t->pg);
	assert_int_equal(fxpg_scalar(c, "SELECT count(*) FROM events"
				     " WHERE type = 'device.enrolled'"), 2);
	assert_int_equal(fxpg_scalar(c, "SELECT count(*) FROM events"
				     " WHERE payload->>'new_key' = 'true'"), 1);
	PQfinish(c);
	EVP_PKEY_free(k1);
	EVP_PKEY_free(k2);
}

/* What is not written yet says so, and maydayd's open refuses to start. */
/* The backend is complete: the daemon's start (STORE_OPEN_CHECK), which
 * refuses a backend lacking any call maydayd needs, takes it. */
static void test_complete(void **state)
{
	struct t *t = *state;
	char why[2048] = "";

	assert_int_equal(store_open_ex(&t->st, t->pg.uri, STORE_OPEN_CREATE | STORE_OPEN_CHECK,
				       why, sizeof(why)), MAYDAY_OK);
	assert_non_null(t->st);
	assert_null(strstr(why, "does not implement"));
}

/* Several maydayd nodes on one database: each thread is a node with its
 * own handle and batch, all putting at once (a barrier), committing as
 * soon as their put returns. */
#define NODES 4

struct node {
	const char *uri;
	pthread_barrier_t *go;
	struct mayday_indication ind;
	struct store_ingest_rec rec;
	uint8_t raw[MAYDAY_INDICATION_MAX];
	enum mayday_err err;
};

static void *node_put(void *arg)
{
	struct node *n = arg;
	struct store *st = NULL;
	n->err = store_open(&st, n->uri);
	pthread_barrier_wait(n->go);
	if (n->err == MAYDAY_OK)
		n->err = fx_put1(st, &n->rec);
	store_close(st);
	return NULL;
}

/* Runs NODES nodes, node i putting the record `setup` made for it. */
static void run_nodes(struct t *t, struct node *nodes,
		      void (*make)(struct node *n, int i))
{
	pthread_t th[NODES];
	pthread_barrier_t go;
	assert_int_equal(pthread_barrier_init(&go, NULL, NODES), 0);
	for (int i = 0; i < NODES; i++) {
		nodes[i].uri = t->pg.uri;
		nodes[i].go = &go;
		make(&nodes[i], i);
		assert_int_equal(pthread_create(&th[i], NULL, node_put, &nodes[i]), 0);
	}
	for (int i = 0; i < NODES; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		assert_int_equal(nodes[i].err, MAYDAY_OK);
	}
	pthread_barrier_destroy(&go);
}

static void same_signed(struct node *n, int i)
{
	(void)i;
	fx_indication(&n->ind, "dev-1", 7);
	fx_rec(&n->rec, &n->ind, STORE_TRUST_SIGNED, n->raw, sizeof(n->raw));
}

static void same_unverified(struct node *n, int i)
{
	(void)i;
	fx_indication(&n->ind, "nobody-knows", 9);
	fx_rec(&n->rec, &n->ind, STORE_TRUST_UNVERIFIED, n->raw, sizeof(n->raw));
}

static void counters_apart(struct node *n, int i)
{
	fx_indication(&n->ind, "dev-1", 100 + (uint64_t)i);
	fx_rec(&n->rec, &n->ind, STORE_TRUST_SIGNED, n->raw, sizeof(n->raw));
}

/* One device's retransmission reaching every node at once is stored once:
 * one node answers it new, the others duplicate of that row and incident;
 * the same for an unverified record (no device row to lock: the unique
 * index decides). Different counters at once: the counter rule holds
 * across nodes (whatever the order, a stored counter is above every
 * counter stored before it, so the mark is the highest one stored). */
static void test_nodes_one_device(void **state)
{
	struct t *t = *state;
	struct node *nodes = calloc(NODES, sizeof(*nodes));
	char pem[STORE_PEM_MAX];
	struct store_counts n;
	EVP_PKEY *k = fx_key(pem, sizeof(pem));
	assert_non_null(nodes);
	assert_int_equal(store_open(&t->st, t->pg.uri), MAYDAY_OK);
	assert_int_equal(store_enrol(t->st, "dev-1", "femto", pem), MAYDAY_OK);

	for (int round = 0; round < 2; round++) {
		run_nodes(t, nodes, round == 0 ? same_signed : same_unverified);
		int fresh = 0;
		for (int i = 0; i < NODES; i++) {
			fresh += nodes[i].rec.outcome == STORE_NEW;
			assert_true(nodes[i].rec.outcome == STORE_NEW ||
				    nodes[i].rec.outcome == STORE_DUPLICATE);
			assert_int_equal(nodes[i].rec.indication_id, nodes[0].rec.indication_id);
			assert_int_equal(nodes[i].rec.incident_id, nodes[0].rec.incident_id);
		}
		assert_int_equal(fresh, 1);
	}
	assert_int_equal(store_count(t->st, &n), MAYDAY_OK);
	assert_int_equal(n.indications, 2);
	assert_int_equal(n.incidents, 1);
	assert_int_equal(n.incident_events, 2);   /* opened, one indication */

	run_nodes(t, nodes, counters_apart);
	uint64_t highest = 0;
	int fresh = 0;
	for (int i = 0; i < NODES; i++) {
		struct store_ingest_rec *r = &nodes[i].rec;
		assert_true(r->outcome == STORE_NEW || r->outcome == STORE_STALE);
		if (r->outcome == STORE_NEW) {
			fresh++;
			/* the mark it found was below it */
			assert_true(r->high < r->ind->counter);
			if (r->ind->counter > highest)
				highest = r->ind->counter;
		} else {
			/* refused only under a mark some other node had stored */
			assert_true(r->high >= r->ind->counter);
		}
	}
	assert_true(fresh >= 1);
	struct store_device_row d;
	assert_int_equal(store_get_device(t->st, "dev-1", &d), MAYDAY_OK);
	assert_int_equal(d.n_signed, 1 + (uint64_t)fresh);
	PGconn *c = fxpg_connect(&t->pg);
	assert_int_equal(fxpg_scalar(c, "SELECT signed_counter FROM devices WHERE id = 'dev-1'"),
			 (long long)highest);
	PQfinish(c);
	free(nodes);
	EVP_PKEY_free(k);
}

/* Review: a PSK record that is unverified (its signature did not verify)
 * retransmitted to two nodes at once. SQLite answers the second copy as a
 * duplicate of the first (find_dup before the window); on PostgreSQL the
 * second node's twin lookup runs before the first commits, then it waits
 * on the kid's row (FOR UPDATE), reads the window the first advanced, and
 * answers STORE_REPLAY: the retransmission is dropped unanswered. */
struct psk_node {
	struct store *st;
	struct store_ingest_rec *rec;
	enum mayday_err err;
};

static void *psk_put(void *arg)
{
	struct psk_node *n = arg;
	n->err = store_ingest_begin(n->st);
	if (n->err == MAYDAY_OK)
		n->err = store_ingest_put(n->st, n->rec);
	if (n->err == MAYDAY_OK)
		n->err = store_ingest_commit(n->st);
	else
		store_ingest_rollback(n->st);
	return NULL;
}

static void test_nodes_unverified_psk_retransmission(void **state)
{
	struct t *t = *state;
	static const uint8_t kid[8] = {1, 2, 3, 4, 5, 6, 7, 8};
	struct mayday_indication ind;
	struct store_ingest_rec a, b;
	uint8_t raw[MAYDAY_INDICATION_MAX];
	char pem[STORE_PEM_MAX];
	struct store *other = NULL;
	pthread_t th;
	EVP_PKEY *k = fx_key(pem, sizeof(pem));
	assert_int_equal(store_open(&t->st, t->pg.uri), MAYDAY_OK);
	assert_int_equal(store_open(&other, t->pg.uri), MAYDAY_OK);
	assert_int_equal(store_enrol(t->st, "dev-1", "femto", pem), MAYDAY_OK);
	PGconn *c = fxpg_connect(&t->pg);
	PGresult *r = PQexec(c, "INSERT INTO psk_keys (kid, device_id, psk_sealed, enrolled_at)"
			     " VALUES ('\\x0102030405060708', 'dev-1', decode(repeat('00', 60),"
			     " 'hex'), 0)");
	assert_int_equal(PQresultStatus(r), PGRES_COMMAND_OK);
	PQclear(r);

	fx_indication(&ind, "dev-1", 5);
	fx_rec(&a, &ind, STORE_TRUST_UNVERIFIED, raw, sizeof(raw));
	a.channel_auth = STORE_CHANNEL_PSK;
	a.transport = MAYDAY_TRANSPORT_PSK;
	a.psk_kid = kid;
	a.psk_kid_len = sizeof(kid);
	b = a;   /* the same bytes, to a second node */

	/* node 1 stores it, not committed yet */
	assert_int_equal(store_ingest_begin(t->st), MAYDAY_OK);
	assert_int_equal(store_ingest_put(t->st, &a), MAYDAY_OK);
	assert_int_equal(a.outcome, STORE_NEW);
	/* node 2 gets the retransmission meanwhile */
	struct psk_node n = {other, &b, MAYDAY_OK};
	assert_int_equal(pthread_create(&th, NULL, psk_put, &n), 0);
	usleep(300 * 1000);
	assert_int_equal(store_ingest_commit(t->st), MAYDAY_OK);
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_equal(n.err, MAYDAY_OK);
	/* as SQLite answers a stored twin: a duplicate, acknowledged again */
	assert_int_equal(b.outcome, STORE_DUPLICATE);
	PQfinish(c);
	store_close(other);
	EVP_PKEY_free(k);
}

/* The server ends the session (a restart, a failover): the batch in
 * flight fails and is not acknowledged; the handle connects again for the
 * next one, which is stored, and a retransmission of the failed record is
 * then new. */
static void test_reconnect(void **state)
{
	struct t *t = *state;
	char pem[STORE_PEM_MAX], got[STORE_PEM_MAX];
	uint8_t raw[MAYDAY_INDICATION_MAX];
	struct mayday_indication ind;
	struct store_ingest_rec rec;
	size_t len;
	EVP_PKEY *k = fx_key(pem, sizeof(pem));
	assert_int_equal(store_open(&t->st, t->pg.uri), MAYDAY_OK);
	assert_int_equal(store_enrol(t->st, "dev-1", "femto", pem), MAYDAY_OK);
	PGconn *c = fxpg_connect(&t->pg);
	static const char kill[] = "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
				   " WHERE datname = current_database() AND pid != pg_backend_pid()";

	/* Ended inside a batch: the commit fails, nothing was stored. */
	fx_indication(&ind, "dev-1", 1);
	fx_rec(&rec, &ind, STORE_TRUST_SIGNED, raw, sizeof(raw));
	assert_int_equal(store_ingest_begin(t->st), MAYDAY_OK);
	assert_int_equal(store_ingest_put(t->st, &rec), MAYDAY_OK);
	assert_int_equal(fxpg_scalar(c, kill), 1);
	assert_int_not_equal(store_ingest_commit(t->st), MAYDAY_OK);
	assert_int_equal(fxpg_scalar(c, "SELECT count(*) FROM indications"), 0);
	/* The device retries: stored new on a connection made again. */
	assert_int_equal(fx_put1(t->st, &rec), MAYDAY_OK);
	assert_int_equal(rec.outcome, STORE_NEW);
	assert_int_equal(fxpg_scalar(c, "SELECT count(*) FROM indications"), 1);

	/* Ended while idle: the first statement finds out and fails, the
	 * next one connects again (its statements prepared anew). */
	assert_int_equal(fxpg_scalar(c, kill), 1);
	assert_int_not_equal(store_device_key(t->st, "dev-1", got, sizeof(got), &len), MAYDAY_OK);
	assert_int_equal(store_device_key(t->st, "dev-1", got, sizeof(got), &len), MAYDAY_OK);
	fx_indication(&ind, "dev-1", 2);
	fx_rec(&rec, &ind, STORE_TRUST_SIGNED, raw, sizeof(raw));
	assert_int_equal(fx_put1(t->st, &rec), MAYDAY_OK);
	assert_int_equal(rec.outcome, STORE_NEW);
	PQfinish(c);
	EVP_PKEY_free(k);
}

static void test_bad_uri(void **state)
{
	(void)state;
	struct store *st = NULL;
	char why[512];
	assert_int_equal(store_open_ex(&st, "postgresql:///nosuchdb?host=/nonexistent", 0, why,
				       sizeof(why)), MAYDAY_E_IO);
	assert_non_null(strstr(why, "cannot connect"));
	/* A password in the URI never reaches the words. */
	assert_int_equal(store_open_ex(&st, "postgresql://u:sekrit@/db?host=/nonexistent", 0, why,
				       sizeof(why)), MAYDAY_E_IO);
	assert_null(strstr(why, "sekrit"));
	assert_int_equal(store_open_ex(&st, "postgresql:///db?host=/nonexistent&password=sekrit&user=u",
				       0, why, sizeof(why)), MAYDAY_E_IO);
	assert_null(strstr(why, "sekrit"));
	assert_non_null(strstr(why, "user=u"));
	assert_null(st);
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
		cmocka_unit_test_setup_teardown(test_schema_made_at_12, setup, teardown),
		cmocka_unit_test_setup_teardown(test_schema_made_once_by_concurrent_opens, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_constraints_and_append_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_enrol_and_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_complete, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nodes_one_device, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nodes_unverified_psk_retransmission, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_reconnect, setup, teardown),
		cmocka_unit_test(test_bad_uri),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

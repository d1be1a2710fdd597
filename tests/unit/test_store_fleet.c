/* SPDX-License-Identifier: Apache-2.0 */
/* The fleet view (store_fleet.h) on a real temporary store: each grouping
 * counts distinct devices and indications of the window, unverified rows
 * and rows before the window never count, the class filter, the order
 * (largest first) and the limit, the rejected arguments, and the index the
 * window is read through (SQLite); the anomaly rule: its threshold, its
 * window, once per (class, component, window), and the automatic pause,
 * also with several handles (nodes) evaluating one class at once. The
 * same tests run on PostgreSQL (test_store_fleet_pg). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <pthread.h>
#include <sqlite3.h>

#include "store_fleet.h"
#include "test_store_fixture.h"

#define ROWS_MAX 16

struct got {
	unsigned n;
	struct store_fleet_row rows[ROWS_MAX];
};

static int collect(void *ctx, const struct store_fleet_row *r)
{
	struct got *g = ctx;
	assert_true(g->n < ROWS_MAX);
	g->rows[g->n++] = *r;
	return 0;
}

/* One signed (or unverified) indication from `id` at `at`, with image
 * `image` and failed component `comp` whose measured digest is 32 bytes of
 * `fill`. */
static void put(struct fx *fx, const char *id, uint64_t counter, int64_t at, const char *image,
		const char *comp, uint8_t fill, enum store_trust trust)
{
	struct mayday_indication ind;
	struct store_ingest_rec rec;
	uint8_t raw[2048];
	fx_indication(&ind, id, counter);
	snprintf(ind.evidence.image_version, sizeof(ind.evidence.image_version), "%s", image);
	snprintf(ind.evidence.failed[0].name, sizeof(ind.evidence.failed[0].name), "%s", comp);
	memset(ind.evidence.failed[0].measured, fill, sizeof(ind.evidence.failed[0].measured));
	fx_rec(&rec, &ind, trust, raw, sizeof(raw));
	rec.received_at = at;
	assert_int_equal(fx_put1(fx->st, &rec), MAYDAY_OK);
}

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
	assert_int_equal(store_enrol(fx->st, "hnb-3", "femto-a", pem), MAYDAY_OK);
	assert_int_equal(store_enrol(fx->st, "hnb-4", "femto-b", pem), MAYDAY_OK);
	/* In the window (>= 1000): femto-a has three devices failing kernel.img
	 * on image 2.0 (hnb-1 twice), two of them measuring 0xbb; femto-b one
	 * device failing rootfs on 1.0. */
	put(fx, "hnb-1", 1, 1000, "2.0", "kernel.img", 0xbb, STORE_TRUST_SIGNED);
	put(fx, "hnb-1", 2, 1010, "2.0", "kernel.img", 0xbb, STORE_TRUST_SIGNED);
	put(fx, "hnb-2", 1, 1020, "2.0", "kernel.img", 0xbb, STORE_TRUST_SIGNED);
	put(fx, "hnb-3", 1, 1030, "2.0", "kernel.img", 0xcc, STORE_TRUST_SIGNED);
	put(fx, "hnb-4", 1, 1040, "1.0", "rootfs", 0xdd, STORE_TRUST_SIGNED);
	/* Never counted: before the window, and unverified (even a flood). */
	put(fx, "hnb-4", 2, 999, "1.0", "kernel.img", 0xbb, STORE_TRUST_SIGNED);
	for (uint64_t i = 0; i < 5; i++)
		put(fx, "hnb-4", 100 + i, 1050, "6.6.6", "forged", 0xee, STORE_TRUST_UNVERIFIED);
	put(fx, "ghost", 1, 1050, "6.6.6", "forged", 0xee, STORE_TRUST_UNVERIFIED);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	fx_close(*state);
	free(*state);
	return 0;
}

static struct got run(struct fx *fx, enum store_fleet_by by, const char *cls, unsigned limit)
{
	struct got g = {0};
	struct store_fleet_query q = {.by = by, .since = 1000, .product_class = cls, .limit = limit};
	assert_int_equal(store_fleet(fx->st, &q, collect, &g), MAYDAY_OK);
	return g;
}

static void check(const struct store_fleet_row *r, const char *key, const char *digest,
		  uint64_t devices, uint64_t indications, int64_t last_at)
{
	assert_string_equal(r->key, key);
	assert_string_equal(r->digest_hex, digest);
	assert_int_equal(r->devices, devices);
	assert_int_equal(r->indications, indications);
	assert_int_equal(r->last_at, last_at);
}

static void test_by_class(void **state)
{
	struct got g = run(*state, STORE_FLEET_CLASS, NULL, 10);
	assert_int_equal(g.n, 2);
	check(&g.rows[0], "femto-a", "", 3, 4, 1030);
	check(&g.rows[1], "femto-b", "", 1, 1, 1040);
}

static void test_by_image(void **state)
{
	struct got g = run(*state, STORE_FLEET_IMAGE, NULL, 10);
	assert_int_equal(g.n, 2);
	check(&g.rows[0], "2.0", "", 3, 4, 1030);
	check(&g.rows[1], "1.0", "", 1, 1, 1040);
}

static void test_by_component(void **state)
{
	struct got g = run(*state, STORE_FLEET_COMPONENT, NULL, 10);
	assert_int_equal(g.n, 2);
	check(&g.rows[0], "kernel.img", "", 3, 4, 1030);
	check(&g.rows[1], "rootfs", "", 1, 1, 1040);
}

static void test_by_digest(void **state)
{
	char bb[65], cc[65], dd[65];
	memset(bb, 'b', 64); memset(cc, 'c', 64); memset(dd, 'd', 64);
	bb[64] = cc[64] = dd[64] = '\0';
	struct got g = run(*state, STORE_FLEET_DIGEST, NULL, 10);
	assert_int_equal(g.n, 3);
	check(&g.rows[0], "kernel.img", bb, 2, 3, 1020);
	check(&g.rows[1], "kernel.img", cc, 1, 1, 1030);
	check(&g.rows[2], "rootfs", dd, 1, 1, 1040);
}

/* Distress over time: UTC hours, newest first; the window and the trust
 * rule as in every grouping (the unverified flood at 1050 never counts). */
static void test_by_hour(void **state)
{
	put(*state, "hnb-2", 7, 2 * 3600 + 5, "2.0", "kernel.img", 0xbb, STORE_TRUST_SIGNED);
	struct got g = run(*state, STORE_FLEET_HOUR, NULL, 10);
	assert_int_equal(g.n, 2);
	check(&g.rows[0], "1970-01-01T02:00:00Z", "", 1, 1, 2 * 3600 + 5);
	check(&g.rows[1], "1970-01-01T00:00:00Z", "", 4, 5, 1040);
	g = run(*state, STORE_FLEET_HOUR, "femto-b", 10);
	assert_int_equal(g.n, 1);
	check(&g.rows[0], "1970-01-01T00:00:00Z", "", 1, 1, 1040);
	g = run(*state, STORE_FLEET_HOUR, NULL, 1);   /* only the newest hour */
	assert_int_equal(g.n, 1);
	assert_string_equal(g.rows[0].key, "1970-01-01T02:00:00Z");
}

static void test_class_filter_and_limit(void **state)
{
	struct got g = run(*state, STORE_FLEET_COMPONENT, "femto-b", 10);
	assert_int_equal(g.n, 1);
	check(&g.rows[0], "rootfs", "", 1, 1, 1040);
	g = run(*state, STORE_FLEET_COMPONENT, "no-such-class", 10);
	assert_int_equal(g.n, 0);
	g = run(*state, STORE_FLEET_DIGEST, NULL, 1);   /* only the largest group */
	assert_int_equal(g.n, 1);
	assert_int_equal(g.rows[0].devices, 2);
}

static void test_rejects(void **state)
{
	struct fx *fx = *state;
	struct got g = {0};
	struct store_fleet_query q = {.by = STORE_FLEET_CLASS, .limit = 0};
	assert_int_equal(store_fleet(fx->st, &q, collect, &g), MAYDAY_E_INVALID);
	q.limit = STORE_FLEET_LIMIT_MAX + 1;
	assert_int_equal(store_fleet(fx->st, &q, collect, &g), MAYDAY_E_INVALID);
	q.limit = 1;
	q.by = (enum store_fleet_by)5;
	assert_int_equal(store_fleet(fx->st, &q, collect, &g), MAYDAY_E_INVALID);
	assert_int_equal(g.n, 0);
	enum store_fleet_by by;
	assert_true(store_fleet_by_parse("digest", &by));
	assert_int_equal(by, STORE_FLEET_DIGEST);
	assert_false(store_fleet_by_parse("Digest", &by));
	assert_true(store_fleet_by_parse("hour", &by));
	assert_int_equal(by, STORE_FLEET_HOUR);
	assert_null(store_fleet_by_name((enum store_fleet_by)5));
}

static size_t anomalies(struct fx *fx, const char *cls, uint32_t devices, int64_t window_s,
			bool pause, int64_t now, struct store_fleet_anomaly *out)
{
	struct store_fleet_rule r = {.product_class = cls, .devices = devices,
				     .window_s = window_s, .auto_pause = pause};
	size_t n = 99;
	assert_int_equal(store_fleet_anomalies(fx->st, &r, now, out, 4, &n), MAYDAY_OK);
	return n;
}

static void test_anomaly_threshold(void **state)
{
	struct fx *fx = *state;
	struct store_fleet_anomaly a[4];
	/* femto-a: three devices failing kernel.img within 940..1040. */
	assert_int_equal(anomalies(fx, "femto-a", 4, 100, false, 1040, a), 0);
	assert_int_equal(fx_sql_scalar(fx, "SELECT count(*) FROM fleet_anomalies"), 0);
	assert_int_equal(anomalies(fx, "femto-a", 3, 100, false, 1040, a), 1);
	assert_string_equal(a[0].product_class, "femto-a");
	assert_string_equal(a[0].component, "kernel.img");
	assert_int_equal(a[0].devices, 3);
	assert_false(a[0].paused);
	assert_int_equal(fx_sql_scalar(fx, "SELECT count(*) FROM fleet_anomalies WHERE"
				    " product_class = 'femto-a' AND component = 'kernel.img'"
				    " AND devices = 3 AND threshold = 3 AND window_s = 100"
				    " AND at = 1040"), 1);
	/* femto-b: its one signed failure counts, the unverified flood
	 * naming hnb-4 ("forged") never does (its kernel.img at 999 is
	 * before this window, 1000..1100). */
	assert_int_equal(anomalies(fx, "femto-b", 1, 100, false, 1100, a), 1);
	assert_string_equal(a[0].component, "rootfs");
	assert_int_equal(fx_sql_scalar(fx, "SELECT count(*) FROM remediation_class_events"), 0);
}

static void test_anomaly_window(void **state)
{
	struct fx *fx = *state;
	struct store_fleet_anomaly a[4];
	/* Window 1020..1040: only hnb-2 and hnb-3. */
	assert_int_equal(anomalies(fx, "femto-a", 3, 20, false, 1040, a), 0);
	assert_int_equal(anomalies(fx, "femto-a", 2, 20, false, 1040, a), 1);
	assert_int_equal(a[0].devices, 2);
}

static void test_anomaly_once(void **state)
{
	struct fx *fx = *state;
	struct store_fleet_anomaly a[4];
	assert_int_equal(anomalies(fx, "femto-a", 3, 100, false, 1040, a), 1);
	assert_int_equal(anomalies(fx, "femto-a", 3, 100, false, 1040, a), 0);
	assert_int_equal(anomalies(fx, "femto-a", 3, 100, false, 1100, a), 0);
	/* A new wave after the window: found again, once. */
	put(fx, "hnb-1", 10, 1200, "2.0", "kernel.img", 0xbb, STORE_TRUST_SIGNED);
	put(fx, "hnb-2", 10, 1201, "2.0", "kernel.img", 0xbb, STORE_TRUST_SIGNED);
	put(fx, "hnb-3", 10, 1202, "2.0", "kernel.img", 0xbb, STORE_TRUST_SIGNED);
	assert_int_equal(anomalies(fx, "femto-a", 3, 100, false, 1210, a), 1);
	assert_int_equal(anomalies(fx, "femto-a", 3, 100, false, 1211, a), 0);
	assert_int_equal(fx_sql_scalar(fx, "SELECT count(*) FROM fleet_anomalies"), 2);
}

static void test_anomaly_pause(void **state)
{
	struct fx *fx = *state;
	struct store_fleet_anomaly a[4];
	assert_int_equal(anomalies(fx, "femto-a", 3, 100, true, 1040, a), 1);
	assert_true(a[0].paused);
	assert_int_equal(fx_sql_scalar(fx, "SELECT count(*) FROM remediation_class_events WHERE"
				    " product_class = 'femto-a' AND kind = 'paused' AND at = 1040"), 1);
	assert_int_equal(fx_sql_scalar(fx, "SELECT paused FROM fleet_anomalies"), 1);
	/* Already paused: the next finding records, and pauses nothing more. */
	put(fx, "hnb-1", 10, 1200, "2.0", "kernel.img", 0xbb, STORE_TRUST_SIGNED);
	put(fx, "hnb-2", 10, 1201, "2.0", "kernel.img", 0xbb, STORE_TRUST_SIGNED);
	put(fx, "hnb-3", 10, 1202, "2.0", "kernel.img", 0xbb, STORE_TRUST_SIGNED);
	assert_int_equal(anomalies(fx, "femto-a", 3, 100, true, 1210, a), 1);
	assert_false(a[0].paused);
	assert_int_equal(fx_sql_scalar(fx, "SELECT count(*) FROM remediation_class_events"), 1);
}

static void test_anomaly_rejects(void **state)
{
	struct fx *fx = *state;
	struct store_fleet_anomaly a[1];
	struct store_fleet_rule r = {.product_class = "femto-a", .devices = 0, .window_s = 100};
	size_t n = 7;
	assert_int_equal(store_fleet_anomalies(fx->st, &r, 1040, a, 1, &n), MAYDAY_E_INVALID);
	r.devices = 1;
	r.window_s = 0;
	assert_int_equal(store_fleet_anomalies(fx->st, &r, 1040, a, 1, &n), MAYDAY_E_INVALID);
	r.window_s = 100;
	r.product_class = "";
	assert_int_equal(store_fleet_anomalies(fx->st, &r, 1040, a, 1, &n), MAYDAY_E_INVALID);
	r.product_class = "femto-a";
	assert_int_equal(store_fleet_anomalies(fx->st, &r, 1040, a, 0, &n), MAYDAY_E_INVALID);
	assert_int_equal(n, 0);
	/* cap bounds what one call records; the rest is found by the next. */
	put(fx, "hnb-4", 10, 1035, "1.0", "kernel.img", 0xbb, STORE_TRUST_SIGNED);
	r.product_class = "femto-b";
	assert_int_equal(store_fleet_anomalies(fx->st, &r, 1040, a, 1, &n), MAYDAY_OK);
	assert_int_equal(n, 1);
	assert_int_equal(store_fleet_anomalies(fx->st, &r, 1040, a, 1, &n), MAYDAY_OK);
	assert_int_equal(n, 1);
	assert_int_equal(store_fleet_anomalies(fx->st, &r, 1040, a, 1, &n), MAYDAY_OK);
	assert_int_equal(n, 0);
}

/* The window is read from the fleet index alone, not a scan of indications
 * (the query's shape as store_sqlite_fleet.c builds it). */
static void test_uses_index(void **state)
{
	FX_SQLITE_ONLY();   /* PostgreSQL's plans: bench/api_reads_pg.sh */
	struct fx *fx = *state;
	sqlite3 *db = NULL;
	sqlite3_stmt *q = NULL;
	char path[400];
	int found = 0;
	snprintf(path, sizeof(path), "%s/hems.db", fx->dir);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db,
		"EXPLAIN QUERY PLAN SELECT d.product_class, count(DISTINCT i.device_id)"
		" FROM indications i CROSS JOIN devices d ON d.id = i.device_id"
		" WHERE i.trust = 'signed' AND i.received_at >= 1000 GROUP BY 1",
		-1, &q, NULL), SQLITE_OK);
	while (sqlite3_step(q) == SQLITE_ROW)
		if (strstr((const char *)sqlite3_column_text(q, 3), "COVERING INDEX indications_fleet") != NULL)
			found = 1;
	sqlite3_finalize(q);
	sqlite3_close(db);
	assert_true(found);
}

/* Several nodes (each its own handle, as maydayd nodes on one database)
 * evaluating one class's rule at once (a barrier): one finding recorded
 * and one pause, whichever node wins, in every round. Each round is a
 * fresh class with three devices failing one component. */
#define NODES 4
#define ROUNDS 8

struct node {
	const char *spec;
	pthread_barrier_t *go;
	struct store *st;
	size_t found[ROUNDS];
	bool paused[ROUNDS];
	enum mayday_err err;
};

static void *node_run(void *arg)
{
	struct node *nd = arg;
	char cls[32];
	for (int r = 0; r < ROUNDS; r++) {
		struct store_fleet_anomaly a[4];
		snprintf(cls, sizeof(cls), "wave-%d", r);
		struct store_fleet_rule rule = {.product_class = cls, .devices = 3,
						.window_s = 100, .auto_pause = true};
		pthread_barrier_wait(nd->go);
		enum mayday_err err = store_fleet_anomalies(nd->st, &rule, 1100, a, 4,
							    &nd->found[r]);
		if (err != MAYDAY_OK && nd->err == MAYDAY_OK)
			nd->err = err;
		nd->paused[r] = err == MAYDAY_OK && nd->found[r] == 1 && a[0].paused;
	}
	return NULL;
}

static void test_anomaly_nodes(void **state)
{
	struct fx *fx = *state;
	struct node nodes[NODES];
	pthread_t th[NODES];
	pthread_barrier_t go;
	char pem[1024], id[32], cls[32], sql[256];
	EVP_PKEY_free(fx_key(pem, sizeof(pem)));
	for (int r = 0; r < ROUNDS; r++) {
		snprintf(cls, sizeof(cls), "wave-%d", r);
		for (int j = 0; j < 3; j++) {
			snprintf(id, sizeof(id), "w%d-%d", r, j);
			assert_int_equal(store_enrol(fx->st, id, cls, pem), MAYDAY_OK);
			put(fx, id, 1, 1050 + j, "3.0", "dtb", 0xbb, STORE_TRUST_SIGNED);
		}
	}
	memset(nodes, 0, sizeof(nodes));
	assert_int_equal(pthread_barrier_init(&go, NULL, NODES), 0);
	for (int i = 0; i < NODES; i++) {
		nodes[i].spec = fx->spec;
		nodes[i].go = &go;
		assert_int_equal(store_open(&nodes[i].st, fx->spec), MAYDAY_OK);
	}
	for (int i = 0; i < NODES; i++)
		assert_int_equal(pthread_create(&th[i], NULL, node_run, &nodes[i]), 0);
	for (int i = 0; i < NODES; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		store_close(nodes[i].st);
		assert_int_equal(nodes[i].err, MAYDAY_OK);
	}
	pthread_barrier_destroy(&go);
	for (int r = 0; r < ROUNDS; r++) {
		size_t found = 0, paused = 0;
		for (int i = 0; i < NODES; i++) {
			found += nodes[i].found[r];
			paused += nodes[i].paused[r];
		}
		assert_int_equal(found, 1);
		assert_int_equal(paused, 1);
		snprintf(sql, sizeof(sql), "SELECT count(*) FROM fleet_anomalies"
			 " WHERE product_class = 'wave-%d' AND component = 'dtb' AND devices = 3", r);
		assert_int_equal(fx_sql_scalar(fx, sql), 1);
		snprintf(sql, sizeof(sql), "SELECT count(*) FROM remediation_class_events"
			 " WHERE product_class = 'wave-%d' AND kind = 'paused'", r);
		assert_int_equal(fx_sql_scalar(fx, sql), 1);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_by_class, setup, teardown),
		cmocka_unit_test_setup_teardown(test_by_image, setup, teardown),
		cmocka_unit_test_setup_teardown(test_by_component, setup, teardown),
		cmocka_unit_test_setup_teardown(test_by_digest, setup, teardown),
		cmocka_unit_test_setup_teardown(test_by_hour, setup, teardown),
		cmocka_unit_test_setup_teardown(test_class_filter_and_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rejects, setup, teardown),
		cmocka_unit_test_setup_teardown(test_uses_index, setup, teardown),
		cmocka_unit_test_setup_teardown(test_anomaly_threshold, setup, teardown),
		cmocka_unit_test_setup_teardown(test_anomaly_window, setup, teardown),
		cmocka_unit_test_setup_teardown(test_anomaly_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_anomaly_pause, setup, teardown),
		cmocka_unit_test_setup_teardown(test_anomaly_rejects, setup, teardown),
		cmocka_unit_test_setup_teardown(test_anomaly_nodes, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Batched ingest on both backends in the same run, and PostgreSQL's own
 * multi-row INSERT beside it: ROWS signed indications from DEVICES
 * enrolled devices, BATCH per transaction (the writer's group commit),
 * each committed durably (SQLite synchronous=FULL; PostgreSQL fsync on,
 * synchronous_commit on). Prints rows/s for each; asserts only that every
 * row was stored new (a busy machine changes the figures, not the outcome).
 * The PostgreSQL part needs the pg_server fixture, else it is left out.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "store.h"
#include "store_ingest.h"
#include "store_query.h"
#include "test_store_fixture.h"
#include "test_store_pg_fixture.h"

#define DEVICES 100
#define ROWS 3000
#define BATCH 100

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Enrols the devices, then stores ROWS records; rows/s of the ingest. */
static double ingest_rate(struct store *st)
{
	char pem[STORE_PEM_MAX], id[32];
	uint8_t *raw = malloc(MAYDAY_INDICATION_MAX);
	struct mayday_indication *ind = malloc(sizeof(*ind));
	struct store_ingest_rec rec;
	struct store_counts n;
	EVP_PKEY *k = fx_key(pem, sizeof(pem));
	assert_non_null(raw);
	assert_non_null(ind);
	for (int d = 0; d < DEVICES; d++) {
		snprintf(id, sizeof(id), "rate-%03d", d);
		assert_int_equal(store_enrol(st, id, "femto", pem), MAYDAY_OK);
	}
	double t0 = now_s();
	for (int i = 0; i < ROWS; i += BATCH) {
		assert_int_equal(store_ingest_begin(st), MAYDAY_OK);
		for (int j = i; j < i + BATCH && j < ROWS; j++) {
			snprintf(id, sizeof(id), "rate-%03d", j % DEVICES);
			fx_indication(ind, id, 1 + (uint64_t)(j / DEVICES));
			fx_rec(&rec, ind, STORE_TRUST_SIGNED, raw, MAYDAY_INDICATION_MAX);
			assert_int_equal(store_ingest_put(st, &rec), MAYDAY_OK);
			assert_int_equal(rec.outcome, STORE_NEW);
		}
		assert_int_equal(store_ingest_commit(st), MAYDAY_OK);
	}
	double dt = now_s() - t0;
	assert_int_equal(store_count(st, &n), MAYDAY_OK);
	assert_int_equal(n.indications, ROWS);
	EVP_PKEY_free(k);
	free(ind);
	free(raw);
	return ROWS / dt;
}

/* The server's own rate for rows of the same size: one multi-row INSERT
 * of BATCH rows per transaction, the rows made by the server. */
static double pg_insert_rate(const struct fxpg *pg, size_t row_bytes)
{
	char sql[256];
	PGconn *c = fxpg_connect(pg);
	PQclear(PQexec(c, "CREATE TABLE scratch (device_id text, counter bigint, raw bytea)"));
	double t0 = now_s();
	for (int i = 0; i < ROWS; i += BATCH) {
		snprintf(sql, sizeof(sql), "INSERT INTO scratch SELECT 'rate-' || (g %% %d), g,"
			 " decode(repeat('ab', %zu), 'hex') FROM generate_series(%d, %d) g",
			 DEVICES, row_bytes, i, i + BATCH - 1);
		PGresult *r = PQexec(c, sql);
		assert_int_equal(PQresultStatus(r), PGRES_COMMAND_OK);
		PQclear(r);
	}
	double dt = now_s() - t0;
	assert_int_equal(fxpg_scalar(c, "SELECT count(*) FROM scratch"), ROWS);
	PQfinish(c);
	return ROWS / dt;
}

static void test_rates(void **state)
{
	(void)state;
	struct fx fx;
	uint8_t raw[MAYDAY_INDICATION_MAX];
	struct mayday_indication ind;
	struct store_ingest_rec rec;
	/* The size of one record's raw bytes, for the server's own rows. */
	fx_indication(&ind, "rate-000", 1);
	fx_rec(&rec, &ind, STORE_TRUST_SIGNED, raw, sizeof(raw));

	setenv("MAYDAY_TEST_STORE", "sqlite", 1);
	fx_open(&fx);
	double sqlite_rate = ingest_rate(fx.st);
	fx_close(&fx);
	printf("ingest, %d rows in batches of %d: sqlite %.0f rows/s\n", ROWS, BATCH,
	       sqlite_rate);

	char server[1024];
	if (!fxpg_server(server, sizeof(server))) {
		printf("ingest: no PostgreSQL server for the tests, its figures left out\n");
		return;
	}
	setenv("MAYDAY_TEST_STORE", "postgresql", 1);
	fx_open(&fx);
	double pg_rate = ingest_rate(fx.st);
	struct fxpg pg;
	snprintf(pg.db, sizeof(pg.db), "%s", fx.pgdb);
	snprintf(pg.uri, sizeof(pg.uri), "%s", fx.spec);
	double raw_rate = pg_insert_rate(&pg, rec.raw_len);
	fx_close(&fx);
	printf("ingest, %d rows in batches of %d: postgresql %.0f rows/s; postgresql's own "
	       "multi-row INSERT of %zu-byte rows: %.0f rows/s\n", ROWS, BATCH, pg_rate,
	       rec.raw_len, raw_rate);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rates),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The PostgreSQL schema's replay window (mayday_replay, which PSK ingest
 * runs server-side: store_pg_ingest_fn.h) against the library's
 * (mayday_replay_update, lib/src/replay.c), on counters and windows at the
 * edges of the 64-bit range stored as BIGINT bit patterns: the same
 * verdict and the same window after, for every case.
 */
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "mayday/replay.h"
#include "store.h"
#include "test_store_fixture.h"
#include "test_store_pg_fixture.h"

static const uint64_t highs[] = {
	0, 1, 2, 63, 64, 65, 1000, (UINT64_C(1) << 63) - 1, UINT64_C(1) << 63,
	(UINT64_C(1) << 63) + 1, (UINT64_C(1) << 63) + 64, UINT64_MAX - 64, UINT64_MAX - 1,
	UINT64_MAX,
};
static const int64_t steps[] = {-200, -65, -64, -63, -62, -1, 0, 1, 2, 62, 63, 64, 65, 300};
static const uint64_t bitmaps[] = {0, 1, UINT64_C(0x8000000000000000), UINT64_MAX,
				   UINT64_C(0x5555aaaa0f0ff0f0)};

static void test_window_as_the_library(void **state)
{
	(void)state;
	struct fx fx;
	struct fxpg pg;
	char sql[256];
	unsigned cases = 0;
	fx_open(&fx);
	snprintf(pg.db, sizeof(pg.db), "%s", fx.pgdb);
	snprintf(pg.uri, sizeof(pg.uri), "%s", fx.spec);
	PGconn *c = fxpg_connect(&pg);
	for (size_t h = 0; h < sizeof(highs) / sizeof(highs[0]); h++) {
		for (size_t b = 0; b < sizeof(bitmaps) / sizeof(bitmaps[0]); b++) {
			for (size_t s = 0; s < sizeof(steps) / sizeof(steps[0]); s++) {
				struct mayday_replay_window w = {highs[h], bitmaps[b]};
				uint64_t counter = highs[h] + (uint64_t)steps[s];   /* wraps */
				bool ok = mayday_replay_update(&w, counter) == MAYDAY_OK;
				snprintf(sql, sizeof(sql), "SELECT o_ok, o_highest, o_bitmap FROM"
					 " mayday_replay(%" PRId64 ", %" PRId64 ", %" PRId64 ")",
					 (int64_t)highs[h], (int64_t)bitmaps[b], (int64_t)counter);
				PGresult *r = PQexec(c, sql);
				if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1)
					fail_msg("%s: %s", sql, PQerrorMessage(c));
				bool sok = strcmp(PQgetvalue(r, 0, 0), "t") == 0;
				uint64_t sh = (uint64_t)strtoll(PQgetvalue(r, 0, 1), NULL, 10);
				uint64_t sb = (uint64_t)strtoll(PQgetvalue(r, 0, 2), NULL, 10);
				PQclear(r);
				if (sok != ok || sh != w.highest || sb != w.bitmap)
					fail_msg("%s: server %d %" PRIu64 " %" PRIx64
						 ", library %d %" PRIu64 " %" PRIx64, sql, sok,
						 sh, sb, ok, w.highest, w.bitmap);
				cases++;
			}
		}
	}
	assert_true(cases > 900);
	PQfinish(c);
	fx_close(&fx);
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
		cmocka_unit_test(test_window_as_the_library),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

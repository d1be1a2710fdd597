/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The PSK baseline: how many rows per second this machine's SQLite stores
 * durably when batched, measured the way maydayd's writer stores (one
 * thread, WAL, synchronous=FULL, prepared INSERT, `batch` rows per
 * transaction) into a table shaped like maydayd's indications table: the
 * same columns, a ~350-byte raw blob and a 32-byte digest, and the UNIQUE
 * (device_id, counter, trust) index. It stores only that one row per
 * indication, so it is a ceiling for the daemon, which also records the
 * failed component, the incident and the PSK replay window.
 */
#include <stdio.h>
#include <string.h>
#include <sqlite3.h>

#include "mayday/keys.h"
#include "sim.h"

static const char schema[] =
	"PRAGMA journal_mode = WAL;"
	"PRAGMA synchronous = FULL;"
	"CREATE TABLE rows ("
	" id INTEGER PRIMARY KEY, device_id TEXT NOT NULL, counter INTEGER NOT NULL,"
	" received_at INTEGER NOT NULL, device_time INTEGER NOT NULL,"
	" transport INTEGER NOT NULL, trust TEXT NOT NULL, peer TEXT NOT NULL,"
	" reason INTEGER NOT NULL, image_version TEXT NOT NULL,"
	" manifest_rollback INTEGER NOT NULL, dcf_version TEXT NOT NULL, slot INTEGER NOT NULL,"
	" boot_attempts INTEGER NOT NULL, free_space INTEGER NOT NULL,"
	" max_image_size INTEGER NOT NULL, incident_id INTEGER, raw BLOB NOT NULL,"
	" digest BLOB NOT NULL, UNIQUE (device_id, counter, trust));";

static const char insert[] =
	"INSERT INTO rows (device_id, counter, received_at, device_time, transport, trust, peer,"
	" reason, image_version, manifest_rollback, dcf_version, slot, boot_attempts,"
	" free_space, max_image_size, incident_id, raw, digest)"
	" VALUES (?, ?, ?, ?, 5, 'signed', '127.0.0.1:40000', 1, '1.0.3', 3, 'sim-0.1', 0, 1,"
	" 67108864, 268435456, ?, ?, ?)";

int sim_sqlite_ceiling(const char *path, size_t rows, uint32_t batch, double duration)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *ins = NULL;
	uint8_t raw[350], digest[32];
	char id[32];
	size_t done = 0;
	int rc = -1;
	if (batch == 0)
		batch = 1;
	if (sqlite3_open(path, &db) != SQLITE_OK ||
	    sqlite3_exec(db, schema, NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, insert, -1, &ins, NULL) != SQLITE_OK) {
		fprintf(stderr, "mayday-sim: sqlite %s: %s\n", path, sqlite3_errmsg(db));
		goto out;
	}
	uint64_t start = sim_now_ns(), now = start;
	uint64_t deadline = start + (uint64_t)(duration * 1e9);
	size_t commits = 0;
	while (done < rows && now < deadline) {
		if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
			goto fail;
		for (uint32_t b = 0; b < batch && done < rows; b++, done++) {
			/* distinct contents per row, like real indications */
			snprintf(id, sizeof(id), "sim-%06zu", done % 2000);
			memset(raw, (int)(done & 0xff), sizeof(raw));
			memcpy(raw, &done, sizeof(done));
			mayday_sha256(raw, sizeof(raw), digest);
			sqlite3_bind_text(ins, 1, id, -1, SQLITE_TRANSIENT);
			sqlite3_bind_int64(ins, 2, (sqlite3_int64)(done / 2000 + 1));
			sqlite3_bind_int64(ins, 3, (sqlite3_int64)(now / 1000000000u));
			sqlite3_bind_int64(ins, 4, 1700000000);
			sqlite3_bind_int64(ins, 5, (sqlite3_int64)(done % 2000 + 1));
			sqlite3_bind_blob(ins, 6, raw, sizeof(raw), SQLITE_TRANSIENT);
			sqlite3_bind_blob(ins, 7, digest, sizeof(digest), SQLITE_TRANSIENT);
			if (sqlite3_step(ins) != SQLITE_DONE)
				goto fail;
			sqlite3_reset(ins);
		}
		if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
			goto fail;
		commits++;
		now = sim_now_ns();
	}
	double el = (double)(now - start) / 1e9;
	printf("sqlite ceiling: rows=%zu batch=%u commits=%zu elapsed=%.3f s rows/s=%.1f\n", done,
	       batch, commits, el, el > 0 ? (double)done / el : 0.0);
	rc = 0;
	goto out;
fail:
	fprintf(stderr, "mayday-sim: sqlite %s: %s\n", path, sqlite3_errmsg(db));
out:
	sqlite3_finalize(ins);
	sqlite3_close(db);
	return rc;
}

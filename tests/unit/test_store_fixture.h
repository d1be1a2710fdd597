/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Shared by the server's unit tests: a temporary directory with a fresh
 * SQLite store, device keys, and indications to feed the store or the
 * daemon's pipeline.
 */
#ifndef MAYDAY_TEST_STORE_FIXTURE_H
#define MAYDAY_TEST_STORE_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <openssl/evp.h>

#include "mayday/indication.h"
#include "store.h"
#include "store_ingest.h"
#include "store_query.h"

struct fx {
	char dir[256];
	char spec[1200];     /* "sqlite:<dir>/hems.db", or a PostgreSQL database's URI */
	char pgdb[64];       /* that database ("" on SQLite), dropped by fx_close */
	char kek[300];       /* "<dir>/psk.kek", mode 0600 */
	struct store *st;
};

/* mkdtemp under $TMPDIR, a new KEK, store_open and store_psk_kek; asserts
 * on failure. The store is SQLite, or with MAYDAY_TEST_STORE=postgresql
 * (the *_pg registrations) a fresh database on the tests' PostgreSQL
 * server (test_store_pg_fixture.h). */
void fx_open(struct fx *fx);
/* store_close, then store_open and store_psk_kek again (a restart). */
void fx_reopen(struct fx *fx);
/* store_close and remove the directory. */
void fx_close(struct fx *fx);

/* Whether this run's stores are PostgreSQL (MAYDAY_TEST_STORE=postgresql). */
bool fx_is_pg(void);
/* First line of a test about SQLite itself (its file, its migrations from
 * older versions, raw SQL on it): skipped on a PostgreSQL run. */
#define FX_SQLITE_ONLY()                \
	do {                            \
		if (fx_is_pg())         \
			skip();         \
	} while (0)

/* A new P-256 key and its public PEM. */
EVP_PKEY *fx_key(char *pem, size_t cap);
/* An indication from `id` with `counter` and one failed component. */
void fx_indication(struct mayday_indication *ind, const char *id, uint64_t counter);
/* A store_ingest_rec over `ind` with the given trust; raw = its claims. */
void fx_rec(struct store_ingest_rec *rec, const struct mayday_indication *ind,
	    enum store_trust trust, uint8_t *raw_buf, size_t raw_cap);
/* Puts one record in its own batch and commits. */
enum mayday_err fx_put1(struct store *st, struct store_ingest_rec *rec);

/* SQL that takes away schema version 13 (the index of the API's counts,
 * store_api_query.h). */
#define FX_DROP_V13 "DROP INDEX remediation_attempts_started; "
/* SQL that takes away schema version 12 (store_api.h) and every later one,
 * for the tests that roll a store back to an older version and migrate it
 * again: first in their script, since its triggers name columns older
 * steps drop. */
#define FX_DROP_V12 FX_DROP_V13 \
	"DROP TRIGGER events_of_enrol; DROP TRIGGER events_of_reenrol;" \
	" DROP TRIGGER events_of_revoke; DROP TRIGGER events_of_class;" \
	" DROP TABLE api_tokens; DROP TABLE operator_actions;" \
	" ALTER TABLE devices DROP COLUMN revoked_at; ALTER TABLE devices DROP COLUMN revoked_by;" \
	" ALTER TABLE remediation_approvals DROP COLUMN approved_by;" \
	" ALTER TABLE remediation_class_events DROP COLUMN by_identity; "

/* A golden bundle (docs/protocol.md §13) of one small component for
 * `klass`, its manifest signed by `key`, malloc'ed (the caller frees it);
 * `flip` corrupts the payload's first byte after signing. */
uint8_t *fx_bundle(EVP_PKEY *key, const char *klass, uint64_t rollback, bool flip, size_t *len);

/* Raw SQL on the test's store, whichever backend: one statement's single
 * value, or statements with no result (`;`-separated); assert on failure.
 * For SQL both dialects read the same way. */
long long fx_sql_scalar(const struct fx *fx, const char *sql);
void fx_sql_exec(const struct fx *fx, const char *sql);

struct sqlite3;
/* The one value `sql` selects on a raw connection; asserts there is one. */
long long fx_scalar(struct sqlite3 *db, const char *sql);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private to the PostgreSQL backend (db = postgresql://...): its handle and
 * the helpers its files share. One libpq connection per handle, used by one
 * thread at a time like every store handle (store_ingest.h).
 *
 * Work in progress (issue 15, docs/postgresql-backend-status.md): the
 * entries of store_pg_backend still NULL answer MAYDAY_E_UNSUPPORTED, and
 * maydayd refuses to start on this backend until there are none.
 */
#ifndef MAYDAY_STORE_PG_H
#define MAYDAY_STORE_PG_H

#include <libpq-fe.h>
#include <stdbool.h>

#include "mayday/kek.h"
#include "store_backend.h"

/* The schema's semantics are those of the SQLite schema of the same
 * number (store_sqlite_schema.c); PostgreSQL stores start at 12. */
#define STORE_PG_SCHEMA_VERSION 12

struct store_pg {
	struct store base;  /* first: the public handle */
	PGconn *conn;
	int in_batch;
	int has_kek;
	uint8_t kek[MAYDAY_KEK_LEN]; /* seals PSKs at rest; wiped on close */
	char err[256];               /* the last error, for store_errmsg */
};

static inline struct store_pg *store_pg_of(struct store *st)
{
	return (struct store_pg *)st;
}

/* Checks the schema version and, when `create`, creates or migrates the
 * schema, under a transaction-scoped advisory lock so nodes starting
 * together create it once. Errors as store_sqlite_schema_apply's; `name`
 * (the database, no password) goes into `why`. */
MAYDAY_NODISCARD enum mayday_err store_pg_schema_apply(struct store_pg *p, bool create,
						       const char *name, char *why,
						       size_t why_cap);

/* Runs `sql` with text parameters (NULL: SQL NULL); the result, or NULL
 * with p->err set when its status is neither COMMAND_OK nor TUPLES_OK.
 * The caller PQclear()s a result. *err: the mayday error for a failure
 * (MAYDAY_E_INVALID for a constraint violation, MAYDAY_E_IO otherwise). */
PGresult *store_pg_exec(struct store_pg *p, const char *sql, int n, const char *const *vals,
			enum mayday_err *err);
/* store_pg_exec with binary-format parameters of the given lengths (BYTEA). */
PGresult *store_pg_execb(struct store_pg *p, const char *sql, int n, const char *const *vals,
			 const int *lens, const int *fmts, enum mayday_err *err);
/* store_pg_exec that keeps no result: MAYDAY_OK or the error (not
 * NODISCARD: a ROLLBACK after a failure has nothing to report). */
enum mayday_err store_pg_run(struct store_pg *p, const char *sql, int n,
			     const char *const *vals);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * For the store's tests against the PostgreSQL backend: a fresh database
 * per test on the server tests/integration/pg_harness.sh started, named by
 * MAYDAY_TEST_PG (its URI; `pg_harness.sh run`) or by the first line of
 * the file MAYDAY_TEST_PG_FILE names (the CTest fixture pg_server).
 */
#ifndef MAYDAY_TEST_STORE_PG_FIXTURE_H
#define MAYDAY_TEST_STORE_PG_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <libpq-fe.h>

struct fxpg {
	char db[64];      /* the database's name */
	char uri[1200];   /* its URI: a store spec, and what libpq connects to */
};

/* The server's URI into `uri`; false when the environment names none (the
 * test then skips: the harness found no PostgreSQL). */
bool fxpg_server(char *uri, size_t cap);
/* Creates an empty database for one test; asserts on failure. */
void fxpg_create(struct fxpg *f);
/* Drops it (FORCE: connections a failed test left open go too). */
void fxpg_drop(struct fxpg *f);
/* A raw connection to the test's database; asserts it is up. */
PGconn *fxpg_connect(const struct fxpg *f);
/* The one value `sql` selects, as a long long; asserts there is one. */
long long fxpg_scalar(PGconn *c, const char *sql);

#endif

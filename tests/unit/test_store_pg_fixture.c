/* SPDX-License-Identifier: Apache-2.0 */
/* PostgreSQL fixture helpers (see test_store_pg_fixture.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "test_store_pg_fixture.h"

bool fxpg_server(char *uri, size_t cap)
{
	const char *env = getenv("MAYDAY_TEST_PG");
	if (env != NULL && *env) {
		snprintf(uri, cap, "%s", env);
		return true;
	}
	const char *file = getenv("MAYDAY_TEST_PG_FILE");
	FILE *f = file != NULL && *file ? fopen(file, "r") : NULL;
	if (f == NULL)
		return false;
	bool ok = fgets(uri, (int)cap, f) != NULL;
	fclose(f);
	uri[strcspn(uri, "\n")] = '\0';
	return ok && uri[0] != '\0';
}

static void admin(const char *sql)
{
	char uri[1024];
	assert_true(fxpg_server(uri, sizeof(uri)));
	PGconn *c = PQconnectdb(uri);
	if (PQstatus(c) != CONNECTION_OK)
		fail_msg("%s: %s", uri, PQerrorMessage(c));
	PGresult *r = PQexec(c, sql);
	if (PQresultStatus(r) != PGRES_COMMAND_OK)
		fail_msg("%s: %s", sql, PQerrorMessage(c));
	PQclear(r);
	PQfinish(c);
}

void fxpg_create(struct fxpg *f)
{
	static unsigned seq;
	char server[1024], sql[128];
	assert_true(fxpg_server(server, sizeof(server)));
	/* pid and a sequence: tests of one run share the server in parallel. */
	snprintf(f->db, sizeof(f->db), "mayday_t%ld_%u", (long)getpid(), seq++);
	snprintf(sql, sizeof(sql), "CREATE DATABASE %s", f->db);
	admin(sql);
	snprintf(f->uri, sizeof(f->uri), "%s%sdbname=%s", server,
		 strchr(server, '?') != NULL ? "&" : "?", f->db);
}

void fxpg_drop(struct fxpg *f)
{
	char sql[128];
	snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s WITH (FORCE)", f->db);
	admin(sql);
}

PGconn *fxpg_connect(const struct fxpg *f)
{
	PGconn *c = PQconnectdb(f->uri);
	if (PQstatus(c) != CONNECTION_OK)
		fail_msg("%s: %s", f->uri, PQerrorMessage(c));
	return c;
}

long long fxpg_scalar(PGconn *c, const char *sql)
{
	PGresult *r = PQexec(c, sql);
	if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1)
		fail_msg("%s: %s", sql, PQerrorMessage(c));
	long long v = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	return v;
}

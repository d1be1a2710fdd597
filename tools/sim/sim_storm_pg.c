/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The storm's enrolment into a PostgreSQL store (sim_storm_fleet.c says
 * why enrolment is done in bulk): 10,000 devices a transaction, each
 * transaction one INSERT of two text arrays, with the backend's own
 * enrolment SQL (store_pg.c, pg_enrol) otherwise: the same columns, the
 * same "a new key replaces the old" on a device already there. The schema
 * was created or checked by store_open before.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <libpq-fe.h>

#include "mayday/limits.h"
#include "sim.h"

#define ENROL_TX_ROWS 10000u

/* A PostgreSQL array literal of n strings produced by `item` into a buffer
 * the caller frees; NULL if out of memory. The strings (device IDs, PEM)
 * hold no '"' nor '\\', which a literal would need escaped: checked. */
static char *array_literal(uint32_t first, uint32_t n, size_t item_max,
			   const char *(*item)(void *ctx, uint32_t i, char *buf), void *ctx)
{
	size_t cap = 2 + (size_t)n * (item_max + 3);
	char *out = malloc(cap), *w = out;
	char buf[512];

	if (out == NULL)
		return NULL;
	*w++ = '{';
	for (uint32_t i = 0; i < n; i++) {
		const char *s = item(ctx, first + i, buf);
		size_t len = strlen(s);

		if (len > item_max || strpbrk(s, "\"\\") != NULL) {
			free(out);
			return NULL;
		}
		if (i > 0)
			*w++ = ',';
		*w++ = '"';
		memcpy(w, s, len);
		w += len;
		*w++ = '"';
	}
	*w++ = '}';
	*w = '\0';
	return out;
}

struct items {
	const char *prefix;
	const char *pem;
	size_t pem_slot;
};

static const char *id_item(void *ctx, uint32_t i, char *buf)
{
	const struct items *it = ctx;

	snprintf(buf, 512, "%s-%06u", it->prefix, i);
	return buf;
}

static const char *pem_item(void *ctx, uint32_t i, char *buf)
{
	const struct items *it = ctx;

	(void)buf;
	return it->pem + (size_t)i * it->pem_slot;
}

static int run(PGconn *c, const char *sql, int n, const char *const *vals)
{
	PGresult *r = PQexecParams(c, sql, n, NULL, vals, NULL, NULL, 0);
	int ok = PQresultStatus(r) == PGRES_COMMAND_OK;

	if (!ok)
		fprintf(stderr, "mayday-sim: enrolment: %s", PQerrorMessage(c));
	PQclear(r);
	return ok ? 0 : -1;
}

int sim_storm_enrol_pg(const char *uri, const char *prefix, const char *pem, size_t pem_slot,
		       uint32_t n)
{
	static const char sql[] =
		"INSERT INTO devices (id, product_class, pubkey_pem, state, state_since, enrolled_at)"
		" SELECT d.id, 'sim-femto', d.pem, 'healthy', $3::bigint, $3::bigint"
		" FROM unnest($1::text[], $2::text[]) AS d(id, pem)"
		" ON CONFLICT (id) DO UPDATE SET product_class = excluded.product_class,"
		" pubkey_pem = excluded.pubkey_pem, enrolled_at = excluded.enrolled_at,"
		" revoked_at = CASE WHEN devices.pubkey_pem = excluded.pubkey_pem"
		"  THEN devices.revoked_at END,"
		" revoked_by = CASE WHEN devices.pubkey_pem = excluded.pubkey_pem"
		"  THEN devices.revoked_by END";
	struct items it = { prefix, pem, pem_slot };
	PGconn *c = PQconnectdb(uri);
	char now[24];
	int rc = 0;

	if (PQstatus(c) != CONNECTION_OK) {
		fprintf(stderr, "mayday-sim: enrolment: %s", PQerrorMessage(c));
		PQfinish(c);
		return -1;
	}
	snprintf(now, sizeof now, "%lld", (long long)time(NULL));
	for (uint32_t first = 0; first < n && rc == 0; first += ENROL_TX_ROWS) {
		uint32_t k = n - first < ENROL_TX_ROWS ? n - first : ENROL_TX_ROWS;
		char *ids = array_literal(first, k, MAYDAY_DEVICE_ID_MAX, id_item, &it);
		char *pems = array_literal(first, k, pem_slot - 1, pem_item, &it);
		const char *vals[] = { ids, pems, now };

		if (ids == NULL || pems == NULL) {
			fprintf(stderr, "mayday-sim: enrolment: out of memory or a bad ID\n");
			rc = -1;
		} else {
			rc = run(c, "BEGIN", 0, NULL);
			if (rc == 0)
				rc = run(c, sql, 3, vals);
			if (rc == 0)
				rc = run(c, "COMMIT", 0, NULL);
			else
				(void)run(c, "ROLLBACK", 0, NULL);
		}
		free(ids);
		free(pems);
	}
	PQfinish(c);
	return rc;
}

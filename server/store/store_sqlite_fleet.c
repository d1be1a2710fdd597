/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The fleet view over SQLite (store_fleet.h): one grouped SELECT per
 * grouping, run once per call (an operator's query, not a hot path).
 *
 * The window is read through indications_fleet, a partial index on
 * (received_at, device_id, image_version) of signed rows only: the class
 * and image groupings are answered from the index and devices' primary key
 * without touching the wide indication rows, and the component groupings
 * reach failed_components by its primary key (indication_id, idx).
 * Distinct counts, because an indication may name a component twice and a
 * device may send many indications.
 */
#include <string.h>

#include "store_fleet.h"
#include "store_sqlite.h"

_Static_assert(MAYDAY_NAME_MAX >= MAYDAY_CLASS_MAX && MAYDAY_NAME_MAX >= MAYDAY_VERSION_STR_MAX,
	       "store_fleet_row.key holds every kind of key");

#define WINDOW " i.trust = 'signed' AND i.received_at >= ?1" \
	       " AND (?2 IS NULL OR d.product_class = ?2)"
#define ORDER " ORDER BY 3 DESC, 4 DESC, 1, 2 LIMIT ?3"

static const char *const fleet_sql[] = {
	[STORE_FLEET_CLASS] =
		"SELECT d.product_class, '', count(DISTINCT i.device_id), count(*),"
		" max(i.received_at)"
		" FROM indications i JOIN devices d ON d.id = i.device_id"
		" WHERE" WINDOW " GROUP BY d.product_class" ORDER,
	[STORE_FLEET_IMAGE] =
		"SELECT i.image_version, '', count(DISTINCT i.device_id), count(*),"
		" max(i.received_at)"
		" FROM indications i JOIN devices d ON d.id = i.device_id"
		" WHERE" WINDOW " GROUP BY i.image_version" ORDER,
	[STORE_FLEET_COMPONENT] =
		"SELECT f.name, '', count(DISTINCT i.device_id), count(DISTINCT i.id),"
		" max(i.received_at)"
		" FROM indications i JOIN devices d ON d.id = i.device_id"
		" JOIN failed_components f ON f.indication_id = i.id"
		" WHERE" WINDOW " GROUP BY f.name" ORDER,
	[STORE_FLEET_DIGEST] =
		"SELECT f.name, f.measured_digest, count(DISTINCT i.device_id),"
		" count(DISTINCT i.id), max(i.received_at)"
		" FROM indications i JOIN devices d ON d.id = i.device_id"
		" JOIN failed_components f ON f.indication_id = i.id"
		" WHERE" WINDOW " GROUP BY f.name, f.measured_digest" ORDER,
};

enum mayday_err store_sqlite_fleet(struct store *st, const struct store_fleet_query *q,
				   store_fleet_cb cb, void *ctx)
{
	struct store_sqlite *s = store_sqlite_of(st);
	struct store_fleet_row row;
	sqlite3_stmt *stmt = NULL;
	enum mayday_err err = MAYDAY_OK;
	int rc;
	if ((unsigned)q->by > STORE_FLEET_DIGEST || q->limit < 1 ||
	    q->limit > STORE_FLEET_LIMIT_MAX)
		return MAYDAY_E_INVALID;
	rc = sqlite3_prepare_v2(s->db, fleet_sql[q->by], -1, &stmt, NULL);
	if (rc != SQLITE_OK)
		return store_sqlite_err(rc);
	sqlite3_bind_int64(stmt, 1, q->since);
	if (q->product_class != NULL)
		sqlite3_bind_text(stmt, 2, q->product_class, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(stmt, 2);
	sqlite3_bind_int64(stmt, 3, q->limit);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		memset(&row, 0, sizeof(row));
		store_sqlite_text(stmt, 0, row.key, sizeof(row.key));
		store_sqlite_text(stmt, 1, row.digest_hex, sizeof(row.digest_hex));
		row.devices = (uint64_t)sqlite3_column_int64(stmt, 2);
		row.indications = (uint64_t)sqlite3_column_int64(stmt, 3);
		row.last_at = sqlite3_column_int64(stmt, 4);
		if (cb(ctx, &row) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	if (rc != SQLITE_DONE)
		err = store_sqlite_err(rc);
	sqlite3_finalize(stmt);
	return err;
}

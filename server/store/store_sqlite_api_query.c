/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The REST API's reads over SQLite (store_api_query.h). Each call prepares
 * its statement once per call (an operator's request, not a hot path) with
 * every filter bound as a parameter, "?N IS NULL OR ..." standing for an
 * absent one, so there is one statement per listing rather than one per
 * combination of filters.
 *
 * A device's image version and failed component are those of its latest
 * signed indication, found through the (device_id, counter, trust) unique
 * index; an unverified report never changes what a search finds about a
 * device, as it never changes the device's state. Filtering on them first
 * narrows the devices to those that ever sent the value (one pass over
 * the indications, the image's through the fleet index alone), so the
 * latest indication is looked up for those candidates only, not for every
 * device: at 100k devices and 1M indications the count of an image filter
 * went from 1.4 s to 0.3 s (bench/api_reads.sh).
 */
#include <stdlib.h>
#include <string.h>

#include "store_sqlite.h"
#include "store_state.h"

#define LATEST_SIGNED \
	"(SELECT id FROM indications WHERE device_id = d.id AND trust = 'signed'" \
	" ORDER BY id DESC LIMIT 1)"

/* The states store_state_needs_maintenance() names, as SQL. */
#define MAINTENANCE_STATES \
	"('in_distress', 'remediation_scheduled', 'remediation_in_progress', 'installed'," \
	" 'remediation_failed')"

/* ?1 state ?2 class ?3 image ?4 component ?5 seen_before ?6 seen_after
 * ?7 maintenance ?8 after_id */
#define DEVICE_WHERE                                                                        \
	" WHERE (?1 IS NULL OR d.state = ?1) AND (?2 IS NULL OR d.product_class = ?2)"      \
	" AND (?3 IS NULL OR (d.id IN (SELECT device_id FROM indications"                   \
	"  WHERE image_version = ?3 AND trust = 'signed')"                                   \
	"  AND (SELECT image_version FROM indications WHERE id = " LATEST_SIGNED ") = ?3))" \
	" AND (?4 IS NULL OR (d.id IN (SELECT i.device_id FROM failed_components f"         \
	"  JOIN indications i ON i.id = f.indication_id WHERE f.name = ?4"                   \
	"  AND i.trust = 'signed')"                                                          \
	"  AND EXISTS (SELECT 1 FROM failed_components f"                                    \
	"  WHERE f.indication_id = " LATEST_SIGNED " AND f.name = ?4)))"                    \
	" AND (?5 IS NULL OR coalesce(d.last_seen, 0) < ?5)"                                \
	" AND (?6 IS NULL OR coalesce(d.last_seen, 0) > ?6)"                                \
	" AND (?7 = 0 OR d.state IN " MAINTENANCE_STATES ")"

_Static_assert(STORE_SQLITE_DEVICE_NCOLS == 11, "the API's device columns follow the base row's");

/* The columns after the base row: revoked_at, revoked_by, image version,
 * first failed component of the latest signed indication. */
#define DEVICE_EXTRA                                                                   \
	", coalesce(d.revoked_at, 0), coalesce(d.revoked_by, ''),"                     \
	" (SELECT image_version FROM indications WHERE id = " LATEST_SIGNED "),"       \
	" (SELECT name FROM failed_components WHERE indication_id = " LATEST_SIGNED    \
	"  ORDER BY idx LIMIT 1) FROM devices d"

static void api_device_row(sqlite3_stmt *q, struct store_api_device *r)
{
	memset(r, 0, sizeof(*r));
	store_sqlite_device_row(q, &r->d);
	r->revoked_at = sqlite3_column_int64(q, 11);
	store_sqlite_text(q, 12, r->revoked_by, sizeof(r->revoked_by));
	r->has_image = sqlite3_column_type(q, 13) != SQLITE_NULL;
	store_sqlite_text(q, 13, r->image_version, sizeof(r->image_version));
	store_sqlite_text(q, 14, r->last_failed_component, sizeof(r->last_failed_component));
}

static int bind_text_or_null(sqlite3_stmt *q, int i, const char *v)
{
	return v != NULL ? sqlite3_bind_text(q, i, v, -1, SQLITE_TRANSIENT) : sqlite3_bind_null(q, i);
}

static int bind_filter(sqlite3_stmt *q, const struct store_device_filter *f)
{
	int rc = bind_text_or_null(q, 1, f->state);
	if (rc == SQLITE_OK)
		rc = bind_text_or_null(q, 2, f->product_class);
	if (rc == SQLITE_OK)
		rc = bind_text_or_null(q, 3, f->image_version);
	if (rc == SQLITE_OK)
		rc = bind_text_or_null(q, 4, f->failed_component);
	if (rc == SQLITE_OK)
		rc = f->seen_before ? sqlite3_bind_int64(q, 5, f->seen_before) : sqlite3_bind_null(q, 5);
	if (rc == SQLITE_OK)
		rc = f->seen_after ? sqlite3_bind_int64(q, 6, f->seen_after) : sqlite3_bind_null(q, 6);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int(q, 7, f->maintenance_only ? 1 : 0);
	return rc;
}

enum mayday_err store_sqlite_devices_page(struct store *st, const struct store_device_filter *f,
					  store_api_device_cb cb, void *ctx, uint64_t *count)
{
	struct store_sqlite *s = store_sqlite_of(st);
	struct store_api_device row;
	sqlite3_stmt *q = NULL;
	char sql[4096];
	int rc;
	if (f->limit < 1 || f->limit > STORE_API_PAGE_MAX)
		return MAYDAY_E_INVALID;
	if (count != NULL) {
		rc = sqlite3_prepare_v2(s->db, "SELECT count(*) FROM devices d" DEVICE_WHERE, -1, &q,
					NULL);
		if (rc == SQLITE_OK && (rc = bind_filter(q, f)) == SQLITE_OK &&
		    (rc = sqlite3_step(q)) == SQLITE_ROW)
			*count = (uint64_t)sqlite3_column_int64(q, 0);
		sqlite3_finalize(q);
		q = NULL;
		if (rc != SQLITE_ROW)
			return store_sqlite_err(rc);
	}
	int n = snprintf(sql, sizeof(sql), "%s%s%s AND (?8 IS NULL OR d.id > ?8)"
			 " ORDER BY d.id LIMIT ?9", STORE_SQLITE_DEVICE_SELECT,
			 DEVICE_EXTRA, DEVICE_WHERE);
	if (n < 0 || (size_t)n >= sizeof(sql))
		return MAYDAY_E_INTERNAL;
	rc = sqlite3_prepare_v2(s->db, sql, -1, &q, NULL);
	if (rc == SQLITE_OK && (rc = bind_filter(q, f)) == SQLITE_OK &&
	    (rc = bind_text_or_null(q, 8, f->after_id)) == SQLITE_OK)
		rc = sqlite3_bind_int64(q, 9, f->limit);
	if (rc == SQLITE_OK) {
		while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
			api_device_row(q, &row);
			if (cb(ctx, &row) != 0) {
				rc = SQLITE_DONE;
				break;
			}
		}
	}
	sqlite3_finalize(q);
	return rc == SQLITE_DONE ? MAYDAY_OK : store_sqlite_err(rc);
}

enum mayday_err store_sqlite_api_device(struct store *st, const char *device_id,
					struct store_api_device *out)
{
	struct store_sqlite *s = store_sqlite_of(st);
	sqlite3_stmt *q = NULL;
	char sql[4096];
	int n = snprintf(sql, sizeof(sql), "%s%s WHERE d.id = ?1", STORE_SQLITE_DEVICE_SELECT,
			 DEVICE_EXTRA);
	if (n < 0 || (size_t)n >= sizeof(sql))
		return MAYDAY_E_INTERNAL;
	int rc = sqlite3_prepare_v2(s->db, sql, -1, &q, NULL);
	if (rc == SQLITE_OK && (rc = sqlite3_bind_text(q, 1, device_id, -1, SQLITE_TRANSIENT)) ==
	    SQLITE_OK && (rc = sqlite3_step(q)) == SQLITE_ROW)
		api_device_row(q, out);
	sqlite3_finalize(q);
	return rc == SQLITE_ROW ? MAYDAY_OK : rc == SQLITE_DONE ? MAYDAY_E_NOTFOUND
								: store_sqlite_err(rc);
}

enum mayday_err store_sqlite_device_counts(struct store *st, struct store_device_counts *out,
					   int64_t since, store_count_cb cb, void *ctx)
{
	struct store_sqlite *s = store_sqlite_of(st);
	sqlite3_stmt *q = NULL;
	int rc;
	memset(out, 0, sizeof(*out));
	rc = sqlite3_prepare_v2(s->db,
				"SELECT count(*), coalesce(sum(state IN " MAINTENANCE_STATES "), 0),"
				" count(revoked_at), (SELECT count(*) FROM incidents"
				" WHERE closed_at IS NULL) FROM devices", -1, &q, NULL);
	if (rc == SQLITE_OK && (rc = sqlite3_step(q)) == SQLITE_ROW) {
		out->total = (uint64_t)sqlite3_column_int64(q, 0);
		out->needs_maintenance = (uint64_t)sqlite3_column_int64(q, 1);
		out->revoked = (uint64_t)sqlite3_column_int64(q, 2);
		out->open_incidents = (uint64_t)sqlite3_column_int64(q, 3);
	}
	sqlite3_finalize(q);
	if (rc != SQLITE_ROW)
		return store_sqlite_err(rc);
	/* The attempts of the window only: a range of the covering index
	 * remediation_attempts_started (started_at, result). */
	rc = sqlite3_prepare_v2(s->db, STORE_SQLITE_COUNTS_GROUPS, -1, &q, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(q, 1, since);
	if (rc == SQLITE_OK) {
		while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
			const char *kind = (const char *)sqlite3_column_text(q, 0);
			const char *key = (const char *)sqlite3_column_text(q, 1);
			if (cb(ctx, kind != NULL ? kind[0] : '?', key != NULL ? key : "",
			       (uint64_t)sqlite3_column_int64(q, 2)) != 0) {
				rc = SQLITE_DONE;
				break;
			}
		}
	}
	sqlite3_finalize(q);
	return rc == SQLITE_DONE ? MAYDAY_OK : store_sqlite_err(rc);
}

enum mayday_err store_sqlite_indications_page(struct store *st,
					      const struct store_indication_filter *f,
					      store_api_indication_cb cb, void *ctx)
{
	struct store_sqlite *s = store_sqlite_of(st);
	struct store_indication_row *r;
	sqlite3_stmt *q = NULL;
	enum mayday_err err = MAYDAY_OK;
	int rc;
	if (f->limit < 1 || f->limit > STORE_API_PAGE_MAX ||
	    (f->trust != -1 && f->trust != STORE_TRUST_SIGNED && f->trust != STORE_TRUST_UNVERIFIED))
		return MAYDAY_E_INVALID;
	if ((r = malloc(sizeof(*r))) == NULL)
		return MAYDAY_E_NOMEM;
	/* Only the conditions asked for: "?N IS NULL OR ..." would keep SQLite
	 * from reading one device's rows through its index. */
	char sql[1024];
	int n = snprintf(sql, sizeof(sql), "%s, EXISTS (SELECT 1 FROM devices WHERE id = i.device_id)"
			 " FROM indications i WHERE 1%s%s%s%s ORDER BY i.id DESC LIMIT ?5",
			 STORE_SQLITE_INDICATION_SELECT, f->trust != -1 ? " AND i.trust = ?1" : "",
			 f->device_id != NULL ? " AND i.device_id = ?2" : "",
			 f->since != 0 ? " AND i.received_at >= ?3" : "",
			 f->before_id != 0 ? " AND i.id < ?4" : "");
	if (n < 0 || (size_t)n >= sizeof(sql)) {
		free(r);
		return MAYDAY_E_INTERNAL;
	}
	rc = sqlite3_prepare_v2(s->db, sql, -1, &q, NULL);
	if (rc == SQLITE_OK && f->trust != -1)
		rc = sqlite3_bind_text(q, 1, store_trust_name(f->trust), -1, SQLITE_STATIC);
	if (rc == SQLITE_OK && f->device_id != NULL)
		rc = sqlite3_bind_text(q, 2, f->device_id, -1, SQLITE_TRANSIENT);
	if (rc == SQLITE_OK && f->since != 0)
		rc = sqlite3_bind_int64(q, 3, f->since);
	if (rc == SQLITE_OK && f->before_id != 0)
		rc = sqlite3_bind_int64(q, 4, f->before_id);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(q, 5, f->limit);
	if (rc == SQLITE_OK) {
		while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
			if ((err = store_sqlite_indication_row(s, q, r)) != MAYDAY_OK)
				break;
			if (cb(ctx, r, sqlite3_column_int(q, STORE_SQLITE_INDICATION_NCOLS) != 0)) {
				rc = SQLITE_DONE;
				break;
			}
		}
	}
	sqlite3_finalize(q);
	free(r);
	if (err != MAYDAY_OK)
		return err;
	return rc == SQLITE_DONE ? MAYDAY_OK : store_sqlite_err(rc);
}

enum mayday_err store_sqlite_get_indication(struct store *st, int64_t id,
					    struct store_indication_row *out, bool *enrolled)
{
	struct store_sqlite *s = store_sqlite_of(st);
	sqlite3_stmt *q = NULL;
	enum mayday_err err = MAYDAY_OK;
	int rc = sqlite3_prepare_v2(s->db, STORE_SQLITE_INDICATION_SELECT ","
		" EXISTS (SELECT 1 FROM devices WHERE id = i.device_id)"
		" FROM indications i WHERE i.id = ?1", -1, &q, NULL);
	if (rc == SQLITE_OK && (rc = sqlite3_bind_int64(q, 1, id)) == SQLITE_OK &&
	    (rc = sqlite3_step(q)) == SQLITE_ROW) {
		err = store_sqlite_indication_row(s, q, out);
		*enrolled = sqlite3_column_int(q, STORE_SQLITE_INDICATION_NCOLS) != 0;
	}
	sqlite3_finalize(q);
	if (err != MAYDAY_OK)
		return err;
	return rc == SQLITE_ROW ? MAYDAY_OK : rc == SQLITE_DONE ? MAYDAY_E_NOTFOUND
								: store_sqlite_err(rc);
}

enum mayday_err store_sqlite_anomalies_list(struct store *st, unsigned limit,
					    store_anomaly_cb cb, void *ctx)
{
	struct store_sqlite *s = store_sqlite_of(st);
	struct store_anomaly_row a;
	sqlite3_stmt *q = NULL;
	if (limit < 1 || limit > STORE_API_PAGE_MAX)
		return MAYDAY_E_INVALID;
	int rc = sqlite3_prepare_v2(s->db, "SELECT id, at, window_s, product_class, component,"
				    " devices, threshold, paused FROM fleet_anomalies"
				    " ORDER BY id DESC LIMIT ?1", -1, &q, NULL);
	if (rc == SQLITE_OK && (rc = sqlite3_bind_int64(q, 1, limit)) == SQLITE_OK) {
		while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
			memset(&a, 0, sizeof(a));
			a.id = sqlite3_column_int64(q, 0);
			a.at = sqlite3_column_int64(q, 1);
			a.window_s = sqlite3_column_int64(q, 2);
			store_sqlite_text(q, 3, a.product_class, sizeof(a.product_class));
			store_sqlite_text(q, 4, a.component, sizeof(a.component));
			a.devices = (uint64_t)sqlite3_column_int64(q, 5);
			a.threshold = (uint64_t)sqlite3_column_int64(q, 6);
			a.paused = sqlite3_column_int64(q, 7) != 0;
			if (cb(ctx, &a) != 0) {
				rc = SQLITE_DONE;
				break;
			}
		}
	}
	sqlite3_finalize(q);
	return rc == SQLITE_DONE ? MAYDAY_OK : store_sqlite_err(rc);
}

enum mayday_err store_sqlite_events_page(struct store *st, int64_t after_id, unsigned limit,
					 store_event_doc_cb cb, void *ctx)
{
	struct store_sqlite *s = store_sqlite_of(st);
	sqlite3_stmt *q = NULL;
	if (limit < 1 || limit > STORE_API_PAGE_MAX)
		return MAYDAY_E_INVALID;
	/* the document store_events_next hands the delivery, so a consumer of
	 * the API and a webhook receiver see the same bytes */
	int rc = sqlite3_prepare_v2(s->db, "SELECT e.id, json_object('id', e.id, 'type', e.type,"
		" 'created_at', e.created_at, 'device_id', e.device_id, 'data', json(e.payload))"
		" FROM events e WHERE e.id > ?1 ORDER BY e.id LIMIT ?2", -1, &q, NULL);
	if (rc == SQLITE_OK && (rc = sqlite3_bind_int64(q, 1, after_id)) == SQLITE_OK &&
	    (rc = sqlite3_bind_int64(q, 2, limit)) == SQLITE_OK) {
		while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
			const char *json = (const char *)sqlite3_column_text(q, 1);
			if (cb(ctx, sqlite3_column_int64(q, 0), json != NULL ? json : "null",
			       json != NULL ? (size_t)sqlite3_column_bytes(q, 1) : 4) != 0) {
				rc = SQLITE_DONE;
				break;
			}
		}
	}
	sqlite3_finalize(q);
	return rc == SQLITE_DONE ? MAYDAY_OK : store_sqlite_err(rc);
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The REST API's reads over PostgreSQL (store_api_query.h), with the SQLite
 * backend's filters, order and counts (store_sqlite_api_query.c). Each is
 * a read outside any transaction: one statement, one snapshot (the count
 * of a device listing is a second statement, as on SQLite). Several nodes
 * change nothing here: the rows are read as committed.
 *
 * The filtered listings send only the conditions asked for, unprepared
 * (PQexecParams: planned with the values at hand), rather than one
 * prepared statement with "$N IS NULL OR ..." for each: a generic plan of
 * such a statement cannot use an index for the condition that is there.
 * The fixed ones (a device, an indication, the counts) are prepared once
 * per connection.
 *
 * Devices are paged and ordered by their ID's bytes (COLLATE "C"), as
 * SQLite compares them and as the API's cursor expects, whatever the
 * database's collation: the expression index devices_id_c
 * (store_pg_schema.c) serves that order, so a page deep in the listing
 * costs what the first does. A device's image version and failed
 * component are those of its latest signed indication (LATERAL, through
 * the index indications_latest): an unverified report never changes what
 * a search finds about a device. An image filter first narrows the
 * devices to those that ever sent that image (the index indications_image),
 * as SQLite's does: at 100k devices and 1M indications a page and its
 * count went from 1.3 s to 0.2-0.6 s on a busy two-core box
 * (bench/api_reads_pg.sh). A failed component is looked up on each
 * device's latest indication: narrowing first, without an index on the
 * components' names, read more than it saved.
 *
 * An indication page reads its rows' failed components with one more
 * statement for the whole page (= ANY of the page's ids), not one per row.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_pg.h"

bool store_pg_text_ok(const char *s)
{
	const unsigned char *c = (const unsigned char *)s;
	while (*c != '\0') {
		unsigned lead = *c++;
		size_t more;
		uint32_t cp, min;
		if (lead < 0x80)
			continue;
		if (lead >= 0xc2 && lead <= 0xdf)
			more = 1, cp = lead & 0x1f, min = 0x80;
		else if (lead >= 0xe0 && lead <= 0xef)
			more = 2, cp = lead & 0x0f, min = 0x800;
		else if (lead >= 0xf0 && lead <= 0xf4)
			more = 3, cp = lead & 0x07, min = 0x10000;
		else
			return false;
		for (; more > 0; more--, c++) {
			if ((*c & 0xc0) != 0x80)
				return false;   /* also the terminating NUL */
			cp = cp << 6 | (*c & 0x3fu);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
	}
	return true;
}

/* Whether every text value of the filter could equal stored text. */
static bool device_filter_ok(const struct store_device_filter *f)
{
	const char *v[] = {f->state, f->product_class, f->image_version, f->failed_component,
			   f->after_id};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		if (v[i] != NULL && !store_pg_text_ok(v[i]))
			return false;
	return true;
}

/* The states store_state_needs_maintenance() names, as SQL. */
#define MAINTENANCE_STATES \
	"('in_distress', 'remediation_scheduled', 'remediation_in_progress', 'installed'," \
	" 'remediation_failed')"

/* The device's latest signed indication: l.id and l.image_version, NULL
 * without one. */
#define LATEST_SIGNED                                                                 \
	" LEFT JOIN LATERAL (SELECT id, image_version FROM indications"                \
	"  WHERE device_id = d.id AND trust = 'signed' ORDER BY id DESC LIMIT 1) l ON true"

/* The columns after the base row: revoked_at, revoked_by, image version
 * and first failed component of the latest signed indication. */
#define API_DEVICE_SELECT                                                             \
	STORE_PG_DEVICE_SELECT ", coalesce(d.revoked_at, 0), coalesce(d.revoked_by, ''),"  \
	" l.image_version, (SELECT name FROM failed_components WHERE indication_id = l.id" \
	"  ORDER BY idx LIMIT 1) FROM devices d" LATEST_SIGNED

static void api_device_row(const PGresult *r, int i, struct store_api_device *out)
{
	memset(out, 0, sizeof(*out));
	store_pg_device_row(r, i, &out->d);
	out->revoked_at = store_pg_i64(r, i, STORE_PG_DEVICE_NCOLS);
	store_pg_text(r, i, STORE_PG_DEVICE_NCOLS + 1, out->revoked_by, sizeof(out->revoked_by));
	out->has_image = !PQgetisnull(r, i, STORE_PG_DEVICE_NCOLS + 2);
	store_pg_text(r, i, STORE_PG_DEVICE_NCOLS + 2, out->image_version,
		      sizeof(out->image_version));
	store_pg_text(r, i, STORE_PG_DEVICE_NCOLS + 3, out->last_failed_component,
		      sizeof(out->last_failed_component));
}

/* SQL text built from fixed pieces, the values as parameters. */
struct sql {
	char text[4096];
	size_t len;
	bool over;
	struct store_pg_params q;
};

static void add(struct sql *s, const char *text)
{
	size_t n = strlen(text);
	if (s->over || s->len + n >= sizeof(s->text)) {
		s->over = true;
		return;
	}
	memcpy(s->text + s->len, text, n + 1);
	s->len += n;
}

/* "$N", the next parameter: text, or a number when `text` is NULL. */
static void param(struct sql *s, const char *text, int64_t num)
{
	char buf[16];
	if (s->q.n >= STORE_PG_PARAMS_MAX) {
		s->over = true;
		return;
	}
	snprintf(buf, sizeof(buf), "$%d", s->q.n + 1);
	add(s, buf);
	if (text != NULL)
		store_pg_p_text(&s->q, text);
	else
		store_pg_p_i64(&s->q, num);
}

static PGresult *run(struct store_pg *p, struct sql *s, enum mayday_err *err)
{
	if (s->over) {
		*err = MAYDAY_E_INTERNAL;
		return NULL;
	}
	return store_pg_execb(p, s->text, s->q.n, s->q.v, s->q.len, s->q.fmt, err);
}

/* The device filter's conditions (after "WHERE true"). */
static void device_where(struct sql *s, const struct store_device_filter *f)
{
	if (f->state != NULL) {
		add(s, " AND d.state = ");
		param(s, f->state, 0);
	}
	if (f->product_class != NULL) {
		add(s, " AND d.product_class = ");
		param(s, f->product_class, 0);
	}
	if (f->image_version != NULL) {
		/* the devices that ever sent it first (indications_image), as
		 * SQLite narrows them: the latest is then looked up for those */
		add(s, " AND d.id IN (SELECT device_id FROM indications WHERE trust = 'signed'"
		    " AND image_version = ");
		param(s, f->image_version, 0);
		add(s, ") AND l.image_version = ");
		param(s, f->image_version, 0);
	}
	if (f->failed_component != NULL) {
		add(s, " AND EXISTS (SELECT 1 FROM failed_components"
		    " WHERE indication_id = l.id AND name = ");
		param(s, f->failed_component, 0);
		add(s, ")");
	}
	if (f->seen_before) {
		add(s, " AND coalesce(d.last_seen, 0) < ");
		param(s, NULL, f->seen_before);
	}
	if (f->seen_after) {
		add(s, " AND coalesce(d.last_seen, 0) > ");
		param(s, NULL, f->seen_after);
	}
	if (f->maintenance_only)
		add(s, " AND d.state IN " MAINTENANCE_STATES);
}

enum mayday_err store_pg_devices_page(struct store *st, const struct store_device_filter *f,
				      store_api_device_cb cb, void *ctx, uint64_t *count)
{
	struct store_pg *p = store_pg_of(st);
	struct store_api_device row;
	enum mayday_err err = MAYDAY_OK;
	struct sql *s;
	PGresult *r;
	if (f->limit < 1 || f->limit > STORE_API_PAGE_MAX)
		return MAYDAY_E_INVALID;
	if (!device_filter_ok(f)) {
		if (count != NULL)
			*count = 0;
		return MAYDAY_OK;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return MAYDAY_E_NOMEM;
	if (count != NULL) {
		/* The latest indication is joined only when a filter reads it. */
		add(s, "SELECT count(*) FROM devices d");
		if (f->image_version != NULL || f->failed_component != NULL)
			add(s, LATEST_SIGNED);
		add(s, " WHERE true");
		device_where(s, f);
		if ((r = run(p, s, &err)) == NULL)
			goto out;
		*count = (uint64_t)store_pg_i64(r, 0, 0);
		PQclear(r);
		memset(s, 0, sizeof(*s));
	}
	add(s, API_DEVICE_SELECT " WHERE true");
	device_where(s, f);
	if (f->after_id != NULL) {
		add(s, " AND d.id COLLATE \"C\" > ");
		param(s, f->after_id, 0);
	}
	add(s, " ORDER BY d.id COLLATE \"C\" LIMIT ");
	param(s, NULL, f->limit);
	if ((r = run(p, s, &err)) == NULL)
		goto out;
	for (int i = 0; i < PQntuples(r); i++) {
		api_device_row(r, i, &row);
		if (cb(ctx, &row) != 0)
			break;
	}
	PQclear(r);
out:
	free(s);
	return err;
}

enum mayday_err store_pg_api_device(struct store *st, const char *device_id,
				    struct store_api_device *out)
{
	struct store_pg *p = store_pg_of(st);
	struct store_pg_params q = {0};
	enum mayday_err err;
	if (!store_pg_text_ok(device_id))
		return MAYDAY_E_NOTFOUND;
	store_pg_p_text(&q, device_id);
	PGresult *r = store_pg_q(p, API_DEVICE_SELECT " WHERE d.id = $1", &q, &err);
	if (r == NULL)
		return err;
	if (PQntuples(r) == 1)
		api_device_row(r, 0, out);
	else
		err = MAYDAY_E_NOTFOUND;
	PQclear(r);
	return err;
}

enum mayday_err store_pg_device_counts(struct store *st, struct store_device_counts *out,
				       int64_t since, store_count_cb cb, void *ctx)
{
	struct store_pg *p = store_pg_of(st);
	struct store_pg_params q = {0};
	enum mayday_err err;
	char key[MAYDAY_CLASS_MAX + STORE_STATE_NAME_MAX + 2];
	memset(out, 0, sizeof(*out));
	/* One statement, one pass, one snapshot: the totals (grouping 3), each
	 * state (1) and each class (2), in SQLite's order (states, then
	 * classes, each by the key's bytes). */
	PGresult *r = store_pg_q(p,
		"SELECT grouping(state, product_class)::bigint,"
		" coalesce(state, product_class, ''), count(*),"
		" count(*) FILTER (WHERE state IN " MAINTENANCE_STATES "), count(revoked_at),"
		" (SELECT count(*) FROM incidents WHERE closed_at IS NULL)"
		" FROM devices GROUP BY GROUPING SETS ((), (state), (product_class))"
		" ORDER BY grouping(state, product_class) = 3 DESC, grouping(state, product_class),"
		" coalesce(state, product_class, '') COLLATE \"C\"", &q, &err);
	if (r == NULL)
		return err;
	for (int i = 0; i < PQntuples(r); i++) {
		int64_t g = store_pg_i64(r, i, 0);
		uint64_t n = (uint64_t)store_pg_i64(r, i, 2);
		if (g == 3) {
			out->total = n;
			out->needs_maintenance = (uint64_t)store_pg_i64(r, i, 3);
			out->revoked = (uint64_t)store_pg_i64(r, i, 4);
			out->open_incidents = (uint64_t)store_pg_i64(r, i, 5);
			continue;
		}
		store_pg_text(r, i, 1, key, sizeof(key));
		if (cb(ctx, g == 1 ? 's' : 'c', key, n) != 0) {
			PQclear(r);
			return MAYDAY_OK;
		}
	}
	PQclear(r);
	/* The remediation attempts of the window by result: a statement of
	 * their own (a snapshot of its own too; the two are read for a glance,
	 * not reconciled), a range of the index remediation_attempts_started
	 * (started_at, result; an index-only scan once vacuumed). */
	store_pg_p_i64(&q, since);
	r = store_pg_q(p, STORE_PG_COUNTS_REMED, &q, &err);
	if (r == NULL)
		return err;
	for (int i = 0; i < PQntuples(r); i++) {
		store_pg_text(r, i, 0, key, sizeof(key));
		if (cb(ctx, 'r', key, (uint64_t)store_pg_i64(r, i, 1)) != 0)
			break;
	}
	PQclear(r);
	return MAYDAY_OK;
}

/* Whether the indication's sender is an enrolled device. Not EXISTS: the
 * planner answers an EXISTS in the select list from a hash of every
 * device's ID, built by reading the whole table, when it expects many
 * rows -- before the LIMIT cuts them to a page (240 ms a page at 100k
 * devices); a scalar subquery is one primary key probe per row. */
#define ENROLLED "(SELECT true FROM devices WHERE id = i.device_id) IS NOT NULL"

/* Row ir's failed components from c, the page's components by falling
 * indication id then idx (components_of); the page's rows come by falling
 * id too, so *at (c's next unread row) only moves forward. */
static void page_components(const PGresult *c, int *at, struct store_indication_row *ir)
{
	int n = PQntuples(c);
	ir->n_failed = 0;
	while (*at < n && store_pg_i64(c, *at, 0) > ir->id)
		(*at)++;
	for (; *at < n && store_pg_i64(c, *at, 0) == ir->id; (*at)++) {
		if (ir->n_failed >= MAYDAY_MAX_COMPONENTS)
			continue;
		struct store_component_row *f = &ir->failed[ir->n_failed++];
		store_pg_text(c, *at, 1, f->name, sizeof(f->name));
		f->flags = (uint32_t)store_pg_i64(c, *at, 2);
		f->expected_size = (uint64_t)store_pg_i64(c, *at, 3);
		f->measured_size = (uint64_t)store_pg_i64(c, *at, 4);
		store_pg_text(c, *at, 5, f->expected_hex, sizeof(f->expected_hex));
		store_pg_text(c, *at, 6, f->measured_hex, sizeof(f->measured_hex));
	}
}

/* The components of every indication in r (column 0: id), as one array
 * parameter; NULL with *err on failure. */
static PGresult *components_of(struct store_pg *p, const PGresult *r, enum mayday_err *err)
{
	struct store_pg_params q = {0};
	int rows = PQntuples(r);
	size_t cap = 3 + (size_t)rows * 21, len = 0;
	char *ids = malloc(cap);
	if (ids == NULL) {
		*err = MAYDAY_E_NOMEM;
		return NULL;
	}
	ids[len++] = '{';
	for (int i = 0; i < rows; i++)
		len += (size_t)snprintf(ids + len, cap - len, "%s%" PRId64, i ? "," : "",
					store_pg_i64(r, i, 0));
	snprintf(ids + len, cap - len, "}");
	store_pg_p_text(&q, ids);
	PGresult *c = store_pg_q(p,
		"SELECT indication_id, name, flags, expected_size, measured_size,"
		" expected_digest, measured_digest FROM failed_components"
		" WHERE indication_id = ANY ($1::bigint[]) ORDER BY indication_id DESC, idx",
		&q, err);
	free(ids);
	return c;
}

enum mayday_err store_pg_indications_page(struct store *st,
					  const struct store_indication_filter *f,
					  store_api_indication_cb cb, void *ctx)
{
	struct store_pg *p = store_pg_of(st);
	struct store_indication_row *ir = NULL;
	PGresult *r = NULL, *c = NULL;
	enum mayday_err err = MAYDAY_OK;
	struct sql *s;
	int at = 0;
	if (f->limit < 1 || f->limit > STORE_API_PAGE_MAX ||
	    (f->trust != -1 && f->trust != STORE_TRUST_SIGNED && f->trust != STORE_TRUST_UNVERIFIED))
		return MAYDAY_E_INVALID;
	if (f->device_id != NULL && !store_pg_text_ok(f->device_id))
		return MAYDAY_OK;
	if ((s = calloc(1, sizeof(*s))) == NULL || (ir = malloc(sizeof(*ir))) == NULL) {
		free(s);
		return MAYDAY_E_NOMEM;
	}
	add(s, STORE_PG_INDICATION_SELECT ", " ENROLLED " FROM indications i WHERE true");
	if (f->trust != -1) {
		add(s, " AND i.trust = ");
		param(s, store_trust_name(f->trust), 0);
	}
	if (f->device_id != NULL) {
		add(s, " AND i.device_id = ");
		param(s, f->device_id, 0);
	}
	if (f->since != 0) {
		add(s, " AND i.received_at >= ");
		param(s, NULL, f->since);
	}
	if (f->before_id != 0) {
		add(s, " AND i.id < ");
		param(s, NULL, f->before_id);
	}
	add(s, " ORDER BY i.id DESC LIMIT ");
	param(s, NULL, f->limit);
	if ((r = run(p, s, &err)) == NULL || PQntuples(r) == 0 ||
	    (c = components_of(p, r, &err)) == NULL)
		goto out;
	for (int i = 0; i < PQntuples(r); i++) {
		if ((err = store_pg_indication_row(r, i, ir)) != MAYDAY_OK)
			break;
		page_components(c, &at, ir);
		bool enrolled = *PQgetvalue(r, i, STORE_PG_INDICATION_NCOLS) != 0;
		if (cb(ctx, ir, enrolled) != 0)
			break;
	}
out:
	PQclear(c);
	PQclear(r);
	free(ir);
	free(s);
	return err;
}

enum mayday_err store_pg_get_indication(struct store *st, int64_t id,
					struct store_indication_row *out, bool *enrolled)
{
	struct store_pg *p = store_pg_of(st);
	struct store_pg_params q = {0};
	enum mayday_err err;
	store_pg_p_i64(&q, id);
	PGresult *r = store_pg_q(p, STORE_PG_INDICATION_SELECT ", " ENROLLED
		" FROM indications i WHERE i.id = $1", &q, &err);
	if (r == NULL)
		return err;
	if (PQntuples(r) != 1)
		err = MAYDAY_E_NOTFOUND;
	else if ((err = store_pg_indication_row(r, 0, out)) == MAYDAY_OK &&
		 (err = store_pg_components(p, out)) == MAYDAY_OK)
		*enrolled = *PQgetvalue(r, 0, STORE_PG_INDICATION_NCOLS) != 0;
	PQclear(r);
	return err;
}

enum mayday_err store_pg_anomalies_list(struct store *st, unsigned limit, store_anomaly_cb cb,
					void *ctx)
{
	struct store_pg *p = store_pg_of(st);
	struct store_pg_params q = {0};
	struct store_anomaly_row a;
	enum mayday_err err;
	if (limit < 1 || limit > STORE_API_PAGE_MAX)
		return MAYDAY_E_INVALID;
	store_pg_p_i64(&q, limit);
	PGresult *r = store_pg_q(p, "SELECT id, at, window_s, product_class, component, devices,"
				 " threshold, paused::bigint FROM fleet_anomalies"
				 " ORDER BY id DESC LIMIT $1", &q, &err);
	if (r == NULL)
		return err;
	for (int i = 0; i < PQntuples(r); i++) {
		memset(&a, 0, sizeof(a));
		a.id = store_pg_i64(r, i, 0);
		a.at = store_pg_i64(r, i, 1);
		a.window_s = store_pg_i64(r, i, 2);
		store_pg_text(r, i, 3, a.product_class, sizeof(a.product_class));
		store_pg_text(r, i, 4, a.component, sizeof(a.component));
		a.devices = (uint64_t)store_pg_i64(r, i, 5);
		a.threshold = (uint64_t)store_pg_i64(r, i, 6);
		a.paused = store_pg_i64(r, i, 7) != 0;
		if (cb(ctx, &a) != 0)
			break;
	}
	PQclear(r);
	return MAYDAY_OK;
}

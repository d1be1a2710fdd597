/* SPDX-License-Identifier: Apache-2.0 */
/*
 * GET /v1/devices, /v1/devices/counts, /v1/devices/{device} (docs/api.md
 * "Devices"). The listing asks the store for one row more than the page so
 * it knows, without a second query, whether a next page exists; the cursor
 * it hands out is the last device ID shown.
 */
#include <stdio.h>
#include <string.h>

#include "api_json.h"
#include "api_page.h"
#include "mayday/limits.h"
#include "store_state.h"

struct page {
	json_t *arr;
	unsigned limit, rows;
	bool more;
	char last[MAYDAY_DEVICE_ID_MAX + 1];
	bool nomem;
};

static int device_row(void *ctx, const struct store_api_device *d)
{
	struct page *pg = ctx;
	if (pg->rows == pg->limit) {
		pg->more = true;
		return 1;
	}
	json_t *o = api_json_device(d);
	if (o == NULL || json_array_append_new(pg->arr, o) != 0) {
		pg->nomem = true;
		return 1;
	}
	pg->rows++;
	snprintf(pg->last, sizeof(pg->last), "%s", d->d.id);
	return 0;
}

/* A text filter: absent (NULL), or a non-empty value into buf. */
static bool text_param(const char *query, const char *name, char *buf, size_t cap,
		       const char **out, struct api_response *rs, enum mayday_err *err)
{
	int f = api_query_find(query, name, buf, cap);
	*out = NULL;
	if (f == 0)
		return true;
	if (f < 0 || buf[0] == '\0') {
		*err = api_error(rs, 400, API_E_BAD_REQUEST, "%s: malformed or too long", name);
		return false;
	}
	*out = buf;
	return true;
}

static bool time_param(const char *query, const char *name, int64_t *out,
		       struct api_response *rs, enum mayday_err *err)
{
	char v[40];
	int f = api_query_find(query, name, v, sizeof(v));
	*out = 0;
	if (f == 0)
		return true;
	if (f < 0 || !api_parse_time(v, out)) {
		*err = api_error(rs, 400, API_E_BAD_REQUEST,
				 "%s: want an RFC 3339 UTC time or seconds since the epoch", name);
		return false;
	}
	return true;
}

enum mayday_err api_devices_list(struct api_ctx *ctx, const struct api_request *rq,
				 const struct api_params *p, struct api_response *rs)
{
	static const char *const allowed[] = {"state", "class", "image", "failed_component",
					      "seen_before", "seen_after", "maintenance",
					      "limit", "cursor", NULL};
	char state[STORE_STATE_NAME_MAX + 1], klass[MAYDAY_CLASS_MAX + 1],
		image[MAYDAY_VERSION_STR_MAX + 1], comp[MAYDAY_NAME_MAX + 1], maint[8],
		after[MAYDAY_DEVICE_ID_MAX + 1];
	struct store_device_filter f = {0};
	enum mayday_err err = MAYDAY_OK;
	enum store_state st;
	uint64_t count = 0;
	(void)p;
	if (!api_query_check(rq->query, allowed, rs, &err) ||
	    !text_param(rq->query, "state", state, sizeof(state), &f.state, rs, &err) ||
	    !text_param(rq->query, "class", klass, sizeof(klass), &f.product_class, rs, &err) ||
	    !text_param(rq->query, "image", image, sizeof(image), &f.image_version, rs, &err) ||
	    !text_param(rq->query, "failed_component", comp, sizeof(comp), &f.failed_component,
			rs, &err) ||
	    !time_param(rq->query, "seen_before", &f.seen_before, rs, &err) ||
	    !time_param(rq->query, "seen_after", &f.seen_after, rs, &err) ||
	    !api_query_limit(rq->query, &f.limit, rs, &err) ||
	    !api_query_cursor(rq->query, 'd', after, sizeof(after), rs, &err))
		return err;
	if (f.state != NULL && !store_state_parse(f.state, &st))
		return api_error(rs, 400, API_E_BAD_REQUEST, "state: not a device state");
	int m = api_query_find(rq->query, "maintenance", maint, sizeof(maint));
	if (m != 0 && (m < 0 || (strcmp(maint, "true") != 0 && strcmp(maint, "false") != 0)))
		return api_error(rs, 400, API_E_BAD_REQUEST, "maintenance: want true or false");
	f.maintenance_only = m > 0 && strcmp(maint, "true") == 0;
	f.after_id = after[0] ? after : NULL;

	struct page pg = {.arr = json_array(), .limit = f.limit};
	if (pg.arr == NULL)
		return MAYDAY_E_NOMEM;
	f.limit++;   /* one more: is there a next page? */
	err = store_devices_page(ctx->st, &f, device_row, &pg, &count);
	if (err != MAYDAY_OK || pg.nomem) {
		json_decref(pg.arr);
		return pg.nomem ? MAYDAY_E_NOMEM : api_store_error(rs, err, "listing devices");
	}
	json_t *body = json_object();
	if (body == NULL) {
		json_decref(pg.arr);
		return MAYDAY_E_NOMEM;
	}
	json_object_set_new(body, "devices", pg.arr);
	json_object_set_new(body, "count", json_integer((json_int_t)count));
	json_object_set_new(body, "next_cursor", pg.more ? api_cursor_json('d', pg.last)
							 : json_null());
	return api_json(rs, 200, body);
}

enum mayday_err api_devices_object(struct api_ctx *ctx, const char *device_id, json_t **out)
{
	struct store_api_device dev;
	enum mayday_err err = store_api_device(ctx->st, device_id, &dev);
	*out = NULL;
	if (err != MAYDAY_OK)
		return err;
	*out = api_json_device(&dev);
	return *out != NULL ? MAYDAY_OK : MAYDAY_E_NOMEM;
}

/* The window of the counts' remediation figures (docs/api.md): attempts
 * started in the last 30 days. A constant: the figures are a glance at the
 * fleet's recent remediation, and every answer says the window it covers. */
#define API_COUNTS_REMED_WINDOW_S (30 * 86400)

struct counts {
	json_t *by_state, *by_class, *remediation;
};

static int count_row(void *ctx, char kind, const char *key, uint64_t n)
{
	struct counts *c = ctx;
	json_object_set_new(kind == 's' ? c->by_state : kind == 'r' ? c->remediation : c->by_class,
			    key, json_integer((json_int_t)n));
	return 0;
}

enum mayday_err api_devices_counts(struct api_ctx *ctx, const struct api_request *rq,
				   const struct api_params *p, struct api_response *rs)
{
	static const char *const allowed[] = {NULL};
	struct store_device_counts t;
	struct counts c = {json_object(), json_object(), NULL};
	const int64_t since = rq->now - API_COUNTS_REMED_WINDOW_S;
	enum mayday_err err = MAYDAY_OK;
	(void)p;
	/* every result, 0 when none: a client computes a rate without guessing */
	c.remediation = json_pack("{s:i,s:i,s:i,s:i}", "in_progress", 0, "installed", 0,
				  "recovered", 0, "failed", 0);
	if (c.by_state == NULL || c.by_class == NULL || c.remediation == NULL)
		err = MAYDAY_E_NOMEM;
	else if (!api_query_check(rq->query, allowed, rs, &err))
		; /* the 400 is in rs */
	else if ((err = store_device_counts(ctx->st, &t, since, count_row, &c)) != MAYDAY_OK)
		err = api_store_error(rs, err, "counting devices");
	else
		return api_json(rs, 200, json_pack("{s:I,s:o,s:o,s:I,s:I,s:I,s:o,s:I,s:o}", "total",
						   (json_int_t)t.total, "by_state", c.by_state,
						   "by_class", c.by_class, "needs_maintenance",
						   (json_int_t)t.needs_maintenance, "revoked",
						   (json_int_t)t.revoked, "open_incidents",
						   (json_int_t)t.open_incidents, "remediation",
						   c.remediation, "remediation_window_s",
						   (json_int_t)API_COUNTS_REMED_WINDOW_S,
						   "remediation_since", api_json_time(since)));
	json_decref(c.by_state);
	json_decref(c.by_class);
	json_decref(c.remediation);
	return err;
}

struct detail {
	json_t *incidents, *attempts, *history;
	bool nomem;
};

static void push(struct detail *d, json_t *arr, json_t *o)
{
	if (o == NULL || json_array_append_new(arr, o) != 0)
		d->nomem = true;
}

static int incident_row(void *ctx, const struct store_incident_row *r)
{
	struct detail *d = ctx;
	push(d, d->incidents, api_json_incident(r));
	return d->nomem;
}

static int attempt_row(void *ctx, const struct store_remed_attempt *a)
{
	struct detail *d = ctx;
	push(d, d->attempts, api_json_attempt(a));
	return d->nomem;
}

static int note_row(void *ctx, const struct store_acs_note *n)
{
	struct detail *d = ctx;
	push(d, d->history, api_json_note(n));
	return d->nomem;
}

enum mayday_err api_devices_get(struct api_ctx *ctx, const struct api_request *rq,
				const struct api_params *p, struct api_response *rs)
{
	static const char *const allowed[] = {NULL};
	struct store_api_device dev;
	struct detail d = {0};
	enum mayday_err err = MAYDAY_OK;
	const char *id = p->v[0];
	if (!api_query_check(rq->query, allowed, rs, &err))
		return err;
	if ((err = store_api_device(ctx->st, id, &dev)) != MAYDAY_OK)
		return api_store_error(rs, err, "device");
	json_t *o = api_json_device(&dev);
	d.incidents = json_array();
	d.attempts = json_array();
	d.history = json_array();
	if (o == NULL || d.incidents == NULL || d.attempts == NULL || d.history == NULL)
		d.nomem = true;
	if (!d.nomem)
		err = store_list_incidents(ctx->st, id, incident_row, &d);
	if (!d.nomem && err == MAYDAY_OK)
		err = store_remed_list(ctx->st, id, attempt_row, &d);
	if (!d.nomem && err == MAYDAY_OK)
		err = store_acs_notes(ctx->st, id, note_row, &d);
	if (d.nomem || err != MAYDAY_OK) {
		json_decref(o);
		json_decref(d.incidents);
		json_decref(d.attempts);
		json_decref(d.history);
		return d.nomem ? MAYDAY_E_NOMEM : api_store_error(rs, err, "reading history");
	}
	json_object_set_new(o, "incidents", d.incidents);
	json_object_set_new(o, "remediation_attempts", d.attempts);
	json_object_set_new(o, "history", d.history);
	return api_json(rs, 200, o);
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * GET /v1/fleet/{by} and /v1/fleet/anomalies (docs/api.md "Fleet"): the
 * fleet view of store_fleet.h over a window ending now (since: a duration
 * such as "24h", or a time), and the anomalies the sweeper recorded.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "api_json.h"
#include "api_page.h"

#define DEFAULT_SINCE_S (24 * 3600)
#define DEFAULT_GROUPS 50u
#define SINCE_MAX_S ((int64_t)100 * 365 * 86400)

/* "90s", "15m", "24h", "30d": 1 second .. 100 years. The unit is
 * required: a bare number is a time (seconds since the epoch), as in every
 * other "since" of the API. */
static bool duration(const char *s, int64_t *out)
{
	char *end;
	int64_t unit = 1;
	if (s[0] < '1' || s[0] > '9')
		return false;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno != 0 || v <= 0)
		return false;
	switch (*end) {
	case 's': unit = 1; break;
	case 'm': unit = 60; break;
	case 'h': unit = 3600; break;
	case 'd': unit = 86400; break;
	default: return false;
	}
	if (end[1] != '\0' || v > SINCE_MAX_S / unit)
		return false;
	*out = (int64_t)v * unit;
	return true;
}

struct groups {
	enum store_fleet_by by;
	json_t *arr;
	bool nomem;
};

static int group(void *ctx, const struct store_fleet_row *r)
{
	struct groups *g = ctx;
	json_t *o = api_json_fleet_group(g->by, r);
	if (o == NULL || json_array_append_new(g->arr, o) != 0)
		g->nomem = true;
	return g->nomem;
}

enum mayday_err api_fleet_groups(struct api_ctx *ctx, const struct api_request *rq,
				 const struct api_params *p, struct api_response *rs)
{
	static const char *const allowed[] = {"since", "class", "limit", NULL};
	struct store_fleet_query q = {.limit = DEFAULT_GROUPS};
	char since[40], klass[MAYDAY_CLASS_MAX + 1];
	enum mayday_err err = MAYDAY_OK;
	int64_t d;
	int n;
	if (!store_fleet_by_parse(p->v[0], &q.by))
		return api_error(rs, 404, API_E_NOT_FOUND,
				 "no such grouping: want class, image, component or digest");
	if (!api_query_check(rq->query, allowed, rs, &err))
		return err;
	q.since = rq->now - DEFAULT_SINCE_S;
	if ((n = api_query_find(rq->query, "since", since, sizeof(since))) != 0) {
		if (n > 0 && duration(since, &d))
			q.since = rq->now - d;
		else if (n < 0 || !api_parse_time(since, &q.since))
			return api_error(rs, 400, API_E_BAD_REQUEST,
					 "since: want a duration (90s, 15m, 24h, 30d) or a time");
	}
	if ((n = api_query_find(rq->query, "class", klass, sizeof(klass))) != 0) {
		if (n < 0 || klass[0] == '\0')
			return api_error(rs, 400, API_E_BAD_REQUEST, "class: malformed or too long");
		q.product_class = klass;
	}
	if (!api_query_limit(rq->query, &q.limit, rs, &err))
		return err;
	if (api_query_find(rq->query, "limit", since, sizeof(since)) == 0)
		q.limit = DEFAULT_GROUPS;
	struct groups g = {.by = q.by, .arr = json_array()};
	if (g.arr == NULL)
		return MAYDAY_E_NOMEM;
	err = store_fleet(ctx->st, &q, group, &g);
	if (err != MAYDAY_OK || g.nomem) {
		json_decref(g.arr);
		return g.nomem ? MAYDAY_E_NOMEM : api_store_error(rs, err, "reading the fleet view");
	}
	return api_json(rs, 200, json_pack("{s:s,s:o,s:o,s:o}", "by", store_fleet_by_name(q.by),
					   "since", api_json_time(q.since), "until",
					   api_json_time(rq->now), "groups", g.arr));
}

struct anomalies {
	json_t *arr;
	bool nomem;
};

static int anomaly(void *ctx, const struct store_anomaly_row *a)
{
	struct anomalies *l = ctx;
	json_t *o = api_json_anomaly(a);
	if (o == NULL || json_array_append_new(l->arr, o) != 0)
		l->nomem = true;
	return l->nomem;
}

enum mayday_err api_fleet_anomalies(struct api_ctx *ctx, const struct api_request *rq,
				    const struct api_params *p, struct api_response *rs)
{
	static const char *const allowed[] = {"limit", NULL};
	enum mayday_err err = MAYDAY_OK;
	unsigned limit;
	(void)p;
	if (!api_query_check(rq->query, allowed, rs, &err) ||
	    !api_query_limit(rq->query, &limit, rs, &err))
		return err;
	struct anomalies l = {.arr = json_array()};
	if (l.arr == NULL)
		return MAYDAY_E_NOMEM;
	err = store_anomalies_list(ctx->st, limit, anomaly, &l);
	if (err != MAYDAY_OK || l.nomem) {
		json_decref(l.arr);
		return l.nomem ? MAYDAY_E_NOMEM : api_store_error(rs, err, "listing anomalies");
	}
	return api_json(rs, 200, json_pack("{s:o}", "anomalies", l.arr));
}

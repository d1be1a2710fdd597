/* SPDX-License-Identifier: Apache-2.0 */
/*
 * GET /v1/indications, /v1/indications/{id}, /v1/devices/{device}/indications
 * (docs/api.md "Indications"): newest first, by id, the cursor being the
 * last id shown. Unverified indications are listed like signed ones,
 * including those naming a device that was never enrolled: a forged or
 * misconfigured sender must be visible to the operator, never silently
 * dropped (issue 13). trust=signed narrows to what verified.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_json.h"
#include "api_page.h"

struct page {
	json_t *arr;
	unsigned limit, rows;
	bool more, nomem;
	int64_t last;
};

static int row(void *ctx, const struct store_indication_row *r, bool enrolled)
{
	struct page *pg = ctx;
	if (pg->rows == pg->limit) {
		pg->more = true;
		return 1;
	}
	json_t *o = api_json_indication(r, enrolled);
	if (o == NULL || json_array_append_new(pg->arr, o) != 0) {
		pg->nomem = true;
		return 1;
	}
	pg->rows++;
	pg->last = r->id;
	return 0;
}

static enum mayday_err page(struct api_ctx *ctx, const struct api_request *rq,
			    struct store_indication_filter *f, struct api_response *rs)
{
	char cursor[24];
	enum mayday_err err = MAYDAY_OK;
	if (!api_query_limit(rq->query, &f->limit, rs, &err) ||
	    !api_query_cursor(rq->query, 'i', cursor, sizeof(cursor), rs, &err))
		return err;
	if (cursor[0] != '\0' && !api_parse_id(cursor, &f->before_id))
		return api_error(rs, 400, API_E_BAD_REQUEST, "cursor: not one this listing gave");
	struct page pg = {.arr = json_array(), .limit = f->limit};
	if (pg.arr == NULL)
		return MAYDAY_E_NOMEM;
	f->limit++;   /* one more: is there a next page? */
	err = store_indications_page(ctx->st, f, row, &pg);
	if (err != MAYDAY_OK || pg.nomem) {
		json_decref(pg.arr);
		return pg.nomem ? MAYDAY_E_NOMEM : api_store_error(rs, err, "listing indications");
	}
	char last[24];
	snprintf(last, sizeof(last), "%lld", (long long)pg.last);
	return api_json(rs, 200, json_pack("{s:o,s:o*}", "indications", pg.arr, "next_cursor",
					   pg.more ? api_cursor_json('i', last) : json_null()));
}

enum mayday_err api_indications_list(struct api_ctx *ctx, const struct api_request *rq,
				     const struct api_params *p, struct api_response *rs)
{
	static const char *const allowed[] = {"trust", "device", "since", "limit", "cursor", NULL};
	struct store_indication_filter f = {.trust = -1};
	char trust[16], device[API_PARAM_MAX + 1], since[40];
	enum mayday_err err = MAYDAY_OK;
	int n;
	(void)p;
	if (!api_query_check(rq->query, allowed, rs, &err))
		return err;
	if ((n = api_query_find(rq->query, "trust", trust, sizeof(trust))) != 0) {
		if (n > 0 && strcmp(trust, "signed") == 0)
			f.trust = STORE_TRUST_SIGNED;
		else if (n > 0 && strcmp(trust, "unverified") == 0)
			f.trust = STORE_TRUST_UNVERIFIED;
		else
			return api_error(rs, 400, API_E_BAD_REQUEST, "trust: want signed or unverified");
	}
	if ((n = api_query_find(rq->query, "device", device, sizeof(device))) != 0) {
		if (n < 0 || device[0] == '\0')
			return api_error(rs, 400, API_E_BAD_REQUEST, "device: malformed or too long");
		f.device_id = device;
	}
	if ((n = api_query_find(rq->query, "since", since, sizeof(since))) != 0 &&
	    (n < 0 || !api_parse_time(since, &f.since)))
		return api_error(rs, 400, API_E_BAD_REQUEST,
				 "since: want an RFC 3339 UTC time or seconds since the epoch");
	return page(ctx, rq, &f, rs);
}

static int any(void *ctx, const struct store_indication_row *r, bool enrolled)
{
	(void)r;
	(void)enrolled;
	*(bool *)ctx = true;
	return 1;
}

enum mayday_err api_indications_of_device(struct api_ctx *ctx, const struct api_request *rq,
					  const struct api_params *p, struct api_response *rs)
{
	static const char *const allowed[] = {"limit", "cursor", NULL};
	struct store_indication_filter f = {.trust = -1, .device_id = p->v[0]};
	struct store_api_device dev;
	enum mayday_err err = MAYDAY_OK;
	if (!api_query_check(rq->query, allowed, rs, &err))
		return err;
	/* a device never enrolled exists here as far as indications name it */
	err = store_api_device(ctx->st, p->v[0], &dev);
	if (err == MAYDAY_E_NOTFOUND) {
		struct store_indication_filter probe = {.trust = -1, .device_id = p->v[0],
							.limit = 1};
		bool named = false;
		if ((err = store_indications_page(ctx->st, &probe, any, &named)) != MAYDAY_OK)
			return api_store_error(rs, err, "listing indications");
		if (!named)
			return api_error(rs, 404, API_E_NOT_FOUND,
					 "no device and no indication by that name");
	} else if (err != MAYDAY_OK) {
		return api_store_error(rs, err, "device");
	}
	return page(ctx, rq, &f, rs);
}

enum mayday_err api_indications_get(struct api_ctx *ctx, const struct api_request *rq,
				    const struct api_params *p, struct api_response *rs)
{
	static const char *const allowed[] = {NULL};
	struct store_indication_row *r;
	enum mayday_err err = MAYDAY_OK;
	bool enrolled = false;
	int64_t id;
	if (!api_query_check(rq->query, allowed, rs, &err))
		return err;
	if (!api_parse_id(p->v[0], &id))
		return api_error(rs, 404, API_E_NOT_FOUND, "indication: not found");
	if ((r = malloc(sizeof(*r))) == NULL)
		return MAYDAY_E_NOMEM;
	err = store_get_indication(ctx->st, id, r, &enrolled);
	json_t *o = err == MAYDAY_OK ? api_json_indication(r, enrolled) : NULL;
	free(r);
	if (err != MAYDAY_OK)
		return api_store_error(rs, err, "indication");
	return o != NULL ? api_json(rs, 200, o) : MAYDAY_E_NOMEM;
}

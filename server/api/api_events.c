/* SPDX-License-Identifier: Apache-2.0 */
/*
 * GET /v1/events (docs/api.md "Events"): the outbox, oldest first after an
 * event id, read-only: reading here moves no delivery cursor, so a client
 * polling the API and the webhooks never take events from each other. The
 * documents are those the webhooks receive (store_events.h).
 */
#include <stdio.h>

#include "api_page.h"
#include "store_api_query.h"

struct page {
	json_t *arr;
	unsigned limit, rows;
	bool more, bad;
	int64_t last;
};

static int event(void *ctx, int64_t id, const char *doc, size_t len)
{
	struct page *pg = ctx;
	if (pg->rows == pg->limit) {
		pg->more = true;
		return 1;
	}
	json_t *o = json_loadb(doc, len, JSON_REJECT_DUPLICATES, NULL);
	if (o == NULL || json_array_append_new(pg->arr, o) != 0) {
		pg->bad = true;
		return 1;
	}
	pg->rows++;
	pg->last = id;
	return 0;
}

enum mayday_err api_events_list(struct api_ctx *ctx, const struct api_request *rq,
				const struct api_params *p, struct api_response *rs)
{
	static const char *const allowed[] = {"after", "limit", "cursor", NULL};
	char after[24], cursor[24];
	int64_t from = 0;
	enum mayday_err err = MAYDAY_OK;
	int n;
	(void)p;
	if (!api_query_check(rq->query, allowed, rs, &err) ||
	    !api_query_cursor(rq->query, 'e', cursor, sizeof(cursor), rs, &err))
		return err;
	struct page pg = {.arr = NULL};
	if (!api_query_limit(rq->query, &pg.limit, rs, &err))
		return err;
	if ((n = api_query_find(rq->query, "after", after, sizeof(after))) != 0 &&
	    (n < 0 || (!api_parse_id(after, &from) && !(after[0] == '0' && after[1] == '\0'))))
		return api_error(rs, 400, API_E_BAD_REQUEST, "after: want an event id");
	if (cursor[0] != '\0' && (n != 0 || !api_parse_id(cursor, &from)))
		return api_error(rs, 400, API_E_BAD_REQUEST, "give either after or cursor");
	if ((pg.arr = json_array()) == NULL)
		return MAYDAY_E_NOMEM;
	err = store_events_page(ctx->st, from, pg.limit + 1, event, &pg);
	if (err != MAYDAY_OK || pg.bad) {
		json_decref(pg.arr);
		return api_error(rs, 500, API_E_INTERNAL, "reading events: %s",
				 pg.bad ? "an event does not parse" : mayday_strerror(err));
	}
	char last[24];
	snprintf(last, sizeof(last), "%lld", (long long)pg.last);
	return api_json(rs, 200, json_pack("{s:o,s:o*}", "events", pg.arr, "next_cursor",
					   pg.more ? api_cursor_json('e', last) : json_null()));
}

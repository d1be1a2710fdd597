/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The API's read routes (server/api/) served in-process by api_handle on a
 * real temporary store (SQLite; PostgreSQL in test_api_read_pg), seeded
 * through the store's own calls
 * (enrolment, ingest): each route's answer, the device filters, paging
 * across pages with nothing repeated or missed, the counts (their
 * remediation figures over a 30-day window, read through an index a
 * version 12 store gains when it migrates), and the unverified indications
 * of a sender that was never enrolled.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api.h"
#include "api_page.h"
#include "store_remed.h"
#include "store_sqlite.h"
#include "test_store_fixture.h"

#define DEVICES 25
#define NOW 1700005000

struct t {
	struct fx fx;
	struct api_ctx ctx;
	struct api_config cfg;
};

static void put(struct fx *fx, const char *id, uint64_t counter, int64_t at, const char *image,
		const char *comp, enum store_trust trust)
{
	struct mayday_indication ind;
	struct store_ingest_rec rec;
	uint8_t raw[2048];
	fx_indication(&ind, id, counter);
	snprintf(ind.evidence.image_version, sizeof(ind.evidence.image_version), "%s", image);
	snprintf(ind.evidence.failed[0].name, sizeof(ind.evidence.failed[0].name), "%s", comp);
	fx_rec(&rec, &ind, trust, raw, sizeof(raw));
	rec.received_at = at;
	assert_int_equal(fx_put1(fx->st, &rec), MAYDAY_OK);
}

static int setup(void **state)
{
	struct t *t = calloc(1, sizeof(*t));
	char pem[1024], id[32];
	assert_non_null(t);
	fx_open(&t->fx);
	EVP_PKEY_free(fx_key(pem, sizeof(pem)));
	for (int i = 0; i < DEVICES; i++) {
		snprintf(id, sizeof(id), "dev-%02d", i);
		assert_int_equal(store_enrol(t->fx.st, id, i % 2 ? "femto-b" : "femto-a", pem),
				 MAYDAY_OK);
	}
	/* dev-00..04 fail kernel.img on 2.0, dev-05 rootfs on 1.0 (signed: each
	 * opens an incident); "ghost", never enrolled, sends three forgeries */
	for (int i = 0; i < 5; i++) {
		snprintf(id, sizeof(id), "dev-%02d", i);
		put(&t->fx, id, 1, 1700000000 + i, "2.0", "kernel.img", STORE_TRUST_SIGNED);
	}
	put(&t->fx, "dev-05", 1, 1700000010, "1.0", "rootfs", STORE_TRUST_SIGNED);
	for (uint64_t c = 1; c <= 3; c++)
		put(&t->fx, "ghost", c, 1700000020, "6.6.6", "forged", STORE_TRUST_UNVERIFIED);
	t->ctx.st = t->fx.st;
	t->ctx.cfg = &t->cfg;
	t->cfg.bundle_dir = "";
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct t *t = *state;
	fx_close(&t->fx);
	free(t);
	return 0;
}

/* GET path?query as a viewer: the body (the caller's) after checking the
 * status. */
static json_t *get(struct t *t, const char *path, const char *query, int status)
{
	struct api_identity who = {.name = "token:test", .role = API_ROLE_VIEWER};
	struct api_request rq = {.method = "GET", .path = path, .query = query, .who = &who,
				 .now = NOW};
	struct api_response rs;
	assert_int_equal(api_handle(&t->ctx, &rq, &rs), MAYDAY_OK);
	if (rs.status != status) {
		char *dump = json_dumps(rs.body, 0);
		fprintf(stderr, "GET %s?%s: %d %s\n", path, query ? query : "", rs.status, dump);
		free(dump);
	}
	assert_int_equal(rs.status, status);
	assert_non_null(rs.body);
	json_t *b = json_incref(rs.body);
	api_response_clear(&rs);
	if (status >= 400) {
		assert_non_null(json_object_get(json_object_get(b, "error"), "code"));
		assert_true(json_is_string(json_object_get(json_object_get(b, "error"), "message")));
	}
	return b;
}

static const char *code_of(json_t *b)
{
	return json_string_value(json_object_get(json_object_get(b, "error"), "code"));
}

static size_t count_devices(struct t *t, const char *query)
{
	json_t *b = get(t, "/v1/devices", query, 200);
	size_t n = json_array_size(json_object_get(b, "devices"));
	assert_int_equal(json_integer_value(json_object_get(b, "count")), n);
	json_decref(b);
	return n;
}

static void test_devices_list(void **state)
{
	struct t *t = *state;
	json_t *b = get(t, "/v1/devices", NULL, 200);
	json_t *devs = json_object_get(b, "devices");
	assert_int_equal(json_array_size(devs), DEVICES);
	assert_int_equal(json_integer_value(json_object_get(b, "count")), DEVICES);
	assert_true(json_is_null(json_object_get(b, "next_cursor")));
	json_t *d0 = json_array_get(devs, 0), *d24 = json_array_get(devs, 24);
	assert_string_equal(json_string_value(json_object_get(d0, "device_id")), "dev-00");
	assert_string_equal(json_string_value(json_object_get(d0, "state")), "in_distress");
	assert_string_equal(json_string_value(json_object_get(d0, "image_version")), "2.0");
	assert_string_equal(json_string_value(json_object_get(d0, "last_failed_component")),
			    "kernel.img");
	assert_int_equal(json_integer_value(json_object_get(d0, "indications")), 1);
	assert_true(json_is_null(json_object_get(d0, "revoked_at")));
	assert_string_equal(json_string_value(json_object_get(d24, "device_id")), "dev-24");
	assert_true(json_is_null(json_object_get(d24, "image_version")));
	assert_true(json_is_null(json_object_get(d24, "last_reason")));
	json_decref(b);
}

static void test_devices_filters(void **state)
{
	struct t *t = *state;
	assert_int_equal(count_devices(t, "class=femto-a"), 13);
	assert_int_equal(count_devices(t, "class=femto-b"), 12);
	assert_int_equal(count_devices(t, "class=nope"), 0);
	assert_int_equal(count_devices(t, "state=in_distress"), 6);
	assert_int_equal(count_devices(t, "state=healthy"), 19);
	assert_int_equal(count_devices(t, "maintenance=true"), 6);
	assert_int_equal(count_devices(t, "maintenance=false"), DEVICES);
	assert_int_equal(count_devices(t, "image=2.0"), 5);
	assert_int_equal(count_devices(t, "image=2.0&class=femto-a"), 3);
	assert_int_equal(count_devices(t, "failed_component=rootfs"), 1);
	assert_int_equal(count_devices(t, "failed_component=kernel.img&state=in_distress"), 5);
	/* last seen: the signed indications' arrival (1700000000 + i) */
	assert_int_equal(count_devices(t, "seen_after=1700000002"), 3);
	assert_int_equal(count_devices(t, "seen_after=2023-11-14T22:13:22Z"), 3);
	assert_int_equal(count_devices(t, "seen_before=1700000002"), DEVICES - 4);
	/* percent-decoded values */
	assert_int_equal(count_devices(t, "failed_component=kernel%2Eimg"), 5);
	/* the filter reads the latest signed indication: ghost's forgeries of
	 * 6.6.6 name no enrolled device and never show */
	assert_int_equal(count_devices(t, "image=6.6.6"), 0);
	/* bytes that are not UTF-8 (a lone byte, an overlong form, a
	 * surrogate) equal no stored text: nothing found, on either backend */
	assert_int_equal(count_devices(t, "image=%ff"), 0);
	assert_int_equal(count_devices(t, "failed_component=%c0%ae"), 0);
	assert_int_equal(count_devices(t, "class=%ed%a0%80&state=healthy"), 0);
	json_t *none = get(t, "/v1/indications", "device=dev-0%ff", 200);
	assert_int_equal(json_array_size(json_object_get(none, "indications")), 0);
	json_decref(none);
	static const char *const bad[] = {
		"state=sleeping", "limit=0", "limit=1001", "limit=-1", "limit=1x", "limit=01",
		"seen_after=yesterday", "seen_after=2026-12-07T08:00:00+01:00", "maintenance=yes",
		"seen_after=2026-02-31T00:00:00Z", "seen_after=2026-12-07T08:00:00.5Z",
		"seen_after=2026-12-07t08:00:00z", "seen_after=1969-12-31T23:59:59Z",
		"colour=red", "class=", "class=a&class=b", "state=%zz", "cursor=!!",
		"image=%00", NULL};
	for (size_t i = 0; bad[i] != NULL; i++) {
		json_t *b = get(t, "/v1/devices", bad[i], 400);
		assert_string_equal(code_of(b), "bad_request");
		json_decref(b);
	}
	assert_int_equal(count_devices(t, "limit=1000"), DEVICES);
}

/* Walks every page of `query` (with limit=per), checking the IDs come in
 * order, none twice, and `total` of them in all. */
static void walk(struct t *t, const char *filter, unsigned per, size_t total)
{
	char query[512], last[64] = "";
	size_t seen = 0, pages = 0;
	const char *cursor = NULL;
	json_t *prev = NULL;
	for (;;) {
		snprintf(query, sizeof(query), "%s%slimit=%u%s%s", filter, filter[0] ? "&" : "", per,
			 cursor ? "&cursor=" : "", cursor ? cursor : "");
		json_t *b = get(t, "/v1/devices", query, 200);
		json_t *devs = json_object_get(b, "devices");
		assert_int_equal(json_integer_value(json_object_get(b, "count")), total);
		assert_true(json_array_size(devs) <= per);
		for (size_t i = 0; i < json_array_size(devs); i++) {
			const char *id = json_string_value(json_object_get(json_array_get(devs, i),
									   "device_id"));
			assert_true(strcmp(id, last) > 0);
			snprintf(last, sizeof(last), "%s", id);
			seen++;
		}
		pages++;
		json_decref(prev);
		prev = b;
		json_t *next = json_object_get(b, "next_cursor");
		if (json_is_null(next))
			break;
		assert_int_equal(json_array_size(devs), per);
		cursor = json_string_value(next);
		assert_non_null(cursor);
	}
	json_decref(prev);
	assert_int_equal(seen, total);
	assert_int_equal(pages, total == 0 ? 1 : (total + per - 1) / per);
}

static void test_devices_paging(void **state)
{
	struct t *t = *state;
	walk(t, "", 7, DEVICES);
	walk(t, "", 1, DEVICES);
	walk(t, "", 25, DEVICES);
	walk(t, "", 5, DEVICES);
	walk(t, "class=femto-b", 5, 12);
	walk(t, "state=in_distress", 4, 6);
}

static void test_devices_tampered_cursor(void **state)
{
	struct t *t = *state;
	char query[256], bad[256];
	json_t *b = get(t, "/v1/devices", "limit=3", 200);
	const char *cursor = json_string_value(json_object_get(b, "next_cursor"));
	assert_non_null(cursor);
	/* every one-character change of the cursor is noticed or lands on a
	 * key of the same listing; a cut, padded or foreign one is refused */
	snprintf(query, sizeof(query), "limit=3&cursor=%s", cursor);
	json_decref(get(t, "/v1/devices", query, 200));
	snprintf(bad, sizeof(bad), "limit=3&cursor=%s=", cursor);
	json_decref(get(t, "/v1/devices", bad, 400));
	snprintf(bad, sizeof(bad), "limit=3&cursor=%.*s", (int)strlen(cursor) - 1, cursor);
	json_decref(get(t, "/v1/devices", bad, 400));
	snprintf(bad, sizeof(bad), "limit=3&cursor=%s*", cursor);
	json_decref(get(t, "/v1/devices", bad, 400));
	json_decref(get(t, "/v1/devices", "cursor=", 400));
	json_decref(b);
	/* an indication cursor is not a device cursor */
	b = get(t, "/v1/indications", "limit=1", 200);
	snprintf(bad, sizeof(bad), "cursor=%s",
		 json_string_value(json_object_get(b, "next_cursor")));
	json_decref(get(t, "/v1/devices", bad, 400));
	json_decref(get(t, "/v1/events", bad, 400));
	json_decref(b);
}

static void test_device_detail(void **state)
{
	struct t *t = *state;
	json_t *b = get(t, "/v1/devices/dev-00", NULL, 200);
	assert_string_equal(json_string_value(json_object_get(b, "device_id")), "dev-00");
	json_t *inc = json_object_get(b, "incidents");
	assert_int_equal(json_array_size(inc), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(inc, 0), "state")),
			    "in_distress");
	assert_true(json_is_array(json_object_get(b, "remediation_attempts")));
	assert_true(json_is_array(json_object_get(b, "history")));
	json_decref(b);
	b = get(t, "/v1/devices/dev-99", NULL, 404);
	assert_string_equal(code_of(b), "not_found");
	json_decref(b);
	/* ghost sent indications but is no device */
	json_decref(get(t, "/v1/devices/ghost", NULL, 404));
	json_decref(get(t, "/v1/devices/dev-00", "x=1", 400));
}

static void test_device_counts(void **state)
{
	struct t *t = *state;
	json_t *b = get(t, "/v1/devices/counts", NULL, 200);
	assert_int_equal(json_integer_value(json_object_get(b, "total")), DEVICES);
	assert_int_equal(json_integer_value(json_object_get(b, "needs_maintenance")), 6);
	assert_int_equal(json_integer_value(json_object_get(b, "revoked")), 0);
	/* dev-00..05 each opened one incident */
	assert_int_equal(json_integer_value(json_object_get(b, "open_incidents")), 6);
	json_t *st = json_object_get(b, "by_state"), *cl = json_object_get(b, "by_class");
	assert_int_equal(json_integer_value(json_object_get(st, "in_distress")), 6);
	assert_int_equal(json_integer_value(json_object_get(st, "healthy")), 19);
	assert_int_equal(json_integer_value(json_object_get(cl, "femto-a")), 13);
	assert_int_equal(json_integer_value(json_object_get(cl, "femto-b")), 12);
	/* no attempt yet: every result is present, 0 */
	json_t *rm = json_object_get(b, "remediation");
	assert_int_equal(json_object_size(rm), 4);
	assert_int_equal(json_integer_value(json_object_get(rm, "in_progress")), 0);
	assert_int_equal(json_integer_value(json_object_get(rm, "installed")), 0);
	assert_int_equal(json_integer_value(json_object_get(rm, "recovered")), 0);
	assert_int_equal(json_integer_value(json_object_get(rm, "failed")), 0);
	json_decref(b);
}

/* The counts' window (docs/api.md): 30 days before the request. */
#define WINDOW_S 2592000
#define WINDOW_SINCE "2023-10-15T23:36:40Z"   /* NOW - WINDOW_S */

/* An attempt begun on `id` (in distress) at `at`. */
static void begin_at(struct t *t, const char *id, int64_t at)
{
	struct store_remed_attempt a = {.bundle_size = 1000, .free_space = 5000,
					.max_image_size = 4000};
	bool yes = false;
	snprintf(a.bundle, sizeof(a.bundle), "/b/femto-a.bundle");
	assert_int_equal(store_ingest_begin(t->fx.st), MAYDAY_OK);
	assert_int_equal(store_remed_schedule(t->fx.st, id, false, 3, at, &yes), MAYDAY_OK);
	assert_int_equal(store_ingest_commit(t->fx.st), MAYDAY_OK);
	assert_int_equal(store_remed_begin(t->fx.st, id, &a, 0, UINT32_MAX, at), MAYDAY_OK);
}

static void counts_in_progress(struct t *t, json_int_t want)
{
	json_t *b = get(t, "/v1/devices/counts", NULL, 200);
	json_t *rm = json_object_get(b, "remediation");
	assert_int_equal(json_integer_value(json_object_get(rm, "in_progress")), want);
	assert_int_equal(json_integer_value(json_object_get(rm, "failed")), 0);
	/* the answer says the window it covers */
	assert_int_equal(json_integer_value(json_object_get(b, "remediation_window_s")), WINDOW_S);
	assert_string_equal(json_string_value(json_object_get(b, "remediation_since")),
			    WINDOW_SINCE);
	json_decref(b);
}

/* Near the end of the group: it changes the shared store (attempts on
 * dev-00..02). Only the attempts started in the window count: one begun
 * now, one at the window's first second; not one a second older. */
static void test_counts_remediation(void **state)
{
	struct t *t = *state;
	begin_at(t, "dev-00", NOW + 1);
	counts_in_progress(t, 1);
	begin_at(t, "dev-01", NOW - WINDOW_S);
	counts_in_progress(t, 2);
	begin_at(t, "dev-02", NOW - WINDOW_S - 1);
	counts_in_progress(t, 2);
	/* the older attempt is there, only out of the window */
	json_t *b = get(t, "/v1/devices/dev-02", NULL, 200);
	assert_int_equal(json_array_size(json_object_get(b, "remediation_attempts")), 1);
	json_decref(b);
}

/* Last of the group. A store of schema version 12 (without the counts'
 * index) is migrated when maydayd opens it: the index is made, and the
 * counts' statement reads the window through it (a range of the covering
 * index, not the table); the figures are the same. SQLite: its file and
 * plan; test_store_postgresql migrates a version 12 PostgreSQL store. */
static void test_counts_window_index(void **state)
{
	FX_SQLITE_ONLY();
	struct t *t = *state;
	char path[400];
	sqlite3 *db = NULL;
	sqlite3_stmt *q = NULL;
	int found = 0;
	snprintf(path, sizeof(path), "%s/hems.db", t->fx.dir);
	store_close(t->fx.st);
	t->fx.st = NULL;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, FX_DROP_V13 "UPDATE schema_version SET version = 12;",
				      NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	fx_reopen(&t->fx);
	t->ctx.st = t->fx.st;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(fx_scalar(db, "SELECT max(version) FROM schema_version"), 13);
	assert_int_equal(fx_scalar(db, "SELECT count(*) FROM sqlite_master WHERE type = 'index'"
				    " AND name = 'remediation_attempts_started'"), 1);
	/* the statement store_sqlite_device_counts runs, its window bound */
	assert_int_equal(sqlite3_prepare_v2(db, "EXPLAIN QUERY PLAN " STORE_SQLITE_COUNTS_GROUPS,
					    -1, &q, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_bind_int64(q, 1, 1000), SQLITE_OK);
	while (sqlite3_step(q) == SQLITE_ROW)
		if (strstr((const char *)sqlite3_column_text(q, 3),
			   "COVERING INDEX remediation_attempts_started (started_at>?)") != NULL)
			found = 1;
	sqlite3_finalize(q);
	sqlite3_close(db);
	assert_true(found);
	counts_in_progress(t, 2);
}

static void test_indications(void **state)
{
	struct t *t = *state;
	json_t *b = get(t, "/v1/indications", NULL, 200);
	json_t *all = json_object_get(b, "indications");
	assert_int_equal(json_array_size(all), 9);
	/* newest first */
	for (size_t i = 1; i < json_array_size(all); i++)
		assert_true(json_integer_value(json_object_get(json_array_get(all, i - 1), "id")) >
			    json_integer_value(json_object_get(json_array_get(all, i), "id")));
	json_decref(b);

	b = get(t, "/v1/indications", "trust=unverified", 200);
	all = json_object_get(b, "indications");
	assert_int_equal(json_array_size(all), 3);
	for (size_t i = 0; i < 3; i++) {
		json_t *o = json_array_get(all, i);
		assert_string_equal(json_string_value(json_object_get(o, "device_id")), "ghost");
		assert_true(json_is_false(json_object_get(o, "device_enrolled")));
		assert_string_equal(json_string_value(json_object_get(o, "trust")), "unverified");
		assert_true(json_is_null(json_object_get(o, "incident_id")));
	}
	int64_t ghost_id = json_integer_value(json_object_get(json_array_get(all, 0), "id"));
	json_decref(b);

	b = get(t, "/v1/indications", "trust=signed&device=dev-03", 200);
	all = json_object_get(b, "indications");
	assert_int_equal(json_array_size(all), 1);
	assert_true(json_is_true(json_object_get(json_array_get(all, 0), "device_enrolled")));
	assert_string_equal(json_string_value(json_object_get(json_array_get(all, 0), "counter")),
			    "1");
	json_decref(b);
	assert_int_equal(json_array_size(json_object_get(b = get(t, "/v1/indications",
		"since=1700000005", 200), "indications")), 4);
	json_decref(b);
	json_decref(get(t, "/v1/indications", "trust=maybe", 400));
	json_decref(get(t, "/v1/indications", "since=later", 400));

	/* pages of 2: 9 indications, 5 pages, ids strictly falling */
	char query[256];
	const char *cursor = NULL;
	int64_t prev = INT64_MAX;
	size_t n = 0, pages = 0;
	json_t *last = NULL;
	do {
		snprintf(query, sizeof(query), "limit=2%s%s", cursor ? "&cursor=" : "",
			 cursor ? cursor : "");
		b = get(t, "/v1/indications", query, 200);
		all = json_object_get(b, "indications");
		for (size_t i = 0; i < json_array_size(all); i++) {
			int64_t id = json_integer_value(json_object_get(json_array_get(all, i), "id"));
			assert_true(id < prev);
			prev = id;
			n++;
		}
		pages++;
		json_decref(last);
		last = b;
		cursor = json_string_value(json_object_get(b, "next_cursor"));
	} while (cursor != NULL);
	json_decref(last);
	assert_int_equal(n, 9);
	assert_int_equal(pages, 5);

	char path[64];
	snprintf(path, sizeof(path), "/v1/indications/%lld", (long long)ghost_id);
	b = get(t, path, NULL, 200);
	assert_string_equal(json_string_value(json_object_get(b, "device_id")), "ghost");
	assert_true(json_is_false(json_object_get(b, "device_enrolled")));
	json_decref(b);
	json_decref(get(t, "/v1/indications/999999", NULL, 404));
	json_decref(get(t, "/v1/indications/abc", NULL, 404));
	json_decref(get(t, "/v1/indications/0", NULL, 404));

	/* a device's own list, also for a sender never enrolled */
	b = get(t, "/v1/devices/ghost/indications", NULL, 200);
	assert_int_equal(json_array_size(json_object_get(b, "indications")), 3);
	json_decref(b);
	b = get(t, "/v1/devices/dev-05/indications", NULL, 200);
	assert_int_equal(json_array_size(json_object_get(b, "indications")), 1);
	json_decref(b);
	b = get(t, "/v1/devices/dev-24/indications", NULL, 200);
	assert_int_equal(json_array_size(json_object_get(b, "indications")), 0);
	json_decref(b);
	json_decref(get(t, "/v1/devices/nobody/indications", NULL, 404));
}

static void test_classes(void **state)
{
	struct t *t = *state;
	json_t *b = get(t, "/v1/classes", NULL, 200);
	json_t *cl = json_object_get(b, "classes");
	assert_int_equal(json_array_size(cl), 2);
	json_t *a = json_array_get(cl, 0);
	assert_string_equal(json_string_value(json_object_get(a, "name")), "femto-a");
	assert_int_equal(json_integer_value(json_object_get(a, "devices")), 13);
	assert_true(json_is_false(json_object_get(a, "paused")));
	assert_true(json_is_null(json_object_get(a, "bundle")));
	json_decref(b);
	b = get(t, "/v1/classes/femto-b", NULL, 200);
	assert_int_equal(json_integer_value(json_object_get(b, "devices")), 12);
	assert_int_equal(json_array_size(json_object_get(b, "pause_failures_detail")), 0);
	json_decref(b);
	json_decref(get(t, "/v1/classes/femto-z", NULL, 404));
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_true(fputs(text, f) >= 0);
	assert_int_equal(fclose(f), 0);
}

static const char *bundle_sha(struct t *t, const char *path)
{
	static char out[65];
	json_t *b = get(t, path, NULL, 200);
	json_t *bundle = json_object_get(b, "bundle");
	out[0] = '\0';
	if (json_is_object(bundle)) {
		snprintf(out, sizeof(out), "%s",
			 json_string_value(json_object_get(bundle, "sha256")));
		/* not a bundle inside: no versions, but the file is shown */
		assert_true(json_is_null(json_object_get(bundle, "version")));
		assert_non_null(json_string_value(json_object_get(bundle, "loaded_at")));
	} else {
		assert_true(json_is_null(bundle));
	}
	json_decref(b);
	return out;
}

static void test_class_bundle(void **state)
{
	struct t *t = *state;
	char dir[400], path[500], tmp[500];
	snprintf(dir, sizeof(dir), "%s/bundles", t->fx.dir);
	assert_int_equal(mkdir(dir, 0700), 0);
	snprintf(path, sizeof(path), "%s/femto-a.bundle", dir);
	snprintf(tmp, sizeof(tmp), "%s/femto-a.bundle.new", dir);
	t->cfg.bundle_dir = dir;
	write_file(path, "abc");
	assert_string_equal(bundle_sha(t, "/v1/classes/femto-a"),
			    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	/* asked again: the same (from the cache) */
	assert_string_equal(bundle_sha(t, "/v1/classes/femto-a"),
			    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	assert_string_equal(bundle_sha(t, "/v1/classes/femto-b"), "");
	/* replaced as an upload does (a new file renamed over it): hashed afresh */
	write_file(tmp, "abcd");
	assert_int_equal(rename(tmp, path), 0);
	assert_string_equal(bundle_sha(t, "/v1/classes/femto-a"),
			    "88d4266fd4e6338d13b845fcf289579d209c897823b9217da3e161936f031589");
	json_t *b = get(t, "/v1/classes", NULL, 200);
	json_t *a = json_array_get(json_object_get(b, "classes"), 0);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(a, "bundle"), "size")), 4);
	json_decref(b);
	assert_int_equal(unlink(path), 0);
	assert_string_equal(bundle_sha(t, "/v1/classes/femto-a"), "");
	assert_int_equal(rmdir(dir), 0);
	t->cfg.bundle_dir = "";
}

static void test_fleet(void **state)
{
	struct t *t = *state;
	/* NOW - 5000s: the window holds every signed indication */
	json_t *b = get(t, "/v1/fleet/component", "since=2h", 200);
	assert_string_equal(json_string_value(json_object_get(b, "by")), "component");
	json_t *g = json_object_get(b, "groups");
	assert_int_equal(json_array_size(g), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(g, 0), "key")),
			    "kernel.img");
	assert_int_equal(json_integer_value(json_object_get(json_array_get(g, 0), "devices")), 5);
	json_decref(b);
	b = get(t, "/v1/fleet/class", "since=1700000003&class=femto-a", 200);
	g = json_object_get(b, "groups");
	assert_int_equal(json_array_size(g), 1);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(g, 0), "devices")), 1);
	json_decref(b);
	b = get(t, "/v1/fleet/image", "since=1s", 200);
	assert_int_equal(json_array_size(json_object_get(b, "groups")), 0);
	json_decref(b);
	b = get(t, "/v1/fleet/component", "since=2h&class=%ff", 200);
	assert_int_equal(json_array_size(json_object_get(b, "groups")), 0);
	json_decref(b);
	/* distress over time: every signed indication of the seed came in the
	 * hour from 22:00 UTC (1700002000 + i) */
	b = get(t, "/v1/fleet/hour", "since=2h", 200);
	g = json_object_get(b, "groups");
	assert_int_equal(json_array_size(g), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(g, 0), "key")),
			    "2023-11-14T22:00:00Z");
	assert_string_equal(json_string_value(json_object_get(json_array_get(g, 0), "hour")),
			    "2023-11-14T22:00:00Z");
	json_decref(b);
	json_decref(get(t, "/v1/fleet/colour", NULL, 404));
	json_decref(get(t, "/v1/fleet/class", "since=0h", 400));
	json_decref(get(t, "/v1/fleet/class", "since=5y", 400));
	b = get(t, "/v1/fleet/anomalies", NULL, 200);
	assert_int_equal(json_array_size(json_object_get(b, "anomalies")), 0);
	json_decref(b);
}

static void test_events(void **state)
{
	struct t *t = *state;
	json_t *b = get(t, "/v1/events", NULL, 200);
	json_t *ev = json_object_get(b, "events");
	/* 25 devices enrolled, then six incidents opened */
	assert_int_equal(json_array_size(ev), 31);
	assert_string_equal(json_string_value(json_object_get(json_array_get(ev, 0), "type")),
			    "device.enrolled");
	assert_string_equal(json_string_value(json_object_get(json_array_get(ev, 25), "type")),
			    "incident.opened");
	int64_t first = json_integer_value(json_object_get(json_array_get(ev, 25), "id"));
	json_decref(b);
	char q[64];
	snprintf(q, sizeof(q), "after=%lld&limit=2", (long long)first);
	b = get(t, "/v1/events", q, 200);
	ev = json_object_get(b, "events");
	assert_int_equal(json_array_size(ev), 2);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(ev, 0), "id")),
			 first + 1);
	snprintf(q, sizeof(q), "limit=2&cursor=%s",
		 json_string_value(json_object_get(b, "next_cursor")));
	json_decref(b);
	b = get(t, "/v1/events", q, 200);
	ev = json_object_get(b, "events");
	assert_int_equal(json_integer_value(json_object_get(json_array_get(ev, 0), "id")),
			 first + 3);
	json_decref(b);
	json_decref(get(t, "/v1/events", "after=x", 400));
}

/* The objects the write routes answer with are the reads' objects. */
static void test_objects_for_writes(void **state)
{
	struct t *t = *state;
	json_t *o = NULL;
	assert_int_equal(api_devices_object(&t->ctx, "dev-03", &o), MAYDAY_OK);
	json_t *b = get(t, "/v1/devices", "limit=1&cursor=ZDpkZXYtMDI", 200);  /* after dev-02 */
	assert_true(json_equal(o, json_array_get(json_object_get(b, "devices"), 0)));
	json_decref(b);
	json_decref(o);
	assert_int_equal(api_devices_object(&t->ctx, "ghost", &o), MAYDAY_E_NOTFOUND);
	assert_null(o);
	assert_int_equal(api_classes_object(&t->ctx, "femto-b", &o), MAYDAY_OK);
	b = get(t, "/v1/classes", NULL, 200);
	assert_true(json_equal(o, json_array_get(json_object_get(b, "classes"), 1)));
	json_decref(b);
	json_decref(o);
	assert_int_equal(api_classes_object(&t->ctx, "femto-z", &o), MAYDAY_E_NOTFOUND);
}

static void test_whoami(void **state)
{
	struct t *t = *state;
	json_t *b = get(t, "/v1/whoami", NULL, 200);
	assert_string_equal(json_string_value(json_object_get(b, "identity")), "token:test");
	assert_string_equal(json_string_value(json_object_get(b, "role")), "viewer");
	json_decref(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_devices_list),
		cmocka_unit_test(test_devices_filters),
		cmocka_unit_test(test_devices_paging),
		cmocka_unit_test(test_devices_tampered_cursor),
		cmocka_unit_test(test_device_detail),
		cmocka_unit_test(test_device_counts),
		cmocka_unit_test(test_indications),
		cmocka_unit_test(test_classes),
		cmocka_unit_test(test_class_bundle),
		cmocka_unit_test(test_fleet),
		cmocka_unit_test(test_events),
		cmocka_unit_test(test_objects_for_writes),
		cmocka_unit_test(test_whoami),
		cmocka_unit_test(test_counts_remediation),
		cmocka_unit_test(test_counts_window_index),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}

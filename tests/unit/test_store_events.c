/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The events outbox (store_events.h): events are written in the
 * transaction of the change (a rolled-back batch leaves none, a committed
 * one its incident.opened), read in id order past each consumer's cursor,
 * the cursor never moves back, consumers are independent, and the outbox
 * survives a reopen (a restart); a batch reads past an id whatever the
 * cursor; an incident's context (class, opening time, reason and first
 * failed component of its first signed indication) is read back for VES;
 * the API's page reads the same order. On PostgreSQL, with several nodes
 * (handles) writing at once: an event committed after a later id was
 * delivered is still delivered, once, and nothing twice.
 * And the webhook signature (srv_events.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "srv_events.h"
#include "store_api_query.h"
#include "store_events.h"
#include "store_ingest.h"
#include "store_remed.h"
#include "test_store_fixture.h"

/* One signed indication into st's open batch. */
static void put_in(struct store *st, const char *dev, uint64_t counter)
{
	uint8_t raw[MAYDAY_INDICATION_MAX];
	struct mayday_indication ind;
	struct store_ingest_rec rec;
	fx_indication(&ind, dev, counter);
	fx_rec(&rec, &ind, STORE_TRUST_SIGNED, raw, sizeof(raw));
	assert_int_equal(store_ingest_put(st, &rec), MAYDAY_OK);
	assert_int_equal(rec.outcome, STORE_NEW);
}

static void put(struct fx *fx, const char *dev, uint64_t counter, bool commit)
{
	assert_int_equal(store_ingest_begin(fx->st), MAYDAY_OK);
	put_in(fx->st, dev, counter);
	if (commit)
		assert_int_equal(store_ingest_commit(fx->st), MAYDAY_OK);
	else
		store_ingest_rollback(fx->st);
}

/* The ids of a page, in its order. */
struct ids {
	int64_t id[64];
	size_t n;
};

static int page_id(void *ctx, int64_t id, const char *json, size_t len)
{
	struct ids *ids = ctx;
	assert_int_equal(len, strlen(json));
	assert_true(ids->n < sizeof(ids->id) / sizeof(ids->id[0]));
	ids->id[ids->n++] = id;
	return 0;
}

static int page_count(void *ctx, int64_t id, const char *json, size_t len)
{
	(void)id;
	(void)json;
	(void)len;
	(*(long long *)ctx)++;
	return 0;
}

/* Waits (30 s at most) until every committed event can be read: on
 * PostgreSQL an event is readable once no older transaction of its
 * database runs, and autovacuum's may, briefly. At once on SQLite. */
static void settle(struct fx *fx)
{
	long long want = fx_sql_scalar(fx, "SELECT count(*) FROM events"), got = 0;
	for (int i = 0; i < 1500; i++) {
		got = 0;
		assert_int_equal(store_events_page(fx->st, 0, STORE_API_PAGE_MAX, page_count, &got),
				 MAYDAY_OK);
		if (got == want)
			return;
		usleep(20000);
	}
	assert_int_equal(got, want);
}

/* A read that must find an event: on PostgreSQL retried (30 s at most)
 * while the event is out of reach for a moment (settle() says why). */
static enum mayday_err next_eventually(struct store *st, const char *consumer,
				       struct store_event *ev)
{
	enum mayday_err err = store_events_next(st, consumer, ev);
	for (int i = 0; err == MAYDAY_E_NOTFOUND && fx_is_pg() && i < 1500; i++) {
		usleep(20000);
		err = store_events_next(st, consumer, ev);
	}
	return err;
}

static enum mayday_err after_eventually(struct store *st, int64_t after, struct store_event *ev)
{
	enum mayday_err err = store_events_after(st, after, ev);
	for (int i = 0; err == MAYDAY_E_NOTFOUND && fx_is_pg() && i < 1500; i++) {
		usleep(20000);
		err = store_events_after(st, after, ev);
	}
	return err;
}

static void test_outbox(void **state)
{
	(void)state;
	struct fx fx;
	struct store_event ev;
	char pem[1024];
	fx_open(&fx);
	EVP_PKEY *k1 = fx_key(pem, sizeof(pem));
	assert_int_equal(store_enrol(fx.st, "hnb-1", "femto-a", pem), MAYDAY_OK);
	EVP_PKEY *k2 = fx_key(pem, sizeof(pem));
	assert_int_equal(store_enrol(fx.st, "hnb-2", "femto-a", pem), MAYDAY_OK);
	/* each enrolment is an event (schema 12) */
	settle(&fx);
	int64_t enrolled[2];
	for (int i = 0; i < 2; i++) {
		assert_int_equal(next_eventually(fx.st, "a", &ev), MAYDAY_OK);
		assert_string_equal(ev.type, "device.enrolled");
		enrolled[i] = ev.id;
		assert_int_equal(store_events_ack(fx.st, "a", ev.id), MAYDAY_OK);
	}
	assert_int_equal(store_events_next(fx.st, "a", &ev), MAYDAY_E_NOTFOUND);

	/* rolled back: the incident and its event both gone */
	put(&fx, "hnb-1", 1, false);
	assert_int_equal(store_events_next(fx.st, "a", &ev), MAYDAY_E_NOTFOUND);

	put(&fx, "hnb-1", 2, true);
	put(&fx, "hnb-1", 3, true);   /* same incident: no new event */
	put(&fx, "hnb-2", 1, true);
	bool was = false;
	if (!fx_is_pg())
		assert_int_equal(store_remed_class_resume(fx.st, "femto-a", 100, &was), MAYDAY_OK);
	else   /* the row store_remed_class_resume writes, until PostgreSQL has the call */
		fx_sql_exec(&fx, "INSERT INTO remediation_class_events (product_class, at, kind)"
			    " VALUES ('femto-a', 100, 'resumed')");

	settle(&fx);
	const char *want[] = {"incident.opened", "incident.opened", "class.resumed"};
	int64_t ids[3];
	for (int i = 0; i < 3; i++) {
		assert_int_equal(next_eventually(fx.st, "a", &ev), MAYDAY_OK);
		assert_string_equal(ev.type, want[i]);
		assert_int_equal(ev.json_len, strlen(ev.json));
		assert_non_null(strstr(ev.json, "\"type\":\""));
		ids[i] = ev.id;
		if (i > 0)
			assert_true(ids[i] > ids[i - 1]);
		/* not yet acknowledged: the same event again */
		assert_int_equal(next_eventually(fx.st, "a", &ev), MAYDAY_OK);
		assert_int_equal(ev.id, ids[i]);
		assert_int_equal(store_events_ack(fx.st, "a", ev.id), MAYDAY_OK);
	}
	assert_non_null(strstr(ev.json, "\"product_class\":\"femto-a\""));
	assert_int_equal(store_events_next(fx.st, "a", &ev), MAYDAY_E_NOTFOUND);
	/* a cursor moves only to an event */
	assert_int_equal(store_events_ack(fx.st, "a", ids[2] + 1000), MAYDAY_E_NOTFOUND);
	assert_int_equal(store_events_next(fx.st, "a", &ev), MAYDAY_E_NOTFOUND);
	assert_int_equal(store_events_ack(fx.st, "z", ids[2] + 1000), MAYDAY_E_NOTFOUND);
	assert_int_equal(next_eventually(fx.st, "z", &ev), MAYDAY_OK);
	assert_int_equal(ev.id, enrolled[0]);

	/* the API's page: the same order, from the start or after an event */
	struct ids pg = {.n = 0};
	assert_int_equal(store_events_page(fx.st, 0, 100, page_id, &pg), MAYDAY_OK);
	assert_int_equal(pg.n, 5);
	assert_int_equal(pg.id[0], enrolled[0]);
	assert_int_equal(pg.id[1], enrolled[1]);
	for (int i = 0; i < 3; i++)
		assert_int_equal(pg.id[2 + i], ids[i]);
	pg.n = 0;
	assert_int_equal(store_events_page(fx.st, ids[0], 1, page_id, &pg), MAYDAY_OK);
	assert_int_equal(pg.n, 1);
	assert_int_equal(pg.id[0], ids[1]);
	assert_int_equal(store_events_page(fx.st, 0, 0, page_id, &pg), MAYDAY_E_INVALID);
	assert_int_equal(store_events_page(fx.st, 0, STORE_API_PAGE_MAX + 1, page_id, &pg),
			 MAYDAY_E_INVALID);

	/* another consumer starts at the beginning; a cursor never moves back */
	assert_int_equal(next_eventually(fx.st, "b", &ev), MAYDAY_OK);
	assert_int_equal(ev.id, enrolled[0]);
	assert_int_equal(store_events_ack(fx.st, "b", enrolled[1]), MAYDAY_OK);
	assert_int_equal(next_eventually(fx.st, "b", &ev), MAYDAY_OK);
	assert_int_equal(ev.id, ids[0]);
	assert_non_null(strstr(ev.json, "\"device_id\":\"hnb-1\""));
	assert_int_equal(store_events_ack(fx.st, "b", ids[1]), MAYDAY_OK);
	assert_int_equal(store_events_ack(fx.st, "b", ids[0]), MAYDAY_OK);
	assert_int_equal(next_eventually(fx.st, "b", &ev), MAYDAY_OK);
	assert_int_equal(ev.id, ids[2]);

	/* past an id, whatever the cursors say */
	assert_int_equal(after_eventually(fx.st, 0, &ev), MAYDAY_OK);
	assert_int_equal(ev.id, enrolled[0]);
	assert_int_equal(after_eventually(fx.st, enrolled[1], &ev), MAYDAY_OK);
	assert_int_equal(ev.id, ids[0]);
	assert_int_equal(after_eventually(fx.st, ids[0], &ev), MAYDAY_OK);
	assert_int_equal(ev.id, ids[1]);
	assert_int_equal(store_events_after(fx.st, ids[2], &ev), MAYDAY_E_NOTFOUND);

	/* the context of hnb-1's incident, as the fixture's indication says */
	struct store_event_context ctx;
	int64_t incident = 0;
	assert_int_equal(after_eventually(fx.st, enrolled[1], &ev), MAYDAY_OK);
	const char *at = strstr(ev.json, "\"incident_id\":");
	assert_non_null(at);
	incident = strtoll(at + strlen("\"incident_id\":"), NULL, 10);
	assert_true(incident > 0);
	assert_int_equal(store_events_context(fx.st, "hnb-1", incident, &ctx), MAYDAY_OK);
	assert_string_equal(ctx.product_class, "femto-a");
	assert_true(ctx.opened_at > 0);
	assert_true(ctx.has_reason);
	assert_int_equal(ctx.reason, MAYDAY_REASON_COMPONENT_MISMATCH);
	assert_string_equal(ctx.component, "kernel.img");
	/* another device's incident is not hnb-1's; no incident: the class only */
	assert_int_equal(store_events_context(fx.st, "hnb-2", incident, &ctx), MAYDAY_OK);
	assert_string_equal(ctx.product_class, "femto-a");
	assert_false(ctx.has_reason);
	assert_int_equal(ctx.opened_at, 0);
	assert_int_equal(store_events_context(fx.st, "hnb-1", 0, &ctx), MAYDAY_OK);
	assert_false(ctx.has_reason);
	assert_string_equal(ctx.component, "");
	/* not enrolled: empty, not an error */
	assert_int_equal(store_events_context(fx.st, "nobody", incident, &ctx), MAYDAY_OK);
	assert_string_equal(ctx.product_class, "");
	assert_false(ctx.has_reason);

	/* a restart keeps the outbox and the cursors */
	fx_reopen(&fx);
	assert_int_equal(store_events_next(fx.st, "a", &ev), MAYDAY_E_NOTFOUND);
	assert_int_equal(next_eventually(fx.st, "b", &ev), MAYDAY_OK);
	assert_int_equal(ev.id, ids[2]);

	/* not inside an ingest batch */
	assert_int_equal(store_ingest_begin(fx.st), MAYDAY_OK);
	assert_int_equal(store_events_next(fx.st, "b", &ev), MAYDAY_E_INVALID);
	assert_int_equal(store_events_after(fx.st, 0, &ev), MAYDAY_E_INVALID);
	assert_int_equal(store_events_context(fx.st, "hnb-1", 1, &ctx), MAYDAY_E_INVALID);
	assert_int_equal(store_events_ack(fx.st, "b", ids[2]), MAYDAY_E_INVALID);
	store_ingest_rollback(fx.st);

	EVP_PKEY_free(k1);
	EVP_PKEY_free(k2);
	fx_close(&fx);
}

/* Reads and acknowledges on st all that consumer "c" can be given now,
 * counting each event id in seen[] (a fresh database: small ids); how
 * many were read. */
static int drain(struct store *st, int *seen, size_t cap, int64_t *last)
{
	struct store_event ev;
	enum mayday_err err;
	int n = 0;
	while ((err = store_events_next(st, "c", &ev)) == MAYDAY_OK) {
		assert_true(ev.id > 0 && (size_t)ev.id < cap);
		seen[ev.id]++;
		*last = ev.id;
		assert_int_equal(store_events_ack(st, "c", ev.id), MAYDAY_OK);
		assert_true(++n < 100);
	}
	assert_int_equal(err, MAYDAY_E_NOTFOUND);
	return n;
}

/* Every event in the outbox was given to "c" exactly once. */
static void each_once(struct fx *fx, const int *seen, size_t cap)
{
	long long total = fx_sql_scalar(fx, "SELECT count(*) FROM events"), got = 0;
	for (size_t i = 0; i < cap; i++) {
		assert_true(seen[i] <= 1);
		got += seen[i];
	}
	assert_int_equal(got, total);
}

/* Several nodes on one PostgreSQL database, each its own handle: an
 * event's id is drawn at its insert, its transaction commits later.
 * (1) A writes id n and stays open, B writes n+1 and commits: B's event is
 * held back behind A's running transaction (read by id, it would be
 * delivered and its acknowledgement would put A's n behind the cursor
 * for good). (2) B's transaction is older than A's (it wrote first, a
 * row without an event), A writes id m, B writes m+1 and commits: B's
 * event is readable (no older transaction runs) and is delivered first;
 * A's m, a lower id, comes after it once A commits (a cursor compared by
 * id would pass it over). Either way every event once, none twice. */
static void test_nodes_commit_order(void **state)
{
	(void)state;
	if (!fx_is_pg())
		skip();   /* SQLite: one writer at a time, ids are in commit order */
	struct fx fx;
	struct store *a = NULL, *b = NULL;
	struct store_event ev;
	int seen[64] = {0};
	int64_t last = 0;
	char pem[1024];
	fx_open(&fx);
	EVP_PKEY *k = fx_key(pem, sizeof(pem));
	const char *devs[] = {"hnb-1", "hnb-2", "hnb-3", "hnb-4", "hnb-5"};
	for (int i = 0; i < 5; i++)
		assert_int_equal(store_enrol(fx.st, devs[i], "femto-a", pem), MAYDAY_OK);
	put(&fx, "hnb-5", 1, true);   /* an open incident: a later put writes no event */
	assert_int_equal(store_open(&a, fx.spec), MAYDAY_OK);
	assert_int_equal(store_open(&b, fx.spec), MAYDAY_OK);
	settle(&fx);
	assert_int_equal(drain(fx.st, seen, 64, &last), 6);

	/* (1) */
	assert_int_equal(store_ingest_begin(a), MAYDAY_OK);
	put_in(a, "hnb-1", 1);
	assert_int_equal(store_ingest_begin(b), MAYDAY_OK);
	put_in(b, "hnb-2", 1);
	assert_int_equal(store_ingest_commit(b), MAYDAY_OK);
	int64_t b_id = fx_sql_scalar(&fx, "SELECT max(id) FROM events");
	assert_int_equal(drain(fx.st, seen, 64, &last), 0);
	struct ids pg = {.n = 0};
	assert_int_equal(store_events_page(fx.st, 0, 100, page_id, &pg), MAYDAY_OK);
	assert_int_equal(pg.n, 6);
	assert_int_equal(store_events_after(fx.st, last, &ev), MAYDAY_E_NOTFOUND);
	assert_int_equal(store_ingest_commit(a), MAYDAY_OK);
	settle(&fx);
	assert_int_equal(drain(fx.st, seen, 64, &last), 2);
	assert_int_equal(seen[b_id - 1], 1);   /* A's */
	assert_int_equal(seen[b_id], 1);
	each_once(&fx, seen, 64);

	/* (2) */
	assert_int_equal(store_ingest_begin(b), MAYDAY_OK);
	put_in(b, "hnb-5", 2);
	assert_int_equal(store_ingest_begin(a), MAYDAY_OK);
	put_in(a, "hnb-3", 1);
	put_in(b, "hnb-4", 1);
	assert_int_equal(store_ingest_commit(b), MAYDAY_OK);
	b_id = fx_sql_scalar(&fx, "SELECT max(id) FROM events");
	settle(&fx);   /* B's event: no older transaction runs (A's is younger) */
	assert_int_equal(drain(fx.st, seen, 64, &last), 1);
	assert_int_equal(last, b_id);
	assert_int_equal(store_ingest_commit(a), MAYDAY_OK);
	settle(&fx);
	assert_int_equal(drain(fx.st, seen, 64, &last), 1);
	assert_int_equal(last, b_id - 1);      /* A's, below the cursor's id */
	each_once(&fx, seen, 64);
	/* the page reads that order too, the way a client pages it */
	pg.n = 0;
	int64_t after = 0;
	for (int i = 0; i < 20; i++) {
		size_t before = pg.n;
		assert_int_equal(store_events_page(fx.st, after, 1, page_id, &pg), MAYDAY_OK);
		if (pg.n == before)
			break;
		after = pg.id[pg.n - 1];
	}
	assert_int_equal(pg.n, 10);
	assert_int_equal(pg.id[8], b_id);
	assert_int_equal(pg.id[9], b_id - 1);

	store_close(a);
	store_close(b);
	EVP_PKEY_free(k);
	fx_close(&fx);
}

/* The webhook signature: RFC 4231 test case 2. */
static void test_sign(void **state)
{
	(void)state;
	char sig[80];
	const char *body = "what do ya want for nothing?";
	srv_events_sign((const uint8_t *)"Jefe", 4, body, strlen(body), sig, sizeof(sig));
	assert_string_equal(sig, "sha256=5bdcc146bf60754e6a042426089575c7"
				 "5a003f089d2739839dec58b964ec3843");
	srv_events_sign((const uint8_t *)"Jefe", 4, body, strlen(body), sig, 70);
	assert_string_equal(sig, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_outbox),
		cmocka_unit_test(test_nodes_commit_order),
		cmocka_unit_test(test_sign),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

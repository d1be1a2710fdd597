/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The store's ACS calls (store_acs.h) on either backend (the fixture;
 * test_store_acs_pg runs them on PostgreSQL): CPE credentials, the ACS's
 * decisions, the refused Reboot, Connection Request URLs and which are
 * due. Several nodes: four handles on one store ask for the due
 * Connection Requests at once, round after round, and each due device is
 * handed to exactly one of them; on PostgreSQL, a node that read devices
 * due while another was marking them waits and hands none of them; four
 * handles giving one username to four devices at once: one gets it.
 * Session-level use is in test_acs_session.c and test_acs_auth.c.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "store_acs.h"
#include "test_store_fixture.h"
#ifdef MAYDAY_TEST_PG
#include "test_store_pg_fixture.h"
#endif

#define MD5_A "0123456789abcdef0123456789abcdef"
#define SHA_A "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define SHA_B "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"

static int setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));
	char pem[1024];
	assert_non_null(fx);
	fx_open(fx);
	EVP_PKEY_free(fx_key(pem, sizeof(pem)));
	assert_int_equal(store_enrol(fx->st, "cpe-1", "femto-a", pem), MAYDAY_OK);
	assert_int_equal(store_enrol(fx->st, "cpe-2", "femto-a", pem), MAYDAY_OK);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;
	fx_close(fx);
	free(fx);
	return 0;
}

static struct store_acs_cred cred(const char *dev, const char *user, const char *sha, int64_t at)
{
	struct store_acs_cred c;
	memset(&c, 0, sizeof(c));
	snprintf(c.device_id, sizeof(c.device_id), "%s", dev);
	snprintf(c.username, sizeof(c.username), "%s", user);
	snprintf(c.ha1_md5, sizeof(c.ha1_md5), "%s", MD5_A);
	snprintf(c.ha1_sha256, sizeof(c.ha1_sha256), "%s", sha);
	c.set_at = at;
	return c;
}

/* HA1s kept as given (lowercase hex), one set per device, a username one
 * device's; what cannot be a credential is refused, and looking up a name
 * no credential could have finds none. */
static void test_credentials(void **state)
{
	struct fx *fx = *state;
	struct store_acs_cred c = cred("cpe-1", "user1", SHA_A, 1700000000), got;
	assert_int_equal(store_acs_cred_get(fx->st, "user1", &got), MAYDAY_E_NOTFOUND);
	assert_int_equal(store_acs_cred_set(fx->st, &c), MAYDAY_OK);
	assert_int_equal(store_acs_cred_get(fx->st, "user1", &got), MAYDAY_OK);
	assert_string_equal(got.device_id, "cpe-1");
	assert_string_equal(got.username, "user1");
	assert_string_equal(got.ha1_md5, MD5_A);
	assert_string_equal(got.ha1_sha256, SHA_A);
	assert_int_equal(got.set_at, 1700000000);
	assert_int_equal(fx_sql_scalar(fx, "SELECT count(*) FROM cwmp_credentials WHERE"
				       " ha1_sha256 = '" SHA_A "' AND ha1_md5 = '" MD5_A "'"), 1);

	/* the same device again: replaced, the old name gone */
	c = cred("cpe-1", "user1b", SHA_B, 1700000100);
	assert_int_equal(store_acs_cred_set(fx->st, &c), MAYDAY_OK);
	assert_int_equal(store_acs_cred_get(fx->st, "user1", &got), MAYDAY_E_NOTFOUND);
	assert_int_equal(store_acs_cred_get(fx->st, "user1b", &got), MAYDAY_OK);
	assert_string_equal(got.ha1_sha256, SHA_B);
	assert_int_equal(got.set_at, 1700000100);
	assert_int_equal(fx_sql_scalar(fx, "SELECT count(*) FROM cwmp_credentials"), 1);

	/* another device may not take the name; one not enrolled has none */
	c = cred("cpe-2", "user1b", SHA_A, 1700000200);
	assert_int_equal(store_acs_cred_set(fx->st, &c), MAYDAY_E_MISMATCH);
	c = cred("cpe-9", "user9", SHA_A, 1700000200);
	assert_int_equal(store_acs_cred_set(fx->st, &c), MAYDAY_E_NOTFOUND);
	c = cred("cpe-2", "user2", SHA_A, 1700000200);
	assert_int_equal(store_acs_cred_set(fx->st, &c), MAYDAY_OK);
	assert_int_equal(store_acs_cred_get(fx->st, "user2", &got), MAYDAY_OK);
	assert_string_equal(got.device_id, "cpe-2");

	static const char *const bad_users[] = {"", "a:b", "a\"b", "a\\b", "a\tb",
		"\xc3\xa9t\xc3\xa9",
		"0123456789012345678901234567890123456789012345678901234567890123456789"};
	for (size_t i = 0; i < sizeof(bad_users) / sizeof(bad_users[0]); i++) {
		c = cred("cpe-2", "x", SHA_A, 1);
		snprintf(c.username, sizeof(c.username), "%s", bad_users[i]);
		if (strlen(bad_users[i]) > STORE_ACS_USERNAME_MAX)   /* cut by the struct */
			continue;
		assert_int_equal(store_acs_cred_set(fx->st, &c), MAYDAY_E_INVALID);
		assert_int_equal(store_acs_cred_get(fx->st, bad_users[i], &got), MAYDAY_E_NOTFOUND);
	}
	assert_int_equal(store_acs_cred_get(fx->st, bad_users[6], &got), MAYDAY_E_NOTFOUND);
	assert_int_equal(store_acs_cred_get(fx->st, "\xff\xfe", &got), MAYDAY_E_NOTFOUND);
	c = cred("cpe-2", "user2", SHA_A, 1);
	c.ha1_md5[0] = 'A';   /* uppercase */
	assert_int_equal(store_acs_cred_set(fx->st, &c), MAYDAY_E_INVALID);
	c = cred("cpe-2", "user2", SHA_A, 1);
	c.ha1_sha256[63] = '\0';
	assert_int_equal(store_acs_cred_set(fx->st, &c), MAYDAY_E_INVALID);
	assert_int_equal(store_acs_cred_get(fx->st, "user2", &got), MAYDAY_OK);
	assert_string_equal(got.ha1_sha256, SHA_A);
	assert_int_equal(got.set_at, 1700000200);   /* the refused sets changed nothing */

	/* not from inside an ingest batch (its commit is another caller's) */
	assert_int_equal(store_ingest_begin(fx->st), MAYDAY_OK);
	c = cred("cpe-2", "user2", SHA_B, 1);
	assert_int_equal(store_acs_cred_set(fx->st, &c), MAYDAY_E_INVALID);
	assert_int_equal(store_ingest_commit(fx->st), MAYDAY_OK);
}

struct notes {
	struct store_acs_note n[8];
	int count, stop_after;
};

static int note_cb(void *ctx, const struct store_acs_note *n)
{
	struct notes *all = ctx;
	if (all->count < 8)
		all->n[all->count] = *n;
	all->count++;
	return all->stop_after && all->count >= all->stop_after;
}

/* Decisions are kept oldest first, each tied to the incident open when it
 * was made (0: none), cut at STORE_ACS_NOTE_MAX; a device not enrolled
 * has none and can get none. */
static void test_notes(void **state)
{
	struct fx *fx = *state;
	struct notes all = {0};
	struct mayday_indication ind;
	struct store_ingest_rec rec;
	uint8_t raw[4096];
	char long_text[400];
	assert_int_equal(store_acs_note(fx->st, "cpe-1", 1700000001, "first, no incident"),
			 MAYDAY_OK);
	fx_indication(&ind, "cpe-1", 1);
	fx_rec(&rec, &ind, STORE_TRUST_SIGNED, raw, sizeof(raw));
	assert_int_equal(fx_put1(fx->st, &rec), MAYDAY_OK);
	assert_true(rec.incident_id > 0);
	assert_int_equal(store_acs_note(fx->st, "cpe-1", 1700000002, "second, in the incident"),
			 MAYDAY_OK);
	/* 'x' * 254 then a two-byte character across the cut */
	memset(long_text, 'x', sizeof(long_text));
	memcpy(long_text + STORE_ACS_NOTE_MAX - 1, "\xc3\xa9", 2);
	long_text[STORE_ACS_NOTE_MAX + 20] = '\0';
	assert_int_equal(store_acs_note(fx->st, "cpe-1", 1700000003, long_text), MAYDAY_OK);
	/* a byte no text may hold is not a reason to lose the decision */
	assert_int_equal(store_acs_note(fx->st, "cpe-1", 1700000004, "bad \xff byte"), MAYDAY_OK);
	assert_int_equal(store_acs_note(fx->st, "cpe-9", 1700000005, "nobody"), MAYDAY_E_NOTFOUND);
	assert_int_equal(store_acs_note(fx->st, "bad id", 1700000005, "nobody"),
			 MAYDAY_E_NOTFOUND);

	assert_int_equal(store_acs_notes(fx->st, "cpe-1", note_cb, &all), MAYDAY_OK);
	assert_int_equal(all.count, 4);
	assert_string_equal(all.n[0].text, "first, no incident");
	assert_int_equal(all.n[0].incident_id, 0);
	assert_int_equal(all.n[0].at, 1700000001);
	assert_string_equal(all.n[1].text, "second, in the incident");
	assert_int_equal(all.n[1].incident_id, rec.incident_id);
	assert_true(all.n[0].id < all.n[1].id && all.n[1].id < all.n[2].id &&
		    all.n[2].id < all.n[3].id);
	size_t len = strlen(all.n[2].text);
	assert_true(len == STORE_ACS_NOTE_MAX - 1 || len == STORE_ACS_NOTE_MAX);
	assert_int_equal(strspn(all.n[2].text, "x"), STORE_ACS_NOTE_MAX - 1);
	assert_int_equal(strncmp(all.n[3].text, "bad ", 4), 0);
	assert_string_equal(all.n[3].text + 5, " byte");
	/* the callback stops the walk */
	memset(&all, 0, sizeof(all));
	all.stop_after = 1;
	assert_int_equal(store_acs_notes(fx->st, "cpe-1", note_cb, &all), MAYDAY_OK);
	assert_int_equal(all.count, 1);
	memset(&all, 0, sizeof(all));
	assert_int_equal(store_acs_notes(fx->st, "cpe-2", note_cb, &all), MAYDAY_OK);
	assert_int_equal(store_acs_notes(fx->st, "cpe-9", note_cb, &all), MAYDAY_OK);
	assert_int_equal(all.count, 0);
}

/* An attempt of cpe-1 with that key and result, in its open incident. */
static void attempt_row(struct fx *fx, const char *key, int n, const char *result)
{
	char sql[512];
	snprintf(sql, sizeof(sql),
		 "INSERT INTO remediation_attempts (incident_id, device_id, attempt, command_key,"
		 " token, bundle, bundle_size, free_space, max_image_size, started_at, result)"
		 " SELECT id, 'cpe-1', %d, '%s', '', 'b', 1, 1, 1, 1700000000, '%s'"
		 " FROM incidents WHERE device_id = 'cpe-1' AND closed_at IS NULL", n, key, result);
	fx_sql_exec(fx, sql);
}

/* A refused Reboot is kept on the device's installed attempt of that key
 * only, which stays installed. */
static void test_reboot_refused(void **state)
{
	struct fx *fx = *state;
	struct mayday_indication ind;
	struct store_ingest_rec rec;
	uint8_t raw[4096];
	fx_indication(&ind, "cpe-1", 1);
	fx_rec(&rec, &ind, STORE_TRUST_SIGNED, raw, sizeof(raw));
	assert_int_equal(fx_put1(fx->st, &rec), MAYDAY_OK);
	attempt_row(fx, "rem-1", 1, "installed");
	attempt_row(fx, "rem-2", 2, "in_progress");
	assert_int_equal(store_acs_reboot_refused(fx->st, "cpe-1", "rem-1", 9001,
						  "CPE Fault 9001 to Reboot: busy"), MAYDAY_OK);
	assert_int_equal(fx_sql_scalar(fx, "SELECT count(*) FROM remediation_attempts"
				       " WHERE command_key = 'rem-1' AND result = 'installed'"
				       " AND fault_code = 9001"
				       " AND detail = 'CPE Fault 9001 to Reboot: busy'"), 1);
	/* not another device's, not an attempt still in progress, not unknown */
	assert_int_equal(store_acs_reboot_refused(fx->st, "cpe-2", "rem-1", 9001, "x"),
			 MAYDAY_E_NOTFOUND);
	assert_int_equal(store_acs_reboot_refused(fx->st, "cpe-1", "rem-2", 9001, "x"),
			 MAYDAY_E_NOTFOUND);
	assert_int_equal(store_acs_reboot_refused(fx->st, "cpe-1", "rem-9", 9001, "x"),
			 MAYDAY_E_NOTFOUND);
	assert_int_equal(store_acs_reboot_refused(fx->st, "cpe-1", "rem 1", 9001, "x"),
			 MAYDAY_E_NOTFOUND);
	assert_int_equal(fx_sql_scalar(fx, "SELECT count(*) FROM remediation_attempts"
				       " WHERE fault_code != 0"), 1);
	/* once more with a fault string whose bytes are not all text */
	assert_int_equal(store_acs_reboot_refused(fx->st, "cpe-1", "rem-1", 9002, "odd \xc3 end"),
			 MAYDAY_OK);
	assert_int_equal(fx_sql_scalar(fx, "SELECT fault_code FROM remediation_attempts"
				       " WHERE command_key = 'rem-1'"), 9002);
}

struct got {
	char ids[32][MAYDAY_DEVICE_ID_MAX + 1];
	char urls[32][STORE_ACS_URL_MAX + 1];
	int n, stop_after;
};

static int due_cb(void *ctx, const char *device_id, const char *url)
{
	struct got *g = ctx;
	if (g->n < 32) {
		snprintf(g->ids[g->n], sizeof(g->ids[0]), "%s", device_id);
		snprintf(g->urls[g->n], sizeof(g->urls[0]), "%s", url);
	}
	g->n++;
	return g->stop_after && g->n >= g->stop_after;
}

static void scheduled(struct fx *fx, const char *id)
{
	char sql[200];
	snprintf(sql, sizeof(sql), "UPDATE devices SET state = 'remediation_scheduled'"
		 " WHERE id = '%s'", id);
	fx_sql_exec(fx, sql);
}

/* The URL of the last Inform is kept ("" forgets it) and its time of use
 * with it; a scheduled device is due once per gap, least recently asked
 * first, marked even when the callback stopped before it. */
static void test_connreq(void **state)
{
	struct fx *fx = *state;
	struct got g;
	char pem[1024];
	EVP_PKEY_free(fx_key(pem, sizeof(pem)));
	assert_int_equal(store_enrol(fx->st, "cpe-3", "femto-a", pem), MAYDAY_OK);
	assert_int_equal(store_acs_connreq_url(fx->st, "cpe-9", "http://127.0.0.1:1/x"), MAYDAY_OK);
	assert_int_equal(store_acs_connreq_url(fx->st, "bad id", "http://127.0.0.1:1/x"),
			 MAYDAY_OK);
	assert_int_equal(fx_sql_scalar(fx, "SELECT count(*) FROM cwmp_connreq"), 0);
	assert_int_equal(store_acs_connreq_url(fx->st, "cpe-1", "http://127.0.0.1:7001/cr"),
			 MAYDAY_OK);
	assert_int_equal(store_acs_connreq_url(fx->st, "cpe-2", "http://127.0.0.1:7002/cr"),
			 MAYDAY_OK);
	assert_int_equal(store_acs_connreq_url(fx->st, "cpe-3", "http://127.0.0.1:7003/cr"),
			 MAYDAY_OK);
	memset(&g, 0, sizeof(g));
	assert_int_equal(store_acs_connreq_due(fx->st, 1000, 1000, 16, due_cb, &g), MAYDAY_OK);
	assert_int_equal(g.n, 0);   /* none scheduled */
	scheduled(fx, "cpe-1");
	scheduled(fx, "cpe-2");
	scheduled(fx, "cpe-3");
	fx_sql_exec(fx, "UPDATE cwmp_connreq SET requested_at = 30 WHERE device_id = 'cpe-1'");
	fx_sql_exec(fx, "UPDATE cwmp_connreq SET requested_at = 10 WHERE device_id = 'cpe-2'");
	fx_sql_exec(fx, "UPDATE cwmp_connreq SET requested_at = 20 WHERE device_id = 'cpe-3'");
	/* the two least recently asked; then the third */
	assert_int_equal(store_acs_connreq_due(fx->st, 1000, 1000, 2, due_cb, &g), MAYDAY_OK);
	assert_int_equal(g.n, 2);
	assert_string_equal(g.ids[0], "cpe-2");
	assert_string_equal(g.urls[0], "http://127.0.0.1:7002/cr");
	assert_string_equal(g.ids[1], "cpe-3");
	assert_int_equal(store_acs_connreq_due(fx->st, 1000, 1000, 2, due_cb, &g), MAYDAY_OK);
	assert_int_equal(g.n, 3);
	assert_string_equal(g.ids[2], "cpe-1");
	assert_int_equal(store_acs_connreq_due(fx->st, 1000, 1000, 16, due_cb, &g), MAYDAY_OK);
	assert_int_equal(g.n, 3);   /* asked at 1000: not due before the gap */
	assert_int_equal(fx_sql_scalar(fx, "SELECT count(*) FROM cwmp_connreq"
				       " WHERE requested_at = 1000"), 3);

	/* A new URL keeps the time of use; the same URL writes nothing. */
	assert_int_equal(store_acs_connreq_url(fx->st, "cpe-1", "http://127.0.0.1:7011/cr"),
			 MAYDAY_OK);
	assert_int_equal(store_acs_connreq_url(fx->st, "cpe-1", "http://127.0.0.1:7011/cr"),
			 MAYDAY_OK);
	assert_int_equal(fx_sql_scalar(fx, "SELECT requested_at FROM cwmp_connreq"
				       " WHERE device_id = 'cpe-1'"), 1000);
	/* The callback stops after the first: all three were marked. */
	memset(&g, 0, sizeof(g));
	g.stop_after = 1;
	assert_int_equal(store_acs_connreq_due(fx->st, 1001, 2000, 16, due_cb, &g), MAYDAY_OK);
	assert_int_equal(g.n, 1);
	assert_int_equal(fx_sql_scalar(fx, "SELECT count(*) FROM cwmp_connreq"
				       " WHERE requested_at = 2000"), 3);
	/* Forgotten: never due again; a device no longer scheduled neither. */
	assert_int_equal(store_acs_connreq_url(fx->st, "cpe-1", ""), MAYDAY_OK);
	fx_sql_exec(fx, "UPDATE devices SET state = 'installed' WHERE id = 'cpe-2'");
	memset(&g, 0, sizeof(g));
	assert_int_equal(store_acs_connreq_due(fx->st, 3000, 3000, 16, due_cb, &g), MAYDAY_OK);
	assert_int_equal(g.n, 1);
	assert_string_equal(g.ids[0], "cpe-3");
	assert_string_equal(g.urls[0], "http://127.0.0.1:7003/cr");
	/* Not from inside an ingest batch: the marks must be committed first. */
	assert_int_equal(store_ingest_begin(fx->st), MAYDAY_OK);
	assert_int_equal(store_acs_connreq_due(fx->st, 9000, 9000, 16, due_cb, &g),
			 MAYDAY_E_INVALID);
	assert_int_equal(store_ingest_commit(fx->st), MAYDAY_OK);
	assert_int_equal(g.n, 1);
}

/* Several nodes: NODES handles on one store, each its own thread, ask at
 * once (a barrier) for up to DUE_MAX due devices; there are DEVICES. */
#define NODES 4
#define DEVICES 12
#define DUE_MAX 16
#define ROUNDS 10

struct node {
	const char *spec;
	pthread_barrier_t *go;
	int64_t now;
	struct got got;
	enum mayday_err err;
};

static void *node_due(void *arg)
{
	struct node *n = arg;
	struct store *st = NULL;
	n->err = store_open(&st, n->spec);
	pthread_barrier_wait(n->go);
	if (n->err == MAYDAY_OK)
		n->err = store_acs_connreq_due(st, n->now, n->now, DUE_MAX, due_cb, &n->got);
	store_close(st);
	return NULL;
}

static void many_scheduled(struct fx *fx)
{
	char pem[1024], id[32], url[64];
	EVP_PKEY_free(fx_key(pem, sizeof(pem)));
	for (int i = 0; i < DEVICES; i++) {
		snprintf(id, sizeof(id), "cr-%02d", i);
		snprintf(url, sizeof(url), "http://127.0.0.1:%d/cr", 7100 + i);
		assert_int_equal(store_enrol(fx->st, id, "femto-a", pem), MAYDAY_OK);
		assert_int_equal(store_acs_connreq_url(fx->st, id, url), MAYDAY_OK);
		scheduled(fx, id);
	}
}

/* Each round every device is due again (a gap has passed); each is handed
 * to exactly one node, whichever marked it first. */
static void test_connreq_nodes(void **state)
{
	struct fx *fx = *state;
	struct node nodes[NODES];
	pthread_t th[NODES];
	pthread_barrier_t go;
	many_scheduled(fx);
	for (int round = 0; round < ROUNDS; round++) {
		int handed[DEVICES] = {0}, total = 0;
		assert_int_equal(pthread_barrier_init(&go, NULL, NODES), 0);
		memset(nodes, 0, sizeof(nodes));
		for (int i = 0; i < NODES; i++) {
			nodes[i].spec = fx->spec;
			nodes[i].go = &go;
			nodes[i].now = 10000 + 100 * (int64_t)round;
			assert_int_equal(pthread_create(&th[i], NULL, node_due, &nodes[i]), 0);
		}
		for (int i = 0; i < NODES; i++) {
			assert_int_equal(pthread_join(th[i], NULL), 0);
			assert_int_equal(nodes[i].err, MAYDAY_OK);
			for (int k = 0; k < nodes[i].got.n; k++) {
				int d = atoi(nodes[i].got.ids[k] + 3);
				assert_true(d >= 0 && d < DEVICES);
				handed[d]++;
				total++;
			}
		}
		pthread_barrier_destroy(&go);
		for (int d = 0; d < DEVICES; d++)
			assert_int_equal(handed[d], 1);
		assert_int_equal(total, DEVICES);
	}
}

struct cred_node {
	const char *spec;
	pthread_barrier_t *go;
	struct store_acs_cred c;
	enum mayday_err err;
};

static void *node_cred(void *arg)
{
	struct cred_node *n = arg;
	struct store *st = NULL;
	enum mayday_err err = store_open(&st, n->spec);
	pthread_barrier_wait(n->go);
	n->err = err == MAYDAY_OK ? store_acs_cred_set(st, &n->c) : MAYDAY_E_INTERNAL;
	store_close(st);
	return NULL;
}

/* Several nodes give one username to different devices at once: one
 * device gets it, the others are told it is another device's. */
static void test_cred_nodes(void **state)
{
	struct fx *fx = *state;
	struct cred_node nodes[NODES];
	pthread_t th[NODES];
	pthread_barrier_t go;
	char user[32], sql[128];
	many_scheduled(fx);
	for (int round = 0; round < ROUNDS; round++) {
		int ok = 0;
		snprintf(user, sizeof(user), "shared-%d", round);
		assert_int_equal(pthread_barrier_init(&go, NULL, NODES), 0);
		for (int i = 0; i < NODES; i++) {
			char id[16];
			snprintf(id, sizeof(id), "cr-%02d", i);
			nodes[i] = (struct cred_node){.spec = fx->spec, .go = &go,
						      .c = cred(id, user, SHA_A, round)};
			assert_int_equal(pthread_create(&th[i], NULL, node_cred, &nodes[i]), 0);
		}
		for (int i = 0; i < NODES; i++) {
			assert_int_equal(pthread_join(th[i], NULL), 0);
			assert_true(nodes[i].err == MAYDAY_OK || nodes[i].err == MAYDAY_E_MISMATCH);
			ok += nodes[i].err == MAYDAY_OK;
		}
		pthread_barrier_destroy(&go);
		assert_int_equal(ok, 1);
		snprintf(sql, sizeof(sql), "SELECT count(*) FROM cwmp_credentials"
			 " WHERE username = '%s'", user);
		assert_int_equal(fx_sql_scalar(fx, sql), 1);
	}
}

#ifdef MAYDAY_TEST_PG
struct waiter {
	struct store *st;
	struct got got;
	enum mayday_err err;
};

static void *wait_due(void *arg)
{
	struct waiter *w = arg;
	w->err = store_acs_connreq_due(w->st, 5000, 5000, DUE_MAX, due_cb, &w->got);
	return NULL;
}

/* Whether a backend of this database other than `c`'s waits for a lock;
 * polls for a minute at most (a loaded machine is slow, not wrong). */
static bool someone_waits(PGconn *c)
{
	for (int i = 0; i < 600; i++) {
		if (fxpg_scalar(c, "SELECT count(*) FROM pg_stat_activity WHERE"
				" datname = current_database() AND pid != pg_backend_pid()"
				" AND wait_event_type = 'Lock'") > 0)
			return true;
		usleep(100 * 1000);
	}
	return false;
}

/* PostgreSQL, deterministic: another node (a raw connection) is marking
 * every device, uncommitted; this node reads them due, waits on their
 * rows, and once that mark commits finds them no longer due: it hands
 * none. Had the other node rolled back, it would have handed them all. */
static void test_connreq_node_waits(void **state)
{
	struct fx *fx = *state;
	struct fxpg pg;
	pthread_t th;
	if (!fx_is_pg())
		skip();
	many_scheduled(fx);
	snprintf(pg.uri, sizeof(pg.uri), "%s", fx->spec);
	PGconn *other = fxpg_connect(&pg), *watch = fxpg_connect(&pg);
	for (int commit = 1; commit >= 0; commit--) {
		struct waiter w = {.st = fx->st};
		PQclear(PQexec(other, "BEGIN"));
		PGresult *r = PQexec(other, "UPDATE cwmp_connreq SET requested_at = 5000"
				     " WHERE requested_at < 5000");
		assert_int_equal(PQresultStatus(r), PGRES_COMMAND_OK);
		assert_string_equal(PQcmdTuples(r), "12");
		PQclear(r);
		assert_int_equal(pthread_create(&th, NULL, wait_due, &w), 0);
		assert_true(someone_waits(watch));
		PQclear(PQexec(other, commit ? "COMMIT" : "ROLLBACK"));
		assert_int_equal(pthread_join(th, NULL), 0);
		assert_int_equal(w.err, MAYDAY_OK);
		assert_int_equal(w.got.n, commit ? 0 : DEVICES);
		fx_sql_exec(fx, "UPDATE cwmp_connreq SET requested_at = 0");
	}
	PQfinish(other);
	PQfinish(watch);
}
#endif

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_credentials, setup, teardown),
		cmocka_unit_test_setup_teardown(test_notes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reboot_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_connreq, setup, teardown),
		cmocka_unit_test_setup_teardown(test_connreq_nodes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cred_nodes, setup, teardown),
#ifdef MAYDAY_TEST_PG
		cmocka_unit_test_setup_teardown(test_connreq_node_waits, setup, teardown),
#endif
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

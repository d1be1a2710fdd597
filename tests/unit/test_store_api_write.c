/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The operators' writes in the store (store_api.h) on a real temporary
 * store: API tokens; enrolment by an operator, once; revocation, after
 * which a signed indication is stored unverified, opens no incident, and
 * the key cache stops handing the key out; approval once, with who; the
 * manual pause of a class; the journal and the outbox events each write
 * leaves; on SQLite, the writer lock, refused to a second process. The
 * same on PostgreSQL (test_store_api_write_pg), where several maydayd
 * nodes share the store and take no writer lock: several handles making
 * the same write at once make it once (the others answer *already or
 * MAYDAY_E_EXISTS; on SQLite too, one writer after the other), and a
 * revocation another node commits is seen by a batch already open.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include <sqlite3.h>

#include "srv_keycache.h"
#include "store_api.h"
#include "store_events.h"
#include "store_remed.h"
#include "test_store_fixture.h"
#ifdef MAYDAY_TEST_PG
#include "test_store_pg_fixture.h"
#endif

#define NOW 1700000600
#define OPS "token:ops"

struct t {
	struct fx fx;
	char pem[1024];
};

static int setup(void **state)
{
	struct t *t = calloc(1, sizeof(*t));
	assert_non_null(t);
	fx_open(&t->fx);
	EVP_PKEY_free(fx_key(t->pem, sizeof(t->pem)));
	assert_int_equal(store_enrol(t->fx.st, "hnb-1", "femto-a", t->pem), MAYDAY_OK);
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

/* SQL read the same way by SQLite and PostgreSQL (booleans counted, not
 * selected: PostgreSQL answers them as t/f). */
static long long count(struct t *t, const char *sql)
{
	return fx_sql_scalar(&t->fx, sql);
}

/* Whether the store refuses `sql` run on a connection of its own. */
static bool sql_refused(struct t *t, const char *sql)
{
#ifdef MAYDAY_TEST_PG
	if (fx_is_pg()) {
		struct fxpg pg;
		snprintf(pg.uri, sizeof(pg.uri), "%s", t->fx.spec);
		PGconn *c = fxpg_connect(&pg);
		PGresult *r = PQexec(c, sql);
		bool refused = PQresultStatus(r) != PGRES_COMMAND_OK;
		PQclear(r);
		PQfinish(c);
		return refused;
	}
#endif
	sqlite3 *db = NULL;
	char path[400];
	snprintf(path, sizeof(path), "%s/hems.db", t->fx.dir);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	bool refused = sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK;
	sqlite3_close(db);
	return refused;
}

static struct store_ingest_rec distress(struct t *t, const char *id, uint64_t counter,
					enum store_trust trust)
{
	static uint8_t raw[4096];
	static struct mayday_indication ind;
	struct store_ingest_rec rec;
	fx_indication(&ind, id, counter);
	fx_rec(&rec, &ind, trust, raw, sizeof(raw));
	rec.received_at = NOW + (int64_t)counter;
	assert_int_equal(fx_put1(t->fx.st, &rec), MAYDAY_OK);
	return rec;
}

struct tokens {
	unsigned n;
	struct store_token_row rows[4];
};

static int collect(void *ctx, const struct store_token_row *r)
{
	struct tokens *c = ctx;
	if (c->n < 4)
		c->rows[c->n] = *r;
	c->n++;
	return 0;
}

static void test_tokens(void **state)
{
	struct t *t = *state;
	uint8_t h[32], got[32];
	char role[STORE_ROLE_MAX + 1], name[STORE_TOKEN_NAME_MAX + 1];
	bool revoked = true;
	struct tokens c = {0};
	memset(h, 0xab, sizeof(h));
	const char *id = "mdt_0123456789abcdef";
	assert_int_equal(store_token_create(t->fx.st, id, "ops-bot", "operator", h, "unix:root(0)",
					    NOW), MAYDAY_OK);
	/* a name is unique; malformed ids and roles never get in */
	assert_int_equal(store_token_create(t->fx.st, "mdt_00000000000000ff", "ops-bot", "viewer",
					    h, "unix:root(0)", NOW), MAYDAY_E_EXISTS);
	assert_int_equal(store_token_create(t->fx.st, "mdt_0123", "x", "viewer", h, "u", NOW),
			 MAYDAY_E_INVALID);
	assert_int_equal(store_token_create(t->fx.st, "mdt_00000000000000fe", "x", "root", h, "u",
					    NOW), MAYDAY_E_INVALID);
	assert_int_equal(store_token_lookup(t->fx.st, id, got, role, name, &revoked), MAYDAY_OK);
	assert_memory_equal(got, h, 32);
	assert_string_equal(role, "operator");
	assert_string_equal(name, "ops-bot");
	assert_false(revoked);
	assert_int_equal(store_token_lookup(t->fx.st, "mdt_ffffffffffffffff", got, role, name,
					    &revoked), MAYDAY_E_NOTFOUND);
	assert_int_equal(store_token_touch(t->fx.st, id, NOW + 5), MAYDAY_OK);
	assert_int_equal(store_token_touch(t->fx.st, id, NOW + 1), MAYDAY_OK); /* never back */
	assert_int_equal(store_token_list(t->fx.st, collect, &c), MAYDAY_OK);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.rows[0].last_used_at, NOW + 5);
	assert_string_equal(c.rows[0].created_by, "unix:root(0)");
	assert_int_equal(c.rows[0].revoked_at, 0);
	/* revoked once; again and unknown ids are no-ops */
	assert_int_equal(store_token_revoke(t->fx.st, id, "cert:alice", NOW + 9), MAYDAY_OK);
	assert_int_equal(store_token_revoke(t->fx.st, id, "cert:bob", NOW + 10), MAYDAY_OK);
	assert_int_equal(store_token_revoke(t->fx.st, "mdt_ffffffffffffffff", "cert:bob", NOW),
			 MAYDAY_OK);
	assert_int_equal(store_token_lookup(t->fx.st, id, got, role, name, &revoked), MAYDAY_OK);
	assert_true(revoked);
	c.n = 0;
	assert_int_equal(store_token_list(t->fx.st, collect, &c), MAYDAY_OK);
	assert_int_equal(c.rows[0].revoked_at, NOW + 9);
	/* only the hash is stored */
	assert_int_equal(count(t, "SELECT count(*) FROM api_tokens WHERE length(secret_sha256) = 32"),
			 1);
	assert_int_equal(count(t, "SELECT count(*) FROM operator_actions WHERE action ="
			       " 'token.create' AND identity = 'unix:root(0)'"), 1);
	assert_int_equal(count(t, "SELECT count(*) FROM operator_actions WHERE action ="
			       " 'token.revoke'"), 1);
	assert_int_equal(count(t, "SELECT count(*) FROM operator_actions WHERE action ="
			       " 'token.revoke' AND identity = 'cert:alice'"), 1);
}

static void test_enrol_by(void **state)
{
	struct t *t = *state;
	enum store_enrol_result r;
	char pem2[1024];
	EVP_PKEY_free(fx_key(pem2, sizeof(pem2)));
	assert_int_equal(store_device_enrol_by(t->fx.st, "hnb-9", "femto-b", t->pem, OPS, NOW, &r),
			 MAYDAY_OK);
	assert_int_equal(r, STORE_ENROL_NEW);
	assert_int_equal(store_device_enrol_by(t->fx.st, "hnb-9", "femto-b", t->pem, OPS, NOW + 1,
					       &r), MAYDAY_OK);
	assert_int_equal(r, STORE_ENROL_SAME);
	assert_int_equal(count(t, "SELECT count(*) FROM operator_actions WHERE target = 'hnb-9'"),
			 1);
	assert_int_equal(count(t, "SELECT count(*) FROM events WHERE type = 'device.enrolled'"
			       " AND device_id = 'hnb-9'"), 1);
	assert_int_equal(store_device_enrol_by(t->fx.st, "hnb-9", "femto-b", pem2, OPS, NOW + 2,
					       &r), MAYDAY_OK);
	assert_int_equal(r, STORE_ENROL_CHANGED);
	assert_int_equal(count(t, "SELECT count(*) FROM events WHERE type = 'device.enrolled'"
			       " AND device_id = 'hnb-9'"), 2);
	assert_int_equal(count(t, "SELECT count(*) FROM operator_actions WHERE target = 'hnb-9'"),
			 2);
	assert_int_equal(store_device_enrol_by(t->fx.st, "hnb-9", "femto-b", "junk", OPS, NOW, &r),
			 MAYDAY_E_KEY);
}

static void test_revoke(void **state)
{
	struct t *t = *state;
	struct srv_keycache kc;
	EVP_PKEY *key = NULL;
	bool already = true;
	char pem[STORE_PEM_MAX + 1], by[STORE_WHO_MAX + 1];
	size_t len = 0;
	int64_t at = 0;
	assert_int_equal(srv_keycache_init(&kc, 16), MAYDAY_OK);
	/* the daemon cached the key before the revocation */
	assert_int_equal(srv_keycache_get(&kc, t->fx.st, "hnb-1", 0, 1000, &key), MAYDAY_OK);
	EVP_PKEY_free(key);
	key = NULL;

	assert_int_equal(store_device_revoke(t->fx.st, "nobody", OPS, NULL, NOW, &already),
			 MAYDAY_E_NOTFOUND);
	assert_int_equal(store_device_revoke(t->fx.st, "hnb-1", OPS, "key leaked", NOW, &already),
			 MAYDAY_OK);
	assert_false(already);
	assert_int_equal(store_device_revoke(t->fx.st, "hnb-1", "cert:bob", NULL, NOW + 1,
					     &already), MAYDAY_OK);
	assert_true(already);
	assert_int_equal(count(t, "SELECT count(*) FROM operator_actions WHERE action ="
			       " 'device.revoke' AND identity = '" OPS "' AND detail = 'key leaked'"),
			 1);
	assert_int_equal(count(t, "SELECT count(*) FROM operator_actions"), 1);
	assert_int_equal(count(t, "SELECT count(*) FROM events WHERE type = 'device.revoked'"), 1);
	assert_int_equal(count(t, "SELECT revoked_at FROM devices WHERE id = 'hnb-1'"), NOW);

	/* the key is no longer handed out for verification, but export still sees it */
	assert_int_equal(store_device_key(t->fx.st, "hnb-1", pem, sizeof(pem), &len),
			 MAYDAY_E_NOTFOUND);
	assert_int_equal(store_device_pubkey(t->fx.st, "hnb-1", pem, sizeof(pem), &len, &at, by),
			 MAYDAY_OK);
	assert_int_equal(at, NOW);
	assert_string_equal(by, OPS);
	/* the cache believes a key for SRV_KEYCACHE_TTL_MS at most */
	assert_int_equal(srv_keycache_get(&kc, t->fx.st, "hnb-1", 0,
					  1000 + SRV_KEYCACHE_TTL_MS + 1, &key), MAYDAY_E_NOTFOUND);
	assert_null(key);
	srv_keycache_fini(&kc);

	/* a record verified with the old key anyway: stored, never trusted */
	struct store_ingest_rec rec = distress(t, "hnb-1", 1, STORE_TRUST_SIGNED);
	assert_int_equal(rec.outcome, STORE_NEW);
	assert_int_equal(rec.trust, STORE_TRUST_UNVERIFIED);
	assert_int_equal(rec.incident_id, 0);
	assert_int_equal(count(t, "SELECT count(*) FROM indications WHERE device_id = 'hnb-1'"
			       " AND trust = 'unverified'"), 1);
	assert_int_equal(count(t, "SELECT count(*) FROM indications WHERE trust = 'signed'"), 0);
	assert_int_equal(count(t, "SELECT count(*) FROM incidents"), 0);
	assert_int_equal(count(t, "SELECT count(*) FROM devices WHERE id = 'hnb-1'"
			       " AND state = 'healthy'"), 1);

	/* a new key lifts the revocation */
	enum store_enrol_result r;
	char pem2[1024];
	EVP_PKEY_free(fx_key(pem2, sizeof(pem2)));
	assert_int_equal(store_device_enrol_by(t->fx.st, "hnb-1", "femto-a", t->pem, OPS, NOW, &r),
			 MAYDAY_OK);
	assert_int_equal(r, STORE_ENROL_SAME);   /* the revoked key stays revoked */
	assert_int_equal(count(t, "SELECT count(*) FROM devices WHERE id = 'hnb-1'"
			       " AND revoked_at IS NOT NULL"), 1);
	assert_int_equal(store_device_enrol_by(t->fx.st, "hnb-1", "femto-a", pem2, OPS, NOW, &r),
			 MAYDAY_OK);
	assert_int_equal(r, STORE_ENROL_CHANGED);
	assert_int_equal(count(t, "SELECT count(*) FROM devices WHERE id = 'hnb-1'"
			       " AND revoked_at IS NULL"), 1);
	/* store_enrol (mayday-provision --enrol, maydayctl -d) alike */
	assert_int_equal(store_device_revoke(t->fx.st, "hnb-1", OPS, NULL, NOW, &already),
			 MAYDAY_OK);
	assert_int_equal(store_enrol(t->fx.st, "hnb-1", "femto-a", pem2), MAYDAY_OK);
	assert_int_equal(count(t, "SELECT count(*) FROM devices WHERE id = 'hnb-1'"
			       " AND revoked_at IS NOT NULL"), 1);
	assert_int_equal(store_enrol(t->fx.st, "hnb-1", "femto-a", t->pem), MAYDAY_OK);
	assert_int_equal(count(t, "SELECT count(*) FROM devices WHERE id = 'hnb-1'"
			       " AND revoked_at IS NULL AND revoked_by IS NULL"), 1);
}

/* A revoked device with an incident scheduled before it: no attempt begins. */
static void test_revoked_not_remediated(void **state)
{
	struct t *t = *state;
	bool yes = false, already = false;
	int64_t inc = 0;
	distress(t, "hnb-1", 1, STORE_TRUST_SIGNED);
	assert_int_equal(store_ingest_begin(t->fx.st), MAYDAY_OK);
	assert_int_equal(store_remed_schedule(t->fx.st, "hnb-1", false, 3, NOW, &yes), MAYDAY_OK);
	assert_int_equal(store_ingest_commit(t->fx.st), MAYDAY_OK);
	assert_true(yes);
	assert_int_equal(store_device_revoke(t->fx.st, "hnb-1", OPS, NULL, NOW, &already),
			 MAYDAY_OK);
	struct store_remed_attempt a = {.bundle_size = 1};
	assert_int_equal(store_remed_begin(t->fx.st, "hnb-1", &a, 0, UINT32_MAX, NOW),
			 MAYDAY_E_NOTFOUND);
	assert_int_equal(store_remed_approve_by(t->fx.st, "hnb-1", OPS, NOW, &inc, &already),
			 MAYDAY_E_DENIED);
	/* and further distress joins nothing */
	struct store_ingest_rec rec = distress(t, "hnb-1", 2, STORE_TRUST_SIGNED);
	assert_int_equal(rec.incident_id, 0);
	assert_int_equal(count(t, "SELECT count(*) FROM indications WHERE incident_id IS NOT NULL"),
			 1);
}

static void test_approve_once(void **state)
{
	struct t *t = *state;
	int64_t inc = 0, at = 0;
	bool already = true;
	char by[STORE_WHO_MAX + 1];
	assert_int_equal(store_remed_approve_by(t->fx.st, "nobody", OPS, NOW, &inc, &already),
			 MAYDAY_E_NOTFOUND);
	assert_int_equal(store_remed_approve_by(t->fx.st, "hnb-1", OPS, NOW, &inc, &already),
			 MAYDAY_E_MISMATCH);   /* no open incident */
	assert_int_equal(count(t, "SELECT count(*) FROM operator_actions"), 0);
	distress(t, "hnb-1", 1, STORE_TRUST_SIGNED);
	assert_int_equal(store_remed_approve_by(t->fx.st, "hnb-1", OPS, NOW, &inc, &already),
			 MAYDAY_OK);
	assert_false(already);
	assert_true(inc > 0);
	int64_t first = inc;
	assert_int_equal(store_remed_approve_by(t->fx.st, "hnb-1", "cert:bob", NOW + 5, &inc,
						&already), MAYDAY_OK);
	assert_true(already);
	assert_int_equal(inc, first);
	assert_int_equal(store_remed_approval(t->fx.st, inc, by, &at), MAYDAY_OK);
	assert_string_equal(by, OPS);
	assert_int_equal(at, NOW);
	assert_int_equal(count(t, "SELECT count(*) FROM remediation_approvals"), 1);
	assert_int_equal(count(t, "SELECT count(*) FROM incident_events WHERE kind = 'approved'"), 1);
	assert_int_equal(count(t, "SELECT count(*) FROM operator_actions WHERE action ="
			       " 'remediation.approve'"), 1);
}

/* The old call (the daemon's, without `by`) finds the operator's approval. */
static void test_approve_old_call(void **state)
{
	struct t *t = *state;
	int64_t inc = 0;
	bool already = true;
	distress(t, "hnb-1", 1, STORE_TRUST_SIGNED);
	assert_int_equal(store_remed_approve_by(t->fx.st, "hnb-1", OPS, NOW, &inc, &already),
			 MAYDAY_OK);
	assert_int_equal(store_remed_approve(t->fx.st, "hnb-1", NOW + 6), MAYDAY_OK);
	assert_int_equal(count(t, "SELECT count(*) FROM remediation_approvals"), 1);
	assert_int_equal(count(t, "SELECT count(*) FROM incident_events WHERE kind = 'approved'"), 1);
}

/* A revoked device's open incident is not approved, and nothing is recorded. */
static void test_approve_revoked(void **state)
{
	struct t *t = *state;
	int64_t inc = 0;
	bool already = true;
	struct store_ingest_rec rec = distress(t, "hnb-1", 1, STORE_TRUST_SIGNED);
	assert_true(rec.incident_id > 0);
	assert_int_equal(store_device_revoke(t->fx.st, "hnb-1", OPS, NULL, NOW, &already),
			 MAYDAY_OK);
	assert_int_equal(store_remed_approve_by(t->fx.st, "hnb-1", OPS, NOW, &inc, &already),
			 MAYDAY_E_DENIED);
	assert_int_equal(inc, 0);
	assert_false(already);
	assert_int_equal(count(t, "SELECT count(*) FROM remediation_approvals"), 0);
	assert_int_equal(count(t, "SELECT count(*) FROM operator_actions WHERE action ="
			       " 'remediation.approve'"), 0);
}

static void test_class_pause(void **state)
{
	struct t *t = *state;
	bool already = true, was = false;
	assert_int_equal(store_remed_class_pause(t->fx.st, "nope", OPS, NOW, &already),
			 MAYDAY_E_NOTFOUND);
	assert_int_equal(store_remed_class_pause(t->fx.st, "femto-a", OPS, NOW, &already),
			 MAYDAY_OK);
	assert_false(already);
	assert_int_equal(store_remed_class_pause(t->fx.st, "femto-a", OPS, NOW + 1, &already),
			 MAYDAY_OK);
	assert_true(already);
	/* (SQLite's ->> reads a plain label as '$.label', as PostgreSQL's jsonb does) */
	assert_int_equal(count(t, "SELECT count(*) FROM events WHERE type = 'class.paused' AND"
			       " payload ->> 'by' = '" OPS "'"), 1);
	assert_int_equal(store_remed_class_resume_by(t->fx.st, "femto-a", "cert:bob", NOW + 2,
						     &was), MAYDAY_OK);
	assert_true(was);
	assert_int_equal(count(t, "SELECT count(*) FROM events WHERE type = 'class.resumed' AND"
			       " payload ->> 'by' = 'cert:bob'"), 1);
	assert_int_equal(count(t, "SELECT count(*) FROM operator_actions WHERE target ="
			       " 'femto-a'"), 2);
}

/* The ACS sees an operator's pause whatever its automatic rule. */
static void test_class_pause_seen_by_acs(void **state)
{
	struct t *t = *state;
	bool already = true, paused = false, newly = true;
	assert_int_equal(store_remed_class_pause(t->fx.st, "femto-a", OPS, NOW, &already),
			 MAYDAY_OK);
	assert_int_equal(store_remed_class_paused(t->fx.st, "femto-a", UINT32_MAX, NOW, &paused,
						  &newly), MAYDAY_OK);
	assert_true(paused);
	assert_false(newly);
}

struct acts {
	unsigned n;
	char last[4 * (STORE_ACTION_MAX + 1)];
};

static int collect_action(void *ctx, const struct store_action_row *a)
{
	struct acts *c = ctx;
	c->n++;
	snprintf(c->last, sizeof(c->last), "%s %s %s %s", a->identity, a->action, a->target,
		 a->detail);
	return 0;
}

static void test_journal(void **state)
{
	struct t *t = *state;
	struct acts c = {0};
	char big[STORE_ACTION_MAX + 2];
	assert_int_equal(store_operator_action(t->fx.st, "cert:alice", "bundle.upload", "femto-a",
					       "version 7", NOW), MAYDAY_OK);
	assert_int_equal(store_operator_action(t->fx.st, "cert:alice", "record.export", "hnb-1",
					       NULL, NOW), MAYDAY_OK);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(store_operator_action(t->fx.st, "cert:alice", "x", "y", big, NOW),
			 MAYDAY_E_INVALID);
	assert_int_equal(store_operator_actions(t->fx.st, "femto-a", collect_action, &c),
			 MAYDAY_OK);
	assert_int_equal(c.n, 1);
	assert_string_equal(c.last, "cert:alice bundle.upload femto-a version 7");
	c.n = 0;
	assert_int_equal(store_operator_actions(t->fx.st, NULL, collect_action, &c), MAYDAY_OK);
	assert_int_equal(c.n, 2);
	/* append-only */
	assert_true(sql_refused(t, "UPDATE operator_actions SET identity = 'x'"));
	assert_true(sql_refused(t, "DELETE FROM operator_actions"));
	assert_int_equal(count(t, "SELECT count(*) FROM operator_actions"), 2);
}

/* Another process tries the lock: 0 taken, 1 refused with the message, 2 other. */
static int try_in_child(const char *spec)
{
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int h = -1;
		char why[512];
		enum mayday_err e = store_writer_try_lock(spec, &h, why, sizeof(why));
		if (e == MAYDAY_OK)
			_exit(0);
		_exit(e == MAYDAY_E_DENIED && strstr(why, "maydayd is running: use the API") ? 1
											      : 2);
	}
	int st = 0;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	return WEXITSTATUS(st);
}

/* About SQLite's lock file: PostgreSQL's is test_writer_lock_pg. */
static void test_writer_lock(void **state)
{
	FX_SQLITE_ONLY();
	struct t *t = *state;
	int h = -1, h2 = -1;
	char why[512];
	assert_int_equal(try_in_child(t->fx.spec), 0);   /* free: taken and dropped at exit */
	assert_int_equal(store_writer_lock(t->fx.spec, &h, why, sizeof(why)), MAYDAY_OK);
	assert_true(h >= 0);
	assert_int_equal(try_in_child(t->fx.spec), 1);
	/* the plain path names the same lock */
	assert_int_equal(try_in_child(t->fx.spec + strlen("sqlite:")), 1);
	/* a second maydayd (any second open of the file) is refused */
	assert_int_equal(store_writer_lock(t->fx.spec, &h2, why, sizeof(why)), MAYDAY_E_DENIED);
	assert_int_equal(h2, -1);
	assert_non_null(strstr(why, "another maydayd"));
	store_writer_unlock(&h);
	assert_int_equal(h, -1);
	store_writer_unlock(&h);   /* -1 safe */
	assert_int_equal(try_in_child(t->fx.spec), 0);
	/* another backend's spec takes no file lock */
	assert_int_equal(store_writer_lock("pg:host=db", &h, why, sizeof(why)), MAYDAY_OK);
	assert_int_equal(h, -1);
}

/* PostgreSQL has no writer lock: several maydayd nodes write at once,
 * each write a transaction the database orders (row locks, constraints,
 * advisory locks), so a PostgreSQL spec takes no lock, for maydayd or an
 * offline writer alike. */
static void test_writer_lock_pg(void **state)
{
	struct t *t = *state;
	int h = 5, h2 = 5;
	char why[512];
	if (!fx_is_pg())
		skip();
	assert_int_equal(store_writer_lock(t->fx.spec, &h, why, sizeof(why)), MAYDAY_OK);
	assert_int_equal(h, -1);
	assert_int_equal(store_writer_lock(t->fx.spec, &h2, why, sizeof(why)), MAYDAY_OK);
	assert_int_equal(h2, -1);
	assert_int_equal(try_in_child(t->fx.spec), 0);
	store_writer_unlock(&h);
	store_writer_unlock(&h2);
}

/* ---- several handles at once: maydayd nodes sharing one store ---- */

#define NODES 4
#define ROUNDS 6

enum node_op { OP_APPROVE, OP_REVOKE, OP_PAUSE, OP_ENROL, OP_TOKEN, OP_TOKEN_REVOKE };

struct node {
	struct store *st;          /* its own handle: its own connection */
	pthread_barrier_t *go;
	enum node_op op;
	const char *target;        /* device, class or token name/id */
	const char *pem;
	char who[32];
	char token_id[STORE_TOKEN_ID_LEN + 1];
	enum mayday_err err;
	bool already;
	int64_t incident;
	enum store_enrol_result res;
};

static void *node_run(void *arg)
{
	struct node *n = arg;
	uint8_t h[32];
	memset(h, 0x5a, sizeof(h));
	pthread_barrier_wait(n->go);
	switch (n->op) {
	case OP_APPROVE:
		n->err = store_remed_approve_by(n->st, n->target, n->who, NOW, &n->incident,
						&n->already);
		break;
	case OP_REVOKE:
		n->err = store_device_revoke(n->st, n->target, n->who, NULL, NOW, &n->already);
		break;
	case OP_PAUSE:
		n->err = store_remed_class_pause(n->st, n->target, n->who, NOW, &n->already);
		break;
	case OP_ENROL:
		n->err = store_device_enrol_by(n->st, n->target, "femto-a", n->pem, n->who, NOW,
					       &n->res);
		break;
	case OP_TOKEN:
		n->err = store_token_create(n->st, n->token_id, n->target, "viewer", h, n->who,
					    NOW);
		break;
	case OP_TOKEN_REVOKE:
		n->err = store_token_revoke(n->st, n->target, n->who, NOW);
		break;
	}
	return NULL;
}

/* NODES handles on the test's store make `op` on `target` at once (a
 * barrier releases them together); node i is "node:<i>" and, creating a
 * token, uses an id of its own, new at each run. */
static void run_nodes(struct t *t, struct node *nodes, enum node_op op, const char *target)
{
	static unsigned run;
	pthread_t th[NODES];
	pthread_barrier_t go;
	assert_int_equal(pthread_barrier_init(&go, NULL, NODES), 0);
	for (int i = 0; i < NODES; i++) {
		struct store *st = nodes[i].st;
		memset(&nodes[i], 0, sizeof(nodes[i]));
		nodes[i].st = st;
		if (nodes[i].st == NULL)
			assert_int_equal(store_open(&nodes[i].st, t->fx.spec), MAYDAY_OK);
		nodes[i].go = &go;
		nodes[i].op = op;
		nodes[i].target = target;
		nodes[i].pem = t->pem;
		snprintf(nodes[i].who, sizeof(nodes[i].who), "node:%d", i);
		snprintf(nodes[i].token_id, sizeof(nodes[i].token_id), "mdt_%08x%08x", run,
			 (unsigned)i);
	}
	run++;
	for (int i = 0; i < NODES; i++)
		assert_int_equal(pthread_create(&th[i], NULL, node_run, &nodes[i]), 0);
	for (int i = 0; i < NODES; i++)
		assert_int_equal(pthread_join(th[i], NULL), 0);
	pthread_barrier_destroy(&go);
}

static void close_nodes(struct node *nodes)
{
	for (int i = 0; i < NODES; i++)
		store_close(nodes[i].st);
}

/* Of the nodes, the one that made the write (already false); asserts
 * every node succeeded and exactly one made it. */
static const struct node *the_one(const struct node *nodes)
{
	const struct node *one = NULL;
	for (int i = 0; i < NODES; i++) {
		assert_int_equal(nodes[i].err, MAYDAY_OK);
		if (!nodes[i].already) {
			assert_null(one);
			one = &nodes[i];
		}
	}
	assert_non_null(one);
	return one;
}

__attribute__((format(printf, 2, 3))) static long long count_of(struct t *t, const char *fmt,
								 ...)
{
	char sql[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(sql, sizeof(sql), fmt, ap);
	va_end(ap);
	return count(t, sql);
}

/* Nodes approving one device's incident at once: one approval, by the one
 * node that answers already = false; the others answer already = true
 * with the same incident, and nothing more is recorded. */
static void test_nodes_approve_once(void **state)
{
	struct t *t = *state;
	struct node nodes[NODES] = {0};
	char dev[16], by[STORE_WHO_MAX + 1];
	int64_t at = 0;
	for (int r = 0; r < ROUNDS; r++) {
		snprintf(dev, sizeof(dev), "hnb-a%d", r);
		assert_int_equal(store_enrol(t->fx.st, dev, "femto-a", t->pem), MAYDAY_OK);
		struct store_ingest_rec rec = distress(t, dev, 1, STORE_TRUST_SIGNED);
		run_nodes(t, nodes, OP_APPROVE, dev);
		const struct node *one = the_one(nodes);
		for (int i = 0; i < NODES; i++)
			assert_int_equal(nodes[i].incident, rec.incident_id);
		assert_int_equal(store_remed_approval(t->fx.st, rec.incident_id, by, &at), MAYDAY_OK);
		assert_string_equal(by, one->who);
		assert_int_equal(count_of(t, "SELECT count(*) FROM operator_actions WHERE action ="
					  " 'remediation.approve' AND target = '%s'", dev), 1);
		assert_int_equal(count_of(t, "SELECT count(*) FROM incident_events e JOIN incidents i"
					  " ON i.id = e.incident_id WHERE e.kind = 'approved'"
					  " AND i.device_id = '%s'", dev), 1);
	}
	assert_int_equal(count(t, "SELECT count(*) FROM remediation_approvals"), ROUNDS);
	close_nodes(nodes);
}

/* Nodes revoking one device at once: one revocation, recorded once. */
static void test_nodes_revoke_once(void **state)
{
	struct t *t = *state;
	struct node nodes[NODES] = {0};
	char dev[16];
	for (int r = 0; r < ROUNDS; r++) {
		snprintf(dev, sizeof(dev), "hnb-r%d", r);
		assert_int_equal(store_enrol(t->fx.st, dev, "femto-a", t->pem), MAYDAY_OK);
		run_nodes(t, nodes, OP_REVOKE, dev);
		const struct node *one = the_one(nodes);
		assert_int_equal(count_of(t, "SELECT count(*) FROM operator_actions WHERE action ="
					  " 'device.revoke' AND target = '%s'", dev), 1);
		assert_int_equal(count_of(t, "SELECT count(*) FROM events WHERE type ="
					  " 'device.revoked' AND device_id = '%s'", dev), 1);
		assert_int_equal(count_of(t, "SELECT count(*) FROM devices WHERE id = '%s'"
					  " AND revoked_by = '%s'", dev, one->who), 1);
	}
	close_nodes(nodes);
}

/* Nodes pausing one class at once: one pause. */
static void test_nodes_pause_once(void **state)
{
	struct t *t = *state;
	struct node nodes[NODES] = {0};
	char klass[16];
	for (int r = 0; r < ROUNDS; r++) {
		snprintf(klass, sizeof(klass), "femto-p%d", r);
		assert_int_equal(store_enrol(t->fx.st, "hnb-1", klass, t->pem), MAYDAY_OK);
		run_nodes(t, nodes, OP_PAUSE, klass);
		(void)the_one(nodes);
		assert_int_equal(count_of(t, "SELECT count(*) FROM remediation_class_events WHERE"
					  " product_class = '%s'", klass), 1);
		assert_int_equal(count_of(t, "SELECT count(*) FROM operator_actions WHERE action ="
					  " 'class.pause' AND target = '%s'", klass), 1);
	}
	close_nodes(nodes);
}

/* Nodes enrolling one new device at once: one enrolment, the others find
 * it the same. */
static void test_nodes_enrol_once(void **state)
{
	struct t *t = *state;
	struct node nodes[NODES] = {0};
	char dev[16];
	for (int r = 0; r < ROUNDS; r++) {
		snprintf(dev, sizeof(dev), "hnb-e%d", r);
		run_nodes(t, nodes, OP_ENROL, dev);
		int fresh = 0;
		for (int i = 0; i < NODES; i++) {
			assert_int_equal(nodes[i].err, MAYDAY_OK);
			assert_true(nodes[i].res == STORE_ENROL_NEW ||
				    nodes[i].res == STORE_ENROL_SAME);
			fresh += nodes[i].res == STORE_ENROL_NEW;
		}
		assert_int_equal(fresh, 1);
		assert_int_equal(count_of(t, "SELECT count(*) FROM operator_actions WHERE"
					  " target = '%s'", dev), 1);
		assert_int_equal(count_of(t, "SELECT count(*) FROM events WHERE type ="
					  " 'device.enrolled' AND device_id = '%s'", dev), 1);
	}
	close_nodes(nodes);
}

/* Nodes creating tokens of one name at once: one is created, the others
 * answer MAYDAY_E_EXISTS; nodes revoking it at once record one revocation. */
static void test_nodes_token_once(void **state)
{
	struct t *t = *state;
	struct node nodes[NODES] = {0};
	char name[16];
	for (int r = 0; r < ROUNDS; r++) {
		snprintf(name, sizeof(name), "bot-%d", r);
		run_nodes(t, nodes, OP_TOKEN, name);
		const struct node *one = NULL;
		for (int i = 0; i < NODES; i++) {
			if (nodes[i].err == MAYDAY_OK) {
				assert_null(one);
				one = &nodes[i];
			} else {
				assert_int_equal(nodes[i].err, MAYDAY_E_EXISTS);
			}
		}
		assert_non_null(one);
		char id[STORE_TOKEN_ID_LEN + 1];
		snprintf(id, sizeof(id), "%s", one->token_id);
		run_nodes(t, nodes, OP_TOKEN_REVOKE, id);
		for (int i = 0; i < NODES; i++)
			assert_int_equal(nodes[i].err, MAYDAY_OK);
		assert_int_equal(count_of(t, "SELECT count(*) FROM operator_actions WHERE action ="
					  " 'token.revoke' AND target = '%s'", id), 1);
	}
	assert_int_equal(count(t, "SELECT count(*) FROM operator_actions WHERE action ="
			       " 'token.create'"), ROUNDS);
	close_nodes(nodes);
}

#ifdef MAYDAY_TEST_PG
struct revoker {
	struct store *st;
	enum mayday_err err;
	bool already;
};

static void *revoke_run(void *arg)
{
	struct revoker *v = arg;
	v->err = store_device_revoke(v->st, "hnb-1", "node:b", NULL, NOW, &v->already);
	return NULL;
}
#endif

/* A revocation another node commits while this node's batch is open is
 * seen by the batch's next record of that device, stored unverified;
 * a revocation reaching a device whose record a batch holds waits for
 * that batch, whose record stays signed (it came first). SQLite has one
 * writer: no revocation commits during a batch there. */
static void test_nodes_revoke_during_batch(void **state)
{
#ifdef MAYDAY_TEST_PG
	struct t *t = *state;
	struct revoker v = {0};
	pthread_t th;
	static uint8_t raw[4096];
	static struct mayday_indication ind;
	struct store_ingest_rec rec;
	if (!fx_is_pg())
		skip();
	assert_int_equal(store_open(&v.st, t->fx.spec), MAYDAY_OK);
	/* the batch holds hnb-1's row: the revocation waits for its commit */
	assert_int_equal(store_ingest_begin(t->fx.st), MAYDAY_OK);
	fx_indication(&ind, "hnb-1", 1);
	fx_rec(&rec, &ind, STORE_TRUST_SIGNED, raw, sizeof(raw));
	assert_int_equal(store_ingest_put(t->fx.st, &rec), MAYDAY_OK);
	assert_int_equal(rec.trust, STORE_TRUST_SIGNED);
	assert_int_equal(pthread_create(&th, NULL, revoke_run, &v), 0);
	/* until the server shows it waiting for the row (a generous deadline) */
	long long waiting = 0;
	for (int i = 0; i < 600 && waiting == 0; i++) {
		waiting = count(t, "SELECT count(*) FROM pg_stat_activity WHERE"
				" datname = current_database() AND wait_event_type = 'Lock'");
		if (waiting == 0)
			usleep(100 * 1000);
	}
	assert_int_equal(waiting, 1);
	assert_int_equal(count(t, "SELECT count(*) FROM devices WHERE revoked_at IS NOT NULL"), 0);
	assert_int_equal(store_ingest_commit(t->fx.st), MAYDAY_OK);
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_equal(v.err, MAYDAY_OK);
	assert_false(v.already);

	/* a new key lifts the revocation; the other node revokes it again
	 * while this node's batch is open, before the batch's next put */
	char pem2[1024];
	enum store_enrol_result res;
	EVP_PKEY_free(fx_key(pem2, sizeof(pem2)));
	assert_int_equal(store_device_enrol_by(v.st, "hnb-1", "femto-a", pem2, "node:b", NOW,
					       &res), MAYDAY_OK);
	assert_int_equal(res, STORE_ENROL_CHANGED);
	assert_int_equal(store_ingest_begin(t->fx.st), MAYDAY_OK);
	fx_indication(&ind, "hnb-1", 2);
	fx_rec(&rec, &ind, STORE_TRUST_SIGNED, raw, sizeof(raw));
	assert_int_equal(store_ingest_put(t->fx.st, &rec), MAYDAY_OK);
	assert_int_equal(rec.trust, STORE_TRUST_SIGNED);   /* not revoked now */
	assert_int_equal(store_ingest_commit(t->fx.st), MAYDAY_OK);
	assert_int_equal(store_ingest_begin(t->fx.st), MAYDAY_OK);
	assert_int_equal(store_device_revoke(v.st, "hnb-1", "node:b", NULL, NOW, &v.already),
			 MAYDAY_OK);
	assert_false(v.already);
	fx_indication(&ind, "hnb-1", 3);
	fx_rec(&rec, &ind, STORE_TRUST_SIGNED, raw, sizeof(raw));
	assert_int_equal(store_ingest_put(t->fx.st, &rec), MAYDAY_OK);
	assert_int_equal(rec.outcome, STORE_NEW);
	assert_int_equal(rec.trust, STORE_TRUST_UNVERIFIED);
	assert_int_equal(rec.incident_id, 0);
	assert_int_equal(store_ingest_commit(t->fx.st), MAYDAY_OK);
	assert_int_equal(count(t, "SELECT count(*) FROM indications WHERE trust = 'signed'"), 2);
	assert_int_equal(count(t, "SELECT count(*) FROM indications WHERE trust = 'unverified'"
			       " AND counter = 3"), 1);
	store_close(v.st);
#else
	(void)state;
	skip();
#endif
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_tokens, setup, teardown),
		cmocka_unit_test_setup_teardown(test_enrol_by, setup, teardown),
		cmocka_unit_test_setup_teardown(test_revoke, setup, teardown),
		cmocka_unit_test_setup_teardown(test_revoked_not_remediated, setup, teardown),
		cmocka_unit_test_setup_teardown(test_approve_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_approve_old_call, setup, teardown),
		cmocka_unit_test_setup_teardown(test_approve_revoked, setup, teardown),
		cmocka_unit_test_setup_teardown(test_class_pause, setup, teardown),
		cmocka_unit_test_setup_teardown(test_class_pause_seen_by_acs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_journal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_writer_lock, setup, teardown),
		cmocka_unit_test_setup_teardown(test_writer_lock_pg, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nodes_approve_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nodes_revoke_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nodes_pause_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nodes_enrol_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nodes_token_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nodes_revoke_during_batch, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

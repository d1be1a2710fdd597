/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The operators' writes in the store (store_api.h) on a real temporary
 * store: API tokens; enrolment by an operator, once; revocation, after
 * which a signed indication is stored unverified, opens no incident, and
 * the key cache stops handing the key out; approval once, with who; the
 * manual pause of a class; the journal and the outbox events each write
 * leaves; and the writer lock, refused to a second process.
 */
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

#define NOW 1700000600
#define OPS "token:ops"

struct t {
	struct fx fx;
	char pem[1024];
	sqlite3 *db;      /* a raw look at the same file */
};

static int setup(void **state)
{
	struct t *t = calloc(1, sizeof(*t));
	char path[400];
	assert_non_null(t);
	fx_open(&t->fx);
	EVP_PKEY_free(fx_key(t->pem, sizeof(t->pem)));
	assert_int_equal(store_enrol(t->fx.st, "hnb-1", "femto-a", t->pem), MAYDAY_OK);
	snprintf(path, sizeof(path), "%s/hems.db", t->fx.dir);
	assert_int_equal(sqlite3_open(path, &t->db), SQLITE_OK);
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct t *t = *state;
	sqlite3_close(t->db);
	fx_close(&t->fx);
	free(t);
	return 0;
}

static long long count(struct t *t, const char *sql)
{
	return fx_scalar(t->db, sql);
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
	assert_int_equal(count(t, "SELECT state = 'healthy' FROM devices WHERE id = 'hnb-1'"), 1);

	/* a new key lifts the revocation */
	enum store_enrol_result r;
	char pem2[1024];
	EVP_PKEY_free(fx_key(pem2, sizeof(pem2)));
	assert_int_equal(store_device_enrol_by(t->fx.st, "hnb-1", "femto-a", t->pem, OPS, NOW, &r),
			 MAYDAY_OK);
	assert_int_equal(r, STORE_ENROL_SAME);   /* the revoked key stays revoked */
	assert_int_equal(count(t, "SELECT revoked_at IS NOT NULL FROM devices WHERE id = 'hnb-1'"),
			 1);
	assert_int_equal(store_device_enrol_by(t->fx.st, "hnb-1", "femto-a", pem2, OPS, NOW, &r),
			 MAYDAY_OK);
	assert_int_equal(r, STORE_ENROL_CHANGED);
	assert_int_equal(count(t, "SELECT revoked_at IS NULL FROM devices WHERE id = 'hnb-1'"), 1);
	/* store_enrol (mayday-provision --enrol, maydayctl -d) alike */
	assert_int_equal(store_device_revoke(t->fx.st, "hnb-1", OPS, NULL, NOW, &already),
			 MAYDAY_OK);
	assert_int_equal(store_enrol(t->fx.st, "hnb-1", "femto-a", pem2), MAYDAY_OK);
	assert_int_equal(count(t, "SELECT revoked_at IS NOT NULL FROM devices WHERE id = 'hnb-1'"),
			 1);
	assert_int_equal(store_enrol(t->fx.st, "hnb-1", "femto-a", t->pem), MAYDAY_OK);
	assert_int_equal(count(t, "SELECT revoked_at IS NULL AND revoked_by IS NULL FROM devices"
			       " WHERE id = 'hnb-1'"), 1);
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
	/* the old call is idempotent too now */
	assert_int_equal(store_remed_approve(t->fx.st, "hnb-1", NOW + 6), MAYDAY_OK);
	assert_int_equal(count(t, "SELECT count(*) FROM remediation_approvals"), 1);
	assert_int_equal(count(t, "SELECT count(*) FROM incident_events WHERE kind = 'approved'"), 1);
	assert_int_equal(count(t, "SELECT count(*) FROM operator_actions WHERE action ="
			       " 'remediation.approve'"), 1);
}

static void test_class_pause(void **state)
{
	struct t *t = *state;
	bool already = true, paused = false, newly = true, was = false;
	assert_int_equal(store_remed_class_pause(t->fx.st, "nope", OPS, NOW, &already),
			 MAYDAY_E_NOTFOUND);
	assert_int_equal(store_remed_class_pause(t->fx.st, "femto-a", OPS, NOW, &already),
			 MAYDAY_OK);
	assert_false(already);
	assert_int_equal(store_remed_class_pause(t->fx.st, "femto-a", OPS, NOW + 1, &already),
			 MAYDAY_OK);
	assert_true(already);
	/* the ACS sees the pause whatever its automatic rule */
	assert_int_equal(store_remed_class_paused(t->fx.st, "femto-a", UINT32_MAX, NOW, &paused,
						  &newly), MAYDAY_OK);
	assert_true(paused);
	assert_false(newly);
	assert_int_equal(count(t, "SELECT count(*) FROM events WHERE type = 'class.paused' AND"
			       " json_extract(payload, '$.by') = '" OPS "'"), 1);
	assert_int_equal(store_remed_class_resume_by(t->fx.st, "femto-a", "cert:bob", NOW + 2,
						     &was), MAYDAY_OK);
	assert_true(was);
	assert_int_equal(count(t, "SELECT count(*) FROM events WHERE type = 'class.resumed' AND"
			       " json_extract(payload, '$.by') = 'cert:bob'"), 1);
	assert_int_equal(count(t, "SELECT count(*) FROM operator_actions WHERE target ="
			       " 'femto-a'"), 2);
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
	assert_int_not_equal(sqlite3_exec(t->db, "UPDATE operator_actions SET identity = 'x'",
					  NULL, NULL, NULL), SQLITE_OK);
	assert_int_not_equal(sqlite3_exec(t->db, "DELETE FROM operator_actions", NULL, NULL, NULL),
			     SQLITE_OK);
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

static void test_writer_lock(void **state)
{
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_tokens, setup, teardown),
		cmocka_unit_test_setup_teardown(test_enrol_by, setup, teardown),
		cmocka_unit_test_setup_teardown(test_revoke, setup, teardown),
		cmocka_unit_test_setup_teardown(test_revoked_not_remediated, setup, teardown),
		cmocka_unit_test_setup_teardown(test_approve_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_class_pause, setup, teardown),
		cmocka_unit_test_setup_teardown(test_journal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_writer_lock, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: Apache-2.0 */
/* Store: opening and schema, enrolment, the state machine, queries. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include <sqlite3.h>

#include "store_sqlite.h"   /* STORE_SQLITE_SCHEMA_VERSION */
#include "store_state.h"
#include "test_store_fixture.h"

static int setup(void **state)
{
	static struct fx fx;
	fx_open(&fx);
	*state = &fx;
	return 0;
}

static int teardown(void **state)
{
	fx_close(*state);
	return 0;
}

static sqlite3 *raw_db(struct fx *fx)
{
	sqlite3 *db = NULL;
	char path[400];
	snprintf(path, sizeof(path), "%s/hems.db", fx->dir);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	return db;
}

static void test_open_bad_spec(void **state)
{
	(void)state;
	struct store *st = (struct store *)1;
	assert_int_equal(store_open(&st, "nosuch:/tmp/x"), MAYDAY_E_UNSUPPORTED);
	assert_null(st);
	assert_int_equal(store_open(&st, "sqlite:"), MAYDAY_E_INVALID);
	assert_int_equal(store_open(&st, "sqlite:/nonexistent-dir/x/hems.db"), MAYDAY_E_IO);
	store_close(NULL);
}

static void test_schema_and_pragmas(void **state)
{
	FX_SQLITE_ONLY();
	struct fx *fx = *state;
	sqlite3 *db = raw_db(fx);
	assert_int_equal(fx_scalar(db, "SELECT max(version) FROM schema_version"),
			 STORE_SQLITE_SCHEMA_VERSION);
	assert_int_equal(fx_scalar(db, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN"
				    " ('devices','indications','failed_components','incidents',"
				    "'incident_events','psk_keys')"), 6);
	sqlite3_stmt *q;
	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &q, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(q, 0), "wal");
	sqlite3_finalize(q);
	sqlite3_close(db);

	/* Reopening an existing store keeps its schema (and does not recreate it). */
	struct store *again = NULL;
	assert_int_equal(store_open(&again, fx->spec), MAYDAY_OK);
	store_close(again);
}

static void test_newer_schema_refused(void **state)
{
	struct fx *fx = *state;
	char sql[64];
	/* Both backends number their schema alike. */
	snprintf(sql, sizeof(sql), "INSERT INTO schema_version VALUES (%d)",
		 STORE_SQLITE_SCHEMA_VERSION + 1);
	fx_sql_exec(fx, sql);
	struct store *st = NULL;
	assert_int_equal(store_open(&st, fx->spec), MAYDAY_E_UNSUPPORTED);
	assert_null(st);
}

/* Opening without STORE_OPEN_CREATE (maydayctl): nothing is created, and
 * every refusal says which file and what to do. */
static void test_open_existing_only(void **state)
{
	FX_SQLITE_ONLY();
	struct fx *fx = *state;
	struct store *st = (struct store *)1;
	char why[512], path[400], spec[420];

	snprintf(path, sizeof(path), "%s/typo.db", fx->dir);
	assert_int_equal(store_open_ex(&st, path, 0, why, sizeof(why)), MAYDAY_E_NOTFOUND);
	assert_null(st);
	assert_non_null(strstr(why, "typo.db: no such store"));
	FILE *f = fopen(path, "r");
	assert_null(f);   /* not created */

	/* An empty file is not a store; it stays empty. */
	f = fopen(path, "w");
	assert_non_null(f);
	fclose(f);
	assert_int_equal(store_open_ex(&st, path, 0, why, sizeof(why)), MAYDAY_E_NOTFOUND);
	assert_non_null(strstr(why, "not a mayday store"));
	sqlite3 *db = NULL;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(fx_scalar(db, "SELECT count(*) FROM sqlite_master"), 0);
	sqlite3_close(db);

	/* The daemon's store opens, by spec and by plain path, and is checked. */
	snprintf(spec, sizeof(spec), "%s/hems.db", fx->dir);
	assert_int_equal(store_open_ex(&st, fx->spec, STORE_OPEN_CHECK, why, sizeof(why)),
			 MAYDAY_OK);
	store_close(st);
	assert_int_equal(store_open_ex(&st, spec, 0, why, sizeof(why)), MAYDAY_OK);
	store_close(st);

	/* An older schema is migrated by maydayd only. */
	db = raw_db(fx);
	assert_int_equal(sqlite3_exec(db, "UPDATE schema_version SET version = 3", NULL, NULL,
				      NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(store_open_ex(&st, fx->spec, 0, why, sizeof(why)),
			 MAYDAY_E_UNSUPPORTED);
	assert_non_null(strstr(why, "start maydayd"));
	assert_int_equal(store_open_ex(&st, "nosuch:/x", 0, why, sizeof(why)),
			 MAYDAY_E_UNSUPPORTED);
	assert_non_null(strstr(why, "not a store type"));
}

static void test_enrol(void **state)
{
	struct fx *fx = *state;
	char pem[1024], pem2[1024], got[STORE_PEM_MAX + 1];
	size_t len = 0;
	EVP_PKEY *k1 = fx_key(pem, sizeof(pem)), *k2 = fx_key(pem2, sizeof(pem2));

	assert_int_equal(store_device_key(fx->st, "hnb-1", got, sizeof(got), &len),
			 MAYDAY_E_NOTFOUND);
	assert_int_equal(store_enrol(fx->st, "hnb-1", "femto-a", pem), MAYDAY_OK);
	assert_int_equal(store_device_key(fx->st, "hnb-1", got, sizeof(got), &len), MAYDAY_OK);
	assert_string_equal(got, pem);
	assert_int_equal(len, strlen(pem));
	assert_int_equal(store_device_key(fx->st, "hnb-1", got, 10, &len), MAYDAY_E_TOOBIG);

	struct store_device_row d;
	assert_int_equal(store_get_device(fx->st, "hnb-1", &d), MAYDAY_OK);
	assert_string_equal(d.product_class, "femto-a");
	assert_string_equal(d.state, "healthy");
	assert_false(d.has_reason);
	assert_int_equal(d.n_signed, 0);

	/* Re-enrolment replaces key and class, keeps the one row. */
	assert_int_equal(store_enrol(fx->st, "hnb-1", "femto-b", pem2), MAYDAY_OK);
	assert_int_equal(store_device_key(fx->st, "hnb-1", got, sizeof(got), &len), MAYDAY_OK);
	assert_string_equal(got, pem2);
	assert_int_equal(store_get_device(fx->st, "hnb-1", &d), MAYDAY_OK);
	assert_string_equal(d.product_class, "femto-b");
	struct store_counts c;
	assert_int_equal(store_count(fx->st, &c), MAYDAY_OK);
	assert_int_equal(c.devices, 1);

	/* Bad input is refused and changes nothing. */
	assert_int_equal(store_enrol(fx->st, "", "femto-a", pem), MAYDAY_E_INVALID);
	assert_int_equal(store_enrol(fx->st, "has space", "femto-a", pem), MAYDAY_E_INVALID);
	assert_int_equal(store_enrol(fx->st, "hnb-2", "", pem), MAYDAY_E_INVALID);
	char long_id[MAYDAY_DEVICE_ID_MAX + 2];
	memset(long_id, 'x', sizeof(long_id) - 1);
	long_id[sizeof(long_id) - 1] = '\0';
	assert_int_equal(store_enrol(fx->st, long_id, "femto-a", pem), MAYDAY_E_INVALID);
	assert_int_equal(store_enrol(fx->st, "hnb-2", "femto-a", "not a key"), MAYDAY_E_KEY);
	assert_int_equal(store_enrol(fx->st, "hnb-2", NULL, pem), MAYDAY_E_INVALID);
	assert_int_equal(store_count(fx->st, &c), MAYDAY_OK);
	assert_int_equal(c.devices, 1);
	EVP_PKEY_free(k1);
	EVP_PKEY_free(k2);
}

static void test_state_machine(void **state)
{
	(void)state;
	enum store_state s;
	for (unsigned i = 0; i < STORE_STATE__COUNT; i++) {
		assert_true(store_state_parse(store_state_name((enum store_state)i), &s));
		assert_int_equal(s, i);
	}
	assert_false(store_state_parse("bogus", &s));
	assert_string_equal(store_state_name(STORE_STATE__COUNT), "unknown");
	assert_int_equal(store_state_on_distress(STORE_STATE_HEALTHY), STORE_STATE_IN_DISTRESS);
	assert_int_equal(store_state_on_distress(STORE_STATE_RECOVERED), STORE_STATE_IN_DISTRESS);
	assert_int_equal(store_state_on_distress(STORE_STATE_UNREACHABLE), STORE_STATE_IN_DISTRESS);
	assert_int_equal(store_state_on_distress(STORE_STATE_REMEDIATION_IN_PROGRESS),
			 STORE_STATE_REMEDIATION_IN_PROGRESS);
	assert_true(store_state_needs_maintenance(STORE_STATE_IN_DISTRESS));
	assert_false(store_state_needs_maintenance(STORE_STATE_HEALTHY));
	assert_false(store_state_needs_maintenance(STORE_STATE_UNREACHABLE));
}

static int collect_ids(void *ctx, const struct store_device_row *r)
{
	char *out = ctx;
	strcat(out, r->id);
	strcat(out, ";");
	return 0;
}

static int collect_ind(void *ctx, const struct store_indication_row *r)
{
	struct store_indication_row *out = ctx;
	if (out->id == 0)
		*out = *r;     /* keep the newest */
	return 0;
}

static void test_queries(void **state)
{
	struct fx *fx = *state;
	char pem[1024], ids[256] = "";
	uint8_t raw[MAYDAY_INDICATION_MAX];
	EVP_PKEY *k = fx_key(pem, sizeof(pem));
	assert_int_equal(store_enrol(fx->st, "b-dev", "femto-a", pem), MAYDAY_OK);
	assert_int_equal(store_enrol(fx->st, "a-dev", "femto-a", pem), MAYDAY_OK);

	struct mayday_indication ind;
	struct store_ingest_rec rec;
	fx_indication(&ind, "b-dev", 7);
	fx_rec(&rec, &ind, STORE_TRUST_SIGNED, raw, sizeof(raw));
	assert_int_equal(fx_put1(fx->st, &rec), MAYDAY_OK);

	assert_int_equal(store_list_devices(fx->st, false, collect_ids, ids), MAYDAY_OK);
	assert_string_equal(ids, "a-dev;b-dev;");
	ids[0] = '\0';
	assert_int_equal(store_list_devices(fx->st, true, collect_ids, ids), MAYDAY_OK);
	assert_string_equal(ids, "b-dev;");

	struct store_device_row d;
	assert_int_equal(store_get_device(fx->st, "b-dev", &d), MAYDAY_OK);
	assert_string_equal(d.state, "in_distress");
	assert_true(d.has_reason);
	assert_int_equal(d.last_reason, MAYDAY_REASON_COMPONENT_MISMATCH);
	assert_int_equal(d.n_signed, 1);
	assert_int_equal(store_get_device(fx->st, "zzz", &d), MAYDAY_E_NOTFOUND);

	struct store_indication_row r = {0};
	assert_int_equal(store_list_indications(fx->st, "b-dev", collect_ind, &r), MAYDAY_OK);
	assert_int_equal(r.counter, 7);
	assert_int_equal(r.trust, STORE_TRUST_SIGNED);
	assert_string_equal(r.peer, "127.0.0.1:4000");
	assert_string_equal(r.image_version, "1.2.3");
	assert_int_equal(r.slot, 1);
	assert_int_equal(r.boot_attempts, 2);
	assert_int_equal(r.incident_id, rec.incident_id);
	assert_int_equal(r.n_failed, 1);
	assert_string_equal(r.failed[0].name, "kernel.img");
	assert_int_equal(r.failed[0].flags, MAYDAY_COMP_DIGEST_MISMATCH);
	assert_int_equal(strlen(r.failed[0].expected_hex), 64);
	assert_memory_equal(r.failed[0].expected_hex, "aaaaaaaa", 8);
	assert_memory_equal(r.failed[0].measured_hex, "bbbbbbbb", 8);
	EVP_PKEY_free(k);
}

static void test_history_append_only(void **state)
{
	FX_SQLITE_ONLY();
	struct fx *fx = *state;
	char pem[1024];
	uint8_t raw[MAYDAY_INDICATION_MAX];
	EVP_PKEY *k = fx_key(pem, sizeof(pem));
	assert_int_equal(store_enrol(fx->st, "dev", "c", pem), MAYDAY_OK);
	struct mayday_indication ind;
	struct store_ingest_rec rec;
	fx_indication(&ind, "dev", 1);
	fx_rec(&rec, &ind, STORE_TRUST_SIGNED, raw, sizeof(raw));
	assert_int_equal(fx_put1(fx->st, &rec), MAYDAY_OK);
	sqlite3 *db = raw_db(fx);
	assert_int_not_equal(sqlite3_exec(db, "UPDATE indications SET reason = 9", NULL, NULL, NULL),
			     SQLITE_OK);
	assert_int_not_equal(sqlite3_exec(db, "DELETE FROM incident_events", NULL, NULL, NULL),
			     SQLITE_OK);
	assert_int_not_equal(sqlite3_exec(db, "DELETE FROM failed_components", NULL, NULL, NULL),
			     SQLITE_OK);
	assert_int_equal(fx_scalar(db, "SELECT count(*) FROM incident_events"), 2);
	sqlite3_close(db);
	EVP_PKEY_free(k);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_bad_spec),
		cmocka_unit_test_setup_teardown(test_schema_and_pragmas, setup, teardown),
		cmocka_unit_test_setup_teardown(test_newer_schema_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_existing_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_enrol, setup, teardown),
		cmocka_unit_test(test_state_machine),
		cmocka_unit_test_setup_teardown(test_queries, setup, teardown),
		cmocka_unit_test_setup_teardown(test_history_append_only, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: Apache-2.0 */
/* Fixture helpers for the server's unit tests (see test_store_fixture.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <sqlite3.h>

#include "mayday/bundle.h"
#include "mayday/cose.h"
#include "mayday/kek.h"
#include "mayday/keys.h"
#include "mayday/manifest.h"
#include "test_store_fixture.h"
#ifdef MAYDAY_TEST_PG
#include "test_store_pg_fixture.h"
#endif

bool fx_is_pg(void)
{
	const char *b = getenv("MAYDAY_TEST_STORE");
	return b != NULL && strcmp(b, "postgresql") == 0;
}

/* The store for this test: a fresh PostgreSQL database, or a file in dir. */
static void fx_store_spec(struct fx *fx)
{
	fx->pgdb[0] = '\0';
	if (!fx_is_pg()) {
		snprintf(fx->spec, sizeof(fx->spec), "sqlite:%s/hems.db", fx->dir);
		return;
	}
#ifdef MAYDAY_TEST_PG
	struct fxpg pg;
	fxpg_create(&pg);
	snprintf(fx->pgdb, sizeof(fx->pgdb), "%s", pg.db);
	snprintf(fx->spec, sizeof(fx->spec), "%s", pg.uri);
#else
	fail_msg("MAYDAY_TEST_STORE=postgresql, but this build has no PostgreSQL backend");
#endif
}

void fx_open(struct fx *fx)
{
	const char *tmp = getenv("TMPDIR");
	snprintf(fx->dir, sizeof(fx->dir), "%s/mayday-store.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	assert_non_null(mkdtemp(fx->dir));
	fx_store_spec(fx);
	snprintf(fx->kek, sizeof(fx->kek), "%s/psk.kek", fx->dir);
	assert_int_equal(mayday_kek_create(fx->kek), MAYDAY_OK);
	assert_int_equal(store_open(&fx->st, fx->spec), MAYDAY_OK);
	assert_int_equal(store_psk_kek(fx->st, fx->kek), MAYDAY_OK);
}

void fx_reopen(struct fx *fx)
{
	store_close(fx->st);
	assert_int_equal(store_open(&fx->st, fx->spec), MAYDAY_OK);
	assert_int_equal(store_psk_kek(fx->st, fx->kek), MAYDAY_OK);
}

void fx_close(struct fx *fx)
{
	static const char *const files[] = {"hems.db", "hems.db-wal", "hems.db-shm", "psk.kek",
					    "hems.db.writer", "vendor.pub"};
	char path[400];
	store_close(fx->st);
	fx->st = NULL;
#ifdef MAYDAY_TEST_PG
	if (fx->pgdb[0] != '\0') {
		struct fxpg pg;
		snprintf(pg.db, sizeof(pg.db), "%s", fx->pgdb);
		fxpg_drop(&pg);
	}
#endif
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", fx->dir, files[i]);
		unlink(path);
	}
	rmdir(fx->dir);
}

EVP_PKEY *fx_key(char *pem, size_t cap)
{
	EVP_PKEY *k = NULL;
	size_t len;
	assert_int_equal(mayday_key_generate(&k), MAYDAY_OK);
	assert_int_equal(mayday_key_public_to_pem(k, pem, cap, &len), MAYDAY_OK);
	return k;
}

void fx_indication(struct mayday_indication *ind, const char *id, uint64_t counter)
{
	memset(ind, 0, sizeof(*ind));
	snprintf(ind->device_id, sizeof(ind->device_id), "%s", id);
	ind->counter = counter;
	ind->time = 1700000000 + counter;
	snprintf(ind->dcf_version, sizeof(ind->dcf_version), "0.1.0");
	ind->transport = MAYDAY_TRANSPORT_PLAIN_UDP;
	ind->free_space = 1u << 20;
	ind->max_image_size = 1u << 24;
	ind->evidence.reason = MAYDAY_REASON_COMPONENT_MISMATCH;
	snprintf(ind->evidence.image_version, sizeof(ind->evidence.image_version), "1.2.3");
	ind->evidence.slot = 1;
	ind->evidence.boot_attempts = 2;
	ind->evidence.n_failed = 1;
	struct mayday_component_evidence *c = &ind->evidence.failed[0];
	snprintf(c->name, sizeof(c->name), "kernel.img");
	c->flags = MAYDAY_COMP_DIGEST_MISMATCH;
	c->expected_size = 100;
	c->measured_size = 100;
	memset(c->expected, 0xaa, sizeof(c->expected));
	memset(c->measured, 0xbb, sizeof(c->measured));
}

void fx_rec(struct store_ingest_rec *rec, const struct mayday_indication *ind,
	    enum store_trust trust, uint8_t *raw_buf, size_t raw_cap)
{
	size_t len = 0;
	memset(rec, 0, sizeof(*rec));
	assert_int_equal(mayday_indication_encode_claims(ind, raw_buf, raw_cap, &len), MAYDAY_OK);
	rec->ind = ind;
	rec->trust = trust;
	rec->transport = MAYDAY_TRANSPORT_PLAIN_UDP;
	rec->received_at = 1700000100;
	rec->peer = "127.0.0.1:4000";
	rec->channel_auth = STORE_CHANNEL_NONE;
	rec->peer_identity = "";
	rec->raw = raw_buf;
	rec->raw_len = len;
	mayday_sha256(raw_buf, len, rec->digest);
}

enum mayday_err fx_put1(struct store *st, struct store_ingest_rec *rec)
{
	enum mayday_err err = store_ingest_begin(st);
	if (err != MAYDAY_OK)
		return err;
	err = store_ingest_put(st, rec);
	if (err != MAYDAY_OK) {
		store_ingest_rollback(st);
		return err;
	}
	return store_ingest_commit(st);
}

static sqlite3 *fx_raw_sqlite(const struct fx *fx)
{
	sqlite3 *db = NULL;
	char path[400];
	snprintf(path, sizeof(path), "%s/hems.db", fx->dir);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	return db;
}

long long fx_sql_scalar(const struct fx *fx, const char *sql)
{
	long long v;
	if (fx->pgdb[0] != '\0') {
#ifdef MAYDAY_TEST_PG
		struct fxpg pg;
		snprintf(pg.uri, sizeof(pg.uri), "%s", fx->spec);
		PGconn *c = fxpg_connect(&pg);
		v = fxpg_scalar(c, sql);
		PQfinish(c);
		return v;
#endif
	}
	sqlite3 *db = fx_raw_sqlite(fx);
	v = fx_scalar(db, sql);
	sqlite3_close(db);
	return v;
}

void fx_sql_exec(const struct fx *fx, const char *sql)
{
	if (fx->pgdb[0] != '\0') {
#ifdef MAYDAY_TEST_PG
		struct fxpg pg;
		snprintf(pg.uri, sizeof(pg.uri), "%s", fx->spec);
		PGconn *c = fxpg_connect(&pg);
		PGresult *r = PQexec(c, sql);
		if (PQresultStatus(r) != PGRES_COMMAND_OK)
			fail_msg("%s: %s", sql, PQerrorMessage(c));
		PQclear(r);
		PQfinish(c);
		return;
#endif
	}
	sqlite3 *db = fx_raw_sqlite(fx);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

long long fx_scalar(struct sqlite3 *db, const char *sql)
{
	sqlite3_stmt *q = NULL;
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &q, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	long long v = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	return v;
}

uint8_t *fx_bundle(EVP_PKEY *key, const char *klass, uint64_t rollback, bool flip, size_t *len)
{
	static const char payload[] = "the golden image, every byte of it";
	struct mayday_manifest *m = calloc(1, sizeof(*m));
	struct mayday_signer signer;
	uint8_t man[MAYDAY_MANIFEST_MAX];
	size_t mlen = 0;
	assert_non_null(m);
	m->kind = MAYDAY_MANIFEST_IMAGE;
	snprintf(m->product_class, sizeof(m->product_class), "%s", klass);
	snprintf(m->image_version, sizeof(m->image_version), "2.1");
	m->rollback = rollback;
	snprintf(m->entry, sizeof(m->entry), "app");
	m->n_trv = 1;
	snprintf(m->trv[0].name, sizeof(m->trv[0].name), "app");
	m->trv[0].size = sizeof(payload);
	m->trv[0].designated = true;
	mayday_sha256(payload, sizeof(payload), m->trv[0].digest);
	assert_int_equal(mayday_signer_from_pkey(&signer, key, NULL, 0), MAYDAY_OK);
	assert_int_equal(mayday_manifest_sign(m, &signer, man, sizeof(man), &mlen), MAYDAY_OK);
	free(m);
	*len = MAYDAY_BUNDLE_HEADER_LEN + mlen + sizeof(payload);
	uint8_t *b = malloc(*len);
	assert_non_null(b);
	assert_int_equal(mayday_bundle_header_encode(mlen, b), MAYDAY_OK);
	memcpy(b + MAYDAY_BUNDLE_HEADER_LEN, man, mlen);
	memcpy(b + MAYDAY_BUNDLE_HEADER_LEN + mlen, payload, sizeof(payload));
	if (flip)
		b[MAYDAY_BUNDLE_HEADER_LEN + mlen] ^= 1;
	return b;
}

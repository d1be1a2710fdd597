/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Store, version 2: channel authentication recorded with each indication,
 * PSK enrolment, and the PSK replay window advanced in the ingest
 * transaction (docs/protocol.md §12.6): it survives reopening, a rolled-back
 * batch leaves it alone, an identical retransmission still finds its row.
 * Also the migration of a version 1 database.
 *
 * Version 5, secrets at rest: the PSK is sealed under the KEK (never its
 * bytes in the database or WAL files, a row swapped to another device does
 * not open, nothing without the KEK), plaintext rows of version 4 are sealed
 * at the first open with the KEK, and the files are 0640 whatever the umask.
 */
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include <openssl/rand.h>
#include <sqlite3.h>

#include "mayday/kek.h"
#include "mayday/keys.h"

#include "store_sqlite.h"   /* STORE_SQLITE_SCHEMA_VERSION */
#include "test_store_fixture.h"

static const uint8_t kid_a[8] = {0xa0, 0xb1, 0xc2, 0xd3, 0xe4, 0xf5, 0x06, 0x17};
static const uint8_t kid_b[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
static uint8_t psk1[MAYDAY_PSK_LEN], psk2[MAYDAY_PSK_LEN];

struct t {
	struct fx fx;
	EVP_PKEY *key;
};

static int setup(void **state)
{
	static struct t t;
	char pem[1024];
	memset(psk1, 0x11, sizeof(psk1));
	memset(psk2, 0x22, sizeof(psk2));
	fx_open(&t.fx);
	t.key = fx_key(pem, sizeof(pem));
	assert_int_equal(store_enrol(t.fx.st, "hnb-1", "femto-a", pem), MAYDAY_OK);
	assert_int_equal(store_enrol(t.fx.st, "hnb-2", "femto-a", pem), MAYDAY_OK);
	*state = &t;
	return 0;
}

static int teardown(void **state)
{
	struct t *t = *state;
	EVP_PKEY_free(t->key);
	fx_close(&t->fx);
	return 0;
}

static struct mayday_replay_window window_of(struct store *st, const uint8_t *kid, size_t len)
{
	struct store_psk p;
	assert_int_equal(store_psk_get(st, kid, len, &p), MAYDAY_OK);
	struct mayday_replay_window w = p.window;
	store_psk_wipe(&p);
	return w;
}

static void test_enrol_psk(void **state)
{
	struct t *t = *state;
	struct store *st = t->fx.st;
	struct store_psk p;
	struct store_counts c;

	assert_int_equal(store_psk_get(st, kid_a, sizeof(kid_a), &p), MAYDAY_E_NOTFOUND);
	assert_int_equal(store_enrol_psk(st, "nobody", kid_a, sizeof(kid_a), psk1, 32),
			 MAYDAY_E_NOTFOUND);
	assert_int_equal(store_enrol_psk(st, "hnb-1", kid_a, 7, psk1, 32), MAYDAY_E_INVALID);
	assert_int_equal(store_enrol_psk(st, "hnb-1", kid_a, 17, psk1, 32), MAYDAY_E_INVALID);
	assert_int_equal(store_enrol_psk(st, "hnb-1", kid_a, sizeof(kid_a), psk1, 31),
			 MAYDAY_E_INVALID);
	assert_int_equal(store_enrol_psk(st, "bad id", kid_a, sizeof(kid_a), psk1, 32),
			 MAYDAY_E_INVALID);
	assert_int_equal(store_count(st, &c), MAYDAY_OK);
	assert_int_equal(c.psks, 0);

	assert_int_equal(store_enrol_psk(st, "hnb-1", kid_a, sizeof(kid_a), psk1, 32), MAYDAY_OK);
	assert_int_equal(store_psk_get(st, kid_a, sizeof(kid_a), &p), MAYDAY_OK);
	assert_string_equal(p.device_id, "hnb-1");
	assert_memory_equal(p.psk, psk1, 32);
	assert_int_equal(p.window.highest, 0);
	assert_int_equal(p.window.bitmap, 0);
	store_psk_wipe(&p);
	assert_int_equal(p.psk[0], 0);
	assert_int_equal(store_psk_get(st, kid_a, 7, &p), MAYDAY_E_INVALID);

	/* Kids select keys: another device cannot take one in use. */
	assert_int_equal(store_enrol_psk(st, "hnb-2", kid_a, sizeof(kid_a), psk2, 32),
			 MAYDAY_E_MISMATCH);
	assert_int_equal(store_enrol_psk(st, "hnb-2", kid_b, sizeof(kid_b), psk2, 32), MAYDAY_OK);

	struct store_device_row d;
	assert_int_equal(store_get_device(st, "hnb-1", &d), MAYDAY_OK);
	assert_string_equal(d.psk_kid_hex, "a0b1c2d3e4f50617");
	assert_int_equal(store_get_device(st, "hnb-2", &d), MAYDAY_OK);
	assert_string_equal(d.psk_kid_hex, "010203040506070809");

	/* A new key for hnb-1 replaces the old one: the old kid is gone. */
	uint8_t kid_c[16];
	memset(kid_c, 0xcc, sizeof(kid_c));
	assert_int_equal(store_enrol_psk(st, "hnb-1", kid_c, sizeof(kid_c), psk2, 32), MAYDAY_OK);
	assert_int_equal(store_psk_get(st, kid_a, sizeof(kid_a), &p), MAYDAY_E_NOTFOUND);
	assert_int_equal(store_psk_get(st, kid_c, sizeof(kid_c), &p), MAYDAY_OK);
	assert_string_equal(p.device_id, "hnb-1");
	store_psk_wipe(&p);
	assert_int_equal(store_count(st, &c), MAYDAY_OK);
	assert_int_equal(c.psks, 2);
	/* No PSK operation inside an open batch. */
	assert_int_equal(store_ingest_begin(st), MAYDAY_OK);
	assert_int_equal(store_enrol_psk(st, "hnb-2", kid_a, sizeof(kid_a), psk2, 32),
			 MAYDAY_E_INVALID);
	store_ingest_rollback(st);
}

/* A PSK record of hnb-1 (kid_a) for counter, with claims tweaked by time_add. */
static void psk_rec(struct store_ingest_rec *rec, struct mayday_indication *ind, uint8_t *raw,
		    uint64_t counter, uint64_t time_add)
{
	fx_indication(ind, "hnb-1", counter);
	ind->time += time_add;
	ind->transport = MAYDAY_TRANSPORT_PSK;
	fx_rec(rec, ind, STORE_TRUST_SIGNED, raw, MAYDAY_INDICATION_MAX);
	rec->transport = MAYDAY_TRANSPORT_PSK;
	rec->channel_auth = STORE_CHANNEL_PSK;
	rec->peer_identity = "a0b1c2d3e4f50617";
	rec->psk_kid = kid_a;
	rec->psk_kid_len = sizeof(kid_a);
}

static void test_window_in_transaction(void **state)
{
	struct t *t = *state;
	struct store *st = t->fx.st;
	uint8_t raw[MAYDAY_INDICATION_MAX];
	struct mayday_indication ind;
	struct store_ingest_rec rec;
	struct store_counts before, after;
	struct mayday_replay_window w;

	assert_int_equal(store_enrol_psk(st, "hnb-1", kid_a, sizeof(kid_a), psk1, 32), MAYDAY_OK);
	psk_rec(&rec, &ind, raw, 5, 0);
	assert_int_equal(fx_put1(st, &rec), MAYDAY_OK);
	assert_int_equal(rec.outcome, STORE_NEW);
	int64_t incident = rec.incident_id;
	assert_true(incident > 0);
	w = window_of(st, kid_a, sizeof(kid_a));
	assert_int_equal(w.highest, 5);
	assert_int_equal(w.bitmap, 1);

	/* The identical retransmission: its row, whatever the window says. */
	assert_int_equal(store_count(st, &before), MAYDAY_OK);
	psk_rec(&rec, &ind, raw, 5, 0);
	assert_int_equal(fx_put1(st, &rec), MAYDAY_OK);
	assert_int_equal(rec.outcome, STORE_DUPLICATE);
	assert_int_equal(rec.incident_id, incident);
	/* Other claims under counter 5: a replay, not a conflict to answer. */
	psk_rec(&rec, &ind, raw, 5, 99);
	assert_int_equal(fx_put1(st, &rec), MAYDAY_OK);
	assert_int_equal(rec.outcome, STORE_REPLAY);
	assert_int_equal(rec.indication_id, 0);
	/* The same counter recorded unverified is still the same counter. */
	psk_rec(&rec, &ind, raw, 5, 7);
	rec.trust = STORE_TRUST_UNVERIFIED;
	assert_int_equal(fx_put1(st, &rec), MAYDAY_OK);
	assert_int_equal(rec.outcome, STORE_REPLAY);
	assert_int_equal(store_count(st, &after), MAYDAY_OK);
	assert_memory_equal(&before, &after, sizeof(before));

	/* Inside the window but below the device's highest accepted counter:
	 * the counter rule refuses it (stale), and the window stays as it was. */
	psk_rec(&rec, &ind, raw, 3, 0);
	assert_int_equal(fx_put1(st, &rec), MAYDAY_OK);
	assert_int_equal(rec.outcome, STORE_STALE);
	assert_int_equal(rec.indication_id, 0);
	w = window_of(st, kid_a, sizeof(kid_a));
	assert_int_equal(w.highest, 5);
	assert_int_equal(w.bitmap, 1);
	assert_int_equal(store_count(st, &after), MAYDAY_OK);
	assert_memory_equal(&before, &after, sizeof(before));
	/* A jump, then something too old for the window. */
	psk_rec(&rec, &ind, raw, 100, 0);
	assert_int_equal(fx_put1(st, &rec), MAYDAY_OK);
	assert_int_equal(rec.outcome, STORE_NEW);
	/* Too old for the window: a replay to drop, not a stale counter to answer. */
	psk_rec(&rec, &ind, raw, 36, 0);
	assert_int_equal(fx_put1(st, &rec), MAYDAY_OK);
	assert_int_equal(rec.outcome, STORE_REPLAY);

	/* A batch that never commits leaves the counter acceptable. */
	psk_rec(&rec, &ind, raw, 101, 0);
	assert_int_equal(store_ingest_begin(st), MAYDAY_OK);
	assert_int_equal(store_ingest_put(st, &rec), MAYDAY_OK);
	assert_int_equal(rec.outcome, STORE_NEW);
	assert_int_equal(window_of(st, kid_a, sizeof(kid_a)).highest, 101); /* same connection */
	store_ingest_rollback(st);
	assert_int_equal(window_of(st, kid_a, sizeof(kid_a)).highest, 100);
	/* Two of the same counter in one batch: the second is a duplicate. */
	assert_int_equal(store_ingest_begin(st), MAYDAY_OK);
	assert_int_equal(store_ingest_put(st, &rec), MAYDAY_OK);
	assert_int_equal(rec.outcome, STORE_NEW);
	assert_int_equal(store_ingest_put(st, &rec), MAYDAY_OK);
	assert_int_equal(rec.outcome, STORE_DUPLICATE);
	assert_int_equal(store_ingest_commit(st), MAYDAY_OK);

	/* The window survives closing and reopening the store. */
	fx_reopen(&t->fx);
	st = t->fx.st;
	w = window_of(st, kid_a, sizeof(kid_a));
	assert_int_equal(w.highest, 101);
	assert_int_equal(w.bitmap & 3, 3);
	psk_rec(&rec, &ind, raw, 101, 0);
	assert_int_equal(fx_put1(st, &rec), MAYDAY_OK);
	assert_int_equal(rec.outcome, STORE_DUPLICATE);
	/* The twin of an older row keeps its answer; a counter the window
	 * admits but the counter rule does not is stale, the window untouched. */
	psk_rec(&rec, &ind, raw, 100, 0);
	assert_int_equal(fx_put1(st, &rec), MAYDAY_OK);
	assert_int_equal(rec.outcome, STORE_DUPLICATE);
	psk_rec(&rec, &ind, raw, 99, 0);
	assert_int_equal(fx_put1(st, &rec), MAYDAY_OK);
	assert_int_equal(rec.outcome, STORE_STALE);
	w = window_of(st, kid_a, sizeof(kid_a));
	assert_int_equal(w.highest, 101);
	assert_int_equal(w.bitmap & 4, 0);

	/* A kid that is not (or no longer) the device's: never storable. */
	psk_rec(&rec, &ind, raw, 200, 0);
	rec.psk_kid = kid_b;
	rec.psk_kid_len = sizeof(kid_b);
	assert_int_equal(fx_put1(st, &rec), MAYDAY_E_INVALID);
	assert_int_equal(store_enrol_psk(st, "hnb-2", kid_b, sizeof(kid_b), psk2, 32), MAYDAY_OK);
	assert_int_equal(fx_put1(st, &rec), MAYDAY_E_INVALID);   /* hnb-2's kid, hnb-1's claims */
	/* A PSK record without its kid is refused before the backend. */
	rec.psk_kid = NULL;
	assert_int_equal(fx_put1(st, &rec), MAYDAY_E_INVALID);
}

static int newest(void *ctx, const struct store_indication_row *r)
{
	struct store_indication_row *out = ctx;
	if (out->id == 0)
		*out = *r;
	return 0;
}

static void test_channel_recorded(void **state)
{
	struct t *t = *state;
	struct store *st = t->fx.st;
	uint8_t raw[MAYDAY_INDICATION_MAX];
	struct mayday_indication ind;
	struct store_ingest_rec rec;
	struct store_indication_row r;

	fx_indication(&ind, "hnb-2", 1);
	fx_rec(&rec, &ind, STORE_TRUST_SIGNED, raw, sizeof(raw));
	rec.transport = MAYDAY_TRANSPORT_TLS;
	rec.channel_auth = STORE_CHANNEL_MTLS;
	rec.peer_identity = "CN=hnb-2,O=operator";
	assert_int_equal(fx_put1(st, &rec), MAYDAY_OK);
	memset(&r, 0, sizeof(r));
	assert_int_equal(store_list_indications(st, "hnb-2", newest, &r), MAYDAY_OK);
	assert_int_equal(r.transport, MAYDAY_TRANSPORT_TLS);
	assert_int_equal(r.channel_auth, STORE_CHANNEL_MTLS);
	assert_int_equal(r.trust, STORE_TRUST_SIGNED);
	assert_string_equal(r.peer_identity, "CN=hnb-2,O=operator");

	fx_indication(&ind, "hnb-2", 2);
	fx_rec(&rec, &ind, STORE_TRUST_UNVERIFIED, raw, sizeof(raw));
	rec.channel_auth = STORE_CHANNEL_IKE;
	rec.peer_identity = "C=DE, CN=hnb-2";
	assert_int_equal(fx_put1(st, &rec), MAYDAY_OK);
	memset(&r, 0, sizeof(r));
	assert_int_equal(store_list_indications(st, "hnb-2", newest, &r), MAYDAY_OK);
	assert_int_equal(r.channel_auth, STORE_CHANNEL_IKE);
	assert_int_equal(r.trust, STORE_TRUST_UNVERIFIED);
	assert_string_equal(r.peer_identity, "C=DE, CN=hnb-2");

	/* Bad channel fields are refused and change nothing. */
	struct store_counts before, after;
	assert_int_equal(store_count(st, &before), MAYDAY_OK);
	fx_indication(&ind, "hnb-2", 3);
	fx_rec(&rec, &ind, STORE_TRUST_SIGNED, raw, sizeof(raw));
	rec.channel_auth = (enum store_channel_auth)9;
	assert_int_equal(fx_put1(st, &rec), MAYDAY_E_INVALID);
	rec.channel_auth = STORE_CHANNEL_MTLS;
	rec.peer_identity = NULL;
	assert_int_equal(fx_put1(st, &rec), MAYDAY_E_INVALID);
	char long_id[STORE_IDENTITY_MAX + 2];
	memset(long_id, 'x', sizeof(long_id) - 1);
	long_id[sizeof(long_id) - 1] = '\0';
	rec.peer_identity = long_id;
	assert_int_equal(fx_put1(st, &rec), MAYDAY_E_INVALID);
	assert_int_equal(store_count(st, &after), MAYDAY_OK);
	assert_memory_equal(&before, &after, sizeof(before));

	assert_string_equal(store_channel_name(STORE_CHANNEL_NONE), "none");
	assert_string_equal(store_channel_name(STORE_CHANNEL_PSK), "psk");
	assert_string_equal(store_channel_name((enum store_channel_auth)9), "unknown");
}

/* Version 1 as shipped, frozen here: a store must open (and upgrade) it. */
static const char schema_v1[] =
	"CREATE TABLE schema_version (version INTEGER NOT NULL);"
	"CREATE TABLE devices ("
	" id TEXT PRIMARY KEY NOT NULL,"
	" product_class TEXT NOT NULL,"
	" pubkey_pem TEXT NOT NULL,"
	" state TEXT NOT NULL DEFAULT 'healthy',"
	" state_since INTEGER NOT NULL,"
	" enrolled_at INTEGER NOT NULL);"
	"CREATE TABLE incidents ("
	" id INTEGER PRIMARY KEY,"
	" device_id TEXT NOT NULL REFERENCES devices(id),"
	" opened_at INTEGER NOT NULL,"
	" closed_at INTEGER,"
	" state TEXT NOT NULL);"
	"CREATE UNIQUE INDEX incidents_one_open ON incidents(device_id) WHERE closed_at IS NULL;"
	"CREATE INDEX incidents_device ON incidents(device_id);"
	"CREATE TABLE indications ("
	" id INTEGER PRIMARY KEY,"
	" device_id TEXT NOT NULL,"
	" counter INTEGER NOT NULL,"
	" received_at INTEGER NOT NULL,"
	" device_time INTEGER NOT NULL,"
	" transport INTEGER NOT NULL,"
	" trust TEXT NOT NULL CHECK (trust IN ('signed', 'unverified')),"
	" peer TEXT NOT NULL,"
	" reason INTEGER NOT NULL,"
	" image_version TEXT NOT NULL,"
	" manifest_rollback INTEGER NOT NULL,"
	" dcf_version TEXT NOT NULL,"
	" slot INTEGER NOT NULL,"
	" boot_attempts INTEGER NOT NULL,"
	" free_space INTEGER NOT NULL,"
	" max_image_size INTEGER NOT NULL,"
	" incident_id INTEGER REFERENCES incidents(id),"
	" raw BLOB NOT NULL,"
	" digest BLOB NOT NULL,"
	" UNIQUE (device_id, counter, trust));"
	"CREATE INDEX indications_incident ON indications(incident_id);"
	"CREATE TABLE failed_components ("
	" indication_id INTEGER NOT NULL REFERENCES indications(id),"
	" idx INTEGER NOT NULL,"
	" name TEXT NOT NULL,"
	" flags INTEGER NOT NULL,"
	" expected_size INTEGER NOT NULL,"
	" measured_size INTEGER NOT NULL,"
	" expected_digest TEXT NOT NULL,"
	" measured_digest TEXT NOT NULL,"
	" PRIMARY KEY (indication_id, idx));"
	"CREATE TABLE incident_events ("
	" id INTEGER PRIMARY KEY,"
	" incident_id INTEGER NOT NULL REFERENCES incidents(id),"
	" at INTEGER NOT NULL,"
	" kind TEXT NOT NULL,"
	" from_state TEXT,"
	" to_state TEXT,"
	" indication_id INTEGER REFERENCES indications(id));"
	"CREATE INDEX incident_events_incident ON incident_events(incident_id);"
	"CREATE TRIGGER indications_append_only_u BEFORE UPDATE ON indications"
	" BEGIN SELECT RAISE(ABORT, 'indications are append-only'); END;"
	"CREATE TRIGGER indications_append_only_d BEFORE DELETE ON indications"
	" BEGIN SELECT RAISE(ABORT, 'indications are append-only'); END;"
	"CREATE TRIGGER failed_components_append_only_u BEFORE UPDATE ON failed_components"
	" BEGIN SELECT RAISE(ABORT, 'failed_components are append-only'); END;"
	"CREATE TRIGGER failed_components_append_only_d BEFORE DELETE ON failed_components"
	" BEGIN SELECT RAISE(ABORT, 'failed_components are append-only'); END;"
	"CREATE TRIGGER incident_events_append_only_u BEFORE UPDATE ON incident_events"
	" BEGIN SELECT RAISE(ABORT, 'incident history is append-only'); END;"
	"CREATE TRIGGER incident_events_append_only_d BEFORE DELETE ON incident_events"
	" BEGIN SELECT RAISE(ABORT, 'incident history is append-only'); END;"
	"INSERT INTO schema_version (version) VALUES (1);";

static void test_migrate_v1(void **state)
{
	FX_SQLITE_ONLY();
	(void)state;
	struct fx fx;
	char path[400];
	sqlite3 *db = NULL;
	const char *tmp = getenv("TMPDIR");
	snprintf(fx.dir, sizeof(fx.dir), "%s/mayday-v1.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	assert_non_null(mkdtemp(fx.dir));
	snprintf(fx.spec, sizeof(fx.spec), "sqlite:%s/hems.db", fx.dir);
	snprintf(path, sizeof(path), "%s/hems.db", fx.dir);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, schema_v1, NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db,
		"INSERT INTO indications (device_id, counter, received_at, device_time, transport,"
		" trust, peer, reason, image_version, manifest_rollback, dcf_version, slot,"
		" boot_attempts, free_space, max_image_size, raw, digest) VALUES ('old', 7, 1, 1, 1,"
		" 'unverified', '10.0.0.1:9', 1, '', 0, '', 0, 0, 0, 0, x'00', x'00')",
		NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);

	assert_int_equal(store_open(&fx.st, fx.spec), MAYDAY_OK);
	struct store_indication_row r;
	memset(&r, 0, sizeof(r));
	assert_int_equal(store_list_indications(fx.st, "old", newest, &r), MAYDAY_OK);
	assert_int_equal(r.counter, 7);
	assert_int_equal(r.channel_auth, STORE_CHANNEL_NONE);
	assert_string_equal(r.peer_identity, "");
	struct store_counts c;
	assert_int_equal(store_count(fx.st, &c), MAYDAY_OK);
	assert_int_equal(c.indications, 1);
	assert_int_equal(c.psks, 0);
	store_close(fx.st);
	fx.st = NULL;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(fx_scalar(db, "SELECT max(version) FROM schema_version"),
			 STORE_SQLITE_SCHEMA_VERSION);
	assert_int_equal(fx_scalar(db, "SELECT count(*) FROM schema_version"), 1);
	/* The migrated table keeps its guards: append-only, checked channel. */
	assert_int_not_equal(sqlite3_exec(db, "UPDATE indications SET peer_identity = 'x'", NULL,
					  NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	/* Opening again migrates nothing. */
	assert_int_equal(store_open(&fx.st, fx.spec), MAYDAY_OK);
	fx_close(&fx);
}

/* Whether `needle` occurs in DIR/NAME's bytes (absent file: no). */
static bool file_has(const struct fx *fx, const char *name, const uint8_t *needle, size_t n)
{
	char path[400];
	snprintf(path, sizeof(path), "%s/%s", fx->dir, name);
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return false;
	static uint8_t buf[8 << 20];
	size_t len = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	assert_true(len < sizeof(buf));
	return len >= n && memmem(buf, len, needle, n) != NULL;
}

static bool store_has(const struct fx *fx, const uint8_t *psk)
{
	return file_has(fx, "hems.db", psk, MAYDAY_PSK_LEN) ||
	       file_has(fx, "hems.db-wal", psk, MAYDAY_PSK_LEN);
}

static void test_sealed_at_rest(void **state)
{
	FX_SQLITE_ONLY();
	struct t *t = *state;
	uint8_t secret[MAYDAY_PSK_LEN], other[MAYDAY_PSK_LEN];
	struct store_psk p;
	char path[400];
	sqlite3 *db;
	assert_int_equal(RAND_bytes(secret, sizeof(secret)), 1);
	assert_int_equal(RAND_bytes(other, sizeof(other)), 1);
	assert_int_equal(store_enrol_psk(t->fx.st, "hnb-1", kid_a, sizeof(kid_a), secret, 32),
			 MAYDAY_OK);
	assert_int_equal(store_enrol_psk(t->fx.st, "hnb-2", kid_b, sizeof(kid_b), other, 32),
			 MAYDAY_OK);
	/* Neither while the daemon runs (WAL) nor after a checkpoint (database). */
	assert_false(store_has(&t->fx, secret));
	store_close(t->fx.st);
	t->fx.st = NULL;
	assert_false(store_has(&t->fx, secret));
	assert_false(store_has(&t->fx, other));

	/* Without the KEK: no PSK in, none out. */
	assert_int_equal(store_open(&t->fx.st, t->fx.spec), MAYDAY_OK);
	assert_int_equal(store_psk_get(t->fx.st, kid_a, sizeof(kid_a), &p), MAYDAY_E_KEY);
	assert_int_equal(store_enrol_psk(t->fx.st, "hnb-1", kid_a, sizeof(kid_a), secret, 32),
			 MAYDAY_E_KEY);
	/* With it, the same key comes back. */
	assert_int_equal(store_psk_kek(t->fx.st, t->fx.kek), MAYDAY_OK);
	assert_int_equal(store_psk_get(t->fx.st, kid_a, sizeof(kid_a), &p), MAYDAY_OK);
	assert_memory_equal(p.psk, secret, sizeof(secret));
	assert_string_equal(p.device_id, "hnb-1");
	store_psk_wipe(&p);

	/* hnb-1's sealed PSK copied into hnb-2's row does not open there. */
	snprintf(path, sizeof(path), "%s/hems.db", t->fx.dir);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(fx_scalar(db, "SELECT count(*) FROM psk_keys WHERE psk IS NULL"
				       " AND length(psk_sealed) = 60"), 2);
	assert_int_equal(sqlite3_exec(db,
		"UPDATE psk_keys SET psk_sealed = (SELECT psk_sealed FROM psk_keys"
		" WHERE device_id = 'hnb-1') WHERE device_id = 'hnb-2'", NULL, NULL, NULL),
		SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(store_psk_get(t->fx.st, kid_b, sizeof(kid_b), &p), MAYDAY_E_IO);
	assert_int_equal(store_psk_get(t->fx.st, kid_a, sizeof(kid_a), &p), MAYDAY_OK);
	store_psk_wipe(&p);

	/* Another KEK is refused: the store's PSKs do not open under it (the
	 * handle keeps none then); a KEK file others may read is refused. */
	assert_int_equal(mayday_kek_create(t->fx.kek), MAYDAY_OK);
	assert_int_equal(store_psk_kek(t->fx.st, t->fx.kek), MAYDAY_E_KEY);
	assert_int_equal(store_psk_get(t->fx.st, kid_a, sizeof(kid_a), &p), MAYDAY_E_KEY);
	assert_int_equal(store_enrol_psk(t->fx.st, "hnb-1", kid_a, sizeof(kid_a), secret, 32),
			 MAYDAY_E_KEY);
	assert_int_equal(chmod(t->fx.kek, 0644), 0);
	assert_int_equal(store_psk_kek(t->fx.st, t->fx.kek), MAYDAY_E_PERM);
}

/* A version 4 store with a plaintext PSK: the schema migrates at open, the
 * row is sealed at the first open with the KEK, and the bytes are gone. */
static void test_migrate_plaintext(void **state)
{
	FX_SQLITE_ONLY();
	struct t *t = *state;
	uint8_t secret[MAYDAY_PSK_LEN];
	char path[400], sql[4096], hex[2 * MAYDAY_PSK_LEN + 1];
	struct store_psk p;
	sqlite3 *db;
	assert_int_equal(RAND_bytes(secret, sizeof(secret)), 1);
	mayday_hex(secret, sizeof(secret), hex);
	store_close(t->fx.st);
	t->fx.st = NULL;
	snprintf(path, sizeof(path), "%s/hems.db", t->fx.dir);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	snprintf(sql, sizeof(sql),
		 FX_DROP_V12 "DROP TABLE psk_keys;"
		 "CREATE TABLE psk_keys ("
		 " kid BLOB PRIMARY KEY NOT NULL CHECK (length(kid) BETWEEN 8 AND 16),"
		 " device_id TEXT NOT NULL UNIQUE REFERENCES devices(id),"
		 " psk BLOB NOT NULL CHECK (length(psk) = 32),"
		 " replay_highest INTEGER NOT NULL DEFAULT 0,"
		 " replay_bitmap INTEGER NOT NULL DEFAULT 0,"
		 " enrolled_at INTEGER NOT NULL);"
		 "INSERT INTO psk_keys (kid, device_id, psk, replay_highest, enrolled_at)"
		 " VALUES (x'a0b1c2d3e4f50617', 'hnb-1', x'%s', 42, 1);"
		 "ALTER TABLE devices DROP COLUMN signed_counter;"
		 "DROP INDEX devices_silence;"
		 "DROP INDEX devices_class_silence;"
		 "ALTER TABLE devices DROP COLUMN last_seen;"
		 "DROP TABLE cwmp_credentials; DROP TABLE acs_decisions; DROP TABLE cwmp_connreq;"
		 /* and version 10's outbox (store_events.h) */
		 "DROP TRIGGER IF EXISTS events_of_incident; DROP TRIGGER IF EXISTS events_of_class; DROP TRIGGER IF EXISTS events_of_attempt; DROP TABLE events; DROP TABLE event_cursors;"
		 "DROP INDEX indications_fleet; DROP TABLE fleet_anomalies;"
		 "ALTER TABLE indications DROP COLUMN msg_version;"
		 "UPDATE schema_version SET version = 4;", hex);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_true(store_has(&t->fx, secret));   /* the test can see plaintext */

	/* Migrated without the KEK: still plaintext, and not handed out. */
	assert_int_equal(store_open(&t->fx.st, t->fx.spec), MAYDAY_OK);
	assert_int_equal(store_psk_get(t->fx.st, kid_a, sizeof(kid_a), &p), MAYDAY_E_KEY);
	/* The first open with the KEK seals it, window kept. */
	assert_int_equal(store_psk_kek(t->fx.st, t->fx.kek), MAYDAY_OK);
	assert_int_equal(store_psk_get(t->fx.st, kid_a, sizeof(kid_a), &p), MAYDAY_OK);
	assert_memory_equal(p.psk, secret, sizeof(secret));
	assert_int_equal(p.window.highest, 42);
	store_psk_wipe(&p);
	assert_false(store_has(&t->fx, secret));
	store_close(t->fx.st);
	t->fx.st = NULL;
	assert_false(store_has(&t->fx, secret));
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(fx_scalar(db, "SELECT max(version) FROM schema_version"),
			 STORE_SQLITE_SCHEMA_VERSION);
	assert_int_equal(fx_scalar(db, "SELECT count(*) FROM psk_keys WHERE psk IS NULL"), 1);
	sqlite3_close(db);
	fx_reopen(&t->fx);
}

static void assert_private(const char *dir, const char *name)
{
	char path[400];
	struct stat st;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_int_equal(stat(path, &st), 0);
	if ((st.st_mode & 0137) != 0)
		fail_msg("%s has mode %04o, wider than 0640", name, (unsigned)(st.st_mode & 07777));
}

/* Under the usual umask (022) the files are still 0640 or stricter, and an
 * existing 0644 database is narrowed at open. */
static void test_file_modes(void **state)
{
	FX_SQLITE_ONLY();
	(void)state;
	struct fx fx;
	char path[400];
	mode_t old = umask(022);
	fx_open(&fx);
	char pem[1024];
	EVP_PKEY *k = fx_key(pem, sizeof(pem));
	EVP_PKEY_free(k);
	assert_int_equal(store_enrol(fx.st, "hnb-1", "femto-a", pem), MAYDAY_OK);
	assert_private(fx.dir, "hems.db");
	assert_private(fx.dir, "hems.db-wal");
	assert_private(fx.dir, "hems.db-shm");
	/* Opening the store again in this process must leave the first
	 * handle's locks alone: another process that closes the database
	 * would otherwise take itself for the last user and remove the WAL. */
	struct store *again = NULL;
	assert_int_equal(store_open(&again, fx.spec), MAYDAY_OK);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* A fresh process (the sqlite3 CLI): a forked child would share
		 * this process's SQLite lock bookkeeping. */
		snprintf(path, sizeof(path), "%s/hems.db", fx.dir);
		execlp("sqlite3", "sqlite3", path, "SELECT count(*) FROM devices", (char *)NULL);
		_exit(127);
	}
	int status = 0;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_private(fx.dir, "hems.db-wal");   /* still there */
	store_close(again);
	store_close(fx.st);
	snprintf(path, sizeof(path), "%s/hems.db", fx.dir);
	assert_int_equal(chmod(path, 0644), 0);
	assert_int_equal(store_open(&fx.st, fx.spec), MAYDAY_OK);
	assert_private(fx.dir, "hems.db");
	umask(old);
	fx_close(&fx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_enrol_psk, setup, teardown),
		cmocka_unit_test_setup_teardown(test_window_in_transaction, setup, teardown),
		cmocka_unit_test_setup_teardown(test_channel_recorded, setup, teardown),
		cmocka_unit_test(test_migrate_v1),
		cmocka_unit_test_setup_teardown(test_sealed_at_rest, setup, teardown),
		cmocka_unit_test_setup_teardown(test_migrate_plaintext, setup, teardown),
		cmocka_unit_test(test_file_modes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

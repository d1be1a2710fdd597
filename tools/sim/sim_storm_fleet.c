/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The storm's fleet: up to SIM_STORM_DEVICES_MAX enrolled devices, of which
 * only the distressed ones keep their private keys (the rest are enrolled
 * and never speak), and the check of the store after the storm.
 *
 * Enrolment must take seconds, not the minutes that store_enrol's one
 * transaction (one fsync) per device would take for 100,000 devices. Keys
 * are made on all threads (one key generation context per thread, the PEM
 * written directly: OpenSSL's general paths cost several times the key
 * itself), then for SQLite the rows go in with the SQL of
 * the store's own enrol (store_sqlite.c), 10,000 to a transaction, after
 * store_open has created or checked the schema -- as bench/fleet.sh fills
 * its store; for PostgreSQL, 10,000 rows a transaction in one INSERT with
 * the backend's own enrolment SQL (sim_storm_pg.c). Any other store goes
 * through store_enrol one device at a time: slower, and the backend's own
 * code.
 *
 * The check goes through the store API (store_list_indications), so it
 * reads the same on every backend: per distressed device, the signed rows
 * under its one counter, and whether the stored payload digest is the
 * digest of the indication the device sent.
 */
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/core_names.h>

#include "mayday/keys.h"
#include "sim.h"
#include "store.h"
#include "store_query.h"

#define PEM_SLOT 256          /* a P-256 "PUBLIC KEY" PEM is 178 bytes */
#define ENROL_TX_ROWS 10000u

struct keygen_job {
	struct sim_fleet *f;
	char *pem;                /* PEM_SLOT bytes per device */
	EVP_PKEY *tmpl;           /* a P-256 key: its group is copied, not built, per key */
	uint32_t from, to;
	int failed;
};

/* mayday_key_public_to_pem's form, written directly ("PUBLIC KEY", the
 * 91-byte SubjectPublicKeyInfo of the uncompressed point, 64 columns):
 * OpenSSL's PEM encoder costs more than the key itself. */
static int spki_pem(EVP_PKEY *key, char *out)
{
	static const uint8_t hdr[] = {
		0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01,
		0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00,
	};
	uint8_t der[sizeof(hdr) + 65];
	unsigned char b64[4 * ((sizeof(der) + 2) / 3) + 1];
	size_t len = 0;
	memcpy(der, hdr, sizeof(hdr));
	if (EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY,
					    der + sizeof(hdr), 65, &len) != 1 ||
	    len != 65 || der[sizeof(hdr)] != 0x04 ||
	    EVP_EncodeBlock(b64, der, (int)sizeof(der)) != (int)sizeof(b64) - 1)
		return -1;
	snprintf(out, PEM_SLOT, "-----BEGIN PUBLIC KEY-----\n%.64s\n%s\n-----END PUBLIC KEY-----\n",
		 (const char *)b64, (const char *)b64 + 64);
	return 0;
}

static void *keygen_main(void *arg)
{
	struct keygen_job *j = arg;
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, j->tmpl, NULL);
	if (ctx == NULL || EVP_PKEY_keygen_init(ctx) != 1)
		j->failed = 1;
	for (uint32_t i = j->from; i < j->to && !j->failed; i++) {
		EVP_PKEY *key = NULL;
		if (EVP_PKEY_generate(ctx, &key) != 1 ||
		    spki_pem(key, j->pem + (size_t)i * PEM_SLOT) != 0) {
			EVP_PKEY_free(key);
			j->failed = 1;
			break;
		}
		if (i < j->f->n_dev)
			j->f->dev[i].key = key;   /* distressed: it signs */
		else
			EVP_PKEY_free(key);
	}
	EVP_PKEY_CTX_free(ctx);
	return NULL;
}

static void storm_id(char *out, size_t cap, const char *prefix, uint32_t i)
{
	snprintf(out, cap, "%s-%06u", prefix, i);
}

static int enrol_sqlite(const char *path, const char *prefix, const char *pem, uint32_t n)
{
	static const char sql[] =
		"INSERT INTO devices (id, product_class, pubkey_pem, state, state_since, enrolled_at)"
		" VALUES (?1, 'sim-femto', ?2, 'healthy', ?3, ?3)"
		" ON CONFLICT (id) DO UPDATE SET product_class = excluded.product_class,"
		" pubkey_pem = excluded.pubkey_pem, enrolled_at = excluded.enrolled_at,"
		" revoked_at = NULL, revoked_by = NULL";
	sqlite3 *db = NULL;
	sqlite3_stmt *ins = NULL;
	char id[MAYDAY_DEVICE_ID_MAX + 1];
	int rc = -1, in_tx = 0;
	sqlite3_int64 now = (sqlite3_int64)time(NULL);
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK ||
	    sqlite3_busy_timeout(db, 30000) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, sql, -1, &ins, NULL) != SQLITE_OK)
		goto fail;
	for (uint32_t i = 0; i < n; i++) {
		if (!in_tx) {
			if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
				goto fail;
			in_tx = 1;
		}
		storm_id(id, sizeof(id), prefix, i);
		sqlite3_bind_text(ins, 1, id, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(ins, 2, pem + (size_t)i * PEM_SLOT, -1, SQLITE_STATIC);
		sqlite3_bind_int64(ins, 3, now);
		if (sqlite3_step(ins) != SQLITE_DONE)
			goto fail;
		sqlite3_reset(ins);
		if ((i + 1) % ENROL_TX_ROWS == 0 || i + 1 == n) {
			if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
				goto fail;
			in_tx = 0;
		}
	}
	rc = 0;
	goto out;
fail:
	fprintf(stderr, "mayday-sim: enrolment into %s: %s\n", path,
		db ? sqlite3_errmsg(db) : "cannot open");
	if (in_tx)
		(void)sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
out:
	sqlite3_finalize(ins);
	sqlite3_close(db);
	return rc;
}

/* store_open's own rule (store.h): "sqlite:PATH" or a plain path. */
static const char *sqlite_path(const char *spec)
{
	if (strncmp(spec, "sqlite:", 7) == 0)
		return spec + 7;
	return strstr(spec, "://") == NULL ? spec : NULL;
}

static int enrol(const char *spec, const char *prefix, const char *pem, uint32_t n)
{
	struct store *st = NULL;
	char id[MAYDAY_DEVICE_ID_MAX + 1];
	enum mayday_err err = store_open(&st, spec);   /* creates or checks the schema */
	if (err != MAYDAY_OK) {
		fprintf(stderr, "mayday-sim: store %s: %s\n", spec, mayday_strerror(err));
		return -1;
	}
	const char *path = sqlite_path(spec);
	if (path != NULL) {
		store_close(st);
		return enrol_sqlite(path, prefix, pem, n);
	}
#ifdef MAYDAY_SIM_PG
	if (strncmp(spec, "postgresql://", 13) == 0 || strncmp(spec, "postgres://", 11) == 0) {
		store_close(st);
		return sim_storm_enrol_pg(spec, prefix, pem, PEM_SLOT, n);
	}
#endif
	for (uint32_t i = 0; i < n && err == MAYDAY_OK; i++) {
		storm_id(id, sizeof(id), prefix, i);
		err = store_enrol(st, id, "sim-femto", pem + (size_t)i * PEM_SLOT);
	}
	store_close(st);
	if (err != MAYDAY_OK)
		fprintf(stderr, "mayday-sim: enrolment: %s\n", mayday_strerror(err));
	return err == MAYDAY_OK ? 0 : -1;
}

int sim_storm_fleet(struct sim_fleet *f, const struct sim_opts *o)
{
	uint32_t threads = o->threads < 1 ? 1 : o->threads > 16 ? 16 : o->threads;
	pthread_t th[16];
	struct keygen_job jobs[16];
	int failed = 0;
	uint64_t t0 = sim_now_ns();
	memset(f, 0, sizeof(*f));
	snprintf(f->prefix, sizeof(f->prefix), "%s", o->prefix);
	f->dev = calloc(o->distressed, sizeof(*f->dev));
	char *pem = calloc(o->devices, PEM_SLOT);
	EVP_PKEY *tmpl = NULL;
	if (f->dev == NULL || pem == NULL || mayday_key_generate(&tmpl) != MAYDAY_OK) {
		free(pem);
		return -1;
	}
	f->n_dev = o->distressed;
	for (uint32_t i = 0; i < f->n_dev; i++)
		storm_id(f->dev[i].id, sizeof(f->dev[i].id), f->prefix, i);
	for (uint32_t t = 0; t < threads; t++) {
		jobs[t] = (struct keygen_job){f, pem, tmpl,
					      (uint32_t)((uint64_t)o->devices * t / threads),
					      (uint32_t)((uint64_t)o->devices * (t + 1) / threads),
					      0};
		if (pthread_create(&th[t], NULL, keygen_main, &jobs[t]) != 0) {
			keygen_main(&jobs[t]);
			th[t] = 0;
		}
	}
	for (uint32_t t = 0; t < threads; t++) {
		if (th[t])
			pthread_join(th[t], NULL);
		failed |= jobs[t].failed;
	}
	EVP_PKEY_free(tmpl);
	if (failed)
		fprintf(stderr, "mayday-sim: key generation failed\n");
	uint64_t t1 = sim_now_ns();
	int rc = failed ? -1 : enrol(o->db, f->prefix, pem, o->devices);
	if (rc == 0)
		fprintf(stderr, "mayday-sim: storm: %u keys made in %.2f s, enrolled in %.2f s\n",
			o->devices, (double)(t1 - t0) / 1e9, (double)(sim_now_ns() - t1) / 1e9);
	free(pem);
	return rc;
}

/* ---- the check after the storm ---------------------------------------------- */

struct rows_ctx {
	uint64_t counter;
	const char *want_hex;
	size_t signed_rows, unverified_rows, matching;
};

static int row_cb(void *ctx, const struct store_indication_row *row)
{
	struct rows_ctx *c = ctx;
	if (row->trust != STORE_TRUST_SIGNED) {
		c->unverified_rows++;
		return 0;
	}
	if (row->counter != c->counter)
		return 0;
	c->signed_rows++;
	c->matching += strcasecmp(row->digest_hex, c->want_hex) == 0;
	return 0;
}

/* The digest the store keeps: SHA-256 of the COSE payload (srv_ingest.c). */
static int payload_hex(const struct sim_msg *m, char *hex)
{
	struct mayday_cose_sign1 cose;
	struct mayday_indication ind;
	struct mayday_diag diag;
	uint8_t d[MAYDAY_DIGEST_LEN];
	if (mayday_indication_open(m->buf, m->len, &cose, &ind, &diag) != MAYDAY_OK)
		return -1;
	mayday_sha256(cose.payload, cose.payload_len, d);
	for (size_t i = 0; i < sizeof(d); i++)
		snprintf(hex + 2 * i, 3, "%02x", d[i]);
	return 0;
}

int sim_storm_check(const char *db, const struct sim_fleet *f, const struct sim_result *res,
		    struct sim_storm_check *out)
{
	struct store *st = NULL;
	char why[256] = "";
	memset(out, 0, sizeof(*out));
	enum mayday_err err = store_open_ex(&st, db, 0, why, sizeof(why));
	if (err != MAYDAY_OK) {
		fprintf(stderr, "mayday-sim: store check: %s: %s\n", db,
			why[0] ? why : mayday_strerror(err));
		return -1;
	}
	for (size_t i = 0; i < f->n_msg; i++) {
		const struct sim_msg *m = &f->msg[i];
		char hex[2 * MAYDAY_DIGEST_LEN + 1];
		struct rows_ctx c = {.counter = m->counter, .want_hex = hex};
		if (payload_hex(m, hex) != 0 ||
		    (err = store_list_indications(st, f->dev[m->dev].id, row_cb, &c)) != MAYDAY_OK) {
			fprintf(stderr, "mayday-sim: store check of %s: %s\n", f->dev[m->dev].id,
				mayday_strerror(err));
			store_close(st);
			return -1;
		}
		out->unverified += c.unverified_rows;
		if (c.signed_rows > 1)
			out->duplicates++;
		if (c.signed_rows != c.matching)
			out->mismatched++;
		if (!res[i].acked) {
			out->stored_unacked += c.signed_rows > 0;
			continue;
		}
		if (c.signed_rows == 0)
			out->missing++;
		else if (c.signed_rows == 1 && c.matching == 1)
			out->stored_once++;
	}
	store_close(st);
	return 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SQLite backend: opening (WAL, synchronous=FULL, foreign keys, a busy
 * timeout so the daemon's connections and maydayctl/provision can share the
 * file), enrolment and key lookup, and the backend's function table. Ingest
 * and queries live in store_sqlite_ingest.c and store_sqlite_query.c.
 *
 * The files are the operator's secrets too (device keys, sealed PSKs,
 * history): a new database is created 0640 whatever the umask before
 * SQLite opens it, and SQLite gives its -wal and -shm the database's mode. A wider
 * mode left by an older version is narrowed at open. secure_delete makes
 * SQLite zero what it frees, so a replaced value leaves no copy in free
 * pages.
 */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <openssl/crypto.h>

#include "mayday/keys.h"
#include "store_sqlite.h"
#include "store_sqlite_api.h"

#define BUSY_TIMEOUT_MS 10000

enum mayday_err store_sqlite_err(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_ROW:
	case SQLITE_DONE:
		return MAYDAY_OK;
	case SQLITE_NOMEM:
		return MAYDAY_E_NOMEM;
	case SQLITE_CONSTRAINT:
	case SQLITE_MISMATCH:
	case SQLITE_TOOBIG:
	case SQLITE_RANGE:
		return MAYDAY_E_INVALID;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
	case SQLITE_IOERR:
	case SQLITE_FULL:
	case SQLITE_CANTOPEN:
	case SQLITE_READONLY:
	case SQLITE_PROTOCOL:
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		return MAYDAY_E_IO;
	default:
		return MAYDAY_E_INTERNAL;
	}
}

enum mayday_err store_sqlite_stmt(struct store_sqlite *s, sqlite3_stmt **stmt, const char *sql)
{
	if (*stmt == NULL) {
		int rc = sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, stmt, NULL);
		if (rc != SQLITE_OK)
			return store_sqlite_err(rc);
	} else {
		sqlite3_reset(*stmt);
		sqlite3_clear_bindings(*stmt);
	}
	return MAYDAY_OK;
}

static void bind_all(sqlite3_stmt *q, const char *fmt, va_list ap)
{
	for (int i = 0; fmt[i]; i++) {
		if (fmt[i] == 'i')
			sqlite3_bind_int64(q, i + 1, va_arg(ap, int64_t));
		else
			sqlite3_bind_text(q, i + 1, va_arg(ap, const char *), -1, SQLITE_TRANSIENT);
	}
}

enum mayday_err store_sqlite_prep(struct store_sqlite *s, sqlite3_stmt **q, const char *sql,
				  const char *fmt, ...)
{
	va_list ap;
	int rc = sqlite3_prepare_v2(s->db, sql, -1, q, NULL);
	if (rc != SQLITE_OK)
		return store_sqlite_err(rc);
	va_start(ap, fmt);
	bind_all(*q, fmt, ap);
	va_end(ap);
	return MAYDAY_OK;
}

enum mayday_err store_sqlite_exec(struct store_sqlite *s, const char *sql, const char *fmt, ...)
{
	va_list ap;
	sqlite3_stmt *q = NULL;
	int rc = sqlite3_prepare_v2(s->db, sql, -1, &q, NULL);
	if (rc == SQLITE_OK) {
		va_start(ap, fmt);
		bind_all(q, fmt, ap);
		va_end(ap);
		rc = sqlite3_step(q);
	}
	sqlite3_finalize(q);
	return rc == SQLITE_DONE ? MAYDAY_OK : store_sqlite_err(rc);
}

void store_sqlite_text(sqlite3_stmt *stmt, int col, char *out, size_t cap)
{
	const unsigned char *t = sqlite3_column_text(stmt, col);
	size_t n = t ? (size_t)sqlite3_column_bytes(stmt, col) : 0;
	if (n >= cap)
		n = cap - 1;
	if (n)
		memcpy(out, t, n);
	out[n] = '\0';
}

static void sqlite_close(struct store *st)
{
	struct store_sqlite *s = store_sqlite_of(st);
	sqlite3_stmt **all[] = {
		&s->enrol, &s->key, &s->psk_of_dev, &s->psk_of_kid, &s->psk_del, &s->psk_ins,
		&s->psk_get, &s->psk_win_set, &s->sel_dup, &s->sel_dev, &s->sel_open_inc, &s->ins_inc,
		&s->upd_inc_state, &s->upd_dev_state, &s->ins_event, &s->ins_ind, &s->ins_comp,
		&s->upd_dev_high, &s->upd_dev_high_seen, &s->sel_psk_win, &s->upd_seen,
		&s->q_device, &s->q_devices, &s->q_incidents, &s->q_indications, &s->q_components,
	};
	if (s->in_batch)
		store_sqlite_ingest_rollback(st);
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		sqlite3_finalize(*all[i]);
	sqlite3_close(s->db);
	free(s->ind_row);
	OPENSSL_cleanse(s->kek, sizeof(s->kek));
	free(s);
}

#define STORE_FILE_MODE 0640

/* Narrows an existing file to STORE_FILE_MODE; absent is fine. */
static enum mayday_err narrow_mode(const char *path)
{
	struct stat st;
	if (stat(path, &st) != 0)
		return errno == ENOENT ? MAYDAY_OK : MAYDAY_E_IO;
	if ((st.st_mode & 07777 & ~(mode_t)STORE_FILE_MODE) == 0)
		return MAYDAY_OK;
	if (chmod(path, st.st_mode & STORE_FILE_MODE) == 0)
		return MAYDAY_OK;
	/* Not the owner (an operator's maydayctl): the owner's open narrows it. */
	return errno == EPERM ? MAYDAY_OK : MAYDAY_E_IO;
}

/* When it may create (`create`), the database file exists with a mode no
 * wider than STORE_FILE_MODE before
 * SQLite opens it (SQLite's own default is 0644 less the umask); an
 * existing one, and
 * any -wal and -shm already there. In-memory and URI names are SQLite's. */
static enum mayday_err prepare_files(const char *path, bool create)
{
	static const char *const sfx[] = {"-wal", "-shm"};
	char side[PATH_MAX];
	if (path[0] == '\0' || strcmp(path, ":memory:") == 0 || strncmp(path, "file:", 5) == 0)
		return MAYDAY_OK;
	/* Created here only if new: closing a descriptor of a database this
	 * process already has open would drop SQLite's POSIX locks on it (they
	 * are per process, not per descriptor), and another process would then
	 * see no reader and remove the WAL. An existing file is only chmod-ed. */
	int fd = create ? open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, STORE_FILE_MODE) : -1;
	if (fd >= 0)
		close(fd);
	else if (create && errno != EEXIST)
		return MAYDAY_E_IO;
	enum mayday_err err = narrow_mode(path);
	for (size_t i = 0; err == MAYDAY_OK && i < sizeof(sfx) / sizeof(sfx[0]); i++) {
		int n = snprintf(side, sizeof(side), "%s%s", path, sfx[i]);
		err = n < 0 || (size_t)n >= sizeof(side) ? MAYDAY_E_TOOBIG : narrow_mode(side);
	}
	return err;
}

static enum mayday_err pragma_expect(sqlite3 *db, const char *sql, const char *want)
{
	sqlite3_stmt *stmt = NULL;
	enum mayday_err err = MAYDAY_OK;
	int rc = sqlite3_prepare_v2(db, sql, -1, &stmt, NULL);
	if (rc != SQLITE_OK) {
		err = store_sqlite_err(rc);
		goto out;
	}
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW && want != NULL) {
		const char *got = (const char *)sqlite3_column_text(stmt, 0);
		/* An in-memory database reports "memory": nothing to make durable. */
		if (got == NULL || (strcmp(got, want) != 0 && strcmp(got, "memory") != 0))
			err = MAYDAY_E_IO;
	} else if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		err = store_sqlite_err(rc);
	}
out:
	sqlite3_finalize(stmt);
	return err;
}

/* The words for a damaged file: what is wrong and what an operator does. */
static void damaged(char *why, size_t why_cap, const char *path, const char *detail)
{
	snprintf(why, why_cap,
		 "%s is damaged (%s). Stop every program using it, keep a copy of it and its "
		 "-wal file, then restore it from a backup, or salvage what is readable with: "
		 "sqlite3 %s .recover | sqlite3 NEW.db", path, detail, path);
}

/* PRAGMA quick_check: "ok", or the first problem it found, into `why`. */
static enum mayday_err quick_check(sqlite3 *db, const char *path, char *why, size_t why_cap)
{
	sqlite3_stmt *stmt = NULL;
	enum mayday_err err = MAYDAY_OK;
	char detail[256];
	int rc = sqlite3_prepare_v2(db, "PRAGMA quick_check(1)", -1, &stmt, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(stmt);
	const char *got = rc == SQLITE_ROW ? (const char *)sqlite3_column_text(stmt, 0) : NULL;
	if (got == NULL || strcmp(got, "ok") != 0) {
		snprintf(detail, sizeof(detail), "quick_check: %s",
			 got != NULL ? got : sqlite3_errmsg(db));
		for (char *c = detail; *c; c++) {   /* one log line */
			if (*c == '\n')
				*c = ' ';
		}
		damaged(why, why_cap, path, detail);
		err = MAYDAY_E_MALFORMED;
	}
	sqlite3_finalize(stmt);
	return err;
}

/* Words for a failed open: which file, what went wrong, what to do. */
static void explain_open(sqlite3 *db, int rc, const char *path, unsigned flags, char *why,
			 size_t why_cap)
{
	int sys = db != NULL ? sqlite3_system_errno(db) : 0;
	if ((rc & 0xff) == SQLITE_CANTOPEN && !(flags & STORE_OPEN_CREATE) && sys == ENOENT)
		snprintf(why, why_cap, "%s: no such store (only maydayd creates one, at its first "
			 "start: check the path)", path);
	else if ((rc & 0xff) == SQLITE_NOTADB || (rc & 0xff) == SQLITE_CORRUPT)
		damaged(why, why_cap, path, sqlite3_errstr(rc));
	else if (sys != 0)
		snprintf(why, why_cap, "%s: %s (%s)", path, sqlite3_errstr(rc), strerror(sys));
	else
		snprintf(why, why_cap, "%s: %s", path, db != NULL ? sqlite3_errmsg(db) :
			 sqlite3_errstr(rc));
}

static enum mayday_err sqlite_open(struct store **out, const char *path, unsigned flags,
				   char *why, size_t why_cap)
{
	enum mayday_err err = MAYDAY_OK;
	struct store_sqlite *s = calloc(1, sizeof(*s));
	if (s == NULL)
		return MAYDAY_E_NOMEM;
	s->base.be = &store_sqlite_backend;
	if ((err = prepare_files(path, flags & STORE_OPEN_CREATE)) != MAYDAY_OK) {
		snprintf(why, why_cap, "%s: cannot prepare its files: %s", path, strerror(errno));
		free(s);
		return err;
	}
	int open_flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
	if (flags & STORE_OPEN_CREATE)
		open_flags |= SQLITE_OPEN_CREATE;
	int rc = sqlite3_open_v2(path, &s->db, open_flags, NULL);
	if (rc != SQLITE_OK) {
		explain_open(s->db, rc, path, flags, why, why_cap);
		err = (rc & 0xff) == SQLITE_CANTOPEN && !(flags & STORE_OPEN_CREATE) ?
			MAYDAY_E_NOTFOUND : MAYDAY_E_IO;
		goto fail;
	}
	sqlite3_extended_result_codes(s->db, 1);
	sqlite3_busy_timeout(s->db, BUSY_TIMEOUT_MS);
	if ((err = pragma_expect(s->db, "PRAGMA journal_mode = WAL", "wal")) != MAYDAY_OK ||
	    (err = pragma_expect(s->db, "PRAGMA synchronous = FULL", NULL)) != MAYDAY_OK ||
	    (err = pragma_expect(s->db, "PRAGMA foreign_keys = ON", NULL)) != MAYDAY_OK ||
	    (err = pragma_expect(s->db, "PRAGMA secure_delete = ON", NULL)) != MAYDAY_OK) {
		explain_open(s->db, sqlite3_errcode(s->db), path, flags, why, why_cap);
		goto fail;
	}
	if ((flags & STORE_OPEN_CHECK) && (err = quick_check(s->db, path, why, why_cap)) != MAYDAY_OK)
		goto fail;
	if ((err = store_sqlite_schema_apply(s->db, flags & STORE_OPEN_CREATE, path, why,
					     why_cap)) != MAYDAY_OK)
		goto fail;
	*out = &s->base;
	return MAYDAY_OK;
fail:
	sqlite_close(&s->base);
	return err;
}

int store_sqlite_id_ok(const char *id, size_t max)
{
	size_t n = strnlen(id, max + 1);
	if (n == 0 || n > max)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (id[i] <= ' ' || id[i] > '~')
			return 0;
	}
	return 1;
}

static enum mayday_err sqlite_enrol(struct store *st, const char *device_id,
				    const char *product_class, const char *pubkey_pem)
{
	struct store_sqlite *s = store_sqlite_of(st);
	EVP_PKEY *pub = NULL;
	enum mayday_err err;
	size_t pem_len = strnlen(pubkey_pem, STORE_PEM_MAX + 1);
	if (!store_sqlite_id_ok(device_id, MAYDAY_DEVICE_ID_MAX) ||
	    !store_sqlite_id_ok(product_class, MAYDAY_CLASS_MAX) ||
	    pem_len > STORE_PEM_MAX)
		return MAYDAY_E_INVALID;
	/* Only a key the daemon can use is accepted. */
	err = mayday_key_public_from_pem((const uint8_t *)pubkey_pem, pem_len, &pub);
	EVP_PKEY_free(pub);
	if (err != MAYDAY_OK)
		return MAYDAY_E_KEY;
	err = store_sqlite_stmt(s, &s->enrol,
		"INSERT INTO devices (id, product_class, pubkey_pem, state, state_since, enrolled_at)"
		" VALUES (?1, ?2, ?3, 'healthy', ?4, ?4)"
		" ON CONFLICT (id) DO UPDATE SET product_class = excluded.product_class,"
		" pubkey_pem = excluded.pubkey_pem, enrolled_at = excluded.enrolled_at,"
		/* a new key lifts a revocation of the old one (store_api.h) */
		" revoked_at = CASE WHEN pubkey_pem = excluded.pubkey_pem THEN revoked_at END,"
		" revoked_by = CASE WHEN pubkey_pem = excluded.pubkey_pem THEN revoked_by END");
	if (err != MAYDAY_OK)
		return err;
	int64_t now = (int64_t)time(NULL);
	sqlite3_bind_text(s->enrol, 1, device_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(s->enrol, 2, product_class, -1, SQLITE_STATIC);
	sqlite3_bind_text(s->enrol, 3, pubkey_pem, (int)pem_len, SQLITE_STATIC);
	sqlite3_bind_int64(s->enrol, 4, now);
	int rc = sqlite3_step(s->enrol);
	sqlite3_reset(s->enrol);
	return rc == SQLITE_DONE ? MAYDAY_OK : store_sqlite_err(rc);
}

static enum mayday_err sqlite_device_key(struct store *st, const char *device_id, char *pem,
					 size_t cap, size_t *len)
{
	struct store_sqlite *s = store_sqlite_of(st);
	enum mayday_err err = store_sqlite_stmt(s, &s->key,
		"SELECT pubkey_pem FROM devices WHERE id = ?1 AND revoked_at IS NULL");
	if (err != MAYDAY_OK)
		return err;
	sqlite3_bind_text(s->key, 1, device_id, -1, SQLITE_STATIC);
	int rc = sqlite3_step(s->key);
	if (rc == SQLITE_ROW) {
		size_t n = (size_t)sqlite3_column_bytes(s->key, 0);
		const unsigned char *t = sqlite3_column_text(s->key, 0);
		if (t == NULL || n + 1 > cap) {
			err = MAYDAY_E_TOOBIG;
		} else {
			memcpy(pem, t, n);
			pem[n] = '\0';
			*len = n;
		}
	} else {
		err = rc == SQLITE_DONE ? MAYDAY_E_NOTFOUND : store_sqlite_err(rc);
	}
	sqlite3_reset(s->key);
	return err;
}

static const char *sqlite_errmsg(struct store *st)
{
	return sqlite3_errmsg(store_sqlite_of(st)->db);
}

const struct store_backend store_sqlite_backend = {
	.scheme = "sqlite",
	.open = sqlite_open,
	.close = sqlite_close,
	.enrol = sqlite_enrol,
	.device_key = sqlite_device_key,
	.enrol_psk = store_sqlite_psk_enrol,
	.psk_get = store_sqlite_psk_get,
	.set_kek = store_sqlite_psk_set_kek,
	.ingest_begin = store_sqlite_ingest_begin,
	.ingest_put = store_sqlite_ingest_put,
	.ingest_commit = store_sqlite_ingest_commit,
	.ingest_rollback = store_sqlite_ingest_rollback,
	.get_device = store_sqlite_query_device,
	.list_devices = store_sqlite_query_devices,
	.list_incidents = store_sqlite_query_incidents,
	.list_indications = store_sqlite_query_indications,
	.count = store_sqlite_query_count,
	.count_remed = store_sqlite_query_count_remed,
	.errmsg = sqlite_errmsg,
	.remed_status = store_sqlite_remed_status,
	.remed_approve = store_sqlite_remed_approve,
	.remed_schedule = store_sqlite_remed_schedule,
	.remed_in_flight = store_sqlite_remed_in_flight,
	.remed_begin = store_sqlite_remed_begin,
	.remed_fail = store_sqlite_remed_fail,
	.remed_installed = store_sqlite_remed_installed,
	.remed_recovered = store_sqlite_remed_recovered,
	.remed_take_token = store_sqlite_remed_take_token,
	.remed_list = store_sqlite_remed_list,
	.remed_class_paused = store_sqlite_remed_class_paused,
	.remed_class_resume = store_sqlite_remed_class_resume,
	.remed_classes = store_sqlite_remed_classes,
	.remed_class_failures = store_sqlite_remed_class_failures,
	.seen = store_sqlite_seen,
	.silence_sweep = store_sqlite_silence_sweep,
	.count_states = store_sqlite_count_states,
	.fleet = store_sqlite_fleet,
	.fleet_anomalies = store_sqlite_fleet_anomalies,
	.devices_page = store_sqlite_devices_page,
	.api_device = store_sqlite_api_device,
	.device_counts = store_sqlite_device_counts,
	.indications_page = store_sqlite_indications_page,
	.get_indication = store_sqlite_get_indication,
	.anomalies_list = store_sqlite_anomalies_list,
	.events_page = store_sqlite_events_page,
	.acs_cred_set = store_sqlite_acs_cred_set,
	.acs_cred_get = store_sqlite_acs_cred_get,
	.acs_note = store_sqlite_acs_note,
	.acs_connreq_url = store_sqlite_acs_connreq_url,
	.acs_connreq_due = store_sqlite_acs_connreq_due,
	.acs_reboot_refused = store_sqlite_acs_reboot_refused,
	.acs_notes = store_sqlite_acs_notes,
	.events_next = store_sqlite_events_next,
	.events_ack = store_sqlite_events_ack,
	.events_after = store_sqlite_events_after,
	.events_context = store_sqlite_events_context,
	.token_create = store_sqlite_token_create,
	.token_lookup = store_sqlite_token_lookup,
	.token_touch = store_sqlite_token_touch,
	.token_revoke = store_sqlite_token_revoke,
	.token_list = store_sqlite_token_list,
	.device_enrol_by = store_sqlite_device_enrol_by,
	.device_revoke = store_sqlite_device_revoke,
	.device_pubkey = store_sqlite_device_pubkey,
	.remed_approve_by = store_sqlite_remed_approve_by,
	.remed_approval = store_sqlite_remed_approval,
	.remed_class_pause = store_sqlite_remed_class_pause,
	.remed_class_resume_by = store_sqlite_remed_class_resume_by,
	.operator_action = store_sqlite_operator_action,
	.operator_actions = store_sqlite_operator_actions,
};

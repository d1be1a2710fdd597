/* SPDX-License-Identifier: Apache-2.0 */
/*
 * PostgreSQL backend (db = postgresql://..., a libpq connection URI, e.g.
 * postgresql://mayday@db.example/mayday or postgresql:///mayday?host=/run/pg):
 * opening (the schema checked, created or migrated: store_pg_schema.c),
 * enrolment, key lookup, counts, and the backend's function table.
 *
 * The table implements every call (docs/postgresql.md); STORE_OPEN_CHECK,
 * maydayd's start, would refuse it were any entry NULL.
 *
 * Durability: the connection asks for synchronous_commit = on, so a COMMIT
 * returns only once the server has flushed it (and, with synchronous
 * standbys configured, once they have): an acknowledgement after
 * ingest_commit is as durable as the server is configured to be.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <openssl/crypto.h>

#include "log.h"
#include "mayday/keys.h"
#include "store_pg.h"
#include "store_pg_remed.h"
#include "store_pg_api.h"

/* SQLSTATE class 23: integrity constraint violation. */
static bool constraint_violation(const PGresult *r)
{
	const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
	return state != NULL && strncmp(state, "23", 2) == 0;
}

/* One line of the server's or libpq's message into p->err. */
static void keep_error(struct store_pg *p, const char *msg)
{
	snprintf(p->err, sizeof(p->err), "%s", msg != NULL && *msg ? msg : "unknown error");
	for (char *c = p->err; *c; c++) {
		if (*c == '\n')
			*c = *(c + 1) ? ' ' : '\0';
	}
}

static PGresult *checked(struct store_pg *p, PGresult *r, enum mayday_err *err)
{
	ExecStatusType status = r != NULL ? PQresultStatus(r) : PGRES_FATAL_ERROR;
	if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) {
		p->sqlstate[0] = '\0';
		*err = MAYDAY_OK;
		return r;
	}
	if (r == NULL) {
		/* no result: out of memory, or no connection to send on */
		keep_error(p, PQerrorMessage(p->conn));
		*err = PQstatus(p->conn) == CONNECTION_BAD ? MAYDAY_E_IO : MAYDAY_E_NOMEM;
		return NULL;
	}
	keep_error(p, PQresultErrorMessage(r));
	const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
	snprintf(p->sqlstate, sizeof(p->sqlstate), "%s", state != NULL ? state : "");
	*err = constraint_violation(r) ? MAYDAY_E_INVALID : MAYDAY_E_IO;
	PQclear(r);
	return NULL;
}

#define SESSION_SQL \
	"SET synchronous_commit = on; SET TIME ZONE 'UTC';" \
	" SET lock_timeout = '10s'; SET client_min_messages = warning"

/* Follows the transactions this handle runs, by the SQL that opens
 * (successfully) and ends (either way) them, so a lost connection is only
 * made again between them. */
static void track_tx(struct store_pg *p, const char *sql, bool ok)
{
	if (strncmp(sql, "BEGIN", 5) == 0)
		p->in_tx = ok;
	else if (strcmp(sql, "COMMIT") == 0 || strcmp(sql, "ROLLBACK") == 0)
		p->in_tx = 0;
}

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A connection lost (the server restarted, failed over, or ended this
 * session) is made again before the next statement that starts afresh --
 * never inside a transaction or an ingest batch, whose work died with the
 * connection and must fail (nothing in it was acknowledged). Statements
 * prepared on the old connection are gone with it.
 *
 * A server that stays down is not tried at every call, each waiting up to
 * connect_timeout: after a failed try the next waits STORE_PG_BACKOFF_MIN_MS,
 * doubling to STORE_PG_BACKOFF_MAX_MS, and calls meanwhile fail at once
 * (MAYDAY_E_IO). The outage is logged once when it starts and once when
 * it ends; store_errmsg says when the next try is. false: not connected. */
static bool ready(struct store_pg *p, const char *sql)
{
	if (PQstatus(p->conn) != CONNECTION_BAD || p->in_batch ||
	    (p->in_tx && strncmp(sql, "BEGIN", 5) != 0))
		return true;   /* connected, or a failure libpq reports */
	int64_t now = mono_ms();
	if (p->backoff_ms != 0 && now < p->retry_at) {
		snprintf(p->err, sizeof(p->err), "no connection to the server for %.1f s,"
			 " %u tries failed; the next in %.1f s",
			 (double)(now - p->down_since) / 1e3, p->tries,
			 (double)(p->retry_at - now) / 1e3);
		return false;
	}
	PQreset(p->conn);
	p->n_prepared = 0;
	p->in_tx = 0;
	if (PQstatus(p->conn) == CONNECTION_OK) {
		PQclear(PQexec(p->conn, SESSION_SQL));
		if (p->backoff_ms != 0)
			log_notice("store: postgresql database %s: connected again after %.1f s",
				   PQdb(p->conn), (double)(mono_ms() - p->down_since) / 1e3);
		p->backoff_ms = 0;
		return true;
	}
	keep_error(p, PQerrorMessage(p->conn));
	if (p->backoff_ms == 0) {
		p->down_since = now;
		p->tries = 0;
		log_warnx("store: postgresql database %s: cannot connect again (%s); trying"
			  " after %.1f s, then at most every %u s, calls failing meanwhile",
			  PQdb(p->conn), p->err, STORE_PG_BACKOFF_MIN_MS / 1e3,
			  STORE_PG_BACKOFF_MAX_MS / 1000);
	}
	p->tries++;
	p->backoff_ms = p->backoff_ms == 0 ? STORE_PG_BACKOFF_MIN_MS :
			p->backoff_ms >= STORE_PG_BACKOFF_MAX_MS / 2 ? STORE_PG_BACKOFF_MAX_MS :
			p->backoff_ms * 2;
	/* from the end of this try, which may itself have waited connect_timeout */
	p->retry_at = mono_ms() + p->backoff_ms;
	return false;
}

PGresult *store_pg_exec(struct store_pg *p, const char *sql, int n, const char *const *vals,
			enum mayday_err *err)
{
	PGresult *r = NULL;
	if (!ready(p, sql))
		*err = MAYDAY_E_IO;
	/* Without parameters, PQexec: the schema is several statements. */
	else
		r = checked(p, n == 0 ? PQexec(p->conn, sql) :
				       PQexecParams(p->conn, sql, n, NULL, vals, NULL, NULL, 0),
			    err);
	track_tx(p, sql, r != NULL);
	return r;
}

PGresult *store_pg_execb(struct store_pg *p, const char *sql, int n, const char *const *vals,
			 const int *lens, const int *fmts, enum mayday_err *err)
{
	if (!ready(p, sql)) {
		*err = MAYDAY_E_IO;
		return NULL;
	}
	return checked(p, PQexecParams(p->conn, sql, n, NULL, vals, lens, fmts, 1), err);
}

int64_t store_pg_i64(const PGresult *r, int row, int col)
{
	const uint8_t *b = (const uint8_t *)PQgetvalue(r, row, col);
	uint64_t v = 0;
	if (PQgetisnull(r, row, col) || PQgetlength(r, row, col) != 8)
		return 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | b[i];
	return (int64_t)v;
}

void store_pg_p_text(struct store_pg_params *q, const char *t)
{
	q->v[q->n] = t;
	q->len[q->n] = 0;
	q->fmt[q->n++] = 0;
}

void store_pg_p_i64(struct store_pg_params *q, int64_t v)
{
	snprintf(q->num[q->n], sizeof(q->num[0]), "%lld", (long long)v);
	store_pg_p_text(q, q->num[q->n]);
}

void store_pg_p_bin(struct store_pg_params *q, const void *b, size_t len)
{
	q->v[q->n] = b;
	q->len[q->n] = (int)len;
	q->fmt[q->n++] = 1;
}

PGresult *store_pg_q(struct store_pg *p, const char *sql, const struct store_pg_params *q,
		     enum mayday_err *err)
{
	char name[16];
	int i = 0;
	if (!ready(p, sql)) {
		*err = MAYDAY_E_IO;
		return NULL;
	}
	while (i < p->n_prepared && p->prepared[i] != sql)
		i++;
	if (i == p->n_prepared) {
		/* Full: run it unprepared (parsed and planned each time). */
		if (i == STORE_PG_PREPARED_MAX)
			return store_pg_execb(p, sql, q->n, q->v, q->len, q->fmt, err);
		snprintf(name, sizeof(name), "m%d", i);
		PGresult *r = checked(p, PQprepare(p->conn, name, sql, q->n, NULL), err);
		if (r == NULL)
			return NULL;
		PQclear(r);
		p->prepared[p->n_prepared++] = sql;
	}
	snprintf(name, sizeof(name), "m%d", i);
	return checked(p, PQexecPrepared(p->conn, name, q->n, q->v, q->len, q->fmt, 1), err);
}

void store_pg_text(const PGresult *r, int row, int col, char *out, size_t cap)
{
	size_t n = PQgetisnull(r, row, col) ? 0 : (size_t)PQgetlength(r, row, col);
	if (n >= cap)
		n = cap - 1;
	memcpy(out, PQgetvalue(r, row, col), n);
	out[n] = '\0';
}

const char *store_pg_sqlstate(const struct store_pg *p)
{
	return p->sqlstate;
}

enum mayday_err store_pg_run(struct store_pg *p, const char *sql, int n,
			     const char *const *vals)
{
	enum mayday_err err;
	PGresult *r = store_pg_exec(p, sql, n, vals, &err);
	PQclear(r);
	return err;
}

static void pg_close(struct store *st)
{
	struct store_pg *p = store_pg_of(st);
	if (p->conn != NULL) {
		if (p->in_batch)
			store_pg_ingest_rollback(st);
		PQfinish(p->conn);
	}
	OPENSSL_cleanse(p->kek, sizeof(p->kek));
	free(p);
}

/* The URI without its password, for messages: ":secret@" in the
 * authority is cut, and a password= parameter's value masked. */
static void name_of(const char *uri, char *out, size_t cap)
{
	const char *auth = strstr(uri, "://");
	const char *at = auth != NULL ? strchr(auth + 3, '@') : NULL;
	const char *colon = auth != NULL ? strchr(auth + 3, ':') : NULL;
	const char *slash = auth != NULL ? strchr(auth + 3, '/') : NULL;
	if (at != NULL && colon != NULL && colon < at && (slash == NULL || at < slash))
		snprintf(out, cap, "%.*s%s", (int)(colon - uri), uri, at);
	else
		snprintf(out, cap, "%s", uri);
	for (char *pw = strstr(out, "password="); pw != NULL; pw = strstr(pw, "password=")) {
		pw += strlen("password=");
		size_t n = strcspn(pw, "&");
		memset(pw, '*', n);
	}
}

static enum mayday_err pg_open(struct store **out, const char *arg, unsigned flags, char *why,
			       size_t why_cap)
{
	char uri[1024], name[1024];
	enum mayday_err err;
	int n = snprintf(uri, sizeof(uri), "postgresql:%s", arg);
	if (n < 0 || (size_t)n >= sizeof(uri)) {
		snprintf(why, why_cap, "the postgresql:// store name is too long");
		return MAYDAY_E_INVALID;
	}
	name_of(uri, name, sizeof(name));
	struct store_pg *p = calloc(1, sizeof(*p));
	if (p == NULL)
		return MAYDAY_E_NOMEM;
	p->base.be = &store_pg_backend;
	/* A connection (and each one made again) waits 10 s at most unless
	 * the URI says otherwise: its own connect_timeout comes later and wins. */
	static const char *const keys[] = {"connect_timeout", "dbname", NULL};
	const char *vals[] = {"10", uri, NULL};
	p->conn = PQconnectdbParams(keys, vals, 1);
	if (p->conn == NULL || PQstatus(p->conn) != CONNECTION_OK) {
		keep_error(p, p->conn != NULL ? PQerrorMessage(p->conn) : "out of memory");
		snprintf(why, why_cap, "%s: cannot connect: %s", name, p->err);
		err = p->conn == NULL ? MAYDAY_E_NOMEM : MAYDAY_E_IO;
		goto fail;
	}
	/* Durable commits whatever the server's default; UTC, and no
	 * statement may wait on a lock forever. */
	if ((err = store_pg_run(p, SESSION_SQL, 0, NULL)) != MAYDAY_OK) {
		snprintf(why, why_cap, "%s: %s", name, p->err);
		goto fail;
	}
	if ((err = store_pg_schema_apply(p, flags & STORE_OPEN_CREATE, name, why, why_cap)) !=
	    MAYDAY_OK)
		goto fail;
	*out = &p->base;
	return MAYDAY_OK;
fail:
	pg_close(&p->base);
	return err;
}

bool store_pg_id_ok(const char *id, size_t max)
{
	size_t n = strnlen(id, max + 1);
	if (n == 0 || n > max)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (id[i] <= ' ' || id[i] > '~')
			return false;
	}
	return true;
}

static enum mayday_err pg_enrol(struct store *st, const char *device_id,
				const char *product_class, const char *pubkey_pem)
{
	struct store_pg *p = store_pg_of(st);
	EVP_PKEY *pub = NULL;
	char now[24];
	size_t pem_len = strnlen(pubkey_pem, STORE_PEM_MAX + 1);
	if (!store_pg_id_ok(device_id, MAYDAY_DEVICE_ID_MAX) ||
	    !store_pg_id_ok(product_class, MAYDAY_CLASS_MAX) ||
	    pem_len > STORE_PEM_MAX || p->in_batch)
		return MAYDAY_E_INVALID;
	/* Only a key the daemon can use is accepted. */
	enum mayday_err err = mayday_key_public_from_pem((const uint8_t *)pubkey_pem, pem_len,
							 &pub);
	EVP_PKEY_free(pub);
	if (err != MAYDAY_OK)
		return MAYDAY_E_KEY;
	snprintf(now, sizeof(now), "%lld", (long long)time(NULL));
	const char *vals[] = {device_id, product_class, pubkey_pem, now};
	/* One statement: concurrent enrolments of one device from two nodes
	 * end as one row, the later key winning, as in SQLite. */
	return store_pg_run(p,
		"INSERT INTO devices (id, product_class, pubkey_pem, state, state_since, enrolled_at)"
		" VALUES ($1, $2, $3, 'healthy', $4, $4)"
		" ON CONFLICT (id) DO UPDATE SET product_class = excluded.product_class,"
		" pubkey_pem = excluded.pubkey_pem, enrolled_at = excluded.enrolled_at,"
		/* a new key lifts a revocation of the old one (store_api.h) */
		" revoked_at = CASE WHEN devices.pubkey_pem = excluded.pubkey_pem"
		"  THEN devices.revoked_at END,"
		" revoked_by = CASE WHEN devices.pubkey_pem = excluded.pubkey_pem"
		"  THEN devices.revoked_by END", 4, vals);
}

static enum mayday_err pg_device_key(struct store *st, const char *device_id, char *pem,
				     size_t cap, size_t *len)
{
	struct store_pg *p = store_pg_of(st);
	enum mayday_err err;
	const char *vals[] = {device_id};
	PGresult *r = store_pg_exec(p, "SELECT pubkey_pem FROM devices"
				    " WHERE id = $1 AND revoked_at IS NULL", 1, vals, &err);
	if (r == NULL)
		return err;
	if (PQntuples(r) != 1) {
		err = MAYDAY_E_NOTFOUND;
	} else {
		size_t n = (size_t)PQgetlength(r, 0, 0);
		if (n + 1 > cap) {
			err = MAYDAY_E_TOOBIG;
		} else {
			memcpy(pem, PQgetvalue(r, 0, 0), n);
			pem[n] = '\0';
			*len = n;
		}
	}
	PQclear(r);
	return err;
}

static enum mayday_err pg_count(struct store *st, struct store_counts *out)
{
	struct store_pg *p = store_pg_of(st);
	enum mayday_err err;
	memset(out, 0, sizeof(*out));
	/* One statement, so one snapshot: the counts agree with each other. */
	PGresult *r = store_pg_exec(p,
		"SELECT (SELECT count(*) FROM devices),"
		" (SELECT count(*) FROM indications),"
		" (SELECT count(*) FROM indications WHERE trust = 'signed'),"
		" (SELECT count(*) FROM indications WHERE trust = 'unverified'),"
		" (SELECT count(*) FROM indications WHERE msg_version = 2),"
		" (SELECT count(*) FROM failed_components),"
		" (SELECT count(*) FROM incidents),"
		" (SELECT count(*) FROM incident_events),"
		" (SELECT count(*) FROM psk_keys)", 0, NULL, &err);
	if (r == NULL)
		return err;
	uint64_t *f[] = {&out->devices, &out->indications, &out->indications_signed,
			 &out->indications_unverified, &out->indications_v2,
			 &out->failed_components, &out->incidents, &out->incident_events,
			 &out->psks};
	for (int i = 0; i < (int)(sizeof(f) / sizeof(f[0])); i++)
		*f[i] = strtoull(PQgetvalue(r, 0, i), NULL, 10);
	PQclear(r);
	return MAYDAY_OK;
}

enum mayday_err store_pg_tx(struct store_pg *p)
{
	if (p->in_batch)
		return MAYDAY_E_INVALID;
	return store_pg_run(p, "BEGIN ISOLATION LEVEL READ COMMITTED", 0, NULL);
}

enum mayday_err store_pg_tx_end(struct store_pg *p, enum mayday_err err)
{
	if (err == MAYDAY_OK) {
		PGresult *r = store_pg_exec(p, "COMMIT", 0, NULL, &err);
		/* an aborted transaction's COMMIT answers ROLLBACK */
		if (r != NULL && strcmp(PQcmdStatus(r), "COMMIT") != 0) {
			snprintf(p->err, sizeof(p->err), "COMMIT answered %s", PQcmdStatus(r));
			err = MAYDAY_E_IO;
		}
		PQclear(r);
		if (err == MAYDAY_OK)
			return MAYDAY_OK;
	}
	if (PQtransactionStatus(p->conn) != PQTRANS_IDLE)
		(void)store_pg_run(p, "ROLLBACK", 0, NULL);
	return err;
}

static const char *pg_errmsg(struct store *st)
{
	return store_pg_of(st)->err;
}

/* Every entry set: STORE_OPEN_CHECK refuses a backend with a NULL one. */
const struct store_backend store_pg_backend = {
	.scheme = "postgresql",
	.open = pg_open,
	.close = pg_close,
	.enrol = pg_enrol,
	.device_key = pg_device_key,
	.enrol_psk = store_pg_psk_enrol,
	.set_kek = store_pg_psk_set_kek,
	.psk_get = store_pg_psk_get,
	.ingest_begin = store_pg_ingest_begin,
	.ingest_put = store_pg_ingest_put,
	.ingest_commit = store_pg_ingest_commit,
	.ingest_rollback = store_pg_ingest_rollback,
	.get_device = store_pg_query_device,
	.list_devices = store_pg_query_devices,
	.list_incidents = store_pg_query_incidents,
	.list_indications = store_pg_query_indications,
	.count = pg_count,
	.count_remed = store_pg_count_remed,
	.remed_status = store_pg_remed_status,
	.remed_approve = store_pg_remed_approve,
	.remed_schedule = store_pg_remed_schedule,
	.remed_in_flight = store_pg_remed_in_flight,
	.remed_begin = store_pg_remed_begin,
	.remed_fail = store_pg_remed_fail,
	.remed_installed = store_pg_remed_installed,
	.remed_recovered = store_pg_remed_recovered,
	.remed_take_token = store_pg_remed_take_token,
	.remed_list = store_pg_remed_list,
	.remed_class_paused = store_pg_remed_class_paused,
	.remed_class_resume = store_pg_remed_class_resume,
	.remed_classes = store_pg_remed_classes,
	.remed_class_failures = store_pg_remed_class_failures,
	.seen = store_pg_seen,
	.silence_sweep = store_pg_silence_sweep,
	.count_states = store_pg_count_states,
	.events_page = store_pg_events_page,
	.events_next = store_pg_events_next,
	.events_ack = store_pg_events_ack,
	.events_after = store_pg_events_after,
	.events_context = store_pg_events_context,
	.acs_cred_set = store_pg_acs_cred_set,
	.acs_cred_get = store_pg_acs_cred_get,
	.acs_note = store_pg_acs_note,
	.acs_reboot_refused = store_pg_acs_reboot_refused,
	.acs_connreq_url = store_pg_acs_connreq_url,
	.acs_connreq_due = store_pg_acs_connreq_due,
	.acs_notes = store_pg_acs_notes,
	.token_create = store_pg_token_create,
	.token_lookup = store_pg_token_lookup,
	.token_touch = store_pg_token_touch,
	.token_revoke = store_pg_token_revoke,
	.token_list = store_pg_token_list,
	.device_enrol_by = store_pg_device_enrol_by,
	.device_revoke = store_pg_device_revoke,
	.device_pubkey = store_pg_device_pubkey,
	.remed_approve_by = store_pg_remed_approve_by,
	.remed_approval = store_pg_remed_approval,
	.remed_class_pause = store_pg_remed_class_pause,
	.remed_class_resume_by = store_pg_remed_class_resume_by,
	.operator_action = store_pg_operator_action,
	.operator_actions = store_pg_operator_actions,
	.fleet = store_pg_fleet,
	.fleet_anomalies = store_pg_fleet_anomalies,
	.devices_page = store_pg_devices_page,
	.api_device = store_pg_api_device,
	.device_counts = store_pg_device_counts,
	.indications_page = store_pg_indications_page,
	.get_indication = store_pg_get_indication,
	.anomalies_list = store_pg_anomalies_list,
	.errmsg = pg_errmsg,
};

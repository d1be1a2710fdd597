/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private to the PostgreSQL backend (db = postgresql://...): its handle and
 * the helpers its files share. One libpq connection per handle, used by one
 * thread at a time like every store handle (store_ingest.h).
 *
 * How each of the store's rules holds with several nodes on one database:
 * docs/postgresql.md, and the top comment of each store_pg_*.c.
 */
#ifndef MAYDAY_STORE_PG_H
#define MAYDAY_STORE_PG_H

#include <libpq-fe.h>
#include <stdbool.h>

#include "mayday/kek.h"
#include "store_backend.h"
#include "store_state.h"

/* The schema's semantics are those of the SQLite schema of the same
 * number (store_sqlite_schema.c); PostgreSQL stores start at 12. */
#define STORE_PG_SCHEMA_VERSION 13

#define STORE_PG_PREPARED_MAX 96

/* The counts' remediation attempts by result (store_pg_device_counts):
 * those started at or after $1 (bigint), a range of the index
 * remediation_attempts_started. Here, not in the .c, so that
 * test_store_postgresql plans this very text. */
#define STORE_PG_COUNTS_REMED                                                               \
	"SELECT result, count(*) FROM remediation_attempts"                                 \
	" WHERE started_at >= $1 GROUP BY result ORDER BY result COLLATE \"C\""

struct store_pg {
	struct store base;  /* first: the public handle */
	PGconn *conn;
	int in_batch;
	int in_tx;                   /* a BEGIN of this handle not yet ended */
	int has_kek;
	uint8_t kek[MAYDAY_KEK_LEN]; /* seals PSKs at rest; wiped on close */
	char err[256];               /* the last error, for store_errmsg */
	char sqlstate[6];            /* and its SQLSTATE */
	/* Statements store_pg_q prepared on this connection, by the address
	 * of their (static) SQL text: named "m<index>". */
	const char *prepared[STORE_PG_PREPARED_MAX];
	int n_prepared;
	/* A server that stays unreachable: no new connection is tried before
	 * retry_at (CLOCK_MONOTONIC, ms); backoff_ms 0 while connected. */
	int64_t retry_at, down_since;
	unsigned backoff_ms, tries;
};

/* The wait after a failed connection, doubled at each failure up to the
 * most, reset by a connection made. */
#define STORE_PG_BACKOFF_MIN_MS 500u
#define STORE_PG_BACKOFF_MAX_MS 30000u

static inline struct store_pg *store_pg_of(struct store *st)
{
	return (struct store_pg *)st;
}

/* Checks the schema version and, when `create`, creates or migrates the
 * schema, under a transaction-scoped advisory lock so nodes starting
 * together create it once. Errors as store_sqlite_schema_apply's; `name`
 * (the database, no password) goes into `why`. */
MAYDAY_NODISCARD enum mayday_err store_pg_schema_apply(struct store_pg *p, bool create,
						       const char *name, char *why,
						       size_t why_cap);

/* Runs `sql` with text parameters (NULL: SQL NULL); the result, or NULL
 * with p->err set when its status is neither COMMAND_OK nor TUPLES_OK.
 * The caller PQclear()s a result. *err: the mayday error for a failure
 * (MAYDAY_E_INVALID for a constraint violation, MAYDAY_E_IO otherwise). */
PGresult *store_pg_exec(struct store_pg *p, const char *sql, int n, const char *const *vals,
			enum mayday_err *err);
/* store_pg_exec with parameters of the given lengths and formats (1:
 * binary, for BYTEA), the result in binary format: read BIGINT columns
 * with store_pg_i64, BYTEA and TEXT as their bytes (PQgetlength). */
PGresult *store_pg_execb(struct store_pg *p, const char *sql, int n, const char *const *vals,
			 const int *lens, const int *fmts, enum mayday_err *err);
/* A BIGINT column of a binary result (0 for NULL). */
int64_t store_pg_i64(const PGresult *r, int row, int col);
/* The SQLSTATE of the last failed statement ("" when none). */
const char *store_pg_sqlstate(const struct store_pg *p);
/* store_pg_exec that keeps no result: MAYDAY_OK or the error (not
 * NODISCARD: a ROLLBACK after a failure has nothing to report). */
enum mayday_err store_pg_run(struct store_pg *p, const char *sql, int n,
			     const char *const *vals);

/* Parameters of one statement, built in order ($1, $2, ...): numbers as
 * text, blobs binary; run with store_pg_q (binary results). store_pg_q
 * prepares its `sql` on the connection at first use, keyed by the
 * address: pass only string literals, whose text never changes. */
#define STORE_PG_PARAMS_MAX 24
struct store_pg_params {
	int n;
	const char *v[STORE_PG_PARAMS_MAX];
	int len[STORE_PG_PARAMS_MAX], fmt[STORE_PG_PARAMS_MAX];
	char num[STORE_PG_PARAMS_MAX][24];
};
void store_pg_p_text(struct store_pg_params *q, const char *t); /* NULL: SQL NULL */
void store_pg_p_i64(struct store_pg_params *q, int64_t v);
void store_pg_p_bin(struct store_pg_params *q, const void *b, size_t len);
PGresult *store_pg_q(struct store_pg *p, const char *sql, const struct store_pg_params *q,
		     enum mayday_err *err);
/* A TEXT column of a binary result into out (cap bytes), cut; "" for NULL. */
void store_pg_text(const PGresult *r, int row, int col, char *out, size_t cap);

/* Ingest (store_pg_ingest.c). */
enum mayday_err store_pg_ingest_begin(struct store *st);
enum mayday_err store_pg_ingest_put(struct store *st, struct store_ingest_rec *rec);
enum mayday_err store_pg_ingest_commit(struct store *st);
void store_pg_ingest_rollback(struct store *st);

/* Silence and the incident history (store_pg_silence.c). */
enum mayday_err store_pg_event(struct store_pg *p, int64_t incident, int64_t at,
			       const char *kind, const char *from, const char *to,
			       int64_t indication);
/* Inside a transaction, the device's row locked: an unreachable device
 * back to the state its latest 'silent' event left (store_sqlite_silence_back). */
enum mayday_err store_pg_silence_back(struct store_pg *p, const char *device_id, int64_t now,
				      bool close_if_healthy, enum store_state *restored,
				      int64_t *incident);
enum mayday_err store_pg_seen(struct store *st, const char *device_id, int64_t now,
			      struct store_seen_out *out);
enum mayday_err store_pg_silence_sweep(struct store *st, const struct store_silence_rules *rules,
				       int64_t now, struct store_silent_row *out, size_t cap,
				       size_t *n);
enum mayday_err store_pg_count_states(struct store *st, struct store_state_counts *out);

/* Queries (store_pg_query.c). */
enum mayday_err store_pg_query_device(struct store *st, const char *device_id,
				      struct store_device_row *out);
enum mayday_err store_pg_query_devices(struct store *st, bool maintenance_only,
				       store_device_cb cb, void *ctx);
enum mayday_err store_pg_query_incidents(struct store *st, const char *device_id,
					 store_incident_cb cb, void *ctx);
enum mayday_err store_pg_query_indications(struct store *st, const char *device_id,
					   store_indication_cb cb, void *ctx);
/* The columns of a device row (from "devices d", STORE_PG_DEVICE_NCOLS of
 * them) and of an indication row (from "indications i"), INTEGER columns
 * cast to bigint, and their readers for binary results (store_pg_q).
 * store_pg_indication_row does not read the failed components:
 * store_pg_components does, one indication at a time. */
#define STORE_PG_DEVICE_SELECT                                                            \
	"SELECT d.id, d.product_class, d.state, d.state_since, d.enrolled_at,"             \
	" (SELECT reason FROM indications WHERE device_id = d.id AND trust = 'signed'"     \
	"  ORDER BY id DESC LIMIT 1),"                                                      \
	" (SELECT count(*) FROM indications WHERE device_id = d.id AND trust = 'signed')," \
	" (SELECT count(*) FROM indications WHERE device_id = d.id"                        \
	"  AND trust = 'unverified'),"                                                      \
	" (SELECT encode(kid, 'hex') FROM psk_keys WHERE device_id = d.id),"                \
	" coalesce(d.last_seen, 0),"                                                        \
	" (SELECT msg_version::bigint FROM indications WHERE device_id = d.id"             \
	"  AND trust = 'signed' ORDER BY id DESC LIMIT 1)"
#define STORE_PG_DEVICE_NCOLS 11
void store_pg_device_row(const PGresult *r, int i, struct store_device_row *d);
#define STORE_PG_INDICATION_SELECT                                                        \
	"SELECT i.id, i.device_id, i.counter, i.received_at, i.device_time, i.transport,"  \
	" i.trust, i.peer, i.reason, i.image_version, i.dcf_version, i.slot,"              \
	" i.boot_attempts, coalesce(i.incident_id, 0), encode(i.digest, 'hex'),"           \
	" i.channel_auth, i.peer_identity, i.raw, i.msg_version::bigint"
#define STORE_PG_INDICATION_NCOLS 19
MAYDAY_NODISCARD enum mayday_err store_pg_indication_row(const PGresult *r, int i,
							 struct store_indication_row *ir);
MAYDAY_NODISCARD enum mayday_err store_pg_components(struct store_pg *p,
						     struct store_indication_row *ir);

/* The REST API's reads (store_pg_api_query.c). */
enum mayday_err store_pg_devices_page(struct store *st, const struct store_device_filter *f,
				      store_api_device_cb cb, void *ctx, uint64_t *count);
enum mayday_err store_pg_api_device(struct store *st, const char *device_id,
				    struct store_api_device *out);
enum mayday_err store_pg_device_counts(struct store *st, struct store_device_counts *out,
				       int64_t since, store_count_cb cb, void *ctx);
enum mayday_err store_pg_indications_page(struct store *st,
					  const struct store_indication_filter *f,
					  store_api_indication_cb cb, void *ctx);
enum mayday_err store_pg_get_indication(struct store *st, int64_t id,
					struct store_indication_row *out, bool *enrolled);
enum mayday_err store_pg_anomalies_list(struct store *st, unsigned limit, store_anomaly_cb cb,
					void *ctx);

/* The fleet view (store_pg_fleet.c). */
enum mayday_err store_pg_fleet(struct store *st, const struct store_fleet_query *q,
			       store_fleet_cb cb, void *ctx);
enum mayday_err store_pg_fleet_anomalies(struct store *st, const struct store_fleet_rule *rule,
					 int64_t now, struct store_fleet_anomaly *out, size_t cap,
					 size_t *n);

/* PSKs and their replay windows (store_pg_psk.c). */
enum mayday_err store_pg_psk_enrol(struct store *st, const char *device_id, const uint8_t *kid,
				   size_t kid_len, const uint8_t *psk);
enum mayday_err store_pg_psk_get(struct store *st, const uint8_t *kid, size_t kid_len,
				 struct store_psk *out);
enum mayday_err store_pg_psk_set_kek(struct store *st, const uint8_t *kek);

/* The events outbox and its API page (store_pg_events.c). */
enum mayday_err store_pg_events_next(struct store *st, const char *consumer,
				     struct store_event *out);
enum mayday_err store_pg_events_after(struct store *st, int64_t after, struct store_event *out);
enum mayday_err store_pg_events_ack(struct store *st, const char *consumer, int64_t id);
enum mayday_err store_pg_events_context(struct store *st, const char *device_id,
					int64_t incident_id, struct store_event_context *out);
enum mayday_err store_pg_events_page(struct store *st, int64_t after_id, unsigned limit,
				     store_event_doc_cb cb, void *ctx);
/* CPE credentials, ACS decisions, Connection Requests (store_pg_acs.c). */
enum mayday_err store_pg_acs_cred_set(struct store *st, const struct store_acs_cred *c);
enum mayday_err store_pg_acs_cred_get(struct store *st, const char *username,
				      struct store_acs_cred *out);
enum mayday_err store_pg_acs_note(struct store *st, const char *device_id, int64_t now,
				  const char *text);
enum mayday_err store_pg_acs_reboot_refused(struct store *st, const char *device_id,
					    const char *command_key, uint32_t fault_code,
					    const char *detail);
enum mayday_err store_pg_acs_connreq_url(struct store *st, const char *device_id,
					 const char *url);
enum mayday_err store_pg_acs_connreq_due(struct store *st, int64_t before, int64_t now,
					 unsigned max, store_acs_connreq_cb cb, void *ctx);
enum mayday_err store_pg_acs_notes(struct store *st, const char *device_id,
				   store_acs_note_cb cb, void *ctx);

/* A call's own transaction: BEGIN at READ COMMITTED (MAYDAY_E_INVALID
 * while an ingest batch is open on the handle); then COMMIT after
 * err == MAYDAY_OK, else (or if the COMMIT fails) ROLLBACK; the outcome. */
enum mayday_err store_pg_tx(struct store_pg *p);
enum mayday_err store_pg_tx_end(struct store_pg *p, enum mayday_err err);

/* Printable ASCII without spaces, 1..max bytes: IDs end up in logs. */
bool store_pg_id_ok(const char *id, size_t max);
/* Whether `s` is valid UTF-8 (as the server checks it: no overlong
 * forms, surrogates or code points past U+10FFFF). A text parameter that
 * is not would fail its statement; as a value to compare, it equals no
 * stored text, so a read answers "nothing" without asking
 * (store_pg_api_query.c). */
bool store_pg_text_ok(const char *s);

#endif

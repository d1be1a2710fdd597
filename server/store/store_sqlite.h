/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private to the SQLite backend: its handle, shared by the files that make
 * up the backend (open/enrol, schema, ingest, queries). Statements are
 * prepared on first use and kept for the handle's lifetime, so the ingest
 * hot path never re-parses SQL.
 */
#ifndef MAYDAY_STORE_SQLITE_H
#define MAYDAY_STORE_SQLITE_H

#include <sqlite3.h>
#include <stdbool.h>

#include "mayday/kek.h"
#include "store_backend.h"
#include "store_silence.h"
#include "store_state.h"

#define STORE_SQLITE_SCHEMA_VERSION 13

struct store_sqlite {
	struct store base;   /* first: the public handle */
	sqlite3 *db;
	int in_batch;
	int has_kek;
	uint8_t kek[MAYDAY_KEK_LEN];   /* seals PSKs at rest; wiped on close */
	/* enrol / key lookup */
	sqlite3_stmt *enrol, *key;
	/* PSKs and their replay windows */
	sqlite3_stmt *psk_of_dev, *psk_of_kid, *psk_del, *psk_ins, *psk_get, *psk_win_set;
	/* ingest */
	sqlite3_stmt *sel_dup, *sel_dev, *sel_open_inc, *ins_inc, *upd_inc_state,
		*upd_dev_state, *ins_event, *ins_ind, *ins_comp, *upd_dev_high,
		*upd_dev_high_seen, *sel_psk_win;
	/* silence: contact outside ingest (store_sqlite_seen) */
	sqlite3_stmt *upd_seen;
	/* queries */
	sqlite3_stmt *q_device, *q_devices, *q_incidents, *q_indications, *q_components;
	struct store_indication_row *ind_row; /* reused by list_indications */
};

static inline struct store_sqlite *store_sqlite_of(struct store *st)
{
	return (struct store_sqlite *)st;
}

/* Checks the schema version and, when `create`, creates or migrates the
 * schema. MAYDAY_E_UNSUPPORTED for a newer version, or (without `create`) an
 * older one; MAYDAY_E_NOTFOUND (without `create`) for a file with no mayday
 * schema. `why` says which and what to do. */
MAYDAY_NODISCARD enum mayday_err store_sqlite_schema_apply(sqlite3 *db, bool create,
							   const char *path, char *why,
							   size_t why_cap);

/* Prepares `sql` into *stmt unless already prepared; resets it for reuse. */
MAYDAY_NODISCARD enum mayday_err store_sqlite_stmt(struct store_sqlite *s, sqlite3_stmt **stmt,
						   const char *sql);
/* Prepares `sql` into *q (the caller finalizes it, also on failure) and
 * binds the arguments fmt names, in order: 'i' an int64_t, 't' a text
 * (copied). For statements run once, unlike store_sqlite_stmt's. */
MAYDAY_NODISCARD enum mayday_err store_sqlite_prep(struct store_sqlite *s, sqlite3_stmt **q,
						   const char *sql, const char *fmt, ...);
/* store_sqlite_prep, one step that must return no row, finalize. */
MAYDAY_NODISCARD enum mayday_err store_sqlite_exec(struct store_sqlite *s, const char *sql,
						   const char *fmt, ...);
/* Maps an SQLite result code to a mayday error. */
enum mayday_err store_sqlite_err(int rc);
/* Copies column text into a fixed buffer, truncating; "" for NULL. */
void store_sqlite_text(sqlite3_stmt *stmt, int col, char *out, size_t cap);

/* Printable ASCII without spaces, 1..max bytes: IDs end up in logs, tables and URLs. */
int store_sqlite_id_ok(const char *id, size_t max);

enum mayday_err store_sqlite_psk_enrol(struct store *st, const char *device_id,
				       const uint8_t *kid, size_t kid_len, const uint8_t *psk);
enum mayday_err store_sqlite_psk_get(struct store *st, const uint8_t *kid, size_t kid_len,
				     struct store_psk *out);
/* Keeps a copy of `kek` and seals every PSK row still in plaintext. */
enum mayday_err store_sqlite_psk_set_kek(struct store *st, const uint8_t *kek);
/* Inside an open batch: record `counter` in the replay window of `kid`,
 * which must be enrolled to `device_id`. MAYDAY_E_REPLAY if the window
 * refuses it (nothing changed), MAYDAY_E_INVALID if no such kid for that
 * device (re-enrolled meanwhile): the row can never be stored. */
enum mayday_err store_sqlite_psk_advance(struct store_sqlite *s, const uint8_t *kid,
					 size_t kid_len, const char *device_id, uint64_t counter);

/* Inside an open transaction: appends an incident_events row (from, to
 * NULL: none; indication 0: none). */
enum mayday_err store_sqlite_event(struct store_sqlite *s, int64_t incident, int64_t at,
				   const char *kind, const char *from, const char *to,
				   int64_t indication);

/* The fleet view (store_sqlite_fleet.c). */
enum mayday_err store_sqlite_fleet(struct store *st, const struct store_fleet_query *q,
				   store_fleet_cb cb, void *ctx);
enum mayday_err store_sqlite_fleet_anomalies(struct store *st, const struct store_fleet_rule *rule,
					     int64_t now, struct store_fleet_anomaly *out,
					     size_t cap, size_t *n);

/* The REST API's reads (store_sqlite_api_query.c). */
enum mayday_err store_sqlite_devices_page(struct store *st, const struct store_device_filter *f,
					  store_api_device_cb cb, void *ctx, uint64_t *count);
enum mayday_err store_sqlite_api_device(struct store *st, const char *device_id,
					struct store_api_device *out);
enum mayday_err store_sqlite_device_counts(struct store *st, struct store_device_counts *out,
					   int64_t since, store_count_cb cb, void *ctx);
enum mayday_err store_sqlite_indications_page(struct store *st,
					      const struct store_indication_filter *f,
					      store_api_indication_cb cb, void *ctx);
enum mayday_err store_sqlite_get_indication(struct store *st, int64_t id,
					    struct store_indication_row *out, bool *enrolled);
enum mayday_err store_sqlite_anomalies_list(struct store *st, unsigned limit,
					    store_anomaly_cb cb, void *ctx);
enum mayday_err store_sqlite_events_page(struct store *st, int64_t after_id, unsigned limit,
					 store_event_doc_cb cb, void *ctx);
/* The counts' grouped rows (store_sqlite_device_counts): each state's,
 * each remediation result's among the attempts started at or after ?1 (a
 * range of the covering index remediation_attempts_started), and each
 * class's count. Here, not in the .c, so that test_api_read plans this very
 * text. */
#define STORE_SQLITE_COUNTS_GROUPS                                                           \
	"SELECT 's', state, count(*) FROM devices GROUP BY state"                            \
	" UNION ALL SELECT 'r', result, count(*) FROM remediation_attempts"                  \
	" WHERE started_at >= ?1 GROUP BY result"                                            \
	" UNION ALL SELECT 'c', product_class, count(*) FROM devices"                        \
	" GROUP BY product_class ORDER BY 1 DESC, 2"
/* Shared by the operator queries (store_sqlite_query.c) and the API's:
 * the columns of a device row (from "devices d", STORE_SQLITE_DEVICE_NCOLS
 * of them) and of an indication row (from "indications i"), and their
 * readers. store_sqlite_indication_row also reads the failed components. */
#define STORE_SQLITE_DEVICE_SELECT                                                           \
	"SELECT d.id, d.product_class, d.state, d.state_since, d.enrolled_at,"               \
	" (SELECT reason FROM indications WHERE device_id = d.id AND trust = 'signed'"       \
	"  ORDER BY id DESC LIMIT 1),"                                                        \
	" (SELECT count(*) FROM indications WHERE device_id = d.id AND trust = 'signed'),"   \
	" (SELECT count(*) FROM indications WHERE device_id = d.id AND trust = 'unverified')," \
	" (SELECT hex(kid) FROM psk_keys WHERE device_id = d.id),"                             \
	" coalesce(d.last_seen, 0),"                                                           \
	" (SELECT msg_version FROM indications WHERE device_id = d.id AND trust = 'signed'"  \
	"  ORDER BY id DESC LIMIT 1)"
#define STORE_SQLITE_DEVICE_NCOLS 11
void store_sqlite_device_row(sqlite3_stmt *q, struct store_device_row *r);
#define STORE_SQLITE_INDICATION_SELECT                                                       \
	"SELECT i.id, i.device_id, i.counter, i.received_at, i.device_time, i.transport,"    \
	" i.trust, i.peer, i.reason, i.image_version, i.dcf_version, i.slot,"                \
	" i.boot_attempts, coalesce(i.incident_id, 0), i.digest, i.channel_auth,"            \
	" i.peer_identity, i.raw, i.msg_version"
#define STORE_SQLITE_INDICATION_NCOLS 19
MAYDAY_NODISCARD enum mayday_err store_sqlite_indication_row(struct store_sqlite *s,
							     sqlite3_stmt *q,
							     struct store_indication_row *r);

/* Silence (store_sqlite_silence.c). Inside an open transaction: contact
 * at `now` (nothing happens for a device not enrolled: the caller finds
 * that out by reading its state); and the way back of an
 * unreachable device to the state its latest 'silent' event left, closing
 * a healthy device's silence incident when `close_if_healthy`. */
enum mayday_err store_sqlite_silence_touch(struct store_sqlite *s, const char *device_id,
					   int64_t now);
enum mayday_err store_sqlite_silence_back(struct store_sqlite *s, const char *device_id,
					  int64_t now, bool close_if_healthy,
					  enum store_state *restored, int64_t *incident);
enum mayday_err store_sqlite_seen(struct store *st, const char *device_id, int64_t now,
				  struct store_seen_out *out);
enum mayday_err store_sqlite_silence_sweep(struct store *st,
					   const struct store_silence_rules *rules, int64_t now,
					   struct store_silent_row *out, size_t cap, size_t *n);
enum mayday_err store_sqlite_count_states(struct store *st, struct store_state_counts *out);

enum mayday_err store_sqlite_ingest_begin(struct store *st);
enum mayday_err store_sqlite_ingest_put(struct store *st, struct store_ingest_rec *rec);
enum mayday_err store_sqlite_ingest_commit(struct store *st);
void store_sqlite_ingest_rollback(struct store *st);

enum mayday_err store_sqlite_query_device(struct store *st, const char *device_id,
					  struct store_device_row *out);
enum mayday_err store_sqlite_query_devices(struct store *st, bool maintenance_only,
					   store_device_cb cb, void *ctx);
enum mayday_err store_sqlite_query_incidents(struct store *st, const char *device_id,
					     store_incident_cb cb, void *ctx);
enum mayday_err store_sqlite_query_indications(struct store *st, const char *device_id,
					       store_indication_cb cb, void *ctx);
enum mayday_err store_sqlite_query_count(struct store *st, struct store_counts *out);
enum mayday_err store_sqlite_query_count_remed(struct store *st, struct store_remed_counts *out);

enum mayday_err store_sqlite_remed_status(struct store *st, const char *device_id,
					  struct store_remed_status *out);
enum mayday_err store_sqlite_remed_approve(struct store *st, const char *device_id, int64_t now);
enum mayday_err store_sqlite_remed_schedule(struct store *st, const char *device_id,
					    bool need_approval, uint32_t max_attempts, int64_t now,
					    bool *remediate);
enum mayday_err store_sqlite_remed_in_flight(struct store *st, int64_t since, uint32_t *n);
enum mayday_err store_sqlite_remed_begin(struct store *st, const char *device_id,
					 struct store_remed_attempt *a, int64_t since,
					 uint32_t max_in_flight, int64_t now);
enum mayday_err store_sqlite_remed_fail(struct store *st, const char *device_id,
					const char *command_key, uint32_t fault_code,
					const char *detail, uint32_t max_attempts, int64_t now,
					bool *gave_up);
enum mayday_err store_sqlite_remed_installed(struct store *st, const char *device_id,
					     const char *command_key, int64_t now);
enum mayday_err store_sqlite_remed_recovered(struct store *st, const char *device_id,
					     const char *command_key, int64_t now);
enum mayday_err store_sqlite_remed_take_token(struct store *st, const char *token,
					      const char *device_id,
					      struct store_remed_attempt *out);
enum mayday_err store_sqlite_remed_list(struct store *st, const char *device_id,
					store_remed_cb cb, void *ctx);
enum mayday_err store_sqlite_remed_class_paused(struct store *st, const char *product_class,
					       uint32_t n, int64_t now, bool *paused, bool *newly);
enum mayday_err store_sqlite_remed_class_resume(struct store *st, const char *product_class,
					       int64_t now, bool *was_paused);
enum mayday_err store_sqlite_remed_classes(struct store *st, store_remed_class_cb cb, void *ctx);
enum mayday_err store_sqlite_remed_class_failures(struct store *st, const char *product_class,
						 store_remed_cb cb, void *ctx);

enum mayday_err store_sqlite_acs_cred_set(struct store *st, const struct store_acs_cred *c);
enum mayday_err store_sqlite_acs_cred_get(struct store *st, const char *username,
					  struct store_acs_cred *out);
enum mayday_err store_sqlite_acs_note(struct store *st, const char *device_id, int64_t now,
				      const char *text);
enum mayday_err store_sqlite_acs_reboot_refused(struct store *st, const char *device_id,
						const char *command_key, uint32_t fault_code,
						const char *detail);
enum mayday_err store_sqlite_acs_connreq_url(struct store *st, const char *device_id,
					     const char *url);
enum mayday_err store_sqlite_acs_connreq_due(struct store *st, int64_t before, int64_t now,
					     unsigned max, store_acs_connreq_cb cb, void *ctx);
enum mayday_err store_sqlite_acs_notes(struct store *st, const char *device_id,
				       store_acs_note_cb cb, void *ctx);

/* Shared by the remediation files: BEGIN IMMEDIATE (MAYDAY_E_INVALID while
 * an ingest batch is open), and its end, which commits on MAYDAY_OK and
 * rolls back otherwise, returning the outcome. */
MAYDAY_NODISCARD enum mayday_err store_sqlite_remed_tx(struct store_sqlite *s);
MAYDAY_NODISCARD enum mayday_err store_sqlite_remed_tx_end(struct store_sqlite *s,
							   enum mayday_err err);
/* An attempt from a row of STORE_SQLITE_ATTEMPT_COLS. */
void store_sqlite_remed_row(sqlite3_stmt *q, struct store_remed_attempt *a);
#define STORE_SQLITE_ATTEMPT_COLS \
	"SELECT id, incident_id, device_id, attempt, command_key, token, token_used, bundle," \
	" bundle_size, free_space, max_image_size, started_at, finished_at, result, fault_code," \
	" detail FROM remediation_attempts "

enum mayday_err store_sqlite_events_next(struct store *st, const char *consumer,
					 struct store_event *out);
enum mayday_err store_sqlite_events_ack(struct store *st, const char *consumer, int64_t id);
enum mayday_err store_sqlite_events_after(struct store *st, int64_t after,
					  struct store_event *out);
enum mayday_err store_sqlite_events_context(struct store *st, const char *device_id,
					    int64_t incident_id, struct store_event_context *out);

#endif

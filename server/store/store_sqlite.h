/*
 * Private to the SQLite backend: its handle, shared by the files that make
 * up the backend (open/enrol, schema, ingest, queries). Statements are
 * prepared on first use and kept for the handle's lifetime, so the ingest
 * hot path never re-parses SQL.
 */
#ifndef MAYDAY_STORE_SQLITE_H
#define MAYDAY_STORE_SQLITE_H

#include <sqlite3.h>

#include "store_backend.h"

#define STORE_SQLITE_SCHEMA_VERSION 1

struct store_sqlite {
	struct store base;   /* first: the public handle */
	sqlite3 *db;
	int in_batch;
	/* enrol / key lookup */
	sqlite3_stmt *enrol, *key;
	/* ingest */
	sqlite3_stmt *sel_dup, *sel_dev_state, *sel_open_inc, *ins_inc, *upd_inc_state,
		*upd_dev_state, *ins_event, *ins_ind, *ins_comp;
	/* queries */
	sqlite3_stmt *q_device, *q_devices, *q_incidents, *q_indications, *q_components;
	struct store_indication_row *ind_row; /* reused by list_indications */
};

static inline struct store_sqlite *store_sqlite_of(struct store *st)
{
	return (struct store_sqlite *)st;
}

/* Creates or checks the schema; MAYDAY_E_UNSUPPORTED for a newer version. */
MAYDAY_NODISCARD enum mayday_err store_sqlite_schema_apply(sqlite3 *db);

/* Prepares `sql` into *stmt unless already prepared; resets it for reuse. */
MAYDAY_NODISCARD enum mayday_err store_sqlite_stmt(struct store_sqlite *s, sqlite3_stmt **stmt,
						   const char *sql);
/* Maps an SQLite result code to a mayday error. */
enum mayday_err store_sqlite_err(int rc);
/* Copies column text into a fixed buffer, truncating; "" for NULL. */
void store_sqlite_text(sqlite3_stmt *stmt, int col, char *out, size_t cap);

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

#endif

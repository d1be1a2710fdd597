/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private to the PostgreSQL backend: its side of store_api.h, in
 * store_pg_api_write.c (devices, remediation, the journal) and
 * store_pg_api_tokens.c (API tokens).
 */
#ifndef MAYDAY_STORE_PG_API_H
#define MAYDAY_STORE_PG_API_H

#include "store_api.h"
#include "store_pg.h"

/* A statement run unprepared, for the rare writes and reads of an
 * operator: the connection's prepared statements (STORE_PG_PREPARED_MAX)
 * are left to ingest's and the per-request token lookup's. Results as
 * store_pg_q's (binary). */
static inline PGresult *store_pg_api_q(struct store_pg *p, const char *sql,
				       const struct store_pg_params *q, enum mayday_err *err)
{
	return store_pg_execb(p, sql, q->n, q->v, q->len, q->fmt, err);
}

/* Appends an operator_actions row in the open transaction (or its own). */
enum mayday_err store_pg_api_action(struct store_pg *p, const char *identity,
				    const char *action, const char *target, const char *detail,
				    int64_t now);

enum mayday_err store_pg_token_create(struct store *st, const char *id, const char *name,
				      const char *role, const uint8_t sha256[32],
				      const char *created_by, int64_t now);
enum mayday_err store_pg_token_lookup(struct store *st, const char *id, uint8_t sha256[32],
				      char role[STORE_ROLE_MAX + 1],
				      char name[STORE_TOKEN_NAME_MAX + 1], bool *revoked);
enum mayday_err store_pg_token_touch(struct store *st, const char *id, int64_t now);
enum mayday_err store_pg_token_revoke(struct store *st, const char *id, const char *by,
				      int64_t now);
enum mayday_err store_pg_token_list(struct store *st, store_token_cb cb, void *ctx);

enum mayday_err store_pg_device_enrol_by(struct store *st, const char *device_id,
					 const char *product_class, const char *pubkey_pem,
					 const char *by, int64_t now, enum store_enrol_result *res);
enum mayday_err store_pg_device_revoke(struct store *st, const char *device_id, const char *by,
				       const char *reason, int64_t now, bool *already);
enum mayday_err store_pg_device_pubkey(struct store *st, const char *device_id, char *pem,
				       size_t cap, size_t *len, int64_t *revoked_at,
				       char revoked_by[STORE_WHO_MAX + 1]);
enum mayday_err store_pg_remed_approve_by(struct store *st, const char *device_id,
					  const char *by, int64_t now, int64_t *incident_id,
					  bool *already);
enum mayday_err store_pg_remed_approval(struct store *st, int64_t incident_id,
					char by[STORE_WHO_MAX + 1], int64_t *at);
enum mayday_err store_pg_remed_class_pause(struct store *st, const char *product_class,
					   const char *by, int64_t now, bool *already);
enum mayday_err store_pg_remed_class_resume_by(struct store *st, const char *product_class,
					       const char *by, int64_t now, bool *was_paused);
enum mayday_err store_pg_operator_action(struct store *st, const char *identity,
					 const char *action, const char *target,
					 const char *detail, int64_t now);
enum mayday_err store_pg_operator_actions(struct store *st, const char *target,
					  store_action_cb cb, void *ctx);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private to the SQLite backend: its side of store_api.h, in
 * store_sqlite_api_write.c (devices, remediation, the journal) and
 * store_sqlite_api_tokens.c (API tokens).
 */
#ifndef MAYDAY_STORE_SQLITE_API_H
#define MAYDAY_STORE_SQLITE_API_H

#include "store_api.h"
#include "store_sqlite.h"

/* Appends an operator_actions row in the open transaction (or its own). */
enum mayday_err store_sqlite_api_action(struct store_sqlite *s, const char *identity,
					const char *action, const char *target,
					const char *detail, int64_t now);

enum mayday_err store_sqlite_token_create(struct store *st, const char *id, const char *name,
					  const char *role, const uint8_t sha256[32],
					  const char *created_by, int64_t now);
enum mayday_err store_sqlite_token_lookup(struct store *st, const char *id, uint8_t sha256[32],
					  char role[STORE_ROLE_MAX + 1],
					  char name[STORE_TOKEN_NAME_MAX + 1], bool *revoked);
enum mayday_err store_sqlite_token_touch(struct store *st, const char *id, int64_t now);
enum mayday_err store_sqlite_token_revoke(struct store *st, const char *id, const char *by,
					  int64_t now);
enum mayday_err store_sqlite_token_list(struct store *st, store_token_cb cb, void *ctx);

enum mayday_err store_sqlite_device_enrol_by(struct store *st, const char *device_id,
					     const char *product_class, const char *pubkey_pem,
					     const char *by, int64_t now,
					     enum store_enrol_result *res);
enum mayday_err store_sqlite_device_revoke(struct store *st, const char *device_id,
					   const char *by, const char *reason, int64_t now,
					   bool *already);
enum mayday_err store_sqlite_device_pubkey(struct store *st, const char *device_id, char *pem,
					   size_t cap, size_t *len, int64_t *revoked_at,
					   char revoked_by[STORE_WHO_MAX + 1]);
enum mayday_err store_sqlite_remed_approve_by(struct store *st, const char *device_id,
					      const char *by, int64_t now, int64_t *incident_id,
					      bool *already);
enum mayday_err store_sqlite_remed_approval(struct store *st, int64_t incident_id,
					    char by[STORE_WHO_MAX + 1], int64_t *at);
enum mayday_err store_sqlite_remed_class_pause(struct store *st, const char *product_class,
					       const char *by, int64_t now, bool *already);
enum mayday_err store_sqlite_remed_class_resume_by(struct store *st, const char *product_class,
						   const char *by, int64_t now, bool *was_paused);
enum mayday_err store_sqlite_operator_action(struct store *st, const char *identity,
					     const char *action, const char *target,
					     const char *detail, int64_t now);
enum mayday_err store_sqlite_operator_actions(struct store *st, const char *target,
					      store_action_cb cb, void *ctx);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the operators' API (server/api/, issue 13) needs of the store
 * beyond store_query.h and store_remed.h: its bearer tokens, the writes an
 * operator makes (each recording who made it, in operator_actions, in the
 * transaction that makes the change), and the writer lock that keeps
 * maydayd the store's only writer.
 *
 * Identities ("token:ops-bot", "cert:alice", "unix:root(0)") are the
 * api_identity names, at most STORE_WHO_MAX bytes, stored as given.
 * Every write here is idempotent: doing it again changes nothing and
 * records nothing, and says so (*already).
 */
#ifndef MAYDAY_STORE_API_H
#define MAYDAY_STORE_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mayday/limits.h"
#include "store.h"

#define STORE_WHO_MAX        127  /* an identity (API_IDENTITY_MAX) */
#define STORE_TOKEN_ID_LEN   20   /* "mdt_" + 16 lowercase hex */
#define STORE_TOKEN_NAME_MAX 63
#define STORE_ROLE_MAX       15   /* "viewer", "operator", "admin" */
#define STORE_ACTION_MAX     255  /* operator_actions: action, target and detail each */

/* ---- API tokens (api_tokens): only the SHA-256 of a secret is stored ---- */

struct store_token_row {
	char id[STORE_TOKEN_ID_LEN + 1];
	char name[STORE_TOKEN_NAME_MAX + 1];
	char role[STORE_ROLE_MAX + 1];
	int64_t created_at;
	char created_by[STORE_WHO_MAX + 1];
	int64_t last_used_at;      /* 0: never */
	int64_t revoked_at;        /* 0: valid */
};
typedef int (*store_token_cb)(void *ctx, const struct store_token_row *t);

/* A new token; records the action. MAYDAY_E_EXISTS: the name (or the id)
 * is taken; MAYDAY_E_INVALID: a malformed id ("mdt_" + 16 hex), name
 * (1..STORE_TOKEN_NAME_MAX printable bytes) or role. */
MAYDAY_NODISCARD enum mayday_err store_token_create(struct store *st, const char *id,
						    const char *name, const char *role,
						    const uint8_t sha256[32], const char *created_by,
						    int64_t now);
/* The token `id`'s secret hash, role and name; *revoked when revoked.
 * MAYDAY_E_NOTFOUND: no such token. */
MAYDAY_NODISCARD enum mayday_err store_token_lookup(struct store *st, const char *id,
						    uint8_t sha256[32],
						    char role[STORE_ROLE_MAX + 1],
						    char name[STORE_TOKEN_NAME_MAX + 1], bool *revoked);
/* last_used_at = now (a second's precision: writes only a newer second). */
MAYDAY_NODISCARD enum mayday_err store_token_touch(struct store *st, const char *id, int64_t now);
/* Revokes the token (for good: a revoked token never comes back) and
 * records the action; revoking it again or an unknown id changes nothing
 * (MAYDAY_OK both: DELETE is idempotent). */
MAYDAY_NODISCARD enum mayday_err store_token_revoke(struct store *st, const char *id,
						    const char *by, int64_t now);
/* Every token, revoked ones too, by creation. */
MAYDAY_NODISCARD enum mayday_err store_token_list(struct store *st, store_token_cb cb, void *ctx);

/* ---- devices ---- */

enum store_enrol_result {
	STORE_ENROL_NEW = 1,      /* enrolled now */
	STORE_ENROL_SAME,         /* already enrolled with this class and key: nothing changed */
	STORE_ENROL_CHANGED,      /* re-enrolled: a new key or class (a revocation is lifted
				   * only by a new key) */
};
/* store_enrol in one transaction with its operator_actions row (none when
 * STORE_ENROL_SAME). `pubkey_pem` is compared as text: give the canonical
 * PEM (PEM_write_bio_PUBKEY's). Errors as store_enrol. */
MAYDAY_NODISCARD enum mayday_err store_device_enrol_by(struct store *st, const char *device_id,
						       const char *product_class,
						       const char *pubkey_pem, const char *by,
						       int64_t now, enum store_enrol_result *res);
/* Revokes a device's distress key: from now on its indications are stored
 * unverified (store_ingest.h) and store_device_key no longer hands the key
 * out. *already: it was revoked before (nothing recorded). reason may be
 * NULL. MAYDAY_E_NOTFOUND: not enrolled. */
MAYDAY_NODISCARD enum mayday_err store_device_revoke(struct store *st, const char *device_id,
						     const char *by, const char *reason,
						     int64_t now, bool *already);
/* The enrolled key (revoked or not, unlike store_device_key) and the
 * revocation, for export. MAYDAY_E_NOTFOUND, MAYDAY_E_TOOBIG as
 * store_device_key. *revoked_at 0: not revoked; revoked_by may be NULL. */
MAYDAY_NODISCARD enum mayday_err store_device_pubkey(struct store *st, const char *device_id,
						     char *pem, size_t cap, size_t *len,
						     int64_t *revoked_at,
						     char revoked_by[STORE_WHO_MAX + 1]);

/* ---- remediation ---- */

/* The operator's approval of the device's open incident, once: a second
 * call finds it (*already) and records nothing. *incident_id: the open
 * incident. MAYDAY_E_NOTFOUND: not enrolled; MAYDAY_E_MISMATCH: no open
 * incident; MAYDAY_E_DENIED: the device is revoked (its incidents are not
 * remediated). */
MAYDAY_NODISCARD enum mayday_err store_remed_approve_by(struct store *st, const char *device_id,
							const char *by, int64_t now,
							int64_t *incident_id, bool *already);
/* Who approved `incident_id` and when (by "" for an approval older than
 * schema 12). MAYDAY_E_NOTFOUND: not approved. */
MAYDAY_NODISCARD enum mayday_err store_remed_approval(struct store *st, int64_t incident_id,
						      char by[STORE_WHO_MAX + 1], int64_t *at);
/* An operator's pause of a product class (the pause of store_remed.h,
 * recorded with `by`; failures 0). *already: it was paused (nothing
 * recorded). MAYDAY_E_NOTFOUND: no device has that class. */
MAYDAY_NODISCARD enum mayday_err store_remed_class_pause(struct store *st,
							 const char *product_class,
							 const char *by, int64_t now,
							 bool *already);
/* store_remed_class_resume, recorded with `by`. */
MAYDAY_NODISCARD enum mayday_err store_remed_class_resume_by(struct store *st,
							     const char *product_class,
							     const char *by, int64_t now,
							     bool *was_paused);

/* ---- the journal ---- */

/* Appends an operator_actions row (its own transaction, or the caller's
 * if one is open on this handle). detail may be NULL. Texts longer than
 * STORE_ACTION_MAX are refused (MAYDAY_E_INVALID). */
MAYDAY_NODISCARD enum mayday_err store_operator_action(struct store *st, const char *identity,
						       const char *action, const char *target,
						       const char *detail, int64_t now);
struct store_action_row {
	int64_t id, at;
	char identity[STORE_WHO_MAX + 1];
	char action[STORE_ACTION_MAX + 1];
	char target[STORE_ACTION_MAX + 1];
	char detail[STORE_ACTION_MAX + 1];
};
typedef int (*store_action_cb)(void *ctx, const struct store_action_row *a);
/* The actions on `target` (NULL: all), oldest first. */
MAYDAY_NODISCARD enum mayday_err store_operator_actions(struct store *st, const char *target,
							store_action_cb cb, void *ctx);

/* ---- the writer lock (store_writer.c) ----
 * maydayd holds an exclusive flock(2) on "<db>.writer" for its lifetime;
 * the offline writers (maydayctl -d, mayday-provision --enrol) take it too
 * before writing, so they refuse while maydayd runs instead of writing
 * behind its back. Neither waits: a held lock is an answer, not a queue.
 * The lock is on the open file, so it dies with its process. A spec of
 * another backend than SQLite needs no lock: *handle is -1 and the answer
 * MAYDAY_OK. *handle is released by store_writer_unlock (-1 safe). */

/* For maydayd: MAYDAY_E_DENIED when another process holds it ("another
 * maydayd ... is running" in why), MAYDAY_E_IO if the lock file cannot be
 * opened. */
MAYDAY_NODISCARD enum mayday_err store_writer_lock(const char *spec, int *handle, char *why,
						   size_t why_cap);
/* For the offline writers: the same lock, refused with MAYDAY_E_DENIED and
 * why = "maydayd is running: use the API (maydayctl without -d)". */
MAYDAY_NODISCARD enum mayday_err store_writer_try_lock(const char *spec, int *handle, char *why,
						       size_t why_cap);
void store_writer_unlock(int *handle);

#endif

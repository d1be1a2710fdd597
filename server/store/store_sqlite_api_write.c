/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SQLite backend of the operators' writes (store_api.h): enrolment,
 * revocation, approval, the manual pause and resume of a class, and the
 * journal they all append to. Each write is one IMMEDIATE transaction
 * (store_sqlite_remed_tx) that first reads what is there, so doing it again
 * is seen and neither changes nor records anything, and the operator_actions
 * row commits with the change or not at all. Writes are rare: statements are
 * prepared per call.
 */
#include <stdio.h>
#include <string.h>
#include <openssl/evp.h>

#include "mayday/keys.h"
#include "store_api.h"
#include "store_sqlite.h"
#include "store_sqlite_api.h"

static bool text_ok(const char *t, size_t max)
{
	return t != NULL && strnlen(t, max + 1) <= max;
}

enum mayday_err store_sqlite_api_action(struct store_sqlite *s, const char *identity,
					const char *action, const char *target,
					const char *detail, int64_t now)
{
	if (!text_ok(identity, STORE_WHO_MAX) || !text_ok(action, STORE_ACTION_MAX) ||
	    !text_ok(target, STORE_ACTION_MAX) ||
	    (detail != NULL && !text_ok(detail, STORE_ACTION_MAX)))
		return MAYDAY_E_INVALID;
	return store_sqlite_exec(s, "INSERT INTO operator_actions (at, identity, action, target,"
				 " detail) VALUES (?1, ?2, ?3, ?4, ?5)", "itttt", now, identity,
				 action, target, detail != NULL ? detail : "");
}

enum mayday_err store_sqlite_operator_action(struct store *st, const char *identity,
					     const char *action, const char *target,
					     const char *detail, int64_t now)
{
	/* One INSERT: atomic on its own, or part of the caller's transaction. */
	return store_sqlite_api_action(store_sqlite_of(st), identity, action, target, detail, now);
}

enum mayday_err store_sqlite_operator_actions(struct store *st, const char *target,
					      store_action_cb cb, void *ctx)
{
	struct store_sqlite *s = store_sqlite_of(st);
	struct store_action_row a;
	sqlite3_stmt *q = NULL;
	int rc = SQLITE_DONE;
	enum mayday_err err = target != NULL
		? store_sqlite_prep(s, &q, "SELECT id, at, identity, action, target, detail FROM"
				    " operator_actions WHERE target = ?1 ORDER BY id", "t", target)
		: store_sqlite_prep(s, &q, "SELECT id, at, identity, action, target, detail FROM"
				    " operator_actions ORDER BY id", "");
	while (err == MAYDAY_OK && (rc = sqlite3_step(q)) == SQLITE_ROW) {
		memset(&a, 0, sizeof(a));
		a.id = sqlite3_column_int64(q, 0);
		a.at = sqlite3_column_int64(q, 1);
		store_sqlite_text(q, 2, a.identity, sizeof(a.identity));
		store_sqlite_text(q, 3, a.action, sizeof(a.action));
		store_sqlite_text(q, 4, a.target, sizeof(a.target));
		store_sqlite_text(q, 5, a.detail, sizeof(a.detail));
		if (cb(ctx, &a) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	sqlite3_finalize(q);
	if (err == MAYDAY_OK && rc != SQLITE_DONE)
		err = store_sqlite_err(rc);
	return err;
}

/* The first row's first columns of a query bound with one text. 1: a row,
 * 0: none, <0: error in *err. */
static int row_of(struct store_sqlite *s, sqlite3_stmt **q, const char *sql, const char *arg,
		  enum mayday_err *err)
{
	*err = store_sqlite_prep(s, q, sql, "t", arg);
	if (*err != MAYDAY_OK)
		return -1;
	int rc = sqlite3_step(*q);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	*err = store_sqlite_err(rc);
	return -1;
}

enum mayday_err store_sqlite_device_enrol_by(struct store *st, const char *device_id,
					     const char *product_class, const char *pubkey_pem,
					     const char *by, int64_t now,
					     enum store_enrol_result *res)
{
	struct store_sqlite *s = store_sqlite_of(st);
	sqlite3_stmt *q = NULL;
	EVP_PKEY *pub = NULL;
	char old_class[MAYDAY_CLASS_MAX + 1] = "";
	bool same_key = false, revoked = false;
	size_t pem_len = strnlen(pubkey_pem, STORE_PEM_MAX + 1);
	*res = 0;
	if (!store_sqlite_id_ok(device_id, MAYDAY_DEVICE_ID_MAX) ||
	    !store_sqlite_id_ok(product_class, MAYDAY_CLASS_MAX) || pem_len > STORE_PEM_MAX ||
	    !text_ok(by, STORE_WHO_MAX))
		return MAYDAY_E_INVALID;
	enum mayday_err err = mayday_key_public_from_pem((const uint8_t *)pubkey_pem, pem_len, &pub);
	EVP_PKEY_free(pub);
	if (err != MAYDAY_OK)
		return MAYDAY_E_KEY;
	if ((err = store_sqlite_remed_tx(s)) != MAYDAY_OK)
		return err;
	int found = -1;
	err = store_sqlite_prep(s, &q, "SELECT product_class, pubkey_pem = ?2,"
				" revoked_at IS NOT NULL FROM devices WHERE id = ?1", "tt",
				device_id, pubkey_pem);
	if (err == MAYDAY_OK) {
		int rc = sqlite3_step(q);
		found = rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
		if (found == 1) {
			store_sqlite_text(q, 0, old_class, sizeof(old_class));
			same_key = sqlite3_column_int64(q, 1) != 0;
			revoked = sqlite3_column_int64(q, 2) != 0;
		} else if (found < 0) {
			err = store_sqlite_err(rc);
		}
	}
	sqlite3_finalize(q);
	if (err != MAYDAY_OK)
		goto out;
	if (found == 0) {
		err = store_sqlite_exec(s, "INSERT INTO devices (id, product_class, pubkey_pem,"
					" state, state_since, enrolled_at)"
					" VALUES (?1, ?2, ?3, 'healthy', ?4, ?4)", "ttti",
					device_id, product_class, pubkey_pem, now);
		*res = STORE_ENROL_NEW;
	} else if (same_key && strcmp(old_class, product_class) == 0) {
		*res = STORE_ENROL_SAME;
		goto out;
	} else if (same_key) {
		err = store_sqlite_exec(s, "UPDATE devices SET product_class = ?2 WHERE id = ?1",
					"tt", device_id, product_class);
		*res = STORE_ENROL_CHANGED;
	} else {
		/* A new key is a new identity: a revocation of the old one is over. */
		err = store_sqlite_exec(s, "UPDATE devices SET product_class = ?2, pubkey_pem = ?3,"
					" enrolled_at = ?4, revoked_at = NULL, revoked_by = NULL"
					" WHERE id = ?1", "ttti", device_id, product_class,
					pubkey_pem, now);
		*res = STORE_ENROL_CHANGED;
	}
	if (err == MAYDAY_OK)
		err = store_sqlite_api_action(s, by, *res == STORE_ENROL_NEW ? "device.enrol"
								   : "device.reenrol",
					      device_id,
					      *res == STORE_ENROL_NEW ? product_class
					      : same_key	      ? "new class"
					      : revoked		      ? "new key (revocation lifted)"
								      : "new key",
					      now);
out:
	err = store_sqlite_remed_tx_end(s, err);
	if (err != MAYDAY_OK)
		*res = 0;
	return err;
}

enum mayday_err store_sqlite_device_revoke(struct store *st, const char *device_id,
					   const char *by, const char *reason, int64_t now,
					   bool *already)
{
	struct store_sqlite *s = store_sqlite_of(st);
	sqlite3_stmt *q = NULL;
	*already = false;
	if (!text_ok(by, STORE_WHO_MAX) || (reason != NULL && !text_ok(reason, STORE_ACTION_MAX)))
		return MAYDAY_E_INVALID;
	enum mayday_err err = store_sqlite_remed_tx(s);
	if (err != MAYDAY_OK)
		return err;
	int found = row_of(s, &q, "SELECT revoked_at IS NOT NULL FROM devices WHERE id = ?1",
			   device_id, &err);
	if (found == 1)
		*already = sqlite3_column_int64(q, 0) != 0;
	sqlite3_finalize(q);
	if (found == 0)
		err = MAYDAY_E_NOTFOUND;
	if (err == MAYDAY_OK && !*already)
		err = store_sqlite_exec(s, "UPDATE devices SET revoked_at = ?2, revoked_by = ?3"
					" WHERE id = ?1", "tit", device_id, now, by);
	if (err == MAYDAY_OK && !*already)
		err = store_sqlite_api_action(s, by, "device.revoke", device_id, reason, now);
	err = store_sqlite_remed_tx_end(s, err);
	if (err != MAYDAY_OK)
		*already = false;
	return err;
}

enum mayday_err store_sqlite_device_pubkey(struct store *st, const char *device_id, char *pem,
					   size_t cap, size_t *len, int64_t *revoked_at,
					   char revoked_by[STORE_WHO_MAX + 1])
{
	struct store_sqlite *s = store_sqlite_of(st);
	sqlite3_stmt *q = NULL;
	enum mayday_err err = MAYDAY_OK;
	*revoked_at = 0;
	revoked_by[0] = '\0';
	int found = row_of(s, &q, "SELECT pubkey_pem, coalesce(revoked_at, 0), revoked_by"
			   " FROM devices WHERE id = ?1", device_id, &err);
	if (found == 1) {
		size_t n = (size_t)sqlite3_column_bytes(q, 0);
		const unsigned char *t = sqlite3_column_text(q, 0);
		if (t == NULL || n + 1 > cap) {
			err = MAYDAY_E_TOOBIG;
		} else {
			memcpy(pem, t, n);
			pem[n] = '\0';
			*len = n;
			*revoked_at = sqlite3_column_int64(q, 1);
			store_sqlite_text(q, 2, revoked_by, STORE_WHO_MAX + 1);
		}
	} else if (found == 0) {
		err = MAYDAY_E_NOTFOUND;
	}
	sqlite3_finalize(q);
	return err;
}

enum mayday_err store_sqlite_remed_approve_by(struct store *st, const char *device_id,
					      const char *by, int64_t now, int64_t *incident_id,
					      bool *already)
{
	struct store_sqlite *s = store_sqlite_of(st);
	sqlite3_stmt *q = NULL;
	bool revoked = false;
	*incident_id = 0;
	*already = false;
	if (!text_ok(by, STORE_WHO_MAX))
		return MAYDAY_E_INVALID;
	enum mayday_err err = store_sqlite_remed_tx(s);
	if (err != MAYDAY_OK)
		return err;
	/* i: the open incident (NULL: none); a: its approval (NULL: none) */
	int found = row_of(s, &q, "SELECT d.revoked_at IS NOT NULL, i.id, a.incident_id IS NOT NULL"
			   " FROM devices d LEFT JOIN incidents i"
			   "  ON i.device_id = d.id AND i.closed_at IS NULL"
			   " LEFT JOIN remediation_approvals a ON a.incident_id = i.id"
			   " WHERE d.id = ?1", device_id, &err);
	if (found == 1) {
		revoked = sqlite3_column_int64(q, 0) != 0;
		*incident_id = sqlite3_column_int64(q, 1);
		*already = sqlite3_column_int64(q, 2) != 0;
	}
	sqlite3_finalize(q);
	if (found == 0)
		err = MAYDAY_E_NOTFOUND;
	else if (err == MAYDAY_OK && *incident_id == 0)
		err = MAYDAY_E_MISMATCH;
	else if (err == MAYDAY_OK && revoked)
		err = MAYDAY_E_DENIED;
	if (err == MAYDAY_OK && !*already) {
		err = store_sqlite_exec(s, "INSERT INTO remediation_approvals (incident_id,"
					" approved_at, approved_by) VALUES (?1, ?2, ?3)", "iit",
					*incident_id, now, by);
		if (err == MAYDAY_OK)
			err = store_sqlite_event(s, *incident_id, now, "approved", NULL, NULL, 0);
		if (err == MAYDAY_OK) {
			char inc[24];
			snprintf(inc, sizeof(inc), "incident %lld", (long long)*incident_id);
			err = store_sqlite_api_action(s, by, "remediation.approve", device_id, inc,
						      now);
		}
	}
	err = store_sqlite_remed_tx_end(s, err);
	if (err != MAYDAY_OK && err != MAYDAY_E_MISMATCH)
		*incident_id = 0;
	if (err != MAYDAY_OK)
		*already = false;
	return err;
}

enum mayday_err store_sqlite_remed_approval(struct store *st, int64_t incident_id,
					    char by[STORE_WHO_MAX + 1], int64_t *at)
{
	struct store_sqlite *s = store_sqlite_of(st);
	sqlite3_stmt *q = NULL;
	by[0] = '\0';
	*at = 0;
	enum mayday_err err = store_sqlite_prep(s, &q, "SELECT approved_at, approved_by FROM"
						" remediation_approvals WHERE incident_id = ?1",
						"i", incident_id);
	if (err == MAYDAY_OK) {
		int rc = sqlite3_step(q);
		if (rc == SQLITE_ROW) {
			*at = sqlite3_column_int64(q, 0);
			store_sqlite_text(q, 1, by, STORE_WHO_MAX + 1);
		} else {
			err = rc == SQLITE_DONE ? MAYDAY_E_NOTFOUND : store_sqlite_err(rc);
		}
	}
	sqlite3_finalize(q);
	return err;
}

/* Inside a transaction: whether the class has a device (NOTFOUND if not)
 * and whether its newest class event is a pause. */
static enum mayday_err class_state(struct store_sqlite *s, const char *product_class,
				   bool *paused)
{
	sqlite3_stmt *q = NULL;
	enum mayday_err err = MAYDAY_OK;
	*paused = false;
	int found = row_of(s, &q, "SELECT (SELECT kind = 'paused' FROM remediation_class_events"
			   "  WHERE product_class = ?1 ORDER BY id DESC LIMIT 1)"
			   " FROM devices WHERE product_class = ?1 LIMIT 1", product_class, &err);
	if (found == 1)
		*paused = sqlite3_column_int64(q, 0) != 0;
	sqlite3_finalize(q);
	return found == 0 ? MAYDAY_E_NOTFOUND : err;
}

enum mayday_err store_sqlite_remed_class_pause(struct store *st, const char *product_class,
					       const char *by, int64_t now, bool *already)
{
	struct store_sqlite *s = store_sqlite_of(st);
	*already = false;
	if (!store_sqlite_id_ok(product_class, MAYDAY_CLASS_MAX) || !text_ok(by, STORE_WHO_MAX))
		return MAYDAY_E_INVALID;
	enum mayday_err err = store_sqlite_remed_tx(s);
	if (err != MAYDAY_OK)
		return err;
	err = class_state(s, product_class, already);
	if (err == MAYDAY_OK && !*already)
		err = store_sqlite_exec(s, "INSERT INTO remediation_class_events (product_class, at,"
					" kind, failures, by_identity) VALUES (?1, ?2, 'paused', 0,"
					" ?3)", "tit", product_class, now, by);
	if (err == MAYDAY_OK && !*already)
		err = store_sqlite_api_action(s, by, "class.pause", product_class, NULL, now);
	err = store_sqlite_remed_tx_end(s, err);
	if (err != MAYDAY_OK)
		*already = false;
	return err;
}

enum mayday_err store_sqlite_remed_class_resume_by(struct store *st, const char *product_class,
						   const char *by, int64_t now, bool *was_paused)
{
	struct store_sqlite *s = store_sqlite_of(st);
	*was_paused = false;
	if (!store_sqlite_id_ok(product_class, MAYDAY_CLASS_MAX) || !text_ok(by, STORE_WHO_MAX))
		return MAYDAY_E_INVALID;
	enum mayday_err err = store_sqlite_remed_tx(s);
	if (err != MAYDAY_OK)
		return err;
	err = class_state(s, product_class, was_paused);
	/* A resume of a class that is not paused is recorded too: it gives the
	 * class a fresh count (store_remed.h). */
	if (err == MAYDAY_OK)
		err = store_sqlite_exec(s, "INSERT INTO remediation_class_events (product_class, at,"
					" kind, by_identity) VALUES (?1, ?2, 'resumed', ?3)", "tit",
					product_class, now, by);
	if (err == MAYDAY_OK)
		err = store_sqlite_api_action(s, by, "class.resume", product_class,
					      *was_paused ? "was paused" : "was not paused", now);
	err = store_sqlite_remed_tx_end(s, err);
	if (err != MAYDAY_OK)
		*was_paused = false;
	return err;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * PostgreSQL backend of the operators' writes (store_api.h): enrolment,
 * revocation, approval, the manual pause and resume of a class, and the
 * journal they all append to, with the SQLite backend's rules
 * (store_sqlite_api_write.c, whose comments say why each is there). Each
 * write is one transaction that decides from what is there, so doing it
 * again is seen and neither changes nor records anything, and its
 * operator_actions row commits with the change or not at all.
 *
 * Several nodes (issue 15): each rule is held by the database at READ
 * COMMITTED, never by this process's memory.
 *  - Enrolment: INSERT ... ON CONFLICT (id) DO NOTHING decides which node
 *    enrols a new device (another enrolling it at once waits for the first
 *    to commit, then inserts nothing); a known device's row is locked
 *    (SELECT ... FOR UPDATE) before its key and class are compared, so a
 *    re-enrolment is decided on the row as the last node left it.
 *  - Revocation: an UPDATE guarded by revoked_at IS NULL, which READ
 *    COMMITTED checks again on the row as another node committed it: one
 *    node revokes and records it, the others answer *already. The UPDATE
 *    locks the device's row, which ingest (store_pg_ingest.c) locks too
 *    before reading the revocation in its own transaction: a record stored
 *    after the revocation committed is stored unverified, on any node.
 *  - Approval: the approval's primary key (incident_id) with INSERT ... ON
 *    CONFLICT DO NOTHING: of two nodes approving at once, one inserts and
 *    records, the other waits for it, inserts nothing and answers *already.
 *  - A class's manual pause and resume: the class's transaction-scoped
 *    advisory lock (store_pg_remed_class_lock, the one every writer of its
 *    history takes) before its newest event is read, so two pauses at once
 *    record one pause.
 * Writes are rare: their statements run unprepared (store_pg_api_q).
 */
#include <stdio.h>
#include <string.h>
#include <openssl/evp.h>

#include "mayday/keys.h"
#include "store_pg_api.h"
#include "store_pg_remed.h"

/* pg_advisory_xact_lock(int4, int4) of a class: this namespace ("clas" in
 * ASCII, an arbitrary constant) and hashtext(class). Two classes with one
 * hash only wait for each other. */

static bool text_ok(const char *t, size_t max)
{
	return t != NULL && strnlen(t, max + 1) <= max;
}

/* Whether a one-row command changed its row (UPDATE ... WHERE guard). */
static bool changed_one(PGresult *r)
{
	return r != NULL && strcmp(PQcmdTuples(r), "1") == 0;
}

enum mayday_err store_pg_api_action(struct store_pg *p, const char *identity,
				    const char *action, const char *target, const char *detail,
				    int64_t now)
{
	struct store_pg_params q = {0};
	enum mayday_err err;
	if (!text_ok(identity, STORE_WHO_MAX) || !text_ok(action, STORE_ACTION_MAX) ||
	    !text_ok(target, STORE_ACTION_MAX) ||
	    (detail != NULL && !text_ok(detail, STORE_ACTION_MAX)))
		return MAYDAY_E_INVALID;
	store_pg_p_i64(&q, now);
	store_pg_p_text(&q, identity);
	store_pg_p_text(&q, action);
	store_pg_p_text(&q, target);
	store_pg_p_text(&q, detail != NULL ? detail : "");
	PQclear(store_pg_api_q(p, "INSERT INTO operator_actions (at, identity, action, target,"
			       " detail) VALUES ($1, $2, $3, $4, $5)", &q, &err));
	return err;
}

enum mayday_err store_pg_operator_action(struct store *st, const char *identity,
					 const char *action, const char *target,
					 const char *detail, int64_t now)
{
	/* One INSERT: atomic on its own, or part of the caller's transaction. */
	return store_pg_api_action(store_pg_of(st), identity, action, target, detail, now);
}

enum mayday_err store_pg_operator_actions(struct store *st, const char *target,
					  store_action_cb cb, void *ctx)
{
	struct store_pg *p = store_pg_of(st);
	struct store_pg_params q = {0};
	struct store_action_row a;
	enum mayday_err err;
	PGresult *r;
	if (target != NULL) {
		store_pg_p_text(&q, target);
		r = store_pg_api_q(p, "SELECT id, at, identity, action, target, detail"
				   " FROM operator_actions WHERE target = $1 ORDER BY id", &q, &err);
	} else {
		r = store_pg_api_q(p, "SELECT id, at, identity, action, target, detail"
				   " FROM operator_actions ORDER BY id", &q, &err);
	}
	if (r == NULL)
		return err;
	for (int i = 0; i < PQntuples(r); i++) {
		memset(&a, 0, sizeof(a));
		a.id = store_pg_i64(r, i, 0);
		a.at = store_pg_i64(r, i, 1);
		store_pg_text(r, i, 2, a.identity, sizeof(a.identity));
		store_pg_text(r, i, 3, a.action, sizeof(a.action));
		store_pg_text(r, i, 4, a.target, sizeof(a.target));
		store_pg_text(r, i, 5, a.detail, sizeof(a.detail));
		if (cb(ctx, &a) != 0)
			break;
	}
	PQclear(r);
	return MAYDAY_OK;
}

/* Inside the transaction: a device that exists. *res NEW when this call
 * inserted it; else its row is locked and compared. */
static enum mayday_err enrol_decide(struct store_pg *p, const char *device_id,
				    const char *product_class, const char *pubkey_pem,
				    int64_t now, enum store_enrol_result *res, bool *same_key,
				    bool *revoked)
{
	struct store_pg_params q = {0};
	enum mayday_err err;
	char old_class[MAYDAY_CLASS_MAX + 1] = "";
	store_pg_p_text(&q, device_id);
	store_pg_p_text(&q, product_class);
	store_pg_p_text(&q, pubkey_pem);
	store_pg_p_i64(&q, now);
	/* Two nodes enrolling one new device: the second waits for the
	 * first's commit and inserts nothing, then reads its row below. */
	PGresult *r = store_pg_api_q(p, "INSERT INTO devices (id, product_class, pubkey_pem, state,"
				     " state_since, enrolled_at) VALUES ($1, $2, $3, 'healthy', $4, $4)"
				     " ON CONFLICT (id) DO NOTHING RETURNING id", &q, &err);
	if (r == NULL)
		return err;
	bool inserted = PQntuples(r) == 1;
	PQclear(r);
	if (inserted) {
		*res = STORE_ENROL_NEW;
		return MAYDAY_OK;
	}
	struct store_pg_params s = {0};
	store_pg_p_text(&s, device_id);
	store_pg_p_text(&s, pubkey_pem);
	r = store_pg_api_q(p, "SELECT product_class, pubkey_pem = $2, revoked_at IS NOT NULL"
			   " FROM devices WHERE id = $1 FOR UPDATE", &s, &err);
	if (r == NULL)
		return err;
	if (PQntuples(r) != 1) {
		/* Devices are never deleted: the conflict's row is there. */
		PQclear(r);
		snprintf(p->err, sizeof(p->err), "device %s vanished during its enrolment",
			 device_id);
		return MAYDAY_E_INTERNAL;
	}
	store_pg_text(r, 0, 0, old_class, sizeof(old_class));
	*same_key = PQgetvalue(r, 0, 1)[0] != 0;   /* binary bool */
	*revoked = PQgetvalue(r, 0, 2)[0] != 0;
	PQclear(r);
	if (*same_key && strcmp(old_class, product_class) == 0) {
		*res = STORE_ENROL_SAME;
		return MAYDAY_OK;
	}
	*res = STORE_ENROL_CHANGED;
	struct store_pg_params u = {0};
	store_pg_p_text(&u, device_id);
	store_pg_p_text(&u, product_class);
	if (*same_key) {
		PQclear(store_pg_api_q(p, "UPDATE devices SET product_class = $2 WHERE id = $1", &u,
				       &err));
		return err;
	}
	/* A new key is a new identity: a revocation of the old one is over. */
	store_pg_p_text(&u, pubkey_pem);
	store_pg_p_i64(&u, now);
	PQclear(store_pg_api_q(p, "UPDATE devices SET product_class = $2, pubkey_pem = $3,"
			       " enrolled_at = $4, revoked_at = NULL, revoked_by = NULL WHERE id = $1",
			       &u, &err));
	return err;
}

enum mayday_err store_pg_device_enrol_by(struct store *st, const char *device_id,
					 const char *product_class, const char *pubkey_pem,
					 const char *by, int64_t now, enum store_enrol_result *res)
{
	struct store_pg *p = store_pg_of(st);
	EVP_PKEY *pub = NULL;
	bool same_key = false, revoked = false;
	size_t pem_len = strnlen(pubkey_pem, STORE_PEM_MAX + 1);
	*res = 0;
	if (!store_pg_id_ok(device_id, MAYDAY_DEVICE_ID_MAX) ||
	    !store_pg_id_ok(product_class, MAYDAY_CLASS_MAX) || pem_len > STORE_PEM_MAX ||
	    !text_ok(by, STORE_WHO_MAX))
		return MAYDAY_E_INVALID;
	/* Only a key the daemon can use is accepted. */
	enum mayday_err err = mayday_key_public_from_pem((const uint8_t *)pubkey_pem, pem_len, &pub);
	EVP_PKEY_free(pub);
	if (err != MAYDAY_OK)
		return MAYDAY_E_KEY;
	if ((err = store_pg_tx(p)) != MAYDAY_OK)
		return err;
	err = enrol_decide(p, device_id, product_class, pubkey_pem, now, res, &same_key, &revoked);
	if (err == MAYDAY_OK && *res != STORE_ENROL_SAME)
		err = store_pg_api_action(p, by, *res == STORE_ENROL_NEW ? "device.enrol"
							       : "device.reenrol",
					  device_id,
					  *res == STORE_ENROL_NEW ? product_class
					  : same_key	      ? "new class"
					  : revoked	      ? "new key (revocation lifted)"
							      : "new key",
					  now);
	err = store_pg_tx_end(p, err);
	if (err != MAYDAY_OK)
		*res = 0;
	return err;
}

enum mayday_err store_pg_device_revoke(struct store *st, const char *device_id, const char *by,
				       const char *reason, int64_t now, bool *already)
{
	struct store_pg *p = store_pg_of(st);
	struct store_pg_params q = {0};
	*already = false;
	if (!text_ok(by, STORE_WHO_MAX) || (reason != NULL && !text_ok(reason, STORE_ACTION_MAX)))
		return MAYDAY_E_INVALID;
	if (!store_pg_id_ok(device_id, MAYDAY_DEVICE_ID_MAX))
		return MAYDAY_E_NOTFOUND;   /* never enrolled */
	enum mayday_err err = store_pg_tx(p);
	if (err != MAYDAY_OK)
		return err;
	store_pg_p_text(&q, device_id);
	store_pg_p_i64(&q, now);
	store_pg_p_text(&q, by);
	/* The guard is checked again on the row another node's revocation
	 * committed: that node revoked it, this one finds it done. */
	PGresult *r = store_pg_api_q(p, "UPDATE devices SET revoked_at = $2, revoked_by = $3"
				     " WHERE id = $1 AND revoked_at IS NULL", &q, &err);
	bool revoked_now = changed_one(r);
	PQclear(r);
	if (err == MAYDAY_OK && revoked_now) {
		err = store_pg_api_action(p, by, "device.revoke", device_id, reason, now);
	} else if (err == MAYDAY_OK) {
		struct store_pg_params s = {0};
		store_pg_p_text(&s, device_id);
		r = store_pg_api_q(p, "SELECT 1 FROM devices WHERE id = $1", &s, &err);
		if (r != NULL && PQntuples(r) == 1)
			*already = true;
		else if (r != NULL)
			err = MAYDAY_E_NOTFOUND;
		PQclear(r);
	}
	err = store_pg_tx_end(p, err);
	if (err != MAYDAY_OK)
		*already = false;
	return err;
}

enum mayday_err store_pg_device_pubkey(struct store *st, const char *device_id, char *pem,
				       size_t cap, size_t *len, int64_t *revoked_at,
				       char revoked_by[STORE_WHO_MAX + 1])
{
	struct store_pg *p = store_pg_of(st);
	struct store_pg_params q = {0};
	enum mayday_err err;
	*revoked_at = 0;
	revoked_by[0] = '\0';
	if (!store_pg_id_ok(device_id, MAYDAY_DEVICE_ID_MAX))
		return MAYDAY_E_NOTFOUND;
	store_pg_p_text(&q, device_id);
	PGresult *r = store_pg_api_q(p, "SELECT pubkey_pem, coalesce(revoked_at, 0), revoked_by"
				     " FROM devices WHERE id = $1", &q, &err);
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
			*revoked_at = store_pg_i64(r, 0, 1);
			store_pg_text(r, 0, 2, revoked_by, STORE_WHO_MAX + 1);
		}
	}
	PQclear(r);
	return err;
}

/* Inside the transaction: the device's open incident (0: none) and
 * whether the device is revoked. 1, 0 not enrolled, <0 error. */
static int approve_target(struct store_pg *p, const char *device_id, int64_t *incident_id,
			  bool *revoked, enum mayday_err *err)
{
	struct store_pg_params q = {0};
	store_pg_p_text(&q, device_id);
	PGresult *r = store_pg_api_q(p, "SELECT d.revoked_at IS NOT NULL, coalesce(i.id, 0)"
				     " FROM devices d LEFT JOIN incidents i"
				     "  ON i.device_id = d.id AND i.closed_at IS NULL"
				     " WHERE d.id = $1", &q, err);
	if (r == NULL)
		return -1;
	int found = PQntuples(r) == 1;
	if (found) {
		*revoked = PQgetvalue(r, 0, 0)[0] != 0;   /* binary bool */
		*incident_id = store_pg_i64(r, 0, 1);
	}
	PQclear(r);
	return found;
}

enum mayday_err store_pg_remed_approve_by(struct store *st, const char *device_id,
					  const char *by, int64_t now, int64_t *incident_id,
					  bool *already)
{
	struct store_pg *p = store_pg_of(st);
	bool revoked = false;
	*incident_id = 0;
	*already = false;
	if (!text_ok(by, STORE_WHO_MAX))
		return MAYDAY_E_INVALID;
	if (!store_pg_id_ok(device_id, MAYDAY_DEVICE_ID_MAX))
		return MAYDAY_E_NOTFOUND;
	enum mayday_err err = store_pg_tx(p);
	if (err != MAYDAY_OK)
		return err;
	int found = approve_target(p, device_id, incident_id, &revoked, &err);
	if (found == 0)
		err = MAYDAY_E_NOTFOUND;
	else if (err == MAYDAY_OK && *incident_id == 0)
		err = MAYDAY_E_MISMATCH;
	else if (err == MAYDAY_OK && revoked)
		err = MAYDAY_E_DENIED;
	if (err == MAYDAY_OK) {
		struct store_pg_params q = {0};
		store_pg_p_i64(&q, *incident_id);
		store_pg_p_i64(&q, now);
		store_pg_p_text(&q, by);
		/* Approving again (here or on another node at the same time) is
		 * the approval already there: nothing inserted, nothing recorded. */
		PGresult *r = store_pg_api_q(p, "INSERT INTO remediation_approvals (incident_id,"
					     " approved_at, approved_by) VALUES ($1, $2, $3)"
					     " ON CONFLICT (incident_id) DO NOTHING"
					     " RETURNING incident_id", &q, &err);
		*already = r != NULL && PQntuples(r) == 0;
		PQclear(r);
	}
	if (err == MAYDAY_OK && !*already)
		err = store_pg_event(p, *incident_id, now, "approved", NULL, NULL, 0);
	if (err == MAYDAY_OK && !*already) {
		char inc[32];
		snprintf(inc, sizeof(inc), "incident %lld", (long long)*incident_id);
		err = store_pg_api_action(p, by, "remediation.approve", device_id, inc, now);
	}
	err = store_pg_tx_end(p, err);
	if (err != MAYDAY_OK && err != MAYDAY_E_MISMATCH)
		*incident_id = 0;
	if (err != MAYDAY_OK)
		*already = false;
	return err;
}

enum mayday_err store_pg_remed_approval(struct store *st, int64_t incident_id,
					char by[STORE_WHO_MAX + 1], int64_t *at)
{
	struct store_pg *p = store_pg_of(st);
	struct store_pg_params q = {0};
	enum mayday_err err;
	by[0] = '\0';
	*at = 0;
	store_pg_p_i64(&q, incident_id);
	PGresult *r = store_pg_api_q(p, "SELECT approved_at, approved_by FROM remediation_approvals"
				     " WHERE incident_id = $1", &q, &err);
	if (r == NULL)
		return err;
	if (PQntuples(r) == 1) {
		*at = store_pg_i64(r, 0, 0);
		store_pg_text(r, 0, 1, by, STORE_WHO_MAX + 1);
	} else {
		err = MAYDAY_E_NOTFOUND;
	}
	PQclear(r);
	return err;
}

/* Inside the transaction: takes the class's lock, then whether the class
 * has a device (NOTFOUND if not) and whether its newest class event is a
 * pause. The lock comes first, so the read (a statement of its own, with
 * a new snapshot) sees what the previous holder committed. */
static enum mayday_err class_state(struct store_pg *p, const char *product_class, bool *paused)
{
	struct store_pg_params q = {0};
	enum mayday_err err;
	*paused = false;
	err = store_pg_remed_class_lock(p, product_class);
	if (err != MAYDAY_OK)
		return err;
	store_pg_p_text(&q, product_class);
	PGresult *r = store_pg_api_q(p, "SELECT coalesce((SELECT kind = 'paused'"
				     "  FROM remediation_class_events WHERE product_class = $1"
				     "  ORDER BY id DESC LIMIT 1), false)"
				     " FROM devices WHERE product_class = $1 LIMIT 1", &q, &err);
	if (r == NULL)
		return err;
	if (PQntuples(r) == 1)
		*paused = PQgetvalue(r, 0, 0)[0] != 0;   /* binary bool */
	else
		err = MAYDAY_E_NOTFOUND;
	PQclear(r);
	return err;
}

enum mayday_err store_pg_remed_class_pause(struct store *st, const char *product_class,
					   const char *by, int64_t now, bool *already)
{
	struct store_pg *p = store_pg_of(st);
	*already = false;
	if (!store_pg_id_ok(product_class, MAYDAY_CLASS_MAX) || !text_ok(by, STORE_WHO_MAX))
		return MAYDAY_E_INVALID;
	enum mayday_err err = store_pg_tx(p);
	if (err != MAYDAY_OK)
		return err;
	err = class_state(p, product_class, already);
	if (err == MAYDAY_OK && !*already) {
		struct store_pg_params q = {0};
		store_pg_p_text(&q, product_class);
		store_pg_p_i64(&q, now);
		store_pg_p_text(&q, by);
		PQclear(store_pg_api_q(p, "INSERT INTO remediation_class_events (product_class, at,"
				       " kind, failures, by_identity) VALUES ($1, $2, 'paused', 0, $3)",
				       &q, &err));
	}
	if (err == MAYDAY_OK && !*already)
		err = store_pg_api_action(p, by, "class.pause", product_class, NULL, now);
	err = store_pg_tx_end(p, err);
	if (err != MAYDAY_OK)
		*already = false;
	return err;
}

enum mayday_err store_pg_remed_class_resume_by(struct store *st, const char *product_class,
					       const char *by, int64_t now, bool *was_paused)
{
	struct store_pg *p = store_pg_of(st);
	*was_paused = false;
	if (!store_pg_id_ok(product_class, MAYDAY_CLASS_MAX) || !text_ok(by, STORE_WHO_MAX))
		return MAYDAY_E_INVALID;
	enum mayday_err err = store_pg_tx(p);
	if (err != MAYDAY_OK)
		return err;
	err = class_state(p, product_class, was_paused);
	/* A resume of a class that is not paused is recorded too: it gives the
	 * class a fresh count (store_remed.h). */
	if (err == MAYDAY_OK) {
		struct store_pg_params q = {0};
		store_pg_p_text(&q, product_class);
		store_pg_p_i64(&q, now);
		store_pg_p_text(&q, by);
		PQclear(store_pg_api_q(p, "INSERT INTO remediation_class_events (product_class, at,"
				       " kind, by_identity) VALUES ($1, $2, 'resumed', $3)", &q, &err));
	}
	if (err == MAYDAY_OK)
		err = store_pg_api_action(p, by, "class.resume", product_class,
					  *was_paused ? "was paused" : "was not paused", now);
	err = store_pg_tx_end(p, err);
	if (err != MAYDAY_OK)
		*was_paused = false;
	return err;
}

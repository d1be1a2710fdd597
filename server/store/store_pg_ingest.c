/* SPDX-License-Identifier: Apache-2.0 */
/*
 * PostgreSQL ingest: one transaction per batch (group commit), the
 * decisions of store_ingest.h made by the same steps as the SQLite
 * backend's (store_sqlite_ingest.c, whose comments say why each is there):
 * a revoked device's signed record demoted to unverified; the counter
 * rule against the device's mark; a stored twin answered as a duplicate,
 * a conflict or a PSK replay; the PSK window advanced in the transaction;
 * the open incident joined or opened; the indication, its components, the
 * mark and last_seen, and the 'indication' event written. Outcomes are
 * true only once store_pg_ingest_commit returned MAYDAY_OK, and a batch
 * that fails leaves nothing: acknowledgements wait for the commit.
 *
 * Several nodes on one database (issue 15). The transaction runs at READ
 * COMMITTED and takes row locks where the rules need them, rather than
 * SERIALIZABLE:
 *  - a signed record locks its device's row (SELECT ... FOR UPDATE) before
 *    reading the mark, so two nodes storing the same device's records run
 *    one after the other, the second seeing the mark, incident and state
 *    the first committed. Signed rows of a device are what the counter
 *    rule, the incident and the state machine are about, and they are all
 *    behind that one lock.
 *  - the PSK window row is locked the same way (store_pg_psk_advance).
 *  - unverified rows take no lock (their device may not exist): the unique
 *    (device_id, counter, trust) index decides. INSERT ... ON CONFLICT DO
 *    NOTHING waits for a concurrent inserter of the same key and then does
 *    nothing; the twin it lost to is read back and answered as a
 *    duplicate or a conflict, as if it had been stored before.
 * SERIALIZABLE would give the same answers but fail whole batches with
 * serialization errors under exactly the load that matters (a storm: many
 * nodes, many devices, each batch touching hundreds of rows), each failure
 * costing a redone batch; the locks above serialise only what must be.
 * Two batches locking two devices in opposite orders can still deadlock:
 * PostgreSQL aborts one (SQLSTATE 40P01), whose commit then fails, so none
 * of its records is acknowledged and their devices retry.
 */
#include <stdio.h>
#include <string.h>

#include "mayday/keys.h"
#include "store_pg.h"
#include "store_state.h"

static const char *trust_text(enum store_trust t)
{
	return t == STORE_TRUST_SIGNED ? "signed" : "unverified";
}

enum mayday_err store_pg_ingest_begin(struct store *st)
{
	struct store_pg *p = store_pg_of(st);
	if (p->in_batch)
		return MAYDAY_E_INVALID;
	enum mayday_err err = store_pg_run(p, "BEGIN ISOLATION LEVEL READ COMMITTED", 0, NULL);
	if (err == MAYDAY_OK)
		p->in_batch = 1;
	return err;
}

enum mayday_err store_pg_ingest_commit(struct store *st)
{
	struct store_pg *p = store_pg_of(st);
	if (!p->in_batch)
		return MAYDAY_E_INVALID;
	/* COMMIT of an aborted transaction "succeeds" as a ROLLBACK: only an
	 * idle-in-transaction state may commit. */
	if (PQtransactionStatus(p->conn) != PQTRANS_INTRANS) {
		snprintf(p->err, sizeof(p->err), "the batch's transaction failed earlier");
		store_pg_ingest_rollback(st);
		return MAYDAY_E_IO;
	}
	enum mayday_err err;
	PGresult *r = store_pg_exec(p, "COMMIT", 0, NULL, &err);
	if (r != NULL && strcmp(PQcmdStatus(r), "COMMIT") != 0) {
		snprintf(p->err, sizeof(p->err), "COMMIT answered %s", PQcmdStatus(r));
		err = MAYDAY_E_IO;
	}
	PQclear(r);
	if (err != MAYDAY_OK) {
		store_pg_ingest_rollback(st);
		return err;
	}
	p->in_batch = 0;
	return MAYDAY_OK;
}

void store_pg_ingest_rollback(struct store *st)
{
	struct store_pg *p = store_pg_of(st);
	if (PQtransactionStatus(p->conn) != PQTRANS_IDLE)
		(void)store_pg_run(p, "ROLLBACK", 0, NULL);
	p->in_batch = 0;
}

#define TERMINATED(arr) (memchr((arr), '\0', sizeof(arr)) != NULL)

static bool rec_ok(const struct store_ingest_rec *rec)
{
	const struct mayday_indication *ind = rec->ind;
	if (!TERMINATED(ind->device_id) || ind->device_id[0] == '\0' ||
	    !TERMINATED(ind->dcf_version) || !TERMINATED(ind->evidence.image_version) ||
	    ind->evidence.n_failed > MAYDAY_MAX_COMPONENTS ||
	    strnlen(rec->peer, STORE_PEER_MAX + 1) > STORE_PEER_MAX ||
	    strnlen(rec->peer_identity, STORE_IDENTITY_MAX + 1) > STORE_IDENTITY_MAX ||
	    rec->raw_len == 0 || rec->raw_len > MAYDAY_INDICATION_MAX)
		return false;
	for (uint32_t i = 0; i < ind->evidence.n_failed; i++) {
		if (!TERMINATED(ind->evidence.failed[i].name))
			return false;
	}
	return true;
}

/* A stored row with the record's key: 1 (outputs set), 0 none, <0 error. */
static int find_dup(struct store_pg *p, struct store_ingest_rec *rec, enum mayday_err *err)
{
	struct store_pg_params q = {0};
	store_pg_p_text(&q, rec->ind->device_id);
	store_pg_p_i64(&q, (int64_t)rec->ind->counter);
	store_pg_p_text(&q, trust_text(rec->trust));
	PGresult *r = store_pg_q(p, "SELECT id, digest, coalesce(incident_id, 0) FROM indications"
				 " WHERE device_id = $1 AND counter = $2 AND trust = $3", &q, err);
	if (r == NULL)
		return -1;
	if (PQntuples(r) == 0) {
		PQclear(r);
		return 0;
	}
	bool same = PQgetlength(r, 0, 1) == MAYDAY_DIGEST_LEN &&
		    mayday_ct_equal(PQgetvalue(r, 0, 1), rec->digest, MAYDAY_DIGEST_LEN);
	if (same) {
		rec->outcome = STORE_DUPLICATE;
		rec->indication_id = store_pg_i64(r, 0, 0);
		rec->incident_id = store_pg_i64(r, 0, 2);
	} else {
		/* Under PSK a counter seals one plaintext: another is a replay to drop. */
		rec->outcome = rec->channel_auth == STORE_CHANNEL_PSK ? STORE_REPLAY : STORE_CONFLICT;
		rec->indication_id = 0;
		rec->incident_id = 0;
	}
	PQclear(r);
	return 1;
}

struct dev_row {
	bool revoked;
	bool has_high;
	uint64_t high;
	int64_t last_seen;
	enum store_state state;
};

/* The device's row, locked for the transaction: 1, 0 not enrolled, <0. */
static int dev_lock(struct store_pg *p, const char *device_id, struct dev_row *d,
		    enum mayday_err *err)
{
	struct store_pg_params q = {0};
	char name[STORE_STATE_NAME_MAX + 1];
	store_pg_p_text(&q, device_id);
	PGresult *r = store_pg_q(p, "SELECT revoked_at IS NOT NULL, signed_counter,"
				 " coalesce(last_seen, 0), state FROM devices WHERE id = $1"
				 " FOR UPDATE", &q, err);
	if (r == NULL)
		return -1;
	int found = PQntuples(r) == 1;
	if (found) {
		d->revoked = PQgetvalue(r, 0, 0)[0] != 0;   /* binary bool */
		d->has_high = !PQgetisnull(r, 0, 1);
		d->high = (uint64_t)store_pg_i64(r, 0, 1);
		d->last_seen = store_pg_i64(r, 0, 2);
		store_pg_text(r, 0, 3, name, sizeof(name));
		if (!store_state_parse(name, &d->state))
			d->state = STORE_STATE_HEALTHY;
	}
	PQclear(r);
	return found;
}

/* The PSK window refuses the record's counter (1), admits it (0), <0. */
static int psk_window_refuses(struct store_pg *p, const struct store_ingest_rec *rec,
			      enum mayday_err *err)
{
	struct store_pg_params q = {0};
	if (rec->psk_kid == NULL) {
		*err = MAYDAY_E_INVALID;
		return -1;
	}
	store_pg_p_bin(&q, rec->psk_kid, rec->psk_kid_len);
	store_pg_p_text(&q, rec->ind->device_id);
	PGresult *r = store_pg_q(p, "SELECT replay_highest, replay_bitmap FROM psk_keys"
				 " WHERE kid = $1 AND device_id = $2", &q, err);
	if (r == NULL)
		return -1;
	int refuses = -1;
	if (PQntuples(r) == 1) {
		struct mayday_replay_window w = {
			.highest = (uint64_t)store_pg_i64(r, 0, 0),
			.bitmap = (uint64_t)store_pg_i64(r, 0, 1),
		};
		refuses = mayday_replay_check(&w, rec->ind->counter) != MAYDAY_OK;
	} else {
		*err = MAYDAY_E_INVALID;
	}
	PQclear(r);
	return refuses;
}

/* The counter rule (store_sqlite_ingest.c counter_rule). */
static int counter_rule(struct store_pg *p, struct store_ingest_rec *rec,
			const struct dev_row *d, enum mayday_err *err)
{
	uint64_t c = rec->ind->counter;
	rec->high = d->has_high ? d->high : 0;
	if (!d->has_high || c > d->high)
		return 0;
	int found = find_dup(p, rec, err);
	if (found != 0)
		return found;
	int refused = 0;
	if (rec->channel_auth == STORE_CHANNEL_PSK && (refused = psk_window_refuses(p, rec, err)) < 0)
		return -1;
	rec->outcome = refused ? STORE_REPLAY : STORE_STALE;
	rec->indication_id = 0;
	rec->incident_id = 0;
	return 1;
}

/* Joins the device's open incident or opens one, moving the state. The
 * device's row is locked, so no other node opens one beside this. */
static enum mayday_err incident_for(struct store_pg *p, const char *device_id, int64_t now,
				    const struct dev_row *d, int64_t *incident, bool *back)
{
	struct store_pg_params q = {0};
	enum mayday_err err;
	enum store_state cur = d->state;
	if (cur == STORE_STATE_UNREACHABLE) {
		int64_t silent = 0;
		if ((err = store_pg_silence_back(p, device_id, now, false, &cur, &silent)) !=
		    MAYDAY_OK)
			return err;
		*back = true;
	}
	enum store_state next = store_state_on_distress(cur);
	store_pg_p_text(&q, device_id);
	PGresult *r = store_pg_q(p, "SELECT id FROM incidents WHERE device_id = $1"
				 " AND closed_at IS NULL", &q, &err);
	if (r == NULL)
		return err;
	bool opened = PQntuples(r) == 0;
	*incident = opened ? 0 : store_pg_i64(r, 0, 0);
	PQclear(r);
	if (opened) {
		store_pg_p_i64(&q, now);
		store_pg_p_text(&q, store_state_name(next));
		r = store_pg_q(p, "INSERT INTO incidents (device_id, opened_at, state)"
			       " VALUES ($1, $2, $3) RETURNING id", &q, &err);
		if (r == NULL)
			return err;
		*incident = store_pg_i64(r, 0, 0);
		PQclear(r);
	}
	if (next != cur) {
		struct store_pg_params u = {0};
		store_pg_p_text(&u, device_id);
		store_pg_p_text(&u, store_state_name(next));
		store_pg_p_i64(&u, now);
		PQclear(store_pg_q(p, "UPDATE devices SET state = $2, state_since = $3"
				   " WHERE id = $1", &u, &err));
		if (err != MAYDAY_OK)
			return err;
		if (!opened) {
			struct store_pg_params v = {0};
			store_pg_p_i64(&v, *incident);
			store_pg_p_text(&v, store_state_name(next));
			PQclear(store_pg_q(p, "UPDATE incidents SET state = $2 WHERE id = $1", &v,
					   &err));
			if (err != MAYDAY_OK)
				return err;
		}
	}
	if (opened || next != cur)
		return store_pg_event(p, *incident, now, opened ? "opened" : "state", store_state_name(cur),
			     store_state_name(next), 0);
	return MAYDAY_OK;
}

/* Inserts the row unless its key is taken (by a transaction committed
 * meanwhile on another node): *id 0 then. Its failed components too. */
static enum mayday_err insert_indication(struct store_pg *p, const struct store_ingest_rec *rec,
					 int64_t incident, int64_t *id)
{
	const struct mayday_indication *ind = rec->ind;
	const struct mayday_evidence *ev = &ind->evidence;
	struct store_pg_params q = {0};
	enum mayday_err err;
	store_pg_p_text(&q, ind->device_id);
	store_pg_p_i64(&q, (int64_t)ind->counter);
	store_pg_p_i64(&q, rec->received_at);
	store_pg_p_i64(&q, (int64_t)ind->time);
	store_pg_p_i64(&q, rec->transport);
	store_pg_p_text(&q, trust_text(rec->trust));
	store_pg_p_text(&q, rec->peer);
	store_pg_p_i64(&q, ev->reason);
	store_pg_p_text(&q, ev->image_version);
	store_pg_p_i64(&q, (int64_t)ev->manifest_rollback);
	store_pg_p_text(&q, ind->dcf_version);
	store_pg_p_i64(&q, ev->slot);
	store_pg_p_i64(&q, ev->boot_attempts);
	store_pg_p_i64(&q, (int64_t)ind->free_space);
	store_pg_p_i64(&q, (int64_t)ind->max_image_size);
	if (incident)
		store_pg_p_i64(&q, incident);
	else
		store_pg_p_text(&q, NULL);
	store_pg_p_bin(&q, rec->raw, rec->raw_len);
	store_pg_p_bin(&q, rec->digest, MAYDAY_DIGEST_LEN);
	store_pg_p_text(&q, store_channel_name(rec->channel_auth));
	store_pg_p_text(&q, rec->peer_identity);
	store_pg_p_i64(&q, mayday_claims_version(ind->claims));
	PGresult *r = store_pg_q(p,
		"INSERT INTO indications (device_id, counter, received_at, device_time, transport,"
		" trust, peer, reason, image_version, manifest_rollback, dcf_version, slot,"
		" boot_attempts, free_space, max_image_size, incident_id, raw, digest, channel_auth,"
		" peer_identity, msg_version)"
		" VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16,"
		" $17, $18, $19, $20, $21)"
		" ON CONFLICT (device_id, counter, trust) DO NOTHING RETURNING id", &q, &err);
	if (r == NULL)
		return err;
	*id = PQntuples(r) == 1 ? store_pg_i64(r, 0, 0) : 0;
	PQclear(r);
	for (uint32_t i = 0; *id != 0 && i < ev->n_failed; i++) {
		const struct mayday_component_evidence *c = &ev->failed[i];
		char exp[2 * MAYDAY_DIGEST_LEN + 1], got[2 * MAYDAY_DIGEST_LEN + 1];
		struct store_pg_params cq = {0};
		mayday_hex(c->expected, MAYDAY_DIGEST_LEN, exp);
		mayday_hex(c->measured, MAYDAY_DIGEST_LEN, got);
		store_pg_p_i64(&cq, *id);
		store_pg_p_i64(&cq, i);
		store_pg_p_text(&cq, c->name);
		store_pg_p_i64(&cq, c->flags);
		store_pg_p_i64(&cq, (int64_t)c->expected_size);
		store_pg_p_i64(&cq, (int64_t)c->measured_size);
		store_pg_p_text(&cq, exp);
		store_pg_p_text(&cq, got);
		PQclear(store_pg_q(p, "INSERT INTO failed_components (indication_id, idx, name,"
				   " flags, expected_size, measured_size, expected_digest,"
				   " measured_digest) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)", &cq,
				   &err));
		if (err != MAYDAY_OK)
			return err;
	}
	return MAYDAY_OK;
}

/* The mark moves to `counter`; last_seen too in a newer second. */
static enum mayday_err dev_mark(struct store_pg *p, const char *device_id,
				const struct dev_row *d, uint64_t counter, int64_t now)
{
	struct store_pg_params q = {0};
	enum mayday_err err;
	bool seen = now > d->last_seen;
	store_pg_p_text(&q, device_id);
	store_pg_p_i64(&q, (int64_t)counter);
	if (seen)
		store_pg_p_i64(&q, now);
	PQclear(store_pg_q(p, seen ?
			   "UPDATE devices SET signed_counter = $2, last_seen = $3 WHERE id = $1" :
			   "UPDATE devices SET signed_counter = $2 WHERE id = $1", &q, &err));
	return err;
}

enum mayday_err store_pg_ingest_put(struct store *st, struct store_ingest_rec *rec)
{
	struct store_pg *p = store_pg_of(st);
	enum mayday_err err = MAYDAY_OK;
	int64_t incident = 0, id = 0;
	struct dev_row d = {0};
	bool back = false;
	int found = 0;
	rec->back_from_silence = false;
	if (!p->in_batch || !rec_ok(rec))
		return MAYDAY_E_INVALID;
	if (rec->trust == STORE_TRUST_SIGNED) {
		int enrolled = dev_lock(p, rec->ind->device_id, &d, &err);
		if (enrolled < 0)
			return err;
		if (enrolled == 0)
			return MAYDAY_E_INVALID;
		if (d.revoked)
			rec->trust = STORE_TRUST_UNVERIFIED;
	}
	if (rec->trust == STORE_TRUST_SIGNED)
		found = counter_rule(p, rec, &d, &err);
	else
		found = find_dup(p, rec, &err);
	if (found != 0)
		return found < 0 ? err : MAYDAY_OK;
	if (rec->channel_auth == STORE_CHANNEL_PSK) {
		err = store_pg_psk_advance(p, rec->psk_kid, rec->psk_kid_len, rec->ind->device_id,
					   rec->ind->counter);
		if (err == MAYDAY_E_REPLAY) {
			rec->outcome = STORE_REPLAY;
			rec->indication_id = 0;
			rec->incident_id = 0;
			return MAYDAY_OK;
		}
		if (err != MAYDAY_OK)
			return err;
	}
	if (rec->trust == STORE_TRUST_SIGNED &&
	    (err = incident_for(p, rec->ind->device_id, rec->received_at, &d, &incident, &back)) !=
		    MAYDAY_OK)
		return err;
	if ((err = insert_indication(p, rec, incident, &id)) != MAYDAY_OK)
		return err;
	if (id == 0) {
		/* Only an unverified row can lose its key to another node here
		 * (a signed one holds its device's lock): answered from the
		 * twin that won, now committed and visible. */
		if (find_dup(p, rec, &err) != 1)
			return err != MAYDAY_OK ? err : MAYDAY_E_INTERNAL;
		return MAYDAY_OK;
	}
	if (rec->trust == STORE_TRUST_SIGNED &&
	    (err = dev_mark(p, rec->ind->device_id, &d, rec->ind->counter, rec->received_at)) !=
		    MAYDAY_OK)
		return err;
	if (incident && (err = store_pg_event(p, incident, rec->received_at, "indication", NULL, NULL,
						 id)) !=
			    MAYDAY_OK)
		return err;
	rec->outcome = STORE_NEW;
	rec->back_from_silence = back;
	rec->indication_id = id;
	rec->incident_id = incident;
	return MAYDAY_OK;
}

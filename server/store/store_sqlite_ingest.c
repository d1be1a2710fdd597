/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SQLite ingest: one transaction per batch (group commit), the decisions of
 * store_ingest.h made with prepared statements inside it. Rows put earlier
 * in the same batch are visible to later puts, so duplicates inside one
 * batch are found too.
 *
 * For a signed row the device's open incident is joined or a new one opened
 * (with an 'opened' event recording the state change); every new signed row
 * also appends an 'indication' event, so the incident's history shows each
 * distinct report but never a retransmission. A new signed row is also the
 * device's contact (store_silence.h): last_seen, written only when it is a
 * newer second, and the way back from unreachable. A retransmission of a
 * stored row is not contact: anyone who captured it can send it again.
 *
 * A signed row must be above the device's high-water mark (devices.
 * signed_counter), which a new signed row advances in this transaction.
 * The only records at or below it that are answered as before are
 * identical retransmissions of stored rows.
 *
 * The device's row costs one read and one write by primary key per signed
 * row, however many unverified rows the device has: one SELECT (dev_read)
 * gives the revocation, the mark, last_seen and the state; one UPDATE
 * (dev_mark) moves the mark and, in a newer second, last_seen (a change of
 * state -- an incident opened, an unreachable device back -- writes the row
 * once more). And
 * since every stored signed row moved the mark, a signed record above it
 * has no stored twin: the unique index is only searched for records at or
 * below it, and for unverified ones. Per new signed row that leaves the
 * device read, the open incident read, the indication and its failed
 * components, the device write and the 'indication' event.
 *
 * A signed row of a revoked device is demoted to unverified before
 * anything else is decided, so it is treated exactly like a forgery naming
 * that device.
 *
 * A PSK row is answered from its stored twin if it has one (an identical
 * retransmission is answered again, whatever the window says), then must
 * pass the counter rule and the device's replay window, which it advances
 * in this same transaction.
 */
#include <string.h>

#include "mayday/keys.h"
#include "store_sqlite.h"
#include "store_state.h"

static const char *trust_text(enum store_trust t)
{
	return t == STORE_TRUST_SIGNED ? "signed" : "unverified";
}

enum mayday_err store_sqlite_ingest_begin(struct store *st)
{
	struct store_sqlite *s = store_sqlite_of(st);
	if (s->in_batch)
		return MAYDAY_E_INVALID;
	int rc = sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		return store_sqlite_err(rc);
	s->in_batch = 1;
	return MAYDAY_OK;
}

enum mayday_err store_sqlite_ingest_commit(struct store *st)
{
	struct store_sqlite *s = store_sqlite_of(st);
	if (!s->in_batch)
		return MAYDAY_E_INVALID;
	int rc = sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		store_sqlite_ingest_rollback(st);
		return store_sqlite_err(rc);
	}
	s->in_batch = 0;
	return MAYDAY_OK;
}

void store_sqlite_ingest_rollback(struct store *st)
{
	struct store_sqlite *s = store_sqlite_of(st);
	if (sqlite3_get_autocommit(s->db) == 0)
		(void)sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	s->in_batch = 0;
}

/* Fixed-size strings from a decoder must be terminated inside their array. */
#define TERMINATED(arr) (memchr((arr), '\0', sizeof(arr)) != NULL)

static int rec_ok(const struct store_ingest_rec *rec)
{
	const struct mayday_indication *ind = rec->ind;
	if (!TERMINATED(ind->device_id) || ind->device_id[0] == '\0' ||
	    !TERMINATED(ind->dcf_version) || !TERMINATED(ind->evidence.image_version) ||
	    ind->evidence.n_failed > MAYDAY_MAX_COMPONENTS ||
	    strnlen(rec->peer, STORE_PEER_MAX + 1) > STORE_PEER_MAX ||
	    strnlen(rec->peer_identity, STORE_IDENTITY_MAX + 1) > STORE_IDENTITY_MAX ||
	    rec->raw_len == 0 ||
	    rec->raw_len > MAYDAY_INDICATION_MAX)
		return 0;
	for (uint32_t i = 0; i < ind->evidence.n_failed; i++) {
		if (!TERMINATED(ind->evidence.failed[i].name))
			return 0;
	}
	return 1;
}

/* Looks for a stored row with the same key; 1 found, 0 not, <0 error. */
static int find_dup(struct store_sqlite *s, struct store_ingest_rec *rec, enum mayday_err *err)
{
	*err = store_sqlite_stmt(s, &s->sel_dup,
		"SELECT id, digest, coalesce(incident_id, 0) FROM indications"
		" WHERE device_id = ?1 AND counter = ?2 AND trust = ?3");
	if (*err != MAYDAY_OK)
		return -1;
	sqlite3_bind_text(s->sel_dup, 1, rec->ind->device_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s->sel_dup, 2, (int64_t)rec->ind->counter);
	sqlite3_bind_text(s->sel_dup, 3, trust_text(rec->trust), -1, SQLITE_STATIC);
	int rc = sqlite3_step(s->sel_dup);
	if (rc == SQLITE_DONE)
		return 0;
	if (rc != SQLITE_ROW) {
		*err = store_sqlite_err(rc);
		return -1;
	}
	const void *d = sqlite3_column_blob(s->sel_dup, 1);
	int same = d != NULL && sqlite3_column_bytes(s->sel_dup, 1) == MAYDAY_DIGEST_LEN &&
		   mayday_ct_equal(d, rec->digest, MAYDAY_DIGEST_LEN);
	if (same) {
		rec->outcome = STORE_DUPLICATE;
		rec->indication_id = sqlite3_column_int64(s->sel_dup, 0);
		rec->incident_id = sqlite3_column_int64(s->sel_dup, 2);
	} else {
		/* Under PSK a counter seals one plaintext: another is a replay to drop. */
		rec->outcome = rec->channel_auth == STORE_CHANNEL_PSK ? STORE_REPLAY : STORE_CONFLICT;
		rec->indication_id = 0;
		rec->incident_id = 0;
	}
	sqlite3_reset(s->sel_dup);
	return 1;
}

/* What ingest needs of a device's row, read once per signed record. */
struct dev_row {
	bool revoked;
	bool has_high;           /* a signed row was stored: `high` is its mark */
	uint64_t high;           /* counters are stored as their bit pattern, compared unsigned */
	int64_t last_seen;       /* 0: never heard from */
	enum store_state state;
};

/* The row of `device_id` into *d: 1, or 0 if not enrolled, <0 on error. */
static int dev_read(struct store_sqlite *s, const char *device_id, struct dev_row *d,
		    enum mayday_err *err)
{
	char name[STORE_STATE_NAME_MAX + 1];
	*err = store_sqlite_stmt(s, &s->sel_dev,
		"SELECT revoked_at IS NOT NULL, signed_counter, coalesce(last_seen, 0), state"
		" FROM devices WHERE id = ?1");
	if (*err != MAYDAY_OK)
		return -1;
	sqlite3_bind_text(s->sel_dev, 1, device_id, -1, SQLITE_STATIC);
	int rc = sqlite3_step(s->sel_dev), found = -1;
	if (rc == SQLITE_ROW) {
		d->revoked = sqlite3_column_int(s->sel_dev, 0) != 0;
		d->has_high = sqlite3_column_type(s->sel_dev, 1) != SQLITE_NULL;
		d->high = (uint64_t)sqlite3_column_int64(s->sel_dev, 1);
		d->last_seen = sqlite3_column_int64(s->sel_dev, 2);
		store_sqlite_text(s->sel_dev, 3, name, sizeof(name));
		if (!store_state_parse(name, &d->state))
			d->state = STORE_STATE_HEALTHY;
		found = 1;
	} else if (rc == SQLITE_DONE) {
		found = 0;
	} else {
		*err = store_sqlite_err(rc);
	}
	sqlite3_reset(s->sel_dev);
	return found;
}

/* A new signed row's writes to its device's row, in one UPDATE by primary
 * key: the mark moves to `counter`, and the contact (store_silence.h) is
 * recorded when `now` is a newer second than last_seen -- otherwise
 * last_seen and the silence indexes over it are not written at all. */
static enum mayday_err dev_mark(struct store_sqlite *s, const char *device_id,
				const struct dev_row *d, uint64_t counter, int64_t now)
{
	bool seen = now > d->last_seen;
	sqlite3_stmt **q = seen ? &s->upd_dev_high_seen : &s->upd_dev_high;
	enum mayday_err err = store_sqlite_stmt(s, q, seen ?
		"UPDATE devices SET signed_counter = ?2, last_seen = ?3 WHERE id = ?1" :
		"UPDATE devices SET signed_counter = ?2 WHERE id = ?1");
	if (err != MAYDAY_OK)
		return err;
	sqlite3_bind_text(*q, 1, device_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(*q, 2, (int64_t)counter);
	if (seen)
		sqlite3_bind_int64(*q, 3, now);
	int rc = sqlite3_step(*q);
	return rc == SQLITE_DONE ? MAYDAY_OK : store_sqlite_err(rc);
}

/* Whether the PSK replay window of the record's kid refuses its counter,
 * without touching the window: 1 refuses, 0 admits, <0 on error (a kid
 * that is not the device's is MAYDAY_E_INVALID, as when advancing it). */
static int psk_window_refuses(struct store_sqlite *s, const struct store_ingest_rec *rec,
			      enum mayday_err *err)
{
	if (rec->psk_kid == NULL) {   /* store_ingest_put checked its length */
		*err = MAYDAY_E_INVALID;
		return -1;
	}
	*err = store_sqlite_stmt(s, &s->sel_psk_win,
		"SELECT replay_highest, replay_bitmap FROM psk_keys"
		" WHERE kid = ?1 AND device_id = ?2");
	if (*err != MAYDAY_OK)
		return -1;
	sqlite3_bind_blob(s->sel_psk_win, 1, rec->psk_kid, (int)rec->psk_kid_len, SQLITE_STATIC);
	sqlite3_bind_text(s->sel_psk_win, 2, rec->ind->device_id, -1, SQLITE_STATIC);
	int rc = sqlite3_step(s->sel_psk_win), refuses = -1;
	if (rc == SQLITE_ROW) {
		struct mayday_replay_window w = {
			.highest = (uint64_t)sqlite3_column_int64(s->sel_psk_win, 0),
			.bitmap = (uint64_t)sqlite3_column_int64(s->sel_psk_win, 1),
		};
		refuses = mayday_replay_check(&w, rec->ind->counter) != MAYDAY_OK;
	} else {
		*err = rc == SQLITE_DONE ? MAYDAY_E_INVALID : store_sqlite_err(rc);
	}
	sqlite3_reset(s->sel_psk_win);
	return refuses;
}

/* The counter rule for a signed record of an enrolled device (`d`). A
 * stored signed twin can only be at or below the mark (every stored signed
 * row moved it), so a record above the mark -- the common case -- is new
 * without looking for one. 1 when the record is refused or answered from
 * its stored twin (outputs set), 0 when it is new and above the mark, <0
 * on error. */
static int counter_rule(struct store_sqlite *s, struct store_ingest_rec *rec,
			const struct dev_row *d, enum mayday_err *err)
{
	uint64_t c = rec->ind->counter;
	rec->high = d->has_high ? d->high : 0;
	if (!d->has_high || c > d->high)
		return 0;
	/* A stored twin keeps its answer, as a conflict or a PSK replay is
	 * refused already; any other record at or below the mark is stale. */
	int found = find_dup(s, rec, err);
	if (found != 0)
		return found;
	/* PSK keeps its window: what it refuses (and is no stored twin) is
	 * dropped unanswered, not answered stale. */
	int refused = 0;
	if (rec->channel_auth == STORE_CHANNEL_PSK &&
	    (refused = psk_window_refuses(s, rec, err)) < 0)
		return -1;
	rec->outcome = refused ? STORE_REPLAY : STORE_STALE;
	rec->indication_id = 0;
	rec->incident_id = 0;
	return 1;
}

enum mayday_err store_sqlite_event(struct store_sqlite *s, int64_t incident, int64_t at,
				   const char *kind, const char *from, const char *to,
				   int64_t indication)
{
	enum mayday_err err = store_sqlite_stmt(s, &s->ins_event,
		"INSERT INTO incident_events (incident_id, at, kind, from_state, to_state,"
		" indication_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
	if (err != MAYDAY_OK)
		return err;
	sqlite3_bind_int64(s->ins_event, 1, incident);
	sqlite3_bind_int64(s->ins_event, 2, at);
	sqlite3_bind_text(s->ins_event, 3, kind, -1, SQLITE_STATIC);
	if (from)
		sqlite3_bind_text(s->ins_event, 4, from, -1, SQLITE_STATIC);
	if (to)
		sqlite3_bind_text(s->ins_event, 5, to, -1, SQLITE_STATIC);
	if (indication)
		sqlite3_bind_int64(s->ins_event, 6, indication);
	int rc = sqlite3_step(s->ins_event);
	return rc == SQLITE_DONE ? MAYDAY_OK : store_sqlite_err(rc);
}

/* Brings an unreachable device back (*back), then joins the device's open
 * incident or opens one, moving the device's state as the state machine
 * says. The contact itself is recorded by dev_mark. */
static enum mayday_err incident_for(struct store_sqlite *s, const char *device_id, int64_t now,
				    const struct dev_row *d, int64_t *incident, bool *back)
{
	enum mayday_err err;
	enum store_state cur = d->state;
	int rc;
	if (cur == STORE_STATE_UNREACHABLE) {
		/* Its silence incident stays open: this report moves it on. */
		int64_t silent = 0;
		if ((err = store_sqlite_silence_back(s, device_id, now, false, &cur, &silent)) !=
		    MAYDAY_OK)
			return err;
		*back = true;
	}
	enum store_state next = store_state_on_distress(cur);

	err = store_sqlite_stmt(s, &s->sel_open_inc,
		"SELECT id FROM incidents WHERE device_id = ?1 AND closed_at IS NULL");
	if (err != MAYDAY_OK)
		return err;
	sqlite3_bind_text(s->sel_open_inc, 1, device_id, -1, SQLITE_STATIC);
	rc = sqlite3_step(s->sel_open_inc);
	int opened = 0;
	if (rc == SQLITE_ROW) {
		*incident = sqlite3_column_int64(s->sel_open_inc, 0);
		sqlite3_reset(s->sel_open_inc);
	} else if (rc == SQLITE_DONE) {
		err = store_sqlite_stmt(s, &s->ins_inc,
			"INSERT INTO incidents (device_id, opened_at, state) VALUES (?1, ?2, ?3)");
		if (err != MAYDAY_OK)
			return err;
		sqlite3_bind_text(s->ins_inc, 1, device_id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s->ins_inc, 2, now);
		sqlite3_bind_text(s->ins_inc, 3, store_state_name(next), -1, SQLITE_STATIC);
		rc = sqlite3_step(s->ins_inc);
		if (rc != SQLITE_DONE)
			return store_sqlite_err(rc);
		*incident = sqlite3_last_insert_rowid(s->db);
		opened = 1;
	} else {
		return store_sqlite_err(rc);
	}

	if (next != cur) {
		err = store_sqlite_stmt(s, &s->upd_dev_state,
			"UPDATE devices SET state = ?2, state_since = ?3 WHERE id = ?1");
		if (err != MAYDAY_OK)
			return err;
		sqlite3_bind_text(s->upd_dev_state, 1, device_id, -1, SQLITE_STATIC);
		sqlite3_bind_text(s->upd_dev_state, 2, store_state_name(next), -1, SQLITE_STATIC);
		sqlite3_bind_int64(s->upd_dev_state, 3, now);
		if ((rc = sqlite3_step(s->upd_dev_state)) != SQLITE_DONE)
			return store_sqlite_err(rc);
		if (!opened) {
			err = store_sqlite_stmt(s, &s->upd_inc_state,
				"UPDATE incidents SET state = ?2 WHERE id = ?1");
			if (err != MAYDAY_OK)
				return err;
			sqlite3_bind_int64(s->upd_inc_state, 1, *incident);
			sqlite3_bind_text(s->upd_inc_state, 2, store_state_name(next), -1,
					  SQLITE_STATIC);
			if ((rc = sqlite3_step(s->upd_inc_state)) != SQLITE_DONE)
				return store_sqlite_err(rc);
		}
	}
	if (opened || next != cur)
		return store_sqlite_event(s, *incident, now, opened ? "opened" : "state",
					  store_state_name(cur), store_state_name(next), 0);
	return MAYDAY_OK;
}

static enum mayday_err insert_indication(struct store_sqlite *s, const struct store_ingest_rec *rec,
					 int64_t incident, int64_t *id)
{
	const struct mayday_indication *ind = rec->ind;
	const struct mayday_evidence *ev = &ind->evidence;
	enum mayday_err err = store_sqlite_stmt(s, &s->ins_ind,
		"INSERT INTO indications (device_id, counter, received_at, device_time, transport,"
		" trust, peer, reason, image_version, manifest_rollback, dcf_version, slot,"
		" boot_attempts, free_space, max_image_size, incident_id, raw, digest, channel_auth,"
		" peer_identity, msg_version)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16,"
		" ?17, ?18, ?19, ?20, ?21)");
	if (err != MAYDAY_OK)
		return err;
	sqlite3_stmt *q = s->ins_ind;
	sqlite3_bind_text(q, 1, ind->device_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 2, (int64_t)ind->counter);
	sqlite3_bind_int64(q, 3, rec->received_at);
	sqlite3_bind_int64(q, 4, (int64_t)ind->time);
	sqlite3_bind_int64(q, 5, rec->transport);
	sqlite3_bind_text(q, 6, trust_text(rec->trust), -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 7, rec->peer, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 8, ev->reason);
	sqlite3_bind_text(q, 9, ev->image_version, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 10, (int64_t)ev->manifest_rollback);
	sqlite3_bind_text(q, 11, ind->dcf_version, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 12, ev->slot);
	sqlite3_bind_int64(q, 13, ev->boot_attempts);
	sqlite3_bind_int64(q, 14, (int64_t)ind->free_space);
	sqlite3_bind_int64(q, 15, (int64_t)ind->max_image_size);
	if (incident)
		sqlite3_bind_int64(q, 16, incident);
	sqlite3_bind_blob(q, 17, rec->raw, (int)rec->raw_len, SQLITE_STATIC);
	sqlite3_bind_blob(q, 18, rec->digest, MAYDAY_DIGEST_LEN, SQLITE_STATIC);
	sqlite3_bind_text(q, 19, store_channel_name(rec->channel_auth), -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 20, rec->peer_identity, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 21, mayday_claims_version(ind->claims));
	int rc = sqlite3_step(q);
	if (rc != SQLITE_DONE)
		return store_sqlite_err(rc);
	*id = sqlite3_last_insert_rowid(s->db);

	for (uint32_t i = 0; i < ev->n_failed; i++) {
		const struct mayday_component_evidence *c = &ev->failed[i];
		char exp[2 * MAYDAY_DIGEST_LEN + 1], got[2 * MAYDAY_DIGEST_LEN + 1];
		mayday_hex(c->expected, MAYDAY_DIGEST_LEN, exp);
		mayday_hex(c->measured, MAYDAY_DIGEST_LEN, got);
		err = store_sqlite_stmt(s, &s->ins_comp,
			"INSERT INTO failed_components (indication_id, idx, name, flags,"
			" expected_size, measured_size, expected_digest, measured_digest)"
			" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
		if (err != MAYDAY_OK)
			return err;
		q = s->ins_comp;
		sqlite3_bind_int64(q, 1, *id);
		sqlite3_bind_int64(q, 2, i);
		sqlite3_bind_text(q, 3, c->name, -1, SQLITE_STATIC);
		sqlite3_bind_int64(q, 4, c->flags);
		sqlite3_bind_int64(q, 5, (int64_t)c->expected_size);
		sqlite3_bind_int64(q, 6, (int64_t)c->measured_size);
		sqlite3_bind_text(q, 7, exp, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(q, 8, got, -1, SQLITE_TRANSIENT);
		if ((rc = sqlite3_step(q)) != SQLITE_DONE)
			return store_sqlite_err(rc);
	}
	return MAYDAY_OK;
}

enum mayday_err store_sqlite_ingest_put(struct store *st, struct store_ingest_rec *rec)
{
	struct store_sqlite *s = store_sqlite_of(st);
	enum mayday_err err = MAYDAY_OK;
	int64_t incident = 0, id = 0;
	struct dev_row d;
	bool back = false;
	int found = 0;
	rec->back_from_silence = false;
	if (!s->in_batch)
		return MAYDAY_E_INVALID;
	if (!rec_ok(rec))
		return MAYDAY_E_INVALID;
	if (rec->trust == STORE_TRUST_SIGNED) {
		int enrolled = dev_read(s, rec->ind->device_id, &d, &err);
		if (enrolled < 0)
			return err;
		/* Verified against a key the device no longer has: cannot be stored signed. */
		if (enrolled == 0)
			return MAYDAY_E_INVALID;
		/* A revoked device's key verifies nothing: its record becomes
		 * unverified here, in the transaction, whatever key the caller
		 * verified with. */
		if (d.revoked)
			rec->trust = STORE_TRUST_UNVERIFIED;
	}
	if (rec->trust == STORE_TRUST_SIGNED)
		found = counter_rule(s, rec, &d, &err);
	else
		found = find_dup(s, rec, &err);
	if (found != 0)
		return found < 0 ? err : MAYDAY_OK;
	if (rec->channel_auth == STORE_CHANNEL_PSK) {
		err = store_sqlite_psk_advance(s, rec->psk_kid, rec->psk_kid_len,
					       rec->ind->device_id, rec->ind->counter);
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
	    (err = incident_for(s, rec->ind->device_id, rec->received_at, &d, &incident,
				&back)) != MAYDAY_OK)
		return err;
	if ((err = insert_indication(s, rec, incident, &id)) != MAYDAY_OK)
		return err;
	if (rec->trust == STORE_TRUST_SIGNED &&
	    (err = dev_mark(s, rec->ind->device_id, &d, rec->ind->counter,
			    rec->received_at)) != MAYDAY_OK)
		return err;
	if (incident && (err = store_sqlite_event(s, incident, rec->received_at, "indication",
						  NULL, NULL, id)) != MAYDAY_OK)
		return err;
	rec->outcome = STORE_NEW;
	rec->back_from_silence = back;
	rec->indication_id = id;
	rec->incident_id = incident;
	return MAYDAY_OK;
}

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
 * A put is one round trip: the steps run server-side in the schema's
 * mayday_ingest_put (store_pg_ingest_fn.h, which lists them), called
 * through a statement prepared once per connection; this file checks the
 * record, passes it, and reads the answer.
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
 *  - the PSK window row is locked the same way where a record advances it.
 *  - unverified rows take no lock (their device may not exist): the unique
 *    (device_id, counter, trust) index decides. INSERT ... ON CONFLICT DO
 *    NOTHING waits for a concurrent inserter of the same key and then does
 *    nothing; the twin it lost to is read back and answered as a
 *    duplicate or a conflict, as if it had been stored before.
 * SERIALIZABLE would give the same answers but fail whole batches with
 * serialization errors under exactly the load that matters (a storm: many
 * nodes, many devices, each batch touching hundreds of rows), each failure
 * costing a redone batch; the locks above serialise only what must be.
 * Two batches locking two devices in opposite orders can still deadlock
 * (the writer puts a batch's records in device order, srv_writer.c, which
 * leaves that to other writers' transactions): PostgreSQL aborts one
 * (SQLSTATE 40P01), and put or commit answers MAYDAY_E_RETRY, as for a
 * serialization failure (40001): nothing of the batch stays, and the
 * writer redoes it at once rather than leave it to the devices' retries.
 */
#include <stdio.h>
#include <string.h>

#include "mayday/keys.h"
#include "store_pg.h"

static const char *trust_text(enum store_trust t)
{
	return t == STORE_TRUST_SIGNED ? "signed" : "unverified";
}

/* Deadlock (40P01) and serialization failure (40001): the transaction lost
 * to another one; nothing of it stays, and doing it again may succeed. */
static enum mayday_err lost_or(struct store_pg *p, enum mayday_err err)
{
	const char *state = store_pg_sqlstate(p);
	if (err == MAYDAY_E_IO && (strcmp(state, "40P01") == 0 || strcmp(state, "40001") == 0))
		return MAYDAY_E_RETRY;
	return err;
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
	err = lost_or(p, err);
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

/* A failed component's row of the literal: six quoted fields. */
#define FAILED_ROW_MAX (2 * MAYDAY_NAME_MAX + 3 * 24 + 2 * (2 * MAYDAY_DIGEST_LEN) + 6 * 3 + 2)
#define FAILED_MAX (MAYDAY_MAX_COMPONENTS * FAILED_ROW_MAX + 3)

/* One quoted element of an array literal: '"' and '\' escaped. */
static size_t quoted(char *out, const char *s)
{
	size_t o = 0;
	out[o++] = '"';
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			out[o++] = '\\';
		out[o++] = *s;
	}
	out[o++] = '"';
	return o;
}

/* The record's failed components as mayday_ingest_put's p_failed, a
 * two-dimensional text[] literal: {{name, flags, expected size, measured
 * size, expected digest, measured digest}, ...}, "{}" for none. out holds
 * FAILED_MAX bytes: the bound of names checked by rec_ok. */
static void failed_array(const struct mayday_evidence *ev, char out[FAILED_MAX])
{
	size_t o = 0;
	out[o++] = '{';
	for (uint32_t i = 0; i < ev->n_failed; i++) {
		const struct mayday_component_evidence *c = &ev->failed[i];
		char f[3][24], exp[2 * MAYDAY_DIGEST_LEN + 1], got[2 * MAYDAY_DIGEST_LEN + 1];
		snprintf(f[0], sizeof(f[0]), "%lld", (long long)c->flags);
		snprintf(f[1], sizeof(f[1]), "%lld", (long long)c->expected_size);
		snprintf(f[2], sizeof(f[2]), "%lld", (long long)c->measured_size);
		mayday_hex(c->expected, MAYDAY_DIGEST_LEN, exp);
		mayday_hex(c->measured, MAYDAY_DIGEST_LEN, got);
		const char *field[6] = {c->name, f[0], f[1], f[2], exp, got};
		if (i)
			out[o++] = ',';
		out[o++] = '{';
		for (int k = 0; k < 6; k++) {
			if (k)
				out[o++] = ',';
			o += quoted(out + o, field[k]);
		}
		out[o++] = '}';
	}
	out[o++] = '}';
	out[o] = '\0';
}

static const struct {
	const char *name;
	enum store_outcome outcome;
} outcomes[] = {
	{"new", STORE_NEW},             {"duplicate", STORE_DUPLICATE},
	{"conflict", STORE_CONFLICT},   {"replay", STORE_REPLAY},
	{"stale", STORE_STALE},
};

/* mayday_ingest_put's answer into rec (store_pg_ingest_fn.h). */
static enum mayday_err put_answer(struct store_pg *p, const PGresult *r,
				  struct store_ingest_rec *rec)
{
	char outcome[16], trust[16];
	if (PQntuples(r) != 1 || PQnfields(r) != 6) {
		snprintf(p->err, sizeof(p->err), "mayday_ingest_put answered no row");
		return MAYDAY_E_INTERNAL;
	}
	store_pg_text(r, 0, 0, outcome, sizeof(outcome));
	store_pg_text(r, 0, 1, trust, sizeof(trust));
	if (strcmp(outcome, "unenrolled") == 0) {
		snprintf(p->err, sizeof(p->err), "device %s is not enrolled", rec->ind->device_id);
		return MAYDAY_E_INVALID;
	}
	if (strcmp(outcome, "kid") == 0) {
		snprintf(p->err, sizeof(p->err), "the PSK kid is not device %s's",
			 rec->ind->device_id);
		return MAYDAY_E_INVALID;
	}
	size_t i = 0;
	while (i < sizeof(outcomes) / sizeof(outcomes[0]) && strcmp(outcomes[i].name, outcome) != 0)
		i++;
	if (i == sizeof(outcomes) / sizeof(outcomes[0])) {
		snprintf(p->err, sizeof(p->err), "mayday_ingest_put answered '%s'", outcome);
		return MAYDAY_E_INTERNAL;
	}
	/* A revoked device's signed record went in as unverified. */
	if (strcmp(trust, "unverified") == 0)
		rec->trust = STORE_TRUST_UNVERIFIED;
	rec->outcome = outcomes[i].outcome;
	rec->indication_id = store_pg_i64(r, 0, 2);
	rec->incident_id = store_pg_i64(r, 0, 3);
	if (!PQgetisnull(r, 0, 4))
		rec->high = (uint64_t)store_pg_i64(r, 0, 4);
	rec->back_from_silence = PQgetvalue(r, 0, 5)[0] != 0;   /* binary bool */
	return MAYDAY_OK;
}

enum mayday_err store_pg_ingest_put(struct store *st, struct store_ingest_rec *rec)
{
	struct store_pg *p = store_pg_of(st);
	const struct mayday_indication *ind = rec->ind;
	const struct mayday_evidence *ev = &ind->evidence;
	struct store_pg_params q = {0};
	enum mayday_err err;
	char failed[FAILED_MAX];
	rec->back_from_silence = false;
	if (!p->in_batch || !rec_ok(rec))
		return MAYDAY_E_INVALID;
	failed_array(ev, failed);
	store_pg_p_text(&q, ind->device_id);
	store_pg_p_i64(&q, (int64_t)ind->counter);
	store_pg_p_text(&q, trust_text(rec->trust));
	store_pg_p_text(&q, store_channel_name(rec->channel_auth));
	/* NULL unless PSK: no kid is then a 'kid' answer, as a wrong one. */
	store_pg_p_bin(&q, rec->channel_auth == STORE_CHANNEL_PSK ? rec->psk_kid : NULL,
		       rec->channel_auth == STORE_CHANNEL_PSK ? rec->psk_kid_len : 0);
	store_pg_p_i64(&q, rec->received_at);
	store_pg_p_i64(&q, (int64_t)ind->time);
	store_pg_p_i64(&q, rec->transport);
	store_pg_p_text(&q, rec->peer);
	store_pg_p_i64(&q, ev->reason);
	store_pg_p_text(&q, ev->image_version);
	store_pg_p_i64(&q, (int64_t)ev->manifest_rollback);
	store_pg_p_text(&q, ind->dcf_version);
	store_pg_p_i64(&q, ev->slot);
	store_pg_p_i64(&q, ev->boot_attempts);
	store_pg_p_i64(&q, (int64_t)ind->free_space);
	store_pg_p_i64(&q, (int64_t)ind->max_image_size);
	store_pg_p_bin(&q, rec->raw, rec->raw_len);
	store_pg_p_bin(&q, rec->digest, MAYDAY_DIGEST_LEN);
	store_pg_p_text(&q, rec->peer_identity);
	store_pg_p_i64(&q, mayday_claims_version(ind->claims));
	store_pg_p_text(&q, failed);
	PGresult *r = store_pg_q(p, "SELECT * FROM mayday_ingest_put($1, $2, $3, $4, $5, $6, $7,"
				 " $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20,"
				 " $21, $22)", &q, &err);
	if (r == NULL)
		return lost_or(p, err);
	err = put_answer(p, r, rec);
	PQclear(r);
	return err;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SQLite read-only queries for operators. Every listing steps one prepared
 * statement and hands each row to the caller's callback in a struct owned by
 * the handle; nothing here writes.
 */
#include <stdlib.h>
#include <string.h>

#include "mayday/indication.h"
#include "store_sqlite.h"
#include "store_state.h"

#define DEVICE_COLS STORE_SQLITE_DEVICE_SELECT " FROM devices d"

void store_sqlite_device_row(sqlite3_stmt *q, struct store_device_row *r)
{
	memset(r, 0, sizeof(*r));
	store_sqlite_text(q, 0, r->id, sizeof(r->id));
	store_sqlite_text(q, 1, r->product_class, sizeof(r->product_class));
	store_sqlite_text(q, 2, r->state, sizeof(r->state));
	r->state_since = sqlite3_column_int64(q, 3);
	r->enrolled_at = sqlite3_column_int64(q, 4);
	r->has_reason = sqlite3_column_type(q, 5) != SQLITE_NULL;
	r->last_reason = (uint32_t)sqlite3_column_int64(q, 5);
	r->n_signed = (uint64_t)sqlite3_column_int64(q, 6);
	r->n_unverified = (uint64_t)sqlite3_column_int64(q, 7);
	store_sqlite_text(q, 8, r->psk_kid_hex, sizeof(r->psk_kid_hex));
	r->last_seen = sqlite3_column_int64(q, 9);
	r->last_msg_version = (unsigned)sqlite3_column_int64(q, 10); /* NULL reads as 0 */
	for (char *c = r->psk_kid_hex; *c; c++)   /* SQLite's hex() is upper case */
		if (*c >= 'A' && *c <= 'F')
			*c = (char)(*c - 'A' + 'a');
}

enum mayday_err store_sqlite_query_device(struct store *st, const char *device_id,
					  struct store_device_row *out)
{
	struct store_sqlite *s = store_sqlite_of(st);
	enum mayday_err err = store_sqlite_stmt(s, &s->q_device, DEVICE_COLS " WHERE d.id = ?1");
	if (err != MAYDAY_OK)
		return err;
	sqlite3_bind_text(s->q_device, 1, device_id, -1, SQLITE_STATIC);
	int rc = sqlite3_step(s->q_device);
	if (rc == SQLITE_ROW)
		store_sqlite_device_row(s->q_device, out);
	else
		err = rc == SQLITE_DONE ? MAYDAY_E_NOTFOUND : store_sqlite_err(rc);
	sqlite3_reset(s->q_device);
	return err;
}

enum mayday_err store_sqlite_query_devices(struct store *st, bool maintenance_only,
					   store_device_cb cb, void *ctx)
{
	struct store_sqlite *s = store_sqlite_of(st);
	struct store_device_row row;
	enum mayday_err err = store_sqlite_stmt(s, &s->q_devices, DEVICE_COLS " ORDER BY d.id");
	int rc;
	if (err != MAYDAY_OK)
		return err;
	while ((rc = sqlite3_step(s->q_devices)) == SQLITE_ROW) {
		store_sqlite_device_row(s->q_devices, &row);
		enum store_state state;
		if (maintenance_only &&
		    !(store_state_parse(row.state, &state) && store_state_needs_maintenance(state)))
			continue;
		if (cb(ctx, &row) != 0)
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		err = store_sqlite_err(rc);
	sqlite3_reset(s->q_devices);
	return err;
}

enum mayday_err store_sqlite_query_incidents(struct store *st, const char *device_id,
					     store_incident_cb cb, void *ctx)
{
	struct store_sqlite *s = store_sqlite_of(st);
	struct store_incident_row row;
	enum mayday_err err = store_sqlite_stmt(s, &s->q_incidents,
		"SELECT i.id, i.device_id, i.opened_at, coalesce(i.closed_at, 0), i.state,"
		" (SELECT count(*) FROM indications WHERE incident_id = i.id)"
		" FROM incidents i WHERE i.device_id = ?1 ORDER BY i.id DESC");
	int rc;
	if (err != MAYDAY_OK)
		return err;
	sqlite3_bind_text(s->q_incidents, 1, device_id, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(s->q_incidents)) == SQLITE_ROW) {
		sqlite3_stmt *q = s->q_incidents;
		memset(&row, 0, sizeof(row));
		row.id = sqlite3_column_int64(q, 0);
		store_sqlite_text(q, 1, row.device_id, sizeof(row.device_id));
		row.opened_at = sqlite3_column_int64(q, 2);
		row.closed_at = sqlite3_column_int64(q, 3);
		store_sqlite_text(q, 4, row.state, sizeof(row.state));
		row.n_indications = (uint64_t)sqlite3_column_int64(q, 5);
		if (cb(ctx, &row) != 0)
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		err = store_sqlite_err(rc);
	sqlite3_reset(s->q_incidents);
	return err;
}

static enum mayday_err components(struct store_sqlite *s, struct store_indication_row *r)
{
	enum mayday_err err = store_sqlite_stmt(s, &s->q_components,
		"SELECT name, flags, expected_size, measured_size, expected_digest, measured_digest"
		" FROM failed_components WHERE indication_id = ?1 ORDER BY idx");
	int rc;
	if (err != MAYDAY_OK)
		return err;
	sqlite3_bind_int64(s->q_components, 1, r->id);
	r->n_failed = 0;
	while ((rc = sqlite3_step(s->q_components)) == SQLITE_ROW &&
	       r->n_failed < MAYDAY_MAX_COMPONENTS) {
		sqlite3_stmt *q = s->q_components;
		struct store_component_row *c = &r->failed[r->n_failed++];
		store_sqlite_text(q, 0, c->name, sizeof(c->name));
		c->flags = (uint32_t)sqlite3_column_int64(q, 1);
		c->expected_size = (uint64_t)sqlite3_column_int64(q, 2);
		c->measured_size = (uint64_t)sqlite3_column_int64(q, 3);
		store_sqlite_text(q, 4, c->expected_hex, sizeof(c->expected_hex));
		store_sqlite_text(q, 5, c->measured_hex, sizeof(c->measured_hex));
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		err = store_sqlite_err(rc);
	sqlite3_reset(s->q_components);
	return err;
}

static void hex_of(const void *blob, int n, char *out, size_t cap)
{
	static const char digits[] = "0123456789abcdef";
	const uint8_t *b = blob;
	size_t o = 0;
	for (int i = 0; b != NULL && i < n && o + 2 < cap; i++) {
		out[o++] = digits[b[i] >> 4];
		out[o++] = digits[b[i] & 0xf];
	}
	out[o] = '\0';
}

static enum store_channel_auth channel_of(const char *name)
{
	static const enum store_channel_auth all[] = {STORE_CHANNEL_MTLS, STORE_CHANNEL_IKE,
						      STORE_CHANNEL_PSK};
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (strcmp(name, store_channel_name(all[i])) == 0)
			return all[i];
	return STORE_CHANNEL_NONE;   /* the CHECK constraint allows nothing else */
}

/* The attach detail has no column of its own: it is read back from the
 * stored indication, decoded (not verified again: the trust column says
 * what the signature was found to be when it arrived). */
static enum mayday_err attach_detail(sqlite3_stmt *q, int col, struct store_indication_row *r)
{
	struct mayday_cose_sign1 msg;
	struct mayday_indication *ind = malloc(sizeof(*ind));
	const uint8_t *raw = sqlite3_column_blob(q, col);
	int len = sqlite3_column_bytes(q, col);

	if (!ind)
		return MAYDAY_E_NOMEM;
	if (raw && len > 0 &&
	    mayday_indication_open(raw, (size_t)len, &msg, ind, NULL) == MAYDAY_OK) {
		r->has_attach = true;
		r->attach = ind->evidence.attach;
	}
	free(ind);
	return MAYDAY_OK;
}

enum mayday_err store_sqlite_indication_row(struct store_sqlite *s, sqlite3_stmt *q,
					    struct store_indication_row *r)
{
	enum mayday_err err;
	char trust[16], channel[16];
	memset(r, 0, sizeof(*r));
	r->id = sqlite3_column_int64(q, 0);
	store_sqlite_text(q, 1, r->device_id, sizeof(r->device_id));
	r->counter = (uint64_t)sqlite3_column_int64(q, 2);
	r->received_at = sqlite3_column_int64(q, 3);
	r->device_time = (uint64_t)sqlite3_column_int64(q, 4);
	r->transport = (uint32_t)sqlite3_column_int64(q, 5);
	store_sqlite_text(q, 6, trust, sizeof(trust));
	r->trust = strcmp(trust, "signed") == 0 ? STORE_TRUST_SIGNED : STORE_TRUST_UNVERIFIED;
	store_sqlite_text(q, 7, r->peer, sizeof(r->peer));
	r->reason = (uint32_t)sqlite3_column_int64(q, 8);
	store_sqlite_text(q, 9, r->image_version, sizeof(r->image_version));
	store_sqlite_text(q, 10, r->dcf_version, sizeof(r->dcf_version));
	r->slot = (uint32_t)sqlite3_column_int64(q, 11);
	r->boot_attempts = (uint32_t)sqlite3_column_int64(q, 12);
	r->incident_id = sqlite3_column_int64(q, 13);
	hex_of(sqlite3_column_blob(q, 14), sqlite3_column_bytes(q, 14), r->digest_hex,
	       sizeof(r->digest_hex));
	store_sqlite_text(q, 15, channel, sizeof(channel));
	r->channel_auth = channel_of(channel);
	store_sqlite_text(q, 16, r->peer_identity, sizeof(r->peer_identity));
	r->msg_version = (unsigned)sqlite3_column_int64(q, 18);
	if (r->reason == MAYDAY_REASON_ATTACH_FAILED && (err = attach_detail(q, 17, r)) != MAYDAY_OK)
		return err;
	return components(s, r);
}

enum mayday_err store_sqlite_query_indications(struct store *st, const char *device_id,
					       store_indication_cb cb, void *ctx)
{
	struct store_sqlite *s = store_sqlite_of(st);
	int rc;
	if (s->ind_row == NULL && (s->ind_row = malloc(sizeof(*s->ind_row))) == NULL)
		return MAYDAY_E_NOMEM;
	struct store_indication_row *r = s->ind_row;
	enum mayday_err err = store_sqlite_stmt(s, &s->q_indications,
		STORE_SQLITE_INDICATION_SELECT
		" FROM indications i WHERE i.device_id = ?1 ORDER BY i.id DESC");
	if (err != MAYDAY_OK)
		return err;
	sqlite3_bind_text(s->q_indications, 1, device_id, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(s->q_indications)) == SQLITE_ROW) {
		if ((err = store_sqlite_indication_row(s, s->q_indications, r)) != MAYDAY_OK)
			break;
		if (cb(ctx, r) != 0)
			break;
	}
	if (err == MAYDAY_OK && rc != SQLITE_ROW && rc != SQLITE_DONE)
		err = store_sqlite_err(rc);
	sqlite3_reset(s->q_indications);
	return err;
}

static enum mayday_err count_one(sqlite3 *db, const char *sql, uint64_t *out)
{
	sqlite3_stmt *q = NULL;
	int rc = sqlite3_prepare_v2(db, sql, -1, &q, NULL);
	if (rc == SQLITE_OK && (rc = sqlite3_step(q)) == SQLITE_ROW)
		*out = (uint64_t)sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	return rc == SQLITE_ROW ? MAYDAY_OK : store_sqlite_err(rc);
}

enum mayday_err store_sqlite_query_count(struct store *st, struct store_counts *out)
{
	struct store_sqlite *s = store_sqlite_of(st);
	enum mayday_err err;
	memset(out, 0, sizeof(*out));
	if ((err = count_one(s->db, "SELECT count(*) FROM devices", &out->devices)) ||
	    (err = count_one(s->db, "SELECT count(*) FROM indications", &out->indications)) ||
	    (err = count_one(s->db, "SELECT count(*) FROM indications WHERE trust = 'signed'",
			     &out->indications_signed)) ||
	    (err = count_one(s->db, "SELECT count(*) FROM indications WHERE trust = 'unverified'",
			     &out->indications_unverified)) ||
	    (err = count_one(s->db, "SELECT count(*) FROM indications WHERE msg_version = 2",
			     &out->indications_v2)) ||
	    (err = count_one(s->db, "SELECT count(*) FROM failed_components",
			     &out->failed_components)) ||
	    (err = count_one(s->db, "SELECT count(*) FROM incidents", &out->incidents)) ||
	    (err = count_one(s->db, "SELECT count(*) FROM incident_events",
			     &out->incident_events)) ||
	    (err = count_one(s->db, "SELECT count(*) FROM psk_keys", &out->psks)))
		return err;
	return MAYDAY_OK;
}

enum mayday_err store_sqlite_query_count_remed(struct store *st, struct store_remed_counts *out)
{
	struct store_sqlite *s = store_sqlite_of(st);
	sqlite3_stmt *q = NULL;
	memset(out, 0, sizeof(*out));
	int rc = sqlite3_prepare_v2(s->db, "SELECT result, count(*) FROM remediation_attempts"
				    " GROUP BY result", -1, &q, NULL);
	while (rc == SQLITE_OK && (rc = sqlite3_step(q)) == SQLITE_ROW) {
		const char *r = (const char *)sqlite3_column_text(q, 0);
		uint64_t n = (uint64_t)sqlite3_column_int64(q, 1);
		r = r != NULL ? r : "";   /* the schema's CHECK allows only the four */
		if (strcmp(r, "in_progress") == 0)
			out->in_progress = n;
		else if (strcmp(r, "installed") == 0)
			out->installed = n;
		else if (strcmp(r, "recovered") == 0)
			out->recovered = n;
		else if (strcmp(r, "failed") == 0)
			out->failed = n;
		rc = SQLITE_OK;
	}
	sqlite3_finalize(q);
	return rc == SQLITE_DONE ? MAYDAY_OK : store_sqlite_err(rc);
}

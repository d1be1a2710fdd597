/* SPDX-License-Identifier: Apache-2.0 */
/*
 * PostgreSQL read-only queries for operators: a device, the devices, a
 * device's incidents and indications, with the SQLite backend's rows
 * (store_sqlite_query.c). Each is one statement, so one snapshot; a
 * listing's result is read whole before the first callback (libpq), which
 * bounds nothing by itself: these are the per-device listings, the
 * fleet-wide pages are the REST API's (store_pg_api_query.c), bounded by
 * their limit. The columns and readers of a device and of an indication
 * row are shared with that file (store_pg.h).
 * INTEGER columns are cast to bigint: binary results are read as int8.
 */
#include <stdlib.h>
#include <string.h>

#include "mayday/indication.h"
#include "store_pg.h"
#include "store_state.h"

#define DEVICE_SELECT STORE_PG_DEVICE_SELECT " FROM devices d"

void store_pg_device_row(const PGresult *r, int i, struct store_device_row *d)
{
	memset(d, 0, sizeof(*d));
	store_pg_text(r, i, 0, d->id, sizeof(d->id));
	store_pg_text(r, i, 1, d->product_class, sizeof(d->product_class));
	store_pg_text(r, i, 2, d->state, sizeof(d->state));
	d->state_since = store_pg_i64(r, i, 3);
	d->enrolled_at = store_pg_i64(r, i, 4);
	d->has_reason = !PQgetisnull(r, i, 5);
	d->last_reason = (uint32_t)store_pg_i64(r, i, 5);
	d->n_signed = (uint64_t)store_pg_i64(r, i, 6);
	d->n_unverified = (uint64_t)store_pg_i64(r, i, 7);
	store_pg_text(r, i, 8, d->psk_kid_hex, sizeof(d->psk_kid_hex));
	d->last_seen = store_pg_i64(r, i, 9);
	d->last_msg_version = (unsigned)store_pg_i64(r, i, 10);
}

enum mayday_err store_pg_query_device(struct store *st, const char *device_id,
				      struct store_device_row *out)
{
	struct store_pg *p = store_pg_of(st);
	struct store_pg_params q = {0};
	enum mayday_err err;
	store_pg_p_text(&q, device_id);
	PGresult *r = store_pg_q(p, DEVICE_SELECT " WHERE d.id = $1", &q, &err);
	if (r == NULL)
		return err;
	if (PQntuples(r) == 1)
		store_pg_device_row(r, 0, out);
	else
		err = MAYDAY_E_NOTFOUND;
	PQclear(r);
	return err;
}

enum mayday_err store_pg_query_devices(struct store *st, bool maintenance_only,
				       store_device_cb cb, void *ctx)
{
	struct store_pg *p = store_pg_of(st);
	struct store_pg_params q = {0};
	struct store_device_row row;
	enum mayday_err err;
	PGresult *r = store_pg_q(p, DEVICE_SELECT " ORDER BY d.id COLLATE \"C\"", &q, &err);
	if (r == NULL)
		return err;
	for (int i = 0; i < PQntuples(r); i++) {
		enum store_state state;
		store_pg_device_row(r, i, &row);
		if (maintenance_only &&
		    !(store_state_parse(row.state, &state) && store_state_needs_maintenance(state)))
			continue;
		if (cb(ctx, &row) != 0)
			break;
	}
	PQclear(r);
	return MAYDAY_OK;
}

enum mayday_err store_pg_query_incidents(struct store *st, const char *device_id,
					 store_incident_cb cb, void *ctx)
{
	struct store_pg *p = store_pg_of(st);
	struct store_pg_params q = {0};
	struct store_incident_row row;
	enum mayday_err err;
	store_pg_p_text(&q, device_id);
	PGresult *r = store_pg_q(p,
		"SELECT i.id, i.device_id, i.opened_at, coalesce(i.closed_at, 0), i.state,"
		" (SELECT count(*) FROM indications WHERE incident_id = i.id)"
		" FROM incidents i WHERE i.device_id = $1 ORDER BY i.id DESC", &q, &err);
	if (r == NULL)
		return err;
	for (int i = 0; i < PQntuples(r); i++) {
		memset(&row, 0, sizeof(row));
		row.id = store_pg_i64(r, i, 0);
		store_pg_text(r, i, 1, row.device_id, sizeof(row.device_id));
		row.opened_at = store_pg_i64(r, i, 2);
		row.closed_at = store_pg_i64(r, i, 3);
		store_pg_text(r, i, 4, row.state, sizeof(row.state));
		row.n_indications = (uint64_t)store_pg_i64(r, i, 5);
		if (cb(ctx, &row) != 0)
			break;
	}
	PQclear(r);
	return MAYDAY_OK;
}

enum mayday_err store_pg_components(struct store_pg *p, struct store_indication_row *ir)
{
	struct store_pg_params q = {0};
	enum mayday_err err;
	store_pg_p_i64(&q, ir->id);
	PGresult *r = store_pg_q(p,
		"SELECT name, flags, expected_size, measured_size, expected_digest, measured_digest"
		" FROM failed_components WHERE indication_id = $1 ORDER BY idx", &q, &err);
	if (r == NULL)
		return err;
	ir->n_failed = 0;
	for (int i = 0; i < PQntuples(r) && ir->n_failed < MAYDAY_MAX_COMPONENTS; i++) {
		struct store_component_row *c = &ir->failed[ir->n_failed++];
		store_pg_text(r, i, 0, c->name, sizeof(c->name));
		c->flags = (uint32_t)store_pg_i64(r, i, 1);
		c->expected_size = (uint64_t)store_pg_i64(r, i, 2);
		c->measured_size = (uint64_t)store_pg_i64(r, i, 3);
		store_pg_text(r, i, 4, c->expected_hex, sizeof(c->expected_hex));
		store_pg_text(r, i, 5, c->measured_hex, sizeof(c->measured_hex));
	}
	PQclear(r);
	return MAYDAY_OK;
}

static enum store_channel_auth channel_of(const char *name)
{
	static const enum store_channel_auth all[] = {STORE_CHANNEL_MTLS, STORE_CHANNEL_IKE,
						      STORE_CHANNEL_PSK};
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (strcmp(name, store_channel_name(all[i])) == 0)
			return all[i];
	return STORE_CHANNEL_NONE;
}

/* The attach detail, decoded from the stored indication (not verified
 * again: trust says what the signature was found to be on arrival). */
static enum mayday_err attach_detail(const PGresult *r, int i, int col,
				     struct store_indication_row *ir)
{
	struct mayday_cose_sign1 msg;
	struct mayday_indication *ind = malloc(sizeof(*ind));
	int len = PQgetlength(r, i, col);
	if (ind == NULL)
		return MAYDAY_E_NOMEM;
	if (len > 0 && mayday_indication_open((const uint8_t *)PQgetvalue(r, i, col), (size_t)len,
					      &msg, ind, NULL) == MAYDAY_OK) {
		ir->has_attach = true;
		ir->attach = ind->evidence.attach;
	}
	free(ind);
	return MAYDAY_OK;
}

enum mayday_err store_pg_indication_row(const PGresult *r, int i,
					struct store_indication_row *ir)
{
	char trust[16], channel[16];
	memset(ir, 0, sizeof(*ir));
	ir->id = store_pg_i64(r, i, 0);
	store_pg_text(r, i, 1, ir->device_id, sizeof(ir->device_id));
	ir->counter = (uint64_t)store_pg_i64(r, i, 2);
	ir->received_at = store_pg_i64(r, i, 3);
	ir->device_time = (uint64_t)store_pg_i64(r, i, 4);
	ir->transport = (uint32_t)store_pg_i64(r, i, 5);
	store_pg_text(r, i, 6, trust, sizeof(trust));
	ir->trust = strcmp(trust, "signed") == 0 ? STORE_TRUST_SIGNED : STORE_TRUST_UNVERIFIED;
	store_pg_text(r, i, 7, ir->peer, sizeof(ir->peer));
	ir->reason = (uint32_t)store_pg_i64(r, i, 8);
	store_pg_text(r, i, 9, ir->image_version, sizeof(ir->image_version));
	store_pg_text(r, i, 10, ir->dcf_version, sizeof(ir->dcf_version));
	ir->slot = (uint32_t)store_pg_i64(r, i, 11);
	ir->boot_attempts = (uint32_t)store_pg_i64(r, i, 12);
	ir->incident_id = store_pg_i64(r, i, 13);
	store_pg_text(r, i, 14, ir->digest_hex, sizeof(ir->digest_hex));
	store_pg_text(r, i, 15, channel, sizeof(channel));
	ir->channel_auth = channel_of(channel);
	store_pg_text(r, i, 16, ir->peer_identity, sizeof(ir->peer_identity));
	ir->msg_version = (unsigned)store_pg_i64(r, i, 18);
	if (ir->reason == MAYDAY_REASON_ATTACH_FAILED)
		return attach_detail(r, i, 17, ir);
	return MAYDAY_OK;
}

enum mayday_err store_pg_query_indications(struct store *st, const char *device_id,
					   store_indication_cb cb, void *ctx)
{
	struct store_pg *p = store_pg_of(st);
	struct store_pg_params q = {0};
	enum mayday_err err;
	struct store_indication_row *ir = malloc(sizeof(*ir));
	if (ir == NULL)
		return MAYDAY_E_NOMEM;
	store_pg_p_text(&q, device_id);
	PGresult *r = store_pg_q(p, STORE_PG_INDICATION_SELECT
		" FROM indications i WHERE i.device_id = $1 ORDER BY i.id DESC", &q, &err);
	for (int i = 0; r != NULL && err == MAYDAY_OK && i < PQntuples(r); i++) {
		if ((err = store_pg_indication_row(r, i, ir)) != MAYDAY_OK)
			break;
		if ((err = store_pg_components(p, ir)) != MAYDAY_OK)
			break;
		if (cb(ctx, ir) != 0)
			break;
	}
	PQclear(r);
	free(ir);
	return err;
}

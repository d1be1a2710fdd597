/* SPDX-License-Identifier: Apache-2.0 */
/*
 * PostgreSQL: the PSK method's per-device keys and replay windows
 * (psk_keys), with the SQLite backend's rules (store_sqlite_psk.c): the
 * PSK sealed under the handle's KEK, bound to its kid and device ID
 * (store_psk_seal.h); enrolling the same kid and key again keeps the
 * window; one device per kid.
 *
 * Several nodes: an enrolment locks the device's row (SELECT ... FOR
 * UPDATE) for its transaction, so two enrolments of one device are applied
 * one after the other; a kid taken by another device in a transaction
 * running beside this one is caught by the primary key on commit
 * (unique_violation, answered MAYDAY_E_MISMATCH like the check before it).
 * PostgreSQL stores never held plaintext PSKs, so a KEK only has to be
 * proved the store's (some sealed rows open under it). Ingest advances a
 * window in its batch's transaction, the kid's row locked FOR UPDATE
 * (mayday_ingest_put, store_pg_ingest_fn.h).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <openssl/crypto.h>

#include "mayday/keys.h"
#include "store_pg.h"
#include "store_psk_seal.h"

static enum mayday_err psk_seal(struct store_pg *p, const uint8_t *kid, size_t kid_len,
				const char *device_id, const uint8_t *psk,
				uint8_t sealed[MAYDAY_KEK_SEALED_LEN])
{
	uint8_t aad[STORE_PSK_AAD_MAX];
	size_t n = store_psk_aad(aad, kid, kid_len, device_id);
	return mayday_kek_seal(p->kek, aad, n, psk, sealed);
}

/* MAYDAY_E_IO if `sealed` is not one this KEK sealed for this row. */
static enum mayday_err psk_unseal(struct store_pg *p, const uint8_t *kid, size_t kid_len,
				  const char *device_id, const void *sealed, int sealed_len,
				  uint8_t psk[MAYDAY_PSK_LEN])
{
	uint8_t aad[STORE_PSK_AAD_MAX];
	if (sealed_len != MAYDAY_KEK_SEALED_LEN)
		return MAYDAY_E_IO;
	size_t n = store_psk_aad(aad, kid, kid_len, device_id);
	return mayday_kek_open(p->kek, aad, n, sealed, psk) == MAYDAY_OK ? MAYDAY_OK : MAYDAY_E_IO;
}

/* Inside the transaction: the device locked, MAYDAY_OK when it already has
 * this kid and key (nothing to do: *same), else replaces its PSK. */
static enum mayday_err enrol_locked(struct store_pg *p, const char *device_id,
				    const uint8_t *kid, size_t kid_len, const uint8_t *psk,
				    const uint8_t *sealed, bool *same)
{
	uint8_t old[MAYDAY_PSK_LEN];
	enum mayday_err err;
	const char *dv[] = {device_id};
	int dl[] = {0}, df[] = {0};
	PGresult *r = store_pg_execb(p,
		"SELECT k.kid, k.psk_sealed FROM devices d LEFT JOIN psk_keys k"
		" ON k.device_id = d.id WHERE d.id = $1 FOR UPDATE OF d", 1, dv, dl, df, &err);
	if (r == NULL)
		return err;
	if (PQntuples(r) != 1) {
		PQclear(r);
		return MAYDAY_E_NOTFOUND;
	}
	*same = !PQgetisnull(r, 0, 0) && (size_t)PQgetlength(r, 0, 0) == kid_len &&
		memcmp(PQgetvalue(r, 0, 0), kid, kid_len) == 0 &&
		psk_unseal(p, kid, kid_len, device_id, PQgetvalue(r, 0, 1),
			   PQgetlength(r, 0, 1), old) == MAYDAY_OK &&
		mayday_ct_equal(old, psk, MAYDAY_PSK_LEN);
	OPENSSL_cleanse(old, sizeof(old));
	PQclear(r);
	if (*same)
		return MAYDAY_OK;   /* idempotent: keep the window */
	/* Kids select keys on the wire: one device per kid. */
	const char *kv[] = {(const char *)kid};
	int kl[] = {(int)kid_len}, kf[] = {1};
	r = store_pg_execb(p, "SELECT device_id FROM psk_keys WHERE kid = $1", 1, kv, kl, kf,
			   &err);
	if (r == NULL)
		return err;
	char owner[MAYDAY_DEVICE_ID_MAX + 1] = "";
	if (PQntuples(r) == 1)
		store_pg_text(r, 0, 0, owner, sizeof(owner));
	bool taken = PQntuples(r) == 1 && strcmp(owner, device_id) != 0;
	PQclear(r);
	if (taken)
		return MAYDAY_E_MISMATCH;
	if ((err = store_pg_run(p, "DELETE FROM psk_keys WHERE device_id = $1", 1, dv)) !=
	    MAYDAY_OK)
		return err;
	char now[24];
	snprintf(now, sizeof(now), "%lld", (long long)time(NULL));
	const char *iv[] = {(const char *)kid, device_id, (const char *)sealed, now};
	int il[] = {(int)kid_len, 0, MAYDAY_KEK_SEALED_LEN, 0}, ifm[] = {1, 0, 1, 0};
	r = store_pg_execb(p, "INSERT INTO psk_keys (kid, device_id, psk_sealed, enrolled_at)"
			   " VALUES ($1, $2, $3, $4::bigint)", 4, iv, il, ifm, &err);
	PQclear(r);
	return err;
}

enum mayday_err store_pg_psk_enrol(struct store *st, const char *device_id, const uint8_t *kid,
				   size_t kid_len, const uint8_t *psk)
{
	struct store_pg *p = store_pg_of(st);
	uint8_t sealed[MAYDAY_KEK_SEALED_LEN];
	bool same = false;
	enum mayday_err err;
	if (p->in_batch || !store_pg_id_ok(device_id, MAYDAY_DEVICE_ID_MAX))
		return MAYDAY_E_INVALID;
	if (!p->has_kek)
		return MAYDAY_E_KEY;
	if ((err = psk_seal(p, kid, kid_len, device_id, psk, sealed)) != MAYDAY_OK)
		return err;
	if ((err = store_pg_run(p, "BEGIN", 0, NULL)) != MAYDAY_OK)
		return err;
	err = enrol_locked(p, device_id, kid, kid_len, psk, sealed, &same);
	if (err == MAYDAY_OK)
		err = store_pg_run(p, "COMMIT", 0, NULL);
	/* The kid's primary key, taken by an enrolment beside this one. */
	if (err == MAYDAY_E_INVALID && strcmp(store_pg_sqlstate(p), "23505") == 0)
		err = MAYDAY_E_MISMATCH;
	if (err != MAYDAY_OK)
		(void)store_pg_run(p, "ROLLBACK", 0, NULL);
	return err;
}

enum mayday_err store_pg_psk_get(struct store *st, const uint8_t *kid, size_t kid_len,
				 struct store_psk *out)
{
	struct store_pg *p = store_pg_of(st);
	enum mayday_err err;
	if (!p->has_kek)
		return MAYDAY_E_KEY;
	const char *kv[] = {(const char *)kid};
	int kl[] = {(int)kid_len}, kf[] = {1};
	PGresult *r = store_pg_execb(p,
		"SELECT device_id, psk_sealed, replay_highest, replay_bitmap FROM psk_keys"
		" WHERE kid = $1", 1, kv, kl, kf, &err);
	if (r == NULL)
		return err;
	if (PQntuples(r) != 1) {
		err = MAYDAY_E_NOTFOUND;
	} else {
		store_pg_text(r, 0, 0, out->device_id, sizeof(out->device_id));
		err = psk_unseal(p, kid, kid_len, out->device_id, PQgetvalue(r, 0, 1),
				 PQgetlength(r, 0, 1), out->psk);
		out->window.highest = (uint64_t)store_pg_i64(r, 0, 2);
		out->window.bitmap = (uint64_t)store_pg_i64(r, 0, 3);
	}
	PQclear(r);
	return err;
}

#define KEK_PROBE_ROWS "8"

enum mayday_err store_pg_psk_set_kek(struct store *st, const uint8_t *kek)
{
	struct store_pg *p = store_pg_of(st);
	uint8_t psk[MAYDAY_PSK_LEN], kid[MAYDAY_PSK_KID_MAX];
	char device_id[MAYDAY_DEVICE_ID_MAX + 1];
	enum mayday_err err;
	if (p->in_batch)
		return MAYDAY_E_INVALID;
	memcpy(p->kek, kek, MAYDAY_KEK_LEN);
	/* Whether it is the store's: some of the first sealed rows open under
	 * it (one damaged row alone does not stop the daemon); a store without
	 * PSKs takes any KEK. */
	PGresult *r = store_pg_execb(p, "SELECT kid, device_id, psk_sealed FROM psk_keys"
				     " ORDER BY enrolled_at, kid LIMIT " KEK_PROBE_ROWS,
				     0, NULL, NULL, NULL, &err);
	if (r == NULL) {
		OPENSSL_cleanse(p->kek, sizeof(p->kek));
		return err;
	}
	int tried = PQntuples(r), opened = 0;
	for (int i = 0; i < tried && !opened; i++) {
		size_t kid_len = (size_t)PQgetlength(r, i, 0);
		if (kid_len > sizeof(kid))
			continue;
		memcpy(kid, PQgetvalue(r, i, 0), kid_len);
		store_pg_text(r, i, 1, device_id, sizeof(device_id));
		opened = psk_unseal(p, kid, kid_len, device_id, PQgetvalue(r, i, 2),
				    PQgetlength(r, i, 2), psk) == MAYDAY_OK;
	}
	OPENSSL_cleanse(psk, sizeof(psk));
	PQclear(r);
	if (tried > 0 && !opened) {
		OPENSSL_cleanse(p->kek, sizeof(p->kek));
		return MAYDAY_E_KEY;
	}
	p->has_kek = 1;
	return MAYDAY_OK;
}

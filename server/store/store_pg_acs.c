/* SPDX-License-Identifier: Apache-2.0 */
/*
 * PostgreSQL side of store_acs.h, with the SQLite backend's rules
 * (store_sqlite_acs.c): CPE credentials as HA1s only (the password is
 * never stored; the same lowercase hex SQLite keeps), the ACS's decisions
 * (append-only, tied to the open incident), the refused Reboot kept on
 * its installed attempt, and each CPE's ConnectionRequestURL with when it
 * was last used. Every call is one statement: nothing of a CWMP session
 * that these calls keep lives in a node's memory, so any node can take
 * any session of a device.
 *
 * Several nodes on one database:
 *  - credentials: one row per device (ON CONFLICT on the device replaces
 *    them, the later write winning, as INSERT OR REPLACE does), one device
 *    per username by the unique constraint: a username another node gave
 *    another device meanwhile fails the INSERT (unique_violation) and is
 *    answered MAYDAY_E_MISMATCH like the check before it.
 *  - Connection Requests: a due device is handed to one node per gap. The
 *    statement that picks the due devices locks their rows (FOR UPDATE, in
 *    requested_at order, so two nodes lock in the same order and do not
 *    deadlock) and marks them with an UPDATE guarded by "still due": under
 *    READ COMMITTED a node that read a device due while another node was
 *    marking it waits for that mark's commit and re-checks the row as
 *    committed, which is no longer due, so it neither marks nor hands it.
 *  - a refused Reboot is written only while its attempt is 'installed':
 *    the guard is re-checked on the row as any node committed it.
 *  - decisions are inserts only; a decision is tied to the incident open
 *    when its statement starts (one open incident per device, by index).
 *
 * Text from a CPE (fault strings, URLs) and the decisions quoting it reach
 * a database whose encoding is UTF-8: what is not valid UTF-8 (a
 * character cut by an earlier truncation, a hostile byte) is stored as
 * '?', so a note is never refused -- or, inside an ingest batch, its
 * whole batch aborted -- for a byte. IDs and usernames that could never
 * have been stored are answered as not found without asking the server.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mayday/utf8.h"
#include "store_acs.h"
#include "store_pg.h"

static bool hex_ok(const char *s, size_t n)
{
	return strlen(s) == n && strspn(s, "0123456789abcdef") == n;
}

/* store_acs.h: 1..64 printable ASCII without ':' '"' '\\'. */
static bool username_ok(const char *u)
{
	size_t n = strnlen(u, STORE_ACS_USERNAME_MAX + 1);
	if (n == 0 || n > STORE_ACS_USERNAME_MAX)
		return false;
	for (; *u; u++) {
		if (*u < ' ' || *u > '~' || *u == ':' || *u == '"' || *u == '\\')
			return false;
	}
	return true;
}

/* The length of the valid UTF-8 sequence at s, or 0 (libmayday's strict
 * check: no overlong forms, no surrogates, nothing above U+10FFFF). */
static size_t utf8_seq(const unsigned char *s)
{
	size_t n = s[0] < 0x80 ? 1 : s[0] >= 0xF0 ? 4 : s[0] >= 0xE0 ? 3 : 2;
	return strnlen((const char *)s, n) == n && utf8_valid(s, n) ? n : 0;
}

/* src into out (cap bytes), cut at a character boundary, every byte not
 * part of a valid UTF-8 sequence replaced by '?'. */
static void utf8_text(char *out, size_t cap, const char *src)
{
	const unsigned char *s = (const unsigned char *)src;
	size_t o = 0;
	while (*s) {
		size_t n = utf8_seq(s);
		if (o + (n ? n : 1) >= cap)
			break;
		if (n == 0) {
			out[o++] = '?';
			s++;
			continue;
		}
		memcpy(out + o, s, n);
		o += n;
		s += n;
	}
	out[o] = '\0';
}

/* The number of rows a command's result says it touched. */
static long touched(PGresult *r)
{
	return strtol(PQcmdTuples(r), NULL, 10);
}

enum mayday_err store_pg_acs_cred_set(struct store *st, const struct store_acs_cred *c)
{
	struct store_pg *p = store_pg_of(st);
	struct store_pg_params q = {0};
	enum mayday_err err;
	if (!username_ok(c->username) || !hex_ok(c->ha1_md5, STORE_ACS_HA1_MD5_HEX) ||
	    !hex_ok(c->ha1_sha256, STORE_ACS_HA1_SHA256_HEX))
		return MAYDAY_E_INVALID;
	/* SQLite's writes here refuse to join an ingest batch; so do these. */
	if (p->in_batch)
		return MAYDAY_E_INVALID;
	if (!store_pg_id_ok(c->device_id, MAYDAY_DEVICE_ID_MAX))
		return MAYDAY_E_NOTFOUND;
	store_pg_p_text(&q, c->device_id);
	store_pg_p_text(&q, c->username);
	/* The username's owner first, for the answer SQLite gives; the
	 * constraint holds it against a node writing beside this one. */
	PGresult *r = store_pg_q(p, "SELECT (SELECT count(*) FROM devices WHERE id = $1),"
				 " (SELECT count(*) FROM cwmp_credentials"
				 "  WHERE username = $2 AND device_id != $1)", &q, &err);
	if (r == NULL)
		return err;
	err = PQntuples(r) != 1 ? MAYDAY_E_IO :
	      store_pg_i64(r, 0, 0) == 0 ? MAYDAY_E_NOTFOUND :
	      store_pg_i64(r, 0, 1) != 0 ? MAYDAY_E_MISMATCH : MAYDAY_OK;
	PQclear(r);
	if (err != MAYDAY_OK)
		return err;
	store_pg_p_text(&q, c->ha1_md5);
	store_pg_p_text(&q, c->ha1_sha256);
	store_pg_p_i64(&q, c->set_at);
	r = store_pg_q(p, "INSERT INTO cwmp_credentials"
		       " (device_id, username, ha1_md5, ha1_sha256, set_at)"
		       " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (device_id) DO UPDATE"
		       " SET username = excluded.username, ha1_md5 = excluded.ha1_md5,"
		       " ha1_sha256 = excluded.ha1_sha256, set_at = excluded.set_at", &q, &err);
	PQclear(r);
	if (err == MAYDAY_E_INVALID && strcmp(store_pg_sqlstate(p), "23505") == 0)
		err = MAYDAY_E_MISMATCH;   /* the username, taken beside us */
	return err;
}

enum mayday_err store_pg_acs_cred_get(struct store *st, const char *username,
				      struct store_acs_cred *out)
{
	struct store_pg *p = store_pg_of(st);
	struct store_pg_params q = {0};
	enum mayday_err err;
	memset(out, 0, sizeof(*out));
	/* From an HTTP header: a name no credentials could have is none. */
	if (!username_ok(username))
		return MAYDAY_E_NOTFOUND;
	store_pg_p_text(&q, username);
	PGresult *r = store_pg_q(p, "SELECT device_id, username, ha1_md5, ha1_sha256, set_at"
				 " FROM cwmp_credentials WHERE username = $1", &q, &err);
	if (r == NULL)
		return err;
	if (PQntuples(r) == 1) {
		store_pg_text(r, 0, 0, out->device_id, sizeof(out->device_id));
		store_pg_text(r, 0, 1, out->username, sizeof(out->username));
		store_pg_text(r, 0, 2, out->ha1_md5, sizeof(out->ha1_md5));
		store_pg_text(r, 0, 3, out->ha1_sha256, sizeof(out->ha1_sha256));
		out->set_at = store_pg_i64(r, 0, 4);
	} else {
		err = MAYDAY_E_NOTFOUND;
	}
	PQclear(r);
	return err;
}

enum mayday_err store_pg_acs_note(struct store *st, const char *device_id, int64_t now,
				  const char *text)
{
	struct store_pg *p = store_pg_of(st);
	struct store_pg_params q = {0};
	char cut[STORE_ACS_NOTE_MAX + 1];
	enum mayday_err err;
	if (!store_pg_id_ok(device_id, MAYDAY_DEVICE_ID_MAX))
		return MAYDAY_E_NOTFOUND;
	utf8_text(cut, sizeof(cut), text);
	store_pg_p_text(&q, device_id);
	store_pg_p_i64(&q, now);
	store_pg_p_text(&q, cut);
	PGresult *r = store_pg_q(p, "INSERT INTO acs_decisions (device_id, incident_id, at, text)"
				 " SELECT id, (SELECT i.id FROM incidents i WHERE i.device_id = $1"
				 "  AND i.closed_at IS NULL), $2::bigint, $3::text"
				 " FROM devices WHERE id = $1",
				 &q, &err);
	if (r == NULL)
		return err;
	if (touched(r) == 0)
		err = MAYDAY_E_NOTFOUND;
	PQclear(r);
	return err;
}

enum mayday_err store_pg_acs_reboot_refused(struct store *st, const char *device_id,
					    const char *command_key, uint32_t fault_code,
					    const char *detail)
{
	struct store_pg *p = store_pg_of(st);
	struct store_pg_params q = {0};
	enum mayday_err err;
	size_t cap = strlen(detail) + 1;
	if (!store_pg_id_ok(device_id, MAYDAY_DEVICE_ID_MAX) ||
	    !store_pg_id_ok(command_key, STORE_COMMANDKEY_MAX))
		return MAYDAY_E_NOTFOUND;
	char *clean = malloc(cap);
	if (clean == NULL)
		return MAYDAY_E_NOMEM;
	utf8_text(clean, cap, detail);
	store_pg_p_text(&q, device_id);
	store_pg_p_text(&q, command_key);
	store_pg_p_i64(&q, (int64_t)fault_code);
	store_pg_p_text(&q, clean);
	PGresult *r = store_pg_q(p, "UPDATE remediation_attempts SET fault_code = $3, detail = $4"
				 " WHERE device_id = $1 AND command_key = $2"
				 " AND result = 'installed'", &q, &err);
	free(clean);
	if (r == NULL)
		return err;
	if (touched(r) == 0)
		err = MAYDAY_E_NOTFOUND;
	PQclear(r);
	return err;
}

enum mayday_err store_pg_acs_connreq_url(struct store *st, const char *device_id,
					 const char *url)
{
	struct store_pg *p = store_pg_of(st);
	struct store_pg_params q = {0};
	enum mayday_err err;
	/* Not a device ID: no device of the store, nothing to keep or forget. */
	if (!store_pg_id_ok(device_id, MAYDAY_DEVICE_ID_MAX))
		return MAYDAY_OK;
	store_pg_p_text(&q, device_id);
	if (url[0] == '\0') {
		PQclear(store_pg_q(p, "DELETE FROM cwmp_connreq WHERE device_id = $1", &q, &err));
		return err;
	}
	size_t cap = strlen(url) + 1;
	char *clean = malloc(cap);
	if (clean == NULL)
		return MAYDAY_E_NOMEM;
	utf8_text(clean, cap, url);
	store_pg_p_text(&q, clean);
	/* unchanged URL: no write (every Inform of the CPE calls this) */
	PQclear(store_pg_q(p, "INSERT INTO cwmp_connreq (device_id, url)"
			   " SELECT id, $2::text FROM devices WHERE id = $1"
			   " ON CONFLICT (device_id) DO UPDATE SET url = excluded.url"
			   " WHERE cwmp_connreq.url != excluded.url", &q, &err));
	free(clean);
	return err;
}

#define CONNREQ_BATCH_MAX 16

struct due {
	int64_t was;   /* requested_at before this call marked it */
	char id[MAYDAY_DEVICE_ID_MAX + 1];
	char url[STORE_ACS_URL_MAX + 1];
};

/* Least recently asked first, as SQLite's ORDER BY hands them. */
static int due_cmp(const void *a, const void *b)
{
	const struct due *x = a, *y = b;
	if (x->was != y->was)
		return x->was < y->was ? -1 : 1;
	return strcmp(x->id, y->id);
}

enum mayday_err store_pg_acs_connreq_due(struct store *st, int64_t before, int64_t now,
					 unsigned max, store_acs_connreq_cb cb, void *ctx)
{
	struct store_pg *p = store_pg_of(st);
	struct store_pg_params q = {0};
	struct due due[CONNREQ_BATCH_MAX];
	enum mayday_err err;
	if (max > CONNREQ_BATCH_MAX)
		max = CONNREQ_BATCH_MAX;
	/* The marks must be committed before cb sees a device: not inside a
	 * batch, whose commit is another caller's (SQLite refuses too). */
	if (p->in_batch)
		return MAYDAY_E_INVALID;
	if (max == 0)
		return MAYDAY_OK;
	store_pg_p_i64(&q, before);
	store_pg_p_i64(&q, (int64_t)max);
	store_pg_p_i64(&q, now);
	/* One statement, its own transaction: picked, locked and marked, so
	 * the marks are committed when it returns (see the top of the file). */
	PGresult *r = store_pg_q(p,
		"UPDATE cwmp_connreq c SET requested_at = $3"
		" FROM (SELECT d.device_id, d.requested_at AS was FROM cwmp_connreq d"
		"  JOIN devices v ON v.id = d.device_id"
		"  WHERE v.state = 'remediation_scheduled' AND d.requested_at < $1"
		"  ORDER BY d.requested_at, d.device_id LIMIT $2 FOR UPDATE OF d) s"
		" WHERE c.device_id = s.device_id AND c.requested_at < $1"
		" RETURNING c.device_id, c.url, s.was", &q, &err);
	if (r == NULL)
		return err;
	int n = PQntuples(r);
	if (n > (int)max)
		n = (int)max;   /* LIMIT $2: never, but due[] is what bounds it */
	for (int i = 0; i < n; i++) {
		store_pg_text(r, i, 0, due[i].id, sizeof(due[i].id));
		store_pg_text(r, i, 1, due[i].url, sizeof(due[i].url));
		due[i].was = store_pg_i64(r, i, 2);
	}
	PQclear(r);
	qsort(due, (size_t)n, sizeof(due[0]), due_cmp);
	for (int i = 0; i < n; i++) {
		if (cb(ctx, due[i].id, due[i].url) != 0)
			break;
	}
	return MAYDAY_OK;
}

enum mayday_err store_pg_acs_notes(struct store *st, const char *device_id,
				   store_acs_note_cb cb, void *ctx)
{
	struct store_pg *p = store_pg_of(st);
	struct store_pg_params q = {0};
	struct store_acs_note n;
	enum mayday_err err;
	if (!store_pg_id_ok(device_id, MAYDAY_DEVICE_ID_MAX))
		return MAYDAY_OK;
	store_pg_p_text(&q, device_id);
	PGresult *r = store_pg_q(p, "SELECT id, coalesce(incident_id, 0), at, text"
				 " FROM acs_decisions WHERE device_id = $1 ORDER BY id", &q, &err);
	if (r == NULL)
		return err;
	for (int i = 0; i < PQntuples(r); i++) {
		memset(&n, 0, sizeof(n));
		n.id = store_pg_i64(r, i, 0);
		n.incident_id = store_pg_i64(r, i, 1);
		n.at = store_pg_i64(r, i, 2);
		store_pg_text(r, i, 3, n.text, sizeof(n.text));
		if (cb(ctx, &n) != 0)
			break;
	}
	PQclear(r);
	return MAYDAY_OK;
}

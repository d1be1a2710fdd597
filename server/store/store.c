/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Store front end: picks a backend by the spec's scheme ("sqlite:PATH",
 * "postgresql://...") from a table and forwards every call through the
 * backend's function table (STORE_CALL: a call the backend does not have
 * yet is MAYDAY_E_UNSUPPORTED, never a jump through NULL).
 * A spec that names no known scheme is a path for the embedded default,
 * SQLite. Arguments common to every backend are checked here once.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <openssl/crypto.h>

#include "mayday/kek.h"
#include "store_backend.h"

static const struct store_backend *const backends[] = {
	&store_sqlite_backend,
#ifdef MAYDAY_HAVE_POSTGRESQL
	&store_pg_backend,
#endif
};

/* Every entry of struct store_backend, by name, for store_backend_missing. */
#define ENTRY(f) {#f, offsetof(struct store_backend, f)}
static const struct {
	const char *name;
	size_t off;
} entries[] = {
	ENTRY(open),
	ENTRY(close),
	ENTRY(enrol),
	ENTRY(device_key),
	ENTRY(enrol_psk),
	ENTRY(set_kek),
	ENTRY(psk_get),
	ENTRY(ingest_begin),
	ENTRY(ingest_put),
	ENTRY(ingest_commit),
	ENTRY(ingest_rollback),
	ENTRY(get_device),
	ENTRY(list_devices),
	ENTRY(list_incidents),
	ENTRY(list_indications),
	ENTRY(count),
	ENTRY(count_remed),
	ENTRY(errmsg),
	ENTRY(remed_status),
	ENTRY(remed_approve),
	ENTRY(remed_schedule),
	ENTRY(remed_in_flight),
	ENTRY(remed_begin),
	ENTRY(remed_fail),
	ENTRY(remed_installed),
	ENTRY(remed_recovered),
	ENTRY(remed_take_token),
	ENTRY(remed_list),
	ENTRY(remed_class_paused),
	ENTRY(remed_class_resume),
	ENTRY(remed_classes),
	ENTRY(remed_class_failures),
	ENTRY(seen),
	ENTRY(silence_sweep),
	ENTRY(count_states),
	ENTRY(fleet),
	ENTRY(fleet_anomalies),
	ENTRY(devices_page),
	ENTRY(api_device),
	ENTRY(device_counts),
	ENTRY(indications_page),
	ENTRY(get_indication),
	ENTRY(anomalies_list),
	ENTRY(events_page),
	ENTRY(acs_cred_set),
	ENTRY(acs_cred_get),
	ENTRY(acs_note),
	ENTRY(acs_reboot_refused),
	ENTRY(acs_connreq_url),
	ENTRY(acs_connreq_due),
	ENTRY(acs_notes),
	ENTRY(events_next),
	ENTRY(events_ack),
	ENTRY(events_after),
	ENTRY(events_context),
	ENTRY(token_create),
	ENTRY(token_lookup),
	ENTRY(token_touch),
	ENTRY(token_revoke),
	ENTRY(token_list),
	ENTRY(device_enrol_by),
	ENTRY(device_revoke),
	ENTRY(device_pubkey),
	ENTRY(remed_approve_by),
	ENTRY(remed_approval),
	ENTRY(remed_class_pause),
	ENTRY(remed_class_resume_by),
	ENTRY(operator_action),
	ENTRY(operator_actions),
};
#undef ENTRY
/* The table above names every entry: a new one must be added to it. */
_Static_assert(sizeof(struct store_backend) ==
		       sizeof(const char *) + sizeof(entries) / sizeof(entries[0]) *
						      sizeof(void (*)(void)),
	       "struct store_backend has an entry the names table lacks");

size_t store_backend_missing(const struct store_backend *be, char *buf, size_t cap)
{
	size_t n = 0, used = 0;
	if (cap > 0)
		buf[0] = '\0';
	for (size_t i = 0; i < sizeof(entries) / sizeof(entries[0]); i++) {
		void (*fn)(void);
		/* Each entry is a function pointer; only whether it is NULL matters. */
		memcpy(&fn, (const char *)be + entries[i].off, sizeof(fn));
		if (fn != NULL)
			continue;
		if (used < cap) {
			int w = snprintf(buf + used, cap - used, "%s%s", n ? ", " : "",
					 entries[i].name);
			used += w > 0 ? (size_t)w : 0;
		}
		n++;
	}
	return n;
}

enum mayday_err store_missing(struct store *st, const char *fn)
{
	st->missing = fn;
	snprintf(st->missing_msg, sizeof(st->missing_msg),
		 "the %s store backend does not implement %s yet", st->be->scheme, fn);
	return MAYDAY_E_UNSUPPORTED;
}

/* Opens with `be`; at a daemon's start (STORE_OPEN_CHECK) a backend that
 * lacks any call is refused, naming them, rather than failing later on the
 * first indication or CWMP session that reaches one. */
static enum mayday_err open_with(const struct store_backend *be, struct store **out,
				 const char *arg, unsigned flags, char *why, size_t why_cap)
{
	char missing[2048];
	size_t n = (flags & STORE_OPEN_CHECK) != 0 ?
			   store_backend_missing(be, missing, sizeof(missing)) : 0;
	if (n > 0) {
		/* The count first: a caller's short buffer may cut the list. */
		snprintf(why, why_cap, "the %s store backend does not implement yet %zu calls "
			 "maydayd needs: %s", be->scheme, n,
			 missing);
		return MAYDAY_E_UNSUPPORTED;
	}
	enum mayday_err err = be->open(out, arg, flags, why, why_cap);
	if (err == MAYDAY_OK)
		(*out)->missing = NULL;
	return err;
}

enum mayday_err store_open_ex(struct store **out, const char *spec, unsigned flags, char *why,
			      size_t why_cap)
{
	char none[1];
	if (why == NULL || why_cap == 0) {
		why = none;
		why_cap = sizeof(none);
	}
	why[0] = '\0';
	*out = NULL;
	if (spec == NULL || spec[0] == '\0') {
		snprintf(why, why_cap, "no store named");
		return MAYDAY_E_INVALID;
	}
	/* A path: absolute, relative to here, or with no scheme in front. */
	const char *colon = strchr(spec, ':');
	if (spec[0] == '/' || spec[0] == '.' || colon == NULL)
		return open_with(&store_sqlite_backend, out, spec, flags, why, why_cap);
	size_t n = (size_t)(colon - spec);
	for (size_t i = 0; i < sizeof(backends) / sizeof(backends[0]); i++) {
		if (strlen(backends[i]->scheme) != n || memcmp(backends[i]->scheme, spec, n) != 0)
			continue;
		if (colon[1] == '\0') {
			snprintf(why, why_cap, "'%s' names no path", spec);
			return MAYDAY_E_INVALID;
		}
		return open_with(backends[i], out, colon + 1, flags, why, why_cap);
	}
	if (n == strlen("postgresql") && memcmp(spec, "postgresql", n) == 0) {
		snprintf(why, why_cap, "'%s': this build has no PostgreSQL backend (built without "
			 "libpq: install libpq-dev and rebuild with -DMAYDAY_POSTGRESQL=ON)", spec);
		return MAYDAY_E_UNSUPPORTED;
	}
	snprintf(why, why_cap, "'%.*s' is not a store type (sqlite:PATH, postgresql://..., or a path)",
		 (int)n, spec);
	return MAYDAY_E_UNSUPPORTED;
}

enum mayday_err store_open(struct store **out, const char *spec)
{
	return store_open_ex(out, spec, STORE_OPEN_CREATE, NULL, 0);
}

void store_close(struct store *st)
{
	if (st != NULL)
		st->be->close(st);
}

enum mayday_err store_enrol(struct store *st, const char *device_id, const char *product_class,
			    const char *pubkey_pem)
{
	if (device_id == NULL || product_class == NULL || pubkey_pem == NULL)
		return MAYDAY_E_INVALID;
	return STORE_CALL(st, enrol, device_id, product_class, pubkey_pem);
}

enum mayday_err store_enrol_psk(struct store *st, const char *device_id, const uint8_t *kid,
				size_t kid_len, const uint8_t *psk, size_t psk_len)
{
	if (device_id == NULL || kid == NULL || psk == NULL || kid_len < MAYDAY_PSK_KID_MIN ||
	    kid_len > MAYDAY_PSK_KID_MAX || psk_len != MAYDAY_PSK_LEN)
		return MAYDAY_E_INVALID;
	return STORE_CALL(st, enrol_psk, device_id, kid, kid_len, psk);
}

enum mayday_err store_psk_kek(struct store *st, const char *kek_path)
{
	uint8_t kek[MAYDAY_KEK_LEN];
	if (kek_path == NULL)
		return MAYDAY_E_INVALID;
	enum mayday_err err = mayday_kek_load(kek_path, kek);
	if (err == MAYDAY_OK)
		err = STORE_CALL(st, set_kek, kek);
	OPENSSL_cleanse(kek, sizeof(kek));
	return err;
}

enum mayday_err store_psk_get(struct store *st, const uint8_t *kid, size_t kid_len,
			      struct store_psk *out)
{
	memset(out, 0, sizeof(*out));
	if (kid == NULL || kid_len < MAYDAY_PSK_KID_MIN || kid_len > MAYDAY_PSK_KID_MAX)
		return MAYDAY_E_INVALID;
	enum mayday_err err = STORE_CALL(st, psk_get, kid, kid_len, out);
	if (err != MAYDAY_OK)
		store_psk_wipe(out);
	return err;
}

void store_psk_wipe(struct store_psk *p)
{
	if (p != NULL)
		OPENSSL_cleanse(p, sizeof(*p));
}

enum mayday_err store_device_key(struct store *st, const char *device_id, char *pem, size_t cap,
				 size_t *len)
{
	return STORE_CALL(st, device_key, device_id, pem, cap, len);
}

enum mayday_err store_ingest_begin(struct store *st)
{
	return STORE_CALL0(st, ingest_begin);
}

enum mayday_err store_ingest_put(struct store *st, struct store_ingest_rec *rec)
{
	if (rec->ind == NULL || rec->peer == NULL || rec->raw == NULL ||
	    rec->peer_identity == NULL ||
	    (rec->trust != STORE_TRUST_SIGNED && rec->trust != STORE_TRUST_UNVERIFIED) ||
	    (unsigned)rec->channel_auth > STORE_CHANNEL_PSK)
		return MAYDAY_E_INVALID;
	/* A PSK record always carries the kid whose window it must pass. */
	if (rec->channel_auth == STORE_CHANNEL_PSK &&
	    (rec->psk_kid == NULL || rec->psk_kid_len < MAYDAY_PSK_KID_MIN ||
	     rec->psk_kid_len > MAYDAY_PSK_KID_MAX))
		return MAYDAY_E_INVALID;
	return STORE_CALL(st, ingest_put, rec);
}

enum mayday_err store_ingest_commit(struct store *st)
{
	return STORE_CALL0(st, ingest_commit);
}

void store_ingest_rollback(struct store *st)
{
	st->be->ingest_rollback(st);
}

enum mayday_err store_get_device(struct store *st, const char *device_id,
				 struct store_device_row *out)
{
	return STORE_CALL(st, get_device, device_id, out);
}

enum mayday_err store_list_devices(struct store *st, bool maintenance_only, store_device_cb cb,
				   void *ctx)
{
	return STORE_CALL(st, list_devices, maintenance_only, cb, ctx);
}

enum mayday_err store_list_incidents(struct store *st, const char *device_id,
				     store_incident_cb cb, void *ctx)
{
	return STORE_CALL(st, list_incidents, device_id, cb, ctx);
}

enum mayday_err store_list_indications(struct store *st, const char *device_id,
				       store_indication_cb cb, void *ctx)
{
	return STORE_CALL(st, list_indications, device_id, cb, ctx);
}

enum mayday_err store_count(struct store *st, struct store_counts *out)
{
	return STORE_CALL(st, count, out);
}

enum mayday_err store_count_remed(struct store *st, struct store_remed_counts *out)
{
	return STORE_CALL(st, count_remed, out);
}

enum mayday_err store_seen(struct store *st, const char *device_id, int64_t now,
			   struct store_seen_out *out)
{
	return STORE_CALL(st, seen, device_id, now, out);
}

enum mayday_err store_silence_sweep(struct store *st, const struct store_silence_rules *rules,
				    int64_t now, struct store_silent_row *out, size_t cap,
				    size_t *n)
{
	return STORE_CALL(st, silence_sweep, rules, now, out, cap, n);
}

enum mayday_err store_fleet(struct store *st, const struct store_fleet_query *q,
			    store_fleet_cb cb, void *ctx)
{
	return STORE_CALL(st, fleet, q, cb, ctx);
}

enum mayday_err store_fleet_anomalies(struct store *st, const struct store_fleet_rule *rule,
				      int64_t now, struct store_fleet_anomaly *out, size_t cap,
				      size_t *n)
{
	return STORE_CALL(st, fleet_anomalies, rule, now, out, cap, n);
}

static const char *const fleet_by_names[] = {
	[STORE_FLEET_CLASS] = "class",
	[STORE_FLEET_IMAGE] = "image",
	[STORE_FLEET_COMPONENT] = "component",
	[STORE_FLEET_DIGEST] = "digest",
	[STORE_FLEET_HOUR] = "hour",
};

const char *store_fleet_by_name(enum store_fleet_by by)
{
	return (unsigned)by <= STORE_FLEET_HOUR ? fleet_by_names[by] : NULL;
}

bool store_fleet_by_parse(const char *name, enum store_fleet_by *out)
{
	for (unsigned i = 0; i <= STORE_FLEET_HOUR; i++)
		if (strcmp(name, fleet_by_names[i]) == 0) {
			*out = (enum store_fleet_by)i;
			return true;
		}
	return false;
}

enum mayday_err store_count_states(struct store *st, struct store_state_counts *out)
{
	return STORE_CALL(st, count_states, out);
}

enum mayday_err store_events_next(struct store *st, const char *consumer,
				  struct store_event *out)
{
	return STORE_CALL(st, events_next, consumer, out);
}

enum mayday_err store_events_ack(struct store *st, const char *consumer, int64_t id)
{
	return STORE_CALL(st, events_ack, consumer, id);
}

enum mayday_err store_events_after(struct store *st, int64_t after, struct store_event *out)
{
	return STORE_CALL(st, events_after, after, out);
}

enum mayday_err store_events_context(struct store *st, const char *device_id, int64_t incident_id,
				     struct store_event_context *out)
{
	return STORE_CALL(st, events_context, device_id, incident_id, out);
}

const char *store_errmsg(struct store *st)
{
	if (st->missing != NULL)
		return st->missing_msg;
	return st->be->errmsg(st);
}

const char *store_channel_name(enum store_channel_auth c)
{
	switch (c) {
	case STORE_CHANNEL_NONE: return "none";
	case STORE_CHANNEL_MTLS: return "mtls";
	case STORE_CHANNEL_IKE: return "ike";
	case STORE_CHANNEL_PSK: return "psk";
	}
	return "unknown";
}

const char *store_trust_name(enum store_trust t)
{
	switch (t) {
	case STORE_TRUST_SIGNED: return "signed";
	case STORE_TRUST_UNVERIFIED: return "unverified";
	}
	return "unknown";
}

enum mayday_err store_remed_status(struct store *st, const char *device_id,
				   struct store_remed_status *out)
{
	return STORE_CALL(st, remed_status, device_id, out);
}

enum mayday_err store_remed_approve(struct store *st, const char *device_id, int64_t now)
{
	return STORE_CALL(st, remed_approve, device_id, now);
}

enum mayday_err store_remed_schedule(struct store *st, const char *device_id, bool need_approval,
				     uint32_t max_attempts, int64_t now, bool *remediate)
{
	return STORE_CALL(st, remed_schedule, device_id, need_approval, max_attempts, now, remediate);
}

enum mayday_err store_remed_in_flight(struct store *st, int64_t since, uint32_t *n)
{
	return STORE_CALL(st, remed_in_flight, since, n);
}

enum mayday_err store_remed_begin(struct store *st, const char *device_id,
				  struct store_remed_attempt *a, int64_t since,
				  uint32_t max_in_flight, int64_t now)
{
	if (strnlen(a->token, sizeof(a->token)) == sizeof(a->token) ||
	    strnlen(a->bundle, sizeof(a->bundle)) == sizeof(a->bundle))
		return MAYDAY_E_INVALID;
	return STORE_CALL(st, remed_begin, device_id, a, since, max_in_flight, now);
}

enum mayday_err store_remed_fail(struct store *st, const char *device_id, const char *command_key,
				 uint32_t fault_code, const char *detail, uint32_t max_attempts,
				 int64_t now, bool *gave_up)
{
	if (detail == NULL || strlen(detail) > STORE_DETAIL_MAX)
		return MAYDAY_E_INVALID;
	return STORE_CALL(st, remed_fail, device_id, command_key, fault_code, detail, max_attempts,
				  now, gave_up);
}

enum mayday_err store_remed_installed(struct store *st, const char *device_id,
				      const char *command_key, int64_t now)
{
	return STORE_CALL(st, remed_installed, device_id, command_key, now);
}

enum mayday_err store_remed_recovered(struct store *st, const char *device_id,
				      const char *command_key, int64_t now)
{
	return STORE_CALL(st, remed_recovered, device_id, command_key, now);
}

enum mayday_err store_remed_take_token(struct store *st, const char *token,
					      const char *device_id,
				       struct store_remed_attempt *out)
{
	return STORE_CALL(st, remed_take_token, token, device_id, out);
}

enum mayday_err store_remed_list(struct store *st, const char *device_id, store_remed_cb cb,
				 void *ctx)
{
	return STORE_CALL(st, remed_list, device_id, cb, ctx);
}

/* A class names what devices were enrolled with: the same printable,
 * bounded text (anything else cannot match one, and would end up in logs). */
static bool class_ok(const char *c)
{
	size_t n = c != NULL ? strnlen(c, MAYDAY_CLASS_MAX + 1) : 0;
	if (n == 0 || n > MAYDAY_CLASS_MAX)
		return false;
	for (; *c; c++) {
		if (*c <= ' ' || *c > '~')
			return false;
	}
	return true;
}

enum mayday_err store_remed_class_paused(struct store *st, const char *product_class, uint32_t n,
					 int64_t now, bool *paused, bool *newly)
{
	*paused = *newly = false;
	if (!class_ok(product_class))
		return MAYDAY_E_INVALID;
	if (n == 0)
		return MAYDAY_OK;
	return STORE_CALL(st, remed_class_paused, product_class, n, now, paused, newly);
}

enum mayday_err store_remed_class_resume(struct store *st, const char *product_class, int64_t now,
					 bool *was_paused)
{
	*was_paused = false;
	if (!class_ok(product_class))
		return MAYDAY_E_INVALID;
	return STORE_CALL(st, remed_class_resume, product_class, now, was_paused);
}

enum mayday_err store_remed_classes(struct store *st, store_remed_class_cb cb, void *ctx)
{
	return STORE_CALL(st, remed_classes, cb, ctx);
}

enum mayday_err store_remed_class_failures(struct store *st, const char *product_class,
					   store_remed_cb cb, void *ctx)
{
	if (!class_ok(product_class))
		return MAYDAY_E_INVALID;
	return STORE_CALL(st, remed_class_failures, product_class, cb, ctx);
}

enum mayday_err store_acs_cred_set(struct store *st, const struct store_acs_cred *c)
{
	return STORE_CALL(st, acs_cred_set, c);
}

enum mayday_err store_acs_cred_get(struct store *st, const char *username,
				   struct store_acs_cred *out)
{
	if (strnlen(username, STORE_ACS_USERNAME_MAX + 1) > STORE_ACS_USERNAME_MAX)
		return MAYDAY_E_NOTFOUND;
	return STORE_CALL(st, acs_cred_get, username, out);
}

enum mayday_err store_acs_note(struct store *st, const char *device_id, int64_t now,
			       const char *text)
{
	return STORE_CALL(st, acs_note, device_id, now, text);
}

enum mayday_err store_acs_notes(struct store *st, const char *device_id, store_acs_note_cb cb,
				void *ctx)
{
	return STORE_CALL(st, acs_notes, device_id, cb, ctx);
}

enum mayday_err store_acs_reboot_refused(struct store *st, const char *device_id,
					 const char *command_key, uint32_t fault_code,
					 const char *detail)
{
	return STORE_CALL(st, acs_reboot_refused, device_id, command_key, fault_code, detail);
}

enum mayday_err store_acs_connreq_url(struct store *st, const char *device_id, const char *url)
{
	if (strnlen(url, STORE_ACS_URL_MAX + 1) > STORE_ACS_URL_MAX)
		return MAYDAY_E_INVALID;
	return STORE_CALL(st, acs_connreq_url, device_id, url);
}

enum mayday_err store_acs_connreq_due(struct store *st, int64_t before, int64_t now, unsigned max,
				      store_acs_connreq_cb cb, void *ctx)
{
	return STORE_CALL(st, acs_connreq_due, before, now, max, cb, ctx);
}

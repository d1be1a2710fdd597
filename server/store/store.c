/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Store front end: picks a backend by the spec's scheme ("sqlite:PATH")
 * from a table and forwards every call through the backend's function table.
 * A spec that names no known scheme is a path for the embedded default,
 * SQLite. Arguments common to every backend are checked here once.
 */
#include <stdio.h>
#include <string.h>
#include <openssl/crypto.h>

#include "mayday/kek.h"
#include "store_backend.h"

static const struct store_backend *const backends[] = {
	&store_sqlite_backend,
};

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
		return store_sqlite_backend.open(out, spec, flags, why, why_cap);
	size_t n = (size_t)(colon - spec);
	for (size_t i = 0; i < sizeof(backends) / sizeof(backends[0]); i++) {
		if (strlen(backends[i]->scheme) != n || memcmp(backends[i]->scheme, spec, n) != 0)
			continue;
		if (colon[1] == '\0') {
			snprintf(why, why_cap, "'%s' names no path", spec);
			return MAYDAY_E_INVALID;
		}
		return backends[i]->open(out, colon + 1, flags, why, why_cap);
	}
	snprintf(why, why_cap, "'%.*s' is not a store type (sqlite:PATH, or a path)", (int)n, spec);
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
	return st->be->enrol(st, device_id, product_class, pubkey_pem);
}

enum mayday_err store_enrol_psk(struct store *st, const char *device_id, const uint8_t *kid,
				size_t kid_len, const uint8_t *psk, size_t psk_len)
{
	if (device_id == NULL || kid == NULL || psk == NULL || kid_len < MAYDAY_PSK_KID_MIN ||
	    kid_len > MAYDAY_PSK_KID_MAX || psk_len != MAYDAY_PSK_LEN)
		return MAYDAY_E_INVALID;
	return st->be->enrol_psk(st, device_id, kid, kid_len, psk);
}

enum mayday_err store_psk_kek(struct store *st, const char *kek_path)
{
	uint8_t kek[MAYDAY_KEK_LEN];
	if (kek_path == NULL)
		return MAYDAY_E_INVALID;
	enum mayday_err err = mayday_kek_load(kek_path, kek);
	if (err == MAYDAY_OK)
		err = st->be->set_kek(st, kek);
	OPENSSL_cleanse(kek, sizeof(kek));
	return err;
}

enum mayday_err store_psk_get(struct store *st, const uint8_t *kid, size_t kid_len,
			      struct store_psk *out)
{
	memset(out, 0, sizeof(*out));
	if (kid == NULL || kid_len < MAYDAY_PSK_KID_MIN || kid_len > MAYDAY_PSK_KID_MAX)
		return MAYDAY_E_INVALID;
	enum mayday_err err = st->be->psk_get(st, kid, kid_len, out);
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
	return st->be->device_key(st, device_id, pem, cap, len);
}

enum mayday_err store_ingest_begin(struct store *st)
{
	return st->be->ingest_begin(st);
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
	return st->be->ingest_put(st, rec);
}

enum mayday_err store_ingest_commit(struct store *st)
{
	return st->be->ingest_commit(st);
}

void store_ingest_rollback(struct store *st)
{
	st->be->ingest_rollback(st);
}

enum mayday_err store_get_device(struct store *st, const char *device_id,
				 struct store_device_row *out)
{
	return st->be->get_device(st, device_id, out);
}

enum mayday_err store_list_devices(struct store *st, bool maintenance_only, store_device_cb cb,
				   void *ctx)
{
	return st->be->list_devices(st, maintenance_only, cb, ctx);
}

enum mayday_err store_list_incidents(struct store *st, const char *device_id,
				     store_incident_cb cb, void *ctx)
{
	return st->be->list_incidents(st, device_id, cb, ctx);
}

enum mayday_err store_list_indications(struct store *st, const char *device_id,
				       store_indication_cb cb, void *ctx)
{
	return st->be->list_indications(st, device_id, cb, ctx);
}

enum mayday_err store_count(struct store *st, struct store_counts *out)
{
	return st->be->count(st, out);
}

enum mayday_err store_count_remed(struct store *st, struct store_remed_counts *out)
{
	return st->be->count_remed(st, out);
}

enum mayday_err store_seen(struct store *st, const char *device_id, int64_t now,
			   struct store_seen_out *out)
{
	return st->be->seen(st, device_id, now, out);
}

enum mayday_err store_silence_sweep(struct store *st, const struct store_silence_rules *rules,
				    int64_t now, struct store_silent_row *out, size_t cap,
				    size_t *n)
{
	return st->be->silence_sweep(st, rules, now, out, cap, n);
}

enum mayday_err store_fleet(struct store *st, const struct store_fleet_query *q,
			    store_fleet_cb cb, void *ctx)
{
	return st->be->fleet(st, q, cb, ctx);
}

enum mayday_err store_fleet_anomalies(struct store *st, const struct store_fleet_rule *rule,
				      int64_t now, struct store_fleet_anomaly *out, size_t cap,
				      size_t *n)
{
	return st->be->fleet_anomalies(st, rule, now, out, cap, n);
}

static const char *const fleet_by_names[] = {
	[STORE_FLEET_CLASS] = "class",
	[STORE_FLEET_IMAGE] = "image",
	[STORE_FLEET_COMPONENT] = "component",
	[STORE_FLEET_DIGEST] = "digest",
};

const char *store_fleet_by_name(enum store_fleet_by by)
{
	return (unsigned)by <= STORE_FLEET_DIGEST ? fleet_by_names[by] : NULL;
}

bool store_fleet_by_parse(const char *name, enum store_fleet_by *out)
{
	for (unsigned i = 0; i <= STORE_FLEET_DIGEST; i++)
		if (strcmp(name, fleet_by_names[i]) == 0) {
			*out = (enum store_fleet_by)i;
			return true;
		}
	return false;
}

enum mayday_err store_count_states(struct store *st, struct store_state_counts *out)
{
	return st->be->count_states(st, out);
}

enum mayday_err store_events_next(struct store *st, const char *consumer,
				  struct store_event *out)
{
	return st->be->events_next(st, consumer, out);
}

enum mayday_err store_events_ack(struct store *st, const char *consumer, int64_t id)
{
	return st->be->events_ack(st, consumer, id);
}

enum mayday_err store_events_after(struct store *st, int64_t after, struct store_event *out)
{
	return st->be->events_after(st, after, out);
}

enum mayday_err store_events_context(struct store *st, const char *device_id, int64_t incident_id,
				     struct store_event_context *out)
{
	return st->be->events_context(st, device_id, incident_id, out);
}

const char *store_errmsg(struct store *st)
{
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
	return st->be->remed_status(st, device_id, out);
}

enum mayday_err store_remed_approve(struct store *st, const char *device_id, int64_t now)
{
	return st->be->remed_approve(st, device_id, now);
}

enum mayday_err store_remed_schedule(struct store *st, const char *device_id, bool need_approval,
				     uint32_t max_attempts, int64_t now, bool *remediate)
{
	return st->be->remed_schedule(st, device_id, need_approval, max_attempts, now, remediate);
}

enum mayday_err store_remed_in_flight(struct store *st, int64_t since, uint32_t *n)
{
	return st->be->remed_in_flight(st, since, n);
}

enum mayday_err store_remed_begin(struct store *st, const char *device_id,
				  struct store_remed_attempt *a, int64_t now)
{
	if (strnlen(a->token, sizeof(a->token)) == sizeof(a->token) ||
	    strnlen(a->bundle, sizeof(a->bundle)) == sizeof(a->bundle))
		return MAYDAY_E_INVALID;
	return st->be->remed_begin(st, device_id, a, now);
}

enum mayday_err store_remed_fail(struct store *st, const char *device_id, const char *command_key,
				 uint32_t fault_code, const char *detail, uint32_t max_attempts,
				 int64_t now, bool *gave_up)
{
	if (detail == NULL || strlen(detail) > STORE_DETAIL_MAX)
		return MAYDAY_E_INVALID;
	return st->be->remed_fail(st, device_id, command_key, fault_code, detail, max_attempts,
				  now, gave_up);
}

enum mayday_err store_remed_installed(struct store *st, const char *device_id,
				      const char *command_key, int64_t now)
{
	return st->be->remed_installed(st, device_id, command_key, now);
}

enum mayday_err store_remed_recovered(struct store *st, const char *device_id,
				      const char *command_key, int64_t now)
{
	return st->be->remed_recovered(st, device_id, command_key, now);
}

enum mayday_err store_remed_take_token(struct store *st, const char *token,
					      const char *device_id,
				       struct store_remed_attempt *out)
{
	return st->be->remed_take_token(st, token, device_id, out);
}

enum mayday_err store_remed_list(struct store *st, const char *device_id, store_remed_cb cb,
				 void *ctx)
{
	return st->be->remed_list(st, device_id, cb, ctx);
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
	return st->be->remed_class_paused(st, product_class, n, now, paused, newly);
}

enum mayday_err store_remed_class_resume(struct store *st, const char *product_class, int64_t now,
					 bool *was_paused)
{
	*was_paused = false;
	if (!class_ok(product_class))
		return MAYDAY_E_INVALID;
	return st->be->remed_class_resume(st, product_class, now, was_paused);
}

enum mayday_err store_remed_classes(struct store *st, store_remed_class_cb cb, void *ctx)
{
	return st->be->remed_classes(st, cb, ctx);
}

enum mayday_err store_remed_class_failures(struct store *st, const char *product_class,
					   store_remed_cb cb, void *ctx)
{
	if (!class_ok(product_class))
		return MAYDAY_E_INVALID;
	return st->be->remed_class_failures(st, product_class, cb, ctx);
}

enum mayday_err store_acs_cred_set(struct store *st, const struct store_acs_cred *c)
{
	return st->be->acs_cred_set(st, c);
}

enum mayday_err store_acs_cred_get(struct store *st, const char *username,
				   struct store_acs_cred *out)
{
	if (strnlen(username, STORE_ACS_USERNAME_MAX + 1) > STORE_ACS_USERNAME_MAX)
		return MAYDAY_E_NOTFOUND;
	return st->be->acs_cred_get(st, username, out);
}

enum mayday_err store_acs_note(struct store *st, const char *device_id, int64_t now,
			       const char *text)
{
	return st->be->acs_note(st, device_id, now, text);
}

enum mayday_err store_acs_notes(struct store *st, const char *device_id, store_acs_note_cb cb,
				void *ctx)
{
	return st->be->acs_notes(st, device_id, cb, ctx);
}

enum mayday_err store_acs_reboot_refused(struct store *st, const char *device_id,
					 const char *command_key, uint32_t fault_code,
					 const char *detail)
{
	return st->be->acs_reboot_refused(st, device_id, command_key, fault_code, detail);
}

enum mayday_err store_acs_connreq_url(struct store *st, const char *device_id, const char *url)
{
	if (strnlen(url, STORE_ACS_URL_MAX + 1) > STORE_ACS_URL_MAX)
		return MAYDAY_E_INVALID;
	return st->be->acs_connreq_url(st, device_id, url);
}

enum mayday_err store_acs_connreq_due(struct store *st, int64_t before, int64_t now, unsigned max,
				      store_acs_connreq_cb cb, void *ctx)
{
	return st->be->acs_connreq_due(st, before, now, max, cb, ctx);
}

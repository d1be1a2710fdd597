/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private: the table of functions every store backend provides. The public
 * calls in store.h, store_ingest.h and store_query.h dispatch through it, so
 * a PostgreSQL backend is one more table, chosen by the spec's scheme.
 *
 * A backend's handle embeds `struct store` as its first member.
 *
 * A backend still being written (PostgreSQL) leaves NULL the entries it does
 * not implement yet, except open, close, errmsg and ingest_rollback, which
 * every backend has. The front end answers a call to a NULL entry with
 * MAYDAY_E_UNSUPPORTED and store_errmsg names the call; STORE_OPEN_CHECK
 * (the daemon's start) refuses a backend with any NULL entry.
 */
#ifndef MAYDAY_STORE_BACKEND_H
#define MAYDAY_STORE_BACKEND_H

#include "store.h"
#include "store_ingest.h"
#include "store_query.h"
#include "store_acs.h"
#include "store_remed.h"
#include "store_silence.h"
#include "store_events.h"
#include "store_fleet.h"
#include "store_api.h"
#include "store_api_query.h"

struct store_backend {
	const char *scheme; /* "sqlite" for "sqlite:PATH" */
	/* flags: enum store_open_flags; `why` is never NULL (may be cap 0). */
	enum mayday_err (*open)(struct store **out, const char *arg, unsigned flags, char *why,
				size_t why_cap);
	void (*close)(struct store *st);
	enum mayday_err (*enrol)(struct store *st, const char *device_id,
				 const char *product_class, const char *pubkey_pem);
	enum mayday_err (*device_key)(struct store *st, const char *device_id, char *pem,
				      size_t cap, size_t *len);
	enum mayday_err (*enrol_psk)(struct store *st, const char *device_id, const uint8_t *kid,
				     size_t kid_len, const uint8_t *psk);
	enum mayday_err (*set_kek)(struct store *st, const uint8_t *kek);
	enum mayday_err (*psk_get)(struct store *st, const uint8_t *kid, size_t kid_len,
				   struct store_psk *out);
	enum mayday_err (*ingest_begin)(struct store *st);
	enum mayday_err (*ingest_put)(struct store *st, struct store_ingest_rec *rec);
	enum mayday_err (*ingest_commit)(struct store *st);
	void (*ingest_rollback)(struct store *st);
	enum mayday_err (*get_device)(struct store *st, const char *device_id,
				      struct store_device_row *out);
	enum mayday_err (*list_devices)(struct store *st, bool maintenance_only,
					store_device_cb cb, void *ctx);
	enum mayday_err (*list_incidents)(struct store *st, const char *device_id,
					  store_incident_cb cb, void *ctx);
	enum mayday_err (*list_indications)(struct store *st, const char *device_id,
					    store_indication_cb cb, void *ctx);
	enum mayday_err (*count)(struct store *st, struct store_counts *out);
	enum mayday_err (*count_remed)(struct store *st, struct store_remed_counts *out);
	const char *(*errmsg)(struct store *st);
	/* remediation (store_remed.h) */
	enum mayday_err (*remed_status)(struct store *st, const char *device_id,
					struct store_remed_status *out);
	enum mayday_err (*remed_approve)(struct store *st, const char *device_id, int64_t now);
	enum mayday_err (*remed_schedule)(struct store *st, const char *device_id,
					  bool need_approval, uint32_t max_attempts, int64_t now,
					  bool *remediate);
	enum mayday_err (*remed_in_flight)(struct store *st, int64_t since, uint32_t *n);
	enum mayday_err (*remed_begin)(struct store *st, const char *device_id,
				       struct store_remed_attempt *a, int64_t since,
				       uint32_t max_in_flight, int64_t now);
	enum mayday_err (*remed_fail)(struct store *st, const char *device_id,
				      const char *command_key, uint32_t fault_code,
				      const char *detail, uint32_t max_attempts, int64_t now,
				      bool *gave_up);
	enum mayday_err (*remed_installed)(struct store *st, const char *device_id,
					   const char *command_key, int64_t now);
	enum mayday_err (*remed_recovered)(struct store *st, const char *device_id,
					   const char *command_key, int64_t now);
	enum mayday_err (*remed_take_token)(struct store *st, const char *token,
					    const char *device_id,
					    struct store_remed_attempt *out);
	enum mayday_err (*remed_list)(struct store *st, const char *device_id, store_remed_cb cb,
				      void *ctx);
	enum mayday_err (*remed_class_paused)(struct store *st, const char *product_class,
					      uint32_t n, int64_t now, bool *paused, bool *newly);
	enum mayday_err (*remed_class_resume)(struct store *st, const char *product_class,
					      int64_t now, bool *was_paused);
	enum mayday_err (*remed_classes)(struct store *st, store_remed_class_cb cb, void *ctx);
	enum mayday_err (*remed_class_failures)(struct store *st, const char *product_class,
						store_remed_cb cb, void *ctx);
	/* silence (store_silence.h) */
	enum mayday_err (*seen)(struct store *st, const char *device_id, int64_t now,
				struct store_seen_out *out);
	enum mayday_err (*silence_sweep)(struct store *st, const struct store_silence_rules *rules,
					 int64_t now, struct store_silent_row *out, size_t cap,
					 size_t *n);
	enum mayday_err (*count_states)(struct store *st, struct store_state_counts *out);
	/* the fleet view (store_fleet.h) */
	enum mayday_err (*fleet)(struct store *st, const struct store_fleet_query *q,
				 store_fleet_cb cb, void *ctx);
	enum mayday_err (*fleet_anomalies)(struct store *st, const struct store_fleet_rule *rule,
					   int64_t now, struct store_fleet_anomaly *out, size_t cap,
					   size_t *n);
	/* the REST API's reads (store_api_query.h) */
	enum mayday_err (*devices_page)(struct store *st, const struct store_device_filter *f,
					store_api_device_cb cb, void *ctx, uint64_t *count);
	enum mayday_err (*api_device)(struct store *st, const char *device_id,
				      struct store_api_device *out);
	enum mayday_err (*device_counts)(struct store *st, struct store_device_counts *out,
					 int64_t since, store_count_cb cb, void *ctx);
	enum mayday_err (*indications_page)(struct store *st,
					    const struct store_indication_filter *f,
					    store_api_indication_cb cb, void *ctx);
	enum mayday_err (*get_indication)(struct store *st, int64_t id,
					  struct store_indication_row *out, bool *enrolled);
	enum mayday_err (*anomalies_list)(struct store *st, unsigned limit, store_anomaly_cb cb,
					  void *ctx);
	enum mayday_err (*events_page)(struct store *st, int64_t after_id, unsigned limit,
				       store_event_doc_cb cb, void *ctx);
	/* CPE credentials and ACS decisions (store_acs.h) */
	enum mayday_err (*acs_cred_set)(struct store *st, const struct store_acs_cred *c);
	enum mayday_err (*acs_cred_get)(struct store *st, const char *username,
					struct store_acs_cred *out);
	enum mayday_err (*acs_note)(struct store *st, const char *device_id, int64_t now,
				    const char *text);
	enum mayday_err (*acs_reboot_refused)(struct store *st, const char *device_id,
					      const char *command_key, uint32_t fault_code,
					      const char *detail);
	enum mayday_err (*acs_connreq_url)(struct store *st, const char *device_id,
					   const char *url);
	enum mayday_err (*acs_connreq_due)(struct store *st, int64_t before, int64_t now,
					   unsigned max, store_acs_connreq_cb cb, void *ctx);
	enum mayday_err (*acs_notes)(struct store *st, const char *device_id,
				     store_acs_note_cb cb, void *ctx);
	/* the events outbox (store_events.h) */
	enum mayday_err (*events_next)(struct store *st, const char *consumer,
				       struct store_event *out);
	enum mayday_err (*events_ack)(struct store *st, const char *consumer, int64_t id);
	enum mayday_err (*events_after)(struct store *st, int64_t after, struct store_event *out);
	enum mayday_err (*events_context)(struct store *st, const char *device_id,
					  int64_t incident_id, struct store_event_context *out);
	/* the operators' writes and API tokens (store_api.h) */
	enum mayday_err (*token_create)(struct store *st, const char *id, const char *name,
					const char *role, const uint8_t sha256[32],
					const char *created_by, int64_t now);
	enum mayday_err (*token_lookup)(struct store *st, const char *id, uint8_t sha256[32],
					char role[STORE_ROLE_MAX + 1],
					char name[STORE_TOKEN_NAME_MAX + 1], bool *revoked);
	enum mayday_err (*token_touch)(struct store *st, const char *id, int64_t now);
	enum mayday_err (*token_revoke)(struct store *st, const char *id, const char *by,
					int64_t now);
	enum mayday_err (*token_list)(struct store *st, store_token_cb cb, void *ctx);
	enum mayday_err (*device_enrol_by)(struct store *st, const char *device_id,
					   const char *product_class, const char *pubkey_pem,
					   const char *by, int64_t now,
					   enum store_enrol_result *res);
	enum mayday_err (*device_revoke)(struct store *st, const char *device_id, const char *by,
					 const char *reason, int64_t now, bool *already);
	enum mayday_err (*device_pubkey)(struct store *st, const char *device_id, char *pem,
					 size_t cap, size_t *len, int64_t *revoked_at,
					 char revoked_by[STORE_WHO_MAX + 1]);
	enum mayday_err (*remed_approve_by)(struct store *st, const char *device_id,
					    const char *by, int64_t now, int64_t *incident_id,
					    bool *already);
	enum mayday_err (*remed_approval)(struct store *st, int64_t incident_id,
					  char by[STORE_WHO_MAX + 1], int64_t *at);
	enum mayday_err (*remed_class_pause)(struct store *st, const char *product_class,
					     const char *by, int64_t now, bool *already);
	enum mayday_err (*remed_class_resume_by)(struct store *st, const char *product_class,
						 const char *by, int64_t now, bool *was_paused);
	enum mayday_err (*operator_action)(struct store *st, const char *identity,
					   const char *action, const char *target,
					   const char *detail, int64_t now);
	enum mayday_err (*operator_actions)(struct store *st, const char *target,
					    store_action_cb cb, void *ctx);
};

struct store {
	const struct store_backend *be;
	const char *missing;  /* the NULL entry the last call reached, or NULL */
	char missing_msg[128]; /* store_errmsg's words for it */
};

/* Calls entry `fn` of st's backend with st and the arguments, or answers
 * MAYDAY_E_UNSUPPORTED (store_missing) when the backend has none. */
#define STORE_CALL(st, fn, ...) \
	((st)->missing = NULL, \
	 (st)->be->fn != NULL ? (st)->be->fn((st), __VA_ARGS__) : store_missing((st), #fn))
#define STORE_CALL0(st, fn) \
	((st)->missing = NULL, (st)->be->fn != NULL ? (st)->be->fn(st) : store_missing((st), #fn))

/* Records that `fn` is not implemented by st's backend; MAYDAY_E_UNSUPPORTED. */
enum mayday_err store_missing(struct store *st, const char *fn);
/* The names of be's NULL entries, comma-separated, into buf (truncated to
 * cap, always terminated when cap > 0); returns how many there are. */
size_t store_backend_missing(const struct store_backend *be, char *buf, size_t cap);

extern const struct store_backend store_sqlite_backend;
#ifdef MAYDAY_HAVE_POSTGRESQL
extern const struct store_backend store_pg_backend;
#endif

#endif

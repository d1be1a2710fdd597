/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Read-only queries for operators (maydayctl, later the REST API).
 *
 * Results are delivered row by row to a callback, into structs the backend
 * owns and reuses: copy what you keep. A callback returning non-zero stops
 * the listing (the call then returns MAYDAY_OK).
 */
#ifndef MAYDAY_STORE_QUERY_H
#define MAYDAY_STORE_QUERY_H

#include <stdbool.h>
#include <stdint.h>

#include "mayday/limits.h"
#include "store.h"
#include "store_ingest.h"

#define STORE_STATE_NAME_MAX 31

struct store_device_row {
	char id[MAYDAY_DEVICE_ID_MAX + 1];
	char product_class[MAYDAY_CLASS_MAX + 1];
	char state[STORE_STATE_NAME_MAX + 1];
	int64_t state_since;
	int64_t enrolled_at;
	int64_t last_seen;        /* latest authenticated contact; 0: never (store_silence.h) */
	bool has_reason;          /* false until a signed indication arrived */
	uint32_t last_reason;     /* enum mayday_reason of the latest signed indication */
	uint64_t n_signed;        /* indications stored as signed */
	uint64_t n_unverified;    /* indications naming this device that did not verify */
	unsigned last_msg_version; /* message version of the latest signed indication
				    * (1 or 2, docs/protocol.md §6.2); 0 without one */
	char psk_kid_hex[2 * MAYDAY_PSK_KID_MAX + 1]; /* "" without a PSK */
};

struct store_incident_row {
	int64_t id;
	char device_id[MAYDAY_DEVICE_ID_MAX + 1];
	int64_t opened_at;
	int64_t closed_at;        /* 0 while open */
	char state[STORE_STATE_NAME_MAX + 1];
	uint64_t n_indications;
};

struct store_component_row {
	char name[MAYDAY_NAME_MAX + 1];
	uint32_t flags;           /* MAYDAY_COMP_* */
	uint64_t expected_size;
	uint64_t measured_size;
	char expected_hex[2 * MAYDAY_DIGEST_LEN + 1];
	char measured_hex[2 * MAYDAY_DIGEST_LEN + 1];
};

struct store_indication_row {
	int64_t id;
	char device_id[MAYDAY_DEVICE_ID_MAX + 1];
	uint64_t counter;
	int64_t received_at;
	uint64_t device_time;
	uint32_t transport;       /* enum mayday_transport: how it arrived (the method) */
	unsigned msg_version;     /* 1 mayday claims, 2 EAT claims (docs/protocol.md §6.2) */
	enum store_trust trust;   /* message authentication (msg_auth) */
	enum store_channel_auth channel_auth;
	char peer_identity[STORE_IDENTITY_MAX + 1];
	char peer[STORE_PEER_MAX + 1];
	uint32_t reason;
	char image_version[MAYDAY_VERSION_STR_MAX + 1];
	char dcf_version[MAYDAY_VERSION_STR_MAX + 1];
	uint32_t slot;
	uint32_t boot_attempts;
	int64_t incident_id;      /* 0: none */
	char digest_hex[2 * MAYDAY_DIGEST_LEN + 1];
	uint32_t n_failed;
	struct store_component_row failed[MAYDAY_MAX_COMPONENTS];
	/* Reason attach-failed: the attach detail, read back from the stored
	 * indication (has_attach false if it could not be decoded). */
	bool has_attach;
	struct mayday_attach_evidence attach;
};

/* Remediation attempts by result ("in_progress", "installed", "recovered",
 * "failed"), as the metrics expose them. */
struct store_remed_counts {
	uint64_t in_progress, installed, recovered, failed;
};

/* Row counts of every table (tests, metrics). */
struct store_counts {
	uint64_t devices, indications, indications_signed, indications_unverified,
		indications_v2,       /* rows whose claims came as message version 2 (EAT) */
		failed_components, incidents, incident_events, psks;
};

typedef int (*store_device_cb)(void *ctx, const struct store_device_row *row);
typedef int (*store_incident_cb)(void *ctx, const struct store_incident_row *row);
typedef int (*store_indication_cb)(void *ctx, const struct store_indication_row *row);

/* One enrolled device; MAYDAY_E_NOTFOUND if not enrolled. */
MAYDAY_NODISCARD enum mayday_err store_get_device(struct store *st, const char *device_id,
						  struct store_device_row *out);
/* Enrolled devices by ID; with maintenance_only, those whose state
 * store_state_needs_maintenance(). */
MAYDAY_NODISCARD enum mayday_err store_list_devices(struct store *st, bool maintenance_only,
						    store_device_cb cb, void *ctx);
/* A device's incidents, newest first. */
MAYDAY_NODISCARD enum mayday_err store_list_incidents(struct store *st, const char *device_id,
						      store_incident_cb cb, void *ctx);
/* Every indication naming `device_id` (signed and unverified), newest
 * first, each with its failed components. */
MAYDAY_NODISCARD enum mayday_err store_list_indications(struct store *st, const char *device_id,
							store_indication_cb cb, void *ctx);
MAYDAY_NODISCARD enum mayday_err store_count(struct store *st, struct store_counts *out);
/* One grouped read of remediation_attempts: cheap enough per scrape (one
 * row per attempt the ACS ever made). */
MAYDAY_NODISCARD enum mayday_err store_count_remed(struct store *st,
						   struct store_remed_counts *out);

/* "signed" / "unverified" / "unknown". */
const char *store_trust_name(enum store_trust t);

#endif

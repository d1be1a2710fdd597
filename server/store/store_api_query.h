/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The REST API's reads (issue 13, server/api/): pages of devices and of
 * indications with filters, the device counts, one indication, the fleet
 * anomalies found, and the events outbox read without a consumer's cursor.
 *
 * Paging is by key, never by offset: a page starts after the last key of
 * the previous one (a device ID, an indication or event id), so a page costs
 * the same at the end of a million rows as at the start, and rows added
 * meanwhile neither repeat nor push others out of the listing.
 *
 * Rows are delivered to a callback in structs the backend owns and reuses:
 * copy what you keep. A callback returning non-zero stops the listing (the
 * call then returns MAYDAY_OK). Borrowed strings in the filters.
 */
#ifndef MAYDAY_STORE_API_QUERY_H
#define MAYDAY_STORE_API_QUERY_H

#include <stdbool.h>
#include <stdint.h>

#include "mayday/limits.h"
#include "store.h"
#include "store_query.h"

#define STORE_API_PAGE_MAX 1001u   /* the API's largest page, plus the row that says "more" */
#define STORE_API_BY_MAX   127     /* revoked_by: an operator identity */

/* A device as the API shows it: the operator listing's row plus what a
 * search needs to see (the device's latest signed indication). */
struct store_api_device {
	struct store_device_row d;
	int64_t revoked_at;                           /* 0: not revoked */
	char revoked_by[STORE_API_BY_MAX + 1];        /* "" unless revoked */
	bool has_image;                               /* false without a signed indication */
	char image_version[MAYDAY_VERSION_STR_MAX + 1];
	char last_failed_component[MAYDAY_NAME_MAX + 1]; /* first failed component of it; "" none */
};

/* NULL / 0 / false: no condition. seen_before/seen_after compare the last
 * authenticated contact (a device never heard from counts as seen at 0). */
struct store_device_filter {
	const char *state, *product_class, *image_version, *failed_component;
	int64_t seen_before, seen_after;
	bool maintenance_only;      /* store_state_needs_maintenance() states */
	const char *after_id;       /* the page starts after this device ID; NULL first page */
	unsigned limit;             /* 1..STORE_API_PAGE_MAX rows */
};

/* Per-state and per-class counts of the enrolled devices. */
struct store_device_counts {
	uint64_t total, needs_maintenance, revoked;
	uint64_t open_incidents;    /* incidents not closed (one per device at most) */
};
typedef int (*store_api_device_cb)(void *ctx, const struct store_api_device *row);
/* kind 's': a state; 'c': a class; 'r': remediation attempts by result
 * (in_progress, installed, recovered, failed), of every device, started at
 * or after store_device_counts' `since`. */
typedef int (*store_count_cb)(void *ctx, char kind, const char *key, uint64_t n);

struct store_indication_filter {
	int trust;                  /* -1 any, else enum store_trust */
	const char *device_id;      /* NULL: every sender, enrolled or not */
	int64_t since;              /* received_at >= since; 0 no bound */
	int64_t before_id;          /* the page starts below this id; 0 first page */
	unsigned limit;             /* 1..STORE_API_PAGE_MAX rows */
};
/* enrolled: the indication's device ID names an enrolled device. */
typedef int (*store_api_indication_cb)(void *ctx, const struct store_indication_row *row,
				       bool enrolled);

struct store_anomaly_row {
	int64_t id, at, window_s;
	char product_class[MAYDAY_CLASS_MAX + 1];
	char component[MAYDAY_NAME_MAX + 1];
	uint64_t devices, threshold;
	bool paused;
};
typedef int (*store_anomaly_cb)(void *ctx, const struct store_anomaly_row *row);

/* One event of the outbox: the document store_events.h describes. */
typedef int (*store_event_doc_cb)(void *ctx, int64_t id, const char *json, size_t len);

/* Enrolled devices matching `f`, by ID, at most f->limit; *count (when not
 * NULL) gets how many match in all, paging aside. MAYDAY_E_INVALID for a
 * limit out of range. */
MAYDAY_NODISCARD enum mayday_err store_devices_page(struct store *st,
						    const struct store_device_filter *f,
						    store_api_device_cb cb, void *ctx,
						    uint64_t *count);
/* One enrolled device as store_devices_page shows it; MAYDAY_E_NOTFOUND. */
MAYDAY_NODISCARD enum mayday_err store_api_device(struct store *st, const char *device_id,
						  struct store_api_device *out);
/* The totals into *out, and each state's, class's and attempt result's
 * count to cb: the attempts started at or after `since` only (read through
 * the index remediation_attempts_started, so the cost follows the window's
 * attempts, not the whole history). */
MAYDAY_NODISCARD enum mayday_err store_device_counts(struct store *st,
						     struct store_device_counts *out,
						     int64_t since, store_count_cb cb,
						     void *ctx);
/* Indications matching `f`, newest first (by id), each with its failed
 * components: unverified ones too, also of senders never enrolled. */
MAYDAY_NODISCARD enum mayday_err store_indications_page(struct store *st,
							const struct store_indication_filter *f,
							store_api_indication_cb cb, void *ctx);
/* One indication by id; MAYDAY_E_NOTFOUND. `out` is the caller's (large:
 * allocate it). */
MAYDAY_NODISCARD enum mayday_err store_get_indication(struct store *st, int64_t id,
						      struct store_indication_row *out,
						      bool *enrolled);
/* The fleet anomalies recorded, newest first, at most `limit` (1..1001). */
MAYDAY_NODISCARD enum mayday_err store_anomalies_list(struct store *st, unsigned limit,
						      store_anomaly_cb cb, void *ctx);
/* The events after event `after_id` (0: from the first) in the outbox's
 * order (store_events.h: by id on SQLite), at most `limit` (1..1001);
 * reading moves no consumer's cursor. */
MAYDAY_NODISCARD enum mayday_err store_events_page(struct store *st, int64_t after_id,
						   unsigned limit, store_event_doc_cb cb, void *ctx);

#endif

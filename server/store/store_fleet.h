/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The fleet view (issue 13 point 5): signed indications received since a
 * time, grouped by product class, image version, failed component, or
 * failed component and its measured digest, so "the same component failing
 * on 5,000 devices after an update" is one query rather than SQL on the
 * schema. Unverified rows never count: a forger must not be able to shape
 * what the operator sees of the fleet.
 *
 * Groups come largest first (by distinct devices, then indications, then
 * key), except the hours, newest first; at most `limit` of them, so the output is bounded however large the
 * fleet. The index behind the window (schema version 10, store_sqlite_schema.c)
 * keeps a recent window cheap at a million indications.
 */
#ifndef MAYDAY_STORE_FLEET_H
#define MAYDAY_STORE_FLEET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mayday/limits.h"
#include "store.h"

enum store_fleet_by {
	STORE_FLEET_CLASS = 0,
	STORE_FLEET_IMAGE = 1,
	STORE_FLEET_COMPONENT = 2,
	STORE_FLEET_DIGEST = 3,   /* component name and its measured digest */
	STORE_FLEET_HOUR = 4,     /* the UTC hour received, "2026-12-07T08:00:00Z":
				   * distress over time; newest hour first */
};

/* Largest `limit` accepted. */
#define STORE_FLEET_LIMIT_MAX 10000u

struct store_fleet_query {
	enum store_fleet_by by;
	int64_t since;              /* received_at >= since, seconds since the epoch */
	const char *product_class;  /* only this class; NULL for all. Borrowed. */
	unsigned limit;             /* 1..STORE_FLEET_LIMIT_MAX groups */
};

/* One group. key: the class, image version, component name (text a
 * device sent for those two: escape it before printing) or the hour; digest_hex only
 * with STORE_FLEET_DIGEST. */
struct store_fleet_row {
	char key[MAYDAY_NAME_MAX + 1];  /* the longest of the three */
	char digest_hex[2 * MAYDAY_DIGEST_LEN + 1];
	uint64_t devices;           /* distinct devices */
	uint64_t indications;       /* distinct indications */
	int64_t last_at;            /* newest received_at in the group */
};

/* Row delivered in a struct the backend owns: copy what you keep. A
 * non-zero return stops the listing. */
typedef int (*store_fleet_cb)(void *ctx, const struct store_fleet_row *row);

/* MAYDAY_E_INVALID for an unknown `by` or a limit out of range. */
MAYDAY_NODISCARD enum mayday_err store_fleet(struct store *st, const struct store_fleet_query *q,
					     store_fleet_cb cb, void *ctx);

/* The fleet anomaly: at least `devices` devices of one product class
 * reporting the same failed component in signed indications of the last
 * `window_s` seconds. Each finding is recorded in fleet_anomalies, once per
 * (class, component, window): a finding suppresses the same pair until
 * window_s after it. With auto_pause, a finding also pauses remediation of
 * the class (a 'paused' row in the class history, store_remed.h, with 0
 * failures; `maydayctl resume` lifts it), unless it is already paused.
 * Borrowed strings. */
struct store_fleet_rule {
	const char *product_class;  /* non-empty */
	uint32_t devices;           /* >= 1 */
	int64_t window_s;           /* >= 1 */
	bool auto_pause;
};

/* One new finding. */
struct store_fleet_anomaly {
	int64_t id;                               /* its fleet_anomalies row */
	char product_class[MAYDAY_CLASS_MAX + 1];
	char component[MAYDAY_NAME_MAX + 1];      /* device text: escape before printing */
	uint64_t devices;                         /* distinct devices in the window */
	bool paused;                              /* this finding paused the class */
};

/* Evaluates `rule` at `now` and records the new findings, all in one
 * IMMEDIATE transaction (two callers never record one finding twice); at
 * most `cap` of them (the largest first), copied to out[0..*n). Findings
 * beyond `cap` are found again by the next call. MAYDAY_E_INVALID for a
 * rule out of range. */
MAYDAY_NODISCARD enum mayday_err store_fleet_anomalies(struct store *st,
						       const struct store_fleet_rule *rule,
						       int64_t now, struct store_fleet_anomaly *out,
						       size_t cap, size_t *n);

/* "class" / "image" / "component" / "digest"; NULL out of range. */
const char *store_fleet_by_name(enum store_fleet_by by);
/* The inverse; false for an unknown name. */
bool store_fleet_by_parse(const char *name, enum store_fleet_by *out);

#endif

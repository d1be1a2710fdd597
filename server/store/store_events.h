/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The events outbox (issue 13 point 3, docs/operations.md "Events"): the
 * store writes an event in the same transaction as the change it describes
 * (the schema's triggers do, so no code path can forget); consumers --
 * maydayd's webhook and syslog delivery, srv_events.h -- read them in the
 * outbox's order past their own cursor and move the cursor once an event
 * is delivered. Events are never deleted, so a consumer that was down, or
 * a daemon killed between commit and delivery, picks up where its cursor
 * stands: at-least-once, in order, per consumer.
 *
 * The outbox's order is the one no later commit can slip behind: an
 * event is readable once committed and never appears behind a place a
 * cursor already passed. On SQLite (one writer at a time) that is id
 * order. On PostgreSQL, where several nodes draw ids before they commit,
 * it is the order of the writing transactions, then of ids, and an event
 * is readable only once every transaction older than its own has ended
 * (store_pg_events.c): ids still increase within one transaction but not
 * always from one event to the next. A cursor, and the `after` of
 * store_events_after and store_events_page, is an event's id and stands
 * at that event's place in the order; 0 (or an id no event has, on
 * PostgreSQL) stands before the first.
 *
 * Types: incident.opened, incident.state_changed, device.unreachable,
 * device.reachable, class.paused, class.resumed,
 * remediation.attempt_result, fleet.anomaly.
 */
#ifndef MAYDAY_STORE_EVENTS_H
#define MAYDAY_STORE_EVENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mayday/error.h"
#include "mayday/limits.h"
#include "store.h"

#define STORE_EVENT_JSON_MAX   4096  /* bytes of an event's JSON document */
#define STORE_EVENT_TYPE_MAX   40
#define STORE_EVENT_CONSUMER_MAX 200 /* bytes of a consumer's name (a URL) */

struct store_event {
	int64_t id;                          /* unique, never reused; its place: above */
	char type[STORE_EVENT_TYPE_MAX + 1];
	/* {"id":..,"type":..,"created_at":..,"device_id":..|null,"data":{..}},
	 * NUL-terminated; an event whose document does not fit is refused
	 * (MAYDAY_E_INTERNAL: the schema's payloads are small and bounded). */
	char json[STORE_EVENT_JSON_MAX + 1];
	size_t json_len;
};

/* The first event past `consumer`'s cursor (a consumer never seen before
 * starts at the beginning) into *out; MAYDAY_E_NOTFOUND when there is none.
 * Not inside an ingest batch. */
MAYDAY_NODISCARD enum mayday_err store_events_next(struct store *st, const char *consumer,
						   struct store_event *out);
/* The first event after event `after` in the outbox's order (0: the
 * first event), whatever any cursor says (a consumer reading a batch past
 * its own cursor); MAYDAY_E_NOTFOUND when there is none. Not inside an
 * ingest batch. */
MAYDAY_NODISCARD enum mayday_err store_events_after(struct store *st, int64_t after,
						    struct store_event *out);

/* What an incident event's document does not carry and a fault manager
 * wants (srv_ves.h), read at delivery time: read-only, and the rows it
 * reads were committed with the event or before it. */
struct store_event_context {
	char product_class[MAYDAY_CLASS_MAX + 1]; /* the device's; "" if not enrolled */
	int64_t opened_at;                        /* the incident's; 0 unknown */
	bool has_reason;                          /* the incident has a signed indication */
	uint32_t reason;                          /* enum mayday_reason of its first one */
	char component[MAYDAY_NAME_MAX + 1];      /* that one's first failed component; "" none */
};

/* The context of `device_id` and, when incident_id is not 0, of that
 * incident. MAYDAY_OK with an empty class when the device is not enrolled.
 * Not inside an ingest batch. */
MAYDAY_NODISCARD enum mayday_err store_events_context(struct store *st, const char *device_id,
						      int64_t incident_id,
						      struct store_event_context *out);
/* Moves `consumer`'s cursor to event `id` (one next or after gave), never
 * back in the outbox's order; MAYDAY_E_NOTFOUND, and nothing moved, when no
 * event has that id. Not inside an ingest batch. */
MAYDAY_NODISCARD enum mayday_err store_events_ack(struct store *st, const char *consumer,
						  int64_t id);

#endif

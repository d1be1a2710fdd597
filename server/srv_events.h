/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Event delivery (issue 13 point 3, docs/operations.md "Events"): a thread
 * of maydayd, on its own store handle, that hands the store's outbox
 * (store_events.h) to each configured consumer -- up to
 * SRV_EVENTS_WEBHOOKS_MAX webhooks and syslog -- in the outbox's order
 * (store_events.h: id order on SQLite), moving that consumer's cursor only
 * once the event is delivered. A webhook gets
 * one HTTP POST per event: the event's JSON document as the body,
 * X-Mayday-Event-Id (the id, for the receiver to drop duplicates) and
 * X-Mayday-Signature: sha256=<hex HMAC-SHA256 of the body under the key in
 * [events] secret_file>; any 2xx is delivery. Anything else, or no answer
 * within SRV_EVENTS_TIMEOUT_S, and that webhook waits retry_min_ms,
 * doubling up to retry_max_ms, then retries the same event: a webhook that
 * is down holds back only its own events, never another consumer's.
 * syslog (the daemon's log, [server] log) gets one notice line per event.
 * A VES collector ([ves] collector, srv_ves.h) gets the events that are
 * faults as VES 7.2 events (POST {"event":..} to the collector's URL, or
 * {"eventList":[..]} to its /eventBatch with [ves] batch above 1), with the
 * same 2xx rule, timeout and backoff, and its own cursor.
 *
 * At-least-once: a daemon killed after a delivery and before its cursor
 * moved sends that event again after restart; receivers drop duplicates
 * by event id. Nothing is lost: the outbox row was committed with the
 * change, and events are never deleted.
 */
#ifndef MAYDAY_SRV_EVENTS_H
#define MAYDAY_SRV_EVENTS_H

#include <stddef.h>
#include <stdint.h>

#include "mayday/error.h"
#include "srv_config.h"

#define SRV_EVENTS_TIMEOUT_S   10    /* a webhook's answer, connect included */
#define SRV_EVENTS_POLL_MS     250   /* new events are looked for this often */
#define SRV_EVENTS_KEY_MAX     256   /* bytes of the HMAC key */
#define SRV_EVENTS_KEY_MIN     16
#define SRV_EVENTS_ANSWER_MAX  16384 /* bytes of a webhook's answer headers, and body */
#define SRV_EVENTS_ROUND       64    /* events per consumer before the others' turn */

struct srv_events;

/* HMAC-SHA256 of body under key as "sha256=" and 64 lowercase hex digits
 * into out (cap at least 72). */
void srv_events_sign(const uint8_t *key, size_t key_len, const char *body, size_t len,
		     char *out, size_t cap);

/* Reads the key and opens the deliverer's own store handle on cfg->db;
 * *out is NULL (and the result MAYDAY_OK) when no consumer is configured.
 * cfg is borrowed for the deliverer's lifetime. */
MAYDAY_NODISCARD enum mayday_err srv_events_new(struct srv_events **out,
						const struct srv_config *cfg);
/* Starts the thread. NULL-safe. */
MAYDAY_NODISCARD enum mayday_err srv_events_start(struct srv_events *e);
/* Stops and joins the thread (a POST in progress ends within its
 * timeout); NULL-safe, idempotent. */
void srv_events_stop(struct srv_events *e);
/* Stops, closes the store, wipes the key and frees; NULL-safe. */
void srv_events_free(struct srv_events *e);

#endif

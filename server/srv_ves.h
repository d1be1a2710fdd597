/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Distress as an alarm in the operator's fault management (issue 13 point
 * 4, docs/operations.md "VES faults"): an outbox event (store_events.h) as
 * VES 7.2 `fault` events, the format ONAP's VES collector and O-RAN's O1
 * carry faults in (schema: tests/data/ves/CommonEventFormat_30.2.1_ONAP.json).
 * Pure: JSON in, JSON out, no store and no network, so every mapping is a
 * unit test (tests/unit/test_srv_ves.c); srv_events.c looks up the context
 * and posts the result.
 *
 * Three alarms, each keyed by (alarmCondition, sourceName) so a fault
 * manager pairs a raise with its clear:
 *   deviceDistress    sourceName = device: an incident, its severity by
 *                     state; NORMAL (the clear) when it ends recovered,
 *                     resolved or healthy.
 *   deviceUnreachable sourceName = device: MAJOR on device.unreachable,
 *                     NORMAL on device.reachable.
 *   fleetAnomaly      sourceName = product class: CRITICAL on fleet.anomaly,
 *                     NORMAL when the class is resumed (maydayctl resume).
 * Every other event (approvals, attempt results -- their incident's state
 * change carries them --, class pauses, types this file does not know) maps
 * to no fault. specificProblem names the reason and the incident's first
 * failed component, the same for every event of an incident, clear included.
 *
 * Every string taken from the event is cut to SRV_VES_TEXT_MAX bytes (at a
 * UTF-8 character boundary), so a mapped event is at most SRV_VES_EVENT_MAX
 * bytes of JSON.
 */
#ifndef MAYDAY_SRV_VES_H
#define MAYDAY_SRV_VES_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "mayday/error.h"
#include "mayday/limits.h"
#include "store_events.h"

#define SRV_VES_TEXT_MAX     128   /* bytes of a string copied from an event */
#define SRV_VES_EVENT_MAX    4096  /* bytes of one mapped event's compact JSON */
#define SRV_VES_ENTITY_MAX   64    /* bytes of reportingEntityName */
#define SRV_VES_LISTENER_VERSION "7.2.1"

/* Who a fault is about: what srv_events must look up in the store
 * (store_events_context) before mapping an event. */
struct srv_ves_subject {
	char device_id[MAYDAY_DEVICE_ID_MAX + 1]; /* "" for class-wide events */
	int64_t incident_id;                      /* 0 none */
};

/* Reads the device and incident an outbox document names. MAYDAY_E_INVALID
 * if it is not an event document. */
MAYDAY_NODISCARD enum mayday_err srv_ves_subject(const char *doc, size_t len,
						 struct srv_ves_subject *out);

/* Maps the outbox document `doc` (len bytes, store_event.json) to the
 * "event" object of a VES fault, into *out (owned by the caller:
 * json_decref); *out is NULL when the event is no fault. ctx is what
 * store_events_context said of the subject (NULL: nothing known, the class
 * and first failed component are then left out); reporting_entity is
 * maydayd's name ([ves] reporting_entity or the host name). MAYDAY_E_INVALID
 * if doc is not an event document, MAYDAY_E_NOMEM. */
MAYDAY_NODISCARD enum mayday_err srv_ves_map(const char *doc, size_t len,
					     const struct store_event_context *ctx,
					     const char *reporting_entity, json_t **out);

#endif

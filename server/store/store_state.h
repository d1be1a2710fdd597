/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Device states of the incident state machine (DESIGN §6). Stored as text
 * in devices.state and incidents.state; the list is open so later issues add
 * remediation without a schema change. "unreachable" (a device that stopped
 * talking) is deliberately a different state from "in_distress" (a device
 * that told us its integrity check failed).
 */
#ifndef MAYDAY_STORE_STATE_H
#define MAYDAY_STORE_STATE_H

#include <stdbool.h>

enum store_state {
	STORE_STATE_HEALTHY = 0,
	STORE_STATE_IN_DISTRESS,             /* integrity failed - requires maintenance */
	STORE_STATE_REMEDIATION_SCHEDULED,
	STORE_STATE_REMEDIATION_IN_PROGRESS,
	STORE_STATE_INSTALLED,
	STORE_STATE_RECOVERED,
	STORE_STATE_FAILED,                  /* "remediation_failed": max_attempts used up */
	STORE_STATE_UNREACHABLE,
	STORE_STATE__COUNT
};

/* Static text as stored; "unknown" out of range. */
const char *store_state_name(enum store_state s);
/* false if `name` is not a state name. */
bool store_state_parse(const char *name, enum store_state *out);
/* The state a device moves to when an authenticated distress indication
 * arrives in state `cur`. Remediation already under way keeps its state
 * (the indication is recorded in the incident's history). */
enum store_state store_state_on_distress(enum store_state cur);
/* true for the states an operator has to act on ("devices --maintenance"). */
bool store_state_needs_maintenance(enum store_state s);

#endif

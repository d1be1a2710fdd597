/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The device state machine's names and transitions, kept apart from any
 * backend so every backend (and the tests) agree on them.
 */
#include <string.h>

#include "store_state.h"

static const char *const names[STORE_STATE__COUNT] = {
	[STORE_STATE_HEALTHY] = "healthy",
	[STORE_STATE_IN_DISTRESS] = "in_distress",
	[STORE_STATE_REMEDIATION_SCHEDULED] = "remediation_scheduled",
	[STORE_STATE_REMEDIATION_IN_PROGRESS] = "remediation_in_progress",
	[STORE_STATE_INSTALLED] = "installed",
	[STORE_STATE_RECOVERED] = "recovered",
	[STORE_STATE_FAILED] = "remediation_failed",
	[STORE_STATE_UNREACHABLE] = "unreachable",
};

const char *store_state_name(enum store_state s)
{
	if ((unsigned)s >= STORE_STATE__COUNT)
		return "unknown";
	return names[s];
}

bool store_state_parse(const char *name, enum store_state *out)
{
	for (unsigned i = 0; i < STORE_STATE__COUNT; i++) {
		if (strcmp(names[i], name) == 0) {
			*out = (enum store_state)i;
			return true;
		}
	}
	return false;
}

enum store_state store_state_on_distress(enum store_state cur)
{
	switch (cur) {
	case STORE_STATE_REMEDIATION_SCHEDULED:
	case STORE_STATE_REMEDIATION_IN_PROGRESS:
	case STORE_STATE_INSTALLED:
		/* Expected while remediation runs: history records it, state stays. */
		return cur;
	case STORE_STATE_FAILED:
		/* Left for a human: more distress must not restart remediation. */
		return cur;
	default:
		return STORE_STATE_IN_DISTRESS;
	}
}

bool store_state_needs_maintenance(enum store_state s)
{
	switch (s) {
	case STORE_STATE_IN_DISTRESS:
	case STORE_STATE_REMEDIATION_SCHEDULED:
	case STORE_STATE_REMEDIATION_IN_PROGRESS:
	case STORE_STATE_INSTALLED:
	case STORE_STATE_FAILED:
		return true;
	default:
		return false;
	}
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Silence (DESIGN §6): every authenticated contact of an enrolled device
 * sets its last-seen time, and a device not heard from within its product
 * class's interval is "unreachable" -- a different state from "in_distress"
 * (a device whose TrE halted says nothing: silence is its signal).
 *
 * Contact is authenticated contact only: a signed indication (set inside
 * the ingest batch, store_ingest.h) or a CWMP Inform over the device's own
 * client certificate (store_seen). An unverified indication naming a device
 * is not contact from it. A device never heard from counts as seen at its
 * enrolment (re-enrolling it restarts that clock; an operator's enrolment
 * is never contact once the device has spoken), so one enrolled and never
 * booted becomes unreachable after the interval too. "unreachable" is not
 * a maintenance state (store_state_needs_maintenance): nothing on the
 * device is known to be wrong, only that it is silent.
 *
 * Silence applies to any state: the 'silent' event of the device's incident
 * (opened if it had none) records the state it left, and the first contact
 * after it restores that state with a 'heard' event. A device that was
 * healthy gets its silence incident closed by a contact that is not a
 * distress report (store_seen); a distress indication instead moves that
 * same incident on to in_distress, so its history shows both.
 *
 * Times are seconds since the epoch, passed in by the caller (tests pass
 * their own clock).
 */
#ifndef MAYDAY_STORE_SILENCE_H
#define MAYDAY_STORE_SILENCE_H

#include <stdbool.h>
#include <stdint.h>

#include "mayday/limits.h"
#include "store.h"
#include "store_query.h"
#include "store_state.h"

/* Product classes with an interval of their own, besides the default. */
#define STORE_SILENCE_CLASSES_MAX 16u

/* The intervals, in seconds; 0 means "never unreachable". Borrowed. */
struct store_silence_rules {
	int64_t default_s;                        /* every class not listed */
	unsigned n_classes;                       /* <= STORE_SILENCE_CLASSES_MAX */
	struct {
		const char *product_class;        /* distinct, non-empty */
		int64_t interval_s;
	} classes[STORE_SILENCE_CLASSES_MAX];
};

/* A device the sweep moved to unreachable. */
struct store_silent_row {
	char device_id[MAYDAY_DEVICE_ID_MAX + 1];
	char product_class[MAYDAY_CLASS_MAX + 1];
	char from_state[STORE_STATE_NAME_MAX + 1];
	int64_t last_seen;                        /* or enrolled_at if never heard from */
	int64_t incident_id;
};

/* The outcome of a contact. */
struct store_seen_out {
	bool back;                                /* it was unreachable and is back */
	char state[STORE_STATE_NAME_MAX + 1];     /* its state after the contact */
	int64_t incident_id;                      /* the silence incident when back */
};

/* Authenticated contact from `device_id` at `now` outside an ingest batch
 * (a CWMP Inform): last_seen = max(last_seen, now), and an unreachable
 * device is brought back as above. MAYDAY_E_NOTFOUND if not enrolled,
 * MAYDAY_E_INVALID inside an open batch. `out` may be NULL. */
MAYDAY_NODISCARD enum mayday_err store_seen(struct store *st, const char *device_id, int64_t now,
					    struct store_seen_out *out);

/* Moves devices whose last contact (or enrolment) is older than their
 * class's interval at `now` to unreachable, at most `cap` of them, in one
 * transaction: each gets the 'silent' event (and an incident if it had
 * none). The moved devices are written to out[0..*n) after the commit,
 * oldest contact first; *n == cap means there may be more (sweep again).
 * A device already unreachable is never moved twice, so sweeping again
 * changes nothing. One indexed query per listed class and one for the
 * rest. */
MAYDAY_NODISCARD enum mayday_err store_silence_sweep(struct store *st,
						     const struct store_silence_rules *rules,
						     int64_t now, struct store_silent_row *out,
						     size_t cap, size_t *n);

/* Enrolled devices per state (index enum store_state), for the metrics;
 * states the store holds that are not in the enum are not counted. */
struct store_state_counts {
	uint64_t n[STORE_STATE__COUNT];
};
MAYDAY_NODISCARD enum mayday_err store_count_states(struct store *st,
						    struct store_state_counts *out);

#endif

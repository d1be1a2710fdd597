/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Remediation records (issue 4, DESIGN §6): operator approvals and the
 * attempts the ACS makes on an incident. Every state change moves the
 * device and its open incident together and appends an incident_events
 * row ("remediation" kind), so the history is kept.
 *
 *   in_distress -> remediation_scheduled         store_remed_schedule (in an ingest batch)
 *   scheduled   -> remediation_in_progress       store_remed_begin (a Download is pushed)
 *   in_progress -> in_distress | remediation_failed   store_remed_fail (fault, refused)
 *   in_progress -> installed                     store_remed_installed (TC fault 0, no BOOT)
 *   in_progress | installed -> recovered         store_remed_recovered (TC fault 0 after
 *                  (incident closed, device healthy)  BOOT, or BOOT + "M Reboot" of an
 *                                                     installed attempt: the new image
 *                                                     proved itself)
 *
 * An attempt's result: "in_progress", "installed", "recovered", "failed".
 * A failure counts against max_attempts; when the incident has used them
 * all it is remediation_failed and left for a human (further distress does
 * not restart it). Calls other than store_remed_schedule run their own
 * transaction and must not be called while an ingest batch is open.
 *
 * Product classes (a bad golden bundle must not reach a whole fleet): a
 * class is paused once the N most recent finished attempts (result failed
 * or recovered) of its devices, counting only those finished after its
 * last resume, are all failed. The pause is recorded (remediation_class_events,
 * append-only) and stays until an operator resumes the class, even if an
 * attempt in progress recovers meanwhile; a resume is recorded the same way
 * and gives the class N fresh tries.
 */
#ifndef MAYDAY_STORE_REMED_H
#define MAYDAY_STORE_REMED_H

#include <stdbool.h>
#include <stdint.h>

#include "mayday/limits.h"
#include "store.h"
#include "store_ingest.h"
#include "store_query.h"

#define STORE_COMMANDKEY_MAX 32
#define STORE_TOKEN_MAX      64
#define STORE_BUNDLE_MAX     255    /* bundle file path */
#define STORE_DETAIL_MAX     255
#define STORE_RESULT_MAX     15

struct store_remed_attempt {
	int64_t id;
	int64_t incident_id;
	char device_id[MAYDAY_DEVICE_ID_MAX + 1];
	uint32_t attempt;                       /* 1.. within the incident */
	char command_key[STORE_COMMANDKEY_MAX + 1];
	char token[STORE_TOKEN_MAX + 1];        /* "" when no download was offered */
	char bundle[STORE_BUNDLE_MAX + 1];
	uint64_t bundle_size, free_space, max_image_size;
	int64_t started_at, finished_at;        /* finished 0 while in progress */
	char result[STORE_RESULT_MAX + 1];
	uint32_t fault_code;                    /* CWMP fault code; 0 none */
	char detail[STORE_DETAIL_MAX + 1];
	bool token_used;
};

/* What the ACS needs to know about a device before acting. */
struct store_remed_status {
	char product_class[MAYDAY_CLASS_MAX + 1];
	char state[STORE_STATE_NAME_MAX + 1];
	int64_t incident_id;                    /* the open incident; 0 none */
	bool approved;                          /* the open incident is operator-approved */
	bool last_signed;                       /* the newest indication naming it verified */
	uint32_t failures;                      /* failed attempts of the open incident */
	uint32_t attempts;                      /* all attempts of the open incident */
};

/* A product class of the enrolled devices, for the operator. */
struct store_remed_class {
	char product_class[MAYDAY_CLASS_MAX + 1];
	uint32_t devices;                       /* enrolled with this class */
	uint32_t in_distress, scheduled, in_progress, installed, failed; /* devices per state */
	bool paused;
	int64_t paused_at;                      /* when the pause was recorded; 0 not paused */
	uint32_t pause_failures;                /* failed attempts in a row that paused it */
	int64_t resumed_at;                     /* the newest resume; 0 never */
};

typedef int (*store_remed_cb)(void *ctx, const struct store_remed_attempt *a);
typedef int (*store_remed_class_cb)(void *ctx, const struct store_remed_class *c);

/* MAYDAY_E_NOTFOUND: not enrolled. */
MAYDAY_NODISCARD enum mayday_err store_remed_status(struct store *st, const char *device_id,
						    struct store_remed_status *out);
/* Operator approval of the device's open incident. MAYDAY_E_NOTFOUND: not
 * enrolled or no open incident. Approving twice is one approval (one
 * history row); the API's approval also records who (store_remed_approve_by,
 * store_api.h). */
MAYDAY_NODISCARD enum mayday_err store_remed_approve(struct store *st, const char *device_id,
						     int64_t now);
/* Inside an open ingest batch, after the device's signed indication was
 * put: moves an in_distress incident to remediation_scheduled when allowed
 * (approved, or !need_approval; fewer than max_attempts failures).
 * *remediate: the device should be told to open a CWMP session (also true
 * when already scheduled or in progress). */
MAYDAY_NODISCARD enum mayday_err store_remed_schedule(struct store *st, const char *device_id,
						      bool need_approval, uint32_t max_attempts,
						      int64_t now, bool *remediate);
/* Attempts with result in_progress started at or after `since`, store-wide
 * (the concurrency limit: an attempt whose device never came back stops
 * holding a download slot once it is older than the window). */
MAYDAY_NODISCARD enum mayday_err store_remed_in_flight(struct store *st, int64_t since,
						       uint32_t *n);
/* Records a new attempt on the device's open incident (which must be
 * remediation_scheduled) from a->token, bundle and sizes; fills id,
 * incident_id, attempt and command_key ("rem-<incident>-<attempt>"), and
 * moves the incident to remediation_in_progress. MAYDAY_E_NOTFOUND: no
 * scheduled incident. The download slots: MAYDAY_E_TOOBIG (nothing
 * written) when max_in_flight attempts started at or after `since` are in
 * progress already (store_remed_in_flight), counted in the transaction
 * that records this one, so sessions and maydayd nodes beginning at once
 * never exceed it (UINT32_MAX: no limit). */
MAYDAY_NODISCARD enum mayday_err store_remed_begin(struct store *st, const char *device_id,
						   struct store_remed_attempt *a, int64_t since,
						   uint32_t max_in_flight, int64_t now);
/* A failed attempt: the in-progress attempt `command_key` of the device
 * (or, with command_key NULL, a new attempt row that never got a Download,
 * e.g. an image too big) becomes "failed" with fault_code and detail; the
 * incident goes back to in_distress, or to remediation_failed once it has
 * max_attempts failures. *gave_up tells which. MAYDAY_E_NOTFOUND: no such
 * attempt / no open incident. */
MAYDAY_NODISCARD enum mayday_err store_remed_fail(struct store *st, const char *device_id,
						  const char *command_key, uint32_t fault_code,
						  const char *detail, uint32_t max_attempts,
						  int64_t now, bool *gave_up);
/* TransferComplete with fault 0 before the new image booted: "installed". */
MAYDAY_NODISCARD enum mayday_err store_remed_installed(struct store *st, const char *device_id,
						       const char *command_key, int64_t now);
/* The new image booted and reported success: attempt "recovered", incident
 * recovered and closed, device healthy. MAYDAY_E_NOTFOUND: the device has
 * no attempt with that key in progress or installed. */
MAYDAY_NODISCARD enum mayday_err store_remed_recovered(struct store *st, const char *device_id,
						       const char *command_key, int64_t now);
/* The attempt a download token was issued for, marking the token used (it
 * serves one download) if it was issued to device_id. MAYDAY_E_NOTFOUND:
 * unknown, used, or the attempt is no longer in progress;
 * MAYDAY_E_MISMATCH: issued to another device (the token stays unused). */
MAYDAY_NODISCARD enum mayday_err store_remed_take_token(struct store *st, const char *token,
					      const char *device_id,
							struct store_remed_attempt *out);
/* The device's attempts, newest first. */
MAYDAY_NODISCARD enum mayday_err store_remed_list(struct store *st, const char *device_id,
						  store_remed_cb cb, void *ctx);

/* Whether remediation of `product_class` is paused, pausing it first when
 * its n most recent finished attempts since the last resume all failed
 * (n 0: no automatic pause, and a recorded pause is not enforced either).
 * *newly: this call recorded the pause (at `now`, with the failures in a
 * row), so the caller reports it once; concurrent callers record it once.
 * Reads only, unless it has to record. */
MAYDAY_NODISCARD enum mayday_err store_remed_class_paused(struct store *st,
							  const char *product_class, uint32_t n,
							  int64_t now, bool *paused, bool *newly);
/* Resumes a class: records a resume at `now` (a class that is not paused
 * may be resumed too: its count starts again). *was_paused tells whether it
 * was paused. MAYDAY_E_NOTFOUND: no device is enrolled with that class;
 * MAYDAY_E_INVALID: not a class name. */
MAYDAY_NODISCARD enum mayday_err store_remed_class_resume(struct store *st,
							  const char *product_class, int64_t now,
							  bool *was_paused);
/* The product classes of the enrolled devices, by name, with their pause
 * state as recorded. */
MAYDAY_NODISCARD enum mayday_err store_remed_classes(struct store *st, store_remed_class_cb cb,
						     void *ctx);
/* The failed attempts of a paused class that paused it (finished after the
 * resume before the pause, up to the pause), newest first; nothing for a
 * class that is not paused. */
MAYDAY_NODISCARD enum mayday_err store_remed_class_failures(struct store *st,
							    const char *product_class,
							    store_remed_cb cb, void *ctx);

#endif

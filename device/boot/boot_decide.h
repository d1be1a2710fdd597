/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The secure start-up procedure (TR 33.820 §7.12.3; DESIGN §1, §3) as one
 * function that turns a device's flash and RoT into a decision:
 *
 *   START_NORMAL  a slot verified: start its entry program
 *   START_DCF     normal code failed verification, or verified normal code
 *                 could not attach to its network: start the distress
 *                 communication function with this evidence
 *   HALT          the TrE's own foundation failed (RoT, DCF partition) or no
 *                 verdict could be reached: start nothing, claim nothing
 *
 * Fail closed: there is no path that ends anywhere else. The procedure:
 *  1. RoT: open (which checks every key), device ID, vendor anchor,
 *     anti-rollback counter, distress key self-test — any failure: HALT
 *     MAYDAY_EXIT_HALT_ROT ("rot-key-invalid" when a key is damaged,
 *     "rot-invalid" otherwise; also when, after any decision, the register
 *     cannot be extended with the outcome: boot_decide_measure).
 *  2. DCF partition against its MAYDAY_MANIFEST_DCF manifest, every listed
 *     component required — any failure: HALT MAYDAY_EXIT_HALT_DCF.
 *  3. Boot state. Malformed: START_DCF (NO_BOOTABLE_SLOT), see README.md.
 *     Pending slot with tries left: tries-1 stored durably, then verify it;
 *     good: START_NORMAL(pending); bad: pending cleared, START_DCF with its
 *     evidence. Pending slot without tries left (it verified before but was
 *     never confirmed): pending cleared, START_DCF (NORMAL_START_FAILED).
 *     If the tries cannot be stored, the pending slot is not tried (an
 *     unbounded trial could loop forever) and the active slot is used.
 *  4. Active slot: good: START_NORMAL, unless its normal code recorded that
 *     it could not attach or keeps starting without attaching
 *     (boot_attach.h): START_DCF (ATTACH_FAILED, with what failed); bad:
 *     START_DCF with its evidence.
 *
 * Logs every step (log.h).
 */
#ifndef MAYDAY_BOOT_DECIDE_H
#define MAYDAY_BOOT_DECIDE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "flash.h"
#include "rot.h"
#include "rot_agent.h"
#include "mayday/evidence.h"
#include "mayday/manifest.h"

enum boot_action {
	BOOT_START_NORMAL = 1,
	BOOT_START_DCF    = 2,
	BOOT_HALT         = 3
};

struct boot_decision {
	enum boot_action action;

	/* BOOT_START_NORMAL */
	uint8_t slot;                    /* BOOT_SLOT_A / BOOT_SLOT_B */
	struct mayday_trv normal_entry;  /* TRV of the program to start */
	char image_version[MAYDAY_VERSION_STR_MAX + 1];
	uint64_t image_rollback;
	uint32_t boot_attempts;          /* start-ups of this image counted so far (>= 1) */

	/* BOOT_START_DCF (also valid with START_NORMAL, to fall back to) */
	struct mayday_trv dcf_entry;     /* TRV of BOOT_DCF_ENTRY */
	struct mayday_evidence evidence; /* BOOT_START_DCF only */

	/* BOOT_HALT */
	int halt_code;                   /* enum mayday_exit */
	const char *halt_reason;         /* static: "rot-invalid", "rot-key-invalid", "dcf-invalid",
					  * "dcf-unlisted-file", "power-lost", "internal" */
};

/* Run the procedure on an open flash. `rot_spec` selects the RoT backend
 * ("file"). With `commit` false nothing is written (boot state stays as it
 * was): the decision of a dry run. Always fills *d; never fails. */
void boot_decide(struct hal_flash *flash, const char *rot_spec, bool commit,
		 struct boot_decision *d);

/* boot_decide, which also extends the register with the outcome
 * (boot_decide_measure). With rot_out non-NULL the TrE's RoT handle (role
 * HAL_ROT_ROLE_TRE) is handed to the caller instead with its register NOT
 * yet extended (still all zeros): the caller may still demote the decision
 * (boot_decide_demote: normal code's entry did not load), then calls
 * boot_decide_measure exactly once, before it starts anything;
 * *rot_out is NULL when the RoT did not open (a halt). The caller closes it.
 * With `agent` non-NULL, a backend this program does not link (tpm2 in the
 * static TrE) is opened through that mayday-rot-agent (hal_rot_open_via). */
void boot_decide_rot(struct hal_flash *flash, const char *rot_spec,
		     const struct hal_rot_agent_cmd *agent, bool commit, struct boot_decision *d,
		     struct hal_rot **rot_out);

/* Extends *rot's register with the decision's outcome (boot_creds_measure:
 * verified for START_NORMAL, else failed(reason), 0 for a halt). If that
 * fails, d becomes HALT MAYDAY_EXIT_HALT_ROT ("rot-invalid") and *rot is
 * closed and set to NULL. Nothing happens when *rot is NULL. */
void boot_decide_measure(struct hal_rot **rot, struct boot_decision *d);

/* Turn a START_NORMAL decision into START_DCF: the verified program could not
 * be started (`reason` MAYDAY_REASON_NORMAL_START_FAILED, failed NULL) or was
 * found changed when loaded (MAYDAY_REASON_COMPONENT_MISMATCH/MISSING with
 * its evidence in `failed`). */
void boot_decide_demote(struct boot_decision *d, uint32_t reason,
			const struct mayday_component_evidence *failed);

/* The stable one-line summary, e.g. "decision: normal slot=a",
 * "decision: dcf reason=component-mismatch slot=a failed=2",
 * "decision: dcf reason=attach-failed slot=a stage=crash-loop tries=3 episode=1",
 * "decision: halt code=21 reason=dcf-invalid". NUL-terminated, truncated to cap. */
void boot_decide_summary(const struct boot_decision *d, char *out, size_t cap);

#endif

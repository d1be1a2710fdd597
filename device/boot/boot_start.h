/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Loading a partition's program for the exec (the DCF's, normal code's),
 * and the TrE's start of verified normal code up to the exec, in the order
 * that keeps the measurement register honest (docs/rot.md, "What the TrE
 * does on a failed start"): normal code's entry is loaded and measured
 * into its sealed memfd (boot_load.h) while the register still holds all
 * zeros, and only then is the outcome extended (boot_decide_measure). An
 * entry that does not load turns the start-up into distress first, so the
 * register records failed(reason) from zero -- the DCF's own state, in
 * which its keys work -- and never verified or released.
 */
#ifndef MAYDAY_BOOT_START_H
#define MAYDAY_BOOT_START_H

#include <stddef.h>

#include "boot_decide.h"
#include "flash.h"
#include "mayday/evidence.h"
#include "mayday/manifest.h"
#include "rot.h"

/* PART/trv->name loaded into a sealed memfd, *fd (the caller's), measured
 * again on the way (boot_load_component, its errors and evidence); `path`
 * gets its partition path, argv[0] and the log's name for it. */
MAYDAY_NODISCARD enum mayday_err boot_start_load(struct hal_flash *f, const char *part,
						 const struct mayday_trv *trv, char *path,
						 size_t cap, int *fd,
						 struct mayday_component_evidence *ev);

/* For a START_NORMAL decision `d` whose handle *rot is unmeasured
 * (boot_decide_rot; NULL is allowed: nothing to extend). Loads normal
 * code's entry from its slot; then:
 *  - loaded: extends verified (boot_decide_measure); MAYDAY_OK with *fd the
 *    sealed copy to fexecve (the caller's) and `path` its partition path
 *    (argv[0]) -- unless the extend failed: d is then HALT rot-invalid,
 *    *rot NULL, *fd -1;
 *  - changed since it was verified, gone, or unreadable: d demoted to
 *    START_DCF (COMPONENT_MISMATCH / COMPONENT_MISSING with its evidence,
 *    else NORMAL_START_FAILED), then extended with that failure; *fd -1;
 *  - the flash lost power: d is HALT MAYDAY_EXIT_HALT_INTERNAL
 *    ("power-lost"), extended as a halt; *fd -1.
 * Returns MAYDAY_OK only when normal code is to be executed. */
MAYDAY_NODISCARD enum mayday_err boot_start_load_normal(struct hal_flash *f, struct hal_rot **rot,
							struct boot_decision *d, char *path,
							size_t cap, int *fd);

#endif

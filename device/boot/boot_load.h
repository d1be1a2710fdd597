/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Loading a program for execution: "measure what you execute".
 *
 * The component is copied from the partition into an anonymous, sealed
 * memory file (memfd) while it is measured again; only if that copy matches
 * the TRV is the memfd handed back, and the caller starts the program from
 * it (fexecve). The bytes that run are therefore exactly the bytes measured,
 * whatever happens to the partition file afterwards. This is the host's
 * stand-in for a TrE loading the verified image into protected memory.
 */
#ifndef MAYDAY_BOOT_LOAD_H
#define MAYDAY_BOOT_LOAD_H

#include "boot_measure.h"
#include "flash.h"
#include "mayday/evidence.h"
#include "mayday/manifest.h"

/* On MAYDAY_OK *fd is a sealed, close-on-exec memfd with the component's
 * bytes; the caller owns it (close). MAYDAY_E_MISMATCH (or _NOTFOUND) when
 * the bytes read now do not match `trv`: `ev` then holds the evidence.
 * Other errors: the memfd could not be made or filled. */
MAYDAY_NODISCARD enum mayday_err boot_load_component(struct boot_measure *m, struct hal_flash *f,
						     const char *part,
						     const struct mayday_trv *trv, int *fd,
						     struct mayday_component_evidence *ev);

#endif

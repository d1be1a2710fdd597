/* SPDX-License-Identifier: Apache-2.0 */
/* Emptying a normal-code slot before (and after a failed) installation. */
#ifndef MAYDAY_UPDATE_SLOT_H
#define MAYDAY_UPDATE_SLOT_H

#include "flash.h"

/* Remove every file of PART: its manifest first, so the slot stops verifying
 * before any component goes, then the rest. HAL errors as reported. */
MAYDAY_NODISCARD enum mayday_err update_slot_clean(struct hal_flash *f, const char *part);

#endif

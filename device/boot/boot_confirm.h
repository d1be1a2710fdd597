/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Confirmation by normal code that the slot it runs from works: the pending
 * slot becomes the active one, and only then the RoT anti-rollback counter
 * is raised to the slot manifest's value (DESIGN §7: the counter advances
 * only when the new image is confirmed).
 *
 * Order matters for power cuts: state first, counter second. A cut between
 * the two leaves the new slot active with the old counter, which boots, and
 * confirming again (idempotent) finishes the job. The other order could
 * leave the old slot active under a counter it no longer satisfies.
 */
#ifndef MAYDAY_BOOT_CONFIRM_H
#define MAYDAY_BOOT_CONFIRM_H

#include <stdint.h>

#include "flash.h"
#include "rot.h"
#include "mayday/error.h"
#include "mayday/manifest.h"

/* Confirm `slot` (BOOT_SLOT_A/B). It must be the pending slot (made active)
 * or the active slot (counter only; a pending trial of the other slot is
 * left alone). Its manifest is verified with the RoT's vendor anchor first;
 * the counter is never lowered. `m` (optional) receives the manifest.
 * MAYDAY_E_INVALID if `slot` is neither; MAYDAY_E_ROLLBACK if its manifest is
 * below the counter; manifest and HAL errors as reported; the boot state is
 * unchanged on any error before the state write. */
MAYDAY_NODISCARD enum mayday_err boot_confirm(struct hal_flash *f, struct hal_rot *rot,
					      uint8_t slot, struct mayday_manifest *m);

#endif

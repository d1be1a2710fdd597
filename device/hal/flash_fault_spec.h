/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private to the flash HAL: the options of the fault-injection backend, the
 * text after "fault:" in a flash spec (which may come from the MAYDAY_FLASH
 * environment variable, so it is parsed strictly). Syntax: a comma-separated
 * list of
 *   cut=N               power is lost right after the N-th counted operation
 *   flip=PART/NAME@BIT  bit BIT of PART/NAME is inverted as it is read
 *                       (repeatable, up to FLASH_FAULT_SPEC_MAX_FLIPS times)
 *   torn                a medium WITHOUT atomic replace, for the conformance
 *                       harness's negative control only: when the cut falls
 *                       on a rename, the target is removed and the new file
 *                       left under its temporary name (neither old nor new)
 * N and BIT are decimal, 1..20 digits, at most UINT64_MAX; PART and NAME obey
 * hal_flash_name_ok. Unknown keys, a repeated cut= or torn, empty items, signs,
 * spaces or numbers that overflow 64 bits are MAYDAY_E_INVALID.
 */
#ifndef MAYDAY_HAL_FLASH_FAULT_SPEC_H
#define MAYDAY_HAL_FLASH_FAULT_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "flash_backend.h"

#define FLASH_FAULT_SPEC_MAX_FLIPS 8

struct flash_fault_flip {
	char part[HAL_FLASH_NAME_MAX + 1];
	char name[HAL_FLASH_NAME_MAX + 1];
	uint64_t bit; /* bit 0 = least significant bit of byte 0 */
};

struct flash_fault_spec {
	bool has_cut;    /* false: the backend only counts */
	uint64_t cut;
	bool torn;       /* a cut on a rename tears it (never a real medium) */
	size_t n_flips;
	struct flash_fault_flip flips[FLASH_FAULT_SPEC_MAX_FLIPS];
};

/* `args`: NUL-terminated, or NULL for a spec without options (no cut, no
 * flips). *out is written on MAYDAY_OK only. */
MAYDAY_NODISCARD enum mayday_err flash_fault_spec_parse(const char *args,
							struct flash_fault_spec *out);

#endif

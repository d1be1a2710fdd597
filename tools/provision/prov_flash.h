/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Writing and altering a device's files through the flash HAL, computing
 * the TRV (size + SHA-256) of what was written in the same pass, so large
 * components are streamed and never held in memory.
 */
#ifndef MAYDAY_PROV_FLASH_H
#define MAYDAY_PROV_FLASH_H

#include <stddef.h>
#include <stdint.h>

#include "mayday/manifest.h"

struct hal_flash;

#define PROV_NO_FLIP UINT64_MAX

/* Copy the host file `src` into PART/NAME, then set its mode (e.g. 0755 for a
 * program). Fills trv->name/size/digest (designated is left to the caller). */
MAYDAY_NODISCARD enum mayday_err prov_flash_copy_in(struct hal_flash *f, const char *part,
						    const char *name, const char *src,
						    unsigned mode, struct mayday_trv *trv);
/* Write `len` bytes from memory into PART/NAME; trv as above (may be NULL). */
MAYDAY_NODISCARD enum mayday_err prov_flash_put(struct hal_flash *f, const char *part,
						const char *name, const void *data, size_t len,
						struct mayday_trv *trv);
/* Write `size` pseudo-random bytes into PART/NAME; trv as above. */
MAYDAY_NODISCARD enum mayday_err prov_flash_put_random(struct hal_flash *f, const char *part,
						       const char *name, uint64_t size,
						       struct mayday_trv *trv);
/* SHA-256 and size of PART/NAME as it would be with byte `flip_at` inverted
 * (PROV_NO_FLIP: as it is). */
MAYDAY_NODISCARD enum mayday_err prov_flash_digest(struct hal_flash *f, const char *part,
						   const char *name, uint64_t flip_at,
						   uint8_t digest[MAYDAY_DIGEST_LEN],
						   uint64_t *size);
/* Invert byte `at` of PART/NAME in place (power-safe replace), keeping its
 * mode. MAYDAY_E_INVALID if the file is shorter than at + 1. */
MAYDAY_NODISCARD enum mayday_err prov_flash_flip(struct hal_flash *f, const char *part,
						 const char *name, uint64_t at);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Boot state: which normal-code slot is active, which one (if any) is on
 * trial after an update, and how many start-ups the trial has left.
 *
 * Stored as one fixed 16-byte record, HAL_PART_STATE/"boot_state", replaced
 * only through hal_flash_write_atomic, so a power cut leaves the old record
 * or the new one. Layout (integers big-endian):
 *
 *   off len field
 *    0   4  magic "MDBS"
 *    4   1  format version (BOOT_STATE_FORMAT = 1)
 *    5   1  active slot: 0 = A, 1 = B
 *    6   1  pending slot: 0, 1, or 0xFF = none; never equal to active
 *    7   1  tries left for the pending slot, 0..BOOT_STATE_TRIES_MAX;
 *           0 when nothing is pending
 *    8   4  attempts: with a pending slot, start-ups of it begun so far;
 *           without, consecutive failed secure start-ups of the active slot
 *   12   4  check: the first 4 bytes of SHA-256 over bytes 0..11
 *
 * The check value detects damage, not tampering: whoever can write the
 * state partition can only choose among slots that still verify against the
 * vendor key and the RoT anti-rollback counter.
 *
 * A missing record is a fresh device: slot A active, nothing pending.
 * A record that is present but malformed is NOT treated as fresh (that would
 * let damage or tampering silently drop a pending trial or switch slots):
 * mayday-boot reports it as distress (device/boot/README.md, "Boot state").
 */
#ifndef MAYDAY_BOOT_STATE_H
#define MAYDAY_BOOT_STATE_H

#include <stdbool.h>
#include <stdint.h>

#include "flash.h"
#include "mayday/error.h"

#define BOOT_STATE_NAME       "boot_state"   /* file in HAL_PART_STATE */
#define BOOT_STATE_RECORD_LEN 16
#define BOOT_STATE_FORMAT     1
#define BOOT_STATE_TRIES_MAX  16

#define BOOT_SLOT_A    0
#define BOOT_SLOT_B    1
#define BOOT_SLOT_NONE 0xFF

struct boot_state {
	uint8_t active;      /* BOOT_SLOT_A or BOOT_SLOT_B */
	uint8_t pending;     /* BOOT_SLOT_A, BOOT_SLOT_B or BOOT_SLOT_NONE */
	uint8_t tries_left;
	uint32_t attempts;
};

/* The state of a fresh device. */
void boot_state_init(struct boot_state *st);

/* MAYDAY_E_INVALID if `st` breaks an invariant stated above. */
MAYDAY_NODISCARD enum mayday_err boot_state_check(const struct boot_state *st);

MAYDAY_NODISCARD enum mayday_err boot_state_encode(const struct boot_state *st,
						   uint8_t out[BOOT_STATE_RECORD_LEN]);
/* Rejects anything but a well-formed record of exactly BOOT_STATE_RECORD_LEN
 * bytes: MAYDAY_E_MALFORMED (or MAYDAY_E_UNSUPPORTED for another format
 * version) with diag->offset at the offending field. */
MAYDAY_NODISCARD enum mayday_err boot_state_decode(const uint8_t *in, size_t len,
						   struct boot_state *st,
						   struct mayday_diag *diag);

/* Read the record. Absent: *st is the fresh state, *found false, MAYDAY_OK.
 * Malformed: MAYDAY_E_MALFORMED/UNSUPPORTED with diag. I/O errors as the HAL
 * reports them. `found` may be NULL. */
MAYDAY_NODISCARD enum mayday_err boot_state_load(struct hal_flash *f, struct boot_state *st,
						 bool *found, struct mayday_diag *diag);
/* Power-safe replace of the record. */
MAYDAY_NODISCARD enum mayday_err boot_state_store(struct hal_flash *f,
						  const struct boot_state *st);

/* Put `slot` on trial with `tries` start-ups (1..BOOT_STATE_TRIES_MAX): the
 * call an installer makes after it has written and verified a slot.
 * MAYDAY_E_INVALID if `slot` is the active slot; a malformed record is an
 * error (the installer must write a whole new record instead). */
MAYDAY_NODISCARD enum mayday_err boot_state_mark_pending(struct hal_flash *f, uint8_t slot,
							 uint8_t tries);

/* HAL partition of a slot (HAL_PART_SLOT_A/B); NULL for anything else. */
const char *boot_state_slot_part(uint8_t slot);
/* "a", "b", or "none". Static. */
const char *boot_state_slot_name(uint8_t slot);
/* "a"/"b" (also "A"/"B") to BOOT_SLOT_A/B; MAYDAY_E_INVALID otherwise. */
MAYDAY_NODISCARD enum mayday_err boot_state_parse_slot(const char *s, uint8_t *slot);

#endif

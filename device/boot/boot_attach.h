/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Attach state: whether verified normal code reached its network, kept next
 * to the boot state so that a failure which prevents normal communications
 * (TR 33.820 §7.12.3; DESIGN §5) sends the next start-up to the DCF even
 * though every component verified. State machine: device/boot/README.md,
 * "When normal code cannot attach".
 *
 * Its own record, HAL_PART_STATE/"attach_state", so the boot state record
 * (boot_state.h) keeps its format and devices provisioned before this record
 * existed keep working: a missing record is "not watched" (normal code never
 * said it attaches), which changes nothing. Replaced only through
 * hal_flash_write_atomic. Layout (integers big-endian):
 *
 *   off len field
 *    0   4  magic "MDAS"
 *    4   1  format version (BOOT_ATTACH_FORMAT = 1)
 *    5   1  flags: BOOT_ATTACH_WATCH, BOOT_ATTACH_FAILED; other bits zero
 *    6   1  stage (enum mayday_attach_stage) with FAILED, else 0
 *    7   1  unattached: start-ups of the active slot's normal code begun
 *           since it last reported attached (the TrE counts them, saturating)
 *    8   1  episodes: DCF runs for attach failures since normal code last
 *           attached (saturating)
 *    9   4  tries that failed, with FAILED, else 0
 *   13  32  last error with FAILED: printable ASCII, NUL-padded; else zeros
 *   45   4  check: the first 4 bytes of SHA-256 over bytes 0..44
 *
 * Writers: the TrE (boot_decide: counts start-ups, turns a recorded failure
 * or a crash loop into the DCF) and normal code (boot_attach_report_*).
 */
#ifndef MAYDAY_BOOT_ATTACH_H
#define MAYDAY_BOOT_ATTACH_H

#include <stdbool.h>
#include <stdint.h>

#include "flash.h"
#include "mayday/error.h"
#include "mayday/evidence.h"

#define BOOT_ATTACH_NAME       "attach_state" /* file in HAL_PART_STATE */
#define BOOT_ATTACH_RECORD_LEN 49
#define BOOT_ATTACH_FORMAT     1

#define BOOT_ATTACH_WATCH  0x1u /* normal code reports attachment: the TrE counts start-ups */
#define BOOT_ATTACH_FAILED 0x2u /* normal code gave up attaching: the next start-up runs the DCF */

/* Start-ups of watched normal code that never reported attached before the
 * TrE calls it a crash loop (before backoff, boot_attach_backoff). */
#define BOOT_ATTACH_CRASH_BOOTS 3
/* Backoff: thresholds double per episode, up to 2^BOOT_ATTACH_BACKOFF_MAX. */
#define BOOT_ATTACH_BACKOFF_MAX 4

struct boot_attach {
	uint8_t flags;
	uint8_t stage;
	uint8_t unattached;
	uint8_t episodes;
	uint32_t tries;
	char last_error[MAYDAY_ATTACH_ERROR_MAX + 1];
};

/* Not watched, nothing recorded: what a missing record means. */
void boot_attach_init(struct boot_attach *a);

/* MAYDAY_E_INVALID if `a` breaks an invariant stated above. */
MAYDAY_NODISCARD enum mayday_err boot_attach_check(const struct boot_attach *a);
MAYDAY_NODISCARD enum mayday_err boot_attach_encode(const struct boot_attach *a,
						    uint8_t out[BOOT_ATTACH_RECORD_LEN]);
/* Strict: exactly one well-formed record, else MAYDAY_E_MALFORMED (or
 * MAYDAY_E_UNSUPPORTED for another format version) with diag. */
MAYDAY_NODISCARD enum mayday_err boot_attach_decode(const uint8_t *in, size_t len,
						    struct boot_attach *a,
						    struct mayday_diag *diag);

/* Read the record. Absent: the init state, MAYDAY_OK. Malformed: *a is the
 * init state with WATCH set (damage must not switch crash-loop detection
 * off) and MAYDAY_E_MALFORMED/UNSUPPORTED is returned with diag; the caller
 * may go on with *a. I/O errors as the HAL reports them. */
MAYDAY_NODISCARD enum mayday_err boot_attach_load(struct hal_flash *f, struct boot_attach *a,
						  struct mayday_diag *diag);
/* Power-safe replace of the record. */
MAYDAY_NODISCARD enum mayday_err boot_attach_store(struct hal_flash *f,
						   const struct boot_attach *a);

/* `base` << min(episodes, BOOT_ATTACH_BACKOFF_MAX), saturating at
 * UINT32_MAX: how much longer normal code (tries) and the TrE (start-ups)
 * wait before the next report, so a device that keeps failing does not
 * flap between normal code and the DCF at every start-up. */
uint32_t boot_attach_backoff(uint32_t base, uint8_t episodes);

/* Normal code attached: watched from now on, failure and counts cleared.
 * Writes only if that changes the record. */
MAYDAY_NODISCARD enum mayday_err boot_attach_report_ok(struct hal_flash *f);
/* Normal code gave up attaching (`stage` SEGW_UNREACHABLE or AUTH_REFUSED
 * after `tries` tries; `last_error` is cut to MAYDAY_ATTACH_ERROR_MAX bytes,
 * bytes outside printable ASCII become '?'): the next start-up runs the DCF
 * with this evidence. Watched from now on. */
MAYDAY_NODISCARD enum mayday_err boot_attach_report_failed(struct hal_flash *f, uint32_t stage,
							   uint32_t tries,
							   const char *last_error);

#endif

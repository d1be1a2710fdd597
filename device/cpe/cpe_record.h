/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The remediation command the device is carrying out, persisted in the state
 * partition (CPE_RECORD_NAME) from the moment a Download is taken on until an
 * ACS has answered the TransferComplete for it, so that after a failure, a
 * power cut or the reboot into the new slot the device reports the RIGHT
 * outcome against the SAME CommandKey to the same ACS. The phase says how far
 * the command got, and each phase carries what its report needs:
 *
 *   DOWNLOADING  saved by cpe_download_run before anything else it does: a
 *                record still in this phase was interrupted (restart, power
 *                loss) before the image was installed -> 9010
 *   INSTALLED    saved once the installer has written the inactive slot and
 *                marked it pending: the slot and the SHA-256 of the signed
 *                manifest written into it (manifest.cose as stored). Only
 *                that image, running and confirmed, is a success.
 *   FAILED       saved when the download or installation failed, before the
 *                immediate report is tried: its TR-069 fault code and
 *                FaultString, so a lost report is re-sent with the real fault
 *   CONFIRMED    saved by normal code once it has confirmed the INSTALLED
 *                image (same slot and manifest), before it reports: a report
 *                lost after the confirmation is still a success later
 *
 * Fixed binary record, big-endian, one encoding per value (the decoder
 * accepts exactly what the encoder writes: fields a phase does not use are
 * zero, nothing trailing):
 *
 *   off len field
 *    0   4  magic "MDYR"
 *    4   1  version (CPE_RECORD_VERSION = 2; version 1 is MAYDAY_E_UNSUPPORTED)
 *    5   1  phase, enum cpe_record_phase (1..4)
 *    6   1  slot: INSTALLED/CONFIRMED 0 (a) or 1 (b); other phases 0xFF
 *    7   1  klen: CommandKey length, 0..32
 *    8   2  ulen: ACS URL length, 1..256
 *   10   2  slen: FaultString length: FAILED 0..256; other phases 0
 *   12   4  fault code: FAILED 9000..9899 (TR-069 CPE faults); other phases 0
 *   16   8  start time: int64 seconds (TransferComplete StartTime; any value)
 *   24  32  manifest SHA-256: INSTALLED/CONFIRMED any; other phases all zero
 *   56      CommandKey, klen bytes of printable ASCII (0x20..0x7e)
 *           ACS URL, ulen bytes of printable ASCII
 *           FaultString, slen bytes of printable ASCII
 */
#ifndef MAYDAY_CPE_RECORD_H
#define MAYDAY_CPE_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "cwmp.h"
#include "hal/flash.h"
#include "mayday/error.h"
#include "mayday/limits.h"

#define CPE_RECORD_NAME      "remediation.bin"
#define CPE_RECORD_VERSION   2u
#define CPE_RECORD_HEADER    56u
#define CPE_RECORD_MAX       (CPE_RECORD_HEADER + CWMP_COMMANDKEY_MAX + 2u * CWMP_STR256_MAX)
#define CPE_RECORD_SLOT_NONE 0xFFu  /* the slot of a phase without one */
#define CPE_RECORD_FAULT_MIN 9000u  /* FAILED: a TR-069 CPE fault code */
#define CPE_RECORD_FAULT_MAX 9899u

enum cpe_record_phase {
	CPE_RECORD_DOWNLOADING = 1,
	CPE_RECORD_INSTALLED = 2,
	CPE_RECORD_FAILED = 3,
	CPE_RECORD_CONFIRMED = 4,
};

struct cpe_record {
	enum cpe_record_phase phase;
	char command_key[CWMP_COMMANDKEY_MAX + 1];
	char acs_url[CWMP_STR256_MAX + 1];
	int64_t start_time;                        /* TransferComplete StartTime */
	uint8_t slot;                              /* INSTALLED/CONFIRMED: BOOT_SLOT_A/B
						      (0/1); else CPE_RECORD_SLOT_NONE */
	uint8_t manifest_sha256[MAYDAY_DIGEST_LEN]; /* INSTALLED/CONFIRMED; else zero */
	struct cwmp_fault fault;                   /* FAILED; else code 0, string "" */
};

/* Static lower-case name of a phase ("downloading", ...; "unknown"). */
const char *cpe_record_phase_name(enum cpe_record_phase phase);

/* Turns *r into a FAILED record with fault `code` and FaultString `string`
 * (cut to CWMP_STR256_MAX bytes, every byte outside printable ASCII replaced
 * by '?', so that any text an error message holds can be saved); slot and
 * digest are cleared. */
void cpe_record_set_failed(struct cpe_record *r, uint32_t code, const char *string);

/* Encodes *r into out[CPE_RECORD_MAX], *len its size. MAYDAY_E_INVALID if a
 * field breaks the layout's rules above (unknown phase, a field the phase
 * does not use set, a string too long, empty (the URL) or not printable). */
MAYDAY_NODISCARD enum mayday_err cpe_record_encode(const struct cpe_record *r,
						   uint8_t out[CPE_RECORD_MAX], size_t *len);

/* Decodes in[0..len) into *r (zeroed on error). MAYDAY_E_MALFORMED (bad
 * magic, phase, slot, lengths, fault code, digest, characters, trailing
 * bytes), MAYDAY_E_UNSUPPORTED (another version); diag always set: on error
 * the offset of the offending byte and why, on success {0, NULL}. */
MAYDAY_NODISCARD enum mayday_err cpe_record_decode(const uint8_t *in, size_t len,
						   struct cpe_record *r, struct mayday_diag *diag);

/* Power-safe write / read / removal of HAL_PART_STATE/CPE_RECORD_NAME.
 * save: MAYDAY_E_INVALID as encode, else the HAL's error. load: *r zeroed on
 * error; MAYDAY_E_NOTFOUND when there is none, MAYDAY_E_MALFORMED or
 * MAYDAY_E_UNSUPPORTED when it cannot be decoded (the only results that say
 * the record itself is bad), else the HAL's error (transient: the record may
 * be fine); diag is always set, as decode sets it. remove: OK if absent. */
MAYDAY_NODISCARD enum mayday_err cpe_record_save(struct hal_flash *f, const struct cpe_record *r);
MAYDAY_NODISCARD enum mayday_err cpe_record_load(struct hal_flash *f, struct cpe_record *r,
						 struct mayday_diag *diag);
MAYDAY_NODISCARD enum mayday_err cpe_record_remove(struct hal_flash *f);

#endif

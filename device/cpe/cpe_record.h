/*
 * The remediation command the device is carrying out, persisted in the state
 * partition (CPE_RECORD_NAME) BEFORE the bundle is downloaded, so that after
 * the reboot -- into the new slot, or back into the DCF when the new slot
 * fails verification -- the device reports TransferComplete against the SAME
 * CommandKey to the same ACS.
 *
 * Fixed binary record, one encoding per value (the decoder accepts exactly
 * what the encoder writes, nothing trailing), big-endian:
 *   "MDYR"  magic                     4
 *   0x01    version                   1
 *   klen    CommandKey length (0..32) 1
 *   ulen    ACS URL length (1..256)   2
 *   start   StartTime, int64 seconds  8
 *   key     klen bytes, printable ASCII
 *   url     ulen bytes, printable ASCII
 */
#ifndef MAYDAY_CPE_RECORD_H
#define MAYDAY_CPE_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "cwmp.h"
#include "hal/flash.h"
#include "mayday/error.h"

#define CPE_RECORD_NAME   "remediation.bin"
#define CPE_RECORD_HEADER 16u
#define CPE_RECORD_MAX    (CPE_RECORD_HEADER + CWMP_COMMANDKEY_MAX + CWMP_STR256_MAX)

struct cpe_record {
	char command_key[CWMP_COMMANDKEY_MAX + 1];
	char acs_url[CWMP_STR256_MAX + 1];
	int64_t start_time;          /* when the download started (TransferComplete StartTime) */
};

/* Encodes *r into out[CPE_RECORD_MAX], *len its size. MAYDAY_E_INVALID if a
 * field is too long, empty (the URL) or not printable ASCII. */
MAYDAY_NODISCARD enum mayday_err cpe_record_encode(const struct cpe_record *r,
						   uint8_t out[CPE_RECORD_MAX], size_t *len);

/* Decodes in[0..len) into *r (zeroed on error). MAYDAY_E_MALFORMED (bad magic,
 * lengths, characters, trailing bytes), MAYDAY_E_UNSUPPORTED (version);
 * diag gets the offset and why. */
MAYDAY_NODISCARD enum mayday_err cpe_record_decode(const uint8_t *in, size_t len,
						   struct cpe_record *r, struct mayday_diag *diag);

/* Power-safe write / read / removal of HAL_PART_STATE/CPE_RECORD_NAME.
 * load: MAYDAY_E_NOTFOUND when there is none. remove: OK if absent. */
MAYDAY_NODISCARD enum mayday_err cpe_record_save(struct hal_flash *f, const struct cpe_record *r);
MAYDAY_NODISCARD enum mayday_err cpe_record_load(struct hal_flash *f, struct cpe_record *r,
						 struct mayday_diag *diag);
MAYDAY_NODISCARD enum mayday_err cpe_record_remove(struct hal_flash *f);

#endif

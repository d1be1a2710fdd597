/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Verification of one partition against its signed manifest: the manifest's
 * COSE_Sign1 under the vendor anchor, its kind, its anti-rollback value, and
 * a measurement of every listed component against its TRV.
 *
 * The verdict is a value (struct boot_verify_report), not an error: a
 * partition that fails verification is a normal outcome of secure start-up.
 * Errors are reserved for "no verdict could be reached" (power lost, out of
 * memory), which the caller turns into a defined halt.
 */
#ifndef MAYDAY_BOOT_VERIFY_H
#define MAYDAY_BOOT_VERIFY_H

#include <stdbool.h>
#include <stdint.h>
#include <openssl/evp.h>

#include "boot_measure.h"
#include "flash.h"
#include "mayday/evidence.h"
#include "mayday/manifest.h"

#define BOOT_MANIFEST_NAME MAYDAY_MANIFEST_FILE   /* in every verified partition */
#define BOOT_DCF_ENTRY     "mayday-dcf"      /* the DCF program, listed in the DCF manifest */
#define BOOT_NAME_CAP      65                /* a flash file name (64 bytes) and its NUL */

struct boot_verify_policy {
	uint32_t kind;               /* required enum mayday_manifest_kind */
	uint64_t min_rollback;       /* manifest rollback below this: MAYDAY_REASON_ROLLBACK */
	bool all_designated;         /* treat every listed component as designated (the DCF) */
};

struct boot_verify_report {
	uint32_t reason;             /* 0: verified; else enum mayday_reason */
	bool have_manifest;          /* manifest authentic and decoded (also with ROLLBACK) */
	struct mayday_manifest manifest;
	uint32_t n_failed;           /* designated components that failed */
	struct mayday_component_evidence failed[MAYDAY_MAX_COMPONENTS];
	uint32_t n_ignored;          /* non-designated components that failed (logged only) */
};

/* Read PART/manifest.cose, verify it with `vendor` and check it is fit
 * for `kind`: kind matches, the entry (for
 * MAYDAY_MANIFEST_IMAGE) designated, BOOT_DCF_ENTRY (for MAYDAY_MANIFEST_DCF)
 * listed. Does not check rollback or components.
 * MAYDAY_E_NOTFOUND, _SIGNATURE, _MALFORMED, _INVALID...; E_POWER when the
 * flash is gone. Logs the reason once. */
MAYDAY_NODISCARD enum mayday_err boot_verify_manifest(struct hal_flash *f, const char *part,
						      EVP_PKEY *vendor, uint32_t kind,
						      struct mayday_manifest *m);

/* Verify PART under `policy`, filling `rep` (caller's storage). Evidence is
 * collected for every failed designated component, in manifest order.
 * MAYDAY_OK when a verdict was reached (see rep->reason); MAYDAY_E_POWER,
 * _NOMEM or _INTERNAL when none could be. */
MAYDAY_NODISCARD enum mayday_err boot_verify_partition(struct boot_measure *meas,
						       struct hal_flash *f, const char *part,
						       EVP_PKEY *vendor,
						       const struct boot_verify_policy *policy,
						       struct boot_verify_report *rep);

/* The DCF partition holds exactly what its manifest lists: every regular
 * file in PART (hal_flash_list) must be BOOT_MANIFEST_NAME or named in `m`.
 * MAYDAY_OK if so; MAYDAY_E_MISMATCH with the first unlisted file's name in
 * `extra` (logged once here); E_POWER or E_IO when the partition could not
 * be listed. Missing listed files are boot_verify_partition's business
 * (MAYDAY_COMP_MISSING). HAL temporaries and non-regular entries are not
 * listed: no HAL name reaches them, so nothing on the device can read them. */
MAYDAY_NODISCARD enum mayday_err boot_verify_listing(struct hal_flash *f, const char *part,
						     const struct mayday_manifest *m,
						     char extra[BOOT_NAME_CAP]);

/* Compare one component against its TRV. `measured_ok` false means it could
 * not be read (MISSING). Fills `ev` and returns the MAYDAY_COMP_* flags
 * (0 = matches). Shared with the loader's re-measurement. */
uint32_t boot_verify_compare(const struct mayday_trv *trv, bool measured_ok, uint64_t size,
			     const uint8_t digest[MAYDAY_DIGEST_LEN],
			     struct mayday_component_evidence *ev);

#endif

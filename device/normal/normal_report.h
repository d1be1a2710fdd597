/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The remediation report of normal code (DESIGN §7, docs/cwmp.md): a device
 * that runs normal code with a remediation record (cpe_record.h) left tells
 * the ACS that sent the Download how it ended, in a session with Inform
 * "1 BOOT", "7 TRANSFER COMPLETE", "M Download" and a TransferComplete
 * against the record's CommandKey.
 *
 * Success (fault 0) -- the only thing that makes the network mark the
 * incident recovered -- is reported only when the image the record says was
 * installed is the one running: record INSTALLED or CONFIRMED, its slot the
 * running slot and its manifest digest the running slot's. The record is
 * set CONFIRMED before that report, so a report lost after the
 * confirmation is still a success at the next start-up (or in the DCF).
 * Anything else is that Download's failure: DOWNLOADING 9010 (interrupted
 * before the image was installed), FAILED its stored fault, an installed
 * image that is not the one running 9002 (the device runs its previous
 * image).
 *
 * It runs normal code's own CWMP client (normal_cwmp.h: normal.conf, the
 * device credentials the TrE handed over), never the DCF's.
 */
#ifndef MAYDAY_NORMAL_REPORT_H
#define MAYDAY_NORMAL_REPORT_H

#include <stdbool.h>
#include <stdint.h>

#include "cpe_record.h"
#include "cwmp.h"
#include "mayday/error.h"
#include "mayday/limits.h"
#include "normal_cwmp.h"

/* The TransferComplete for *rec, reported by normal code running from
 * `slot` (BOOT_SLOT_A/B), whose manifest has SHA-256 `digest` and image
 * version `image_version`, at CompleteTime `now`, as above. Returns true
 * iff it is the success (the record's image is the one running). */
bool normal_report_transfer(const struct cpe_record *rec, uint8_t slot,
			    const uint8_t digest[MAYDAY_DIGEST_LEN], const char *image_version,
			    int64_t now, struct cwmp_transfer_complete *tc);

/* Reports the remediation record of the device *n if there is one (MAYDAY_OK, doing
 * nothing, if there is none), and removes it once the ACS answered the
 * TransferComplete. Call only once the running `slot` (image
 * n->image_version) is confirmed: its manifest is read back to identify it.
 * A record that cannot be decoded is removed (nothing can be reported
 * against it). Failures are logged once; the record then stays, so the
 * next start-up reports again. */
enum mayday_err normal_report_run(const struct normal_cwmp *n, uint8_t slot);

#endif

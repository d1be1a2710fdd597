/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The Download of a remediation (DESIGN §7): the bundle named by an accepted
 * CWMP Download is fetched over HTTPS with the same mutual TLS as the CWMP
 * session (the caller's net_tls credentials; the URL mapped to an address
 * by cpe_target.h's rule, no DNS) and streamed straight into update_install,
 * in constant memory whatever the image size.
 *
 * The remediation record (cpe_record.h) follows the command: DOWNLOADING is
 * saved before anything else is done (even before the URL and FileSize are
 * checked), INSTALLED with the slot and its manifest's digest once the image
 * is complete and BEFORE the slot is marked pending (the installer's
 * before_pending), FAILED with the fault before this returns a failure --
 * so that whatever happens next (a lost report, a power cut, the reboot into
 * the new slot) the device reports the right outcome against the same
 * CommandKey, and no slot is ever pending that the record does not name. A
 * power cut between INSTALLED and the pending mark leaves an image that
 * never starts: reported as one that did not come up.
 *
 * The server may send at most FileSize bytes (more aborts the transfer);
 * a status other than 200, a lost connection or a timeout is a download
 * failure (9010), unless the installer had already refused what it read
 * (its own status and fault code then).
 */
#ifndef MAYDAY_CPE_DOWNLOAD_H
#define MAYDAY_CPE_DOWNLOAD_H

#include <stdint.h>

#include "cpe_target.h"
#include "cwmp.h"
#include "hal/flash.h"
#include "hal/rot.h"
#include "net_tls.h"
#include "mayday/error.h"
#include "mayday/limits.h"
#include "update_install.h"

struct cpe_download_params {
	struct hal_flash *flash;           /* the device: DCF partition, state, slots */
	struct hal_rot *rot;               /* vendor anchor, anti-rollback (the installer) */
	const struct net_tls *tls;         /* mutual-TLS credentials; borrowed */
	const struct cpe_server *server;   /* the ACS's name and address; NULL: none */
	uint32_t timeout_ms;               /* the whole transfer (connect included) */
	const struct cwmp_download *dl;    /* the accepted Download (URL, FileSize, key) */
	const char *acs_url;               /* the ACS to report to (saved in the record) */
	int64_t start_time;                /* now: TransferComplete's StartTime */
	const struct update_params *install;
};

/* Saves the record, downloads and installs. Fills *res (caller's storage;
 * res->detail says what failed) and returns res->status; the TR-069 fault
 * is cpe_download_fault(res). UPDATE_OK: the inactive slot res->slot is
 * complete and pending (and the record INSTALLED; if that save failed,
 * res->detail says so and the record stays DOWNLOADING). A record that
 * cannot be saved at all: UPDATE_E_INTERNAL, nothing downloaded. A URL that
 * is not https:// or a FileSize of 0: UPDATE_E_STREAM, nothing downloaded.
 * Any failure but UPDATE_E_POWER (a device without power writes nothing)
 * leaves the record FAILED with cpe_download_fault(res); if that save
 * fails, res->detail says so. Logs only what the HTTP client logs (the
 * transport's failure, once): the caller reports *res once. */
MAYDAY_NODISCARD enum update_status cpe_download_run(const struct cpe_download_params *p,
						     struct update_result *res);

/* The TransferComplete fault of *res: update_fault_code(res->status) and
 * "<status name>: <detail>" (code 0 and "" for UPDATE_OK). */
void cpe_download_fault(const struct update_result *res, struct cwmp_fault *f);

/* The identity of the image in `slot` (BOOT_SLOT_A/B) as the record keeps
 * it: the SHA-256 of the slot's signed manifest (BOOT_MANIFEST_NAME) as it
 * is stored. MAYDAY_E_INVALID for another slot, MAYDAY_E_NOTFOUND without a
 * manifest, MAYDAY_E_TOOBIG for one over MAYDAY_MANIFEST_MAX, else the
 * HAL's error. */
MAYDAY_NODISCARD enum mayday_err cpe_download_manifest_digest(struct hal_flash *f, uint8_t slot,
							      uint8_t out[MAYDAY_DIGEST_LEN]);

#endif

/*
 * The Download of a remediation (DESIGN §7): the bundle named by an accepted
 * CWMP Download is fetched over HTTPS with the same mutual TLS as the CWMP
 * session (tx_mtls.h: CA and certificate from the DCF partition, key = the
 * RoT's handle) and streamed straight into update_install, in constant
 * memory whatever the image size.
 *
 * Before the first byte is requested the command (CommandKey, ACS URL, start
 * time) is saved as the cpe_record, so that whatever happens next -- a
 * failure, a power cut, the reboot into the new slot -- the device reports
 * TransferComplete against the same CommandKey.
 *
 * The server may send at most FileSize bytes (more aborts the transfer);
 * an HTTP error status, a lost connection or a timeout is a download failure
 * (9010), unless the installer had already refused what it read (its own
 * status and fault code then).
 */
#ifndef MAYDAY_CPE_DOWNLOAD_H
#define MAYDAY_CPE_DOWNLOAD_H

#include <stdint.h>

#include "cwmp.h"
#include "hal/flash.h"
#include "hal/rot.h"
#include "update_install.h"

struct cpe_download_params {
	struct hal_flash *flash;           /* the device: DCF partition, state, slots */
	struct hal_rot *rot;               /* TLS key, vendor anchor, anti-rollback */
	const char *ca;                    /* file names in the DCF partition */
	const char *cert;
	const uint8_t *pin_sha256;         /* NULL, or the server key's SPKI SHA-256 */
	uint32_t timeout_ms;               /* the whole transfer (connect included) */
	const struct cwmp_download *dl;    /* the accepted Download (URL, FileSize, key) */
	const char *acs_url;               /* the ACS to report to (saved in the record) */
	int64_t start_time;                /* now: TransferComplete's StartTime */
	const struct update_params *install;
};

/* Saves the record, downloads and installs. Fills *res (caller's storage;
 * res->detail says what failed) and returns res->status; the TR-069 fault
 * code is update_fault_code(res->status). UPDATE_OK: the inactive slot is
 * complete and pending. A record that cannot be saved: UPDATE_E_INTERNAL,
 * nothing downloaded. A URL that is not https:// or a FileSize of 0:
 * UPDATE_E_STREAM, nothing downloaded. Needs curl_global_init. Logs only
 * what tx_mtls_load logs: the caller reports *res once. */
enum update_status cpe_download_run(const struct cpe_download_params *p,
				    struct update_result *res);

#endif

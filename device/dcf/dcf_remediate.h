/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Remediation as the DCF carries it out (DESIGN §7, docs/cwmp.md): what a
 * valid acknowledgement leads to.
 *
 * Only an ack that dcf_ack_check classified DCF_ACK_VALID with status
 * STORED ever gets here (signed by the RoT's H(e)MS anchor, echoing this
 * device and counter, the indication verified and stored): an
 * unauthenticated, stored-unverified or rejected one leads to no contact at
 * all. A valid ack of any action
 * leads to (1): the ACS URL contacted there is the leftover record's, read
 * from the state partition, where an earlier run wrote it after an
 * authenticated ack asked for remediation -- never a URL of this ack. Only
 * an ack asking for remediation leads to (2), at its own ACS URL.
 *
 *  1. A remediation record left from an earlier run (cpe_record.h) means a
 *     Download the device accepted was not yet reported (or its report was
 *     lost). It is reported to the record's ACS as TransferComplete against
 *     the SAME CommandKey, with the fault its phase calls for
 *     (dcf_remediate_leftover_tc), and removed once the ACS answered the
 *     TransferComplete. When the ack asks for remediation at the same ACS
 *     and the report is a failure, this happens inside that session;
 *     otherwise in a session of its own, in which Downloads are refused. If
 *     the report does not get through, no session that could accept a new
 *     Download (and overwrite the record) is run: the device stays in
 *     distress. A record that cannot be decoded is removed (nothing can be
 *     reported against it); one that cannot be read (I/O) is kept, and
 *     likewise nothing new is accepted.
 *  2. Action REMEDIATE: a CWMP session to the ack's ACS URL with Inform
 *     "X A1B2C3 DISTRESS". A Download accepted there is streamed into the
 *     inactive slot (cpe_download_run), even if the session failed after
 *     the DownloadResponse (an accepted Download is the CPE's to complete).
 *     Installed and pending: the device must reboot so secure start-up
 *     verifies the new slot against its new TRVs. Refused or failed:
 *     TransferComplete with the 90xx fault in a new session ("7 TRANSFER
 *     COMPLETE", "M Download"), record removed once the ACS has it. A
 *     Reboot request is refused (9001): the DCF reboots only into an image
 *     it installed, and would not report "M Reboot" after.
 *
 * The mutual TLS of both the sessions and the download uses dcf.conf's
 * [cwmp] files (CA and certificate of the DCF partition) and the RoT's key,
 * loaded once per run (tx_mtls_load). An ACS or Download URL that names a
 * host rather than an address is connected to [tls] url's address, and only
 * if the name is [tls] server_name (cpe_target.h; the DCF resolves no names).
 */
#ifndef MAYDAY_DCF_REMEDIATE_H
#define MAYDAY_DCF_REMEDIATE_H

#include <stdbool.h>
#include <stdint.h>

#include "cpe_client.h"
#include "cpe_record.h"
#include "cwmp.h"
#include "dcf_config.h"
#include "hal/flash.h"
#include "hal/rot.h"
#include "mayday/evidence.h"
#include "mayday/indication.h"
#include "net_tls.h"

/* Everything borrowed from the DCF's start-up. */
struct dcf_remediate {
	struct hal_flash *flash;
	struct hal_rot *rot;
	const struct dcf_config *cfg;
	const char *device_id;
	const struct mayday_evidence *ev;  /* what secure start-up found this time */
	uint64_t free_space;
};

enum dcf_remediate_result {
	DCF_REMEDIATE_NONE,    /* nothing to do, or nothing came of it: stay in distress */
	DCF_REMEDIATE_REBOOT   /* a new image is pending: reboot now */
};

/* Acts on the valid acknowledgement `ack` as above. Every failure is
 * logged once (here or by the transport) and leaves the device in distress;
 * what is left (a record, a Download not offered) is tried again at the
 * next start-up of the DCF, or at this run's next acknowledged
 * re-announcement when dcf.conf [retry] reannounce_s > 0. Needs
 * cwmp_global_init. */
enum dcf_remediate_result dcf_remediate_run(const struct dcf_remediate *r,
					    const struct mayday_ack *ack);

/* The TransferComplete fault for a Download whose image did not come up:
 * 9018 (file corrupted) when the evidence names a component or manifest
 * that failed verification, 9019 (file authentication failure) for an
 * anti-rollback refusal, 9002 (internal error) when it verified but never
 * confirmed; FaultString says what the TrE found. */
void dcf_remediate_leftover_fault(const struct mayday_evidence *ev, struct cwmp_fault *f);

/* The TransferComplete the DCF reports for the leftover record *rec, with
 * what secure start-up found this time (*ev) and CompleteTime `now`:
 * CommandKey and StartTime from the record, and the fault by its phase:
 *   DOWNLOADING  9010, interrupted before the image was installed
 *   INSTALLED    dcf_remediate_leftover_fault(ev): the image did not come up
 *   FAILED       the fault stored in the record
 *   CONFIRMED    0: the image booted and confirmed itself; its report was lost
 * Returns true when the report is that success: its Inform must then carry
 * "1 BOOT" (with "7 TRANSFER COMPLETE", "M Download"). */
bool dcf_remediate_leftover_tc(const struct cpe_record *rec, const struct mayday_evidence *ev,
			       int64_t now, struct cwmp_transfer_complete *tc);

/* The device's CWMP client as dcf.conf describes it (timeout, the ACS's
 * name and address) over the credentials `tls` (dcf_remediate_tls), for the
 * device `device_id` running `software_version`; all borrowed. The DCF's own:
 * normal code has its own (device/normal/normal_cwmp.h). */
void dcf_remediate_client(const struct dcf_config *cfg, struct hal_flash *flash,
			  const struct net_tls *tls, const char *device_id,
			  const char *software_version, uint64_t free_space,
			  struct cpe_client *c);

/* The credentials of dcf.conf's [cwmp] (CA and certificate files of the DCF
 * partition, pin) with the RoT's TLS key: tx_mtls_load("cpe", ...). Logged
 * on failure. Owned by the caller until net_tls_free. */
MAYDAY_NODISCARD enum mayday_err dcf_remediate_tls(const struct dcf_config *cfg,
						   struct hal_flash *flash, struct hal_rot *rot,
						   struct net_tls **out);

#endif

/*
 * Remediation as the DCF carries it out (DESIGN §7, docs/cwmp.md): what an
 * authenticated acknowledgement leads to.
 *
 * Only an ack that dcf_ack_check classified DCF_ACK_VALID ever gets here
 * (signed by the RoT's H(e)MS anchor, echoing this device and counter): an
 * unauthenticated one confers no authority, so no ACS URL it carries is
 * ever contacted.
 *
 *  1. A remediation record left from an earlier run (cpe_record.h) means the
 *     device came back into the DCF after a Download it accepted: the new
 *     slot failed verification, was never confirmed, or power was lost
 *     before it was complete. That is reported to the record's ACS as
 *     TransferComplete against the SAME CommandKey with a fault derived
 *     from the TrE's evidence (dcf_remediate_leftover_fault), then the
 *     record is removed. When the ack asks for remediation at the same ACS
 *     this happens inside that session; otherwise in a session of its own,
 *     in which Downloads are refused.
 *  2. Action REMEDIATE: a CWMP session to the ack's ACS URL with Inform
 *     "X A1B2C3 DISTRESS". A Download accepted there is streamed into the
 *     inactive slot (cpe_download_run). Installed and pending: the device
 *     must reboot so secure start-up verifies the new slot against its new
 *     TRVs. Refused or failed: TransferComplete with the 90xx fault in a new
 *     session ("7 TRANSFER COMPLETE", "M Download"), record removed once the
 *     ACS has it. A Reboot request is refused (9001): the DCF reboots only
 *     into an image it installed, and would not report "M Reboot" after.
 *
 * The mutual TLS of both the sessions and the download uses dcf.conf's
 * [cwmp] files (CA and certificate of the DCF partition) and the RoT's key.
 */
#ifndef MAYDAY_DCF_REMEDIATE_H
#define MAYDAY_DCF_REMEDIATE_H

#include <stdint.h>

#include "cwmp.h"
#include "dcf_config.h"
#include "hal/flash.h"
#include "hal/rot.h"
#include "mayday/evidence.h"
#include "mayday/indication.h"

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

/* Acts on the authenticated acknowledgement `ack` as above. Every failure is
 * logged once (here or by the transport) and leaves the device in distress:
 * the next acknowledged announcement tries again. Needs curl_global_init
 * and cwmp_global_init. */
enum dcf_remediate_result dcf_remediate_run(const struct dcf_remediate *r,
					    const struct mayday_ack *ack);

/* The TransferComplete fault for a Download whose image did not come up:
 * 9018 (file corrupted) when the evidence names a component or manifest
 * that failed verification, 9019 (file authentication failure) for an
 * anti-rollback refusal, 9002 (internal error) when it verified but never
 * confirmed; FaultString says what the TrE found. */
void dcf_remediate_leftover_fault(const struct mayday_evidence *ev, struct cwmp_fault *f);

#endif

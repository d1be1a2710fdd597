/*
 * The recovery report of normal code (DESIGN §7, docs/cwmp.md): a device
 * whose remediated image booted, verified and confirmed itself tells the
 * ACS that sent the Download, in a session with Inform "1 BOOT",
 * "7 TRANSFER COMPLETE", "M Download" and TransferComplete fault 0 against
 * the CommandKey of the remediation record. Only this makes the network
 * mark the incident recovered.
 *
 * The stand-in takes its CWMP client settings from the DCF partition's
 * dcf.conf ([cwmp] files, product class; read only): real normal code
 * has its own TR-069 client and credentials.
 */
#ifndef MAYDAY_NORMAL_REPORT_H
#define MAYDAY_NORMAL_REPORT_H

#include "hal/flash.h"
#include "hal/rot.h"
#include "mayday/error.h"

/* Reports and removes the remediation record if there is one (MAYDAY_OK,
 * doing nothing, if there is none). Call only once the running slot is
 * confirmed. Failures are logged once; the record then stays, so the next
 * start-up reports again. */
enum mayday_err normal_report_run(struct hal_flash *f, struct hal_rot *rot,
				  const char *device_id, const char *image_version);

#endif

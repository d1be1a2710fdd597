/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The periodic Inform of normal code (DESIGN §6): a healthy device tells
 * the ACS it is alive, in a CWMP session of its own with the event
 * "2 PERIODIC", so the network's last-seen time of it moves and silence
 * past its class's interval means something is wrong (a device whose TrE
 * halted says nothing). The session refuses a Download or Reboot: normal
 * code does not remediate (the DCF does).
 *
 * Like the remediation report (normal_report.h), the stand-in takes its
 * client settings from the DCF partition's dcf.conf ([cwmp] files, product
 * class; read only); the ACS URL is the caller's, since a healthy device
 * has no acknowledgement that named one.
 */
#ifndef MAYDAY_NORMAL_INFORM_H
#define MAYDAY_NORMAL_INFORM_H

#include "hal/flash.h"
#include "hal/rot.h"
#include "mayday/error.h"

#define NORMAL_INFORM_EVENT "2 PERIODIC"

/* One periodic Inform session of `device_id`, running image
 * `image_version`, with the ACS at `url` (https://). MAYDAY_OK once the ACS
 * ended the session cleanly. Failures are logged once; the next period
 * tries again. */
enum mayday_err normal_inform_run(struct hal_flash *f, struct hal_rot *rot,
				  const char *device_id, const char *image_version,
				  const char *url);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The periodic Inform of normal code (DESIGN §6): a healthy device tells
 * the ACS it is alive, in a CWMP session of its own with the event
 * "2 PERIODIC", so the network's last-seen time of it moves and silence
 * past its class's interval means something is wrong (a device whose TrE
 * halted says nothing). The session refuses a Download or Reboot: normal
 * code does not remediate (the DCF does).
 *
 * Like the remediation report (normal_report.h), it runs normal code's own
 * client (normal_cwmp.h: normal.conf, the device credentials the TrE
 * handed over); the ACS URL is the caller's, since a healthy device has no
 * acknowledgement that named one.
 */
#ifndef MAYDAY_NORMAL_INFORM_H
#define MAYDAY_NORMAL_INFORM_H

#include "mayday/error.h"
#include "normal_cwmp.h"

#define NORMAL_INFORM_EVENT "2 PERIODIC"

/* One periodic Inform session of the device *n, with the ACS at `url`
 * (https://). MAYDAY_OK once the ACS
 * ended the session cleanly. Failures are logged once; the next period
 * tries again. */
enum mayday_err normal_inform_run(const struct normal_cwmp *n, const char *url);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Service-manager notification (the sd_notify protocol): one datagram with
 * "READY=1", "RELOADING=1", "STOPPING=1" ... to the AF_UNIX socket named in
 * $NOTIFY_SOCKET (a path, or "@name" for the abstract namespace). Without
 * that variable it does nothing, so the same binary runs anywhere. The
 * protocol is three lines of socket code; linking libsystemd for it would
 * tie the daemon to one service manager.
 */
#ifndef MAYDAY_SRV_NOTIFY_H
#define MAYDAY_SRV_NOTIFY_H

/* Sends `state` (newline-separated assignments). Returns 0 when sent or
 * when no manager asked for it, -1 with errno otherwise. */
int srv_notify(const char *state);

#endif

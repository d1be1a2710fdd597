/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Detaching from the terminal without ever forking a process that holds
 * the store. daemon(3) after opening the store handed SQLite's connections
 * to a child that does not hold the parent's POSIX advisory locks, so
 * another process's close could checkpoint and delete the WAL under the
 * running daemon (acknowledged indications lost, the file malformed).
 *
 * So maydayd forks first and opens everything in the child: srv_detach_begin
 * returns only in the child; the parent waits until the child says it is
 * ready (srv_detach_ready) and exits 0, or until the child dies or gives up
 * and exits with its status, so the command that started the daemon still
 * learns whether it started. Errors before readiness reach the terminal.
 */
#ifndef MAYDAY_SRV_DETACH_H
#define MAYDAY_SRV_DETACH_H

#include "mayday/error.h"

struct srv_detach {
	int fd;   /* the child's end of the readiness pipe; -1 when not detached */
};

/* Forks; returns in the child only (a new session), with d->fd set. The
 * parent never returns. MAYDAY_E_IO if the fork cannot be made. */
MAYDAY_NODISCARD enum mayday_err srv_detach_begin(struct srv_detach *d);
/* Tells the waiting parent the daemon is serving, points stdin and stdout
 * (and stderr unless `keep_stderr`) at /dev/null. Nothing when not detached. */
void srv_detach_ready(struct srv_detach *d, int keep_stderr);

#endif

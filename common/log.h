/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Logging for every mayday program. Lines go to one destination:
 *   stderr  "PROG[pid]: LEVEL: ..." (the default; what a service manager
 *           collects), one write(2) per line;
 *   syslog  syslog(3), facility daemon, with the matching priority;
 *   a file  an absolute path, opened for appending (0640), reopened by
 *           log_reopen() so an operator's logrotate can move it (SIGHUP).
 * Format-checked; log_warn appends strerror(errno); log_warnx does not.
 *
 * Peer input is never logged unbounded: log_limited prints at most one line
 * per second per `struct log_limit` and says how many it suppressed,
 * so a flood of bad datagrams costs one line a second.
 */
#ifndef MAYDAY_LOG_H
#define MAYDAY_LOG_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#define LOG_PRINTF(f, a) __attribute__((format(printf, f, a)))

void log_init(const char *progname, int verbose);

/* Sends every later line to `dest`: "stderr", "syslog" or an absolute file
 * path. Returns 0, or -1 with a reason in err (the old destination is kept).
 * Call before threads start; log_reopen is the only call safe beside them. */
int log_open(const char *dest, char *err, size_t err_cap);
/* A file destination: opens the path again and swaps it in atomically, so
 * no line is lost or torn. Other destinations: nothing. Returns 0 or -1
 * (errno set; lines keep going to the old file). */
int log_reopen(void);
/* True when lines go to stderr (a detaching daemon keeps fd 2 open then). */
int log_to_stderr(void);

void log_warn(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_warnx(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_notice(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_info(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_debug(const char *fmt, ...) LOG_PRINTF(1, 2);

/* Zero-initialise; one per kind of peer error. Thread-safe. */
struct log_limit {
	_Atomic int64_t last_sec;
	_Atomic uint64_t suppressed;
};
void log_limited(struct log_limit *lim, const char *fmt, ...) LOG_PRINTF(2, 3);

#endif

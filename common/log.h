/*
 * Logging for every mayday program: syslog-style lines on stderr
 * ("PROG[pid]: LEVEL: ..."), one write(2) per line.
 * Format-checked; log_warn appends strerror(errno); log_warnx does not.
 *
 * Peer input is never logged unbounded: log_limited prints at most one line
 * per second per `struct log_limit` and says how many it suppressed,
 * so a flood of bad datagrams costs one line a second.
 */
#ifndef MAYDAY_LOG_H
#define MAYDAY_LOG_H

#include <stdatomic.h>
#include <stdint.h>

#define LOG_PRINTF(f, a) __attribute__((format(printf, f, a)))

void log_init(const char *progname, int verbose);
void log_warn(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_warnx(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_info(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_debug(const char *fmt, ...) LOG_PRINTF(1, 2);

/* Zero-initialise; one per kind of peer error. Thread-safe. */
struct log_limit {
	_Atomic int64_t last_sec;
	_Atomic uint64_t suppressed;
};
void log_limited(struct log_limit *lim, const char *fmt, ...) LOG_PRINTF(2, 3);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * TCP to a NUMERIC address, every step under an absolute deadline: a
 * non-blocking connect finished by poll, and reads and writes that poll the
 * socket for what is left of the deadline. No name resolution: the DCF is
 * one static executable and getaddrinfo of a name would load the host's NSS
 * modules (issue 11). A caller that has a host name maps it to an address
 * itself (net_url.h says how the device does it).
 *
 * Deadlines are milliseconds of CLOCK_MONOTONIC (net_conn_now_ms), the
 * clock poll itself waits on.
 */
#ifndef MAYDAY_NET_CONN_H
#define MAYDAY_NET_CONN_H

#include <stddef.h>
#include <stdint.h>

#include "mayday/error.h"

/* Now, in ms of CLOCK_MONOTONIC. */
uint64_t net_conn_now_ms(void);

/* A deadline `ms` from now (saturating). */
uint64_t net_conn_deadline(uint64_t ms);

/* Connects to `addr` (IPv4 dotted quad or IPv6 without brackets) port
 * `port`. *fd: the connected, non-blocking, close-on-exec socket, owned by
 * the caller. MAYDAY_E_INVALID for an address that is not numeric,
 * MAYDAY_E_TIMEOUT once the deadline passed, MAYDAY_E_IO if refused or
 * unreachable. Logs nothing: *why says what failed (static text). */
MAYDAY_NODISCARD enum mayday_err net_conn_open(const char *addr, uint16_t port,
					       uint64_t deadline_ms, int *fd,
					       const char **why);

/* Waits until fd is readable (POLLIN) or writable (POLLOUT), or the deadline
 * passed (MAYDAY_E_TIMEOUT). MAYDAY_E_IO if poll fails. */
MAYDAY_NODISCARD enum mayday_err net_conn_wait(int fd, short events, uint64_t deadline_ms);

/* Reads at most cap bytes once some are there; *n 0 at the end of the
 * stream. MAYDAY_E_TIMEOUT, MAYDAY_E_IO (errno kept). */
MAYDAY_NODISCARD enum mayday_err net_conn_read(int fd, void *buf, size_t cap, size_t *n,
					       uint64_t deadline_ms);

/* Writes all len bytes (MSG_NOSIGNAL: a peer that went away is an error,
 * not a signal). MAYDAY_E_TIMEOUT, MAYDAY_E_IO (errno kept). */
MAYDAY_NODISCARD enum mayday_err net_conn_write(int fd, const void *buf, size_t len,
						uint64_t deadline_ms);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The datagram listeners' socket calls: batched receive (recvmmsg) into
 * slots, batched send (sendmmsg) of their acks. No threads here; the
 * listener (srv_dgram.c) decides who calls what.
 */
#ifndef MAYDAY_SRV_UDP_H
#define MAYDAY_SRV_UDP_H

#include <stddef.h>
#include <sys/socket.h>

#include "mayday/error.h"
#include "srv_slot.h"

#define SRV_UDP_BATCH 64   /* datagrams per recvmmsg/sendmmsg */

/* Binds a UDP socket; `bound` gets the actual address (port 0 resolved). */
MAYDAY_NODISCARD enum mayday_err srv_udp_open(const struct sockaddr_storage *addr,
					      socklen_t addr_len, unsigned rcvbuf, int *fd,
					      char *bound, size_t bound_cap);

/* Receives up to n (<= SRV_UDP_BATCH) waiting datagrams without blocking,
 * filling buf, len, truncated, peer of slots[0..). Returns how many; 0 when
 * none is waiting; -1 on a socket error (errno set). */
int srv_udp_recv(int fd, struct srv_slot **slots, size_t n);

/* Waits up to timeout_ms for a datagram; 1 if one (or an error) waits. */
int srv_udp_wait(int fd, int timeout_ms);

/* Sends the acks (ack_len > 0) of slots[0..n) to their peers. Returns the
 * number the kernel took. */
size_t srv_udp_send_acks(int fd, struct srv_slot **slots, size_t n);

#endif

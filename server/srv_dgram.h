/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Datagram listeners: plain UDP, PSK (sealed datagrams) and IPsec (plain
 * datagrams arriving through the SeGW's tunnels) are the same socket work
 * with a different method on the slots. One receiver thread per listener
 * reads batches (recvmmsg) into free slots; answers go back with sendmmsg
 * from the worker that finished them, to the datagram's source address. A
 * dropped datagram gets no answer (a datagram sender cannot be told why
 * without becoming an amplifier or an oracle).
 */
#ifndef MAYDAY_SRV_DGRAM_H
#define MAYDAY_SRV_DGRAM_H

#include "srv_listener.h"

/* Binds `addr` (port 0: the kernel picks; l->bound says which). `name`
 * must be a static string. Caller owns *out (ops->destroy). */
MAYDAY_NODISCARD enum mayday_err srv_dgram_open(struct srv_listener **out, const char *name,
						uint32_t method, const struct srv_addr *addr,
						unsigned rcvbuf, const struct srv_intake *in);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Which IKE identity sent this datagram? For indications that arrive
 * through the SeGW's IPsec tunnels (the ipsec method), maydayd asks the
 * SeGW's IKE daemon (strongSwan's charon, over its VICI socket) which
 * established IKE SA owns the datagram's inner source address, and gets the
 * identity that IKE SA authenticated. That identity is the channel-level
 * proof of who sent it; the caller compares it with the device ID inside
 * the signed indication.
 *
 * The lookup is a blocking VICI exchange bounded by timeout_ms: call it from
 * a worker thread, never from the receive loop. No state is kept between
 * calls (a tunnel can come and go between two datagrams), and the struct is
 * read-only after srv_ike_init, so threads may share it.
 */
#ifndef MAYDAY_SRV_IKE_H
#define MAYDAY_SRV_IKE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "mayday/error.h"

#define SRV_IKE_VICI_MAX    107   /* sun_path of a unix socket, without the NUL */
#define SRV_IKE_CONN_MAX    64    /* strongSwan connection name */
#define SRV_IKE_TIMEOUT_MIN 10u
#define SRV_IKE_TIMEOUT_MAX 60000u

struct srv_ike {
	char vici[SRV_IKE_VICI_MAX + 1];  /* absolute path of the SeGW charon's VICI socket */
	char conn[SRV_IKE_CONN_MAX + 1];  /* only IKE SAs of this connection; "" = any */
	uint32_t timeout_ms;              /* per lookup */
};

/* Fill *ike (caller-owned, nothing to free). MAYDAY_E_INVALID if vici is not
 * an absolute path that fits, conn is too long or has bytes outside
 * printable ASCII without spaces, or timeout_ms is outside
 * SRV_IKE_TIMEOUT_MIN..SRV_IKE_TIMEOUT_MAX. conn may be NULL. */
MAYDAY_NODISCARD enum mayday_err srv_ike_init(struct srv_ike *ike, const char *vici,
					      const char *conn, uint32_t timeout_ms);

/* The authenticated IKE identity (charon's remote-id) of the established
 * tunnel whose inner address is inner_src (AF_INET or AF_INET6; the port is
 * ignored), into identity (cap bytes, NUL-terminated; "" on any error).
 * MAYDAY_E_NOTFOUND: no tunnel owns that address (the datagram did not come
 * through the SeGW, or its tunnel is gone); MAYDAY_E_MISMATCH: tunnels of
 * different identities claim it (never guessed); MAYDAY_E_TOOBIG: the
 * identity does not fit; MAYDAY_E_IO / MAYDAY_E_TIMEOUT: the SeGW's daemon
 * is unreachable or slow; MAYDAY_E_MALFORMED / MAYDAY_E_UNSUPPORTED: it
 * answered something unusable; MAYDAY_E_INVALID: bad arguments. Nothing is
 * logged: the caller logs once, rate-limited (the address is peer input). */
MAYDAY_NODISCARD enum mayday_err srv_ike_identity(const struct srv_ike *ike,
						  const struct sockaddr *inner_src,
						  char *identity, size_t cap);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The ipsec method's channel identity: which IKE identity owns a tunnel's
 * inner source address (srv_ike over VICI to the SeGW's charon), cached per
 * address for a short time so a device's retransmissions and a burst of
 * datagrams cost one VICI exchange, and whether that identity names the
 * device an indication claims to be.
 *
 * The TTL bounds how long a stale answer can be believed after a tunnel
 * went away and its virtual IP was handed to another tunnel; a mismatch is
 * always safe (the datagram is dropped and retransmitted after the TTL).
 * "No tunnel owns it" is cached too, so a flood from outside the tunnels
 * costs one exchange per address per TTL; an unreachable SeGW is not.
 * Fixed size, direct-mapped by address; thread-safe (the VICI exchange of a
 * miss runs outside the lock).
 */
#ifndef MAYDAY_SRV_IKEMAP_H
#define MAYDAY_SRV_IKEMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "mayday/error.h"
#include "srv_ike.h"

struct srv_ikemap;

/* `ike` is copied. ttl_ms 0 caches nothing. Caller owns *out. */
MAYDAY_NODISCARD enum mayday_err srv_ikemap_new(struct srv_ikemap **out, const struct srv_ike *ike,
						unsigned ttl_ms, unsigned capacity);
void srv_ikemap_free(struct srv_ikemap *m); /* NULL-safe */

/* The IKE identity owning `inner` (the port is ignored) into identity
 * (cap bytes; "" on error), from the cache if younger than the TTL at
 * now_ms (monotonic). Errors as srv_ike_identity. */
MAYDAY_NODISCARD enum mayday_err srv_ikemap_identity(struct srv_ikemap *m,
						     const struct sockaddr_storage *inner,
						     uint64_t now_ms, char *identity, size_t cap);

/* Does the IKE identity name `device_id`? Yes if it is the device ID
 * itself (an FQDN/KEY_ID identity), or a distinguished name
 * ("C=DE, O=op, CN=hnb-1" as charon prints it) with exactly one CN, equal
 * to the device ID. Comparison is exact (case matters, as in device IDs). */
bool srv_ikemap_names(const char *identity, const char *device_id);

#endif

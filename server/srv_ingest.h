/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The verify stage of the pipeline: decide what one received indication
 * is, whatever method brought it.
 *
 *   oversized / truncated                              -> SRV_DROP_OVERSIZED
 *   not a well-formed indication                       -> SRV_DROP_MALFORMED
 *   PSK: unknown kid, seal does not open                -> SRV_DROP_KEY
 *   PSK: counter refused by the window, seal opens not  -> SRV_DROP_REPLAY
 *   the channel's identity (certificate CN, IKE identity,
 *     PSK kid's device) is not the indication's device  -> SRV_DROP_IDENTITY
 *   IPsec: the SeGW cannot say who owns the address    -> SRV_DROP_IDENTITY
 *     (no tunnel) or SRV_DROP_BUSY (SeGW unreachable)
 *   device enrolled and signature verifies            -> SRV_STORE, trust signed
 *   enrolled, plain channel, the device's and the
 *     source's recent signatures failed (srv_sigguard) -> SRV_DROP_LIMITED, not verified
 *   unknown device, or enrolled but bad signature     -> SRV_STORE, trust unverified,
 *     if the unverified rate limits allow it, else SRV_DROP_LIMITED
 *   key lookup failed (store error)                   -> SRV_DROP_BUSY (the device retries)
 * Every drop is counted and logged (rate-limited); nothing is stored.
 *
 * Channel authentication never replaces the signature: it is recorded as
 * evidence (rec.channel_auth, rec.peer_identity) and it must agree with the
 * device the indication names. A PSK request whose counter the window
 * refused but whose seal opens goes on to the writer, which answers it
 * only if it is the identical retransmission of a stored row.
 *
 * On SRV_STORE the slot's `rec` is ready for store_ingest_put (and, for
 * PSK, slot->psk holds the keys for the answer); on a drop no key is left
 * in the slot. Runs on any
 * number of worker threads at once; `st` is the calling thread's own store
 * connection. Never allocates itself (OpenSSL may inside).
 */
#ifndef MAYDAY_SRV_INGEST_H
#define MAYDAY_SRV_INGEST_H

#include "srv_ikemap.h"
#include "srv_keycache.h"
#include "srv_ratelimit.h"
#include "srv_sigguard.h"
#include "srv_slot.h"
#include "srv_stats.h"

struct srv_ingest {
	struct srv_keycache *keys;
	struct srv_ratelimit *limit;
	struct srv_sigguard *guard;   /* NULL: every enrolled device's indication is verified */
	struct srv_stats *stats;
	struct srv_ikemap *ike;       /* NULL without an ipsec listener */
	unsigned max_datagram;        /* signed indication bytes (PSK: the plaintext) */
};

/* `ver` is the calling thread's own verifier. Sets and returns slot->verdict. */
enum srv_verdict srv_ingest_check(const struct srv_ingest *ing, struct store *st,
				  struct mayday_cose_verifier *ver, struct srv_slot *slot);

/* "a.b.c.d:port" or "[v6]:port" of a socket address. */
void srv_ingest_peer_text(const struct sockaddr_storage *ss, char *out, size_t cap);

/* Peer text (device IDs, identities) for a log line or the store: printable
 * ASCII only, truncated to cap. `in` and `out` may be the same buffer. */
void srv_ingest_safe(const char *in, char *out, size_t cap);

/* Monotonic clock, ms and ns (rate limits, caches). */
uint64_t srv_ingest_now_ns(void);

#endif

/*
 * The verify stage of the pipeline: decide what one received datagram is.
 *
 *   oversized / truncated / not a well-formed indication -> SRV_DROP_MALFORMED
 *     (counted, logged rate-limited, nothing stored, no ack)
 *   device enrolled and signature verifies            -> SRV_STORE, trust signed
 *   unknown device, or enrolled but bad signature     -> SRV_STORE, trust unverified,
 *     if the unverified rate limits allow it, else SRV_DROP_LIMITED
 *   key lookup failed (store error)                   -> SRV_DROP_BUSY (the device retries)
 *
 * On SRV_STORE the slot's `rec` is ready for store_ingest_put. Runs on any
 * number of worker threads at once; `st` is the calling thread's own store
 * connection. Never allocates itself (OpenSSL and libcbor may inside).
 */
#ifndef MAYDAY_SRV_INGEST_H
#define MAYDAY_SRV_INGEST_H

#include "srv_keycache.h"
#include "srv_ratelimit.h"
#include "srv_slot.h"
#include "srv_stats.h"

struct srv_ingest {
	struct srv_keycache *keys;
	struct srv_ratelimit *limit;
	struct srv_stats *stats;
	unsigned max_datagram;
};

/* `ver` is the calling thread's own verifier. */
enum srv_verdict srv_ingest_check(const struct srv_ingest *ing, struct store *st,
				  struct mayday_cose_verifier *ver, struct srv_slot *slot);

/* "a.b.c.d:port" or "[v6]:port" of a socket address. */
void srv_ingest_peer_text(const struct sockaddr_storage *ss, char *out, size_t cap);

#endif

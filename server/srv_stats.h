/*
 * Counters of what the daemon did with its input, updated lock-free by
 * every stage and logged at shutdown (later: Prometheus /metrics).
 */
#ifndef MAYDAY_SRV_STATS_H
#define MAYDAY_SRV_STATS_H

#include <stdatomic.h>
#include <stdint.h>

#define SRV_STATS_METHODS 6             /* indexed by enum mayday_transport (1..5) */

struct srv_stats {
	_Atomic uint64_t received;      /* indications (datagrams, requests) taken in */
	_Atomic uint64_t received_by[SRV_STATS_METHODS]; /* ... per method */
	_Atomic uint64_t oversized;     /* > limit: dropped */
	_Atomic uint64_t malformed;     /* not a well-formed indication: dropped */
	_Atomic uint64_t verified;      /* signature verified with the enrolled key */
	_Atomic uint64_t unknown_device;
	_Atomic uint64_t bad_signature; /* enrolled device, signature did not verify */
	_Atomic uint64_t limited;       /* unverified over the rate limit: dropped */
	_Atomic uint64_t identity_mismatch; /* channel identity names another device: dropped */
	_Atomic uint64_t stored;        /* new rows committed */
	_Atomic uint64_t duplicates;    /* identical retransmissions: acked again */
	_Atomic uint64_t conflicts;     /* replay conflicts: REJECTED */
	_Atomic uint64_t store_errors;  /* lookups/batches that failed: dropped, not acked */
	_Atomic uint64_t batches;       /* committed transactions */
	_Atomic uint64_t acks_sent;     /* answers carrying an ack (datagrams, HTTP 200) */
	_Atomic uint64_t ack_errors;    /* signing, sealing or sending an ack failed */
	/* PSK */
	_Atomic uint64_t psk_unknown_kid;
	_Atomic uint64_t psk_bad_seal;  /* does not open: wrong PSK, tampered, truncated */
	_Atomic uint64_t psk_replays;   /* refused by the replay window */
	/* IPsec */
	_Atomic uint64_t ike_lookup_failed; /* no IKE identity for the inner address */
	/* HTTP(S) */
	_Atomic uint64_t http_refused;  /* 4xx before any slot: path, method, type, size */
	_Atomic uint64_t http_busy;     /* 503: no free slot, or shutting down */
	_Atomic uint64_t http_evicted;  /* connections closed for a new one, or late */
	_Atomic uint64_t http_deadlines; /* ... of them: request or handshake deadline missed */
	_Atomic uint64_t tls_handshakes;
	_Atomic uint64_t tls_failed;    /* handshakes we ended with a fatal alert */
};

static inline void srv_stats_add(_Atomic uint64_t *c, uint64_t n)
{
	atomic_fetch_add_explicit(c, n, memory_order_relaxed);
}

void srv_stats_log(struct srv_stats *st);

#endif

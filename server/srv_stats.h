/*
 * Counters of what the daemon did with its input, updated lock-free by
 * every stage and logged at shutdown (later: Prometheus /metrics).
 */
#ifndef MAYDAY_SRV_STATS_H
#define MAYDAY_SRV_STATS_H

#include <stdatomic.h>
#include <stdint.h>

struct srv_stats {
	_Atomic uint64_t received;      /* datagrams */
	_Atomic uint64_t oversized;     /* > max_datagram: dropped */
	_Atomic uint64_t malformed;     /* not a well-formed indication: dropped */
	_Atomic uint64_t verified;      /* signature verified with the enrolled key */
	_Atomic uint64_t unknown_device;
	_Atomic uint64_t bad_signature; /* enrolled device, signature did not verify */
	_Atomic uint64_t limited;       /* unverified over the rate limit: dropped */
	_Atomic uint64_t stored;        /* new rows committed */
	_Atomic uint64_t duplicates;    /* identical retransmissions: acked again */
	_Atomic uint64_t conflicts;     /* replay conflicts: REJECTED */
	_Atomic uint64_t store_errors;  /* lookups/batches that failed: dropped, not acked */
	_Atomic uint64_t batches;       /* committed transactions */
	_Atomic uint64_t acks_sent;
	_Atomic uint64_t ack_errors;    /* signing or sending an ack failed */
};

static inline void srv_stats_add(_Atomic uint64_t *c, uint64_t n)
{
	atomic_fetch_add_explicit(c, n, memory_order_relaxed);
}

void srv_stats_log(struct srv_stats *st);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Counters and histograms of what the daemon did with its input, updated
 * by every stage with relaxed atomic adds (no lock, no allocation), logged
 * at shutdown (srv_stats_log) and exposed as Prometheus text on the admin
 * listener (srv_metrics.h).
 *
 * Histograms keep one counter per bucket (not cumulative) and the sum of
 * the observed values; the count is the sum of the buckets, so a scrape
 * always sees buckets that add up to the count however the adds interleave.
 */
#ifndef MAYDAY_SRV_STATS_H
#define MAYDAY_SRV_STATS_H

#include <stdatomic.h>
#include <stdint.h>
#include <time.h>

#define SRV_STATS_METHODS 6             /* indexed by enum mayday_transport (1..5) */
#define SRV_HIST_BOUNDS_MAX 16          /* upper bounds of a histogram; +Inf comes on top */

/* What became of an indication that got a slot (the metrics' "outcome"). */
enum srv_outcome {
	SRV_OUT_STORED = 0,             /* a new signed row */
	SRV_OUT_STORED_UNVERIFIED,      /* a new unverified row */
	SRV_OUT_DUPLICATE,              /* an identical retransmission: acked again */
	SRV_OUT_REJECTED,               /* replay conflict: answered REJECTED */
	SRV_OUT_REPLAY,                 /* PSK replay window: dropped */
	SRV_OUT_STALE,                  /* signed, counter not above the device's highest
					 * accepted: answered REJECTED, nothing stored */
	SRV_OUT_MALFORMED,
	SRV_OUT_OVERSIZED,
	SRV_OUT_RATE_LIMITED,
	SRV_OUT_IDENTITY,               /* the channel authenticated another device */
	SRV_OUT_BAD_KEY,                /* PSK: unknown kid, or the seal does not open */
	SRV_OUT_BUSY,                   /* a lookup failed (store, SeGW): dropped, device retries */
	SRV_OUT_NOT_STORED,             /* the batch did not commit: not acked, device retries */
	SRV_OUTCOMES
};

enum srv_hist_id {
	SRV_HIST_BATCH_ROWS = 0,        /* rows per committed store transaction */
	SRV_HIST_COMMIT,                /* ns from BEGIN to COMMIT returned, per batch */
	SRV_HIST_ACK,                   /* ns from receipt to the ack handed to its listener */
	SRV_HISTS
};

/* How a histogram is exposed: name (without "maydayd_"), help, bucket
 * bounds in the observed unit (ascending), divisor to the exposed unit. */
struct srv_hist_spec {
	const char *name, *help;
	const uint64_t *bounds;
	unsigned n_bounds;
	double scale;
};

struct srv_hist {
	_Atomic uint64_t bucket[SRV_HIST_BOUNDS_MAX + 1]; /* [i]: v <= bounds[i] and above
							  * bounds[i-1]; [n_bounds]: above all */
	_Atomic uint64_t sum;
};

struct srv_stats {
	_Atomic uint64_t received;      /* indications (datagrams, requests) taken in */
	_Atomic uint64_t received_by[SRV_STATS_METHODS]; /* ... per method */
	_Atomic uint64_t outcome[SRV_STATS_METHODS][SRV_OUTCOMES]; /* per method, once per slot */
	_Atomic uint64_t oversized;     /* > limit: dropped */
	_Atomic uint64_t malformed;     /* not a well-formed indication: dropped */
	_Atomic uint64_t msg_version[3]; /* well-formed ones by message version, [1] mayday
					  * claims, [2] EAT claims (docs/protocol.md §6.2) */
	_Atomic uint64_t verified;      /* signature verified with the enrolled key */
	_Atomic uint64_t unknown_device;
	_Atomic uint64_t bad_signature; /* enrolled device, signature did not verify */
	_Atomic uint64_t limited;       /* unverified over the rate limit: dropped */
	_Atomic uint64_t identity_mismatch; /* channel identity names another device: dropped */
	_Atomic uint64_t stored;        /* new rows committed */
	_Atomic uint64_t duplicates;    /* identical retransmissions: acked again */
	_Atomic uint64_t conflicts;     /* replay conflicts: REJECTED */
	_Atomic uint64_t stale;         /* counter not above the device's highest: REJECTED */
	_Atomic uint64_t store_errors;  /* lookups/batches that failed: dropped, not acked */
	_Atomic uint64_t batches;       /* committed transactions */
	_Atomic uint64_t acks_sent;     /* answers carrying an ack (datagrams, HTTP 200) */
	_Atomic uint64_t ack_errors;    /* signing, sealing or sending an ack failed */
	_Atomic uint64_t acks_batched;  /* acks built in the batch form (docs/protocol.md §7.2) */
	_Atomic uint64_t ack_roots;     /* ... and the root signatures they share */
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
	_Atomic uint64_t tls_handshakes; /* completed, once per connection */
	_Atomic uint64_t tls_failed;    /* handshakes we ended with a fatal alert */
	_Atomic uint64_t tls_no_close_notify; /* after the handshake, the peer closed without
					       * close_notify: not a failure */
	_Atomic uint64_t tls_errors;    /* other fatal alerts after the handshake */
	_Atomic uint64_t scrape_store_errors; /* metrics scrapes whose store read failed */
	struct srv_hist hist[SRV_HISTS];
};

extern const struct srv_hist_spec srv_stats_hist[SRV_HISTS];

static inline void srv_stats_add(_Atomic uint64_t *c, uint64_t n)
{
	atomic_fetch_add_explicit(c, n, memory_order_relaxed);
}

static inline uint64_t srv_stats_get(const _Atomic uint64_t *c)
{
	return atomic_load_explicit(c, memory_order_relaxed);
}

/* CLOCK_MONOTONIC in ns: what latencies are measured with. */
static inline uint64_t srv_stats_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* One observation of `v` (in the histogram's unit). */
void srv_stats_observe(struct srv_stats *st, enum srv_hist_id h, uint64_t v);

struct srv_slot;
/* Counts a slot leaving the pipeline (dropped, or committed and answered):
 * its outcome by method, and for an ack its latency since receipt.
 * `now_ns` from srv_stats_now_ns. */
void srv_stats_finished(struct srv_stats *st, const struct srv_slot *s, uint64_t now_ns);

/* "stored", "stored-unverified", ...: the metrics' label values. */
const char *srv_stats_outcome_name(enum srv_outcome o);

void srv_stats_log(struct srv_stats *st);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The counters' two readers share the names here: the shutdown log lines
 * (srv_stats_log) and the metrics (srv_metrics.c). The outcome of a slot is
 * derived once, when it leaves the pipeline, from what the stages left in
 * it (verdict, committed, the store's outcome and trust).
 */
#include "log.h"
#include "srv_slot.h"
#include "srv_stats.h"

/* Rows per batch: up to [server] batch (at most 1000). */
static const uint64_t batch_bounds[] = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1000};
/* Latencies in ns, exposed in seconds: 100 us .. 10 s. */
static const uint64_t latency_bounds[] = {
	100000, 250000, 500000, 1000000, 2500000, 5000000, 10000000, 25000000,
	50000000, 100000000, 250000000, 500000000, 1000000000, 2500000000u, 10000000000u};

#define N(a) (unsigned)(sizeof(a) / sizeof((a)[0]))
_Static_assert(N(batch_bounds) <= SRV_HIST_BOUNDS_MAX, "batch buckets");
_Static_assert(N(latency_bounds) <= SRV_HIST_BOUNDS_MAX, "latency buckets");

const struct srv_hist_spec srv_stats_hist[SRV_HISTS] = {
	[SRV_HIST_BATCH_ROWS] = {"store_commit_batch_rows",
				 "Indications per committed store transaction.", batch_bounds,
				 N(batch_bounds), 1.0},
	[SRV_HIST_COMMIT] = {"store_commit_seconds",
			     "Time from BEGIN to a returned COMMIT of one batch (redos included).",
			     latency_bounds, N(latency_bounds), 1e9},
	[SRV_HIST_ACK] = {"ingest_to_ack_seconds",
			  "Time from receipt of an indication to its signed ack handed to the "
			  "listener that sends it (after the commit).",
			  latency_bounds, N(latency_bounds), 1e9},
};

static const char *const outcome_names[SRV_OUTCOMES] = {
	[SRV_OUT_STORED] = "stored",
	[SRV_OUT_STORED_UNVERIFIED] = "stored-unverified",
	[SRV_OUT_DUPLICATE] = "duplicate",
	[SRV_OUT_REJECTED] = "rejected",
	[SRV_OUT_REPLAY] = "replay",
	[SRV_OUT_STALE] = "stale",
	[SRV_OUT_MALFORMED] = "malformed",
	[SRV_OUT_OVERSIZED] = "oversized",
	[SRV_OUT_RATE_LIMITED] = "rate-limited",
	[SRV_OUT_IDENTITY] = "identity-mismatch",
	[SRV_OUT_BAD_KEY] = "bad-key",
	[SRV_OUT_BUSY] = "busy",
	[SRV_OUT_NOT_STORED] = "not-stored",
};

const char *srv_stats_outcome_name(enum srv_outcome o)
{
	return (unsigned)o < SRV_OUTCOMES ? outcome_names[o] : "unknown";
}

void srv_stats_observe(struct srv_stats *st, enum srv_hist_id h, uint64_t v)
{
	const struct srv_hist_spec *spec = &srv_stats_hist[h];
	unsigned i = 0;
	while (i < spec->n_bounds && v > spec->bounds[i])
		i++;
	srv_stats_add(&st->hist[h].bucket[i], 1);
	srv_stats_add(&st->hist[h].sum, v);
}

static enum srv_outcome outcome_of(const struct srv_slot *s)
{
	switch (s->verdict) {
	case SRV_DROP_MALFORMED: return SRV_OUT_MALFORMED;
	case SRV_DROP_OVERSIZED: return SRV_OUT_OVERSIZED;
	case SRV_DROP_LIMITED: return SRV_OUT_RATE_LIMITED;
	case SRV_DROP_BUSY: return SRV_OUT_BUSY;
	case SRV_DROP_IDENTITY: return SRV_OUT_IDENTITY;
	case SRV_DROP_KEY: return SRV_OUT_BAD_KEY;
	case SRV_DROP_REPLAY: return SRV_OUT_REPLAY;
	case SRV_STORE: break;
	}
	if (!s->committed)
		return SRV_OUT_NOT_STORED;
	switch (s->rec.outcome) {
	case STORE_NEW:
		return s->rec.trust == STORE_TRUST_SIGNED ? SRV_OUT_STORED
							   : SRV_OUT_STORED_UNVERIFIED;
	case STORE_DUPLICATE: return SRV_OUT_DUPLICATE;
	case STORE_CONFLICT: return SRV_OUT_REJECTED;
	case STORE_REPLAY: return SRV_OUT_REPLAY;
	case STORE_STALE: return SRV_OUT_STALE;
	}
	return SRV_OUT_NOT_STORED;
}

void srv_stats_finished(struct srv_stats *st, const struct srv_slot *s, uint64_t now_ns)
{
	srv_stats_add(&st->outcome[s->method % SRV_STATS_METHODS][outcome_of(s)], 1);
	if (s->committed && s->ack_len > 0)
		srv_stats_observe(st, SRV_HIST_ACK, now_ns > s->received_ns ? now_ns - s->received_ns
									    : 0);
}

#define V(f) (unsigned long long)srv_stats_get(&st->f)

void srv_stats_log(struct srv_stats *st)
{
	log_info("received %llu: stored %llu (signed %llu, unknown device %llu, bad signature "
		 "%llu), duplicates %llu, replay conflicts %llu, stale counters %llu, malformed %llu, "
		 "oversized %llu, "
		 "rate-limited %llu, identity mismatches %llu, store errors %llu; %llu batches, "
		 "%llu acks sent, %llu ack errors",
		 V(received), V(stored), V(verified), V(unknown_device), V(bad_signature),
		 V(duplicates), V(conflicts), V(stale), V(malformed), V(oversized), V(limited),
		 V(identity_mismatch), V(store_errors), V(batches), V(acks_sent), V(ack_errors));
	log_info("batch acks: %llu under %llu root signatures", V(acks_batched), V(ack_roots));
	log_info("by method: udp %llu, http %llu, https %llu, ipsec %llu, psk %llu; psk: unknown "
		 "kid %llu, bad seal %llu, replays %llu; ipsec: identity lookups failed %llu; "
		 "http: refused %llu, busy %llu; tls: handshakes %llu, failed %llu, closed "
		 "without close_notify %llu, errors after the handshake %llu",
		 V(received_by[1]), V(received_by[2]), V(received_by[3]), V(received_by[4]),
		 V(received_by[5]), V(psk_unknown_kid), V(psk_bad_seal), V(psk_replays),
		 V(ike_lookup_failed), V(http_refused), V(http_busy), V(tls_handshakes),
		 V(tls_failed), V(tls_no_close_notify), V(tls_errors));
}

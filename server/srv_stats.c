/* Summary lines from the counters: totals, then per method. */
#include "log.h"
#include "srv_stats.h"

#define V(f) (unsigned long long)atomic_load(&st->f)

void srv_stats_log(struct srv_stats *st)
{
	log_info("received %llu: stored %llu (signed %llu, unknown device %llu, bad signature "
		 "%llu), duplicates %llu, replay conflicts %llu, malformed %llu, oversized %llu, "
		 "rate-limited %llu, identity mismatches %llu, store errors %llu; %llu batches, "
		 "%llu acks sent, %llu ack errors",
		 V(received), V(stored), V(verified), V(unknown_device), V(bad_signature),
		 V(duplicates), V(conflicts), V(malformed), V(oversized), V(limited),
		 V(identity_mismatch), V(store_errors), V(batches), V(acks_sent), V(ack_errors));
	log_info("by method: udp %llu, http %llu, https %llu, ipsec %llu, psk %llu; psk: unknown "
		 "kid %llu, bad seal %llu, replays %llu; ipsec: identity lookups failed %llu; "
		 "http: refused %llu, busy %llu; tls: handshakes %llu, failed %llu",
		 V(received_by[1]), V(received_by[2]), V(received_by[3]), V(received_by[4]),
		 V(received_by[5]), V(psk_unknown_kid), V(psk_bad_seal), V(psk_replays),
		 V(ike_lookup_failed), V(http_refused), V(http_busy), V(tls_handshakes),
		 V(tls_failed));
}

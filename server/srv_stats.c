/* One summary line from the counters. */
#include "log.h"
#include "srv_stats.h"

#define V(f) (unsigned long long)atomic_load(&st->f)

void srv_stats_log(struct srv_stats *st)
{
	log_info("received %llu: stored %llu (signed %llu, unknown device %llu, bad signature "
		 "%llu), duplicates %llu, replay conflicts %llu, malformed %llu, oversized %llu, "
		 "rate-limited %llu, store errors %llu; %llu batches, %llu acks sent, %llu ack "
		 "errors",
		 V(received), V(stored), V(verified), V(unknown_device), V(bad_signature),
		 V(duplicates), V(conflicts), V(malformed), V(oversized), V(limited),
		 V(store_errors), V(batches), V(acks_sent), V(ack_errors));
}

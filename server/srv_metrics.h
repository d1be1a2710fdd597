/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The daemon's figures as Prometheus text exposition (format 0.0.4), for
 * GET /metrics on the admin listener (srv_admin.h). Every name starts with
 * "maydayd_"; counters end in "_total"; every family has HELP and TYPE
 * lines; histograms have cumulative _bucket{le=...} lines ending in +Inf,
 * then _sum and _count (the +Inf bucket).
 *
 * Counters come from srv_stats (read with relaxed loads: each figure is
 * exact, a scrape is not a snapshot across figures); queue depths are read
 * under each queue's lock; remediation attempts by result are one grouped
 * read of the store per scrape.
 */
#ifndef MAYDAY_SRV_METRICS_H
#define MAYDAY_SRV_METRICS_H

#include <stddef.h>
#include <event2/buffer.h>

#include "mayday/error.h"
#include "srv_queue.h"
#include "srv_stats.h"
#include "store.h"

#define SRV_METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* What a scrape reads; everything borrowed from the pipeline, which
 * outlives the admin listener. */
struct srv_metrics_src {
	struct srv_stats *stats;
	struct srv_queue *pool;     /* free slots */
	struct srv_queue *work;     /* lanes SRV_LANE_ACK, SRV_LANE_VERIFY */
	struct srv_queue *commit;   /* verified, waiting for the writer */
	size_t n_slots;
};

/* Appends the exposition to `out`. `st` (NULL: none) is a store connection
 * only the calling thread uses; if its read fails, the remediation family
 * is left out and maydayd_scrape_store_errors_total says so.
 * MAYDAY_E_NOMEM if `out` could not grow. */
MAYDAY_NODISCARD enum mayday_err srv_metrics_render(const struct srv_metrics_src *src,
						    struct store *st, struct evbuffer *out);

#endif

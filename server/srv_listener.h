/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A listener is one distress method's way in and out of the pipeline,
 * behind one small table of functions (like the store's backends): plain
 * UDP, PSK and IPsec datagrams share srv_dgram.c, plain HTTP and HTTPS
 * srv_http.c.
 *
 * Way in: a listener takes free slots from intake->pool, fills them
 * (srv_slot_reset, then bytes, peer, received_at, and what its channel
 * proved: for HTTPS the client certificate) and pushes them to
 * intake->work, lane SRV_LANE_VERIFY.
 *
 * Way out: once the verify stage dropped a slot, or the writer committed it
 * and a worker built its answer (ack_len > 0), a worker calls `finish`
 * with slots of this listener. finish answers the method's way — a
 * datagram, an HTTP response (an error status for a drop), or nothing —
 * and gives every slot back to intake->pool, at once or later on the
 * listener's own thread. Every slot handed to finish must reach the pool
 * exactly once: the pipeline's shutdown waits for that.
 */
#ifndef MAYDAY_SRV_LISTENER_H
#define MAYDAY_SRV_LISTENER_H

#include <stddef.h>
#include <stdint.h>

#include "mayday/error.h"
#include "srv_config.h"
#include "srv_queue.h"
#include "srv_slot.h"
#include "srv_stats.h"

enum { SRV_LANE_ACK = 0, SRV_LANE_VERIFY = 1 };

/* What every listener hands slots to; owned by the pipeline. */
struct srv_intake {
	struct srv_queue *pool;   /* free slots */
	struct srv_queue *work;   /* received slots go to lane SRV_LANE_VERIFY */
	struct srv_stats *stats;
	size_t n_slots;           /* slots in existence */
};

struct srv_listener;

struct srv_listener_ops {
	/* Start receiving (the listener's threads). */
	MAYDAY_NODISCARD enum mayday_err (*start)(struct srv_listener *l);
	/* Stop taking input; returns once nothing more will be pushed. Slots in
	 * flight still come back through finish, which keeps working. */
	void (*stop)(struct srv_listener *l);
	/* Answer slots[0..n) (all of this listener) and give them back to the
	 * pool. Called from worker threads, concurrently. */
	void (*finish)(struct srv_listener *l, struct srv_slot **s, size_t n);
	/* Once every slot is back: join threads, close sockets, free. Also
	 * right after a failed open or without start. */
	void (*destroy)(struct srv_listener *l);
	/* Optional (NULL: nothing to reload). SIGHUP: read again what may
	 * change without a restart (certificates, keys, CRL) and use it for new
	 * connections. On success `why` says what is now in force; on failure
	 * the listener keeps what it had and `why` says why (the caller logs
	 * it, once). Called from the main thread while the listener runs, or
	 * before it starts. */
	MAYDAY_NODISCARD enum mayday_err (*reload)(struct srv_listener *l, char *why,
						   size_t why_cap);
};

struct srv_listener {
	const struct srv_listener_ops *ops;
	uint32_t method;                     /* enum mayday_transport */
	const char *name;                    /* "udp", "http", "https", "psk", "ipsec" */
	char bound[SRV_ADDR_TEXT_MAX + 1];   /* the address it listens on, port resolved */
	const struct srv_intake *in;
};

#endif

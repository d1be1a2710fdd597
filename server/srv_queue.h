/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A bounded, blocking FIFO of slot pointers with priority lanes, shared by
 * threads (one mutex, one condition variable). Pops take the lowest-numbered
 * non-empty lane first, so workers finish committed work (acks) before they
 * start new work (verification). Every lane holds up to `cap` slots, the
 * total number of slots, so a push never blocks.
 */
#ifndef MAYDAY_SRV_QUEUE_H
#define MAYDAY_SRV_QUEUE_H

#include <pthread.h>
#include <stddef.h>

#include "mayday/error.h"

#define SRV_QUEUE_LANES 2

struct srv_slot;

struct srv_queue_lane {
	struct srv_slot **ring;
	size_t head, count;
};

struct srv_queue {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	size_t cap;
	unsigned lanes;
	int closed;
	int inited;
	struct srv_queue_lane lane[SRV_QUEUE_LANES];
};

MAYDAY_NODISCARD enum mayday_err srv_queue_init(struct srv_queue *q, size_t cap, unsigned lanes);
void srv_queue_fini(struct srv_queue *q);

/* Appends n slots to `lane`. The queue takes ownership. */
void srv_queue_push(struct srv_queue *q, unsigned lane, struct srv_slot *const *s, size_t n);
/* Pops up to max slots from the first non-empty lane (its number into
 * *lane if non-NULL). Waits up to timeout_ms (-1: forever) for work;
 * returns 0 on timeout, or when the queue is closed and empty. */
size_t srv_queue_pop(struct srv_queue *q, struct srv_slot **s, size_t max, int timeout_ms,
		     unsigned *lane);
/* Slots in all lanes. */
size_t srv_queue_count(struct srv_queue *q);
/* Slots in one lane (0 for a lane the queue does not have). */
size_t srv_queue_lane_count(struct srv_queue *q, unsigned lane);
/* Waits until the queue holds `n` slots (used on the free pool to see that
 * every slot came back, i.e. all in-flight work is done). */
void srv_queue_wait_count(struct srv_queue *q, size_t n);
/* Wakes every waiter; pops return 0 once the queue is empty. */
void srv_queue_close(struct srv_queue *q);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * srv_queue: rings under one mutex. Waiters are woken with broadcast
 * because lanes and the "count reached n" wait share one condition
 * variable; at a few thousand wakeups per second that costs nothing next to
 * a signature verification.
 */
#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "srv_queue.h"

enum mayday_err srv_queue_init(struct srv_queue *q, size_t cap, unsigned lanes)
{
	*q = (struct srv_queue){.cap = cap, .lanes = lanes};
	if (lanes == 0 || lanes > SRV_QUEUE_LANES || cap == 0)
		return MAYDAY_E_INVALID;
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&q->cv, &ca);
	pthread_condattr_destroy(&ca);
	pthread_mutex_init(&q->mu, NULL);
	q->inited = 1;
	for (unsigned i = 0; i < lanes; i++) {
		q->lane[i].ring = calloc(cap, sizeof(*q->lane[i].ring));
		if (q->lane[i].ring == NULL) {
			srv_queue_fini(q);
			return MAYDAY_E_NOMEM;
		}
	}
	return MAYDAY_OK;
}

void srv_queue_fini(struct srv_queue *q)
{
	for (unsigned i = 0; i < SRV_QUEUE_LANES; i++) {
		free(q->lane[i].ring);
		q->lane[i].ring = NULL;
	}
	if (q->inited) {
		pthread_cond_destroy(&q->cv);
		pthread_mutex_destroy(&q->mu);
		q->inited = 0;
	}
}

void srv_queue_push(struct srv_queue *q, unsigned lane, struct srv_slot *const *s, size_t n)
{
	if (n == 0)
		return;
	pthread_mutex_lock(&q->mu);
	struct srv_queue_lane *l = &q->lane[lane];
	/* Cannot overflow: cap is the number of slots in existence. */
	for (size_t i = 0; i < n && l->count < q->cap; i++) {
		l->ring[(l->head + l->count) % q->cap] = s[i];
		l->count++;
	}
	pthread_cond_broadcast(&q->cv);
	pthread_mutex_unlock(&q->mu);
}

static size_t total(const struct srv_queue *q)
{
	size_t n = 0;
	for (unsigned i = 0; i < q->lanes; i++)
		n += q->lane[i].count;
	return n;
}

size_t srv_queue_pop(struct srv_queue *q, struct srv_slot **s, size_t max, int timeout_ms,
		     unsigned *lane)
{
	struct timespec deadline;
	size_t n = 0;
	if (timeout_ms >= 0) {
		clock_gettime(CLOCK_MONOTONIC, &deadline);
		deadline.tv_sec += timeout_ms / 1000;
		deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
		if (deadline.tv_nsec >= 1000000000L) {
			deadline.tv_sec++;
			deadline.tv_nsec -= 1000000000L;
		}
	}
	pthread_mutex_lock(&q->mu);
	while (total(q) == 0 && !q->closed) {
		if (timeout_ms < 0) {
			pthread_cond_wait(&q->cv, &q->mu);
		} else if (pthread_cond_timedwait(&q->cv, &q->mu, &deadline) == ETIMEDOUT) {
			break;
		}
	}
	for (unsigned i = 0; i < q->lanes; i++) {
		struct srv_queue_lane *l = &q->lane[i];
		if (l->count == 0)
			continue;
		while (n < max && l->count > 0) {
			s[n++] = l->ring[l->head];
			l->head = (l->head + 1) % q->cap;
			l->count--;
		}
		if (lane != NULL)
			*lane = i;
		break;
	}
	if (n)
		pthread_cond_broadcast(&q->cv);
	pthread_mutex_unlock(&q->mu);
	return n;
}

size_t srv_queue_count(struct srv_queue *q)
{
	pthread_mutex_lock(&q->mu);
	size_t n = total(q);
	pthread_mutex_unlock(&q->mu);
	return n;
}

size_t srv_queue_lane_count(struct srv_queue *q, unsigned lane)
{
	pthread_mutex_lock(&q->mu);
	size_t n = lane < q->lanes ? q->lane[lane].count : 0;
	pthread_mutex_unlock(&q->mu);
	return n;
}

void srv_queue_wait_count(struct srv_queue *q, size_t n)
{
	pthread_mutex_lock(&q->mu);
	while (total(q) != n)
		pthread_cond_wait(&q->cv, &q->mu);
	pthread_mutex_unlock(&q->mu);
}

void srv_queue_close(struct srv_queue *q)
{
	pthread_mutex_lock(&q->mu);
	q->closed = 1;
	pthread_cond_broadcast(&q->cv);
	pthread_mutex_unlock(&q->mu);
}

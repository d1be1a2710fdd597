/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One libevent base run on a thread of its own, stopped from another
 * thread: the shape of every side listener (srv_admin.h, srv_api_listen.h).
 * Stopping makes an internal event active on the base (evthread), so what
 * lives on the base is only ever touched by the loop thread while it runs,
 * and by the owner once srv_evloop_stop has returned.
 */
#ifndef MAYDAY_SRV_EVLOOP_H
#define MAYDAY_SRV_EVLOOP_H

#include <pthread.h>
#include <event2/event.h>

#include "mayday/error.h"

struct srv_evloop {
	struct event_base *evb;   /* owned; build on it between init and start */
	struct event *halt;
	pthread_t thread;
	int started;
};

/* Makes the base (with libevent's pthreads locking) and the halt event.
 * On failure the loop is left for srv_evloop_free. */
MAYDAY_NODISCARD enum mayday_err srv_evloop_init(struct srv_evloop *l);
/* Runs the base on a new thread. */
MAYDAY_NODISCARD enum mayday_err srv_evloop_start(struct srv_evloop *l);
/* Breaks the loop and joins its thread; nothing if it was not started. */
void srv_evloop_stop(struct srv_evloop *l);
/* Frees the halt event and the base (stop first, and free what was built
 * on the base before). Safe on a zeroed or partly initialised loop. */
void srv_evloop_free(struct srv_evloop *l);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/* See srv_evloop.h. */
#include <event2/thread.h>

#include "srv_evloop.h"

static void on_halt(evutil_socket_t fd, short what, void *arg)
{
	struct srv_evloop *l = arg;
	(void)fd;
	(void)what;
	event_base_loopbreak(l->evb);
}

static void *loop_main(void *arg)
{
	struct srv_evloop *l = arg;
	event_base_dispatch(l->evb);
	return NULL;
}

enum mayday_err srv_evloop_init(struct srv_evloop *l)
{
	if (evthread_use_pthreads() != 0 || (l->evb = event_base_new()) == NULL ||
	    (l->halt = event_new(l->evb, -1, 0, on_halt, l)) == NULL)
		return MAYDAY_E_INTERNAL;
	return MAYDAY_OK;
}

enum mayday_err srv_evloop_start(struct srv_evloop *l)
{
	if (pthread_create(&l->thread, NULL, loop_main, l) != 0)
		return MAYDAY_E_INTERNAL;
	l->started = 1;
	return MAYDAY_OK;
}

void srv_evloop_stop(struct srv_evloop *l)
{
	if (!l->started)
		return;
	event_active(l->halt, EV_READ, 0);
	pthread_join(l->thread, NULL);
	l->started = 0;
}

void srv_evloop_free(struct srv_evloop *l)
{
	if (l->halt != NULL)
		event_free(l->halt);
	if (l->evb != NULL)
		event_base_free(l->evb);
	l->halt = NULL;
	l->evb = NULL;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* A periodic sweeper thread with its own store handle (see srv_sweeper.h). */
#include "srv_sweeper.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

#include "store.h"

struct srv_sweeper {
	srv_sweep_fn sweep;
	void *ctx;
	unsigned period_s;
	struct store *st;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stop, started;
	pthread_t thread;
};

static void *run(void *arg)
{
	struct srv_sweeper *w = arg;
	pthread_mutex_lock(&w->mu);
	while (!w->stop) {
		pthread_mutex_unlock(&w->mu);
		w->sweep(w->st, w->ctx);
		struct timespec until;
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_sec += w->period_s;
		pthread_mutex_lock(&w->mu);
		while (!w->stop && pthread_cond_timedwait(&w->cv, &w->mu, &until) == 0)
			;
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

enum mayday_err srv_sweeper_new(const char *db, unsigned period_s, srv_sweep_fn sweep,
				void *ctx, struct srv_sweeper **out)
{
	*out = NULL;
	if (period_s == 0 || sweep == NULL)
		return MAYDAY_E_INVALID;
	struct srv_sweeper *w = calloc(1, sizeof(*w));
	if (w == NULL)
		return MAYDAY_E_NOMEM;
	w->sweep = sweep;
	w->ctx = ctx;
	w->period_s = period_s;
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	int bad = pthread_mutex_init(&w->mu, NULL) != 0;
	if (!bad && pthread_cond_init(&w->cv, &ca) != 0) {
		pthread_mutex_destroy(&w->mu);
		bad = 1;
	}
	pthread_condattr_destroy(&ca);
	if (bad) {
		free(w);
		return MAYDAY_E_INTERNAL;
	}
	enum mayday_err err = store_open(&w->st, db);
	if (err != MAYDAY_OK) {
		srv_sweeper_free(w);
		return err;
	}
	*out = w;
	return MAYDAY_OK;
}

enum mayday_err srv_sweeper_start(struct srv_sweeper *w)
{
	if (w == NULL || w->started)
		return MAYDAY_OK;
	w->stop = false;
	if (pthread_create(&w->thread, NULL, run, w) != 0)
		return MAYDAY_E_INTERNAL;
	w->started = true;
	return MAYDAY_OK;
}

void srv_sweeper_stop(struct srv_sweeper *w)
{
	if (w == NULL || !w->started)
		return;
	pthread_mutex_lock(&w->mu);
	w->stop = true;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->thread, NULL);
	w->started = false;
}

void srv_sweeper_free(struct srv_sweeper *w)
{
	if (w == NULL)
		return;
	srv_sweeper_stop(w);
	store_close(w->st);
	pthread_cond_destroy(&w->cv);
	pthread_mutex_destroy(&w->mu);
	free(w);
}

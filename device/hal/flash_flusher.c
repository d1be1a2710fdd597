/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The flash HAL's background flusher (contract in flash_flusher.h): one
 * thread, one slot. The slot holds the flusher's own descriptor of the
 * offered file until the thread has flushed and closed it.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>

#include "flash_flusher.h"

struct flash_flusher {
	flash_flusher_sync_fn datasync;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_t thread;
	bool started;    /* the thread runs (joined by flash_flusher_free) */
	bool failed;     /* it could not be started: offers do nothing */
	bool stopping;
	bool busy;       /* a flush is pending or running */
	int fd;          /* the pending flush's descriptor (the flusher's own), -1 if none */
};

static void *flusher_main(void *arg)
{
	struct flash_flusher *fl = arg;

	pthread_mutex_lock(&fl->mu);
	for (;;) {
		while (fl->fd < 0 && !fl->stopping)
			pthread_cond_wait(&fl->cv, &fl->mu);
		if (fl->stopping)
			break; /* a pending flush is dropped by flash_flusher_free */
		int fd = fl->fd;

		fl->fd = -1;
		pthread_mutex_unlock(&fl->mu);
		fl->datasync(fd);
		(void)close(fd);
		pthread_mutex_lock(&fl->mu);
		fl->busy = false;
	}
	pthread_mutex_unlock(&fl->mu);
	return NULL;
}

enum mayday_err flash_flusher_new(flash_flusher_sync_fn datasync, struct flash_flusher **out)
{
	struct flash_flusher *fl = calloc(1, sizeof *fl);

	*out = NULL;
	if (fl == NULL)
		return MAYDAY_E_NOMEM;
	if (pthread_mutex_init(&fl->mu, NULL) != 0) {
		free(fl);
		return MAYDAY_E_NOMEM;
	}
	if (pthread_cond_init(&fl->cv, NULL) != 0) {
		pthread_mutex_destroy(&fl->mu);
		free(fl);
		return MAYDAY_E_NOMEM;
	}
	fl->datasync = datasync;
	fl->fd = -1;
	*out = fl;
	return MAYDAY_OK;
}

void flash_flusher_offer(struct flash_flusher *fl, int dirfd, const char *name)
{
	int own;

	pthread_mutex_lock(&fl->mu);
	if (fl->busy || fl->failed) {
		pthread_mutex_unlock(&fl->mu);
		return;
	}
	if (!fl->started) {
		if (pthread_create(&fl->thread, NULL, flusher_main, fl) != 0) {
			fl->failed = true; /* the commit's fsync does it all, as without */
			pthread_mutex_unlock(&fl->mu);
			return;
		}
		fl->started = true;
	}
	own = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (own >= 0) {
		fl->fd = own;
		fl->busy = true;
		pthread_cond_signal(&fl->cv);
	}
	pthread_mutex_unlock(&fl->mu);
}

void flash_flusher_free(struct flash_flusher *fl)
{
	if (fl == NULL)
		return;
	pthread_mutex_lock(&fl->mu);
	fl->stopping = true;
	pthread_cond_signal(&fl->cv);
	pthread_mutex_unlock(&fl->mu);
	if (fl->started)
		pthread_join(fl->thread, NULL);
	if (fl->fd >= 0)
		(void)close(fl->fd);
	pthread_cond_destroy(&fl->cv);
	pthread_mutex_destroy(&fl->mu);
	free(fl);
}

/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of the flash HAL's background flusher: an offer is flushed
 * once, on the flusher's own read-only open of the file (so a write-back
 * error still reaches the writer's own descriptor); an offer while a flush
 * runs is dropped, never queued or waited for; free waits for the flush
 * running. */
#define _GNU_SOURCE /* mkdtemp */
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <cmocka.h>

#include "hal/flash_flusher.h"

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int syncs;          /* datasync calls so far */
static int last_mode = -1; /* the access mode of the fd the last one was given */
static bool hold;          /* datasync waits while set */

static void counting_sync(int fd)
{
	int flags = fcntl(fd, F_GETFL);

	pthread_mutex_lock(&mu);
	syncs++;
	last_mode = flags < 0 ? -1 : (flags & O_ACCMODE);
	pthread_cond_broadcast(&cv);
	while (hold)
		pthread_cond_wait(&cv, &mu);
	pthread_mutex_unlock(&mu);
}

static void wait_for_syncs(int n)
{
	pthread_mutex_lock(&mu);
	while (syncs < n)
		pthread_cond_wait(&cv, &mu);
	pthread_mutex_unlock(&mu);
}

static void set_hold(bool on)
{
	pthread_mutex_lock(&mu);
	hold = on;
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mu);
}

struct dir {
	char path[PATH_MAX];
	int fd;     /* the directory */
	int file;   /* "f" in it, opened for writing as a writer would */
};

static void dir_make(struct dir *d)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(d->path, sizeof d->path, "%s/mayday-flusher-XXXXXX",
		 tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp");
	assert_non_null(mkdtemp(d->path));
	d->fd = open(d->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(d->fd >= 0);
	d->file = openat(d->fd, "f", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	assert_true(d->file >= 0);
	assert_int_equal(write(d->file, "data", 4), 4);
}

static void dir_free(struct dir *d)
{
	assert_int_equal(close(d->file), 0);
	assert_int_equal(unlinkat(d->fd, "f", 0), 0);
	assert_int_equal(close(d->fd), 0);
	assert_int_equal(rmdir(d->path), 0);
}

static void test_offer_own_open_and_drop(void **state)
{
	struct flash_flusher *fl = NULL;
	struct dir d;

	(void)state;
	dir_make(&d);
	syncs = 0;
	assert_int_equal(flash_flusher_new(counting_sync, &fl), MAYDAY_OK);
	set_hold(true);
	flash_flusher_offer(fl, d.fd, "f");
	wait_for_syncs(1);
	/* Its own open file, read-only: not the writer's (O_WRONLY) one. */
	assert_int_equal(last_mode, O_RDONLY);
	/* Busy: these are dropped, and the offers return at once. */
	flash_flusher_offer(fl, d.fd, "f");
	flash_flusher_offer(fl, d.fd, "f");
	set_hold(false);
	flash_flusher_free(fl);
	assert_int_equal(syncs, 1);

	/* Idle again after a flush: the next offer is taken. A file that is
	 * not there is no flush. */
	syncs = 0;
	assert_int_equal(flash_flusher_new(counting_sync, &fl), MAYDAY_OK);
	flash_flusher_offer(fl, d.fd, "absent");
	flash_flusher_offer(fl, d.fd, "f");
	wait_for_syncs(1);
	flash_flusher_free(fl);
	assert_int_equal(syncs, 1);
	dir_free(&d);
}

struct freer {
	struct flash_flusher *fl;
	bool returned;
};

static void *free_on_thread(void *arg)
{
	struct freer *fr = arg;

	flash_flusher_free(fr->fl);
	pthread_mutex_lock(&mu);
	fr->returned = true;
	pthread_mutex_unlock(&mu);
	return NULL;
}

/* free does not return while a flush runs: it joins the thread. (Checked
 * after a pause: a free that returned early is caught whenever the pause
 * lets it run, and a slow machine never makes a correct free fail.) */
static void test_free_waits(void **state)
{
	struct freer fr = { NULL, false };
	pthread_t t;
	struct dir d;
	bool returned;

	(void)state;
	dir_make(&d);
	syncs = 0;
	assert_int_equal(flash_flusher_new(counting_sync, &fr.fl), MAYDAY_OK);
	set_hold(true);
	flash_flusher_offer(fr.fl, d.fd, "f");
	wait_for_syncs(1);
	assert_int_equal(pthread_create(&t, NULL, free_on_thread, &fr), 0);
	usleep(100 * 1000);
	pthread_mutex_lock(&mu);
	returned = fr.returned;
	pthread_mutex_unlock(&mu);
	assert_false(returned);
	set_hold(false);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_true(fr.returned);
	dir_free(&d);
}

static void test_free_without_offer(void **state)
{
	struct flash_flusher *fl = NULL;

	(void)state;
	assert_int_equal(flash_flusher_new(counting_sync, &fl), MAYDAY_OK);
	flash_flusher_free(fl); /* no thread was started */
	flash_flusher_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_offer_own_open_and_drop),
		cmocka_unit_test(test_free_waits),
		cmocka_unit_test(test_free_without_offer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

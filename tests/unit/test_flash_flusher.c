/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of the flash HAL's background flusher: an offer is flushed
 * once, on its own duplicate of the fd; an offer while a flush runs is
 * dropped, never queued or waited for; free waits for the flush running. */
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <unistd.h>
#include <cmocka.h>

#include "hal/flash_flusher.h"

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int syncs;        /* datasync calls so far */
static int last_fd = -1; /* the fd the last one was given */
static bool hold;        /* datasync waits while set */

static void counting_sync(int fd)
{
	pthread_mutex_lock(&mu);
	syncs++;
	last_fd = fd;
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

static void test_offer_dup_and_drop(void **state)
{
	struct flash_flusher *fl = NULL;
	int fds[2];

	(void)state;
	assert_int_equal(pipe(fds), 0);
	assert_int_equal(flash_flusher_new(counting_sync, &fl), MAYDAY_OK);

	/* Flushed once, on a duplicate: the caller may close its own fd. */
	set_hold(true);
	flash_flusher_offer(fl, fds[1]);
	wait_for_syncs(1);
	assert_int_not_equal(last_fd, fds[1]);
	/* Busy: these are dropped, and the offers return at once. */
	flash_flusher_offer(fl, fds[1]);
	flash_flusher_offer(fl, fds[1]);
	set_hold(false);
	flash_flusher_free(fl);
	assert_int_equal(syncs, 1);
	/* The duplicate was closed: the pipe's write end is gone with ours. */
	assert_int_equal(close(fds[1]), 0);
	{
		char c;

		assert_int_equal(read(fds[0], &c, 1), 0);
	}
	assert_int_equal(close(fds[0]), 0);

	/* Idle again after a flush: the next offer is taken. */
	syncs = 0;
	assert_int_equal(flash_flusher_new(counting_sync, &fl), MAYDAY_OK);
	assert_int_equal(pipe(fds), 0);
	flash_flusher_offer(fl, fds[1]);
	wait_for_syncs(1);
	flash_flusher_free(fl);
	assert_int_equal(syncs, 1);
	assert_int_equal(close(fds[0]), 0);
	assert_int_equal(close(fds[1]), 0);
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
		cmocka_unit_test(test_offer_dup_and_drop),
		cmocka_unit_test(test_free_without_offer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

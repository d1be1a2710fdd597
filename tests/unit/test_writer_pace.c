/* SPDX-License-Identifier: Apache-2.0 */
/* Commit sizing by load (srv_writer_pace, srv_writer.h): the batch limit
 * grows while the writer falls behind and comes back when it keeps up; the
 * wait for more rows never exceeds the fixed bound, and a lone indication
 * never waits. Logical: rows counted, no clock read. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <cmocka.h>

#include "srv_queue.h"
#include "srv_slot.h"
#include "srv_writer.h"

static void test_wait_bound(void **state)
{
	(void)state;
	struct srv_writer_pace p;
	srv_writer_pace_init(&p, 256, 1024);
	/* A lone indication, and a few, are committed at once. */
	for (size_t n = 1; n < SRV_WRITER_GATHER_MIN; n++)
		assert_int_equal(srv_writer_pace_wait_us(&p, n), 0);
	assert_int_equal(srv_writer_pace_wait_us(&p, SRV_WRITER_GATHER_MIN), SRV_WRITER_GATHER_US);
	assert_int_equal(srv_writer_pace_wait_us(&p, 255), SRV_WRITER_GATHER_US);
	/* A full batch does not wait. */
	assert_int_equal(srv_writer_pace_wait_us(&p, 256), 0);
	/* Whatever the limit grew to, the wait is the same bound. */
	for (int i = 0; i < 5; i++) {
		srv_writer_pace_taken(&p, p.cap, 1);
		for (size_t n = 1; n <= p.cap; n++) {
			unsigned w = srv_writer_pace_wait_us(&p, n);
			assert_true(w <= SRV_WRITER_GATHER_US);
			if (n < SRV_WRITER_GATHER_MIN)
				assert_int_equal(w, 0);
		}
	}
}

static void test_grows_behind_shrinks_when_keeping_up(void **state)
{
	(void)state;
	struct srv_writer_pace p;
	srv_writer_pace_init(&p, 256, 1024);
	assert_int_equal(p.cap, 256);
	/* Full, nothing left: keeping up exactly, no growth. */
	srv_writer_pace_taken(&p, 256, 0);
	assert_int_equal(p.cap, 256);
	/* Full with rows still waiting: behind, doubles up to max. */
	srv_writer_pace_taken(&p, 256, 40);
	assert_int_equal(p.cap, 512);
	srv_writer_pace_taken(&p, 512, 1);
	assert_int_equal(p.cap, 1024);
	srv_writer_pace_taken(&p, 1024, 900);
	assert_int_equal(p.cap, 1024);
	/* At least half full: stays. Less: halves, never below base. */
	srv_writer_pace_taken(&p, 600, 0);
	assert_int_equal(p.cap, 1024);
	srv_writer_pace_taken(&p, 100, 0);
	assert_int_equal(p.cap, 512);
	srv_writer_pace_taken(&p, 1, 0);
	assert_int_equal(p.cap, 256);
	srv_writer_pace_taken(&p, 1, 0);
	assert_int_equal(p.cap, 256);
}

static void test_limits(void **state)
{
	(void)state;
	struct srv_writer_pace p;
	/* max below base is base: the configured batch is always allowed. */
	srv_writer_pace_init(&p, 300, 100);
	assert_int_equal(p.max, 300);
	srv_writer_pace_taken(&p, 300, 5);
	assert_int_equal(p.cap, 300);
	/* A max that is not a power-of-two multiple is reached, not passed. */
	srv_writer_pace_init(&p, 100, 250);
	srv_writer_pace_taken(&p, 100, 5);
	assert_int_equal(p.cap, 200);
	srv_writer_pace_taken(&p, 200, 5);
	assert_int_equal(p.cap, 250);
	srv_writer_pace_init(&p, 0, 0);
	assert_int_equal(p.cap, 1);
}

/* srv_writer_gather on a real queue: takes at most cap, grows while rows
 * are left behind, takes what is there. */
static void test_gather(void **state)
{
	(void)state;
	enum { N = 300 };
	struct srv_queue q;
	struct srv_slot *slots = calloc(N, sizeof(*slots));
	struct srv_slot *ptr[N], *got[N];
	struct srv_writer_pace p;
	assert_non_null(slots);
	assert_int_equal(srv_queue_init(&q, N, 1), MAYDAY_OK);
	for (size_t i = 0; i < N; i++)
		ptr[i] = &slots[i];
	srv_writer_pace_init(&p, 64, N / 2);

	/* A lone row: taken alone. */
	srv_queue_push(&q, 0, ptr, 1);
	assert_int_equal(srv_writer_gather(&p, &q, got), 1);
	assert_ptr_equal(got[0], ptr[0]);
	assert_int_equal(p.cap, 64);

	/* A backlog of 192: 64 taken with rows left behind, so 128 next. */
	srv_queue_push(&q, 0, ptr, 192);
	assert_int_equal(srv_writer_gather(&p, &q, got), 64);
	assert_int_equal(p.cap, 128);
	assert_int_equal(srv_writer_gather(&p, &q, got), 128);
	assert_ptr_equal(got[0], ptr[64]);
	assert_int_equal(p.cap, 128);   /* nothing left: no growth; full: no shrink */
	/* Then a light load: what is there, and the limit comes back. */
	srv_queue_push(&q, 0, ptr, 8);
	assert_int_equal(srv_writer_gather(&p, &q, got), 8);
	assert_int_equal(p.cap, 64);
	/* Behind again, up to max (N / 2) and no further. */
	srv_queue_push(&q, 0, ptr, N);
	assert_int_equal(srv_writer_gather(&p, &q, got), 64);
	assert_int_equal(srv_writer_gather(&p, &q, got), 128);
	assert_int_equal(p.cap, N / 2);
	assert_int_equal(srv_writer_gather(&p, &q, got), N - 192);
	assert_int_equal(srv_queue_count(&q), 0);

	/* Closed and empty: the writer's loop ends. */
	srv_queue_close(&q);
	assert_int_equal(srv_writer_gather(&p, &q, got), 0);
	srv_queue_fini(&q);
	free(slots);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wait_bound),
		cmocka_unit_test(test_grows_behind_shrinks_when_keeping_up),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_gather),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

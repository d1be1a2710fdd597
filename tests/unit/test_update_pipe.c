/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The installer's payload reader (update_pipe): blocks arrive in stream
 * order with each component's SHA-256 after its bytes; the reader is never
 * more than the ring ahead of what was given back; a failure of the stream
 * (or its early end) comes only after every block read before it, with the
 * offset and text the installer reports; a pipe stopped early (a failed
 * write) ends cleanly and can run again.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <cmocka.h>

#include "mayday/keys.h"
#include "update_pipe.h"

#define START 1000u   /* stream offset at which the payloads begin */

/* A memory stream read from the pipe's thread; `pos` is read by the test's
 * thread too, hence the lock. Reads return at most `chunk` bytes, never
 * cross `fail_at`, and fail once there. */
struct stream {
	pthread_mutex_t lock;
	const uint8_t *data;
	size_t len, pos, chunk, fail_at;
	bool failed;                /* a read failed at fail_at */
};

static enum mayday_err stream_read(void *ctx, uint8_t *buf, size_t cap, size_t *n)
{
	struct stream *s = ctx;
	enum mayday_err rc = MAYDAY_OK;
	size_t k;

	pthread_mutex_lock(&s->lock);
	k = s->len - s->pos;
	if (k > cap)
		k = cap;
	if (k > s->chunk)
		k = s->chunk;
	if (s->pos >= s->fail_at) {
		rc = MAYDAY_E_IO;
		s->failed = true;
	}
	else if (k > s->fail_at - s->pos)
		k = s->fail_at - s->pos;
	if (rc == MAYDAY_OK) {
		memcpy(buf, s->data + s->pos, k);
		s->pos += k;
		*n = k;
	}
	pthread_mutex_unlock(&s->lock);
	return rc;
}

static size_t stream_pos(struct stream *s)
{
	size_t pos;

	pthread_mutex_lock(&s->lock);
	pos = s->pos;
	pthread_mutex_unlock(&s->lock);
	return pos;
}

/* Until the pipe's thread has met the stream's failure (the test's timeout
 * bounds it). */
static void await_failure(struct stream *s)
{
	for (;;) {
		bool failed;

		pthread_mutex_lock(&s->lock);
		failed = s->failed;
		pthread_mutex_unlock(&s->lock);
		if (failed)
			return;
		sched_yield();
	}
}

static const size_t sizes[] = { 3 * UPDATE_COPY_BUF + 17, 0, UPDATE_COPY_BUF, 5,
				2 * UPDATE_COPY_BUF + 1 };
#define N_COMP (sizeof sizes / sizeof sizes[0])

static struct mayday_manifest man;
static uint8_t *payload;
static size_t total;

static int setup(void **state)
{
	(void)state;
	memset(&man, 0, sizeof man);
	total = 0;
	for (size_t i = 0; i < N_COMP; i++)
		total += sizes[i];
	payload = malloc(total);
	assert_non_null(payload);
	for (size_t k = 0; k < total; k++)
		payload[k] = (uint8_t)(k * 31 + (k >> 13));
	man.n_trv = N_COMP;
	for (size_t i = 0, off = 0; i < N_COMP; off += sizes[i], i++) {
		snprintf(man.trv[i].name, sizeof man.trv[i].name, "comp-%zu", i);
		man.trv[i].size = sizes[i];
		mayday_sha256(payload + off, sizes[i], man.trv[i].digest);
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(payload);
	return 0;
}

/* Takes blocks until the pipe fails or `stop_after` blocks were taken; checks
 * each against the payload and the look-ahead bound. Returns the status of
 * the last take; *bytes: payload bytes received, *ends: components ended. */
static enum update_status drain(struct update_pipe *p, struct stream *s, size_t stop_after,
				size_t *bytes, size_t *ends)
{
	struct update_pipe_block b;
	enum update_status st = UPDATE_OK;
	size_t released = 0, comp_start = 0;

	*bytes = *ends = 0;
	for (size_t taken = 0; taken < stop_after; taken++) {
		st = update_pipe_take(p, &b);
		if (st != UPDATE_OK)
			break;
		/* The ring bounds what was read beyond what was given back. */
		assert_true(stream_pos(s) <= released + UPDATE_PIPE_SLOTS * UPDATE_COPY_BUF);
		assert_int_equal(b.comp, *ends);
		if (b.kind == UPDATE_PIPE_END) {
			assert_int_equal(*bytes - comp_start, sizes[b.comp]);
			assert_memory_equal(b.digest, man.trv[b.comp].digest, MAYDAY_DIGEST_LEN);
			comp_start = *bytes;
			(*ends)++;
		} else {
			assert_int_equal(b.kind, UPDATE_PIPE_DATA);
			assert_true(b.len > 0 && b.len <= UPDATE_COPY_BUF);
			assert_memory_equal(b.data, payload + *bytes, b.len);
			*bytes += b.len;
		}
		update_pipe_release(p);
		released = *bytes;
	}
	return st;
}

static void test_blocks_in_order(void **state)
{
	struct stream s = { PTHREAD_MUTEX_INITIALIZER, NULL, 0, 0, 1000, SIZE_MAX, false };
	struct update_pipe *p = NULL;
	uint64_t offset = 0;
	size_t bytes, ends;
	char detail[160];

	(void)state;
	s.data = payload;
	s.len = total;
	assert_int_equal(update_pipe_new(&p), MAYDAY_OK);
	update_pipe_start(p, &man, stream_read, &s, START);
	assert_int_equal(drain(p, &s, SIZE_MAX / 2, &bytes, &ends), UPDATE_E_INTERNAL);
	/* Everything, then nothing more: asking past the end is the caller's bug. */
	assert_int_equal(bytes, total);
	assert_int_equal(ends, N_COMP);
	update_pipe_stop(p, &offset, detail, sizeof detail);
	assert_int_equal(offset, START + total);
	assert_string_equal(detail, "");
	update_pipe_free(p);
}

static void test_stream_failure_after_blocks(void **state)
{
	/* Fails 10 bytes into the second block of comp-4. */
	size_t at = sizes[0] + sizes[1] + sizes[2] + sizes[3] + UPDATE_COPY_BUF + 10;
	struct stream s = { PTHREAD_MUTEX_INITIALIZER, NULL, 0, 0, 4096, at, false };
	struct update_pipe *p = NULL;
	uint64_t offset = 0;
	size_t bytes, ends;
	char detail[160], want[160];

	(void)state;
	s.data = payload;
	s.len = total;
	assert_int_equal(update_pipe_new(&p), MAYDAY_OK);
	update_pipe_start(p, &man, stream_read, &s, START);
	assert_int_equal(drain(p, &s, SIZE_MAX / 2, &bytes, &ends), UPDATE_E_STREAM);
	/* Every whole block before the failure came first. */
	assert_int_equal(bytes, at - 10);
	assert_int_equal(ends, 4);
	update_pipe_stop(p, &offset, detail, sizeof detail);
	assert_int_equal(offset, START + at);
	snprintf(want, sizeof want, "stream failed at byte %zu: %s", START + at,
		 mayday_strerror(MAYDAY_E_IO));
	assert_string_equal(detail, want);

	/* Failing within the ring's reach, with the failure met before the
	 * first take: the blocks before it still come first. */
	s.pos = 0;
	s.fail_at = at = 2 * UPDATE_COPY_BUF + 10;
	s.failed = false;
	update_pipe_start(p, &man, stream_read, &s, START);
	await_failure(&s);
	assert_int_equal(drain(p, &s, SIZE_MAX / 2, &bytes, &ends), UPDATE_E_STREAM);
	assert_int_equal(bytes, 2 * UPDATE_COPY_BUF);
	assert_int_equal(ends, 0);
	update_pipe_stop(p, &offset, detail, sizeof detail);
	assert_int_equal(offset, START + at);
	update_pipe_free(p);
}

static void test_truncated(void **state)
{
	size_t len = sizes[0] + 100; /* ends 100 bytes into comp-2 */
	struct stream s = { PTHREAD_MUTEX_INITIALIZER, NULL, 0, 0, 1000, SIZE_MAX, false };
	struct update_pipe *p = NULL;
	uint64_t offset = 0;
	size_t bytes, ends;
	char detail[160], want[160];

	(void)state;
	s.data = payload;
	s.len = len;
	assert_int_equal(update_pipe_new(&p), MAYDAY_OK);
	update_pipe_start(p, &man, stream_read, &s, START);
	assert_int_equal(drain(p, &s, SIZE_MAX / 2, &bytes, &ends), UPDATE_E_CORRUPTED);
	/* The short block was still delivered; comp-1 is empty, so the end is
	 * found in comp-2. */
	assert_int_equal(bytes, len);
	assert_int_equal(ends, 2);
	update_pipe_stop(p, &offset, detail, sizeof detail);
	assert_int_equal(offset, START + len);
	snprintf(want, sizeof want, "bundle ends in comp-2: %zu of %zu bytes missing (byte %zu)",
		 sizes[2] - 100, sizes[2], START + len);
	assert_string_equal(detail, want);
	update_pipe_free(p);
}

/* The installer stops the pipe when a write fails: the reader ends within
 * the ring's reach, and the same pipe serves a new installation. */
static void test_stop_early_and_again(void **state)
{
	struct stream s = { PTHREAD_MUTEX_INITIALIZER, NULL, 0, 0, 1000, SIZE_MAX, false };
	struct update_pipe *p = NULL;
	uint64_t offset = 0;
	size_t bytes, ends;
	char detail[160];

	(void)state;
	s.data = payload;
	s.len = total;
	assert_int_equal(update_pipe_new(&p), MAYDAY_OK);
	update_pipe_start(p, &man, stream_read, &s, START);
	assert_int_equal(drain(p, &s, 1, &bytes, &ends), UPDATE_OK);
	assert_int_equal(bytes, UPDATE_COPY_BUF);
	update_pipe_stop(p, &offset, detail, sizeof detail);
	assert_true(offset <= START + (UPDATE_PIPE_SLOTS + 1) * UPDATE_COPY_BUF);
	assert_string_equal(detail, "");

	s.pos = 0;
	update_pipe_start(p, &man, stream_read, &s, START);
	assert_int_equal(drain(p, &s, SIZE_MAX / 2, &bytes, &ends), UPDATE_E_INTERNAL);
	assert_int_equal(bytes, total);
	assert_int_equal(ends, N_COMP);
	update_pipe_stop(p, &offset, detail, sizeof detail);
	assert_int_equal(offset, START + total);
	update_pipe_free(p);
	update_pipe_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_blocks_in_order),
		cmocka_unit_test(test_stream_failure_after_blocks),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_stop_early_and_again),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

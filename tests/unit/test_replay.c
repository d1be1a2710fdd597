/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The anti-replay window (mayday/replay.h): duplicates, reordering within
 * the window accepted once, counters beyond the window, big jumps, counter
 * 0 and UINT64_MAX, check never changing state, and a long pseudo-random
 * run against a reference model that remembers every accepted counter.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mayday/replay.h"

static void accept(struct mayday_replay_window *w, uint64_t c)
{
	assert_int_equal(mayday_replay_check(w, c), MAYDAY_OK);
	assert_int_equal(mayday_replay_update(w, c), MAYDAY_OK);
	assert_int_equal(mayday_replay_check(w, c), MAYDAY_E_REPLAY);
}

static void reject(struct mayday_replay_window *w, uint64_t c)
{
	struct mayday_replay_window before = *w;

	assert_int_equal(mayday_replay_check(w, c), MAYDAY_E_REPLAY);
	assert_int_equal(mayday_replay_update(w, c), MAYDAY_E_REPLAY);
	assert_memory_equal(&before, w, sizeof(before));
}

static void test_fresh_and_zero(void **state)
{
	struct mayday_replay_window w = MAYDAY_REPLAY_WINDOW_INIT;

	(void)state;
	reject(&w, 0);
	assert_int_equal(mayday_replay_check(&w, 1), MAYDAY_OK);
	assert_int_equal(mayday_replay_check(&w, 1), MAYDAY_OK); /* check alone changes nothing */
	assert_int_equal(w.highest, 0);
	accept(&w, 1);
	reject(&w, 0);
	assert_int_equal(w.highest, 1);
	assert_int_equal(w.bitmap, 1);
	assert_int_equal(mayday_replay_check(NULL, 1), MAYDAY_E_INVALID);
	assert_int_equal(mayday_replay_update(NULL, 1), MAYDAY_E_INVALID);
}

static void test_duplicate(void **state)
{
	struct mayday_replay_window w = MAYDAY_REPLAY_WINDOW_INIT;

	(void)state;
	accept(&w, 5);
	reject(&w, 5);
	accept(&w, 6);
	reject(&w, 5);
	reject(&w, 6);
	/* The first counter need not be 1; one below it is in the window. */
	accept(&w, 4);
	reject(&w, 4);
}

static void test_reorder(void **state)
{
	struct mayday_replay_window w = MAYDAY_REPLAY_WINDOW_INIT;

	(void)state;
	accept(&w, 10);
	accept(&w, 7);
	reject(&w, 7);
	accept(&w, 9);
	accept(&w, 8);
	reject(&w, 8);
	reject(&w, 9);
	reject(&w, 10);
	/* Counters below the first accepted one are within the window too. */
	accept(&w, 1);
	reject(&w, 1);
	accept(&w, 11);
	for (uint64_t c = 1; c <= 11; c++) {
		enum mayday_err want = (c >= 2 && c <= 6) ? MAYDAY_OK : MAYDAY_E_REPLAY;

		assert_int_equal(mayday_replay_check(&w, c), want);
	}
}

static void test_window_edge(void **state)
{
	struct mayday_replay_window w = MAYDAY_REPLAY_WINDOW_INIT;

	(void)state;
	accept(&w, 100);
	accept(&w, 100 - (MAYDAY_REPLAY_WINDOW - 1)); /* the oldest slot */
	reject(&w, 100 - MAYDAY_REPLAY_WINDOW);        /* one beyond: too old, never seen */
	reject(&w, 1);
	/* Moving up by one pushes the oldest slot out of the window. */
	accept(&w, 101);
	reject(&w, 101 - MAYDAY_REPLAY_WINDOW);
	accept(&w, 101 - (MAYDAY_REPLAY_WINDOW - 1));
}

static void test_jumps(void **state)
{
	struct mayday_replay_window w = MAYDAY_REPLAY_WINDOW_INIT;

	(void)state;
	accept(&w, 10);
	accept(&w, 9);
	/* Jump by 63: 10 stays in the window, seen; 9 falls out. */
	accept(&w, 73);
	reject(&w, 10);
	reject(&w, 9);
	accept(&w, 11);
	/* Jump by exactly 64: everything before is out. */
	accept(&w, 137);
	reject(&w, 73);
	accept(&w, 74);
	/* A huge jump forgets all. */
	accept(&w, UINT64_C(1) << 40);
	reject(&w, 137);
	accept(&w, (UINT64_C(1) << 40) - 1);
	accept(&w, (UINT64_C(1) << 40) - 63);
	reject(&w, (UINT64_C(1) << 40) - 64);
	assert_int_equal(w.highest, UINT64_C(1) << 40);
}

static void test_uint64_max(void **state)
{
	struct mayday_replay_window w = MAYDAY_REPLAY_WINDOW_INIT;

	(void)state;
	accept(&w, UINT64_MAX);
	assert_int_equal(w.bitmap, 1);
	reject(&w, UINT64_MAX);
	accept(&w, UINT64_MAX - 1);
	accept(&w, UINT64_MAX - 63);
	reject(&w, UINT64_MAX - 64);
	reject(&w, 1);
	reject(&w, 0);

	w = (struct mayday_replay_window)MAYDAY_REPLAY_WINDOW_INIT;
	accept(&w, UINT64_MAX - 1);
	accept(&w, UINT64_MAX);
	reject(&w, UINT64_MAX - 1);
	assert_int_equal(w.bitmap, 3);
}

/* Reference: a set of every counter ever accepted, and the rule of replay.h. */
struct model {
	uint64_t *seen;
	size_t n;
	uint64_t highest;
};

static bool model_ok(const struct model *m, uint64_t c)
{
	if (c == 0)
		return false;
	if (c <= m->highest && m->highest - c >= MAYDAY_REPLAY_WINDOW)
		return false;
	for (size_t i = 0; i < m->n; i++)
		if (m->seen[i] == c)
			return false;
	return true;
}

static uint64_t xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void test_model(void **state)
{
	enum { OPS = 20000 };
	struct mayday_replay_window w = MAYDAY_REPLAY_WINDOW_INIT;
	struct model m = { .seen = calloc(OPS, sizeof(uint64_t)) };
	uint64_t rng = 0x9e3779b97f4a7c15u, accepted = 0, rejected = 0;

	(void)state;
	assert_non_null(m.seen);
	for (int i = 0; i < OPS; i++) {
		uint64_t r = xorshift(&rng), c;
		bool want;

		/* Mostly near the top (reorder, duplicates), some far behind, some jumps. */
		switch (r % 8) {
		case 0:
			c = m.highest + 1 + (r >> 8) % 200;
			break;
		case 1:
			c = m.highest - ((r >> 8) % 100 < m.highest ? (r >> 8) % 100 : 0);
			break;
		case 2:
			c = (r >> 8) % (m.highest + 1);
			break;
		default:
			c = m.highest + 3 - (r >> 8) % 70;
			if (c > m.highest + 3)
				c = 0;
			break;
		}
		want = model_ok(&m, c);
		assert_int_equal(mayday_replay_check(&w, c), want ? MAYDAY_OK : MAYDAY_E_REPLAY);
		if (r & (UINT64_C(1) << 63)) /* sometimes the commit "fails": no update */
			continue;
		assert_int_equal(mayday_replay_update(&w, c), want ? MAYDAY_OK : MAYDAY_E_REPLAY);
		if (want) {
			m.seen[m.n++] = c;
			if (c > m.highest)
				m.highest = c;
			accepted++;
		} else {
			rejected++;
		}
		assert_int_equal(w.highest, m.highest);
	}
	/* The run exercised both outcomes substantially. */
	assert_true(accepted > OPS / 10);
	assert_true(rejected > OPS / 10);
	free(m.seen);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fresh_and_zero),
		cmocka_unit_test(test_duplicate),
		cmocka_unit_test(test_reorder),
		cmocka_unit_test(test_window_edge),
		cmocka_unit_test(test_jumps),
		cmocka_unit_test(test_uint64_max),
		cmocka_unit_test(test_model),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The PSK key cache (server/srv_pskcache.c) with an injected clock: a hit
 * gives back exactly what was put, a miss nothing; entries expire after
 * their TTL; the table never holds more than its bound; an entry evicted,
 * expired or dropped leaves none of its bytes behind; several threads at
 * once only ever see whole entries.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "srv_pskcache.h"

#define TTL 10000

/* Keys whose every byte says which kid they belong to: kid n is eight
 * bytes of n, its keys bytes of n ^ 0x5a, its device "dev-<n>" + `tail`. */
static void keys_of(unsigned n, struct mayday_psk_keys *k)
{
	memset(k, 0, sizeof(*k));
	memset(k->kid, (int)n, 8);
	k->kid_len = 8;
	memset(k->request_key, (int)(n ^ 0x5a), sizeof(k->request_key));
	memset(k->request_iv, (int)(n ^ 0x5a), sizeof(k->request_iv));
	memset(k->response_key, (int)(n ^ 0x5a), sizeof(k->response_key));
}

static void put(struct srv_pskcache *pc, unsigned n, const char *tail, uint64_t now)
{
	struct mayday_psk_keys k;
	char id[MAYDAY_DEVICE_ID_MAX + 1];

	keys_of(n, &k);
	snprintf(id, sizeof(id), "dev-%u%s", n, tail);
	srv_pskcache_put(pc, &k, id, now);
}

static int get(struct srv_pskcache *pc, unsigned n, uint64_t now, char id[MAYDAY_DEVICE_ID_MAX + 1])
{
	struct mayday_psk_keys want, got;
	uint8_t kid[8];
	char scratch[MAYDAY_DEVICE_ID_MAX + 1];

	keys_of(n, &want);
	memset(kid, (int)n, sizeof(kid));
	memset(&got, 0, sizeof(got));
	if (!srv_pskcache_get(pc, kid, sizeof(kid), now, &got, id ? id : scratch))
		return 0;
	assert_memory_equal(&got, &want, sizeof(got));
	return 1;
}

/* Whether `what` occurs anywhere in the table's memory. */
static int in_table(const struct srv_pskcache *pc, const void *what, size_t len)
{
	return memmem(pc->e, (size_t)pc->sets * SRV_PSKCACHE_WAYS * sizeof(*pc->e), what, len) !=
	       NULL;
}

static void test_hit_and_miss(void **state)
{
	struct srv_pskcache pc;
	char id[MAYDAY_DEVICE_ID_MAX + 1];

	(void)state;
	assert_int_equal(srv_pskcache_init(&pc, 64, TTL), MAYDAY_OK);
	assert_false(get(&pc, 1, 100, NULL));
	put(&pc, 1, "", 100);
	assert_true(get(&pc, 1, 100, id));
	assert_string_equal(id, "dev-1");
	assert_false(get(&pc, 2, 100, NULL));
	/* Another kid length is another kid. */
	uint8_t kid9[9];
	struct mayday_psk_keys k;
	memset(kid9, 1, sizeof(kid9));
	assert_int_equal(srv_pskcache_get(&pc, kid9, sizeof(kid9), 100, &k, id), 0);
	/* A put replaces the kid's entry: the newest keys win. */
	struct mayday_psk_keys other;
	keys_of(1, &other);
	memset(other.request_key, 0xee, sizeof(other.request_key));
	srv_pskcache_put(&pc, &other, "dev-1b", 200);
	assert_int_equal(srv_pskcache_get(&pc, other.kid, 8, 200, &k, id), 1);
	assert_memory_equal(k.request_key, other.request_key, sizeof(k.request_key));
	assert_string_equal(id, "dev-1b");
	/* Out-of-range kids and device IDs are never cached. */
	other.kid_len = 7;
	srv_pskcache_put(&pc, &other, "dev-x", 200);
	assert_int_equal(srv_pskcache_get(&pc, other.kid, 7, 200, &k, id), 0);
	char long_id[MAYDAY_DEVICE_ID_MAX + 2];
	memset(long_id, 'a', sizeof(long_id) - 1);
	long_id[sizeof(long_id) - 1] = '\0';
	keys_of(3, &other);
	srv_pskcache_put(&pc, &other, long_id, 200);
	assert_false(get(&pc, 3, 200, NULL));
	srv_pskcache_fini(&pc);
	srv_pskcache_fini(&pc);   /* twice is fine */
}

static void test_ttl(void **state)
{
	struct srv_pskcache pc;
	uint8_t secret[32];

	(void)state;
	assert_int_equal(srv_pskcache_init(&pc, 64, TTL), MAYDAY_OK);
	put(&pc, 7, "", 5000);
	assert_true(get(&pc, 7, 5000 + TTL - 1, NULL));
	/* A hit does not make the entry younger: it was fetched at 5000. */
	assert_false(get(&pc, 7, 5000 + TTL, NULL));
	/* ... and the expired entry was wiped when found. */
	memset(secret, 7 ^ 0x5a, sizeof(secret));
	assert_false(in_table(&pc, secret, sizeof(secret)));
	assert_false(in_table(&pc, "dev-7", 5));
	/* Put again: believed from the new time on. */
	put(&pc, 7, "", 20000);
	assert_true(get(&pc, 7, 20000 + TTL - 1, NULL));
	srv_pskcache_fini(&pc);
}

static void test_bound_and_eviction(void **state)
{
	struct srv_pskcache pc;
	uint8_t secret[32];

	(void)state;
	/* Capacity 4: one set of four ways, so every kid competes. */
	assert_int_equal(srv_pskcache_init(&pc, 4, TTL), MAYDAY_OK);
	assert_int_equal(pc.sets * SRV_PSKCACHE_WAYS, 4);
	put(&pc, 1, "", 0);
	put(&pc, 2, "-with-a-long-name", 0);
	put(&pc, 3, "", 0);
	put(&pc, 4, "", 0);
	assert_true(get(&pc, 1, 1, NULL));   /* 2 is now the least recently used */
	assert_true(get(&pc, 3, 1, NULL));
	assert_true(get(&pc, 4, 1, NULL));
	put(&pc, 5, "", 2);
	assert_false(get(&pc, 2, 3, NULL));
	assert_true(get(&pc, 1, 3, NULL));
	assert_true(get(&pc, 5, 3, NULL));
	/* Nothing of kid 2 is left: not its keys, not the tail of its
	 * device ID that kid 5's shorter one did not overwrite. */
	memset(secret, 2 ^ 0x5a, sizeof(secret));
	assert_false(in_table(&pc, secret, sizeof(secret)));
	assert_false(in_table(&pc, "long-name", 9));

	/* Dropping wipes too. */
	memset(secret, 3 ^ 0x5a, sizeof(secret));
	assert_true(in_table(&pc, secret, sizeof(secret)));
	uint8_t kid3[8];
	memset(kid3, 3, sizeof(kid3));
	srv_pskcache_drop(&pc, kid3, sizeof(kid3));
	assert_false(get(&pc, 3, 4, NULL));
	assert_false(in_table(&pc, secret, sizeof(secret)));
	srv_pskcache_fini(&pc);

	/* The bound: 200 kids into room for 32, never more than 32 kept, and
	 * the most recent of each set still there. */
	assert_int_equal(srv_pskcache_init(&pc, 32, TTL), MAYDAY_OK);
	for (unsigned n = 1; n <= 200; n++)
		put(&pc, n, "", n);
	unsigned used = 0, hits = 0;
	for (size_t i = 0; i < (size_t)pc.sets * SRV_PSKCACHE_WAYS; i++)
		used += pc.e[i].used != 0;
	for (unsigned n = 1; n <= 200; n++)
		hits += get(&pc, n, 300, NULL);
	assert_true(used <= 32);
	assert_int_equal(hits, used);
	assert_true(get(&pc, 200, 300, NULL));
	srv_pskcache_fini(&pc);
}

struct race {
	struct srv_pskcache *pc;
	unsigned base;
	int torn;
};

static void *racer(void *arg)
{
	struct race *r = arg;
	struct mayday_psk_keys want, got;
	char id[MAYDAY_DEVICE_ID_MAX + 1], want_id[MAYDAY_DEVICE_ID_MAX + 1];

	for (unsigned i = 0; i < 20000; i++) {
		unsigned n = 1 + (r->base + i) % 24;
		keys_of(n, &want);
		snprintf(want_id, sizeof(want_id), "dev-%u", n);
		if (i % 3 == 0)
			srv_pskcache_put(r->pc, &want, want_id, i);
		else if (srv_pskcache_get(r->pc, want.kid, 8, i, &got, id) &&
			 (memcmp(&got, &want, sizeof(got)) != 0 || strcmp(id, want_id) != 0))
			r->torn = 1;
	}
	return NULL;
}

/* Two threads putting and getting 24 kids in 8 slots: every hit is the
 * kid's own, whole entry. */
static void test_threads(void **state)
{
	struct srv_pskcache pc;
	struct race r[2];
	pthread_t th[2];

	(void)state;
	assert_int_equal(srv_pskcache_init(&pc, 8, 1u << 30), MAYDAY_OK);
	for (int i = 0; i < 2; i++) {
		r[i] = (struct race){&pc, (unsigned)i * 7, 0};
		assert_int_equal(pthread_create(&th[i], NULL, racer, &r[i]), 0);
	}
	for (int i = 0; i < 2; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		assert_false(r[i].torn);
	}
	srv_pskcache_fini(&pc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hit_and_miss),
		cmocka_unit_test(test_ttl),
		cmocka_unit_test(test_bound_and_eviction),
		cmocka_unit_test(test_threads),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Token buckets refilled lazily on use from a monotonic clock given by the
 * caller (so tests control time). Only the unverified path calls this, so a
 * single mutex is uncontended in normal operation.
 */
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "srv_ratelimit.h"

enum mayday_err srv_ratelimit_init(struct srv_ratelimit *rl, unsigned sources, unsigned src_rate,
				   unsigned src_burst, unsigned glob_rate, unsigned glob_burst)
{
	memset(rl, 0, sizeof(*rl));
	if (sources == 0)
		return MAYDAY_E_INVALID;
	rl->src = calloc(sources, sizeof(*rl->src));
	if (rl->src == NULL)
		return MAYDAY_E_NOMEM;
	rl->n_src = sources;
	rl->src_rate = src_rate;
	rl->src_burst = src_burst;
	rl->glob_rate = glob_rate;
	rl->glob_burst = glob_burst;
	rl->global.tokens = glob_burst;
	pthread_mutex_init(&rl->mu, NULL);
	return MAYDAY_OK;
}

void srv_ratelimit_fini(struct srv_ratelimit *rl)
{
	if (rl->src == NULL)
		return;
	free(rl->src);
	rl->src = NULL;
	pthread_mutex_destroy(&rl->mu);
}

void srv_bucket_refill(struct srv_bucket *b, double rate, double burst, uint64_t now)
{
	if (now > b->last_ns) {
		b->tokens += rate * (double)(now - b->last_ns) / 1e9;
		if (b->tokens > burst)
			b->tokens = burst;
	}
	b->last_ns = now;
}

void srv_ratelimit_key(const struct sockaddr_storage *peer, uint8_t key[16])
{
	memset(key, 0, 16);
	if (peer->ss_family == AF_INET6)
		memcpy(key, &((const struct sockaddr_in6 *)peer)->sin6_addr, 16);
	else if (peer->ss_family == AF_INET)
		memcpy(key + 12, &((const struct sockaddr_in *)peer)->sin_addr, 4);
}

static uint32_t hash16(const uint8_t k[16])
{
	uint32_t h = 2166136261u;  /* FNV-1a */
	for (int i = 0; i < 16; i++)
		h = (h ^ k[i]) * 16777619u;
	return h;
}

bool srv_ratelimit_allow(struct srv_ratelimit *rl, const struct sockaddr_storage *peer,
			 uint64_t now_ns)
{
	uint8_t key[16];
	bool ok = false;
	srv_ratelimit_key(peer, key);
	pthread_mutex_lock(&rl->mu);
	struct srv_ratelimit_src *e = &rl->src[hash16(key) % rl->n_src];
	if (!e->used || memcmp(e->addr, key, 16) != 0) {
		memcpy(e->addr, key, 16);
		e->used = 1;
		e->b.tokens = rl->src_burst;
		e->b.last_ns = now_ns;
	}
	srv_bucket_refill(&e->b, rl->src_rate, rl->src_burst, now_ns);
	srv_bucket_refill(&rl->global, rl->glob_rate, rl->glob_burst, now_ns);
	if (e->b.tokens >= 1.0 && rl->global.tokens >= 1.0) {
		e->b.tokens -= 1.0;
		rl->global.tokens -= 1.0;
		ok = true;
	}
	pthread_mutex_unlock(&rl->mu);
	return ok;
}

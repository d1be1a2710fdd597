/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Two fixed tables behind one mutex (see srv_sigguard.h for the policy).
 * Entries are taken over on collision with full buckets: a flood naming
 * many devices can make the guard forget a device's state, which only
 * makes the guard more lenient for it, never stricter.
 */
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "srv_sigguard.h"

enum mayday_err srv_sigguard_init(struct srv_sigguard *g, unsigned entries, unsigned fail_rate,
				  unsigned fail_burst, unsigned probe_rate)
{
	memset(g, 0, sizeof(*g));
	if (entries == 0)
		return MAYDAY_E_INVALID;
	g->dev = calloc(entries, sizeof(*g->dev));
	g->src = calloc(entries, sizeof(*g->src));
	if (g->dev == NULL || g->src == NULL) {
		free(g->dev);
		free(g->src);
		g->dev = NULL;
		g->src = NULL;
		return MAYDAY_E_NOMEM;
	}
	g->n = entries;
	g->fail_rate = fail_rate;
	g->fail_burst = fail_burst;
	g->probe_rate = probe_rate;
	pthread_mutex_init(&g->mu, NULL);
	return MAYDAY_OK;
}

void srv_sigguard_fini(struct srv_sigguard *g)
{
	if (g->dev == NULL)
		return;
	free(g->dev);
	free(g->src);
	g->dev = NULL;
	g->src = NULL;
	pthread_mutex_destroy(&g->mu);
}

static uint32_t fnv(const void *p, size_t n)
{
	const uint8_t *b = p;
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 16777619u;
	return h;
}

/* The device's entry, taken over (full buckets, no good source) if another
 * device had it. Under g->mu. */
static struct srv_sigguard_dev *dev_of(struct srv_sigguard *g, const char *device, uint64_t now)
{
	size_t len = strnlen(device, MAYDAY_DEVICE_ID_MAX);
	struct srv_sigguard_dev *d = &g->dev[fnv(device, len) % g->n];
	if (!d->used || strncmp(d->id, device, sizeof(d->id)) != 0) {
		memset(d, 0, sizeof(*d));
		memcpy(d->id, device, len);
		d->used = 1;
		d->fail = (struct srv_bucket){g->fail_burst, now};
		d->probe = (struct srv_bucket){g->probe_rate, now};
	}
	srv_bucket_refill(&d->fail, g->fail_rate, g->fail_burst, now);
	srv_bucket_refill(&d->probe, g->probe_rate, g->probe_rate, now);
	return d;
}

static struct srv_sigguard_src *src_of(struct srv_sigguard *g, const uint8_t key[16],
				       uint64_t now)
{
	struct srv_sigguard_src *s = &g->src[fnv(key, 16) % g->n];
	if (!s->used || memcmp(s->addr, key, 16) != 0) {
		memcpy(s->addr, key, 16);
		s->used = 1;
		s->fail = (struct srv_bucket){g->fail_burst, now};
	}
	srv_bucket_refill(&s->fail, g->fail_rate, g->fail_burst, now);
	return s;
}

bool srv_sigguard_allow(struct srv_sigguard *g, const char *device,
			const struct sockaddr_storage *peer, uint64_t now_ns)
{
	uint8_t key[16];
	bool ok = true;
	srv_ratelimit_key(peer, key);
	pthread_mutex_lock(&g->mu);
	struct srv_sigguard_dev *d = dev_of(g, device, now_ns);
	if (d->fail.tokens < 1.0 && !(d->has_good && memcmp(d->good, key, 16) == 0)) {
		struct srv_sigguard_src *s = src_of(g, key, now_ns);
		ok = s->fail.tokens >= 1.0 && d->probe.tokens >= 1.0;
		if (ok)
			d->probe.tokens -= 1.0;
	}
	pthread_mutex_unlock(&g->mu);
	return ok;
}

void srv_sigguard_result(struct srv_sigguard *g, const char *device,
			 const struct sockaddr_storage *peer, bool ok, uint64_t now_ns)
{
	uint8_t key[16];
	srv_ratelimit_key(peer, key);
	pthread_mutex_lock(&g->mu);
	struct srv_sigguard_dev *d = dev_of(g, device, now_ns);
	if (ok) {
		memcpy(d->good, key, 16);
		d->has_good = 1;
	} else {
		struct srv_sigguard_src *s = src_of(g, key, now_ns);
		if (d->fail.tokens >= 1.0)
			d->fail.tokens -= 1.0;
		if (s->fail.tokens >= 1.0)
			s->fail.tokens -= 1.0;
	}
	pthread_mutex_unlock(&g->mu);
}

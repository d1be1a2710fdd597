/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The PSK key cache (srv_pskcache.h). Laid out as srv_keycache: sets of
 * SRV_PSKCACHE_WAYS entries chosen by a hash of the kid, LRU within a set
 * by a global tick. Entries are plain memory owned by the table, so
 * replacing or dropping one is an OPENSSL_cleanse of the slot and nothing
 * else; a lookup copies the keys out under the mutex, so no caller ever
 * holds a pointer into an entry that another thread may wipe.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "srv_pskcache.h"

enum mayday_err srv_pskcache_init(struct srv_pskcache *pc, unsigned capacity, uint64_t ttl_ms)
{
	unsigned sets = 1;

	memset(pc, 0, sizeof(*pc));
	while (sets * SRV_PSKCACHE_WAYS < capacity)
		sets <<= 1;
	pc->e = calloc((size_t)sets * SRV_PSKCACHE_WAYS, sizeof(*pc->e));
	if (pc->e == NULL)
		return MAYDAY_E_NOMEM;
	pc->sets = sets;
	pc->ttl_ms = ttl_ms;
	pthread_mutex_init(&pc->mu, NULL);
	return MAYDAY_OK;
}

void srv_pskcache_fini(struct srv_pskcache *pc)
{
	if (pc->e == NULL)
		return;
	/* Only the entries ever used: the rest of the table may be pages the
	 * process never touched, and wiping them would make them resident. */
	for (size_t i = 0; i < (size_t)pc->sets * SRV_PSKCACHE_WAYS; i++) {
		if (pc->e[i].used != 0)
			OPENSSL_cleanse(&pc->e[i], sizeof(pc->e[i]));
	}
	free(pc->e);
	pc->e = NULL;
	pthread_mutex_destroy(&pc->mu);
}

static uint32_t hash_kid(const uint8_t *kid, size_t len)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < len; i++)
		h = (h ^ kid[i]) * 16777619u;
	return h;
}

static struct srv_pskcache_entry *set_of(struct srv_pskcache *pc, uint32_t h)
{
	return &pc->e[(size_t)(h & (pc->sets - 1)) * SRV_PSKCACHE_WAYS];
}

static struct srv_pskcache_entry *find(struct srv_pskcache *pc, const uint8_t *kid, size_t len,
				       uint32_t h)
{
	struct srv_pskcache_entry *set = set_of(pc, h);
	for (int i = 0; i < SRV_PSKCACHE_WAYS; i++) {
		if (set[i].used && set[i].hash == h && set[i].keys.kid_len == len &&
		    memcmp(set[i].keys.kid, kid, len) == 0)
			return &set[i];
	}
	return NULL;
}

static int kid_ok(const uint8_t *kid, size_t len)
{
	return kid != NULL && len >= MAYDAY_PSK_KID_MIN && len <= MAYDAY_PSK_KID_MAX;
}

int srv_pskcache_get(struct srv_pskcache *pc, const uint8_t *kid, size_t kid_len,
		     uint64_t now_ms, struct mayday_psk_keys *keys,
		     char device_id[MAYDAY_DEVICE_ID_MAX + 1])
{
	int hit = 0;

	if (!kid_ok(kid, kid_len))
		return 0;
	uint32_t h = hash_kid(kid, kid_len);
	pthread_mutex_lock(&pc->mu);
	struct srv_pskcache_entry *e = find(pc, kid, kid_len, h);
	/* Threads read the clock before they take the lock: an entry another
	 * thread stored a moment "later" than now_ms is fresh, not expired. */
	if (e != NULL && (now_ms <= e->fetched_ms || now_ms - e->fetched_ms < pc->ttl_ms)) {
		e->used = ++pc->tick;
		*keys = e->keys;
		memcpy(device_id, e->device_id, sizeof(e->device_id));
		hit = 1;
	} else if (e != NULL) {
		OPENSSL_cleanse(e, sizeof(*e));   /* expired: used = 0, free */
	}
	pthread_mutex_unlock(&pc->mu);
	return hit;
}

void srv_pskcache_put(struct srv_pskcache *pc, const struct mayday_psk_keys *keys,
		      const char *device_id, uint64_t now_ms)
{
	size_t id_len;

	if (!kid_ok(keys->kid, keys->kid_len) ||
	    (id_len = strnlen(device_id, MAYDAY_DEVICE_ID_MAX + 1)) > MAYDAY_DEVICE_ID_MAX)
		return;
	uint32_t h = hash_kid(keys->kid, keys->kid_len);
	pthread_mutex_lock(&pc->mu);
	struct srv_pskcache_entry *e = find(pc, keys->kid, keys->kid_len, h);
	if (e == NULL) {
		struct srv_pskcache_entry *set = set_of(pc, h);
		e = &set[0];
		for (int i = 1; i < SRV_PSKCACHE_WAYS; i++) {
			if (set[i].used < e->used)
				e = &set[i];
		}
	}
	OPENSSL_cleanse(e, sizeof(*e));
	e->keys = *keys;
	memcpy(e->device_id, device_id, id_len + 1);
	e->hash = h;
	e->fetched_ms = now_ms;
	e->used = ++pc->tick;
	pthread_mutex_unlock(&pc->mu);
}

void srv_pskcache_drop(struct srv_pskcache *pc, const uint8_t *kid, size_t kid_len)
{
	if (!kid_ok(kid, kid_len))
		return;
	uint32_t h = hash_kid(kid, kid_len);
	pthread_mutex_lock(&pc->mu);
	struct srv_pskcache_entry *e = find(pc, kid, kid_len, h);
	if (e != NULL)
		OPENSSL_cleanse(e, sizeof(*e));
	pthread_mutex_unlock(&pc->mu);
}

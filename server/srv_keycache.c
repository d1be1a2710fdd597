/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The key cache: the mutex covers only the table; the store query and PEM
 * parsing of a miss run outside it, so one slow miss never stalls other
 * workers' hits. Two workers missing the same device at once both fetch;
 * the second insert just replaces the first.
 */
#include <stdlib.h>
#include <string.h>

#include "mayday/keys.h"
#include "srv_keycache.h"
#include "store_ingest.h"

enum mayday_err srv_keycache_init(struct srv_keycache *kc, unsigned capacity)
{
	memset(kc, 0, sizeof(*kc));
	unsigned sets = 1;
	while (sets * SRV_KEYCACHE_WAYS < capacity)
		sets <<= 1;
	kc->e = calloc((size_t)sets * SRV_KEYCACHE_WAYS, sizeof(*kc->e));
	if (kc->e == NULL)
		return MAYDAY_E_NOMEM;
	if (srv_pskcache_init(&kc->psk, capacity, SRV_KEYCACHE_TTL_MS) != MAYDAY_OK) {
		free(kc->e);
		kc->e = NULL;
		return MAYDAY_E_NOMEM;
	}
	kc->sets = sets;
	pthread_mutex_init(&kc->mu, NULL);
	return MAYDAY_OK;
}

void srv_keycache_fini(struct srv_keycache *kc)
{
	if (kc->e == NULL)
		return;
	for (size_t i = 0; i < (size_t)kc->sets * SRV_KEYCACHE_WAYS; i++)
		EVP_PKEY_free(kc->e[i].key);
	free(kc->e);
	kc->e = NULL;
	pthread_mutex_destroy(&kc->mu);
	srv_pskcache_fini(&kc->psk);
}

static uint32_t hash_id(const char *id)
{
	uint32_t h = 2166136261u;
	for (; *id; id++)
		h = (h ^ (uint8_t)*id) * 16777619u;
	return h;
}

static struct srv_keycache_entry *find(struct srv_keycache *kc, const char *id, uint32_t h)
{
	struct srv_keycache_entry *set = &kc->e[(size_t)(h & (kc->sets - 1)) * SRV_KEYCACHE_WAYS];
	for (int i = 0; i < SRV_KEYCACHE_WAYS; i++) {
		if (set[i].used && set[i].hash == h && strcmp(set[i].id, id) == 0)
			return &set[i];
	}
	return NULL;
}

static void put(struct srv_keycache *kc, const char *id, uint32_t h, EVP_PKEY *key,
		uint64_t now_ms)
{
	struct srv_keycache_entry *e = find(kc, id, h);
	if (e == NULL) {
		struct srv_keycache_entry *set =
			&kc->e[(size_t)(h & (kc->sets - 1)) * SRV_KEYCACHE_WAYS];
		e = &set[0];
		for (int i = 1; i < SRV_KEYCACHE_WAYS; i++) {
			if (set[i].used < e->used)
				e = &set[i];
		}
	}
	EVP_PKEY_free(e->key);
	strcpy(e->id, id);
	e->hash = h;
	e->key = key;
	if (key != NULL)
		EVP_PKEY_up_ref(key);
	e->fetched_ms = now_ms;
	e->used = ++kc->tick;
}

enum mayday_err srv_keycache_get(struct srv_keycache *kc, struct store *st, const char *device_id,
				 int refresh, uint64_t now_ms, EVP_PKEY **out)
{
	char pem[STORE_PEM_MAX + 1];
	size_t pem_len = 0;
	EVP_PKEY *key = NULL;
	enum mayday_err err;
	*out = NULL;
	if (strnlen(device_id, MAYDAY_DEVICE_ID_MAX + 1) > MAYDAY_DEVICE_ID_MAX)
		return MAYDAY_E_INVALID;
	uint32_t h = hash_id(device_id);

	pthread_mutex_lock(&kc->mu);
	struct srv_keycache_entry *e = find(kc, device_id, h);
	if (e != NULL) {
		uint64_t age = now_ms - e->fetched_ms;
		int fresh = e->key != NULL ? age < SRV_KEYCACHE_TTL_MS &&
						     (!refresh || age < SRV_KEYCACHE_REFRESH_MS)
					   : age < SRV_KEYCACHE_NEG_MS;
		if (fresh) {
			e->used = ++kc->tick;
			if (e->key != NULL) {
				EVP_PKEY_up_ref(e->key);
				*out = e->key;
			}
			pthread_mutex_unlock(&kc->mu);
			return *out != NULL ? MAYDAY_OK : MAYDAY_E_NOTFOUND;
		}
	}
	pthread_mutex_unlock(&kc->mu);

	err = store_device_key(st, device_id, pem, sizeof(pem), &pem_len);
	if (err == MAYDAY_OK) {
		err = mayday_key_public_from_pem((const uint8_t *)pem, pem_len, &key);
		if (err != MAYDAY_OK)
			err = MAYDAY_E_KEY;
	}
	if (err != MAYDAY_OK && err != MAYDAY_E_NOTFOUND)
		return err;
	pthread_mutex_lock(&kc->mu);
	put(kc, device_id, h, key, now_ms);
	pthread_mutex_unlock(&kc->mu);
	*out = key;
	return key != NULL ? MAYDAY_OK : MAYDAY_E_NOTFOUND;
}

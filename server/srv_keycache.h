/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Enrolled device keys, cached for the verify workers. Enrolment may happen
 * while the daemon runs: a miss (or an expired "not enrolled" entry) asks
 * the store with the calling worker's own connection.
 *
 * 4-way set-associative, fixed size: lookups never allocate once a key is
 * cached; the least recently used entry of a set is replaced. "Not enrolled"
 * answers are cached for SRV_KEYCACHE_NEG_MS so a flood naming unknown
 * devices does not turn into a flood of queries. A key is re-read once it
 * is SRV_KEYCACHE_TTL_MS old, so a revoked key (store_device_revoke) stops
 * verifying here within that time; the store demotes a revoked device's
 * records to unverified in the ingest transaction anyway, so the cache is
 * never what decides trust. Thread-safe.
 *
 * The PSK method's keys, derived per kid, are cached beside the device keys
 * with the same capacity and the same SRV_KEYCACHE_TTL_MS (`psk`,
 * srv_pskcache.h): one cache of enrolled keys for the verify workers, made
 * and freed together.
 */
#ifndef MAYDAY_SRV_KEYCACHE_H
#define MAYDAY_SRV_KEYCACHE_H

#include <openssl/evp.h>
#include <pthread.h>
#include <stdint.h>

#include "mayday/limits.h"
#include "srv_pskcache.h"
#include "store.h"

#define SRV_KEYCACHE_WAYS    4
#define SRV_KEYCACHE_NEG_MS  1000  /* how long "not enrolled" is believed */
#define SRV_KEYCACHE_REFRESH_MS 1000 /* minimum age before a failed verify re-reads the key */
#define SRV_KEYCACHE_TTL_MS  10000 /* a key older than this is re-read (revocation) */

struct srv_keycache_entry {
	char id[MAYDAY_DEVICE_ID_MAX + 1];
	uint32_t hash;
	EVP_PKEY *key;      /* NULL: known not enrolled */
	uint64_t fetched_ms;
	uint64_t used;      /* LRU tick; 0 = empty */
};

struct srv_keycache {
	pthread_mutex_t mu;
	unsigned sets;
	uint64_t tick;
	struct srv_keycache_entry *e; /* sets * WAYS */
	struct srv_pskcache psk;      /* PSK keys by kid (srv_psk) */
};

MAYDAY_NODISCARD enum mayday_err srv_keycache_init(struct srv_keycache *kc, unsigned capacity);
void srv_keycache_fini(struct srv_keycache *kc);

/* The enrolled key of `device_id` into *out (a new reference: the caller
 * EVP_PKEY_free()s it). MAYDAY_E_NOTFOUND if not enrolled; store errors as
 * the store returns them. With `refresh`, a cached key older than
 * SRV_KEYCACHE_REFRESH_MS is re-read first (re-enrolment with a new key). */
MAYDAY_NODISCARD enum mayday_err srv_keycache_get(struct srv_keycache *kc, struct store *st,
						  const char *device_id, int refresh,
						  uint64_t now_ms, EVP_PKEY **out);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * PSK keys cached per kid for the verify workers (srv_psk).
 *
 * Before a PSK request can be opened, its kid's row is read from the store,
 * the PSK unwrapped with the KEK and three keys derived from it with HKDF
 * (about 20 µs, docs/performance.md finding 5). All of that depends on the
 * kid alone, so the result -- the derived keys (struct mayday_psk_keys,
 * which carries the kid) and the device the kid was enrolled for -- is kept
 * here per kid. Nothing per datagram is: the partial IV (the counter) makes
 * each request's nonce and a fresh random IV each response's, both computed
 * per datagram from the keys; and the replay window, which every commit
 * moves, is read from the store whenever srv_psk needs it.
 *
 * Fixed size, 4-way set-associative (as srv_keycache): lookups never
 * allocate; the least recently used entry of a set is replaced. An entry is
 * believed for SRV_KEYCACHE_TTL_MS, the bound srv_keycache gives device
 * keys, then looked up in the store again: a kid deleted or re-enrolled
 * by another process stops opening requests within that time; a PSK
 * enrolled through this daemon's API drops the kid's entry at once
 * (srv_pipeline_psk_forget). Trust is never decided here: the
 * ingest transaction checks the kid still belongs to the record's device
 * (store_sqlite_psk_advance), and srv_psk re-reads the row at once when
 * cached keys do not open a request (a PSK re-enrolled under the same kid).
 *
 * Entries hold secrets: an entry replaced, found expired, dropped, or left
 * at srv_pskcache_fini is wiped with OPENSSL_cleanse (an expired entry
 * nobody looks up again stays, unused, until its slot is taken or the
 * cache freed: see the KEK below); keys are copied out
 * to the caller's struct, which the caller wipes (mayday_psk_keys_wipe).
 * Nothing here logs. The daemon's KEK, which unwraps every PSK, is in the
 * same memory, so a cached key adds nothing a memory read would not give.
 * Thread-safe: one mutex around the table, held for a lookup or a copy.
 */
#ifndef MAYDAY_SRV_PSKCACHE_H
#define MAYDAY_SRV_PSKCACHE_H

#include <pthread.h>
#include <stdint.h>

#include "mayday/error.h"
#include "mayday/limits.h"
#include "mayday/psk.h"

#define SRV_PSKCACHE_WAYS 4

struct srv_pskcache_entry {
	struct mayday_psk_keys keys;               /* keys.kid / kid_len: the key */
	char device_id[MAYDAY_DEVICE_ID_MAX + 1];
	uint32_t hash;
	uint64_t fetched_ms;
	uint64_t used;                             /* LRU tick; 0 = empty */
};

struct srv_pskcache {
	pthread_mutex_t mu;
	unsigned sets;
	uint64_t tick;
	uint64_t ttl_ms;
	struct srv_pskcache_entry *e;              /* sets * WAYS */
};

/* Room for at least `capacity` kids (rounded up to a power-of-two number of
 * sets). Entries are believed for ttl_ms. MAYDAY_E_NOMEM. */
MAYDAY_NODISCARD enum mayday_err srv_pskcache_init(struct srv_pskcache *pc, unsigned capacity,
						   uint64_t ttl_ms);
/* Wipes every entry and frees the table. Safe on a zeroed or finished cache. */
void srv_pskcache_fini(struct srv_pskcache *pc);

/* The keys of `kid` cached less than ttl_ms before now_ms: copied to *keys
 * and the kid's device to device_id, 1. Otherwise 0 and nothing written
 * (an expired entry is wiped on the way). */
int srv_pskcache_get(struct srv_pskcache *pc, const uint8_t *kid, size_t kid_len,
		     uint64_t now_ms, struct mayday_psk_keys *keys,
		     char device_id[MAYDAY_DEVICE_ID_MAX + 1]);

/* Caches a copy of `keys` (for keys->kid) and its device as fetched at
 * now_ms, replacing the kid's entry or the set's least recently used one
 * (wiped first). A keys->kid_len out of range or a device ID too long is
 * ignored. */
void srv_pskcache_put(struct srv_pskcache *pc, const struct mayday_psk_keys *keys,
		      const char *device_id, uint64_t now_ms);

/* Wipes the entry of `kid`, if any (the store no longer knows it). */
void srv_pskcache_drop(struct srv_pskcache *pc, const uint8_t *kid, size_t kid_len);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Token buckets for unverified senders: one per source IP (a fixed table,
 * hashed; a new source takes over a colliding entry with a full bucket)
 * and one global. The global bucket bounds what a spoofed-source flood can
 * write no matter how many addresses it uses. Thread-safe.
 */
#ifndef MAYDAY_SRV_RATELIMIT_H
#define MAYDAY_SRV_RATELIMIT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "mayday/error.h"

struct srv_bucket {
	double tokens;
	uint64_t last_ns;
};

/* Adds what `rate` tokens a second earned since the bucket was last used,
 * up to `burst`; a clock that went back earns nothing. */
void srv_bucket_refill(struct srv_bucket *b, double rate, double burst, uint64_t now_ns);
/* A source address as the 16-byte key of the per-source tables (IPv4 in
 * the last four bytes, the rest zero). */
void srv_ratelimit_key(const struct sockaddr_storage *peer, uint8_t key[16]);

struct srv_ratelimit_src {
	uint8_t addr[16];
	uint8_t used;
	struct srv_bucket b;
};

struct srv_ratelimit {
	pthread_mutex_t mu;
	double src_rate, src_burst, glob_rate, glob_burst;
	struct srv_bucket global;
	struct srv_ratelimit_src *src;
	unsigned n_src;
};

/* rates per second; burst = bucket size. rate 0 and burst 0: never allow. */
MAYDAY_NODISCARD enum mayday_err
srv_ratelimit_init(struct srv_ratelimit *rl, unsigned sources, unsigned src_rate,
		   unsigned src_burst, unsigned glob_rate, unsigned glob_burst);
void srv_ratelimit_fini(struct srv_ratelimit *rl);
/* Takes one token from the source's and the global bucket if both have one. */
bool srv_ratelimit_allow(struct srv_ratelimit *rl, const struct sockaddr_storage *peer,
			 uint64_t now_ns);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The bad-signature guard: keeps a flood of forged indications naming an
 * enrolled device from costing a signature verification each. It runs
 * before the verification, on what costs nothing to check: the device ID
 * the indication names and the address it came from.
 *
 * Each failed verification takes a token from the named device's failure
 * bucket and from the source address's. A device with no token left is
 * "failing"; its indications are then verified only when they come
 *   - from its last good source (the address of its last indication that
 *     verified), always: a device keeps working from where it worked;
 *   - else from a source that is not failing itself, within the device's
 *     probe budget (probe_rate per second): a device that moved, or that
 *     had never been heard from, still gets through;
 * and are dropped unverified otherwise (SRV_DROP_LIMITED), before any
 * verification. A source that keeps sending forgeries thus costs one
 * decode per datagram, not a verification.
 *
 * Trade-off: the guard only knows addresses. An attacker who spoofs the
 * device's own last good address is verified like the device (locking the
 * device out would be worse); the slot pool and the socket buffer bound
 * what that costs, and channels an attacker cannot spoof (mTLS, PSK,
 * IPsec) are not guarded at all: their indications come from the device's
 * credentials. An attacker spraying spoofed sources can use up a failing
 * device's probe budget, so a device that moved may then wait; one at its
 * last good address is not affected.
 *
 * Fixed tables (hashed; a new device or source takes over a colliding
 * entry with full buckets), lazily refilled buckets, one mutex: the clock
 * is the caller's (tests control time). Thread-safe.
 */
#ifndef MAYDAY_SRV_SIGGUARD_H
#define MAYDAY_SRV_SIGGUARD_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "mayday/error.h"
#include "mayday/limits.h"
#include "srv_ratelimit.h"

struct srv_sigguard_dev {
	char id[MAYDAY_DEVICE_ID_MAX + 1];
	uint8_t good[16];            /* last source whose indication verified */
	uint8_t has_good, used;
	struct srv_bucket fail, probe;
};

struct srv_sigguard_src {
	uint8_t addr[16];
	uint8_t used;
	struct srv_bucket fail;
};

struct srv_sigguard {
	pthread_mutex_t mu;
	double fail_rate, fail_burst, probe_rate;
	struct srv_sigguard_dev *dev;
	struct srv_sigguard_src *src;
	unsigned n;                  /* entries of each table */
};

/* `entries` devices and sources tracked; a device or source may fail
 * `fail_burst` verifications, regaining `fail_rate` per second; a failing
 * device is verified from new sources `probe_rate` times per second. */
MAYDAY_NODISCARD enum mayday_err srv_sigguard_init(struct srv_sigguard *g, unsigned entries,
						   unsigned fail_rate, unsigned fail_burst,
						   unsigned probe_rate);
void srv_sigguard_fini(struct srv_sigguard *g);
/* Before verifying an indication of enrolled `device` from `peer`: may it
 * cost a verification? */
bool srv_sigguard_allow(struct srv_sigguard *g, const char *device,
			const struct sockaddr_storage *peer, uint64_t now_ns);
/* After the verification: `ok` whether it verified. */
void srv_sigguard_result(struct srv_sigguard *g, const char *device,
			 const struct sockaddr_storage *peer, bool ok, uint64_t now_ns);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A periodic sweeper thread of maydayd with a store handle of its own (the
 * silence sweeper, srv_silence.h, and the fleet anomaly sweeper,
 * srv_fleet.h): every period it calls its sweep function, the first time
 * right after it starts. It sleeps on a condition variable against
 * CLOCK_MONOTONIC, so stopping it is a signal rather than a wait for the
 * period to end.
 */
#ifndef MAYDAY_SRV_SWEEPER_H
#define MAYDAY_SRV_SWEEPER_H

#include "mayday/error.h"

struct store;
struct srv_sweeper;

/* One sweep on the sweeper's store handle. Its failures are its own to
 * report (the store is the sweeper's: store_errmsg(st) says why). */
typedef void (*srv_sweep_fn)(struct store *st, void *ctx);

/* Opens the store `db` for the sweeper; `sweep` is called with `ctx`
 * (borrowed for the sweeper's lifetime) every period_s (>= 1) seconds
 * once started. Owned by the caller until srv_sweeper_free. */
MAYDAY_NODISCARD enum mayday_err srv_sweeper_new(const char *db, unsigned period_s,
						 srv_sweep_fn sweep, void *ctx,
						 struct srv_sweeper **out);
/* Starts the thread; NULL-safe, and a no-op when started. */
MAYDAY_NODISCARD enum mayday_err srv_sweeper_start(struct srv_sweeper *w);
/* Stops and joins the thread; NULL-safe, idempotent. */
void srv_sweeper_stop(struct srv_sweeper *w);
/* Stops, closes the store and frees; NULL-safe. */
void srv_sweeper_free(struct srv_sweeper *w);

#endif

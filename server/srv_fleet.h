/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The fleet anomaly sweeper (issue 13, store_fleet.h): a thread of maydayd
 * that, every period, evaluates each product class's [fleet] rule -- at
 * least N devices of the class reporting the same failed component in
 * signed indications of the last T seconds -- and for each new finding
 * (recorded once per class, component and window in fleet_anomalies) logs
 * one line at notice, and with "pause" pauses remediation of the class
 * (lifted by `maydayctl resume`). The period is a quarter of the shortest
 * window, between 1 and 60 seconds. It has its own store handle, like the
 * silence sweeper (srv_silence.h), and each evaluation is one transaction.
 */
#ifndef MAYDAY_SRV_FLEET_H
#define MAYDAY_SRV_FLEET_H

#include <stdint.h>

#include "mayday/error.h"
#include "srv_config.h"
#include "store_fleet.h"

#define SRV_FLEET_BATCH 16u   /* findings per class and evaluation */

struct srv_fleet;

/* Seconds between sweeps; 0 without a [fleet] rule (no sweeper). */
unsigned srv_fleet_period_s(const struct srv_config *cfg);
/* One sweep of every rule at `now` on `st`: records and logs. */
MAYDAY_NODISCARD enum mayday_err srv_fleet_sweep(struct store *st, const struct srv_config *cfg,
						 int64_t now);

/* Opens the sweeper's own store handle on cfg->db; *out is NULL (and the
 * result MAYDAY_OK) without a rule. cfg is borrowed for its lifetime. */
MAYDAY_NODISCARD enum mayday_err srv_fleet_new(struct srv_fleet **out,
					       const struct srv_config *cfg);
/* Starts the thread (a first sweep right away). NULL-safe. */
MAYDAY_NODISCARD enum mayday_err srv_fleet_start(struct srv_fleet *f);
/* Stops and joins the thread; NULL-safe, idempotent. */
void srv_fleet_stop(struct srv_fleet *f);
/* Stops, closes the store and frees; NULL-safe. */
void srv_fleet_free(struct srv_fleet *f);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The silence sweeper (DESIGN §6, store_silence.h): a thread of maydayd
 * that, every period, moves the devices not heard from within their class's
 * [silence] interval to unreachable, and logs each move once at notice.
 * The period is a quarter of the shortest interval, between 1 and 60
 * seconds, so a device is marked at most a quarter interval (a minute at
 * most) late. Each sweep is one indexed query per listed class and one for
 * the rest, on the sweeper's own store handle; a backlog is worked off in
 * rounds of SRV_SILENCE_BATCH devices, each its own transaction, so the
 * writer never waits long for the lock.
 *
 * The way back (contact from an unreachable device) is not the sweeper's:
 * the writer and the ACS do it in the transaction that records the contact.
 */
#ifndef MAYDAY_SRV_SILENCE_H
#define MAYDAY_SRV_SILENCE_H

#include <stddef.h>
#include <stdint.h>

#include "mayday/error.h"
#include "srv_config.h"
#include "store_silence.h"

#define SRV_SILENCE_BATCH  256u   /* devices moved per transaction */
#define SRV_SILENCE_ROUNDS 64u    /* transactions per sweep at most */

struct srv_silence;

/* The store's rules from the configuration; borrows cfg's class names. */
void srv_silence_rules(const struct srv_config *cfg, struct store_silence_rules *r);
/* Seconds between sweeps; 0 when every interval is 0 (no sweeper). */
unsigned srv_silence_period_s(const struct srv_config *cfg);

/* One sweep at `now` on `st` (not inside a batch): moves and logs. *moved
 * (may be NULL) counts the devices moved. */
MAYDAY_NODISCARD enum mayday_err srv_silence_sweep(struct store *st,
						   const struct store_silence_rules *r,
						   int64_t now, size_t *moved);

/* Opens the sweeper's own store handle on cfg->db; *out is NULL (and the
 * result MAYDAY_OK) when silence is off. cfg is borrowed for the
 * sweeper's lifetime. */
MAYDAY_NODISCARD enum mayday_err srv_silence_new(struct srv_silence **out,
						 const struct srv_config *cfg);
/* Starts the thread (a first sweep right away). NULL-safe. */
MAYDAY_NODISCARD enum mayday_err srv_silence_start(struct srv_silence *s);
/* Stops and joins the thread; NULL-safe, idempotent. */
void srv_silence_stop(struct srv_silence *s);
/* Stops, closes the store and frees; NULL-safe. */
void srv_silence_free(struct srv_silence *s);

#endif

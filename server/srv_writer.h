/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The writer stage: the one thread that writes to the store. It commits
 * batches (group commit) and only marks a slot `committed` once the
 * batch's COMMIT returned, which is what allows its ack to be sent.
 */
#ifndef MAYDAY_SRV_WRITER_H
#define MAYDAY_SRV_WRITER_H

#include <stddef.h>

#include "srv_acs_policy.h"
#include "srv_queue.h"
#include "srv_slot.h"
#include "srv_stats.h"

/* Commit sizing by load. A batch takes at most `cap` rows: `base` (the
 * configured [server] batch) while the writer keeps up. When it falls
 * behind -- a batch taken full with rows still waiting, i.e. more arrived
 * while the previous COMMIT ran than a batch holds -- cap doubles, up to
 * `max`; a batch taken with less than half of cap halves it, never below
 * `base`. Larger batches under load share a COMMIT's fixed cost (its
 * fsync, the pages every row touches) among more rows; a light load keeps
 * small batches and short ack latency.
 * The wait for more rows is the same bound whatever cap is: none for fewer
 * than SRV_WRITER_GATHER_MIN rows (a lone indication is committed at once)
 * nor for a full batch, SRV_WRITER_GATHER_US otherwise. Pure bookkeeping,
 * no clock: the writer thread alone uses it. */
#define SRV_WRITER_GATHER_MIN 8
#define SRV_WRITER_GATHER_US  4000

struct srv_writer_pace {
	size_t base, max, cap;
};

/* base >= 1; max below base is taken as base. */
void srv_writer_pace_init(struct srv_writer_pace *p, size_t base, size_t max);
/* µs to wait for more rows after taking n, before the batch is committed. */
unsigned srv_writer_pace_wait_us(const struct srv_writer_pace *p, size_t n);
/* A batch of n rows was taken, `left` rows still queued: adjusts cap. */
void srv_writer_pace_taken(struct srv_writer_pace *p, size_t n, size_t left);
/* Takes the next batch from `q` into s[0..p->max): waits for the first
 * row (forever), then as srv_writer_pace_wait_us says for more, up to
 * p->cap. Returns the rows taken; 0 once q is closed and empty. */
size_t srv_writer_gather(struct srv_writer_pace *p, struct srv_queue *q, struct srv_slot **s);

/* Redos of a batch that lost to a concurrent transaction (MAYDAY_E_RETRY)
 * before its error is returned. */
#define SRV_WRITER_REDO_MAX 3
/* Batches up to this many rows are put in device ID order (larger ones,
 * which the pipeline never makes, in the order given). */
#define SRV_WRITER_SORT_MAX 1024

/* Stores slots[0..n) (each with verdict SRV_STORE) in one transaction,
 * putting the records in device ID order (each device's in the order
 * given). A record the store can never take (MAYDAY_E_INVALID) is left
 * out and the batch redone without it; a batch that lost to a concurrent
 * transaction (MAYDAY_E_RETRY) is redone whole, at most
 * SRV_WRITER_REDO_MAX times. Afterwards every slot has committed = 1 (its
 * rec outputs are durable) or 0 (not stored: no ack may be sent). Returns
 * the store's error if the whole batch failed, else MAYDAY_OK. */
MAYDAY_NODISCARD enum mayday_err srv_writer_commit(struct store *st, struct srv_slot **slots,
						   size_t n, struct srv_stats *stats);
/* The same, deciding remediation (srv_acs_policy_apply) for every signed
 * row inside the batch: slot->acs_url is set for those to remediate. */
MAYDAY_NODISCARD enum mayday_err srv_writer_commit_remed(struct store *st, struct srv_slot **slots,
							 size_t n, struct srv_stats *stats,
							 const struct srv_acs_policy *pol);

#endif

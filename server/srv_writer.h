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
#include "srv_slot.h"
#include "srv_stats.h"

/* Stores slots[0..n) (each with verdict SRV_STORE) in one transaction.
 * A record the store can never take (MAYDAY_E_INVALID) is left out and the
 * batch redone without it. Afterwards every slot has committed = 1 (its
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

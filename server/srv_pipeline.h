/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The ingest pipeline: the configured listeners (srv_listener.h: each with
 * its own receiving thread), N worker threads (verify; sign and answer),
 * one writer thread (group commit). Slots are preallocated; queues hand
 * them from stage to stage.
 *
 * Create opens everything that can fail (slots, store connections, key
 * cache, listening sockets, the https listener's TLS context), in the
 * process that will use them (maydayd forks before, never after: see
 * srv_detach.h), while errors still reach the terminal; run starts the threads and logs "listening on NAME
 * ADDR" per listener; stop stops the listeners, lets every slot in flight
 * finish (commit, answer) and joins the threads.
 */
#ifndef MAYDAY_SRV_PIPELINE_H
#define MAYDAY_SRV_PIPELINE_H

#include <openssl/evp.h>

#include "srv_config.h"
#include "srv_stats.h"

struct srv_pipeline;

/* `cfg` and `hems_key` are borrowed and must outlive the pipeline. */
MAYDAY_NODISCARD enum mayday_err srv_pipeline_create(struct srv_pipeline **out,
						     const struct srv_config *cfg,
						     EVP_PKEY *hems_key);
/* Starts the threads. */
MAYDAY_NODISCARD enum mayday_err srv_pipeline_run(struct srv_pipeline *p);
/* SIGHUP: re-reads what can change while running: whatever each listener
 * reloads (srv_listener_ops.reload) -- for https its whole TLS context:
 * certificate, key, CA and CRL, used for new connections. Safe from the
 * signal-handling thread while the pipeline runs; a listener that fails to
 * reload keeps its old state, its reason is logged once, and the rest
 * still reload; then "SIGHUP: reloaded" is logged. Golden bundles need
 * nothing: they are looked up on disk at each decision. */
void srv_pipeline_reload(struct srv_pipeline *p);
/* Stops receiving, lets everything in flight commit and be answered, joins
 * the threads. Idempotent. */
void srv_pipeline_stop(struct srv_pipeline *p);
/* Stops (if running), closes listeners and store connections, frees.
 * NULL-safe. */
void srv_pipeline_destroy(struct srv_pipeline *p);
struct srv_stats *srv_pipeline_stats(struct srv_pipeline *p);
/* A PSK was enrolled under kid: the keys cached for it are dropped (and
 * wiped), so the next request under kid is opened with the stored one.
 * Any thread. */
void srv_pipeline_psk_forget(struct srv_pipeline *p, const uint8_t *kid, size_t kid_len);

#endif

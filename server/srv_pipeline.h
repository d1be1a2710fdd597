/*
 * The ingest pipeline: one receiver thread (recvmmsg), N worker threads
 * (verify; sign and send acks), one writer thread (group commit). Slots
 * are preallocated; queues hand them from stage to stage.
 *
 * Create opens everything that can fail (slots, store connections, key
 * cache), so a daemon can report errors before it detaches; run starts the
 * threads; stop stops receiving, lets every slot in flight finish (commit,
 * ack) and joins the threads.
 */
#ifndef MAYDAY_SRV_PIPELINE_H
#define MAYDAY_SRV_PIPELINE_H

#include <openssl/evp.h>

#include "srv_config.h"
#include "srv_stats.h"

struct srv_pipeline;

/* `fd` (bound UDP socket) and `hems_key` are borrowed and must outlive the
 * pipeline. */
MAYDAY_NODISCARD enum mayday_err srv_pipeline_create(struct srv_pipeline **out,
						     const struct srv_config *cfg, int fd,
						     EVP_PKEY *hems_key);
MAYDAY_NODISCARD enum mayday_err srv_pipeline_run(struct srv_pipeline *p);
/* Stops receiving, lets everything in flight commit and be acked, joins
 * the threads. Idempotent. */
void srv_pipeline_stop(struct srv_pipeline *p);
/* Stops (if running), closes the store connections, frees. NULL-safe. */
void srv_pipeline_destroy(struct srv_pipeline *p);
struct srv_stats *srv_pipeline_stats(struct srv_pipeline *p);

#endif

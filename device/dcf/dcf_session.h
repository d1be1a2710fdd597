/*
 * One distress procedure: take a fresh RoT counter, build and sign the
 * indication, send it over the configured methods and retransmit the same
 * bytes with backoff until an authenticated acknowledgement arrives or the
 * deadline passes.
 */
#ifndef MAYDAY_DCF_SESSION_H
#define MAYDAY_DCF_SESSION_H

#include <stdint.h>
#include <openssl/evp.h>

#include "mayday/indication.h"

struct hal_rot;
struct dcf_config;

/* What happened, for the log and for tests. */
struct dcf_stats {
	uint64_t counter;        /* RoT message counter of the last indication built */
	uint32_t messages;       /* indications built (a new counter each) */
	uint32_t sends;          /* datagrams/messages handed to a transport */
	uint32_t ignored;        /* received messages that were not a valid ack */
	uint32_t rejected;       /* valid acks with status REJECTED */
	uint32_t retry_after;    /* valid acks asking to retry later */
	int acked;               /* 1 once a valid ack ended the procedure */
	struct mayday_ack ack;   /* the last valid ack */
};

struct dcf_session {
	const struct dcf_config *cfg;
	struct hal_rot *rot;                /* counter; borrowed */
	const struct mayday_signer *signer; /* the RoT's distress key; borrowed */
	EVP_PKEY *hems_pub;                 /* the RoT's H(e)MS anchor; borrowed */
	const char *device_id;
	const struct mayday_evidence *ev;
	uint64_t free_space;
	uint32_t deadline_ms;               /* from the start of dcf_session_run */
};

/* Runs the procedure. A valid ack (H(e)MS anchor, this device, this counter)
 * with status STORED or STORED_UNVERIFIED ends it; action RETRY_AFTER
 * postpones the next retransmission of the same bytes (the run ends early if
 * that is past the deadline); status REJECTED makes the next attempt a new
 * indication with a new counter (at most 8 per run). Anything else received
 * is counted in stats->ignored and dropped.
 * Returns an enum mayday_exit: MAYDAY_EXIT_DCF_ACKED,
 * MAYDAY_EXIT_DCF_UNACKED (deadline, or nothing more may be sent), or
 * MAYDAY_EXIT_DCF_CONFIG (the RoT could not give a counter or a signature). */
int dcf_session_run(const struct dcf_session *s, struct dcf_stats *stats);

#endif

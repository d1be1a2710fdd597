/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The distress procedure: announce the distress over the configured
 * methods, in order, until an authenticated acknowledgement that the
 * indication was verified and stored arrives -- for as long as the device
 * is powered, or until the deadline if one is set -- then do what the
 * acknowledgement's decision says: remediate (on_acked), wait and announce
 * again with a new counter (pending approval...), stand down, or (action
 * none) re-announce at the configured low rate, if any.
 *
 * The attempt state (backoff step, method, a wait's end) is kept on flash
 * (dcf_attempt.h) so a restart resumes it; an acknowledgement clears it.
 * Every wait goes through the clock HAL.
 *
 * One announcement: take a fresh RoT counter, build and sign the indication
 * for the current method (its `transport` claim names the method, so every
 * method gets its own indication and counter), send it and retransmit the
 * same bytes with backoff; after attempts_per_method failed attempts
 * (unanswered or rejected), fall back to the next method (wrapping around);
 * an indication the H(e)MS could not verify moves on at once. The transports are passed
 * in as a table (dcf_tx_ops), so tests drive the procedure with their own.
 */
#ifndef MAYDAY_DCF_SESSION_H
#define MAYDAY_DCF_SESSION_H

#include <stdint.h>
#include <openssl/evp.h>

#include "mayday/indication.h"

struct dcf_tx_env;
struct dcf_tx_ops;

/* What happened, for the log and for tests; counts are over the whole run. */
struct dcf_stats {
	uint64_t counter;        /* RoT message counter of the last indication built */
	uint32_t messages;       /* indications built (a new counter each) */
	uint32_t sends;          /* messages handed to a transport */
	uint32_t failed;         /* attempts whose channel could not be opened or used */
	uint32_t fallbacks;      /* moves to the next method after attempts_per_method */
	uint32_t ignored;        /* received messages that were not a usable ack */
	/* Answers that were failed attempts (each ended its counter): */
	uint32_t unauth;         /* ack-like answers that failed authentication */
	uint32_t unverified;     /* valid acks with status STORED_UNVERIFIED */
	uint32_t rejected;       /* valid acks with status REJECTED */
	uint32_t retry_after;    /* answers asking to retry later (acks or transport) */
	uint32_t announcements;  /* the first announcement plus re-announcements */
	uint32_t acked_announcements;
	int acked;               /* 1 once a STORED ack ended an announcement */
	unsigned method;         /* index of the method that carried the last STORED ack */
	struct mayday_ack ack;   /* the last authenticated ack, whatever it said */
};

struct dcf_session {
	/* env->cfg: retry and re-announce settings; env->rot: the message
	 * counter. The whole env is handed to every transport's open. Borrowed. */
	const struct dcf_tx_env *env;
	const struct dcf_tx_ops *const *methods; /* in the order to try; borrowed */
	unsigned n_methods;                      /* at least 1 */
	const struct mayday_signer *signer;      /* the RoT's distress key; borrowed */
	EVP_PKEY *hems_pub;                      /* the RoT's H(e)MS anchor; borrowed */
	const char *device_id;
	const struct mayday_evidence *ev;
	uint64_t free_space;
	uint32_t deadline_ms;                    /* per announcement, from its start; 0: none */
	/* Called after every acknowledged announcement, with the channel
	 * closed, with that announcement's ack -- always one that passed
	 * dcf_ack_check as DCF_ACK_VALID with status STORED, never an
	 * unauthenticated, stored-unverified or rejected one. A
	 * non-zero return (an enum mayday_exit) ends the procedure with it.
	 * NULL: nothing is done with acks (remediation, dcf_remediate.h). */
	int (*on_acked)(void *ctx, const struct mayday_ack *ack);
	void *on_acked_ctx;
};

/* Runs the procedure.
 *
 * Answers are verified with dcf_ack_check and judged by dcf_ack_meaning.
 * Only a valid ack with status STORED ends the announcement. Action
 * RETRY_AFTER (from a valid ack, or a transport's own busy signal such as
 * HTTP 503 + Retry-After) postpones the next send and is not a verdict on
 * the counter: the same bytes go again (the announcement ends early if that
 * is past the deadline), no later than [retry] wait_max_s for a signed ack
 * and the backoff cap max_ms for a transport's unsigned signal. Every other answer to the counter in flight is a
 * failed attempt that ends the counter (the loop still listens until the
 * next send is due, for the genuine STORED):
 *   STORED_UNVERIFIED, or an ack that fails authentication: the path of
 *   this method is suspect; the next attempt moves on to the next method
 *   with a new counter (not counted in stats->fallbacks);
 *   REJECTED: the next attempt is a new counter on the same method, and
 *   counts toward attempts_per_method like an unanswered attempt.
 * Anything else received is counted and dropped. Nothing but the deadline
 * (none when deadline_ms is 0) ends an announcement that was not
 * acknowledged.
 *
 * After an acknowledged announcement, by its action: WAIT sleeps
 * retry_after s (at most [retry] wait_max_s, plus up to an eighth at
 * random) and announces again; STAND_DOWN returns
 * MAYDAY_EXIT_DCF_STAND_DOWN (on_acked is not called); NONE, or a
 * REMEDIATE whose on_acked returned 0, re-announces per reannounce_s /
 * reannounce_max, else ends.
 *
 * Returns an enum mayday_exit: on_acked's non-zero answer; else
 * MAYDAY_EXIT_DCF_ACKED if an announcement was
 * acknowledged (re-announcements that go unanswered do not undo that),
 * MAYDAY_EXIT_DCF_NOT_STORED if the first announcement got answers but
 * only failed attempts, MAYDAY_EXIT_DCF_UNACKED if it got nothing usable
 * before its deadline, MAYDAY_EXIT_DCF_CONFIG if the RoT could not give a
 * counter or a signature. */
int dcf_session_run(const struct dcf_session *s, struct dcf_stats *stats);

#endif

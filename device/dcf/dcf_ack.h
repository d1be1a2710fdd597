/* SPDX-License-Identifier: Apache-2.0 */
/* Deciding whether a received message is the acknowledgement we wait for. */
#ifndef MAYDAY_DCF_ACK_H
#define MAYDAY_DCF_ACK_H

#include <stddef.h>
#include <stdint.h>
#include <openssl/evp.h>

#include "mayday/indication.h"

enum dcf_ack_verdict {
	/* Signed by the H(e)MS anchor, echoes this device and counter: *ack is
	 * the acknowledgement. */
	DCF_ACK_VALID,
	/* A well-formed ack that echoes this device and counter but does not
	 * verify with the anchor (another key, or a forgery by someone who saw
	 * the indication). *ack holds its claims, which confer no authority:
	 * they may be logged, never acted upon. */
	DCF_ACK_UNAUTH,
	/* Signed by the anchor, but for another device or counter (e.g. a late
	 * ack of an earlier message). */
	DCF_ACK_OTHER,
	/* Anything else; *err (and for decode errors *diag) says why. */
	DCF_ACK_INVALID
};

/* Classify `msg`. *ack is filled for VALID and UNAUTH, *err for INVALID
 * (MAYDAY_OK otherwise); *diag is set whenever a decoder rejected the input. */
enum dcf_ack_verdict dcf_ack_check(const uint8_t *msg, size_t len, EVP_PKEY *hems_pub,
				   const char *device_id, uint64_t counter,
				   struct mayday_ack *ack, enum mayday_err *err,
				   struct mayday_diag *diag);

/* What an answer means for the distress procedure (docs/protocol.md §7.1).
 * Only DCF_ACK_STORED ends a method (and the announcement): an ack that
 * verifies with the anchor, echoes this device and counter, and says the
 * H(e)MS verified the indication's signature and committed it. */
enum dcf_ack_meaning {
	DCF_ACK_STORED,     /* authenticated, status STORED: acknowledged */
	DCF_ACK_WAIT,       /* authenticated, action RETRY_AFTER: the same bytes
			     * again after ack->retry_after s; not a verdict */
	DCF_ACK_REFUSED,    /* authenticated, status REJECTED: a failed attempt;
			     * this counter is not sent again */
	DCF_ACK_NOT_VERIFIED, /* authenticated, status STORED_UNVERIFIED: the
			     * H(e)MS holds a copy it could not verify (altered on the
			     * path, or a forgery under this counter): a failed attempt */
	DCF_ACK_NO_AUTHORITY, /* an answer to this counter that fails
			     * authentication (DCF_ACK_UNAUTH): a failed attempt; its
			     * claims are never acted upon */
	DCF_ACK_IGNORED     /* not an answer to this counter (OTHER, INVALID) */
};

/* The meaning of a dcf_ack_check verdict with the ack it filled (`ack` is
 * read for DCF_ACK_VALID only). Pure: no I/O, no state. */
enum dcf_ack_meaning dcf_ack_meaning(enum dcf_ack_verdict verdict, const struct mayday_ack *ack);

#endif

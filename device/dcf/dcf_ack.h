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

#endif

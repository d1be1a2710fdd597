/* Deciding whether a received message is the acknowledgement we wait for. */
#ifndef MAYDAY_DCF_ACK_H
#define MAYDAY_DCF_ACK_H

#include <stddef.h>
#include <stdint.h>
#include <openssl/evp.h>

#include "mayday/indication.h"

/* MAYDAY_OK if `msg` is an acknowledgement signed by the H(e)MS key (the RoT
 * anchor `hems_pub`) that echoes `device_id` and `counter`; *ack is then
 * filled. MAYDAY_E_MISMATCH if it is validly signed but for another device
 * or counter (e.g. a late ack of an earlier message); otherwise the decode or
 * signature error, with *diag for decode errors. */
MAYDAY_NODISCARD enum mayday_err dcf_ack_check(const uint8_t *msg, size_t len, EVP_PKEY *hems_pub,
					       const char *device_id, uint64_t counter,
					       struct mayday_ack *ack, struct mayday_diag *diag);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Admission control's signed answer (docs/protocol.md §7.1, "Busy"): when
 * the pipeline has no free slot for an indication, the listener answers at
 * once with a RETRY_AFTER acknowledgement signed by the H(e)MS key and
 * echoing the device and counter, so a device can authenticate the "come
 * back later" -- instead of a bare 503 anyone on the path could forge.
 *
 * Cost: one decode of the indication (no signature check: nothing is
 * stored or believed, the answer only echoes) and one ES256 signature,
 * some tens of microseconds, on the listener's own thread. To keep an
 * overload from turning into a signing storm, at most per_s answers are
 * signed per second; beyond that the caller answers unsigned.
 *
 * One per listener thread: the signer is not shared. Holds its own
 * mayday_signer over the borrowed H(e)MS key.
 */
#ifndef MAYDAY_SRV_BUSY_H
#define MAYDAY_SRV_BUSY_H

#include <stddef.h>
#include <stdint.h>
#include <openssl/evp.h>

#include "mayday/cose.h"
#include "mayday/error.h"

#define SRV_BUSY_PER_S 200u  /* signed answers per second and listener, at most */

struct srv_busy {
	struct mayday_signer signer;
	int on;
	uint32_t retry_after_s;
	uint32_t per_s;
	int64_t second;          /* the second `used` counts in */
	uint32_t used;
	uint64_t signed_total, unsigned_total;
};

/* key NULL: off (every answer unsigned). */
MAYDAY_NODISCARD enum mayday_err srv_busy_init(struct srv_busy *b, EVP_PKEY *key,
					       uint32_t retry_after_s, uint32_t per_s);
void srv_busy_fini(struct srv_busy *b);   /* NULL-safe */

/* The signed answer to the indication msg[len] into out[cap] (cap at least
 * MAYDAY_ACK_MAX). Any error means "answer unsigned": off, over the rate,
 * or not an indication (counted in unsigned_total). */
MAYDAY_NODISCARD enum mayday_err srv_busy_answer(struct srv_busy *b, const uint8_t *msg,
						 size_t len, int64_t now, uint8_t *out,
						 size_t cap, size_t *out_len);

#endif

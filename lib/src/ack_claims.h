/* SPDX-License-Identifier: Apache-2.0 */
/* The acknowledgement's claims decoder, shared by the single signed form
 * (ack.c) and the batch form (ack_batch.c). Private to libmayday. */
#ifndef MAYDAY_ACK_CLAIMS_H
#define MAYDAY_ACK_CLAIMS_H

#include "mayday/indication.h"

/* As mayday_ack_decode_claims; `base` is the offset of in[0] within the
 * whole message, for the diag. */
MAYDAY_NODISCARD enum mayday_err ack_claims_decode(const uint8_t *in, size_t in_len, size_t base,
						   struct mayday_ack *ack,
						   struct mayday_diag *diag);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/* COSE_Sign1 helpers shared by the signed messages. Private to libmayday. */
#ifndef MAYDAY_COSE_SIGN1_H
#define MAYDAY_COSE_SIGN1_H

#include "mayday/cose.h"

/* Decode a COSE_Sign1 of at most max_len bytes and verify it with `pub`.
 * `msg` points into `in`. A bad signature is reported in diag at the
 * signature's offset. */
MAYDAY_NODISCARD enum mayday_err
cose_sign1_open_verified(const uint8_t *in, size_t in_len, size_t max_len, EVP_PKEY *pub,
			 struct mayday_cose_sign1 *msg, struct mayday_diag *diag);

#endif

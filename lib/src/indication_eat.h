/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The claims map of message version 2: an EAT (RFC 9711) claims set in the
 * mayday profile (docs/protocol.md §6.2). Private to libmayday; indication.c
 * chooses between this and the version 1 map.
 */
#ifndef MAYDAY_INDICATION_EAT_H
#define MAYDAY_INDICATION_EAT_H

#include "cbor_det.h"
#include "mayday/indication.h"

/* The ack_forms claim (docs/protocol.md §6, §7.2), the same key in both
 * message versions: -65541, the first private-use key after version 2's,
 * as n for the integer -1 - n. A negative key, so an H(e)MS that predates
 * it skips it (§4) and answers with the single signed acknowledgement.
 * Present only when non-zero: the claim has one encoding. */
#define IND_ACK_FORMS_N 65540
/* Reads its value: a non-zero uint32 (0 is MAYDAY_E_MALFORMED). Bits this
 * version does not know are kept; receivers ignore them. */
MAYDAY_NODISCARD enum mayday_err indication_ack_forms_get(struct cbor_det_reader *r,
							  uint32_t *forms);

/* Writes the whole map. The caller has checked the device ID and the DCF
 * version; the evidence is checked here (MAYDAY_E_INVALID). */
MAYDAY_NODISCARD enum mayday_err indication_eat_put(struct cbor_det_writer *w,
						    const struct mayday_indication *ind);
/* Reads one version 2 claims map into `ind` (the caller zeroed it). */
MAYDAY_NODISCARD enum mayday_err indication_eat_get(struct cbor_det_reader *r,
						    struct mayday_indication *ind);

#endif

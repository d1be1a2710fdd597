/* SPDX-License-Identifier: Apache-2.0 */
/* COSE protected-header parsing shared by the COSE_Sign1 and COSE_Encrypt0 layers. Private. */
#ifndef MAYDAY_COSE_HDR_H
#define MAYDAY_COSE_HDR_H

#include <stddef.h>
#include <stdint.h>

#include "cbor_det.h"
#include "mayday/error.h"

#define COSE_HDR_ALG  1
#define COSE_HDR_CRIT 2

/* The one algorithm a profile accepts, as its CBOR integer item. */
struct cose_hdr_alg {
	enum cbor_det_kind kind;  /* CBOR_DET_UINT or CBOR_DET_NINT */
	uint64_t val;             /* for NINT: the integer is -1 - val */
	const char *wrong;        /* diagnostic when another algorithm is named */
};

/* Reads the next header label of a map: in deterministic order after the
 * previous one (*prev and *prev_len track it; start them at NULL and 0), and never
 * crit (MAYDAY_E_CRITICAL). */
MAYDAY_NODISCARD enum mayday_err cose_hdr_next_label(struct cbor_det_reader *r,
						     const uint8_t **prev, size_t *prev_len,
						     struct cbor_det_item *key);

/* The serialized protected header `p` must be exactly {1: alg}: deterministic,
 * no crit (MAYDAY_E_CRITICAL), no other label, nothing after it. `base` is
 * p[0]'s offset in the whole message, for diag. */
MAYDAY_NODISCARD enum mayday_err cose_hdr_parse_protected(const uint8_t *p, size_t len,
							  size_t base, struct mayday_diag *diag,
							  const struct cose_hdr_alg *alg);

#endif

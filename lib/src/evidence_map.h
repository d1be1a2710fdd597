/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The evidence map, shared by the standalone evidence (TrE -> DCF) and the
 * indication, which carries the same map under its evidence key. Private to
 * libmayday.
 */
#ifndef MAYDAY_EVIDENCE_MAP_H
#define MAYDAY_EVIDENCE_MAP_H

#include "cbor_det.h"
#include "mayday/evidence.h"

/* MAYDAY_E_INVALID if `ev` breaks a wire rule (the decoder would reject it). */
MAYDAY_NODISCARD enum mayday_err evidence_put_map(struct cbor_det_writer *w,
						  const struct mayday_evidence *ev);
/* Reads one evidence map into `ev` (fully overwritten on success). */
MAYDAY_NODISCARD enum mayday_err evidence_get_map(struct cbor_det_reader *r,
						  struct mayday_evidence *ev);

#endif

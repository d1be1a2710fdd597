/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The distress indication: gathering what it reports (evidence from the
 * TrE, free space) and building + signing it with the RoT's distress key.
 */
#ifndef MAYDAY_DCF_REPORT_H
#define MAYDAY_DCF_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "mayday/indication.h"

struct hal_flash;
struct dcf_config;

#define DCF_EVIDENCE_DEFAULT_NAME "evidence.cbor"

/* Evidence used when the TrE's handover is absent or unreadable: the DCF was
 * started, so secure start-up did not reach normal code; which component
 * failed is unknown. */
void dcf_report_default_evidence(struct mayday_evidence *ev);

/* Read and decode HAL_PART_RUN/name into *ev. On any failure *ev holds the
 * default evidence and the error (and for a decode error *diag) says why;
 * the caller logs it and still reports. */
MAYDAY_NODISCARD enum mayday_err dcf_report_load_evidence(struct hal_flash *flash,
							  const char *name,
							  struct mayday_evidence *ev,
							  struct mayday_diag *diag);

struct dcf_report_input {
	const char *device_id;            /* from the RoT */
	uint64_t counter;                 /* already advanced and durable in the RoT */
	uint64_t time;                    /* wall clock, seconds */
	uint32_t transport;               /* enum mayday_transport */
	uint64_t free_space;              /* cpe_info_free_space */
	const struct dcf_config *cfg;     /* dcf_version, max_image_size */
	const struct mayday_evidence *ev;
};

/* Fill *ind from `in`. MAYDAY_E_INVALID if a string does not fit. */
MAYDAY_NODISCARD enum mayday_err dcf_report_build(const struct dcf_report_input *in,
						  struct mayday_indication *ind);

/* Sign *ind into out (caller's buffer, MAYDAY_INDICATION_MAX is enough). */
MAYDAY_NODISCARD enum mayday_err dcf_report_sign(const struct mayday_indication *ind,
						 const struct mayday_signer *signer,
						 uint8_t *out, size_t cap, size_t *len);

#endif

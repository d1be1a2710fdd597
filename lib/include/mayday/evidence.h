/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Evidence: what the TrE (mayday-boot) found, handed to the DCF.
 *
 * Plain structs with fixed-size storage, so decoders of hostile bytes never
 * allocate and callers own everything by value. Strings are NUL-terminated
 * in memory and never contain NUL on the wire.
 */
#ifndef MAYDAY_EVIDENCE_H
#define MAYDAY_EVIDENCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mayday/error.h"
#include "mayday/limits.h"

/* Why secure start-up did not start normal code. Values are on the wire. */
enum mayday_reason {
	MAYDAY_REASON_COMPONENT_MISMATCH = 1, /* a designated component's digest differs from its TRV */
	MAYDAY_REASON_COMPONENT_MISSING  = 2, /* a designated component is absent or unreadable */
	MAYDAY_REASON_MANIFEST_INVALID   = 3, /* TRV manifest missing, malformed or badly signed */
	MAYDAY_REASON_ROLLBACK           = 4, /* manifest anti-rollback counter below the RoT's */
	MAYDAY_REASON_NO_BOOTABLE_SLOT   = 5, /* no slot verified (e.g. pending slot failed, old one too) */
	MAYDAY_REASON_NORMAL_START_FAILED = 6, /* verified, but the entry program could not be started */
	MAYDAY_REASON_ATTACH_FAILED      = 7  /* verified and started, but normal code could not attach
					       * to its network (struct mayday_attach_evidence says how) */
};

/* What failed when normal code could not attach (reason ATTACH_FAILED).
 * Values are on the wire; receivers record other values as "unknown". */
enum mayday_attach_stage {
	MAYDAY_ATTACH_SEGW_UNREACHABLE = 1, /* no SeGW answered within the tries/time configured */
	MAYDAY_ATTACH_AUTH_REFUSED     = 2, /* a SeGW answered and refused the device's credentials */
	MAYDAY_ATTACH_CRASH_LOOP       = 3  /* normal code kept starting and never reported attached */
};

#define MAYDAY_ATTACH_ERROR_MAX 32 /* last_error text, bytes */

/* The attach detail: present exactly when the reason is ATTACH_FAILED. */
struct mayday_attach_evidence {
	uint32_t stage;                          /* enum mayday_attach_stage */
	uint32_t tries;                          /* attach tries (crash loop: start-ups) that failed */
	uint32_t episodes;                       /* DCF runs for attach failures since normal code
						  * last attached, this one included (>= 1) */
	char last_error[MAYDAY_ATTACH_ERROR_MAX + 1]; /* e.g. "connection refused"; may be "" */
};

/* Per failed component flags (bit mask on the wire). */
#define MAYDAY_COMP_MISSING        0x1u  /* component file absent/unreadable */
#define MAYDAY_COMP_SIZE_MISMATCH  0x2u  /* measured size != TRV size */
#define MAYDAY_COMP_DIGEST_MISMATCH 0x4u /* measured digest != TRV digest */

struct mayday_component_evidence {
	char name[MAYDAY_NAME_MAX + 1];
	uint32_t flags;                         /* MAYDAY_COMP_* */
	uint64_t expected_size;
	uint64_t measured_size;
	uint8_t expected[MAYDAY_DIGEST_LEN];    /* the TRV */
	uint8_t measured[MAYDAY_DIGEST_LEN];    /* all-zero when MISSING */
};

struct mayday_evidence {
	uint32_t reason;                        /* enum mayday_reason */
	char image_version[MAYDAY_VERSION_STR_MAX + 1]; /* "" if no manifest could be read */
	uint64_t manifest_rollback;             /* manifest's anti-rollback counter, 0 if unknown */
	uint8_t slot;                           /* 0 = A, 1 = B */
	uint32_t boot_attempts;                 /* attempts of the current slot/pending image */
	uint32_t n_failed;
	struct mayday_component_evidence failed[MAYDAY_MAX_COMPONENTS];
	struct mayday_attach_evidence attach;   /* reason ATTACH_FAILED only; all zero otherwise */
};

/* Deterministic CBOR (not signed: it never leaves the device). */
MAYDAY_NODISCARD enum mayday_err
mayday_evidence_encode(const struct mayday_evidence *ev, uint8_t *out, size_t out_cap,
		       size_t *out_len);
MAYDAY_NODISCARD enum mayday_err
mayday_evidence_decode(const uint8_t *in, size_t in_len, struct mayday_evidence *ev,
		       struct mayday_diag *diag);

const char *mayday_reason_name(uint32_t reason); /* static; "unknown" for unknown values */
/* "segw-unreachable", "auth-refused", "crash-loop"; "unknown" otherwise. Static. */
const char *mayday_attach_stage_name(uint32_t stage);

#endif

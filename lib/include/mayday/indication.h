/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The distress indication (device -> H(e)MS) and its acknowledgement
 * (H(e)MS -> device): CBOR claims maps inside COSE_Sign1.
 *
 * Wire format, claim keys and test vectors: docs/protocol.md.
 * Claims maps use integer keys encoded deterministically (RFC 8949 §4.2.1).
 * Unknown keys >= 0 are critical (rejected with MAYDAY_E_CRITICAL); unknown
 * negative keys are extensions and are skipped.
 */
#ifndef MAYDAY_INDICATION_H
#define MAYDAY_INDICATION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <openssl/evp.h>

#include "mayday/cose.h"
#include "mayday/evidence.h"

/* How the indication travelled. Values are on the wire. */
enum mayday_transport {
	MAYDAY_TRANSPORT_PLAIN_UDP  = 1,
	MAYDAY_TRANSPORT_PLAIN_HTTP = 2,
	MAYDAY_TRANSPORT_TLS        = 3,
	MAYDAY_TRANSPORT_IPSEC      = 4,
	MAYDAY_TRANSPORT_PSK        = 5
};

/* Which claims map a signed indication carries (docs/protocol.md §6 and
 * §6.2). Both are accepted by every decoder; an encoder writes the one the
 * struct names. Zero is version 1, so a zeroed struct keeps today's wire. */
enum mayday_claims {
	MAYDAY_CLAIMS_MAYDAY1 = 0, /* message version 1: mayday's own claim keys (§6) */
	MAYDAY_CLAIMS_EAT     = 1  /* message version 2: EAT claims (RFC 9711), §6.2 */
};

/* The EAT profile (claim eat_profile, 265) of message version 2, and the
 * CoAP Content-Format (experimental range) under which its measurements
 * claim carries the evidence map. On the wire: changing one is a protocol
 * change. */
#define MAYDAY_EAT_PROFILE "tag:mayday,2026:eat/2"
#define MAYDAY_EAT_EVIDENCE_CF 65000

struct mayday_indication {
	char device_id[MAYDAY_DEVICE_ID_MAX + 1];   /* from RoT secure storage */
	uint64_t counter;                           /* RoT message counter, persisted before use */
	uint64_t time;                              /* device clock, seconds since the epoch */
	char dcf_version[MAYDAY_VERSION_STR_MAX + 1];
	uint32_t transport;                         /* enum mayday_transport */
	uint64_t free_space;                        /* bytes available for a new image */
	uint64_t max_image_size;                    /* bytes */
	struct mayday_evidence evidence;            /* reason, versions, slot, failed components */
	uint32_t claims;                            /* enum mayday_claims: set by decoders,
						     * read by encoders */
	uint32_t ack_forms;                         /* claim ack_forms (§6, key -65541): the
						     * ack forms the device takes besides the
						     * single signed one, MAYDAY_ACK_FORM_*
						     * bits (mayday/ack_batch.h); 0 = none,
						     * the claim left out */
};

/* The message version of `claims`: 1 (MAYDAY1), 2 (EAT), 0 for a value that
 * is neither. And its name as dcf.conf spells it: "mayday1", "eat" (static;
 * "unknown" otherwise). */
unsigned mayday_claims_version(uint32_t claims);
const char *mayday_claims_name(uint32_t claims);

/* The one device-ID alphabet (docs/protocol.md §1): 1..MAYDAY_DEVICE_ID_MAX
 * bytes, each printable ASCII other than space (0x21..0x7e). It is what a
 * certificate's CN, an IKE identity, the kid, the store and the RoT all
 * carry; encoders refuse and decoders reject (MAYDAY_E_MALFORMED) anything
 * else. `id` need not be NUL-terminated within `len`. */
bool mayday_device_id_ok(const char *id, size_t len);

/* Encode the claims and sign them. kid = device ID bytes. */
MAYDAY_NODISCARD enum mayday_err
mayday_indication_sign(const struct mayday_indication *ind, const struct mayday_signer *signer,
		       uint8_t *out, size_t out_cap, size_t *out_len);

/* Claims only (the COSE payload), for callers that already decoded the COSE
 * layer. Encoding writes the claims map `ind->claims` names (MAYDAY_E_INVALID
 * for another value); decoding takes either version — a map whose first key
 * is 0 is version 1, any other map is read as version 2 — and sets
 * `ind->claims` to the one it found. */
MAYDAY_NODISCARD enum mayday_err
mayday_indication_encode_claims(const struct mayday_indication *ind, uint8_t *out,
				size_t out_cap, size_t *out_len);
MAYDAY_NODISCARD enum mayday_err
mayday_indication_decode_claims(const uint8_t *in, size_t in_len,
				struct mayday_indication *ind, struct mayday_diag *diag);

/* Decode a signed indication without verifying it: the server needs the
 * device ID (kid) to find the key. `msg` points into `in`. The kid must equal
 * the claims' device ID, else MAYDAY_E_MALFORMED. */
MAYDAY_NODISCARD enum mayday_err
mayday_indication_open(const uint8_t *in, size_t in_len, struct mayday_cose_sign1 *msg,
		       struct mayday_indication *ind, struct mayday_diag *diag);

/* What the device should do next: the H(e)MS's decision. Values are on the
 * wire (docs/protocol.md §7); 3 and 4 were added in the same version 1 (a
 * decoder that predates them rejects them as unsupported, so an older
 * device keeps retrying the counter, never takes them for "acknowledged"). */
enum mayday_action {
	MAYDAY_ACTION_NONE        = 0, /* recorded; keep re-announcing at the configured low rate */
	MAYDAY_ACTION_RETRY_AFTER = 1, /* server busy: retry no sooner than retry_after seconds */
	MAYDAY_ACTION_REMEDIATE   = 2, /* open a CWMP session to acs_url */
	MAYDAY_ACTION_WAIT        = 3, /* recorded, no remediation yet (pending approval...):
					* re-announce (new counter) after retry_after seconds */
	MAYDAY_ACTION_STAND_DOWN  = 4  /* recorded; the network takes it from here: stop
					* announcing until the next boot */
};
#define MAYDAY_ACTION_MAX MAYDAY_ACTION_STAND_DOWN

/* Acknowledgement status. Values are on the wire. */
enum mayday_ack_status {
	MAYDAY_ACK_STORED            = 0, /* committed, signature verified against enrolled key */
	MAYDAY_ACK_STORED_UNVERIFIED = 1, /* committed, but the sender could not be authenticated */
	MAYDAY_ACK_REJECTED          = 2  /* not stored (e.g. replay conflict); do not retry this counter */
};

struct mayday_ack {
	char device_id[MAYDAY_DEVICE_ID_MAX + 1]; /* echoed */
	uint64_t counter;                         /* echoed */
	uint64_t incident_id;                     /* server's incident for this device */
	uint32_t status;                          /* enum mayday_ack_status */
	uint32_t action;                          /* enum mayday_action */
	uint32_t retry_after;                     /* seconds; meaningful with RETRY_AFTER */
	char acs_url[MAYDAY_URL_MAX + 1];         /* "" unless REMEDIATE */
};

MAYDAY_NODISCARD enum mayday_err
mayday_ack_sign(const struct mayday_ack *ack, const struct mayday_signer *signer,
		uint8_t *out, size_t out_cap, size_t *out_len);
MAYDAY_NODISCARD enum mayday_err
mayday_ack_encode_claims(const struct mayday_ack *ack, uint8_t *out, size_t out_cap,
			 size_t *out_len);
MAYDAY_NODISCARD enum mayday_err
mayday_ack_decode_claims(const uint8_t *in, size_t in_len, struct mayday_ack *ack,
			 struct mayday_diag *diag);

/* Decode and verify a signed acknowledgement with the H(e)MS public key. */
MAYDAY_NODISCARD enum mayday_err
mayday_ack_verify(const uint8_t *in, size_t in_len, EVP_PKEY *hems_pub,
		  struct mayday_ack *ack, struct mayday_diag *diag);

const char *mayday_transport_name(uint32_t transport); /* static */

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The CPE side of a CWMP session (TR-069 subset, docs/cwmp.md), independent
 * of the HTTP transport: the session hands each envelope it sends to a
 * `post` function and gets the ACS's answer back, so the same state machine
 * runs over mayday_net (cpe_http.c) on the device and over a scripted
 * exchange in tests.
 *
 * One session:
 *   Inform (DeviceId: Manufacturer "mayday", OUI CPE_OUI, ProductClass,
 *   SerialNumber = device ID; the caller's events; MaxEnvelopes 1;
 *   CurrentTime; RetryCount 0; Device.DeviceInfo.SoftwareVersion)
 *     -> InformResponse
 *   [TransferComplete -> TransferCompleteResponse]     when tc is given
 *   empty POST, then answer each ACS request until the ACS answers with an
 *   empty body (HTTP 204 or an empty 200):
 *     GetParameterValues -> GetParameterValuesResponse, or Fault 9005 if a
 *                           name is unknown
 *     Download           -> DownloadResponse Status 1 (remembered in the
 *                           outcome; FileType other than firmware: 9003;
 *                           a second Download in one session: 9004;
 *                           refused with 9001 when the caller says so)
 *     Reboot             -> RebootResponse (remembered), or Fault 9001
 *                           when the caller will not reboot on request
 *     anything else      -> Fault 9000
 *   An ACS Fault, an unexpected answer to Inform/TransferComplete, or an
 *   envelope that does not parse (answered with Fault 9003 first, as far as
 *   the transport still allows) ends the session with an error.
 */
#ifndef MAYDAY_CPE_SESSION_H
#define MAYDAY_CPE_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cwmp.h"
#include "mayday/error.h"

#define CPE_OUI          "A1B2C3"
#define CPE_MANUFACTURER "mayday"
#define CPE_ROUNDS_MAX   64u   /* ACS requests answered per session */

#define CPE_P_SOFTWARE_VERSION "Device.DeviceInfo.SoftwareVersion"
#define CPE_P_FREE_SPACE       "Device.DeviceInfo.X_A1B2C3_FreeSpace"
#define CPE_P_MAX_IMAGE_SIZE   "Device.DeviceInfo.X_A1B2C3_MaxImageSize"
#define CPE_P_DCF_VERSION      "Device.DeviceInfo.X_A1B2C3_DCFVersion"

/* One HTTP exchange: POST body[0..len) (len 0: the empty POST) and return the
 * answer's body in reply[0..cap), *reply_len 0 for 204 / an empty 200. Any
 * error ends the session (returned as is). */
typedef enum mayday_err (*cpe_post_fn)(void *ctx, const char *body, size_t len, char *reply,
				       size_t cap, size_t *reply_len);

/* What the device tells the ACS about itself; strings borrowed. */
struct cpe_info {
	const char *product_class;
	const char *serial_number;      /* the device ID */
	const char *software_version;   /* the image version (evidence / slot manifest) */
	const char *dcf_version;
	uint64_t free_space;
	uint64_t max_image_size;
};

struct cpe_session_params {
	const struct cpe_info *info;
	const char *const *events;      /* event codes of the Inform */
	unsigned n_events;
	const char *event_command_key;  /* CommandKey of "M Download" (NULL: "") */
	const struct cwmp_transfer_complete *tc; /* NULL: no TransferComplete */
	/* Answer every Download with Fault 9001 (request denied): a session
	 * that does not follow an authenticated distress acknowledgement asking
	 * for remediation must not take an image from whoever answers. */
	bool refuse_download;
	/* Answer Reboot with Fault 9001: a caller that will not restart on
	 * request (and report "M Reboot" after it) must not promise to. */
	bool refuse_reboot;
	int64_t now;                    /* CurrentTime of the Inform */
	cpe_post_fn post;
	void *post_ctx;
};

struct cpe_outcome {
	bool download;                  /* a Download was accepted (Status 1) */
	struct cwmp_download dl;        /* valid when download */
	bool reboot;                    /* a Reboot was accepted */
	bool tc_acked;                  /* the ACS answered our TransferComplete */
	uint32_t requests;              /* ACS requests answered */
	uint32_t faults_sent;           /* of those, answered with a CWMP Fault */
	uint32_t acs_fault;             /* code of a Fault from the ACS (0: none) */
};

/* Runs one session. MAYDAY_OK when the ACS ended it cleanly; *out says what
 * was accepted (caller's storage, always filled). Errors: the transport's,
 * MAYDAY_E_MALFORMED (the ACS sent what does not parse or not what the
 * session expects, or a Fault), MAYDAY_E_INVALID (the caller's
 * info would not make a valid Inform), MAYDAY_E_TOOBIG (more than
 * CPE_ROUNDS_MAX requests), MAYDAY_E_NOMEM. Logs nothing. */
MAYDAY_NODISCARD enum mayday_err cpe_session_run(const struct cpe_session_params *p,
						 struct cpe_outcome *out,
						 struct mayday_diag *diag);

#endif

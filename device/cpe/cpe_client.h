/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The device's CWMP client as its programs use it: one session per call,
 * each over a fresh mutual-TLS connection (cpe_http) to the ACS URL, with
 * the device described by `info` and the credentials the caller built
 * (the DCF: its own, from the DCF partition and the RoT's TLS key). The
 * DCF runs its remediation through it (device/dcf/dcf_remediate.c) and
 * normal code its recovery report (device/normal/normal_report.c).
 */
#ifndef MAYDAY_CPE_CLIENT_H
#define MAYDAY_CPE_CLIENT_H

#include <stdbool.h>
#include <stdint.h>

#include "cpe_session.h"
#include "cwmp.h"
#include "cpe_target.h"
#include "hal/flash.h"
#include "net_tls.h"

/* A session is Inform, TransferComplete, the empty POST and two or three
 * answers: a whole session may take this many request timeouts, however
 * many requests the ACS makes (at most CPE_ROUNDS_MAX). */
#define CPE_CLIENT_SESSION_REQUESTS 8u

/* Borrowed, all of it. */
struct cpe_client {
	struct hal_flash *flash;     /* the remediation record */
	const struct net_tls *tls;   /* mutual-TLS credentials (CA, certificate, key, pin) */
	struct cpe_server server;    /* the ACS's name and address (cpe_target.h) */
	uint32_t timeout_ms;         /* per CWMP request; a session gets CPE_CLIENT_SESSION_REQUESTS
				      * times that in all */
	struct cpe_info info;
};

/* What one session says. */
struct cpe_client_session {
	const char *url;                          /* the ACS, https:// */
	const char *const *events;
	unsigned n_events;
	const char *command_key;                  /* of "M Download"; NULL: none */
	const struct cwmp_transfer_complete *tc;  /* NULL: none */
	bool refuse_download;
	bool refuse_reboot;
};

/* Runs the session; *out as cpe_session_run fills it. Failures are logged
 * once (here or by the transport) and returned. */
MAYDAY_NODISCARD enum mayday_err cpe_client_run(const struct cpe_client *c,
						const struct cpe_client_session *q,
						struct cpe_outcome *out);

/* Reports `tc` to `url` in a session of its own -- Inform events
 * ["1 BOOT",] "7 TRANSFER COMPLETE", "M Download" with tc's CommandKey,
 * then TransferComplete, Downloads and Reboots refused -- and, once the ACS
 * has answered the TransferComplete (even if the session fails after
 * that), removes the remediation record (cpe_record.h), so the command is
 * reported exactly until an ACS took the report. MAYDAY_OK iff the ACS took
 * it. Failures are logged once; a caller may ignore them, since the record
 * staying IS the retry (the next start-up reports again). */
enum mayday_err cpe_client_report(const struct cpe_client *c, const char *url,
				  const struct cwmp_transfer_complete *tc, bool boot);

#endif

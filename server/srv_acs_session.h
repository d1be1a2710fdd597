/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The ACS side of a CWMP session (issue 4, docs/cwmp.md, docs/operations.md
 * "Remediation"), independent of HTTP: srv_acs_post takes one POST body of
 * an authenticated device and returns what to answer. It is the contract
 * device/cpe/cpe_session.c follows:
 *
 *   Inform -> InformResponse (a new session; its id goes in the
 *             MAYDAYSESSION cookie). Every such Inform ("2 PERIODIC" of
 *             healthy normal code included) is the device's contact
 *             (store_seen): last seen, and back from unreachable to the
 *             state it left, before anything else. "1 BOOT" with "M Reboot" whose
 *             CommandKey names an "installed" attempt of this device is
 *             the recovery after our Reboot (store_remed_recovered); any
 *             other "M Reboot" key is logged and changes nothing.
 *   [TransferComplete -> TransferCompleteResponse: fault 0 after "1 BOOT"
 *             is the recovery (store_remed_installed + _recovered), fault 0
 *             without it "installed", any other fault a failed attempt]
 *   empty POST -> 204, unless
 *     the device's open incident has an "installed" attempt (a CPE that
 *             reports before it reboots): Reboot (cwmp:ID "acs-reboot",
 *             the attempt's CommandKey) -> RebootResponse -> 204, once per
 *             session and again in every session until the device is back
 *             with "1 BOOT" + "M Reboot", unless it refused the Reboot; or
 *     the incident is remediation_scheduled, has a golden bundle, its
 *             product class is not paused (srv_acs_policy_paused), and fewer
 *             than max_in_flight downloads are in progress (pushed within
 *             download_window_s):
 *     GetParameterValues (<root>DeviceInfo.SoftwareVersion under the
 *             Inform's data-model root, and the vendor free space, max
 *             image size and DCF version of a CPE with our OUI:
 *             srv_acs_model.h) -> GetParameterValuesResponse; a bundle
 *             larger than min(free, max), when both are announced, is a
 *             failed attempt (9004) and 204
 *     Download (CommandKey from store_remed_begin, firmware FileType,
 *             URL <base>/bundles/<token>, FileSize) -> DownloadResponse -> 204,
 *             unless store_remed_begin found the max_in_flight slots taken
 *             meanwhile (counted again as it records the attempt, across
 *             sessions and maydayd nodes): 204, the device stays scheduled
 *   [GetRPCMethods -> GetRPCMethodsResponse (Inform, GetRPCMethods,
 *             TransferComplete), whenever the CPE asks in its turn]
 *   Our requests go in the namespace of the session's Inform; answers echo
 *   the request's. A CPE Fault to GetParameterValues or Download is a
 *   failed attempt (store_remed_fail with the CPE's code and string); to
 *   the Reboot, the attempt stays installed, marked refused
 *   (store_acs_reboot_refused), and is not asked again: the CPE's own
 *   "1 BOOT" + TransferComplete recovers it, distress again fails it. The
 *   session ends with 204 either way. Every decision is appended to the
 *   device's history (store_acs_note). Every failed attempt is
 *   followed by the pause check of the device's class, so the pause is
 *   recorded and logged when the failure that completes it is reported.
 *   An envelope that does not parse:
 *   Fault 8003 (8006 for an unknown namespace), and the session ends; a
 *   method we do not implement: Fault 8000.
 *
 * Every Inform's ConnectionRequestURL is kept (store_acs_connreq_url) for
 * srv_acs_connreq.
 *
 * Sessions: one per device identity (the client certificate's CN, or the
 * device an HTTP login proved: srv_acs_login.h; it must equal the Inform's
 * SerialNumber), at most `max` at once, each
 * forgotten after idle_s without a POST or when it ends. A POST whose
 * cookie names another session (or none while the body is not an Inform)
 * finds no session. Not thread-safe: one table per event loop.
 */
#ifndef MAYDAY_SRV_ACS_SESSION_H
#define MAYDAY_SRV_ACS_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "mayday/error.h"
#include "srv_acs_policy.h"
#include "store.h"

#define SRV_ACS_COOKIE       "MAYDAYSESSION"
#define SRV_ACS_SID_LEN      32u    /* hex characters of a session id */
#define SRV_ACS_TOKEN_LEN    32u    /* hex characters of a download token */
#define SRV_ACS_BUNDLES_PATH "/bundles/"
#define SRV_ACS_BASE_MAX     160u

struct srv_acs_table;

/* What a session acts with; everything borrowed. */
struct srv_acs_env {
	struct store *st;                 /* not inside an ingest batch */
	const struct srv_acs_policy *pol;
	const char *base;                 /* "https://HOST:PORT": bundle URLs */
	const char *auth;                 /* how the CPE authenticated, for the history;
	                                     NULL: its client certificate */
	int64_t now;
};

/* The answer to one POST. body is the caller's buffer of cap bytes (at
 * least CWMP_ENVELOPE_MAX). */
struct srv_acs_reply {
	int status;                       /* 200 (len bytes of text/xml) or 204 */
	char cookie[SRV_ACS_SID_LEN + 1]; /* set: send Set-Cookie with it */
	char *body;
	size_t cap, len;
};

/* Caller owns *out (srv_acs_table_free). */
MAYDAY_NODISCARD enum mayday_err srv_acs_table_new(struct srv_acs_table **out, unsigned max,
						   unsigned idle_s);
void srv_acs_table_free(struct srv_acs_table *t); /* NULL-safe */
/* Sessions alive at `now` (expired ones are dropped). */
unsigned srv_acs_table_count(struct srv_acs_table *t, int64_t now);

/* One POST of `identity` (the mTLS CN, or the device of the HTTP login). cookie: the request's Cookie
 * header or NULL. Fills *r on MAYDAY_OK; store errors are logged and end
 * the session with an ACS Fault 8002. MAYDAY_E_TOOBIG: the table is full
 * (answer 503); MAYDAY_E_INVALID: r->cap below CWMP_ENVELOPE_MAX. */
MAYDAY_NODISCARD enum mayday_err srv_acs_post(struct srv_acs_table *t,
					      const struct srv_acs_env *env,
					      const char *identity, const char *cookie,
					      const char *body, size_t len,
					      struct srv_acs_reply *r);

/* "https://HOST:PORT" of an ACS URL "https://HOST:PORT/cwmp" into
 * base[SRV_ACS_BASE_MAX + 1]; MAYDAY_E_INVALID otherwise. */
MAYDAY_NODISCARD enum mayday_err srv_acs_base(const char *acs_url,
					      char base[SRV_ACS_BASE_MAX + 1]);

#endif

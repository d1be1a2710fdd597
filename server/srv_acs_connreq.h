/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Connection Requests (TR-069 3.2.2; issue 12): a device whose incident is
 * remediation_scheduled and whose CPE announced a ConnectionRequestURL in
 * its Inform (<root>ManagementServer.ConnectionRequestURL) is asked to open
 * a session now rather than at its next periodic Inform: an HTTP GET to
 * that URL, answered 401 by the CPE and repeated with Digest (SHA-256 or
 * MD5, qop=auth) as SRV_ACS_CR_USERNAME with the device's Connection
 * Request password (srv_acs_auth_cr_password).
 *
 * The password is not stored: it is derived, HMAC-SHA-256 of the device ID
 * under a key derived from the KEK ([server] psk_kek), so maydayd and
 * `maydayctl cwmp-credentials --psk-kek` compute the same one and the
 * operator configures it on the CPE (ManagementServer.
 * ConnectionRequestUsername / ConnectionRequestPassword).
 *
 * Bounded and hostile-safe: only http://<IPv4 literal>:<port>/<path> URLs
 * (no DNS, no redirects followed), at most SRV_ACS_CR_BATCH devices every
 * SRV_ACS_CR_PERIOD_S seconds, each asked again no sooner than
 * SRV_ACS_CR_GAP_S, every request with a SRV_ACS_CR_TIMEOUT_S deadline.
 * Every outcome is an ACS decision in the device's history. Runs on the
 * ACS's event loop, with its store connection; not thread-safe.
 */
#ifndef MAYDAY_SRV_ACS_CONNREQ_H
#define MAYDAY_SRV_ACS_CONNREQ_H

#include <stdbool.h>
#include <stdint.h>
#include <event2/event.h>

#include "mayday/error.h"
#include "srv_acs_auth.h"
#include "store.h"

#define SRV_ACS_CR_PERIOD_S  2
#define SRV_ACS_CR_GAP_S     60
#define SRV_ACS_CR_BATCH     4u
#define SRV_ACS_CR_TIMEOUT_S 10

struct srv_acs_connreq;

/* Whether url is http://A.B.C.D:PORT/PATH; its parts if so (path[257]). */
bool srv_acs_connreq_url(const char *url, char host[16], uint16_t *port, char path[257]);

/* Starts the timer on evb. st and key are borrowed (key copied). Caller
 * owns *out (srv_acs_connreq_free, before st and evb go). */
MAYDAY_NODISCARD enum mayday_err srv_acs_connreq_new(struct srv_acs_connreq **out,
						     struct event_base *evb, struct store *st,
						     const uint8_t key[SRV_ACS_CR_KEY_LEN]);
void srv_acs_connreq_free(struct srv_acs_connreq *c); /* NULL-safe */

#endif

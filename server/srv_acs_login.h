/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Who a request to the ACS (POST /cwmp, GET /bundles/TOKEN) comes from
 * when its connection has no client certificate ([acs] http_auth = 1):
 * the device whose stored credentials (store_acs.h) its Authorization
 * header proves, by Digest (SHA-256 or MD5, realm STORE_ACS_REALM, a nonce
 * of ours still fresh, the request's own URI) or Basic (the listener is
 * TLS-only). Anything else gets a 401 with one challenge per algorithm.
 */
#ifndef MAYDAY_SRV_ACS_LOGIN_H
#define MAYDAY_SRV_ACS_LOGIN_H

#include <stdbool.h>
#include <stdint.h>

#include "mayday/limits.h"
#include "srv_acs_auth.h"
#include "store.h"

#define SRV_ACS_CHALLENGE_MAX 256u

enum srv_acs_login {
	SRV_ACS_LOGIN_OK = 0,
	SRV_ACS_LOGIN_CHALLENGE,   /* no, or a wrong, Authorization: 401 */
	SRV_ACS_LOGIN_STALE,       /* right but for an expired nonce: 401, stale=true */
};

/* *how: "HTTP Digest SHA-256", "HTTP Digest MD5" or "HTTP Basic" (static). */
enum srv_acs_login srv_acs_login(struct store *st, const uint8_t key[SRV_ACS_NONCE_KEY_LEN],
				 int64_t now, const char *method, const char *uri,
				 const char *authorization,
				 char device[MAYDAY_DEVICE_ID_MAX + 1], const char **how);

/* The WWW-Authenticate value of a Digest challenge with alg into
 * out[SRV_ACS_CHALLENGE_MAX + 1]. */
void srv_acs_login_challenge(const uint8_t key[SRV_ACS_NONCE_KEY_LEN], int64_t now,
			     enum srv_acs_digest_alg alg, bool stale,
			     char out[SRV_ACS_CHALLENGE_MAX + 1]);

#endif

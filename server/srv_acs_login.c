/* SPDX-License-Identifier: Apache-2.0 */
/* HTTP authentication of a CPE against its stored HA1s (srv_acs_login.h). */
#include <stdio.h>
#include <string.h>
#include <openssl/crypto.h>

#include "log.h"
#include "srv_acs_login.h"
#include "store_acs.h"

static struct log_limit lim_auth;

enum srv_acs_login srv_acs_login(struct store *st, const uint8_t key[SRV_ACS_NONCE_KEY_LEN],
				 int64_t now, const char *method, const char *uri,
				 const char *authorization,
				 char device[MAYDAY_DEVICE_ID_MAX + 1], const char **how)
{
	struct srv_acs_authz a;
	struct store_acs_cred c;
	enum srv_acs_login rc = SRV_ACS_LOGIN_CHALLENGE;
	int fresh = 1;
	bool ok = false;

	device[0] = '\0';
	*how = "";
	if (authorization == NULL)
		return SRV_ACS_LOGIN_CHALLENGE;
	enum mayday_err err = srv_acs_auth_parse(authorization, &a);
	if (err != MAYDAY_OK) {
		log_limited(&lim_auth, "cwmp: Authorization header refused: %s",
			    mayday_strerror(err));
		return SRV_ACS_LOGIN_CHALLENGE;
	}
	if (a.scheme == SRV_ACS_AUTH_DIGEST &&
	    (strcmp(a.realm, STORE_ACS_REALM) != 0 || strcmp(a.uri, uri) != 0 ||
	     (fresh = srv_acs_nonce_check(key, a.nonce, now)) < 0))
		goto out;   /* not our challenge, or for another resource */
	err = store_acs_cred_get(st, a.username, &c);
	if (err != MAYDAY_OK) {
		if (err != MAYDAY_E_NOTFOUND)
			log_limited(&lim_auth, "cwmp: reading credentials: %s", mayday_strerror(err));
		goto out;
	}
	if (a.scheme == SRV_ACS_AUTH_BASIC) {
		ok = srv_acs_basic_ok(&a, STORE_ACS_REALM, c.ha1_sha256);
		*how = "HTTP Basic";
	} else {
		ok = srv_acs_digest_ok(&a, method,
				       a.alg == SRV_ACS_SHA256 ? c.ha1_sha256 : c.ha1_md5);
		*how = a.alg == SRV_ACS_SHA256 ? "HTTP Digest SHA-256" : "HTTP Digest MD5";
	}
	if (ok && fresh == 0) {
		rc = SRV_ACS_LOGIN_STALE;
	} else if (ok) {
		snprintf(device, MAYDAY_DEVICE_ID_MAX + 1, "%s", c.device_id);
		rc = SRV_ACS_LOGIN_OK;
	} else {
		log_limited(&lim_auth, "cwmp: %s of user %.64s does not verify", *how, a.username);
	}
out:
	OPENSSL_cleanse(&a, sizeof(a));
	return rc;
}

void srv_acs_login_challenge(const uint8_t key[SRV_ACS_NONCE_KEY_LEN], int64_t now,
			     enum srv_acs_digest_alg alg, bool stale,
			     char out[SRV_ACS_CHALLENGE_MAX + 1])
{
	char nonce[80];
	srv_acs_nonce_make(key, now, nonce, sizeof(nonce));
	snprintf(out, SRV_ACS_CHALLENGE_MAX + 1,
		 "Digest realm=\"%s\", qop=\"auth\", algorithm=%s, nonce=\"%s\"%s", STORE_ACS_REALM,
		 alg == SRV_ACS_SHA256 ? "SHA-256" : "MD5", nonce, stale ? ", stale=true" : "");
}

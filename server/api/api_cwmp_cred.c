/* SPDX-License-Identifier: Apache-2.0 */
/*
 * PUT /v1/devices/{device}/cwmp-credentials (operator): the HTTP login of a
 * CPE without a client certificate at the ACS (issue 12, docs/cwmp.md).
 * Body {"username"?, "password"}: username defaults to the device ID; the
 * password (8..128 bytes, no control characters) is turned into the HA1s
 * the ACS checks (srv_acs_auth.h, the code maydayd's ACS uses) and never
 * stored or logged. With maydayd's KEK configured, the answer also gives
 * the Connection Request login the ACS uses towards this CPE (derived from
 * the KEK, never stored), for the operator to set on the CPE.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <openssl/crypto.h>

#include "api_write.h"
#include "mayday/kek.h"
#include "srv_acs_auth.h"
#include "store_acs.h"
#include "store_api.h"

#define PASSWORD_MIN 8u
#define PASSWORD_MAX 128u

enum mayday_err api_cwmp_cred_put(struct api_ctx *ctx, const struct api_request *rq,
				  const struct api_params *p, struct api_response *rs)
{
	static const char *const known[] = {"username", "password", NULL};
	struct store_acs_cred cred;
	char hex[SRV_ACS_HEX_MAX + 1], cr_pw[SRV_ACS_CR_PW_LEN + 1] = "";
	const char *user = NULL, *pw = NULL;
	const char *realm = ctx->cfg != NULL && ctx->cfg->acs_realm != NULL &&
			    ctx->cfg->acs_realm[0] ? ctx->cfg->acs_realm : STORE_ACS_REALM;
	json_t *body = NULL;
	enum mayday_err err = MAYDAY_OK;
	memset(&cred, 0, sizeof(cred));
	if (!api_write_body(rq, false, &body, rs, &err))
		return err;
	if (!api_write_known(body, known, rs, &err) ||
	    !api_write_str(body, "username", STORE_ACS_USERNAME_MAX, false, &user, rs, &err) ||
	    !api_write_str(body, "password", PASSWORD_MAX, true, &pw, rs, &err))
		goto out;
	if (strlen(pw) < PASSWORD_MIN) {
		err = api_error(rs, 400, API_E_BAD_REQUEST, "\"password\": %u..%u bytes",
				PASSWORD_MIN, PASSWORD_MAX);
		goto out;
	}
	for (const char *c = pw; *c; c++)
		if ((unsigned char)*c < ' ' || *c == 0x7f) {
			err = api_error(rs, 400, API_E_BAD_REQUEST,
					"\"password\": no control characters");
			goto out;
		}
	if (user == NULL)
		user = p->v[0];
	if (snprintf(cred.device_id, sizeof(cred.device_id), "%s", p->v[0]) >=
		    (int)sizeof(cred.device_id) ||
	    snprintf(cred.username, sizeof(cred.username), "%s", user) >=
		    (int)sizeof(cred.username)) {
		err = api_error(rs, 400, API_E_BAD_REQUEST, "device ID or username too long");
		goto out;
	}
	if (srv_acs_digest_ha1(SRV_ACS_MD5, cred.username, realm, pw, hex) != MAYDAY_OK)
		goto internal;
	memcpy(cred.ha1_md5, hex, STORE_ACS_HA1_MD5_HEX + 1);
	if (srv_acs_digest_ha1(SRV_ACS_SHA256, cred.username, realm, pw, hex) != MAYDAY_OK)
		goto internal;
	memcpy(cred.ha1_sha256, hex, STORE_ACS_HA1_SHA256_HEX + 1);
	cred.set_at = rq->now;
	err = store_acs_cred_set(ctx->st, &cred);
	if (err == MAYDAY_E_NOTFOUND) {
		err = api_error(rs, 404, API_E_NOT_FOUND, "no enrolled device '%s'", cred.device_id);
		goto out;
	}
	if (err == MAYDAY_E_MISMATCH || err == MAYDAY_E_INVALID) {
		err = api_error(rs, err == MAYDAY_E_MISMATCH ? 409 : 400,
				err == MAYDAY_E_MISMATCH ? API_E_CONFLICT : API_E_BAD_REQUEST,
				"username '%s' %s", cred.username, err == MAYDAY_E_MISMATCH
				? "belongs to another device"
				: "is not 1..64 printable characters without ':', '\"' or '\\'");
		goto out;
	}
	if (err == MAYDAY_OK)
		err = api_write_action(ctx, rq, "device.cwmp_credentials", cred.device_id,
				       cred.username);
	if (err != MAYDAY_OK) {
		err = api_store_error(rs, err, "storing credentials");
		goto out;
	}
	if (ctx->cfg != NULL && ctx->cfg->psk_kek != NULL && ctx->cfg->psk_kek[0]) {
		uint8_t kek[MAYDAY_KEK_LEN], key[SRV_ACS_CR_KEY_LEN];
		if (mayday_kek_load(ctx->cfg->psk_kek, kek) == MAYDAY_OK) {
			srv_acs_auth_cr_key(kek, sizeof(kek), key);
			srv_acs_auth_cr_password(key, cred.device_id, cr_pw);
		}
		OPENSSL_cleanse(kek, sizeof(kek));
		OPENSSL_cleanse(key, sizeof(key));
	}
	err = api_json(rs, 200, json_pack("{s:s,s:s,s:o}", "device_id", cred.device_id,
					  "username", cred.username, "connection_request",
					  cr_pw[0] ? json_pack("{s:s,s:s}", "username",
							       SRV_ACS_CR_USERNAME,
							       "password", cr_pw)
						   : json_null()));
	goto out;
internal:
	err = api_error(rs, 500, API_E_INTERNAL, "computing the HA1s");
out:
	if (pw != NULL)   /* the body's copy of the password: jansson's, wiped before it is freed */
		OPENSSL_cleanse((char *)(uintptr_t)pw, strlen(pw));
	OPENSSL_cleanse(hex, sizeof(hex));
	OPENSSL_cleanse(cr_pw, sizeof(cr_pw));
	json_decref(body);
	return err;
}

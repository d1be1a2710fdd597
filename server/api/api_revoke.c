/* SPDX-License-Identifier: Apache-2.0 */
/*
 * POST /v1/devices/{device}/revoke (operator): the device's distress key
 * is no longer trusted. Its indications are still recorded, as unverified,
 * and never open or join an incident (store_ingest.h). Revoking again
 * answers the same Device and records nothing. Only a new key (POST
 * /v1/devices with another public key) lifts a revocation.
 */
#include "api_write.h"
#include "store_api.h"

enum mayday_err api_revoke_post(struct api_ctx *ctx, const struct api_request *rq,
				const struct api_params *p, struct api_response *rs)
{
	static const char *const known[] = {"reason", NULL};
	const char *reason = NULL;
	json_t *body = NULL;
	bool already = false;
	enum mayday_err err = MAYDAY_OK;
	if (!api_write_body(rq, true, &body, rs, &err))
		return err;
	if (!api_write_known(body, known, rs, &err) ||
	    !api_write_str(body, "reason", STORE_ACTION_MAX, false, &reason, rs, &err))
		goto out;
	err = store_device_revoke(ctx->st, p->v[0], rq->who->name, reason, rq->now, &already);
	if (err == MAYDAY_E_NOTFOUND)
		err = api_error(rs, 404, API_E_NOT_FOUND, "no enrolled device '%s'", p->v[0]);
	else if (err != MAYDAY_OK)
		err = api_store_error(rs, err, "revoking");
	else
		err = api_write_device(ctx, p->v[0], 200, rs);
out:
	json_decref(body);
	return err;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * POST /v1/devices/{device}/approve (operator): the operator's approval of
 * the remediation of the device's open incident (with [acs] policy =
 * approve, nothing is pushed without it). Approving twice is one approval:
 * the second answer names the first approver and says "already": true
 * (approved_by "" for an approval recorded before the store knew who).
 * 409 when the device has no open incident, or is revoked.
 */
#include "api_json.h"
#include "api_write.h"
#include "store_api.h"

enum mayday_err api_approve_post(struct api_ctx *ctx, const struct api_request *rq,
				 const struct api_params *p, struct api_response *rs)
{
	static const char *const known[] = {NULL};
	char by[STORE_WHO_MAX + 1];
	int64_t incident = 0, at = 0;
	bool already = false;
	json_t *body = NULL;
	enum mayday_err err = MAYDAY_OK;
	if (!api_write_body(rq, true, &body, rs, &err))
		return err;
	if (!api_write_known(body, known, rs, &err))
		goto out;
	err = store_remed_approve_by(ctx->st, p->v[0], rq->who->name, rq->now, &incident,
				     &already);
	if (err == MAYDAY_E_NOTFOUND) {
		err = api_error(rs, 404, API_E_NOT_FOUND, "no enrolled device '%s'", p->v[0]);
		goto out;
	}
	if (err == MAYDAY_E_MISMATCH || err == MAYDAY_E_DENIED) {
		err = api_error(rs, 409, API_E_CONFLICT, "%s", err == MAYDAY_E_MISMATCH
				? "the device has no open incident to approve"
				: "the device is revoked: its incidents are not remediated");
		goto out;
	}
	if (err == MAYDAY_OK)
		err = store_remed_approval(ctx->st, incident, by, &at);
	if (err != MAYDAY_OK) {
		err = api_store_error(rs, err, "approving");
		goto out;
	}
	err = api_json(rs, 200, json_pack("{s:s,s:I,s:o,s:o,s:b}", "device_id", p->v[0],
					  "incident_id", (json_int_t)incident, "approved_by",
					  api_json_str(by), "approved_at",
					  api_json_time(at), "already", already));
out:
	json_decref(body);
	return err;
}

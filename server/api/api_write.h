/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private to mayday_api: what the write handlers share (api_write.c) and
 * the handlers api_routes_write.c names, one file per resource.
 *
 * Every write records the caller (rq->who->name) in operator_actions: in
 * the transaction of the change where the store call takes `by`
 * (store_api.h), else by api_write_action right after it. A write done
 * again changes and records nothing and answers as the first did (with
 * "already": true where the contract says so).
 */
#ifndef MAYDAY_API_WRITE_H
#define MAYDAY_API_WRITE_H

#include <jansson.h>
#include <stdbool.h>

#include "api.h"

/* The JSON object body of rq into *out (the caller's). An empty body is
 * {} when `empty_ok`. false with 400 (not an object, malformed), 413 (over
 * API_BODY_MAX) or 415 (no Content-Type, or one other than
 * application/json, even on an empty body: see api_write.c) in rs and
 * *err. */
bool api_write_body(const struct api_request *rq, bool empty_ok, json_t **out,
		    struct api_response *rs, enum mayday_err *err);
/* Member `name` of body as a string of 1..max bytes into *out (borrowed
 * from body), NULL when absent and optional. false with 400 otherwise. */
bool api_write_str(json_t *body, const char *name, size_t max, bool required, const char **out,
		   struct api_response *rs, enum mayday_err *err);
/* Refuses (400) a body with a member not in the NULL-terminated `known`:
 * a misspelt member is a mistake to report, not to ignore. */
bool api_write_known(json_t *body, const char *const *known, struct api_response *rs,
		     enum mayday_err *err);
/* Answers `status` with the Device object of device_id (404 if gone). */
enum mayday_err api_write_device(struct api_ctx *ctx, const char *device_id, int status,
				 struct api_response *rs);
/* store_operator_action(who, action, target, detail) at rq->now; the
 * caller answers a failure (api_store_error: 500). */
enum mayday_err api_write_action(struct api_ctx *ctx, const struct api_request *rq,
				 const char *action, const char *target, const char *detail);

/* The write handlers. */
enum mayday_err api_enrol_post(struct api_ctx *ctx, const struct api_request *rq,
			       const struct api_params *p, struct api_response *rs);
enum mayday_err api_revoke_post(struct api_ctx *ctx, const struct api_request *rq,
				const struct api_params *p, struct api_response *rs);
enum mayday_err api_approve_post(struct api_ctx *ctx, const struct api_request *rq,
				 const struct api_params *p, struct api_response *rs);
enum mayday_err api_cwmp_cred_put(struct api_ctx *ctx, const struct api_request *rq,
				  const struct api_params *p, struct api_response *rs);
enum mayday_err api_record_get(struct api_ctx *ctx, const struct api_request *rq,
			       const struct api_params *p, struct api_response *rs);
enum mayday_err api_class_pause_post(struct api_ctx *ctx, const struct api_request *rq,
				     const struct api_params *p, struct api_response *rs);
enum mayday_err api_class_resume_post(struct api_ctx *ctx, const struct api_request *rq,
				      const struct api_params *p, struct api_response *rs);
enum mayday_err api_bundle_put(struct api_ctx *ctx, const struct api_request *rq,
			       const struct api_params *p, struct api_response *rs);
enum mayday_err api_tokens_list(struct api_ctx *ctx, const struct api_request *rq,
				const struct api_params *p, struct api_response *rs);
enum mayday_err api_tokens_post(struct api_ctx *ctx, const struct api_request *rq,
				const struct api_params *p, struct api_response *rs);
enum mayday_err api_tokens_delete(struct api_ctx *ctx, const struct api_request *rq,
				  const struct api_params *p, struct api_response *rs);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * POST /v1/classes/{class}/pause and /resume (operator): an operator's
 * pause of a product class's remediation, and its end. A pause holds until
 * a resume, whatever the automatic rule says (store_remed.h); pausing a
 * paused class records nothing. A resume is recorded even when the class
 * was not paused (it gives the class a fresh count of failures) and says
 * "was_paused". Both answer the Class object as GET /v1/classes lists it.
 */
#include "api_page.h"
#include "api_write.h"
#include "store_api.h"

/* The body: {} or {"reason": "..."} (recorded beside the action). *body
 * is the caller's; *reason borrowed from it. */
static bool body_reason(const struct api_request *rq, json_t **body, const char **reason,
			struct api_response *rs, enum mayday_err *err)
{
	static const char *const known[] = {"reason", NULL};
	if (!api_write_body(rq, true, body, rs, err))
		return false;
	if (api_write_known(*body, known, rs, err) &&
	    api_write_str(*body, "reason", STORE_ACTION_MAX, false, reason, rs, err))
		return true;
	json_decref(*body);
	*body = NULL;
	return false;
}

/* The Class object (api_classes_object: as GET /v1/classes lists it), with
 * "was_paused" for a resume (ClassResumed in docs/openapi.json). */
static enum mayday_err class_answer(struct api_ctx *ctx, const char *product_class,
				    const char *extra, bool value, struct api_response *rs)
{
	json_t *o = NULL;
	enum mayday_err err = api_classes_object(ctx, product_class, &o);
	if (err != MAYDAY_OK)
		return api_store_error(rs, err, "reading the class");
	if (extra != NULL)
		json_object_set_new(o, extra, json_boolean(value));
	return api_json(rs, 200, o);
}

enum mayday_err api_class_pause_post(struct api_ctx *ctx, const struct api_request *rq,
				     const struct api_params *p, struct api_response *rs)
{
	const char *reason = NULL;
	json_t *body = NULL;
	bool already = false;
	enum mayday_err err = MAYDAY_OK;
	if (!body_reason(rq, &body, &reason, rs, &err))
		return err;
	err = store_remed_class_pause(ctx->st, p->v[0], rq->who->name, rq->now, &already);
	if (err == MAYDAY_E_NOTFOUND || err == MAYDAY_E_INVALID) {
		err = api_error(rs, 404, API_E_NOT_FOUND, "no enrolled device has that class");
		goto out;
	}
	if (err == MAYDAY_OK && !already && reason != NULL)
		err = api_write_action(ctx, rq, "class.pause.reason", p->v[0], reason);
	err = err != MAYDAY_OK ? api_store_error(rs, err, "pausing the class")
			       : class_answer(ctx, p->v[0], NULL, false, rs);
out:
	json_decref(body);
	return err;
}

enum mayday_err api_class_resume_post(struct api_ctx *ctx, const struct api_request *rq,
				      const struct api_params *p, struct api_response *rs)
{
	const char *reason = NULL;
	json_t *body = NULL;
	bool was = false;
	enum mayday_err err = MAYDAY_OK;
	if (!body_reason(rq, &body, &reason, rs, &err))
		return err;
	err = store_remed_class_resume_by(ctx->st, p->v[0], rq->who->name, rq->now, &was);
	if (err == MAYDAY_E_NOTFOUND || err == MAYDAY_E_INVALID) {
		err = api_error(rs, 404, API_E_NOT_FOUND, "no enrolled device has that class");
		goto out;
	}
	if (err == MAYDAY_OK && reason != NULL)
		err = api_write_action(ctx, rq, "class.resume.reason", p->v[0], reason);
	err = err != MAYDAY_OK ? api_store_error(rs, err, "resuming the class")
			       : class_answer(ctx, p->v[0], "was_paused", was, rs);
out:
	json_decref(body);
	return err;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the write handlers share (api_write.h): the JSON body, strictly
 * (jansson parses, with duplicate keys refused and a bound on the size),
 * its members, the Device answer and the journal entry.
 */
#include <string.h>
#include <strings.h>

#include "api_page.h"
#include "api_write.h"
#include "store_api.h"

bool api_write_body(const struct api_request *rq, bool empty_ok, json_t **out,
		    struct api_response *rs, enum mayday_err *err)
{
	json_error_t je;
	*out = NULL;
	if (rq->body_len > API_BODY_MAX) {
		*err = api_error(rs, 413, API_E_TOO_LARGE, "body over %u bytes", API_BODY_MAX);
		return false;
	}
	/* "application/json", with parameters (charset) allowed, on every
	 * write, even an empty one: a web page cannot send that type to
	 * another site without the browser asking first (a CORS preflight,
	 * which this API never grants), so a form or a no-cors fetch from a
	 * hostile page is refused here whatever credential it rides on. */
	if (rq->content_type == NULL ||
	    strncasecmp(rq->content_type, "application/json", 16) != 0 ||
	    (rq->content_type[16] != '\0' && rq->content_type[16] != ';')) {
		*err = api_error(rs, 415, API_E_MEDIA_TYPE, "the body must be application/json "
				 "(Content-Type), even when it is empty");
		return false;
	}
	if (rq->body == NULL || rq->body_len == 0) {
		if (!empty_ok) {
			*err = api_error(rs, 400, API_E_BAD_REQUEST, "a JSON object body is required");
			return false;
		}
		*out = json_object();
		if (*out == NULL)
			*err = MAYDAY_E_NOMEM;
		return *out != NULL;
	}
	*out = json_loadb((const char *)rq->body, rq->body_len, JSON_REJECT_DUPLICATES, &je);
	if (*out == NULL || !json_is_object(*out)) {
		json_decref(*out);
		*out = NULL;
		*err = api_error(rs, 400, API_E_BAD_REQUEST, "the body is not a JSON object%s%s",
				 je.text[0] ? ": " : "", je.text);
		return false;
	}
	return true;
}

bool api_write_str(json_t *body, const char *name, size_t max, bool required, const char **out,
		   struct api_response *rs, enum mayday_err *err)
{
	json_t *v = json_object_get(body, name);
	*out = NULL;
	if (v == NULL && !required)
		return true;
	size_t n = json_is_string(v) ? json_string_length(v) : 0;
	/* an embedded NUL would make the C string say less than the JSON one */
	if (!json_is_string(v) || n == 0 || n > max || strlen(json_string_value(v)) != n) {
		*err = api_error(rs, 400, API_E_BAD_REQUEST, "\"%s\": %s string of 1..%zu bytes",
				 name, required ? "required," : "a", max);
		return false;
	}
	*out = json_string_value(v);
	return true;
}

bool api_write_known(json_t *body, const char *const *known, struct api_response *rs,
		     enum mayday_err *err)
{
	const char *k;
	json_t *v;
	json_object_foreach(body, k, v) {
		bool ok = false;
		for (const char *const *n = known; *n != NULL && !ok; n++)
			ok = strcmp(*n, k) == 0;
		if (!ok) {
			*err = api_error(rs, 400, API_E_BAD_REQUEST, "unknown member \"%.64s\"", k);
			return false;
		}
	}
	return true;
}

enum mayday_err api_write_device(struct api_ctx *ctx, const char *device_id, int status,
				 struct api_response *rs)
{
	json_t *o = NULL;
	enum mayday_err err = api_devices_object(ctx, device_id, &o);
	if (err != MAYDAY_OK)
		return api_store_error(rs, err, "reading the device");
	return api_json(rs, status, o);
}

enum mayday_err api_write_action(struct api_ctx *ctx, const struct api_request *rq,
				 const char *action, const char *target, const char *detail)
{
	return store_operator_action(ctx->st, rq->who->name, action, target, detail, rq->now);
}

/* SPDX-License-Identifier: Apache-2.0 */
/* GET /v1/whoami: the identity and role the transport established. */
#include "api_page.h"

enum mayday_err api_whoami_get(struct api_ctx *ctx, const struct api_request *rq,
			       const struct api_params *p, struct api_response *rs)
{
	static const char *const allowed[] = {NULL};
	enum mayday_err err = MAYDAY_OK;
	(void)ctx;
	(void)p;
	if (!api_query_check(rq->query, allowed, rs, &err))
		return err;
	json_t *who = json_string(rq->who->name);
	if (who == NULL)
		who = json_string("(not UTF-8)");
	return api_json(rs, 200, json_pack("{s:o*,s:s}", "identity", who, "role",
					   api_role_name(rq->who->role)));
}

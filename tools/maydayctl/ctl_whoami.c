/* SPDX-License-Identifier: Apache-2.0 */
/* maydayctl whoami: who the API takes the caller for (GET /v1/whoami). */
#include <stdio.h>

#include "ctl.h"

int ctl_whoami(struct ctl *c, int argc, char **argv)
{
	struct ctl_answer a;
	int rc;
	if (argc != 1)
		return ctl_usage(c, "unexpected argument '%s'", argv[1]);
	if ((rc = ctl_call(c, "GET", "/v1/whoami", NULL, 0, NULL, 0, &a)) != CTL_OK)
		return rc;
	if (c->json) {
		rc = ctl_json_print(json_incref(a.json));
	} else {
		const char *id = ctl_jstr(a.json, "identity"), *role = ctl_jstr(a.json, "role");
		ctl_line("%s (role %s)", id ? id : "?", role ? role : "?");
	}
	ctl_answer_clear(&a);
	return rc;
}

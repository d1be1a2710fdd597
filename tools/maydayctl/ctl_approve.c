/* SPDX-License-Identifier: Apache-2.0 */
/*
 * maydayctl approve DEVICE: operator approval of remediation for the
 * device's open incident ([acs] policy = approve), POST
 * /v1/devices/{device}/approve. The device is told to remediate with the
 * acknowledgement of its next signed indication. Approving again is one
 * approval: the API says it was already approved, and by whom.
 */
#include <stdio.h>

#include "ctl.h"

int ctl_approve(struct ctl *c, int argc, char **argv)
{
	if (argc != 2 || argv[1][0] == '-')
		return ctl_usage(c, "expected one DEVICE");
	struct ctl_url u;
	struct ctl_answer a;
	int rc;
	ctl_url_init(&u, "/v1/devices");
	ctl_url_seg(&u, argv[1]);
	ctl_url_lit(&u, "/approve");
	if ((rc = ctl_url_ok(c, &u)) != CTL_OK ||
	    (rc = ctl_call(c, "POST", u.s, "{}", 2, "application/json", 409, &a)) != CTL_OK)
		return rc;
	if (a.status == 409) {
		/* no open incident: "not found" as before the API */
		rc = ctl_error(c, CTL_NOTFOUND, "conflict",
			       "device '%s' is not enrolled or has no open incident", argv[1]);
	} else if (c->json) {
		rc = ctl_json_print(json_incref(a.json));
	} else if (ctl_jbool(a.json, "already")) {
		const char *by = ctl_jstr(a.json, "approved_by");
		ctl_line("remediation approved for %s (already, by %s at %s)", argv[1],
			 by ? by : "?", ctl_jtime_str(a.json, "approved_at"));
	} else {
		ctl_line("remediation approved for %s", argv[1]);
	}
	ctl_answer_clear(&a);
	return rc;
}

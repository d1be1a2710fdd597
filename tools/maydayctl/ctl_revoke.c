/* SPDX-License-Identifier: Apache-2.0 */
/*
 * maydayctl revoke DEVICE [--reason TEXT]: POST /v1/devices/{device}/revoke.
 * The device's key is no longer trusted: its indications are still
 * recorded, as unverified, and never open an incident. Revoking again
 * changes nothing.
 */
#include <getopt.h>
#include <stdio.h>

#include "ctl.h"

int ctl_revoke(struct ctl *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{"reason", required_argument, NULL, 'r'},
		{NULL, 0, NULL, 0},
	};
	const char *reason = NULL;
	int o, rc;
	CTL_GETOPT_RESET();
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (o != 'r')
			return ctl_bad_option(c, argv);
		reason = optarg;
	}
	if (argc - optind != 1)
		return ctl_usage(c, "expected one DEVICE");
	const char *id = argv[optind];
	struct ctl_url u;
	struct ctl_answer a;
	ctl_url_init(&u, "/v1/devices");
	ctl_url_seg(&u, id);
	ctl_url_lit(&u, "/revoke");
	json_t *body = reason ? json_pack("{s:s}", "reason", reason) : json_object();
	if (body == NULL)
		return ctl_usage(c, "--reason is not UTF-8");
	if ((rc = ctl_url_ok(c, &u)) != CTL_OK) {
		json_decref(body);
		return rc;
	}
	if ((rc = ctl_call_json(c, "POST", u.s, body, 0, &a)) != CTL_OK)
		return rc;
	if (c->json) {
		rc = ctl_json_print(json_incref(a.json));
	} else {
		const char *by = ctl_jstr(a.json, "revoked_by");
		ctl_line("revoked %s at %s by %s: its indications are no longer trusted", id,
			 ctl_jtime_str(a.json, "revoked_at"), by ? by : "?");
	}
	ctl_answer_clear(&a);
	return rc;
}

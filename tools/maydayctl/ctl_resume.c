/* SPDX-License-Identifier: Apache-2.0 */
/*
 * maydayctl pause CLASS [--reason TEXT] / resume CLASS: an operator pauses
 * remediation of a product class, or resumes it -- after maydayd paused it
 * following failed attempts in a row ([acs] pause_after_failures), or a
 * fleet anomaly, or an operator. POST /v1/classes/{class}/pause|resume,
 * both idempotent. After a resume only failures after it count toward the
 * next pause. Exit 3 if no device has that class.
 */
#include <getopt.h>
#include <stdio.h>

#include "ctl.h"

static int post(struct ctl *c, const char *cls, const char *what, json_t *body,
		struct ctl_answer *a)
{
	struct ctl_url u;
	int rc;
	ctl_url_init(&u, "/v1/classes");
	ctl_url_seg(&u, cls);
	ctl_url_lit(&u, what);
	if ((rc = ctl_url_ok(c, &u)) != CTL_OK) {
		json_decref(body);
		return rc;
	}
	return ctl_call_json(c, "POST", u.s, body, 0, a);
}

int ctl_resume(struct ctl *c, int argc, char **argv)
{
	struct ctl_answer a;
	int rc;
	if (argc != 2 || argv[1][0] == '-')
		return ctl_usage(c, "expected one CLASS");
	if ((rc = post(c, argv[1], "/resume", json_object(), &a)) != CTL_OK)
		return rc;
	if (c->json) {
		rc = ctl_json_print(json_incref(a.json));
	} else {
		ctl_line("remediation of class %s resumed%s", argv[1],
			 ctl_jbool(a.json, "was_paused")
				 ? "" : " (it was not paused; its failure count starts again)");
	}
	ctl_answer_clear(&a);
	return rc;
}

int ctl_pause(struct ctl *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{"reason", required_argument, NULL, 'r'},
		{NULL, 0, NULL, 0},
	};
	const char *reason = NULL;
	struct ctl_answer a;
	int o, rc;
	CTL_GETOPT_RESET();
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (o != 'r')
			return ctl_bad_option(c, argv);
		reason = optarg;
	}
	if (argc - optind != 1)
		return ctl_usage(c, "expected one CLASS");
	json_t *body = reason ? json_pack("{s:s}", "reason", reason) : json_object();
	if (body == NULL)
		return ctl_usage(c, "--reason is not UTF-8");
	if ((rc = post(c, argv[optind], "/pause", body, &a)) != CTL_OK)
		return rc;
	if (c->json)
		rc = ctl_json_print(json_incref(a.json));
	else
		ctl_line("remediation of class %s paused since %s (resume with maydayctl resume %s)",
			 argv[optind], ctl_jtime_str(a.json, "paused_at"), argv[optind]);
	ctl_answer_clear(&a);
	return rc;
}

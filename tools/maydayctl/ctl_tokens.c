/* SPDX-License-Identifier: Apache-2.0 */
/*
 * maydayctl tokens list | create --name NAME --role ROLE | revoke ID: the
 * API's bearer tokens (an admin's; GET/POST /v1/tokens, DELETE
 * /v1/tokens/{id}). maydayd keeps only a hash of each secret: `create`
 * prints the token once, and it cannot be shown again. Put it in a file
 * (mode 0600) for --token-file; it never belongs on a command line.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "ctl.h"

static int list(struct ctl *c)
{
	struct ctl_answer a;
	int rc = ctl_get_table(c, "/v1/tokens", &a);
	if (rc != CTL_OK || a.json == NULL)
		return rc;
	ctl_line("%-20s %-24s %-8s %-20s %-20s %s", "ID", "NAME", "ROLE", "CREATED", "LAST USED",
		 "REVOKED");
	size_t i;
	json_t *t;
	json_array_foreach(json_object_get(a.json, "tokens"), i, t) {
		const char *id = ctl_jstr(t, "id"), *name = ctl_jstr(t, "name"),
			   *role = ctl_jstr(t, "role");
		ctl_line("%-20s %-24s %-8s %-20s %-20s %s", id ? id : "?", name ? name : "?",
			 role ? role : "?", ctl_jtime_str(t, "created_at"),
			 ctl_jtime_str(t, "last_used_at"), ctl_jtime_str(t, "revoked_at"));
	}
	ctl_answer_clear(&a);
	return CTL_OK;
}

static int create(struct ctl *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{"name", required_argument, NULL, 'n'},
		{"role", required_argument, NULL, 'r'},
		{NULL, 0, NULL, 0},
	};
	const char *name = NULL, *role = NULL;
	struct ctl_answer a;
	int o, rc;
	CTL_GETOPT_RESET();
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (o == 'n')
			name = optarg;
		else if (o == 'r')
			role = optarg;
		else
			return ctl_bad_option(c, argv);
	}
	if (name == NULL || role == NULL || optind != argc)
		return ctl_usage(c, "tokens create needs --name NAME --role viewer|operator|admin");
	json_t *body = json_pack("{s:s,s:s}", "name", name, "role", role);
	if (body == NULL)
		return ctl_usage(c, "--name or --role is not UTF-8");
	if ((rc = ctl_call_json(c, "POST", "/v1/tokens", body, 0, &a)) != CTL_OK)
		return rc;
	if (c->json) {
		rc = ctl_json_print(json_incref(a.json));
	} else {
		const char *tok = ctl_jstr(a.json, "token"), *id = ctl_jstr(a.json, "id");
		/* the secret alone on stdout, so `> file` keeps just it; the rest on stderr */
		fprintf(stderr, "maydayctl tokens: created %s (%s, role %s); the token is shown "
				"only now\n", id ? id : "?", name, role);
		ctl_line("%s", tok ? tok : "");
	}
	ctl_answer_clear(&a);
	return rc;
}

static int revoke(struct ctl *c, int argc, char **argv)
{
	struct ctl_url u;
	struct ctl_answer a;
	int rc;
	if (argc != 2 || argv[1][0] == '-')
		return ctl_usage(c, "tokens revoke needs one ID");
	ctl_url_init(&u, "/v1/tokens");
	ctl_url_seg(&u, argv[1]);
	if ((rc = ctl_url_ok(c, &u)) != CTL_OK ||
	    (rc = ctl_call(c, "DELETE", u.s, NULL, 0, NULL, 0, &a)) != CTL_OK)
		return rc;
	ctl_answer_clear(&a);
	if (c->json) {
		json_t *o = json_pack("{s:s,s:b}", "id", argv[1], "revoked", 1);
		return ctl_json_print(o);
	}
	ctl_line("token %s revoked", argv[1]);
	return CTL_OK;
}

int ctl_tokens(struct ctl *c, int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "list") == 0 && argc == 2)
		return list(c);
	if (argc >= 2 && strcmp(argv[1], "create") == 0)
		return create(c, argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "revoke") == 0)
		return revoke(c, argc - 1, argv + 1);
	return ctl_usage(c, "expected: tokens list | tokens create --name N --role R | "
			 "tokens revoke ID");
}

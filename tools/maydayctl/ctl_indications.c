/* SPDX-License-Identifier: Apache-2.0 */
/*
 * maydayctl indications [--device D] [--signed | --unverified] [--since T]
 * [--limit N] [--cursor C | --all]: GET /v1/indications, newest first,
 * every sender's -- unverified ones of senders never enrolled included,
 * which no device list shows. Each as `show` prints it, with its device.
 * --json prints the API's answer ({"indications", "next_cursor"}; with
 * --all every page's indications in one and next_cursor null).
 */
#include <getopt.h>
#include <stdio.h>

#include "ctl.h"
#include "ctl_show.h"

int ctl_indications(struct ctl *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{"device", required_argument, NULL, 'd'},
		{"signed", no_argument, NULL, 's'},
		{"unverified", no_argument, NULL, 'u'},
		{"since", required_argument, NULL, 'S'},
		{"limit", required_argument, NULL, 'n'},
		{"cursor", required_argument, NULL, 'C'},
		{"all", no_argument, NULL, 'A'},
		{NULL, 0, NULL, 0},
	};
	const char *device = NULL, *trust = NULL, *since = NULL, *limit = NULL, *cursor = NULL;
	bool all = false;
	int o, rc = CTL_OK;
	CTL_GETOPT_RESET();
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'd': device = optarg; break;
		case 's':
		case 'u':
			if (trust != NULL)
				return ctl_usage(c, "--signed or --unverified, not both");
			trust = o == 's' ? "signed" : "unverified";
			break;
		case 'S': since = optarg; break;
		case 'n': limit = optarg; break;
		case 'C': cursor = optarg; break;
		case 'A': all = true; break;
		default: return ctl_bad_option(c, argv);
		}
	}
	if (optind != argc)
		return ctl_usage(c, "unexpected argument '%s'", argv[optind]);
	if (all && cursor != NULL)
		return ctl_usage(c, "--all starts at the first page: no --cursor with it");

	json_t *acc = json_array();
	char next[512] = "";
	for (;;) {
		struct ctl_url u;
		struct ctl_answer a;
		ctl_url_init(&u, "/v1/indications");
		ctl_url_param(&u, "device", device);
		ctl_url_param(&u, "trust", trust);
		ctl_url_param(&u, "since", since);
		ctl_url_param(&u, "limit", limit ? limit : all ? "1000" : NULL);
		ctl_url_param(&u, "cursor", next[0] ? next : cursor);
		if ((rc = ctl_url_ok(c, &u)) != CTL_OK ||
		    (rc = ctl_call(c, "GET", u.s, NULL, 0, NULL, 0, &a)) != CTL_OK)
			break;
		json_array_extend(acc, json_object_get(a.json, "indications"));
		const char *nc = ctl_jstr(a.json, "next_cursor");
		snprintf(next, sizeof(next), "%s", nc ? nc : "");
		ctl_answer_clear(&a);
		if (next[0] == '\0' || !all)
			break;
	}
	if (rc != CTL_OK) {
		json_decref(acc);
		return rc;
	}
	if (c->json) {
		json_t *o2 = json_object();
		json_object_set_new(o2, "indications", acc);
		json_object_set_new(o2, "next_cursor", next[0] ? json_string(next) : json_null());
		return ctl_json_print(o2);
	}
	size_t i;
	json_t *r;
	json_array_foreach(acc, i, r) {
		const char *d = ctl_jstr(r, "device_id");
		ctl_show_indication(r, d ? d : "?");
	}
	json_decref(acc);
	if (next[0])
		fprintf(stderr, "maydayctl indications: more after this page: --cursor %s (or --all)\n",
			next);
	return CTL_OK;
}

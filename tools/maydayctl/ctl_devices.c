/* SPDX-License-Identifier: Apache-2.0 */
/*
 * maydayctl devices: one row per device of GET /v1/devices, filtered by the
 * API (state, class, image version, failed component, last seen), one page
 * at a time (--limit, default the API's 100; --cursor for the next), or
 * every page with --all. When more pages remain, stderr says how to get the
 * next, so stdout stays the table (or, under --json, the array of device
 * objects it always was). --counts: GET /v1/devices/counts instead.
 *
 * LAST SEEN (the latest authenticated contact) is the last column,
 * relative to now, so the columns before it keep their places. MSG is the
 * message version of the latest signed indication (v1 mayday claims, v2
 * EAT claims, docs/protocol.md §6.2).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ctl.h"

static void row(const json_t *d)
{
	char seen[32], msg[16] = "-";
	const char *reason = ctl_jstr(d, "last_reason");
	long long v = ctl_jint(d, "last_msg_version");
	int64_t last = ctl_jint(d, "last_seen_s");
	if (last == 0)
		last = ctl_jtime(d, "last_seen");
	ctl_ago(last, (int64_t)time(NULL), seen);
	if (v)
		snprintf(msg, sizeof(msg), "v%lld", v);
	const char *id = ctl_jstr(d, "device_id"), *cls = ctl_jstr(d, "product_class"),
		   *state = ctl_jstr(d, "state");
	ctl_line("%-24s %-14s %-23s %-20s %-20s %11lld %10lld %-3s %s", id ? id : "?",
		 cls ? cls : "?", state ? state : "?", ctl_jtime_str(d, "state_since"),
		 reason ? reason : "-", ctl_jint(d, "indications"),
		 ctl_jint(d, "unverified_indications"), msg, seen);
}

static int counts(struct ctl *c)
{
	struct ctl_answer a;
	int rc = ctl_get_table(c, "/v1/devices/counts", &a);
	if (rc != CTL_OK || a.json == NULL)
		return rc;
	ctl_line("%-32s %9lld", "total", ctl_jint(a.json, "total"));
	ctl_line("%-32s %9lld", "needs maintenance", ctl_jint(a.json, "needs_maintenance"));
	ctl_line("%-32s %9lld", "revoked", ctl_jint(a.json, "revoked"));
	static const char *const groups[] = {"by_state", "by_class"};
	for (unsigned g = 0; g < 2; g++) {
		const char *key;
		json_t *v;
		json_object_foreach(json_object_get(a.json, groups[g]), key, v)
			ctl_line("%-6s %-25s %9lld", g == 0 ? "state" : "class", key,
				 (long long)json_integer_value(v));
	}
	ctl_answer_clear(&a);
	return CTL_OK;
}

int ctl_devices(struct ctl *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{"state", required_argument, NULL, 's'},
		{"class", required_argument, NULL, 'c'},
		{"image", required_argument, NULL, 'i'},
		{"failed-component", required_argument, NULL, 'f'},
		{"seen-before", required_argument, NULL, 'b'},
		{"seen-after", required_argument, NULL, 'a'},
		{"maintenance", no_argument, NULL, 'm'},
		{"limit", required_argument, NULL, 'n'},
		{"cursor", required_argument, NULL, 'C'},
		{"all", no_argument, NULL, 'A'},
		{"counts", no_argument, NULL, 'N'},
		{NULL, 0, NULL, 0},
	};
	const char *state = NULL, *cls = NULL, *image = NULL, *comp = NULL, *before = NULL,
		   *after = NULL, *limit = NULL, *cursor = NULL;
	bool maintenance = false, all = false, count = false;
	int o;
	CTL_GETOPT_RESET();
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 's': state = optarg; break;
		case 'c': cls = optarg; break;
		case 'i': image = optarg; break;
		case 'f': comp = optarg; break;
		case 'b': before = optarg; break;
		case 'a': after = optarg; break;
		case 'm': maintenance = true; break;
		case 'n': limit = optarg; break;
		case 'C': cursor = optarg; break;
		case 'A': all = true; break;
		case 'N': count = true; break;
		default: return ctl_bad_option(c, argv);
		}
	}
	if (optind != argc)
		return ctl_usage(c, "unexpected argument '%s'", argv[optind]);
	if (all && cursor != NULL)
		return ctl_usage(c, "--all starts at the first page: no --cursor with it");
	if (count)
		return counts(c);

	json_t *acc = c->json ? json_array() : NULL;
	char next[512] = "";
	int rc = CTL_OK;
	bool header = false;
	for (;;) {
		struct ctl_url u;
		struct ctl_answer a;
		ctl_url_init(&u, "/v1/devices");
		ctl_url_param(&u, "state", state);
		ctl_url_param(&u, "class", cls);
		ctl_url_param(&u, "image", image);
		ctl_url_param(&u, "failed_component", comp);
		ctl_url_param(&u, "seen_before", before);
		ctl_url_param(&u, "seen_after", after);
		ctl_url_param(&u, "maintenance", maintenance ? "true" : NULL);
		ctl_url_param(&u, "limit", limit ? limit : all ? "1000" : NULL);
		ctl_url_param(&u, "cursor", next[0] ? next : cursor);
		if ((rc = ctl_url_ok(c, &u)) != CTL_OK ||
		    (rc = ctl_call(c, "GET", u.s, NULL, 0, NULL, 0, &a)) != CTL_OK)
			break;
		if (acc == NULL && !header) {
			/* STATE: wide enough for remediation_in_progress, the longest state. */
			ctl_line("%-24s %-14s %-23s %-20s %-20s %11s %10s %-3s %s", "DEVICE",
				 "CLASS", "STATE", "SINCE", "LAST REASON", "INDICATIONS",
				 "UNVERIFIED", "MSG", "LAST SEEN");
			header = true;
		}
		size_t i;
		json_t *d;
		json_array_foreach(json_object_get(a.json, "devices"), i, d) {
			if (acc != NULL)
				json_array_append(acc, d);
			else
				row(d);
		}
		const char *nc = ctl_jstr(a.json, "next_cursor");
		snprintf(next, sizeof(next), "%s", nc ? nc : "");
		long long total = ctl_jint(a.json, "count");
		ctl_answer_clear(&a);
		if (next[0] == '\0')
			break;
		if (!all) {
			fprintf(stderr, "maydayctl devices: %lld match; more after this page: "
					"--cursor %s (or --all)\n", total, next);
			break;
		}
	}
	if (rc != CTL_OK) {
		json_decref(acc);
		return rc;
	}
	return acc != NULL ? ctl_json_print(acc) : CTL_OK;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * maydayctl fleet [--since DURATION] [--by class|image|component|digest|hour]
 *                 [--class C] [--limit N]
 * The fleet view (GET /v1/fleet/{by}): signed indications of the last
 * DURATION (default 24h) grouped one way, largest groups first (hours:
 * newest first, distress over time), at most N
 * of them (default 50), so the output stays bounded at any fleet size. The
 * table's last line says when groups were left off. DURATION is a number
 * with an optional unit s, m, h or d (seconds without one), checked here so
 * a typo is a usage error before anything is asked.
 *
 * --json keeps the array it always printed: one object per group, its key
 * under the name `maydayctl devices --json` uses (product_class,
 * image_version, component, hour; by digest: component and
 * measured_digest).
 *
 * maydayctl fleet anomalies: GET /v1/fleet/anomalies, the fleet anomalies
 * found (N devices of one class reporting the same failed component within
 * T), newest first.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

#define DEFAULT_LIMIT 50u
#define LIMIT_MAX 10000u   /* the store's STORE_FLEET_LIMIT_MAX */
#define SINCE_MAX_S ((long long)100 * 365 * 86400)

/* "90", "90s", "15m", "24h", "7d": 1 second .. 100 years. */
static bool duration_ok(const char *s)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	long long unit = 1;
	if (s[0] < '0' || s[0] > '9' || errno != 0 || end == s || v <= 0)
		return false;
	switch (*end) {
	case '\0': case 's': unit = 1; break;
	case 'm': unit = 60; break;
	case 'h': unit = 3600; break;
	case 'd': unit = 86400; break;
	default: return false;
	}
	if (*end != '\0' && end[1] != '\0')
		return false;
	return v <= SINCE_MAX_S / unit;
}

static const char *key_name(const char *by)
{
	return strcmp(by, "class") == 0 ? "product_class"
	       : strcmp(by, "image") == 0 ? "image_version"
	       : strcmp(by, "hour") == 0 ? "hour" : "component";
}

static int anomalies(struct ctl *c)
{
	struct ctl_answer a;
	int rc = ctl_get_table(c, "/v1/fleet/anomalies", &a);
	if (rc != CTL_OK || a.json == NULL)
		return rc;
	ctl_line("%-8s %-14s %-32s %7s %9s %-20s %s", "ID", "CLASS", "COMPONENT", "DEVICES",
		 "WINDOW", "DETECTED", "PAUSED");
	size_t i;
	json_t *x;
	json_array_foreach(json_object_get(a.json, "anomalies"), i, x) {
		char window[24];
		const char *cls = ctl_jstr(x, "class"), *comp = ctl_jstr(x, "component");
		if (cls == NULL)
			cls = ctl_jstr(x, "product_class");
		snprintf(window, sizeof(window), "%llds", ctl_jint(x, "window_s"));
		ctl_line("%-8lld %-14s %-32s %7lld %9s %-20s %s", ctl_jint(x, "id"), cls ? cls : "?",
			 comp ? comp : "?", ctl_jint(x, "devices"), window,
			 ctl_jtime_str(x, "detected_at"), ctl_jbool(x, "paused") ? "yes" : "no");
	}
	ctl_answer_clear(&a);
	return CTL_OK;
}

/* One group in the shape of before the API: its "key" renamed. */
static json_t *group_json(const json_t *g, const char *by)
{
	json_t *o = json_deep_copy(g);
	json_t *key = json_object_get(o, "key");
	if (key != NULL) {
		json_object_set(o, key_name(by), key);
		json_object_del(o, "key");
	}
	return o;
}

int ctl_fleet(struct ctl *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{"since", required_argument, NULL, 's'},
		{"by", required_argument, NULL, 'b'},
		{"class", required_argument, NULL, 'c'},
		{"limit", required_argument, NULL, 'n'},
		{NULL, 0, NULL, 0},
	};
	const char *since = "24h", *by = "class", *cls = NULL;
	char limit[16];
	char *end;
	unsigned long n;
	int o, rc;
	snprintf(limit, sizeof(limit), "%u", DEFAULT_LIMIT);
	if (argc == 2 && strcmp(argv[1], "anomalies") == 0)
		return anomalies(c);
	CTL_GETOPT_RESET();
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 's':
			if (!duration_ok(optarg))
				return ctl_usage(c, "--since '%s': want a duration like 90s, 15m, 24h "
						 "or 7d", optarg);
			since = optarg;
			break;
		case 'b':
			if (strcmp(optarg, "class") != 0 && strcmp(optarg, "image") != 0 &&
			    strcmp(optarg, "component") != 0 && strcmp(optarg, "digest") != 0 &&
			    strcmp(optarg, "hour") != 0)
				return ctl_usage(c, "--by '%s': want class, image, component, "
						 "digest or hour", optarg);
			by = optarg;
			break;
		case 'c': cls = optarg; break;
		case 'n':
			errno = 0;
			n = strtoul(optarg, &end, 10);
			if (errno != 0 || end == optarg || *end != '\0' || optarg[0] == '-' ||
			    n < 1 || n > LIMIT_MAX)
				return ctl_usage(c, "--limit '%s': want 1..%u", optarg, LIMIT_MAX);
			snprintf(limit, sizeof(limit), "%lu", n);
			break;
		default: return ctl_bad_option(c, argv);
		}
	}
	if (optind != argc)
		return ctl_usage(c, "unexpected argument '%s'", argv[optind]);

	struct ctl_url u;
	struct ctl_answer a;
	ctl_url_init(&u, "/v1/fleet");
	ctl_url_seg(&u, by);
	ctl_url_param(&u, "since", since);
	ctl_url_param(&u, "class", cls);
	ctl_url_param(&u, "limit", limit);
	if ((rc = ctl_url_ok(c, &u)) != CTL_OK ||
	    (rc = ctl_call(c, "GET", u.s, NULL, 0, NULL, 0, &a)) != CTL_OK)
		return rc;
	json_t *groups = json_object_get(a.json, "groups"), *g;
	size_t i;
	bool digest = strcmp(by, "digest") == 0;
	if (c->json) {
		json_t *arr = json_array();
		json_array_foreach(groups, i, g)
			json_array_append_new(arr, group_json(g, by));
		ctl_answer_clear(&a);
		return ctl_json_print(arr);
	}
	if (digest)
		ctl_line("%-32s %-64s %9s %11s %s", "COMPONENT", "MEASURED DIGEST", "DEVICES",
			 "INDICATIONS", "LAST");
	else
		ctl_line("%-32s %9s %11s %s", strcmp(by, "class") == 0 ? "CLASS"
			 : strcmp(by, "image") == 0 ? "IMAGE VERSION"
			 : strcmp(by, "hour") == 0 ? "HOUR (UTC)" : "COMPONENT",
			 "DEVICES", "INDICATIONS", "LAST");
	json_array_foreach(groups, i, g) {
		const char *key = ctl_jstr(g, "key");
		if (key == NULL)
			key = ctl_jstr(g, key_name(by));
		const char *dg = ctl_jstr(g, "measured_digest");
		if (digest)
			ctl_line("%-32s %-64s %9lld %11lld %s", key ? key : "?", dg ? dg : "?",
				 ctl_jint(g, "devices"), ctl_jint(g, "indications"),
				 ctl_jtime_str(g, "last_at"));
		else
			ctl_line("%-32s %9lld %11lld %s", key ? key : "?", ctl_jint(g, "devices"),
				 ctl_jint(g, "indications"), ctl_jtime_str(g, "last_at"));
	}
	if (json_array_size(groups) == strtoul(limit, NULL, 10))
		ctl_line("(the %s %s; --limit shows more)", limit,
			 strcmp(by, "hour") == 0 ? "newest hours" : "largest groups");
	ctl_answer_clear(&a);
	return CTL_OK;
}

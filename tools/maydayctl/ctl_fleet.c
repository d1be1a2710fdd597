/* SPDX-License-Identifier: Apache-2.0 */
/*
 * maydayctl fleet [--since DURATION] [--by class|image|component|digest]
 *                 [--class C] [--limit N]
 * The fleet view (store_fleet.h): signed indications of the last DURATION
 * (default 24h) grouped one way, largest groups first, at most N of them
 * (default 50), so the output stays bounded at any fleet size. The table's
 * last line says when groups were left off. DURATION is a number with an
 * optional unit s, m, h or d (seconds without one).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "ctl.h"
#include "store_fleet.h"

#define DEFAULT_SINCE_S (24 * 3600)
#define DEFAULT_LIMIT 50u
#define SINCE_MAX_S ((int64_t)100 * 365 * 86400)

struct list {
	struct ctl *c;
	enum store_fleet_by by;
	json_t *arr;
	unsigned rows;
};

/* "90", "90s", "15m", "24h", "7d": 1 second .. 100 years. */
static int parse_duration(const char *s, int64_t *out)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	int64_t unit = 1;
	if (s[0] < '0' || s[0] > '9' || errno != 0 || end == s || v <= 0)
		return -1;
	switch (*end) {
	case '\0': case 's': unit = 1; break;
	case 'm': unit = 60; break;
	case 'h': unit = 3600; break;
	case 'd': unit = 86400; break;
	default: return -1;
	}
	if (*end != '\0' && end[1] != '\0')
		return -1;
	if (v > SINCE_MAX_S / unit)
		return -1;
	*out = (int64_t)v * unit;
	return 0;
}

static int row(void *ctx, const struct store_fleet_row *r)
{
	struct list *l = ctx;
	l->rows++;
	if (l->c->json) {
		json_t *o = json_object();
		/* the names `maydayctl devices --json` uses */
		json_object_set_new(o, l->by == STORE_FLEET_CLASS ? "product_class"
				    : l->by == STORE_FLEET_IMAGE ? "image_version" : "component",
				    json_string(r->key));
		if (l->by == STORE_FLEET_DIGEST)
			json_object_set_new(o, "measured_digest", json_string(r->digest_hex));
		json_object_set_new(o, "devices", json_integer((json_int_t)r->devices));
		json_object_set_new(o, "indications", json_integer((json_int_t)r->indications));
		json_object_set_new(o, "last_at", ctl_json_time(r->last_at));
		json_array_append_new(l->arr, o);
		return 0;
	}
	char last[32];
	ctl_time(r->last_at, last);
	if (l->by == STORE_FLEET_DIGEST)
		ctl_line("%-32s %-64s %9llu %11llu %s", r->key, r->digest_hex,
			 (unsigned long long)r->devices, (unsigned long long)r->indications, last);
	else
		ctl_line("%-32s %9llu %11llu %s", r->key, (unsigned long long)r->devices,
			 (unsigned long long)r->indications, last);
	return 0;
}

int ctl_fleet(struct ctl *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{"since", required_argument, NULL, 's'},
		{"by", required_argument, NULL, 'b'},
		{"class", required_argument, NULL, 'c'},
		{"limit", required_argument, NULL, 'n'},
		{"json", no_argument, NULL, 'j'},
		{NULL, 0, NULL, 0},
	};
	int64_t since_s = DEFAULT_SINCE_S;
	struct store_fleet_query q = {.by = STORE_FLEET_CLASS, .limit = DEFAULT_LIMIT};
	char *end;
	unsigned long n;
	int o;
	optind = 1;
	while ((o = getopt_long(argc, argv, "s:b:c:n:j", opts, NULL)) != -1) {
		switch (o) {
		case 's':
			if (parse_duration(optarg, &since_s) != 0) {
				fprintf(stderr, "maydayctl fleet: --since '%s': want a duration "
					"like 90s, 15m, 24h or 7d\n", optarg);
				return CTL_USAGE;
			}
			break;
		case 'b':
			if (!store_fleet_by_parse(optarg, &q.by)) {
				fprintf(stderr, "maydayctl fleet: --by '%s': want class, image, "
					"component or digest\n", optarg);
				return CTL_USAGE;
			}
			break;
		case 'c': q.product_class = optarg; break;
		case 'n':
			errno = 0;
			n = strtoul(optarg, &end, 10);
			if (errno != 0 || end == optarg || *end != '\0' || optarg[0] == '-' ||
			    n < 1 || n > STORE_FLEET_LIMIT_MAX) {
				fprintf(stderr, "maydayctl fleet: --limit '%s': want 1..%u\n", optarg,
					STORE_FLEET_LIMIT_MAX);
				return CTL_USAGE;
			}
			q.limit = (unsigned)n;
			break;
		case 'j': c->json = true; break;
		default: return CTL_USAGE;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "maydayctl fleet: unexpected argument '%s'\n", argv[optind]);
		return CTL_USAGE;
	}
	q.since = (int64_t)time(NULL) - since_s;
	struct list l = {.c = c, .by = q.by, .arr = c->json ? json_array() : NULL};
	if (!c->json) {
		if (q.by == STORE_FLEET_DIGEST)
			ctl_line("%-32s %-64s %9s %11s %s", "COMPONENT", "MEASURED DIGEST",
				 "DEVICES", "INDICATIONS", "LAST");
		else
			ctl_line("%-32s %9s %11s %s", q.by == STORE_FLEET_CLASS ? "CLASS"
				 : q.by == STORE_FLEET_IMAGE ? "IMAGE VERSION" : "COMPONENT",
				 "DEVICES", "INDICATIONS", "LAST");
	}
	enum mayday_err err = store_fleet(c->st, &q, row, &l);
	if (err != MAYDAY_OK) {
		json_decref(l.arr);
		return ctl_store_fail(c, "reading the fleet view", err);
	}
	if (c->json)
		return ctl_json_print(l.arr);
	if (l.rows == q.limit)
		ctl_line("(the %u largest groups; --limit shows more)", q.limit);
	return CTL_OK;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * maydayctl classes: one row per product class of the enrolled devices:
 * how many devices, how many per remediation state, and whether remediation
 * of the class is paused (since when, after how many failed attempts in a
 * row, and those attempts: the table shows the newest few, --json all).
 */
#include <getopt.h>
#include <stdio.h>

#include "ctl.h"
#include "store_remed.h"

#define TABLE_FAILURES 5   /* failed attempts shown under a paused class */

struct list {
	struct ctl *c;
	json_t *arr, *failures;
	unsigned shown;
	enum mayday_err err;
};

static int failure(void *ctx, const struct store_remed_attempt *a)
{
	struct list *l = ctx;
	if (l->c->json) {
		json_t *o = json_object();
		json_object_set_new(o, "device_id", json_string(a->device_id));
		json_object_set_new(o, "command_key", json_string(a->command_key));
		json_object_set_new(o, "fault_code", json_integer(a->fault_code));
		json_object_set_new(o, "detail", json_string(a->detail));
		json_object_set_new(o, "finished_at", ctl_json_time(a->finished_at));
		json_array_append_new(l->failures, o);
		return 0;
	}
	char at[32];
	ctl_time(a->finished_at, at);
	ctl_line("    %-20s %-24s %-14s fault %u%s%s%s", at, a->device_id, a->command_key,
		 a->fault_code, a->detail[0] ? "  (" : "", a->detail, a->detail[0] ? ")" : "");
	return ++l->shown >= TABLE_FAILURES;
}

static int row(void *ctx, const struct store_remed_class *k)
{
	struct list *l = ctx;
	char since[32], resumed[32];
	if (l->c->json) {
		json_t *o = json_object();
		l->failures = json_array();
		json_object_set_new(o, "product_class", json_string(k->product_class));
		json_object_set_new(o, "devices", json_integer(k->devices));
		json_object_set_new(o, "in_distress", json_integer(k->in_distress));
		json_object_set_new(o, "remediation_scheduled", json_integer(k->scheduled));
		json_object_set_new(o, "remediation_in_progress", json_integer(k->in_progress));
		json_object_set_new(o, "installed", json_integer(k->installed));
		json_object_set_new(o, "remediation_failed", json_integer(k->failed));
		json_object_set_new(o, "paused", json_boolean(k->paused));
		json_object_set_new(o, "paused_since", ctl_json_time(k->paused_at));
		json_object_set_new(o, "pause_failures", json_integer(k->pause_failures));
		json_object_set_new(o, "failures", l->failures);
		json_object_set_new(o, "resumed_at", ctl_json_time(k->resumed_at));
		json_array_append_new(l->arr, o);
	} else {
		ctl_time(k->paused_at, since);
		ctl_time(k->resumed_at, resumed);
		char state[96];
		if (k->paused)
			snprintf(state, sizeof(state), "PAUSED since %s after %u failed in a row",
				 since, k->pause_failures);
		else
			snprintf(state, sizeof(state), "active%s%s%s",
				 k->resumed_at ? " (resumed " : "", k->resumed_at ? resumed : "",
				 k->resumed_at ? ")" : "");
		ctl_line("%-14s %7u %8u %9u %11u %9u %7u  %s", k->product_class, k->devices,
			 k->in_distress, k->scheduled, k->in_progress, k->installed, k->failed,
			 state);
	}
	if (!k->paused)
		return 0;
	l->shown = 0;
	l->err = store_remed_class_failures(l->c->st, k->product_class, failure, l);
	if (l->err == MAYDAY_OK && !l->c->json && k->pause_failures > l->shown)
		ctl_line("    ... %u more (--json lists them)", k->pause_failures - l->shown);
	return l->err != MAYDAY_OK;
}

int ctl_classes(struct ctl *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{"json", no_argument, NULL, 'j'},
		{NULL, 0, NULL, 0},
	};
	int o;
	optind = 1;
	while ((o = getopt_long(argc, argv, "j", opts, NULL)) != -1) {
		if (o != 'j')
			return CTL_USAGE;
		c->json = true;
	}
	if (optind != argc) {
		fprintf(stderr, "maydayctl classes: unexpected argument '%s'\n", argv[optind]);
		return CTL_USAGE;
	}
	struct list l = {.c = c, .arr = c->json ? json_array() : NULL};
	if (!c->json)
		ctl_line("%-14s %7s %8s %9s %11s %9s %7s  %s", "CLASS", "DEVICES", "DISTRESS",
		       "SCHEDULED", "IN-PROGRESS", "INSTALLED", "FAILED", "REMEDIATION");
	enum mayday_err err = store_remed_classes(c->st, row, &l);
	if (err == MAYDAY_OK)
		err = l.err;
	if (err != MAYDAY_OK) {
		json_decref(l.arr);
		return ctl_store_fail(c, "listing classes", err);
	}
	return c->json ? ctl_json_print(l.arr) : CTL_OK;
}

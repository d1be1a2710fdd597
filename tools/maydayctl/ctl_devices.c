/* SPDX-License-Identifier: Apache-2.0 */
/* maydayctl devices [--maintenance]: one row per enrolled device. LAST
 * SEEN (the latest authenticated contact, store_silence.h) is the last
 * column, relative to now, so the columns before it keep their places.
 * MSG is the message version of the latest signed indication (v1 mayday
 * claims, v2 EAT claims, docs/protocol.md §6.2). */
#include <getopt.h>
#include <stdio.h>
#include <time.h>

#include "ctl.h"
#include "mayday/evidence.h"

struct list {
	bool json;
	json_t *arr;
	unsigned rows;
};

static int row(void *ctx, const struct store_device_row *d)
{
	struct list *l = ctx;
	const char *reason = d->has_reason ? mayday_reason_name(d->last_reason) : NULL;
	l->rows++;
	if (l->json) {
		json_t *o = json_object();
		json_object_set_new(o, "device_id", json_string(d->id));
		json_object_set_new(o, "product_class", json_string(d->product_class));
		json_object_set_new(o, "state", json_string(d->state));
		json_object_set_new(o, "state_since", ctl_json_time(d->state_since));
		json_object_set_new(o, "enrolled_at", ctl_json_time(d->enrolled_at));
		json_object_set_new(o, "last_seen", ctl_json_time(d->last_seen));
		json_object_set_new(o, "last_seen_s", d->last_seen ? json_integer(d->last_seen)
								    : json_null());
		json_object_set_new(o, "last_reason", reason ? json_string(reason) : json_null());
		json_object_set_new(o, "indications", json_integer((json_int_t)d->n_signed));
		json_object_set_new(o, "unverified_indications",
				    json_integer((json_int_t)d->n_unverified));
		json_object_set_new(o, "last_msg_version", d->last_msg_version
				    ? json_integer(d->last_msg_version) : json_null());
		json_array_append_new(l->arr, o);
		return 0;
	}
	char since[32], seen[32], msg[16] = "-";
	ctl_time(d->state_since, since);
	ctl_ago(d->last_seen, (int64_t)time(NULL), seen);
	if (d->last_msg_version)
		snprintf(msg, sizeof(msg), "v%u", d->last_msg_version);
	ctl_line("%-24s %-14s %-23s %-20s %-20s %11llu %10llu %-3s %s", d->id, d->product_class,
		 d->state, since, reason ? reason : "-", (unsigned long long)d->n_signed,
		 (unsigned long long)d->n_unverified, msg, seen);
	return 0;
}

int ctl_devices(struct ctl *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{"maintenance", no_argument, NULL, 'm'},
		{"json", no_argument, NULL, 'j'},
		{NULL, 0, NULL, 0},
	};
	bool maintenance = false;
	int o;
	optind = 1;
	while ((o = getopt_long(argc, argv, "mj", opts, NULL)) != -1) {
		switch (o) {
		case 'm': maintenance = true; break;
		case 'j': c->json = true; break;
		default: return CTL_USAGE;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "maydayctl devices: unexpected argument '%s'\n", argv[optind]);
		return CTL_USAGE;
	}
	struct list l = {.json = c->json, .arr = c->json ? json_array() : NULL};
	if (!c->json)
		/* STATE: wide enough for remediation_in_progress, the longest state. */
		ctl_line("%-24s %-14s %-23s %-20s %-20s %11s %10s %-3s %s", "DEVICE", "CLASS",
			 "STATE", "SINCE", "LAST REASON", "INDICATIONS", "UNVERIFIED", "MSG",
			 "LAST SEEN");
	enum mayday_err err = store_list_devices(c->st, maintenance, row, &l);
	if (err != MAYDAY_OK) {
		json_decref(l.arr);
		return ctl_store_fail(c, "listing devices", err);
	}
	return c->json ? ctl_json_print(l.arr) : CTL_OK;
}

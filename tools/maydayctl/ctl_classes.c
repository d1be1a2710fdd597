/* SPDX-License-Identifier: Apache-2.0 */
/*
 * maydayctl classes: one row per product class (GET /v1/classes): how many
 * devices, how many per remediation state, whether remediation of the class
 * is paused (since when, after how many failed attempts in a row, and
 * those attempts: GET /v1/classes/{class} for a paused one; the table shows
 * the newest few, --json all), and its golden bundle.
 *
 * --json: the array of the API's class objects, a paused one with its
 * "failures" (the attempts that paused it).
 */
#include <stdio.h>

#include "ctl.h"

#define TABLE_FAILURES 5   /* failed attempts shown under a paused class */

static const char *name_of(const json_t *k)
{
	const char *n = ctl_jstr(k, "product_class");
	if (n == NULL)
		n = ctl_jstr(k, "name");
	return n ? n : "?";
}

/* The attempts that paused class k (the detail's "failures" or
 * "pause_failures_detail"): a new reference, an empty array if none. */
static int failures_of(struct ctl *c, const json_t *k, json_t **out)
{
	struct ctl_url u;
	struct ctl_answer a;
	int rc;
	json_t *f = json_object_get(k, "failures");
	if (json_is_array(f)) {
		*out = json_incref(f);
		return CTL_OK;
	}
	ctl_url_init(&u, "/v1/classes");
	ctl_url_seg(&u, name_of(k));
	if ((rc = ctl_url_ok(c, &u)) != CTL_OK ||
	    (rc = ctl_call(c, "GET", u.s, NULL, 0, NULL, 0, &a)) != CTL_OK)
		return rc;
	f = json_object_get(a.json, "failures");
	if (!json_is_array(f))
		f = json_object_get(a.json, "pause_failures_detail");
	*out = json_is_array(f) ? json_incref(f) : json_array();
	ctl_answer_clear(&a);
	return CTL_OK;
}

static void text_row(const json_t *k, const json_t *failures)
{
	char state[160];
	const json_t *b = json_object_get(k, "bundle");
	if (ctl_jbool(k, "paused"))
		snprintf(state, sizeof(state), "PAUSED since %s after %lld failed in a row",
			 ctl_jstr(k, "paused_since") ? ctl_jtime_str(k, "paused_since")
						    : ctl_jtime_str(k, "paused_at"),
			 ctl_jint(k, "pause_failures"));
	else
		snprintf(state, sizeof(state), "active%s%s%s",
			 ctl_jstr(k, "resumed_at") ? " (resumed " : "",
			 ctl_jstr(k, "resumed_at") ? ctl_jtime_str(k, "resumed_at") : "",
			 ctl_jstr(k, "resumed_at") ? ")" : "");
	ctl_line("%-14s %7lld %8lld %9lld %11lld %9lld %7lld  %s", name_of(k), ctl_jint(k, "devices"),
		 ctl_jint(k, "in_distress"), ctl_jint(k, "remediation_scheduled"),
		 ctl_jint(k, "remediation_in_progress"), ctl_jint(k, "installed"),
		 ctl_jint(k, "remediation_failed"), state);
	if (json_is_object(b))
		ctl_line("    bundle version %lld, %lld bytes, sha256 %s", ctl_jint(b, "version"),
			 ctl_jint(b, "size"), ctl_jstr(b, "sha256") ? ctl_jstr(b, "sha256") : "-");
	size_t i, n = json_array_size(failures);
	json_t *a;
	json_array_foreach(failures, i, a) {
		if (i == TABLE_FAILURES)
			break;
		const char *detail = ctl_jstr(a, "detail"), *dev = ctl_jstr(a, "device_id"),
			   *key = ctl_jstr(a, "command_key");
		ctl_line("    %-20s %-24s %-14s fault %lld%s%s%s", ctl_jtime_str(a, "finished_at"),
			 dev ? dev : "?", key ? key : "?", ctl_jint(a, "fault_code"),
			 detail && detail[0] ? "  (" : "", detail ? detail : "",
			 detail && detail[0] ? ")" : "");
	}
	long long more = ctl_jint(k, "pause_failures") - (long long)(n < TABLE_FAILURES ? n : TABLE_FAILURES);
	if (ctl_jbool(k, "paused") && more > 0)
		ctl_line("    ... %lld more (--json lists them)", more);
}

int ctl_classes(struct ctl *c, int argc, char **argv)
{
	struct ctl_answer a;
	int rc;
	if (argc != 1)
		return ctl_usage(c, "unexpected argument '%s'", argv[1]);
	if ((rc = ctl_call(c, "GET", "/v1/classes", NULL, 0, NULL, 0, &a)) != CTL_OK)
		return rc;
	json_t *list = json_object_get(a.json, "classes"), *out = json_array(), *k;
	size_t i;
	if (!c->json)
		ctl_line("%-14s %7s %8s %9s %11s %9s %7s  %s", "CLASS", "DEVICES", "DISTRESS",
			 "SCHEDULED", "IN-PROGRESS", "INSTALLED", "FAILED", "REMEDIATION");
	json_array_foreach(list, i, k) {
		json_t *failures = NULL;
		if (ctl_jbool(k, "paused") && (rc = failures_of(c, k, &failures)) != CTL_OK)
			break;
		if (c->json) {
			json_t *o = json_copy(k);
			json_object_set_new(o, "failures", failures ? failures : json_array());
			json_array_append_new(out, o);
		} else {
			text_row(k, failures);
			json_decref(failures);
		}
	}
	ctl_answer_clear(&a);
	if (rc != CTL_OK || !c->json) {
		json_decref(out);
		return rc;
	}
	return ctl_json_print(out);
}

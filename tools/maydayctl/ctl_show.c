/* SPDX-License-Identifier: Apache-2.0 */
/*
 * maydayctl show DEVICE: the device (GET /v1/devices/{device}: its
 * incidents, remediation attempts and history), then every indication
 * naming it, newest first, with the evidence: failed components with
 * expected (TRV) and measured digests. A device never enrolled may still
 * be named by unverified indications: those are shown (GET
 * /v1/indications?device=) and only no device and no indication is "not
 * found".
 *
 * --json keeps the shape scripts read: {"device_id", "device" (null when
 * not enrolled), "incidents", "indications", "remediation_attempts",
 * "acs_decisions"}, each element the API's own object. The indication
 * block is also what `maydayctl indications` prints (ctl_show_indication).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ctl.h"
#include "ctl_show.h"

static const char *str(const json_t *o, const char *key)
{
	const char *s = ctl_jstr(o, key);
	return s ? s : "";
}

static bool has_flag(const json_t *flags, const char *name)
{
	size_t i;
	json_t *f;
	json_array_foreach(flags, i, f)
		if (json_is_string(f) && strcmp(json_string_value(f), name) == 0)
			return true;
	return false;
}

void ctl_show_indication(const json_t *r, const char *device)
{
	long long v = ctl_jint(r, "msg_version");
	const char *trust = str(r, "trust"), *chan = ctl_jstr(r, "channel_auth");
	ctl_line("  #%lld counter %s  %s  %-10s via %s from %s%s%s", ctl_jint(r, "id"),
		 str(r, "counter"), ctl_jtime_str(r, "received_at"), trust, str(r, "transport"),
		 str(r, "peer"), device ? "  device " : "", device ? device : "");
	ctl_line("      message version %lld (%s claims)", v, v == 2 ? "EAT" : "mayday");
	if (chan != NULL && strcmp(chan, "none") != 0)
		ctl_line("      channel authenticated (%s): %s", chan, str(r, "peer_identity"));
	char incident[32] = "";
	if (ctl_jint(r, "incident_id"))
		snprintf(incident, sizeof(incident), ", incident %lld", ctl_jint(r, "incident_id"));
	const char *image = str(r, "image_version");
	ctl_line("      reason %s; image %s, dcf %s, slot %s, boot attempts %lld%s", str(r, "reason"),
		 image[0] ? image : "-", str(r, "dcf_version"), str(r, "slot"),
		 ctl_jint(r, "boot_attempts"), incident);
	if (strcmp(trust, "signed") != 0)
		ctl_line("      (not authenticated: evidence below is the sender's claim only)");
	const json_t *at = json_object_get(r, "attach");
	if (json_is_object(at)) {
		long long tries = ctl_jint(at, "tries");
		ctl_line("      attach failed: %s after %lld tr%s, episode %lld, last error \"%s\"",
			 str(at, "stage"), tries, tries == 1 ? "y" : "ies", ctl_jint(at, "episodes"),
			 str(at, "last_error"));
	}
	size_t i;
	json_t *c;
	json_array_foreach(json_object_get(r, "failed_components"), i, c) {
		const json_t *fl = json_object_get(c, "flags");
		ctl_line("      failed %-20s %s%s%s size expected %lld measured %lld", str(c, "name"),
			 has_flag(fl, "missing") ? "[missing] " : "",
			 has_flag(fl, "size_mismatch") ? "[size] " : "",
			 has_flag(fl, "digest_mismatch") ? "[digest] " : "",
			 ctl_jint(c, "expected_size"), ctl_jint(c, "measured_size"));
		ctl_line("        expected %s", str(c, "expected_digest"));
		ctl_line("        measured %s", str(c, "measured_digest"));
	}
}

static void show_device(const json_t *d)
{
	char ago[32];
	int64_t seen = ctl_jint(d, "last_seen_s");
	if (seen == 0)
		seen = ctl_jtime(d, "last_seen");
	ctl_line("device %s  class %s  enrolled %s", str(d, "device_id"), str(d, "product_class"),
		 ctl_jtime_str(d, "enrolled_at"));
	ctl_line("  state %s since %s", str(d, "state"), ctl_jtime_str(d, "state_since"));
	ctl_ago(seen, (int64_t)time(NULL), ago);
	ctl_line("  last seen %s%s%s%s", seen ? ctl_jtime_str(d, "last_seen")
					      : "never (counts from enrolment)",
		 seen ? " (" : "", seen ? ago : "", seen ? ")" : "");
	if (ctl_jstr(d, "psk_kid"))
		ctl_line("  psk kid %s", str(d, "psk_kid"));
	if (ctl_jstr(d, "revoked_at"))
		ctl_line("  REVOKED %s by %s: its indications are never trusted",
			 ctl_jtime_str(d, "revoked_at"), str(d, "revoked_by"));
	size_t i;
	json_t *x;
	ctl_line("incidents:");
	json_array_foreach(json_object_get(d, "incidents"), i, x)
		ctl_line("  incident %lld  %-14s opened %s  closed %s  indications %lld",
			 ctl_jint(x, "id"), str(x, "state"), ctl_jtime_str(x, "opened_at"),
			 ctl_jtime_str(x, "closed_at"), ctl_jint(x, "indications"));
	ctl_line("remediation attempts (newest first):");
	json_array_foreach(json_object_get(d, "remediation_attempts"), i, x) {
		char fault[32] = "";
		const char *detail = str(x, "detail");
		if (ctl_jint(x, "fault_code"))
			snprintf(fault, sizeof(fault), "  fault %lld", ctl_jint(x, "fault_code"));
		ctl_line("  %-14s incident %lld attempt %lld  %-11s started %s%s%s%s%s",
			 str(x, "command_key"), ctl_jint(x, "incident_id"), ctl_jint(x, "attempt"),
			 str(x, "result"), ctl_jtime_str(x, "started_at"), fault,
			 detail[0] ? "  (" : "", detail, detail[0] ? ")" : "");
	}
	ctl_line("ACS decisions (oldest first):");
	json_array_foreach(json_object_get(d, "history"), i, x)
		ctl_line("  %s  %s", ctl_jtime_str(x, "at"), str(x, "text"));
}

/* A new reference to d's array `key`, or an empty array. */
static json_t *list(json_t *d, const char *key)
{
	json_t *v = json_is_object(d) ? json_object_get(d, key) : NULL;
	return json_is_array(v) ? json_incref(v) : json_array();
}

int ctl_show_pages(struct ctl *c, const char *path, json_t *into)
{
	char next[512] = "";
	for (;;) {
		struct ctl_url u;
		struct ctl_answer a;
		int rc;
		ctl_url_init(&u, path);
		ctl_url_param(&u, "limit", "1000");
		ctl_url_param(&u, "cursor", next[0] ? next : NULL);
		if ((rc = ctl_url_ok(c, &u)) != CTL_OK ||
		    (rc = ctl_call(c, "GET", u.s, NULL, 0, NULL, 0, &a)) != CTL_OK)
			return rc;
		json_array_extend(into, json_object_get(a.json, "indications"));
		const char *nc = ctl_jstr(a.json, "next_cursor");
		snprintf(next, sizeof(next), "%s", nc ? nc : "");
		ctl_answer_clear(&a);
		if (next[0] == '\0')
			return CTL_OK;
	}
}

int ctl_show(struct ctl *c, int argc, char **argv)
{
	if (argc != 2 || argv[1][0] == '-')
		return ctl_usage(c, "expected one DEVICE");
	const char *id = argv[1];
	struct ctl_url u, ui;
	struct ctl_answer dev;
	json_t *inds = json_array();
	int rc;

	ctl_url_init(&u, "/v1/devices");
	ctl_url_seg(&u, id);
	ctl_url_init(&ui, "/v1/devices");
	ctl_url_seg(&ui, id);
	ctl_url_lit(&ui, "/indications");
	if ((rc = ctl_url_ok(c, &ui)) != CTL_OK ||
	    (rc = ctl_call(c, "GET", u.s, NULL, 0, NULL, 404, &dev)) != CTL_OK) {
		json_decref(inds);
		return rc;
	}
	bool enrolled = dev.status != 404;
	if (!enrolled) {
		/* unverified reports may name devices that were never enrolled */
		ctl_url_init(&ui, "/v1/indications");
		ctl_url_param(&ui, "device", id);
	}
	if ((rc = ctl_url_ok(c, &ui)) != CTL_OK || (rc = ctl_show_pages(c, ui.s, inds)) != CTL_OK)
		goto out;
	if (!enrolled && json_array_size(inds) == 0) {
		rc = ctl_error(c, CTL_NOTFOUND, "not_found",
			       "no device '%s' and no indication naming it", id);
		goto out;
	}
	if (c->json) {
		json_t *d = enrolled ? json_deep_copy(dev.json) : json_null();
		json_t *root = json_object();
		json_object_set_new(root, "device_id", json_string(id));
		json_object_set_new(root, "incidents", list(d, "incidents"));
		json_object_set(root, "indications", inds);
		json_object_set_new(root, "remediation_attempts", list(d, "remediation_attempts"));
		json_object_set_new(root, "acs_decisions", list(d, "history"));
		if (enrolled) {
			json_object_del(d, "incidents");
			json_object_del(d, "remediation_attempts");
			json_object_del(d, "history");
		}
		json_object_set_new(root, "device", d);
		rc = ctl_json_print(root);
		goto out;
	}
	if (enrolled)
		show_device(dev.json);
	else
		ctl_line("device %s  (not enrolled)", id);
	ctl_line("indications (newest first):");
	size_t i;
	json_t *r;
	json_array_foreach(inds, i, r)
		ctl_show_indication(r, NULL);
out:
	ctl_answer_clear(&dev);
	json_decref(inds);
	return rc;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * maydayctl show DEVICE: the device, its incidents and every indication
 * naming it (signed and unverified, newest first) with the evidence: failed
 * components with expected (TRV) and measured digests; and its remediation
 * attempts (the incident's state says where remediation stands).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ctl.h"
#include "mayday/indication.h"
#include "store_acs.h"
#include "store_remed.h"

struct show {
	bool json;
	json_t *incidents, *indications, *attempts, *decisions;
};

static int decision(void *ctx, const struct store_acs_note *n)
{
	struct show *s = ctx;
	char at[32];
	if (s->json) {
		json_t *o = json_object();
		json_object_set_new(o, "at", ctl_json_time(n->at));
		json_object_set_new(o, "incident_id", n->incident_id ? json_integer(n->incident_id)
								     : json_null());
		json_object_set_new(o, "text", json_string(n->text));
		json_array_append_new(s->decisions, o);
		return 0;
	}
	ctl_time(n->at, at);
	ctl_line("  %s  %s", at, n->text);
	return 0;
}

static int attempt(void *ctx, const struct store_remed_attempt *a)
{
	struct show *s = ctx;
	if (s->json) {
		json_t *o = json_object();
		json_object_set_new(o, "incident_id", json_integer(a->incident_id));
		json_object_set_new(o, "attempt", json_integer(a->attempt));
		json_object_set_new(o, "command_key", json_string(a->command_key));
		json_object_set_new(o, "result", json_string(a->result));
		json_object_set_new(o, "fault_code", json_integer(a->fault_code));
		json_object_set_new(o, "detail", json_string(a->detail));
		json_object_set_new(o, "bundle", json_string(a->bundle));
		json_object_set_new(o, "bundle_size", json_integer((json_int_t)a->bundle_size));
		json_object_set_new(o, "free_space", json_integer((json_int_t)a->free_space));
		json_object_set_new(o, "max_image_size",
				    json_integer((json_int_t)a->max_image_size));
		json_object_set_new(o, "downloaded", json_boolean(a->token_used));
		json_object_set_new(o, "started_at", ctl_json_time(a->started_at));
		json_object_set_new(o, "finished_at", ctl_json_time(a->finished_at));
		json_array_append_new(s->attempts, o);
		return 0;
	}
	char started[32];
	ctl_time(a->started_at, started);
	char fault[24] = "";
	if (a->fault_code)
		snprintf(fault, sizeof(fault), "  fault %u", a->fault_code);
	ctl_line("  %-14s incident %lld attempt %u  %-11s started %s%s%s%s%s", a->command_key,
		 (long long)a->incident_id, a->attempt, a->result, started, fault,
		 a->detail[0] ? "  (" : "", a->detail, a->detail[0] ? ")" : "");
	return 0;
}

static int incident(void *ctx, const struct store_incident_row *r)
{
	struct show *s = ctx;
	if (s->json) {
		json_t *o = json_object();
		json_object_set_new(o, "id", json_integer(r->id));
		json_object_set_new(o, "state", json_string(r->state));
		json_object_set_new(o, "opened_at", ctl_json_time(r->opened_at));
		json_object_set_new(o, "closed_at", ctl_json_time(r->closed_at));
		json_object_set_new(o, "indications", json_integer((json_int_t)r->n_indications));
		json_array_append_new(s->incidents, o);
		return 0;
	}
	char opened[32], closed[32];
	ctl_time(r->opened_at, opened);
	ctl_time(r->closed_at, closed);
	ctl_line("  incident %lld  %-14s opened %s  closed %s  indications %llu",
		 (long long)r->id, r->state, opened, closed, (unsigned long long)r->n_indications);
	return 0;
}

static json_t *flags_json(uint32_t f)
{
	json_t *a = json_array();
	if (f & MAYDAY_COMP_MISSING)
		json_array_append_new(a, json_string("missing"));
	if (f & MAYDAY_COMP_SIZE_MISMATCH)
		json_array_append_new(a, json_string("size_mismatch"));
	if (f & MAYDAY_COMP_DIGEST_MISMATCH)
		json_array_append_new(a, json_string("digest_mismatch"));
	return a;
}

static json_t *indication_json(const struct store_indication_row *r)
{
	char counter[24];
	json_t *o = json_object(), *comps = json_array();
	snprintf(counter, sizeof(counter), "%llu", (unsigned long long)r->counter);
	json_object_set_new(o, "id", json_integer(r->id));
	/* as a string: a 64-bit counter does not fit every JSON reader's numbers */
	json_object_set_new(o, "counter", json_string(counter));
	/* "trust" and "transport" are the names of version 1; the issue's
	 * vocabulary (method, msg_auth) says the same. */
	json_object_set_new(o, "trust", json_string(store_trust_name(r->trust)));
	json_object_set_new(o, "msg_auth", json_string(store_trust_name(r->trust)));
	json_object_set_new(o, "transport", json_string(mayday_transport_name(r->transport)));
	json_object_set_new(o, "method", json_string(mayday_transport_name(r->transport)));
	json_object_set_new(o, "msg_version", json_integer(r->msg_version));
	json_object_set_new(o, "claims", json_string(r->msg_version == 2 ? "eat" : "mayday1"));
	json_object_set_new(o, "channel_auth", json_string(store_channel_name(r->channel_auth)));
	json_object_set_new(o, "peer_identity", r->peer_identity[0] ? json_string(r->peer_identity)
								 : json_null());
	json_object_set_new(o, "peer", json_string(r->peer));
	json_object_set_new(o, "received_at", ctl_json_time(r->received_at));
	json_object_set_new(o, "device_time", ctl_json_time((int64_t)r->device_time));
	json_object_set_new(o, "reason", json_string(mayday_reason_name(r->reason)));
	json_object_set_new(o, "reason_code", json_integer(r->reason));
	json_object_set_new(o, "image_version", json_string(r->image_version));
	json_object_set_new(o, "dcf_version", json_string(r->dcf_version));
	json_object_set_new(o, "slot", json_string(r->slot == 0 ? "A" : r->slot == 1 ? "B" : "?"));
	json_object_set_new(o, "boot_attempts", json_integer(r->boot_attempts));
	json_object_set_new(o, "incident_id", r->incident_id ? json_integer(r->incident_id)
							     : json_null());
	json_object_set_new(o, "digest", json_string(r->digest_hex));
	for (uint32_t i = 0; i < r->n_failed; i++) {
		const struct store_component_row *c = &r->failed[i];
		json_t *co = json_object();
		json_object_set_new(co, "name", json_string(c->name));
		json_object_set_new(co, "flags", flags_json(c->flags));
		json_object_set_new(co, "expected_size", json_integer((json_int_t)c->expected_size));
		json_object_set_new(co, "measured_size", json_integer((json_int_t)c->measured_size));
		json_object_set_new(co, "expected_digest", json_string(c->expected_hex));
		json_object_set_new(co, "measured_digest", json_string(c->measured_hex));
		json_array_append_new(comps, co);
	}
	json_object_set_new(o, "failed_components", comps);
	if (r->has_attach) {
		json_t *a = json_object();
		json_object_set_new(a, "stage", json_string(mayday_attach_stage_name(r->attach.stage)));
		json_object_set_new(a, "stage_code", json_integer(r->attach.stage));
		json_object_set_new(a, "tries", json_integer(r->attach.tries));
		json_object_set_new(a, "episodes", json_integer(r->attach.episodes));
		json_object_set_new(a, "last_error", json_string(r->attach.last_error));
		json_object_set_new(o, "attach", a);
	}
	return o;
}

static int indication(void *ctx, const struct store_indication_row *r)
{
	struct show *s = ctx;
	if (s->json) {
		json_array_append_new(s->indications, indication_json(r));
		return 0;
	}
	char rx[32];
	ctl_time(r->received_at, rx);
	ctl_line("  #%lld counter %llu  %s  %-10s via %s from %s", (long long)r->id,
		 (unsigned long long)r->counter, rx, store_trust_name(r->trust),
		 mayday_transport_name(r->transport), r->peer);
	ctl_line("      message version %u (%s claims)", r->msg_version,
		 r->msg_version == 2 ? "EAT" : "mayday");
	if (r->channel_auth != STORE_CHANNEL_NONE)
		ctl_line("      channel authenticated (%s): %s", store_channel_name(r->channel_auth),
			 r->peer_identity);
	char incident[32] = "";
	if (r->incident_id)
		snprintf(incident, sizeof(incident), ", incident %lld", (long long)r->incident_id);
	ctl_line("      reason %s; image %s, dcf %s, slot %s, boot attempts %u%s",
		 mayday_reason_name(r->reason), r->image_version[0] ? r->image_version : "-",
		 r->dcf_version, r->slot == 0 ? "A" : r->slot == 1 ? "B" : "?", r->boot_attempts,
		 incident);
	if (r->trust != STORE_TRUST_SIGNED)
		ctl_line("      (not authenticated: evidence below is the sender's claim only)");
	if (r->has_attach)
		ctl_line("      attach failed: %s after %u tr%s, episode %u, last error \"%s\"",
			 mayday_attach_stage_name(r->attach.stage), r->attach.tries,
			 r->attach.tries == 1 ? "y" : "ies", r->attach.episodes,
			 r->attach.last_error);
	for (uint32_t i = 0; i < r->n_failed; i++) {
		const struct store_component_row *c = &r->failed[i];
		ctl_line("      failed %-20s %s%s%s size expected %llu measured %llu", c->name,
			 c->flags & MAYDAY_COMP_MISSING ? "[missing] " : "",
			 c->flags & MAYDAY_COMP_SIZE_MISMATCH ? "[size] " : "",
			 c->flags & MAYDAY_COMP_DIGEST_MISMATCH ? "[digest] " : "",
			 (unsigned long long)c->expected_size, (unsigned long long)c->measured_size);
		ctl_line("        expected %s", c->expected_hex);
		ctl_line("        measured %s", c->measured_hex);
	}
	return 0;
}

static int any_row(void *ctx, const struct store_indication_row *r)
{
	(void)r;
	*(int *)ctx = 1;
	return 1;
}

int ctl_show(struct ctl *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{"json", no_argument, NULL, 'j'},
		{NULL, 0, NULL, 0},
	};
	struct store_device_row dev;
	int o, has_device;
	enum mayday_err err;
	optind = 1;
	while ((o = getopt_long(argc, argv, "j", opts, NULL)) != -1) {
		if (o != 'j')
			return CTL_USAGE;
		c->json = true;
	}
	if (argc - optind != 1) {
		fprintf(stderr, "maydayctl show: expected one DEVICE\n");
		return CTL_USAGE;
	}
	const char *id = argv[optind];
	err = store_get_device(c->st, id, &dev);
	if (err != MAYDAY_OK && err != MAYDAY_E_NOTFOUND)
		return ctl_store_fail(c, "reading device", err);
	has_device = err == MAYDAY_OK;
	if (!has_device) {
		/* Unverified reports may name devices that were never enrolled. */
		int any = 0;
		if ((err = store_list_indications(c->st, id, any_row, &any)) != MAYDAY_OK)
			return ctl_store_fail(c, "reading history", err);
		if (!any) {
			fprintf(stderr, "maydayctl: no device '%s' and no indication naming it\n", id);
			return CTL_NOTFOUND;
		}
	}

	struct show s = {.json = c->json};
	json_t *root = NULL;
	if (c->json) {
		root = json_object();
		s.incidents = json_array();
		s.indications = json_array();
		s.attempts = json_array();
		s.decisions = json_array();
		json_t *d = json_null();
		if (has_device) {
			d = json_object();
			json_object_set_new(d, "device_id", json_string(dev.id));
			json_object_set_new(d, "product_class", json_string(dev.product_class));
			json_object_set_new(d, "state", json_string(dev.state));
			json_object_set_new(d, "state_since", ctl_json_time(dev.state_since));
			json_object_set_new(d, "enrolled_at", ctl_json_time(dev.enrolled_at));
			json_object_set_new(d, "last_seen", ctl_json_time(dev.last_seen));
			json_object_set_new(d, "last_seen_s", dev.last_seen ? json_integer(dev.last_seen)
									   : json_null());
			json_object_set_new(d, "psk_kid", dev.psk_kid_hex[0]
							     ? json_string(dev.psk_kid_hex)
							     : json_null());
		}
		json_object_set_new(root, "device_id", json_string(id));
		json_object_set_new(root, "device", d);
		json_object_set_new(root, "incidents", s.incidents);
		json_object_set_new(root, "indications", s.indications);
		json_object_set_new(root, "remediation_attempts", s.attempts);
		json_object_set_new(root, "acs_decisions", s.decisions);
	} else if (has_device) {
		char since[32], enrolled[32];
		ctl_time(dev.state_since, since);
		ctl_time(dev.enrolled_at, enrolled);
		ctl_line("device %s  class %s  enrolled %s", dev.id, dev.product_class, enrolled);
		ctl_line("  state %s since %s", dev.state, since);
		char seen[32], ago[32];
		ctl_time(dev.last_seen, seen);
		ctl_ago(dev.last_seen, (int64_t)time(NULL), ago);
		ctl_line("  last seen %s%s%s%s", dev.last_seen ? seen : "never (counts from enrolment)",
			 dev.last_seen ? " (" : "", dev.last_seen ? ago : "", dev.last_seen ? ")" : "");
		if (dev.psk_kid_hex[0])
			ctl_line("  psk kid %s", dev.psk_kid_hex);
	} else {
		ctl_line("device %s  (not enrolled)", id);
	}
	if (has_device && !c->json)
		ctl_line("incidents:");
	if (has_device && (err = store_list_incidents(c->st, id, incident, &s)) != MAYDAY_OK)
		goto fail;
	if (has_device && !c->json)
		ctl_line("remediation attempts (newest first):");
	if (has_device && (err = store_remed_list(c->st, id, attempt, &s)) != MAYDAY_OK)
		goto fail;
	if (has_device && !c->json)
		ctl_line("ACS decisions (oldest first):");
	if (has_device && (err = store_acs_notes(c->st, id, decision, &s)) != MAYDAY_OK)
		goto fail;
	if (!c->json)
		ctl_line("indications (newest first):");
	if ((err = store_list_indications(c->st, id, indication, &s)) != MAYDAY_OK)
		goto fail;
	return c->json ? ctl_json_print(root) : CTL_OK;
fail:
	json_decref(root);
	return ctl_store_fail(c, "reading history", err);
}

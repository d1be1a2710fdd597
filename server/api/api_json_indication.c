/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The Indication object (api_json.h): `maydayctl show --json`'s indication
 * element, plus the device it names and whether that device is enrolled
 * (an unverified report may name a device that never was).
 */
#include <stdio.h>

#include "api_json.h"
#include "mayday/indication.h"

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

json_t *api_json_indication(const struct store_indication_row *r, bool enrolled)
{
	char counter[24];
	json_t *o = json_object(), *comps = json_array();
	if (o == NULL || comps == NULL) {
		json_decref(o);
		json_decref(comps);
		return NULL;
	}
	snprintf(counter, sizeof(counter), "%llu", (unsigned long long)r->counter);
	json_object_set_new(o, "id", json_integer(r->id));
	json_object_set_new(o, "device_id", api_json_str(r->device_id));
	json_object_set_new(o, "device_enrolled", json_boolean(enrolled));
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
	json_object_set_new(o, "peer_identity", r->peer_identity[0] ? api_json_str(r->peer_identity)
								 : json_null());
	json_object_set_new(o, "peer", api_json_str(r->peer));
	json_object_set_new(o, "received_at", api_json_time(r->received_at));
	json_object_set_new(o, "device_time", api_json_time((int64_t)r->device_time));
	json_object_set_new(o, "reason", json_string(mayday_reason_name(r->reason)));
	json_object_set_new(o, "reason_code", json_integer(r->reason));
	json_object_set_new(o, "image_version", api_json_str(r->image_version));
	json_object_set_new(o, "dcf_version", api_json_str(r->dcf_version));
	json_object_set_new(o, "slot", json_string(r->slot == 0 ? "A" : r->slot == 1 ? "B" : "?"));
	json_object_set_new(o, "boot_attempts", json_integer(r->boot_attempts));
	json_object_set_new(o, "incident_id", r->incident_id ? json_integer(r->incident_id)
							     : json_null());
	json_object_set_new(o, "digest", json_string(r->digest_hex));
	for (uint32_t i = 0; i < r->n_failed; i++) {
		const struct store_component_row *c = &r->failed[i];
		json_t *co = json_object();
		json_object_set_new(co, "name", api_json_str(c->name));
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
		json_object_set_new(a, "last_error", api_json_str(r->attach.last_error));
		json_object_set_new(o, "attach", a);
	}
	return o;
}

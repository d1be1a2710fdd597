/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A device's history as JSON (api_json.h): incidents, remediation attempts
 * and the ACS's decisions, in `maydayctl show --json`'s shapes; and the
 * failed attempts that paused a class (`maydayctl classes --json`).
 */
#include "api_json.h"

json_t *api_json_incident(const struct store_incident_row *r)
{
	json_t *o = json_object();
	if (o == NULL)
		return NULL;
	json_object_set_new(o, "id", json_integer(r->id));
	json_object_set_new(o, "state", json_string(r->state));
	json_object_set_new(o, "opened_at", api_json_time(r->opened_at));
	json_object_set_new(o, "closed_at", api_json_time(r->closed_at));
	json_object_set_new(o, "indications", json_integer((json_int_t)r->n_indications));
	return o;
}

json_t *api_json_attempt(const struct store_remed_attempt *a)
{
	json_t *o = json_object();
	if (o == NULL)
		return NULL;
	json_object_set_new(o, "incident_id", json_integer(a->incident_id));
	json_object_set_new(o, "attempt", json_integer(a->attempt));
	json_object_set_new(o, "command_key", json_string(a->command_key));
	json_object_set_new(o, "result", json_string(a->result));
	json_object_set_new(o, "fault_code", json_integer(a->fault_code));
	json_object_set_new(o, "detail", api_json_str(a->detail));
	json_object_set_new(o, "bundle", api_json_str(a->bundle));
	json_object_set_new(o, "bundle_size", json_integer((json_int_t)a->bundle_size));
	json_object_set_new(o, "free_space", json_integer((json_int_t)a->free_space));
	json_object_set_new(o, "max_image_size", json_integer((json_int_t)a->max_image_size));
	json_object_set_new(o, "downloaded", json_boolean(a->token_used));
	json_object_set_new(o, "started_at", api_json_time(a->started_at));
	json_object_set_new(o, "finished_at", api_json_time(a->finished_at));
	return o;
}

json_t *api_json_note(const struct store_acs_note *n)
{
	json_t *o = json_object();
	if (o == NULL)
		return NULL;
	json_object_set_new(o, "at", api_json_time(n->at));
	json_object_set_new(o, "incident_id", n->incident_id ? json_integer(n->incident_id)
							     : json_null());
	json_object_set_new(o, "text", api_json_str(n->text));
	return o;
}

json_t *api_json_class_failure(const struct store_remed_attempt *a)
{
	json_t *o = json_object();
	if (o == NULL)
		return NULL;
	json_object_set_new(o, "device_id", api_json_str(a->device_id));
	json_object_set_new(o, "command_key", json_string(a->command_key));
	json_object_set_new(o, "fault_code", json_integer(a->fault_code));
	json_object_set_new(o, "detail", api_json_str(a->detail));
	json_object_set_new(o, "finished_at", api_json_time(a->finished_at));
	return o;
}

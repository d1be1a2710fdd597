/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Product classes and the fleet view as JSON (api_json.h). A class keeps
 * `maydayctl classes --json`'s names (product_class, paused_since) beside
 * the API's (name, paused_at), so scripts written against either read it.
 */
#include "api_json.h"

json_t *api_json_class(const struct store_remed_class *k)
{
	json_t *o = json_object();
	if (o == NULL)
		return NULL;
	json_object_set_new(o, "name", json_string(k->product_class));
	json_object_set_new(o, "product_class", json_string(k->product_class));
	json_object_set_new(o, "devices", json_integer(k->devices));
	json_object_set_new(o, "in_distress", json_integer(k->in_distress));
	json_object_set_new(o, "remediation_scheduled", json_integer(k->scheduled));
	json_object_set_new(o, "remediation_in_progress", json_integer(k->in_progress));
	json_object_set_new(o, "installed", json_integer(k->installed));
	json_object_set_new(o, "remediation_failed", json_integer(k->failed));
	json_object_set_new(o, "paused", json_boolean(k->paused));
	json_object_set_new(o, "paused_at", api_json_time(k->paused_at));
	json_object_set_new(o, "paused_since", api_json_time(k->paused_at));
	json_object_set_new(o, "pause_failures", json_integer(k->pause_failures));
	json_object_set_new(o, "resumed_at", api_json_time(k->resumed_at));
	return o;
}

json_t *api_json_fleet_group(enum store_fleet_by by, const struct store_fleet_row *r)
{
	json_t *o = json_object();
	if (o == NULL)
		return NULL;
	json_object_set_new(o, "key", api_json_str(r->key));
	/* the names `maydayctl devices --json` uses */
	json_object_set_new(o, by == STORE_FLEET_CLASS ? "product_class"
			    : by == STORE_FLEET_IMAGE ? "image_version"
			    : by == STORE_FLEET_HOUR ? "hour" : "component",
			    api_json_str(r->key));
	if (by == STORE_FLEET_DIGEST)
		json_object_set_new(o, "measured_digest", json_string(r->digest_hex));
	json_object_set_new(o, "devices", json_integer((json_int_t)r->devices));
	json_object_set_new(o, "indications", json_integer((json_int_t)r->indications));
	json_object_set_new(o, "last_at", api_json_time(r->last_at));
	return o;
}

json_t *api_json_anomaly(const struct store_anomaly_row *a)
{
	json_t *o = json_object();
	if (o == NULL)
		return NULL;
	json_object_set_new(o, "id", json_integer(a->id));
	json_object_set_new(o, "class", json_string(a->product_class));
	json_object_set_new(o, "component", api_json_str(a->component));
	json_object_set_new(o, "devices", json_integer((json_int_t)a->devices));
	json_object_set_new(o, "threshold", json_integer((json_int_t)a->threshold));
	json_object_set_new(o, "window_s", json_integer(a->window_s));
	json_object_set_new(o, "detected_at", api_json_time(a->at));
	json_object_set_new(o, "paused", json_boolean(a->paused));
	return o;
}

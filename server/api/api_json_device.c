/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The Device object (api_json.h): the fields of `maydayctl devices --json`
 * and of `show --json`'s device, and what the API adds (revocation, the
 * latest signed indication's image version and first failed component).
 */
#include "api_json.h"
#include "mayday/evidence.h"

json_t *api_json_device(const struct store_api_device *x)
{
	const struct store_device_row *d = &x->d;
	const char *reason = d->has_reason ? mayday_reason_name(d->last_reason) : NULL;
	json_t *o = json_object();
	if (o == NULL)
		return NULL;
	json_object_set_new(o, "device_id", api_json_str(d->id));
	json_object_set_new(o, "product_class", api_json_str(d->product_class));
	json_object_set_new(o, "state", api_json_str(d->state));
	json_object_set_new(o, "state_since", api_json_time(d->state_since));
	json_object_set_new(o, "enrolled_at", api_json_time(d->enrolled_at));
	json_object_set_new(o, "last_seen", api_json_time(d->last_seen));
	json_object_set_new(o, "last_seen_s", d->last_seen ? json_integer(d->last_seen) : json_null());
	json_object_set_new(o, "last_reason", reason ? json_string(reason) : json_null());
	json_object_set_new(o, "indications", json_integer((json_int_t)d->n_signed));
	json_object_set_new(o, "unverified_indications", json_integer((json_int_t)d->n_unverified));
	json_object_set_new(o, "last_msg_version", d->last_msg_version
			    ? json_integer(d->last_msg_version) : json_null());
	json_object_set_new(o, "psk_kid", d->psk_kid_hex[0] ? json_string(d->psk_kid_hex)
							    : json_null());
	json_object_set_new(o, "revoked_at", api_json_time(x->revoked_at));
	json_object_set_new(o, "revoked_by", x->revoked_at && x->revoked_by[0]
			    ? api_json_str(x->revoked_by) : json_null());
	json_object_set_new(o, "image_version", x->has_image ? api_json_str(x->image_version)
							     : json_null());
	json_object_set_new(o, "last_failed_component", x->last_failed_component[0]
			    ? api_json_str(x->last_failed_component) : json_null());
	return o;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Outbox events as VES faults (srv_ves.h). jansson reads the outbox
 * document and builds the VES one; this file decides which alarm an event
 * raises or clears and how severe it is (the table below and in
 * docs/operations.md), and cuts every copied string so the result stays
 * within SRV_VES_EVENT_MAX.
 */
#include "srv_ves.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "mayday/evidence.h"

#define STATE_TEXT_MAX 32

/* An incident's state as a deviceDistress severity; NULL: no fault. */
static const struct {
	const char *state, *severity;
} distress_severity[] = {
	{"in_distress", "CRITICAL"},
	{"remediation_failed", "CRITICAL"},
	{"remediation_scheduled", "MAJOR"},
	{"remediation_in_progress", "MAJOR"},
	{"installed", "MINOR"},
	{"recovered", "NORMAL"},
	{"resolved", "NORMAL"},
	{"healthy", "NORMAL"},
};

/* One fault, before it is JSON. */
struct fault {
	const char *condition, *severity, *vf_status;
	char source[SRV_VES_TEXT_MAX + 1];
	char problem[2 * SRV_VES_TEXT_MAX];
	int64_t start_s;
};

/* src cut to at most cap - 1 bytes, never inside a UTF-8 character. */
static void clip(char *dst, size_t cap, const char *src)
{
	size_t n = strlen(src);
	if (n >= cap) {
		n = cap - 1;
		while (n > 0 && ((unsigned char)src[n] & 0xC0) == 0x80)
			n--;
	}
	memcpy(dst, src, n);
	dst[n] = '\0';
}

static const char *str_of(json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));
	return s ? s : "";
}

static int add_str(json_t *obj, const char *key, const char *value)
{
	return json_object_set_new(obj, key, json_string(value));
}

/* A hashMap entry, cut like everything else; nothing when value is "". */
static int add_info(json_t *info, const char *key, const char *value, size_t cap)
{
	char buf[SRV_VES_TEXT_MAX + 1];
	if (value[0] == '\0')
		return 0;
	clip(buf, cap < sizeof(buf) ? cap : sizeof(buf), value);
	return add_str(info, key, buf);
}

static int add_info_int(json_t *info, const char *key, json_t *v)
{
	char buf[24];
	if (!json_is_integer(v))
		return 0;
	snprintf(buf, sizeof(buf), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	return add_str(info, key, buf);
}

/* The incident's problem, the same for each of its events: the reason of
 * its first signed indication and that one's first failed component. */
static void distress_problem(struct fault *f, const struct store_event_context *ctx)
{
	char comp[MAYDAY_NAME_MAX + 1] = "";
	if (ctx == NULL || !ctx->has_reason) {
		snprintf(f->problem, sizeof(f->problem), "distress");
		return;
	}
	clip(comp, sizeof(comp), ctx->component);
	if (comp[0])
		snprintf(f->problem, sizeof(f->problem), "%s: component %s",
			 mayday_reason_name(ctx->reason), comp);
	else
		snprintf(f->problem, sizeof(f->problem), "%s", mayday_reason_name(ctx->reason));
}

/* Which alarm `type` raises or clears; false: no fault. */
static bool fault_of(const char *type, json_t *doc, json_t *data,
		     const struct store_event_context *ctx, struct fault *f)
{
	const char *device = str_of(doc, "device_id");
	memset(f, 0, sizeof(*f));
	if (strcmp(type, "incident.opened") == 0 || strcmp(type, "incident.state_changed") == 0) {
		const char *to = str_of(data, "to_state");
		for (size_t i = 0; i < sizeof(distress_severity) / sizeof(distress_severity[0]); i++)
			if (strcmp(to, distress_severity[i].state) == 0)
				f->severity = distress_severity[i].severity;
		if (f->severity == NULL || device[0] == '\0')
			return false;   /* an approval, or a state that is no alarm */
		f->condition = "deviceDistress";
		/* A device in distress runs its DCF only: no service. */
		f->vf_status = strcmp(f->severity, "NORMAL") == 0 ? "Active" : "Idle";
		clip(f->source, sizeof(f->source), device);
		distress_problem(f, ctx);
		if (ctx != NULL && ctx->opened_at > 0)
			f->start_s = ctx->opened_at;
		return true;
	}
	if (strcmp(type, "device.unreachable") == 0 || strcmp(type, "device.reachable") == 0) {
		if (device[0] == '\0')
			return false;
		bool raise = strcmp(type, "device.unreachable") == 0;
		f->condition = "deviceUnreachable";
		f->severity = raise ? "MAJOR" : "NORMAL";
		f->vf_status = raise ? "Idle" : "Active";
		clip(f->source, sizeof(f->source), device);
		snprintf(f->problem, sizeof(f->problem),
			 "silence: no authenticated contact within the class's interval");
		return true;
	}
	if (strcmp(type, "fleet.anomaly") == 0 || strcmp(type, "class.resumed") == 0) {
		const char *cls = str_of(data, "product_class");
		if (cls[0] == '\0')
			return false;
		bool raise = strcmp(type, "fleet.anomaly") == 0;
		char comp[MAYDAY_NAME_MAX + 1];
		clip(comp, sizeof(comp), str_of(data, "component"));
		f->condition = "fleetAnomaly";
		f->severity = raise ? "CRITICAL" : "NORMAL";
		f->vf_status = "Active";
		clip(f->source, sizeof(f->source), cls);
		if (raise)
			snprintf(f->problem, sizeof(f->problem),
				 "fleet-anomaly: component %s on %" JSON_INTEGER_FORMAT
				 " devices within %" JSON_INTEGER_FORMAT "s", comp,
				 json_integer_value(json_object_get(data, "devices")),
				 json_integer_value(json_object_get(data, "window_s")));
		else
			snprintf(f->problem, sizeof(f->problem),
				 "fleet-anomaly: remediation of the class resumed");
		return true;
	}
	return false;
}

static const char *priority_of(const char *severity)
{
	if (strcmp(severity, "CRITICAL") == 0)
		return "High";
	return strcmp(severity, "MAJOR") == 0 ? "Medium" : "Normal";
}

/* The outbox document, checked for the members every event has. */
static json_t *load(const char *doc, size_t len)
{
	json_t *j = json_loadb(doc, len, JSON_REJECT_DUPLICATES, NULL);
	if (j != NULL && (!json_is_object(j) || !json_is_integer(json_object_get(j, "id")) ||
			  !json_is_string(json_object_get(j, "type")) ||
			  !json_is_integer(json_object_get(j, "created_at")) ||
			  !json_is_object(json_object_get(j, "data")))) {
		json_decref(j);
		j = NULL;
	}
	return j;
}

enum mayday_err srv_ves_subject(const char *doc, size_t len, struct srv_ves_subject *out)
{
	memset(out, 0, sizeof(*out));
	json_t *j = load(doc, len);
	if (j == NULL)
		return MAYDAY_E_INVALID;
	clip(out->device_id, sizeof(out->device_id), str_of(j, "device_id"));
	json_t *inc = json_object_get(json_object_get(j, "data"), "incident_id");
	if (json_is_integer(inc) && json_integer_value(inc) > 0)
		out->incident_id = json_integer_value(inc);
	json_decref(j);
	return MAYDAY_OK;
}

/* json_object_set_new takes value even when it fails, so a chain of them
 * leaks nothing; the result is 0 only if every one succeeded. */
static int add(json_t *obj, const char *key, json_t *value)
{
	return json_object_set_new(obj, key, value);
}

static json_t *header(const struct fault *f, json_int_t id, json_int_t at,
		      const char *reporting_entity)
{
	char event_id[40], name[64], entity[SRV_VES_ENTITY_MAX + 1];
	json_t *h = json_object();
	if (h == NULL)
		return NULL;
	snprintf(event_id, sizeof(event_id), "mayday-%" JSON_INTEGER_FORMAT, id);
	snprintf(name, sizeof(name), "Fault_mayday_%s", f->condition);
	clip(entity, sizeof(entity), reporting_entity);
	json_int_t start = f->start_s > 0 && f->start_s <= at ? f->start_s : at;
	int bad = add_str(h, "domain", "fault") | add_str(h, "eventId", event_id) |
		  add_str(h, "eventName", name) | add_str(h, "eventType", "mayday") |
		  add(h, "lastEpochMicrosec", json_integer(at * 1000000)) |
		  add_str(h, "nfVendorName", "mayday") |
		  add_str(h, "priority", priority_of(f->severity)) |
		  add_str(h, "reportingEntityName", entity) | add(h, "sequence", json_integer(id)) |
		  add_str(h, "sourceName", f->source) |
		  add(h, "startEpochMicrosec", json_integer(start * 1000000)) |
		  add_str(h, "timeZoneOffset", "UTC+00.00") | add_str(h, "version", "4.1") |
		  add_str(h, "vesEventListenerVersion", SRV_VES_LISTENER_VERSION);
	if (bad) {
		json_decref(h);
		return NULL;
	}
	return h;
}

static json_t *fault_fields(const struct fault *f, json_t *info)
{
	json_t *ff = json_object();
	if (ff == NULL) {
		json_decref(info);
		return NULL;
	}
	int bad = add(ff, "alarmAdditionalInformation", info) |
		  add_str(ff, "alarmCondition", f->condition) |
		  add_str(ff, "eventSeverity", f->severity) |
		  add_str(ff, "eventSourceType", "HeNB") | add_str(ff, "faultFieldsVersion", "4.0") |
		  add_str(ff, "specificProblem", f->problem) | add_str(ff, "vfStatus", f->vf_status);
	if (bad) {
		json_decref(ff);
		return NULL;
	}
	return ff;
}

static json_t *info_of(const char *type, json_int_t id, json_t *data,
		       const struct store_event_context *ctx)
{
	char oid[24];
	json_t *info = json_object();
	if (info == NULL)
		return NULL;
	snprintf(oid, sizeof(oid), "%" JSON_INTEGER_FORMAT, id);
	int bad = add_str(info, "eventType", type) | add_str(info, "outboxEventId", oid) |
		  add_info_int(info, "incidentId", json_object_get(data, "incident_id")) |
		  add_info(info, "state", str_of(data, "to_state"), STATE_TEXT_MAX + 1) |
		  add_info(info, "fromState", str_of(data, "from_state"), STATE_TEXT_MAX + 1) |
		  add_info(info, "productClass",
			   ctx != NULL ? ctx->product_class : str_of(data, "product_class"),
			   MAYDAY_CLASS_MAX + 1);
	if (ctx != NULL && ctx->has_reason)
		bad |= add_str(info, "reason", mayday_reason_name(ctx->reason)) |
		       add_info(info, "component", ctx->component, MAYDAY_NAME_MAX + 1);
	if (ctx == NULL) {
		bad |= add_info(info, "component", str_of(data, "component"), MAYDAY_NAME_MAX + 1) |
		       add_info_int(info, "devices", json_object_get(data, "devices")) |
		       add_info_int(info, "threshold", json_object_get(data, "threshold")) |
		       add_info_int(info, "windowS", json_object_get(data, "window_s")) |
		       add_info_int(info, "anomalyId", json_object_get(data, "anomaly_id"));
	}
	if (bad) {
		json_decref(info);
		return NULL;
	}
	return info;
}

enum mayday_err srv_ves_map(const char *doc, size_t len, const struct store_event_context *ctx,
			    const char *reporting_entity, json_t **out)
{
	struct fault f;
	*out = NULL;
	json_t *j = load(doc, len);
	if (j == NULL)
		return MAYDAY_E_INVALID;
	char type[STORE_EVENT_TYPE_MAX + 1];
	clip(type, sizeof(type), str_of(j, "type"));
	json_t *data = json_object_get(j, "data");
	json_int_t id = json_integer_value(json_object_get(j, "id"));
	json_int_t at = json_integer_value(json_object_get(j, "created_at"));
	enum mayday_err err = MAYDAY_OK;
	/* Class-wide events have no device, so no context of one. */
	if (str_of(j, "device_id")[0] == '\0')
		ctx = NULL;
	if (id <= 0 || at < 0 || at > INT64_MAX / 1000000) {
		err = MAYDAY_E_INVALID;
	} else if (fault_of(type, j, data, ctx, &f)) {
		json_t *ev = json_object();
		json_t *info = info_of(type, id, data, ctx);
		if (ev == NULL || info == NULL ||
		    add(ev, "commonEventHeader", header(&f, id, at, reporting_entity)) != 0 ||
		    add(ev, "faultFields", fault_fields(&f, info)) != 0) {
			if (ev == NULL || json_object_get(ev, "commonEventHeader") == NULL)
				json_decref(info);   /* not yet handed to fault_fields */
			json_decref(ev);
			err = MAYDAY_E_NOMEM;
		} else {
			*out = ev;
		}
	}
	json_decref(j);
	return err;
}

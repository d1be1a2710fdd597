/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Outbox events as VES faults (srv_ves.h): every event type the outbox
 * writes maps to its alarm and severity or to none; each raise and its
 * clear carry the same alarmCondition, sourceName and specificProblem, so
 * a fault manager pairs them; documents that are not events are refused;
 * and the longest, most escaped strings still give at most
 * SRV_VES_EVENT_MAX bytes. (The schema check of the events maydayd sends
 * is integration-server-ves.)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mayday/evidence.h"
#include "srv_ves.h"

static const struct store_event_context ctx_rootfs = {
	.product_class = "femto-a",
	.opened_at = 1765090000,
	.has_reason = true,
	.reason = MAYDAY_REASON_COMPONENT_MISMATCH,
	.component = "rootfs",
};

/* The VES event of doc, or NULL when it is no fault (asserted to map). */
static json_t *map(const char *doc, const struct store_event_context *ctx)
{
	json_t *out = NULL;
	assert_int_equal(srv_ves_map(doc, strlen(doc), ctx, "hems-1", &out), MAYDAY_OK);
	return out;
}

static const char *hdr(json_t *ev, const char *key)
{
	return json_string_value(json_object_get(json_object_get(ev, "commonEventHeader"), key));
}

static json_int_t hdr_int(json_t *ev, const char *key)
{
	return json_integer_value(json_object_get(json_object_get(ev, "commonEventHeader"), key));
}

static const char *ff(json_t *ev, const char *key)
{
	return json_string_value(json_object_get(json_object_get(ev, "faultFields"), key));
}

static const char *info(json_t *ev, const char *key)
{
	json_t *i = json_object_get(json_object_get(ev, "faultFields"),
				    "alarmAdditionalInformation");
	return json_string_value(json_object_get(i, key));
}

/* An incident event of hnb-1's incident 3 moving to `to`. */
static json_t *incident(const char *type, int id, const char *from, const char *to,
			const struct store_event_context *ctx)
{
	char doc[512];
	snprintf(doc, sizeof(doc),
		 "{\"id\":%d,\"type\":\"%s\",\"created_at\":1765090100,\"device_id\":\"hnb-1\","
		 "\"data\":{\"incident_id\":3,\"kind\":\"state\",\"from_state\":\"%s\","
		 "\"to_state\":\"%s\",\"indication_id\":null}}", id, type, from, to);
	return map(doc, ctx);
}

static void test_opened_is_a_critical_raise(void **state)
{
	(void)state;
	json_t *ev = incident("incident.opened", 7, "healthy", "in_distress", &ctx_rootfs);
	assert_non_null(ev);
	assert_string_equal(hdr(ev, "domain"), "fault");
	assert_string_equal(hdr(ev, "eventId"), "mayday-7");
	assert_string_equal(hdr(ev, "eventName"), "Fault_mayday_deviceDistress");
	assert_string_equal(hdr(ev, "sourceName"), "hnb-1");
	assert_string_equal(hdr(ev, "reportingEntityName"), "hems-1");
	assert_string_equal(hdr(ev, "priority"), "High");
	assert_string_equal(hdr(ev, "version"), "4.1");
	assert_string_equal(hdr(ev, "vesEventListenerVersion"), "7.2.1");
	assert_int_equal(hdr_int(ev, "sequence"), 7);
	/* the alarm started when the incident opened; this event is later */
	assert_int_equal(hdr_int(ev, "startEpochMicrosec"), 1765090000LL * 1000000);
	assert_int_equal(hdr_int(ev, "lastEpochMicrosec"), 1765090100LL * 1000000);
	assert_string_equal(ff(ev, "faultFieldsVersion"), "4.0");
	assert_string_equal(ff(ev, "alarmCondition"), "deviceDistress");
	assert_string_equal(ff(ev, "eventSeverity"), "CRITICAL");
	assert_string_equal(ff(ev, "eventSourceType"), "HeNB");
	assert_string_equal(ff(ev, "vfStatus"), "Idle");
	assert_string_equal(ff(ev, "specificProblem"), "component-mismatch: component rootfs");
	assert_string_equal(info(ev, "incidentId"), "3");
	assert_string_equal(info(ev, "state"), "in_distress");
	assert_string_equal(info(ev, "productClass"), "femto-a");
	assert_string_equal(info(ev, "eventType"), "incident.opened");
	assert_string_equal(info(ev, "component"), "rootfs");
	json_decref(ev);
}

/* Every incident state: its severity, or no fault. */
static void test_severity_by_state(void **state)
{
	static const struct {
		const char *to, *severity, *vf;
	} cases[] = {
		{"in_distress", "CRITICAL", "Idle"},
		{"remediation_scheduled", "MAJOR", "Idle"},
		{"remediation_in_progress", "MAJOR", "Idle"},
		{"installed", "MINOR", "Idle"},
		{"remediation_failed", "CRITICAL", "Idle"},
		{"recovered", "NORMAL", "Active"},
		{"resolved", "NORMAL", "Active"},
		{"healthy", "NORMAL", "Active"},
		{"unreachable", NULL, NULL},   /* device.unreachable is that alarm */
		{"no-such-state", NULL, NULL},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *ev = incident("incident.state_changed", 10 + (int)i, "in_distress",
				      cases[i].to, &ctx_rootfs);
		if (cases[i].severity == NULL) {
			assert_null(ev);
			continue;
		}
		assert_non_null(ev);
		assert_string_equal(ff(ev, "alarmCondition"), "deviceDistress");
		assert_string_equal(ff(ev, "eventSeverity"), cases[i].severity);
		assert_string_equal(ff(ev, "vfStatus"), cases[i].vf);
		assert_string_equal(hdr(ev, "priority"),
				    strcmp(cases[i].severity, "CRITICAL") == 0 ? "High"
				    : strcmp(cases[i].severity, "MAJOR") == 0 ? "Medium"
									   : "Normal");
		json_decref(ev);
	}
	/* an approval changes no state: no fault */
	assert_null(map("{\"id\":30,\"type\":\"incident.state_changed\",\"created_at\":1,"
			"\"device_id\":\"hnb-1\",\"data\":{\"incident_id\":3,\"kind\":\"approved\","
			"\"from_state\":null,\"to_state\":null,\"indication_id\":null}}",
			&ctx_rootfs));
}

/* A raise and its clear: the same alarm, source and problem, so a fault
 * manager pairs them. */
static void assert_pair(json_t *raise, json_t *clear)
{
	assert_non_null(raise);
	assert_non_null(clear);
	assert_string_not_equal(ff(raise, "eventSeverity"), "NORMAL");
	assert_string_equal(ff(clear, "eventSeverity"), "NORMAL");
	assert_string_equal(ff(raise, "alarmCondition"), ff(clear, "alarmCondition"));
	assert_string_equal(hdr(raise, "sourceName"), hdr(clear, "sourceName"));
	assert_string_equal(hdr(raise, "eventName"), hdr(clear, "eventName"));
	assert_string_not_equal(hdr(raise, "eventId"), hdr(clear, "eventId"));
	json_decref(raise);
	json_decref(clear);
}

static void test_clears_pair_with_raises(void **state)
{
	(void)state;
	json_t *r = incident("incident.opened", 40, "healthy", "in_distress", &ctx_rootfs);
	json_t *c = incident("incident.state_changed", 41, "installed", "recovered", &ctx_rootfs);
	assert_string_equal(ff(r, "specificProblem"), ff(c, "specificProblem"));
	assert_pair(r, c);

	r = map("{\"id\":50,\"type\":\"device.unreachable\",\"created_at\":100,"
		"\"device_id\":\"hnb-2\",\"data\":{\"incident_id\":4,\"kind\":\"silent\","
		"\"from_state\":\"healthy\",\"to_state\":\"unreachable\",\"indication_id\":null}}",
		&ctx_rootfs);
	c = map("{\"id\":51,\"type\":\"device.reachable\",\"created_at\":200,"
		"\"device_id\":\"hnb-2\",\"data\":{\"incident_id\":4,\"kind\":\"heard\","
		"\"from_state\":\"unreachable\",\"to_state\":\"healthy\",\"indication_id\":null}}",
		&ctx_rootfs);
	assert_string_equal(ff(r, "alarmCondition"), "deviceUnreachable");
	assert_string_equal(ff(r, "eventSeverity"), "MAJOR");
	assert_string_equal(hdr(r, "sourceName"), "hnb-2");
	assert_string_equal(ff(r, "specificProblem"), ff(c, "specificProblem"));
	assert_pair(r, c);

	/* class-wide: the class is the source, whatever context is passed */
	r = map("{\"id\":60,\"type\":\"fleet.anomaly\",\"created_at\":300,\"device_id\":null,"
		"\"data\":{\"anomaly_id\":1,\"product_class\":\"femto-a\",\"component\":\"rootfs\","
		"\"devices\":3,\"threshold\":3,\"window_s\":3600,\"paused\":1}}", &ctx_rootfs);
	c = map("{\"id\":61,\"type\":\"class.resumed\",\"created_at\":400,\"device_id\":null,"
		"\"data\":{\"product_class\":\"femto-a\",\"failures\":0}}", NULL);
	assert_string_equal(ff(r, "alarmCondition"), "fleetAnomaly");
	assert_string_equal(ff(r, "eventSeverity"), "CRITICAL");
	assert_string_equal(hdr(r, "sourceName"), "femto-a");
	assert_string_equal(ff(r, "specificProblem"),
			    "fleet-anomaly: component rootfs on 3 devices within 3600s");
	assert_string_equal(info(r, "devices"), "3");
	assert_null(info(r, "reason"));   /* no device context leaks into a class's fault */
	assert_pair(r, c);
}

static void test_events_that_are_no_fault(void **state)
{
	(void)state;
	assert_null(map("{\"id\":70,\"type\":\"class.paused\",\"created_at\":1,\"device_id\":null,"
			"\"data\":{\"product_class\":\"femto-a\",\"failures\":5}}", NULL));
	assert_null(map("{\"id\":71,\"type\":\"remediation.attempt_result\",\"created_at\":1,"
			"\"device_id\":\"hnb-1\",\"data\":{\"incident_id\":3,\"attempt\":1,"
			"\"command_key\":\"rem-3-1\",\"result\":\"failed\",\"fault_code\":9010,"
			"\"detail\":\"x\"}}", &ctx_rootfs));
	/* types added later (device.enrolled, device.revoked) are no fault until mapped */
	assert_null(map("{\"id\":72,\"type\":\"device.revoked\",\"created_at\":1,"
			"\"device_id\":\"hnb-1\",\"data\":{}}", &ctx_rootfs));
	/* a device event without a device, a class event without a class */
	assert_null(map("{\"id\":73,\"type\":\"device.unreachable\",\"created_at\":1,"
			"\"device_id\":null,\"data\":{}}", NULL));
	assert_null(map("{\"id\":74,\"type\":\"fleet.anomaly\",\"created_at\":1,"
			"\"device_id\":null,\"data\":{}}", NULL));
}

/* Without a signed indication (silence opened the incident) or without
 * context at all: still a fault, with a generic problem. */
static void test_without_context(void **state)
{
	(void)state;
	struct store_event_context none = {.product_class = "femto-a"};
	json_t *ev = incident("incident.state_changed", 80, "unreachable", "in_distress", &none);
	assert_string_equal(ff(ev, "specificProblem"), "distress");
	assert_int_equal(hdr_int(ev, "startEpochMicrosec"), 1765090100LL * 1000000);
	assert_null(info(ev, "reason"));
	json_decref(ev);
	ev = incident("incident.opened", 81, "healthy", "in_distress", NULL);
	assert_string_equal(ff(ev, "specificProblem"), "distress");
	json_decref(ev);
	/* a reason without a failed component */
	struct store_event_context slot = {.has_reason = true,
					   .reason = MAYDAY_REASON_NO_BOOTABLE_SLOT};
	ev = incident("incident.opened", 82, "healthy", "in_distress", &slot);
	assert_string_equal(ff(ev, "specificProblem"), "no-bootable-slot");
	json_decref(ev);
}

static void test_refuses_what_is_no_event(void **state)
{
	static const char *const bad[] = {
		"", "not json", "[]", "{}", "null",
		"{\"id\":1,\"type\":\"incident.opened\",\"created_at\":1,\"device_id\":\"a\"}",
		"{\"id\":\"1\",\"type\":\"incident.opened\",\"created_at\":1,\"data\":{}}",
		"{\"id\":1,\"type\":7,\"created_at\":1,\"data\":{}}",
		"{\"id\":1,\"type\":\"x\",\"created_at\":1.5,\"data\":{}}",
		"{\"id\":1,\"id\":2,\"type\":\"x\",\"created_at\":1,\"data\":{}}",
		"{\"id\":0,\"type\":\"incident.opened\",\"created_at\":1,\"device_id\":\"a\","
		"\"data\":{\"to_state\":\"in_distress\"}}",
		"{\"id\":1,\"type\":\"incident.opened\",\"created_at\":-1,\"device_id\":\"a\","
		"\"data\":{\"to_state\":\"in_distress\"}}",
		"{\"id\":1,\"type\":\"incident.opened\",\"created_at\":9223372036854775807,"
		"\"device_id\":\"a\",\"data\":{\"to_state\":\"in_distress\"}}",
		"{\"id\":1,\"type\":\"incident.opened\",\"created_at\":1,\"data\":{}",
	};
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		json_t *out = (json_t *)1;
		struct srv_ves_subject sub;
		assert_int_equal(srv_ves_map(bad[i], strlen(bad[i]), NULL, "h", &out),
				 MAYDAY_E_INVALID);
		assert_null(out);
		if (i < 10)
			assert_int_equal(srv_ves_subject(bad[i], strlen(bad[i]), &sub),
					 MAYDAY_E_INVALID);
	}
	/* len is the bound, not the NUL */
	const char *doc = "{\"id\":1,\"type\":\"class.resumed\",\"created_at\":1,\"data\":{}}";
	json_t *out = NULL;
	assert_int_equal(srv_ves_map(doc, strlen(doc) - 1, NULL, "h", &out), MAYDAY_E_INVALID);
}

static void test_subject(void **state)
{
	(void)state;
	struct srv_ves_subject sub;
	const char *doc = "{\"id\":9,\"type\":\"incident.opened\",\"created_at\":1,"
			  "\"device_id\":\"hnb-9\",\"data\":{\"incident_id\":12}}";
	assert_int_equal(srv_ves_subject(doc, strlen(doc), &sub), MAYDAY_OK);
	assert_string_equal(sub.device_id, "hnb-9");
	assert_int_equal(sub.incident_id, 12);
	doc = "{\"id\":9,\"type\":\"fleet.anomaly\",\"created_at\":1,\"device_id\":null,"
	      "\"data\":{\"incident_id\":\"12\"}}";
	assert_int_equal(srv_ves_subject(doc, strlen(doc), &sub), MAYDAY_OK);
	assert_string_equal(sub.device_id, "");
	assert_int_equal(sub.incident_id, 0);
}

/* s repeated into a JSON string literal of about n bytes of UTF-8. */
static void fill(char *out, size_t n, const char *s)
{
	size_t k = strlen(s), at = 0;
	while (at + k < n) {
		memcpy(out + at, s, k);
		at += k;
	}
	out[at] = '\0';
}

/* Every string at its longest, as escaped as JSON makes it (a control
 * character is 6 bytes, "\u0001"; "é" two bytes that may be cut in the
 * middle): the event stays within SRV_VES_EVENT_MAX, and valid UTF-8. */
static void test_sizes_are_bounded(void **state)
{
	static char doc[16384], big[3000], name[3000];
	struct store_event_context ctx = {.has_reason = true, .reason = 99, .opened_at = 1};
	(void)state;
	fill(big, sizeof(big), "\\u0001");
	fill(name, sizeof(name), "\\u00e9x");
	memset(ctx.product_class, 1, sizeof(ctx.product_class) - 1);
	memset(ctx.component, 2, sizeof(ctx.component) - 1);
	const char *types[] = {"incident.opened", "device.unreachable", "fleet.anomaly",
			       "class.resumed"};
	for (size_t t = 0; t < sizeof(types) / sizeof(types[0]); t++) {
		for (int variant = 0; variant < 2; variant++) {
			const char *s = variant ? name : big;
			snprintf(doc, sizeof(doc),
				 "{\"id\":9223372036854775807,\"type\":\"%s\",\"created_at\":"
				 "9223372036854,\"device_id\":\"%s\",\"data\":{\"incident_id\":"
				 "9223372036854775807,\"from_state\":\"%s\",\"to_state\":"
				 "\"in_distress\",\"product_class\":\"%s\",\"component\":\"%s\","
				 "\"devices\":-9223372036854775807,\"window_s\":9223372036854775807,"
				 "\"threshold\":1,\"anomaly_id\":1}}",
				 types[t], t >= 2 ? "" : s, s, s, s);
			json_t *ev = NULL;
			/* a class event names no device: drop the device_id member */
			if (t >= 2) {
				char *d = strstr(doc, "\"device_id\":\"\",");
				memmove(d, d + strlen("\"device_id\":\"\","),
					strlen(d + strlen("\"device_id\":\"\",")) + 1);
			}
			assert_int_equal(srv_ves_map(doc, strlen(doc), &ctx,
						     "an-entity-name-much-longer-than-sixty-four-"
						     "bytes-which-is-cut-to-its-bound-somewhere",
						     &ev), MAYDAY_OK);
			assert_non_null(ev);
			char *text = json_dumps(ev, JSON_COMPACT);
			assert_non_null(text);
			assert_in_range(strlen(text), 100, SRV_VES_EVENT_MAX);
			assert_in_range(strlen(hdr(ev, "sourceName")), 1, SRV_VES_TEXT_MAX);
			assert_in_range(strlen(hdr(ev, "reportingEntityName")), 1,
					SRV_VES_ENTITY_MAX);
			/* what was written reads back: valid UTF-8, no cut character */
			json_t *back = json_loads(text, 0, NULL);
			assert_non_null(back);
			json_decref(back);
			free(text);
			json_decref(ev);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_opened_is_a_critical_raise),
		cmocka_unit_test(test_severity_by_state),
		cmocka_unit_test(test_clears_pair_with_raises),
		cmocka_unit_test(test_events_that_are_no_fault),
		cmocka_unit_test(test_without_context),
		cmocka_unit_test(test_refuses_what_is_no_event),
		cmocka_unit_test(test_subject),
		cmocka_unit_test(test_sizes_are_bounded),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

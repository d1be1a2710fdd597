/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The CPE session against a scripted ACS: the post function parses every
 * envelope the CPE sends with the codec (so it must be a valid CWMP message),
 * records it, and answers with the next scripted message, emitted by the
 * codec (or an empty body, the 204 that ends the session).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpe_session.h"

#define SCRIPT_MAX 8
#define NOW 1767225600

struct acs {
	struct cwmp_msg script[SCRIPT_MAX];
	unsigned n_script, next;
	const char *raw;               /* if set: sent instead of script[raw_at] */
	unsigned raw_at;
	struct cwmp_msg seen[SCRIPT_MAX + 2];
	size_t seen_len[SCRIPT_MAX + 2];
	unsigned n_seen;
};

static enum mayday_err acs_post(void *ctx, const char *body, size_t len, char *reply, size_t cap,
				size_t *reply_len)
{
	struct acs *a = ctx;
	struct mayday_diag d;

	assert_true(a->n_seen < SCRIPT_MAX + 2);
	assert_int_equal(cwmp_parse(body, len, &a->seen[a->n_seen], &d), MAYDAY_OK);
	a->seen_len[a->n_seen++] = len;
	*reply_len = 0;
	if (a->raw && a->next == a->raw_at) {
		a->next++;
		*reply_len = strlen(a->raw);
		memcpy(reply, a->raw, *reply_len);
		return MAYDAY_OK;
	}
	if (a->next >= a->n_script)
		return MAYDAY_OK; /* 204 */
	return cwmp_emit(&a->script[a->next++], reply, cap, reply_len, &d);
}

static struct cwmp_msg *push(struct acs *a, enum cwmp_kind kind)
{
	struct cwmp_msg *m = &a->script[a->n_script++];

	m->kind = kind;
	snprintf(m->id, sizeof(m->id), "acs-%u", a->n_script);
	return m;
}

static void push_gpv(struct acs *a, const char *const *names, unsigned n)
{
	struct cwmp_msg *m = push(a, CWMP_GET_PARAMETER_VALUES);

	for (unsigned i = 0; i < n; i++)
		snprintf(m->u.gpv.names[i], sizeof(m->u.gpv.names[i]), "%s", names[i]);
	m->u.gpv.n_names = n;
}

static void push_download(struct acs *a, const char *file_type)
{
	struct cwmp_msg *m = push(a, CWMP_DOWNLOAD);

	snprintf(m->u.download.command_key, sizeof(m->u.download.command_key), "fix-7");
	snprintf(m->u.download.file_type, sizeof(m->u.download.file_type), "%s", file_type);
	snprintf(m->u.download.url, sizeof(m->u.download.url), "https://127.0.0.1:7548/b/1");
	m->u.download.file_size = 123456;
}

static const struct cpe_info info = {
	.product_class = "femto-a",
	.serial_number = "femto-0001",
	.software_version = "1.0",
	.dcf_version = "0.1.0",
	.free_space = 1000000,
	.max_image_size = 268435456,
};

static const char *const distress_events[] = { "X A1B2C3 DISTRESS" };

static struct cpe_session_params distress_params(struct acs *a)
{
	struct cpe_session_params p = {
		.info = &info, .events = distress_events, .n_events = 1, .now = NOW,
		.post = acs_post, .post_ctx = a,
	};
	return p;
}

static struct acs *acs_new(void)
{
	struct acs *a = calloc(1, sizeof(*a));

	assert_non_null(a);
	return a;
}

static void test_full_session(void **state)
{
	struct acs *a = acs_new();
	static const char *const names[] = { CPE_P_SOFTWARE_VERSION, CPE_P_FREE_SPACE,
					     CPE_P_MAX_IMAGE_SIZE, CPE_P_DCF_VERSION };
	struct cpe_session_params p = distress_params(a);
	struct cpe_outcome out;
	struct mayday_diag d;

	(void)state;
	push(a, CWMP_INFORM_RESPONSE)->u.inform_response_max_envelopes = 1;
	push_gpv(a, names, 4);
	push_download(a, CWMP_FILETYPE_FIRMWARE);
	push(a, CWMP_REBOOT);
	assert_int_equal(cpe_session_run(&p, &out, &d), MAYDAY_OK);
	assert_true(out.download);
	assert_true(out.reboot);
	assert_string_equal(out.dl.command_key, "fix-7");
	assert_string_equal(out.dl.url, "https://127.0.0.1:7548/b/1");
	assert_int_equal(out.dl.file_size, 123456);
	assert_int_equal(out.requests, 3);
	assert_int_equal(out.faults_sent, 0);

	/* Inform, empty POST, GPV response, DownloadResponse, RebootResponse. */
	assert_int_equal(a->n_seen, 5);
	const struct cwmp_inform *inf = &a->seen[0].u.inform;
	assert_int_equal(a->seen[0].kind, CWMP_INFORM);
	assert_string_equal(inf->manufacturer, "mayday");
	assert_string_equal(inf->oui, "A1B2C3");
	assert_string_equal(inf->product_class, "femto-a");
	assert_string_equal(inf->serial_number, "femto-0001");
	assert_true(cwmp_inform_has_event(inf, "X A1B2C3 DISTRESS"));
	assert_int_equal(inf->n_events, 1);
	assert_int_equal(inf->max_envelopes, 1);
	assert_int_equal(inf->retry_count, 0);
	assert_int_equal(inf->current_time, NOW);
	assert_int_equal(inf->n_params, 1);
	assert_string_equal(inf->params[0].name, CPE_P_SOFTWARE_VERSION);
	assert_string_equal(inf->params[0].value, "1.0");
	assert_int_equal(a->seen[1].kind, CWMP_EMPTY);
	assert_int_equal(a->seen_len[1], 0);

	const struct cwmp_msg *g = &a->seen[2];
	assert_int_equal(g->kind, CWMP_GET_PARAMETER_VALUES_RESPONSE);
	assert_string_equal(g->id, "acs-2"); /* the request's ID echoed */
	assert_int_equal(g->u.gpv_response.n_params, 4);
	assert_string_equal(g->u.gpv_response.params[0].value, "1.0");
	assert_string_equal(g->u.gpv_response.params[1].value, "1000000");
	assert_int_equal(g->u.gpv_response.params[1].type, CWMP_T_ULONG);
	assert_string_equal(g->u.gpv_response.params[2].value, "268435456");
	assert_string_equal(g->u.gpv_response.params[3].value, "0.1.0");

	assert_int_equal(a->seen[3].kind, CWMP_DOWNLOAD_RESPONSE);
	assert_int_equal(a->seen[3].u.download_response.status, 1);
	assert_string_equal(a->seen[3].id, "acs-3");
	assert_int_equal(a->seen[4].kind, CWMP_REBOOT_RESPONSE);
	free(a);
}

static void test_unknown_parameter(void **state)
{
	struct acs *a = acs_new();
	static const char *const names[] = { CPE_P_FREE_SPACE, "Device.DeviceInfo.Nonsense" };
	struct cpe_session_params p = distress_params(a);
	struct cpe_outcome out;
	struct mayday_diag d;

	(void)state;
	push(a, CWMP_INFORM_RESPONSE)->u.inform_response_max_envelopes = 1;
	push_gpv(a, names, 2);
	push_download(a, "3 Vendor Configuration File");
	assert_int_equal(cpe_session_run(&p, &out, &d), MAYDAY_OK);
	assert_false(out.download);
	assert_false(out.reboot);
	assert_int_equal(out.faults_sent, 2);
	assert_int_equal(a->n_seen, 4);
	assert_int_equal(a->seen[2].kind, CWMP_FAULT);
	assert_int_equal(a->seen[2].u.fault.code, CWMP_CPE_INVALID_PARAMETER_NAME);
	assert_int_equal(a->seen[3].kind, CWMP_FAULT);
	assert_int_equal(a->seen[3].u.fault.code, CWMP_CPE_INVALID_ARGUMENTS);
	free(a);
}

static void test_second_download_refused(void **state)
{
	struct acs *a = acs_new();
	struct cpe_session_params p = distress_params(a);
	struct cpe_outcome out;
	struct mayday_diag d;

	(void)state;
	push(a, CWMP_INFORM_RESPONSE)->u.inform_response_max_envelopes = 1;
	push_download(a, CWMP_FILETYPE_FIRMWARE);
	push_download(a, CWMP_FILETYPE_FIRMWARE);
	assert_int_equal(cpe_session_run(&p, &out, &d), MAYDAY_OK);
	assert_true(out.download);
	assert_int_equal(a->seen[3].kind, CWMP_FAULT);
	assert_int_equal(a->seen[3].u.fault.code, CWMP_CPE_RESOURCES_EXCEEDED);
	free(a);
}

/* A session that no authenticated REMEDIATE ack asked for takes no image. */
static void test_download_refused_when_not_asked(void **state)
{
	struct acs *a = acs_new();
	struct cpe_session_params p = distress_params(a);
	struct cpe_outcome out;
	struct mayday_diag d;

	(void)state;
	p.refuse_download = true;
	push(a, CWMP_INFORM_RESPONSE)->u.inform_response_max_envelopes = 1;
	push_download(a, CWMP_FILETYPE_FIRMWARE);
	assert_int_equal(cpe_session_run(&p, &out, &d), MAYDAY_OK);
	assert_false(out.download);
	assert_int_equal(out.faults_sent, 1);
	assert_int_equal(a->n_seen, 3);
	assert_int_equal(a->seen[2].kind, CWMP_FAULT);
	assert_int_equal(a->seen[2].u.fault.code, CWMP_CPE_REQUEST_DENIED);
	assert_string_equal(a->seen[2].id, "acs-2");
	free(a);
}

static void test_transfer_complete_session(void **state)
{
	struct acs *a = acs_new();
	static const char *const ev[] = { CWMP_EV_BOOT, CWMP_EV_TRANSFER_COMPLETE,
					  CWMP_EV_M_DOWNLOAD };
	struct cwmp_transfer_complete tc = { .command_key = "fix-7", .fault = { .code = 0 },
					     .start_time = NOW - 60, .complete_time = NOW };
	struct cpe_session_params p = {
		.info = &info, .events = ev, .n_events = 3, .event_command_key = "fix-7",
		.tc = &tc, .now = NOW, .post = acs_post, .post_ctx = a,
	};
	struct cpe_outcome out;
	struct mayday_diag d;

	(void)state;
	push(a, CWMP_INFORM_RESPONSE)->u.inform_response_max_envelopes = 1;
	push(a, CWMP_TRANSFER_COMPLETE_RESPONSE);
	assert_int_equal(cpe_session_run(&p, &out, &d), MAYDAY_OK);
	assert_int_equal(a->n_seen, 3);
	const struct cwmp_inform *inf = &a->seen[0].u.inform;
	assert_true(cwmp_inform_has_event(inf, CWMP_EV_BOOT));
	assert_true(cwmp_inform_has_event(inf, CWMP_EV_TRANSFER_COMPLETE));
	assert_true(cwmp_inform_has_event(inf, CWMP_EV_M_DOWNLOAD));
	assert_string_equal(inf->events[2].command_key, "fix-7");
	assert_string_equal(inf->events[0].command_key, "");
	assert_int_equal(a->seen[1].kind, CWMP_TRANSFER_COMPLETE);
	assert_string_equal(a->seen[1].u.transfer_complete.command_key, "fix-7");
	assert_int_equal(a->seen[1].u.transfer_complete.fault.code, 0);
	assert_int_equal(a->seen[1].u.transfer_complete.start_time, NOW - 60);
	assert_int_equal(a->seen[2].kind, CWMP_EMPTY);

	/* The failure report: 9018 against the same key. */
	struct acs *b = acs_new();
	tc.fault.code = CWMP_CPE_FILE_CORRUPTED;
	snprintf(tc.fault.string, sizeof(tc.fault.string), "file-corrupted");
	p.post_ctx = b;
	push(b, CWMP_INFORM_RESPONSE)->u.inform_response_max_envelopes = 1;
	push(b, CWMP_TRANSFER_COMPLETE_RESPONSE);
	assert_int_equal(cpe_session_run(&p, &out, &d), MAYDAY_OK);
	assert_int_equal(b->seen[1].u.transfer_complete.fault.code, 9018);
	assert_string_equal(b->seen[1].u.transfer_complete.fault.string, "file-corrupted");
	assert_true(out.tc_acked);

	/* Acknowledged, then the session breaks: the report still counts. */
	struct acs *c = acs_new();
	p.post_ctx = c;
	push(c, CWMP_INFORM_RESPONSE)->u.inform_response_max_envelopes = 1;
	push(c, CWMP_TRANSFER_COMPLETE_RESPONSE);
	c->raw = "<not xml";
	c->raw_at = 2;
	assert_int_equal(cpe_session_run(&p, &out, &d), MAYDAY_E_MALFORMED);
	assert_true(out.tc_acked);

	/* Answered with something else: not taken. */
	struct acs *e = acs_new();
	p.post_ctx = e;
	push(e, CWMP_INFORM_RESPONSE)->u.inform_response_max_envelopes = 1;
	push(e, CWMP_FAULT)->u.fault.code = 8002;
	assert_int_equal(cpe_session_run(&p, &out, &d), MAYDAY_E_MALFORMED);
	assert_false(out.tc_acked);
	assert_int_equal(out.acs_fault, 8002);
	free(a);
	free(b);
	free(c);
	free(e);
}

/* A caller that will not restart on request refuses Reboot with 9001. */
static void test_reboot_refused(void **state)
{
	struct acs *a = acs_new();
	struct cpe_session_params p = distress_params(a);
	struct cpe_outcome out;
	struct mayday_diag d;

	(void)state;
	p.refuse_reboot = true;
	push(a, CWMP_INFORM_RESPONSE)->u.inform_response_max_envelopes = 1;
	push(a, CWMP_REBOOT);
	assert_int_equal(cpe_session_run(&p, &out, &d), MAYDAY_OK);
	assert_false(out.reboot);
	assert_int_equal(out.faults_sent, 1);
	assert_int_equal(a->seen[2].kind, CWMP_FAULT);
	assert_int_equal(a->seen[2].u.fault.code, CWMP_CPE_REQUEST_DENIED);
	free(a);
}

static void test_acs_fault_ends_session(void **state)
{
	struct acs *a = acs_new();
	struct cpe_session_params p = distress_params(a);
	struct cpe_outcome out;
	struct mayday_diag d;
	struct cwmp_msg *f;

	(void)state;
	f = push(a, CWMP_FAULT);
	f->u.fault.code = CWMP_ACS_REQUEST_DENIED;
	snprintf(f->u.fault.string, sizeof(f->u.fault.string), "no");
	assert_int_equal(cpe_session_run(&p, &out, &d), MAYDAY_E_MALFORMED);
	assert_int_equal(out.acs_fault, 8001);
	assert_non_null(d.what);
	assert_int_equal(a->n_seen, 1); /* no empty POST after a refused Inform */
	free(a);
}

static void test_garbage_answered_with_fault(void **state)
{
	struct acs *a = acs_new();
	struct cpe_session_params p = distress_params(a);
	struct cpe_outcome out;
	struct mayday_diag d;

	(void)state;
	push(a, CWMP_INFORM_RESPONSE)->u.inform_response_max_envelopes = 1;
	a->raw = "<not soap";
	a->raw_at = 1;
	assert_int_equal(cpe_session_run(&p, &out, &d), MAYDAY_E_MALFORMED);
	assert_non_null(d.what);
	assert_int_equal(a->n_seen, 3);
	assert_int_equal(a->seen[2].kind, CWMP_FAULT);
	assert_int_equal(a->seen[2].u.fault.code, CWMP_CPE_INVALID_ARGUMENTS);
	free(a);
}

/* An ACS that never ends the session: InformResponse, then Reboot forever. */
static enum mayday_err endless_post(void *ctx, const char *body, size_t len, char *reply,
				    size_t cap, size_t *reply_len)
{
	unsigned *posts = ctx;
	struct cwmp_msg m;
	struct mayday_diag d;

	(void)body;
	(void)len;
	memset(&m, 0, sizeof(m));
	if ((*posts)++ == 0) {
		m.kind = CWMP_INFORM_RESPONSE;
		m.u.inform_response_max_envelopes = 1;
	} else {
		m.kind = CWMP_REBOOT;
	}
	return cwmp_emit(&m, reply, cap, reply_len, &d);
}

static void test_too_many_requests(void **state)
{
	unsigned posts = 0;
	struct cpe_session_params p = {
		.info = &info, .events = distress_events, .n_events = 1, .now = NOW,
		.post = endless_post, .post_ctx = &posts,
	};
	struct cpe_outcome out;
	struct mayday_diag d;

	(void)state;
	assert_int_equal(cpe_session_run(&p, &out, &d), MAYDAY_E_TOOBIG);
	assert_int_equal(out.requests, CPE_ROUNDS_MAX);
	assert_int_equal(posts, CPE_ROUNDS_MAX + 2);
	assert_non_null(d.what);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_session),
		cmocka_unit_test(test_unknown_parameter),
		cmocka_unit_test(test_second_download_refused),
		cmocka_unit_test(test_download_refused_when_not_asked),
		cmocka_unit_test(test_reboot_refused),
		cmocka_unit_test(test_transfer_complete_session),
		cmocka_unit_test(test_acs_fault_ends_session),
		cmocka_unit_test(test_garbage_answered_with_fault),
		cmocka_unit_test(test_too_many_requests),
	};

	cwmp_global_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * CWMP envelope emitter. Two passes: first every field of the message is
 * checked against what the CWMP schema allows (so nothing we emit can fail
 * validation at the peer), then the bounded writer (cwmp_writer.c), which
 * does all escaping, writes the envelope straight into the caller's
 * buffer; nothing is allocated. Child elements are unprefixed
 * (elementFormDefault="unqualified"); the CWMP namespace always uses the
 * literal prefix "cwmp", because some peers recognise nothing else.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "mayday/utf8.h"

#include "cwmp.h"
#include "cwmp_time.h"
#include "cwmp_writer.h"

#define SOAPENV_NS "http://schemas.xmlsoap.org/soap/envelope/"
#define SOAPENC_NS "http://schemas.xmlsoap.org/soap/encoding/"
#define XSD_NS     "http://www.w3.org/2001/XMLSchema"
#define XSI_NS     "http://www.w3.org/2001/XMLSchema-instance"

/* ---- field checks ---------------------------------------------------- */

/*
 * NUL-terminated within cap bytes, valid UTF-8, only XML 1.0 characters
 * (§2.2): no C0 control but TAB, LF and CR, and neither U+FFFE nor U+FFFF,
 * which are valid UTF-8 (EF BF BE, EF BF BF) but no XML character.
 */
static bool text_ok(const char *s, size_t cap)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t n = strnlen(s, cap);
	if (n == cap)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (u[i] < 0x20 && u[i] != '\t' && u[i] != '\n' && u[i] != '\r')
			return false;
		if (u[i] == 0xef && i + 2 < n && u[i + 1] == 0xbf && u[i + 2] >= 0xbe)
			return false;
	}
	return utf8_valid(u, n);
}

static bool is_xs_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* ( \S+)+ : one or more groups of a single space and non-space characters. */
static bool spaced_words(const char *p)
{
	if (*p == '\0')
		return false;
	while (*p) {
		if (*p != ' ' || p[1] == '\0' || is_xs_space(p[1]))
			return false;
		p++;
		while (*p && !is_xs_space(*p))
			p++;
	}
	return true;
}

/* "X \S+ .+": vendor extensions (X <OUI> NAME). */
static bool vendor_code(const char *s)
{
	if (s[0] != 'X' || s[1] != ' ' || s[2] == '\0' || is_xs_space(s[2]))
		return false;
	const char *p = s + 2;
	while (*p && !is_xs_space(*p))
		p++;
	return p[0] == ' ' && p[1] != '\0' && p[1] != '\n' && p[1] != '\r';
}

/* EventCodeType: \d+( \S+)+ | M \S+ | X \S+ .+ , at most 64 characters. */
static bool event_code_ok(const char *s)
{
	if (!text_ok(s, CWMP_EVENTCODE_MAX + 1) || s[0] == '\0')
		return false;
	if (s[0] >= '0' && s[0] <= '9') {
		while (*s >= '0' && *s <= '9')
			s++;
		return spaced_words(s);
	}
	if (s[0] == 'M' && s[1] == ' ') {
		if (s[2] == '\0')
			return false;
		for (s += 2; *s; s++)
			if (is_xs_space(*s))
				return false;
		return true;
	}
	return vendor_code(s);
}

/* DownloadFileType: [1-9]\d*( \S+)+ | X \S+ .+ */
static bool file_type_ok(const char *s)
{
	if (!text_ok(s, CWMP_STR64_MAX + 1))
		return false;
	if (s[0] >= '1' && s[0] <= '9') {
		while (*s >= '0' && *s <= '9')
			s++;
		return spaced_words(s);
	}
	return vendor_code(s);
}

static bool oui_ok(const char *s)
{
	return strnlen(s, CWMP_OUI_LEN + 1) == CWMP_OUI_LEN &&
	       strspn(s, "0123456789ABCDEF") == CWMP_OUI_LEN;
}

static bool fault_code_ok(uint32_t c)
{
	return (c >= 8000 && c <= 8899) || (c >= 9000 && c <= 9899);
}

/* TransferCompleteFaultStruct: 0, 9001, 9002, 9010-9012, 9014-9020, 9033-9899. */
static bool tc_fault_code_ok(uint32_t c)
{
	return c == 0 || c == 9001 || c == 9002 || (c >= 9010 && c <= 9012) ||
	       (c >= 9014 && c <= 9020) || (c >= 9033 && c <= 9899);
}

static bool time_ok(int64_t t)
{
	char buf[CWMP_TIME_TEXT_MAX];
	return cwmp_time_format(t, buf) == MAYDAY_OK;
}

static bool params_ok(const struct cwmp_param *p, uint32_t n)
{
	if (n > CWMP_PARAMS_MAX)
		return false;
	for (uint32_t i = 0; i < n; i++)
		if (!text_ok(p[i].name, sizeof(p[i].name)) || !text_ok(p[i].value, sizeof(p[i].value)) ||
		    (unsigned)p[i].type > CWMP_T_DATETIME)
			return false;
	return true;
}

#define CHECK(cond, why)                 \
	do {                             \
		if (!(cond))             \
			return (why);    \
	} while (0)

/* NULL if msg can be emitted, else why not. */
static const char *check(const struct cwmp_msg *m)
{
	CHECK((unsigned)m->ns < CWMP_NS__COUNT, "namespace");
	CHECK(text_ok(m->id, sizeof(m->id)), "cwmp:ID");
	switch (m->kind) {
	case CWMP_INFORM: {
		const struct cwmp_inform *i = &m->u.inform;
		CHECK(text_ok(i->manufacturer, sizeof(i->manufacturer)), "Manufacturer");
		CHECK(oui_ok(i->oui), "OUI");
		CHECK(text_ok(i->product_class, sizeof(i->product_class)), "ProductClass");
		CHECK(text_ok(i->serial_number, sizeof(i->serial_number)), "SerialNumber");
		CHECK(i->n_events <= CWMP_EVENTS_MAX, "too many events");
		for (uint32_t k = 0; k < i->n_events; k++) {
			CHECK(event_code_ok(i->events[k].code), "EventCode");
			CHECK(text_ok(i->events[k].command_key, sizeof(i->events[k].command_key)),
			      "Event CommandKey");
		}
		CHECK(time_ok(i->current_time), "CurrentTime");
		CHECK(params_ok(i->params, i->n_params), "ParameterList");
		return NULL;
	}
	case CWMP_GET_PARAMETER_VALUES:
		CHECK(m->u.gpv.n_names >= 1 && m->u.gpv.n_names <= CWMP_PARAMS_MAX, "ParameterNames count");
		for (uint32_t k = 0; k < m->u.gpv.n_names; k++)
			CHECK(text_ok(m->u.gpv.names[k], sizeof(m->u.gpv.names[k])), "ParameterNames");
		return NULL;
	case CWMP_GET_PARAMETER_VALUES_RESPONSE:
		CHECK(params_ok(m->u.gpv_response.params, m->u.gpv_response.n_params), "ParameterList");
		return NULL;
	case CWMP_DOWNLOAD: {
		const struct cwmp_download *d = &m->u.download;
		CHECK(text_ok(d->command_key, sizeof(d->command_key)), "CommandKey");
		CHECK(file_type_ok(d->file_type), "FileType");
		CHECK(text_ok(d->url, sizeof(d->url)) && d->url[0], "URL");
		CHECK(text_ok(d->username, sizeof(d->username)), "Username");
		CHECK(text_ok(d->password, sizeof(d->password)), "Password");
		CHECK(text_ok(d->target_file_name, sizeof(d->target_file_name)), "TargetFileName");
		CHECK(text_ok(d->success_url, sizeof(d->success_url)), "SuccessURL");
		CHECK(text_ok(d->failure_url, sizeof(d->failure_url)), "FailureURL");
		return NULL;
	}
	case CWMP_DOWNLOAD_RESPONSE:
		CHECK(m->u.download_response.status <= 1, "Status");
		CHECK(time_ok(m->u.download_response.start_time), "StartTime");
		CHECK(time_ok(m->u.download_response.complete_time), "CompleteTime");
		return NULL;
	case CWMP_REBOOT:
		CHECK(text_ok(m->u.reboot_command_key, sizeof(m->u.reboot_command_key)), "CommandKey");
		return NULL;
	case CWMP_TRANSFER_COMPLETE: {
		const struct cwmp_transfer_complete *t = &m->u.transfer_complete;
		CHECK(text_ok(t->command_key, sizeof(t->command_key)), "CommandKey");
		CHECK(tc_fault_code_ok(t->fault.code), "FaultCode");
		CHECK(text_ok(t->fault.string, sizeof(t->fault.string)), "FaultString");
		CHECK(time_ok(t->start_time), "StartTime");
		CHECK(time_ok(t->complete_time), "CompleteTime");
		return NULL;
	}
	case CWMP_FAULT:
		CHECK(fault_code_ok(m->u.fault.code), "FaultCode");
		CHECK(text_ok(m->u.fault.string, sizeof(m->u.fault.string)), "FaultString");
		return NULL;
	case CWMP_GET_RPC_METHODS_RESPONSE:
		CHECK(m->u.rpc_methods.n_names <= CWMP_PARAMS_MAX, "MethodList count");
		for (uint32_t k = 0; k < m->u.rpc_methods.n_names; k++)
			CHECK(text_ok(m->u.rpc_methods.names[k], CWMP_METHOD_MAX + 1), "MethodList");
		return NULL;
	case CWMP_INFORM_RESPONSE:
	case CWMP_GET_RPC_METHODS:
	case CWMP_REBOOT_RESPONSE:
	case CWMP_TRANSFER_COMPLETE_RESPONSE:
	case CWMP_EMPTY:
		return NULL;
	case CWMP_OTHER:
	case CWMP_KIND__COUNT:
		break;
	}
	return "message kind cannot be emitted";
}

/* ---- writing --------------------------------------------------------- */

/* Each helper returns false once the writer failed; callers chain with &&. */
static bool start(struct cwmp_writer *w, const char *name)
{
	return cwmp_writer_start(w, name);
}

static bool end(struct cwmp_writer *w)
{
	return cwmp_writer_end(w);
}

static bool attr(struct cwmp_writer *w, const char *name, const char *value)
{
	return cwmp_writer_attr(w, name, value);
}

static bool text(struct cwmp_writer *w, const char *s)
{
	return cwmp_writer_text(w, s);
}

static bool leaf(struct cwmp_writer *w, const char *name, const char *s)
{
	return start(w, name) && text(w, s) && end(w);
}

static bool leaf_u32(struct cwmp_writer *w, const char *name, uint32_t v)
{
	char buf[16];
	snprintf(buf, sizeof(buf), "%" PRIu32, v);
	return leaf(w, name, buf);
}

static bool leaf_time(struct cwmp_writer *w, const char *name, int64_t t)
{
	char buf[CWMP_TIME_TEXT_MAX];
	return cwmp_time_format(t, buf) == MAYDAY_OK && leaf(w, name, buf);
}

static bool array_start(struct cwmp_writer *w, const char *name, const char *item_type, uint32_t n)
{
	char at[64];
	snprintf(at, sizeof(at), "%s[%" PRIu32 "]", item_type, n);
	return start(w, name) && attr(w, "SOAP-ENC:arrayType", at);
}

static const char *ptype_name(enum cwmp_ptype t)
{
	switch (t) {
	case CWMP_T_UINT:
		return "xsd:unsignedInt";
	case CWMP_T_INT:
		return "xsd:int";
	case CWMP_T_ULONG:
		return "xsd:unsignedLong";
	case CWMP_T_BOOL:
		return "xsd:boolean";
	case CWMP_T_DATETIME:
		return "xsd:dateTime";
	case CWMP_T_STRING:
		break;
	}
	return "xsd:string";
}

static bool param_list(struct cwmp_writer *w, const struct cwmp_param *p, uint32_t n)
{
	if (!array_start(w, "ParameterList", "cwmp:ParameterValueStruct", n))
		return false;
	for (uint32_t i = 0; i < n; i++)
		if (!start(w, "ParameterValueStruct") || !leaf(w, "Name", p[i].name) ||
		    !start(w, "Value") || !attr(w, "xsi:type", ptype_name(p[i].type)) ||
		    !text(w, p[i].value) || !end(w) || !end(w))
			return false;
	return end(w);
}

static bool body_inform(struct cwmp_writer *w, const struct cwmp_inform *i)
{
	if (!start(w, "DeviceId") || !leaf(w, "Manufacturer", i->manufacturer) ||
	    !leaf(w, "OUI", i->oui) || !leaf(w, "ProductClass", i->product_class) ||
	    !leaf(w, "SerialNumber", i->serial_number) || !end(w) ||
	    !array_start(w, "Event", "cwmp:EventStruct", i->n_events))
		return false;
	for (uint32_t k = 0; k < i->n_events; k++)
		if (!start(w, "EventStruct") || !leaf(w, "EventCode", i->events[k].code) ||
		    !leaf(w, "CommandKey", i->events[k].command_key) || !end(w))
			return false;
	return end(w) && leaf_u32(w, "MaxEnvelopes", i->max_envelopes) &&
	       leaf_time(w, "CurrentTime", i->current_time) &&
	       leaf_u32(w, "RetryCount", i->retry_count) && param_list(w, i->params, i->n_params);
}

static bool body_download(struct cwmp_writer *w, const struct cwmp_download *d)
{
	return leaf(w, "CommandKey", d->command_key) && leaf(w, "FileType", d->file_type) &&
	       leaf(w, "URL", d->url) && leaf(w, "Username", d->username) &&
	       leaf(w, "Password", d->password) && leaf_u32(w, "FileSize", d->file_size) &&
	       leaf(w, "TargetFileName", d->target_file_name) &&
	       leaf_u32(w, "DelaySeconds", d->delay_seconds) &&
	       leaf(w, "SuccessURL", d->success_url) && leaf(w, "FailureURL", d->failure_url);
}

static bool body_gpv(struct cwmp_writer *w, const struct cwmp_gpv *g)
{
	if (!array_start(w, "ParameterNames", "xsd:string", g->n_names))
		return false;
	for (uint32_t k = 0; k < g->n_names; k++)
		if (!leaf(w, "string", g->names[k]))
			return false;
	return end(w);
}

static bool body_methods(struct cwmp_writer *w, const struct cwmp_gpv *g)
{
	if (!array_start(w, "MethodList", "xsd:string", g->n_names))
		return false;
	for (uint32_t k = 0; k < g->n_names; k++)
		if (!leaf(w, "string", g->names[k]))
			return false;
	return end(w);
}

static bool body_transfer_complete(struct cwmp_writer *w, const struct cwmp_transfer_complete *t)
{
	return leaf(w, "CommandKey", t->command_key) && start(w, "FaultStruct") &&
	       leaf_u32(w, "FaultCode", t->fault.code) && leaf(w, "FaultString", t->fault.string) &&
	       end(w) && leaf_time(w, "StartTime", t->start_time) &&
	       leaf_time(w, "CompleteTime", t->complete_time);
}

/* TR-069 A.5.1: argument errors are the sender's ("Client"), the rest "Server". */
static const char *soap_faultcode(uint32_t code)
{
	uint32_t c = code % 1000;
	return c == 3 || (code >= 9005 && code <= 9008) || (code >= 9010 && code <= 9032)
	               ? "SOAP-ENV:Client"
	               : "SOAP-ENV:Server";
}

static bool body_fault(struct cwmp_writer *w, const struct cwmp_fault *f)
{
	return start(w, "SOAP-ENV:Fault") && leaf(w, "faultcode", soap_faultcode(f->code)) &&
	       leaf(w, "faultstring", "CWMP fault") && start(w, "detail") && start(w, "cwmp:Fault") &&
	       leaf_u32(w, "FaultCode", f->code) && leaf(w, "FaultString", f->string) && end(w) &&
	       end(w) && end(w);
}

static bool body(struct cwmp_writer *w, const struct cwmp_msg *m)
{
	char name[CWMP_METHOD_MAX + 8];

	if (m->kind == CWMP_FAULT)
		return body_fault(w, &m->u.fault);
	snprintf(name, sizeof(name), "cwmp:%s", cwmp_kind_name(m->kind));
	if (!start(w, name))
		return false;
	bool ok = true;
	switch (m->kind) {
	case CWMP_INFORM:
		ok = body_inform(w, &m->u.inform);
		break;
	case CWMP_INFORM_RESPONSE:
		ok = leaf_u32(w, "MaxEnvelopes", m->u.inform_response_max_envelopes);
		break;
	case CWMP_GET_PARAMETER_VALUES:
		ok = body_gpv(w, &m->u.gpv);
		break;
	case CWMP_GET_PARAMETER_VALUES_RESPONSE:
		ok = param_list(w, m->u.gpv_response.params, m->u.gpv_response.n_params);
		break;
	case CWMP_DOWNLOAD:
		ok = body_download(w, &m->u.download);
		break;
	case CWMP_DOWNLOAD_RESPONSE:
		ok = leaf_u32(w, "Status", m->u.download_response.status) &&
		     leaf_time(w, "StartTime", m->u.download_response.start_time) &&
		     leaf_time(w, "CompleteTime", m->u.download_response.complete_time);
		break;
	case CWMP_REBOOT:
		ok = leaf(w, "CommandKey", m->u.reboot_command_key);
		break;
	case CWMP_TRANSFER_COMPLETE:
		ok = body_transfer_complete(w, &m->u.transfer_complete);
		break;
	case CWMP_GET_RPC_METHODS_RESPONSE:
		ok = body_methods(w, &m->u.rpc_methods);
		break;
	default:        /* empty responses */
		break;
	}
	return ok && end(w);
}

static bool envelope(struct cwmp_writer *w, const struct cwmp_msg *m)
{
	if (!cwmp_writer_raw(w, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n") ||
	    !start(w, "SOAP-ENV:Envelope") || !attr(w, "xmlns:SOAP-ENV", SOAPENV_NS) ||
	    !attr(w, "xmlns:SOAP-ENC", SOAPENC_NS) || !attr(w, "xmlns:xsd", XSD_NS) ||
	    !attr(w, "xmlns:xsi", XSI_NS) || !attr(w, "xmlns:cwmp", cwmp_ns_uri(m->ns)))
		return false;
	if (m->id[0] || m->hold_requests) {
		if (!start(w, "SOAP-ENV:Header"))
			return false;
		if (m->id[0] && (!start(w, "cwmp:ID") || !attr(w, "SOAP-ENV:mustUnderstand", "1") ||
		                 !text(w, m->id) || !end(w)))
			return false;
		if (m->hold_requests &&
		    (!start(w, "cwmp:HoldRequests") || !attr(w, "SOAP-ENV:mustUnderstand", "1") ||
		     !text(w, "1") || !end(w)))
			return false;
		if (!end(w))
			return false;
	}
	return start(w, "SOAP-ENV:Body") && body(w, m) && end(w) && end(w) &&
	       cwmp_writer_raw(w, "\n");
}

enum mayday_err cwmp_emit(const struct cwmp_msg *msg, char *out, size_t cap, size_t *len,
                          struct mayday_diag *diag)
{
	struct cwmp_writer w;
	enum mayday_err err;
	const char *why;

	*len = 0;
	diag->offset = 0;
	diag->what = NULL;
	if ((why = check(msg)) != NULL) {
		diag->what = why;
		return MAYDAY_E_INVALID;
	}
	if (msg->kind == CWMP_EMPTY)
		return MAYDAY_OK;
	cwmp_writer_init(&w, out, cap < CWMP_ENVELOPE_MAX ? cap : CWMP_ENVELOPE_MAX);
	(void)envelope(&w, msg);   /* the outcome is the writer's */
	err = cwmp_writer_finish(&w, len);
	if (err == MAYDAY_E_TOOBIG)
		diag->what = "envelope exceeds the buffer or CWMP_ENVELOPE_MAX";
	else if (err != MAYDAY_OK)
		diag->what = "xml writer misused";   /* a bug here: check() let a bad field through */
	return err;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * CWMP codec: round trips of every message kind, the emitter's refusals,
 * the peer quirks of FACTS.md, and hostile input (entity bombs, XXE,
 * oversize, deep nesting, truncation).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <unistd.h>

#include "cwmp_samples.h"

static char out[CWMP_ENVELOPE_MAX];
static struct cwmp_msg msg, back;

#define ENV_OPEN                                                                   \
	"<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\" " \
	"xmlns:soapenc=\"http://schemas.xmlsoap.org/soap/encoding/\" "             \
	"xmlns:cwmp=\"urn:dslforum-org:cwmp-1-0\">"
#define ENV_CLOSE "</soap:Envelope>"

static enum mayday_err parse_str(const char *s, struct cwmp_msg *m, struct mayday_diag *d)
{
	return cwmp_parse(s, strlen(s), m, d);
}

static size_t emit_ok(const struct cwmp_msg *m)
{
	struct mayday_diag d;
	size_t len = 0;
	assert_int_equal(cwmp_emit(m, out, sizeof(out), &len, &d), MAYDAY_OK);
	assert_true(len > 0);
	return len;
}

static void roundtrip_ns(enum cwmp_ns ns)
{
	struct mayday_diag d;
	for (size_t i = 0; i < cwmp_sample_count; i++) {
		cwmp_sample(cwmp_sample_kinds[i], &msg);
		msg.ns = ns;
		size_t len = emit_ok(&msg);
		assert_int_equal(cwmp_parse(out, len, &back, &d), MAYDAY_OK);
		snprintf(msg.method, sizeof(msg.method), "%s", cwmp_kind_name(msg.kind));
		assert_int_equal(back.kind, msg.kind);
		assert_int_equal(back.ns, ns);
		assert_memory_equal(&back, &msg, sizeof(msg));
	}
}

static void test_roundtrip_all_kinds(void **state)
{
	(void)state;
	roundtrip_ns(CWMP_NS_1_2);
}

static void test_roundtrip_echoes_peer_ns(void **state)
{
	(void)state;
	roundtrip_ns(CWMP_NS_1_0);
	roundtrip_ns(CWMP_NS_1_4);
	cwmp_sample(CWMP_INFORM_RESPONSE, &msg);
	msg.ns = CWMP_NS_1_1;
	size_t len = emit_ok(&msg);
	out[len] = '\0';
	assert_non_null(strstr(out, "xmlns:cwmp=\"urn:dslforum-org:cwmp-1-1\""));
}

static void test_emit_escapes_and_header(void **state)
{
	(void)state;
	cwmp_sample(CWMP_DOWNLOAD, &msg);
	msg.hold_requests = true;
	size_t len = emit_ok(&msg);
	out[len] = '\0';
	assert_non_null(strstr(out, "dev=SN-0001&amp;t=a&lt;b"));
	assert_null(strstr(out, "a<b"));
	assert_non_null(strstr(out, "<cwmp:ID SOAP-ENV:mustUnderstand=\"1\">"));
	assert_non_null(strstr(out, "<cwmp:HoldRequests SOAP-ENV:mustUnderstand=\"1\">1<"));
	assert_non_null(strstr(out, "xmlns:cwmp=\"urn:dslforum-org:cwmp-1-2\""));
	struct mayday_diag d;
	assert_int_equal(cwmp_parse(out, len, &back, &d), MAYDAY_OK);
	assert_true(back.hold_requests);
	assert_string_equal(back.u.download.password, "p&ss\"w'rd");
	/* CR survives only as a character reference; "]]>" may not appear in text */
	strcpy(msg.u.download.password, "a\r\nb\tc]]>d");
	len = emit_ok(&msg);
	out[len] = '\0';
	assert_non_null(strstr(out, "<Password>a&#13;\nb\tc]]&gt;d</Password>"));
	assert_int_equal(cwmp_parse(out, len, &back, &d), MAYDAY_OK);
	assert_string_equal(back.u.download.password, "a\r\nb\tc]]>d");
}

static void expect_rejected(const char *s, enum mayday_err want, const char *what_part);

/* A field's text may come in pieces: character data, references, CDATA. */
static void test_parse_text_pieces(void **state)
{
	struct mayday_diag d;
	char *s = malloc(CWMP_ENVELOPE_MAX);
	(void)state;
	assert_non_null(s);
	assert_int_equal(parse_str(ENV_OPEN "<soap:Body><cwmp:Reboot><CommandKey>a&amp;<![CDATA[<b>]]>"
	                           "&#x20AC;&#13;<!-- c --></CommandKey></cwmp:Reboot></soap:Body>"
	                           ENV_CLOSE, &msg, &d),
	                 MAYDAY_OK);
	assert_string_equal(msg.u.reboot_command_key, "a&<b>\xe2\x82\xac\r");
	/* FaultString is informational: cut at its limit, not refused */
	size_t n = (size_t)sprintf(s, ENV_OPEN "<soap:Body><soap:Fault><faultstring>x</faultstring>"
	                              "<detail><cwmp:Fault><FaultCode>8002</FaultCode><FaultString>");
	memset(s + n, 'f', 300);
	sprintf(s + n + 300, "</FaultString></cwmp:Fault></detail></soap:Fault></soap:Body>" ENV_CLOSE);
	assert_int_equal(parse_str(s, &msg, &d), MAYDAY_OK);
	assert_int_equal(msg.u.fault.code, 8002);
	assert_int_equal(strlen(msg.u.fault.string), CWMP_STR256_MAX);
	free(s);
	expect_rejected(ENV_OPEN "<soap:Body><cwmp:InformResponse><MaxEnvelopes>1<x/></MaxEnvelopes>"
	                "</cwmp:InformResponse></soap:Body>" ENV_CLOSE, MAYDAY_E_MALFORMED, "scalar");
	/* an unbound prefix is not namespace-well-formed */
	expect_rejected("<soap:Envelope><soap:Body/></soap:Envelope>", MAYDAY_E_MALFORMED, NULL);
}

static void test_emit_fault_wrapper(void **state)
{
	(void)state;
	cwmp_sample(CWMP_FAULT, &msg);
	size_t len = emit_ok(&msg);
	out[len] = '\0';
	assert_non_null(strstr(out, "<faultcode>SOAP-ENV:Client</faultcode>"));
	assert_non_null(strstr(out, "<detail><cwmp:Fault><FaultCode>9018</FaultCode>"));
	msg.u.fault.code = CWMP_ACS_INTERNAL_ERROR;
	len = emit_ok(&msg);
	out[len] = '\0';
	assert_non_null(strstr(out, "<faultcode>SOAP-ENV:Server</faultcode>"));
}

static void expect_refused(struct cwmp_msg *m, const char *what)
{
	struct mayday_diag d;
	size_t len = 99;
	assert_int_equal(cwmp_emit(m, out, sizeof(out), &len, &d), MAYDAY_E_INVALID);
	assert_int_equal(len, 0);
	assert_string_equal(d.what, what);
}

static void test_emit_refuses_invalid(void **state)
{
	(void)state;
	cwmp_sample(CWMP_INFORM, &msg);
	strcpy(msg.u.inform.oui, "a1b2c3");
	expect_refused(&msg, "OUI");
	cwmp_sample(CWMP_INFORM, &msg);
	strcpy(msg.u.inform.events[0].code, "BOOT");
	expect_refused(&msg, "EventCode");
	strcpy(msg.u.inform.events[0].code, "1  BOOT");
	expect_refused(&msg, "EventCode");
	strcpy(msg.u.inform.events[0].code, "X A1B2C3");
	expect_refused(&msg, "EventCode");
	cwmp_sample(CWMP_INFORM, &msg);
	msg.u.inform.n_events = CWMP_EVENTS_MAX + 1;
	expect_refused(&msg, "too many events");
	cwmp_sample(CWMP_INFORM, &msg);
	msg.u.inform.current_time = (int64_t)1 << 50;
	expect_refused(&msg, "CurrentTime");
	cwmp_sample(CWMP_DOWNLOAD, &msg);
	memset(msg.u.download.command_key, 'k', sizeof(msg.u.download.command_key));
	expect_refused(&msg, "CommandKey");
	cwmp_sample(CWMP_DOWNLOAD, &msg);
	strcpy(msg.u.download.file_type, "Firmware");
	expect_refused(&msg, "FileType");
	cwmp_sample(CWMP_DOWNLOAD, &msg);
	strcpy(msg.u.download.url, "https://x/\x01");
	expect_refused(&msg, "URL");
	strcpy(msg.u.download.url, "https://x/\xc3\x28");
	expect_refused(&msg, "URL");
	strcpy(msg.u.download.url, "https://x/\xef\xbf\xbf");   /* U+FFFF: UTF-8, but no XML character */
	expect_refused(&msg, "URL");
	cwmp_sample(CWMP_TRANSFER_COMPLETE, &msg);
	msg.u.transfer_complete.fault.code = 9013;   /* not allowed in TransferComplete */
	expect_refused(&msg, "FaultCode");
	cwmp_sample(CWMP_FAULT, &msg);
	msg.u.fault.code = 7000;
	expect_refused(&msg, "FaultCode");
	cwmp_sample(CWMP_GET_PARAMETER_VALUES, &msg);
	msg.u.gpv.n_names = 0;
	expect_refused(&msg, "ParameterNames count");
	cwmp_sample(CWMP_INFORM, &msg);
	msg.kind = CWMP_OTHER;
	expect_refused(&msg, "message kind cannot be emitted");
}

static void test_emit_size_limits(void **state)
{
	struct mayday_diag d;
	size_t len = 1;
	(void)state;
	cwmp_sample(CWMP_INFORM, &msg);
	assert_int_equal(cwmp_emit(&msg, out, 100, &len, &d), MAYDAY_E_TOOBIG);
	assert_int_equal(len, 0);
	msg.kind = CWMP_EMPTY;
	assert_int_equal(cwmp_emit(&msg, out, sizeof(out), &len, &d), MAYDAY_OK);
	assert_int_equal(len, 0);
	/* 64 events with the longest codes and keys still fit and round-trip */
	cwmp_sample(CWMP_INFORM, &msg);
	msg.u.inform.n_events = CWMP_EVENTS_MAX;
	for (unsigned i = 0; i < CWMP_EVENTS_MAX; i++) {
		memset(msg.u.inform.events[i].code, 'E', CWMP_EVENTCODE_MAX);
		memcpy(msg.u.inform.events[i].code, "X A1B2C3 ", 9);
		msg.u.inform.events[i].code[CWMP_EVENTCODE_MAX] = '\0';
		memset(msg.u.inform.events[i].command_key, '&', CWMP_COMMANDKEY_MAX);
		msg.u.inform.events[i].command_key[CWMP_COMMANDKEY_MAX] = '\0';
	}
	len = emit_ok(&msg);
	assert_int_equal(cwmp_parse(out, len, &back, &d), MAYDAY_OK);
	assert_int_equal(back.u.inform.n_events, CWMP_EVENTS_MAX);
	assert_string_equal(back.u.inform.events[63].command_key, msg.u.inform.events[63].command_key);
}

static void test_distress_event(void **state)
{
	char ev[CWMP_EVENTCODE_MAX + 1];
	(void)state;
	assert_int_equal(cwmp_distress_event("A1B2C3", ev), MAYDAY_OK);
	assert_string_equal(ev, "X A1B2C3 DISTRESS");
	assert_int_equal(cwmp_distress_event("A1B2C", ev), MAYDAY_E_INVALID);
	assert_int_equal(cwmp_distress_event("A1B2CG", ev), MAYDAY_E_INVALID);
	cwmp_sample(CWMP_INFORM, &msg);
	assert_true(cwmp_inform_has_event(&msg.u.inform, "X A1B2C3 DISTRESS"));
	assert_true(cwmp_inform_has_event(&msg.u.inform, CWMP_EV_M_DOWNLOAD));
	assert_false(cwmp_inform_has_event(&msg.u.inform, "2 PERIODIC"));
}

static void test_empty_post(void **state)
{
	struct mayday_diag d;
	(void)state;
	msg.kind = CWMP_INFORM;
	assert_int_equal(cwmp_parse("", 0, &msg, &d), MAYDAY_OK);
	assert_int_equal(msg.kind, CWMP_EMPTY);
	msg.kind = CWMP_INFORM;
	assert_int_equal(parse_str(" \r\n", &msg, &d), MAYDAY_OK);
	assert_int_equal(msg.kind, CWMP_EMPTY);
	assert_int_equal(parse_str(ENV_OPEN "<soap:Body/>" ENV_CLOSE, &msg, &d), MAYDAY_OK);
	assert_int_equal(msg.kind, CWMP_EMPTY);
}

/* FACTS.md quirks, each as a peer would send it. */
static void test_quirk_cwmp_1_0_and_other_prefix(void **state)
{
	struct mayday_diag d;
	(void)state;
	assert_int_equal(parse_str("<e:Envelope xmlns:e=\"http://schemas.xmlsoap.org/soap/envelope/\" "
	                           "xmlns:c=\"urn:dslforum-org:cwmp-1-3\"><e:Header>"
	                           "<c:ID e:mustUnderstand=\"1\">77</c:ID></e:Header><e:Body>"
	                           "<c:Reboot><CommandKey>rk</CommandKey></c:Reboot></e:Body></e:Envelope>",
	                           &msg, &d),
	                 MAYDAY_OK);
	assert_int_equal(msg.kind, CWMP_REBOOT);
	assert_int_equal(msg.ns, CWMP_NS_1_3);
	assert_string_equal(msg.id, "77");
	assert_string_equal(msg.u.reboot_command_key, "rk");
	assert_int_equal(parse_str(ENV_OPEN "<soap:Body><cwmp:InformResponse><MaxEnvelopes>1"
	                           "</MaxEnvelopes></cwmp:InformResponse></soap:Body>" ENV_CLOSE,
	                           &msg, &d),
	                 MAYDAY_OK);
	assert_int_equal(msg.ns, CWMP_NS_1_0);
	assert_int_equal(msg.u.inform_response_max_envelopes, 1);
}

static void test_quirk_transfer_complete_out_of_order(void **state)
{
	struct mayday_diag d;
	(void)state;
	assert_int_equal(parse_str(ENV_OPEN "<soap:Body><cwmp:TransferComplete>"
	                           "<StartTime>2023-11-14T22:13:20Z</StartTime>"
	                           "<CompleteTime>2023-11-14T23:13:20+01:00</CompleteTime>"
	                           "<FaultStruct><FaultString></FaultString><FaultCode> 0 </FaultCode>"
	                           "</FaultStruct><CommandKey>remediate-42</CommandKey>"
	                           "</cwmp:TransferComplete></soap:Body>" ENV_CLOSE,
	                           &msg, &d),
	                 MAYDAY_OK);
	assert_int_equal(msg.kind, CWMP_TRANSFER_COMPLETE);
	assert_string_equal(msg.u.transfer_complete.command_key, "remediate-42");
	assert_int_equal(msg.u.transfer_complete.fault.code, 0);
	assert_int_equal(msg.u.transfer_complete.start_time, 1700000000);
	assert_int_equal(msg.u.transfer_complete.complete_time, 1700000000);
}

static void test_quirk_arraytype_mismatch_and_extras(void **state)
{
	struct mayday_diag d;
	(void)state;
	assert_int_equal(
	        parse_str(ENV_OPEN "<soap:Header><cwmp:NoMoreRequests>1</cwmp:NoMoreRequests>"
	                  "<x:Trace xmlns:x=\"urn:x\">t</x:Trace></soap:Header><soap:Body><cwmp:Inform>"
	                  "<ParameterList soapenc:arrayType=\"cwmp:ParameterValueStruct[7]\">"
	                  "<ParameterValueStruct><Value xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
	                  "xsi:type=\"xsd:unsignedInt\">5</Value><Name>A.B</Name><Junk/></ParameterValueStruct>"
	                  "</ParameterList><VendorExtra><deep>x</deep></VendorExtra>"
	                  "<Event soapenc:arrayType=\"cwmp:EventStruct[0]\">"
	                  "<EventStruct><EventCode>X A1B2C3 DISTRESS</EventCode><CommandKey/></EventStruct>"
	                  "<EventStruct><EventCode>1 BOOT</EventCode></EventStruct></Event>"
	                  "<RetryCount>3</RetryCount><DeviceId><SerialNumber>S1</SerialNumber>"
	                  "<OUI>A1B2C3</OUI><cwmp:Manufacturer>M</cwmp:Manufacturer></DeviceId>"
	                  "<CurrentTime>2023-11-14T22:13:20.123456</CurrentTime>"
	                  "</cwmp:Inform><cwmp:Ignored/></soap:Body>" ENV_CLOSE,
	                  &msg, &d),
	        MAYDAY_OK);
	assert_int_equal(msg.kind, CWMP_INFORM);
	assert_int_equal(msg.u.inform.n_events, 2);
	assert_true(cwmp_inform_has_event(&msg.u.inform, "X A1B2C3 DISTRESS"));
	assert_int_equal(msg.u.inform.n_params, 1);
	assert_string_equal(msg.u.inform.params[0].name, "A.B");
	assert_int_equal(msg.u.inform.params[0].type, CWMP_T_UINT);
	assert_string_equal(msg.u.inform.manufacturer, "M");
	assert_int_equal(msg.u.inform.retry_count, 3);
	assert_int_equal(msg.u.inform.current_time, 1700000000);
	assert_string_equal(msg.id, "");
}

static void test_unknown_method_and_bare_soap_fault(void **state)
{
	struct mayday_diag d;
	(void)state;
	assert_int_equal(parse_str(ENV_OPEN "<soap:Body><cwmp:GetRPCMethods/></soap:Body>" ENV_CLOSE,
	                           &msg, &d),
	                 MAYDAY_OK);
	assert_int_equal(msg.kind, CWMP_GET_RPC_METHODS);
	assert_int_equal(parse_str(ENV_OPEN "<soap:Body><cwmp:ScheduleInform/></soap:Body>" ENV_CLOSE,
	                           &msg, &d),
	                 MAYDAY_OK);
	assert_int_equal(msg.kind, CWMP_OTHER);
	assert_string_equal(msg.method, "ScheduleInform");
	/* a method name in MethodList longer than 64 is not a method name */
	assert_int_equal(parse_str(ENV_OPEN "<soap:Body><cwmp:GetRPCMethodsResponse><MethodList>"
	                           "<string>0123456789012345678901234567890123456789"
	                           "01234567890123456789012345</string></MethodList>"
	                           "</cwmp:GetRPCMethodsResponse></soap:Body>" ENV_CLOSE, &msg, &d),
	                 MAYDAY_E_TOOBIG);
	assert_int_equal(parse_str(ENV_OPEN "<soap:Body><soap:Fault><faultcode>soap:Server</faultcode>"
	                           "<faultstring>boom</faultstring></soap:Fault></soap:Body>" ENV_CLOSE,
	                           &msg, &d),
	                 MAYDAY_OK);
	assert_int_equal(msg.kind, CWMP_FAULT);
	assert_int_equal(msg.u.fault.code, 0);
	assert_string_equal(msg.u.fault.string, "boom");
}

static void expect_rejected(const char *s, enum mayday_err want, const char *what_part)
{
	struct mayday_diag d;
	memset(&msg, 0xA5, sizeof(msg));
	assert_int_equal(parse_str(s, &msg, &d), want);
	assert_non_null(d.what);
	assert_true(d.offset <= strlen(s));
	if (what_part)
		assert_non_null(strstr(d.what, what_part));
	assert_int_equal(msg.kind, CWMP_EMPTY);   /* zeroed: no partial state */
	assert_int_equal(msg.u.inform.oui[0], 0);
}

static void test_rejects_bad_fields(void **state)
{
	(void)state;
	expect_rejected(ENV_OPEN "<soap:Body><cwmp:Reboot><CommandKey>123456789012345678901234567890123"
	                "</CommandKey></cwmp:Reboot></soap:Body>" ENV_CLOSE, MAYDAY_E_TOOBIG, "limit");
	expect_rejected(ENV_OPEN "<soap:Body><cwmp:Reboot><CommandKey>a</CommandKey><CommandKey>b"
	                "</CommandKey></cwmp:Reboot></soap:Body>" ENV_CLOSE, MAYDAY_E_MALFORMED, "duplicate");
	expect_rejected(ENV_OPEN "<soap:Body><cwmp:InformResponse><MaxEnvelopes>4294967296"
	                "</MaxEnvelopes></cwmp:InformResponse></soap:Body>" ENV_CLOSE,
	                MAYDAY_E_MALFORMED, "range");
	expect_rejected(ENV_OPEN "<soap:Body><cwmp:DownloadResponse><Status>1</Status><StartTime>"
	                "2023-02-30T00:00:00Z</StartTime></cwmp:DownloadResponse></soap:Body>" ENV_CLOSE,
	                MAYDAY_E_MALFORMED, "dateTime");
	expect_rejected(ENV_OPEN "<soap:Body><x:Inform xmlns:x=\"urn:dslforum-org:cwmp-2-0\"/>"
	                "</soap:Body>" ENV_CLOSE, MAYDAY_E_UNSUPPORTED, "namespace");
	expect_rejected(ENV_OPEN "<soap:Body><cwmp:Download><URL>u</URL></cwmp:Download></soap:Body>"
	                ENV_CLOSE, MAYDAY_E_MALFORMED, "without");
	expect_rejected("<Envelope><Body/></Envelope>", MAYDAY_E_MALFORMED, "SOAP");
	expect_rejected(ENV_OPEN "<soap:Body><cwmp:Reboot><CommandKey>a<b/></CommandKey></cwmp:Reboot>"
	                "</soap:Body>" ENV_CLOSE, MAYDAY_E_MALFORMED, "inside");
	/* SOAP 1.1: one Header at most, one Body (a second one was parsed over
	 * the first: found by fuzz_cwmp) */
	expect_rejected(ENV_OPEN "<soap:Header><cwmp:ID>a</cwmp:ID></soap:Header><soap:Header>"
	                "<cwmp:ID>b</cwmp:ID></soap:Header><soap:Body/>" ENV_CLOSE,
	                MAYDAY_E_MALFORMED, "duplicate");
	expect_rejected(ENV_OPEN "<soap:Body><cwmp:RebootResponse/></soap:Body><soap:Body/>"
	                ENV_CLOSE, MAYDAY_E_MALFORMED, "duplicate");
}

static void test_rejects_too_many_items(void **state)
{
	char *s = malloc(CWMP_ENVELOPE_MAX);
	size_t n;
	(void)state;
	assert_non_null(s);
	n = (size_t)sprintf(s, ENV_OPEN "<soap:Body><cwmp:Inform><DeviceId><OUI>A1B2C3</OUI>"
	                       "<SerialNumber>1</SerialNumber></DeviceId><Event>");
	for (unsigned i = 0; i <= CWMP_EVENTS_MAX; i++)
		n += (size_t)sprintf(s + n, "<EventStruct><EventCode>1 BOOT</EventCode></EventStruct>");
	sprintf(s + n, "</Event></cwmp:Inform></soap:Body>" ENV_CLOSE);
	expect_rejected(s, MAYDAY_E_TOOBIG, "events");
	free(s);
}

static void test_hostile_billion_laughs(void **state)
{
	(void)state;
	expect_rejected("<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\">"
	                "<!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">"
	                "<!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">"
	                "<!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">"
	                "<!ENTITY lol4 \"&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;\">"
	                "<!ENTITY lol5 \"&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;\">"
	                "<!ENTITY lol6 \"&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;\">"
	                "<!ENTITY lol7 \"&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;\">"
	                "<!ENTITY lol8 \"&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;\">"
	                "<!ENTITY lol9 \"&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;\">]>"
	                ENV_OPEN "<soap:Body><cwmp:Reboot><CommandKey>&lol9;</CommandKey></cwmp:Reboot>"
	                "</soap:Body>" ENV_CLOSE,
	                MAYDAY_E_MALFORMED, "DTD");
	/* an undeclared entity reference without a DTD is simply not well-formed */
	expect_rejected(ENV_OPEN "<soap:Body><cwmp:Reboot><CommandKey>&lol9;</CommandKey></cwmp:Reboot>"
	                "</soap:Body>" ENV_CLOSE, MAYDAY_E_MALFORMED, NULL);
}

static void test_hostile_xxe(void **state)
{
	char path[512], doc[1024];
	const char *tmp = getenv("TMPDIR");
	(void)state;
	snprintf(path, sizeof(path), "%s/cwmp_xxe_XXXXXX", tmp && strlen(tmp) < 400 ? tmp : "/tmp");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "SECRET", 6), 6);
	close(fd);
	snprintf(doc, sizeof(doc), "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY x SYSTEM \"file://%s\">]>"
	         ENV_OPEN "<soap:Body><cwmp:Reboot><CommandKey>&x;</CommandKey></cwmp:Reboot>"
	         "</soap:Body>" ENV_CLOSE, path);
	expect_rejected(doc, MAYDAY_E_MALFORMED, "DTD");
	snprintf(doc, sizeof(doc), "<?xml version=\"1.0\"?><!DOCTYPE r SYSTEM \"file://%s\">"
	         ENV_OPEN "<soap:Body/>" ENV_CLOSE, path);
	expect_rejected(doc, MAYDAY_E_MALFORMED, "DTD");
	assert_int_equal(unlink(path), 0);
}

static void test_hostile_oversized(void **state)
{
	struct mayday_diag d;
	char *s = malloc(CWMP_ENVELOPE_MAX + 1);
	(void)state;
	assert_non_null(s);
	memset(s, ' ', CWMP_ENVELOPE_MAX + 1);
	assert_int_equal(cwmp_parse(s, CWMP_ENVELOPE_MAX + 1, &msg, &d), MAYDAY_E_TOOBIG);
	free(s);
}

static void test_hostile_deep_nesting(void **state)
{
	char *s = malloc(CWMP_ENVELOPE_MAX);
	(void)state;
	assert_non_null(s);
	for (unsigned levels = 30; levels <= 9000; levels += 8970) {
		size_t n = (size_t)sprintf(s, ENV_OPEN "<soap:Body><cwmp:X>");
		for (unsigned i = 0; i < levels; i++)
			n += (size_t)sprintf(s + n, "<a>");
		size_t opened = n;
		for (unsigned i = 0; i < levels; i++)
			n += (size_t)sprintf(s + n, "</a>");
		sprintf(s + n, "</cwmp:X></soap:Body>" ENV_CLOSE);
		struct mayday_diag d;
		assert_int_equal(parse_str(s, &msg, &d), MAYDAY_E_TOOBIG);
		assert_non_null(strstr(d.what, "nested"));
		/* refused while parsing, at the first level too deep: the same
		 * answer when the document never closes its elements */
		s[opened] = '\0';
		assert_int_equal(parse_str(s, &msg, &d), MAYDAY_E_TOOBIG);
	}
	free(s);
}

static void test_hostile_truncated(void **state)
{
	struct mayday_diag d;
	(void)state;
	cwmp_sample(CWMP_INFORM, &msg);
	size_t len = emit_ok(&msg);
	for (size_t cut = 1; cut < len; cut++) {
		enum mayday_err err = cwmp_parse(out, cut, &back, &d);
		if (err == MAYDAY_OK)   /* only a cut inside the trailing newline may parse */
			assert_true(strspn(out + cut, "\r\n ") == len - cut);
		else
			assert_true(d.offset <= cut && d.what != NULL);
	}
	assert_int_equal(cwmp_parse(out, len, &back, &d), MAYDAY_OK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip_all_kinds),
		cmocka_unit_test(test_roundtrip_echoes_peer_ns),
		cmocka_unit_test(test_emit_escapes_and_header),
		cmocka_unit_test(test_emit_fault_wrapper),
		cmocka_unit_test(test_parse_text_pieces),
		cmocka_unit_test(test_emit_refuses_invalid),
		cmocka_unit_test(test_emit_size_limits),
		cmocka_unit_test(test_distress_event),
		cmocka_unit_test(test_empty_post),
		cmocka_unit_test(test_quirk_cwmp_1_0_and_other_prefix),
		cmocka_unit_test(test_quirk_transfer_complete_out_of_order),
		cmocka_unit_test(test_quirk_arraytype_mismatch_and_extras),
		cmocka_unit_test(test_unknown_method_and_bare_soap_fault),
		cmocka_unit_test(test_rejects_bad_fields),
		cmocka_unit_test(test_rejects_too_many_items),
		cmocka_unit_test(test_hostile_billion_laughs),
		cmocka_unit_test(test_hostile_xxe),
		cmocka_unit_test(test_hostile_oversized),
		cmocka_unit_test(test_hostile_deep_nesting),
		cmocka_unit_test(test_hostile_truncated),
	};
	cwmp_global_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}

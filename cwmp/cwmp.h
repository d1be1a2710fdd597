/* SPDX-License-Identifier: Apache-2.0 */
/*
 * CWMP (TR-069) codec: the subset the remediation path needs.
 *
 * One decoded form, struct cwmp_msg, serves both directions: the emitter
 * turns it into a SOAP 1.1 envelope, the parser turns a peer's envelope
 * back into it. Every field is a fixed-size, NUL-terminated array bounded
 * by the limits below (TR-069 / FACTS.md), so a decoded message owns no
 * heap memory and the caller owns the struct (it is large, ~45 KiB: keep
 * it off small stacks). The codec does no I/O and never logs.
 *
 * Namespaces: we emit urn:dslforum-org:cwmp-1-2 unless told to answer in
 * the peer's (msg->ns); we accept cwmp-1-0 .. cwmp-1-4.
 *
 * Built on expat (parsing) and a bounded writer of its own (emitting), both
 * small enough to link statically into the DCF.
 *
 * Thread-safety: calls on distinct messages may run in parallel; the codec
 * keeps no global state. cwmp_global_init() is kept for callers that call
 * it once from the main thread, and does nothing.
 */
#ifndef MAYDAY_CWMP_H
#define MAYDAY_CWMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mayday/error.h"

/* Limits from the CWMP schema and FACTS.md; arrays hold MAX + 1 for the NUL. */
#define CWMP_ENVELOPE_MAX   65536u  /* bytes, either direction */
#define CWMP_DEPTH_MAX      24u     /* element nesting accepted from peers */
#define CWMP_ID_MAX         64u     /* cwmp:ID header */
#define CWMP_COMMANDKEY_MAX 32u
#define CWMP_EVENTCODE_MAX  64u
#define CWMP_EVENTS_MAX     64u
#define CWMP_STR64_MAX      64u     /* Manufacturer, ProductClass, SerialNumber, FileType */
#define CWMP_OUI_LEN        6u      /* [0-9A-F]{6} */
#define CWMP_STR256_MAX     256u    /* URL, Username, Password, names, FaultString */
#define CWMP_VALUE_MAX      512u    /* a parameter value */
#define CWMP_PARAMS_MAX     32u     /* ParameterList / ParameterNames entries */
#define CWMP_METHOD_MAX     64u

/* Unknown time: emitted as 0001-01-01T00:00:00Z, TR-069's "unknown". */
#define CWMP_TIME_UNKNOWN   INT64_MIN

/* Event codes the remediation uses; vendor events are "X <OUI> <NAME>". */
#define CWMP_EV_BOOTSTRAP         "0 BOOTSTRAP"
#define CWMP_EV_BOOT              "1 BOOT"
#define CWMP_EV_TRANSFER_COMPLETE "7 TRANSFER COMPLETE"
#define CWMP_EV_M_DOWNLOAD        "M Download"
#define CWMP_EV_M_REBOOT          "M Reboot"
#define CWMP_EV_DISTRESS_NAME     "DISTRESS"
#define CWMP_FILETYPE_FIRMWARE    "1 Firmware Upgrade Image"

/* CWMP fault codes used by the remediation (TR-069 A.5.1). */
enum cwmp_fault_code {
	CWMP_FAULT_NONE = 0,
	CWMP_ACS_METHOD_NOT_SUPPORTED = 8000,
	CWMP_ACS_REQUEST_DENIED = 8001,
	CWMP_ACS_INTERNAL_ERROR = 8002,
	CWMP_ACS_INVALID_ARGUMENTS = 8003,
	CWMP_ACS_RESOURCES_EXCEEDED = 8004,
	CWMP_ACS_RETRY_REQUEST = 8005,
	CWMP_ACS_VERSION_INCOMPATIBLE = 8006,
	CWMP_CPE_METHOD_NOT_SUPPORTED = 9000,
	CWMP_CPE_REQUEST_DENIED = 9001,
	CWMP_CPE_INTERNAL_ERROR = 9002,
	CWMP_CPE_INVALID_ARGUMENTS = 9003,
	CWMP_CPE_RESOURCES_EXCEEDED = 9004,
	CWMP_CPE_INVALID_PARAMETER_NAME = 9005,
	CWMP_CPE_DOWNLOAD_FAILURE = 9010,
	CWMP_CPE_SERVER_AUTH_FAILURE = 9012,
	CWMP_CPE_UNSUPPORTED_PROTOCOL = 9013,
	CWMP_CPE_CONTACT_FAILURE = 9015,
	CWMP_CPE_ACCESS_FAILURE = 9016,
	CWMP_CPE_COMPLETE_FAILURE = 9017,
	CWMP_CPE_FILE_CORRUPTED = 9018,
	CWMP_CPE_FILE_AUTH_FAILURE = 9019,
};

enum cwmp_ns {
	CWMP_NS_1_2 = 0,   /* the default: zero-initialised messages emit 1-2 */
	CWMP_NS_1_0,
	CWMP_NS_1_1,
	CWMP_NS_1_3,
	CWMP_NS_1_4,
	CWMP_NS__COUNT
};

enum cwmp_kind {
	CWMP_EMPTY = 0,               /* empty HTTP POST / empty Body */
	CWMP_INFORM,                  /* CPE -> ACS */
	CWMP_INFORM_RESPONSE,         /* ACS -> CPE */
	CWMP_GET_PARAMETER_VALUES,    /* ACS -> CPE */
	CWMP_GET_PARAMETER_VALUES_RESPONSE,
	CWMP_DOWNLOAD,                /* ACS -> CPE */
	CWMP_DOWNLOAD_RESPONSE,
	CWMP_REBOOT,                  /* ACS -> CPE */
	CWMP_REBOOT_RESPONSE,
	CWMP_TRANSFER_COMPLETE,       /* CPE -> ACS */
	CWMP_TRANSFER_COMPLETE_RESPONSE,
	CWMP_GET_RPC_METHODS,         /* either way; the ACS answers the CPE's */
	CWMP_GET_RPC_METHODS_RESPONSE,
	CWMP_FAULT,                   /* either way, SOAP Fault + cwmp:Fault detail */
	CWMP_OTHER,                   /* parse only: a method we do not implement
	                                 (see msg->method); answer with 8000/9000 */
	CWMP_KIND__COUNT
};

/* xsi:type of a parameter value; the value itself is kept as text. */
enum cwmp_ptype {
	CWMP_T_STRING = 0,
	CWMP_T_UINT,
	CWMP_T_INT,
	CWMP_T_ULONG,                 /* xsd:unsignedLong (TR-069 1.4 data type), 64 bits */
	CWMP_T_BOOL,
	CWMP_T_DATETIME,
};

struct cwmp_param {
	char name[CWMP_STR256_MAX + 1];
	char value[CWMP_VALUE_MAX + 1];
	enum cwmp_ptype type;
};

struct cwmp_event {
	char code[CWMP_EVENTCODE_MAX + 1];
	char command_key[CWMP_COMMANDKEY_MAX + 1];
};

struct cwmp_inform {
	char manufacturer[CWMP_STR64_MAX + 1];
	char oui[CWMP_OUI_LEN + 1];
	char product_class[CWMP_STR64_MAX + 1];
	char serial_number[CWMP_STR64_MAX + 1];
	uint32_t n_events;
	struct cwmp_event events[CWMP_EVENTS_MAX];
	uint32_t max_envelopes;
	int64_t current_time;        /* seconds since the epoch, UTC */
	uint32_t retry_count;
	uint32_t n_params;
	struct cwmp_param params[CWMP_PARAMS_MAX];
};

struct cwmp_gpv {                     /* GetParameterValues */
	uint32_t n_names;
	char names[CWMP_PARAMS_MAX][CWMP_STR256_MAX + 1];
};

struct cwmp_gpv_response {
	uint32_t n_params;
	struct cwmp_param params[CWMP_PARAMS_MAX];
};

struct cwmp_download {
	char command_key[CWMP_COMMANDKEY_MAX + 1];
	char file_type[CWMP_STR64_MAX + 1];
	char url[CWMP_STR256_MAX + 1];
	char username[CWMP_STR256_MAX + 1];
	char password[CWMP_STR256_MAX + 1];
	uint32_t file_size;
	char target_file_name[CWMP_STR256_MAX + 1];
	uint32_t delay_seconds;
	char success_url[CWMP_STR256_MAX + 1];
	char failure_url[CWMP_STR256_MAX + 1];
};

struct cwmp_download_response {
	uint32_t status;             /* 0 done, 1 not yet applied */
	int64_t start_time;
	int64_t complete_time;
};

struct cwmp_fault {
	uint32_t code;               /* 8000-8899 ACS, 9000-9899 CPE; 0 in TransferComplete = success */
	char string[CWMP_STR256_MAX + 1];
};

struct cwmp_transfer_complete {
	char command_key[CWMP_COMMANDKEY_MAX + 1];
	struct cwmp_fault fault;
	int64_t start_time;
	int64_t complete_time;
};

struct cwmp_msg {
	enum cwmp_kind kind;
	enum cwmp_ns ns;
	char id[CWMP_ID_MAX + 1];            /* cwmp:ID; "" = no header */
	bool hold_requests;                  /* cwmp:HoldRequests (ACS only) */
	char method[CWMP_METHOD_MAX + 1];    /* parse: local name of the Body element */
	union {
		struct cwmp_inform inform;
		uint32_t inform_response_max_envelopes;
		struct cwmp_gpv gpv;
		struct cwmp_gpv rpc_methods;  /* GetRPCMethodsResponse's MethodList (names <= 64) */
		struct cwmp_gpv_response gpv_response;
		struct cwmp_download download;
		struct cwmp_download_response download_response;
		char reboot_command_key[CWMP_COMMANDKEY_MAX + 1];
		struct cwmp_transfer_complete transfer_complete;
		struct cwmp_fault fault;
	} u;
};

/* Does nothing (expat needs no global initialisation); kept so callers need not change. */
void cwmp_global_init(void);

/* Static strings, never NULL. */
const char *cwmp_ns_uri(enum cwmp_ns ns);
const char *cwmp_kind_name(enum cwmp_kind kind);

/*
 * Writes msg as a SOAP envelope into out[0..cap) and sets *len (no NUL is
 * added). CWMP_EMPTY writes nothing (*len = 0: the empty POST). Every field
 * is checked before anything is written: strings must be NUL-terminated
 * within their arrays, valid UTF-8 without control characters; codes,
 * event codes, FileType, OUI and fault codes must be what the schema
 * allows, so an emitted envelope always validates. Nothing is allocated:
 * the envelope is written straight into out, whose contents are unspecified
 * after an error. Errors: MAYDAY_E_INVALID (a field the schema would refuse;
 * diag->what says which), MAYDAY_E_TOOBIG (the envelope exceeds cap or
 * CWMP_ENVELOPE_MAX).
 */
MAYDAY_NODISCARD enum mayday_err cwmp_emit(const struct cwmp_msg *msg, char *out, size_t cap,
                                           size_t *len, struct mayday_diag *diag);

/*
 * Parses one envelope (or an empty POST: len 0 or only whitespace) into
 * *msg, which is overwritten; on error *msg is zeroed (no partial state).
 * Elements are matched by local name, in any order; unknown elements and
 * header entries are ignored; soapenc:arrayType counts are ignored (the
 * items are counted). DTDs are refused outright (SOAP forbids them), so no
 * entity is ever declared, expanded or loaded; no network access.
 * Errors: MAYDAY_E_TOOBIG (input, a field, a list or the nesting exceeds
 * its limit), MAYDAY_E_MALFORMED (not XML, not SOAP, a bad number or
 * time, a DTD, a required field missing, a duplicate field),
 * MAYDAY_E_UNSUPPORTED (a namespace other than cwmp-1-0..1-4), MAYDAY_E_NOMEM.
 * diag gets the byte offset (of the line, for semantic errors) and why.
 */
MAYDAY_NODISCARD enum mayday_err cwmp_parse(const char *buf, size_t len, struct cwmp_msg *msg,
                                            struct mayday_diag *diag);

/* True if the Inform carries the event code (exact match). */
bool cwmp_inform_has_event(const struct cwmp_inform *inf, const char *code);

/* The vendor distress event "X <oui> DISTRESS" into buf[CWMP_EVENTCODE_MAX + 1];
 * MAYDAY_E_INVALID unless oui is [0-9A-F]{6}. */
MAYDAY_NODISCARD enum mayday_err cwmp_distress_event(const char *oui,
                                                     char buf[CWMP_EVENTCODE_MAX + 1]);

#endif

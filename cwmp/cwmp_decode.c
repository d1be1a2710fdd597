/* SPDX-License-Identifier: Apache-2.0 */
/*
 * CWMP decoder: element events -> struct cwmp_msg. Each open element gets
 * a role from its parent's role and its own local name; an element we do
 * not know gets R_SKIP, and so does everything inside it. Children are
 * matched by local name, in any namespace and any order, since deployed
 * peers get prefixes and order wrong; the namespace counts only where SOAP
 * or CWMP define the meaning (Envelope, Header, Body, the SOAP Fault; the
 * method, the header entries and the cwmp:Fault detail). A leaf (text,
 * number, time, boolean) collects its text into d->text, bounded by its
 * field, and is stored when it ends; a container checks its required
 * children when it ends. Order of checks follows the document, so the
 * first problem in document order is the one reported.
 */
#include <string.h>

#include "cwmp_decode.h"
#include "cwmp_time.h"

#define SOAPENV_NS "http://schemas.xmlsoap.org/soap/envelope/"

enum role {
	R_SKIP = 0,
	R_ENVELOPE,
	R_HEADER,
	R_BODY,
	R_METHOD,          /* msg->kind says which */
	R_SOAP_FAULT,
	R_DETAIL,
	R_DEVICE_ID,
	R_EVENT_LIST,
	R_EVENT,           /* msg->u.inform.events[n_events] */
	R_PARAM_LIST,
	R_PARAM,           /* the list's params[n] */
	R_NAMES,           /* ParameterNames, or GetRPCMethodsResponse's MethodList */
	R_FAULT_STRUCT,    /* TransferComplete's FaultStruct or the cwmp:Fault detail */
	R_LEAF,            /* d->leaf says which kind */
};

enum leaf_kind {
	L_TEXT,            /* longer than the field: MAYDAY_E_TOOBIG */
	L_TEXT_TRUNCATE,   /* informational (FaultString): cut at the field's size */
	L_U32,
	L_TIME,
	L_BOOL,
};

/* Text a scalar may have, whitespace included; longer is not a valid one. */
#define U32_TEXT_CAP  24u
#define TIME_TEXT_CAP 48u
#define BOOL_TEXT_CAP 16u

_Static_assert(sizeof(((struct cwmp_param *)0)->value) <= sizeof(((struct cwmp_decode *)0)->text),
               "the leaf buffer holds the largest field");

#define COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])))
#define TRY(expr)                                \
	do {                                     \
		if ((err = (expr)) != MAYDAY_OK) \
			return err;              \
	} while (0)

struct name {
	const char *uri;           /* NULL: no namespace */
	size_t uri_len;
	const char *local;
};

static struct name split(const char *s)
{
	const char *sep = strrchr(s, CWMP_DECODE_NS_SEP);
	if (!sep)
		return (struct name){ .uri = NULL, .uri_len = 0, .local = s };
	return (struct name){ .uri = s, .uri_len = (size_t)(sep - s), .local = sep + 1 };
}

static bool in_ns(const struct name *n, const char *uri)
{
	return n->uri && n->uri_len == strlen(uri) && memcmp(n->uri, uri, n->uri_len) == 0;
}

static bool named(const struct name *n, const char *local)
{
	return strcmp(n->local, local) == 0;
}

/* The cwmp namespace of n, or -1. */
static int cwmp_ns_of(const struct name *n)
{
	for (int i = 0; i < CWMP_NS__COUNT; i++)
		if (in_ns(n, cwmp_ns_uri((enum cwmp_ns)i)))
			return i;
	return -1;
}

/* Maps a local name to its index in names[], or -1. */
static int field(const struct name *n, const char *const *names, int count)
{
	for (int i = 0; i < count; i++)
		if (named(n, names[i]))
			return i;
	return -1;
}

static enum mayday_err fail(struct cwmp_decode *d, size_t at, enum mayday_err err, const char *why)
{
	d->why = why;
	d->err_at = at;
	return err;
}

static bool is_xs_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static bool is_scalar(const struct cwmp_decode *d)
{
	return d->leaf != L_TEXT && d->leaf != L_TEXT_TRUNCATE;
}

/* A second child with the same name is refused rather than read over the first. */
static enum mayday_err once(struct cwmp_decode *d, struct cwmp_decode_frame *parent,
                            const struct cwmp_decode_frame *f, int bit)
{
	if (parent->seen & (1u << bit))
		return fail(d, f->at, MAYDAY_E_MALFORMED, "duplicate element");
	parent->seen |= 1u << bit;
	return MAYDAY_OK;
}

static enum mayday_err need(struct cwmp_decode *d, const struct cwmp_decode_frame *f,
                            uint32_t mask, const char *why)
{
	if ((f->seen & mask) != mask)
		return fail(d, f->at, MAYDAY_E_MALFORMED, why);
	return MAYDAY_OK;
}

static enum mayday_err leaf(struct cwmp_decode *d, struct cwmp_decode_frame *f, enum leaf_kind kind,
                            void *dst, size_t cap, uint32_t *count)
{
	f->role = R_LEAF;
	d->leaf = (uint8_t)kind;
	d->dst = dst;
	d->cap = cap;
	d->count = count;
	d->used = 0;
	d->over = false;
	d->text[0] = '\0';
	return MAYDAY_OK;
}

static enum mayday_err text_leaf(struct cwmp_decode *d, struct cwmp_decode_frame *f, char *dst,
                                 size_t cap)
{
	return leaf(d, f, L_TEXT, dst, cap, NULL);
}

static enum mayday_err open_as(struct cwmp_decode_frame *f, enum role role)
{
	f->role = (uint8_t)role;
	return MAYDAY_OK;
}

/* xsi:type of a Value, matched by local names as the rest. */
static enum cwmp_ptype ptype_of(const char **attrs)
{
	static const char *const types[] = { "string", "unsignedInt", "int",
		                             "unsignedLong", "boolean", "dateTime" };
	for (size_t i = 0; attrs[i]; i += 2) {
		struct name n = split(attrs[i]);
		if (!named(&n, "type"))
			continue;
		const char *t = strchr(attrs[i + 1], ':');
		t = t ? t + 1 : attrs[i + 1];
		for (int k = 1; k < COUNT(types); k++)
			if (strcmp(t, types[k]) == 0)
				return (enum cwmp_ptype)k;
	}
	return CWMP_T_STRING;
}

/* ---- containers: the child f of parent, named n ------------------------ */

static enum mayday_err method(struct cwmp_decode *d, struct cwmp_decode_frame *f,
                              const struct name *n)
{
	struct cwmp_msg *m = d->msg;

	if (in_ns(n, SOAPENV_NS) && named(n, "Fault")) {
		m->kind = CWMP_FAULT;
		memcpy(m->method, "Fault", sizeof("Fault"));
		return open_as(f, R_SOAP_FAULT);
	}
	int ns = cwmp_ns_of(n);
	if (ns < 0)
		return fail(d, f->at, MAYDAY_E_UNSUPPORTED,
		            "Body element not in a cwmp-1-0..1-4 namespace");
	d->ns_body = ns;
	if (strlen(n->local) > CWMP_METHOD_MAX)
		return fail(d, f->at, MAYDAY_E_TOOBIG, "method name too long");
	strcpy(m->method, n->local);
	m->kind = CWMP_OTHER;
	for (int k = CWMP_INFORM; k < CWMP_OTHER; k++)
		if (k != CWMP_FAULT && named(n, cwmp_kind_name((enum cwmp_kind)k)))
			m->kind = (enum cwmp_kind)k;
	/* times a peer leaves out are "unknown", not the epoch */
	if (m->kind == CWMP_INFORM)
		m->u.inform.current_time = CWMP_TIME_UNKNOWN;
	if (m->kind == CWMP_DOWNLOAD_RESPONSE)
		m->u.download_response.start_time = m->u.download_response.complete_time =
		        CWMP_TIME_UNKNOWN;
	if (m->kind == CWMP_TRANSFER_COMPLETE)
		m->u.transfer_complete.start_time = m->u.transfer_complete.complete_time =
		        CWMP_TIME_UNKNOWN;
	return open_as(f, R_METHOD);
}

static enum mayday_err inform_child(struct cwmp_decode *d, struct cwmp_decode_frame *parent,
                                    struct cwmp_decode_frame *f, const struct name *n)
{
	static const char *const names[] = { "DeviceId",   "Event",      "MaxEnvelopes",
		                             "CurrentTime", "RetryCount", "ParameterList" };
	struct cwmp_inform *i = &d->msg->u.inform;
	enum mayday_err err;
	int k = field(n, names, COUNT(names));

	if (k < 0)
		return open_as(f, R_SKIP);
	TRY(once(d, parent, f, k));
	switch (k) {
	case 0: return open_as(f, R_DEVICE_ID);
	case 1: return open_as(f, R_EVENT_LIST);
	case 2: return leaf(d, f, L_U32, &i->max_envelopes, U32_TEXT_CAP, NULL);
	case 3: return leaf(d, f, L_TIME, &i->current_time, TIME_TEXT_CAP, NULL);
	case 4: return leaf(d, f, L_U32, &i->retry_count, U32_TEXT_CAP, NULL);
	default: return open_as(f, R_PARAM_LIST);
	}
}

static enum mayday_err download_child(struct cwmp_decode *d, struct cwmp_decode_frame *parent,
                                      struct cwmp_decode_frame *f, const struct name *n)
{
	static const char *const names[] = { "CommandKey",     "FileType",     "URL",
		                             "Username",       "Password",     "FileSize",
		                             "TargetFileName", "DelaySeconds", "SuccessURL",
		                             "FailureURL" };
	struct cwmp_download *dl = &d->msg->u.download;
	char *const dst[] = { dl->command_key, dl->file_type, dl->url, dl->username, dl->password,
		              NULL, dl->target_file_name, NULL, dl->success_url, dl->failure_url };
	const size_t cap[] = { sizeof(dl->command_key), sizeof(dl->file_type), sizeof(dl->url),
		               sizeof(dl->username), sizeof(dl->password), 0,
		               sizeof(dl->target_file_name), 0, sizeof(dl->success_url),
		               sizeof(dl->failure_url) };
	enum mayday_err err;
	int k = field(n, names, COUNT(names));

	if (k < 0)
		return open_as(f, R_SKIP);
	TRY(once(d, parent, f, k));
	if (k == 5)
		return leaf(d, f, L_U32, &dl->file_size, U32_TEXT_CAP, NULL);
	if (k == 7)
		return leaf(d, f, L_U32, &dl->delay_seconds, U32_TEXT_CAP, NULL);
	return text_leaf(d, f, dst[k], cap[k]);
}

/* A child of the method element: what it is depends on the method. */
static enum mayday_err method_child(struct cwmp_decode *d, struct cwmp_decode_frame *parent,
                                    struct cwmp_decode_frame *f, const struct name *n)
{
	struct cwmp_msg *m = d->msg;
	enum mayday_err err;
	int k;

	switch (m->kind) {
	case CWMP_INFORM:
		return inform_child(d, parent, f, n);
	case CWMP_DOWNLOAD:
		return download_child(d, parent, f, n);
	case CWMP_INFORM_RESPONSE:
		if (!named(n, "MaxEnvelopes"))
			break;
		TRY(once(d, parent, f, 0));
		return leaf(d, f, L_U32, &m->u.inform_response_max_envelopes, U32_TEXT_CAP, NULL);
	case CWMP_GET_PARAMETER_VALUES:
		if (!named(n, "ParameterNames"))
			break;
		TRY(once(d, parent, f, 0));
		return open_as(f, R_NAMES);
	case CWMP_GET_PARAMETER_VALUES_RESPONSE:
		if (!named(n, "ParameterList"))
			break;
		TRY(once(d, parent, f, 0));
		return open_as(f, R_PARAM_LIST);
	case CWMP_GET_RPC_METHODS_RESPONSE:
		if (!named(n, "MethodList"))
			break;
		TRY(once(d, parent, f, 0));
		return open_as(f, R_NAMES);
	case CWMP_DOWNLOAD_RESPONSE: {
		static const char *const names[] = { "Status", "StartTime", "CompleteTime" };
		struct cwmp_download_response *r = &m->u.download_response;
		if ((k = field(n, names, COUNT(names))) < 0)
			break;
		TRY(once(d, parent, f, k));
		if (k == 0)
			return leaf(d, f, L_U32, &r->status, U32_TEXT_CAP, NULL);
		return leaf(d, f, L_TIME, k == 1 ? &r->start_time : &r->complete_time, TIME_TEXT_CAP,
		            NULL);
	}
	case CWMP_REBOOT:
		if (!named(n, "CommandKey"))
			break;
		TRY(once(d, parent, f, 0));
		return text_leaf(d, f, m->u.reboot_command_key, sizeof(m->u.reboot_command_key));
	case CWMP_TRANSFER_COMPLETE: {
		static const char *const names[] = { "CommandKey", "FaultStruct", "StartTime",
			                             "CompleteTime" };
		struct cwmp_transfer_complete *t = &m->u.transfer_complete;
		if ((k = field(n, names, COUNT(names))) < 0)
			break;
		TRY(once(d, parent, f, k));
		if (k == 0)
			return text_leaf(d, f, t->command_key, sizeof(t->command_key));
		if (k == 1)
			return open_as(f, R_FAULT_STRUCT);
		return leaf(d, f, L_TIME, k == 2 ? &t->start_time : &t->complete_time, TIME_TEXT_CAP,
		            NULL);
	}
	default:
		break;   /* responses without content, and methods we do not implement */
	}
	return open_as(f, R_SKIP);
}

static struct cwmp_param *param_list_of(struct cwmp_msg *m, uint32_t **n)
{
	if (m->kind == CWMP_INFORM) {
		*n = &m->u.inform.n_params;
		return m->u.inform.params;
	}
	*n = &m->u.gpv_response.n_params;
	return m->u.gpv_response.params;
}

static struct cwmp_fault *fault_of(struct cwmp_msg *m)
{
	return m->kind == CWMP_TRANSFER_COMPLETE ? &m->u.transfer_complete.fault : &m->u.fault;
}

static enum mayday_err child(struct cwmp_decode *d, struct cwmp_decode_frame *parent,
                             struct cwmp_decode_frame *f, const struct name *n,
                             const char **attrs)
{
	struct cwmp_msg *m = d->msg;
	enum mayday_err err;
	int k, ns;

	switch (parent->role) {
	case R_ENVELOPE:   /* SOAP 1.1: at most one Header, exactly one Body */
		if (in_ns(n, SOAPENV_NS) && named(n, "Header")) {
			TRY(once(d, parent, f, 0));
			return open_as(f, R_HEADER);
		}
		if (in_ns(n, SOAPENV_NS) && named(n, "Body")) {
			TRY(once(d, parent, f, 1));
			return open_as(f, R_BODY);
		}
		break;
	case R_HEADER:     /* NoMoreRequests and others: tolerated, ignored */
		if ((ns = cwmp_ns_of(n)) < 0)
			break;
		if (named(n, "ID")) {
			TRY(once(d, parent, f, 0));
			d->ns_header = ns;
			return text_leaf(d, f, m->id, sizeof(m->id));
		}
		if (named(n, "HoldRequests")) {
			TRY(once(d, parent, f, 1));
			return leaf(d, f, L_BOOL, &m->hold_requests, BOOL_TEXT_CAP, NULL);
		}
		break;
	case R_BODY:       /* the first element is the method; the rest is ignored */
		if (parent->seen)
			break;
		parent->seen = 1;
		return method(d, f, n);
	case R_METHOD:
		return method_child(d, parent, f, n);
	case R_DEVICE_ID: {
		static const char *const names[] = { "Manufacturer", "OUI", "ProductClass",
			                             "SerialNumber" };
		struct cwmp_inform *i = &m->u.inform;
		char *const dst[] = { i->manufacturer, i->oui, i->product_class, i->serial_number };
		const size_t cap[] = { sizeof(i->manufacturer), sizeof(i->oui),
			               sizeof(i->product_class), sizeof(i->serial_number) };
		if ((k = field(n, names, COUNT(names))) < 0)
			break;
		TRY(once(d, parent, f, k));
		return text_leaf(d, f, dst[k], cap[k]);
	}
	case R_EVENT_LIST:
		if (!named(n, "EventStruct"))
			break;
		if (m->u.inform.n_events == CWMP_EVENTS_MAX)
			return fail(d, f->at, MAYDAY_E_TOOBIG, "too many events");
		return open_as(f, R_EVENT);
	case R_EVENT: {
		static const char *const names[] = { "EventCode", "CommandKey" };
		struct cwmp_event *e = &m->u.inform.events[m->u.inform.n_events];
		if ((k = field(n, names, COUNT(names))) < 0)
			break;
		TRY(once(d, parent, f, k));
		if (k == 0)
			return text_leaf(d, f, e->code, sizeof(e->code));
		return text_leaf(d, f, e->command_key, sizeof(e->command_key));
	}
	case R_PARAM_LIST: {
		uint32_t *count;
		(void)param_list_of(m, &count);
		if (!named(n, "ParameterValueStruct"))
			break;
		if (*count == CWMP_PARAMS_MAX)
			return fail(d, f->at, MAYDAY_E_TOOBIG, "too many parameters");
		return open_as(f, R_PARAM);
	}
	case R_PARAM: {
		uint32_t *count;
		struct cwmp_param *p = &param_list_of(m, &count)[*count];
		if (named(n, "Name")) {
			TRY(once(d, parent, f, 0));
			return text_leaf(d, f, p->name, sizeof(p->name));
		}
		if (named(n, "Value")) {
			TRY(once(d, parent, f, 1));
			p->type = ptype_of(attrs);
			return text_leaf(d, f, p->value, sizeof(p->value));
		}
		break;
	}
	case R_NAMES: {
		/* ParameterNames, or GetRPCMethodsResponse's MethodList (names of 64 at most) */
		bool methods = m->kind == CWMP_GET_RPC_METHODS_RESPONSE;
		struct cwmp_gpv *g = methods ? &m->u.rpc_methods : &m->u.gpv;
		if (!named(n, "string"))
			break;
		if (g->n_names == CWMP_PARAMS_MAX)
			return fail(d, f->at, MAYDAY_E_TOOBIG, "too many names");
		return leaf(d, f, L_TEXT, g->names[g->n_names],
		            methods ? CWMP_METHOD_MAX + 1 : sizeof(g->names[0]), &g->n_names);
	}
	case R_FAULT_STRUCT: {
		struct cwmp_fault *flt = fault_of(m);
		if (named(n, "FaultCode")) {
			TRY(once(d, parent, f, 0));
			return leaf(d, f, L_U32, &flt->code, U32_TEXT_CAP, NULL);
		}
		if (named(n, "FaultString")) {
			TRY(once(d, parent, f, 1));
			return leaf(d, f, L_TEXT_TRUNCATE, flt->string, sizeof(flt->string), NULL);
		}
		break;
	}
	/*
	 * SOAP Fault: the CWMP detail (cwmp:Fault) carries the code; the first
	 * one found is the answer. A SOAP fault without it still means
	 * "failed", so it stays code 0 with the faultstring.
	 */
	case R_SOAP_FAULT:
		if (d->fault_done)
			break;
		if (named(n, "faultstring"))
			return leaf(d, f, L_TEXT_TRUNCATE, m->u.fault.string, sizeof(m->u.fault.string),
			            NULL);
		if (named(n, "detail"))
			return open_as(f, R_DETAIL);
		break;
	case R_DETAIL:
		if (d->fault_done || !named(n, "Fault") || (ns = cwmp_ns_of(n)) < 0)
			break;
		d->fault_done = true;
		d->ns_body = ns;
		memset(&m->u.fault, 0, sizeof(m->u.fault));
		return open_as(f, R_FAULT_STRUCT);
	case R_LEAF:
		if (is_scalar(d))
			return fail(d, parent->at, MAYDAY_E_MALFORMED, "bad scalar value");
		return fail(d, f->at, MAYDAY_E_MALFORMED, "element inside a text field");
	default:
		break;
	}
	return open_as(f, R_SKIP);
}

enum mayday_err cwmp_decode_start(struct cwmp_decode *d, const char *name, const char **attrs,
                                  size_t at)
{
	struct name n = split(name);

	if (d->depth == CWMP_DEPTH_MAX)
		return fail(d, at, MAYDAY_E_TOOBIG, "elements nested too deeply");
	struct cwmp_decode_frame *f = &d->stack[d->depth++];
	*f = (struct cwmp_decode_frame){ .role = R_SKIP, .seen = 0, .at = at };
	if (d->depth > 1)
		return child(d, f - 1, f, &n, attrs);
	if (!in_ns(&n, SOAPENV_NS) || !named(&n, "Envelope"))
		return fail(d, at, MAYDAY_E_MALFORMED, "root is not a SOAP 1.1 Envelope");
	return open_as(f, R_ENVELOPE);
}

enum mayday_err cwmp_decode_text(struct cwmp_decode *d, const char *s, size_t len)
{
	if (d->depth == 0 || d->stack[d->depth - 1].role != R_LEAF)
		return MAYDAY_OK;   /* whitespace between elements, text of unknown ones */
	size_t room = d->cap - 1 - d->used;
	if (len > room) {
		size_t at = d->stack[d->depth - 1].at;
		if (d->leaf == L_TEXT)
			return fail(d, at, MAYDAY_E_TOOBIG, "text field exceeds its limit");
		if (d->leaf != L_TEXT_TRUNCATE)
			return fail(d, at, MAYDAY_E_MALFORMED, "bad scalar value");
		d->over = true;
		len = room;
	}
	memcpy(d->text + d->used, s, len);
	d->used += len;
	d->text[d->used] = '\0';
	return MAYDAY_OK;
}

static enum mayday_err u32_of(struct cwmp_decode *d, size_t at, const char *s, uint32_t *v)
{
	uint64_t x = 0;
	if (*s == '\0')
		return fail(d, at, MAYDAY_E_MALFORMED, "empty number");
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return fail(d, at, MAYDAY_E_MALFORMED, "not an unsigned number");
		x = x * 10 + (uint64_t)(*s - '0');
		if (x > UINT32_MAX)
			return fail(d, at, MAYDAY_E_MALFORMED, "number out of range");
	}
	*v = (uint32_t)x;
	return MAYDAY_OK;
}

/* Stores the leaf that ends (its frame f) where leaf() said. */
static enum mayday_err leaf_end(struct cwmp_decode *d, const struct cwmp_decode_frame *f)
{
	enum mayday_err err;
	char *s = d->text;

	if (!is_scalar(d)) {
		memcpy(d->dst, d->text, d->used + 1);
	} else {
		/* scalars: whitespace around them is not part of the value */
		size_t e = d->used;
		while (is_xs_space(*s))
			s++, e--;
		while (e > 0 && is_xs_space(s[e - 1]))
			e--;
		s[e] = '\0';
		if (d->leaf == L_U32) {
			TRY(u32_of(d, f->at, s, d->dst));
		} else if (d->leaf == L_TIME) {
			if (cwmp_time_parse(s, d->dst) != MAYDAY_OK)
				return fail(d, f->at, MAYDAY_E_MALFORMED, "bad dateTime");
		} else if (strcmp(s, "1") == 0 || strcmp(s, "true") == 0) {
			*(bool *)d->dst = true;
		} else if (strcmp(s, "0") == 0 || strcmp(s, "false") == 0) {
			*(bool *)d->dst = false;
		} else {
			return fail(d, f->at, MAYDAY_E_MALFORMED, "bad boolean");
		}
	}
	if (d->count)
		(*d->count)++;
	return MAYDAY_OK;
}

static enum mayday_err method_end(struct cwmp_decode *d, const struct cwmp_decode_frame *f)
{
	enum mayday_err err;

	switch (d->msg->kind) {
	case CWMP_INFORM:
		return need(d, f, 1u << 0 | 1u << 1, "Inform without DeviceId or Event");
	case CWMP_GET_PARAMETER_VALUES:
		return need(d, f, 1u, "GetParameterValues without ParameterNames");
	case CWMP_GET_PARAMETER_VALUES_RESPONSE:
		return need(d, f, 1u, "GetParameterValuesResponse without ParameterList");
	case CWMP_DOWNLOAD:
		return need(d, f, 1u << 0 | 1u << 1 | 1u << 2,
		            "Download without CommandKey, FileType or URL");
	case CWMP_DOWNLOAD_RESPONSE:
		TRY(need(d, f, 1u, "DownloadResponse without Status"));
		if (d->msg->u.download_response.status > 1)
			return fail(d, f->at, MAYDAY_E_MALFORMED, "DownloadResponse Status not 0 or 1");
		return MAYDAY_OK;
	case CWMP_TRANSFER_COMPLETE:
		return need(d, f, 1u << 0 | 1u << 1,
		            "TransferComplete without CommandKey or FaultStruct");
	default:
		return MAYDAY_OK;
	}
}

enum mayday_err cwmp_decode_end(struct cwmp_decode *d)
{
	const struct cwmp_decode_frame *f = &d->stack[--d->depth];
	struct cwmp_inform *i = &d->msg->u.inform;
	enum mayday_err err;
	uint32_t *count;

	switch (f->role) {
	case R_LEAF:
		return leaf_end(d, f);
	case R_METHOD:
		return method_end(d, f);
	case R_ENVELOPE:
		return need(d, f, 1u << 1, "Envelope without Body");
	case R_DEVICE_ID:
		return need(d, f, 1u << 1 | 1u << 3, "DeviceId without OUI or SerialNumber");
	case R_EVENT:
		TRY(need(d, f, 1u, "EventStruct without EventCode"));
		i->n_events++;
		return MAYDAY_OK;
	case R_PARAM:
		TRY(need(d, f, 1u, "ParameterValueStruct without Name"));
		(void)param_list_of(d->msg, &count);
		(*count)++;
		return MAYDAY_OK;
	case R_FAULT_STRUCT:
		return need(d, f, 1u, "fault without FaultCode");
	default:
		return MAYDAY_OK;
	}
}

void cwmp_decode_init(struct cwmp_decode *d, struct cwmp_msg *msg)
{
	memset(d, 0, sizeof(*d));
	d->msg = msg;
	d->ns_header = d->ns_body = -1;
}

void cwmp_decode_finish(struct cwmp_decode *d)
{
	/* the method's namespace is the session's; cwmp:ID's serves an empty Body */
	int ns = d->ns_body >= 0 ? d->ns_body : d->ns_header;
	d->msg->ns = ns >= 0 ? (enum cwmp_ns)ns : CWMP_NS_1_2;
}

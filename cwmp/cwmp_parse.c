/* SPDX-License-Identifier: Apache-2.0 */
/*
 * CWMP envelope parser. libxml2 builds a tree under a locked-down context:
 * no network, no DTD (the internalSubset SAX hook stops the parser at the
 * DOCTYPE, so no entity is declared, let alone expanded or fetched), no
 * XML_PARSE_HUGE (libxml2 keeps its own depth and text-size limits), and
 * the input is capped before parsing. The tree is then read by element
 * local name, ignoring order, unknown elements and arrayType counts, since
 * deployed peers get those wrong; what we keep is copied into the caller's
 * fixed-size struct, so nothing of libxml2 outlives the call.
 */
#include <string.h>

#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/tree.h>

#include "cwmp.h"
#include "cwmp_time.h"

#define SOAPENV_NS "http://schemas.xmlsoap.org/soap/envelope/"

struct pctx {
	const char *buf;
	size_t len;
	struct mayday_diag *diag;
};

/* The byte offset of the start of node's line: where a reader should look. */
static size_t node_offset(const struct pctx *pc, const xmlNode *n)
{
	long line = n ? xmlGetLineNo(n) : 1;
	size_t off = 0;
	for (long l = 1; l < line && off < pc->len; off++)
		if (pc->buf[off] == '\n')
			l++;
	return off;
}

static enum mayday_err fail(struct pctx *pc, const xmlNode *n, enum mayday_err err, const char *why)
{
	pc->diag->offset = node_offset(pc, n);
	pc->diag->what = why;
	return err;
}

static bool is_elem(const xmlNode *n)
{
	return n->type == XML_ELEMENT_NODE;
}

static bool named(const xmlNode *n, const char *name)
{
	return strcmp((const char *)n->name, name) == 0;
}

static bool in_ns(const xmlNode *n, const char *uri)
{
	return n->ns && n->ns->href && strcmp((const char *)n->ns->href, uri) == 0;
}

/* The cwmp namespace of n, or -1. */
static int cwmp_ns_of(const xmlNode *n)
{
	for (int i = 0; i < CWMP_NS__COUNT; i++)
		if (in_ns(n, cwmp_ns_uri((enum cwmp_ns)i)))
			return i;
	return -1;
}

static bool depth_ok(const xmlNode *n, unsigned depth)
{
	if (depth > CWMP_DEPTH_MAX)
		return false;
	for (const xmlNode *c = n->children; c; c = c->next)
		if (is_elem(c) && !depth_ok(c, depth + 1))
			return false;
	return true;
}

/*
 * The text of a leaf element into dst[cap]. Longer text is MAYDAY_E_TOOBIG,
 * unless `truncate` (for informational strings such as FaultString).
 */
static enum mayday_err text_into(struct pctx *pc, const xmlNode *n, char *dst, size_t cap,
                                 bool truncate)
{
	size_t used = 0;

	dst[0] = '\0';
	for (const xmlNode *c = n->children; c; c = c->next) {
		if (is_elem(c))
			return fail(pc, c, MAYDAY_E_MALFORMED, "element inside a text field");
		if ((c->type != XML_TEXT_NODE && c->type != XML_CDATA_SECTION_NODE) || !c->content)
			continue;
		size_t k = strlen((const char *)c->content);
		if (used + k >= cap) {
			if (!truncate)
				return fail(pc, n, MAYDAY_E_TOOBIG, "text field exceeds its limit");
			k = cap - 1 - used;
		}
		memcpy(dst + used, c->content, k);
		used += k;
		dst[used] = '\0';
	}
	return MAYDAY_OK;
}

static bool is_xs_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Text of a scalar (number, time, boolean) with surrounding whitespace dropped. */
static enum mayday_err scalar(struct pctx *pc, const xmlNode *n, char *dst, size_t cap)
{
	enum mayday_err err = text_into(pc, n, dst, cap, false);
	if (err != MAYDAY_OK)
		return fail(pc, n, MAYDAY_E_MALFORMED, "bad scalar value");
	size_t s = 0, e = strlen(dst);
	while (s < e && is_xs_space(dst[s]))
		s++;
	while (e > s && is_xs_space(dst[e - 1]))
		e--;
	memmove(dst, dst + s, e - s);
	dst[e - s] = '\0';
	return MAYDAY_OK;
}

static enum mayday_err u32_of(struct pctx *pc, const xmlNode *n, uint32_t *v)
{
	char b[24];
	enum mayday_err err = scalar(pc, n, b, sizeof(b));
	if (err != MAYDAY_OK)
		return err;
	uint64_t x = 0;
	if (b[0] == '\0')
		return fail(pc, n, MAYDAY_E_MALFORMED, "empty number");
	for (const char *p = b; *p; p++) {
		if (*p < '0' || *p > '9')
			return fail(pc, n, MAYDAY_E_MALFORMED, "not an unsigned number");
		x = x * 10 + (uint64_t)(*p - '0');
		if (x > UINT32_MAX)
			return fail(pc, n, MAYDAY_E_MALFORMED, "number out of range");
	}
	*v = (uint32_t)x;
	return MAYDAY_OK;
}

static enum mayday_err time_of(struct pctx *pc, const xmlNode *n, int64_t *t)
{
	char b[48];
	enum mayday_err err = scalar(pc, n, b, sizeof(b));
	if (err != MAYDAY_OK)
		return err;
	if (cwmp_time_parse(b, t) != MAYDAY_OK)
		return fail(pc, n, MAYDAY_E_MALFORMED, "bad dateTime");
	return MAYDAY_OK;
}

static enum mayday_err bool_of(struct pctx *pc, const xmlNode *n, bool *v)
{
	char b[16];
	enum mayday_err err = scalar(pc, n, b, sizeof(b));
	if (err != MAYDAY_OK)
		return err;
	if (strcmp(b, "1") == 0 || strcmp(b, "true") == 0)
		*v = true;
	else if (strcmp(b, "0") == 0 || strcmp(b, "false") == 0)
		*v = false;
	else
		return fail(pc, n, MAYDAY_E_MALFORMED, "bad boolean");
	return MAYDAY_OK;
}

/*
 * Field bookkeeping for one element's children: `seen` has a bit per field
 * index so a duplicate is refused rather than silently overwriting.
 */
static enum mayday_err once(struct pctx *pc, const xmlNode *n, uint32_t *seen, unsigned bit)
{
	if (*seen & (1u << bit))
		return fail(pc, n, MAYDAY_E_MALFORMED, "duplicate element");
	*seen |= 1u << bit;
	return MAYDAY_OK;
}

static enum mayday_err need(struct pctx *pc, const xmlNode *n, uint32_t seen, uint32_t mask,
                            const char *why)
{
	if ((seen & mask) != mask)
		return fail(pc, n, MAYDAY_E_MALFORMED, why);
	return MAYDAY_OK;
}

/* Maps a name to the index in names[], or -1. */
static int field(const xmlNode *n, const char *const *names, int count)
{
	for (int i = 0; i < count; i++)
		if (named(n, names[i]))
			return i;
	return -1;
}

#define COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])))
#define TRY(expr)                              \
	do {                                   \
		if ((err = (expr)) != MAYDAY_OK) \
			return err;            \
	} while (0)

static enum cwmp_ptype ptype_of(const xmlNode *value)
{
	for (const xmlAttr *a = value->properties; a; a = a->next) {
		if (strcmp((const char *)a->name, "type") != 0 || !a->children ||
		    !a->children->content)
			continue;
		const char *t = (const char *)a->children->content;
		const char *colon = strchr(t, ':');
		t = colon ? colon + 1 : t;
		if (strcmp(t, "unsignedInt") == 0)
			return CWMP_T_UINT;
		if (strcmp(t, "int") == 0)
			return CWMP_T_INT;
		if (strcmp(t, "unsignedLong") == 0)
			return CWMP_T_ULONG;
		if (strcmp(t, "boolean") == 0)
			return CWMP_T_BOOL;
		if (strcmp(t, "dateTime") == 0)
			return CWMP_T_DATETIME;
	}
	return CWMP_T_STRING;
}

static enum mayday_err param_list(struct pctx *pc, const xmlNode *list, struct cwmp_param *out,
                                  uint32_t *n)
{
	static const char *const names[] = { "Name", "Value" };
	enum mayday_err err;

	*n = 0;
	for (const xmlNode *s = list->children; s; s = s->next) {
		if (!is_elem(s) || !named(s, "ParameterValueStruct"))
			continue;
		if (*n == CWMP_PARAMS_MAX)
			return fail(pc, s, MAYDAY_E_TOOBIG, "too many parameters");
		struct cwmp_param *p = &out[*n];
		uint32_t seen = 0;
		for (const xmlNode *c = s->children; c; c = c->next) {
			int f = is_elem(c) ? field(c, names, COUNT(names)) : -1;
			if (f < 0)
				continue;
			TRY(once(pc, c, &seen, (unsigned)f));
			if (f == 0) {
				TRY(text_into(pc, c, p->name, sizeof(p->name), false));
			} else {
				TRY(text_into(pc, c, p->value, sizeof(p->value), false));
				p->type = ptype_of(c);
			}
		}
		TRY(need(pc, s, seen, 1u, "ParameterValueStruct without Name"));
		(*n)++;
	}
	return MAYDAY_OK;
}

static enum mayday_err device_id(struct pctx *pc, const xmlNode *d, struct cwmp_inform *i)
{
	static const char *const names[] = { "Manufacturer", "OUI", "ProductClass", "SerialNumber" };
	char *const dst[] = { i->manufacturer, i->oui, i->product_class, i->serial_number };
	const size_t cap[] = { sizeof(i->manufacturer), sizeof(i->oui), sizeof(i->product_class),
		               sizeof(i->serial_number) };
	enum mayday_err err;
	uint32_t seen = 0;

	for (const xmlNode *c = d->children; c; c = c->next) {
		int f = is_elem(c) ? field(c, names, COUNT(names)) : -1;
		if (f < 0)
			continue;
		TRY(once(pc, c, &seen, (unsigned)f));
		TRY(text_into(pc, c, dst[f], cap[f], false));
	}
	return need(pc, d, seen, 1u << 1 | 1u << 3, "DeviceId without OUI or SerialNumber");
}

static enum mayday_err event_list(struct pctx *pc, const xmlNode *list, struct cwmp_inform *i)
{
	static const char *const names[] = { "EventCode", "CommandKey" };
	enum mayday_err err;

	for (const xmlNode *s = list->children; s; s = s->next) {
		if (!is_elem(s) || !named(s, "EventStruct"))
			continue;
		if (i->n_events == CWMP_EVENTS_MAX)
			return fail(pc, s, MAYDAY_E_TOOBIG, "too many events");
		struct cwmp_event *e = &i->events[i->n_events];
		uint32_t seen = 0;
		for (const xmlNode *c = s->children; c; c = c->next) {
			int f = is_elem(c) ? field(c, names, COUNT(names)) : -1;
			if (f < 0)
				continue;
			TRY(once(pc, c, &seen, (unsigned)f));
			if (f == 0)
				TRY(text_into(pc, c, e->code, sizeof(e->code), false));
			else
				TRY(text_into(pc, c, e->command_key, sizeof(e->command_key), false));
		}
		TRY(need(pc, s, seen, 1u, "EventStruct without EventCode"));
		i->n_events++;
	}
	return MAYDAY_OK;
}

static enum mayday_err inform(struct pctx *pc, const xmlNode *m, struct cwmp_inform *i)
{
	static const char *const names[] = { "DeviceId",   "Event",      "MaxEnvelopes",
		                             "CurrentTime", "RetryCount", "ParameterList" };
	enum mayday_err err;
	uint32_t seen = 0;

	i->current_time = CWMP_TIME_UNKNOWN;
	for (const xmlNode *c = m->children; c; c = c->next) {
		int f = is_elem(c) ? field(c, names, COUNT(names)) : -1;
		if (f < 0)
			continue;
		TRY(once(pc, c, &seen, (unsigned)f));
		switch (f) {
		case 0: TRY(device_id(pc, c, i)); break;
		case 1: TRY(event_list(pc, c, i)); break;
		case 2: TRY(u32_of(pc, c, &i->max_envelopes)); break;
		case 3: TRY(time_of(pc, c, &i->current_time)); break;
		case 4: TRY(u32_of(pc, c, &i->retry_count)); break;
		default: TRY(param_list(pc, c, i->params, &i->n_params)); break;
		}
	}
	return need(pc, m, seen, 1u << 0 | 1u << 1, "Inform without DeviceId or Event");
}

static enum mayday_err gpv(struct pctx *pc, const xmlNode *m, struct cwmp_gpv *g)
{
	enum mayday_err err;
	uint32_t seen = 0;

	for (const xmlNode *c = m->children; c; c = c->next) {
		if (!is_elem(c) || !named(c, "ParameterNames"))
			continue;
		TRY(once(pc, c, &seen, 0));
		for (const xmlNode *s = c->children; s; s = s->next) {
			if (!is_elem(s) || !named(s, "string"))
				continue;
			if (g->n_names == CWMP_PARAMS_MAX)
				return fail(pc, s, MAYDAY_E_TOOBIG, "too many parameter names");
			TRY(text_into(pc, s, g->names[g->n_names], sizeof(g->names[0]), false));
			g->n_names++;
		}
	}
	return need(pc, m, seen, 1u, "GetParameterValues without ParameterNames");
}

static enum mayday_err gpv_response(struct pctx *pc, const xmlNode *m,
                                    struct cwmp_gpv_response *r)
{
	enum mayday_err err;
	uint32_t seen = 0;

	for (const xmlNode *c = m->children; c; c = c->next) {
		if (!is_elem(c) || !named(c, "ParameterList"))
			continue;
		TRY(once(pc, c, &seen, 0));
		TRY(param_list(pc, c, r->params, &r->n_params));
	}
	return need(pc, m, seen, 1u, "GetParameterValuesResponse without ParameterList");
}

static enum mayday_err download(struct pctx *pc, const xmlNode *m, struct cwmp_download *d)
{
	static const char *const names[] = { "CommandKey",     "FileType",     "URL",
		                             "Username",       "Password",     "FileSize",
		                             "TargetFileName", "DelaySeconds", "SuccessURL",
		                             "FailureURL" };
	char *const dst[] = { d->command_key, d->file_type, d->url, d->username, d->password, NULL,
		              d->target_file_name, NULL, d->success_url, d->failure_url };
	const size_t cap[] = { sizeof(d->command_key), sizeof(d->file_type), sizeof(d->url),
		               sizeof(d->username), sizeof(d->password), 0,
		               sizeof(d->target_file_name), 0, sizeof(d->success_url),
		               sizeof(d->failure_url) };
	enum mayday_err err;
	uint32_t seen = 0;

	for (const xmlNode *c = m->children; c; c = c->next) {
		int f = is_elem(c) ? field(c, names, COUNT(names)) : -1;
		if (f < 0)
			continue;
		TRY(once(pc, c, &seen, (unsigned)f));
		if (f == 5)
			TRY(u32_of(pc, c, &d->file_size));
		else if (f == 7)
			TRY(u32_of(pc, c, &d->delay_seconds));
		else
			TRY(text_into(pc, c, dst[f], cap[f], false));
	}
	return need(pc, m, seen, 1u << 0 | 1u << 1 | 1u << 2,
	            "Download without CommandKey, FileType or URL");
}

static enum mayday_err download_response(struct pctx *pc, const xmlNode *m,
                                         struct cwmp_download_response *r)
{
	static const char *const names[] = { "Status", "StartTime", "CompleteTime" };
	enum mayday_err err;
	uint32_t seen = 0;

	r->start_time = r->complete_time = CWMP_TIME_UNKNOWN;
	for (const xmlNode *c = m->children; c; c = c->next) {
		int f = is_elem(c) ? field(c, names, COUNT(names)) : -1;
		if (f < 0)
			continue;
		TRY(once(pc, c, &seen, (unsigned)f));
		if (f == 0)
			TRY(u32_of(pc, c, &r->status));
		else
			TRY(time_of(pc, c, f == 1 ? &r->start_time : &r->complete_time));
	}
	TRY(need(pc, m, seen, 1u, "DownloadResponse without Status"));
	if (r->status > 1)
		return fail(pc, m, MAYDAY_E_MALFORMED, "DownloadResponse Status not 0 or 1");
	return MAYDAY_OK;
}

/* FaultCode + FaultString, as in TransferComplete's FaultStruct and cwmp:Fault. */
static enum mayday_err fault_struct(struct pctx *pc, const xmlNode *s, struct cwmp_fault *f)
{
	static const char *const names[] = { "FaultCode", "FaultString" };
	enum mayday_err err;
	uint32_t seen = 0;

	for (const xmlNode *c = s->children; c; c = c->next) {
		int k = is_elem(c) ? field(c, names, COUNT(names)) : -1;
		if (k < 0)
			continue;
		TRY(once(pc, c, &seen, (unsigned)k));
		if (k == 0)
			TRY(u32_of(pc, c, &f->code));
		else
			TRY(text_into(pc, c, f->string, sizeof(f->string), true));
	}
	return need(pc, s, seen, 1u, "fault without FaultCode");
}

static enum mayday_err transfer_complete(struct pctx *pc, const xmlNode *m,
                                         struct cwmp_transfer_complete *t)
{
	static const char *const names[] = { "CommandKey", "FaultStruct", "StartTime",
		                             "CompleteTime" };
	enum mayday_err err;
	uint32_t seen = 0;

	t->start_time = t->complete_time = CWMP_TIME_UNKNOWN;
	for (const xmlNode *c = m->children; c; c = c->next) {
		int f = is_elem(c) ? field(c, names, COUNT(names)) : -1;
		if (f < 0)
			continue;
		TRY(once(pc, c, &seen, (unsigned)f));
		switch (f) {
		case 0: TRY(text_into(pc, c, t->command_key, sizeof(t->command_key), false)); break;
		case 1: TRY(fault_struct(pc, c, &t->fault)); break;
		case 2: TRY(time_of(pc, c, &t->start_time)); break;
		default: TRY(time_of(pc, c, &t->complete_time)); break;
		}
	}
	return need(pc, m, seen, 1u << 0 | 1u << 1, "TransferComplete without CommandKey or FaultStruct");
}

static enum mayday_err reboot(struct pctx *pc, const xmlNode *m, struct cwmp_msg *msg)
{
	enum mayday_err err;
	uint32_t seen = 0;

	for (const xmlNode *c = m->children; c; c = c->next) {
		if (!is_elem(c) || !named(c, "CommandKey"))
			continue;
		TRY(once(pc, c, &seen, 0));
		TRY(text_into(pc, c, msg->u.reboot_command_key, sizeof(msg->u.reboot_command_key),
		              false));
	}
	return MAYDAY_OK;
}

static enum mayday_err inform_response(struct pctx *pc, const xmlNode *m, struct cwmp_msg *msg)
{
	enum mayday_err err;
	uint32_t seen = 0;

	for (const xmlNode *c = m->children; c; c = c->next) {
		if (!is_elem(c) || !named(c, "MaxEnvelopes"))
			continue;
		TRY(once(pc, c, &seen, 0));
		TRY(u32_of(pc, c, &msg->u.inform_response_max_envelopes));
	}
	return MAYDAY_OK;
}

/*
 * SOAP Fault: the CWMP detail (cwmp:Fault) carries the code. A SOAP fault
 * without it still means "failed", so it becomes code 0 with faultstring.
 */
static enum mayday_err soap_fault(struct pctx *pc, const xmlNode *m, struct cwmp_msg *msg)
{
	enum mayday_err err;

	for (const xmlNode *c = m->children; c; c = c->next) {
		if (!is_elem(c))
			continue;
		if (named(c, "faultstring") && msg->u.fault.code == 0)
			TRY(text_into(pc, c, msg->u.fault.string, sizeof(msg->u.fault.string), true));
		if (!named(c, "detail"))
			continue;
		for (const xmlNode *d = c->children; d; d = d->next) {
			int ns = is_elem(d) && named(d, "Fault") ? cwmp_ns_of(d) : -1;
			if (ns < 0)
				continue;
			msg->ns = (enum cwmp_ns)ns;
			memset(&msg->u.fault, 0, sizeof(msg->u.fault));
			return fault_struct(pc, d, &msg->u.fault);
		}
	}
	return MAYDAY_OK;
}

static enum mayday_err header(struct pctx *pc, const xmlNode *h, struct cwmp_msg *msg)
{
	enum mayday_err err;
	uint32_t seen = 0;

	for (const xmlNode *c = h->children; c; c = c->next) {
		int ns = is_elem(c) ? cwmp_ns_of(c) : -1;
		if (ns < 0)
			continue;   /* NoMoreRequests and others: tolerated, ignored */
		if (named(c, "ID")) {
			TRY(once(pc, c, &seen, 0));
			TRY(text_into(pc, c, msg->id, sizeof(msg->id), false));
			msg->ns = (enum cwmp_ns)ns;
		} else if (named(c, "HoldRequests")) {
			TRY(once(pc, c, &seen, 1));
			TRY(bool_of(pc, c, &msg->hold_requests));
		}
	}
	return MAYDAY_OK;
}

static enum mayday_err method(struct pctx *pc, const xmlNode *m, struct cwmp_msg *msg)
{
	if (in_ns(m, SOAPENV_NS) && named(m, "Fault")) {
		msg->kind = CWMP_FAULT;
		memcpy(msg->method, "Fault", sizeof("Fault"));
		return soap_fault(pc, m, msg);
	}
	int ns = cwmp_ns_of(m);
	if (ns < 0)
		return fail(pc, m, MAYDAY_E_UNSUPPORTED, "Body element not in a cwmp-1-0..1-4 namespace");
	msg->ns = (enum cwmp_ns)ns;
	if (strlen((const char *)m->name) > CWMP_METHOD_MAX)
		return fail(pc, m, MAYDAY_E_TOOBIG, "method name too long");
	strcpy(msg->method, (const char *)m->name);
	msg->kind = CWMP_OTHER;
	for (int k = CWMP_INFORM; k < CWMP_OTHER; k++)
		if (k != CWMP_FAULT && named(m, cwmp_kind_name((enum cwmp_kind)k)))
			msg->kind = (enum cwmp_kind)k;
	switch (msg->kind) {
	case CWMP_INFORM:
		return inform(pc, m, &msg->u.inform);
	case CWMP_INFORM_RESPONSE:
		return inform_response(pc, m, msg);
	case CWMP_GET_PARAMETER_VALUES:
		return gpv(pc, m, &msg->u.gpv);
	case CWMP_GET_PARAMETER_VALUES_RESPONSE:
		return gpv_response(pc, m, &msg->u.gpv_response);
	case CWMP_DOWNLOAD:
		return download(pc, m, &msg->u.download);
	case CWMP_DOWNLOAD_RESPONSE:
		return download_response(pc, m, &msg->u.download_response);
	case CWMP_REBOOT:
		return reboot(pc, m, msg);
	case CWMP_TRANSFER_COMPLETE:
		return transfer_complete(pc, m, &msg->u.transfer_complete);
	default:
		return MAYDAY_OK;   /* responses without content, and methods we do not implement */
	}
}

static enum mayday_err envelope(struct pctx *pc, const xmlNode *env, struct cwmp_msg *msg)
{
	enum mayday_err err;
	const xmlNode *body = NULL;
	uint32_t seen = 0;

	if (!env || !named(env, "Envelope") || !in_ns(env, SOAPENV_NS))
		return fail(pc, env, MAYDAY_E_MALFORMED, "root is not a SOAP 1.1 Envelope");
	if (!depth_ok(env, 1))
		return fail(pc, env, MAYDAY_E_TOOBIG, "elements nested too deeply");
	for (const xmlNode *c = env->children; c; c = c->next) {
		if (!is_elem(c) || !in_ns(c, SOAPENV_NS))
			continue;
		/* SOAP 1.1: at most one Header, exactly one Body */
		if (named(c, "Header")) {
			TRY(once(pc, c, &seen, 0));
			TRY(header(pc, c, msg));
		} else if (named(c, "Body")) {
			TRY(once(pc, c, &seen, 1));
			body = c;
		}
	}
	if (!body)
		return fail(pc, env, MAYDAY_E_MALFORMED, "Envelope without Body");
	for (const xmlNode *c = body->children; c; c = c->next)
		if (is_elem(c))
			return method(pc, c, msg);
	msg->kind = CWMP_EMPTY;   /* an empty Body counts as the empty POST */
	return MAYDAY_OK;
}

/* SOAP forbids a DTD; refusing it here means no entity is ever declared. */
static void refuse_dtd(void *ctx, const xmlChar *name, const xmlChar *ext, const xmlChar *sys)
{
	xmlParserCtxtPtr ctxt = ctx;
	(void)name;
	(void)ext;
	(void)sys;
	ctxt->_private = (void *)ctxt;   /* marks "DTD seen" */
	xmlStopParser(ctxt);
}

enum mayday_err cwmp_parse(const char *buf, size_t len, struct cwmp_msg *msg,
                           struct mayday_diag *diag)
{
	struct pctx pc = { .buf = buf, .len = len, .diag = diag };
	enum mayday_err err = MAYDAY_OK;
	xmlParserCtxtPtr ctxt = NULL;
	xmlDocPtr doc = NULL;
	size_t i;

	memset(msg, 0, sizeof(*msg));
	diag->offset = 0;
	diag->what = NULL;
	if (len > CWMP_ENVELOPE_MAX) {
		err = fail(&pc, NULL, MAYDAY_E_TOOBIG, "envelope exceeds CWMP_ENVELOPE_MAX");
		diag->offset = CWMP_ENVELOPE_MAX;
		goto out;
	}
	for (i = 0; i < len && is_xs_space(buf[i]); i++)
		;
	if (i == len)
		goto out;   /* the empty POST (some clients send a newline or two) */

	xmlInitParser();
	if (!(ctxt = xmlCreateMemoryParserCtxt(buf, (int)len))) {
		err = fail(&pc, NULL, MAYDAY_E_NOMEM, "parser context");
		goto out;
	}
	xmlCtxtUseOptions(ctxt, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
	                                XML_PARSE_NOCDATA | XML_PARSE_BIG_LINES);
	ctxt->sax->internalSubset = refuse_dtd;
	ctxt->sax->externalSubset = refuse_dtd;
	ctxt->_private = NULL;
	(void)xmlParseDocument(ctxt);   /* the outcome is read from ctxt below */
	doc = ctxt->myDoc;
	ctxt->myDoc = NULL;
	if (ctxt->_private) {
		err = MAYDAY_E_MALFORMED;
		diag->what = "DTD (document type declaration) refused";
		diag->offset = 0;
		goto out;
	}
	if (!ctxt->wellFormed || !doc || doc->intSubset || doc->extSubset) {
		long consumed = xmlByteConsumed(ctxt);
		err = MAYDAY_E_MALFORMED;
		diag->what = ctxt->errNo == XML_ERR_NO_MEMORY ? "out of memory" : "not well-formed XML";
		if (ctxt->errNo == XML_ERR_NO_MEMORY)
			err = MAYDAY_E_NOMEM;
		diag->offset = consumed >= 0 && (size_t)consumed <= len ? (size_t)consumed : len;
		goto out;
	}
	err = envelope(&pc, xmlDocGetRootElement(doc), msg);
out:
	if (doc)
		xmlFreeDoc(doc);
	if (ctxt)
		xmlFreeParserCtxt(ctxt);
	if (err != MAYDAY_OK)
		memset(msg, 0, sizeof(*msg));
	return err;
}

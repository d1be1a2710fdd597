/* SPDX-License-Identifier: Apache-2.0 */
/*
 * CPE session state machine (see cpe_session.h). Everything large -- the
 * two envelope buffers and the decoded message -- lives in one heap block
 * per session, so the session's memory is fixed whatever the ACS sends.
 * Answers to ACS requests echo the request's cwmp:ID and namespace.
 */
#include "cpe_session.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct sess {
	const struct cpe_session_params *p;
	struct cpe_outcome *out;
	struct mayday_diag *diag;
	struct cwmp_msg msg;            /* what we send */
	struct cwmp_msg in;             /* what the ACS sent */
	char tx[CWMP_ENVELOPE_MAX];
	char rx[CWMP_ENVELOPE_MAX];
	size_t rx_len;
};

/* Emit s->msg, post it, parse the answer into s->in (CWMP_EMPTY if none). */
static enum mayday_err exchange(struct sess *s)
{
	size_t len = 0;
	enum mayday_err rc = cwmp_emit(&s->msg, s->tx, sizeof(s->tx), &len, s->diag);

	if (rc != MAYDAY_OK)
		return rc;
	s->rx_len = 0;
	rc = s->p->post(s->p->post_ctx, s->tx, len, s->rx, sizeof(s->rx), &s->rx_len);
	if (rc != MAYDAY_OK)
		return rc;
	return cwmp_parse(s->rx, s->rx_len, &s->in, s->diag);
}

static void set_param(struct cwmp_param *pa, const char *name, const char *value,
		      enum cwmp_ptype type)
{
	snprintf(pa->name, sizeof(pa->name), "%s", name);
	snprintf(pa->value, sizeof(pa->value), "%s", value);
	pa->type = type;
}

/* The value of a parameter we know; false for an unknown name. */
static bool param_value(const struct cpe_info *info, const char *name, struct cwmp_param *pa)
{
	char num[24];

	if (strcmp(name, CPE_P_SOFTWARE_VERSION) == 0) {
		set_param(pa, name, info->software_version, CWMP_T_STRING);
	} else if (strcmp(name, CPE_P_DCF_VERSION) == 0) {
		set_param(pa, name, info->dcf_version, CWMP_T_STRING);
	} else if (strcmp(name, CPE_P_FREE_SPACE) == 0) {
		snprintf(num, sizeof(num), "%" PRIu64, info->free_space);
		set_param(pa, name, num, CWMP_T_ULONG);   /* bytes: more than 32 bits */
	} else if (strcmp(name, CPE_P_MAX_IMAGE_SIZE) == 0) {
		snprintf(num, sizeof(num), "%" PRIu64, info->max_image_size);
		set_param(pa, name, num, CWMP_T_ULONG);
	} else {
		return false;
	}
	return true;
}

static void reply_fault(struct sess *s, uint32_t code, const char *why)
{
	s->msg.kind = CWMP_FAULT;
	s->msg.u.fault.code = code;
	snprintf(s->msg.u.fault.string, sizeof(s->msg.u.fault.string), "%s", why);
	s->out->faults_sent++;
}

/* Build the answer to the ACS request in s->in. */
static void answer(struct sess *s)
{
	const struct cwmp_msg *in = &s->in;

	memset(&s->msg, 0, sizeof(s->msg));
	s->msg.ns = in->ns;
	memcpy(s->msg.id, in->id, sizeof(s->msg.id));
	switch (in->kind) {
	case CWMP_GET_PARAMETER_VALUES:
		if (in->u.gpv.n_names > CWMP_PARAMS_MAX) {
			reply_fault(s, CWMP_CPE_RESOURCES_EXCEEDED, "too many names");
			return;
		}
		s->msg.kind = CWMP_GET_PARAMETER_VALUES_RESPONSE;
		for (uint32_t i = 0; i < in->u.gpv.n_names; i++) {
			if (!param_value(s->p->info, in->u.gpv.names[i],
					 &s->msg.u.gpv_response.params[i])) {
				memset(&s->msg, 0, sizeof(s->msg));
				s->msg.ns = in->ns;
				memcpy(s->msg.id, in->id, sizeof(s->msg.id));
				reply_fault(s, CWMP_CPE_INVALID_PARAMETER_NAME,
					    "Invalid parameter name");
				return;
			}
		}
		s->msg.u.gpv_response.n_params = in->u.gpv.n_names;
		return;
	case CWMP_DOWNLOAD:
		if (s->p->refuse_download) {
			reply_fault(s, CWMP_CPE_REQUEST_DENIED, "no remediation was asked for");
			return;
		}
		if (strcmp(in->u.download.file_type, CWMP_FILETYPE_FIRMWARE) != 0) {
			reply_fault(s, CWMP_CPE_INVALID_ARGUMENTS, "unsupported FileType");
			return;
		}
		if (s->out->download) {
			reply_fault(s, CWMP_CPE_RESOURCES_EXCEEDED, "a download is already queued");
			return;
		}
		s->out->download = true;
		s->out->dl = in->u.download;
		s->msg.kind = CWMP_DOWNLOAD_RESPONSE;
		s->msg.u.download_response.status = 1;
		s->msg.u.download_response.start_time = CWMP_TIME_UNKNOWN;
		s->msg.u.download_response.complete_time = CWMP_TIME_UNKNOWN;
		return;
	case CWMP_REBOOT:
		if (s->p->refuse_reboot) {
			reply_fault(s, CWMP_CPE_REQUEST_DENIED, "no reboot on request");
			return;
		}
		s->out->reboot = true;
		s->msg.kind = CWMP_REBOOT_RESPONSE;
		return;
	default:
		reply_fault(s, CWMP_CPE_METHOD_NOT_SUPPORTED, "Method not supported");
		return;
	}
}

static enum mayday_err expect(struct sess *s, enum cwmp_kind kind)
{
	if (s->in.kind == kind)
		return MAYDAY_OK;
	if (s->in.kind == CWMP_FAULT)
		s->out->acs_fault = s->in.u.fault.code;
	s->diag->offset = 0;
	s->diag->what = s->in.kind == CWMP_FAULT ? "the ACS answered with a Fault"
						  : "unexpected answer from the ACS";
	return MAYDAY_E_MALFORMED;
}

static enum mayday_err build_inform(struct sess *s)
{
	const struct cpe_session_params *p = s->p;
	struct cwmp_inform *inf = &s->msg.u.inform;

	memset(&s->msg, 0, sizeof(s->msg));
	s->msg.kind = CWMP_INFORM;
	snprintf(s->msg.id, sizeof(s->msg.id), "cpe-inform");
	snprintf(inf->manufacturer, sizeof(inf->manufacturer), "%s", CPE_MANUFACTURER);
	snprintf(inf->oui, sizeof(inf->oui), "%s", CPE_OUI);
	if (strlen(p->info->product_class) > CWMP_STR64_MAX ||
	    strlen(p->info->serial_number) > CWMP_STR64_MAX || p->n_events > CWMP_EVENTS_MAX)
		return MAYDAY_E_INVALID;
	snprintf(inf->product_class, sizeof(inf->product_class), "%s", p->info->product_class);
	snprintf(inf->serial_number, sizeof(inf->serial_number), "%s", p->info->serial_number);
	for (unsigned i = 0; i < p->n_events; i++) {
		if (strlen(p->events[i]) > CWMP_EVENTCODE_MAX)
			return MAYDAY_E_INVALID;
		snprintf(inf->events[i].code, sizeof(inf->events[i].code), "%s", p->events[i]);
		if (strcmp(p->events[i], CWMP_EV_M_DOWNLOAD) == 0 && p->event_command_key)
			snprintf(inf->events[i].command_key, sizeof(inf->events[i].command_key),
				 "%s", p->event_command_key);
	}
	inf->n_events = p->n_events;
	inf->max_envelopes = 1;
	inf->current_time = p->now;
	inf->retry_count = 0;
	inf->n_params = 1;
	set_param(&inf->params[0], CPE_P_SOFTWARE_VERSION, p->info->software_version,
		  CWMP_T_STRING);
	return MAYDAY_OK;
}

static enum mayday_err run(struct sess *s)
{
	enum mayday_err rc = build_inform(s);

	if (rc == MAYDAY_OK)
		rc = exchange(s);
	if (rc == MAYDAY_OK)
		rc = expect(s, CWMP_INFORM_RESPONSE);
	if (rc == MAYDAY_OK && s->p->tc) {
		memset(&s->msg, 0, sizeof(s->msg));
		s->msg.kind = CWMP_TRANSFER_COMPLETE;
		s->msg.ns = s->in.ns;
		snprintf(s->msg.id, sizeof(s->msg.id), "cpe-transfer-complete");
		s->msg.u.transfer_complete = *s->p->tc;
		rc = exchange(s);
		if (rc == MAYDAY_OK)
			rc = expect(s, CWMP_TRANSFER_COMPLETE_RESPONSE);
		s->out->tc_acked = rc == MAYDAY_OK;
	}
	if (rc != MAYDAY_OK)
		return rc;
	memset(&s->msg, 0, sizeof(s->msg)); /* the empty POST */
	for (;;) {
		rc = exchange(s);
		if (rc == MAYDAY_E_MALFORMED || rc == MAYDAY_E_TOOBIG ||
		    rc == MAYDAY_E_UNSUPPORTED) {
			/* Tell the ACS why, once; the session is over either way. */
			struct mayday_diag keep = *s->diag;
			memset(&s->msg, 0, sizeof(s->msg));
			reply_fault(s, CWMP_CPE_INVALID_ARGUMENTS, "envelope not understood");
			(void)exchange(s); /* the ACS's answer is moot */
			*s->diag = keep;
			return rc;
		}
		if (rc != MAYDAY_OK)
			return rc;
		if (s->in.kind == CWMP_EMPTY)
			return MAYDAY_OK;
		if (s->in.kind == CWMP_FAULT)
			return expect(s, CWMP_EMPTY);
		if (s->out->requests >= CPE_ROUNDS_MAX) {
			s->diag->offset = 0;
			s->diag->what = "the ACS sent too many requests";
			return MAYDAY_E_TOOBIG;
		}
		s->out->requests++;
		answer(s);
	}
}

enum mayday_err cpe_session_run(const struct cpe_session_params *p, struct cpe_outcome *out,
				struct mayday_diag *diag)
{
	struct sess *s = calloc(1, sizeof(*s));
	enum mayday_err rc = MAYDAY_E_NOMEM;

	memset(out, 0, sizeof(*out));
	diag->offset = 0;
	diag->what = NULL;
	if (!s)
		goto out;
	s->p = p;
	s->out = out;
	s->diag = diag;
	rc = run(s);
out:
	free(s);
	return rc;
}

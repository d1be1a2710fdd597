/* SPDX-License-Identifier: Apache-2.0 */
/*
 * maydayctl's requests: which transport (-d STORE: local; --api URL: tcp;
 * else the unix socket), opened at the first request, and the one place
 * errors are reported -- the API's {"error":{"code","message"}} passed on
 * under --json, or its message on stderr -- and mapped to exit codes.
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

int ctl_status_exit(int status)
{
	if (status == 400 || status == 413 || status == 415)
		return CTL_USAGE;
	if (status == 401 || status == 403)
		return CTL_DENIED;
	if (status == 404)
		return CTL_NOTFOUND;
	return CTL_FAIL;
}

int ctl_error(struct ctl *c, int rc, const char *code, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (c->json) {
		json_t *e = json_pack("{s:{s:s,s:s}}", "error", "code", code, "message", msg);
		(void)ctl_json_print(e);
	} else {
		fprintf(stderr, "maydayctl%s%s: ", c->cmd ? " " : "", c->cmd ? c->cmd : "");
		ctl_escape(msg, strlen(msg), stderr);
		fputc('\n', stderr);
	}
	return rc;
}

int ctl_usage(struct ctl *c, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return ctl_error(c, CTL_USAGE, "usage", "%s", msg);
}

int ctl_bad_option(struct ctl *c, char **argv)
{
	/* text: getopt said what was wrong (opterr is set then, main.c) */
	if (!c->json)
		return CTL_USAGE;
	return ctl_error(c, CTL_USAGE, "usage", "unknown option or missing argument near '%s'",
			 optind > 0 ? argv[optind - 1] : "?");
}

/* The API's code of a status, for an answer without a JSON error (one a
 * proxy or the listener's HTTP layer made). */
static const char *status_code(int status)
{
	switch (status) {
	case 400: return "bad_request";
	case 401: return "unauthenticated";
	case 403: return "forbidden";
	case 404: return "not_found";
	case 405: return "method_not_allowed";
	case 409: return "conflict";
	case 413: return "too_large";
	case 415: return "unsupported_media_type";
	case 422: return "invalid";
	case 503: return "unavailable";
	default: return "internal";
	}
}

int ctl_api_error(struct ctl *c, const struct ctl_answer *a)
{
	const json_t *e = a->json ? json_object_get(a->json, "error") : NULL;
	const char *code = ctl_jstr(e, "code"), *msg = ctl_jstr(e, "message");
	return ctl_error(c, ctl_status_exit(a->status), code ? code : status_code(a->status),
			 "%s (HTTP %d)", msg ? msg : "the API refused without saying why", a->status);
}

static int open_transport(struct ctl *c)
{
	char why[CTL_WHY_MAX] = "";
	const struct ctl_transport *tr = c->target.db ? &ctl_transport_local
				       : c->target.api ? &ctl_transport_tcp : &ctl_transport_unix;
	if (c->target.socket == NULL)
		c->target.socket = CTL_SOCKET_DEFAULT;
	enum mayday_err rc = tr->open(&c->target, &c->tr_state, why, sizeof(why));
	if (rc != MAYDAY_OK)
		return ctl_error(c, rc == MAYDAY_E_INVALID ? CTL_USAGE : CTL_FAIL, "transport", "%s",
				 why[0] ? why : mayday_strerror(rc));
	c->tr = tr;
	return CTL_OK;
}

int ctl_call(struct ctl *c, const char *method, const char *path, const void *body,
	     size_t body_len, const char *content_type, int pass, struct ctl_answer *a)
{
	char why[CTL_WHY_MAX] = "";
	int rc;
	memset(a, 0, sizeof(*a));
	if (c->tr == NULL && (rc = open_transport(c)) != CTL_OK)
		return rc;
	struct ctl_request r = {
		.method = method,
		.path = path,
		.body = body,
		.body_len = body_len,
		.content_type = body_len ? content_type : NULL,
	};
	enum mayday_err err = c->tr->call(c->tr_state, &r, a, why, sizeof(why));
	if (err != MAYDAY_OK) {
		ctl_answer_clear(a);
		return ctl_error(c, CTL_FAIL, "transport", "%s", why[0] ? why : mayday_strerror(err));
	}
	if ((a->status >= 200 && a->status < 300) || (pass != 0 && a->status == pass))
		return CTL_OK;
	rc = ctl_api_error(c, a);
	ctl_answer_clear(a);
	return rc;
}

int ctl_call_json(struct ctl *c, const char *method, const char *path, json_t *body, int pass,
		  struct ctl_answer *a)
{
	char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
	json_decref(body);
	if (text == NULL) {
		memset(a, 0, sizeof(*a));
		return ctl_error(c, CTL_FAIL, "internal", "out of memory");
	}
	int rc = ctl_call(c, method, path, text, strlen(text), "application/json", pass, a);
	/* a body may hold a password or a PSK: wiped before it is freed */
	memset(text, 0, strlen(text));
	free(text);
	return rc;
}

int ctl_get_table(struct ctl *c, const char *path, struct ctl_answer *a)
{
	int rc = ctl_call(c, "GET", path, NULL, 0, NULL, 0, a);
	if (rc != CTL_OK || !c->json)
		return rc;
	rc = ctl_json_print(json_incref(a->json));
	ctl_answer_clear(a);
	return rc;
}

void ctl_call_done(struct ctl *c)
{
	if (c->tr != NULL)
		c->tr->close(c->tr_state);
	c->tr = NULL;
}

bool ctl_pct(char *out, size_t cap, size_t *at, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	for (; *s; s++) {
		unsigned char b = (unsigned char)*s;
		bool plain = (b >= 'A' && b <= 'Z') || (b >= 'a' && b <= 'z') || (b >= '0' && b <= '9') ||
			     b == '-' || b == '.' || b == '_' || b == '~';
		if (*at + (plain ? 1 : 3) >= cap)
			return false;
		if (plain) {
			out[(*at)++] = (char)b;
		} else {
			out[(*at)++] = '%';
			out[(*at)++] = hex[b >> 4];
			out[(*at)++] = hex[b & 15];
		}
	}
	out[*at] = '\0';
	return true;
}

void ctl_url_init(struct ctl_url *u, const char *prefix)
{
	memset(u, 0, sizeof(*u));
	ctl_url_lit(u, prefix);
}

void ctl_url_lit(struct ctl_url *u, const char *text)
{
	size_t n = strlen(text);
	if (u->bad || n >= sizeof(u->s) - u->n) {
		u->bad = true;
		return;
	}
	memcpy(u->s + u->n, text, n + 1);
	u->n += n;
	if (strchr(text, '?') != NULL)
		u->q = true;
}

void ctl_url_seg(struct ctl_url *u, const char *segment)
{
	ctl_url_lit(u, "/");
	if (!u->bad && !ctl_pct(u->s, sizeof(u->s), &u->n, segment))
		u->bad = true;
}

void ctl_url_param(struct ctl_url *u, const char *name, const char *value)
{
	if (value == NULL)
		return;
	ctl_url_lit(u, u->q ? "&" : "?");
	u->q = true;
	ctl_url_lit(u, name);
	ctl_url_lit(u, "=");
	if (!u->bad && !ctl_pct(u->s, sizeof(u->s), &u->n, value))
		u->bad = true;
}

int ctl_url_ok(struct ctl *c, const struct ctl_url *u)
{
	if (!u->bad)
		return CTL_OK;
	return ctl_error(c, CTL_USAGE, "usage", "arguments too long for a request");
}

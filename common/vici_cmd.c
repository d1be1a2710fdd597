/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The VICI commands mayday needs, as visitors over the decoder.
 *
 * initiate: register for "control-log" (charon's progress lines, logged at
 * debug level), send the request, read until the one CMD_RESPONSE.
 * list-sas: register for "list-sa", send the request, judge each streamed
 * IKE SA until the CMD_RESPONSE ends the stream: for an inner address's
 * identity (vici_cmd_sa_match), or for an installed CHILD_SA. An inner
 * address is attributed only to an established IKE SA, and only when it
 * names exactly one host of it: a virtual IP it assigned, or the /32 or
 * /128 remote traffic selector of one of its installed CHILD_SAs. Two
 * different identities for one address is an error, never a choice.
 */
#include "vici.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "log.h"

#define RESPONSE_MARGIN_MS 2000 /* beyond charon's own timeout, for its answer to reach us */
#define ID_MAX             255  /* bytes of an IKE identity vici_cmd_remote_id returns */
#define LOG_LINE_MAX       200  /* bytes of one control-log line we log */

static enum mayday_err reject(struct mayday_diag *diag, size_t offset, enum mayday_err err,
			      const char *what)
{
	if (diag) {
		diag->offset = offset;
		diag->what = what;
	}
	return err;
}

static int value_is(const struct vici_elem *e, const char *s)
{
	size_t n = strlen(s);

	return e->value_len == n && memcmp(e->value, s, n) == 0;
}

/* Printable ASCII copy for logging text that came over a socket. */
static void printable(char *dst, size_t cap, const uint8_t *src, size_t len)
{
	size_t n = len < cap - 1 ? len : cap - 1;

	for (size_t i = 0; i < n; i++)
		dst[i] = src[i] >= 0x20 && src[i] < 0x7f ? (char)src[i] : '?';
	dst[n] = '\0';
}

/* Register for one event; charon confirms or says it has no such event. */
static enum mayday_err register_event(struct vici_conn *c, const char *event)
{
	struct vici_packet p;
	enum mayday_err rc = vici_conn_send(c, VICI_EVENT_REGISTER, event, NULL, 0);

	if (rc == MAYDAY_OK)
		rc = vici_conn_recv(c, &p, NULL);
	if (rc != MAYDAY_OK)
		return rc;
	if (p.type == VICI_EVENT_CONFIRM)
		return MAYDAY_OK;
	return p.type == VICI_EVENT_UNKNOWN ? MAYDAY_E_UNSUPPORTED : MAYDAY_E_MALFORMED;
}

struct initiate_answer {
	int success;
	char *errmsg;
	size_t cap;
};

static enum mayday_err visit_initiate(void *user, const struct vici_elem *e)
{
	struct initiate_answer *a = user;

	if (e->type != VICI_KEY_VALUE || e->depth != 0)
		return MAYDAY_OK;
	if (strcmp(e->name, "success") == 0)
		a->success = value_is(e, "yes");
	else if (strcmp(e->name, "errmsg") == 0)
		printable(a->errmsg, a->cap, e->value, e->value_len);
	return MAYDAY_OK;
}

static enum mayday_err visit_control_log(void *user, const struct vici_elem *e)
{
	char line[LOG_LINE_MAX + 1];

	(void)user;
	if (e->type == VICI_KEY_VALUE && e->depth == 0 && strcmp(e->name, "msg") == 0) {
		printable(line, sizeof(line), e->value, e->value_len);
		log_debug("charon: %s", line);
	}
	return MAYDAY_OK;
}

enum mayday_err vici_cmd_initiate(const char *path, const char *child, uint32_t timeout_ms,
				  char *errmsg, size_t cap)
{
	uint8_t req[512];
	char tmo[16];
	struct vici_builder b;
	struct vici_conn *c = NULL;
	struct vici_packet p;
	struct initiate_answer answer = { .errmsg = errmsg, .cap = cap };
	size_t req_len = 0;
	enum mayday_err rc;

	errmsg[0] = '\0';
	snprintf(tmo, sizeof(tmo), "%u", (unsigned)timeout_ms);
	vici_build_init(&b, req, sizeof(req));
	vici_build_kv_str(&b, "child", child);
	vici_build_kv_str(&b, "timeout", tmo);
	rc = vici_build_finish(&b, &req_len);
	if (rc != MAYDAY_OK || !child || child[0] == '\0')
		return MAYDAY_E_INVALID;
	rc = vici_conn_open(path, timeout_ms + RESPONSE_MARGIN_MS, &c);
	if (rc != MAYDAY_OK)
		goto out;
	/* Progress lines are only for the log: without them it still works. */
	rc = register_event(c, "control-log");
	if (rc != MAYDAY_OK && rc != MAYDAY_E_UNSUPPORTED)
		goto out;
	rc = vici_conn_send(c, VICI_CMD_REQUEST, "initiate", req, req_len);
	while (rc == MAYDAY_OK) {
		rc = vici_conn_recv(c, &p, NULL);
		if (rc != MAYDAY_OK)
			break;
		if (p.type == VICI_EVENT) {
			struct mayday_diag diag;
			if (strcmp(p.name, "control-log") == 0 &&
			    vici_decode(p.msg, p.msg_len, visit_control_log, NULL, &diag) != MAYDAY_OK)
				log_debug("charon: undecodable control-log event: %s at byte %zu",
					  diag.what, diag.offset);
			continue;
		}
		if (p.type == VICI_CMD_UNKNOWN) {
			snprintf(errmsg, cap, "charon does not know the initiate command");
			rc = MAYDAY_E_UNSUPPORTED;
			break;
		}
		if (p.type != VICI_CMD_RESPONSE) {
			rc = MAYDAY_E_MALFORMED;
			break;
		}
		rc = vici_decode(p.msg, p.msg_len, visit_initiate, &answer, NULL);
		if (rc == MAYDAY_OK && !answer.success)
			rc = MAYDAY_E_IO;
		break;
	}
out:
	vici_conn_close(c);
	return rc;
}

struct sa_match {
	const char *addr;
	char ts32[INET6_ADDRSTRLEN + 8];  /* "ADDR/32" or "ADDR/128" */
	char *id;
	size_t cap;
	int sections;             /* top-level sections: must be exactly one IKE SA */
	int id_seen;
	enum mayday_err id_err;
	int established;
	int vip_match;
	int child_installed, child_ts_match, child_match;
	const char *why;          /* reason when the visitor refuses */
};

/* A traffic selector naming exactly our host: "ADDR/32" or "ADDR/32[...]". */
static int ts_is_host(const struct sa_match *m, const struct vici_elem *e)
{
	size_t n = strlen(m->ts32);

	return e->value_len >= n && memcmp(e->value, m->ts32, n) == 0 &&
	       (e->value_len == n || e->value[n] == '[');
}

static void take_id(struct sa_match *m, const struct vici_elem *e)
{
	if (e->value_len == 0) {
		m->id_err = MAYDAY_E_MALFORMED;
		return;
	}
	for (size_t i = 0; i < e->value_len; i++)
		if (e->value[i] < 0x20 || e->value[i] > 0x7e) {
			m->id_err = MAYDAY_E_MALFORMED;
			return;
		}
	if (e->value_len >= m->cap) {
		m->id_err = MAYDAY_E_TOOBIG;
		return;
	}
	memcpy(m->id, e->value, e->value_len);
	m->id[e->value_len] = '\0';
}

static int in_child(const struct vici_elem *e)
{
	return e->depth == 3 && strcmp(e->path[1], "child-sas") == 0;
}

static enum mayday_err visit_sa(void *user, const struct vici_elem *e)
{
	struct sa_match *m = user;

	if (e->depth == 0) {
		if (e->type != VICI_SECTION_START && e->type != VICI_SECTION_END) {
			m->why = "list-sa element outside the IKE SA section";
			return MAYDAY_E_MALFORMED;
		}
		if (e->type == VICI_SECTION_START && m->sections++ > 0) {
			m->why = "more than one IKE SA in one list-sa event";
			return MAYDAY_E_MALFORMED;
		}
		return MAYDAY_OK;
	}
	if (e->depth == 1 && e->type == VICI_KEY_VALUE) {
		if (strcmp(e->name, "remote-id") == 0) {
			if (m->id_seen++) {
				m->why = "remote-id given twice";
				return MAYDAY_E_MALFORMED;
			}
			take_id(m, e);
		} else if (strcmp(e->name, "state") == 0) {
			m->established = value_is(e, "ESTABLISHED");
		}
		return MAYDAY_OK;
	}
	if (e->depth == 1 && e->type == VICI_LIST_ITEM && strcmp(e->name, "remote-vips") == 0) {
		if (value_is(e, m->addr))
			m->vip_match = 1;
		return MAYDAY_OK;
	}
	if (e->depth == 2 && strcmp(e->path[1], "child-sas") == 0) {
		if (e->type == VICI_SECTION_START) {
			m->child_installed = 0;
			m->child_ts_match = 0;
		} else if (e->type == VICI_SECTION_END && m->child_installed && m->child_ts_match) {
			m->child_match = 1;
		}
		return MAYDAY_OK;
	}
	if (in_child(e) && e->type == VICI_KEY_VALUE && strcmp(e->name, "state") == 0)
		m->child_installed = value_is(e, "INSTALLED");
	else if (in_child(e) && e->type == VICI_LIST_ITEM && strcmp(e->name, "remote-ts") == 0 &&
		 ts_is_host(m, e))
		m->child_ts_match = 1;
	return MAYDAY_OK;
}

enum mayday_err vici_cmd_sa_match(const uint8_t *msg, size_t len, const char *addr, char *id,
				  size_t cap, struct mayday_diag *diag)
{
	struct sa_match m = { .addr = addr, .id = id, .cap = cap };
	enum mayday_err rc;

	if (!addr || addr[0] == '\0' || strlen(addr) >= INET6_ADDRSTRLEN || !id || cap == 0)
		return MAYDAY_E_INVALID;
	id[0] = '\0';
	snprintf(m.ts32, sizeof(m.ts32), "%s/%s", addr, strchr(addr, ':') ? "128" : "32");
	rc = vici_decode(msg, len, visit_sa, &m, diag);
	if (rc != MAYDAY_OK) {
		if (m.why && diag)
			diag->what = m.why;
		id[0] = '\0';
		return rc;
	}
	if (!m.established || !(m.vip_match || m.child_match)) {
		id[0] = '\0';
		return MAYDAY_E_NOTFOUND;
	}
	if (!m.id_seen || m.id_err != MAYDAY_OK) {
		id[0] = '\0';
		return reject(diag, 0, m.id_seen ? m.id_err : MAYDAY_E_MALFORMED,
			      m.id_seen ? "remote-id empty, too long or not printable"
				        : "matching IKE SA without remote-id");
	}
	return MAYDAY_OK;
}

/* The address as charon prints it; IPv4-mapped IPv6 as plain IPv4. */
static enum mayday_err addr_text(const struct sockaddr *sa, char *out, size_t cap)
{
	const void *a;
	int af = sa ? sa->sa_family : AF_UNSPEC;

	if (af == AF_INET) {
		a = &((const struct sockaddr_in *)sa)->sin_addr;
	} else if (af == AF_INET6) {
		const struct in6_addr *a6 = &((const struct sockaddr_in6 *)sa)->sin6_addr;
		a = a6;
		if (IN6_IS_ADDR_V4MAPPED(a6)) {
			af = AF_INET;
			a = &a6->s6_addr[12];
		}
	} else {
		return MAYDAY_E_INVALID;
	}
	return inet_ntop(af, a, out, (socklen_t)cap) ? MAYDAY_OK : MAYDAY_E_INVALID;
}

/* Called per streamed list-sa event; anything but MAYDAY_OK ends the stream. */
typedef enum mayday_err (*sa_event_fn)(void *user, const uint8_t *msg, size_t len);

/* Run "list-sas" (only IKE config `ike` unless NULL) and feed each list-sa
 * event to fn until charon's CMD_RESPONSE ends the stream. */
static enum mayday_err list_sas(const char *path, const char *ike, uint32_t timeout_ms,
				sa_event_fn fn, void *user)
{
	uint8_t req[512];
	struct vici_builder b;
	struct vici_conn *c = NULL;
	struct vici_packet p;
	size_t req_len = 0;
	enum mayday_err rc;

	vici_build_init(&b, req, sizeof(req));
	if (ike)
		vici_build_kv_str(&b, "ike", ike);
	/* Do not wait for IKE SAs busy in an exchange: they are not usable yet. */
	vici_build_kv_str(&b, "noblock", "yes");
	if (vici_build_finish(&b, &req_len) != MAYDAY_OK)
		return MAYDAY_E_INVALID;
	rc = vici_conn_open(path, timeout_ms, &c);
	if (rc == MAYDAY_OK)
		rc = register_event(c, "list-sa");
	if (rc == MAYDAY_OK)
		rc = vici_conn_send(c, VICI_CMD_REQUEST, "list-sas", req, req_len);
	while (rc == MAYDAY_OK) {
		rc = vici_conn_recv(c, &p, NULL);
		if (rc != MAYDAY_OK || p.type == VICI_CMD_RESPONSE)
			break;
		if (p.type == VICI_CMD_UNKNOWN)
			rc = MAYDAY_E_UNSUPPORTED;
		else if (p.type != VICI_EVENT)
			rc = MAYDAY_E_MALFORMED;
		else if (strcmp(p.name, "list-sa") == 0)
			rc = fn(user, p.msg, p.msg_len);
	}
	vici_conn_close(c);
	return rc;
}

struct remote_id_search {
	const char *addr;
	char found[ID_MAX + 1];
	char cand[ID_MAX + 1];
	int ambiguous;
};

static enum mayday_err remote_id_event(void *user, const uint8_t *msg, size_t len)
{
	struct remote_id_search *r = user;
	enum mayday_err rc = vici_cmd_sa_match(msg, len, r->addr, r->cand, sizeof(r->cand), NULL);

	if (rc == MAYDAY_E_NOTFOUND)
		return MAYDAY_OK;
	if (rc != MAYDAY_OK)
		return rc;
	if (r->found[0] && strcmp(r->found, r->cand) != 0)
		r->ambiguous = 1;
	memcpy(r->found, r->cand, strlen(r->cand) + 1);
	return MAYDAY_OK;
}

enum mayday_err vici_cmd_remote_id(const char *path, const char *ike, uint32_t timeout_ms,
				   const struct sockaddr *inner, char *id, size_t cap)
{
	char addr[INET6_ADDRSTRLEN];
	struct remote_id_search r = { .addr = addr };
	enum mayday_err rc;

	if (!id || cap == 0)
		return MAYDAY_E_INVALID;
	id[0] = '\0';
	rc = addr_text(inner, addr, sizeof(addr));
	if (rc == MAYDAY_OK)
		rc = list_sas(path, ike, timeout_ms, remote_id_event, &r);
	if (rc != MAYDAY_OK)
		return rc;
	if (r.ambiguous)
		return MAYDAY_E_MISMATCH;
	if (!r.found[0])
		return MAYDAY_E_NOTFOUND;
	if (strlen(r.found) >= cap)
		return MAYDAY_E_TOOBIG;
	memcpy(id, r.found, strlen(r.found) + 1);
	return MAYDAY_OK;
}

struct child_search {
	const char *child;
	int established;           /* this event's IKE SA */
	int name_match, installed; /* the child section being read */
	int child_found;           /* this event has it installed */
	int up;
};

static enum mayday_err visit_child(void *user, const struct vici_elem *e)
{
	struct child_search *s = user;

	if (e->depth == 1 && e->type == VICI_KEY_VALUE && strcmp(e->name, "state") == 0) {
		s->established = value_is(e, "ESTABLISHED");
	} else if (e->depth == 2 && strcmp(e->path[1], "child-sas") == 0) {
		if (e->type == VICI_SECTION_START)
			s->name_match = s->installed = 0;
		else if (e->type == VICI_SECTION_END && s->name_match && s->installed)
			s->child_found = 1;
	} else if (in_child(e) && e->type == VICI_KEY_VALUE) {
		if (strcmp(e->name, "name") == 0)
			s->name_match = value_is(e, s->child);
		else if (strcmp(e->name, "state") == 0)
			s->installed = value_is(e, "INSTALLED");
	}
	return MAYDAY_OK;
}

static enum mayday_err child_event(void *user, const uint8_t *msg, size_t len)
{
	struct child_search *s = user;

	enum mayday_err rc;

	s->established = 0;
	s->child_found = 0;
	rc = vici_decode(msg, len, visit_child, s, NULL);
	if (rc == MAYDAY_OK && s->established && s->child_found)
		s->up = 1;
	return rc;
}

enum mayday_err vici_cmd_child_up(const char *path, const char *child, uint32_t timeout_ms,
				  int *up)
{
	struct child_search s = { .child = child };
	enum mayday_err rc;

	*up = 0;
	if (!child || child[0] == '\0' || strlen(child) > VICI_VALUE_MAX)
		return MAYDAY_E_INVALID;
	rc = list_sas(path, NULL, timeout_ms, child_event, &s);
	if (rc == MAYDAY_OK)
		*up = s.up;
	return rc;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ACS session state machine (srv_acs_session.h). The table is a fixed
 * array searched linearly: it is small (bounded by configuration) and only
 * the HTTP loop thread touches it. Each POST is parsed into one heap
 * message, the session decides on a second, which is emitted into the
 * caller's buffer; answers echo the request's cwmp:ID and namespace.
 * Store outcomes that concern one device only (an unknown CommandKey, a
 * device not enrolled) are logged and do not break the session's protocol.
 * Every Inform that gets a session is the device's contact (store_seen).
 * Requests the ACS starts (GetParameterValues, Reboot) go in the namespace
 * of the session's Inform, since the empty POST that prompts them has none.
 * The Reboot of an installed attempt needs no state of its own: the
 * attempt stays "installed" in the store until the device comes back with
 * "1 BOOT" + "M Reboot", so every session of such a device until then is
 * offered the Reboot once (the session ends with its answer).
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/rand.h>

#include "cwmp.h"
#include "log.h"
#include "srv_acs_model.h"
#include "srv_acs_session.h"
#include "store_acs.h"
#include "store_remed.h"
#include "store_silence.h"


enum phase {
	PH_FREE = 0,
	PH_INFORMED,      /* InformResponse sent: TransferComplete or the empty POST */
	PH_GPV_SENT,      /* GetParameterValues sent */
	PH_DOWNLOAD_SENT, /* Download sent */
	PH_REBOOT_SENT,   /* Reboot sent for the installed attempt command_key */
};

struct sess {
	enum phase phase;
	char sid[SRV_ACS_SID_LEN + 1];
	char device[MAYDAY_DEVICE_ID_MAX + 1];
	int64_t last;
	bool boot;                                  /* the Inform carried "1 BOOT" */
	bool distress;                              /* ... "X <OUI> DISTRESS" */
	bool reported;                              /* a TransferComplete came in this session */
	enum cwmp_ns ns;                            /* the Inform's namespace */
	const char *root;                           /* its data-model root (srv_acs_model.h) */
	bool vendor;                                /* it may have our vendor parameters */
	char command_key[STORE_COMMANDKEY_MAX + 1]; /* of the Download / Reboot pushed */
};

struct srv_acs_table {
	unsigned max, idle_s;
	struct sess *s;
	struct cwmp_msg in, out;
};

static struct log_limit lim_peer, lim_store;

enum mayday_err srv_acs_table_new(struct srv_acs_table **out, unsigned max, unsigned idle_s)
{
	struct srv_acs_table *t = calloc(1, sizeof(*t));
	*out = NULL;
	if (t == NULL || max == 0 || (t->s = calloc(max, sizeof(*t->s))) == NULL) {
		free(t);
		return max == 0 ? MAYDAY_E_INVALID : MAYDAY_E_NOMEM;
	}
	t->max = max;
	t->idle_s = idle_s;
	*out = t;
	return MAYDAY_OK;
}

void srv_acs_table_free(struct srv_acs_table *t)
{
	if (t == NULL)
		return;
	free(t->s);
	free(t);
}

static void expire(struct srv_acs_table *t, int64_t now)
{
	for (unsigned i = 0; i < t->max; i++) {
		if (t->s[i].phase != PH_FREE && now - t->s[i].last > (int64_t)t->idle_s)
			memset(&t->s[i], 0, sizeof(t->s[i]));
	}
}

unsigned srv_acs_table_count(struct srv_acs_table *t, int64_t now)
{
	unsigned n = 0;
	expire(t, now);
	for (unsigned i = 0; i < t->max; i++)
		n += t->s[i].phase != PH_FREE;
	return n;
}

enum mayday_err srv_acs_base(const char *acs_url, char base[SRV_ACS_BASE_MAX + 1])
{
	const char *slash;
	if (strncmp(acs_url, "https://", 8) != 0 || (slash = strchr(acs_url + 8, '/')) == NULL ||
	    strcmp(slash, "/cwmp") != 0 || slash == acs_url + 8 ||
	    (size_t)(slash - acs_url) > SRV_ACS_BASE_MAX)
		return MAYDAY_E_INVALID;
	memcpy(base, acs_url, (size_t)(slash - acs_url));
	base[slash - acs_url] = '\0';
	return MAYDAY_OK;
}

static bool random_hex(char *out, size_t hex_len)
{
	unsigned char raw[32];
	if (hex_len / 2 > sizeof(raw) || RAND_bytes(raw, (int)(hex_len / 2)) != 1)
		return false;
	for (size_t i = 0; i < hex_len / 2; i++)
		snprintf(out + 2 * i, 3, "%02x", raw[i]);
	out[hex_len] = '\0';
	return true;
}

/* The MAYDAYSESSION value of a Cookie header into sid; false if absent. */
static bool cookie_sid(const char *cookie, char sid[SRV_ACS_SID_LEN + 1])
{
	const size_t n = strlen(SRV_ACS_COOKIE);
	for (const char *p = cookie; p != NULL && *p != '\0';) {
		while (*p == ' ' || *p == '\t' || *p == ';')
			p++;
		size_t len = strcspn(p, ";");
		if (len == n + 1 + SRV_ACS_SID_LEN && strncmp(p, SRV_ACS_COOKIE "=", n + 1) == 0) {
			memcpy(sid, p + n + 1, SRV_ACS_SID_LEN);
			sid[SRV_ACS_SID_LEN] = '\0';
			return true;
		}
		p += len;
	}
	return false;
}

static struct sess *find(struct srv_acs_table *t, const char *device)
{
	for (unsigned i = 0; i < t->max; i++) {
		if (t->s[i].phase != PH_FREE && strcmp(t->s[i].device, device) == 0)
			return &t->s[i];
	}
	return NULL;
}

static struct sess *claim(struct srv_acs_table *t, const char *device)
{
	struct sess *s = find(t, device);   /* a new Inform replaces the device's old session */
	for (unsigned i = 0; s == NULL && i < t->max; i++) {
		if (t->s[i].phase == PH_FREE)
			s = &t->s[i];
	}
	if (s != NULL)
		memset(s, 0, sizeof(*s));
	return s;
}

/* An answer in the request's namespace, echoing its cwmp:ID. */
static struct cwmp_msg *answer(struct srv_acs_table *t, enum cwmp_kind kind)
{
	memset(&t->out, 0, sizeof(t->out));
	t->out.kind = kind;
	t->out.ns = t->in.ns;
	memcpy(t->out.id, t->in.id, sizeof(t->out.id));
	return &t->out;
}

/* A request of ours, in the session's namespace. */
static struct cwmp_msg *request(struct srv_acs_table *t, const struct sess *s,
				enum cwmp_kind kind, const char *id)
{
	memset(&t->out, 0, sizeof(t->out));
	t->out.kind = kind;
	t->out.ns = s->ns;
	snprintf(t->out.id, sizeof(t->out.id), "%s", id);
	return &t->out;
}

static void fault(struct srv_acs_table *t, uint32_t code, const char *why)
{
	struct cwmp_msg *m = answer(t, CWMP_FAULT);
	m->u.fault.code = code;
	snprintf(m->u.fault.string, sizeof(m->u.fault.string), "%s", why);
}

static void end(struct sess *s)
{
	if (s != NULL)
		memset(s, 0, sizeof(*s));
}

struct find_attempt {
	const char *result;           /* "installed" or "in_progress" */
	const char *key;              /* NULL: any key */
	int64_t incident;             /* 0: any incident */
	struct store_remed_attempt a; /* the attempt found */
	bool found;
};

static int find_attempt_cb(void *ctx, const struct store_remed_attempt *a)
{
	struct find_attempt *f = ctx;
	if (strcmp(a->result, f->result) != 0 || (f->key && strcmp(a->command_key, f->key) != 0) ||
	    (f->incident != 0 && a->incident_id != f->incident))
		return 0;
	f->a = *a;
	f->found = true;
	return 1;
}

/* The device's attempt with `result` named `key` (or of `incident`); false
 * if none or the store failed (logged). */
static bool attempt_in(const struct srv_acs_env *env, const char *device, const char *result,
		       const char *key, int64_t incident, struct store_remed_attempt *out)
{
	struct find_attempt f = {.result = result, .key = key, .incident = incident};
	enum mayday_err err = store_remed_list(env->st, device, find_attempt_cb, &f);
	if (err != MAYDAY_OK) {
		log_limited(&lim_store, "cwmp: %s: reading attempts: %s", device,
			    mayday_strerror(err));
		return false;
	}
	if (f.found)
		*out = f.a;
	return f.found;
}

/* An ACS decision into the device's history (store_acs.h); a store
 * failure is logged and does not change the decision. */
static void note(const struct srv_acs_env *env, const char *device, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void note(const struct srv_acs_env *env, const char *device, const char *fmt, ...)
{
	char text[STORE_ACS_NOTE_MAX + 1];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	enum mayday_err err = store_acs_note(env->st, device, env->now, text);
	if (err != MAYDAY_OK && err != MAYDAY_E_NOTFOUND)
		log_limited(&lim_store, "cwmp: %s: recording \"%s\": %s", device, text,
			    mayday_strerror(err));
}

/* The ConnectionRequestURL the Inform announces under its root, kept for
 * srv_acs_connreq (written only when it changed). */
static void record_connreq_url(const struct srv_acs_env *env, const struct cwmp_inform *inf,
			       const struct sess *s)
{
	char name[CWMP_STR256_MAX + 1];
	snprintf(name, sizeof(name), "%sManagementServer.ConnectionRequestURL", s->root);
	for (uint32_t i = 0; i < inf->n_params && i < CWMP_PARAMS_MAX; i++) {
		if (strcmp(inf->params[i].name, name) != 0)
			continue;
		enum mayday_err err = store_acs_connreq_url(env->st, s->device,
							    inf->params[i].value);
		if (err != MAYDAY_OK)
			log_limited(&lim_store, "cwmp: %s: recording its ConnectionRequestURL: %s",
				    s->device, mayday_strerror(err));
		return;
	}
}

/* "1 BOOT" with "M Reboot": the device restarted on our Reboot and talks
 * from the image it installed, which is the recovery (as a TransferComplete
 * after BOOT is for a device that reboots by itself). Only a key naming an
 * installed attempt of this very device counts. */
static void on_reboot_events(const struct srv_acs_env *env, const struct cwmp_inform *inf,
			     const struct sess *s)
{
	struct store_remed_attempt a;
	for (uint32_t i = 0; i < inf->n_events && i < CWMP_EVENTS_MAX; i++) {
		const char *key = inf->events[i].command_key;
		if (strcmp(inf->events[i].code, CWMP_EV_M_REBOOT) != 0)
			continue;
		if (!s->boot) {
			log_limited(&lim_peer, "cwmp: %s: M Reboot %.32s without 1 BOOT: ignored",
				    s->device, key);
			continue;
		}
		if (!attempt_in(env, s->device, "installed", key, 0, &a)) {
			log_limited(&lim_store, "cwmp: %s: M Reboot %.32s names no installed attempt"
				    " of it: ignored", s->device, key);
			continue;
		}
		enum mayday_err err = store_remed_recovered(env->st, s->device, key, env->now);
		if (err == MAYDAY_OK)
			log_info("cwmp: %s %s: recovered (rebooted into the installed image)",
				 s->device, key);
		else
			log_limited(&lim_store, "cwmp: M Reboot %.32s of %s: %s", key, s->device,
				    mayday_strerror(err));
	}
}

/* After a failed attempt: if it completes a run that pauses the device's
 * class, the pause is recorded and logged now rather than at the class's
 * next session. */
static void after_failure(const struct srv_acs_env *env, const struct sess *s)
{
	struct store_remed_status rs;
	if (env->pol->pause_after_failures == 0)
		return;
	enum mayday_err err = store_remed_status(env->st, s->device, &rs);
	if (err == MAYDAY_OK)
		(void)srv_acs_policy_paused(env->pol, env->st, rs.product_class, env->now);
	else
		log_limited(&lim_store, "cwmp: %s: checking its class for a pause: %s", s->device,
			    mayday_strerror(err));
}

/* An Inform over the device's own certificate is contact (store_silence.h):
 * before the events, so a device back from silence is in the state the
 * rest of the session expects. */
static void seen(const struct srv_acs_env *env, const char *device)
{
	struct store_seen_out o;
	enum mayday_err err = store_seen(env->st, device, env->now, &o);
	if (err == MAYDAY_OK && o.back)
		log_notice("silence: device %s heard from again (CWMP Inform): %s, incident %lld",
			   device, o.state, (long long)o.incident_id);
	else if (err != MAYDAY_OK && err != MAYDAY_E_NOTFOUND)
		log_limited(&lim_store, "cwmp: %s: recording the contact: %s", device,
			    mayday_strerror(err));
}

static enum mayday_err on_inform(struct srv_acs_table *t, const struct srv_acs_env *env,
				 const char *identity, struct srv_acs_reply *r)
{
	const struct cwmp_inform *inf = &t->in.u.inform;
	if (strcmp(inf->serial_number, identity) != 0) {
		log_limited(&lim_peer, "cwmp: Inform of %.64s over the channel of %s: refused",
			    inf->serial_number, identity);
		fault(t, CWMP_ACS_REQUEST_DENIED, "SerialNumber is not the client certificate's");
		return MAYDAY_OK;
	}
	expire(t, env->now);
	struct sess *s = claim(t, identity);
	if (s == NULL)
		return MAYDAY_E_TOOBIG;
	if (!random_hex(s->sid, SRV_ACS_SID_LEN))
		return MAYDAY_E_INTERNAL;
	s->phase = PH_INFORMED;
	snprintf(s->device, sizeof(s->device), "%s", identity);
	s->last = env->now;
	s->boot = cwmp_inform_has_event(inf, CWMP_EV_BOOT);
	char distress[CWMP_EVENTCODE_MAX + 1];
	s->distress = cwmp_distress_event(inf->oui, distress) == MAYDAY_OK &&
		      cwmp_inform_has_event(inf, distress);
	s->reported = false;
	s->ns = t->in.ns;
	s->root = srv_acs_model_root(inf);
	s->vendor = srv_acs_model_vendor(inf);
	memcpy(r->cookie, s->sid, sizeof(r->cookie));
	answer(t, CWMP_INFORM_RESPONSE)->u.inform_response_max_envelopes = 1;
	log_info("cwmp: session of %s (%u event(s)%s)", identity, inf->n_events,
		 s->boot ? ", BOOT" : "");
	seen(env, identity);
	record_connreq_url(env, inf, s);
	if (s->distress || s->boot || cwmp_inform_has_event(inf, CWMP_EV_TRANSFER_COMPLETE))
		note(env, identity, "Inform (%s%s%s) in %s, authenticated by %s: data model %s%s",
		     s->distress ? "DISTRESS " : "", s->boot ? "1 BOOT " : "",
		     cwmp_inform_has_event(inf, CWMP_EV_TRANSFER_COMPLETE) ? "7 TRANSFER COMPLETE"
									    : "",
		     cwmp_ns_uri(s->ns), env->auth != NULL ? env->auth : "client certificate",
		     s->root, s->vendor ? ", vendor parameters asked" : ", standard parameters only");
	on_reboot_events(env, inf, s);
	return MAYDAY_OK;
}

/* src into dst[cap], cut short if need be at a character boundary (the
 * device's text is UTF-8; half a character would not be). */
static void clip_text(char *dst, size_t cap, const char *src)
{
	size_t n = strlen(src);
	if (n >= cap) {
		n = cap - 1;
		while (n > 0 && ((unsigned char)src[n] & 0xC0) == 0x80)
			n--;
	}
	memcpy(dst, src, n);
	dst[n] = '\0';
}

static void on_transfer_complete(struct srv_acs_table *t, const struct srv_acs_env *env,
				 struct sess *s)
{
	const struct cwmp_transfer_complete *tc = &t->in.u.transfer_complete;
	char detail[STORE_DETAIL_MAX + 1];
	enum mayday_err err;
	const char *what;
	bool failed = false;
	s->reported = true;
	if (tc->fault.code == 0 && s->boot) {
		/* one transaction: from in progress (or installed) to recovered */
		err = store_remed_recovered(env->st, s->device, tc->command_key, env->now);
		what = "recovered";
	} else if (tc->fault.code == 0) {
		err = store_remed_installed(env->st, s->device, tc->command_key, env->now);
		what = "installed";
	} else {
		bool gave_up = false;
		/* a FaultString may be longer than the store keeps */
		clip_text(detail, sizeof(detail), tc->fault.string);
		err = store_remed_fail(env->st, s->device, tc->command_key, tc->fault.code,
				       detail, env->pol->max_attempts, env->now, &gave_up);
		what = gave_up ? "failed, remediation given up" : "failed";
		failed = true;
	}
	if (err == MAYDAY_OK) {
		log_info("cwmp: %s %s: %s (fault %" PRIu32 ")", s->device, tc->command_key, what,
			 tc->fault.code);
		note(env, s->device, "TransferComplete %s fault %" PRIu32 "%s: %s", tc->command_key,
		     tc->fault.code, s->boot ? " after 1 BOOT" : "", what);
		if (failed)
			after_failure(env, s);
	} else {
		log_limited(&lim_store, "cwmp: TransferComplete %.32s of %s: %s", tc->command_key,
			    s->device, mayday_strerror(err));
	}
	/* The device forgets a report we acknowledge: acknowledge only what is
	 * recorded, or can never be (a key with no attempt open: a repeat, or
	 * not ours). Anything else is a Fault, and the device reports again. */
	if (err == MAYDAY_OK || err == MAYDAY_E_NOTFOUND)
		answer(t, CWMP_TRANSFER_COMPLETE_RESPONSE);
	else
		fault(t, CWMP_ACS_INTERNAL_ERROR, "TransferComplete not recorded; report it again");
}

static void fail_attempt(const struct srv_acs_env *env, struct sess *s, const char *key,
			 uint32_t code, const char *detail);

/* The empty POST: the ACS's turn. An installed image is booted first
 * (Reboot); otherwise a scheduled remediation starts (GetParameterValues)
 * unless the device's class is paused. */
static void on_empty(struct srv_acs_table *t, const struct srv_acs_env *env, struct sess *s)
{
	struct store_remed_status rs;
	struct store_remed_attempt a;
	char path[STORE_BUNDLE_MAX + 1];
	uint64_t size;
	uint32_t n = 0;
	if (store_remed_status(env->st, s->device, &rs) != MAYDAY_OK || rs.incident_id == 0)
		return;
	if (s->distress && !s->reported &&
	    attempt_in(env, s->device, "in_progress", NULL, rs.incident_id, &a)) {
		/* Back in distress, and no word on the Download it took: a
		 * device reports that first (even inside this session), so it
		 * has lost it (a record it could not keep). The attempt ends
		 * here, or it would hold the incident for ever. */
		bool gave_up = false;
		enum mayday_err err = store_remed_fail(
			env->st, s->device, a.command_key, CWMP_CPE_DOWNLOAD_FAILURE,
			"the device reported distress again without reporting this Download",
			env->pol->max_attempts, env->now, &gave_up);
		if (err == MAYDAY_OK) {
			log_info("cwmp: %s %s: failed, not reported by the device%s", s->device,
				 a.command_key, gave_up ? "; remediation given up" : "");
			note(env, s->device, "attempt %s failed: distress again without a report of"
			     " its Download%s", a.command_key, gave_up ? "; remediation given up" : "");
			after_failure(env, s);
		} else {
			log_limited(&lim_store, "cwmp: %s %s: ending an unreported attempt: %s",
				    s->device, a.command_key, mayday_strerror(err));
		}
		return;
	}
	if (attempt_in(env, s->device, "installed", NULL, rs.incident_id, &a) && a.fault_code != 0) {
		/* Its Reboot was refused: it reboots when it will. Distress
		 * again means it never came up in the image; that attempt is
		 * over, or the incident would wait for a reboot for ever. */
		if (s->distress)
			fail_attempt(env, s, a.command_key, CWMP_CPE_INTERNAL_ERROR,
				     "distress again after the install; the CPE never rebooted"
				     " into the image (it had refused the Reboot)");
		return;
	}
	if (attempt_in(env, s->device, "installed", NULL, rs.incident_id, &a)) {
		struct cwmp_msg *m = request(t, s, CWMP_REBOOT, "acs-reboot");
		snprintf(m->u.reboot_command_key, sizeof(m->u.reboot_command_key), "%s",
			 a.command_key);
		snprintf(s->command_key, sizeof(s->command_key), "%s", a.command_key);
		s->phase = PH_REBOOT_SENT;
		log_info("cwmp: %s: Reboot %s (installed)", s->device, a.command_key);
		note(env, s->device, "Reboot %s asked (TransferComplete reported the install)",
		     a.command_key);
		return;
	}
	if (strcmp(rs.state, "remediation_scheduled") != 0 ||
	    srv_acs_policy_bundle(env->pol, rs.product_class, path, sizeof(path), &size) !=
		    MAYDAY_OK)
		return;
	if (srv_acs_policy_paused(env->pol, env->st, rs.product_class, env->now)) {
		/* It stays scheduled and is served once an operator resumes the class. */
		log_debug("cwmp: %s scheduled, class %s paused: nothing pushed", s->device,
			  rs.product_class);
		return;
	}
	enum mayday_err err = store_remed_in_flight(env->st,
						    env->now - (int64_t)env->pol->download_window_s,
						    &n);
	if (err != MAYDAY_OK || n >= env->pol->max_in_flight) {
		/* The device asks again with its next distress indication. */
		log_info("cwmp: %s scheduled, %u download(s) in flight: later", s->device, n);
		return;
	}
	struct cwmp_msg *m = request(t, s, CWMP_GET_PARAMETER_VALUES, "acs-gpv");
	srv_acs_model_gpv(s->root, s->vendor, &m->u.gpv);
	s->phase = PH_GPV_SENT;
	note(env, s->device, "remediation scheduled: session in %s, authenticated by %s, data model"
	     " %s: GetParameterValues of %u parameter(s) under it%s", cwmp_ns_uri(s->ns),
	     env->auth != NULL ? env->auth : "client certificate", s->root, m->u.gpv.n_names,
	     s->vendor ? " (with the vendor extras)" : " (standard only: not our OUI)");
}

/* The attempt `key` (NULL: one that never got a Download) fails with code and detail. */
static void fail_attempt(const struct srv_acs_env *env, struct sess *s, const char *key,
			 uint32_t code, const char *detail)
{
	bool gave_up = false;
	enum mayday_err err = store_remed_fail(env->st, s->device, key, code, detail,
					       env->pol->max_attempts, env->now, &gave_up);
	if (err != MAYDAY_OK) {
		log_limited(&lim_store, "cwmp: %s: recording a failed attempt: %s", s->device,
			    mayday_strerror(err));
		return;
	}
	log_info("cwmp: %s: %s%s", s->device, detail, gave_up ? "; remediation given up" : "");
	note(env, s->device, "attempt %s failed (%" PRIu32 "): %s%s", key != NULL ? key : "-", code,
	     detail, gave_up ? "; remediation given up" : "");
	after_failure(env, s);
}

static void fail_unoffered(const struct srv_acs_env *env, struct sess *s, uint32_t code,
			   const char *detail)
{
	fail_attempt(env, s, NULL, code, detail);
}

static void on_gpv_response(struct srv_acs_table *t, const struct srv_acs_env *env,
			    struct sess *s)
{
	struct store_remed_status rs;
	struct store_remed_attempt a;
	uint64_t free_space = 0, max_image = 0, room;
	char detail[STORE_DETAIL_MAX + 1];
	enum mayday_err err;

	memset(&a, 0, sizeof(a));
	s->phase = PH_INFORMED;   /* answered: only 204 or a Download follow */
	const struct cwmp_gpv_response *g = &t->in.u.gpv_response;
	const char *version = srv_acs_model_text(g, s->root, SRV_ACS_P_SOFTWARE_VERSION);
	/* The sizes are vendor extras: without both, the bundle's size is not
	 * checked here and the CPE, told FileSize, may refuse the Download. */
	bool sized = srv_acs_model_u64(g, s->root, SRV_ACS_P_FREE_SPACE, &free_space) &&
		     srv_acs_model_u64(g, s->root, SRV_ACS_P_MAX_IMAGE_SIZE, &max_image);
	char shown[65];
	clip_text(shown, sizeof(shown), version != NULL ? version : "(not announced)");
	if (sized)
		note(env, s->device, "GetParameterValuesResponse: software %s, free %" PRIu64
		     ", max image %" PRIu64, shown, free_space, max_image);
	else
		note(env, s->device, "GetParameterValuesResponse: software %s; no free space or"
		     " max image size announced: the bundle size is left to the CPE", shown);
	if ((err = store_remed_status(env->st, s->device, &rs)) != MAYDAY_OK ||
	    strcmp(rs.state, "remediation_scheduled") != 0 ||
	    srv_acs_policy_bundle(env->pol, rs.product_class, a.bundle, sizeof(a.bundle),
				  &a.bundle_size) != MAYDAY_OK ||
	    srv_acs_policy_paused(env->pol, env->st, rs.product_class, env->now))
		return;   /* no longer scheduled, no bundle, or the class paused meanwhile */
	room = !sized ? UINT32_MAX : free_space < max_image ? free_space : max_image;
	if (a.bundle_size > room || a.bundle_size > UINT32_MAX) {
		snprintf(detail, sizeof(detail), "bundle of %" PRIu64 " bytes exceeds the %" PRIu64
			 " the device can take", a.bundle_size, room);
		fail_unoffered(env, s, CWMP_CPE_RESOURCES_EXCEEDED, detail);
		return;
	}
	a.free_space = free_space;
	a.max_image_size = max_image;
	if (!random_hex(a.token, SRV_ACS_TOKEN_LEN))
		return;
	/* The slots are counted again where the attempt is recorded: another
	 * session (on this node or another) may have taken the last one since
	 * this one's empty POST. */
	err = store_remed_begin(env->st, s->device, &a,
				env->now - (int64_t)env->pol->download_window_s,
				env->pol->max_in_flight, env->now);
	if (err == MAYDAY_E_TOOBIG) {
		/* The device asks again with its next distress indication. */
		log_info("cwmp: %s scheduled, %u download(s) in flight: later", s->device,
			 env->pol->max_in_flight);
		return;
	}
	if (err != MAYDAY_OK) {
		log_limited(&lim_store, "cwmp: %s: cannot begin an attempt: %s", s->device,
			    mayday_strerror(err));
		return;
	}
	struct cwmp_msg *m = request(t, s, CWMP_DOWNLOAD, "acs-download");
	struct cwmp_download *d = &m->u.download;
	snprintf(d->command_key, sizeof(d->command_key), "%s", a.command_key);
	snprintf(d->file_type, sizeof(d->file_type), "%s", CWMP_FILETYPE_FIRMWARE);
	snprintf(d->url, sizeof(d->url), "%s%s%s", env->base, SRV_ACS_BUNDLES_PATH, a.token);
	d->file_size = (uint32_t)a.bundle_size;
	snprintf(s->command_key, sizeof(s->command_key), "%s", a.command_key);
	s->phase = PH_DOWNLOAD_SENT;
	log_info("cwmp: %s: Download %s (%" PRIu64 " bytes)", s->device, a.command_key,
		 a.bundle_size);
	note(env, s->device, "Download %s pushed (%" PRIu64 " bytes)", a.command_key, a.bundle_size);
}

/* A CPE Fault ends what it answers, never leaving a state that waits:
 * to GetParameterValues, a failed attempt that never got a Download; to
 * the Download, the attempt fails; to the Reboot of an installed image,
 * the attempt stays installed and is left to the CPE to reboot by itself
 * (its "1 BOOT" + TransferComplete recovers it). */
static void on_cpe_fault(struct srv_acs_table *t, const struct srv_acs_env *env, struct sess *s)
{
	const struct cwmp_fault *f = &t->in.u.fault;
	char detail[STORE_DETAIL_MAX + 1];
	const char *to = s->phase == PH_REBOOT_SENT ? "Reboot"
			 : s->phase == PH_DOWNLOAD_SENT ? "Download" : "GetParameterValues";
	uint32_t code = f->code ? f->code : CWMP_CPE_INTERNAL_ERROR;
	char text[201];
	clip_text(text, sizeof(text), f->string);
	snprintf(detail, sizeof(detail), "CPE Fault %" PRIu32 " to %s: %s", f->code, to, text);
	if (s->phase == PH_REBOOT_SENT) {
		enum mayday_err err = store_acs_reboot_refused(env->st, s->device, s->command_key,
							       code, detail);
		if (err != MAYDAY_OK)
			log_limited(&lim_store, "cwmp: %s: recording the refused Reboot: %s",
				    s->device, mayday_strerror(err));
		log_info("cwmp: %s %s: %s; left to reboot by itself", s->device, s->command_key,
			 detail);
		note(env, s->device, "%s; attempt %s stays installed, left to reboot by itself"
		     " (1 BOOT + TransferComplete recovers it)", detail, s->command_key);
		return;
	}
	fail_attempt(env, s, s->phase == PH_DOWNLOAD_SENT ? s->command_key : NULL, code, detail);
}

/* GetRPCMethods from the CPE: what this ACS implements of what a CPE may call. */
static void on_get_rpc_methods(struct srv_acs_table *t)
{
	static const char *const methods[] = {"Inform", "GetRPCMethods", "TransferComplete"};
	struct cwmp_msg *m = answer(t, CWMP_GET_RPC_METHODS_RESPONSE);
	for (unsigned i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
		snprintf(m->u.rpc_methods.names[m->u.rpc_methods.n_names++], CWMP_METHOD_MAX + 1,
			 "%s", methods[i]);
}

/* One message of a live session; leaves t->out empty for a 204. */
static void step(struct srv_acs_table *t, const struct srv_acs_env *env, struct sess *s)
{
	enum cwmp_kind k = t->in.kind;
	memset(&t->out, 0, sizeof(t->out));
	s->last = env->now;
	if (k == CWMP_TRANSFER_COMPLETE && s->phase == PH_INFORMED) {
		on_transfer_complete(t, env, s);
		return;
	}
	if (k == CWMP_GET_RPC_METHODS && s->phase == PH_INFORMED) {
		on_get_rpc_methods(t);
		return;
	}
	if (k == CWMP_EMPTY && s->phase == PH_INFORMED) {
		on_empty(t, env, s);
	} else if (k == CWMP_GET_PARAMETER_VALUES_RESPONSE && s->phase == PH_GPV_SENT) {
		on_gpv_response(t, env, s);
	} else if (k == CWMP_REBOOT_RESPONSE && s->phase == PH_REBOOT_SENT) {
		log_info("cwmp: %s: Reboot %s accepted", s->device, s->command_key);
		note(env, s->device, "Reboot %s accepted", s->command_key);
	} else if (k == CWMP_FAULT && (s->phase == PH_GPV_SENT || s->phase == PH_DOWNLOAD_SENT ||
				       s->phase == PH_REBOOT_SENT)) {
		on_cpe_fault(t, env, s);
	} else if (k == CWMP_OTHER) {
		fault(t, CWMP_ACS_METHOD_NOT_SUPPORTED, "Method not supported");
		return;
	} else if (!(k == CWMP_DOWNLOAD_RESPONSE && s->phase == PH_DOWNLOAD_SENT) &&
		   !(k == CWMP_EMPTY)) {
		log_limited(&lim_peer, "cwmp: %s: %s out of turn", s->device, cwmp_kind_name(k));
		fault(t, CWMP_ACS_INVALID_ARGUMENTS, "unexpected message");
	}
	if (t->out.kind == CWMP_EMPTY || t->out.kind == CWMP_FAULT)
		end(s);
}

static uint32_t parse_fault_code(enum mayday_err err)
{
	switch (err) {
	case MAYDAY_E_TOOBIG: return CWMP_ACS_RESOURCES_EXCEEDED;
	case MAYDAY_E_UNSUPPORTED: return CWMP_ACS_VERSION_INCOMPATIBLE;
	case MAYDAY_E_NOMEM: return CWMP_ACS_INTERNAL_ERROR;
	default: return CWMP_ACS_INVALID_ARGUMENTS;
	}
}

enum mayday_err srv_acs_post(struct srv_acs_table *t, const struct srv_acs_env *env,
			     const char *identity, const char *cookie, const char *body,
			     size_t len, struct srv_acs_reply *r)
{
	struct mayday_diag diag = {0};
	char sid[SRV_ACS_SID_LEN + 1];
	enum mayday_err err = MAYDAY_OK;

	r->status = 204;
	r->len = 0;
	r->cookie[0] = '\0';
	if (r->cap < CWMP_ENVELOPE_MAX)
		return MAYDAY_E_INVALID;
	struct sess *s = find(t, identity);
	if (s != NULL && (env->now - s->last > (int64_t)t->idle_s ||
			  !cookie_sid(cookie, sid) || strcmp(sid, s->sid) != 0))
		s = NULL;
	err = cwmp_parse(body, len, &t->in, &diag);
	if (err != MAYDAY_OK) {
		log_limited(&lim_peer, "cwmp: envelope of %s at byte %zu: %s (%s)", identity,
			    diag.offset, mayday_strerror(err), diag.what ? diag.what : "-");
		memset(&t->in, 0, sizeof(t->in));
		fault(t, parse_fault_code(err), "envelope not understood");
		end(s);
		err = MAYDAY_OK;
	} else if (t->in.kind == CWMP_INFORM) {
		memset(&t->out, 0, sizeof(t->out));
		err = on_inform(t, env, identity, r);
	} else if (s != NULL) {
		step(t, env, s);
	} else if (t->in.kind == CWMP_EMPTY) {
		memset(&t->out, 0, sizeof(t->out));  /* no session: nothing to say */
	} else {
		log_limited(&lim_peer, "cwmp: %s: %s outside a session", identity,
			    cwmp_kind_name(t->in.kind));
		fault(t, CWMP_ACS_REQUEST_DENIED, "no session: start with an Inform");
	}
	if (err != MAYDAY_OK)
		return err;
	if (t->out.kind == CWMP_EMPTY)
		return MAYDAY_OK;
	err = cwmp_emit(&t->out, r->body, r->cap, &r->len, &diag);
	if (err != MAYDAY_OK) {
		log_warnx("cwmp: cannot emit %s for %s: %s (%s)", cwmp_kind_name(t->out.kind),
			  identity, mayday_strerror(err), diag.what ? diag.what : "-");
		end(find(t, identity));
		r->len = 0;
		r->cookie[0] = '\0';
		return MAYDAY_E_INTERNAL;
	}
	r->status = 200;
	return MAYDAY_OK;
}

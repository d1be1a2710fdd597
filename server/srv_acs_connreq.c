/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Connection Requests from the ACS's event loop (srv_acs_connreq.h): a
 * periodic timer picks the due devices from the store, and each gets one
 * libevent HTTP client connection: GET, then on a 401 with a Digest
 * challenge the same GET with our answer, then the connection is freed
 * (deferred: not from inside its own callback).
 */
#include <arpa/inet.h>
#include <strings.h>
#include <sys/queue.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "log.h"
#include "srv_acs_auth.h"
#include "srv_acs_connreq.h"
#include "store_acs.h"

struct cr_req {
	struct srv_acs_connreq *c;
	struct evhttp_connection *evcon;
	struct evhttp_connection *first;   /* the challenge's: a CPE may close it after the 401 */
	struct cr_req *next;
	char device[MAYDAY_DEVICE_ID_MAX + 1];
	char host[16], path[257];
	uint16_t port;
	bool answered;                /* the Digest answer went out */
	bool done;                    /* finished: free at the next turn of the loop */
};

struct srv_acs_connreq {
	struct event_base *evb;
	struct store *st;
	uint8_t key[SRV_ACS_CR_KEY_LEN];
	struct event *tick;
	struct event *reap;
	struct cr_req *reqs;
};

static struct log_limit lim_cr;

bool srv_acs_connreq_url(const char *url, char host[16], uint16_t *port, char path[257])
{
	struct in_addr a;
	const char *h = url + 7, *colon, *slash;
	char *end = NULL;
	if (strncmp(url, "http://", 7) != 0 || (colon = strchr(h, ':')) == NULL ||
	    (size_t)(colon - h) >= 16 || (slash = strchr(colon, '/')) == NULL ||
	    strlen(slash) > 256)
		return false;
	memcpy(host, h, (size_t)(colon - h));
	host[colon - h] = '\0';
	if (inet_pton(AF_INET, host, &a) != 1 || colon[1] < '1' || colon[1] > '9')
		return false;
	unsigned long p = strtoul(colon + 1, &end, 10);
	if (end != slash || p == 0 || p > 65535)
		return false;
	for (const char *q = slash; *q; q++)
		if (*q <= ' ' || *q > '~')
			return false;
	*port = (uint16_t)p;
	strcpy(path, slash);
	return true;
}

static void note(struct srv_acs_connreq *c, const char *device, const char *text)
{
	enum mayday_err err = store_acs_note(c->st, device, (int64_t)time(NULL), text);
	if (err != MAYDAY_OK)
		log_limited(&lim_cr, "cwmp: %s: recording \"%s\": %s", device, text,
			    mayday_strerror(err));
}

static void reap_cb(evutil_socket_t fd, short what, void *arg)
{
	struct srv_acs_connreq *c = arg;
	(void)fd;
	(void)what;
	for (struct cr_req **pp = &c->reqs; *pp != NULL;) {
		struct cr_req *r = *pp;
		if (!r->done) {
			pp = &r->next;
			continue;
		}
		*pp = r->next;
		evhttp_connection_free(r->evcon);
		if (r->first != NULL)
			evhttp_connection_free(r->first);
		free(r);
	}
}

static void finish(struct cr_req *r, const char *outcome)
{
	char text[STORE_ACS_NOTE_MAX + 1];
	snprintf(text, sizeof(text), "Connection Request to http://%s:%u%.120s: %.64s", r->host,
		 (unsigned)r->port, r->path, outcome);
	log_info("cwmp: %s: %s", r->device, text);
	note(r->c, r->device, text);
	r->done = true;
	event_active(r->c->reap, EV_TIMEOUT, 0);
}

static void on_response(struct evhttp_request *req, void *arg);

static bool send_get(struct cr_req *r, const char *authorization)
{
	struct evhttp_request *req = evhttp_request_new(on_response, r);
	if (req == NULL)
		return false;
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	char host[32];
	snprintf(host, sizeof(host), "%s:%u", r->host, (unsigned)r->port);
	evhttp_add_header(h, "Host", host);
	if (authorization != NULL)
		evhttp_add_header(h, "Authorization", authorization);
	return evhttp_make_request(r->evcon, req, EVHTTP_REQ_GET, r->path) == 0;
}

/* The Digest answer to the CPE's challenge (the first it offers with
 * qop=auth and an algorithm we know, SHA-256 preferred). */
static bool answer_challenge(struct cr_req *r, struct evhttp_request *req)
{
	struct srv_acs_authz a, pick;
	char pw[SRV_ACS_CR_PW_LEN + 1], ha1[SRV_ACS_HEX_MAX + 1], resp[SRV_ACS_HEX_MAX + 1];
	char cnonce[17], hdr[1024];
	unsigned char raw[8];
	bool have = false;
	struct evkeyval *kv;
	TAILQ_FOREACH(kv, evhttp_request_get_input_headers(req), next) {
		if (strcasecmp(kv->key, "WWW-Authenticate") != 0 ||
		    srv_acs_challenge_parse(kv->value, &a) != MAYDAY_OK)
			continue;
		if (!have || (a.alg == SRV_ACS_SHA256 && pick.alg != SRV_ACS_SHA256))
			pick = a;
		have = true;
	}
	if (!have || RAND_bytes(raw, sizeof(raw)) != 1)
		return false;
	for (unsigned i = 0; i < sizeof(raw); i++)
		snprintf(cnonce + 2 * i, 3, "%02x", raw[i]);
	snprintf(pick.uri, sizeof(pick.uri), "%s", r->path);
	snprintf(pick.nc, sizeof(pick.nc), "00000001");
	snprintf(pick.cnonce, sizeof(pick.cnonce), "%s", cnonce);
	srv_acs_auth_cr_password(r->c->key, r->device, pw);
	bool ok = srv_acs_digest_ha1(pick.alg, SRV_ACS_CR_USERNAME, pick.realm, pw, ha1) ==
			  MAYDAY_OK &&
		  srv_acs_digest_response(&pick, "GET", ha1, resp) == MAYDAY_OK;
	OPENSSL_cleanse(pw, sizeof(pw));
	OPENSSL_cleanse(ha1, sizeof(ha1));
	if (!ok)
		return false;
	/* realm and nonce are the CPE's: quoted back only if they need no escaping */
	if (strpbrk(pick.realm, "\"\\") != NULL || strpbrk(pick.nonce, "\"\\") != NULL)
		return false;
	snprintf(hdr, sizeof(hdr), "Digest username=\"%s\", realm=\"%s\", nonce=\"%s\", uri=\"%s\","
		 " algorithm=%s, qop=auth, nc=00000001, cnonce=\"%s\", response=\"%s\"",
		 SRV_ACS_CR_USERNAME, pick.realm, pick.nonce, r->path,
		 pick.alg == SRV_ACS_SHA256 ? "SHA-256" : "MD5", cnonce, resp);
	/* a fresh connection: the one in hand is freed with the request, never here
	 * inside its own callback */
	struct evhttp_connection *next = evhttp_connection_base_new(r->c->evb, NULL, r->host,
								    r->port);
	if (next == NULL)
		return false;
	evhttp_connection_set_timeout(next, SRV_ACS_CR_TIMEOUT_S);
	r->first = r->evcon;
	r->evcon = next;
	return send_get(r, hdr);
}

static void on_response(struct evhttp_request *req, void *arg)
{
	struct cr_req *r = arg;
	char outcome[64];
	if (r->done)
		return;
	int code = req != NULL ? evhttp_request_get_response_code(req) : 0;
	if (code == 0) {
		finish(r, "no answer (connection failed or timed out)");
	} else if (code == 401 && !r->answered) {
		r->answered = true;
		if (!answer_challenge(r, req))
			finish(r, "401 without a Digest challenge we can answer");
	} else {
		snprintf(outcome, sizeof(outcome), "%d%s", code,
			 code == 200 || code == 204 ? " (the CPE will open a session)" : "");
		finish(r, outcome);
	}
}

static int due_cb(void *ctx, const char *device_id, const char *url)
{
	struct srv_acs_connreq *c = ctx;
	struct cr_req *r = calloc(1, sizeof(*r));
	if (r == NULL)
		return 1;
	r->c = c;
	snprintf(r->device, sizeof(r->device), "%s", device_id);
	if (!srv_acs_connreq_url(url, r->host, &r->port, r->path)) {
		char text[STORE_ACS_NOTE_MAX + 1];
		snprintf(text, sizeof(text), "Connection Request not sent: URL %.160s is not"
			 " http://IPv4:PORT/PATH", url);
		note(c, device_id, text);
		free(r);
		return 0;
	}
	r->evcon = evhttp_connection_base_new(c->evb, NULL, r->host, r->port);
	if (r->evcon == NULL) {
		free(r);
		return 1;
	}
	evhttp_connection_set_timeout(r->evcon, SRV_ACS_CR_TIMEOUT_S);
	evhttp_connection_set_retries(r->evcon, 0);
	r->next = c->reqs;
	c->reqs = r;
	if (!send_get(r, NULL))
		finish(r, "request could not be made");
	return 0;
}

static void tick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct srv_acs_connreq *c = arg;
	int64_t now = (int64_t)time(NULL);
	(void)fd;
	(void)what;
	enum mayday_err err = store_acs_connreq_due(c->st, now - SRV_ACS_CR_GAP_S, now,
						    SRV_ACS_CR_BATCH, due_cb, c);
	if (err != MAYDAY_OK)
		log_limited(&lim_cr, "cwmp: Connection Requests due: %s", mayday_strerror(err));
}

enum mayday_err srv_acs_connreq_new(struct srv_acs_connreq **out, struct event_base *evb,
				    struct store *st, const uint8_t key[SRV_ACS_CR_KEY_LEN])
{
	struct srv_acs_connreq *c = calloc(1, sizeof(*c));
	const struct timeval period = {SRV_ACS_CR_PERIOD_S, 0};
	*out = NULL;
	if (c == NULL)
		return MAYDAY_E_NOMEM;
	c->evb = evb;
	c->st = st;
	memcpy(c->key, key, SRV_ACS_CR_KEY_LEN);
	c->tick = event_new(evb, -1, EV_PERSIST, tick_cb, c);
	c->reap = event_new(evb, -1, 0, reap_cb, c);
	if (c->tick == NULL || c->reap == NULL || event_add(c->tick, &period) != 0) {
		srv_acs_connreq_free(c);
		return MAYDAY_E_NOMEM;
	}
	*out = c;
	return MAYDAY_OK;
}

void srv_acs_connreq_free(struct srv_acs_connreq *c)
{
	if (c == NULL)
		return;
	for (struct cr_req *r = c->reqs; r != NULL; r = r->next)
		r->done = true;   /* callbacks run by the frees below do nothing */
	while (c->reqs != NULL) {
		struct cr_req *r = c->reqs;
		c->reqs = r->next;
		evhttp_connection_free(r->evcon);
		if (r->first != NULL)
			evhttp_connection_free(r->first);
		free(r);
	}
	if (c->tick != NULL)
		event_free(c->tick);
	if (c->reap != NULL)
		event_free(c->reap);
	OPENSSL_cleanse(c->key, sizeof(c->key));
	free(c);
}

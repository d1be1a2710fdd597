/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One HTTP client per channel, one blocking exchange per send (the DCF does
 * one thing at a time). The answer's body is read into a fixed
 * MAYDAY_ACK_MAX buffer and the client refuses anything larger, so a
 * hostile server can make the DCF hold at most that much.
 */
#include "tx_post.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dcf_config.h"
#include "hal/clock.h"
#include "log.h"
#include "mayday/limits.h"
#include "net_conn.h"
#include "net_http.h"

#define RETRY_AFTER_MAX_S 86400u  /* the session bounds it further (unsigned: its backoff cap) */
#define MEDIA_TYPE        "application/cose"

struct tx_post {
	const char *method;
	struct net_http *http;
	struct net_tls *tls;
	char path[DCF_URL_PATH_MAX + 1];
	uint32_t timeout_ms;
	uint8_t body[MAYDAY_ACK_MAX];
	size_t body_len;
	int have_reply;
	uint32_t retry_after_s;
};

enum mayday_err tx_post_open(const char *method, const struct dcf_url *url, const char *name,
			     struct net_tls *tls, uint32_t timeout_ms, struct tx_post **out)
{
	struct tx_post *c;
	enum mayday_err rc;

	*out = NULL;
	if (!url->host_is_ip) {
		log_info("%s: the URL names host %s, but the DCF resolves no names: give the "
			 "server's address in the URL (and its name in server_name for TLS)",
			 method, url->host);
		net_tls_free(tls);
		return MAYDAY_E_INVALID;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		log_info("%s: out of memory", method);
		net_tls_free(tls);
		return MAYDAY_E_NOMEM;
	}
	c->method = method;
	c->tls = tls;
	c->timeout_ms = timeout_ms;
	memcpy(c->path, url->path, sizeof(c->path));
	const struct net_http_params hp = {
		.who = method,
		.addr = url->host,
		.port = url->port,
		.host = name && name[0] ? name : url->host,
		.tls = tls,
		.user_agent = "mayday-dcf",
	};
	rc = net_http_new(&hp, &c->http);
	if (rc != MAYDAY_OK) {
		tx_post_close(c);
		return rc;
	}
	*out = c;
	return MAYDAY_OK;
}

/* The media type, without parameters, compared case-insensitively (RFC 9110 §8.3.1). */
static int is_cose(const char *content_type)
{
	size_t n = strlen(MEDIA_TYPE);

	return strncasecmp(content_type, MEDIA_TYPE, n) == 0 &&
	       (content_type[n] == '\0' || content_type[n] == ';' || content_type[n] == ' ');
}

/* Seconds to wait that the 503's Retry-After asks for; 0 if none usable. */
static uint32_t retry_after(const struct net_http_head *hd)
{
	uint64_t s = hd->retry_after_s;

	if (!hd->has_retry_after)
		return 0;
	if (hd->retry_after_at) {
		uint64_t now = hal_clock_wall_s();
		s = (uint64_t)hd->retry_after_at > now ? (uint64_t)hd->retry_after_at - now : 0;
	}
	return s > RETRY_AFTER_MAX_S ? RETRY_AFTER_MAX_S : (uint32_t)s;
}

/* After a completed exchange: what the server's answer means. */
static enum mayday_err judge_answer(struct tx_post *c, const struct net_http_head *hd)
{
	if (hd->status == 200 && is_cose(hd->content_type)) {
		c->have_reply = 1;
		return MAYDAY_OK;
	}
	if (hd->status == 503 && (c->retry_after_s = retry_after(hd)) > 0) {
		/* A COSE body is maydayd's signed RETRY_AFTER ack (admission
		 * control): handed on like any answer, the session verifies it and
		 * may then honour a longer wait than the unsigned header gets. */
		c->have_reply = is_cose(hd->content_type);
		log_info("%s: server busy (503%s), retry after %u s", c->method,
			 c->have_reply ? ", signed answer" : "", c->retry_after_s);
		return MAYDAY_OK;
	}
	if (hd->status == 200)
		log_info("%s: answer 200 is not %s (Content-Type %s)", c->method, MEDIA_TYPE,
			 hd->content_type[0] ? hd->content_type : "absent");
	else
		log_info("%s: answer status %d", c->method, hd->status);
	return MAYDAY_E_IO;
}

enum mayday_err tx_post_send(void *state, const uint8_t *msg, size_t len)
{
	struct tx_post *c = state;
	struct net_http_head hd;
	const struct net_http_request r = {
		.method = "POST",
		.path = c->path,
		.content_type = MEDIA_TYPE,
		.accept = MEDIA_TYPE,
		.body = msg,
		.body_len = len,
		.deadline_ms = net_conn_deadline(c->timeout_ms),
	};
	enum mayday_err rc;

	c->body_len = 0;
	c->have_reply = 0;
	c->retry_after_s = 0;
	rc = net_http_exchange(c->http, &r, c->body, sizeof(c->body), &c->body_len, &hd);
	if (rc == MAYDAY_OK)
		return judge_answer(c, &hd);
	/* logged by the client */
	return rc == MAYDAY_E_TIMEOUT || rc == MAYDAY_E_TOOBIG ? rc : MAYDAY_E_IO;
}

enum mayday_err tx_post_recv(void *state, uint8_t *buf, size_t cap, size_t *len,
			     uint32_t timeout_ms)
{
	struct tx_post *c = state;

	if (!c->have_reply) {
		/* Request/response: nothing more will arrive on this exchange;
		 * a plain sleep, so it goes through the clock HAL. */
		hal_clock_sleep_ms(timeout_ms > 60000 ? 60000 : timeout_ms);
		return MAYDAY_E_TIMEOUT;
	}
	c->have_reply = 0;
	if (c->body_len > cap)
		return MAYDAY_E_TOOBIG;
	memcpy(buf, c->body, c->body_len);
	*len = c->body_len;
	return MAYDAY_OK;
}

uint32_t tx_post_retry_after_s(void *state)
{
	const struct tx_post *c = state;

	return c->retry_after_s;
}

void tx_post_close(void *state)
{
	struct tx_post *c = state;

	if (!c)
		return;
	net_http_free(c->http); /* before the credentials it borrows */
	net_tls_free(c->tls);
	free(c);
}

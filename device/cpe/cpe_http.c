/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One net_http client per session: it keeps the connection alive between
 * POSTs and sends the ACS's cookies back. The answer is read straight into
 * the caller's reply buffer, and the client refuses anything beyond it, so
 * a hostile ACS can make the device hold at most that much.
 */
#include "cpe_http.h"

#include <stdlib.h>
#include <string.h>

#include "hal/clock.h"
#include "log.h"
#include "net_conn.h"
#include "net_http.h"

struct cpe_http {
	struct net_http *http;
	char path[NET_URL_PATH_MAX + 1];
	uint32_t timeout_ms;
	uint64_t deadline_ms;           /* monotonic (clock HAL); 0: none */
};

enum mayday_err cpe_http_open(const struct cpe_http_params *p, struct cpe_http **out)
{
	struct cpe_target t;
	struct cpe_http *h;
	const char *why;
	enum mayday_err rc;

	*out = NULL;
	if (strlen(p->url) >= CPE_HTTP_URL_MAX) {
		log_info("cpe: the ACS URL is not a usable https:// URL: too long");
		return MAYDAY_E_INVALID;
	}
	why = cpe_target_find(p->url, p->server, &t);
	if (why) {
		log_info("cpe: the ACS URL is not a usable https:// URL: %s", why);
		return MAYDAY_E_INVALID;
	}
	h = calloc(1, sizeof(*h));
	if (!h) {
		log_info("cpe: out of memory");
		return MAYDAY_E_NOMEM;
	}
	memcpy(h->path, t.url.path, sizeof(h->path));
	h->timeout_ms = p->timeout_ms;
	if (p->session_ms)
		h->deadline_ms = hal_clock_mono_ms() + p->session_ms;
	const struct net_http_params hp = {
		.who = "cpe",
		.addr = t.addr,
		.port = t.url.port,
		.host = t.url.host,
		.tls = p->tls,
		.user_agent = "mayday-cpe",
	};
	rc = net_http_new(&hp, &h->http);
	if (rc != MAYDAY_OK) {
		free(h);
		return rc;
	}
	*out = h;
	return MAYDAY_OK;
}

enum mayday_err cpe_http_post(void *ctx, const char *body, size_t len, char *reply, size_t cap,
			      size_t *reply_len)
{
	struct cpe_http *h = ctx;
	uint64_t timeout = h->timeout_ms;
	struct net_http_head hd;
	enum mayday_err rc;

	*reply_len = 0;
	if (h->deadline_ms) {
		uint64_t now = hal_clock_mono_ms();
		if (now >= h->deadline_ms) {
			log_info("cpe: the CWMP session took longer than allowed");
			return MAYDAY_E_TIMEOUT;
		}
		if (h->deadline_ms - now < timeout)
			timeout = h->deadline_ms - now;
	}
	const struct net_http_request r = {
		.method = "POST",
		.path = h->path,
		.content_type = len ? "text/xml; charset=utf-8" : NULL,
		.body = (const uint8_t *)body,
		.body_len = len,
		.deadline_ms = net_conn_deadline(timeout),
	};
	rc = net_http_exchange(h->http, &r, (uint8_t *)reply, cap, reply_len, &hd);
	if (rc != MAYDAY_OK) {
		*reply_len = 0; /* logged by the client */
		return rc == MAYDAY_E_TIMEOUT || rc == MAYDAY_E_TOOBIG || rc == MAYDAY_E_NOMEM
			       ? rc : MAYDAY_E_IO;
	}
	if (hd.status == 204 || (hd.status == 200 && *reply_len == 0)) {
		*reply_len = 0;
		return MAYDAY_OK;
	}
	if (hd.status != 200) {
		log_info("cpe: ACS answer status %d", hd.status);
		*reply_len = 0;
		return MAYDAY_E_IO;
	}
	return MAYDAY_OK;
}

long cpe_http_connections(const struct cpe_http *h)
{
	return net_http_connections(h->http);
}

void cpe_http_close(struct cpe_http *h)
{
	if (!h)
		return;
	net_http_free(h->http);
	free(h);
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The admin listener: GET /metrics (srv_metrics.h) over plain HTTP, with
 * libevent's evhttp on its own event base and thread, so a slow scraper
 * never delays a distress listener and the distress listeners never delay
 * a scrape. Off unless [admin] listen is set; srv_config refuses an
 * address that is not loopback unless [admin] allow_non_loopback = yes.
 *
 *   GET /metrics   -> 200, Content-Type text/plain; version=0.0.4
 *   other methods on /metrics -> 405 (Allow: GET)   other paths -> 404
 *
 * Bounds, as on the HTTP listeners: request line and headers (max_header),
 * idle and slow connections (timeout_s); bodies are refused beyond
 * SRV_ADMIN_BODY_MAX. The remediation figures come from the listener's own
 * store connection, used on its thread only.
 */
#ifndef MAYDAY_SRV_ADMIN_H
#define MAYDAY_SRV_ADMIN_H

#include "srv_config.h"
#include "srv_metrics.h"

#define SRV_ADMIN_PATH "/metrics"
#define SRV_ADMIN_BODY_MAX 1024

struct srv_admin_opts {
	const struct srv_addr *addr;
	unsigned max_header;
	unsigned timeout_s;
	const char *db;                 /* the store spec; the listener opens its own */
	struct srv_metrics_src src;     /* borrowed; must outlive the listener */
};

struct srv_admin;

/* Binds and listens (port 0: the kernel picks; srv_admin_bound says which)
 * and opens the store connection. Caller owns *out (srv_admin_destroy). */
MAYDAY_NODISCARD enum mayday_err srv_admin_open(struct srv_admin **out,
						const struct srv_admin_opts *o);
/* Starts the loop thread. */
MAYDAY_NODISCARD enum mayday_err srv_admin_start(struct srv_admin *a);
/* "127.0.0.1:9101": the address it listens on, port resolved. */
const char *srv_admin_bound(const struct srv_admin *a);
/* Stops the thread, closes every connection and the socket, frees.
 * NULL-safe. */
void srv_admin_destroy(struct srv_admin *a);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The operators' dashboard (issue 18, docs/dashboard.md): static files
 * compiled into maydayd (web/, embedded by cmake/embed_web.cmake) and
 * served under /ui/ on the management listener. The files are public, like
 * any client's code; everything they show comes from the REST API, with
 * the operator's bearer token, so serving them needs no identity and
 * reveals nothing about the fleet.
 *
 * This module only decides: which file a path names, and what to answer
 * (srv_ui_answer). srv_api_listen.c sends it. No state, no allocation.
 */
#ifndef MAYDAY_SRV_UI_H
#define MAYDAY_SRV_UI_H

#include <stdbool.h>
#include <stddef.h>

/* One embedded file. The table (srv_ui_assets) is generated; it ends with
 * an entry whose path is NULL. */
struct srv_ui_asset {
	const char *path;            /* "/ui/index.html" */
	const char *type;            /* its Content-Type */
	const char *etag;            /* "\"<32 hex of its SHA-256>\"" */
	const unsigned char *data;
	size_t len;
};

extern const struct srv_ui_asset srv_ui_assets[];

/* Every answer carries these (one Content-Security-Policy for every file:
 * scripts and styles from maydayd only, no inline script or style, no
 * framing, requests to maydayd only). */
#define SRV_UI_CSP                                                                       \
	"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self';"      \
	" connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none';"  \
	" frame-ancestors 'none'"
/* Revalidated on every use (the ETag makes that a 304): a new maydayd's
 * files are never mixed with an old one's from a cache. */
#define SRV_UI_CACHE "no-cache"

/* True when the path (no query) is the dashboard's: "/ui" or under "/ui/". */
bool srv_ui_owns(const char *path);

struct srv_ui_answer {
	int status;                          /* 200, 301, 304, 404, 405 */
	const struct srv_ui_asset *asset;    /* 200 and 304; NULL otherwise */
	const char *location;                /* 301: "/ui/" */
	bool body;                           /* send asset->data (200 to a GET) */
};

/* What to answer `method` on `path` (srv_ui_owns already true);
 * if_none_match: the request's If-None-Match header or NULL. "/ui" moves
 * to "/ui/", which is index.html. Only GET and HEAD are served. */
void srv_ui_answer(const char *method, const char *path, const char *if_none_match,
		   struct srv_ui_answer *out);

#endif

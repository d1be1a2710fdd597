/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The operators' REST/JSON API (issue 13, docs/api.md, docs/openapi.json):
 * one request in, one response out, with no transport in sight. maydayd's
 * listeners (srv_api_listen.h: the UNIX socket and the management listener)
 * authenticate the caller and hand the request here; maydayctl's offline
 * mode (-d STORE) calls api_handle in-process with the same code, so every
 * resource has exactly one implementation.
 *
 * Routes are tables (api_routes_read.c, api_routes_write.c); the router
 * matches method and path, checks the caller's role against the route's,
 * parses path parameters, and calls the handler. Handlers never see a
 * request they are not allowed to serve.
 *
 * Errors are JSON: {"error":{"code":"<stable code>","message":"<text>"}},
 * with the codes below; a code never changes meaning once released.
 */
#ifndef MAYDAY_API_H
#define MAYDAY_API_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mayday/error.h"
#include "store.h"

#define API_IDENTITY_MAX 127   /* "token:ops-bot", "cert:alice", "unix:root(0)" */
#define API_PATH_MAX     1024  /* path and query together */
#define API_BODY_MAX     (1u << 20)  /* JSON bodies; a bundle upload has its own bound */
#define API_PAGE_DEFAULT 100
#define API_PAGE_MAX     1000
#define API_PARAMS_MAX   2     /* {device}, {class}, {id}: at most two in a path */
#define API_PARAM_MAX    200   /* bytes of one path parameter, percent-decoded */

enum api_role {
	API_ROLE_NONE = 0,     /* not authenticated: only 401 */
	API_ROLE_VIEWER = 1,   /* every GET */
	API_ROLE_OPERATOR = 2, /* + approve, pause/resume, enrol, revoke, cwmp credentials */
	API_ROLE_ADMIN = 3,    /* + tokens, bundle upload, export with PSK */
};

/* Who is asking, as the transport established it. */
struct api_identity {
	char name[API_IDENTITY_MAX + 1];  /* recorded with every write */
	enum api_role role;
};

struct api_request {
	const char *method;              /* "GET", "POST", "PUT", "DELETE" */
	const char *path;                /* "/v1/devices/femto-1", percent-encoded, no query */
	const char *query;               /* "state=distress&limit=10", or NULL */
	const unsigned char *body;       /* NULL when empty; not NUL-terminated */
	size_t body_len;
	const char *content_type;        /* NULL when absent */
	const struct api_identity *who;  /* authenticated already; never NULL */
	int64_t now;                     /* seconds since the epoch */
};

/* The response: a JSON body (owned by the response, freed by
 * api_response_clear) or raw bytes (export's record file). */
struct api_response {
	int status;                      /* HTTP status */
	json_t *body;                    /* owned; NULL with raw or 204 */
	char *raw;                       /* owned (malloc); NULL with body */
	size_t raw_len;
	const char *raw_type;            /* static string: the Content-Type of raw */
	char location[API_PATH_MAX + 1]; /* "" or the Location of a 201 */
};

/* What the handlers need beyond the store; borrowed, outlives every call. */
struct api_config {
	const char *psk_kek;        /* file of maydayd's PSK KEK, or "" */
	const char *bundle_dir;     /* [acs] bundle_dir, or "" (no uploads) */
	const char *vendor_key;     /* [acs] vendor_key: PEM verifying bundles, or "" */
	const char *acs_realm;      /* for cwmp-credentials HA1s */
	uint64_t bundle_max;        /* bytes of an uploaded bundle */
	/* Called after a PSK was enrolled under `kid` (NULL: nobody to tell):
	 * maydayd forgets the keys its PSK cache derived for that kid, so the
	 * PSK it replaced opens nothing from then on. */
	void (*psk_enrolled)(void *arg, const uint8_t *kid, size_t kid_len);
	void *psk_enrolled_arg;
};

struct api_ctx {
	struct store *st;           /* borrowed; used on the caller's thread only */
	const struct api_config *cfg;
};

/* Serves one request into *rs (which it initialises): always a complete
 * response, errors included, so the caller only sends it. The return is
 * MAYDAY_OK unless the response itself could not be built (out of memory):
 * then the caller answers 500 on its own. */
MAYDAY_NODISCARD enum mayday_err api_handle(struct api_ctx *ctx, const struct api_request *rq,
					    struct api_response *rs);
void api_response_clear(struct api_response *rs);

/* "viewer" / "operator" / "admin" (and back; API_ROLE_NONE if unknown). */
const char *api_role_name(enum api_role r);
enum api_role api_role_parse(const char *s);

/* ---- for the route tables and handlers (api_*.c) ---- */

/* Stable error codes (docs/api.md "Errors"). */
#define API_E_BAD_REQUEST   "bad_request"        /* 400: malformed parameter or body */
#define API_E_UNAUTH        "unauthenticated"    /* 401 */
#define API_E_FORBIDDEN     "forbidden"          /* 403: role too low */
#define API_E_NOT_FOUND     "not_found"          /* 404: no such route or resource */
#define API_E_METHOD        "method_not_allowed" /* 405 */
#define API_E_CONFLICT      "conflict"           /* 409: e.g. nothing to approve */
#define API_E_TOO_LARGE     "too_large"          /* 413 */
#define API_E_MEDIA_TYPE    "unsupported_media_type" /* 415 */
#define API_E_INVALID       "invalid"            /* 422: well-formed but refused (bad bundle) */
#define API_E_UNAVAILABLE   "unavailable"        /* 503: e.g. no KEK configured */
#define API_E_INTERNAL      "internal"           /* 500: store error */

struct api_params {
	char v[API_PARAMS_MAX][API_PARAM_MAX + 1];  /* in path order, percent-decoded */
	unsigned n;
};

typedef enum mayday_err (*api_handler_fn)(struct api_ctx *ctx, const struct api_request *rq,
					  const struct api_params *p, struct api_response *rs);

struct api_route {
	const char *method;
	const char *pattern;         /* "/v1/devices/{}/approve": {} is one segment */
	enum api_role min_role;
	api_handler_fn fn;
};

extern const struct api_route api_routes_read[];   /* NULL-method terminated */
extern const struct api_route api_routes_write[];  /* NULL-method terminated */

/* Sets rs to {"error":{"code":code,"message":fmt...}} with `status`. */
MAYDAY_NODISCARD enum mayday_err api_error(struct api_response *rs, int status, const char *code,
					   const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Sets rs to `status` with `body` (ownership taken, NULL-safe: 500 then). */
MAYDAY_NODISCARD enum mayday_err api_json(struct api_response *rs, int status, json_t *body);
/* Maps a store error to its response (NOTFOUND 404, others 500) */
MAYDAY_NODISCARD enum mayday_err api_store_error(struct api_response *rs, enum mayday_err err,
						 const char *what);
/* A query parameter's value, percent-decoded into out ('+' a space); false
 * if absent, and also if malformed (a bad %-escape, a NUL), given twice or
 * longer than cap: a value is never guessed at. */
bool api_query_get(const char *query, const char *name, char *out, size_t cap);

#endif

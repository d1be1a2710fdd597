/* SPDX-License-Identifier: Apache-2.0 */
/*
 * maydayctl's one way to the API (docs/api.md): a request in, the answer's
 * status and body out, over one of three transports, each its own file
 * behind the table below:
 *   unix   maydayd's local socket (ctl_call_unix.c; the default), where
 *          maydayd knows the caller from its peer credentials;
 *   tcp    the management listener, http:// or https:// (ctl_call_tcp.c),
 *          with a bearer token read from a file and/or a client
 *          certificate;
 *   local  api_handle in-process on the store file (ctl_call_local.c), for
 *          when maydayd is not running: reads always, writes only while no
 *          maydayd holds the store's writer lock.
 * The stream transports share the HTTP/1.1 exchange (ctl_http.c): one
 * connection per request, the answer parsed by device/net's bounded parser
 * (net_http_parse.h), at most CTL_ANSWER_MAX bytes, all under a deadline.
 */
#ifndef MAYDAY_CTL_CALL_H
#define MAYDAY_CTL_CALL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mayday/error.h"

#define CTL_ANSWER_MAX   (64u << 20)  /* bytes of one answer's body */
#define CTL_TIMEOUT_MS   60000u       /* one whole exchange, connect included */
#define CTL_TOKEN_MAX    255u         /* bytes of a bearer token in its file */
#define CTL_WHY_MAX      256u

/* Where and how to reach the API; strings borrowed from argv/environ. */
struct ctl_target {
	const char *socket;     /* --socket, $MAYDAY_SOCKET, CTL_SOCKET_DEFAULT */
	const char *api;        /* --api URL, $MAYDAY_API: the tcp transport when set */
	const char *token_file; /* --token-file, $MAYDAY_TOKEN_FILE */
	const char *cert, *key; /* --cert/--key: client certificate (https) */
	const char *cacert;     /* --cacert: trust anchors (default: the system's) */
	const char *db;         /* -d STORE: the local transport when set */
	const char *psk_kek;    /* --psk-kek: the local transport's KEK (maydayd's) */
};

#define CTL_SOCKET_DEFAULT "/run/mayday/maydayd.sock"

/* One answer. Exactly one of json / raw is set when the body is not empty
 * (json for application/json, raw otherwise). Owned; ctl_answer_clear. */
struct ctl_answer {
	int status;
	json_t *json;
	char *raw;
	size_t raw_len;
	char type[128];
};
void ctl_answer_clear(struct ctl_answer *a);

struct ctl_request {
	const char *method;              /* "GET", "POST", "PUT", "DELETE" */
	const char *path;                /* "/v1/devices?state=x": path and query */
	const unsigned char *body;       /* NULL when empty */
	size_t body_len;
	const char *content_type;        /* NULL when no body */
};

/* A transport: open once per maydayctl run, then any number of calls.
 * call fills *a with any HTTP status; it fails (why: one line, no
 * newline) only when no answer came: not reachable, timed out, malformed,
 * too large. */
struct ctl_transport {
	const char *name;
	enum mayday_err (*open)(const struct ctl_target *t, void **state, char *why, size_t cap);
	enum mayday_err (*call)(void *state, const struct ctl_request *r, struct ctl_answer *a,
				char *why, size_t cap);
	void (*close)(void *state);
};

extern const struct ctl_transport ctl_transport_unix;
extern const struct ctl_transport ctl_transport_tcp;
extern const struct ctl_transport ctl_transport_local;

/* ---- ctl_http.c: the exchange the stream transports share ---- */

/* A connected stream: a socket, and a TLS session over it or NULL. */
struct ctl_stream {
	int fd;
	void *ssl;                 /* SSL *, or NULL: plain */
	uint64_t deadline_ms;      /* net_conn_now_ms clock */
};

/* Sends the request (with Host: `host`, Authorization: `bearer` when not
 * NULL, Connection: close) and reads the answer into *a. */
MAYDAY_NODISCARD enum mayday_err ctl_http_exchange(struct ctl_stream *s, const char *host,
						   const char *bearer, const char *path_prefix,
						   const struct ctl_request *r,
						   struct ctl_answer *a, char *why, size_t cap);

/* Fills *a from a body of `len` bytes of Content-Type `type` (JSON parsed
 * when the type says JSON; MAYDAY_E_MALFORMED when it does not parse). */
MAYDAY_NODISCARD enum mayday_err ctl_answer_set_body(struct ctl_answer *a, const char *type,
						     const uint8_t *body, size_t len,
						     char *why, size_t cap);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The operators' API listeners (issue 13, docs/api.md "Transports and
 * authentication"): the transports of api_handle (server/api/api.h). One
 * event base and one thread serve two evhttp servers, each off unless
 * configured ([api] in maydayd.conf(5)):
 *
 *   the UNIX socket ([api] socket)   maydayctl's default. The caller is who
 *       the kernel says (SO_PEERCRED): root or maydayd's own user is admin,
 *       "unix:NAME(UID)"; anyone else the socket's file mode lets in gets
 *       [api] socket_role. The socket is made 0660 in a directory that must
 *       exist; a stale socket (nobody answers) is replaced, a live one or
 *       any other file refuses the start.
 *   the management listener ([api] listen, TCP)   over TLS 1.2+ when
 *       [api] tls_cert/tls_key are set (srv_config requires them on an
 *       address other than loopback). A client certificate chaining to
 *       [api] client_ca is "cert:CN" with the role its subject's one OU
 *       names (viewer, operator, admin; any other: 403). A bearer token
 *       (Authorization: Bearer mdt_...) is checked by api_token_verify,
 *       and accepted without TLS only from a loopback peer. Nothing: 401
 *       with WWW-Authenticate: Bearer.
 *
 * Bounds: request line and headers (max_header), bodies (API_BODY_MAX, a
 * bundle upload bundle_max; evhttp refuses a larger Content-Length before
 * reading it), open connections (max_conns per listener: one over is closed
 * at once), and time: a connection lives at most timeout_s from its accept
 * (one request per connection: every answer says Connection: close). At
 * most max_conns * bundle_max bytes of bodies are held per listener.
 *
 * Answers: api_handle's JSON (application/json) or raw bytes with their
 * type; a 500 of our own when it fails. The store handle is the listener's
 * own, used on its thread only.
 */
#ifndef MAYDAY_SRV_API_LISTEN_H
#define MAYDAY_SRV_API_LISTEN_H

#include <stdbool.h>
#include <stdint.h>

#include "api/api.h"
#include "srv_config.h"

struct srv_api_listen_opts {
	const char *socket_path;        /* "" : no UNIX socket */
	bool socket_optional;           /* the default path: a missing directory
	                                   is a warning (no socket), not an error */
	enum api_role socket_role;      /* of a peer other than root and maydayd */
	const struct srv_addr *listen;  /* len 0: no management listener */
	const char *tls_cert;           /* "" : plain HTTP (loopback only) */
	const char *tls_key;
	const char *client_ca;          /* "" : no client certificates */
	unsigned max_header;            /* bytes of request line and headers */
	unsigned timeout_s;             /* a connection's whole life */
	unsigned max_conns;             /* per listener */
	const char *db;                 /* the store spec; the listener opens its own */
	const char *psk_kek;            /* "" or the KEK file, as the workers have it */
	const struct api_config *api;   /* borrowed; must outlive the listener */
};

struct srv_api_listen;

/* Opens the store, builds the TLS context, binds and listens (port 0: the
 * kernel picks; srv_api_listen_bound says which). Run after the process
 * became its configured user: the socket file is that user's. `err` says
 * what failed. Caller owns *out (srv_api_listen_destroy); NULL when neither
 * listener is on. */
MAYDAY_NODISCARD enum mayday_err srv_api_listen_open(struct srv_api_listen **out,
						     const struct srv_api_listen_opts *o,
						     char *err, size_t err_cap);
/* Starts the loop thread. */
MAYDAY_NODISCARD enum mayday_err srv_api_listen_start(struct srv_api_listen *a);
/* "127.0.0.1:8443" or "" (no TCP listener); the socket's path or "". */
const char *srv_api_listen_bound(const struct srv_api_listen *a);
const char *srv_api_listen_socket(const struct srv_api_listen *a);
/* Stops the thread, closes every connection and both sockets, removes the
 * socket file it made, frees. NULL-safe. */
void srv_api_listen_destroy(struct srv_api_listen *a);

#endif

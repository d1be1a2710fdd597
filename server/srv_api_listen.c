/* SPDX-License-Identifier: Apache-2.0 */
/*
 * See srv_api_listen.h. Two evhttp servers on one event base and thread
 * (the UNIX socket's and the TCP listener's: each needs its own bufferevent
 * callback, TLS or not), one store handle, one api_ctx.
 *
 * Connections (make_bev, admit, on_close, on_deadline): evhttp 2.1 counts
 * nothing and has no per-connection hook but its bufferevent callback,
 * which runs before the connection exists. So make_bev counts the
 * connection, keeps a reference on its bufferevent and schedules admit as
 * an active event: it runs on this loop turn, once evhttp has made the
 * connection and before any byte is read. admit finds the connection as
 * the argument of evhttp's callbacks on the bufferevent (NULL: evhttp
 * already gave up on it), sets the close callback that counts it out, and
 * closes it at once if it was over the cap when accepted, or else arms its
 * deadline. Every answer
 * closes its connection, so the deadline bounds a connection's whole life
 * and the cap is never held by idle keep-alives.
 *
 * Identity (identify_*) comes from the transport only: the kernel's peer
 * credentials on the socket; on TCP a bearer token (api_token_verify) or a
 * verified client certificate (srv_api_tls.h). The handlers never see a request whose
 * caller is not established.
 *
 * The one exception is the dashboard's static files on the TCP listener
 * (/ui/, srv_ui.h): a browser fetches them before its operator has given a
 * token, they are the same for everyone and hold no data, so they are
 * answered before the identity is looked at (send_ui). Every datum the page
 * shows it reads from the API, with the token.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>
#include <openssl/ssl.h>

#include "api/api_token.h"
#include "log.h"
#include "srv_api_listen.h"
#include "srv_evloop.h"
#include "srv_api_tls.h"
#include "srv_ingest.h"
#include "srv_ui.h"

#define API_BACKLOG 64

enum kind { K_UNIX, K_TCP };

struct srv_api_listen;

/* One evhttp server: the socket's or the TCP listener's. */
struct ep {
	struct srv_api_listen *a;
	enum kind kind;
	struct evhttp *http;
	SSL_CTX *tls;                /* K_TCP with TLS; NULL otherwise */
	unsigned conns;              /* open connections; loop thread only */
};

/* A connection, from make_bev to its close. */
struct conn {
	struct ep *ep;
	struct bufferevent *bev;     /* referenced until admit */
	struct evhttp_connection *evcon;
	struct event *deadline;
	int over;                    /* accepted beyond the cap: closed by admit */
};

struct srv_api_listen {
	struct srv_evloop loop;
	struct ep unix_ep, tcp_ep;
	struct store *st;
	struct api_ctx ctx;
	unsigned max_conns, timeout_s;
	enum api_role socket_role;
	uid_t self;                  /* maydayd's effective uid: admin on the socket */
	char sock_path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	int made_socket;             /* ours to unlink at the end */
	char bound[SRV_ADDR_TEXT_MAX + 1];
};

static struct log_limit lim_conn, lim_fail;

enum verdict { V_OK, V_NONE, V_BAD, V_FORBIDDEN, V_ERROR };

/* ---- answers ------------------------------------------------------------ */

static const char *reason_of(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 204: return "No Content";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 413: return "Payload Too Large";
	case 414: return "URI Too Long";
	case 415: return "Unsupported Media Type";
	case 422: return "Unprocessable Entity";
	case 503: return "Service Unavailable";
	default: return status >= 500 ? "Internal Server Error" : "Error";
	}
}

#define INTERNAL_BODY "{\"error\":{\"code\":\"" API_E_INTERNAL "\",\"message\":\"out of memory\"}}\n"

static void send_internal(struct evhttp_request *req)
{
	struct evkeyvalq *hdr = evhttp_request_get_output_headers(req);
	struct evbuffer *b = evbuffer_new();
	evhttp_add_header(hdr, "Content-Type", "application/json");
	evhttp_add_header(hdr, "Cache-Control", "no-store");
	evhttp_add_header(hdr, "Connection", "close");
	if (b != NULL)
		evbuffer_add(b, INTERNAL_BODY, sizeof(INTERNAL_BODY) - 1);
	evhttp_send_reply(req, 500, "Internal Server Error", b);
	if (b != NULL)
		evbuffer_free(b);
}

static void free_dump(const void *data, size_t len, void *arg)
{
	(void)len;
	(void)arg;
	free((void *)data);
}

/* Sends rs (which stays the caller's to clear). */
static void send_response(struct evhttp_request *req, const struct api_response *rs)
{
	struct evkeyvalq *hdr = evhttp_request_get_output_headers(req);
	struct evbuffer *b = evbuffer_new();
	if (b == NULL) {
		send_internal(req);
		return;
	}
	if (rs->body != NULL) {
		char *text = json_dumps(rs->body, JSON_COMPACT);
		size_t n = text != NULL ? strlen(text) : 0;
		if (text == NULL || evbuffer_add_reference(b, text, n, free_dump, NULL) != 0 ||
		    evbuffer_add(b, "\n", 1) != 0) {
			if (text != NULL && evbuffer_get_length(b) == 0)
				free(text);
			evbuffer_free(b);
			send_internal(req);
			return;
		}
		evhttp_add_header(hdr, "Content-Type", "application/json");
	} else if (rs->raw != NULL) {
		if (evbuffer_add(b, rs->raw, rs->raw_len) != 0) {
			evbuffer_free(b);
			send_internal(req);
			return;
		}
		evhttp_add_header(hdr, "Content-Type",
				  rs->raw_type != NULL ? rs->raw_type : "application/octet-stream");
	}
	if (rs->location[0])
		evhttp_add_header(hdr, "Location", rs->location);
	evhttp_add_header(hdr, "Cache-Control", "no-store");
	evhttp_add_header(hdr, "Connection", "close");
	evhttp_send_reply(req, rs->status, reason_of(rs->status), b);
	evbuffer_free(b);
}

/* An error of the transport's own (401, 403, 413, 414, ...), in the API's
 * error shape. */
static void send_error(struct evhttp_request *req, int status, const char *code, const char *msg)
{
	struct api_response rs;
	memset(&rs, 0, sizeof(rs));
	if (api_error(&rs, status, code, "%s", msg) != MAYDAY_OK) {
		api_response_clear(&rs);
		send_internal(req);
		return;
	}
	if (status == 401)
		evhttp_add_header(evhttp_request_get_output_headers(req), "WWW-Authenticate",
				  "Bearer realm=\"mayday\"");
	send_response(req, &rs);
	api_response_clear(&rs);
}

/* A dashboard file (srv_ui.h): its bytes, or 301/304/404/405, always with
 * the dashboard's security headers. Errors are the API's JSON shape. */
static void send_ui(struct evhttp_request *req, const char *method, const char *path)
{
	struct evkeyvalq *hdr = evhttp_request_get_output_headers(req);
	struct srv_ui_answer ans;
	srv_ui_answer(method, path,
		      evhttp_find_header(evhttp_request_get_input_headers(req), "If-None-Match"),
		      &ans);
	evhttp_add_header(hdr, "Content-Security-Policy", SRV_UI_CSP);
	evhttp_add_header(hdr, "X-Content-Type-Options", "nosniff");
	evhttp_add_header(hdr, "Referrer-Policy", "no-referrer");
	evhttp_add_header(hdr, "X-Frame-Options", "DENY");
	switch (ans.status) {
	case 404: send_error(req, 404, API_E_NOT_FOUND, "no such file"); return;
	case 405:
		evhttp_add_header(hdr, "Allow", "GET, HEAD");
		send_error(req, 405, API_E_METHOD, "the dashboard's files are only read");
		return;
	case 301:
		evhttp_add_header(hdr, "Location", ans.location);
		evhttp_add_header(hdr, "Connection", "close");
		evhttp_send_reply(req, 301, "Moved Permanently", NULL);
		return;
	default: break;
	}
	evhttp_add_header(hdr, "ETag", ans.asset->etag);
	evhttp_add_header(hdr, "Cache-Control", SRV_UI_CACHE);
	evhttp_add_header(hdr, "Connection", "close");
	if (ans.status == 304) {
		evhttp_send_reply(req, 304, "Not Modified", NULL);
		return;
	}
	evhttp_add_header(hdr, "Content-Type", ans.asset->type);
	if (!ans.body) {
		/* HEAD: the length the GET would have, no body (evhttp would
		 * count none) */
		char len[24];
		snprintf(len, sizeof(len), "%zu", ans.asset->len);
		evhttp_add_header(hdr, "Content-Length", len);
		evhttp_send_reply(req, 200, "OK", NULL);
		return;
	}
	struct evbuffer *b = evbuffer_new();
	/* The bytes are static: referenced, not copied. */
	if (b == NULL || evbuffer_add_reference(b, ans.asset->data, ans.asset->len, NULL, NULL) != 0) {
		if (b != NULL)
			evbuffer_free(b);
		send_internal(req);
		return;
	}
	evhttp_send_reply(req, 200, "OK", b);
	evbuffer_free(b);
}

/* ---- who is asking -------------------------------------------------------- */

static int conn_fd(struct evhttp_request *req)
{
	struct evhttp_connection *evcon = evhttp_request_get_connection(req);
	struct bufferevent *bev = evcon != NULL ? evhttp_connection_get_bufferevent(evcon) : NULL;
	return bev != NULL ? (int)bufferevent_getfd(bev) : -1;
}

static SSL *conn_ssl(struct evhttp_request *req)
{
	struct evhttp_connection *evcon = evhttp_request_get_connection(req);
	struct bufferevent *bev = evcon != NULL ? evhttp_connection_get_bufferevent(evcon) : NULL;
	return bev != NULL ? bufferevent_openssl_get_ssl(bev) : NULL;
}

/* The socket's peer: root and maydayd's own user administer; anyone else
 * the file mode let in has socket_role. */
static int identify_unix(struct srv_api_listen *a, struct evhttp_request *req,
			 struct api_identity *who)
{
	struct ucred cr;
	socklen_t len = sizeof(cr);
	int fd = conn_fd(req);
	if (fd < 0 || getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) != 0 || len != sizeof(cr))
		return 0;
	struct passwd pw, *found = NULL;
	char buf[1024];
	char name[64];
	if (getpwuid_r(cr.uid, &pw, buf, sizeof(buf), &found) == 0 && found != NULL &&
	    strlen(pw.pw_name) < sizeof(name))
		snprintf(name, sizeof(name), "%s", pw.pw_name);
	else
		snprintf(name, sizeof(name), "%lu", (unsigned long)cr.uid);
	snprintf(who->name, sizeof(who->name), "unix:%s(%lu)", name, (unsigned long)cr.uid);
	who->role = (cr.uid == 0 || cr.uid == a->self) ? API_ROLE_ADMIN : a->socket_role;
	return 1;
}

static int peer_is_loopback(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	if (fd < 0 || getpeername(fd, (struct sockaddr *)&ss, &len) != 0)
		return 0;
	if (ss.ss_family == AF_INET)
		return (ntohl(((struct sockaddr_in *)&ss)->sin_addr.s_addr) >> 24) == 127;
	if (ss.ss_family == AF_INET6) {
		const struct in6_addr *a6 = &((struct sockaddr_in6 *)&ss)->sin6_addr;
		if (IN6_IS_ADDR_V4MAPPED(a6))
			return a6->s6_addr[12] == 127;
		return IN6_IS_ADDR_LOOPBACK(a6);
	}
	return 0;
}

/* A browser sends the operator's client certificate to any page that asks,
 * hostile ones included; it also says where a request comes from (Origin on
 * every cross-site POST, Sec-Fetch-Site on all of them). maydayctl and curl
 * send neither. A write carried by the certificate alone is refused when a
 * browser says it comes from another site, or from any page at all (the
 * dashboard authenticates with a token, never with the certificate). */
static int cert_write_from_page(struct evhttp_request *req)
{
	enum evhttp_cmd_type c = evhttp_request_get_command(req);
	if (c == EVHTTP_REQ_GET || c == EVHTTP_REQ_HEAD)
		return 0;
	struct evkeyvalq *h = evhttp_request_get_input_headers(req);
	const char *site = evhttp_find_header(h, "Sec-Fetch-Site");
	if (evhttp_find_header(h, "Origin") != NULL)
		return 1;
	return site != NULL && strcasecmp(site, "same-origin") != 0 && strcasecmp(site, "none") != 0;
}

/* The TCP listener: a bearer token if one is given (it must be good), else
 * a client certificate. */
static enum verdict identify_tcp(struct srv_api_listen *a, struct evhttp_request *req,
				 struct api_identity *who, char *why, size_t cap)
{
	const char *auth = evhttp_find_header(evhttp_request_get_input_headers(req),
					      "Authorization");
	SSL *ssl = conn_ssl(req);
	if (auth != NULL) {
		if (strncasecmp(auth, "Bearer ", 7) != 0 || auth[7] == '\0') {
			snprintf(why, cap, "only Bearer tokens are accepted");
			return V_BAD;
		}
		/* A token in clear may have been seen on the way: only from
		 * this host. */
		if (ssl == NULL && !peer_is_loopback(conn_fd(req))) {
			snprintf(why, cap, "a token is accepted without TLS only from loopback");
			return V_BAD;
		}
		enum mayday_err e = api_token_verify(a->st, auth + 7, who);
		if (e == MAYDAY_OK && who->role != API_ROLE_NONE)
			return V_OK;
		if (e == MAYDAY_OK || e == MAYDAY_E_DENIED || e == MAYDAY_E_MALFORMED ||
		    e == MAYDAY_E_NOTFOUND) {
			snprintf(why, cap, "the token is unknown, revoked or malformed");
			return V_BAD;
		}
		/* The store failed: not the caller's fault, not a 401. */
		log_limited(&lim_fail, "api: checking a token: %s", mayday_strerror(e));
		return V_ERROR;
	}
	switch (srv_api_tls_peer(ssl, who, why, cap)) {
	case SRV_API_PEER_OK:
		if (!cert_write_from_page(req))
			return V_OK;
		snprintf(why, cap, "a write from a web page is not accepted on a client "
			 "certificate: give a bearer token");
		return V_FORBIDDEN;
	case SRV_API_PEER_FORBIDDEN: return V_FORBIDDEN;
	default:
		snprintf(why, cap, "give a bearer token or a client certificate");
		return V_NONE;
	}
}

/* ---- requests ------------------------------------------------------------- */

static const char *method_name(enum evhttp_cmd_type c)
{
	switch (c) {
	case EVHTTP_REQ_GET: return "GET";
	case EVHTTP_REQ_POST: return "POST";
	case EVHTTP_REQ_PUT: return "PUT";
	case EVHTTP_REQ_DELETE: return "DELETE";
	case EVHTTP_REQ_HEAD: return "HEAD";
	case EVHTTP_REQ_OPTIONS: return "OPTIONS";
	case EVHTTP_REQ_PATCH: return "PATCH";
	default: return "OTHER";
	}
}

/* A bundle upload may be larger than a JSON body: PUT /v1/classes/{}/bundle. */
static int is_bundle_upload(const char *method, const char *path)
{
	static const char pre[] = "/v1/classes/", post[] = "/bundle";
	size_t n = strlen(path);
	if (strcmp(method, "PUT") != 0 || strncmp(path, pre, sizeof(pre) - 1) != 0 ||
	    n <= sizeof(pre) - 1 + sizeof(post) - 1 || strcmp(path + n - (sizeof(post) - 1), post) != 0)
		return 0;
	const char *cls = path + sizeof(pre) - 1;
	return memchr(cls, '/', n - (sizeof(pre) - 1) - (sizeof(post) - 1)) == NULL;
}

static void on_request(struct evhttp_request *req, void *arg)
{
	struct ep *ep = arg;
	struct srv_api_listen *a = ep->a;
	struct api_identity who;
	char why[160] = "";
	char target[API_PATH_MAX + 1];
	const char *uri = evhttp_request_get_uri(req);
	const char *method = method_name(evhttp_request_get_command(req));
	memset(&who, 0, sizeof(who));

	if (uri == NULL || strlen(uri) > API_PATH_MAX) {
		send_error(req, 414, API_E_TOO_LARGE, "the path and query are too long");
		return;
	}
	if (uri[0] != '/') {
		send_error(req, 400, API_E_BAD_REQUEST, "the request target must be a path");
		return;
	}
	/* The dashboard's files: public, and on the TCP listener only (a
	 * browser does not speak to the UNIX socket). */
	snprintf(target, sizeof(target), "%s", uri);
	target[strcspn(target, "?")] = '\0';
	if (ep->kind == K_TCP && srv_ui_owns(target)) {
		send_ui(req, method, target);
		return;
	}
	/* Who first: an unauthenticated caller learns nothing, sizes included. */
	if (ep->kind == K_UNIX) {
		if (!identify_unix(a, req, &who)) {
			send_error(req, 401, API_E_UNAUTH, "the peer's credentials are unknown");
			return;
		}
	} else {
		switch (identify_tcp(a, req, &who, why, sizeof(why))) {
		case V_OK: break;
		case V_FORBIDDEN: send_error(req, 403, API_E_FORBIDDEN, why); return;
		case V_ERROR: send_internal(req); return;
		default: send_error(req, 401, API_E_UNAUTH, why); return;
		}
	}
	snprintf(target, sizeof(target), "%s", uri);
	char *q = strchr(target, '?');
	if (q != NULL)
		*q++ = '\0';
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	size_t body_len = evbuffer_get_length(in);
	uint64_t cap = is_bundle_upload(method, target) ? a->ctx.cfg->bundle_max : API_BODY_MAX;
	if (body_len > cap) {
		send_error(req, 413, API_E_TOO_LARGE, "the body is too large for this resource");
		return;
	}
	const unsigned char *body = NULL;
	if (body_len > 0 && (body = evbuffer_pullup(in, -1)) == NULL) {
		send_internal(req);
		return;
	}
	const struct api_request rq = {
		.method = method,
		.path = target,
		.query = q,
		.body = body,
		.body_len = body_len,
		.content_type = evhttp_find_header(evhttp_request_get_input_headers(req),
						   "Content-Type"),
		.who = &who,
		.now = (int64_t)time(NULL),
	};
	struct api_response rs;
	memset(&rs, 0, sizeof(rs));
	if (api_handle(&a->ctx, &rq, &rs) != MAYDAY_OK) {
		log_limited(&lim_fail, "api: %s %s: no answer could be made", method, target);
		api_response_clear(&rs);
		send_internal(req);
		return;
	}
	send_response(req, &rs);
	api_response_clear(&rs);
}

/* ---- connections ---------------------------------------------------------- */

static void conn_free(struct conn *c)
{
	if (c->deadline != NULL)
		event_free(c->deadline);
	c->ep->conns--;
	free(c);
}

static void on_close(struct evhttp_connection *evcon, void *arg)
{
	evhttp_connection_set_closecb(evcon, NULL, NULL);   /* once */
	conn_free(arg);
}

/* Its time is up, whatever it was doing: evhttp frees it (on_close). */
static void on_deadline(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;
	(void)fd;
	(void)what;
	evhttp_connection_free(c->evcon);
}

static void admit(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;
	struct ep *ep = c->ep;
	bufferevent_data_cb rd, wr;
	bufferevent_event_cb ev;
	void *cbarg = NULL;
	(void)fd;
	(void)what;
	bufferevent_getcb(c->bev, &rd, &wr, &ev, &cbarg);
	bufferevent_decref(c->bev);
	c->bev = NULL;
	if (cbarg == NULL) {         /* evhttp never made it a connection */
		conn_free(c);
		return;
	}
	c->evcon = cbarg;
	evhttp_connection_set_closecb(c->evcon, on_close, c);
	if (c->over) {
		log_limited(&lim_conn, "api: %u connections open: closing a new one",
			    ep->a->max_conns);
		evhttp_connection_free(c->evcon);
		return;
	}
	const struct timeval tv = {(time_t)ep->a->timeout_s, 0};
	if ((c->deadline = evtimer_new(ep->a->loop.evb, on_deadline, c)) == NULL ||
	    evtimer_add(c->deadline, &tv) != 0)
		evhttp_connection_free(c->evcon);
}

static struct bufferevent *make_bev(struct event_base *evb, void *arg)
{
	struct ep *ep = arg;
	struct bufferevent *bev = NULL;
	if (ep->tls != NULL) {
		SSL *ssl = SSL_new(ep->tls);
		if (ssl != NULL)
			bev = bufferevent_openssl_socket_new(evb, -1, ssl, BUFFEREVENT_SSL_ACCEPTING,
							     BEV_OPT_CLOSE_ON_FREE);
		if (bev == NULL)
			SSL_free(ssl);
		else
			bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
	} else {
		bev = bufferevent_socket_new(evb, -1, BEV_OPT_CLOSE_ON_FREE);
	}
	struct conn *c = bev != NULL ? calloc(1, sizeof(*c)) : NULL;
	if (c == NULL)
		goto fail;
	*c = (struct conn){.ep = ep, .bev = bev};
	bufferevent_incref(bev);
	/* Decided here, in accept order: several accepted on one loop turn
	 * are all counted before the first admit runs. */
	c->over = ++ep->conns > ep->a->max_conns;
	if (event_base_once(evb, -1, EV_TIMEOUT, admit, c, NULL) != 0) {
		bufferevent_decref(bev);
		ep->conns--;
		free(c);
		goto fail;
	}
	return bev;
fail:
	/* evhttp then makes a plain bufferevent of its own: without TLS it
	 * carries no certificate, and a token is refused from any peer but
	 * loopback (conn_ssl sees no SSL). */
	log_limited(&lim_conn, "api: cannot set up a connection (out of memory)");
	if (bev != NULL)
		bufferevent_free(bev);
	return NULL;
}

/* ---- sockets ------------------------------------------------------------ */

static int bind_ep(struct ep *ep, struct evconnlistener *lev, char *err, size_t cap,
		   const char *what)
{
	if (lev == NULL) {
		snprintf(err, cap, "[api] %s: bind/listen: %s", what, strerror(errno));
		return -1;
	}
	if (evhttp_bind_listener(ep->http, lev) == NULL) {
		evconnlistener_free(lev);
		snprintf(err, cap, "[api] %s: evhttp refused the socket", what);
		return -1;
	}
	return 0;
}

/* The socket file: a stale socket (nobody accepts on it) is replaced; a
 * live one, or any other kind of file, is left alone and refuses the start.
 * Made 0660 from the start (umask, while no other thread runs). */
static int open_unix(struct srv_api_listen *a, const struct srv_api_listen_opts *o, char *err,
		     size_t cap)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	struct stat st;
	const char *path = o->socket_path;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		snprintf(err, cap, "[api] socket %s: longer than %zu bytes", path,
			 sizeof(sun.sun_path) - 1);
		return -1;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			snprintf(err, cap, "[api] socket %s exists and is not a socket", path);
			return -1;
		}
		int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		int live = probe >= 0 &&
			   connect(probe, (struct sockaddr *)&sun, sizeof(sun)) == 0;
		if (probe >= 0)
			close(probe);
		if (live) {
			snprintf(err, cap, "[api] socket %s: another process serves it "
				 "(is maydayd running already?)", path);
			return -1;
		}
		if (unlink(path) != 0) {
			snprintf(err, cap, "[api] socket %s: removing the stale socket: %s", path,
				 strerror(errno));
			return -1;
		}
	}
	mode_t old = umask(0117);
	struct evconnlistener *lev = evconnlistener_new_bind(
		a->loop.evb, NULL, NULL, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, API_BACKLOG,
		(struct sockaddr *)&sun, (int)sizeof(sun));
	int saved = errno;
	umask(old);
	errno = saved;
	if (bind_ep(&a->unix_ep, lev, err, cap, path) != 0)
		return -1;
	snprintf(a->sock_path, sizeof(a->sock_path), "%s", path);
	a->made_socket = 1;
	return 0;
}

static int open_tcp(struct srv_api_listen *a, const struct srv_api_listen_opts *o, char *err,
		    size_t cap)
{
	struct sockaddr_storage got;
	socklen_t got_len = sizeof(got);
	if (o->tls_cert[0] && srv_api_tls_ctx(o->tls_cert, o->tls_key, o->client_ca,
					      &a->tcp_ep.tls, err, cap) != MAYDAY_OK)
		return -1;
	struct evconnlistener *lev = evconnlistener_new_bind(
		a->loop.evb, NULL, NULL,
		LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC | LEV_OPT_REUSEABLE, API_BACKLOG,
		(const struct sockaddr *)&o->listen->ss, (int)o->listen->len);
	if (lev != NULL &&
	    getsockname(evconnlistener_get_fd(lev), (struct sockaddr *)&got, &got_len) == 0)
		srv_ingest_peer_text(&got, a->bound, sizeof(a->bound));
	return bind_ep(&a->tcp_ep, lev, err, cap, o->listen->text);
}

/* ---- lifecycle ---------------------------------------------------------- */

enum mayday_err srv_api_listen_start(struct srv_api_listen *a)
{
	return srv_evloop_start(&a->loop);
}

const char *srv_api_listen_bound(const struct srv_api_listen *a)
{
	return a->bound;
}

const char *srv_api_listen_socket(const struct srv_api_listen *a)
{
	return a->sock_path;
}

void srv_api_listen_destroy(struct srv_api_listen *a)
{
	if (a == NULL)
		return;
	srv_evloop_stop(&a->loop);
	/* evhttp_free closes every connection (on_close counts each out)
	 * and the listening sockets. */
	if (a->unix_ep.http != NULL)
		evhttp_free(a->unix_ep.http);
	if (a->tcp_ep.http != NULL)
		evhttp_free(a->tcp_ep.http);
	if (a->made_socket)
		(void)unlink(a->sock_path);
	SSL_CTX_free(a->tcp_ep.tls);
	srv_evloop_free(&a->loop);
	store_close(a->st);
	free(a);
}

static int setup_ep(struct srv_api_listen *a, struct ep *ep, enum kind kind,
		    const struct srv_api_listen_opts *o)
{
	ep->a = a;
	ep->kind = kind;
	if ((ep->http = evhttp_new(a->loop.evb)) == NULL)
		return -1;
	evhttp_set_bevcb(ep->http, make_bev, ep);
	evhttp_set_max_headers_size(ep->http, (ev_ssize_t)o->max_header);
	/* Larger than any route takes: evhttp answers 413 without reading. */
	uint64_t body_max = API_BODY_MAX;
	if (o->api->bundle_dir[0] && o->api->bundle_max > body_max)
		body_max = o->api->bundle_max;
	evhttp_set_max_body_size(ep->http, (ev_ssize_t)body_max);
	evhttp_set_timeout(ep->http, (int)o->timeout_s);
	/* Every method reaches on_request; the router answers 405 itself. */
	evhttp_set_allowed_methods(ep->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD |
						     EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
						     EVHTTP_REQ_OPTIONS | EVHTTP_REQ_PATCH);
	evhttp_set_gencb(ep->http, on_request, ep);
	return 0;
}

enum mayday_err srv_api_listen_open(struct srv_api_listen **out,
				    const struct srv_api_listen_opts *o, char *err, size_t err_cap)
{
	enum mayday_err e = MAYDAY_E_INTERNAL;
	struct srv_api_listen *a = NULL;
	int want_unix = o->socket_path[0] != '\0', want_tcp = o->listen->len != 0;
	*out = NULL;
	err[0] = '\0';
	if (want_unix && o->socket_optional) {
		/* The default place, not made (no service manager made it): go
		 * on without the socket rather than refuse every start. */
		char dir[sizeof(a->sock_path)];
		struct stat st;
		snprintf(dir, sizeof(dir), "%s", o->socket_path);
		char *slash = strrchr(dir, '/');
		if (slash != NULL)
			*slash = '\0';
		if (slash != NULL && dir[0] && stat(dir, &st) != 0) {
			log_warnx("api: %s does not exist: no API socket (set [api] socket)", dir);
			want_unix = 0;
		}
	}
	if (!want_unix && !want_tcp)
		return MAYDAY_OK;
	if ((a = calloc(1, sizeof(*a))) == NULL) {
		snprintf(err, err_cap, "api: out of memory");
		return MAYDAY_E_NOMEM;
	}
	a->max_conns = o->max_conns;
	a->timeout_s = o->timeout_s;
	a->socket_role = o->socket_role;
	a->self = geteuid();
	if ((e = store_open(&a->st, o->db)) != MAYDAY_OK ||
	    (o->psk_kek[0] && (e = store_psk_kek(a->st, o->psk_kek)) != MAYDAY_OK)) {
		snprintf(err, err_cap, "api: store %s: %s", o->db, mayday_strerror(e));
		goto fail;
	}
	a->ctx = (struct api_ctx){.st = a->st, .cfg = o->api};
	e = MAYDAY_E_INTERNAL;
	if (srv_evloop_init(&a->loop) != MAYDAY_OK ||
	    (want_unix && setup_ep(a, &a->unix_ep, K_UNIX, o) != 0) ||
	    (want_tcp && setup_ep(a, &a->tcp_ep, K_TCP, o) != 0)) {
		snprintf(err, err_cap, "api: cannot set up its event loop");
		goto fail;
	}
	e = MAYDAY_E_IO;
	if ((want_unix && open_unix(a, o, err, err_cap) != 0) ||
	    (want_tcp && open_tcp(a, o, err, err_cap) != 0))
		goto fail;
	*out = a;
	return MAYDAY_OK;
fail:
	srv_api_listen_destroy(a);
	return e;
}

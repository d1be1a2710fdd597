/* SPDX-License-Identifier: Apache-2.0 */
/*
 * An evhttp listener on N event-loop threads ([server] http_threads), each
 * with its own event base, evhttp and listening socket.
 *
 * Loops (why SO_REUSEPORT): every loop has its own listening socket on the
 * same address (SO_REUSEPORT), so the kernel puts each new connection in
 * one loop's accept queue and that loop's thread accepts it, makes its TLS
 * handshake, parses and answers its requests: no hand-off between threads
 * per connection, no accept lock, and nothing of evhttp is shared (libevent
 * 2.1 has no public way to give an accepted socket to an evhttp, which a
 * single acceptor handing sockets to loops would need). The kernel's own
 * choice is a hash with a secret, so which loop takes a connection could
 * not be known; a classic BPF program on the group (steer_by_port) chooses
 * instead by the client's source port: loop (((port ^ key) * 0x9E3779B1)
 * mod 2^32 >> 16) mod N -- ephemeral ports spread evenly (the
 * multiplication mixes the low bits: Linux gives connect() ports of one
 * parity); the 16-bit key is drawn at each start, so a client picking its
 * ports cannot aim them all at one loop, and logged, so a test can reach a
 * chosen loop. A port that cannot be read (no BPF: an older kernel)
 * leaves the kernel's hash in force. The sockets are bound as the daemon's
 * user: another process of that user setting SO_REUSEPORT could join the
 * group later, as it could bind any of that user's ports; a listener
 * already on a configured port makes the start fail (port_free), as it
 * did with one socket.
 *
 * What the loops share (under `mu`): the connection count, the waiting
 * list and the per-source lists, so the caps below mean what they meant
 * with one loop -- per listener, whichever loop holds the connections. A
 * connection is only ever touched by its own loop's thread: a victim on
 * another loop is taken out of the lists at once (it counts as going,
 * `dying`) and queued on its loop (`evicting`, on_evict), which closes it
 * on its next turn. If a request has meanwhile started being handled on it
 * (conn_busy), the eviction is called off and the cap may be over by that
 * connection until one closes. Pausing (update_pause) is decided under
 * `mu` and carried out by each loop on its own listener (on_repause).
 * With the ACS on, the listener has one loop: a CWMP session spans
 * requests on several connections and its table (srv_acs_session.h), the
 * Digest nonces and the Connection Requests are the loop thread's.
 *
 * Connections: every connection's bufferevent comes from make_bev (evhttp's
 * bevcb): a socket or OpenSSL bufferevent under a pass-through filter whose
 * free callback tells us the connection is gone. That is how open
 * connections are counted (evhttp 2.1 has no limit of its own); the input
 * side of the filter sees every byte of a request arrive (for TLS: after the
 * handshake), which is how progress is known.
 *
 * Slow clients (admit, on_deadline, evict): a connection is admitted on the
 * loop turn it was accepted in, once evhttp gave it its socket: its source
 * address is known then. From then on it is in one of four states:
 * handshake (TLS, until the first byte of a request), request (its bytes
 * arriving: the request deadline runs from the first one -- for plain HTTP
 * from the accept), busy (a handler took the request; its answer is being
 * made or written, however long a bundle takes), idle (kept alive between
 * two requests: http_timeout). All but busy are "waiting", in one list in
 * the order they started waiting. Over the per-source cap, the source's
 * connection waiting longest is evicted; over the global cap, the one
 * waiting longest of all: a new connection is never refused while some
 * connection waits, and slow ones cannot hold the listener. Only when every
 * connection is busy do the listening sockets pause (the kernel's backlogs
 * hold new ones) until one closes or starts waiting. Eviction frees the
 * evhttp connection (evhttp_connection_free, with the evhttp connection
 * found as the filter's callback argument) -- never one whose request a
 * slot holds. evhttp takes the
 * filter's write callback for "the answer is written", but the filter runs
 * it as soon as it has moved bytes down, not once they reached the kernel:
 * evhttp would then free a closing connection (Connection: close, HTTP/1.0)
 * and shut the socket down with the answer still in the bufferevent below,
 * or -- when the answer left before evhttp set its completion -- never read
 * a kept-alive connection (a CWMP session) again. So answers are moved down
 * by us (output_added, move_down) and evhttp is told only once the
 * bufferevent below has written them all (under_written, answer_out).
 *
 * Requests: checked on the loop thread (path, method, type, size), copied
 * into a free slot with what the channel proved (the client certificate),
 * and pushed to the verify lane; the request object waits in the slot.
 * Workers give finished slots back through the `done` of the loop the
 * slot names (via) and make its `wake` active; that loop's thread answers
 * them and returns them to the pool. A client that
 * closed meanwhile costs nothing: evhttp keeps a request the user has not
 * answered and frees it when the answer finds no connection.
 *
 * ACS (issue 4): /cwmp and /bundles/ are answered on the loop thread itself
 * (srv_acs_session, srv_bundle) with the listener's own store connection;
 * a bundle goes out as a libevent file segment (mapped, not copied). The
 * client is its certificate's device or, with [acs] http_auth, the one its
 * Authorization header proves (acs_identity, srv_acs_login); Connection
 * Requests go out from the same loop (srv_acs_connreq).
 *
 * TLS reload (https_reload, on_swap): the main thread builds a complete new
 * context from the [https] files (srv_tls_server_ctx, the same checks as at
 * start), leaves a reference in every loop's `next` and makes its `swap`
 * active; each loop thread puts it in place of its `tls` between two
 * callbacks, so make_bev (SSL_new) never sees a context change under it,
 * and says so (next_cv). The main thread waits for all of them (at most
 * SWAP_WAIT_S: the loops' callbacks are bounded), so once "SIGHUP: reloaded" is logged every connection accepted
 * gets the new context. Open connections keep the old one (SSL_new took a
 * reference); it goes when the last of them does. The ACS and bundle
 * downloads use the connections as they are and are not touched.
 */
#include <inttypes.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <netinet/in.h>
#include <stdio.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/queue.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>
#include <event2/thread.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "cwmp.h"
#include "log.h"
#include "mayday/kek.h"
#include "srv_acs_connreq.h"
#include "srv_acs_login.h"
#include "srv_acs_session.h"
#include "srv_bundle.h"
#include "srv_busy.h"
#include "srv_http.h"
#include "srv_ingest.h"
#include "srv_tls.h"

#define LISTEN_BACKLOG 1024
/* evhttp itself cuts bodies above this many times max_body (closing the
 * connection); between max_body and that, on_distress answers 413. */
#define BODY_READ_FACTOR 4
/* Slowest download a bundle is given time for: 64 KiB/s (a 256 MiB image:
 * 68 min plus http_timeout). */
#define BUNDLE_MIN_RATE (64u * 1024u)
/* How long a reload waits for the loop thread to take the new context. */
#define SWAP_WAIT_S 10

struct conn;
TAILQ_HEAD(conn_list, conn);
LIST_HEAD(conn_bucket, conn);
struct http;

/* One event loop: its thread, event base, evhttp and listening socket.
 * Everything here is its thread's unless said otherwise. */
struct loop {
	struct srv_listener base;   /* first: what its slots name (via); only finish */
	struct http *h;
	struct event_base *evb;
	struct evhttp *http;
	struct evconnlistener *lev;
	struct event *wake, *halt, *swap, *repause, *evict_ev;
	struct srv_queue done;      /* finished slots for this loop to answer */
	SSL_CTX *tls;               /* new connections' (NULL: plain) */
	SSL_CTX *next;              /* under h->next_mu: a reloaded context not yet in place */
	int paused;                 /* lev disabled (on_repause) */
	struct conn **by_fd;        /* admitted connections by socket */
	size_t by_fd_cap;
	struct conn_list evicting;  /* under h->mu: chosen to go, for this loop to close */
	struct srv_busy busy;       /* signed 503 answers: its share of the listener's */
	uint64_t admitted;          /* connections it served (logged at the end) */
	pthread_t thread;
	int started;
};

struct http {
	struct srv_listener base;   /* first: the public handle */
	struct loop *loops;
	unsigned n_loops;
	const struct srv_tls_files *files;   /* what the loops' tls is built from; NULL: plain */
	pthread_mutex_t next_mu;
	pthread_cond_t next_cv;     /* signalled when a loop's on_swap took its `next` */
	unsigned max_body, max_conns;
	unsigned timeout_s;         /* evhttp's idle / read / write timeout */
	struct timeval request_tv, handshake_tv;
	unsigned max_per_source;
	/* under mu: the slow-client bookkeeping of all loops (top of this file) */
	pthread_mutex_t mu;
	unsigned conns;             /* open connections */
	unsigned dying;             /* of them, chosen for eviction, not yet closed */
	int full;                   /* the listeners are to pause (update_pause) */
	int freeing;                /* evhttp_free is running: connections go, the listener too */
	struct conn_list waiting;   /* not busy, longest waiting first */
	struct conn_bucket *by_src; /* src_buckets lists, by source address */
	unsigned src_buckets;       /* a power of two */
	uint64_t evicted_cap, evicted_source, late_requests, late_handshakes;
	atomic_int stopping;
	/* ACS (one loop then), loop thread only; acs_tab NULL when off */
	const struct srv_acs_policy *acs;
	struct srv_acs_table *acs_tab;
	struct store *acs_st;
	char acs_base[SRV_ACS_BASE_MAX + 1];
	uint8_t acs_nonce_key[SRV_ACS_NONCE_KEY_LEN]; /* Digest nonces (srv_acs_login.h) */
	struct srv_acs_connreq *acs_cr;  /* NULL: no KEK, no Connection Requests */
	char *acs_out;                /* CWMP_ENVELOPE_MAX bytes */
	char *acs_in;                 /* CWMP_ENVELOPE_MAX bytes */
};

static struct log_limit lim_peer, lim_bev, lim_evict;

enum conn_state { C_NEW, C_HANDSHAKE, C_REQUEST, C_BUSY, C_IDLE, C_EVICTED };

/* One connection: the filter evhttp talks to and the socket or TLS
 * bufferevent under it (see the top of this file). Touched by its loop's
 * thread only, except the links and flags marked "mu" (read by other loops
 * choosing a victim); lives as long as the filter. */
struct conn {
	struct loop *lp;
	struct bufferevent *bev, *under;
	struct evbuffer_cb_entry *under_cb;
	int move_pending, out_pending;
	enum conn_state state;
	struct event *deadline;     /* handshake or request deadline */
	uint64_t since_ms;          /* mu: started waiting (accept, end of an answer) */
	int fd;                     /* -1 until admitted */
	uint8_t src[16];            /* source address (IPv4 mapped); set before in_src */
	int in_waiting, in_src;     /* mu */
	int going;                  /* mu: in lp->evicting (wait_link) */
	TAILQ_ENTRY(conn) wait_link; /* mu: in h->waiting or lp->evicting */
	LIST_ENTRY(conn) src_link;  /* mu */
};

static uint64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Under mu: the listeners are to pause exactly when the cap is reached and
 * no connection could be evicted for a new one; each loop whose listener
 * must change is told (on_repause). */
static void update_pause(struct http *h)
{
	int full = h->conns >= h->max_conns && TAILQ_EMPTY(&h->waiting);
	if (h->freeing || full == h->full)
		return;
	h->full = full;
	for (unsigned i = 0; i < h->n_loops; i++)
		if (h->loops[i].repause != NULL)
			event_active(h->loops[i].repause, EV_READ, 0);
}

/* Loop thread: its listener paused or not, as update_pause decided. */
static void on_repause(evutil_socket_t fd, short what, void *arg)
{
	struct loop *lp = arg;
	(void)fd;
	(void)what;
	pthread_mutex_lock(&lp->h->mu);
	int full = lp->h->full && !lp->h->freeing;
	pthread_mutex_unlock(&lp->h->mu);
	if (lp->lev == NULL)
		return;
	if (full && !lp->paused)
		evconnlistener_disable(lp->lev);
	else if (!full && lp->paused)
		evconnlistener_enable(lp->lev);
	lp->paused = full;
}

/* Under mu. */
static void wait_start(struct conn *c)
{
	c->since_ms = mono_ms();
	if (!c->in_waiting && !c->going)
		TAILQ_INSERT_TAIL(&c->lp->h->waiting, c, wait_link);
	c->in_waiting = !c->going;
}

/* Under mu: out of every list another loop may pick a victim from. */
static void out_of_running(struct conn *c)
{
	struct http *h = c->lp->h;
	if (c->in_waiting)
		TAILQ_REMOVE(&h->waiting, c, wait_link);
	c->in_waiting = 0;
	if (c->going) {
		TAILQ_REMOVE(&c->lp->evicting, c, wait_link);
		h->dying--;
	}
	c->going = 0;
	if (c->in_src)
		LIST_REMOVE(c, src_link);
	c->in_src = 0;
}

/* Under mu: c is to be closed by its own loop (on_evict), soon. */
static void condemn(struct conn *c)
{
	struct http *h = c->lp->h;
	out_of_running(c);
	TAILQ_INSERT_TAIL(&c->lp->evicting, c, wait_link);
	c->going = 1;
	h->dying++;
	event_active(c->lp->evict_ev, EV_READ, 0);
}

static void conn_gone(void *arg)
{
	struct conn *c = arg;
	struct loop *lp = c->lp;
	struct http *h = lp->h;
	if (c->under_cb != NULL)
		evbuffer_remove_cb_entry(bufferevent_get_output(c->under), c->under_cb);
	if (c->fd >= 0 && (size_t)c->fd < lp->by_fd_cap && lp->by_fd[c->fd] == c)
		lp->by_fd[c->fd] = NULL;
	if (c->deadline != NULL)
		event_free(c->deadline);
	pthread_mutex_lock(&h->mu);
	out_of_running(c);
	h->conns--;
	update_pause(h);
	pthread_mutex_unlock(&h->mu);
	free(c);
}

/* Its loop thread: closes a connection evhttp still holds, now (c is freed
 * with it). Never for a busy one: a slot may hold its request. */
static void evict(struct conn *c, const char *why)
{
	struct http *h = c->lp->h;
	void *arg = NULL;
	bufferevent_getcb(c->bev, NULL, NULL, NULL, &arg);
	struct evhttp_connection *evcon = arg;
	if (c->state == C_BUSY || c->state == C_EVICTED || evcon == NULL ||
	    evhttp_connection_get_bufferevent(evcon) != c->bev)
		return;   /* evhttp let it go already: it is closing */
	/* Out of the running at once: a pending event may keep c a while. */
	c->state = C_EVICTED;
	event_del(c->deadline);
	pthread_mutex_lock(&h->mu);
	out_of_running(c);
	pthread_mutex_unlock(&h->mu);
	srv_stats_add(&h->base.in->stats->http_evicted, 1);
	log_limited(&lim_evict, "%s: connection evicted: %s", h->base.name, why);
	evhttp_connection_free(evcon);
}

/* Loop thread: closes the connections chosen to go (condemn), one by one:
 * closing one runs conn_gone, which takes mu. */
static void on_evict(evutil_socket_t fd, short what, void *arg)
{
	struct loop *lp = arg;
	struct http *h = lp->h;
	(void)fd;
	(void)what;
	for (;;) {
		pthread_mutex_lock(&h->mu);
		struct conn *c = TAILQ_FIRST(&lp->evicting);
		if (c != NULL) {
			TAILQ_REMOVE(&lp->evicting, c, wait_link);
			c->going = 0;
			h->dying--;
		}
		pthread_mutex_unlock(&h->mu);
		if (c == NULL)
			return;
		evict(c, "over a connection cap (http_connections or http_connections_per_source)");
	}
}

static void on_deadline(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;
	struct http *h = c->lp->h;
	(void)fd;
	(void)what;
	if (c->state == C_HANDSHAKE) {
		pthread_mutex_lock(&h->mu);
		h->late_handshakes++;
		pthread_mutex_unlock(&h->mu);
		srv_stats_add(&h->base.in->stats->http_deadlines, 1);
		evict(c, "no request within tls_handshake_timeout_ms of the accept");
	} else if (c->state == C_REQUEST) {
		pthread_mutex_lock(&h->mu);
		h->late_requests++;
		pthread_mutex_unlock(&h->mu);
		srv_stats_add(&h->base.in->stats->http_deadlines, 1);
		evict(c, "request not complete within http_request_timeout_ms");
	}
}

/* A request starts arriving: its deadline runs from now. */
static void request_started(struct conn *c)
{
	c->state = C_REQUEST;
	event_add(c->deadline, &c->lp->h->request_tv);
}

/* The input side of the filter: moves everything up as it comes, and
 * notes that a request is on its way. */
static enum bufferevent_filter_result pass_input(struct evbuffer *src, struct evbuffer *dst,
						 ev_ssize_t limit,
						 enum bufferevent_flush_mode mode, void *ctx)
{
	struct conn *c = ctx;
	size_t n = evbuffer_get_length(src);
	(void)mode;
	if (limit >= 0 && (size_t)limit < n)
		n = (size_t)limit;
	if (n > 0 && (c->state == C_HANDSHAKE || c->state == C_IDLE))
		request_started(c);
	evbuffer_remove_buffer(src, dst, n);
	return BEV_OK;
}

static struct conn_bucket *bucket_of(struct http *h, const uint8_t src[16])
{
	uint32_t x = 2166136261u;   /* FNV-1a */
	for (int i = 0; i < 16; i++)
		x = (x ^ src[i]) * 16777619u;
	return &h->by_src[x & (h->src_buckets - 1)];
}

static int remember_fd(struct loop *lp, struct conn *c)
{
	if ((size_t)c->fd >= lp->by_fd_cap) {
		size_t cap = lp->by_fd_cap ? lp->by_fd_cap : 256;
		while (cap <= (size_t)c->fd)
			cap *= 2;
		struct conn **n = realloc(lp->by_fd, cap * sizeof(*n));
		if (n == NULL)
			return -1;
		memset(n + lp->by_fd_cap, 0, (cap - lp->by_fd_cap) * sizeof(*n));
		lp->by_fd = n;
		lp->by_fd_cap = cap;
	}
	lp->by_fd[c->fd] = c;
	return 0;
}

/* The connection a request came on; NULL if not (or no longer) admitted. */
static struct conn *conn_of(struct loop *lp, struct evhttp_request *req)
{
	struct evhttp_connection *evcon = evhttp_request_get_connection(req);
	struct bufferevent *bev = evcon ? evhttp_connection_get_bufferevent(evcon) : NULL;
	evutil_socket_t fd = bev ? bufferevent_getfd(bev) : -1;
	if (fd < 0 || (size_t)fd >= lp->by_fd_cap || lp->by_fd[fd] == NULL ||
	    lp->by_fd[fd]->bev != bev)
		return NULL;
	return lp->by_fd[fd];
}

/* A handler has the request: the connection is busy until its answer is
 * out (answer_out); an eviction not yet carried out is called off. */
static void conn_busy(struct loop *lp, struct evhttp_request *req)
{
	struct conn *c = conn_of(lp, req);
	if (c == NULL)
		return;
	c->state = C_BUSY;
	event_del(c->deadline);
	pthread_mutex_lock(&lp->h->mu);
	if (c->in_waiting)
		TAILQ_REMOVE(&lp->h->waiting, c, wait_link);
	c->in_waiting = 0;
	if (c->going) {
		/* The eviction is called off: back among its source's connections,
		 * which condemn() took it out of, so the per-source cap counts it. */
		TAILQ_REMOVE(&lp->evicting, c, wait_link);
		c->going = 0;
		lp->h->dying--;
		if (!c->in_src) {
			LIST_INSERT_HEAD(bucket_of(lp->h, c->src), c, src_link);
			c->in_src = 1;
		}
	}
	pthread_mutex_unlock(&lp->h->mu);
}

/* Admission, on the loop turn of the accept, once evhttp set the socket.
 * Victims (on any loop, this connection too) are condemned: their loops
 * close them on this or their next turn, before reading from them again. */
static void admit(evutil_socket_t fd_unused, short what, void *arg)
{
	struct conn *c = arg;
	struct loop *lp = c->lp;
	struct http *h = lp->h;
	struct bufferevent *bev = c->bev;
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	void *alive = NULL;
	(void)fd_unused;
	(void)what;
	bufferevent_getcb(bev, NULL, NULL, NULL, &alive);
	c->fd = (int)bufferevent_getfd(bev);
	memset(&ss, 0, sizeof(ss));
	if (alive == NULL || c->fd < 0 ||
	    getpeername(c->fd, (struct sockaddr *)&ss, &len) != 0 || remember_fd(lp, c) != 0) {
		c->fd = -1;
		c->state = C_IDLE;   /* evictable */
		evict(c, "no peer address");
		bufferevent_decref(bev);
		return;
	}
	lp->admitted++;
	memset(c->src, 0, sizeof(c->src));
	if (ss.ss_family == AF_INET6)
		memcpy(c->src, &((struct sockaddr_in6 *)&ss)->sin6_addr, 16);
	else if (ss.ss_family == AF_INET)
		memcpy(c->src + 12, &((struct sockaddr_in *)&ss)->sin_addr, 4);
	if (lp->tls != NULL) {
		c->state = C_HANDSHAKE;
		event_add(c->deadline, &h->handshake_tv);
	} else {
		request_started(c);   /* the first request's start is the connection's */
	}

	pthread_mutex_lock(&h->mu);
	struct conn_bucket *b = bucket_of(h, c->src);
	LIST_INSERT_HEAD(b, c, src_link);
	c->in_src = 1;
	wait_start(c);
	/* The source's own connection waiting longest, if over its cap. */
	unsigned same = 0;
	struct conn *x, *victim = NULL;
	LIST_FOREACH(x, b, src_link) {
		if (memcmp(x->src, c->src, 16) != 0)
			continue;
		same++;
		if (x->in_waiting && (victim == NULL || x->since_ms < victim->since_ms ||
				      (x->since_ms == victim->since_ms && victim == c)))
			victim = x;
	}
	int self = 0;
	if (same > h->max_per_source && victim != NULL) {
		h->evicted_source++;
		self = victim == c;
		condemn(victim);
	}
	/* Then the global cap: the longest waiting of all. */
	if (!self && h->conns - h->dying > h->max_conns &&
	    (victim = TAILQ_FIRST(&h->waiting)) != NULL) {
		h->evicted_cap++;
		condemn(victim);
	}
	update_pause(h);
	pthread_mutex_unlock(&h->mu);
	bufferevent_decref(bev);   /* may free the filter, and with it c */
}

/* Run fn(c) once the callback running now has returned (event_base_once
 * without a delay is made active at once: it runs on this loop turn,
 * before the loop polls the sockets again); the reference keeps the filter
 * (and c) until then, even if evhttp frees the connection meanwhile. */
static int later(struct conn *c, event_callback_fn fn)
{
	const struct timeval now = {0, 0};
	bufferevent_incref(c->bev);
	if (event_base_once(c->lp->evb, -1, EV_TIMEOUT, fn, c, &now) == 0)
		return 1;
	bufferevent_decref(c->bev);
	log_limited(&lim_bev, "%s: cannot schedule an event", c->lp->h->base.name);
	return 0;
}

/* evhttp queued an answer and enabled writing: move it down as it is. */
static void move_down(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;
	struct bufferevent *bev = c->bev;
	(void)fd;
	(void)what;
	c->move_pending = 0;
	if (bufferevent_get_enabled(bev) & EV_WRITE)
		evbuffer_add_buffer(bufferevent_get_output(c->under), bufferevent_get_output(bev));
	bufferevent_decref(bev);   /* may free the filter, and with it c */
}

/* The answer is in the kernel: now evhttp may learn it is out. */
static void answer_out(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;
	struct bufferevent *bev = c->bev;
	struct http *h = c->lp->h;
	(void)fd;
	(void)what;
	c->out_pending = 0;
	if ((bufferevent_get_enabled(bev) & EV_WRITE) &&
	    evbuffer_get_length(bufferevent_get_output(bev)) == 0 &&
	    evbuffer_get_length(bufferevent_get_output(c->under)) == 0) {
		/* A bundle stretched the timeouts (on_bundle); the connection
		 * idles with http_timeout again. */
		const struct timeval tv = {(time_t)h->timeout_s, 0};
		bufferevent_set_timeouts(bev, &tv, &tv);
		if (c->state == C_BUSY) {
			/* Kept alive: it waits for the next request (evhttp
			 * frees it here instead if the answer closes it). */
			c->state = C_IDLE;
			pthread_mutex_lock(&h->mu);
			wait_start(c);
			update_pause(h);
			pthread_mutex_unlock(&h->mu);
			if (evbuffer_get_length(bufferevent_get_input(bev)) > 0 ||
			    evbuffer_get_length(bufferevent_get_input(c->under)) > 0)
				request_started(c);
		}
		bufferevent_trigger(bev, EV_WRITE, 0);
	}
	bufferevent_decref(bev);
}

/* The filter's own output path, which moves nothing: with writing on it
 * would move bytes at once and run evhttp's write callback there and then
 * -- for a "100 Continue" evhttp queues with writing on, that completed the
 * previous answer a second time and freed the request being read. Only
 * move_down moves output, and only answer_out says it is written. */
static enum bufferevent_filter_result hold_output(struct evbuffer *src, struct evbuffer *dst,
						  ev_ssize_t limit,
						  enum bufferevent_flush_mode mode, void *ctx)
{
	(void)src;
	(void)dst;
	(void)limit;
	(void)mode;
	(void)ctx;
	return BEV_NEED_MORE;
}

/* Additions to the filter's output -- an answer: evhttp queues it with
 * writing off, then enables writing -- are moved down from the next loop
 * turn, once per burst, by us rather than by the filter: the filter
 * would run its write callback as soon as the bytes are moved, and evhttp
 * takes that as "written" (it then frees a closing connection, shutting
 * the socket down with the answer still in the bufferevent below). */
static void output_added(struct evbuffer *buf, const struct evbuffer_cb_info *info, void *arg)
{
	struct conn *c = arg;
	(void)buf;
	if (info->n_added == 0 || c->move_pending)
		return;
	c->move_pending = later(c, move_down);
}

/* Bytes left the bufferevent under the filter for the kernel; once all of
 * an answer is written evhttp is told (answer_out). */
static void under_written(struct evbuffer *buf, const struct evbuffer_cb_info *info, void *arg)
{
	struct conn *c = arg;
	if (info->n_deleted == 0)
		return;
	if (evbuffer_get_length(buf) == 0 && !c->out_pending)
		c->out_pending = later(c, answer_out);
}

static struct bufferevent *make_bev(struct event_base *evb, void *arg)
{
	struct loop *lp = arg;
	struct http *h = lp->h;
	struct bufferevent *under = NULL, *bev;
	if (lp->tls != NULL) {
		SSL *ssl = SSL_new(lp->tls);
		if (ssl != NULL)
			under = bufferevent_openssl_socket_new(evb, -1, ssl, BUFFEREVENT_SSL_ACCEPTING,
								BEV_OPT_CLOSE_ON_FREE);
		if (under == NULL)
			SSL_free(ssl);
		else
			bufferevent_openssl_set_allow_dirty_shutdown(under, 1);
	} else {
		under = bufferevent_socket_new(evb, -1, BEV_OPT_CLOSE_ON_FREE);
	}
	if (under == NULL) {
		/* evhttp then makes a plain bufferevent itself; on the https
		 * listener such a connection finds no certificate and gets 403. */
		log_limited(&lim_bev, "%s: cannot create a connection buffer", h->base.name);
		return NULL;
	}
	struct conn *c = calloc(1, sizeof(*c));
	struct event *deadline = c != NULL ? evtimer_new(evb, on_deadline, c) : NULL;
	bev = deadline != NULL ? bufferevent_filter_new(under, pass_input, hold_output,
							BEV_OPT_CLOSE_ON_FREE, conn_gone, c)
			       : NULL;
	if (bev == NULL) {
		if (deadline != NULL)
			event_free(deadline);
		free(c);
		bufferevent_free(under);
		return NULL;
	}
	*c = (struct conn){.lp = lp, .bev = bev, .under = under, .deadline = deadline, .fd = -1};
	pthread_mutex_lock(&h->mu);
	h->conns++;              /* conn_gone counts it out */
	pthread_mutex_unlock(&h->mu);
	c->under_cb = evbuffer_add_cb(bufferevent_get_output(under), under_written, c);
	if (c->under_cb == NULL ||
	    evbuffer_add_cb(bufferevent_get_output(bev), output_added, c) == NULL) {
		bufferevent_free(bev);
		return NULL;
	}
	/* evhttp sets the socket once we return; admit runs right after, on
	 * this loop turn, before any byte can be read (conn_busy relies on
	 * that: a handler never sees a connection not yet admitted). */
	if (!later(c, admit)) {
		bufferevent_free(bev);
		return NULL;
	}
	return bev;
}

static void reply(struct evhttp_request *req, int code, const char *reason, const char *text,
		  int retry)
{
	struct evkeyvalq *hdr = evhttp_request_get_output_headers(req);
	struct evbuffer *body = evbuffer_new();
	evhttp_add_header(hdr, "Content-Type", "text/plain; charset=us-ascii");
	evhttp_add_header(hdr, "Cache-Control", "no-store");
	if (retry)
		evhttp_add_header(hdr, "Retry-After", SRV_HTTP_RETRY_AFTER);
	if (body != NULL)
		evbuffer_add_printf(body, "%s\n", text);
	evhttp_send_reply(req, code, reason, body);
	evbuffer_free(body);
}

/* No free slot: 503 + Retry-After for plain clients, and for a device the
 * signed RETRY_AFTER ack echoing its indication when srv_busy allows (else
 * the plain text). */
static void busy_reply(struct loop *lp, struct evhttp_request *req, struct evbuffer *body,
		       size_t len)
{
	uint8_t ack[MAYDAY_ACK_MAX];
	size_t ack_len = 0;
	const uint8_t *msg = evbuffer_pullup(body, (ev_ssize_t)len);
	if (msg == NULL || srv_busy_answer(&lp->busy, msg, len, (int64_t)time(NULL), ack,
					   sizeof(ack), &ack_len) != MAYDAY_OK) {
		reply(req, 503, "Service Unavailable", "busy, retry later", 1);
		return;
	}
	struct evkeyvalq *hdr = evhttp_request_get_output_headers(req);
	struct evbuffer *out = evbuffer_new();
	evhttp_add_header(hdr, "Content-Type", SRV_HTTP_MEDIA_TYPE);
	evhttp_add_header(hdr, "Cache-Control", "no-store");
	evhttp_add_header(hdr, "Retry-After", SRV_HTTP_RETRY_AFTER);
	if (out != NULL)
		evbuffer_add(out, ack, ack_len);
	evhttp_send_reply(req, 503, "Service Unavailable", out);
	evbuffer_free(out);
}

static void refuse(struct http *h, struct evhttp_request *req, int code, const char *reason,
		   const char *text)
{
	srv_stats_add(&h->base.in->stats->http_refused, 1);
	reply(req, code, reason, text, 0);
}

/* "application/cose", any case, optionally followed by parameters. */
static int is_cose(const char *type)
{
	size_t n = strlen(SRV_HTTP_MEDIA_TYPE);
	if (type == NULL || strncasecmp(type, SRV_HTTP_MEDIA_TYPE, n) != 0)
		return 0;
	type += n;
	while (*type == ' ' || *type == '\t')
		type++;
	return *type == '\0' || *type == ';';
}

static void peer_of(struct evhttp_request *req, struct srv_slot *s)
{
	const struct sockaddr *sa = evhttp_connection_get_addr(evhttp_request_get_connection(req));
	memset(&s->peer, 0, sizeof(s->peer));
	if (sa != NULL && sa->sa_family == AF_INET)
		s->peer_len = sizeof(struct sockaddr_in);
	else if (sa != NULL && sa->sa_family == AF_INET6)
		s->peer_len = sizeof(struct sockaddr_in6);
	else
		return;
	memcpy(&s->peer, sa, s->peer_len);
}

/* The client certificate of the request's connection into the slot. */
static enum mayday_err channel_of(struct evhttp_request *req, struct srv_slot *s)
{
	struct bufferevent *bev = evhttp_connection_get_bufferevent(
		evhttp_request_get_connection(req));
	struct bufferevent *under = bev ? bufferevent_get_underlying(bev) : NULL;
	SSL *ssl = under ? bufferevent_openssl_get_ssl(under) : NULL;
	if (ssl == NULL)
		return MAYDAY_E_NOTFOUND;
	/* Normal code's certificate: it must never speak for the DCF. */
	if (srv_tls_peer_is_device_cert(ssl))
		return MAYDAY_E_DENIED;
	enum mayday_err err = srv_tls_peer(ssl, s->peer_identity, sizeof(s->peer_identity),
					   s->channel_id);
	if (err == MAYDAY_OK)
		s->channel = STORE_CHANNEL_MTLS;
	return err;
}

static void on_distress(struct evhttp_request *req, void *arg)
{
	struct loop *lp = arg;
	struct http *h = lp->h;
	const struct srv_intake *in = h->base.in;
	struct evbuffer *body = evhttp_request_get_input_buffer(req);
	size_t len = evbuffer_get_length(body);
	struct srv_slot *s = NULL;

	conn_busy(lp, req);
	if (evhttp_request_get_command(req) != EVHTTP_REQ_POST) {
		evhttp_add_header(evhttp_request_get_output_headers(req), "Allow", "POST");
		refuse(h, req, 405, "Method Not Allowed", "use POST");
		return;
	}
	if (!is_cose(evhttp_find_header(evhttp_request_get_input_headers(req), "Content-Type"))) {
		refuse(h, req, 415, "Unsupported Media Type", "Content-Type must be "
		       SRV_HTTP_MEDIA_TYPE);
		return;
	}
	if (len > h->max_body) {
		refuse(h, req, 413, "Payload Too Large", "indication too large");
		return;
	}
	if (len == 0) {
		refuse(h, req, 400, "Bad Request", "empty body");
		return;
	}
	if (atomic_load(&h->stopping) || srv_queue_pop(in->pool, &s, 1, 0, NULL) == 0) {
		srv_stats_add(&in->stats->http_busy, 1);
		busy_reply(lp, req, body, len);
		return;
	}
	srv_slot_reset(s, &lp->base, h->base.method);
	peer_of(req, s);
	if (lp->tls != NULL) {
		enum mayday_err err = channel_of(req, s);
		if (err != MAYDAY_OK) {
			char peer[STORE_PEER_MAX + 1];
			srv_ingest_peer_text(&s->peer, peer, sizeof(peer));
			log_limited(&lim_peer, "https request from %s: client certificate unusable "
				    "(%s): refused", peer, mayday_strerror(err));
			srv_queue_push(in->pool, 0, &s, 1);
			refuse(h, req, 403, "Forbidden", "client certificate unusable");
			return;
		}
	}
	s->len = (size_t)evbuffer_remove(body, s->buf, len);
	s->received_at = (int64_t)time(NULL);
	s->req = req;
	srv_stats_add(&in->stats->received, 1);
	srv_stats_add(&in->stats->received_by[h->base.method % SRV_STATS_METHODS], 1);
	srv_queue_push(in->work, SRV_LANE_VERIFY, &s, 1);
}

/* The device ID proven by the request's client certificate. */
static enum mayday_err identity_of(struct evhttp_request *req, char cn[MAYDAY_DEVICE_ID_MAX + 1])
{
	char subject[STORE_PEER_MAX + 1];
	struct bufferevent *bev = evhttp_connection_get_bufferevent(
		evhttp_request_get_connection(req));
	struct bufferevent *under = bev ? bufferevent_get_underlying(bev) : NULL;
	SSL *ssl = under ? bufferevent_openssl_get_ssl(under) : NULL;
	if (ssl == NULL)
		return MAYDAY_E_NOTFOUND;
	return srv_tls_peer(ssl, subject, sizeof(subject), cn);
}

/* The device a request to the ACS comes from: its client certificate's,
 * or with [acs] http_auth and no certificate, the one its Authorization
 * header proves (*how says how). Otherwise the request is answered here
 * (403, or 401 with the Digest challenges) and false returned. */
static bool acs_identity(struct http *h, struct evhttp_request *req,
			 char cn[MAYDAY_DEVICE_ID_MAX + 1], const char **how)
{
	char challenge[SRV_ACS_CHALLENGE_MAX + 1];
	struct evkeyvalq *hdr = evhttp_request_get_output_headers(req);
	int64_t now = (int64_t)time(NULL);
	enum mayday_err err = identity_of(req, cn);
	*how = NULL;
	if (err == MAYDAY_OK)
		return true;
	if (err != MAYDAY_E_NOTFOUND || !h->acs->http_auth) {
		refuse(h, req, 403, "Forbidden", "client certificate unusable");
		return false;
	}
	enum srv_acs_login rc = srv_acs_login(
		h->acs_st, h->acs_nonce_key, now,
		evhttp_request_get_command(req) == EVHTTP_REQ_GET ? "GET" : "POST",
		evhttp_request_get_uri(req),
		evhttp_find_header(evhttp_request_get_input_headers(req), "Authorization"), cn,
		how);
	if (rc == SRV_ACS_LOGIN_OK)
		return true;
	srv_acs_login_challenge(h->acs_nonce_key, now, SRV_ACS_SHA256,
				rc == SRV_ACS_LOGIN_STALE, challenge);
	evhttp_add_header(hdr, "WWW-Authenticate", challenge);
	srv_acs_login_challenge(h->acs_nonce_key, now, SRV_ACS_MD5, rc == SRV_ACS_LOGIN_STALE,
				challenge);
	evhttp_add_header(hdr, "WWW-Authenticate", challenge);
	reply(req, 401, "Unauthorized", "authentication required", 0);
	return false;
}

/* "text/xml", any case, optionally with parameters; an empty POST may have none. */
static int is_xml(const char *type, size_t len)
{
	static const char xml[] = "text/xml";
	if (type == NULL)
		return len == 0;
	if (strncasecmp(type, xml, sizeof(xml) - 1) != 0)
		return 0;
	type += sizeof(xml) - 1;
	while (*type == ' ' || *type == '\t')
		type++;
	return *type == '\0' || *type == ';';
}

static void on_cwmp(struct evhttp_request *req, void *arg)
{
	struct loop *lp = arg;
	struct http *h = lp->h;
	struct evbuffer *body = evhttp_request_get_input_buffer(req);
	struct evkeyvalq *hdr = evhttp_request_get_output_headers(req);
	size_t len = evbuffer_get_length(body);
	char cn[MAYDAY_DEVICE_ID_MAX + 1], cookie[SRV_ACS_SID_LEN + 64];
	struct srv_acs_reply r = {.body = h->acs_out, .cap = CWMP_ENVELOPE_MAX};
	const char *how = NULL;

	conn_busy(lp, req);
	if (evhttp_request_get_command(req) != EVHTTP_REQ_POST) {
		evhttp_add_header(hdr, "Allow", "POST");
		refuse(h, req, 405, "Method Not Allowed", "use POST");
		return;
	}
	if (!acs_identity(h, req, cn, &how))
		return;
	if (len > CWMP_ENVELOPE_MAX) {
		refuse(h, req, 413, "Payload Too Large", "envelope too large");
		return;
	}
	if (!is_xml(evhttp_find_header(evhttp_request_get_input_headers(req), "Content-Type"),
		    len)) {
		refuse(h, req, 415, "Unsupported Media Type", "Content-Type must be text/xml");
		return;
	}
	len = (size_t)evbuffer_remove(body, h->acs_in, len);
	const struct srv_acs_env env = {.st = h->acs_st, .pol = h->acs, .base = h->acs_base,
					.auth = how, .now = (int64_t)time(NULL)};
	enum mayday_err err = srv_acs_post(h->acs_tab, &env, cn,
					   evhttp_find_header(evhttp_request_get_input_headers(req),
							      "Cookie"),
					   h->acs_in, len, &r);
	if (err == MAYDAY_E_TOOBIG) {
		reply(req, 503, "Service Unavailable", "too many CWMP sessions, retry later", 1);
		return;
	}
	if (err != MAYDAY_OK) {
		reply(req, 500, "Internal Server Error", "ACS error", 0);
		return;
	}
	if (r.cookie[0]) {
		snprintf(cookie, sizeof(cookie), SRV_ACS_COOKIE "=%s; Path=/; Secure; HttpOnly",
			 r.cookie);
		evhttp_add_header(hdr, "Set-Cookie", cookie);
	}
	evhttp_add_header(hdr, "Cache-Control", "no-store");
	if (r.status == 204) {
		evhttp_send_reply(req, 204, "No Content", NULL);
		return;
	}
	struct evbuffer *out = evbuffer_new();
	if (out == NULL || evbuffer_add(out, r.body, r.len) != 0) {
		if (out != NULL)
			evbuffer_free(out);
		reply(req, 500, "Internal Server Error", "out of memory", 0);
		return;
	}
	evhttp_add_header(hdr, "Content-Type", "text/xml; charset=\"utf-8\"");
	evhttp_send_reply(req, 200, "OK", out);
	evbuffer_free(out);
}

static void on_bundle(struct http *h, struct evhttp_request *req, const char *token)
{
	struct evkeyvalq *hdr = evhttp_request_get_output_headers(req);
	enum evhttp_cmd_type cmd = evhttp_request_get_command(req);
	char cn[MAYDAY_DEVICE_ID_MAX + 1], len_text[24];
	uint64_t size = 0;
	int fd = -1;

	if (cmd != EVHTTP_REQ_GET) {
		evhttp_add_header(hdr, "Allow", "GET");
		refuse(h, req, 405, "Method Not Allowed", "use GET");
		return;
	}
	const char *how = NULL;
	if (!acs_identity(h, req, cn, &how))
		return;
	enum mayday_err err = srv_bundle_open(h->acs_st, token, cn, &fd, &size);
	if (err == MAYDAY_E_MISMATCH) {
		log_limited(&lim_peer, "bundle token of another device asked for by %s", cn);
		refuse(h, req, 403, "Forbidden", "not your download");
		return;
	}
	if (err == MAYDAY_E_NOTFOUND) {
		refuse(h, req, 404, "Not Found", "no such download");
		return;
	}
	struct evbuffer *out = err == MAYDAY_OK ? evbuffer_new() : NULL;
	/* The segment owns fd from here; the buffer takes its own reference. */
	struct evbuffer_file_segment *seg =
		out != NULL ? evbuffer_file_segment_new(fd, 0, (ev_off_t)size,
							EVBUF_FS_CLOSE_ON_FREE) : NULL;
	if (seg == NULL && fd >= 0)
		close(fd);
	int added = seg != NULL && evbuffer_add_file_segment(out, seg, 0, (ev_off_t)size) == 0;
	if (seg != NULL)
		evbuffer_file_segment_free(seg);
	if (!added) {
		if (err == MAYDAY_OK)
			err = MAYDAY_E_NOMEM;
		if (out != NULL)
			evbuffer_free(out);
		log_warnx("bundle for %s: %s", cn, mayday_strerror(err));
		reply(req, 500, "Internal Server Error", "bundle unavailable", 0);
		return;
	}
	/* The answer is one file segment that leaves evhttp's hands at once:
	 * the connection's timeout (evhttp's, http_timeout) is stretched for
	 * the download to take as long as BUNDLE_MIN_RATE allows. */
	struct evhttp_connection *evcon = evhttp_request_get_connection(req);
	if (evcon != NULL)
		evhttp_connection_set_timeout(evcon,
					      (int)(h->timeout_s + size / BUNDLE_MIN_RATE));
	log_info("bundle: %" PRIu64 " bytes to %s", size, cn);
	snprintf(len_text, sizeof(len_text), "%" PRIu64, size);
	evhttp_add_header(hdr, "Content-Type", "application/octet-stream");
	evhttp_add_header(hdr, "Content-Length", len_text);
	evhttp_add_header(hdr, "Cache-Control", "no-store");
	evhttp_send_reply(req, 200, "OK", out);
	evbuffer_free(out);
}

static void on_other(struct evhttp_request *req, void *arg)
{
	struct loop *lp = arg;
	struct http *h = lp->h;
	const char *uri = evhttp_request_get_uri(req);
	const size_t n = strlen(SRV_ACS_BUNDLES_PATH);
	conn_busy(lp, req);
	if (h->acs_tab != NULL && uri != NULL && strncmp(uri, SRV_ACS_BUNDLES_PATH, n) == 0) {
		on_bundle(h, req, uri + n);
		return;
	}
	refuse(h, req, 404, "Not Found", "the distress endpoint is POST " SRV_HTTP_PATH);
}

/* Loop thread: the answer to one finished slot. */
static void answer(struct http *h, struct srv_slot *s)
{
	struct evhttp_request *req = s->req;
	s->req = NULL;
	if (s->committed && s->ack_len > 0) {
		struct evbuffer *body = evbuffer_new();
		if (body != NULL && evbuffer_add(body, s->ack, s->ack_len) == 0) {
			evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type",
					  SRV_HTTP_MEDIA_TYPE);
			evhttp_send_reply(req, 200, "OK", body);
			srv_stats_add(&h->base.in->stats->acks_sent, 1);
		} else {
			srv_stats_add(&h->base.in->stats->ack_errors, 1);
			reply(req, 500, "Internal Server Error", "out of memory", 0);
		}
		evbuffer_free(body);
		return;
	}
	switch (s->verdict) {
	case SRV_DROP_OVERSIZED:
		reply(req, 413, "Payload Too Large", "indication too large", 0);
		break;
	case SRV_DROP_LIMITED:
		reply(req, 429, "Too Many Requests", "unverified indications over the rate limit", 1);
		break;
	case SRV_DROP_BUSY:
		reply(req, 503, "Service Unavailable", "busy, retry later", 1);
		break;
	case SRV_DROP_IDENTITY:
		reply(req, 403, "Forbidden", "the client certificate is not the indication's device",
		      0);
		break;
	case SRV_STORE:
		/* Verified but not committed (store error), or the ack failed. */
		if (s->committed)
			reply(req, 500, "Internal Server Error", "cannot sign the acknowledgement", 0);
		else
			reply(req, 503, "Service Unavailable", "not stored, retry later", 1);
		break;
	default:
		reply(req, 400, "Bad Request", "not a well-formed signed indication", 0);
		break;
	}
}

static void on_wake(evutil_socket_t fd, short what, void *arg)
{
	struct loop *lp = arg;
	struct srv_slot *s[64];
	size_t n;
	(void)fd;
	(void)what;
	while ((n = srv_queue_pop(&lp->done, s, 64, 0, NULL)) > 0) {
		for (size_t i = 0; i < n; i++)
			answer(lp->h, s[i]);
		srv_queue_push(lp->h->base.in->pool, 0, s, n);
	}
}

/* Loop thread: the reloaded context in place of the one in force. */
static void on_swap(evutil_socket_t fd, short what, void *arg)
{
	struct loop *lp = arg;
	struct http *h = lp->h;
	(void)fd;
	(void)what;
	pthread_mutex_lock(&h->next_mu);
	SSL_CTX *ctx = lp->next;
	lp->next = NULL;
	if (ctx != NULL) {
		SSL_CTX *old = lp->tls;
		lp->tls = ctx;
		pthread_cond_broadcast(&h->next_cv);
		pthread_mutex_unlock(&h->next_mu);
		SSL_CTX_free(old);   /* open connections hold their own references */
		return;
	}
	pthread_mutex_unlock(&h->next_mu);
}

static void on_halt(evutil_socket_t fd, short what, void *arg)
{
	struct loop *lp = arg;
	(void)fd;
	(void)what;
	event_base_loopbreak(lp->evb);
}

static void *loop_main(void *arg)
{
	struct loop *lp = arg;
	event_base_dispatch(lp->evb);
	return NULL;
}

static void halt_loops(struct http *h)
{
	for (unsigned i = 0; h->loops != NULL && i < h->n_loops; i++) {
		struct loop *lp = &h->loops[i];
		if (!lp->started)
			continue;
		event_active(lp->halt, EV_READ, 0);
		pthread_join(lp->thread, NULL);
		lp->started = 0;
	}
}

static enum mayday_err http_start(struct srv_listener *l)
{
	struct http *h = (struct http *)l;
	for (unsigned i = 0; i < h->n_loops; i++) {
		struct loop *lp = &h->loops[i];
		if (pthread_create(&lp->thread, NULL, loop_main, lp) != 0) {
			halt_loops(h);
			return MAYDAY_E_INTERNAL;
		}
		lp->started = 1;
	}
	return MAYDAY_OK;
}

static void http_stop(struct srv_listener *l)
{
	struct http *h = (struct http *)l;
	atomic_store(&h->stopping, 1);   /* new requests: 503; answers still go out */
}

/* Slots name the loop that took their request (via = &loop->base): each
 * goes back to it. */
static void loop_finish(struct srv_listener *l, struct srv_slot **s, size_t n)
{
	struct loop *lp = (struct loop *)l;
	srv_queue_push(&lp->done, 0, s, n);
	event_active(lp->wake, EV_READ, 0);
}

static void http_finish(struct srv_listener *l, struct srv_slot **s, size_t n)
{
	struct http *h = (struct http *)l;
	loop_finish(&h->loops[0].base, s, n);   /* not reached: slots name their loop */
}

static const struct srv_listener_ops loop_ops = {
	.finish = loop_finish,
};

/* Main thread: a new context from the files, handed to every loop (each
 * takes a reference); returns once all took it, or SWAP_WAIT_S passed. */
static enum mayday_err https_reload(struct srv_listener *l, char *why, size_t why_cap)
{
	struct http *h = (struct http *)l;
	const struct srv_tls_files *f = h->files;
	SSL_CTX *ctx = NULL;
	char desc[400];
	enum mayday_err err = srv_tls_server_ctx(f, &ctx, why, why_cap);
	if (err != MAYDAY_OK)
		return err;   /* the context in force stays */
	srv_tls_describe(ctx, desc, sizeof(desc));
	int started = 0;
	for (unsigned i = 0; i < h->n_loops; i++) {
		struct loop *lp = &h->loops[i];
		SSL_CTX_up_ref(ctx);
		pthread_mutex_lock(&h->next_mu);
		SSL_CTX *unused = lp->next;   /* one the loop has not taken yet */
		lp->next = ctx;
		pthread_mutex_unlock(&h->next_mu);
		SSL_CTX_free(unused);
		if (lp->started) {
			started = 1;
			event_active(lp->swap, EV_READ, 0);
		} else {
			on_swap(-1, 0, lp);   /* no loop thread yet: this thread owns tls */
		}
	}
	int pending = 0;
	if (started) {
		struct timespec until;
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_sec += SWAP_WAIT_S;
		pthread_mutex_lock(&h->next_mu);
		for (unsigned i = 0; i < h->n_loops; i++)
			while (h->loops[i].next == ctx &&
			       pthread_cond_timedwait(&h->next_cv, &h->next_mu, &until) == 0)
				;
		for (unsigned i = 0; i < h->n_loops; i++)
			pending |= h->loops[i].next == ctx;   /* a loop takes it later */
		pthread_mutex_unlock(&h->next_mu);
	}
	SSL_CTX_free(ctx);   /* the loops hold theirs */
	snprintf(why, why_cap, "[https] cert %s (%s), key %s, ca %s%s%s%s", f->cert, desc, f->key,
		 f->ca, f->crl != NULL && f->crl[0] ? ", crl " : "",
		 f->crl != NULL ? f->crl : "",
		 pending ? " (not yet in force: a listener thread is busy)" : "");
	return MAYDAY_OK;
}

/* Loop threads joined: frees what the loop holds (evhttp_free closes its
 * listening socket and its connections). */
static void loop_fini(struct loop *lp)
{
	if (lp->http != NULL)
		evhttp_free(lp->http);
	if (lp->wake != NULL)
		event_free(lp->wake);
	if (lp->halt != NULL)
		event_free(lp->halt);
	if (lp->swap != NULL)
		event_free(lp->swap);
	if (lp->repause != NULL)
		event_free(lp->repause);
	if (lp->evict_ev != NULL)
		event_free(lp->evict_ev);
	lp->wake = lp->halt = lp->swap = lp->repause = lp->evict_ev = NULL;
}

static void http_destroy(struct srv_listener *l)
{
	struct http *h = (struct http *)l;
	if (h == NULL)
		return;
	int was_started = h->loops != NULL && h->loops[0].started;
	halt_loops(h);
	pthread_mutex_lock(&h->mu);
	h->freeing = 1;
	pthread_mutex_unlock(&h->mu);
	if (was_started || h->evicted_cap + h->evicted_source + h->late_requests + h->late_handshakes)
		log_info("%s: connections evicted: %llu at the cap, %llu over the per-source cap; "
			 "deadlines missed: %llu requests, %llu handshakes", h->base.name,
			 (unsigned long long)h->evicted_cap, (unsigned long long)h->evicted_source,
			 (unsigned long long)h->late_requests, (unsigned long long)h->late_handshakes);
	if (was_started) {
		char per[SRV_HTTP_THREADS_MAX * 22 + 1];
		size_t at = 0;
		per[0] = '\0';
		for (unsigned i = 0; i < h->n_loops && at < sizeof(per); i++)
			at += (size_t)snprintf(per + at, sizeof(per) - at, " %llu",
					       (unsigned long long)h->loops[i].admitted);
		log_info("%s: connections per loop thread:%s", h->base.name, per);
	}
	for (unsigned i = 0; h->loops != NULL && i < h->n_loops; i++)
		loop_fini(&h->loops[i]);
	srv_acs_connreq_free(h->acs_cr);   /* its events and connections are loop 0's */
	for (unsigned i = 0; h->loops != NULL && i < h->n_loops; i++) {
		struct loop *lp = &h->loops[i];
		if (lp->evb != NULL)
			event_base_free(lp->evb);
		SSL_CTX_free(lp->tls);
		SSL_CTX_free(lp->next);
		srv_queue_fini(&lp->done);
		srv_busy_fini(&lp->busy);
		free(lp->by_fd);
	}
	free(h->loops);
	pthread_cond_destroy(&h->next_cv);
	pthread_mutex_destroy(&h->next_mu);
	pthread_mutex_destroy(&h->mu);
	srv_acs_table_free(h->acs_tab);
	store_close(h->acs_st);
	free(h->acs_out);
	free(h->acs_in);
	free(h->by_src);
	free(h);
}

static const struct srv_listener_ops http_ops = {
	.start = http_start,
	.stop = http_stop,
	.finish = http_finish,
	.destroy = http_destroy,
};

static const struct srv_listener_ops https_ops = {
	.start = http_start,
	.stop = http_stop,
	.finish = http_finish,
	.destroy = http_destroy,
	.reload = https_reload,
};

/* The reuseport group's choice of a loop for a new connection (top of this
 * file): (((source port ^ key) * 0x9E3779B1) mod 2^32 >> 16) mod n, the
 * port read
 * behind the IPv4 header (its length from IHL) or the fixed IPv6 header.
 * The program runs on the SYN with the packet's data at the TCP payload, so
 * the headers are reached from the network header (SKF_NET_OFF). */
static int steer_by_port(int fd, unsigned n, uint16_t key)
{
	struct sock_filter code[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, (uint32_t)(SKF_AD_OFF + SKF_AD_PROTOCOL)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ETH_P_IPV6, 0, 2),
		BPF_STMT(BPF_LD | BPF_H | BPF_ABS, (uint32_t)(SKF_NET_OFF + 40)),
		BPF_JUMP(BPF_JMP | BPF_JA, 2, 0, 0),
		BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, (uint32_t)SKF_NET_OFF),
		BPF_STMT(BPF_LD | BPF_H | BPF_IND, (uint32_t)SKF_NET_OFF),
		BPF_STMT(BPF_ALU | BPF_XOR | BPF_K, key),
		BPF_STMT(BPF_ALU | BPF_MUL | BPF_K, 0x9E3779B1u),
		BPF_STMT(BPF_ALU | BPF_RSH | BPF_K, 16),
		BPF_STMT(BPF_ALU | BPF_MOD | BPF_K, n),
		BPF_STMT(BPF_RET | BPF_A, 0),
	};
	struct sock_fprog prog = {.len = sizeof(code) / sizeof(code[0]), .filter = code};
	return setsockopt(fd, SOL_SOCKET, SO_ATTACH_REUSEPORT_CBPF, &prog, sizeof(prog));
}

/* A listening TCP socket on addr (SO_REUSEPORT with `shared`); `bound`, if
 * not NULL, gets its address with the port resolved and `got` the address
 * itself, for the group's other sockets to bind. */
static enum mayday_err listen_on(const struct srv_addr *addr, const struct sockaddr *sa,
				 socklen_t sa_len, int shared, int *fd,
				 struct sockaddr_storage *got, char *bound, size_t cap)
{
	socklen_t got_len = sizeof(*got);
	int one = 1;
	int s = socket(addr->ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	*fd = -1;
	if (s < 0) {
		log_warn("tcp socket");
		return MAYDAY_E_IO;
	}
	(void)setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	/* Inherited by every accepted connection (Linux): a reply must not wait
	 * for Nagle and the peer's delayed ACK, which cost ~40 ms per POST. */
	(void)setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (addr->ss.ss_family == AF_INET6)
		(void)setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (shared && setsockopt(s, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) != 0) {
		log_warn("tcp SO_REUSEPORT %s", addr->text);
		close(s);
		return MAYDAY_E_IO;
	}
	if (bind(s, sa, sa_len) != 0 || listen(s, LISTEN_BACKLOG) != 0) {
		log_warn("tcp bind/listen %s", addr->text);
		close(s);
		return MAYDAY_E_IO;
	}
	memset(got, 0, sizeof(*got));
	if (getsockname(s, (struct sockaddr *)got, &got_len) != 0)
		memcpy(got, &addr->ss, addr->len);
	if (bound != NULL)
		srv_ingest_peer_text(got, bound, cap);
	*fd = s;
	return MAYDAY_OK;
}

static enum mayday_err acs_open(struct http *h, const struct srv_http_opts *o)
{
	enum mayday_err err = srv_acs_base(o->acs->acs_url, h->acs_base);
	if (err != MAYDAY_OK) {
		log_warnx("[acs] url %s: not https://HOST:PORT/cwmp", o->acs->acs_url);
		return err;
	}
	if ((err = store_open(&h->acs_st, o->db)) != MAYDAY_OK) {
		log_warnx("ACS store %s: %s", o->db, mayday_strerror(err));
		return err;
	}
	h->acs = o->acs;
	if (RAND_bytes(h->acs_nonce_key, (int)sizeof(h->acs_nonce_key)) != 1)
		return MAYDAY_E_INTERNAL;
	if (o->kek != NULL && o->kek[0] != '\0') {
		uint8_t kek[MAYDAY_KEK_LEN], key[SRV_ACS_CR_KEY_LEN];
		err = mayday_kek_load(o->kek, kek);
		if (err == MAYDAY_OK) {
			srv_acs_auth_cr_key(kek, sizeof(kek), key);
			err = srv_acs_connreq_new(&h->acs_cr, h->loops[0].evb, h->acs_st, key);
		}
		OPENSSL_cleanse(kek, sizeof(kek));
		OPENSSL_cleanse(key, sizeof(key));
		if (err != MAYDAY_OK) {
			log_warnx("[acs] Connection Requests: KEK %s: %s", o->kek,
				  mayday_strerror(err));
			return err;
		}
	}
	h->acs_out = malloc(CWMP_ENVELOPE_MAX);
	h->acs_in = malloc(CWMP_ENVELOPE_MAX);
	if (h->acs_out == NULL || h->acs_in == NULL)
		return MAYDAY_E_NOMEM;
	/* One session per connection at most: the connection limit bounds them. */
	return srv_acs_table_new(&h->acs_tab, o->max_connections, o->timeout_s);
}

/* Loop i's event base, evhttp and events (its socket: open_sockets). */
static enum mayday_err loop_open(struct http *h, struct loop *lp, const struct srv_http_opts *o,
				 size_t max_read, uint32_t busy_per_s)
{
	enum mayday_err err;
	lp->h = h;
	lp->base = (struct srv_listener){.ops = &loop_ops, .method = h->base.method,
					 .name = h->base.name, .in = h->base.in};
	TAILQ_INIT(&lp->evicting);
	if ((err = srv_queue_init(&lp->done, h->base.in->n_slots, 1)) != MAYDAY_OK)
		return err;
	if ((err = srv_busy_init(&lp->busy, o->busy_key, (uint32_t)atoi(SRV_HTTP_RETRY_AFTER),
				 busy_per_s)) != MAYDAY_OK)
		return err;
	/* Workers, the main thread and the other loops make events active on
	 * this base from their threads. */
	if ((lp->evb == NULL && (lp->evb = event_base_new()) == NULL) ||
	    (lp->http = evhttp_new(lp->evb)) == NULL ||
	    (lp->wake = event_new(lp->evb, -1, 0, on_wake, lp)) == NULL ||
	    (lp->halt = event_new(lp->evb, -1, 0, on_halt, lp)) == NULL ||
	    (lp->swap = event_new(lp->evb, -1, 0, on_swap, lp)) == NULL ||
	    (lp->repause = event_new(lp->evb, -1, 0, on_repause, lp)) == NULL ||
	    (lp->evict_ev = event_new(lp->evb, -1, 0, on_evict, lp)) == NULL)
		return MAYDAY_E_INTERNAL;
	evhttp_set_bevcb(lp->http, make_bev, lp);
	evhttp_set_max_body_size(lp->http, (ev_ssize_t)max_read);
	evhttp_set_max_headers_size(lp->http, (ev_ssize_t)o->max_header);
	evhttp_set_timeout(lp->http, (int)o->timeout_s);
	evhttp_set_allowed_methods(lp->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD |
						     EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
						     EVHTTP_REQ_OPTIONS | EVHTTP_REQ_PATCH);
	if (evhttp_set_cb(lp->http, SRV_HTTP_PATH, on_distress, lp) != 0)
		return MAYDAY_E_INTERNAL;
	if (h->acs_tab != NULL && evhttp_set_cb(lp->http, "/cwmp", on_cwmp, lp) != 0)
		return MAYDAY_E_INTERNAL;
	evhttp_set_gencb(lp->http, on_other, lp);
	return MAYDAY_OK;
}

/* A configured port someone listens on already: SO_REUSEPORT would let the
 * group join that socket's (if its owner is this user and set it too, e.g.
 * a second maydayd) instead of failing as one socket does. So a plain
 * socket tries first (SO_REUSEADDR: a restart's TIME_WAIT connections do not
 * count; a listener does). Port 0 needs none: the kernel picks a free one. */
static enum mayday_err port_free(const struct srv_addr *addr)
{
	const struct sockaddr_in *in4 = (const struct sockaddr_in *)&addr->ss;
	const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)&addr->ss;
	int one = 1;
	if ((addr->ss.ss_family == AF_INET6 ? in6->sin6_port : in4->sin_port) == 0)
		return MAYDAY_OK;
	int s = socket(addr->ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0) {
		log_warn("tcp socket");
		return MAYDAY_E_IO;
	}
	(void)setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (addr->ss.ss_family == AF_INET6)
		(void)setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(s, (const struct sockaddr *)&addr->ss, addr->len) != 0) {
		log_warn("tcp bind %s", addr->text);
		close(s);
		return MAYDAY_E_IO;
	}
	close(s);
	return MAYDAY_OK;
}

/* One listening socket per loop, the first on the configured address, the
 * others on the one it got (the port resolved), all in one reuseport group
 * steered by steer_by_port when there are several. */
static enum mayday_err open_sockets(struct http *h, const struct srv_http_opts *o)
{
	struct sockaddr_storage got;
	int shared = h->n_loops > 1;
	if (shared && port_free(o->addr) != MAYDAY_OK)
		return MAYDAY_E_IO;
	for (unsigned i = 0; i < h->n_loops; i++) {
		struct loop *lp = &h->loops[i];
		int fd = -1;
		enum mayday_err err =
			i == 0 ? listen_on(o->addr, (const struct sockaddr *)&o->addr->ss,
					   o->addr->len, shared, &fd, &got, h->base.bound,
					   sizeof(h->base.bound))
			       : listen_on(o->addr, (const struct sockaddr *)&got,
					   got.ss_family == AF_INET6 ? sizeof(struct sockaddr_in6)
								     : sizeof(struct sockaddr_in),
					   shared, &fd, &got, NULL, 0);
		if (err != MAYDAY_OK)
			return err;
		struct evhttp_bound_socket *bound = evhttp_accept_socket_with_handle(lp->http, fd);
		if (bound == NULL) {
			close(fd);
			return MAYDAY_E_INTERNAL;
		}
		lp->lev = evhttp_bound_socket_get_listener(bound);
		if (shared && i == h->n_loops - 1) {
			/* Keyed per start, so that a client choosing its source ports
			 * cannot put every handshake on one loop; logged, so that a
			 * test can still reach a loop of its choice. */
			uint16_t key = 0;
			if (getrandom(&key, sizeof(key), 0) != (ssize_t)sizeof(key))
				log_warn("%s: no random steering key", h->base.name);
			if (steer_by_port(fd, h->n_loops, key) != 0)
				log_warn("%s: cannot steer connections to loops by source port (the "
					 "kernel's hash chooses)", h->base.name);
			else
				log_info("%s: %u loop threads, steered by source port, key %u",
					 h->base.name, h->n_loops, (unsigned)key);
		}
	}
	return MAYDAY_OK;
}

enum mayday_err srv_http_open(struct srv_listener **out, const struct srv_http_opts *o,
			      const struct srv_intake *in)
{
	enum mayday_err err = MAYDAY_E_NOMEM;
	struct http *h = calloc(1, sizeof(*h));
	*out = NULL;
	if (h == NULL)
		return MAYDAY_E_NOMEM;
	pthread_condattr_t ca;
	int cv = pthread_condattr_init(&ca) == 0;
	if (!cv || pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) != 0 ||
	    pthread_cond_init(&h->next_cv, &ca) != 0) {
		if (cv)
			pthread_condattr_destroy(&ca);
		free(h);
		return MAYDAY_E_INTERNAL;
	}
	pthread_condattr_destroy(&ca);
	if (pthread_mutex_init(&h->next_mu, NULL) != 0) {
		pthread_cond_destroy(&h->next_cv);
		free(h);
		return MAYDAY_E_INTERNAL;
	}
	if (pthread_mutex_init(&h->mu, NULL) != 0) {
		pthread_mutex_destroy(&h->next_mu);
		pthread_cond_destroy(&h->next_cv);
		free(h);
		return MAYDAY_E_INTERNAL;
	}
	h->base = (struct srv_listener){.ops = o->tls != NULL ? &https_ops : &http_ops,
					.method = o->method, .name = o->name, .in = in};
	h->files = o->tls;
	int acs = o->tls != NULL && srv_acs_policy_on(o->acs);
	/* The ACS's sessions, nonces and Connection Requests are one thread's
	 * (top of this file). */
	h->n_loops = acs || o->threads == 0 ? 1 : o->threads;
	if (h->n_loops > SRV_HTTP_THREADS_MAX)
		h->n_loops = SRV_HTTP_THREADS_MAX;
	if (acs && o->threads > 1)
		log_info("%s: one loop thread, not %u: the ACS shares the listener", o->name,
			 o->threads);
	h->max_body = o->max_body;
	h->max_conns = o->max_connections;
	h->timeout_s = o->timeout_s;
	h->request_tv = (struct timeval){o->request_timeout_ms / 1000,
					 (o->request_timeout_ms % 1000) * 1000};
	h->handshake_tv = (struct timeval){o->handshake_timeout_ms / 1000,
					   (o->handshake_timeout_ms % 1000) * 1000};
	h->max_per_source = o->max_per_source;
	TAILQ_INIT(&h->waiting);
	for (h->src_buckets = 64; h->src_buckets < h->max_conns && h->src_buckets < (1u << 16);)
		h->src_buckets *= 2;
	h->by_src = calloc(h->src_buckets, sizeof(*h->by_src));
	h->loops = calloc(h->n_loops, sizeof(*h->loops));
	if (h->by_src == NULL || h->loops == NULL)
		goto fail;
	if (h->files != NULL) {
		char why[512];
		SSL_CTX *ctx = NULL;
		if ((err = srv_tls_server_ctx(h->files, &ctx, why, sizeof(why))) != MAYDAY_OK) {
			log_warnx("[%s]: %s", o->name, why);
			http_destroy(&h->base);
			return err;
		}
		for (unsigned i = 0; i < h->n_loops; i++) {
			if (i > 0)
				SSL_CTX_up_ref(ctx);
			h->loops[i].tls = ctx;   /* each loop holds a reference */
		}
	}
	err = MAYDAY_E_INTERNAL;
	if (evthread_use_pthreads() != 0)
		goto fail;
	/* The busy budget (SRV_BUSY_PER_S a second per listener) in equal
	 * shares: each loop signs with its own signer (srv_busy.h). */
	uint32_t busy_per_s = SRV_BUSY_PER_S / h->n_loops;
	size_t max_read = (size_t)o->max_body * BODY_READ_FACTOR;
	if (acs && max_read < CWMP_ENVELOPE_MAX * 2)
		max_read = CWMP_ENVELOPE_MAX * 2;   /* so on_cwmp sees oversized envelopes */
	for (unsigned i = 0; i < h->n_loops; i++) {
		if (i == 0 && acs) {
			/* acs_open needs loop 0's base (Connection Requests), and
			 * loop_open the table (the /cwmp route). */
			if ((h->loops[0].evb = event_base_new()) == NULL)
				goto fail;
			if ((err = acs_open(h, o)) != MAYDAY_OK)
				goto fail;
		}
		if ((err = loop_open(h, &h->loops[i], o, max_read, busy_per_s)) != MAYDAY_OK)
			goto fail;
	}
	if ((err = open_sockets(h, o)) != MAYDAY_OK)
		goto fail;
	*out = &h->base;
	return MAYDAY_OK;
fail:
	log_warnx("%s listener on %s: %s", o->name, o->addr->text, mayday_strerror(err));
	http_destroy(&h->base);
	return err;
}

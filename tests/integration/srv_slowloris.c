/* SPDX-License-Identifier: Apache-2.0 */
/*
 * srv_slowloris: slow clients against maydayd's HTTP(S) listeners on
 * 127.0.0.1, bounded in connections and time (loopback only).
 *
 *   srv_slowloris --port P --mode http|tls|mtls [--conns N] [--sources K]
 *                 [--interval-ms T] [--duration-ms D] [--no-reopen]
 *                 [--cert C.pem --key C.key --cacert CA.pem]   (mtls)
 *
 * Holds N connections (default 200) from K source addresses 127.0.0.2..
 * (default 8) and sends each one byte every T ms (default 200) for D ms
 * (default 5000, at most 60000), never completing anything:
 *   http  a POST's request line and then an endless header, byte by byte;
 *   tls   a TLS record header announcing a ClientHello, then its body byte
 *         by byte (the handshake never completes);
 *   mtls  a full TLS 1.3 handshake with the given client certificate, then
 *         the request as for http, inside TLS.
 * A connection the server closes is counted and, unless --no-reopen, opened
 * again (at most 20 a tick, so the attack goes on without becoming a
 * connection storm).
 *
 * Prints "opened=O closed_by_server=C open_at_end=E"; exit 0, 2 usage.
 */
#define _GNU_SOURCE   /* POLLRDHUP */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#define CONNS_MAX 2000
#define DURATION_MAX_MS 60000
#define REOPEN_PER_TICK 20

enum mode { M_HTTP, M_TLS, M_MTLS };

struct slot {
	int fd;
	SSL *ssl;
	size_t sent;          /* bytes of the payload sent */
};

static const char http_head[] = "POST /v1/distress HTTP/1.1\r\nHost: hems\r\n"
				"Content-Type: application/cose\r\nX-Slow: ";
/* A handshake record of 512 bytes, then a ClientHello's type and length. */
static const unsigned char tls_head[] = {0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc};

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Byte number i of the endless payload. */
static unsigned char payload(enum mode m, size_t i)
{
	if (m == M_TLS)
		return i < sizeof(tls_head) ? tls_head[i] : 0x03;
	return i < sizeof(http_head) - 1 ? (unsigned char)http_head[i] : 'a';
}

/* A TCP connection from 127.0.0.(2 + src) to 127.0.0.1:port, connected
 * within 1 s; -1 if not. */
static int dial(unsigned src, unsigned port)
{
	struct sockaddr_in from = {.sin_family = AF_INET,
				   .sin_addr.s_addr = htonl(0x7f000002u + src)};
	struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&from, sizeof(from)) != 0 ||
	    (connect(fd, (struct sockaddr *)&to, sizeof(to)) != 0 && errno != EINPROGRESS)) {
		close(fd);
		return -1;
	}
	struct pollfd p = {.fd = fd, .events = POLLOUT};
	int err = 0;
	socklen_t len = sizeof(err);
	if (poll(&p, 1, 1000) != 1 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 ||
	    err != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* The TLS handshake on a fresh connection, within 2 s. */
static SSL *handshake(SSL_CTX *ctx, int fd)
{
	SSL *ssl = SSL_new(ctx);
	uint64_t end = now_ms() + 2000;
	if (ssl == NULL || SSL_set_fd(ssl, fd) != 1) {
		SSL_free(ssl);
		return NULL;
	}
	for (;;) {
		int r = SSL_connect(ssl);
		if (r == 1)
			return ssl;
		int e = SSL_get_error(ssl, r);
		uint64_t now = now_ms();
		if ((e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) || now >= end)
			break;
		struct pollfd p = {.fd = fd, .events = e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT};
		(void)poll(&p, 1, (int)(end - now));
	}
	ERR_clear_error();
	SSL_free(ssl);
	return NULL;
}

static void drop(struct slot *s)
{
	SSL_free(s->ssl);
	if (s->fd >= 0)
		close(s->fd);
	*s = (struct slot){.fd = -1};
}

/* Did the server close it? Reads what is there (TLS: session tickets). */
static int closed_by_peer(struct slot *s)
{
	unsigned char buf[4096];
	struct pollfd p = {.fd = s->fd, .events = POLLIN | POLLRDHUP};
	if (poll(&p, 1, 0) != 1)
		return 0;
	if (p.revents & (POLLHUP | POLLERR | POLLRDHUP))
		return 1;
	if (s->ssl == NULL) {
		ssize_t n = recv(s->fd, buf, sizeof(buf), MSG_DONTWAIT);
		return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
	}
	int r = SSL_read(s->ssl, buf, sizeof(buf));
	if (r > 0)
		return 0;
	int e = SSL_get_error(s->ssl, r);
	ERR_clear_error();
	return e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE;
}

/* One more byte; 0 if the connection is gone. */
static int trickle(enum mode m, struct slot *s)
{
	unsigned char b = payload(m, s->sent);
	int ok;
	if (s->ssl != NULL) {
		int r = SSL_write(s->ssl, &b, 1);
		ok = r == 1 || SSL_get_error(s->ssl, r) == SSL_ERROR_WANT_WRITE;
		ERR_clear_error();
	} else {
		ssize_t n = send(s->fd, &b, 1, MSG_NOSIGNAL | MSG_DONTWAIT);
		ok = n == 1 || (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK));
	}
	s->sent++;
	return ok;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{"port", required_argument, NULL, 'p'}, {"mode", required_argument, NULL, 'm'},
		{"conns", required_argument, NULL, 'n'}, {"sources", required_argument, NULL, 's'},
		{"interval-ms", required_argument, NULL, 'i'},
		{"duration-ms", required_argument, NULL, 'd'},
		{"no-reopen", no_argument, NULL, 'R'}, {"cert", required_argument, NULL, 'c'},
		{"key", required_argument, NULL, 'k'}, {"cacert", required_argument, NULL, 'a'},
		{NULL, 0, NULL, 0},
	};
	unsigned port = 0, conns = 200, sources = 8, interval = 200, duration = 5000;
	const char *mode_text = NULL, *cert = NULL, *key = NULL, *cacert = NULL;
	int reopen = 1, c;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'p': port = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'm': mode_text = optarg; break;
		case 'n': conns = (unsigned)strtoul(optarg, NULL, 10); break;
		case 's': sources = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'i': interval = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'd': duration = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'R': reopen = 0; break;
		case 'c': cert = optarg; break;
		case 'k': key = optarg; break;
		case 'a': cacert = optarg; break;
		default: return 2;
		}
	}
	enum mode m = M_HTTP;
	if (mode_text != NULL && strcmp(mode_text, "tls") == 0)
		m = M_TLS;
	else if (mode_text != NULL && strcmp(mode_text, "mtls") == 0)
		m = M_MTLS;
	else if (mode_text == NULL || strcmp(mode_text, "http") != 0)
		port = 0;
	if (port == 0 || port > 65535 || conns == 0 || conns > CONNS_MAX || sources == 0 ||
	    sources > 200 || interval == 0 || duration > DURATION_MAX_MS ||
	    (m == M_MTLS && (cert == NULL || key == NULL || cacert == NULL))) {
		fprintf(stderr, "usage: srv_slowloris --port P --mode http|tls|mtls [--conns N] "
			"[--sources K] [--interval-ms T] [--duration-ms D] [--no-reopen] "
			"[--cert C --key K --cacert CA]\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	SSL_CTX *ctx = NULL;
	if (m == M_MTLS) {
		ctx = SSL_CTX_new(TLS_client_method());
		if (ctx == NULL || SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) != 1 ||
		    SSL_CTX_use_certificate_chain_file(ctx, cert) != 1 ||
		    SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1 ||
		    SSL_CTX_load_verify_locations(ctx, cacert, NULL) != 1) {
			fprintf(stderr, "srv_slowloris: client certificate unusable\n");
			return 1;
		}
		SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	}
	struct slot *s = calloc(conns, sizeof(*s));
	if (s == NULL)
		return 1;
	for (unsigned i = 0; i < conns; i++)
		s[i] = (struct slot){.fd = -1};
	unsigned long opened = 0, closed = 0;
	unsigned char *used = calloc(conns, 1);   /* opened once (for --no-reopen) */
	if (used == NULL)
		return 1;
	uint64_t start = now_ms();
	int first = 1;
	while (now_ms() - start < duration) {
		unsigned fresh = 0;
		for (unsigned i = 0; i < conns; i++) {
			if (s[i].fd >= 0) {
				if (closed_by_peer(&s[i]) || !trickle(m, &s[i])) {
					closed++;
					drop(&s[i]);
				}
				continue;
			}
			if ((used[i] && !reopen) || (!first && fresh >= REOPEN_PER_TICK))
				continue;
			int fd = dial(i % sources, port);
			if (fd < 0)
				continue;
			s[i].fd = fd;
			if (m == M_MTLS && (s[i].ssl = handshake(ctx, fd)) == NULL) {
				drop(&s[i]);
				continue;
			}
			used[i] = 1;
			opened++;
			fresh++;
			(void)trickle(m, &s[i]);
		}
		first = 0;
		struct timespec d = {interval / 1000, (long)(interval % 1000) * 1000000L};
		nanosleep(&d, NULL);
	}
	unsigned open_now = 0;
	for (unsigned i = 0; i < conns; i++) {
		if (s[i].fd >= 0 && closed_by_peer(&s[i]))
			closed++;
		else if (s[i].fd >= 0)
			open_now++;
		drop(&s[i]);
	}
	printf("opened=%lu closed_by_server=%lu open_at_end=%u\n", opened, closed, open_now);
	free(s);
	free(used);
	SSL_CTX_free(ctx);
	return 0;
}

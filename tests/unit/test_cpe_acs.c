/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Test ACS (see test_cpe_acs.h): accept, TLS handshake, then read requests
 * on the connection (header block, Content-Length body) and answer them from
 * the script until the client closes or the script is exhausted. Blocking
 * I/O with a receive timeout so acs_stop never waits long -- between
 * requests only: the handshake, and a request once begun, get up to
 * PATIENCE_MS, since on a busy emulated machine (qemu-arm) the client's
 * signature in its handshake alone took longer than one wait, and closing
 * then left the client "waiting for the answer" on a dead connection.
 */
#include "test_cpe_acs.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <openssl/x509.h>

#define HDR_MAX  8192
#define BODY_MAX (1u << 20)
#define WAIT_US      200000 /* one receive wait: how long acs_stop may take */
#define PATIENCE_MS  20000  /* a handshake, or a request begun, before giving up */

/* SSL_read, waiting through receive timeouts for up to PATIENCE_MS. */
static int read_patiently(SSL *ssl, void *buf, int len)
{
	for (int waits = 0;; waits++) {
		int r = SSL_read(ssl, buf, len);

		if (r > 0 || SSL_get_error(ssl, r) != SSL_ERROR_WANT_READ ||
		    waits >= PATIENCE_MS / (WAIT_US / 1000))
			return r;
	}
}

static int read_line_block(SSL *ssl, char *hdr, size_t cap)
{
	size_t n = 0;

	while (n + 1 < cap) {
		int r = n == 0 ? SSL_read(ssl, hdr, 1) : read_patiently(ssl, hdr + n, 1);

		if (r <= 0)
			return n == 0 && SSL_get_error(ssl, r) == SSL_ERROR_WANT_READ ? 1 : -1;
		n++;
		hdr[n] = '\0';
		if (n >= 4 && memcmp(hdr + n - 4, "\r\n\r\n", 4) == 0)
			return 0;
	}
	return -1;
}

static const char *header(const char *hdr, const char *name, char *out, size_t cap)
{
	size_t nl = strlen(name);

	for (const char *p = strstr(hdr, "\r\n"); p && p[2]; p = strstr(p + 2, "\r\n")) {
		const char *line = p + 2;

		if (strncasecmp(line, name, nl) == 0 && line[nl] == ':') {
			const char *v = line + nl + 1;
			const char *end = strstr(v, "\r\n");
			size_t len;

			while (*v == ' ')
				v++;
			len = (size_t)(end - v);
			if (len >= cap)
				len = cap - 1;
			memcpy(out, v, len);
			out[len] = '\0';
			return out;
		}
	}
	return NULL;
}

static int serve_request(struct acs *a, SSL *ssl)
{
	char hdr[HDR_MAX], val[256], resp[512];
	struct acs_seen *s;
	const struct acs_step *st;
	size_t len = 0;
	unsigned i = a->requests;
	int r = read_line_block(ssl, hdr, sizeof(hdr));

	if (r != 0 || i >= ACS_STEPS_MAX)
		return r == 1 ? 1 : -1;
	s = &a->seen[i];
	sscanf(hdr, "%7s", s->method);
	if (header(hdr, "Content-Type", val, sizeof(val)))
		snprintf(s->content_type, sizeof(s->content_type), "%.63s", val);
	s->cookie = header(hdr, "Cookie", val, sizeof(val)) && strstr(val, ACS_COOKIE) != NULL;
	if (header(hdr, "Content-Length", val, sizeof(val)))
		len = strtoul(val, NULL, 10);
	if (len > BODY_MAX)
		return -1;
	s->body = calloc(1, len + 1);
	if (!s->body)
		return -1;
	for (size_t got = 0; got < len;) {
		int k = read_patiently(ssl, s->body + got, (int)(len - got));

		if (k <= 0)
			return -1;
		got += (size_t)k;
	}
	s->len = len;
	a->requests++;
	if (i >= a->n_script)
		return -1;
	st = &a->script[i];
	int n = snprintf(resp, sizeof(resp), "HTTP/1.1 %d X\r\n%s%s", st->status,
			 i == 0 ? "Set-Cookie: " ACS_COOKIE "; Path=/\r\n" : "",
			 st->body ? "Content-Type: text/xml; charset=utf-8\r\n" : "");
	if (st->no_length)
		n += snprintf(resp + n, sizeof(resp) - (size_t)n, "Connection: close\r\n\r\n");
	else
		n += snprintf(resp + n, sizeof(resp) - (size_t)n, "Content-Length: %zu\r\n\r\n",
			      st->body ? st->len : 0);
	if (SSL_write(ssl, resp, n) != n)
		return -1;
	if (st->body && st->len && SSL_write(ssl, st->body, (int)st->len) != (int)st->len)
		return -1;
	return st->no_length ? -1 : 0;
}

static void *serve(void *arg)
{
	struct acs *a = arg;

	while (!a->stop) {
		int c = accept(a->fd, NULL, NULL);
		struct timeval patience = { .tv_sec = PATIENCE_MS / 1000 };
		struct timeval tv = { .tv_sec = 0, .tv_usec = WAIT_US };
		SSL *ssl;
		int accepted;

		if (c < 0)
			continue;
		a->connections++;
		setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &patience, sizeof(patience));
		ssl = SSL_new(a->tls);
		SSL_set_fd(ssl, c);
		accepted = SSL_accept(ssl) == 1;
		setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		if (accepted) {
			X509 *peer = SSL_get1_peer_certificate(ssl);

			a->tls_version = SSL_version(ssl);
			if (peer) {
				X509_NAME_get_text_by_NID(X509_get_subject_name(peer), NID_commonName,
							  a->client_cn, sizeof(a->client_cn));
				X509_free(peer);
			}
			for (;;) {
				int r = serve_request(a, ssl);

				/* 1: nothing yet; the client may still speak, unless we stop */
				if (r == 0 || (r == 1 && !a->stop))
					continue;
				break;
			}
			SSL_shutdown(ssl);
		}
		SSL_free(ssl);
		close(c);
	}
	return NULL;
}

void acs_start(struct acs *a)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t sl = sizeof(sa);
	struct timeval tv = { .tv_sec = 0, .tv_usec = 100000 };

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a->fd = socket(AF_INET, SOCK_STREAM, 0);
	if (a->fd < 0 || bind(a->fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    listen(a->fd, 8) != 0 || getsockname(a->fd, (struct sockaddr *)&sa, &sl) != 0)
		abort();
	setsockopt(a->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	a->port = ntohs(sa.sin_port);
	a->stop = 0;
	if (pthread_create(&a->thread, NULL, serve, a) != 0)
		abort();
}

void acs_stop(struct acs *a)
{
	a->stop = 1;
	pthread_join(a->thread, NULL);
	close(a->fd);
}

void acs_clear(struct acs *a)
{
	for (unsigned i = 0; i < ACS_STEPS_MAX; i++) {
		free(a->seen[i].body);
		a->seen[i].body = NULL;
	}
}

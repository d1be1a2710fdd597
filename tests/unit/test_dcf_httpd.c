/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The test H(e)MS (see test_dcf_httpd.h). Deliberately small: requests are
 * read up to the blank line, Content-Length is the only header whose value
 * matters (Content-Type is recorded), the body is the signed indication.
 * It runs in its own thread, so it never calls cmocka's assertions; the test
 * checks what it recorded.
 */
#include "test_dcf_httpd.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <openssl/x509.h>

#include "mayday/indication.h"

#define HEAD_MAX 8192

struct conn {
	int fd;
	SSL *ssl;
};

static ssize_t conn_read(struct conn *c, void *buf, size_t len)
{
	if (c->ssl) {
		size_t n = 0;
		return SSL_read_ex(c->ssl, buf, len, &n) == 1 ? (ssize_t)n : -1;
	}
	return recv(c->fd, buf, len, 0);
}

static void conn_write(struct conn *c, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len > 0) {
		ssize_t n;
		if (c->ssl) {
			size_t w = 0;
			n = SSL_write_ex(c->ssl, p, len, &w) == 1 ? (ssize_t)w : -1;
		} else {
			n = send(c->fd, p, len, MSG_NOSIGNAL);
		}
		if (n <= 0)
			return;
		p += n;
		len -= (size_t)n;
	}
}

/* The value of header `name` in the head (NUL-terminated), copied to out. */
static int header(const char *head, const char *name, char *out, size_t cap)
{
	size_t n = strlen(name);

	for (const char *line = strstr(head, "\r\n"); line; line = strstr(line, "\r\n")) {
		line += 2;
		if (strncasecmp(line, name, n) != 0 || line[n] != ':')
			continue;
		const char *v = line + n + 1;
		while (*v == ' ')
			v++;
		size_t len = strcspn(v, "\r");
		if (len >= cap)
			len = cap - 1;
		memcpy(out, v, len);
		out[len] = '\0';
		return 1;
	}
	return 0;
}

static void respond(struct httpd *h, struct conn *c, enum httpd_answer how,
		    const struct mayday_indication *ind)
{
	char head[256];
	uint8_t body[MAYDAY_ACK_MAX + 1];
	size_t len = 0;
	const char *status = "200 OK", *type = "application/cose";
	int n;

	switch (how) {
	case HTTPD_ACK:
	case HTTPD_ACK_PARAMS: {
		struct mayday_ack ack = { .counter = ind->counter, .incident_id = 7,
					  .status = MAYDAY_ACK_STORED };
		struct mayday_signer signer;
		memcpy(ack.device_id, ind->device_id, sizeof(ack.device_id));
		if (mayday_signer_from_pkey(&signer, h->hems, NULL, 0) != MAYDAY_OK ||
		    mayday_ack_sign(&ack, &signer, body, sizeof(body), &len) != MAYDAY_OK)
			return;
		if (how == HTTPD_ACK_PARAMS)
			type = "Application/COSE; cose-type=\"cose-sign1\"";
		break;
	}
	case HTTPD_BUSY_SIGNED: {
		struct mayday_ack ack = { .counter = ind->counter, .status = MAYDAY_ACK_STORED,
					  .action = MAYDAY_ACTION_RETRY_AFTER,
					  .retry_after = h->signed_retry_after };
		struct mayday_signer signer;
		memcpy(ack.device_id, ind->device_id, sizeof(ack.device_id));
		if (mayday_signer_from_pkey(&signer, h->hems, NULL, 0) != MAYDAY_OK ||
		    mayday_ack_sign(&ack, &signer, body, sizeof(body), &len) != MAYDAY_OK)
			return;
		n = snprintf(head, sizeof(head),
			     "HTTP/1.1 503 Service Unavailable\r\nRetry-After: %u\r\n"
			     "Content-Type: application/cose\r\nContent-Length: %zu\r\n"
			     "Connection: close\r\n\r\n", h->retry_after, len);
		conn_write(c, head, (size_t)n);
		conn_write(c, body, len);
		return;
	}
	case HTTPD_BUSY:
		n = snprintf(head, sizeof(head),
			     "HTTP/1.1 503 Service Unavailable\r\nRetry-After: %u\r\n"
			     "Content-Length: 0\r\nConnection: close\r\n\r\n", h->retry_after);
		conn_write(c, head, (size_t)n);
		return;
	case HTTPD_BUSY_BARE:
		status = "503 Service Unavailable";
		break;
	case HTTPD_NOT_FOUND:
		status = "404 Not Found";
		break;
	case HTTPD_WRONG_TYPE:
		type = "text/plain";
		len = 5;
		memcpy(body, "hello", len);
		break;
	case HTTPD_TOO_BIG:
		len = sizeof(body);
		memset(body, 0xa5, len);
		break;
	case HTTPD_TOO_BIG_UNANNOUNCED:
		n = snprintf(head, sizeof(head), "HTTP/1.1 200 OK\r\nContent-Type: %s\r\n"
			     "Connection: close\r\n\r\n", type);
		conn_write(c, head, (size_t)n);
		memset(body, 0xa5, sizeof(body));
		conn_write(c, body, sizeof(body));
		return;
	case HTTPD_SILENT:
		for (int i = 0; i < 300 && !h->stop; i++)
			poll(NULL, 0, 10);
		return;
	}
	n = snprintf(head, sizeof(head),
		     "HTTP/1.1 %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
		     "Connection: close\r\n\r\n", status, type, len);
	conn_write(c, head, (size_t)n);
	conn_write(c, body, len);
}

static void serve(struct httpd *h, struct conn *c)
{
	char head[HEAD_MAX + 1], value[64];
	uint8_t body[MAYDAY_INDICATION_MAX];
	size_t have = 0, body_len = 0;
	char *end = NULL;

	while (!end && have < HEAD_MAX) {
		ssize_t n = conn_read(c, head + have, HEAD_MAX - have);
		if (n <= 0)
			return;
		have += (size_t)n;
		head[have] = '\0';
		end = strstr(head, "\r\n\r\n");
	}
	if (!end)
		return;
	size_t head_len = (size_t)(end - head) + 4;
	if (!header(head, "Content-Length", value, sizeof(value)))
		return;
	body_len = strtoul(value, NULL, 10);
	if (body_len > sizeof(body))
		return;
	size_t got = have - head_len < body_len ? have - head_len : body_len;
	memcpy(body, head + head_len, got);
	while (got < body_len) {
		ssize_t n = conn_read(c, body + got, body_len - got);
		if (n <= 0)
			return;
		got += (size_t)n;
	}
	*end = '\0';
	sscanf(head, "%7s %63s", h->method, h->path);
	if (!header(head, "Content-Type", h->content_type, sizeof(h->content_type)))
		h->content_type[0] = '\0';

	struct mayday_cose_sign1 cose;
	struct mayday_indication ind;
	struct mayday_diag diag;
	h->verified = mayday_indication_open(body, body_len, &cose, &ind, &diag) == MAYDAY_OK &&
		      mayday_cose_sign1_verify(&cose, h->device_pub) == MAYDAY_OK;
	if (h->verified) {
		h->counter = ind.counter;
		h->transport = ind.transport;
	}
	int i = h->requests++;
	respond(h, c, i < HTTPD_SCRIPT_MAX ? h->script[i] : HTTPD_ACK, &ind);
}

static void record_peer(struct httpd *h, SSL *ssl)
{
	X509 *peer = SSL_get0_peer_certificate(ssl);

	h->tls_version = SSL_version(ssl);
	h->client_cn[0] = '\0';
	if (peer)
		X509_NAME_get_text_by_NID(X509_get_subject_name(peer), NID_commonName,
					  h->client_cn, sizeof(h->client_cn));
}

static void *httpd_main(void *arg)
{
	struct httpd *h = arg;

	while (!h->stop) {
		struct pollfd pfd = { .fd = h->fd, .events = POLLIN };
		if (poll(&pfd, 1, 20) <= 0)
			continue;
		struct conn c = { .fd = accept(h->fd, NULL, NULL) };
		if (c.fd < 0)
			continue;
		struct timeval tv = { .tv_sec = 3 };
		setsockopt(c.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		h->connections++;
		if (h->tls) {
			c.ssl = SSL_new(h->tls);
			if (!c.ssl || SSL_set_fd(c.ssl, c.fd) != 1 || SSL_accept(c.ssl) != 1) {
				h->handshakes_failed++;
				SSL_free(c.ssl);
				close(c.fd);
				continue;
			}
			record_peer(h, c.ssl);
		}
		serve(h, &c);
		if (c.ssl) {
			SSL_shutdown(c.ssl);
			SSL_free(c.ssl);
		}
		close(c.fd);
	}
	return NULL;
}

void httpd_start(struct httpd *h)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t slen = sizeof(sin);
	int one = 1;

	h->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (h->fd < 0)
		abort();
	setsockopt(h->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(h->fd, (struct sockaddr *)&sin, sizeof(sin)) != 0 || listen(h->fd, 8) != 0 ||
	    getsockname(h->fd, (struct sockaddr *)&sin, &slen) != 0)
		abort();
	h->port = ntohs(sin.sin_port);
	h->stop = 0;
	if (pthread_create(&h->thread, NULL, httpd_main, h) != 0)
		abort();
}

void httpd_stop(struct httpd *h)
{
	h->stop = 1;
	pthread_join(h->thread, NULL);
	close(h->fd);
}

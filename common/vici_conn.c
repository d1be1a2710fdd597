/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A VICI connection: charon's unix socket, for one exchange.
 *
 * Non-blocking I/O and poll(), every wait bounded by one absolute deadline
 * set at open, so a stuck or slow daemon costs the caller at most its
 * timeout; writes use MSG_NOSIGNAL, so a daemon that went away is an error
 * value, never SIGPIPE. One VICI_PACKET_MAX buffer per connection holds the
 * packet being sent or the last one received.
 */
#include "vici.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

struct vici_conn {
	int fd;
	uint64_t deadline;              /* CLOCK_MONOTONIC, ms */
	uint8_t buf[VICI_PACKET_MAX];   /* the last packet received */
};

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Wait for `events` on the socket until the deadline. */
static enum mayday_err wait_fd(struct vici_conn *c, short events)
{
	for (;;) {
		uint64_t now = mono_ms();
		if (now >= c->deadline)
			return MAYDAY_E_TIMEOUT;
		uint64_t left = c->deadline - now;
		struct pollfd pfd = { .fd = c->fd, .events = events };
		int n = poll(&pfd, 1, left > INT_MAX ? INT_MAX : (int)left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return MAYDAY_E_IO;
		if (n == 0)
			return MAYDAY_E_TIMEOUT;
		return MAYDAY_OK;   /* ready, or an error the next read/write reports */
	}
}

static enum mayday_err write_all(struct vici_conn *c, const uint8_t *p, size_t len)
{
	while (len) {
		ssize_t n = send(c->fd, p, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			enum mayday_err rc = wait_fd(c, POLLOUT);
			if (rc != MAYDAY_OK)
				return rc;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return MAYDAY_E_IO;
		p += n;
		len -= (size_t)n;
	}
	return MAYDAY_OK;
}

static enum mayday_err read_all(struct vici_conn *c, uint8_t *p, size_t len)
{
	while (len) {
		ssize_t n = recv(c->fd, p, len, MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			enum mayday_err rc = wait_fd(c, POLLIN);
			if (rc != MAYDAY_OK)
				return rc;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return MAYDAY_E_IO;   /* closed by the daemon, or a socket error */
		p += n;
		len -= (size_t)n;
	}
	return MAYDAY_OK;
}

enum mayday_err vici_conn_open(const char *path, uint32_t timeout_ms, struct vici_conn **out)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct vici_conn *c = NULL;
	enum mayday_err rc = MAYDAY_E_INVALID;

	*out = NULL;
	if (!path || path[0] == '\0' || strlen(path) >= sizeof(sun.sun_path))
		return MAYDAY_E_INVALID;
	memcpy(sun.sun_path, path, strlen(path) + 1);
	c = malloc(sizeof(*c));
	if (!c)
		return MAYDAY_E_NOMEM;
	c->deadline = mono_ms() + timeout_ms;
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (c->fd < 0) {
		rc = MAYDAY_E_IO;
		goto fail;
	}
	for (;;) {
		if (connect(c->fd, (struct sockaddr *)&sun, sizeof(sun)) == 0)
			break;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN) {
			/* A unix listener with a full backlog: try again shortly. */
			if (mono_ms() >= c->deadline) {
				rc = MAYDAY_E_TIMEOUT;
				goto fail;
			}
			poll(NULL, 0, 10);
			continue;
		}
		if (errno == EINPROGRESS) {
			int err = 0;
			socklen_t elen = sizeof(err);
			rc = wait_fd(c, POLLOUT);
			if (rc != MAYDAY_OK)
				goto fail;
			if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &elen) != 0 || err) {
				rc = MAYDAY_E_IO;
				goto fail;
			}
			break;
		}
		rc = MAYDAY_E_IO;
		goto fail;
	}
	*out = c;
	return MAYDAY_OK;
fail:
	vici_conn_close(c);
	return rc;
}

void vici_conn_close(struct vici_conn *c)
{
	if (!c)
		return;
	if (c->fd >= 0)
		close(c->fd);
	free(c);
}

enum mayday_err vici_conn_send(struct vici_conn *c, uint8_t type, const char *name,
			       const uint8_t *msg, size_t msg_len)
{
	size_t len;
	/* The receive buffer is free between exchanges' packets: frame into it. */
	enum mayday_err rc = vici_packet_encode(type, name, msg, msg_len, c->buf, sizeof(c->buf),
						&len);

	if (rc != MAYDAY_OK)
		return rc;
	return write_all(c, c->buf, len);
}

enum mayday_err vici_conn_recv(struct vici_conn *c, struct vici_packet *p,
			       struct mayday_diag *diag)
{
	uint8_t hdr[4];
	enum mayday_err rc;

	memset(p, 0, sizeof(*p));
	rc = read_all(c, hdr, sizeof(hdr));
	if (rc != MAYDAY_OK)
		return rc;
	uint32_t len = (uint32_t)hdr[0] << 24 | (uint32_t)hdr[1] << 16 | (uint32_t)hdr[2] << 8 |
		       hdr[3];
	if (len == 0 || len > VICI_PACKET_MAX) {
		if (diag) {
			diag->offset = 0;
			diag->what = "packet length 0 or beyond the limit";
		}
		return MAYDAY_E_TOOBIG;
	}
	rc = read_all(c, c->buf, len);
	if (rc != MAYDAY_OK)
		return rc;
	return vici_packet_parse(c->buf, len, p, diag);
}


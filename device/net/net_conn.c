/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Sockets with deadlines (see net_conn.h). The socket is non-blocking from
 * its creation, so no call can block past the deadline: each I/O is tried,
 * and on EAGAIN the socket is polled for the time left.
 */
#include "net_conn.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

uint64_t net_conn_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

uint64_t net_conn_deadline(uint64_t ms)
{
	uint64_t now = net_conn_now_ms();

	return ms > UINT64_MAX - now ? UINT64_MAX : now + ms;
}

enum mayday_err net_conn_wait(int fd, short events, uint64_t deadline_ms)
{
	for (;;) {
		uint64_t now = net_conn_now_ms();
		struct pollfd pfd = { .fd = fd, .events = events };
		int left, rc;

		if (now >= deadline_ms)
			return MAYDAY_E_TIMEOUT;
		left = deadline_ms - now > 60000 ? 60000 : (int)(deadline_ms - now);
		rc = poll(&pfd, 1, left);
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc < 0)
			return MAYDAY_E_IO;
		if (rc > 0)
			return MAYDAY_OK; /* ready, or an error the next call reports */
	}
}

enum mayday_err net_conn_open(const char *addr, uint16_t port, uint64_t deadline_ms, int *fd,
			      const char **why)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int s, err = 0, one = 1;
	socklen_t el = sizeof(err);
	enum mayday_err rc;

	*fd = -1;
	memset(&ss, 0, sizeof(ss));
	struct sockaddr_in *v4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&ss;
	if (inet_pton(AF_INET, addr, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons(port);
		sl = sizeof(*v4);
	} else if (inet_pton(AF_INET6, addr, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons(port);
		sl = sizeof(*v6);
	} else {
		*why = "not a numeric address";
		return MAYDAY_E_INVALID;
	}
	s = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s < 0) {
		*why = "cannot create a socket";
		return MAYDAY_E_IO;
	}
	/* Requests are written whole; do not hold their tail back. */
	(void)setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(s, (struct sockaddr *)&ss, sl) != 0) {
		if (errno != EINPROGRESS) {
			*why = "connection refused or unreachable";
			close(s);
			return MAYDAY_E_IO;
		}
		rc = net_conn_wait(s, POLLOUT, deadline_ms);
		if (rc != MAYDAY_OK) {
			*why = rc == MAYDAY_E_TIMEOUT ? "connect timed out" : "poll failed";
			close(s);
			return rc;
		}
		if (getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &el) != 0 || err != 0) {
			errno = err;
			*why = "connection refused or unreachable";
			close(s);
			return MAYDAY_E_IO;
		}
	}
	*fd = s;
	return MAYDAY_OK;
}

enum mayday_err net_conn_read(int fd, void *buf, size_t cap, size_t *n, uint64_t deadline_ms)
{
	*n = 0;
	for (;;) {
		ssize_t k = recv(fd, buf, cap, 0);
		enum mayday_err rc;

		if (k >= 0) {
			*n = (size_t)k;
			return MAYDAY_OK;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return MAYDAY_E_IO;
		rc = net_conn_wait(fd, POLLIN, deadline_ms);
		if (rc != MAYDAY_OK)
			return rc;
	}
}

enum mayday_err net_conn_write(int fd, const void *buf, size_t len, uint64_t deadline_ms)
{
	const uint8_t *p = buf;

	while (len > 0) {
		ssize_t k = send(fd, p, len, MSG_NOSIGNAL);
		enum mayday_err rc;

		if (k > 0) {
			p += k;
			len -= (size_t)k;
			continue;
		}
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
			return MAYDAY_E_IO;
		rc = net_conn_wait(fd, POLLOUT, deadline_ms);
		if (rc != MAYDAY_OK)
			return rc;
	}
	return MAYDAY_OK;
}

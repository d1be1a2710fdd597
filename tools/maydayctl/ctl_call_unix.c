/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The unix transport: HTTP/1.1 over maydayd's local socket ([api] socket,
 * default /run/mayday/maydayd.sock). No credentials are sent: maydayd
 * knows the caller from the socket's peer credentials (SO_PEERCRED) and
 * the file's permissions decide who may connect at all.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctl_call.h"
#include "net_conn.h"

struct unix_state {
	struct sockaddr_un sa;
};

static enum mayday_err unix_open(const struct ctl_target *t, void **state, char *why, size_t cap)
{
	struct unix_state *u = calloc(1, sizeof(*u));
	if (u == NULL)
		return MAYDAY_E_NOMEM;
	if (strlen(t->socket) >= sizeof(u->sa.sun_path) || t->socket[0] == '\0') {
		snprintf(why, cap, "socket path '%s' empty or longer than %zu bytes", t->socket,
			 sizeof(u->sa.sun_path) - 1);
		free(u);
		return MAYDAY_E_INVALID;
	}
	u->sa.sun_family = AF_UNIX;
	strcpy(u->sa.sun_path, t->socket);
	*state = u;
	return MAYDAY_OK;
}

/* A non-blocking connect: on a UNIX socket it completes at once or fails
 * (EAGAIN: the listener's backlog is full -- waited out by polling for
 * writability, as net_conn does for TCP). */
static enum mayday_err connect_unix(const struct unix_state *u, uint64_t deadline, int *out,
				    char *why, size_t cap)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(why, cap, "socket: %s", strerror(errno));
		return MAYDAY_E_IO;
	}
	for (;;) {
		if (connect(fd, (const struct sockaddr *)&u->sa, sizeof(u->sa)) == 0)
			break;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN) {
			if (net_conn_wait(fd, POLLOUT, deadline) != MAYDAY_OK) {
				snprintf(why, cap, "%s: maydayd did not accept in time", u->sa.sun_path);
				close(fd);
				return MAYDAY_E_TIMEOUT;
			}
			continue;
		}
		snprintf(why, cap, "cannot connect to %s: %s%s", u->sa.sun_path, strerror(errno),
			 errno == ENOENT || errno == ECONNREFUSED
				 ? " (is maydayd running with [api] socket? or use -d STORE)" : "");
		close(fd);
		return MAYDAY_E_IO;
	}
	*out = fd;
	return MAYDAY_OK;
}

static enum mayday_err unix_call(void *state, const struct ctl_request *r, struct ctl_answer *a,
				 char *why, size_t cap)
{
	struct unix_state *u = state;
	struct ctl_stream s = {.fd = -1, .deadline_ms = net_conn_deadline(CTL_TIMEOUT_MS)};
	enum mayday_err rc = connect_unix(u, s.deadline_ms, &s.fd, why, cap);
	if (rc != MAYDAY_OK)
		return rc;
	rc = ctl_http_exchange(&s, "localhost", NULL, NULL, r, a, why, cap);
	close(s.fd);
	return rc;
}

static void unix_close(void *state)
{
	free(state);
}

const struct ctl_transport ctl_transport_unix = {
	.name = "unix",
	.open = unix_open,
	.call = unix_call,
	.close = unix_close,
};

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * "plain-udp": the signed indication as one UDP datagram, no channel
 * security (the COSE signature authenticates it end to end). The datagram
 * calls are shared (tx_plain_udp.h) with transports that send the same
 * datagram over a channel someone else secured (ipsec).
 *
 * The socket is connect()ed to the H(e)MS endpoint, so the kernel drops
 * datagrams from any other source; what remains is still unauthenticated and
 * is verified by the caller. ICMP errors surfacing as ECONNREFUSED (nobody
 * listening yet) are transient: the caller retries with backoff.
 */
#include "tx_plain_udp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dcf_config.h"
#include "hal/clock.h"
#include "mayday/indication.h"

struct udp_state {
	int fd;
};

static int udp_configured(const struct dcf_config *cfg)
{
	return cfg->udp_endpoint.set;
}

enum mayday_err tx_plain_udp_open_to(const struct dcf_endpoint *ep, void **state)
{
	struct sockaddr_storage ss;
	socklen_t ss_len;
	struct udp_state *st = NULL;
	int fd = -1;

	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, ep->host, &((struct sockaddr_in *)&ss)->sin_addr) == 1) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
		sin->sin_family = AF_INET;
		sin->sin_port = htons(ep->port);
		ss_len = sizeof(*sin);
	} else if (inet_pton(AF_INET6, ep->host,
			     &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(ep->port);
		ss_len = sizeof(*sin6);
	} else {
		return MAYDAY_E_INVALID;
	}
	fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto fail;
	if (connect(fd, (struct sockaddr *)&ss, ss_len) != 0)
		goto fail;
	st = malloc(sizeof(*st));
	if (!st)
		goto fail;
	st->fd = fd;
	*state = st;
	return MAYDAY_OK;
fail:
	if (fd >= 0)
		close(fd);
	return MAYDAY_E_IO;
}

enum mayday_err tx_plain_udp_send(void *state, const uint8_t *msg, size_t len)
{
	struct udp_state *st = state;
	ssize_t n;

	do
		n = send(st->fd, msg, len, 0);
	while (n < 0 && errno == EINTR);
	return n == (ssize_t)len ? MAYDAY_OK : MAYDAY_E_IO;
}

enum mayday_err tx_plain_udp_recv(void *state, uint8_t *buf, size_t cap, size_t *len,
				  uint32_t timeout_ms)
{
	struct udp_state *st = state;
	uint64_t end = hal_clock_mono_ms() + timeout_ms;

	/* A timeout of 0 still reads what has already arrived: poll once. */
	for (;;) {
		uint64_t now = hal_clock_mono_ms();
		struct pollfd pfd = { .fd = st->fd, .events = POLLIN };
		int pr = poll(&pfd, 1, now < end ? (int)(end - now) : 0);
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr < 0)
			return MAYDAY_E_IO;
		if (pr == 0)
			return MAYDAY_E_TIMEOUT;
		/* MSG_TRUNC: the real datagram length, so an oversized one is
		 * recognised instead of being read as a truncated message. */
		ssize_t n = recv(st->fd, buf, cap, MSG_TRUNC | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN || errno == ECONNREFUSED)
				continue;
			return MAYDAY_E_IO;
		}
		if ((size_t)n > cap)
			return MAYDAY_E_TOOBIG;
		*len = (size_t)n;
		return MAYDAY_OK;
	}
}

void tx_plain_udp_close(void *state)
{
	struct udp_state *st = state;

	if (!st)
		return;
	close(st->fd);
	free(st);
}

static enum mayday_err udp_open(const struct dcf_tx_env *env, void **state)
{
	return tx_plain_udp_open_to(&env->cfg->udp_endpoint, state);
}

const struct dcf_tx_ops tx_plain_udp_ops = {
	.name = "plain-udp",
	.transport = MAYDAY_TRANSPORT_PLAIN_UDP,
	.configured = udp_configured,
	.open = udp_open,
	.send = tx_plain_udp_send,
	.recv = tx_plain_udp_recv,
	.close = tx_plain_udp_close,
};

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * UDP socket calls. The receive buffer of each slot is one byte larger than
 * the largest input (a sealed PSK request), so a datagram over the limit is
 * seen (and counted) rather than silently cut to a size that might parse.
 */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "srv_ingest.h"
#include "log.h"
#include "srv_udp.h"

enum mayday_err srv_udp_open(const struct sockaddr_storage *addr, socklen_t addr_len,
			     unsigned rcvbuf, int *fd, char *bound, size_t bound_cap)
{
	struct sockaddr_storage got;
	socklen_t got_len = sizeof(got);
	int one = 1, size = (int)rcvbuf;
	int s = socket(addr->ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	*fd = -1;
	if (s < 0) {
		log_warn("udp socket");
		return MAYDAY_E_IO;
	}
	if (addr->ss_family == AF_INET6)
		(void)setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	/* A burst from a fleet waits in the socket, not on the wire. FORCE needs
	 * CAP_NET_ADMIN; without it the kernel's rmem_max caps the size. */
	if (setsockopt(s, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) != 0 &&
	    setsockopt(s, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size)) != 0)
		log_warn("udp SO_RCVBUF %u", rcvbuf);
	if (bind(s, (const struct sockaddr *)addr, addr_len) != 0) {
		char text[STORE_PEER_MAX + 1];
		srv_ingest_peer_text(addr, text, sizeof(text));
		log_warn("udp bind %s", text);
		close(s);
		return MAYDAY_E_IO;
	}
	if (getsockname(s, (struct sockaddr *)&got, &got_len) == 0)
		srv_ingest_peer_text(&got, bound, bound_cap);
	else
		srv_ingest_peer_text(addr, bound, bound_cap);
	*fd = s;
	return MAYDAY_OK;
}

int srv_udp_recv(int fd, struct srv_slot **slots, size_t n)
{
	struct mmsghdr mm[SRV_UDP_BATCH];
	struct iovec iov[SRV_UDP_BATCH];
	if (n > SRV_UDP_BATCH)
		n = SRV_UDP_BATCH;
	for (size_t i = 0; i < n; i++) {
		iov[i].iov_base = slots[i]->buf;
		iov[i].iov_len = sizeof(slots[i]->buf);
		memset(&mm[i], 0, sizeof(mm[i]));
		mm[i].msg_hdr.msg_name = &slots[i]->peer;
		mm[i].msg_hdr.msg_namelen = sizeof(slots[i]->peer);
		mm[i].msg_hdr.msg_iov = &iov[i];
		mm[i].msg_hdr.msg_iovlen = 1;
	}
	int got = recvmmsg(fd, mm, (unsigned)n, MSG_DONTWAIT, NULL);
	if (got < 0)
		return (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) ? 0 : -1;
	for (int i = 0; i < got; i++) {
		slots[i]->len = mm[i].msg_len;
		slots[i]->truncated = (mm[i].msg_hdr.msg_flags & MSG_TRUNC) != 0;
		slots[i]->peer_len = mm[i].msg_hdr.msg_namelen;
	}
	return got;
}

int srv_udp_wait(int fd, int timeout_ms)
{
	struct pollfd pfd = {.fd = fd, .events = POLLIN};
	return poll(&pfd, 1, timeout_ms) > 0;
}

size_t srv_udp_send_acks(int fd, struct srv_slot **slots, size_t n)
{
	struct mmsghdr mm[SRV_UDP_BATCH];
	struct iovec iov[SRV_UDP_BATCH];
	size_t m = 0, sent = 0;
	for (size_t i = 0; i < n && m < SRV_UDP_BATCH; i++) {
		struct srv_slot *s = slots[i];
		if (s->ack_len == 0)
			continue;
		iov[m].iov_base = s->ack;
		iov[m].iov_len = s->ack_len;
		memset(&mm[m], 0, sizeof(mm[m]));
		mm[m].msg_hdr.msg_name = &s->peer;
		mm[m].msg_hdr.msg_namelen = s->peer_len;
		mm[m].msg_hdr.msg_iov = &iov[m];
		mm[m].msg_hdr.msg_iovlen = 1;
		m++;
	}
	while (sent < m) {
		int r = sendmmsg(fd, mm + sent, (unsigned)(m - sent), 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			/* Skip the datagram the kernel refused (e.g. an unroutable peer). */
			sent++;
			continue;
		}
		sent += (size_t)r;
	}
	size_t ok = 0;
	for (size_t i = 0; i < m; i++)
		ok += mm[i].msg_len == iov[i].iov_len;
	return ok;
}

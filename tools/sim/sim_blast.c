/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Hostile-input modes: every datagram is sent once, paced lightly so the
 * server's socket buffer is not what drops them, then the socket listens
 * for linger_ms. Every ack that comes back is verified and counted by
 * status; "device counter status" lines go to `acked_ids` for the tests.
 */
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sim.h"

static void take_ack(const uint8_t *buf, size_t len, EVP_PKEY *hems, struct sim_blast *out,
		     FILE *ids)
{
	struct mayday_ack ack;
	struct mayday_diag diag;
	out->acks++;
	if (mayday_ack_verify_any(buf, len, hems, &ack, &diag) != MAYDAY_OK) {
		out->bad_acks++;
		return;
	}
	switch (ack.status) {
	case MAYDAY_ACK_STORED: out->stored++; break;
	case MAYDAY_ACK_STORED_UNVERIFIED: out->unverified++; break;
	case MAYDAY_ACK_REJECTED: out->rejected++; break;
	default: out->bad_acks++; break;
	}
	if (ids != NULL)
		fprintf(ids, "%s %llu %u\n", ack.device_id, (unsigned long long)ack.counter,
			ack.status);
}

static void drain(int fd, EVP_PKEY *hems, struct sim_blast *out, FILE *ids, int wait_ms)
{
	uint8_t buf[MAYDAY_ACK_MAX + 1];
	uint64_t until = sim_now_ns() + (uint64_t)wait_ms * 1000000u;
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n > 0) {
			take_ack(buf, (size_t)n, hems, out, ids);
			continue;
		}
		uint64_t now = sim_now_ns();
		if (now >= until)
			return;
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		(void)poll(&pfd, 1, (int)((until - now) / 1000000u) + 1);
	}
}

int sim_blast(const struct sim_opts *o, uint8_t *const *dgram, const size_t *len, size_t n,
	      EVP_PKEY *hems, struct sim_blast *out, FILE *acked_ids)
{
	int fd = sim_socket(o);
	memset(out, 0, sizeof(*out));
	if (fd < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (send(fd, dgram[i], len[i], 0) == (ssize_t)len[i])
			out->sent++;
		if (i % 32 == 31)
			drain(fd, hems, out, acked_ids, 1);
	}
	drain(fd, hems, out, acked_ids, (int)o->linger_ms);
	close(fd);
	return 0;
}

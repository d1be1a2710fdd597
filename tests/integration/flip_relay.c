/* SPDX-License-Identifier: Apache-2.0 */
/*
 * flip_relay: the on-path attacker of test_flip_loop.sh. A UDP relay on
 * 127.0.0.1 between one device and maydayd that inverts one bit of every
 * datagram going to maydayd and passes the answers back untouched.
 *
 *   flip_relay LISTEN_PORT TARGET_PORT [BIT_FROM_END]
 *
 * BIT_FROM_END (default 0) counts from the least significant bit of the last
 * byte. A signed indication (docs/protocol.md §6) ends with its 64-byte
 * ES256 signature, so bits 0..511 land in the signature: the claims stay
 * intact and readable, only the signature fails -- the cheapest way to make
 * the H(e)MS store a report as unverified.
 *
 * One device at a time (the last source seen gets the answers). Prints
 * "relay: ready" on stdout once bound and one line per datagram on stderr;
 * runs until killed. Test-only: nothing here is built into the device.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define DGRAM_MAX 65536

static int port_arg(const char *s, unsigned *out)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	if (*s < '0' || *s > '9' || *end != '\0' || v == 0 || v > 65535)
		return -1;
	*out = (unsigned)v;
	return 0;
}

static int udp_socket(unsigned port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
		perror("flip_relay: bind");
		exit(2);
	}
	return fd;
}

int main(int argc, char **argv)
{
	static uint8_t buf[DGRAM_MAX];
	unsigned listen_port, target_port, bit = 0;
	struct sockaddr_in target = { .sin_family = AF_INET };
	struct sockaddr_in device;
	socklen_t device_len = 0;
	unsigned long n_in = 0, n_out = 0;

	if (argc < 3 || argc > 4 || port_arg(argv[1], &listen_port) != 0 ||
	    port_arg(argv[2], &target_port) != 0 ||
	    (argc == 4 && (sscanf(argv[3], "%u", &bit) != 1 || bit >= 8 * 64))) {
		fprintf(stderr, "usage: flip_relay LISTEN_PORT TARGET_PORT [BIT_FROM_END < 512]\n");
		return 2;
	}
	target.sin_port = htons((uint16_t)target_port);
	target.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int front = udp_socket(listen_port);
	int back = udp_socket(0); /* its own source port towards maydayd */
	printf("relay: ready\n");
	fflush(stdout);

	for (;;) {
		struct pollfd p[2] = { { .fd = front, .events = POLLIN },
				       { .fd = back, .events = POLLIN } };
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			perror("flip_relay: poll");
			return 1;
		}
		if (p[0].revents & POLLIN) {
			socklen_t len = sizeof(device);
			ssize_t n = recvfrom(front, buf, sizeof(buf), 0, (struct sockaddr *)&device,
					     &len);
			if (n > 0) {
				device_len = len;
				size_t byte = (size_t)n - 1 - bit / 8;
				if ((size_t)n > bit / 8)
					buf[byte] ^= (uint8_t)(1u << (bit % 8));
				sendto(back, buf, (size_t)n, 0, (struct sockaddr *)&target,
				       sizeof(target));
				fprintf(stderr, "relay: datagram %lu (%zd bytes) to maydayd, bit %u "
					"from the end inverted\n", ++n_in, n, bit);
			}
		}
		if (p[1].revents & POLLIN) {
			ssize_t n = recv(back, buf, sizeof(buf), 0);
			if (n > 0 && device_len > 0) {
				sendto(front, buf, (size_t)n, 0, (struct sockaddr *)&device,
				       device_len);
				fprintf(stderr, "relay: answer %lu (%zd bytes) to the device, "
					"untouched\n", ++n_out, n);
			}
		}
	}
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The device latency bench's process-level UDP baseline
 * (bench/device_latency.sh): a program started once per round trip that
 * sends one datagram to a UDP echo server and waits for its answer -- the
 * least any design that starts a process to report over UDP pays: exec,
 * the C library's start-up, a socket, one round trip on loopback, exit.
 * No name resolution (numeric IPv4 address only), no OpenSSL.
 *
 * usage: bench_udp_roundtrip ADDRESS PORT SIZE
 * exit 0 once a datagram of SIZE bytes came back within 2 s; 1 otherwise.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define SIZE_MAX_BYTES 1400

int main(int argc, char **argv)
{
	static unsigned char msg[SIZE_MAX_BYTES], back[SIZE_MAX_BYTES + 1];
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct pollfd p;
	unsigned long port, size;
	char *end1, *end2;
	ssize_t n;
	int fd;

	if (argc != 4) {
		fprintf(stderr, "usage: %s ADDRESS PORT SIZE\n", argv[0]);
		return 2;
	}
	port = strtoul(argv[2], &end1, 10);
	size = strtoul(argv[3], &end2, 10);
	if (*end1 != '\0' || *end2 != '\0' || port == 0 || port > 65535 || size == 0 ||
	    size > SIZE_MAX_BYTES || inet_pton(AF_INET, argv[1], &sin.sin_addr) != 1) {
		fprintf(stderr, "%s: bad address, port or size (1..%d)\n", argv[0], SIZE_MAX_BYTES);
		return 2;
	}
	sin.sin_port = htons((uint16_t)port);
	memset(msg, 'x', size);
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0 ||
	    send(fd, msg, size, 0) != (ssize_t)size) {
		perror("send");
		return 1;
	}
	p = (struct pollfd){ .fd = fd, .events = POLLIN };
	if (poll(&p, 1, 2000) != 1) {
		fprintf(stderr, "%s: no answer within 2 s\n", argv[0]);
		return 1;
	}
	n = recv(fd, back, sizeof(back), 0);
	close(fd);
	return n == (ssize_t)size ? 0 : 1;
}

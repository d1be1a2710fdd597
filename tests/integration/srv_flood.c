/* SPDX-License-Identifier: Apache-2.0 */
/*
 * srv_flood: a forger and a device at once, against maydayd's plain UDP
 * listener on 127.0.0.1 (bounded in rate, count and time; loopback only).
 *
 *   srv_flood --port P --key DEV.pem --device ID --hems-pub PUB.pem
 *             [--rate R] [--legit N] [--wait-ms W] [--counter C]
 *
 * A thread sends R datagrams a second (default 50000), from 127.0.0.2, of
 * one indication naming ID but signed with a key of its own (a forgery that
 * decodes fine and fails verification), until the device is done or 30 s
 * passed. Meanwhile the device sends N indications (default 10, counters
 * C+1.., default C = 1000) from 127.0.0.1, each at most twice, waiting W ms
 * (default 1000) after each send for a signed ack of that counter that
 * verifies with the H(e)MS key.
 *
 * Prints "legit=N first=A second=B missed=M forged=F" (A acked at the first
 * send, B at the second); exit 0 when none was missed, 1 otherwise, 2 usage.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "mayday/indication.h"
#include "mayday/keys.h"

#define FLOOD_MAX_S 30

struct flood {
	int fd;
	unsigned rate;
	const uint8_t *buf;
	size_t len;
	atomic_int stop;
	unsigned long sent;
};

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* A UDP socket bound to `from` (port 0), connected to 127.0.0.1:port. */
static int udp_from(const char *from, unsigned port)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || inet_pton(AF_INET, from, &a.sin_addr) != 1 ||
	    bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
	    connect(fd, (struct sockaddr *)&to, sizeof(to)) != 0) {
		perror("srv_flood: udp socket");
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static void *flood_main(void *arg)
{
	struct flood *f = arg;
	uint64_t start = now_ms(), tick = start;
	unsigned per_ms = f->rate / 1000 ? f->rate / 1000 : 1;
	while (!atomic_load(&f->stop) && now_ms() - start < FLOOD_MAX_S * 1000u) {
		for (unsigned i = 0; i < per_ms; i++)
			if (send(f->fd, f->buf, f->len, MSG_DONTWAIT) == (ssize_t)f->len)
				f->sent++;
		tick++;
		uint64_t now = now_ms();
		if (tick > now) {
			struct timespec d = {0, (long)(tick - now) * 1000000L};
			nanosleep(&d, NULL);
		}
	}
	return NULL;
}

static int sign(EVP_PKEY *key, const char *device, uint64_t counter, uint8_t *out, size_t *len)
{
	struct mayday_indication ind;
	struct mayday_signer signer;
	memset(&ind, 0, sizeof(ind));
	snprintf(ind.device_id, sizeof(ind.device_id), "%s", device);
	ind.counter = counter;
	ind.time = 1700000000;
	snprintf(ind.dcf_version, sizeof(ind.dcf_version), "it-0.1");
	ind.transport = MAYDAY_TRANSPORT_PLAIN_UDP;
	ind.free_space = 1u << 20;
	ind.max_image_size = 1u << 24;
	ind.evidence.reason = MAYDAY_REASON_COMPONENT_MISMATCH;
	snprintf(ind.evidence.image_version, sizeof(ind.evidence.image_version), "1.0.0");
	ind.evidence.n_failed = 1;
	snprintf(ind.evidence.failed[0].name, sizeof(ind.evidence.failed[0].name), "rootfs.img");
	ind.evidence.failed[0].flags = MAYDAY_COMP_DIGEST_MISMATCH;
	ind.evidence.failed[0].expected_size = ind.evidence.failed[0].measured_size = 4096;
	memset(ind.evidence.failed[0].expected, 0xaa, MAYDAY_DIGEST_LEN);
	memset(ind.evidence.failed[0].measured, 0xbb, MAYDAY_DIGEST_LEN);
	if (mayday_signer_from_pkey(&signer, key, NULL, 0) != MAYDAY_OK ||
	    mayday_indication_sign(&ind, &signer, out, MAYDAY_INDICATION_MAX, len) != MAYDAY_OK)
		return -1;
	return 0;
}

/* Waits up to wait_ms for a verified ack of `counter`; 1 if one came. */
static int acked(int fd, EVP_PKEY *hems, const char *device, uint64_t counter, unsigned wait_ms)
{
	uint8_t buf[MAYDAY_ACK_MAX + 1];
	uint64_t end = now_ms() + wait_ms;
	for (;;) {
		uint64_t now = now_ms();
		if (now >= end)
			return 0;
		struct pollfd p = {.fd = fd, .events = POLLIN};
		if (poll(&p, 1, (int)(end - now)) <= 0)
			continue;
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		struct mayday_ack ack;
		struct mayday_diag diag;
		if (n > 0 && mayday_ack_verify(buf, (size_t)n, hems, &ack, &diag) == MAYDAY_OK &&
		    strcmp(ack.device_id, device) == 0 && ack.counter == counter &&
		    ack.status == MAYDAY_ACK_STORED)
			return 1;
	}
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{"port", required_argument, NULL, 'p'}, {"key", required_argument, NULL, 'k'},
		{"device", required_argument, NULL, 'd'}, {"hems-pub", required_argument, NULL, 'h'},
		{"rate", required_argument, NULL, 'r'}, {"legit", required_argument, NULL, 'n'},
		{"wait-ms", required_argument, NULL, 'w'}, {"counter", required_argument, NULL, 'c'},
		{NULL, 0, NULL, 0},
	};
	const char *key_path = NULL, *device = NULL, *hems_path = NULL;
	unsigned port = 0, rate = 50000, legit = 10, wait_ms = 1000;
	uint64_t base = 1000;
	int c;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'p': port = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'k': key_path = optarg; break;
		case 'd': device = optarg; break;
		case 'h': hems_path = optarg; break;
		case 'r': rate = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'n': legit = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'w': wait_ms = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'c': base = strtoull(optarg, NULL, 10); break;
		default: return 2;
		}
	}
	if (port == 0 || port > 65535 || key_path == NULL || device == NULL || hems_path == NULL ||
	    rate == 0 || rate > 1000000 || legit == 0 || legit > 1000 || wait_ms > 10000) {
		fprintf(stderr, "usage: srv_flood --port P --key DEV.pem --device ID "
			"--hems-pub PUB.pem [--rate R] [--legit N] [--wait-ms W] [--counter C]\n");
		return 2;
	}
	EVP_PKEY *dev = NULL, *hems = NULL, *forger = NULL;
	if (mayday_key_load_private(key_path, &dev) != MAYDAY_OK ||
	    mayday_key_load_public(hems_path, &hems) != MAYDAY_OK ||
	    mayday_key_generate(&forger) != MAYDAY_OK) {
		fprintf(stderr, "srv_flood: keys unusable\n");
		return 1;
	}
	static uint8_t forged[MAYDAY_INDICATION_MAX], ind[MAYDAY_INDICATION_MAX];
	size_t forged_len, ind_len;
	struct flood f = {.rate = rate, .buf = forged};
	int dfd = udp_from("127.0.0.1", port);
	f.fd = udp_from("127.0.0.2", port);
	if (dfd < 0 || f.fd < 0 || sign(forger, device, base, forged, &forged_len) != 0)
		return 1;
	f.len = forged_len;
	pthread_t th;
	if (pthread_create(&th, NULL, flood_main, &f) != 0)
		return 1;
	/* The flood is under way before the device speaks. */
	struct timespec ramp = {0, 300 * 1000000L};
	nanosleep(&ramp, NULL);
	unsigned first = 0, second = 0, missed = 0;
	for (unsigned i = 1; i <= legit; i++) {
		if (sign(dev, device, base + i, ind, &ind_len) != 0)
			return 1;
		int at = 0;
		for (int send_no = 1; send_no <= 2 && !at; send_no++) {
			(void)send(dfd, ind, ind_len, 0);
			if (acked(dfd, hems, device, base + i, wait_ms))
				at = send_no;
		}
		first += at == 1;
		second += at == 2;
		missed += at == 0;
	}
	atomic_store(&f.stop, 1);
	pthread_join(th, NULL);
	printf("legit=%u first=%u second=%u missed=%u forged=%lu\n", legit, first, second, missed,
	       f.sent);
	close(dfd);
	close(f.fd);
	EVP_PKEY_free(dev);
	EVP_PKEY_free(hems);
	EVP_PKEY_free(forger);
	return missed == 0 ? 0 : 1;
}

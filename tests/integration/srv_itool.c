/* SPDX-License-Identifier: Apache-2.0 */
/*
 * srv_itool: the device side of maydayd's integration tests, small enough
 * to check by reading.
 *
 *   srv_itool sign --key KEY.pem --device ID --counter N [--transport T]
 *                  [--time-add S] --out FILE
 *       a signed indication (COSE_Sign1) as a device would send it
 *   srv_itool ack --hems-pub PUB.pem --in FILE [--device ID] [--counter N]
 *       verifies a signed ack; prints "status=S incident=I device=D counter=C",
 *       followed by " action=remediate" when it says so, and on a second line
 *       "action=A retry_after=R" (numbers)
 *   srv_itool enrol-psk --db STORE --kek FILE --device ID --kid HEX --psk HEX
 *       the PSK sealed in the store under the KEK FILE, as maydayd reads it
 *   srv_itool psk --port P --kid HEX --psk HEX --in FILE --hems-pub PUB.pem
 *                 [--counter N] [--mode good|bitflip|truncated|oversized]
 *                 [--wait-ms T]
 *       seals the signed indication FILE under counter N (default: its own
 *       counter claim) and sends it to 127.0.0.1:P. good: waits for the
 *       sealed answer, opens it, verifies the ack and prints it as `ack`
 *       does (exit 0), or prints "no answer" (exit 3). The hostile modes
 *       send every one-bit flip / every strict prefix / padded copies of the
 *       sealed datagram and count the answers that open (expected: none).
 *   srv_itool udp --port P --in FILE --hems-pub PUB.pem [--wait-ms T]
 *       sends the signed indication FILE to 127.0.0.1:P (plain UDP), waits
 *       for the first answer and prints it as `ack` does (exit 0), or
 *       prints "no answer" (exit 3).
 *
 * Exit: 0 ok, 1 failure, 2 usage, 3 no answer.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "mayday/indication.h"
#include "mayday/keys.h"
#include "mayday/psk.h"
#include "store.h"

enum { OK = 0, FAIL = 1, USAGE = 2, NO_ANSWER = 3 };

struct opts {
	const char *key, *device, *out, *in, *hems_pub, *db, *kek, *kid_hex, *psk_hex, *mode;
	uint64_t counter;
	int have_counter;
	uint32_t transport;
	uint64_t time_add;
	unsigned port, wait_ms;
};

static int read_file(const char *path, uint8_t *buf, size_t cap, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL) {
		fprintf(stderr, "srv_itool: %s: %s\n", path, strerror(errno));
		return -1;
	}
	*len = fread(buf, 1, cap, f);
	int bad = ferror(f) || *len == cap;
	fclose(f);
	if (bad)
		fprintf(stderr, "srv_itool: %s: unreadable or too big\n", path);
	return bad ? -1 : 0;
}

static int write_file(const char *path, const uint8_t *buf, size_t len)
{
	FILE *f = fopen(path, "wb");
	if (f == NULL || fwrite(buf, 1, len, f) != len || fclose(f) != 0) {
		fprintf(stderr, "srv_itool: %s: cannot write\n", path);
		return -1;
	}
	return 0;
}

static int unhex(const char *hex, uint8_t *out, size_t cap, size_t *len)
{
	size_t n = strlen(hex);
	if (n % 2 || n / 2 > cap)
		return -1;
	for (size_t i = 0; i < n / 2; i++) {
		unsigned v;
		if (sscanf(hex + 2 * i, "%2x", &v) != 1)
			return -1;
		out[i] = (uint8_t)v;
	}
	*len = n / 2;
	return 0;
}

static int cmd_sign(const struct opts *o)
{
	struct mayday_indication ind;
	struct mayday_signer signer;
	EVP_PKEY *key = NULL;
	uint8_t out[MAYDAY_INDICATION_MAX];
	size_t len;
	int rc = FAIL;
	if (o->key == NULL || o->device == NULL || !o->have_counter || o->out == NULL)
		return USAGE;
	if (mayday_key_load_private(o->key, &key) != MAYDAY_OK) {
		fprintf(stderr, "srv_itool: %s: not a P-256 private key\n", o->key);
		return FAIL;
	}
	memset(&ind, 0, sizeof(ind));
	snprintf(ind.device_id, sizeof(ind.device_id), "%s", o->device);
	ind.counter = o->counter;
	ind.time = 1700000000 + o->time_add;
	snprintf(ind.dcf_version, sizeof(ind.dcf_version), "it-0.1");
	ind.transport = o->transport;
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
	if (mayday_signer_from_pkey(&signer, key, NULL, 0) == MAYDAY_OK &&
	    mayday_indication_sign(&ind, &signer, out, sizeof(out), &len) == MAYDAY_OK &&
	    write_file(o->out, out, len) == 0)
		rc = OK;
	EVP_PKEY_free(key);
	return rc;
}

/* Verifies a signed ack against the expectations given; prints it. */
static int check_ack(const struct opts *o, EVP_PKEY *hems, const uint8_t *buf, size_t len)
{
	struct mayday_ack ack;
	struct mayday_diag diag = {0, NULL};
	enum mayday_err err = mayday_ack_verify(buf, len, hems, &ack, &diag);
	if (err != MAYDAY_OK) {
		fprintf(stderr, "srv_itool: ack does not verify: %s\n", mayday_strerror(err));
		return FAIL;
	}
	printf("status=%s incident=%llu device=%s counter=%llu%s\n",
	       ack.status == MAYDAY_ACK_STORED ? "stored"
	       : ack.status == MAYDAY_ACK_STORED_UNVERIFIED ? "stored-unverified" : "rejected",
	       (unsigned long long)ack.incident_id, ack.device_id,
	       (unsigned long long)ack.counter,
	       ack.action == MAYDAY_ACTION_REMEDIATE ? " action=remediate" : "");
	printf("action=%u retry_after=%u\n", (unsigned)ack.action, (unsigned)ack.retry_after);
	if ((o->device != NULL && strcmp(o->device, ack.device_id) != 0) ||
	    (o->have_counter && o->counter != ack.counter)) {
		fprintf(stderr, "srv_itool: ack for another device or counter\n");
		return FAIL;
	}
	return OK;
}

static EVP_PKEY *load_hems(const char *path)
{
	EVP_PKEY *k = NULL;
	if (path == NULL || mayday_key_load_public(path, &k) != MAYDAY_OK) {
		fprintf(stderr, "srv_itool: --hems-pub: not a P-256 public key\n");
		return NULL;
	}
	return k;
}

static int cmd_ack(const struct opts *o)
{
	uint8_t buf[MAYDAY_ACK_MAX + 1];
	size_t len;
	if (o->in == NULL)
		return USAGE;
	EVP_PKEY *hems = load_hems(o->hems_pub);
	if (hems == NULL)
		return USAGE;
	int rc = read_file(o->in, buf, sizeof(buf), &len) == 0 ? check_ack(o, hems, buf, len) : FAIL;
	EVP_PKEY_free(hems);
	return rc;
}

/* init-store --db SPEC: what maydayd's first start does to a store, for
 * tests that enrol devices before they start the daemon (maydayctl never
 * creates a store). */
static int cmd_init_store(const struct opts *o)
{
	struct store *st = NULL;
	char why[512];
	if (o->db == NULL)
		return USAGE;
	if (store_open_ex(&st, o->db, STORE_OPEN_CREATE | STORE_OPEN_CHECK, why, sizeof(why)) !=
	    MAYDAY_OK) {
		fprintf(stderr, "init-store: %s\n", why);
		return FAIL;
	}
	store_close(st);
	return OK;
}

static int cmd_enrol_psk(const struct opts *o)
{
	uint8_t kid[MAYDAY_PSK_KID_MAX], psk[MAYDAY_PSK_LEN];
	size_t kid_len, psk_len;
	struct store *st = NULL;
	if (o->db == NULL || o->kek == NULL || o->device == NULL || o->kid_hex == NULL ||
	    o->psk_hex == NULL || unhex(o->kid_hex, kid, sizeof(kid), &kid_len) != 0 ||
	    unhex(o->psk_hex, psk, sizeof(psk), &psk_len) != 0)
		return USAGE;
	enum mayday_err err = store_open(&st, o->db);
	if (err == MAYDAY_OK)
		err = store_psk_kek(st, o->kek);
	if (err == MAYDAY_OK)
		err = store_enrol_psk(st, o->device, kid, kid_len, psk, psk_len);
	store_close(st);
	if (err != MAYDAY_OK) {
		fprintf(stderr, "srv_itool: enrol-psk: %s\n", mayday_strerror(err));
		return FAIL;
	}
	return OK;
}

static int udp_socket(unsigned port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
		perror("srv_itool: udp");
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* Receives datagrams for wait_ms; returns how many open as answers to
 * `counter`, the last one's plaintext into ack/ack_len. */
static size_t collect(int fd, const struct mayday_psk_keys *keys, uint64_t counter,
		      unsigned wait_ms, uint8_t *ack, size_t *ack_len)
{
	uint8_t buf[MAYDAY_PSK_DATAGRAM_MAX + 1], pt[MAYDAY_ACK_MAX];
	struct timespec start, now;
	size_t opened = 0;
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		long el = (now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000;
		if (el >= (long)wait_ms)
			break;
		struct pollfd p = {.fd = fd, .events = POLLIN};
		if (poll(&p, 1, (int)(wait_ms - (unsigned long)el)) <= 0)
			continue;
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		if (n <= 0)
			continue;
		struct mayday_diag diag;
		size_t pt_len = 0;
		if (mayday_psk_open_response(keys, counter, buf, (size_t)n, pt, sizeof(pt), &pt_len,
					     &diag) == MAYDAY_OK) {
			opened++;
			memcpy(ack, pt, pt_len);
			*ack_len = pt_len;
		}
	}
	return opened;
}

static int cmd_psk(const struct opts *o)
{
	uint8_t kid[MAYDAY_PSK_KID_MAX], psk[MAYDAY_PSK_LEN], ind[MAYDAY_INDICATION_MAX + 1];
	uint8_t dg[MAYDAY_PSK_DATAGRAM_MAX], big[MAYDAY_PSK_DATAGRAM_MAX + 200];
	uint8_t ack[MAYDAY_ACK_MAX];
	size_t kid_len, psk_len, ind_len, dg_len, ack_len = 0;
	struct mayday_psk_keys keys = {0};
	struct mayday_cose_sign1 msg;
	struct mayday_indication claims;
	struct mayday_diag diag;
	int rc = FAIL, fd = -1;
	EVP_PKEY *hems = NULL;
	const char *mode = o->mode ? o->mode : "good";

	if (o->port == 0 || o->kid_hex == NULL || o->psk_hex == NULL || o->in == NULL ||
	    unhex(o->kid_hex, kid, sizeof(kid), &kid_len) != 0 ||
	    unhex(o->psk_hex, psk, sizeof(psk), &psk_len) != 0 || (hems = load_hems(o->hems_pub)) == NULL)
		return USAGE;
	if (read_file(o->in, ind, sizeof(ind), &ind_len) != 0 ||
	    mayday_indication_open(ind, ind_len, &msg, &claims, &diag) != MAYDAY_OK) {
		fprintf(stderr, "srv_itool: %s: not a signed indication\n", o->in);
		goto out;
	}
	uint64_t counter = o->have_counter ? o->counter : claims.counter;
	if (mayday_psk_derive(psk, psk_len, kid, kid_len, &keys) != MAYDAY_OK ||
	    mayday_psk_seal_request(&keys, counter, ind, ind_len, dg, sizeof(dg), &dg_len) !=
		    MAYDAY_OK) {
		fprintf(stderr, "srv_itool: cannot seal\n");
		goto out;
	}
	if ((fd = udp_socket(o->port)) < 0)
		goto out;
	if (strcmp(mode, "good") == 0) {
		(void)send(fd, dg, dg_len, 0);
		if (collect(fd, &keys, counter, o->wait_ms, ack, &ack_len) == 0) {
			printf("no answer\n");
			rc = NO_ANSWER;
			goto out;
		}
		struct opts expect = *o;
		expect.device = claims.device_id;
		expect.counter = counter;
		expect.have_counter = 1;
		rc = check_ack(&expect, hems, ack, ack_len);
		goto out;
	}
	size_t sent = 0;
	if (strcmp(mode, "bitflip") == 0) {
		for (size_t i = 0; i < dg_len; i++) {
			memcpy(big, dg, dg_len);
			big[i] ^= (uint8_t)(1u << (i % 8));
			sent += send(fd, big, dg_len, 0) == (ssize_t)dg_len;
		}
	} else if (strcmp(mode, "truncated") == 0) {
		for (size_t l = 0; l < dg_len; l++)
			sent += send(fd, dg, l, 0) == (ssize_t)l;
	} else if (strcmp(mode, "oversized") == 0) {
		static const size_t sizes[] = {MAYDAY_PSK_DATAGRAM_MAX + 1,
					       MAYDAY_PSK_DATAGRAM_MAX + 100};
		memset(big, 0, sizeof(big));
		memcpy(big, dg, dg_len);
		for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
			sent += send(fd, big, sizes[i], 0) == (ssize_t)sizes[i];
		sent += send(fd, big, dg_len + 1, 0) == (ssize_t)dg_len + 1; /* a trailing byte */
	} else {
		rc = USAGE;
		goto out;
	}
	size_t answers = collect(fd, &keys, counter, o->wait_ms, ack, &ack_len);
	printf("mode=%s datagrams=%zu answers=%zu\n", mode, sent, answers);
	rc = answers == 0 ? OK : FAIL;
out:
	mayday_psk_keys_wipe(&keys);
	if (fd >= 0)
		close(fd);
	EVP_PKEY_free(hems);
	return rc;
}

/* udp --port P --in FILE --hems-pub PUB.pem [--wait-ms T]: the plain UDP
 * method: sends the signed indication FILE, waits up to T ms for the first
 * answer and checks it as `ack` does (exit 3: no answer). */
static int cmd_udp(const struct opts *o)
{
	uint8_t ind[MAYDAY_INDICATION_MAX + 1], ack[MAYDAY_ACK_MAX + 1];
	size_t ind_len;
	int rc = FAIL, fd = -1;
	EVP_PKEY *hems = NULL;
	if (o->port == 0 || o->in == NULL || (hems = load_hems(o->hems_pub)) == NULL)
		return USAGE;
	if (read_file(o->in, ind, sizeof(ind), &ind_len) != 0 || (fd = udp_socket(o->port)) < 0)
		goto out;
	if (send(fd, ind, ind_len, 0) != (ssize_t)ind_len) {
		perror("srv_itool: send");
		goto out;
	}
	struct pollfd p = {.fd = fd, .events = POLLIN};
	ssize_t n = poll(&p, 1, (int)o->wait_ms) == 1 ? recv(fd, ack, sizeof(ack), 0) : -1;
	if (n <= 0) {
		printf("no answer\n");
		rc = NO_ANSWER;
		goto out;
	}
	rc = check_ack(o, hems, ack, (size_t)n);
out:
	if (fd >= 0)
		close(fd);
	EVP_PKEY_free(hems);
	return rc;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{"key", required_argument, NULL, 'k'}, {"device", required_argument, NULL, 'd'},
		{"counter", required_argument, NULL, 'c'}, {"transport", required_argument, NULL, 't'},
		{"time-add", required_argument, NULL, 'T'}, {"out", required_argument, NULL, 'o'},
		{"in", required_argument, NULL, 'i'}, {"hems-pub", required_argument, NULL, 'h'},
		{"db", required_argument, NULL, 'D'}, {"kid", required_argument, NULL, 'K'},
		{"psk", required_argument, NULL, 'P'}, {"port", required_argument, NULL, 'p'},
		{"mode", required_argument, NULL, 'm'}, {"wait-ms", required_argument, NULL, 'w'},
		{"kek", required_argument, NULL, 'E'}, {NULL, 0, NULL, 0},
	};
	struct opts o = {.transport = MAYDAY_TRANSPORT_PLAIN_HTTP, .wait_ms = 1000};
	int c;
	if (argc < 2) {
		fprintf(stderr, "usage: srv_itool sign|ack|init-store|enrol-psk|psk|udp [options] (see the source)\n");
		return USAGE;
	}
	const char *cmd = argv[1];
	optind = 2;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'k': o.key = optarg; break;
		case 'd': o.device = optarg; break;
		case 'c': o.counter = strtoull(optarg, NULL, 10); o.have_counter = 1; break;
		case 't': o.transport = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'T': o.time_add = strtoull(optarg, NULL, 10); break;
		case 'o': o.out = optarg; break;
		case 'i': o.in = optarg; break;
		case 'h': o.hems_pub = optarg; break;
		case 'D': o.db = optarg; break;
		case 'E': o.kek = optarg; break;
		case 'K': o.kid_hex = optarg; break;
		case 'P': o.psk_hex = optarg; break;
		case 'p': o.port = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'm': o.mode = optarg; break;
		case 'w': o.wait_ms = (unsigned)strtoul(optarg, NULL, 10); break;
		default: return USAGE;
		}
	}
	int rc = USAGE;
	if (strcmp(cmd, "sign") == 0)
		rc = cmd_sign(&o);
	else if (strcmp(cmd, "ack") == 0)
		rc = cmd_ack(&o);
	else if (strcmp(cmd, "init-store") == 0)
		rc = cmd_init_store(&o);
	else if (strcmp(cmd, "enrol-psk") == 0)
		rc = cmd_enrol_psk(&o);
	else if (strcmp(cmd, "psk") == 0)
		rc = cmd_psk(&o);
	else if (strcmp(cmd, "udp") == 0)
		rc = cmd_udp(&o);
	if (rc == USAGE)
		fprintf(stderr, "srv_itool %s: bad or missing arguments\n", cmd);
	return rc;
}

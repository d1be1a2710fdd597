/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store_ingest: maydayd's store alone, driven the way its writer drives it
 * (store_ingest_begin, `batch` store_ingest_put, store_ingest_commit) with
 * rows shaped like the ingest benches' (bench/ingest_udp.sh,
 * bench/ingest_psk.sh): `devices` enrolled devices taking turns, counters
 * rising per device, one failed component each, the COSE bytes as raw.
 * No network, no crypto on the timed path: what is left is the store's
 * own cost per indication, the figure the SQLite ceiling of
 * bench/ingest_psk.sh is compared with.
 *
 * It prints one line:
 *   store ingest: method=M rows=N batch=B commits=C cpu_put_us=P cpu_commit_us=K
 *   cpu_us_per_row=T wall_us_per_row=W rows/s=R
 * cpu_put_us and cpu_commit_us are the process's CPU (user + system) per
 * row spent in the puts and in the COMMITs (BEGIN counted with the
 * commit); wall_us_per_row and rows/s include the wait for the disk. The
 * round with the least CPU of `rounds` (each on the store the previous
 * ones left, so later rounds see a larger file) is printed: the one least
 * disturbed by the rest of the box.
 *
 * usage: store_ingest DIR [udp|psk] [ROWS] [BATCH] [DEVICES] [ROUNDS]
 *   DIR: an empty directory for the store (hems.db) and its KEK
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mayday/indication.h"
#include "mayday/kek.h"
#include "mayday/keys.h"
#include "store.h"
#include "store_ingest.h"

#define RAW_MAX 512
#define KID_LEN 8

struct row {
	struct mayday_indication ind;
	struct store_ingest_rec rec;
	uint8_t raw[RAW_MAX];
	uint8_t kid[KID_LEN];
};

static double clock_us(clockid_t c)
{
	struct timespec ts;
	clock_gettime(c, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

/* Wall time, and the process's CPU (user + system: the kernel's share of
 * the WAL writes and the fsync counted, the wait for the disk not). */
static double now_us(void) { return clock_us(CLOCK_MONOTONIC); }
static double cpu_us(void) { return clock_us(CLOCK_PROCESS_CPUTIME_ID); }

static void kid_of(size_t dev, uint8_t kid[KID_LEN])
{
	for (int i = 0; i < KID_LEN; i++)
		kid[i] = (uint8_t)(dev >> (8 * (i % 4)) ^ (uint8_t)(0xa0 + i));
}

/* As mayday-sim fills its indications (tools/sim/sim_fleet.c). */
static void fill(struct row *r, size_t dev, uint64_t counter, bool psk)
{
	struct mayday_indication *ind = &r->ind;
	struct store_ingest_rec *rec = &r->rec;
	size_t len = 0;
	memset(r, 0, sizeof(*r));
	snprintf(ind->device_id, sizeof(ind->device_id), "sim-%06zu", dev);
	ind->counter = counter;
	ind->time = 1700000000 + counter;
	snprintf(ind->dcf_version, sizeof(ind->dcf_version), "sim-0.1");
	ind->transport = psk ? MAYDAY_TRANSPORT_PSK : MAYDAY_TRANSPORT_PLAIN_UDP;
	ind->free_space = 64u << 20;
	ind->max_image_size = 256u << 20;
	struct mayday_evidence *ev = &ind->evidence;
	ev->reason = MAYDAY_REASON_COMPONENT_MISMATCH;
	snprintf(ev->image_version, sizeof(ev->image_version), "1.0.%llu",
		 (unsigned long long)(counter % 7));
	ev->manifest_rollback = 3;
	ev->boot_attempts = 1;
	ev->n_failed = 1;
	struct mayday_component_evidence *c = &ev->failed[0];
	snprintf(c->name, sizeof(c->name), "rootfs.img");
	c->flags = MAYDAY_COMP_DIGEST_MISMATCH;
	c->expected_size = c->measured_size = 1u << 20;
	mayday_sha256(ind->device_id, strlen(ind->device_id), c->expected);
	mayday_sha256(&counter, sizeof(counter), c->measured);

	if (mayday_indication_encode_claims(ind, r->raw, RAW_MAX - 96, &len) != MAYDAY_OK)
		abort();
	rec->ind = ind;
	mayday_sha256(r->raw, len, rec->digest);
	/* The COSE_Sign1 around the claims: protected header, signature. */
	memset(r->raw + len, 0x5a, 84);
	rec->raw = r->raw;
	rec->raw_len = len + 84;
	rec->trust = STORE_TRUST_SIGNED;
	rec->transport = ind->transport;
	rec->received_at = (int64_t)time(NULL);
	rec->peer = "127.0.0.1:40000";
	rec->peer_identity = "";
	rec->channel_auth = STORE_CHANNEL_NONE;
	if (psk) {
		kid_of(dev, r->kid);
		rec->channel_auth = STORE_CHANNEL_PSK;
		rec->psk_kid = r->kid;
		rec->psk_kid_len = KID_LEN;
		rec->peer_identity = "a0a1a2a3a4a5a6a7";
	}
}

static int enrol(struct store *st, size_t devices, bool psk, const char *kek)
{
	EVP_PKEY *key = NULL;
	char pem[512], id[32];
	uint8_t secret[MAYDAY_PSK_LEN], kid[KID_LEN];
	size_t len;
	if (mayday_key_generate(&key) != MAYDAY_OK ||
	    mayday_key_public_to_pem(key, pem, sizeof(pem), &len) != MAYDAY_OK)
		return -1;
	EVP_PKEY_free(key);
	if (psk && (mayday_kek_create(kek) != MAYDAY_OK || store_psk_kek(st, kek) != MAYDAY_OK))
		return -1;
	for (size_t d = 0; d < devices; d++) {
		snprintf(id, sizeof(id), "sim-%06zu", d);
		if (store_enrol(st, id, "femto-a", pem) != MAYDAY_OK)
			return -1;
		if (!psk)
			continue;
		memset(secret, (int)(d & 0xff), sizeof(secret));
		kid_of(d, kid);
		if (store_enrol_psk(st, id, kid, sizeof(kid), secret, sizeof(secret)) != MAYDAY_OK)
			return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: store_ingest DIR [udp|psk] [ROWS] [BATCH] [DEVICES] [ROUNDS]\n");
		return 2;
	}
	const char *dir = argv[1];
	bool psk = argc > 2 && strcmp(argv[2], "psk") == 0;
	size_t rows = argc > 3 ? strtoul(argv[3], NULL, 10) : 50000;
	size_t batch = argc > 4 ? strtoul(argv[4], NULL, 10) : 256;
	size_t devices = argc > 5 ? strtoul(argv[5], NULL, 10) : 2000;
	int rounds = argc > 6 ? atoi(argv[6]) : 3;
	char spec[600], kek[600];
	struct store *st = NULL;
	if (rows == 0 || batch == 0 || devices == 0 || rounds <= 0) {
		fprintf(stderr, "store_ingest: ROWS, BATCH, DEVICES and ROUNDS must be positive\n");
		return 2;
	}
	snprintf(spec, sizeof(spec), "sqlite:%s/hems.db", dir);
	snprintf(kek, sizeof(kek), "%s/psk.kek", dir);
	struct row *r = calloc(batch, sizeof(*r));
	if (r == NULL || store_open(&st, spec) != MAYDAY_OK || enrol(st, devices, psk, kek) != 0) {
		fprintf(stderr, "store_ingest: cannot set up the store in %s\n", dir);
		return 1;
	}
	double best_put = 0, best_commit = 0, best_cpu_put = 0, best_cpu_commit = 0;
	size_t next = 0, commits = 0;
	for (int round = 0; round < rounds; round++) {
		double put = 0, commit = 0, cpu_put = 0, cpu_commit = 0;
		size_t done = 0;
		commits = 0;
		while (done < rows) {
			size_t n = rows - done < batch ? rows - done : batch;
			for (size_t i = 0; i < n; i++, next++)
				fill(&r[i], next % devices, next / devices + 1, psk);
			double c0 = cpu_us(), t0 = now_us();
			if (store_ingest_begin(st) != MAYDAY_OK)
				goto failed;
			double c1 = cpu_us(), t1 = now_us();
			for (size_t i = 0; i < n; i++) {
				if (store_ingest_put(st, &r[i].rec) != MAYDAY_OK ||
				    r[i].rec.outcome != STORE_NEW)
					goto failed;
			}
			double c2 = cpu_us(), t2 = now_us();
			if (store_ingest_commit(st) != MAYDAY_OK)
				goto failed;
			double c3 = cpu_us(), t3 = now_us();
			put += t2 - t1;
			commit += (t1 - t0) + (t3 - t2);
			cpu_put += c2 - c1;
			cpu_commit += (c1 - c0) + (c3 - c2);
			done += n;
			commits++;
		}
		if (round == 0 || cpu_put + cpu_commit < best_cpu_put + best_cpu_commit) {
			best_put = put;
			best_commit = commit;
			best_cpu_put = cpu_put;
			best_cpu_commit = cpu_commit;
		}
	}
	double per = (best_put + best_commit) / (double)rows;
	double cpu = (best_cpu_put + best_cpu_commit) / (double)rows;
	printf("store ingest: method=%s rows=%zu batch=%zu commits=%zu cpu_put_us=%.2f "
	       "cpu_commit_us=%.2f cpu_us_per_row=%.2f wall_us_per_row=%.2f rows/s=%.0f\n",
	       psk ? "psk" : "udp", rows, batch, commits, best_cpu_put / (double)rows,
	       best_cpu_commit / (double)rows, cpu, per, per > 0 ? 1e6 / per : 0);
	store_close(st);
	free(r);
	return 0;
failed:
	fprintf(stderr, "store_ingest: row %zu not stored as new: %s\n", next,
		store_errmsg(st));
	store_close(st);
	free(r);
	return 1;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ack_batch: the H(e)MS's CPU per acknowledgement, in-process: one ES256
 * signature per ack (mayday_ack_sign with a kept signer, what maydayd's
 * workers do for the single form) against batch acknowledgements
 * (docs/protocol.md §7.2: claims encoded and hashed as leaves, one root
 * signature per batch, each leaf's message encoded with its path), for
 * batches of 1, 8, 64, 230 and 1000 acks. Thread CPU time, best of 3
 * rounds, so the figure depends little on what else runs on the machine.
 * Prints "single <µs/ack>" then "batch <size> <µs/ack>" per size.
 * usage: ack_batch [ACKS]  (default 20000 per round)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/ec.h>
#include <openssl/evp.h>

#include "mayday/ack_batch.h"

static double cpu_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static void fill(struct mayday_ack *a, long i)
{
	memset(a, 0, sizeof(*a));
	snprintf(a->device_id, sizeof(a->device_id), "sim1234-%06ld", i % 2000);
	a->counter = 1000 + (uint64_t)i;
	a->incident_id = 1 + (uint64_t)(i % 2000);
	a->status = MAYDAY_ACK_STORED;
	a->action = MAYDAY_ACTION_NONE;
}

static int single(const struct mayday_signer *s, long n)
{
	static uint8_t out[MAYDAY_ACK_MAX];
	struct mayday_ack a;
	size_t len;

	for (long i = 0; i < n; i++) {
		fill(&a, i);
		if (mayday_ack_sign(&a, s, out, sizeof(out), &len) != MAYDAY_OK)
			return -1;
	}
	return 0;
}

static int batched(const struct mayday_signer *s, struct mayday_ack_tree *t, long n, long size)
{
	static uint8_t claims[1000][MAYDAY_ACK_MAX], out[MAYDAY_ACK_MAX];
	static size_t claims_len[1000];
	struct mayday_ack a;
	size_t idx, len;

	for (long done = 0; done < n; done += size) {
		mayday_ack_tree_reset(t);
		for (long i = 0; i < size; i++) {
			fill(&a, done + i);
			if (mayday_ack_encode_claims(&a, claims[i], sizeof(claims[i]),
						     &claims_len[i]) != MAYDAY_OK ||
			    mayday_ack_tree_add(t, claims[i], claims_len[i], &idx) != MAYDAY_OK)
				return -1;
		}
		if (mayday_ack_tree_sign(t, s) != MAYDAY_OK)
			return -1;
		for (long i = 0; i < size; i++) {
			if (mayday_ack_tree_encode(t, (size_t)i, claims[i], claims_len[i], out,
						   sizeof(out), &len) != MAYDAY_OK)
				return -1;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const long sizes[] = {1, 8, 64, 230, 1000};
	long n = argc > 1 ? strtol(argv[1], NULL, 10) : 20000;
	EVP_PKEY *key = EVP_EC_gen("P-256");
	struct mayday_signer s;
	struct mayday_ack_tree *t;
	double best;

	if (n < 1000 || !key || mayday_signer_open(&s, key, NULL, 0) != MAYDAY_OK ||
	    mayday_ack_tree_new(&t, 1000) != MAYDAY_OK) {
		fprintf(stderr, "ack_batch: set-up failed (ACKS >= 1000)\n");
		return 1;
	}
	n -= n % 1000;
	best = -1;
	for (int round = 0; round < 3; round++) {
		double t0 = cpu_us();

		if (single(&s, n / 4) != 0)   /* a quarter: the signatures dominate */
			return 1;
		double us = (cpu_us() - t0) / (double)(n / 4);
		if (best < 0 || us < best)
			best = us;
	}
	printf("single %.2f\n", best);
	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		long m = sizes[k] == 1 ? n / 4 : n - n % sizes[k];

		best = -1;
		for (int round = 0; round < 3; round++) {
			double t0 = cpu_us();

			if (batched(&s, t, m, sizes[k]) != 0)
				return 1;
			double us = (cpu_us() - t0) / (double)m;
			if (best < 0 || us < best)
				best = us;
		}
		printf("batch %ld %.2f\n", sizes[k], best);
	}
	mayday_ack_tree_free(t);
	mayday_signer_close(&s);
	EVP_PKEY_free(key);
	return 0;
}

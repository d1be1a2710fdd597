/* SPDX-License-Identifier: Apache-2.0 */
/*
 * key_load: N loads of one P-256 public key PEM, timed in-process, through
 * mayday_key_public_from_pem (its fast path, lib/src/keys.c: a prepared
 * P-256 key copied and its point set) and through
 * OpenSSL's PEM readers alone (mayday_key_public_from_pem_openssl, what a
 * maydayd key-cache miss paid before). Prints one line:
 *   <fast µs/load> <openssl µs/load> <ratio openssl/fast>
 * Each figure is the best of 3 rounds (the least disturbed by the rest of
 * the machine). usage: key_load [N]  (default 2000)
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <openssl/evp.h>

#include "mayday/keys.h"

typedef enum mayday_err (*load_fn)(const uint8_t *, size_t, EVP_PKEY **);

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

/* Best of 3 rounds of n loads, µs a load; -1 if a load fails. */
static double time_loads(load_fn load, const char *pem, size_t len, long n)
{
	double best = -1;

	for (int round = 0; round < 3; round++) {
		double t0 = now_us();

		for (long i = 0; i < n; i++) {
			EVP_PKEY *k = NULL;

			if (load((const uint8_t *)pem, len, &k) != MAYDAY_OK)
				return -1;
			EVP_PKEY_free(k);
		}
		double us = (now_us() - t0) / (double)n;
		if (best < 0 || us < best)
			best = us;
	}
	return best;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? strtol(argv[1], NULL, 10) : 2000;
	EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	char pem[512];
	size_t len;

	if (n <= 0 || !key || mayday_key_public_to_pem(key, pem, sizeof(pem), &len) != MAYDAY_OK) {
		fprintf(stderr, "key_load: setup failed\n");
		return 1;
	}
	EVP_PKEY_free(key);
	double fast = time_loads(mayday_key_public_from_pem, pem, len, n);
	double slow = time_loads(mayday_key_public_from_pem_openssl, pem, len, n);
	if (fast <= 0 || slow <= 0) {
		fprintf(stderr, "key_load: a load failed\n");
		return 1;
	}
	printf("%.2f %.2f %.1f\n", fast, slow, slow / fast);
	return 0;
}

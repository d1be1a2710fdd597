/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Algorithms fetched once (algs.h). One pthread_once for the three: the
 * first caller fetches them all (a few microseconds, once), every later
 * caller reads three pointers that no longer change.
 */
#include <pthread.h>

#include <openssl/err.h>

#include "algs.h"

static pthread_once_t once = PTHREAD_ONCE_INIT;
static EVP_CIPHER *aes_256_gcm;
static EVP_MD *sha256;
static EVP_KDF *hkdf;

static void fetch(void)
{
	aes_256_gcm = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL);
	sha256 = EVP_MD_fetch(NULL, "SHA2-256", NULL);
	hkdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
	ERR_clear_error();
}

const EVP_CIPHER *algs_aes_256_gcm(void)
{
	pthread_once(&once, fetch);
	return aes_256_gcm;
}

const EVP_MD *algs_sha256(void)
{
	pthread_once(&once, fetch);
	return sha256;
}

EVP_KDF *algs_hkdf(void)
{
	pthread_once(&once, fetch);
	return hkdf;
}

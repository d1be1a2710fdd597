/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The OpenSSL 3 algorithms libmayday uses per message, fetched once per
 * process. Private to libmayday.
 *
 * Passing EVP_aes_256_gcm() or EVP_sha256() to an init call, or calling
 * EVP_KDF_fetch, makes OpenSSL 3 look the algorithm up in its provider
 * store on every call, under the store's reader-writer lock
 * (docs/performance.md, finding 6); a fetched method is looked up once.
 * The objects are shared by every thread, never changed, and never freed:
 * they live as long as the process (OpenSSL's methods are immutable and
 * may be used from several threads at once).
 *
 * Each returns NULL if the fetch failed (no default provider: a broken
 * installation); callers then fail with MAYDAY_E_INTERNAL.
 */
#ifndef MAYDAY_ALGS_H
#define MAYDAY_ALGS_H

#include <openssl/evp.h>
#include <openssl/kdf.h>

const EVP_CIPHER *algs_aes_256_gcm(void);
const EVP_MD *algs_sha256(void);
EVP_KDF *algs_hkdf(void);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Key, certificate and digest helpers over OpenSSL 3.
 * Every EVP_PKEY returned is owned by the caller (EVP_PKEY_free).
 */
#ifndef MAYDAY_KEYS_H
#define MAYDAY_KEYS_H

#include <stddef.h>
#include <stdint.h>
#include <openssl/evp.h>

#include "mayday/error.h"
#include "mayday/limits.h"

/* The organizationalUnitName of a device's *device* certificate (normal
 * code's TLS client certificate, docs/rot.md), which the DCF's distress
 * certificate never carries: the H(e)MS accepts it for CWMP only, never for
 * a distress indication, so normal code cannot act for the DCF. */
#define MAYDAY_DEVICE_CERT_OU "mayday-device-credentials"

/* Load a PEM private key (P-256 only; anything else: MAYDAY_E_KEY; no such
 * file: MAYDAY_E_NOTFOUND; a file group or others may access: MAYDAY_E_PERM,
 * see mayday_file_open_secret). Encrypted PEM is refused, never prompted for. */
MAYDAY_NODISCARD enum mayday_err mayday_key_load_private(const char *path, EVP_PKEY **out);
/* Load a PEM public key ("PUBLIC KEY") or the key of a PEM certificate;
 * P-256 only, like the private key (errors as mayday_key_load_private). */
MAYDAY_NODISCARD enum mayday_err mayday_key_load_public(const char *path, EVP_PKEY **out);
/* Same from memory (PEM text, not NUL-terminated necessarily; at most 64 KiB). */
MAYDAY_NODISCARD enum mayday_err mayday_key_public_from_pem(const uint8_t *pem, size_t len,
							     EVP_PKEY **out);
/* The two halves of mayday_key_public_from_pem, for its tests and benchmark.
 * mayday_key_p256_from_pem reads only the form mayday_key_public_to_pem
 * writes ("PUBLIC KEY" at offset 0, the 91-byte uncompressed P-256
 * SubjectPublicKeyInfo), without OpenSSL's PEM decoders, as a copy of a P-256
 * key made once per process with the point set: MAYDAY_E_UNSUPPORTED for any
 * other text, MAYDAY_E_KEY for a point not on the curve. Both are
 * thread-safe.
 * mayday_key_public_from_pem_openssl is the general path through OpenSSL's
 * PEM readers (a key or a certificate). mayday_key_public_from_pem tries the
 * first, then the second for whatever the first did not accept. */
MAYDAY_NODISCARD enum mayday_err mayday_key_p256_from_pem(const uint8_t *pem, size_t len,
							   EVP_PKEY **out);
MAYDAY_NODISCARD enum mayday_err mayday_key_public_from_pem_openssl(const uint8_t *pem, size_t len,
								     EVP_PKEY **out);
/* PEM of the public half, NUL-terminated, into the caller's buffer. */
MAYDAY_NODISCARD enum mayday_err mayday_key_public_to_pem(EVP_PKEY *key, char *out, size_t cap,
							   size_t *out_len);
/* New P-256 key. */
MAYDAY_NODISCARD enum mayday_err mayday_key_generate(EVP_PKEY **out);
/* Write private key PEM with mode 0600, durably (tmp, fsync, rename, fsync dir). */
MAYDAY_NODISCARD enum mayday_err mayday_key_save_private(EVP_PKEY *key, const char *path);
MAYDAY_NODISCARD enum mayday_err mayday_key_save_public(EVP_PKEY *key, const char *path);

/* SHA-256 of a buffer. */
void mayday_sha256(const void *data, size_t len, uint8_t out[MAYDAY_DIGEST_LEN]);
/* Lowercase hex, NUL-terminated; `out` needs 2*len+1 bytes. */
void mayday_hex(const uint8_t *in, size_t len, char *out);
/* Constant-time compare. */
int mayday_ct_equal(const void *a, const void *b, size_t len);

#endif

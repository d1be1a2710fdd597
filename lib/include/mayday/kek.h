/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The key-encryption key (KEK) that keeps the H(e)MS's per-device PSKs
 * encrypted at rest (docs/operations.md, "Secrets at rest").
 *
 * The KEK is a file of exactly MAYDAY_KEK_LEN random bytes, mode 0600,
 * kept outside the store (`[server] psk_kek` in maydayd.conf; made by
 * `mayday-provision init`). A secret is sealed with AES-256-GCM under a
 * fresh random 96-bit nonce; the caller's associated data binds the sealed
 * value to its place (for a PSK: its kid and device ID), so a sealed value
 * copied to another row does not open. Sealed layout, MAYDAY_KEK_SEALED_LEN
 * bytes: nonce (12) || ciphertext (MAYDAY_KEK_SECRET_LEN) || tag (16).
 *
 * Keys and plaintexts live in caller buffers; callers wipe them
 * (OPENSSL_cleanse) when done.
 */
#ifndef MAYDAY_KEK_H
#define MAYDAY_KEK_H

#include <stddef.h>
#include <stdint.h>

#include "mayday/error.h"

#define MAYDAY_KEK_LEN        32
#define MAYDAY_KEK_SECRET_LEN 32                             /* what is sealed: one PSK */
#define MAYDAY_KEK_SEALED_LEN (12 + MAYDAY_KEK_SECRET_LEN + 16)

/* A new random KEK written durably to `path` with mode 0600 (replacing any
 * file there: the caller decides whether that is allowed). */
MAYDAY_NODISCARD enum mayday_err mayday_kek_create(const char *path);

/* Reads the KEK at `path` into kek: MAYDAY_E_PERM if group or others may
 * access the file (mayday_file_open_secret), MAYDAY_E_NOTFOUND if absent,
 * MAYDAY_E_KEY unless it holds exactly MAYDAY_KEK_LEN bytes. */
MAYDAY_NODISCARD enum mayday_err mayday_kek_load(const char *path, uint8_t kek[MAYDAY_KEK_LEN]);

/* Seals `secret` under `kek` bound to aad[0..aad_len). */
MAYDAY_NODISCARD enum mayday_err mayday_kek_seal(const uint8_t kek[MAYDAY_KEK_LEN],
						 const uint8_t *aad, size_t aad_len,
						 const uint8_t secret[MAYDAY_KEK_SECRET_LEN],
						 uint8_t sealed[MAYDAY_KEK_SEALED_LEN]);

/* Opens `sealed`; MAYDAY_E_SIGNATURE if it was not sealed under `kek` with
 * this aad (another KEK, another row, or altered bytes): secret is then
 * zeroed. */
MAYDAY_NODISCARD enum mayday_err mayday_kek_open(const uint8_t kek[MAYDAY_KEK_LEN],
						 const uint8_t *aad, size_t aad_len,
						 const uint8_t sealed[MAYDAY_KEK_SEALED_LEN],
						 uint8_t secret[MAYDAY_KEK_SECRET_LEN]);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private to the RoT HAL: an OpenSSL key handle (EVP_PKEY) whose ECDSA
 * signatures are made by a callback -- in a TPM, or by mayday-rot-agent --
 * for hal_rot_tls_key of backends that hold no key bytes. OpenSSL's TLS
 * client signs its CertificateVerify with it like with any P-256 key.
 */
#ifndef MAYDAY_HAL_ROT_PKEY_H
#define MAYDAY_HAL_ROT_PKEY_H

#include <stdint.h>
#include <openssl/evp.h>

#include "mayday/error.h"
#include "mayday/limits.h"

/* ECDSA P-256 over a 32-byte digest: r || s. */
typedef enum mayday_err (*rot_pkey_sign_fn)(void *ctx, const uint8_t digest[32],
					    uint8_t sig[MAYDAY_ES256_SIG_LEN]);

/* A key with `pub`'s public half (borrowed; P-256) that signs through fn.
 * `ctx` is borrowed and must outlive every use of *out (the RoT handle:
 * "valid while the RoT is open", rot.h). Caller owns *out (EVP_PKEY_free).
 * MAYDAY_E_KEY if pub is not a P-256 key, MAYDAY_E_NOMEM. */
MAYDAY_NODISCARD enum mayday_err rot_pkey_new(EVP_PKEY *pub, rot_pkey_sign_fn fn, void *ctx,
					      EVP_PKEY **out);

#endif

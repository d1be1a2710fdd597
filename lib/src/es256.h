/* SPDX-License-Identifier: Apache-2.0 */
/* ES256 (ECDSA P-256 with SHA-256) helpers over OpenSSL. Private to libmayday. */
#ifndef MAYDAY_ES256_H
#define MAYDAY_ES256_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <openssl/evp.h>

#include "mayday/error.h"
#include "mayday/limits.h"

/* Largest DER ECDSA-Sig-Value for P-256: SEQUENCE of two 33-byte INTEGERs. */
#define ES256_DER_MAX 72

/* true if `pkey` is an EC key on P-256. */
bool es256_key_ok(EVP_PKEY *pkey);

/* RFC 9053 raw r||s (32 bytes each, big-endian) to DER and back. */
MAYDAY_NODISCARD enum mayday_err es256_raw_to_der(const uint8_t raw[MAYDAY_ES256_SIG_LEN],
						  uint8_t der[ES256_DER_MAX], size_t *der_len);
MAYDAY_NODISCARD enum mayday_err es256_der_to_raw(const uint8_t *der, size_t der_len,
						  uint8_t raw[MAYDAY_ES256_SIG_LEN]);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private to the file RoT backend: the key items (PEM text read from flash,
 * so hostile). Only P-256 keys that pass OpenSSL's key checks are accepted;
 * anything else is MAYDAY_E_KEY.
 * Every EVP_PKEY returned is owned by the caller (EVP_PKEY_free, which also
 * clears a private scalar). The PEM buffers are borrowed and not wiped here:
 * the caller owns them and wipes a private key's text.
 */
#ifndef MAYDAY_HAL_ROT_KEYS_H
#define MAYDAY_HAL_ROT_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <openssl/evp.h>

#include "mayday/error.h"

/* Input bound of the decoders, larger than any P-256 key in PEM. */
#define ROT_KEYS_PEM_MAX 4096

bool rot_keys_is_p256(EVP_PKEY *key);

/* An unencrypted private key, PEM (PKCS#8 or the traditional EC form), never
 * prompting for a passphrase, that passes the pairwise consistency check:
 * its scalar in range and its public point equal to scalar x G. A flipped
 * bit in a stored scalar (or point) fails here, since the encodings carry
 * the point; one without the point gets it computed from the scalar, and
 * only a comparison with the provisioned public key (rot_file.c) can catch
 * damage then. MAYDAY_E_KEY for anything else, including a public key,
 * another curve or more than ROT_KEYS_PEM_MAX bytes; MAYDAY_E_NOMEM.
 * *out is written on MAYDAY_OK only. */
MAYDAY_NODISCARD enum mayday_err rot_keys_private_decode(const uint8_t *pem, size_t len,
							 EVP_PKEY **out);
/* The fast path of rot_keys_private_decode, for its tests: only the form
 * mayday-provision writes ("PRIVATE KEY" at offset 0, base64 in lines of 64
 * each ending in "\n", of the 138-byte PKCS#8 of a P-256 key with its
 * public point), decoded without OpenSSL's PEM reader, and no checks beyond
 * what EVP_PKEY_fromdata makes (the point is on the curve).
 * MAYDAY_E_UNSUPPORTED for any other text and for anything fromdata
 * refuses; *out is written on MAYDAY_OK only, owned by the caller. */
MAYDAY_NODISCARD enum mayday_err rot_keys_p256_private_from_pem(const uint8_t *pem, size_t len,
								 EVP_PKEY **out);
/* A public key, PEM ("PUBLIC KEY", or the key of a certificate: the rules
 * of mayday_key_public_from_pem), whose point passes OpenSSL's full public
 * key check; errors as rot_keys_private_decode. */
MAYDAY_NODISCARD enum mayday_err rot_keys_public_decode(const uint8_t *pem, size_t len,
							EVP_PKEY **out);

#endif

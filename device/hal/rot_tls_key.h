/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private to the RoT HAL: an OpenSSL key whose signatures the RoT makes.
 *
 * For backends whose distress key never leaves them (a TPM, or the RoT
 * agent that talks to one): hal_rot_tls_key must still hand the DCF's TLS
 * client an EVP_PKEY. This one holds only the public point and a
 * mayday_signer; every signature OpenSSL asks of it is one call of the
 * signer, so the handshake's CertificateVerify is signed inside the RoT.
 *
 * How: a small OpenSSL 3 provider ("mayday-rot", built in, no shared
 * object) with an EC key manager and an ECDSA signature, loaded into a
 * library context of its own -- never into the default one, where its "EC"
 * key manager could be picked for keys that have nothing to do with the
 * RoT. OpenSSL signs with it across contexts: it finds the default
 * provider cannot take the key (the private half is never exported) and
 * uses the key's own provider.
 *
 * What it can do, and only that: P-256, ECDSA with SHA-256 through
 * EVP_DigestSign* (TLS 1.3's ecdsa_secp256r1_sha256, the only scheme a
 * P-256 key has there; the DCF's TLS is 1.3 only), comparison with a
 * certificate's public key (X509_check_private_key, EVP_PKEY_eq), and the
 * parameters libssl reads (group, bits, security bits, maximum signature
 * size, default digest). A message to sign is at most ROT_TLS_KEY_TBS_MAX
 * bytes (a TLS 1.3 CertificateVerify content is about 130).
 */
#ifndef MAYDAY_HAL_ROT_TLS_KEY_H
#define MAYDAY_HAL_ROT_TLS_KEY_H

#include <openssl/evp.h>

#include "mayday/cose.h"
#include "mayday/error.h"

#define ROT_TLS_KEY_TBS_MAX 1024

/* A key over `signer` (copied; its ctx is borrowed and must stay valid for
 * as long as anything may sign with the key -- for a RoT backend, while the
 * RoT is open) with the public half of `pub` (a P-256 key, borrowed; else
 * MAYDAY_E_KEY). The caller owns *out (EVP_PKEY_free). A signature the
 * signer refuses fails the OpenSSL call that asked for it. */
MAYDAY_NODISCARD enum mayday_err rot_tls_key_new(const struct mayday_signer *signer,
						 EVP_PKEY *pub, EVP_PKEY **out);

#endif

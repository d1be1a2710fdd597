/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A vendor key in a PKCS#11 token (an HSM, a smart card, SoftHSM2), used
 * through the PKCS#11 C API directly: the module named by --pkcs11-module
 * (or, without it, the URI's module-path; both given and different is an
 * error) -- an absolute path to a file owned by root or us, writable by no
 * one else -- is dlopen'ed, the one token and the one
 * P-256 private key the URI matches are found, and each signature is one
 * C_Sign(CKM_ECDSA) over the SHA-256 digest of the COSE Sig_structure. The
 * token returns r||s, which is COSE's form already. The private key never
 * leaves the token; this process holds only a session and object handle.
 *
 * The public half comes from the token's public key object with the same
 * CKA_ID (without one: the URI's object label, or the only EC public key);
 * devices anchor it, verifiers need it. prov_pkcs11_open makes a probe
 * signature and checks it against that object, so a token whose public
 * object does not match its private key fails before anything is written.
 * Keys with CKA_ALWAYS_AUTHENTICATE are refused (not supported).
 */
#ifndef MAYDAY_PROV_PKCS11_H
#define MAYDAY_PROV_PKCS11_H

#include <openssl/evp.h>

#include "mayday/cose.h"

struct prov_pkcs11;

/* Loads the module, logs in, finds the key. Each failure is reported once
 * (wrong PIN, no such token or object, no module...). The caller owns *out
 * (also set on failure, maybe NULL) and frees it with prov_pkcs11_close. */
MAYDAY_NODISCARD enum mayday_err prov_pkcs11_open(struct prov_pkcs11 **out, const char *uri,
						  const char *module);
/* A signer over the token's key, valid until prov_pkcs11_close; *pub gets
 * the public half (caller frees). */
MAYDAY_NODISCARD enum mayday_err prov_pkcs11_signer(struct prov_pkcs11 *p,
						    struct mayday_signer *signer,
						    EVP_PKEY **pub);
/* Logs out, closes the session, finalizes and unloads the module. NULL-safe. */
void prov_pkcs11_close(struct prov_pkcs11 *p);

#endif

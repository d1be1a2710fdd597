/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The vendor signing key, wherever it lives: every subcommand that signs a
 * manifest (device, dcf-conf, bundle, tamper trv) takes `--key SPEC`:
 *
 *   (absent)            PKI/vendor.key.pem, as made by `init`
 *   PATH                a PEM P-256 private key file
 *   pkcs11:...          a P-256 key in a PKCS#11 token (RFC 7512 URI,
 *                       prov_pkcs11.h): it signs inside the token and never
 *                       leaves it
 *
 * Callers see only a mayday_signer (cose.h) and the public half, so no code
 * path outside prov_key.c / prov_pkcs11.c touches key material.
 */
#ifndef MAYDAY_PROV_KEY_H
#define MAYDAY_PROV_KEY_H

#include <openssl/evp.h>

#include "mayday/cose.h"

struct prov_pkcs11;

struct prov_key {
	struct mayday_signer signer;   /* signs ES256, r||s */
	EVP_PKEY *pub;                 /* the public half: what verifies the signatures */
	EVP_PKEY *file_key;            /* a PEM key, else NULL */
	struct prov_pkcs11 *token;     /* a token's key, else NULL */
};

/* Opens the key named by `spec` (NULL: PKI_DIR/vendor.key.pem; pki_dir may
 * then not be NULL). `module`: the PKCS#11 module to load when the URI has
 * no module-path (NULL: none, then the URI must name one). Reports each
 * failure once. The caller owns *k and releases it with prov_key_close,
 * also on failure. */
MAYDAY_NODISCARD enum mayday_err prov_key_open(struct prov_key *k, const char *spec,
					       const char *pki_dir, const char *module);
void prov_key_close(struct prov_key *k);  /* NULL-safe, idempotent */

/* For --key and --pkcs11-module: an option given once. A second value
 * would silently win (device refuses it the same way); 0 with the reason
 * logged if *slot is set already. */
int prov_key_arg_once(const char *option, const char **slot, const char *value);

#endif

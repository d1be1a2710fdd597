/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Normal code's device credentials, as the TrE hands them over after a
 * verified start-up (device/boot/boot_creds.h; docs/rot.md): a descriptor
 * inherited across the exec, whose number mayday-boot passes as
 * --creds-fd N. Normal code never reads them from the RoT (its RoT role
 * cannot) and never gets the distress key.
 *
 * The descriptor holds a PEM bundle (hal_rot_unseal_creds): the device's
 * private key (P-256), its certificate (which must certify the key), then
 * one or more CA certificates vouching for the ACS. On a RoT that holds the
 * device credentials' key itself (the tpm2 backend: docs/rot.md) the bundle
 * starts with the certificate and has no private key; normal code then
 * gets the key from its RoT (normal_creds_rot_key). The first block is
 * the key or the certificate, every later one a certificate: a stray
 * private key (or any other block, or a damaged one) anywhere after the
 * first refuses the whole bundle, nothing is skipped. Hostile like any
 * input: at most HAL_ROT_CREDS_MAX bytes, parsed by OpenSSL's PEM readers
 * only (a block that may be a key is decoded only by the key reader or the
 * secure-heap block reader, PEM_FLAG_SECURE), anything else refused with
 * MAYDAY_E_KEY (MAYDAY_E_TOOBIG when larger).
 */
#ifndef MAYDAY_NORMAL_CREDS_H
#define MAYDAY_NORMAL_CREDS_H

#include <stddef.h>
#include <openssl/evp.h>

#include "hal/rot.h"
#include "mayday/error.h"

struct normal_creds {
	EVP_PKEY *key;     /* the device key; NULL until normal_creds_rot_key when the RoT holds it */
	char *cert_pem;    /* its certificate, PEM (malloc'd) */
	size_t cert_len;
	char *ca_pem;      /* the CA certificate(s), PEM (malloc'd) */
	size_t ca_len;
};

/* Reads `fd` from offset 0 to its end into *out and closes it (so nothing
 * this process starts inherits it). The plaintext read is wiped. Owned by
 * the caller until normal_creds_free. */
MAYDAY_NODISCARD enum mayday_err normal_creds_read(int fd, struct normal_creds *out);

/* The same from a buffer (the parser, for the tests and the fuzz target). */
MAYDAY_NODISCARD enum mayday_err normal_creds_parse(const uint8_t *buf, size_t len,
						    struct normal_creds *out);

/* With a bundle that had no private key (c->key NULL): the key from `rot`
 * (hal_rot_creds_tls_key, normal role; it signs while rot is open, so
 * free *c before closing rot), checked against the certificate, then made
 * to sign once (one RoT signature, verified with the certificate's key):
 * MAYDAY_E_KEY if the certificate is not for it or the signature does not
 * verify, MAYDAY_E_DENIED if the RoT would not sign (a TPM outside normal
 * code's state; the RoT logs why), so a key that cannot sign is found at
 * the start and not at every TLS handshake. Other errors as
 * hal_rot_creds_tls_key. On any error c->key stays NULL (the caller drops
 * the credentials). MAYDAY_OK, nothing done, when c->key is set. */
MAYDAY_NODISCARD enum mayday_err normal_creds_rot_key(struct normal_creds *c,
						      struct hal_rot *rot);

void normal_creds_free(struct normal_creds *c); /* NULL-safe; frees the key (clears it) */

#endif

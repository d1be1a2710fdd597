/* SPDX-License-Identifier: Apache-2.0 */
/*
 * X.509 certificates for the operator PKI (OpenSSL's X509 API): the
 * operator CA, the H(e)MS server certificate, device certificates.
 * All X509 objects returned are owned by the caller (X509_free).
 */
#ifndef MAYDAY_PROV_X509_H
#define MAYDAY_PROV_X509_H

#include <stddef.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "mayday/error.h"

enum prov_x509_role {
	PROV_X509_SERVER, /* extendedKeyUsage serverAuth */
	PROV_X509_CLIENT, /* extendedKeyUsage clientAuth */
	PROV_X509_DEVICE  /* clientAuth, and OU MAYDAY_DEVICE_CERT_OU: normal code's
			   * device certificate, never good for distress */
};

/* Self-signed CA certificate (basicConstraints CA:TRUE, keyCertSign) for `key`. */
MAYDAY_NODISCARD enum mayday_err prov_x509_make_ca(EVP_PKEY *key, const char *cn, int days,
						   X509 **out);

/* End-entity certificate for `subject_key`'s public half, issued by ca/ca_key.
 * `san` is an OpenSSL subjectAltName value ("DNS:a,IP:127.0.0.1") or NULL. */
MAYDAY_NODISCARD enum mayday_err prov_x509_issue(X509 *ca, EVP_PKEY *ca_key,
						 EVP_PKEY *subject_key, const char *cn,
						 const char *san, enum prov_x509_role role,
						 int days, X509 **out);

/* PEM text of `cert` into a malloc'd buffer (caller frees), not NUL-terminated. */
MAYDAY_NODISCARD enum mayday_err prov_x509_to_pem(X509 *cert, char **pem, size_t *len);

/* Load a PEM certificate. */
MAYDAY_NODISCARD enum mayday_err prov_x509_load(const char *path, X509 **out);

/* A CRL of `ca` signed with ca_key: the entries of `prev` (NULL: none)
 * plus `revoke` (NULL: none; already listed: kept once), crlNumber one
 * above prev's, lastUpdate now, nextUpdate `days` later. Caller frees *out. */
MAYDAY_NODISCARD enum mayday_err prov_x509_crl(X509 *ca, EVP_PKEY *ca_key, const X509_CRL *prev,
					       X509 *revoke, int days, X509_CRL **out);
/* Load a PEM CRL (MAYDAY_E_NOTFOUND if absent); write one durably, 0644. */
MAYDAY_NODISCARD enum mayday_err prov_x509_crl_load(const char *path, X509_CRL **out);
MAYDAY_NODISCARD enum mayday_err prov_x509_crl_save(X509_CRL *crl, const char *path);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Mutual TLS for a libcurl easy handle, shared by the DCF's "tls" transport
 * (tx_tls.c) and the CPE's CWMP client (device/cpe/cpe_http.c).
 *
 * Trust comes only from the DCF partition, which the TrE verified: the CA
 * bundle is handed to libcurl as a blob and libcurl's default CA file and
 * directory are switched off, so the system's CAs never vouch for a server.
 * The client certificate and the RoT's key (hal_rot_tls_key: a key handle,
 * never key bytes) are installed into each new SSL_CTX from libcurl's
 * SSL_CTX callback, so no PEM copy of the key exists anywhere. TLS 1.3 only,
 * peer and host verified, libcurl's TLS session cache off (a full handshake
 * per connection: the device proves its key each time and keeps no
 * resumption secrets).
 */
#ifndef MAYDAY_DCF_TX_MTLS_H
#define MAYDAY_DCF_TX_MTLS_H

#include <stdint.h>
#include <curl/curl.h>
#include <openssl/evp.h>

#include "hal/flash.h"
#include "hal/rot.h"
#include "mayday/error.h"
#include "mayday/limits.h"

struct tx_mtls;

/* Reads the CA bundle `ca_name` and the client certificate `cert_name` from
 * the DCF partition and takes the RoT's TLS key; the certificate must
 * certify that key (MAYDAY_E_KEY otherwise). Failures are logged once here,
 * prefixed with `who`. Owned by the caller until tx_mtls_free. */
MAYDAY_NODISCARD enum mayday_err tx_mtls_load(const char *who, struct hal_flash *flash,
					      struct hal_rot *rot, const char *ca_name,
					      const char *cert_name, struct tx_mtls **out);

/* ADAPTER, to be replaced by device/net's net_tls_new: the same object
 * from a key handle (a reference is taken) and PEM text in memory: the
 * client certificate, which must certify `key` (MAYDAY_E_KEY), and the CA
 * bundle. For normal code, whose device credentials come from the TrE
 * (device/normal/normal_creds.h), not from the DCF partition. */
MAYDAY_NODISCARD enum mayday_err tx_mtls_from_pem(const char *who, EVP_PKEY *key,
						  const char *cert_pem, size_t cert_len,
						  const char *ca_pem, size_t ca_len,
						  struct tx_mtls **out);
/* ADAPTER: a copy sharing src's certificate and key (references taken). */
MAYDAY_NODISCARD enum mayday_err tx_mtls_dup(const struct tx_mtls *src, struct tx_mtls **out);

/* Sets the TLS options on `easy`. pin_sha256 (NULL: none) additionally
 * requires the server key's SubjectPublicKeyInfo to have that SHA-256;
 * connect_to (NULL: none) is a CURLOPT_CONNECT_TO rule, kept in *m. *m must
 * outlive `easy`. Logged once on failure. */
MAYDAY_NODISCARD enum mayday_err tx_mtls_apply(struct tx_mtls *m, CURL *easy,
					       const uint8_t *pin_sha256, const char *connect_to);

/* NULL-safe; the signature of tx_curl_own's release function. */
void tx_mtls_free(void *m);

#endif

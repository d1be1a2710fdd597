/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Mutual-TLS client credentials and connections over OpenSSL, for the DCF's
 * "tls" method and the CPE's CWMP session and download.
 *
 * Trust comes only from the CA PEM handed in (an X509_STORE built from it;
 * OpenSSL's default paths are never loaded), so the host's CAs never vouch
 * for a server. TLS 1.3 only; the peer's certificate is verified, and its
 * name (SSL_set1_host, with SNI) or, for an IP literal, its address
 * (X509_VERIFY_PARAM_set1_ip_asc) checked; an optional pin further requires
 * the SHA-256 of the server key's SubjectPublicKeyInfo (DER). No session
 * cache and no tickets: a full handshake per connection, so the device
 * proves its key each time and keeps no resumption secrets. The client key
 * is a handle (the RoT's EVP_PKEY), never key bytes.
 */
#ifndef MAYDAY_NET_TLS_H
#define MAYDAY_NET_TLS_H

#include <stddef.h>
#include <stdint.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>

#include "mayday/error.h"

struct net_tls;

/* Builds the credentials. `who` (static storage) prefixes log lines. `key`:
 * the client key; its reference is taken (released by net_tls_free, or
 * here on failure), NULL for server authentication only (then cert_pem is
 * ignored). cert_pem: the client certificate, which must certify `key`
 * (MAYDAY_E_KEY otherwise); ca_pem: one or more CA certificates, the only
 * trust anchors; both copied. pin_sha256: NULL, or 32 bytes, copied.
 * Failures are logged once here. Owned by the caller until net_tls_free;
 * it may serve any number of connections, one after the other or at once. */
MAYDAY_NODISCARD enum mayday_err net_tls_new(const char *who, EVP_PKEY *key,
					     const char *cert_pem, size_t cert_len,
					     const char *ca_pem, size_t ca_len,
					     const uint8_t *pin_sha256, struct net_tls **out);

void net_tls_free(struct net_tls *t); /* NULL-safe */

/* The `who` it was made with. */
const char *net_tls_who(const struct net_tls *t);

/* A TLS connection over the connected non-blocking socket `fd` (borrowed:
 * the caller closes it after net_tls_close), to the server named `host`
 * (a DNS name: verified and sent as SNI; an IPv4/IPv6 literal without
 * brackets: verified as an iPAddress), handshake done by deadline_ms
 * (net_conn.h clock). *ssl: owned by the caller until net_tls_close.
 * MAYDAY_E_TIMEOUT, MAYDAY_E_KEY (the server's certificate or pin does not
 * verify), MAYDAY_E_IO (handshake failed), MAYDAY_E_NOMEM. Logs nothing:
 * `why` (cap bytes) says what failed. */
MAYDAY_NODISCARD enum mayday_err net_tls_connect(const struct net_tls *t, int fd,
						 const char *host, uint64_t deadline_ms,
						 SSL **ssl, char *why, size_t cap);

/* As net_conn_read / net_conn_write, over TLS. A close_notify or a
 * connection closed without one both read as the end (*n 0). */
MAYDAY_NODISCARD enum mayday_err net_tls_read(SSL *ssl, int fd, void *buf, size_t cap,
					      size_t *n, uint64_t deadline_ms);
MAYDAY_NODISCARD enum mayday_err net_tls_write(SSL *ssl, int fd, const void *buf, size_t len,
					       uint64_t deadline_ms);

void net_tls_close(SSL *ssl); /* NULL-safe; frees, sends no close_notify */

#endif

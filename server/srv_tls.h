/*
 * TLS for the https listener (OpenSSL): the server context and the client
 * identity a finished handshake proved.
 *
 * Policy: TLS 1.3 only; the client must present a certificate that chains
 * to the operator CA (SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
 * purpose "TLS client") and whose extended key usage names clientAuth, and
 * that is not on the operator CA's CRL when one is configured, so a
 * missing, expired, not-yet-valid, foreign, EKU-less or revoked
 * certificate fails the handshake. No session tickets and no session cache:
 * every connection proves its certificate again (a device connects once
 * per indication; resumption would only skip that proof). Handshakes done
 * (once per connection) and failed (a fatal alert sent before the handshake
 * finished) are counted in the stats given, failures logged rate-limited
 * with the reason. After the handshake, a peer closing without close_notify
 * is counted apart (tls_no_close_notify), other fatal alerts as tls_errors.
 */
#ifndef MAYDAY_SRV_TLS_H
#define MAYDAY_SRV_TLS_H

#include <stddef.h>
#include <openssl/ssl.h>

#include "mayday/error.h"
#include "mayday/limits.h"
#include "srv_stats.h"

/* The context from PEM files: `cert` (server certificate, chain allowed),
 * `key` (its private key, refused with MAYDAY_E_PERM if group or others
 * may access the file), `ca` (the operator CA devices' certificates chain
 * to). `stats` must outlive the context. Caller owns *out (SSL_CTX_free).
 * On failure a message naming the file is in err. */
MAYDAY_NODISCARD enum mayday_err srv_tls_server_ctx(const char *cert, const char *key,
						    const char *ca, struct srv_stats *stats,
						    SSL_CTX **out, char *err, size_t err_cap);

/* Check device certificates against the PEM CRL at `crl_path` ([https]
 * crl), which must be signed by a certificate of the context's `ca` file;
 * the path is kept for srv_tls_reload. Call once after srv_tls_server_ctx,
 * before the listener runs. */
MAYDAY_NODISCARD enum mayday_err srv_tls_crl(SSL_CTX *ctx, const char *crl_path, char *err,
					     size_t err_cap);

/* Re-reads the context's CRL file (a no-op without one): for SIGHUP. Safe
 * while connections are live and handshakes run on other threads: the new
 * CRL replaces the old one under a lock, each handshake keeps the CRL it
 * started checking with. If the file is unreadable, not a CRL or not signed
 * by the CA, the CRL in force stays and err says why. */
MAYDAY_NODISCARD enum mayday_err srv_tls_reload(SSL_CTX *ctx, char *err, size_t err_cap);

/* The verified client certificate of `ssl`: its subject as RFC 2253 text
 * (printable ASCII; non-ASCII escaped) into subject, and its common name
 * into cn. MAYDAY_E_NOTFOUND: no verified client certificate;
 * MAYDAY_E_MALFORMED: not exactly one CN, or a CN that is not a device ID
 * (1..64 bytes of printable ASCII without spaces); MAYDAY_E_TOOBIG: the
 * subject does not fit. */
MAYDAY_NODISCARD enum mayday_err srv_tls_peer(SSL *ssl, char *subject, size_t subject_cap,
					      char cn[MAYDAY_DEVICE_ID_MAX + 1]);

#endif

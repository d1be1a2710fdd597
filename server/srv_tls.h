/*
 * TLS for the https listener (OpenSSL): the server context and the client
 * identity a finished handshake proved.
 *
 * Policy: TLS 1.3 only; the client must present a certificate that chains
 * to the operator CA (SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
 * purpose "TLS client"), so a missing, expired, not-yet-valid or foreign
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
 * `key` (its private key), `ca` (the operator CA devices' certificates
 * chain to). `stats` must outlive the context. Caller owns *out
 * (SSL_CTX_free). On failure a message naming the file is in err. */
MAYDAY_NODISCARD enum mayday_err srv_tls_server_ctx(const char *cert, const char *key,
						    const char *ca, struct srv_stats *stats,
						    SSL_CTX **out, char *err, size_t err_cap);

/* The verified client certificate of `ssl`: its subject as RFC 2253 text
 * (printable ASCII; non-ASCII escaped) into subject, and its common name
 * into cn. MAYDAY_E_NOTFOUND: no verified client certificate;
 * MAYDAY_E_MALFORMED: not exactly one CN, or a CN that is not a device ID
 * (1..64 bytes of printable ASCII without spaces); MAYDAY_E_TOOBIG: the
 * subject does not fit. */
MAYDAY_NODISCARD enum mayday_err srv_tls_peer(SSL *ssl, char *subject, size_t subject_cap,
					      char cn[MAYDAY_DEVICE_ID_MAX + 1]);

#endif

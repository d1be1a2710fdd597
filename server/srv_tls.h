/* SPDX-License-Identifier: Apache-2.0 */
/*
 * TLS for the https listener (OpenSSL): the server context and the client
 * identity a finished handshake proved.
 *
 * Policy: TLS 1.3 only; the client must present a certificate that chains
 * to the operator CA (SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
 * purpose "TLS client") and whose extended key usage names clientAuth, and
 * that is not on the operator CA's CRL when one is configured, so a
 * missing, expired, not-yet-valid, foreign, EKU-less or revoked
 * certificate fails the handshake (with cert_optional, a missing one does
 * not: see srv_tls_files). No session tickets and no session cache:
 * every connection proves its certificate again (a device connects once
 * per indication; resumption would only skip that proof). Handshakes done
 * (once per connection) and failed (a fatal alert sent before the handshake
 * finished) are counted in the stats given, failures logged rate-limited
 * with the reason. After the handshake, a peer closing without close_notify
 * is counted apart (tls_no_close_notify), other fatal alerts as tls_errors.
 */
#ifndef MAYDAY_SRV_TLS_H
#define MAYDAY_SRV_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <openssl/ssl.h>

#include "mayday/error.h"
#include "mayday/limits.h"
#include "srv_stats.h"

/* What a server context is made of: the [https] files and the counters.
 * All borrowed; the strings are read at each srv_tls_server_ctx, `stats`
 * must outlive every context made from it. */
struct srv_tls_files {
	const char *cert;          /* server certificate, PEM, chain allowed */
	const char *key;           /* its private key, PEM, 0600 or stricter */
	const char *ca;            /* the operator CA devices' certificates chain to */
	const char *crl;           /* NULL or "": none; else PEM, signed by a CA of `ca` */
	bool cert_optional;        /* a client may come without a certificate (the ACS's
	                              HTTP login, [acs] http_auth): one it presents is
	                              still verified in full, and the distress endpoint
	                              refuses a request without one (403) */
	struct srv_stats *stats;
};

/* A complete server context from the files as they are now: at start and
 * again on every reload (SIGHUP), so both pass the same checks. The key is
 * refused with MAYDAY_E_PERM if group or others may access its file, and
 * with MAYDAY_E_KEY if it does not match the certificate; a CRL that is
 * unreadable, not a CRL or not signed by a CA of `ca` fails the build. A
 * context never changes once built: new files make a new context, and each
 * connection keeps the one it started with (SSL_new holds a reference).
 * Caller owns *out (SSL_CTX_free). On failure *out is NULL and a message
 * naming the file is in err. */
MAYDAY_NODISCARD enum mayday_err srv_tls_server_ctx(const struct srv_tls_files *f,
						    SSL_CTX **out, char *err, size_t err_cap);

/* One line on the context's certificate for the log: subject, serial and
 * notAfter. */
void srv_tls_describe(SSL_CTX *ctx, char *out, size_t cap);

/* The verified client certificate of `ssl`: its subject as RFC 2253 text
 * (printable ASCII; non-ASCII escaped) into subject, and its common name
 * into cn. MAYDAY_E_NOTFOUND: no verified client certificate;
 * MAYDAY_E_MALFORMED: not exactly one CN, or a CN that is not a device ID
 * (1..64 bytes of printable ASCII without spaces); MAYDAY_E_TOOBIG: the
 * subject does not fit. */
MAYDAY_NODISCARD enum mayday_err srv_tls_peer(SSL *ssl, char *subject, size_t subject_cap,
					      char cn[MAYDAY_DEVICE_ID_MAX + 1]);

/* true if the peer's certificate is a device certificate (an OU
 * MAYDAY_DEVICE_CERT_OU in its subject): normal code's, good for CWMP,
 * never for a distress indication (docs/rot.md). */
bool srv_tls_peer_is_device_cert(SSL *ssl);

#endif

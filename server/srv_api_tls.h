/* SPDX-License-Identifier: Apache-2.0 */
/*
 * TLS of the API's management listener (srv_api_listen.h): its server
 * context and the operator a client certificate names.
 *
 * Not srv_tls.h's policy, which is the devices': TLS 1.2 is allowed (an
 * operator's tooling may lack 1.3), and a client certificate is asked for
 * but not required, since a bearer token may come instead. No session
 * resumption: every connection proves its certificate again.
 */
#ifndef MAYDAY_SRV_API_TLS_H
#define MAYDAY_SRV_API_TLS_H

#include <stddef.h>
#include <openssl/ssl.h>

#include "api/api.h"
#include "mayday/error.h"

#define SRV_API_CERT_FIELD_MAX 64   /* bytes of a client certificate's CN or OU */

/* A server context from [api] tls_cert (PEM chain) and tls_key (PEM, 0600
 * or stricter: MAYDAY_E_PERM otherwise); with client_ca (PEM, "" none) a
 * client certificate chaining to it, valid now and good for clientAuth, is
 * verified when one is presented, and one that fails ends the handshake.
 * Caller owns *out (SSL_CTX_free); on failure *out is NULL and err names
 * the file. */
MAYDAY_NODISCARD enum mayday_err srv_api_tls_ctx(const char *cert, const char *key,
						 const char *client_ca, SSL_CTX **out, char *err,
						 size_t err_cap);

enum srv_api_peer {
	SRV_API_PEER_OK,         /* *who is "cert:CN" with the OU's role */
	SRV_API_PEER_NONE,       /* no verified client certificate */
	SRV_API_PEER_FORBIDDEN,  /* verified, but it names no role (why says so) */
};

/* Who the verified client certificate of `ssl` (NULL: none) is: its single
 * CN (printable ASCII, 1..SRV_API_CERT_FIELD_MAX) and the role its single
 * OU names (viewer, operator, admin). */
enum srv_api_peer srv_api_tls_peer(SSL *ssl, struct api_identity *who, char *why, size_t cap);

#endif

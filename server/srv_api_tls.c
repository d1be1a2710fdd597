/* SPDX-License-Identifier: Apache-2.0 */
/*
 * See srv_api_tls.h. OpenSSL does the verification (chain, validity,
 * purpose sslclient); this file only reads the verified subject's CN and
 * OU, each of which must occur exactly once.
 */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "srv_api_tls.h"

static enum mayday_err tls_fail(char *err, size_t cap, const char *what, const char *file)
{
	unsigned long e = ERR_get_error();
	char text[160] = "";
	if (e != 0)
		ERR_error_string_n(e, text, sizeof(text));
	ERR_clear_error();
	snprintf(err, cap, "[api] %s %s: %s", what, file, e != 0 ? text : "refused");
	return MAYDAY_E_KEY;
}

enum mayday_err srv_api_tls_ctx(const char *cert, const char *key, const char *client_ca,
				SSL_CTX **out, char *err, size_t cap)
{
	enum mayday_err e = MAYDAY_E_KEY;
	struct stat st;
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	*out = NULL;
	if (ctx == NULL)
		return tls_fail(err, cap, "TLS", "context");
	if (stat(key, &st) == 0 && (st.st_mode & 077) != 0) {
		snprintf(err, cap, "[api] tls_key %s: group or others may read it (chmod 600)",
			 key);
		e = MAYDAY_E_PERM;
		goto fail;
	}
	if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1) {
		tls_fail(err, cap, "TLS", "1.2");
		goto fail;
	}
	SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET | SSL_OP_NO_RENEGOTIATION |
				 SSL_OP_CIPHER_SERVER_PREFERENCE);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_num_tickets(ctx, 0);   /* TLS 1.3 would send stateful ones */
	if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1) {
		tls_fail(err, cap, "tls_cert", cert);
		goto fail;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1) {
		tls_fail(err, cap, "tls_key", key);
		goto fail;
	}
	if (SSL_CTX_check_private_key(ctx) != 1) {
		tls_fail(err, cap, "tls_key", "does not match tls_cert");
		goto fail;
	}
	if (client_ca[0]) {
		STACK_OF(X509_NAME) *names = SSL_load_client_CA_file(client_ca);
		if (names == NULL || SSL_CTX_load_verify_locations(ctx, client_ca, NULL) != 1) {
			sk_X509_NAME_pop_free(names, X509_NAME_free);
			tls_fail(err, cap, "client_ca", client_ca);
			goto fail;
		}
		SSL_CTX_set_client_CA_list(ctx, names);
		SSL_CTX_set_purpose(ctx, X509_PURPOSE_SSL_CLIENT);
		SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
		SSL_CTX_set_verify_depth(ctx, 4);
	}
	*out = ctx;
	return MAYDAY_OK;
fail:
	SSL_CTX_free(ctx);
	return e;
}

/* The one entry of `nid` in `name` as printable ASCII without spaces at the
 * ends, 1..SRV_API_CERT_FIELD_MAX bytes: 1; none, several or another text: 0. */
static int cert_field(const X509_NAME *name, int nid, char out[SRV_API_CERT_FIELD_MAX + 1])
{
	int i = X509_NAME_get_index_by_NID(name, nid, -1);
	if (i < 0 || X509_NAME_get_index_by_NID(name, nid, i) >= 0)
		return 0;
	const ASN1_STRING *s = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i));
	const unsigned char *d = s != NULL ? ASN1_STRING_get0_data(s) : NULL;
	int n = s != NULL ? ASN1_STRING_length(s) : 0;
	if (d == NULL || n < 1 || n > SRV_API_CERT_FIELD_MAX || d[0] == ' ' || d[n - 1] == ' ')
		return 0;
	for (int k = 0; k < n; k++) {
		if (d[k] < ' ' || d[k] > '~')
			return 0;
	}
	memcpy(out, d, (size_t)n);
	out[n] = '\0';
	return 1;
}

enum srv_api_peer srv_api_tls_peer(SSL *ssl, struct api_identity *who, char *why, size_t cap)
{
	X509 *cert = ssl != NULL ? SSL_get0_peer_certificate(ssl) : NULL;
	if (cert == NULL || SSL_get_verify_result(ssl) != X509_V_OK)
		return SRV_API_PEER_NONE;
	const X509_NAME *subj = X509_get_subject_name(cert);
	char cn[SRV_API_CERT_FIELD_MAX + 1], ou[SRV_API_CERT_FIELD_MAX + 1];
	if (!cert_field(subj, NID_commonName, cn)) {
		snprintf(why, cap, "the client certificate has not exactly one usable CN");
		return SRV_API_PEER_FORBIDDEN;
	}
	enum api_role r = cert_field(subj, NID_organizationalUnitName, ou) ? api_role_parse(ou)
									     : API_ROLE_NONE;
	if (r == API_ROLE_NONE) {
		snprintf(why, cap, "the client certificate's OU names no role "
			 "(viewer, operator or admin)");
		return SRV_API_PEER_FORBIDDEN;
	}
	snprintf(who->name, sizeof(who->name), "cert:%s", cn);
	who->role = r;
	return SRV_API_PEER_OK;
}


/* SPDX-License-Identifier: Apache-2.0 */
/*
 * "tls": the distress POST over TLS 1.3 with mutual certificate
 * authentication (the exchange is tx_post.c's over mayday_net; the
 * credentials -- trust only from the DCF partition, the RoT's key handle --
 * are loaded by tx_mtls.c, which the remediation's CWMP client uses too).
 *
 * Server name: the connection goes to the address of [tls] url (the DCF
 * resolves no names). With [tls] server_name, the server's certificate must
 * carry that name, which is also sent as SNI and in the Host header, even
 * though the URL names a bare address. Without server_name the URL's
 * address itself is checked (it then has to be in the certificate's
 * subjectAltName as an IP entry). An optional [tls] pin_sha256 further
 * requires the server key's SubjectPublicKeyInfo to have that SHA-256.
 */
#include "dcf_tx.h"

#include "dcf_config.h"
#include "mayday/indication.h"
#include "tx_mtls.h"
#include "tx_post.h"

static int tls_configured(const struct dcf_config *cfg)
{
	return cfg->tls_url.set && cfg->tls_ca[0] && cfg->tls_cert[0];
}

static enum mayday_err tls_open(const struct dcf_tx_env *env, void **state)
{
	const struct dcf_config *cfg = env->cfg;
	struct net_tls *tls = NULL;
	struct tx_post *c = NULL;
	enum mayday_err rc;

	rc = tx_mtls_load("tls", env->flash, env->rot, cfg->tls_ca, cfg->tls_cert,
			  cfg->tls_pin_set ? cfg->tls_pin_sha256 : NULL, &tls);
	if (rc != MAYDAY_OK)
		return rc;
	rc = tx_post_open("tls", &cfg->tls_url, cfg->tls_server_name, tls,
			  cfg->attempt_timeout_ms, &c); /* takes tls */
	if (rc == MAYDAY_OK)
		*state = c;
	return rc;
}

const struct dcf_tx_ops tx_tls_ops = {
	.name = "tls",
	.transport = MAYDAY_TRANSPORT_TLS,
	.configured = tls_configured,
	.open = tls_open,
	.send = tx_post_send,
	.recv = tx_post_recv,
	.retry_after_s = tx_post_retry_after_s,
	.close = tx_post_close,
};

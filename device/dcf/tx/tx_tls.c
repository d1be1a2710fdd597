/* SPDX-License-Identifier: Apache-2.0 */
/*
 * "tls": the distress POST over TLS 1.3 with mutual certificate
 * authentication (libcurl over OpenSSL; the exchange is tx_curl.c's, the
 * TLS set-up -- trust only from the DCF partition, the RoT's key handle,
 * TLS 1.3, no session cache -- tx_mtls.c's, shared with the CPE client).
 *
 * Server name: libcurl checks the server certificate against the host of
 * the URL it is given. With [tls] server_name, that URL names server_name
 * and CURLOPT_CONNECT_TO sends the connection to the configured host and
 * port, so the certificate (and SNI) must match server_name even when
 * [tls] url names a bare IP address. Without server_name the URL's own host
 * is checked (an IP address then has to be in the certificate's
 * subjectAltName as an IP entry). An optional [tls] pin_sha256 further
 * requires the server key's SubjectPublicKeyInfo to have that SHA-256.
 */
#include "dcf_tx.h"

#include <stdio.h>

#include "dcf_config.h"
#include "hal/flash.h"
#include "hal/rot.h"
#include "log.h"
#include "mayday/indication.h"
#include "tx_curl.h"
#include "tx_mtls.h"

static int tls_configured(const struct dcf_config *cfg)
{
	return cfg->tls_url.set && cfg->tls_ca[0] && cfg->tls_cert[0];
}

/* URL naming the name to verify, and the connect-to rule ("" if none) when
 * that name is not where the connection goes. */
static enum mayday_err target(const struct dcf_config *cfg, char *url, size_t cap, char *rule,
			      size_t rule_cap)
{
	const struct dcf_url *u = &cfg->tls_url;
	int n;

	rule[0] = '\0';
	if (!cfg->tls_server_name[0])
		return tx_curl_url(url, cap, "https", u->host, u->host_is_ip6, u->port, u->path);
	if (tx_curl_url(url, cap, "https", cfg->tls_server_name, 0, u->port, u->path) != MAYDAY_OK)
		return MAYDAY_E_TOOBIG;
	n = snprintf(rule, rule_cap, "%s:%u:%s%s%s:%u", cfg->tls_server_name,
		     (unsigned)u->port, u->host_is_ip6 ? "[" : "", u->host,
		     u->host_is_ip6 ? "]" : "", (unsigned)u->port);
	if (n < 0 || (size_t)n >= rule_cap)
		return MAYDAY_E_TOOBIG;
	return MAYDAY_OK;
}

static enum mayday_err tls_open(const struct dcf_tx_env *env, void **state)
{
	const struct dcf_config *cfg = env->cfg;
	char url[TX_CURL_URL_MAX];
	char rule[2 * DCF_HOSTNAME_MAX + 32];
	struct tx_mtls *m = NULL;
	struct tx_curl *c = NULL;
	enum mayday_err rc;

	rc = tx_mtls_load("tls", env->flash, env->rot, cfg->tls_ca, cfg->tls_cert, &m);
	if (rc == MAYDAY_OK)
		rc = target(cfg, url, sizeof(url), rule, sizeof(rule));
	if (rc == MAYDAY_OK)
		rc = tx_curl_open("tls", "https", url, cfg->attempt_timeout_ms, &c);
	if (rc != MAYDAY_OK)
		goto out;
	tx_curl_own(c, m, tx_mtls_free);
	rc = tx_mtls_apply(m, tx_curl_easy(c), cfg->tls_pin_set ? cfg->tls_pin_sha256 : NULL,
			   rule[0] ? rule : NULL);
	m = NULL; /* c's now, released with it */
	if (rc != MAYDAY_OK)
		goto out;
	*state = c;
	c = NULL;
out:
	tx_curl_close(c);
	tx_mtls_free(m);
	return rc;
}

const struct dcf_tx_ops tx_tls_ops = {
	.name = "tls",
	.transport = MAYDAY_TRANSPORT_TLS,
	.configured = tls_configured,
	.open = tls_open,
	.send = tx_curl_send,
	.recv = tx_curl_recv,
	.retry_after_s = tx_curl_retry_after_s,
	.close = tx_curl_close,
};

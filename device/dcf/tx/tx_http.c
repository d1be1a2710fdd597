/* SPDX-License-Identifier: Apache-2.0 */
/*
 * "plain-http": the signed indication as the body of an HTTP POST, no
 * channel security (the COSE signatures authenticate both directions end to
 * end). The exchange itself is tx_curl.c's.
 */
#include "dcf_tx.h"

#include "dcf_config.h"
#include "mayday/indication.h"
#include "tx_curl.h"

static int http_configured(const struct dcf_config *cfg)
{
	return cfg->http_url.set;
}

static enum mayday_err http_open(const struct dcf_tx_env *env, void **state)
{
	const struct dcf_url *u = &env->cfg->http_url;
	char url[TX_CURL_URL_MAX];
	struct tx_curl *c = NULL;
	enum mayday_err rc;

	rc = tx_curl_url(url, sizeof(url), "http", u->host, u->host_is_ip6, u->port, u->path);
	if (rc == MAYDAY_OK)
		rc = tx_curl_open("plain-http", "http", url, env->cfg->attempt_timeout_ms, &c);
	if (rc == MAYDAY_OK)
		*state = c;
	return rc;
}

const struct dcf_tx_ops tx_plain_http_ops = {
	.name = "plain-http",
	.transport = MAYDAY_TRANSPORT_PLAIN_HTTP,
	.configured = http_configured,
	.open = http_open,
	.send = tx_curl_send,
	.recv = tx_curl_recv,
	.retry_after_s = tx_curl_retry_after_s,
	.close = tx_curl_close,
};

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * "plain-http": the signed indication as the body of an HTTP POST, no
 * channel security (the COSE signatures authenticate both directions end to
 * end). The exchange itself is tx_post.c's.
 */
#include "dcf_tx.h"

#include "dcf_config.h"
#include "mayday/indication.h"
#include "tx_post.h"

static int http_configured(const struct dcf_config *cfg)
{
	return cfg->http_url.set;
}

static enum mayday_err http_open(const struct dcf_tx_env *env, void **state)
{
	struct tx_post *c = NULL;
	enum mayday_err rc = tx_post_open("plain-http", &env->cfg->http_url, NULL, NULL,
					  env->cfg->attempt_timeout_ms, &c);

	if (rc == MAYDAY_OK)
		*state = c;
	return rc;
}

const struct dcf_tx_ops tx_plain_http_ops = {
	.name = "plain-http",
	.transport = MAYDAY_TRANSPORT_PLAIN_HTTP,
	.configured = http_configured,
	.open = http_open,
	.send = tx_post_send,
	.recv = tx_post_recv,
	.retry_after_s = tx_post_retry_after_s,
	.close = tx_post_close,
};

/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz dcf_config_parse: never crash, and anything accepted is within the
 * bounds the DCF relies on. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dcf_config.h"
#include "tx/dcf_tx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dcf_config cfg;
	struct dcf_config_error err;

	if (dcf_config_parse((const char *)data, size, &cfg, &err) != MAYDAY_OK) {
		if (!err.what)
			abort(); /* every rejection says why */
		return 0;
	}
	if (cfg.n_methods == 0 || cfg.n_methods > DCF_METHODS_MAX ||
	    cfg.version[0] == '\0' || cfg.product_class[0] == '\0' ||
	    cfg.max_image_size == 0 || cfg.max_image_size > DCF_MAX_IMAGE_SIZE_MAX ||
	    cfg.initial_ms < DCF_INITIAL_MS_MIN || cfg.max_ms < cfg.initial_ms ||
	    cfg.attempt_timeout_ms < DCF_ATTEMPT_MS_MIN ||
	    (cfg.deadline_ms != 0 && cfg.deadline_ms < DCF_DEADLINE_MS_MIN) || /* 0: none */
	    cfg.deadline_ms > DCF_DEADLINE_MS_MAX ||
	    cfg.wait_max_s == 0 || cfg.wait_max_s > DCF_WAIT_MAX_S_MAX)
		abort();
	for (unsigned i = 0; i < cfg.n_methods; i++) {
		const struct dcf_tx_ops *ops = dcf_tx_find(cfg.methods[i]);
		if (!ops || !ops->configured(&cfg))
			abort();
	}
	const struct dcf_endpoint *eps[] = { &cfg.udp_endpoint, &cfg.psk_endpoint,
					     &cfg.ipsec_endpoint };
	for (size_t i = 0; i < sizeof(eps) / sizeof(eps[0]); i++)
		if (eps[i]->set && (eps[i]->port == 0 || strlen(eps[i]->host) == 0))
			abort();
	const struct dcf_url *urls[] = { &cfg.tls_url, &cfg.http_url };
	for (size_t i = 0; i < sizeof(urls) / sizeof(urls[0]); i++)
		if (urls[i]->set && (urls[i]->port == 0 || urls[i]->host[0] == '\0' ||
				     urls[i]->path[0] != '/'))
			abort();
	if (cfg.attempts_per_method < DCF_ATTEMPTS_MIN || cfg.attempts_per_method > DCF_ATTEMPTS_MAX ||
	    cfg.reannounce_s > DCF_REANNOUNCE_S_MAX || cfg.reannounce_max > DCF_REANNOUNCE_MAX_MAX)
		abort();
	return 0;
}

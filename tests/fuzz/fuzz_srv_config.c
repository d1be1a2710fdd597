/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer: maydayd's configuration parser (INI text from a file). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "srv_config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct srv_config cfg;
	char err[256];
	if (size > SRV_CONFIG_MAX)
		return 0;
	char *text = malloc(size + 1);
	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (srv_config_parse(text, size, &cfg, err, sizeof(err)) == MAYDAY_OK) {
		/* What parsed must be within the documented bounds. */
		if (cfg.workers < 1 || cfg.workers > SRV_WORKERS_MAX || cfg.batch < 1 ||
		    cfg.batch > cfg.queue / 2 || cfg.db[0] == '\0' || cfg.hems_key[0] == '\0' ||
		    cfg.max_datagram < 1 ||
		    (!cfg.udp_listen.len && !cfg.http_listen.len && !cfg.https_listen.len &&
		     !cfg.psk_listen.len && !cfg.ipsec_listen.len) ||
		    (cfg.https_listen.len && (!cfg.https_cert[0] || !cfg.https_ca[0])))
			abort();
	} else if (err[0] == '\0') {
		abort();   /* every rejection says why */
	}
	free(text);
	return 0;
}

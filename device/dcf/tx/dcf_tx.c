/* SPDX-License-Identifier: Apache-2.0 */
/* The transport table: every method the DCF can be configured with. A method
 * exists for dcf.conf exactly when it is listed here. */
#include "dcf_tx.h"

#include <string.h>

static const struct dcf_tx_ops *const transports[] = {
	&tx_tls_ops,
	&tx_ipsec_ops,
	&tx_psk_ops,
	&tx_plain_udp_ops,
	&tx_plain_http_ops,
};

const struct dcf_tx_ops *dcf_tx_find(const char *name)
{
	for (size_t i = 0; i < sizeof(transports) / sizeof(transports[0]); i++)
		if (strcmp(transports[i]->name, name) == 0)
			return transports[i];
	return NULL;
}

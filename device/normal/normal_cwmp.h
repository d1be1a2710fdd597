/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Normal code's CWMP client (periodic Inform, remediation report): its own
 * settings (normal_config.h), its own device credentials (normal_creds.h,
 * as a TLS object), the product class of its verified manifest. Nothing of
 * the DCF: not its configuration, not its partition, not its key.
 */
#ifndef MAYDAY_NORMAL_CWMP_H
#define MAYDAY_NORMAL_CWMP_H

#include "cpe_client.h"
#include "hal/flash.h"
#include "mayday/error.h"
#include "net_tls.h"
#include "normal_config.h"
#include "normal_creds.h"

/* Who normal code is; all borrowed. */
struct normal_cwmp {
	struct hal_flash *flash;
	const struct normal_creds *creds; /* handed over by the TrE; NULL: none were */
	const char *device_id;
	const char *image_version;
	const char *product_class;
};

/* *c for a session, from normal.conf into *cfg and the device credentials
 * (with normal.conf's pin) into *tls, both of which *c borrows: keep them
 * alive as long as *c; the caller frees *tls (net_tls_free), also after a
 * failure. URLs must name the ACS by address: normal code, like the DCF,
 * connects to no name (cpe_target.h). Failures (no credentials, normal.conf
 * missing or rejected) are logged once, prefixed with `what` ("no periodic
 * Inform"). */
MAYDAY_NODISCARD enum mayday_err normal_cwmp_client(const struct normal_cwmp *n,
						    const char *what, struct normal_config *cfg,
						    struct net_tls **tls, struct cpe_client *c);

#endif

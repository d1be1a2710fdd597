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
#include "normal_config.h"

struct tx_mtls;

/* Who normal code is; all borrowed. */
struct normal_cwmp {
	struct hal_flash *flash;
	const struct tx_mtls *tls;   /* the device credentials; NULL: none were handed over */
	const char *device_id;
	const char *image_version;
	const char *product_class;
};

/* *c for a session, from normal.conf into *cfg (which *c borrows: keep it
 * alive as long as *c). Failures (no credentials, normal.conf missing or
 * rejected) are logged once, prefixed with `what` ("no periodic Inform"). */
MAYDAY_NODISCARD enum mayday_err normal_cwmp_client(const struct normal_cwmp *n,
						    const char *what, struct normal_config *cfg,
						    struct cpe_client *c);

#endif

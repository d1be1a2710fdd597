/* SPDX-License-Identifier: Apache-2.0 */
/* Normal code's CWMP client set-up (see normal_cwmp.h). */
#include "normal_cwmp.h"

#include <openssl/evp.h>

#include "cpe_info.h"
#include "log.h"

enum mayday_err normal_cwmp_client(const struct normal_cwmp *n, const char *what,
				   struct normal_config *cfg, struct net_tls **tls,
				   struct cpe_client *c)
{
	const struct normal_creds *k = n->creds;
	struct normal_config_error err;
	enum mayday_err rc;

	*tls = NULL;
	if (k == NULL || k->key == NULL) {
		log_info("%s: the TrE handed over no device credentials", what);
		return MAYDAY_E_KEY;
	}
	rc = normal_config_load(n->flash, cfg, &err);
	if (rc != MAYDAY_OK) {
		log_info("%s: %s/%s rejected: %s%s%s", what, HAL_PART_STATE, NORMAL_CONFIG_NAME,
			 err.what ? err.what : mayday_strerror(rc), err.key[0] ? " at " : "",
			 err.key);
		return rc;
	}
	/* net_tls_new takes a reference (ours stays with *k); logs its own failures */
	if (EVP_PKEY_up_ref(k->key) != 1)
		return MAYDAY_E_INTERNAL;
	rc = net_tls_new("normal", k->key, k->cert_pem, k->cert_len, k->ca_pem, k->ca_len,
			 cfg->pin_set ? cfg->pin_sha256 : NULL, tls);
	if (rc != MAYDAY_OK)
		return rc;
	*c = (struct cpe_client){
		.flash = n->flash,
		.tls = *tls,
		.timeout_ms = cfg->timeout_ms,
		.info = {
			.product_class = n->product_class,
			.serial_number = n->device_id,
			.software_version = n->image_version,
			.dcf_version = cfg->dcf_version,
			.free_space = cpe_info_free_space(hal_flash_device_dir(n->flash)),
			.max_image_size = cfg->max_image_size,
		},
	};
	return MAYDAY_OK;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* Normal code's CWMP client set-up (see normal_cwmp.h). */
#include "normal_cwmp.h"

#include "cpe_info.h"
#include "log.h"

enum mayday_err normal_cwmp_client(const struct normal_cwmp *n, const char *what,
				   struct normal_config *cfg, struct cpe_client *c)
{
	struct normal_config_error err;
	enum mayday_err rc;

	if (n->tls == NULL) {
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
	*c = (struct cpe_client){
		.flash = n->flash,
		.tls = n->tls,
		.pin_sha256 = cfg->pin_set ? cfg->pin_sha256 : NULL,
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

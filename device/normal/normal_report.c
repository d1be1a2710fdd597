/* Recovery report (see normal_report.h). */
#include "normal_report.h"

#include <stdio.h>
#include <string.h>

#include "cpe_client.h"
#include "cpe_record.h"
#include "dcf_config.h"
#include "dcf_report.h"
#include "hal/clock.h"
#include "log.h"

enum mayday_err normal_report_run(struct hal_flash *f, struct hal_rot *rot,
				  const char *device_id, const char *image_version)
{
	struct cpe_record rec;
	struct dcf_config cfg;
	struct dcf_config_error cerr;
	struct mayday_diag diag = { 0 };
	enum mayday_err rc = cpe_record_load(f, &rec, &diag);

	if (rc == MAYDAY_E_NOTFOUND)
		return MAYDAY_OK;
	if (rc != MAYDAY_OK) {
		log_info("remediation record unreadable (%s%s%s): not reported",
			 mayday_strerror(rc), diag.what ? ": " : "", diag.what ? diag.what : "");
		return rc;
	}
	rc = dcf_config_load(f, &cfg, &cerr);
	if (rc != MAYDAY_OK) {
		log_info("cannot report remediation %s: %s rejected: %s%s%s", rec.command_key,
			 DCF_CONFIG_NAME, cerr.what ? cerr.what : "", cerr.key[0] ? " at " : "",
			 cerr.key);
		return rc;
	}
	if (!cfg.cwmp_enabled) {
		log_info("cannot report remediation %s: no CWMP client in %s [cwmp]",
			 rec.command_key, DCF_CONFIG_NAME);
		return MAYDAY_E_INVALID;
	}
	struct cpe_client c = {
		.flash = f,
		.rot = rot,
		.ca = cfg.cwmp_ca,
		.cert = cfg.cwmp_cert,
		.pin_sha256 = cfg.cwmp_pin_set ? cfg.cwmp_pin_sha256 : NULL,
		.timeout_ms = cfg.cwmp_timeout_ms,
		.info = {
			.product_class = cfg.product_class,
			.serial_number = device_id,
			.software_version = image_version,
			.dcf_version = cfg.version,
			.free_space = dcf_report_free_space(hal_flash_device_dir(f)),
			.max_image_size = cfg.max_image_size,
		},
	};
	struct cwmp_transfer_complete tc = {
		.start_time = rec.start_time,
		.complete_time = (int64_t)hal_clock_wall_s(),
	};
	snprintf(tc.command_key, sizeof(tc.command_key), "%s", rec.command_key);
	return cpe_client_report(&c, rec.acs_url, &tc, true);
}

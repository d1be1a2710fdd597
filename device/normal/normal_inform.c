/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Periodic Inform of normal code (see normal_inform.h): the dcf.conf the
 * remediation report uses, one cpe_client_run with "2 PERIODIC", and the
 * outcome logged in one line.
 */
#include "normal_inform.h"

#include "cpe_client.h"
#include "dcf_config.h"
#include "dcf_remediate.h"
#include "dcf_report.h"
#include "log.h"

enum mayday_err normal_inform_run(struct hal_flash *f, struct hal_rot *rot,
				  const char *device_id, const char *image_version,
				  const char *url)
{
	static const char *const events[] = { NORMAL_INFORM_EVENT };
	struct dcf_config cfg;
	struct dcf_config_error cerr;
	struct cpe_outcome out;
	struct cpe_client c;
	enum mayday_err rc = dcf_config_load(f, &cfg, &cerr);

	if (rc != MAYDAY_OK) {
		log_info("no periodic Inform: %s rejected: %s%s%s", DCF_CONFIG_NAME,
			 cerr.what ? cerr.what : "", cerr.key[0] ? " at " : "", cerr.key);
		return rc;
	}
	if (!cfg.cwmp_enabled) {
		log_info("no periodic Inform: no CWMP client in %s [cwmp]", DCF_CONFIG_NAME);
		return MAYDAY_E_INVALID;
	}
	struct net_tls *tls = NULL;
	rc = dcf_remediate_tls(&cfg, f, rot, &tls); /* logged */
	if (rc != MAYDAY_OK)
		return rc;
	dcf_remediate_client(&cfg, f, tls, device_id, image_version,
			     dcf_report_free_space(hal_flash_device_dir(f)), &c);
	const struct cpe_client_session q = {
		.url = url,
		.events = events,
		.n_events = 1,
		.refuse_download = true,
		.refuse_reboot = true,
	};
	rc = cpe_client_run(&c, &q, &out); /* logs the session's end */
	net_tls_free(tls);
	return rc;
}

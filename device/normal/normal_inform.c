/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Periodic Inform of normal code (see normal_inform.h): the client the
 * remediation report uses (normal_cwmp.h), one cpe_client_run with
 * "2 PERIODIC", and the outcome logged in one line.
 */
#include "normal_inform.h"

#include "cpe_client.h"
#include "log.h"

enum mayday_err normal_inform_run(const struct normal_cwmp *n, const char *url)
{
	static const char *const events[] = { NORMAL_INFORM_EVENT };
	struct normal_config cfg;
	struct cpe_outcome out;
	struct cpe_client c;
	struct net_tls *tls = NULL;
	enum mayday_err rc = normal_cwmp_client(n, "no periodic Inform", &cfg, &tls, &c);

	if (rc != MAYDAY_OK) {
		net_tls_free(tls);
		return rc;
	}
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

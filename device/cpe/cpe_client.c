/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One CWMP session per call (see cpe_client.h): the transport is opened and
 * closed around the session, so no connection idles between the steps of a
 * remediation, and the record is removed only after the ACS answered the
 * TransferComplete (TransferCompleteResponse), never before.
 */
#include "cpe_client.h"

#include <inttypes.h>
#include <string.h>

#include "cpe_http.h"
#include "cpe_record.h"
#include "hal/clock.h"
#include "log.h"

enum mayday_err cpe_client_run(const struct cpe_client *c, const struct cpe_client_session *q,
			       struct cpe_outcome *out)
{
	struct cpe_http_params hp = {
		.tls = c->tls,
		.url = q->url,
		.server = &c->server,
		.timeout_ms = c->timeout_ms,
		.session_ms = c->timeout_ms * CPE_CLIENT_SESSION_REQUESTS,
	};
	struct cpe_session_params p = {
		.info = &c->info,
		.events = q->events,
		.n_events = q->n_events,
		.event_command_key = q->command_key,
		.tc = q->tc,
		.refuse_download = q->refuse_download,
		.refuse_reboot = q->refuse_reboot,
		.now = (int64_t)hal_clock_wall_s(),
		.post = cpe_http_post,
	};
	struct cpe_http *h = NULL;
	struct mayday_diag diag = { 0 };
	enum mayday_err rc;

	memset(out, 0, sizeof(*out));
	rc = cpe_http_open(&hp, &h); /* logs its own failures */
	if (rc != MAYDAY_OK)
		return rc;
	p.post_ctx = h;
	rc = cpe_session_run(&p, out, &diag);
	long conns = cpe_http_connections(h);
	cpe_http_close(h);
	if (rc == MAYDAY_OK)
		log_info("CWMP session with %s done: %" PRIu32 " ACS request(s) answered over %ld "
			 "connection(s)", q->url, out->requests, conns);
	/* Transport errors were logged by cpe_http_post; the session's own here. */
	if (rc != MAYDAY_OK && diag.what)
		log_info("CWMP session with %s ended: %s (%s)", q->url, diag.what,
			 mayday_strerror(rc));
	else if (rc == MAYDAY_E_INVALID || rc == MAYDAY_E_NOMEM)
		log_info("CWMP session with %s not possible: %s", q->url, mayday_strerror(rc));
	return rc;
}

enum mayday_err cpe_client_report(const struct cpe_client *c, const char *url,
				  const struct cwmp_transfer_complete *tc, bool boot)
{
	static const char *const events[] = { CWMP_EV_BOOT, CWMP_EV_TRANSFER_COMPLETE,
					      CWMP_EV_M_DOWNLOAD };
	struct cpe_client_session q = {
		.url = url,
		.events = boot ? events : events + 1,
		.n_events = boot ? 3 : 2,
		.command_key = tc->command_key,
		.tc = tc,
		.refuse_download = true,
		.refuse_reboot = true,
	};
	struct cpe_outcome out;
	enum mayday_err rc = cpe_client_run(c, &q, &out);

	if (!out.tc_acked)
		return rc != MAYDAY_OK ? rc : MAYDAY_E_IO;
	log_info("reported remediation %s to %s: fault %" PRIu32, tc->command_key, url,
		 tc->fault.code);
	rc = cpe_record_remove(c->flash);
	if (rc != MAYDAY_OK)
		log_info("remediation %s reported, but its record stays: %s (it will be "
			 "reported again)", tc->command_key, mayday_strerror(rc));
	return MAYDAY_OK;
}

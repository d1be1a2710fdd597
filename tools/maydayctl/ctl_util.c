/* SPDX-License-Identifier: Apache-2.0 */
/* Formatting helpers shared by maydayctl's commands. */
#include <stdio.h>
#include <time.h>

#include "ctl.h"

void ctl_time(int64_t t, char out[32])
{
	struct tm tm;
	time_t tt = (time_t)t;
	if (t == 0 || gmtime_r(&tt, &tm) == NULL || strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(out, 32, "-");
}

void ctl_ago(int64_t t, int64_t now, char out[32])
{
	int64_t d = now - t;
	if (t == 0)
		snprintf(out, 32, "never");
	else if (d < 0)
		snprintf(out, 32, "just now");    /* another host's clock ahead of ours */
	else if (d < 120)
		snprintf(out, 32, "%llds ago", (long long)d);
	else if (d < 7200)
		snprintf(out, 32, "%lldm ago", (long long)(d / 60));
	else if (d < 172800)
		snprintf(out, 32, "%lldh ago", (long long)(d / 3600));
	else
		snprintf(out, 32, "%lldd ago", (long long)(d / 86400));
}

int ctl_json_print(json_t *v)
{
	int rc = v != NULL && json_dumpf(v, stdout, JSON_INDENT(2) | JSON_ENSURE_ASCII) == 0 ? CTL_OK
											      : CTL_FAIL;
	json_decref(v);
	if (rc == CTL_OK)
		fputc('\n', stdout);
	else
		fprintf(stderr, "maydayctl: cannot write JSON\n");
	return rc;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* Times and device text as JSON (api_json.h). */
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "api_json.h"

void api_json_time_text(int64_t t, char out[32])
{
	struct tm tm;
	time_t tt = (time_t)t;
	if (t == 0 || gmtime_r(&tt, &tm) == NULL || strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(out, 32, "-");
}

/* 9999-12-31T23:59:59Z: RFC 3339 has four digits of year. */
#define TIME_MAX INT64_C(253402300799)

json_t *api_json_time(int64_t t)
{
	char buf[32];
	/* a device's clock (device_time) may say anything: a time RFC 3339
	 * cannot write is no time at all */
	if (t <= 0 || t > TIME_MAX)
		return json_null();
	api_json_time_text(t, buf);
	return buf[0] != '-' ? json_string(buf) : json_null();
}

json_t *api_json_str(const char *s)
{
	json_t *v = json_string(s);
	return v != NULL ? v : json_null();
}

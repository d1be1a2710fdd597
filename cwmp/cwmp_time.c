/* SPDX-License-Identifier: Apache-2.0 */
/*
 * xs:dateTime conversion with civil-calendar arithmetic of our own rather
 * than timegm/gmtime_r, so hostile years cannot reach libc's range limits
 * and the result does not depend on the process's time zone.
 */
#include <stdio.h>
#include <string.h>

#include "cwmp.h"
#include "cwmp_time.h"

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static bool leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned month_days(int64_t y, unsigned m)
{
	static const unsigned md[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	return m == 2 && leap(y) ? 29 : md[m - 1];
}

enum mayday_err cwmp_time_format(int64_t t, char buf[CWMP_TIME_TEXT_MAX])
{
	int64_t y;
	unsigned mo, d;

	if (t == CWMP_TIME_UNKNOWN) {
		memcpy(buf, "0001-01-01T00:00:00Z", sizeof("0001-01-01T00:00:00Z"));
		return MAYDAY_OK;
	}
	/* 0001-01-02 .. 9999-12-31T23:59:59Z */
	if (t < days_from_civil(1, 1, 2) * 86400 || t > days_from_civil(10000, 1, 1) * 86400 - 1)
		return MAYDAY_E_INVALID;
	int64_t days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
	int64_t secs = t - days * 86400;
	civil_from_days(days, &y, &mo, &d);
	snprintf(buf, CWMP_TIME_TEXT_MAX, "%04lld-%02u-%02uT%02u:%02u:%02uZ", (long long)y, mo, d,
	         (unsigned)(secs / 3600), (unsigned)(secs / 60 % 60), (unsigned)(secs % 60));
	return MAYDAY_OK;
}

/* Reads exactly n digits. */
static bool digits(const char **p, unsigned n, unsigned *out)
{
	unsigned v = 0;
	for (unsigned i = 0; i < n; i++) {
		char c = (*p)[i];
		if (c < '0' || c > '9')
			return false;
		v = v * 10 + (unsigned)(c - '0');
	}
	*p += n;
	*out = v;
	return true;
}

static bool lit(const char **p, char c)
{
	if (**p != c)
		return false;
	(*p)++;
	return true;
}

enum mayday_err cwmp_time_parse(const char *s, int64_t *t)
{
	const char *p = s;
	unsigned y, mo, d, h, mi, se, oh = 0, om = 0;
	int sign = 0;

	if (!digits(&p, 4, &y) || !lit(&p, '-') || !digits(&p, 2, &mo) || !lit(&p, '-') ||
	    !digits(&p, 2, &d) || !lit(&p, 'T') || !digits(&p, 2, &h) || !lit(&p, ':') ||
	    !digits(&p, 2, &mi) || !lit(&p, ':') || !digits(&p, 2, &se))
		return MAYDAY_E_MALFORMED;
	if (*p == '.') {
		p++;
		if (*p < '0' || *p > '9')
			return MAYDAY_E_MALFORMED;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	if (*p == 'Z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		sign = *p == '+' ? 1 : -1;
		p++;
		if (!digits(&p, 2, &oh) || !lit(&p, ':') || !digits(&p, 2, &om) || oh > 14 || om > 59)
			return MAYDAY_E_MALFORMED;
	}
	if (*p != '\0' || y < 1 || mo < 1 || mo > 12 || d < 1 || d > month_days(y, mo) || h > 23 ||
	    mi > 59 || se > 60)
		return MAYDAY_E_MALFORMED;
	if (y == 1) {           /* TR-069: any 0001 time means "unknown" */
		*t = CWMP_TIME_UNKNOWN;
		return MAYDAY_OK;
	}
	if (se == 60)           /* a leap second: the instant after :59 */
		se = 59;
	*t = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se -
	     sign * (int64_t)(oh * 3600 + om * 60);
	return MAYDAY_OK;
}

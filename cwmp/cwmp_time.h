/* SPDX-License-Identifier: Apache-2.0 */
/*
 * xs:dateTime <-> seconds since the epoch (UTC), private to the codec.
 * Years 0001..9999; year 0001 (TR-069's "unknown") maps to CWMP_TIME_UNKNOWN.
 */
#ifndef MAYDAY_CWMP_TIME_H
#define MAYDAY_CWMP_TIME_H

#include <stddef.h>
#include <stdint.h>

#include "mayday/error.h"

#define CWMP_TIME_TEXT_MAX 32u

/* "YYYY-MM-DDTHH:MM:SSZ" into buf; MAYDAY_E_INVALID if t is out of range. */
MAYDAY_NODISCARD enum mayday_err cwmp_time_format(int64_t t, char buf[CWMP_TIME_TEXT_MAX]);

/* Accepts an optional fraction (dropped) and Z, +hh:mm, -hh:mm or no zone
 * (taken as UTC, as some CPEs send local time unmarked). */
MAYDAY_NODISCARD enum mayday_err cwmp_time_parse(const char *s, int64_t *t);

#endif

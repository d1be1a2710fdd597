/* SPDX-License-Identifier: Apache-2.0 */
/* Checking command-line values; each failure is reported once, naming the option. */
#ifndef MAYDAY_PROV_ARGS_H
#define MAYDAY_PROV_ARGS_H

#include <stdbool.h>
#include <stdint.h>

/* Decimal digits only, within [min, max]. */
bool prov_args_u64(const char *option, const char *value, uint64_t min, uint64_t max,
		   uint64_t *out);
/* 1..max bytes of [A-Za-z0-9._-], not "." or ".." (safe as a file name too). */
bool prov_args_name(const char *option, const char *value, unsigned max);

#endif

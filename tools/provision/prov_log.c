/* SPDX-License-Identifier: Apache-2.0 */
/* Messages of mayday-provision, prefixed with the program name. */
#include "prov_log.h"

#include <stdarg.h>
#include <stdio.h>

void prov_log_error(const char *fmt, ...)
{
	va_list ap;

	fputs("mayday-provision: error: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void prov_log_info(const char *fmt, ...)
{
	va_list ap;

	fputs("mayday-provision: ", stdout);
	va_start(ap, fmt);
	vfprintf(stdout, fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	fflush(stdout);
}

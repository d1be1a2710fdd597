/* SPDX-License-Identifier: Apache-2.0 */
/*
 * maydayctl's text output: every line of every table goes through
 * ctl_line, and every byte of it through ctl_escape. Versions, peers,
 * identities and FaultStrings come from devices, some never authenticated:
 * ESC, BEL, a line break or an 8-bit CSI among them would otherwise drive
 * the operator's terminal (clear the screen, retitle the window, forge a
 * row). Escaping the formatted line as a whole, rather than each argument
 * at its call site, means a new column cannot forget it; maydayctl's own
 * text is printable ASCII, which passes unchanged. (--json escapes through
 * jansson, JSON_ENSURE_ASCII.)
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "ctl.h"

void ctl_escape(const char *s, size_t n, FILE *out)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char b = (unsigned char)s[i];
		if (b == '\\')
			fputs("\\\\", out);
		else if (b < 0x20 || b >= 0x7f)
			fprintf(out, "\\x%02x", b);
		else
			fputc(b, out);
	}
}

void ctl_line(const char *fmt, ...)
{
	char small[512], *buf = small;
	va_list ap, again;
	va_start(ap, fmt);
	va_copy(again, ap);
	int n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n >= (int)sizeof(small)) {
		buf = malloc((size_t)n + 1);
		if (buf != NULL) {
			(void)vsnprintf(buf, (size_t)n + 1, fmt, again);
		} else {
			buf = small;   /* out of memory: the line as far as it fits */
			n = (int)sizeof(small) - 1;
		}
	}
	va_end(again);
	if (n > 0)
		ctl_escape(buf, (size_t)n, stdout);
	fputc('\n', stdout);
	if (buf != small)
		free(buf);
}

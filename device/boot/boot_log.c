/* Local logging: "<program>: message" lines on stderr, written whole. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "boot_log.h"
#include "mayday/keys.h"

void boot_log(const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	/* One fprintf per line, so lines of concurrent processes do not interleave. */
	fprintf(stderr, "%s: %s%s\n", program_invocation_short_name, line,
		(size_t)n >= sizeof line ? "..." : "");
}

void boot_log_digest(const uint8_t *digest, char out[65])
{
	mayday_hex(digest, MAYDAY_DIGEST_LEN, out);
}

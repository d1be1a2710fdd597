/* SPDX-License-Identifier: Apache-2.0 */
/* Command-line value checks shared by the subcommands. */
#include "prov_args.h"

#include <inttypes.h>
#include <string.h>

#include "mayday/manifest.h"
#include "prov_log.h"

bool prov_args_u64(const char *option, const char *value, uint64_t min, uint64_t max,
		   uint64_t *out)
{
	uint64_t v = 0;
	const char *p = value;

	if (*p == '\0')
		goto bad;
	for (; *p; p++) {
		if (*p < '0' || *p > '9')
			goto bad;
		unsigned d = (unsigned)(*p - '0');
		if (v > (UINT64_MAX - d) / 10)
			goto bad;
		v = v * 10 + d;
	}
	if (v < min || v > max)
		goto bad;
	*out = v;
	return true;
bad:
	prov_log_error("--%s must be a number in %" PRIu64 "..%" PRIu64 ", not \"%s\"", option, min,
		       max, value);
	return false;
}

bool prov_args_name(const char *option, const char *value, unsigned max)
{
	if (strlen(value) > max || !mayday_name_is_safe(value)) {
		prov_log_error("--%s must be 1..%u characters of [A-Za-z0-9._-], not \"%s\"",
			       option, max, value);
		return false;
	}
	return true;
}

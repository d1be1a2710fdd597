/* SPDX-License-Identifier: Apache-2.0 */
/* Component names: one safe path component, checked on every decode. */
#include <string.h>

#include "mayday/limits.h"
#include "mayday/manifest.h"

bool mayday_name_is_safe(const char *name)
{
	size_t n;

	if (!name)
		return false;
	/* Bounded: `name` may be a struct field that is not NUL-terminated. */
	n = strnlen(name, MAYDAY_NAME_MAX + 1);
	if (n == 0 || n > MAYDAY_NAME_MAX)
		return false;
	if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return false;
	}
	return true;
}

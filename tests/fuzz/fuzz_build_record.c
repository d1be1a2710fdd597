/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz the build record's finder (mayday/build_record.h) on arbitrary
 * "executables": a record found is within its limits and of its alphabet,
 * and re-formatted it is found again, the same.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mayday/build_record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char again[sizeof(MAYDAY_BUILD_RECORD_MAGIC) + MAYDAY_BUILD_COMMIT_MAX +
			  MAYDAY_BUILD_TOOLCHAIN_MAX + 32];
	struct mayday_build_record r, r2;
	int n;

	if (mayday_build_record_find(data, size, &r) != MAYDAY_OK) {
		if (r.commit[0] || r.toolchain[0])
			abort();
		return 0;
	}
	if (!mayday_build_commit_ok(r.commit) || !mayday_build_toolchain_ok(r.toolchain))
		abort();
	n = snprintf(again, sizeof(again), MAYDAY_BUILD_RECORD_MAGIC "commit=%s toolchain=%s",
		     r.commit, r.toolchain);
	if (n < 0 || (size_t)n >= sizeof(again) ||
	    mayday_build_record_find((const uint8_t *)again, (size_t)n + 1, &r2) != MAYDAY_OK ||
	    memcmp(&r, &r2, sizeof(r)) != 0)
		abort();
	return 0;
}

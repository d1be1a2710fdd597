/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The build record: the commit a program was built from and the toolchain
 * that built it (issue 17). The DCF carries it in its executable, one
 * NUL-terminated ASCII string in the section ".mayday_build":
 *
 *   "mayday-build/1 commit=<COMMIT> toolchain=<TOOLCHAIN>"
 *
 * COMMIT: 1..MAYDAY_BUILD_COMMIT_MAX of [0-9a-z-] (a git object name, maybe
 * "-dirty", or "unknown"); TOOLCHAIN: 1..MAYDAY_BUILD_TOOLCHAIN_MAX
 * printable ASCII bytes. mayday-provision finds it in the file without
 * running it (a DCF built for another architecture does not run on the
 * provisioning host) and copies it into the DCF manifest, under the vendor's
 * signature (mayday/manifest.h). `readelf -p .mayday_build mayday-dcf` shows it.
 */
#ifndef MAYDAY_BUILD_RECORD_H
#define MAYDAY_BUILD_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mayday/error.h"
#include "mayday/limits.h"

#define MAYDAY_BUILD_RECORD_MAGIC "mayday-build/1 "

struct mayday_build_record {
	char commit[MAYDAY_BUILD_COMMIT_MAX + 1];
	char toolchain[MAYDAY_BUILD_TOOLCHAIN_MAX + 1];
};

/* Finds the first valid build record in `buf` (a whole executable, hostile:
 * any bytes) and parses it into *out; a magic followed by anything else is
 * skipped. MAYDAY_E_NOTFOUND: none. *out is all zeros unless MAYDAY_OK. */
MAYDAY_NODISCARD enum mayday_err
mayday_build_record_find(const uint8_t *buf, size_t len, struct mayday_build_record *out);

/* true if the strings are a valid commit / toolchain as above (the manifest's
 * encoder and decoder check the same). */
bool mayday_build_commit_ok(const char *s);
bool mayday_build_toolchain_ok(const char *s);

#endif

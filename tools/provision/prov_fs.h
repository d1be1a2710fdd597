/* SPDX-License-Identifier: Apache-2.0 */
/* Host file helpers for the PKI directory (the device itself is written only
 * through the flash HAL). Paths are NUL-terminated; errors are returned, not
 * logged. */
#ifndef MAYDAY_PROV_FS_H
#define MAYDAY_PROV_FS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mayday/error.h"

#define PROV_PATH_MAX 4096

/* dir + "/" + name into out; MAYDAY_E_TOOBIG if it does not fit. */
MAYDAY_NODISCARD enum mayday_err prov_fs_join(char *out, size_t cap, const char *dir,
					      const char *name);
/* Create `dir` (and missing parents) with `mode`; an existing directory is
 * fine, but `dir` itself is narrowed to `mode` if it allows more (the
 * directories provisioning makes hold keys: never world-readable). */
MAYDAY_NODISCARD enum mayday_err prov_fs_mkdirs(const char *dir, unsigned mode);
bool prov_fs_exists(const char *path);
/* true if `dir` exists and holds any entry besides "." and "..". */
bool prov_fs_dir_nonempty(const char *dir);
/* Whole file into a malloc'd buffer (caller frees), at most `max` bytes. */
MAYDAY_NODISCARD enum mayday_err prov_fs_read_all(const char *path, size_t max, uint8_t **out,
						  size_t *len);
/* fsync the directory holding `file_path`, so a rename into it is durable. */
MAYDAY_NODISCARD enum mayday_err prov_fs_sync_parent(const char *file_path);

#endif

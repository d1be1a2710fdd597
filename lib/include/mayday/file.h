/* Power-safe whole-file replacement on a POSIX file system (host tools and keys). */
#ifndef MAYDAY_FILE_H
#define MAYDAY_FILE_H

#include <stddef.h>
#include <sys/types.h>

#include "mayday/error.h"

/* Replace `path` with data[0..len) and permission bits `mode`: write a
 * temporary in the same directory, fsync it, rename it over `path`, fsync
 * the directory. Afterwards `path` holds the old contents or the new ones,
 * never a mix; on error the temporary is removed. */
MAYDAY_NODISCARD enum mayday_err mayday_file_write_durable(const char *path, const void *data,
							   size_t len, mode_t mode);

#endif

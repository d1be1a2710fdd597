/* SPDX-License-Identifier: Apache-2.0 */
/* Power-safe whole-file replacement on a POSIX file system (host tools and keys). */
#ifndef MAYDAY_FILE_H
#define MAYDAY_FILE_H

#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#include "mayday/error.h"

/* Replace `path` with data[0..len) and permission bits `mode`: write a
 * temporary in the same directory, fsync it, rename it over `path`, fsync
 * the directory. Afterwards `path` holds the old contents or the new ones,
 * never a mix; on error the temporary is removed. */
MAYDAY_NODISCARD enum mayday_err mayday_file_write_durable(const char *path, const void *data,
							   size_t len, mode_t mode);

/* Open `path` for reading as a file that holds a secret (a private key, the
 * PSK key-encryption key). Refused with MAYDAY_E_PERM if it is not a regular
 * file whose mode keeps group and others out entirely (0600 or 0400: the
 * fix is `chmod 600 PATH`), as OpenSSH refuses a private key. The mode is
 * checked on the opened descriptor, so the file checked is the file read.
 * MAYDAY_E_NOTFOUND if absent, MAYDAY_E_KEY if unreadable. The caller
 * fcloses *out. */
MAYDAY_NODISCARD enum mayday_err mayday_file_open_secret(const char *path, FILE **out);

#endif

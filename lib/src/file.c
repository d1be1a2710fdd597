/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Durable file replacement: temporary, fsync, rename, fsync directory.
 * The temporary is created with mkostemp, so it starts out as 0600 and
 * secret contents are never readable by others even for a moment; the
 * final mode is set with fchmod before any byte is written.
 *
 * Secrets are read through mayday_file_open_secret, which refuses a file
 * others may read: a daemon that quietly uses a world-readable key has
 * already lost it.
 */
#define _GNU_SOURCE /* mkostemp */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mayday/file.h"

static enum mayday_err write_all(int fd, const unsigned char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return MAYDAY_E_IO;
		p += n;
		len -= (size_t)n;
	}
	return MAYDAY_OK;
}

static enum mayday_err fsync_dir_of(const char *path)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	enum mayday_err err = MAYDAY_OK;
	int fd;

	if (!slash) {
		strcpy(dir, ".");
	} else if (slash == path) {
		strcpy(dir, "/");
	} else {
		size_t n = (size_t)(slash - path);

		memcpy(dir, path, n);
		dir[n] = '\0';
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return MAYDAY_E_IO;
	if (fsync(fd) != 0)
		err = MAYDAY_E_IO;
	close(fd);
	return err;
}

enum mayday_err mayday_file_write_durable(const char *path, const void *data, size_t len, mode_t mode)
{
	char tmp[PATH_MAX];
	enum mayday_err err = MAYDAY_E_IO;
	int fd, n;

	if (!path || (!data && len))
		return MAYDAY_E_INVALID;
	n = snprintf(tmp, sizeof(tmp), "%s.tmp.XXXXXX", path);
	if (n < 0 || (size_t)n >= sizeof(tmp))
		return MAYDAY_E_INVALID;
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return MAYDAY_E_IO;
	if (fchmod(fd, mode) != 0)
		goto fail;
	err = write_all(fd, data, len);
	if (err)
		goto fail;
	err = MAYDAY_E_IO;
	if (fsync(fd) != 0)
		goto fail;
	if (close(fd) != 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) != 0)
		goto fail;
	return fsync_dir_of(path);
fail:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return err;
}

enum mayday_err mayday_file_open_secret(const char *path, FILE **out)
{
	struct stat st;
	FILE *f;

	if (!path || !out)
		return MAYDAY_E_INVALID;
	*out = NULL;
	f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? MAYDAY_E_NOTFOUND : MAYDAY_E_KEY;
	if (fstat(fileno(f), &st) != 0) {
		fclose(f);
		return MAYDAY_E_KEY;
	}
	if (!S_ISREG(st.st_mode) || (st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
		fclose(f);
		return MAYDAY_E_PERM;
	}
	*out = f;
	return MAYDAY_OK;
}

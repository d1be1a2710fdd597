/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Host flash backend: each primitive is one system call on a file of the
 * device directory. Counted primitives bump the handle's operation count
 * whether or not the call succeeds: an attempted write is a flash operation.
 * EINTR is retried inside the primitive, so it never shows up as an extra
 * (or missing) operation.
 */
#define _GNU_SOURCE /* sync_file_range */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "flash_backend.h"

static enum mayday_err host_init(struct hal_flash *f, const char *args)
{
	(void)f;
	return args == NULL ? MAYDAY_OK : MAYDAY_E_INVALID; /* "host" takes no options */
}

static void host_fini(struct hal_flash *f)
{
	(void)f;
}

static enum mayday_err host_powered(const struct hal_flash *f)
{
	(void)f;
	return MAYDAY_OK;
}

static enum mayday_err host_read(struct hal_flash *f, int fd, const char *part, const char *name,
				 uint64_t off, uint8_t *buf, size_t cap, size_t *n)
{
	ssize_t r;

	(void)f;
	(void)part;
	(void)name;
	if (off > (uint64_t)INT64_MAX)
		return MAYDAY_E_IO;
	do
		r = pread(fd, buf, cap, (off_t)off);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return MAYDAY_E_IO;
	*n = (size_t)r;
	return MAYDAY_OK;
}

static enum mayday_err host_write(struct hal_flash *f, int fd, const uint8_t *buf, size_t len,
				  size_t *n)
{
	ssize_t r;

	f->ops_count++;
	do
		r = write(fd, buf, len);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return errno == ENOSPC || errno == EDQUOT ? MAYDAY_E_TOOBIG : MAYDAY_E_IO;
	*n = (size_t)r;
	return MAYDAY_OK;
}

static enum mayday_err host_fsync(struct hal_flash *f, int fd)
{
	int r;

	f->ops_count++;
	do
		r = fsync(fd);
	while (r < 0 && errno == EINTR);
	return r == 0 ? MAYDAY_OK : MAYDAY_E_IO;
}

static enum mayday_err host_rename(struct hal_flash *f, int dirfd, const char *from,
				   const char *to)
{
	f->ops_count++;
	return renameat(dirfd, from, dirfd, to) == 0 ? MAYDAY_OK : MAYDAY_E_IO;
}

static enum mayday_err host_unlink(struct hal_flash *f, int dirfd, const char *name)
{
	f->ops_count++;
	if (unlinkat(dirfd, name, 0) == 0)
		return MAYDAY_OK;
	return errno == ENOENT ? MAYDAY_E_NOTFOUND : MAYDAY_E_IO;
}

static void host_writeback(struct hal_flash *f, int fd, uint64_t off, uint64_t len)
{
	(void)f;
	if (off <= (uint64_t)INT64_MAX && len <= (uint64_t)INT64_MAX - off)
		(void)sync_file_range(fd, (off_t)off, (off_t)len, SYNC_FILE_RANGE_WRITE);
}

static void host_datasync(int fd)
{
	while (fdatasync(fd) < 0 && errno == EINTR)
		;
}

const struct hal_flash_ops hal_flash_host_ops = {
	.name = "host",
	.init = host_init,
	.fini = host_fini,
	.powered = host_powered,
	.read = host_read,
	.write = host_write,
	.fsync = host_fsync,
	.rename = host_rename,
	.unlink = host_unlink,
	.writeback = host_writeback,
	.datasync = host_datasync,
};

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Flash HAL: partitions as directories, files replaced atomically.
 *
 * This file owns the protocol; the backend (flash_host.c, flash_fault.c,
 * chosen by name from `backends`) owns the primitives that touch the medium.
 *
 * - Each partition directory is opened once (O_DIRECTORY | O_NOFOLLOW) and
 *   every file is reached with openat() relative to it, so a name is always
 *   one path component and no symlink is ever followed.
 * - A replace is: create a unique temporary ".tmp-<pid>-<seq>-<name>"
 *   (O_EXCL, 0600), write all of it, fsync, rename over the target, fsync
 *   the directory. A power cut leaves the old file or the new one; the only
 *   debris is a temporary, which is removed when the partition is next
 *   opened and is never listed or readable by name. A handle opens a
 *   partition when it first uses it, so a program never holds (or sweeps)
 *   a partition it does not use.
 * - Reads are bounded by the caller's capacity and accept regular files only.
 * - Every public call first asks the backend whether the device has power,
 *   so after a simulated power cut nothing at all is changed (a flush the
 *   flusher started before the cut may still finish: it changes nothing).
 * - The DCF partition is write-protected unless the handle was opened for
 *   provisioning: every change there (replace, writer, remove, and the sweep
 *   of its temporaries) is refused before the backend is asked to touch it.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "flash_backend.h"
#include "flash_flusher.h"
#include "log.h"

#define TMP_NAME_MAX 128

static const struct hal_flash_ops *const backends[] = {
	&hal_flash_host_ops,
	&hal_flash_fault_ops,
};

static const char *const standard_parts[] = {
	HAL_PART_ROT, HAL_PART_DCF, HAL_PART_SLOT_A, HAL_PART_SLOT_B, HAL_PART_STATE, HAL_PART_RUN,
};

struct hal_flash_reader {
	struct hal_flash *f;
	int fd;
	uint64_t off;
	char part[HAL_FLASH_NAME_MAX + 1];
	char name[HAL_FLASH_NAME_MAX + 1];
};

struct hal_flash_writer {
	struct hal_flash *f;
	int fd;
	int dirfd;            /* borrowed from the partition cache */
	enum mayday_err err;  /* sticky: a failed write poisons the writer */
	uint64_t written;     /* bytes written so far */
	uint64_t started;     /* of those, handed to the medium's writeback */
	char tmp[TMP_NAME_MAX];
	char name[HAL_FLASH_NAME_MAX + 1];
};

bool hal_flash_name_ok(const char *name)
{
	size_t len;

	if (name == NULL)
		return false;
	len = strnlen(name, HAL_FLASH_NAME_MAX + 1);
	if (len == 0 || len > HAL_FLASH_NAME_MAX)
		return false;
	if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return false;
	if (strncmp(name, HAL_FLASH_TMP_PREFIX, strlen(HAL_FLASH_TMP_PREFIX)) == 0)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = name[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return false;
	}
	return true;
}

static bool is_temporary(const char *name)
{
	return strncmp(name, HAL_FLASH_TMP_PREFIX, strlen(HAL_FLASH_TMP_PREFIX)) == 0;
}

static void close_fd(int fd)
{
	if (fd >= 0)
		(void)close(fd);
}

static enum mayday_err errno_to_err(int e)
{
	switch (e) {
	case ENOENT:
		return MAYDAY_E_NOTFOUND;
	case ENOMEM:
		return MAYDAY_E_NOMEM;
	case ENOSPC:
	case EDQUOT:
	case ENAMETOOLONG:
		return MAYDAY_E_TOOBIG;
	default:
		return MAYDAY_E_IO;
	}
}

/* Removes what an interrupted replace left behind in a freshly opened partition. */
static enum mayday_err remove_temporaries(struct hal_flash *f, int pfd)
{
	enum mayday_err err = MAYDAY_OK;
	bool removed = false;
	struct dirent *de;
	DIR *d;
	int fd = dup(pfd);

	if (fd < 0)
		return MAYDAY_E_IO;
	d = fdopendir(fd);
	if (d == NULL) {
		close_fd(fd);
		return MAYDAY_E_IO;
	}
	rewinddir(d);
	while (err == MAYDAY_OK && (de = readdir(d)) != NULL) {
		struct stat st;

		if (!is_temporary(de->d_name) ||
		    fstatat(pfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || S_ISDIR(st.st_mode))
			continue;
		err = f->ops->unlink(f, pfd, de->d_name);
		removed = true;
	}
	closedir(d);
	if (err == MAYDAY_OK && removed)
		err = f->ops->fsync(f, pfd);
	return err;
}

/* MAYDAY_OK if this handle may change PART, else MAYDAY_E_INVALID, logged
 * here so every refused attempt leaves one line whoever made it. */
static enum mayday_err writable(const struct hal_flash *f, const char *part, const char *name)
{
	if (f->provisioning || strcmp(part, HAL_PART_DCF) != 0)
		return MAYDAY_OK;
	log_info("flash: %s/%s: the %s partition is write-protected outside provisioning; "
		 "change refused", part, name, HAL_PART_DCF);
	return MAYDAY_E_INVALID;
}

/* Creates the directory of `part` if it is missing, durably. */
static enum mayday_err part_make(struct hal_flash *f, const char *part)
{
	if (mkdirat(f->dev_fd, part, 0700) == 0)
		return f->ops->fsync(f, f->dev_fd); /* the new directory entry is durable */
	return errno == EEXIST ? MAYDAY_OK : errno_to_err(errno);
}

/* The directory fd of `part`, opened (created, cleaned) on first use: a
 * program opens only the partitions it uses (the DCF never opens the
 * normal code's slots, tests/integration/test_dcf_trace.sh). */
static enum mayday_err part_fd(struct hal_flash *f, const char *part, int *out)
{
	enum mayday_err err;
	int fd;

	if (!hal_flash_name_ok(part))
		return MAYDAY_E_INVALID;
	for (size_t i = 0; i < f->n_parts; i++) {
		if (strcmp(f->parts[i].name, part) == 0) {
			*out = f->parts[i].fd;
			return MAYDAY_OK;
		}
	}
	if (f->n_parts == HAL_FLASH_MAX_PARTS)
		return MAYDAY_E_TOOBIG;
	err = f->ops->powered(f);
	if (err != MAYDAY_OK)
		return err;
	err = part_make(f, part);
	if (err != MAYDAY_OK)
		return err;
	fd = openat(f->dev_fd, part, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno_to_err(errno);
	/* A write-protected partition is not swept: its temporaries are
	 * provisioning's debris, unreachable by name, removed by its next open. */
	if (f->provisioning || strcmp(part, HAL_PART_DCF) != 0)
		err = remove_temporaries(f, fd);
	if (err != MAYDAY_OK) {
		close_fd(fd);
		return err;
	}
	memcpy(f->parts[f->n_parts].name, part, strlen(part) + 1);
	f->parts[f->n_parts].fd = fd;
	f->n_parts++;
	*out = fd;
	return MAYDAY_OK;
}

static const struct hal_flash_ops *find_backend(const char *spec, const char **args)
{
	const char *colon = strchr(spec, ':');
	size_t len = colon != NULL ? (size_t)(colon - spec) : strlen(spec);

	for (size_t i = 0; i < sizeof(backends) / sizeof(backends[0]); i++) {
		if (strlen(backends[i]->name) == len && memcmp(backends[i]->name, spec, len) == 0) {
			*args = colon != NULL ? colon + 1 : NULL;
			return backends[i];
		}
	}
	return NULL;
}

static enum mayday_err flash_open(struct hal_flash **out, const char *device_dir, const char *spec,
			      bool provisioning)
{
	const struct hal_flash_ops *ops;
	struct hal_flash *f = NULL;
	const char *args = NULL;
	enum mayday_err err;
	size_t dlen;

	*out = NULL;
	if (spec == NULL) {
		spec = getenv("MAYDAY_FLASH");
		if (spec == NULL || spec[0] == '\0')
			spec = "host";
	}
	if (device_dir == NULL)
		return MAYDAY_E_INVALID;
	dlen = strnlen(device_dir, PATH_MAX);
	if (dlen == 0)
		return MAYDAY_E_INVALID;
	if (dlen == PATH_MAX)
		return MAYDAY_E_TOOBIG;
	ops = find_backend(spec, &args);
	if (ops == NULL)
		return MAYDAY_E_INVALID;
	if (strlen(spec) > HAL_FLASH_SPEC_MAX)
		return MAYDAY_E_TOOBIG;
	f = calloc(1, sizeof(*f));
	if (f == NULL)
		return MAYDAY_E_NOMEM;
	f->dev_fd = -1;
	f->provisioning = provisioning;
	memcpy(f->dir, device_dir, dlen + 1);
	memcpy(f->spec, spec, strlen(spec) + 1);
	err = ops->init(f, args);
	if (err != MAYDAY_OK) {
		free(f);
		return err;
	}
	f->ops = ops;
	err = ops->powered(f);
	if (err != MAYDAY_OK)
		goto out;
	if (mkdir(device_dir, 0700) != 0 && errno != EEXIST) {
		err = errno_to_err(errno);
		goto out;
	}
	f->dev_fd = open(device_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (f->dev_fd < 0) {
		err = errno_to_err(errno);
		goto out;
	}
	/* The layout is made here; each partition is opened (and swept) when
	 * first used, see part_fd. */
	for (size_t i = 0; i < sizeof(standard_parts) / sizeof(standard_parts[0]); i++) {
		err = part_make(f, standard_parts[i]);
		if (err != MAYDAY_OK)
			goto out;
	}
out:
	if (err != MAYDAY_OK) {
		hal_flash_close(f);
		return err;
	}
	*out = f;
	return MAYDAY_OK;
}

enum mayday_err hal_flash_open(struct hal_flash **out, const char *device_dir, const char *spec)
{
	return flash_open(out, device_dir, spec, false);
}

enum mayday_err hal_flash_open_provisioning(struct hal_flash **out, const char *device_dir,
					    const char *spec)
{
	return flash_open(out, device_dir, spec, true);
}

void hal_flash_close(struct hal_flash *f)
{
	if (f == NULL)
		return;
	flash_flusher_free(f->flusher);
	for (size_t i = 0; i < f->n_parts; i++)
		close_fd(f->parts[i].fd);
	close_fd(f->dev_fd);
	if (f->ops != NULL)
		f->ops->fini(f);
	free(f);
}

uint64_t hal_flash_ops_count(const struct hal_flash *f)
{
	return f->ops_count;
}

const char *hal_flash_device_dir(const struct hal_flash *f)
{
	return f->dir;
}

const char *hal_flash_spec(const struct hal_flash *f)
{
	return f->spec;
}

/* Opens PART/NAME for reading: a regular file, never through a symlink. */
static enum mayday_err open_file(struct hal_flash *f, const char *part, const char *name, int *out,
				 uint64_t *size)
{
	enum mayday_err err;
	struct stat st;
	int pfd;
	int fd;

	if (!hal_flash_name_ok(part) || !hal_flash_name_ok(name))
		return MAYDAY_E_INVALID;
	err = f->ops->powered(f);
	if (err == MAYDAY_OK)
		err = part_fd(f, part, &pfd);
	if (err != MAYDAY_OK)
		return err;
	/* O_NONBLOCK: a FIFO planted under a file name must not hang the reader. */
	fd = openat(pfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return errno_to_err(errno);
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close_fd(fd);
		return MAYDAY_E_IO;
	}
	*out = fd;
	*size = (uint64_t)st.st_size;
	return MAYDAY_OK;
}

enum mayday_err hal_flash_read(struct hal_flash *f, const char *part, const char *name,
			       uint8_t *buf, size_t cap, size_t *len)
{
	enum mayday_err err;
	uint64_t size;
	size_t total = 0;
	int fd;

	*len = 0;
	err = open_file(f, part, name, &fd, &size);
	if (err != MAYDAY_OK)
		return err;
	if (size > cap) {
		err = MAYDAY_E_TOOBIG;
		goto out;
	}
	for (;;) {
		size_t n = 0;

		if (total == cap) {
			uint8_t probe;

			/* The file may have grown since fstat: never return a prefix. */
			err = f->ops->read(f, fd, part, name, total, &probe, 1, &n);
			if (err == MAYDAY_OK && n != 0)
				err = MAYDAY_E_TOOBIG;
			break;
		}
		err = f->ops->read(f, fd, part, name, total, buf + total, cap - total, &n);
		if (err != MAYDAY_OK || n == 0)
			break;
		total += n;
	}
	if (err == MAYDAY_OK)
		*len = total;
out:
	close_fd(fd);
	return err;
}

static enum mayday_err write_all(struct hal_flash *f, int fd, const void *data, size_t len)
{
	const uint8_t *p = data;

	while (len > 0) {
		size_t n = 0;
		enum mayday_err err = f->ops->write(f, fd, p, len, &n);

		if (err != MAYDAY_OK)
			return err;
		if (n == 0 || n > len)
			return MAYDAY_E_IO;
		p += n;
		len -= n;
	}
	return MAYDAY_OK;
}

/* Creates a new, unique temporary for NAME in the partition `pfd`. */
static enum mayday_err create_temporary(struct hal_flash *f, int pfd, const char *name,
					char tmp[TMP_NAME_MAX], int *out)
{
	int n = snprintf(tmp, TMP_NAME_MAX, HAL_FLASH_TMP_PREFIX "%ld-%llu-%s", (long)getpid(),
			 (unsigned long long)++f->tmp_seq, name);
	int fd;

	if (n < 0 || n >= TMP_NAME_MAX)
		return MAYDAY_E_INTERNAL;
	fd = openat(pfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return errno_to_err(errno);
	*out = fd;
	return MAYDAY_OK;
}

/* fsync the temporary, rename it over NAME, fsync the directory. Closes fd. */
static enum mayday_err commit_temporary(struct hal_flash *f, int pfd, int fd, const char *tmp,
					const char *name)
{
	enum mayday_err err = f->ops->fsync(f, fd);

	close_fd(fd);
	if (err == MAYDAY_OK) {
		err = f->ops->rename(f, pfd, tmp, name);
		if (err == MAYDAY_OK)
			return f->ops->fsync(f, pfd);
	}
	(void)f->ops->unlink(f, pfd, tmp); /* best effort: open removes it otherwise */
	return err;
}

enum mayday_err hal_flash_write_atomic(struct hal_flash *f, const char *part, const char *name,
				       const void *data, size_t len)
{
	char tmp[TMP_NAME_MAX];
	enum mayday_err err;
	int pfd;
	int fd;

	if (!hal_flash_name_ok(part) || !hal_flash_name_ok(name) || (data == NULL && len > 0))
		return MAYDAY_E_INVALID;
	err = f->ops->powered(f);
	if (err == MAYDAY_OK)
		err = writable(f, part, name);
	if (err == MAYDAY_OK)
		err = part_fd(f, part, &pfd);
	if (err == MAYDAY_OK)
		err = create_temporary(f, pfd, name, tmp, &fd);
	if (err != MAYDAY_OK)
		return err;
	err = write_all(f, fd, data, len);
	if (err != MAYDAY_OK) {
		close_fd(fd);
		(void)f->ops->unlink(f, pfd, tmp);
		return err;
	}
	return commit_temporary(f, pfd, fd, tmp, name);
}

enum mayday_err hal_flash_remove(struct hal_flash *f, const char *part, const char *name)
{
	enum mayday_err err;
	int pfd;

	if (!hal_flash_name_ok(part) || !hal_flash_name_ok(name))
		return MAYDAY_E_INVALID;
	err = f->ops->powered(f);
	if (err == MAYDAY_OK)
		err = writable(f, part, name);
	if (err == MAYDAY_OK)
		err = part_fd(f, part, &pfd);
	if (err == MAYDAY_OK)
		err = f->ops->unlink(f, pfd, name);
	if (err == MAYDAY_OK)
		err = f->ops->fsync(f, pfd);
	return err;
}

enum mayday_err hal_flash_path(const struct hal_flash *f, const char *part, const char *name,
			       char *out, size_t cap)
{
	enum mayday_err err;
	int n;

	if (!hal_flash_name_ok(part) || !hal_flash_name_ok(name) || out == NULL || cap == 0)
		return MAYDAY_E_INVALID;
	err = f->ops->powered(f);
	if (err != MAYDAY_OK)
		return err;
	n = snprintf(out, cap, "%s/%s/%s", f->dir, part, name);
	if (n < 0)
		return MAYDAY_E_INTERNAL;
	if ((size_t)n >= cap) {
		out[0] = '\0';
		return MAYDAY_E_TOOBIG;
	}
	return MAYDAY_OK;
}

enum mayday_err hal_flash_list(struct hal_flash *f, const char *part, hal_flash_list_fn fn,
			       void *ctx)
{
	enum mayday_err err;
	struct dirent *de;
	DIR *d;
	int pfd;
	int fd;

	if (!hal_flash_name_ok(part) || fn == NULL)
		return MAYDAY_E_INVALID;
	err = f->ops->powered(f);
	if (err == MAYDAY_OK)
		err = part_fd(f, part, &pfd);
	if (err != MAYDAY_OK)
		return err;
	fd = dup(pfd);
	if (fd < 0)
		return MAYDAY_E_IO;
	d = fdopendir(fd);
	if (d == NULL) {
		close_fd(fd);
		return MAYDAY_E_IO;
	}
	rewinddir(d); /* the dup shares its offset with every earlier scan */
	while (err == MAYDAY_OK && (de = readdir(d)) != NULL) {
		struct stat st;

		if (!hal_flash_name_ok(de->d_name) ||
		    fstatat(pfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode))
			continue;
		err = fn(ctx, de->d_name, (uint64_t)st.st_size);
	}
	closedir(d);
	return err;
}

enum mayday_err hal_flash_reader_open(struct hal_flash *f, const char *part, const char *name,
				      struct hal_flash_reader **out, uint64_t *size)
{
	struct hal_flash_reader *r;
	enum mayday_err err;
	int fd;

	*out = NULL;
	err = open_file(f, part, name, &fd, size);
	if (err != MAYDAY_OK)
		return err;
	r = calloc(1, sizeof(*r));
	if (r == NULL) {
		close_fd(fd);
		return MAYDAY_E_NOMEM;
	}
	r->f = f;
	r->fd = fd;
	memcpy(r->part, part, strlen(part) + 1);
	memcpy(r->name, name, strlen(name) + 1);
	*out = r;
	return MAYDAY_OK;
}

enum mayday_err hal_flash_reader_read(struct hal_flash_reader *r, uint8_t *buf, size_t cap,
				      size_t *n)
{
	enum mayday_err err;

	*n = 0;
	err = r->f->ops->powered(r->f);
	if (err == MAYDAY_OK)
		err = r->f->ops->read(r->f, r->fd, r->part, r->name, r->off, buf, cap, n);
	if (err == MAYDAY_OK)
		r->off += *n;
	return err;
}

void hal_flash_reader_close(struct hal_flash_reader *r)
{
	if (r == NULL)
		return;
	close_fd(r->fd);
	free(r);
}

enum mayday_err hal_flash_writer_open(struct hal_flash *f, const char *part, const char *name,
				      struct hal_flash_writer **out)
{
	struct hal_flash_writer *w;
	enum mayday_err err;
	int pfd;

	*out = NULL;
	if (!hal_flash_name_ok(part) || !hal_flash_name_ok(name))
		return MAYDAY_E_INVALID;
	err = f->ops->powered(f);
	if (err == MAYDAY_OK)
		err = writable(f, part, name);
	if (err == MAYDAY_OK)
		err = part_fd(f, part, &pfd);
	if (err != MAYDAY_OK)
		return err;
	w = calloc(1, sizeof(*w));
	if (w == NULL)
		return MAYDAY_E_NOMEM;
	w->f = f;
	w->dirfd = pfd;
	err = create_temporary(f, pfd, name, w->tmp, &w->fd);
	if (err != MAYDAY_OK) {
		free(w);
		return err;
	}
	memcpy(w->name, name, strlen(name) + 1);
	*out = w;
	return MAYDAY_OK;
}

/* Hands the writer's file to the handle's flusher (made at the first
 * offer; without one, the commit's fsync does it all, as it always may). */
static void flush_ahead(struct hal_flash_writer *w)
{
	struct hal_flash *f = w->f;

	if (f->flusher == NULL && flash_flusher_new(f->ops->datasync, &f->flusher) != MAYDAY_OK)
		return;
	flash_flusher_offer(f->flusher, w->dirfd, w->tmp);
}

enum mayday_err hal_flash_writer_write(struct hal_flash_writer *w, const void *data, size_t len)
{
	if (w->err != MAYDAY_OK)
		return w->err;
	if (data == NULL && len > 0)
		return MAYDAY_E_INVALID;
	w->err = w->f->ops->powered(w->f);
	if (w->err == MAYDAY_OK)
		w->err = write_all(w->f, w->fd, data, len);
	if (w->err != MAYDAY_OK)
		return w->err;
	/* A large file is written back, and made durable, as it grows, not all
	 * at the commit's fsync: the commit then waits for the last chunk only. */
	w->written += len;
	if (w->written - w->started >= HAL_FLASH_WRITEBACK_CHUNK) {
		w->f->ops->writeback(w->f, w->fd, w->started, w->written - w->started);
		w->started = w->written;
		flush_ahead(w);
	}
	return MAYDAY_OK;
}

void hal_flash_writer_flush_start(struct hal_flash_writer *w)
{
	if (w->err != MAYDAY_OK || w->written == w->started)
		return;
	w->f->ops->writeback(w->f, w->fd, w->started, w->written - w->started);
	w->started = w->written;
}

/* Makes every writer's bytes durable, then names them, then makes the names
 * durable with one fsync of their directory. On failure the temporaries not
 * yet renamed are removed; those already renamed are complete and durable. */
static enum mayday_err commit_writers(struct hal_flash_writer **ws, size_t n)
{
	struct hal_flash *f = ws[0]->f;
	enum mayday_err err = MAYDAY_OK;
	size_t renamed = 0;

	for (size_t i = 0; i < n && err == MAYDAY_OK; i++)
		if (ws[i]->f != f || ws[i]->dirfd != ws[0]->dirfd)
			err = MAYDAY_E_INVALID;
	for (size_t i = 0; i < n && err == MAYDAY_OK; i++)
		err = ws[i]->err;
	if (err == MAYDAY_OK)
		err = f->ops->powered(f);
	for (size_t i = 0; i < n && err == MAYDAY_OK; i++)
		err = f->ops->fsync(f, ws[i]->fd);
	for (size_t i = 0; i < n; i++) {
		close_fd(ws[i]->fd);
		ws[i]->fd = -1;
	}
	for (; renamed < n && err == MAYDAY_OK; renamed++)
		err = f->ops->rename(f, ws[renamed]->dirfd, ws[renamed]->tmp, ws[renamed]->name);
	if (err == MAYDAY_OK)
		err = f->ops->fsync(f, ws[0]->dirfd);
	else
		for (size_t i = renamed > 0 ? renamed - 1 : 0; i < n; i++)
			/* best effort: opening the partition removes them otherwise */
			(void)ws[i]->f->ops->unlink(ws[i]->f, ws[i]->dirfd, ws[i]->tmp);
	return err;
}

enum mayday_err hal_flash_writers_commit(struct hal_flash_writer **ws, size_t n)
{
	enum mayday_err err;

	if (n == 0)
		return MAYDAY_OK;
	err = commit_writers(ws, n);
	for (size_t i = 0; i < n; i++) {
		close_fd(ws[i]->fd);
		free(ws[i]);
		ws[i] = NULL;
	}
	return err;
}

enum mayday_err hal_flash_writer_commit(struct hal_flash_writer *w)
{
	return hal_flash_writers_commit(&w, 1);
}

void hal_flash_writer_abort(struct hal_flash_writer *w)
{
	if (w == NULL)
		return;
	close_fd(w->fd);
	(void)w->f->ops->unlink(w->f, w->dirfd, w->tmp); /* fails harmlessly after a power cut */
	free(w);
}

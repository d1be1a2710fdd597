/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private to the flash HAL: the handle and the backend interface.
 *
 * flash.c owns the protocol (names, partition directories, temporary files,
 * the atomic replace); a backend supplies only the primitives that touch the
 * medium. Every primitive that changes flash is counted here, in one place
 * per backend, so "operation N" means the same thing for every caller:
 * each write(2) of data, each fsync, each rename, each unlink.
 */
#ifndef MAYDAY_HAL_FLASH_BACKEND_H
#define MAYDAY_HAL_FLASH_BACKEND_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "flash.h"

#define HAL_FLASH_NAME_MAX  64   /* partition and file names, bytes */
#define HAL_FLASH_MAX_PARTS 16   /* distinct partitions one handle opens */
#define HAL_FLASH_TMP_PREFIX ".tmp-"

struct hal_flash;
struct flash_flusher;

struct hal_flash_ops {
	const char *name;   /* the spec's backend name (before ':') */
	/* `args` is the text after ':' or NULL when the spec had none. */
	enum mayday_err (*init)(struct hal_flash *f, const char *args);
	void (*fini)(struct hal_flash *f);
	/* MAYDAY_OK while the device has power, else MAYDAY_E_POWER. Checked on
	 * entry to every public call, so nothing is touched once power is gone.
	 * Reads the handle only (concurrent readers call it, see flash.h). */
	enum mayday_err (*powered)(const struct hal_flash *f);
	/* One pread(2) of PART/NAME at `off` (not counted: reads change nothing,
	 * and may run on several threads at once, see flash.h). */
	enum mayday_err (*read)(struct hal_flash *f, int fd, const char *part, const char *name,
				uint64_t off, uint8_t *buf, size_t cap, size_t *n);
	/* One write(2); *n bytes were written (possibly short). Counted. */
	enum mayday_err (*write)(struct hal_flash *f, int fd, const uint8_t *buf, size_t len,
				 size_t *n);
	enum mayday_err (*fsync)(struct hal_flash *f, int fd);                       /* counted */
	enum mayday_err (*rename)(struct hal_flash *f, int dirfd, const char *from,
				  const char *to);                                  /* counted */
	enum mayday_err (*unlink)(struct hal_flash *f, int dirfd, const char *name); /* counted */
	/* Starts writing bytes [off, off + len) of fd to the medium, without
	 * waiting: a hint, so that the fsync ending a large file finds little
	 * left to do (the medium works while the writer goes on). Not counted:
	 * it changes nothing a reader sees, and nothing is durable before the
	 * fsync all the same. Failures are ignored (the fsync reports them). */
	void (*writeback)(struct hal_flash *f, int fd, uint64_t off, uint64_t len);
	/* Makes fd's data durable (fdatasync): the flusher's primitive
	 * (flash_flusher.h), on the flusher's own descriptor of a writer's
	 * file. Runs on the flusher's thread, so it takes no handle and touches
	 * no handle state; not counted and not refused after a simulated power
	 * cut, as it changes nothing anyone can read. Failures are ignored: the
	 * flusher's descriptor is its own open file, so a write-back error is
	 * still reported to the writer's, at the commit's fsync. */
	void (*datasync)(int fd);
};

struct hal_flash_part {
	char name[HAL_FLASH_NAME_MAX + 1];
	int fd;             /* O_DIRECTORY, opened once, closed by hal_flash_close */
};

struct hal_flash {
	const struct hal_flash_ops *ops;
	void *backend;      /* backend state, owned by ops->init / ops->fini */
	uint64_t ops_count; /* counted operations so far; maintained by the backend */
	int dev_fd;         /* the device directory */
	uint64_t tmp_seq;   /* makes temporary names unique within this handle */
	bool provisioning;  /* opened by hal_flash_open_provisioning: DCF writable */
	struct flash_flusher *flusher; /* made by the first large writer, else NULL */
	size_t n_parts;
	struct hal_flash_part parts[HAL_FLASH_MAX_PARTS];
	char dir[PATH_MAX];
	char spec[HAL_FLASH_SPEC_MAX + 1]; /* as opened (the default resolved) */
};

/* The host primitives; the fault backend wraps them. */
extern const struct hal_flash_ops hal_flash_host_ops;
extern const struct hal_flash_ops hal_flash_fault_ops;

/* true if `name` is a valid partition or file name: 1..HAL_FLASH_NAME_MAX
 * bytes of [A-Za-z0-9._-], not "." or "..", not starting with the
 * temporary-file prefix (those names are reserved for the HAL). */
bool hal_flash_name_ok(const char *name);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fault-injection flash backend: the host primitives, plus a power switch
 * and bit flips.
 *
 * Options (after "fault:") are parsed by flash_fault_spec.c; the syntax is
 * documented in flash_fault_spec.h and hal/flash.h. cut=N: power is lost
 * right after the N-th counted operation: that operation completes, every
 * later call (read or write) fails with MAYDAY_E_POWER and touches nothing.
 * cut=0: the device never has power. Without cut= the backend only counts.
 * flip=PART/NAME@BIT inverts the bit in the data as read (bit 0 = least
 * significant bit of byte 0, bit 8 = LSB of byte 1); the file itself is not
 * changed. torn breaks the protocol on purpose, so that the conformance
 * harness is seen to fail a medium without atomic replace
 * (tests/conformance/conformance.cmake): a cut on a rename lands inside it.
 */
#include <stdlib.h>
#include <string.h>

#include "flash_backend.h"
#include "flash_fault_spec.h"

static enum mayday_err fault_init(struct hal_flash *f, const char *args)
{
	struct flash_fault_spec *st = calloc(1, sizeof(*st));
	enum mayday_err err;

	if (st == NULL)
		return MAYDAY_E_NOMEM;
	err = flash_fault_spec_parse(args, st);
	if (err != MAYDAY_OK) {
		free(st);
		return err;
	}
	f->backend = st;
	return MAYDAY_OK;
}

static void fault_fini(struct hal_flash *f)
{
	free(f->backend);
	f->backend = NULL;
}

static enum mayday_err fault_powered(const struct hal_flash *f)
{
	const struct flash_fault_spec *st = f->backend;

	return st->has_cut && f->ops_count >= st->cut ? MAYDAY_E_POWER : MAYDAY_OK;
}

static enum mayday_err fault_read(struct hal_flash *f, int fd, const char *part, const char *name,
				  uint64_t off, uint8_t *buf, size_t cap, size_t *n)
{
	const struct flash_fault_spec *st = f->backend;
	enum mayday_err err = fault_powered(f);

	if (err == MAYDAY_OK)
		err = hal_flash_host_ops.read(f, fd, part, name, off, buf, cap, n);
	if (err != MAYDAY_OK)
		return err;
	for (size_t i = 0; i < st->n_flips; i++) {
		const struct flash_fault_flip *fl = &st->flips[i];
		uint64_t byte = fl->bit / 8;

		if (byte >= off && byte - off < *n && strcmp(fl->part, part) == 0 &&
		    strcmp(fl->name, name) == 0)
			buf[byte - off] ^= (uint8_t)(1u << (fl->bit % 8));
	}
	return MAYDAY_OK;
}

static enum mayday_err fault_write(struct hal_flash *f, int fd, const uint8_t *buf, size_t len,
				   size_t *n)
{
	enum mayday_err err = fault_powered(f);

	return err != MAYDAY_OK ? err : hal_flash_host_ops.write(f, fd, buf, len, n);
}

static enum mayday_err fault_fsync(struct hal_flash *f, int fd)
{
	enum mayday_err err = fault_powered(f);

	return err != MAYDAY_OK ? err : hal_flash_host_ops.fsync(f, fd);
}

static enum mayday_err fault_rename(struct hal_flash *f, int dirfd, const char *from,
				    const char *to)
{
	const struct flash_fault_spec *st = f->backend;
	enum mayday_err err = fault_powered(f);

	if (err != MAYDAY_OK)
		return err;
	/* torn, and this rename is the last operation with power: it is done
	 * as a medium without atomic replace would be cut doing it -- the old
	 * file is removed (counted once, as the rename), the new one is never
	 * named. */
	if (st->torn && st->has_cut && f->ops_count + 1 == st->cut) {
		err = hal_flash_host_ops.unlink(f, dirfd, to);
		return err == MAYDAY_OK || err == MAYDAY_E_NOTFOUND ? MAYDAY_E_POWER : err;
	}
	return hal_flash_host_ops.rename(f, dirfd, from, to);
}

static enum mayday_err fault_unlink(struct hal_flash *f, int dirfd, const char *name)
{
	enum mayday_err err = fault_powered(f);

	return err != MAYDAY_OK ? err : hal_flash_host_ops.unlink(f, dirfd, name);
}

static void fault_writeback(struct hal_flash *f, int fd, uint64_t off, uint64_t len)
{
	if (fault_powered(f) == MAYDAY_OK)
		hal_flash_host_ops.writeback(f, fd, off, len);
}

/* Not refused after a cut (flash_backend.h says why): it runs on the
 * flusher's thread and must not read the handle the writer is counting in. */
static void fault_datasync(int fd)
{
	hal_flash_host_ops.datasync(fd);
}

const struct hal_flash_ops hal_flash_fault_ops = {
	.name = "fault",
	.init = fault_init,
	.fini = fault_fini,
	.powered = fault_powered,
	.read = fault_read,
	.write = fault_write,
	.fsync = fault_fsync,
	.rename = fault_rename,
	.unlink = fault_unlink,
	.writeback = fault_writeback,
	.datasync = fault_datasync,
};

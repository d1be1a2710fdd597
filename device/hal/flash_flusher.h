/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private to the flash HAL: makes a growing file's bytes durable ahead of
 * its commit, on a thread of its own.
 *
 * Why: on a medium with a volatile write cache (eMMC, an SSD, a VM's disk)
 * the fsync that ends a large file pays for every byte still in that cache,
 * and nothing else moves meanwhile; starting write-back (the writer's hint)
 * does not empty the cache. A flusher given the file every
 * HAL_FLASH_WRITEBACK_CHUNK bytes flushes what is written so far while the
 * writer goes on, so the commit's own fsync finds little left.
 *
 * Nothing becomes visible or changes meaning: the flush is of bytes the
 * writer already wrote, and the commit's counted fsync still comes before
 * its rename (a flush may still run when that rename is done: it then
 * flushes the named file, which changes nothing either). The flusher opens
 * the file anew (O_RDONLY) rather than sharing the writer's descriptor: a
 * write-back error is reported once per open file, and must reach the
 * commit's fsync, not be taken by the flusher's. One flush at a time: an
 * offer while one runs is dropped (the next offer, or the commit's fsync,
 * covers those bytes), so the writer never waits for the flusher. The
 * thread starts at the first offer and is joined by flash_flusher_free.
 */
#ifndef MAYDAY_HAL_FLASH_FLUSHER_H
#define MAYDAY_HAL_FLASH_FLUSHER_H

#include "mayday/error.h"

struct flash_flusher;

/* `datasync` makes fd's data durable; it runs on the flusher's thread. */
typedef void (*flash_flusher_sync_fn)(int fd);

MAYDAY_NODISCARD enum mayday_err flash_flusher_new(flash_flusher_sync_fn datasync,
						   struct flash_flusher **out);
/* Flushes NAME of the directory `dirfd` in the background if no flush is
 * running (the flusher opens it itself, read-only, and closes it when
 * done); else, or if the thread cannot be started or the file opened, does
 * nothing. */
void flash_flusher_offer(struct flash_flusher *fl, int dirfd, const char *name);
/* Waits for the flush running, if any; one offered but not started is
 * dropped. NULL-safe. */
void flash_flusher_free(struct flash_flusher *fl);

#endif

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
 * Nothing becomes visible or changes meaning: a flush is of a temporary
 * that no name shows, and the commit's counted fsync still comes before
 * its rename. One flush at a time: an offer while one runs is dropped (the
 * next offer, or the commit's fsync, covers those bytes), so the writer
 * never waits for the flusher. The thread starts at the first offer and is
 * joined by flash_flusher_free.
 */
#ifndef MAYDAY_HAL_FLASH_FLUSHER_H
#define MAYDAY_HAL_FLASH_FLUSHER_H

#include "mayday/error.h"

struct flash_flusher;

/* `datasync` makes fd's data durable; it runs on the flusher's thread. */
typedef void (*flash_flusher_sync_fn)(int fd);

MAYDAY_NODISCARD enum mayday_err flash_flusher_new(flash_flusher_sync_fn datasync,
						   struct flash_flusher **out);
/* Flushes fd in the background if no flush is running (the flusher keeps
 * its own duplicate of fd, so the caller may close fd at once); else, or if
 * the thread cannot be started, does nothing. */
void flash_flusher_offer(struct flash_flusher *fl, int fd);
/* Waits for the flush in progress, if any. NULL-safe. */
void flash_flusher_free(struct flash_flusher *fl);

#endif

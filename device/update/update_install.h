/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Streaming installer of a signed bundle (mayday/bundle.h) into the inactive
 * normal-code slot (DESIGN §7).
 *
 * Input is a byte stream read through a callback, so an HTTP download and a
 * file feed it alike; memory is constant (a manifest buffer and a ring of
 * UPDATE_PIPE_SLOTS copy buffers, update_pipe.h, whatever the image size).
 * Order:
 *   1. header, then the signed manifest: vendor signature (RoT anchor), kind
 *      IMAGE with a designated entry, product class equal to the device's,
 *      anti-rollback >= the RoT counter, total size <= max_image_size, names
 *      usable as slot files -- all BEFORE anything is written;
 *   2. a pending trial of the inactive slot is withdrawn (boot state), then
 *      the slot's manifest and every other file are removed;
 *   3. each payload streams into its component through a HAL writer; it is
 *      read and hashed on a second thread while the block before is written
 *      (update_pipe.h: the read callback is then called from that thread,
 *      one call at a time; every counted flash operation stays on the caller's);
 *      it is kept for commit only when size and digest match its TRV;
 *   4. exactly the announced bytes, nothing after: then every component is
 *      made durable and only then named (hal_flash_writers_commit, so one
 *      component's fsync does not hold up the next one's writes), then the manifest is
 *      written into the slot LAST, so a partly written slot never verifies;
 *   5. before_pending, if given, then the slot is marked pending with
 *      `tries` start-ups.
 * A failure at any step leaves the inactive slot without a manifest (or
 * untouched, before step 2) and the boot state without a pending slot for
 * it: nothing is activated. A power cut at any write leaves the old image
 * bootable, or the new one complete and pending.
 */
#ifndef MAYDAY_UPDATE_INSTALL_H
#define MAYDAY_UPDATE_INSTALL_H

#include <stddef.h>
#include <stdint.h>

#include "flash.h"
#include "rot.h"
#include "update_fault.h"
#include "mayday/manifest.h"

#define UPDATE_COPY_BUF   (128u * 1024u) /* bytes per read of a payload; one ring buffer */
#define UPDATE_TRIES_DEFAULT 3

/* Read up to `cap` bytes into `buf`; *n = 0 at the end of the stream. Any
 * error ends the installation with UPDATE_E_STREAM (UPDATE_E_POWER for
 * MAYDAY_E_POWER). */
typedef enum mayday_err (*update_read_fn)(void *ctx, uint8_t *buf, size_t cap, size_t *n);

/* Called once the slot is complete -- every payload verified, its manifest
 * written -- just before it is marked pending, with the slot and the signed
 * manifest's bytes: a caller that must know of an image before it can be
 * started (the remediation record) records it here, so that no power cut
 * leaves a pending slot it does not know of. An error stops the
 * installation: the slot is emptied, nothing is activated. */
typedef enum mayday_err (*update_pending_fn)(void *ctx, uint8_t slot, const uint8_t *manifest,
					     size_t len);

struct update_params {
	const char *product_class;  /* the device's (dcf.conf [dcf] product_class) */
	uint64_t max_image_size;    /* payload bytes the device accepts (dcf.conf) */
	uint8_t tries;              /* 1..BOOT_STATE_TRIES_MAX start-ups of the new slot */
	update_pending_fn before_pending; /* NULL: none */
	void *before_pending_ctx;
};

struct update_result {
	enum update_status status;
	uint8_t slot;                    /* the inactive slot written (BOOT_SLOT_A/B) */
	uint64_t offset;                 /* bytes of the stream consumed when it ended */
	char detail[160];                /* what failed, for logs and the FaultString */
	/* The TR-069 fault when the stream's provider knows better than the
	 * status (a download: 9012, 9013, 9015-9017); 0: update_fault_code. Never
	 * set by update_install. */
	unsigned transfer_fault;
	struct mayday_manifest manifest; /* valid from step 1 on */
};

/* Install the bundle read from `rd` into `f`'s inactive slot. `rot` gives the
 * vendor anchor and the anti-rollback counter. Fills *res (caller's storage)
 * and returns res->status. Logs nothing: the caller reports *res once. */
enum update_status update_install(struct hal_flash *f, struct hal_rot *rot,
				  const struct update_params *p, update_read_fn rd, void *ctx,
				  struct update_result *res);

/* update_read_fn over a FILE * (ctx). */
enum mayday_err update_read_file(void *ctx, uint8_t *buf, size_t cap, size_t *n);

#endif

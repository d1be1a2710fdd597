/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Flash HAL: a device's partitions, accessed only through this interface.
 *
 * On the host a device is a directory and each partition a sub-directory of
 * files ("rot", "dcf", "slot_a", "slot_b", "state", "run"). Every write that
 * must survive power loss goes through hal_flash_write_atomic or a
 * hal_flash_writer: write a temporary file, fsync it, rename it over the
 * target, fsync the directory. A power cut therefore leaves the old file or
 * the new one, never a mix (leftover temporaries are removed when the
 * partition is next opened: by a handle, on its first use of it).
 *
 * Backends are chosen by name (hal_flash_open's `spec`):
 *   "host"                       plain files
 *   "fault:cut=N[,flip=PART/NAME@BIT]..."
 *                                host files, but after N counted flash
 *                                operations every further call fails with
 *                                MAYDAY_E_POWER (the device lost power);
 *                                flip inverts bit BIT of PART/NAME as it is read
 *                                (bit 0 = least significant bit of byte 0)
 *   "fault" (no options)         host files, counted only (no cut)
 *   "fault:torn,cut=N"           as cut=N, but a rename that is operation N
 *                                is torn (the target removed, the new file
 *                                never named): a broken medium, only for the
 *                                conformance harness's negative control
 * Counted operations: each write(2) of data, each fsync, each rename, each unlink.
 * (A writer also starts the medium's writeback of every
 * HAL_FLASH_WRITEBACK_CHUNK bytes it wrote, and hands its temporary to the
 * handle's flusher thread, which flushes it (fdatasync) while the writer goes
 * on, so that its commit's fsync waits for little: neither is counted, and
 * nothing can be read from a temporary, nor is it renamed, before that
 * counted fsync either way; flash_flusher.h.)
 * Both backends count. hal_flash_ops_count() reports how many a run performed,
 * so a test can count a clean run, then cut at every step 1..N. cut=N lets
 * operation N complete; cut=0 means the device never has power. Opening
 * counts too: a new partition directory is made durable with an fsync of the
 * device directory, and sweeping temporaries unlinks them.
 *
 * Names: partition and file names are one path component of 1..64 bytes of
 * [A-Za-z0-9._-], not "." or "..", and not starting with ".tmp-" (reserved
 * for the HAL's temporaries); anything else is MAYDAY_E_INVALID. Only
 * regular files are read or listed; symlinks are never followed. A full
 * medium is MAYDAY_E_TOOBIG, other failures of the medium MAYDAY_E_IO.
 * A handle is used by one thread at a time, with one exception: distinct
 * readers may be read (hal_flash_reader_read) from several threads at once
 * while nothing else is called on the handle -- a read changes nothing in
 * it (boot_measure_all hashes components so). Readers and writers must be
 * closed before hal_flash_close.
 *
 * Write protection: the DCF partition is written at provisioning only. A
 * handle from hal_flash_open may read it but every change there
 * (hal_flash_write_atomic, hal_flash_writer_open, hal_flash_remove) fails
 * with MAYDAY_E_INVALID, logged once by the HAL, before anything on the
 * medium is touched (nothing is counted), and opening does not sweep its
 * temporaries. Only hal_flash_open_provisioning (mayday-provision) yields a
 * handle that may change it. Device programs (mayday-boot, the normal code,
 * the installer, the DCF) use hal_flash_open.
 */
#ifndef MAYDAY_HAL_FLASH_H
#define MAYDAY_HAL_FLASH_H

#include <stddef.h>
#include <stdint.h>

#include "mayday/error.h"

#define HAL_PART_ROT    "rot"
#define HAL_PART_DCF    "dcf"
#define HAL_PART_SLOT_A "slot_a"
#define HAL_PART_SLOT_B "slot_b"
#define HAL_PART_STATE  "state"
#define HAL_PART_RUN    "run"   /* volatile handover area (RAM on a real device) */

#define HAL_FLASH_WRITEBACK_CHUNK (8u << 20) /* see "Counted operations" above */

struct hal_flash;
struct hal_flash_reader;
struct hal_flash_writer;

/* `spec` NULL means the MAYDAY_FLASH environment variable, else "host".
 * Creates the device directory (one level) and the standard partition
 * directories if missing (mode 0700). Each partition is opened, and its
 * leftover temporaries removed, on the handle's first use of it, so a
 * program touches no partition it does not use. Other partition names are
 * created on first use. The caller owns *out. */
MAYDAY_NODISCARD enum mayday_err hal_flash_open(struct hal_flash **out, const char *device_dir,
						const char *spec);
/* As hal_flash_open, but the DCF partition is writable: for provisioning
 * (tools/provision) only, never called by a program that runs on the device. */
MAYDAY_NODISCARD enum mayday_err hal_flash_open_provisioning(struct hal_flash **out,
							     const char *device_dir,
							     const char *spec);
void hal_flash_close(struct hal_flash *f);     /* NULL-safe */
uint64_t hal_flash_ops_count(const struct hal_flash *f);
const char *hal_flash_device_dir(const struct hal_flash *f);
/* The spec the handle was opened with, the default resolved: what another
 * process opens to see the same device the same way (the RoT agent). */
#define HAL_FLASH_SPEC_MAX 255
const char *hal_flash_spec(const struct hal_flash *f);

/* Whole small file into the caller's buffer. MAYDAY_E_TOOBIG if larger than cap,
 * MAYDAY_E_NOTFOUND if absent. */
MAYDAY_NODISCARD enum mayday_err hal_flash_read(struct hal_flash *f, const char *part,
						const char *name, uint8_t *buf, size_t cap,
						size_t *len);
/* Power-safe replace of PART/NAME with `data`. */
MAYDAY_NODISCARD enum mayday_err hal_flash_write_atomic(struct hal_flash *f, const char *part,
							const char *name, const void *data,
							size_t len);
MAYDAY_NODISCARD enum mayday_err hal_flash_remove(struct hal_flash *f, const char *part,
						  const char *name);
/* Host path of PART/NAME (to exec an entry program). MAYDAY_E_TOOBIG if cap too small. */
MAYDAY_NODISCARD enum mayday_err hal_flash_path(const struct hal_flash *f, const char *part,
						const char *name, char *out, size_t cap);
/* Calls fn for each regular file in PART (not temporaries), in no particular
 * order; stops on non-OK and returns it. `name` is valid during the call
 * only; fn must not change PART. */
typedef enum mayday_err (*hal_flash_list_fn)(void *ctx, const char *name, uint64_t size);
MAYDAY_NODISCARD enum mayday_err hal_flash_list(struct hal_flash *f, const char *part,
						hal_flash_list_fn fn, void *ctx);

/* Streaming read, for components too large for memory. */
MAYDAY_NODISCARD enum mayday_err hal_flash_reader_open(struct hal_flash *f, const char *part,
						       const char *name,
						       struct hal_flash_reader **out,
						       uint64_t *size);
/* *n == 0 at end of file. */
MAYDAY_NODISCARD enum mayday_err hal_flash_reader_read(struct hal_flash_reader *r, uint8_t *buf,
						       size_t cap, size_t *n);
void hal_flash_reader_close(struct hal_flash_reader *r); /* NULL-safe */

/* Streaming power-safe write: nothing is visible under NAME until commit.
 * A failed write poisons the writer (later calls return the same error).
 * commit consumes w in every case: on success NAME holds the data, on failure
 * the temporary is removed; never call abort after commit. abort removes the
 * temporary and frees w. */
MAYDAY_NODISCARD enum mayday_err hal_flash_writer_open(struct hal_flash *f, const char *part,
						       const char *name,
						       struct hal_flash_writer **out);
MAYDAY_NODISCARD enum mayday_err hal_flash_writer_write(struct hal_flash_writer *w,
							const void *data, size_t len);
MAYDAY_NODISCARD enum mayday_err hal_flash_writer_commit(struct hal_flash_writer *w);
/* Several files finished together: each writer's bytes are made durable
 * (fsync, in order), then each is renamed over its name, then the names are
 * made durable with one fsync of the directory; so no name ever shows bytes
 * that are not durable. All writers must come from one handle and one
 * partition (else MAYDAY_E_INVALID). Consumes every writer in every case
 * (ws[i] is set to NULL): on failure the temporaries not yet renamed are
 * removed, and the files renamed before it hold their complete data. */
MAYDAY_NODISCARD enum mayday_err hal_flash_writers_commit(struct hal_flash_writer **ws, size_t n);
/* The writer will not grow before its commit: start the medium's writeback
 * of its last bytes now, without waiting (a hint, as the writer's own every
 * HAL_FLASH_WRITEBACK_CHUNK), so that a commit made later finds them written. */
void hal_flash_writer_flush_start(struct hal_flash_writer *w);
void hal_flash_writer_abort(struct hal_flash_writer *w); /* NULL-safe; frees w */

#endif

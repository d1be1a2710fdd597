/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The installer's payload reader (private to device/update): one thread reads
 * a bundle's payloads from the stream and hashes each, while the installer's
 * thread writes the blocks read before -- hashing overlapped with writing
 * (DESIGN §9). Blocks pass, in stream order, through a ring of
 * UPDATE_PIPE_SLOTS fixed buffers of UPDATE_COPY_BUF bytes: memory is
 * constant, and the reader is never more than UPDATE_PIPE_SLOTS blocks ahead
 * of what was written.
 *
 * Who touches what: while the pipe runs, only its thread calls the stream's
 * read function (update_read_fn need not be thread-safe, only callable from
 * another thread than the one that set it up, one call at a time); only the
 * installer's thread touches the flash. So the flash sees exactly the
 * operations, in exactly the order, of reading and writing block by block.
 *
 * Failures keep their stream order: a failure of the reader (the stream
 * failed, or ended inside a payload) is returned by update_pipe_take only
 * after every block read before it was taken, so a write that fails first
 * is the installation's failure, as it would be one block at a time.
 */
#ifndef MAYDAY_UPDATE_PIPE_H
#define MAYDAY_UPDATE_PIPE_H

#include <stddef.h>
#include <stdint.h>

#include "update_install.h"

#define UPDATE_PIPE_SLOTS 4u

enum update_pipe_kind {
	UPDATE_PIPE_DATA = 1,   /* `len` payload bytes at `data` */
	UPDATE_PIPE_END,        /* the component is complete: its SHA-256 in `digest` */
};

struct update_pipe_block {
	enum update_pipe_kind kind;
	uint32_t comp;                       /* index in the manifest */
	const uint8_t *data;                 /* DATA: valid until update_pipe_release */
	size_t len;
	uint8_t digest[MAYDAY_DIGEST_LEN];   /* END */
};

struct update_pipe;

/* Caller owns *out (its buffers included); free with update_pipe_free.
 * MAYDAY_E_NOMEM. */
MAYDAY_NODISCARD enum mayday_err update_pipe_new(struct update_pipe **out);
/* NULL-safe; stops the pipe first if it runs. */
void update_pipe_free(struct update_pipe *p);

/* Starts reading every payload `m` announces, in order, from `rd`, whose
 * stream is at byte `offset` (for the messages). `m` must stay valid until
 * update_pipe_stop. If no thread can be started, update_pipe_take reads each
 * block itself on the caller's thread: the same blocks, the same outcome,
 * without the overlap. */
void update_pipe_start(struct update_pipe *p, const struct mayday_manifest *m,
		       update_read_fn rd, void *ctx, uint64_t offset);

/* The next block in stream order into *b: UPDATE_OK; else the reader's
 * failure (UPDATE_E_STREAM, _POWER, _CORRUPTED, _INTERNAL), once every block
 * before it was taken, with its text for update_pipe_stop. Each block taken
 * must be given back with update_pipe_release before the next take. */
MAYDAY_NODISCARD enum update_status update_pipe_take(struct update_pipe *p,
						     struct update_pipe_block *b);
/* The block taken last is used up (written); its buffer is the reader's again. */
void update_pipe_release(struct update_pipe *p);

/* Stops the reader (waiting for a read in progress to return: the stream's
 * own deadline bounds it) and reports the stream bytes it consumed and, if
 * it failed, what failed (`detail`, NUL-terminated, else ""). The pipe may
 * then be started again. */
void update_pipe_stop(struct update_pipe *p, uint64_t *offset, char *detail, size_t cap);

#endif

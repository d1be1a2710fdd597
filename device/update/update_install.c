/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The streaming installer (contract in update_install.h). One job struct of
 * fixed size holds the manifest and the payload reader's ring of fixed
 * buffers, so memory does not depend on the image. Each step returns an
 * update_status and fills the detail once; the caller of the steps only
 * sequences them. Until the slot is prepared nothing has been written; after
 * that, a failure empties the slot again (best effort: without its manifest
 * it can never verify anyway).
 *
 * The payloads are read and hashed by the pipe's thread (update_pipe.h)
 * while this thread writes the blocks read before: every counted flash
 * operation is still made here, by this thread, in the order of a
 * block-by-block copy (the HAL's flusher only flushes ahead, flash.h) --
 * except that the components are made durable and named together after the
 * last one is written (commit_components), not each before the next starts.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>

#include "boot_state.h"
#include "boot_verify.h"
#include "mayday/bundle.h"
#include "update_install.h"
#include "update_pipe.h"
#include "update_slot.h"

struct job {
	struct hal_flash *f;
	struct hal_rot *rot;
	const struct update_params *p;
	update_read_fn rd;
	void *ctx;
	struct update_result *res;
	const char *part;
	struct update_pipe *pipe;   /* reads and hashes the payloads */
	bool reader_failed;         /* the failure is the pipe's: its detail */
	/* Components written and checked, committed together after the last
	 * (write_slot): one component's fsync no longer stalls the next's writes. */
	uint32_t n_written;
	struct hal_flash_writer *written[MAYDAY_MANIFEST_FILES_MAX];
	size_t man_len;
	uint8_t man[MAYDAY_MANIFEST_MAX];
};

static enum update_status fail(struct job *j, enum update_status st, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static enum update_status fail(struct job *j, enum update_status st, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(j->res->detail, sizeof j->res->detail, fmt, ap);
	va_end(ap);
	return st;
}

/* A HAL or RoT error while writing: power, a full medium, or internal. */
static enum update_status fail_hal(struct job *j, enum mayday_err rc, const char *what)
{
	enum update_status st = UPDATE_E_INTERNAL;

	if (rc == MAYDAY_E_POWER)
		st = UPDATE_E_POWER;
	else if (rc == MAYDAY_E_TOOBIG)
		st = UPDATE_E_TOO_BIG;
	return fail(j, st, "%s: %s", what, mayday_strerror(rc));
}

/* Read exactly `len` bytes, or fewer only at the end of the stream. */
static enum update_status read_some(struct job *j, uint8_t *buf, size_t len, size_t *got)
{
	enum mayday_err rc;
	size_t n;

	*got = 0;
	while (*got < len) {
		n = 0;
		rc = j->rd(j->ctx, buf + *got, len - *got, &n);
		if (rc != MAYDAY_OK)
			return fail(j, rc == MAYDAY_E_POWER ? UPDATE_E_POWER : UPDATE_E_STREAM,
				    "stream failed at byte %llu: %s",
				    (unsigned long long)j->res->offset, mayday_strerror(rc));
		if (n > len - *got)
			return fail(j, UPDATE_E_INTERNAL, "reader returned more than asked");
		if (n == 0)
			break;
		*got += n;
		j->res->offset += n;
	}
	return UPDATE_OK;
}

static enum update_status read_exact(struct job *j, uint8_t *buf, size_t len, const char *what)
{
	enum update_status st;
	size_t got;

	st = read_some(j, buf, len, &got);
	if (st == UPDATE_OK && got != len)
		st = fail(j, UPDATE_E_CORRUPTED, "bundle ends in the %s (byte %llu)", what,
			  (unsigned long long)j->res->offset);
	return st;
}

static enum update_status read_manifest(struct job *j)
{
	uint8_t hdr[MAYDAY_BUNDLE_HEADER_LEN];
	struct mayday_diag diag = { 0, NULL };
	EVP_PKEY *vendor = NULL;
	uint32_t mlen = 0;
	enum update_status st;
	enum mayday_err rc;

	st = read_exact(j, hdr, sizeof hdr, "header");
	if (st != UPDATE_OK)
		return st;
	rc = mayday_bundle_header_decode(hdr, sizeof hdr, &mlen, &diag);
	if (rc != MAYDAY_OK)
		return fail(j, UPDATE_E_CORRUPTED, "bundle header: %s at byte %zu", diag.what,
			    diag.offset);
	st = read_exact(j, j->man, mlen, "manifest");
	if (st != UPDATE_OK)
		return st;
	j->man_len = mlen;
	rc = hal_rot_anchor(j->rot, HAL_ROT_ANCHOR_VENDOR, &vendor);
	if (rc != MAYDAY_OK)
		return fail_hal(j, rc, "vendor anchor");
	diag.what = NULL;
	rc = mayday_manifest_verify(j->man, mlen, vendor, &j->res->manifest, &diag);
	EVP_PKEY_free(vendor);
	if (rc == MAYDAY_E_SIGNATURE)
		return fail(j, UPDATE_E_AUTH, "manifest signature does not verify with the vendor anchor");
	if (rc != MAYDAY_OK)
		return fail(j, UPDATE_E_CORRUPTED, "manifest: %s: %s at byte %zu",
			    mayday_strerror(rc), diag.what ? diag.what : "", diag.offset);
	return UPDATE_OK;
}

/* Everything about the manifest that can refuse the bundle. */
static enum update_status check_manifest(struct job *j)
{
	const struct mayday_manifest *m = &j->res->manifest;
	uint64_t counter = 0, total = 0;
	enum mayday_err rc;
	const char *why = NULL;

	if (mayday_image_manifest_check(m, &why) != MAYDAY_OK)
		return fail(j, UPDATE_E_CORRUPTED, "manifest (entry %s): %s", m->entry, why);
	if (strcmp(m->product_class, j->p->product_class) != 0)
		return fail(j, UPDATE_E_PRODUCT_CLASS, "image for product class \"%s\", device is \"%s\"",
			    m->product_class, j->p->product_class);
	rc = hal_rot_counter_read(j->rot, HAL_ROT_COUNTER_ROLLBACK, &counter);
	if (rc != MAYDAY_OK)
		return fail_hal(j, rc, "anti-rollback counter");
	if (m->rollback < counter)
		return fail(j, UPDATE_E_ROLLBACK, "image anti-rollback %llu below the device's %llu",
			    (unsigned long long)m->rollback, (unsigned long long)counter);
	rc = mayday_bundle_payload_size(m, &total);
	if (rc != MAYDAY_OK || total > j->p->max_image_size)
		return fail(j, UPDATE_E_TOO_BIG, "image of %llu bytes exceeds the maximum of %llu",
			    (unsigned long long)total, (unsigned long long)j->p->max_image_size);
	return UPDATE_OK;
}

/* Withdraw a pending trial of the inactive slot, then empty it. */
static enum update_status prepare_slot(struct job *j)
{
	struct mayday_diag diag = { 0, NULL };
	struct boot_state st;
	enum mayday_err rc;

	rc = boot_state_load(j->f, &st, NULL, &diag);
	if (rc == MAYDAY_E_MALFORMED || rc == MAYDAY_E_UNSUPPORTED)
		return fail(j, UPDATE_E_DENIED, "boot state unusable: %s at byte %zu",
			    diag.what ? diag.what : "", diag.offset);
	if (rc != MAYDAY_OK)
		return fail_hal(j, rc, "boot state");
	j->res->slot = st.active == BOOT_SLOT_A ? BOOT_SLOT_B : BOOT_SLOT_A;
	j->part = boot_state_slot_part(j->res->slot);
	if (st.pending == j->res->slot) {
		st.pending = BOOT_SLOT_NONE;
		st.tries_left = 0;
		st.attempts = 0;
		rc = boot_state_store(j->f, &st);
		if (rc != MAYDAY_OK)
			return fail_hal(j, rc, "boot state");
	}
	rc = update_slot_clean(j->f, j->part);
	if (rc != MAYDAY_OK)
		return fail_hal(j, rc, "emptying the inactive slot");
	return UPDATE_OK;
}

/* Writes component `i` from the pipe's blocks (read and hashed on its
 * thread meanwhile); keeps it for commit_components only when its digest
 * matches its TRV. */
static enum update_status write_component(struct job *j, uint32_t i)
{
	const struct mayday_trv *t = &j->res->manifest.trv[i];
	struct hal_flash_writer *w = NULL;
	struct update_pipe_block b;
	enum update_status st;
	enum mayday_err rc;

	rc = hal_flash_writer_open(j->f, j->part, t->name, &w);
	if (rc != MAYDAY_OK)
		return fail_hal(j, rc, t->name);
	for (;;) {
		st = update_pipe_take(j->pipe, &b);
		if (st != UPDATE_OK) {
			j->reader_failed = true;
			break;
		}
		if (b.comp != i) {
			update_pipe_release(j->pipe);
			st = fail(j, UPDATE_E_INTERNAL, "payload reader out of step at %s", t->name);
			break;
		}
		if (b.kind == UPDATE_PIPE_END) {
			update_pipe_release(j->pipe);
			if (memcmp(b.digest, t->digest, sizeof b.digest) != 0)
				st = fail(j, UPDATE_E_CORRUPTED, "%s does not match its TRV (digest)",
					  t->name);
			break;
		}
		rc = hal_flash_writer_write(w, b.data, b.len);
		update_pipe_release(j->pipe);
		if (rc != MAYDAY_OK) {
			st = fail_hal(j, rc, t->name);
			break;
		}
	}
	if (st != UPDATE_OK) {
		hal_flash_writer_abort(w);
		return st;
	}
	hal_flash_writer_flush_start(w);
	j->written[j->n_written++] = w;
	return UPDATE_OK;
}

/* Every component is durable before any is named (hal_flash_writers_commit):
 * their fsyncs wait for little, the write-back of each began as it ended. */
static enum update_status commit_components(struct job *j)
{
	uint32_t n = j->n_written;
	enum mayday_err rc;

	j->n_written = 0;
	rc = hal_flash_writers_commit(j->written, n);
	if (rc != MAYDAY_OK)
		return fail_hal(j, rc, "committing the components");
	return UPDATE_OK;
}

static void abort_components(struct job *j)
{
	for (uint32_t i = 0; i < j->n_written; i++)
		hal_flash_writer_abort(j->written[i]);
	j->n_written = 0;
}

static enum update_status write_slot(struct job *j)
{
	const struct mayday_manifest *m = &j->res->manifest;
	enum update_status st = UPDATE_OK;
	char reader_detail[sizeof j->res->detail];
	enum mayday_err rc;
	uint8_t extra;
	size_t got = 0;

	update_pipe_start(j->pipe, m, j->rd, j->ctx, j->res->offset);
	for (uint32_t i = 0; i < m->n_trv && st == UPDATE_OK; i++)
		st = write_component(j, i);
	/* The stream is this thread's again from here on. */
	update_pipe_stop(j->pipe, &j->res->offset, reader_detail, sizeof reader_detail);
	if (st != UPDATE_OK && j->reader_failed)
		snprintf(j->res->detail, sizeof j->res->detail, "%s", reader_detail);
	if (st == UPDATE_OK)
		st = read_some(j, &extra, 1, &got);
	if (st == UPDATE_OK && got != 0)
		st = fail(j, UPDATE_E_CORRUPTED, "bytes after the last payload (byte %llu)",
			  (unsigned long long)j->res->offset - 1);
	if (st != UPDATE_OK) {
		abort_components(j);
		return st;
	}
	st = commit_components(j);
	if (st != UPDATE_OK)
		return st;
	rc = hal_flash_write_atomic(j->f, j->part, BOOT_MANIFEST_NAME, j->man, j->man_len);
	if (rc != MAYDAY_OK)
		return fail_hal(j, rc, "slot manifest");
	if (j->p->before_pending) {
		rc = j->p->before_pending(j->p->before_pending_ctx, j->res->slot, j->man, j->man_len);
		if (rc != MAYDAY_OK)
			return fail_hal(j, rc, "recording the installed image");
	}
	rc = boot_state_mark_pending(j->f, j->res->slot, j->p->tries);
	if (rc != MAYDAY_OK)
		return fail_hal(j, rc, "marking the slot pending");
	return UPDATE_OK;
}

enum update_status update_install(struct hal_flash *f, struct hal_rot *rot,
				  const struct update_params *p, update_read_fn rd, void *ctx,
				  struct update_result *res)
{
	struct job *j = NULL;
	enum update_status st;
	bool written = false;

	memset(res, 0, sizeof *res);
	res->slot = BOOT_SLOT_NONE;
	if (!p || !p->product_class || p->tries < 1 || p->tries > BOOT_STATE_TRIES_MAX) {
		snprintf(res->detail, sizeof res->detail, "invalid installation parameters");
		res->status = UPDATE_E_INTERNAL;
		return res->status;
	}
	j = calloc(1, sizeof *j);
	if (!j || update_pipe_new(&j->pipe) != MAYDAY_OK) {
		snprintf(res->detail, sizeof res->detail, "out of memory");
		st = UPDATE_E_INTERNAL;
		goto out;
	}
	j->f = f;
	j->rot = rot;
	j->p = p;
	j->rd = rd;
	j->ctx = ctx;
	j->res = res;
	st = read_manifest(j);
	if (st == UPDATE_OK)
		st = check_manifest(j);
	if (st == UPDATE_OK) {
		written = true;
		st = prepare_slot(j);
	}
	if (st == UPDATE_OK)
		st = write_slot(j);
	/* Leave no half image behind (a power cut cannot clean up: the slot
	 * lacks its manifest then and never verifies). */
	if (st != UPDATE_OK && st != UPDATE_E_POWER && written && j->part &&
	    update_slot_clean(f, j->part) != MAYDAY_OK) {
		size_t used = strlen(res->detail);

		snprintf(res->detail + used, sizeof res->detail - used, "; slot not emptied");
	}
out:
	if (j)
		update_pipe_free(j->pipe);
	free(j);
	res->status = st;
	return st;
}

enum mayday_err update_read_file(void *ctx, uint8_t *buf, size_t cap, size_t *n)
{
	FILE *fp = ctx;

	*n = fread(buf, 1, cap, fp);
	if (*n == 0 && ferror(fp))
		return MAYDAY_E_IO;
	return MAYDAY_OK;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The payload reader (contract in update_pipe.h). A classic bounded
 * producer/consumer: `head` counts blocks published by the reader, `tail`
 * blocks released by the installer; slot k % UPDATE_PIPE_SLOTS belongs to
 * the reader while head <= k < tail + UPDATE_PIPE_SLOTS and to the installer
 * while tail <= k < head, so buffers are filled and hashed, then written,
 * without holding the lock. The reader's own state (component, bytes left,
 * digest, offset) is touched by whoever produces: its thread, or -- when no
 * thread could be started -- update_pipe_take on the caller's thread.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>

#include "update_pipe.h"

struct update_pipe {
	pthread_mutex_t lock;
	pthread_cond_t changed;      /* head, tail, stop or done changed */
	unsigned waiting;            /* threads waiting on `changed`: wake only those */
	pthread_t thread;
	bool threaded;               /* the thread runs (and must be joined) */
	bool stop;                   /* the installer wants no more blocks */
	bool done;                   /* the reader finished: st says how */
	enum update_status st;
	uint64_t head, tail;
	struct update_pipe_block blk[UPDATE_PIPE_SLOTS];

	/* The reader's state: only the producer touches it while running. */
	const struct mayday_manifest *m;
	update_read_fn rd;
	void *ctx;
	uint64_t offset;             /* stream bytes consumed */
	uint32_t comp;               /* component being read */
	bool begun;                  /* its digest is initialised */
	uint64_t left;               /* its bytes still to read */
	EVP_MD *sha256;
	EVP_MD_CTX *md;
	char detail[160];
	uint8_t buf[UPDATE_PIPE_SLOTS][UPDATE_COPY_BUF];
};

enum mayday_err update_pipe_new(struct update_pipe **out)
{
	struct update_pipe *p = calloc(1, sizeof *p);

	*out = NULL;
	if (!p)
		return MAYDAY_E_NOMEM;
	p->md = EVP_MD_CTX_new();
	p->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
	if (!p->md || !p->sha256) {
		EVP_MD_CTX_free(p->md);
		EVP_MD_free(p->sha256);
		free(p);
		return MAYDAY_E_NOMEM;
	}
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->changed, NULL);
	*out = p;
	return MAYDAY_OK;
}

void update_pipe_free(struct update_pipe *p)
{
	uint64_t off;

	if (!p)
		return;
	update_pipe_stop(p, &off, NULL, 0);
	pthread_cond_destroy(&p->changed);
	pthread_mutex_destroy(&p->lock);
	EVP_MD_CTX_free(p->md);
	EVP_MD_free(p->sha256);
	free(p);
}

/* With the lock held. A wake-up costs a system call: made only when the
 * other side sleeps, which with a ring is rare once both run. */
static void wake(struct update_pipe *p)
{
	if (p->waiting)
		pthread_cond_broadcast(&p->changed);
}

static void wait_changed(struct update_pipe *p)
{
	p->waiting++;
	pthread_cond_wait(&p->changed, &p->lock);
	p->waiting--;
}

/* The reader is finished: after every block published so far, `st`. */
static bool finish(struct update_pipe *p, enum update_status st, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static bool finish(struct update_pipe *p, enum update_status st, const char *fmt, ...)
{
	va_list ap;

	if (fmt) {
		va_start(ap, fmt);
		vsnprintf(p->detail, sizeof p->detail, fmt, ap);
		va_end(ap);
	}
	pthread_mutex_lock(&p->lock);
	p->done = true;
	p->st = st;
	wake(p);
	pthread_mutex_unlock(&p->lock);
	return false;
}

/* Fills `buf` with `len` bytes, or fewer only at the end of the stream (the
 * installer's read_some, on the reader's side). */
static enum update_status fill(struct update_pipe *p, uint8_t *buf, size_t len, size_t *got)
{
	enum mayday_err rc;
	size_t n;

	*got = 0;
	while (*got < len) {
		n = 0;
		rc = p->rd(p->ctx, buf + *got, len - *got, &n);
		if (rc != MAYDAY_OK) {
			finish(p, rc == MAYDAY_E_POWER ? UPDATE_E_POWER : UPDATE_E_STREAM,
			       "stream failed at byte %llu: %s", (unsigned long long)p->offset,
			       mayday_strerror(rc));
			return p->st;
		}
		if (n > len - *got) {
			finish(p, UPDATE_E_INTERNAL, "reader returned more than asked");
			return p->st;
		}
		if (n == 0)
			break;
		*got += n;
		p->offset += n;
	}
	return UPDATE_OK;
}

/* Produces the next block into the ring. false when there is none to come:
 * the reader finished (or failed), or the installer stopped it. */
static bool produce(struct update_pipe *p)
{
	struct update_pipe_block *b;
	uint64_t k;
	size_t want, got = 0;

	pthread_mutex_lock(&p->lock);
	while (!p->stop && !p->done && p->head - p->tail == UPDATE_PIPE_SLOTS)
		wait_changed(p);
	if (p->stop || p->done) {
		pthread_mutex_unlock(&p->lock);
		return false;
	}
	k = p->head % UPDATE_PIPE_SLOTS;
	pthread_mutex_unlock(&p->lock);

	if (p->comp == p->m->n_trv)
		return finish(p, UPDATE_OK, NULL);
	b = &p->blk[k];
	memset(b, 0, sizeof *b);
	b->comp = p->comp;
	if (!p->begun) {
		if (EVP_DigestInit_ex(p->md, p->sha256, NULL) != 1)
			return finish(p, UPDATE_E_INTERNAL, "SHA-256 unavailable");
		p->left = p->m->trv[p->comp].size;
		p->begun = true;
	}
	if (p->left == 0) {
		if (EVP_DigestFinal_ex(p->md, b->digest, NULL) != 1)
			return finish(p, UPDATE_E_INTERNAL, "SHA-256 failed");
		b->kind = UPDATE_PIPE_END;
		p->comp++;
		p->begun = false;
	} else {
		const struct mayday_trv *t = &p->m->trv[p->comp];

		want = p->left < UPDATE_COPY_BUF ? (size_t)p->left : UPDATE_COPY_BUF;
		if (fill(p, p->buf[k], want, &got) != UPDATE_OK)
			return false;
		if (got == 0)
			return finish(p, UPDATE_E_CORRUPTED,
				      "bundle ends in %s: %llu of %llu bytes missing (byte %llu)",
				      t->name, (unsigned long long)p->left,
				      (unsigned long long)t->size, (unsigned long long)p->offset);
		/* Hashed here, while the installer writes the blocks before. */
		if (EVP_DigestUpdate(p->md, p->buf[k], got) != 1)
			return finish(p, UPDATE_E_INTERNAL, "SHA-256 failed");
		b->kind = UPDATE_PIPE_DATA;
		b->data = p->buf[k];
		b->len = got;
		p->left -= got;
	}
	pthread_mutex_lock(&p->lock);
	p->head++;
	wake(p);
	pthread_mutex_unlock(&p->lock);
	return true;
}

static void *reader_main(void *arg)
{
	struct update_pipe *p = arg;

	while (produce(p))
		;
	return NULL;
}

void update_pipe_start(struct update_pipe *p, const struct mayday_manifest *m,
		       update_read_fn rd, void *ctx, uint64_t offset)
{
	p->stop = p->done = false;
	p->st = UPDATE_OK;
	p->head = p->tail = 0;
	p->m = m;
	p->rd = rd;
	p->ctx = ctx;
	p->offset = offset;
	p->comp = 0;
	p->begun = false;
	p->detail[0] = '\0';
	/* Without a thread update_pipe_take produces: slower, not different. */
	p->threaded = pthread_create(&p->thread, NULL, reader_main, p) == 0;
}

enum update_status update_pipe_take(struct update_pipe *p, struct update_pipe_block *b)
{
	enum update_status st;

	pthread_mutex_lock(&p->lock);
	for (;;) {
		if (p->head != p->tail) {
			*b = p->blk[p->tail % UPDATE_PIPE_SLOTS];
			pthread_mutex_unlock(&p->lock);
			return UPDATE_OK;
		}
		if (p->done || p->stop) {
			/* Finished well but asked for more: the caller's bug. */
			st = p->st != UPDATE_OK ? p->st : UPDATE_E_INTERNAL;
			pthread_mutex_unlock(&p->lock);
			return st;
		}
		if (!p->threaded) {
			pthread_mutex_unlock(&p->lock);
			(void)produce(p);
			pthread_mutex_lock(&p->lock);
			continue;
		}
		wait_changed(p);
	}
}

void update_pipe_release(struct update_pipe *p)
{
	pthread_mutex_lock(&p->lock);
	if (p->tail != p->head)
		p->tail++;
	wake(p);
	pthread_mutex_unlock(&p->lock);
}

void update_pipe_stop(struct update_pipe *p, uint64_t *offset, char *detail, size_t cap)
{
	pthread_mutex_lock(&p->lock);
	p->stop = true;
	wake(p);
	pthread_mutex_unlock(&p->lock);
	if (p->threaded) {
		pthread_join(p->thread, NULL);
		p->threaded = false;
	}
	*offset = p->offset;
	if (detail && cap)
		snprintf(detail, cap, "%s", p->st != UPDATE_OK ? p->detail : "");
}

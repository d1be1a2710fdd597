/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Streaming SHA-256 over HAL readers. The digest is fetched once per context
 * (EVP_MD_fetch) rather than per component, and reads go straight into one
 * large buffer per worker, so the cost is the hash itself: one core hashes
 * as fast as `openssl dgst`.
 *
 * boot_measure_all spreads whole components over the workers: SHA-256 of one
 * stream is sequential, but the components of a slot are independent. The
 * caller's thread opens every file first, in order (the flash handle is
 * changed only there), then it and up to BOOT_MEASURE_WORKERS_MAX - 1
 * threads started for the call take the next unmeasured component from a
 * shared index under a mutex, each hashing into its own buffer and writing
 * only its component's result slot. The threads live for one call: a
 * start-up measures two or three partitions, and nothing idles afterwards.
 * Which worker hashed what changes nothing the caller sees: results are by
 * component, and a caller walks them in manifest order.
 */
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <openssl/evp.h>

#include "boot_measure.h"

struct worker {
	EVP_MD_CTX *ctx;
	uint8_t *buf;           /* BOOT_MEASURE_BUF bytes */
};

struct boot_measure {
	EVP_MD *md;
	unsigned n_workers;
	struct worker w[BOOT_MEASURE_WORKERS_MAX];
};

/* The CPUs this process may run on (taskset, cgroups' cpusets), capped. */
static unsigned cpus_usable(void)
{
	cpu_set_t set;
	int n;

	if (sched_getaffinity(0, sizeof set, &set) != 0)
		return 1;
	n = CPU_COUNT(&set);
	if (n < 1)
		return 1;
	return (unsigned)n < BOOT_MEASURE_WORKERS_MAX ? (unsigned)n : BOOT_MEASURE_WORKERS_MAX;
}

enum mayday_err boot_measure_new(struct boot_measure **out)
{
	struct boot_measure *m = calloc(1, sizeof *m);
	enum mayday_err rc = MAYDAY_E_NOMEM;

	if (!m)
		goto out;
	m->n_workers = cpus_usable();
	for (unsigned i = 0; i < m->n_workers; i++) {
		/* Not touched until used: a worker that never runs costs no RSS. */
		m->w[i].buf = malloc(BOOT_MEASURE_BUF);
		m->w[i].ctx = EVP_MD_CTX_new();
		if (!m->w[i].buf || !m->w[i].ctx)
			goto out;
	}
	m->md = EVP_MD_fetch(NULL, "SHA256", NULL);
	if (!m->md) {
		rc = MAYDAY_E_INTERNAL;
		goto out;
	}
	*out = m;
	m = NULL;
	rc = MAYDAY_OK;
out:
	boot_measure_free(m);
	return rc;
}

void boot_measure_free(struct boot_measure *m)
{
	if (!m)
		return;
	EVP_MD_free(m->md);
	for (unsigned i = 0; i < BOOT_MEASURE_WORKERS_MAX; i++) {
		EVP_MD_CTX_free(m->w[i].ctx);
		free(m->w[i].buf);
	}
	free(m);
}

unsigned boot_measure_workers(const struct boot_measure *m)
{
	return m->n_workers;
}

bool boot_measure_fatal(enum mayday_err rc)
{
	return rc == MAYDAY_E_POWER || rc == MAYDAY_E_NOMEM || rc == MAYDAY_E_INTERNAL;
}

/* Hashes what `r` yields with worker `w`'s buffer and state. */
static enum mayday_err hash_reader(const EVP_MD *md, struct worker *w,
				   struct hal_flash_reader *r, boot_measure_sink_fn sink,
				   void *sink_ctx, uint64_t *size,
				   uint8_t digest[MAYDAY_DIGEST_LEN])
{
	uint64_t total = 0;
	unsigned int dlen = 0;
	enum mayday_err rc;

	if (EVP_DigestInit_ex(w->ctx, md, NULL) != 1)
		return MAYDAY_E_INTERNAL;
	for (;;) {
		size_t n = 0;

		rc = hal_flash_reader_read(r, w->buf, BOOT_MEASURE_BUF, &n);
		if (rc != MAYDAY_OK)
			return rc;
		if (n == 0)
			break;
		if (EVP_DigestUpdate(w->ctx, w->buf, n) != 1)
			return MAYDAY_E_INTERNAL;
		if (sink) {
			rc = sink(sink_ctx, w->buf, n);
			if (rc != MAYDAY_OK)
				return rc;
		}
		total += n;
	}
	if (EVP_DigestFinal_ex(w->ctx, digest, &dlen) != 1 || dlen != MAYDAY_DIGEST_LEN)
		return MAYDAY_E_INTERNAL;
	*size = total;
	return MAYDAY_OK;
}

enum mayday_err boot_measure_file(struct boot_measure *m, struct hal_flash *f, const char *part,
				  const char *name, boot_measure_sink_fn sink, void *sink_ctx,
				  uint64_t *size, uint8_t digest[MAYDAY_DIGEST_LEN])
{
	struct hal_flash_reader *r = NULL;
	uint64_t claimed = 0;
	enum mayday_err rc;

	rc = hal_flash_reader_open(f, part, name, &r, &claimed);
	if (rc == MAYDAY_OK)
		rc = hash_reader(m->md, &m->w[0], r, sink, sink_ctx, size, digest);
	hal_flash_reader_close(r);
	return rc;
}

/* One boot_measure_all call, shared by its workers. */
struct pool {
	pthread_mutex_t lock;
	const EVP_MD *md;
	uint32_t next, end;     /* next component to take; end: none from here on */
	struct hal_flash_reader **readers;
	struct boot_measure_result *out;
};

struct pool_worker {
	struct pool *p;
	struct worker *w;
};

/* Takes components until none is left; a fatal error ends the taking for
 * everyone at that component (later ones need no result, see the header). */
static void *pool_work(void *arg)
{
	struct pool_worker *pw = arg;
	struct pool *p = pw->p;

	for (;;) {
		struct boot_measure_result *res;
		uint32_t i;

		pthread_mutex_lock(&p->lock);
		i = p->next;
		if (i < p->end)
			p->next++;
		pthread_mutex_unlock(&p->lock);
		if (i >= p->end)
			return NULL;
		if (!p->readers[i])
			continue; /* not opened: its result was set at the open */
		res = &p->out[i];
		res->rc = hash_reader(p->md, pw->w, p->readers[i], NULL, NULL, &res->size,
				      res->digest);
		hal_flash_reader_close(p->readers[i]);
		p->readers[i] = NULL;
		if (boot_measure_fatal(res->rc)) {
			pthread_mutex_lock(&p->lock);
			if (p->end > i + 1)
				p->end = i + 1;
			pthread_mutex_unlock(&p->lock);
		}
	}
}

enum mayday_err boot_measure_all(struct boot_measure *m, struct hal_flash *f, const char *part,
				 const struct mayday_trv *trv, uint32_t n,
				 struct boot_measure_result *out)
{
	struct hal_flash_reader *readers[MAYDAY_MANIFEST_FILES_MAX] = { NULL };
	struct pool_worker pw[BOOT_MEASURE_WORKERS_MAX];
	pthread_t tid[BOOT_MEASURE_WORKERS_MAX];
	struct pool p = {
		.lock = PTHREAD_MUTEX_INITIALIZER, .md = m->md, .readers = readers, .out = out,
	};
	unsigned want = m->n_workers, started = 0;
	uint32_t opened = 0;

	if (n > MAYDAY_MANIFEST_FILES_MAX)
		return MAYDAY_E_INVALID;
	for (uint32_t i = 0; i < n; i++)
		out[i] = (struct boot_measure_result){ .rc = MAYDAY_E_INTERNAL };
	/* Open in order on this thread: after a fatal error nothing further is
	 * opened, as measuring one by one would not have got there. */
	for (; opened < n; opened++) {
		uint64_t claimed = 0;
		enum mayday_err rc = hal_flash_reader_open(f, part, trv[opened].name,
							   &readers[opened], &claimed);

		if (rc == MAYDAY_OK)
			continue;
		out[opened].rc = rc;
		if (boot_measure_fatal(rc))
			break;
	}
	/* A fatal open ends the list there (its result is set, it has no reader). */
	p.end = opened;
	if (want > p.end)
		want = p.end;
	for (unsigned k = 1; k < want; k++) {
		pw[k] = (struct pool_worker){ &p, &m->w[k] };
		if (pthread_create(&tid[k], NULL, pool_work, &pw[k]) != 0)
			break; /* fewer workers: slower, not different */
		started++;
	}
	pw[0] = (struct pool_worker){ &p, &m->w[0] };
	(void)pool_work(&pw[0]);
	for (unsigned k = 1; k <= started; k++)
		pthread_join(tid[k], NULL);
	pthread_mutex_destroy(&p.lock);
	for (uint32_t i = 0; i < opened; i++)
		hal_flash_reader_close(readers[i]); /* those never taken after a fatal error */
	return MAYDAY_OK;
}

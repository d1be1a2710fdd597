/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Measurement: stream a partition file through SHA-256.
 *
 * A context holds a fixed set of workers, each with one fixed buffer
 * (BOOT_MEASURE_BUF bytes) and its own digest state, reused for every
 * component: measuring costs no allocation per component and memory stays
 * flat in component size and count. There is one worker per CPU this
 * process may run on, at most BOOT_MEASURE_WORKERS_MAX: independent
 * components are hashed on all of them at once (boot_measure_all), so a
 * start-up with large components is bounded by the cores, not by one.
 */
#ifndef MAYDAY_BOOT_MEASURE_H
#define MAYDAY_BOOT_MEASURE_H

#include <stdbool.h>
#include <stdint.h>

#include "flash.h"
#include "mayday/error.h"
#include "mayday/limits.h"
#include "mayday/manifest.h"

#define BOOT_MEASURE_BUF         (256u * 1024u)
#define BOOT_MEASURE_WORKERS_MAX 4u   /* threads (the caller's included) per measurement */

struct boot_measure;

/* Caller owns *out; free with boot_measure_free. Sizes the worker set from
 * the CPUs this process may use (sched_getaffinity), 1..BOOT_MEASURE_WORKERS_MAX. */
MAYDAY_NODISCARD enum mayday_err boot_measure_new(struct boot_measure **out);
void boot_measure_free(struct boot_measure *m); /* NULL-safe */
/* Workers (threads, the caller's included) boot_measure_all uses: >= 1. */
unsigned boot_measure_workers(const struct boot_measure *m);

/* Called with each chunk as it is hashed (e.g. to copy what is measured). */
typedef enum mayday_err (*boot_measure_sink_fn)(void *ctx, const uint8_t *data, size_t len);

/* SHA-256 of PART/NAME. *size is the number of bytes actually read (not what
 * the file system claimed at open). `sink` may be NULL; a sink error stops
 * the measurement and is returned. MAYDAY_E_NOTFOUND if absent; HAL errors
 * as reported. On error *size and digest are unspecified. Runs on the
 * caller's thread only. */
MAYDAY_NODISCARD enum mayday_err boot_measure_file(struct boot_measure *m, struct hal_flash *f,
						   const char *part, const char *name,
						   boot_measure_sink_fn sink, void *sink_ctx,
						   uint64_t *size,
						   uint8_t digest[MAYDAY_DIGEST_LEN]);

/* true for the errors after which no verdict can be reached (the flash lost
 * power, memory ran out, the hash failed): E_POWER, E_NOMEM, E_INTERNAL. */
bool boot_measure_fatal(enum mayday_err rc);

/* One component's measurement: what boot_measure_file (without a sink)
 * returns for it, its size and digest valid when rc is MAYDAY_OK. */
struct boot_measure_result {
	enum mayday_err rc;
	uint64_t size;
	uint8_t digest[MAYDAY_DIGEST_LEN];
};

/* Measures PART/trv[i].name for every i < n into out[i] (caller's storage,
 * n entries), as boot_measure_file would one after the other, but on up to
 * boot_measure_workers(m) threads: each component is hashed whole by one
 * worker with its own buffer; results are by index, so the caller reads them
 * in manifest order, whatever order they were computed in. The files are
 * opened on the caller's thread, in order, before any is read; the workers
 * only read (flash.h: distinct readers may be read concurrently). If
 * component i fails with a fatal error (boot_measure_fatal), components
 * after i may be left unmeasured: out[k].rc for k > i is then
 * MAYDAY_E_INTERNAL or a real result, and a caller stops at the first fatal
 * one, exactly as it would measuring one by one. If no thread can be
 * started the caller's thread measures alone. `f` must not be used by
 * anything else during the call.
 * MAYDAY_OK when out[] is filled; MAYDAY_E_INVALID if n > MAYDAY_MANIFEST_FILES_MAX. */
MAYDAY_NODISCARD enum mayday_err boot_measure_all(struct boot_measure *m, struct hal_flash *f,
						  const char *part,
						  const struct mayday_trv *trv, uint32_t n,
						  struct boot_measure_result *out);

#endif

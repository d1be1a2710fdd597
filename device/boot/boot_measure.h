/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Measurement: stream a partition file through SHA-256.
 *
 * One context holds one fixed buffer (BOOT_MEASURE_BUF bytes) and the digest
 * state, reused for every component, so measuring costs no allocation per
 * component and memory stays flat in component size.
 */
#ifndef MAYDAY_BOOT_MEASURE_H
#define MAYDAY_BOOT_MEASURE_H

#include <stdint.h>

#include "flash.h"
#include "mayday/error.h"
#include "mayday/limits.h"

#define BOOT_MEASURE_BUF (256u * 1024u)

struct boot_measure;

/* Caller owns *out; free with boot_measure_free. */
MAYDAY_NODISCARD enum mayday_err boot_measure_new(struct boot_measure **out);
void boot_measure_free(struct boot_measure *m); /* NULL-safe */

/* Called with each chunk as it is hashed (e.g. to copy what is measured). */
typedef enum mayday_err (*boot_measure_sink_fn)(void *ctx, const uint8_t *data, size_t len);

/* SHA-256 of PART/NAME. *size is the number of bytes actually read (not what
 * the file system claimed at open). `sink` may be NULL; a sink error stops
 * the measurement and is returned. MAYDAY_E_NOTFOUND if absent; HAL errors
 * as reported. On error *size and digest are unspecified. */
MAYDAY_NODISCARD enum mayday_err boot_measure_file(struct boot_measure *m, struct hal_flash *f,
						   const char *part, const char *name,
						   boot_measure_sink_fn sink, void *sink_ctx,
						   uint64_t *size,
						   uint8_t digest[MAYDAY_DIGEST_LEN]);

#endif

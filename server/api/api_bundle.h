/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A product class's golden bundle (docs/protocol.md §13), checked before
 * it is offered to any device: when uploaded (PUT /v1/classes/{class}/
 * bundle, which replaces the file only after the check) and when maydayd
 * loads its configuration ([acs] bundle_dir with [acs] vendor_key).
 *
 * The check reads the bundle once, front to back, with constant memory:
 * the header; the manifest, whose COSE_Sign1 must verify under the vendor
 * key, of kind image, naming the class the file is for, with a version
 * (its anti-rollback counter) above 0; then exactly the payload bytes the
 * manifest announces, each component's SHA-256 equal to its TRV, and
 * nothing after the last. So a bundle that would fail on every device
 * (wrong key, wrong class, truncated, a flipped byte) is refused here
 * instead of paused after N failed remediations.
 */
#ifndef MAYDAY_API_BUNDLE_H
#define MAYDAY_API_BUNDLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <openssl/evp.h>

#include "mayday/error.h"
#include "mayday/limits.h"

struct api_bundle_info {
	uint64_t version;                                  /* the manifest's rollback counter */
	char image_version[MAYDAY_VERSION_STR_MAX + 1];
	uint64_t size;
	char sha256[65];                                   /* of the whole file, lowercase hex */
};

/* Reads the next n bytes into buf; false on a short read or an error. */
typedef bool (*api_bundle_read_fn)(void *ctx, void *buf, size_t n);

/* Checks the `size` bytes read_next delivers as a bundle for class `klass`
 * under `vendor`; fills *out. MAYDAY_E_SIGNATURE (the vendor key does not
 * verify it), MAYDAY_E_MISMATCH (another class, or a component whose
 * digest differs), MAYDAY_E_ROLLBACK (version 0), MAYDAY_E_MALFORMED
 * (header, manifest, sizes), MAYDAY_E_IO (a read failed); `why` says
 * which, in words. */
MAYDAY_NODISCARD enum mayday_err api_bundle_check(api_bundle_read_fn read_next, void *ctx,
						  uint64_t size, EVP_PKEY *vendor,
						  const char *klass, struct api_bundle_info *out,
						  char *why, size_t why_cap);
/* api_bundle_check of the file at path (MAYDAY_E_NOTFOUND if absent). */
MAYDAY_NODISCARD enum mayday_err api_bundle_check_file(const char *path, EVP_PKEY *vendor,
						       const char *klass,
						       struct api_bundle_info *out, char *why,
						       size_t why_cap);

#endif

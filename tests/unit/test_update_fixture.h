/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Helpers for the installer tests, on top of boot_fixture: bundles built in
 * memory from the fixture's standard components, a memory stream to feed
 * them to update_install, and one-call installs. Every helper asserts.
 */
#ifndef MAYDAY_TEST_UPDATE_FIXTURE_H
#define MAYDAY_TEST_UPDATE_FIXTURE_H

#include <stddef.h>
#include <stdint.h>
#include <openssl/evp.h>

#include "boot_fixture.h"
#include "update_install.h"

#define TU_CLASS "femto-test"   /* boot_fixture's product class */

/* A bundle of the standard components of `version` (fx_slot_install's),
 * class `cls`, signed with `key`. Caller frees; *m (optional) gets the manifest. */
uint8_t *tu_bundle(const char *cls, const char *version, uint64_t rollback, EVP_PKEY *key,
		   size_t *len, struct mayday_manifest *m);

/* A memory stream; fail_at: the read that reaches this offset fails with
 * MAYDAY_E_IO (SIZE_MAX: never). Reads return at most `chunk` bytes. */
struct tu_stream {
	const uint8_t *data;
	size_t len, pos, chunk, fail_at;
};
enum mayday_err tu_read(void *ctx, uint8_t *buf, size_t cap, size_t *n);

/* update_install of data[0..len) into fx's device with class TU_CLASS,
 * max image size `max`, 3 tries. */
enum update_status tu_install(struct fx *fx, const uint8_t *data, size_t len, uint64_t max,
			      struct update_result *res);

/* Number of files in PART. */
unsigned tu_count(struct fx *fx, const char *part);

#endif

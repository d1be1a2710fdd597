/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Signed bundle: how a whole normal-code image travels to a device for
 * remediation (docs/protocol.md §13). A bundle is a stream of
 *
 *   header (MAYDAY_BUNDLE_HEADER_LEN bytes) | signed manifest | payloads
 *
 * where the signed manifest is a MAYDAY_MANIFEST_IMAGE manifest (manifest.h)
 * of header.manifest_len bytes, and the payloads are the components' bytes
 * concatenated in manifest order, each exactly its TRV's size, with nothing
 * after the last. A receiver reads the header, then the manifest, verifies
 * the manifest, and only then knows (from the manifest) how many bytes
 * follow; so it can stream the payloads with constant memory.
 *
 * Only the header is encoded here; the manifest has its own codec.
 */
#ifndef MAYDAY_BUNDLE_H
#define MAYDAY_BUNDLE_H

#include <stddef.h>
#include <stdint.h>

#include "mayday/error.h"
#include "mayday/manifest.h"

#define MAYDAY_BUNDLE_MAGIC      "MDYB"
#define MAYDAY_BUNDLE_FORMAT     1
#define MAYDAY_BUNDLE_HEADER_LEN 12

/* Encode the header for a signed manifest of `manifest_len` bytes
 * (1..MAYDAY_MANIFEST_MAX, else MAYDAY_E_TOOBIG / MAYDAY_E_INVALID). */
MAYDAY_NODISCARD enum mayday_err
mayday_bundle_header_encode(size_t manifest_len, uint8_t out[MAYDAY_BUNDLE_HEADER_LEN]);

/* Decode exactly MAYDAY_BUNDLE_HEADER_LEN bytes (any other `len`:
 * MAYDAY_E_MALFORMED). Wrong magic or non-zero reserved bytes:
 * MAYDAY_E_MALFORMED; another format: MAYDAY_E_UNSUPPORTED; manifest length
 * 0: MAYDAY_E_MALFORMED, above MAYDAY_MANIFEST_MAX: MAYDAY_E_TOOBIG. diag
 * names the offending field's offset. */
MAYDAY_NODISCARD enum mayday_err
mayday_bundle_header_decode(const uint8_t *in, size_t len, uint32_t *manifest_len,
			    struct mayday_diag *diag);

/* Sum of the TRV sizes of `m`: the payload bytes that follow the manifest.
 * MAYDAY_E_TOOBIG if the sum overflows 64 bits. */
MAYDAY_NODISCARD enum mayday_err mayday_bundle_payload_size(const struct mayday_manifest *m,
							    uint64_t *total);

#endif

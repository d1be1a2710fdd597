/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Bundle header codec (mayday/bundle.h, docs/protocol.md §13). The header is
 * fixed-size so a streaming receiver can read it with one bounded read; every
 * byte of it is checked, reserved ones included, so there is exactly one
 * encoding of each header.
 */
#include <string.h>

#include "mayday/bundle.h"
#include "mayday/byteorder.h"

#define OFF_FORMAT   4
#define OFF_RESERVED 5
#define OFF_LEN      8

enum mayday_err mayday_bundle_header_encode(size_t manifest_len,
					    uint8_t out[MAYDAY_BUNDLE_HEADER_LEN])
{
	if (manifest_len == 0)
		return MAYDAY_E_INVALID;
	if (manifest_len > MAYDAY_MANIFEST_MAX)
		return MAYDAY_E_TOOBIG;
	memcpy(out, MAYDAY_BUNDLE_MAGIC, 4);
	out[OFF_FORMAT] = MAYDAY_BUNDLE_FORMAT;
	memset(out + OFF_RESERVED, 0, OFF_LEN - OFF_RESERVED);
	mayday_put_be(out + OFF_LEN, manifest_len, 4);
	return MAYDAY_OK;
}

static enum mayday_err reject(struct mayday_diag *diag, enum mayday_err rc, size_t off,
			      const char *what)
{
	if (diag) {
		diag->offset = off;
		diag->what = what;
	}
	return rc;
}

enum mayday_err mayday_bundle_header_decode(const uint8_t *in, size_t len, uint32_t *manifest_len,
					    struct mayday_diag *diag)
{
	uint32_t n;

	if (len < MAYDAY_BUNDLE_HEADER_LEN)
		return reject(diag, MAYDAY_E_MALFORMED, len, "bundle header truncated");
	if (len > MAYDAY_BUNDLE_HEADER_LEN)
		return reject(diag, MAYDAY_E_MALFORMED, MAYDAY_BUNDLE_HEADER_LEN,
			      "bytes after the bundle header");
	if (memcmp(in, MAYDAY_BUNDLE_MAGIC, 4) != 0)
		return reject(diag, MAYDAY_E_MALFORMED, 0, "not a bundle (magic)");
	if (in[OFF_FORMAT] != MAYDAY_BUNDLE_FORMAT)
		return reject(diag, MAYDAY_E_UNSUPPORTED, OFF_FORMAT, "bundle format version");
	for (size_t i = OFF_RESERVED; i < OFF_LEN; i++)
		if (in[i] != 0)
			return reject(diag, MAYDAY_E_MALFORMED, i, "reserved byte not zero");
	n = (uint32_t)mayday_get_be(in + OFF_LEN, 4);
	if (n == 0)
		return reject(diag, MAYDAY_E_MALFORMED, OFF_LEN, "empty manifest");
	if (n > MAYDAY_MANIFEST_MAX)
		return reject(diag, MAYDAY_E_TOOBIG, OFF_LEN, "manifest over its limit");
	*manifest_len = n;
	return MAYDAY_OK;
}

enum mayday_err mayday_bundle_payload_size(const struct mayday_manifest *m, uint64_t *total)
{
	uint64_t sum = 0;

	for (uint32_t i = 0; i < m->n_trv && i < MAYDAY_MANIFEST_FILES_MAX; i++) {
		if (m->trv[i].size > UINT64_MAX - sum)
			return MAYDAY_E_TOOBIG;
		sum += m->trv[i].size;
	}
	*total = sum;
	return MAYDAY_OK;
}

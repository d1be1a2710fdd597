/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Reading a remediation bundle (mayday/bundle.h, docs/protocol.md §13) from
 * a file, for `bundle info` and `bundle verify`. The file is hostile: the
 * header is 12 bytes, the manifest at most MAYDAY_MANIFEST_MAX (the header
 * decoder refuses more), and the payloads are streamed through one 64 KiB
 * buffer, never held, so any file -- huge, truncated, padded -- costs
 * constant memory and one pass. libmayday decodes each layer (header,
 * COSE_Sign1, manifest claims); this file only sequences them and says
 * where a bundle went wrong (byte offset).
 */
#ifndef MAYDAY_PROV_BUNDLE_READ_H
#define MAYDAY_PROV_BUNDLE_READ_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <openssl/evp.h>

#include "mayday/manifest.h"

struct prov_bundle_check {
	bool decoded;                /* header and manifest claims decoded into m */
	bool signature_ok;           /* the manifest verified with the vendor key */
	bool payloads_ok;            /* every payload matched its TRV, nothing after */
	uint32_t manifest_len;
	uint64_t payload_bytes;      /* the manifest's sum of TRV sizes */
	struct mayday_manifest m;    /* trust only if signature_ok */
	char error[256];             /* why the bundle was rejected, else "" */
	uint64_t error_offset;       /* the byte of the file it is about */
};

/* Reads the bundle from `in`. vendor_pub NULL: decode only (header and
 * claims; no signature, no payloads). Else also verify the signature, then
 * each payload's size and SHA-256 against its TRV, and that the file ends
 * right after the last one. MAYDAY_OK when all that was checked is right;
 * MAYDAY_E_IO when the file could not be read (c->error says so); any other
 * error: the bundle is rejected, c->error and c->error_offset say why. */
MAYDAY_NODISCARD enum mayday_err prov_bundle_check(FILE *in, EVP_PKEY *vendor_pub,
						   struct prov_bundle_check *c);

#endif

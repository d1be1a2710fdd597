/* SPDX-License-Identifier: Apache-2.0 */
/* Signed manifests of a device's partitions (MAYDAY_MANIFEST_DCF in dcf/,
 * MAYDAY_MANIFEST_IMAGE in slot_a/): reading one back verified, and signing
 * one into place. Each failure is reported once, naming the partition. */
#ifndef MAYDAY_PROV_MANIFEST_H
#define MAYDAY_PROV_MANIFEST_H

#include <openssl/evp.h>

#include "mayday/manifest.h"

struct hal_flash;

#define PROV_MANIFEST_NAME "manifest.cose"

/* Read PART/manifest.cose and verify it with the vendor's public key. */
MAYDAY_NODISCARD enum mayday_err prov_manifest_read(struct hal_flash *f, const char *part,
						    EVP_PKEY *vendor_pub,
						    struct mayday_manifest *m);

/* Sign *m with the vendor key (a file's or a token's, prov_key.h) and write
 * it as PART/manifest.cose (atomic). */
MAYDAY_NODISCARD enum mayday_err prov_manifest_write(struct hal_flash *f, const char *part,
						     const struct mayday_manifest *m,
						     const struct mayday_signer *vendor);

/* The DCF's build record (mayday/build_record.h), read from the executable
 * at `path` into m->build_commit and m->build_toolchain, which the manifest's
 * signature then covers. A DCF without one (built before the record existed)
 * leaves them empty and says so; MAYDAY_OK then too. Errors: the file cannot
 * be read, or is larger than PROV_BUILD_SCAN_MAX. */
#define PROV_BUILD_SCAN_MAX (256u << 20)
MAYDAY_NODISCARD enum mayday_err prov_manifest_build_from(struct mayday_manifest *m,
							  const char *path);

#endif

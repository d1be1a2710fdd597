/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Signed manifests: the TRV manifest of a normal-code slot, and the manifest
 * of the DCF partition. One format, told apart by `kind`, both signed by the
 * vendor key in a COSE_Sign1 (docs/protocol.md).
 *
 * The trusted reference values (TRVs) are the per-component SHA-256 digests.
 * Replacing the TRVs means installing a new signed manifest.
 */
#ifndef MAYDAY_MANIFEST_H
#define MAYDAY_MANIFEST_H

#include <stdbool.h>
#include <stdint.h>
#include <openssl/evp.h>

#include "mayday/cose.h"

enum mayday_manifest_kind {
	MAYDAY_MANIFEST_IMAGE = 1, /* normal-code slot: components + entry program */
	MAYDAY_MANIFEST_DCF   = 2  /* DCF partition: DCF executable + its configuration */
};

struct mayday_trv {
	char name[MAYDAY_NAME_MAX + 1];  /* file name inside the partition: [A-Za-z0-9._-], no "/" , not "." or ".." */
	uint64_t size;
	uint8_t digest[MAYDAY_DIGEST_LEN];
	bool designated;                 /* a failure of this component fails secure start-up */
};

struct mayday_manifest {
	uint32_t kind;                                  /* enum mayday_manifest_kind */
	char product_class[MAYDAY_CLASS_MAX + 1];
	char image_version[MAYDAY_VERSION_STR_MAX + 1];
	uint64_t rollback;                              /* anti-rollback counter */
	char entry[MAYDAY_NAME_MAX + 1];                /* component that is executed; must be listed */
	uint32_t n_trv;
	struct mayday_trv trv[MAYDAY_MANIFEST_FILES_MAX];
	/* Optional ("" when absent; a manifest made before they existed has
	 * neither): the build of the entry program, from its build record
	 * (mayday/build_record.h) -- mayday-provision fills them for the DCF. */
	char build_commit[MAYDAY_BUILD_COMMIT_MAX + 1];
	char build_toolchain[MAYDAY_BUILD_TOOLCHAIN_MAX + 1];
};

MAYDAY_NODISCARD enum mayday_err
mayday_manifest_sign(const struct mayday_manifest *m, const struct mayday_signer *vendor,
		     uint8_t *out, size_t out_cap, size_t *out_len);
MAYDAY_NODISCARD enum mayday_err
mayday_manifest_encode_claims(const struct mayday_manifest *m, uint8_t *out, size_t out_cap,
			      size_t *out_len);
MAYDAY_NODISCARD enum mayday_err
mayday_manifest_decode_claims(const uint8_t *in, size_t in_len, struct mayday_manifest *m,
			      struct mayday_diag *diag);

/* Decode the COSE layer, verify with the vendor public key, decode claims. */
MAYDAY_NODISCARD enum mayday_err
mayday_manifest_verify(const uint8_t *in, size_t in_len, EVP_PKEY *vendor_pub,
		       struct mayday_manifest *m, struct mayday_diag *diag);

/* NULL if absent. Returned pointer is into `m`. */
const struct mayday_trv *mayday_manifest_find(const struct mayday_manifest *m, const char *name);

/* true if `name` is a safe single path component as stated above. */
bool mayday_name_is_safe(const char *name);

/* The file every verified partition holds its signed manifest in; no
 * component may take this name. */
#define MAYDAY_MANIFEST_FILE     "manifest.cose"
/* Names the installer uses for files it is still writing (".tmp-NAME"). */
#define MAYDAY_TMP_PREFIX        ".tmp-"

/* The fixed rules of an image manifest, the same on every device: kind
 * IMAGE, the entry a designated component, no component named
 * MAYDAY_MANIFEST_FILE or starting with MAYDAY_TMP_PREFIX. The signer
 * (mayday-provision), bundle verify, maydayd's upload check and the
 * installer all call this one function, so a bundle one of them accepts is
 * not refused by another for these reasons. Device-dependent checks (product
 * class, anti-rollback counter, maximum size) are not made here.
 * Returns MAYDAY_OK or MAYDAY_E_INVALID with *why (static text) set. */
MAYDAY_NODISCARD enum mayday_err mayday_image_manifest_check(const struct mayday_manifest *m,
							     const char **why);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/* Reading and signing partition manifests through the flash HAL. */
#include "prov_manifest.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "hal/flash.h"
#include "mayday/build_record.h"
#include "mayday/cose.h"
#include "prov_log.h"

enum mayday_err prov_manifest_read(struct hal_flash *f, const char *part, EVP_PKEY *vendor_pub,
				   struct mayday_manifest *m)
{
	uint8_t buf[MAYDAY_MANIFEST_MAX];
	size_t len = 0;
	struct mayday_diag diag = { 0 };
	enum mayday_err rc;

	rc = hal_flash_read(f, part, PROV_MANIFEST_NAME, buf, sizeof(buf), &len);
	if (rc == MAYDAY_OK)
		rc = mayday_manifest_verify(buf, len, vendor_pub, m, &diag);
	if (rc != MAYDAY_OK)
		prov_log_error("cannot read %s/%s: %s%s%s", part, PROV_MANIFEST_NAME,
			       mayday_strerror(rc), diag.what ? ": " : "",
			       diag.what ? diag.what : "");
	return rc;
}

enum mayday_err prov_manifest_write(struct hal_flash *f, const char *part,
				    const struct mayday_manifest *m,
				    const struct mayday_signer *vendor)
{
	uint8_t buf[MAYDAY_MANIFEST_MAX];
	size_t len = 0;
	enum mayday_err rc;

	rc = mayday_manifest_sign(m, vendor, buf, sizeof(buf), &len);
	if (rc == MAYDAY_OK)
		rc = hal_flash_write_atomic(f, part, PROV_MANIFEST_NAME, buf, len);
	if (rc != MAYDAY_OK)
		prov_log_error("cannot sign or write %s/%s: %s", part, PROV_MANIFEST_NAME,
			       mayday_strerror(rc));
	return rc;
}

enum mayday_err prov_manifest_build_from(struct mayday_manifest *m, const char *path)
{
	struct mayday_build_record rec;
	struct stat st;
	uint8_t *buf = NULL;
	size_t len = 0;
	enum mayday_err rc = MAYDAY_OK;
	FILE *in = fopen(path, "rb");

	if (!in || fstat(fileno(in), &st) != 0) {
		prov_log_error("cannot read %s: %s", path, strerror(errno));
		rc = MAYDAY_E_IO;
	} else if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size > PROV_BUILD_SCAN_MAX) {
		prov_log_error("%s: not a regular file of at most %u MiB", path,
			       PROV_BUILD_SCAN_MAX >> 20);
		rc = MAYDAY_E_TOOBIG;
	} else if (!(buf = malloc((size_t)st.st_size + 1))) {
		rc = MAYDAY_E_NOMEM;
	} else {
		/* One byte more than its size: a file that grew is refused. */
		len = fread(buf, 1, (size_t)st.st_size + 1, in);
		if (ferror(in) || len != (size_t)st.st_size) {
			prov_log_error("cannot read %s: %s", path,
				       ferror(in) ? strerror(errno) : "it changed while read");
			rc = MAYDAY_E_IO;
		}
	}
	if (in)
		fclose(in);
	if (rc == MAYDAY_OK) {
		if (mayday_build_record_find(buf, len, &rec) == MAYDAY_OK) {
			memcpy(m->build_commit, rec.commit, sizeof(m->build_commit));
			memcpy(m->build_toolchain, rec.toolchain, sizeof(m->build_toolchain));
		} else {
			prov_log_info("%s carries no build record: the DCF manifest records no "
				      "commit or toolchain", path);
		}
	}
	free(buf);
	return rc;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* Reading and signing partition manifests through the flash HAL. */
#include "prov_manifest.h"

#include "hal/flash.h"
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

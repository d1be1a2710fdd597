/* SPDX-License-Identifier: Apache-2.0 */
/* Loading the PKI's files, each failure reported once with its path. */
#include "prov_pki.h"

#include "mayday/keys.h"
#include "prov_fs.h"
#include "prov_log.h"
#include "prov_x509.h"

static enum mayday_err path_of(const char *dir, const char *name, char *out, size_t cap)
{
	enum mayday_err rc = prov_fs_join(out, cap, dir, name);

	if (rc != MAYDAY_OK)
		prov_log_error("path too long: %s/%s", dir, name);
	return rc;
}

enum mayday_err prov_pki_load_private(const char *dir, const char *name, EVP_PKEY **out)
{
	char path[PROV_PATH_MAX];
	enum mayday_err rc = path_of(dir, name, path, sizeof(path));

	if (rc == MAYDAY_OK && (rc = mayday_key_load_private(path, out)) != MAYDAY_OK)
		prov_log_error("cannot load %s: %s (run `mayday-provision init --pki %s` first?)",
			       path, mayday_strerror(rc), dir);
	return rc;
}

enum mayday_err prov_pki_load_public(const char *dir, const char *name, EVP_PKEY **out)
{
	char path[PROV_PATH_MAX];
	enum mayday_err rc = path_of(dir, name, path, sizeof(path));

	if (rc == MAYDAY_OK && (rc = mayday_key_load_public(path, out)) != MAYDAY_OK)
		prov_log_error("cannot load %s: %s (run `mayday-provision init --pki %s` first?)",
			       path, mayday_strerror(rc), dir);
	return rc;
}

enum mayday_err prov_pki_load_cert(const char *dir, const char *name, X509 **out)
{
	char path[PROV_PATH_MAX];
	enum mayday_err rc = path_of(dir, name, path, sizeof(path));

	if (rc == MAYDAY_OK && (rc = prov_x509_load(path, out)) != MAYDAY_OK)
		prov_log_error("cannot load %s: %s", path, mayday_strerror(rc));
	return rc;
}

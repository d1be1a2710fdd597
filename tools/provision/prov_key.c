/* SPDX-License-Identifier: Apache-2.0 */
/* The vendor key behind one signer (prov_key.h): a PEM file through
 * libmayday's OpenSSL signer, or a PKCS#11 token through prov_pkcs11.c. */
#include "prov_key.h"

#include <string.h>

#include "mayday/keys.h"
#include "prov_log.h"
#include "prov_pki.h"
#include "prov_pkcs11.h"

static enum mayday_err open_file(struct prov_key *k, const char *path)
{
	enum mayday_err rc = mayday_key_load_private(path, &k->file_key);

	if (rc != MAYDAY_OK) {
		prov_log_error("--key %s: %s", path, mayday_strerror(rc));
		return rc;
	}
	return mayday_signer_from_pkey(&k->signer, k->file_key, NULL, 0);
}

enum mayday_err prov_key_open(struct prov_key *k, const char *spec, const char *pki_dir,
			      const char *module)
{
	enum mayday_err rc;

	memset(k, 0, sizeof *k);
	if (spec && strncmp(spec, "pkcs11:", 7) == 0) {
		rc = prov_pkcs11_open(&k->token, spec, module);
		if (rc == MAYDAY_OK)
			rc = prov_pkcs11_signer(k->token, &k->signer, &k->pub);
		return rc;
	}
	if (spec)
		rc = open_file(k, spec);
	else if ((rc = prov_pki_load_private(pki_dir, PROV_PKI_VENDOR_KEY, &k->file_key)) ==
		 MAYDAY_OK)
		rc = mayday_signer_from_pkey(&k->signer, k->file_key, NULL, 0);
	if (rc == MAYDAY_OK) {
		/* The private key verifies too: the same EVP_PKEY, one more reference. */
		k->pub = k->file_key;
		EVP_PKEY_up_ref(k->pub);
	}
	return rc;
}

void prov_key_close(struct prov_key *k)
{
	if (!k)
		return;
	prov_pkcs11_close(k->token);
	EVP_PKEY_free(k->pub);
	EVP_PKEY_free(k->file_key);
	memset(k, 0, sizeof *k);
}

int prov_key_arg_once(const char *option, const char **slot, const char *value)
{
	if (*slot) {
		prov_log_error("%s given twice", option);
		return 0;
	}
	*slot = value;
	return 1;
}

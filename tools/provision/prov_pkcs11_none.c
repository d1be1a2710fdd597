/* SPDX-License-Identifier: Apache-2.0 */
/* prov_pkcs11.h for a build without the PKCS#11 header (p11-kit-1 not found,
 * e.g. a cross-build without libp11-kit-dev for the target): every token key
 * is refused with the reason, file keys work as ever. */
#include "prov_pkcs11.h"

#include "prov_log.h"

enum mayday_err prov_pkcs11_open(struct prov_pkcs11 **out, const char *uri, const char *module)
{
	(void)uri;
	(void)module;
	*out = NULL;
	prov_log_error("--key pkcs11:...: this mayday-provision was built without PKCS#11 "
		       "support (install libp11-kit-dev and rebuild)");
	return MAYDAY_E_UNSUPPORTED;
}

enum mayday_err prov_pkcs11_signer(struct prov_pkcs11 *p, struct mayday_signer *signer,
				   EVP_PKEY **pub)
{
	(void)p;
	(void)signer;
	(void)pub;
	return MAYDAY_E_UNSUPPORTED;
}

void prov_pkcs11_close(struct prov_pkcs11 *p)
{
	(void)p;
}

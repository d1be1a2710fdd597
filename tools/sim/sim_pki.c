/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Device certificates for the TLS method, issued in memory by the operator
 * CA (what mayday-provision device does on disk): CN = device ID, EKU
 * clientAuth, valid from an hour ago for a day, so every simulated device
 * proves its own identity and maydayd's CN check holds for each of them.
 * Issuing costs one ES256 signature per device, before the timed phase.
 */
#include <stdio.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "sim.h"

static int add_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, issuer, cert, NULL, NULL, 0);
	X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	if (ext == NULL)
		return 0;
	int ok = X509_add_ext(cert, ext, -1);
	X509_EXTENSION_free(ext);
	return ok;
}

static X509 *issue(X509 *ca, EVP_PKEY *ca_key, EVP_PKEY *key, const char *cn, long serial)
{
	X509 *c = X509_new();
	X509_NAME *name = X509_NAME_new();
	int ok = c != NULL && name != NULL && X509_set_version(c, X509_VERSION_3) &&
		 ASN1_INTEGER_set(X509_get_serialNumber(c), serial) &&
		 X509_gmtime_adj(X509_getm_notBefore(c), -3600) &&
		 X509_gmtime_adj(X509_getm_notAfter(c), 86400) &&
		 X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)cn,
					    -1, -1, 0) &&
		 X509_set_subject_name(c, name) && X509_set_pubkey(c, key) &&
		 X509_set_issuer_name(c, X509_get_subject_name(ca)) &&
		 add_ext(c, ca, NID_basic_constraints, "critical,CA:FALSE") &&
		 add_ext(c, ca, NID_key_usage, "critical,digitalSignature") &&
		 add_ext(c, ca, NID_ext_key_usage, "clientAuth") &&
		 add_ext(c, ca, NID_authority_key_identifier, "keyid:always") &&
		 X509_sign(c, ca_key, EVP_sha256()) > 0;
	X509_NAME_free(name);
	if (!ok) {
		X509_free(c);
		return NULL;
	}
	return c;
}

int sim_pki_issue(struct sim_fleet *f, const char *ca_cert, const char *ca_key)
{
	FILE *fc = fopen(ca_cert, "r"), *fk = fopen(ca_key, "r");
	X509 *ca = fc ? PEM_read_X509(fc, NULL, NULL, NULL) : NULL;
	EVP_PKEY *key = fk ? PEM_read_PrivateKey(fk, NULL, NULL, NULL) : NULL;
	int rc = -1;
	if (fc)
		fclose(fc);
	if (fk)
		fclose(fk);
	if (ca == NULL || key == NULL) {
		fprintf(stderr, "mayday-sim: cannot read the CA certificate %s or key %s\n",
			ca_cert, ca_key);
		goto out;
	}
	for (uint32_t i = 0; i < f->n_dev; i++) {
		if ((f->dev[i].cert = issue(ca, key, f->dev[i].key, f->dev[i].id, 1000 + (long)i)) ==
		    NULL) {
			fprintf(stderr, "mayday-sim: cannot issue a certificate for %s\n",
				f->dev[i].id);
			goto out;
		}
	}
	rc = 0;
out:
	X509_free(ca);
	EVP_PKEY_free(key);
	return rc;
}

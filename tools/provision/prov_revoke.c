/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `revoke --pki DIR (--device ID | --cert FILE)`: put a device certificate
 * on the operator CA's CRL (DIR/operator-ca.crl.pem), which maydayd's
 * [https] crl names and re-reads on SIGHUP. The new CRL keeps every entry
 * of the old one, numbers itself one higher and is signed by the CA key;
 * it replaces the old file atomically. Only certificates this CA issued can
 * be revoked: a CRL entry for another issuer's serial would mean nothing.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "mayday/limits.h"
#include "prov_args.h"
#include "prov_cmd.h"
#include "prov_fs.h"
#include "prov_log.h"
#include "prov_pki.h"
#include "prov_x509.h"

static void usage(FILE *to)
{
	fprintf(to,
		"usage: mayday-provision revoke --pki DIR (--device ID | --cert FILE)\n"
		"  Adds the device's certificate (DIR/%s/ID.pem, or FILE) to the operator\n"
		"  CA's CRL DIR/%s, signed with the CA key. maydayd's [https] crl then\n"
		"  refuses it once it re-reads the file (SIGHUP).\n",
		PROV_PKI_DEVICES, PROV_PKI_CA_CRL);
}

int prov_revoke_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "pki", required_argument, NULL, 'p' },
		{ "device", required_argument, NULL, 'd' },
		{ "cert", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *pki = NULL, *id = NULL, *cert_path = NULL;
	char dir[PROV_PATH_MAX], path[PROV_PATH_MAX], crl_path[PROV_PATH_MAX];
	char name[MAYDAY_DEVICE_ID_MAX + 8];
	EVP_PKEY *ca_key = NULL;
	X509 *ca = NULL, *cert = NULL;
	X509_CRL *old = NULL, *crl = NULL;
	char *serial = NULL;
	int exit_code = PROV_EXIT_ERROR, c;
	enum mayday_err rc;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'p': pki = optarg; break;
		case 'd': id = optarg; break;
		case 'c': cert_path = optarg; break;
		case 'h': usage(stdout); return PROV_EXIT_OK;
		default: usage(stderr); return PROV_EXIT_USAGE;
		}
	}
	if (!pki || optind != argc || (!id) == (!cert_path)) {
		usage(stderr);
		return PROV_EXIT_USAGE;
	}
	if (id) {
		if (!prov_args_name("device", id, MAYDAY_DEVICE_ID_MAX))
			return PROV_EXIT_USAGE;
		snprintf(name, sizeof(name), "%s.pem", id);
		if (prov_fs_join(dir, sizeof(dir), pki, PROV_PKI_DEVICES) != MAYDAY_OK ||
		    prov_fs_join(path, sizeof(path), dir, name) != MAYDAY_OK) {
			prov_log_error("path too long: %s", pki);
			return PROV_EXIT_ERROR;
		}
		cert_path = path;
	}
	if (prov_fs_join(crl_path, sizeof(crl_path), pki, PROV_PKI_CA_CRL) != MAYDAY_OK) {
		prov_log_error("path too long: %s", pki);
		return PROV_EXIT_ERROR;
	}
	if (prov_pki_load_private(pki, PROV_PKI_CA_KEY, &ca_key) != MAYDAY_OK ||
	    prov_pki_load_cert(pki, PROV_PKI_CA_CERT, &ca) != MAYDAY_OK)
		goto out;
	if ((rc = prov_x509_load(cert_path, &cert)) != MAYDAY_OK) {
		prov_log_error("cannot load the certificate %s: %s", cert_path, mayday_strerror(rc));
		goto out;
	}
	if (X509_check_issued(ca, cert) != X509_V_OK ||
	    X509_verify(cert, X509_get0_pubkey(ca)) != 1) {
		prov_log_error("%s was not issued by the operator CA of %s: nothing to revoke",
			       cert_path, pki);
		goto out;
	}
	rc = prov_x509_crl_load(crl_path, &old);
	if (rc != MAYDAY_OK && rc != MAYDAY_E_NOTFOUND) {
		prov_log_error("cannot read the CRL %s: %s", crl_path, mayday_strerror(rc));
		goto out;
	}
	if (old && (X509_CRL_verify(old, X509_get0_pubkey(ca)) != 1)) {
		prov_log_error("the CRL %s is not signed by the operator CA: refusing to extend it",
			       crl_path);
		goto out;
	}
	if ((rc = prov_x509_crl(ca, ca_key, old, cert, PROV_CRL_DAYS, &crl)) != MAYDAY_OK ||
	    (rc = prov_x509_crl_save(crl, crl_path)) != MAYDAY_OK) {
		prov_log_error("cannot write the CRL %s: %s", crl_path, mayday_strerror(rc));
		goto out;
	}
	BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), NULL);
	serial = bn ? BN_bn2hex(bn) : NULL;
	BN_free(bn);
	prov_log_info("revoked %s (serial %s); %s lists %d certificate(s): reload maydayd "
		      "(SIGHUP) to enforce it", cert_path, serial ? serial : "?", crl_path,
		      sk_X509_REVOKED_num(X509_CRL_get_REVOKED(crl)));
	exit_code = PROV_EXIT_OK;
out:
	OPENSSL_free(serial);
	EVP_PKEY_free(ca_key);
	X509_free(ca);
	X509_free(cert);
	X509_CRL_free(old);
	X509_CRL_free(crl);
	return exit_code;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `init --pki DIR [--force]`: the vendor signing key, the operator CA with
 * its (empty) CRL, the H(e)MS acknowledgement key, the H(e)MS TLS server
 * key + certificate (a key of its own: see prov_pki.h), and the KEK that
 * seals PSKs in the store. Everything is generated in memory first and
 * written only when all of it succeeded; an existing PKI is never replaced
 * without --force, since that would orphan every device made with it (their
 * RoT anchors name the old keys) and every PSK sealed under the old KEK.
 *
 * DIR and DIR/devices are 0700; private keys and the KEK 0600, written
 * through mayday_file_write_durable (created 0600 from the start).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/x509.h>

#include "mayday/file.h"
#include "mayday/kek.h"
#include "mayday/keys.h"
#include "prov_cmd.h"
#include "prov_fs.h"
#include "prov_log.h"
#include "prov_pki.h"
#include "prov_x509.h"

#define CA_DAYS   3650
#define HEMS_DAYS 825

static void usage(FILE *to)
{
	fprintf(to,
		"usage: mayday-provision init --pki DIR [--force]\n"
		"  Creates in DIR: %s/%s (vendor manifest signing key), %s/%s\n"
		"  (operator CA) and %s (its CRL), %s/%s (H(e)MS key signing\n"
		"  acknowledgements: maydayd's hems_key), %s/%s (the H(e)MS TLS server's\n"
		"  own key and certificate, SAN %s), %s (the KEK sealing PSKs in the\n"
		"  store: maydayd's psk_kek).\n"
		"  --force  replace an existing PKI (devices made with it stop verifying)\n",
		PROV_PKI_VENDOR_KEY, PROV_PKI_VENDOR_PUB, PROV_PKI_CA_KEY, PROV_PKI_CA_CERT,
		PROV_PKI_CA_CRL, PROV_PKI_HEMS_KEY, PROV_PKI_HEMS_PUB, PROV_PKI_TLS_KEY,
		PROV_PKI_TLS_CERT, PROV_HEMS_SAN, PROV_PKI_PSK_KEK);
}

struct pki {
	EVP_PKEY *vendor, *ca, *hems, *tls;
	X509 *ca_cert, *tls_cert;
	X509_CRL *crl;
};

static void pki_free(struct pki *p)
{
	EVP_PKEY_free(p->vendor);
	EVP_PKEY_free(p->ca);
	EVP_PKEY_free(p->hems);
	EVP_PKEY_free(p->tls);
	X509_free(p->ca_cert);
	X509_free(p->tls_cert);
	X509_CRL_free(p->crl);
}

static enum mayday_err generate(struct pki *p)
{
	enum mayday_err rc;

	if ((rc = mayday_key_generate(&p->vendor)) != MAYDAY_OK ||
	    (rc = mayday_key_generate(&p->ca)) != MAYDAY_OK ||
	    (rc = mayday_key_generate(&p->hems)) != MAYDAY_OK ||
	    (rc = mayday_key_generate(&p->tls)) != MAYDAY_OK) {
		prov_log_error("key generation failed: %s", mayday_strerror(rc));
		return rc;
	}
	rc = prov_x509_make_ca(p->ca, "mayday operator CA", CA_DAYS, &p->ca_cert);
	if (rc == MAYDAY_OK)
		rc = prov_x509_issue(p->ca_cert, p->ca, p->tls, PROV_HEMS_DNS, PROV_HEMS_SAN,
				     PROV_X509_SERVER, HEMS_DAYS, &p->tls_cert);
	if (rc == MAYDAY_OK)
		rc = prov_x509_crl(p->ca_cert, p->ca, NULL, NULL, PROV_CRL_DAYS, &p->crl);
	if (rc != MAYDAY_OK)
		prov_log_error("certificate creation failed: %s", mayday_strerror(rc));
	return rc;
}

static enum mayday_err write_cert(const char *dir, const char *name, X509 *cert)
{
	char path[PROV_PATH_MAX];
	char *pem = NULL;
	size_t len = 0;
	enum mayday_err rc = prov_fs_join(path, sizeof(path), dir, name);

	if (rc == MAYDAY_OK)
		rc = prov_x509_to_pem(cert, &pem, &len);
	if (rc == MAYDAY_OK)
		rc = mayday_file_write_durable(path, pem, len, 0644);
	free(pem);
	return rc;
}

static enum mayday_err write_key(const char *dir, const char *name, EVP_PKEY *key, int private)
{
	char path[PROV_PATH_MAX];
	enum mayday_err rc = prov_fs_join(path, sizeof(path), dir, name);

	if (rc != MAYDAY_OK)
		return rc;
	return private ? mayday_key_save_private(key, path) : mayday_key_save_public(key, path);
}

static enum mayday_err write_all(const char *dir, const struct pki *p)
{
	char path[PROV_PATH_MAX];
	enum mayday_err rc;
	const char *what;

	if ((rc = write_key(dir, what = PROV_PKI_VENDOR_KEY, p->vendor, 1)) != MAYDAY_OK ||
	    (rc = write_key(dir, what = PROV_PKI_VENDOR_PUB, p->vendor, 0)) != MAYDAY_OK ||
	    (rc = write_key(dir, what = PROV_PKI_CA_KEY, p->ca, 1)) != MAYDAY_OK ||
	    (rc = write_cert(dir, what = PROV_PKI_CA_CERT, p->ca_cert)) != MAYDAY_OK ||
	    (rc = write_key(dir, what = PROV_PKI_HEMS_KEY, p->hems, 1)) != MAYDAY_OK ||
	    (rc = write_key(dir, what = PROV_PKI_HEMS_PUB, p->hems, 0)) != MAYDAY_OK ||
	    (rc = write_key(dir, what = PROV_PKI_TLS_KEY, p->tls, 1)) != MAYDAY_OK ||
	    (rc = write_cert(dir, what = PROV_PKI_TLS_CERT, p->tls_cert)) != MAYDAY_OK ||
	    (rc = prov_fs_join(path, sizeof(path), dir, what = PROV_PKI_CA_CRL)) != MAYDAY_OK ||
	    (rc = prov_x509_crl_save(p->crl, path)) != MAYDAY_OK ||
	    (rc = prov_fs_join(path, sizeof(path), dir, what = PROV_PKI_PSK_KEK)) != MAYDAY_OK ||
	    (rc = mayday_kek_create(path)) != MAYDAY_OK)
		prov_log_error("cannot write %s/%s: %s", dir, what, mayday_strerror(rc));
	return rc;
}

int prov_init_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "pki", required_argument, NULL, 'p' },
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const files[] = {
		PROV_PKI_VENDOR_KEY, PROV_PKI_VENDOR_PUB, PROV_PKI_CA_KEY, PROV_PKI_CA_CERT,
		PROV_PKI_CA_CRL, PROV_PKI_HEMS_KEY, PROV_PKI_HEMS_PUB, PROV_PKI_TLS_KEY,
		PROV_PKI_TLS_CERT, PROV_PKI_PSK_KEK,
	};
	const char *dir = NULL;
	int force = 0, c;
	struct pki p = { 0 };
	char path[PROV_PATH_MAX];
	int exit_code = PROV_EXIT_ERROR;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'p': dir = optarg; break;
		case 'f': force = 1; break;
		case 'h': usage(stdout); return PROV_EXIT_OK;
		default: usage(stderr); return PROV_EXIT_USAGE;
		}
	}
	if (!dir || optind != argc) {
		usage(stderr);
		return PROV_EXIT_USAGE;
	}
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		if (prov_fs_join(path, sizeof(path), dir, files[i]) != MAYDAY_OK) {
			prov_log_error("path too long: %s", dir);
			return PROV_EXIT_ERROR;
		}
		if (!force && prov_fs_exists(path)) {
			prov_log_error("%s already exists: %s holds a PKI; use --force to replace it",
				       path, dir);
			return PROV_EXIT_ERROR;
		}
	}
	if (prov_fs_mkdirs(dir, 0700) != MAYDAY_OK ||
	    prov_fs_join(path, sizeof(path), dir, PROV_PKI_DEVICES) != MAYDAY_OK ||
	    prov_fs_mkdirs(path, 0700) != MAYDAY_OK) {
		prov_log_error("cannot create the directory %s", dir);
		return PROV_EXIT_ERROR;
	}
	if (generate(&p) != MAYDAY_OK || write_all(dir, &p) != MAYDAY_OK)
		goto out;
	prov_log_info("PKI created in %s: vendor key, operator CA and CRL, H(e)MS ack key, "
		      "H(e)MS TLS key and certificate, PSK KEK", dir);
	exit_code = PROV_EXIT_OK;
out:
	pki_free(&p);
	return exit_code;
}

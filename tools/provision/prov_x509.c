/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Certificates built field by field with the X509 API; extensions through
 * X509V3_EXT_conf_nid so their encodings are OpenSSL's, not ours. Serial
 * numbers are 128 random bits (positive), validity starts now.
 */
#include "prov_x509.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include "mayday/file.h"
#include "mayday/keys.h"

static int add_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;
	int ok;

	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, issuer, cert, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	if (!ext)
		return 0;
	ok = X509_add_ext(cert, ext, -1);
	X509_EXTENSION_free(ext);
	return ok;
}

/* Everything but issuer, extensions and signature. */
static X509 *new_cert(EVP_PKEY *subject_key, const char *cn, const char *ou, int days)
{
	X509 *cert = X509_new();
	X509_NAME *name = NULL;
	BIGNUM *bn = NULL;
	unsigned char serial[16];
	int ok = 0;

	if (!cert)
		return NULL;
	if (RAND_bytes(serial, sizeof(serial)) != 1)
		goto out;
	serial[0] &= 0x7f; /* positive */
	serial[0] |= 0x01; /* and of full length */
	bn = BN_bin2bn(serial, sizeof(serial), NULL);
	name = X509_NAME_new();
	ok = bn && name && X509_set_version(cert, X509_VERSION_3) &&
	     BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert)) &&
	     X509_gmtime_adj(X509_getm_notBefore(cert), 0) &&
	     X509_time_adj_ex(X509_getm_notAfter(cert), days, 0, NULL) &&
	     (!ou || X509_NAME_add_entry_by_txt(name, "OU", MBSTRING_UTF8,
						(const unsigned char *)ou, -1, -1, 0)) &&
	     X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1,
					-1, 0) &&
	     X509_set_subject_name(cert, name) && X509_set_pubkey(cert, subject_key);
out:
	BN_free(bn);
	X509_NAME_free(name);
	if (!ok) {
		X509_free(cert);
		return NULL;
	}
	return cert;
}

enum mayday_err prov_x509_make_ca(EVP_PKEY *key, const char *cn, int days, X509 **out)
{
	X509 *cert = new_cert(key, cn, NULL, days);

	if (!cert)
		return MAYDAY_E_INTERNAL;
	if (!X509_set_issuer_name(cert, X509_get_subject_name(cert)) ||
	    !add_ext(cert, cert, NID_basic_constraints, "critical,CA:TRUE,pathlen:0") ||
	    !add_ext(cert, cert, NID_key_usage, "critical,keyCertSign,cRLSign") ||
	    !add_ext(cert, cert, NID_subject_key_identifier, "hash") ||
	    !add_ext(cert, cert, NID_authority_key_identifier, "keyid:always") ||
	    X509_sign(cert, key, EVP_sha256()) <= 0) {
		X509_free(cert);
		return MAYDAY_E_INTERNAL;
	}
	*out = cert;
	return MAYDAY_OK;
}

enum mayday_err prov_x509_issue(X509 *ca, EVP_PKEY *ca_key, EVP_PKEY *subject_key,
				const char *cn, const char *san, enum prov_x509_role role,
				int days, X509 **out)
{
	const char *ou = role == PROV_X509_DEVICE ? MAYDAY_DEVICE_CERT_OU : NULL;
	X509 *cert = new_cert(subject_key, cn, ou, days);

	if (!cert)
		return MAYDAY_E_INTERNAL;
	if (!X509_set_issuer_name(cert, X509_get_subject_name(ca)) ||
	    !add_ext(cert, ca, NID_basic_constraints, "critical,CA:FALSE") ||
	    !add_ext(cert, ca, NID_key_usage, "critical,digitalSignature") ||
	    !add_ext(cert, ca, NID_ext_key_usage,
		     role == PROV_X509_SERVER ? "serverAuth" : "clientAuth") ||
	    !add_ext(cert, ca, NID_subject_key_identifier, "hash") ||
	    !add_ext(cert, ca, NID_authority_key_identifier, "keyid:always") ||
	    (san && !add_ext(cert, ca, NID_subject_alt_name, san)) ||
	    X509_sign(cert, ca_key, EVP_sha256()) <= 0) {
		X509_free(cert);
		return MAYDAY_E_INTERNAL;
	}
	*out = cert;
	return MAYDAY_OK;
}

enum mayday_err prov_x509_to_pem(X509 *cert, char **pem, size_t *len)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *data;
	long n;
	enum mayday_err rc = MAYDAY_E_INTERNAL;

	if (!bio)
		return MAYDAY_E_NOMEM;
	if (!PEM_write_bio_X509(bio, cert))
		goto out;
	n = BIO_get_mem_data(bio, &data);
	if (n <= 0)
		goto out;
	*pem = malloc((size_t)n);
	if (!*pem) {
		rc = MAYDAY_E_NOMEM;
		goto out;
	}
	memcpy(*pem, data, (size_t)n);
	*len = (size_t)n;
	rc = MAYDAY_OK;
out:
	BIO_free(bio);
	return rc;
}

enum mayday_err prov_x509_load(const char *path, X509 **out)
{
	FILE *f = fopen(path, "r");
	X509 *cert;

	if (!f)
		return MAYDAY_E_NOTFOUND;
	cert = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	if (!cert)
		return MAYDAY_E_KEY;
	*out = cert;
	return MAYDAY_OK;
}

/* The CRL's number, or -1 without one. */
static long crl_number(const X509_CRL *crl)
{
	ASN1_INTEGER *n = X509_CRL_get_ext_d2i(crl, NID_crl_number, NULL, NULL);
	long v = n ? ASN1_INTEGER_get(n) : -1;
	ASN1_INTEGER_free(n);
	return v;
}

static int add_revoked(X509_CRL *crl, const ASN1_INTEGER *serial, const ASN1_TIME *when)
{
	X509_REVOKED *r = X509_REVOKED_new();

	if (!r || !X509_REVOKED_set_serialNumber(r, (ASN1_INTEGER *)serial) ||
	    !X509_REVOKED_set_revocationDate(r, (ASN1_TIME *)when) || !X509_CRL_add0_revoked(crl, r)) {
		X509_REVOKED_free(r);
		return 0;
	}
	return 1;
}

enum mayday_err prov_x509_crl(X509 *ca, EVP_PKEY *ca_key, const X509_CRL *prev, X509 *revoke,
			      int days, X509_CRL **out)
{
	X509_CRL *crl = X509_CRL_new();
	ASN1_TIME *now = X509_gmtime_adj(NULL, 0), *next = X509_time_adj_ex(NULL, days, 0, NULL);
	ASN1_INTEGER *num = ASN1_INTEGER_new();
	const ASN1_INTEGER *serial = revoke ? X509_get0_serialNumber(revoke) : NULL;
	STACK_OF(X509_REVOKED) *old = prev ? X509_CRL_get_REVOKED((X509_CRL *)prev) : NULL;
	int ok = crl && now && next && num && X509_CRL_set_version(crl, X509_CRL_VERSION_2) &&
		 X509_CRL_set_issuer_name(crl, X509_get_subject_name(ca)) &&
		 X509_CRL_set1_lastUpdate(crl, now) && X509_CRL_set1_nextUpdate(crl, next) &&
		 ASN1_INTEGER_set(num, prev ? crl_number(prev) + 1 : 1) &&
		 X509_CRL_add1_ext_i2d(crl, NID_crl_number, num, 0, 0) == 1;

	for (int i = 0; ok && i < sk_X509_REVOKED_num(old); i++) {
		const X509_REVOKED *r = sk_X509_REVOKED_value(old, i);
		const ASN1_INTEGER *sn = X509_REVOKED_get0_serialNumber(r);

		if (serial && ASN1_INTEGER_cmp(sn, serial) == 0)
			serial = NULL; /* already listed: keep its first date */
		ok = add_revoked(crl, sn, X509_REVOKED_get0_revocationDate(r));
	}
	if (ok && serial)
		ok = add_revoked(crl, serial, now);
	ok = ok && X509_CRL_sort(crl) && X509_CRL_sign(crl, ca_key, EVP_sha256()) > 0;
	ASN1_TIME_free(now);
	ASN1_TIME_free(next);
	ASN1_INTEGER_free(num);
	if (!ok) {
		X509_CRL_free(crl);
		return MAYDAY_E_INTERNAL;
	}
	*out = crl;
	return MAYDAY_OK;
}

enum mayday_err prov_x509_crl_load(const char *path, X509_CRL **out)
{
	FILE *f = fopen(path, "r");
	X509_CRL *crl;

	if (!f)
		return MAYDAY_E_NOTFOUND;
	crl = PEM_read_X509_CRL(f, NULL, NULL, NULL);
	fclose(f);
	if (!crl)
		return MAYDAY_E_MALFORMED;
	*out = crl;
	return MAYDAY_OK;
}

enum mayday_err prov_x509_crl_save(X509_CRL *crl, const char *path)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *data;
	long n;
	enum mayday_err rc = MAYDAY_E_INTERNAL;

	if (!bio)
		return MAYDAY_E_NOMEM;
	if (PEM_write_bio_X509_CRL(bio, crl) && (n = BIO_get_mem_data(bio, &data)) > 0)
		rc = mayday_file_write_durable(path, data, (size_t)n, 0644);
	BIO_free(bio);
	return rc;
}

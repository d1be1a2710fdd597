/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Normal code's device credentials and normal.conf (see prov_normal.h).
 * The credentials are one PEM bundle -- key, certificate, CA -- built in a
 * secure-heap BIO (cleared when freed) and handed to the RoT to seal; or,
 * when the RoT makes the key, certificate and CA only.
 */
#include "prov_normal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/bio.h>
#include <openssl/pem.h>

#include "hal/rot.h"
#include "mayday/keys.h"
#include "normal_config.h"
#include "prov_log.h"
#include "prov_x509.h"

enum mayday_err prov_normal_chain(const struct prov_normal *p, EVP_PKEY *pub, uint8_t **pem,
				  size_t *len)
{
	X509 *cert = NULL;
	BIO *bio = BIO_new(BIO_s_mem());
	char *text = NULL;
	long n = 0;
	enum mayday_err rc = bio ? MAYDAY_OK : MAYDAY_E_NOMEM;

	*pem = NULL;
	*len = 0;
	if (rc == MAYDAY_OK)
		rc = prov_x509_issue(p->ca_cert, p->ca_key, pub, p->device_id, NULL,
				     PROV_X509_DEVICE, p->cert_days, &cert);
	if (rc == MAYDAY_OK &&
	    (PEM_write_bio_X509(bio, cert) != 1 || PEM_write_bio_X509(bio, p->ca_cert) != 1 ||
	     (n = BIO_get_mem_data(bio, &text)) <= 0))
		rc = MAYDAY_E_INTERNAL;
	if (rc == MAYDAY_OK && (*pem = malloc((size_t)n)) == NULL)
		rc = MAYDAY_E_NOMEM;
	if (rc == MAYDAY_OK) {
		memcpy(*pem, text, (size_t)n);
		*len = (size_t)n;
	}
	BIO_free(bio);
	X509_free(cert);
	return rc;
}

static enum mayday_err seal_creds(struct hal_flash *f, const struct prov_normal *p)
{
	EVP_PKEY *key = NULL;
	X509 *cert = NULL;
	BIO *bio;
	char *pem = NULL;
	long len;
	enum mayday_err rc;

	if (p->rot_key != NULL)
		return p->rot_key(p->rot_key_ctx, p);
	bio = BIO_new(BIO_s_secmem());
	rc = bio ? mayday_key_generate(&key) : MAYDAY_E_NOMEM;

	if (rc == MAYDAY_OK)
		rc = prov_x509_issue(p->ca_cert, p->ca_key, key, p->device_id, NULL,
				     PROV_X509_DEVICE, p->cert_days, &cert);
	if (rc == MAYDAY_OK &&
	    (PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL, NULL) != 1 ||
	     PEM_write_bio_X509(bio, cert) != 1 || PEM_write_bio_X509(bio, p->ca_cert) != 1))
		rc = MAYDAY_E_INTERNAL;
	if (rc == MAYDAY_OK) {
		len = BIO_get_mem_data(bio, &pem);
		if (len <= 0)
			rc = MAYDAY_E_INTERNAL;
		else
			rc = hal_rot_file_provision_creds(f, p->vendor_pub, (const uint8_t *)pem,
							  (size_t)len);
	}
	BIO_free(bio);
	X509_free(cert);
	EVP_PKEY_free(key);
	return rc;
}

static enum mayday_err write_conf(struct hal_flash *f, const struct prov_normal *p)
{
	char text[NORMAL_CONFIG_MAX], hex[2 * MAYDAY_DIGEST_LEN + 1];
	struct normal_config cfg;
	struct normal_config_error err;
	int n;

	if (p->pin)
		mayday_hex(p->pin, MAYDAY_DIGEST_LEN, hex);
	n = snprintf(text, sizeof(text),
		     "# mayday-normal's own settings (mayday-normal(8)); written by\n"
		     "# mayday-provision. Credentials are not here: the TrE hands them over.\n"
		     "[cwmp]\ntimeout_ms = 10000\nmax_image_size = %" PRIu64 "\n%s%s%s"
		     "[device]\ndcf_version = %s\n",
		     p->max_image_size, p->pin ? "pin_sha256 = " : "", p->pin ? hex : "",
		     p->pin ? "\n" : "", p->dcf_version);
	if (n < 0 || (size_t)n >= sizeof(text))
		return MAYDAY_E_TOOBIG;
	/* Never a device whose normal code would reject its own settings. */
	if (normal_config_parse(text, (size_t)n, &cfg, &err) != MAYDAY_OK) {
		prov_log_error("normal.conf would be rejected: %s at %s",
			       err.what ? err.what : "?", err.key);
		return MAYDAY_E_INVALID;
	}
	return hal_flash_write_atomic(f, HAL_PART_STATE, NORMAL_CONFIG_NAME, text, (size_t)n);
}

int prov_normal_make(struct hal_flash *f, const struct prov_normal *p)
{
	enum mayday_err rc = seal_creds(f, p);

	if (rc != MAYDAY_OK) {
		prov_log_error("cannot provision the device credentials: %s", mayday_strerror(rc));
		return 0;
	}
	rc = write_conf(f, p);
	if (rc != MAYDAY_OK) {
		prov_log_error("cannot write %s/%s: %s", HAL_PART_STATE, NORMAL_CONFIG_NAME,
			       mayday_strerror(rc));
		return 0;
	}
	return 1;
}

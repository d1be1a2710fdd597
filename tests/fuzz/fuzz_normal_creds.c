/* SPDX-License-Identifier: Apache-2.0 */
/* The device credentials bundle the TrE hands normal code
 * (device/normal/normal_creds.c): the parser never crashes, and what it
 * accepts is a certificate and CA(s), with a private key matching the
 * certificate or none (the RoT holds it). */
#include <assert.h>
#include <stdint.h>

#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "normal_creds.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct normal_creds c;
	BIO *b;
	X509 *cert;

	if (normal_creds_parse(data, size, &c) != MAYDAY_OK) {
		assert(c.key == NULL && c.cert_pem == NULL && c.ca_pem == NULL);
		return 0;
	}
	assert(c.cert_pem != NULL && c.cert_len > 0 && c.ca_pem != NULL && c.ca_len > 0);
	b = BIO_new_mem_buf(c.cert_pem, (int)c.cert_len);
	cert = PEM_read_bio_X509(b, NULL, NULL, NULL);
	assert(cert != NULL);
	assert(c.key == NULL || X509_check_private_key(cert, c.key) == 1);
	X509_free(cert);
	BIO_free(b);
	normal_creds_free(&c);
	return 0;
}

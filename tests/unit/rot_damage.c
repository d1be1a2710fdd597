/* SPDX-License-Identifier: Apache-2.0 */
/* Damage to the stored distress key (rot_damage.h). Works on the DER inside
 * the PEM, so the change is exactly the bits named, not a re-encoding of a
 * different key. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "rot_damage.h"

#define KEY_ITEM "distress.key.pem"

static size_t read_item(struct hal_flash *f, char *pem, size_t cap)
{
	size_t len = 0;

	assert_int_equal(hal_flash_read(f, HAL_PART_ROT, KEY_ITEM, (uint8_t *)pem, cap, &len),
			 MAYDAY_OK);
	return len;
}

static void write_bio(struct hal_flash *f, BIO *bio)
{
	char *p = NULL;
	long n = BIO_get_mem_data(bio, &p);

	assert_true(n > 0);
	assert_int_equal(hal_flash_write_atomic(f, HAL_PART_ROT, KEY_ITEM, p, (size_t)n), MAYDAY_OK);
}

void rot_damage_flip_scalar(struct hal_flash *f, unsigned bit)
{
	/* ECPrivateKey ::= SEQUENCE { version INTEGER 1, privateKey OCTET STRING (32), ... } */
	static const uint8_t before_scalar[] = { 0x02, 0x01, 0x01, 0x04, 0x20 };
	char pem[4096];
	size_t len = read_item(f, pem, sizeof(pem));
	BIO *in = BIO_new_mem_buf(pem, (int)len), *out = BIO_new(BIO_s_mem());
	char *name = NULL, *header = NULL;
	unsigned char *der = NULL;
	long der_len = 0;
	uint8_t *scalar = NULL;

	assert_true(bit < 256);
	assert_non_null(in);
	assert_non_null(out);
	assert_int_equal(PEM_read_bio(in, &name, &header, &der, &der_len), 1);
	for (long i = 0; i + (long)sizeof(before_scalar) + 32 <= der_len && !scalar; i++)
		if (memcmp(der + i, before_scalar, sizeof(before_scalar)) == 0)
			scalar = der + i + sizeof(before_scalar);
	assert_non_null(scalar);
	scalar[31 - bit / 8] ^= (uint8_t)(1u << (bit % 8));
	assert_true(PEM_write_bio(out, name, header, der, der_len) > 0);
	write_bio(f, out);
	OPENSSL_free(name);
	OPENSSL_free(header);
	OPENSSL_free(der);
	BIO_free(in);
	BIO_free(out);
}

void rot_damage_drop_point(struct hal_flash *f)
{
	char pem[4096];
	size_t len = read_item(f, pem, sizeof(pem));
	BIO *in = BIO_new_mem_buf(pem, (int)len), *out = BIO_new(BIO_s_mem());
	EVP_PKEY *key;

	assert_non_null(in);
	assert_non_null(out);
	key = PEM_read_bio_PrivateKey(in, NULL, NULL, NULL);
	assert_non_null(key);
	assert_int_equal(EVP_PKEY_set_int_param(key, OSSL_PKEY_PARAM_EC_INCLUDE_PUBLIC, 0), 1);
	assert_int_equal(PEM_write_bio_PrivateKey(out, key, NULL, NULL, 0, NULL, NULL), 1);
	write_bio(f, out);
	EVP_PKEY_free(key);
	BIO_free(in);
	BIO_free(out);
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Keys, certificates and digests: P-256 only, PEM in and out, private keys
 * written 0600 and durably (no temporary left behind, old file replaced as
 * a whole), encrypted PEM refused without prompting, SHA-256 and hex
 * against published values.
 */
#include <dirent.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "mayday/keys.h"
#include "test_vectors.h"

struct dir {
	char path[512];
};

static int setup(void **state)
{
	struct dir *d = calloc(1, sizeof(*d));
	const char *tmp = getenv("TMPDIR");

	snprintf(d->path, sizeof(d->path), "%s/mayday-keys-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(d->path))
		return -1;
	*state = d;
	return 0;
}

static int teardown(void **state)
{
	struct dir *d = *state;
	DIR *dh = opendir(d->path);
	struct dirent *e;
	char p[1024];

	while (dh && (e = readdir(dh))) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(p, sizeof(p), "%s/%s", d->path, e->d_name);
		unlink(p);
	}
	if (dh)
		closedir(dh);
	rmdir(d->path);
	free(d);
	return 0;
}

static const char *in(struct dir *d, const char *name)
{
	static char p[1024];

	snprintf(p, sizeof(p), "%s/%s", d->path, name);
	return p;
}

static int count_files(struct dir *d)
{
	DIR *dh = opendir(d->path);
	struct dirent *e;
	int n = 0;

	assert_non_null(dh);
	while ((e = readdir(dh)))
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	closedir(dh);
	return n;
}

static void write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static void pub_pem(EVP_PKEY *k, char *out, size_t cap)
{
	size_t len;

	assert_int_equal(mayday_key_public_to_pem(k, out, cap, &len), MAYDAY_OK);
	assert_int_equal(strlen(out), len);
}

static void test_private_round_trip(void **state)
{
	struct dir *d = *state;
	EVP_PKEY *k = NULL, *back = NULL;
	char a[512], b[512];
	struct stat st;
	char text[1024];
	FILE *f;
	size_t n;

	assert_int_equal(mayday_key_generate(&k), MAYDAY_OK);
	assert_int_equal(mayday_key_save_private(k, in(d, "key.pem")), MAYDAY_OK);
	assert_int_equal(stat(in(d, "key.pem"), &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(count_files(d), 1); /* no temporary left */

	f = fopen(in(d, "key.pem"), "r");
	assert_non_null(f);
	n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	assert_non_null(strstr(text, "-----BEGIN PRIVATE KEY-----"));

	assert_int_equal(mayday_key_load_private(in(d, "key.pem"), &back), MAYDAY_OK);
	pub_pem(k, a, sizeof(a));
	pub_pem(back, b, sizeof(b));
	assert_string_equal(a, b);
	EVP_PKEY_free(back);
	EVP_PKEY_free(k);
}

static void test_modes_and_replace(void **state)
{
	struct dir *d = *state;
	EVP_PKEY *k1 = NULL, *k2 = NULL, *back = NULL;
	char a[512], b[512];
	struct stat st;
	mode_t old = umask(0);

	assert_int_equal(mayday_key_generate(&k1), MAYDAY_OK);
	assert_int_equal(mayday_key_generate(&k2), MAYDAY_OK);
	assert_int_equal(mayday_key_save_private(k1, in(d, "k.pem")), MAYDAY_OK);
	assert_int_equal(stat(in(d, "k.pem"), &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(mayday_key_save_public(k1, in(d, "k.pub")), MAYDAY_OK);
	assert_int_equal(stat(in(d, "k.pub"), &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);

	/* Replacing a file that was readable by all still ends at 0600. */
	assert_int_equal(chmod(in(d, "k.pem"), 0666), 0);
	umask(077);
	assert_int_equal(mayday_key_save_private(k2, in(d, "k.pem")), MAYDAY_OK);
	assert_int_equal(stat(in(d, "k.pem"), &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(count_files(d), 2);
	assert_int_equal(mayday_key_load_private(in(d, "k.pem"), &back), MAYDAY_OK);
	pub_pem(k2, a, sizeof(a));
	pub_pem(back, b, sizeof(b));
	assert_string_equal(a, b);
	umask(old);

	/* Into a directory that does not exist: an I/O error, nothing created. */
	assert_int_equal(mayday_key_save_private(k1, in(d, "missing/k.pem")), MAYDAY_E_IO);
	assert_int_equal(count_files(d), 2);
	EVP_PKEY_free(back);
	EVP_PKEY_free(k1);
	EVP_PKEY_free(k2);
}

static void test_public_sources(void **state)
{
	struct dir *d = *state;
	EVP_PKEY *k = tv_key(), *p = NULL;
	X509 *cert = X509_new();
	X509_NAME *name;
	FILE *f;
	char a[512], b[512];

	/* A bare public key. */
	write_file(in(d, "pub.pem"), tv_pub_pem, strlen(tv_pub_pem));
	assert_int_equal(mayday_key_load_public(in(d, "pub.pem"), &p), MAYDAY_OK);
	pub_pem(p, a, sizeof(a));
	assert_string_equal(a, tv_pub_pem);
	EVP_PKEY_free(p);

	/* The key of a (self-signed) certificate. */
	assert_non_null(cert);
	ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
	X509_gmtime_adj(X509_getm_notBefore(cert), 0);
	X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
	name = X509_get_subject_name(cert);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"hems", -1, -1,
				   0);
	X509_set_issuer_name(cert, name);
	assert_int_equal(X509_set_pubkey(cert, k), 1);
	assert_true(X509_sign(cert, k, EVP_sha256()) > 0);
	f = fopen(in(d, "cert.pem"), "w");
	assert_non_null(f);
	assert_int_equal(PEM_write_X509(f, cert), 1);
	fclose(f);
	assert_int_equal(mayday_key_load_public(in(d, "cert.pem"), &p), MAYDAY_OK);
	pub_pem(p, b, sizeof(b));
	assert_string_equal(b, tv_pub_pem);
	EVP_PKEY_free(p);

	/* Public and private PEM are not interchangeable. */
	write_file(in(d, "priv.pem"), tv_key_pem, strlen(tv_key_pem));
	assert_int_equal(mayday_key_load_public(in(d, "priv.pem"), &p), MAYDAY_E_KEY);
	assert_null(p);
	assert_int_equal(chmod(in(d, "pub.pem"), 0600), 0);
	assert_int_equal(mayday_key_load_private(in(d, "pub.pem"), &p), MAYDAY_E_KEY);
	assert_null(p);

	/* From memory, without a terminating NUL. */
	assert_int_equal(mayday_key_public_from_pem((const uint8_t *)tv_pub_pem,
						    strlen(tv_pub_pem), &p), MAYDAY_OK);
	EVP_PKEY_free(p);
	X509_free(cert);
	EVP_PKEY_free(k);
}

static void test_refusals(void **state)
{
	struct dir *d = *state;
	EVP_PKEY *p384 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
	EVP_PKEY *k = tv_key(), *p = NULL;
	uint8_t *big;
	FILE *f;
	char out[512];
	size_t len;

	assert_int_equal(mayday_key_load_private(in(d, "nope.pem"), &p), MAYDAY_E_NOTFOUND);
	assert_int_equal(mayday_key_load_public(in(d, "nope.pem"), &p), MAYDAY_E_NOTFOUND);

	write_file(in(d, "junk.pem"), "hello\n", 6);
	assert_int_equal(chmod(in(d, "junk.pem"), 0600), 0);
	assert_int_equal(mayday_key_load_private(in(d, "junk.pem"), &p), MAYDAY_E_KEY);
	assert_int_equal(mayday_key_load_public(in(d, "junk.pem"), &p), MAYDAY_E_KEY);

	/* Keys on other curves are refused everywhere. */
	f = fopen(in(d, "p384.pem"), "w");
	assert_non_null(f);
	assert_int_equal(PEM_write_PrivateKey(f, p384, NULL, NULL, 0, NULL, NULL), 1);
	fclose(f);
	assert_int_equal(chmod(in(d, "p384.pem"), 0600), 0);
	assert_int_equal(mayday_key_load_private(in(d, "p384.pem"), &p), MAYDAY_E_KEY);
	f = fopen(in(d, "p384.pub"), "w");
	assert_non_null(f);
	assert_int_equal(PEM_write_PUBKEY(f, p384), 1);
	fclose(f);
	assert_int_equal(mayday_key_load_public(in(d, "p384.pub"), &p), MAYDAY_E_KEY);
	assert_int_equal(mayday_key_save_private(p384, in(d, "x.pem")), MAYDAY_E_KEY);

	/* Encrypted PEM: refused, never prompted for. */
	f = fopen(in(d, "enc.pem"), "w");
	assert_non_null(f);
	assert_int_equal(PEM_write_PKCS8PrivateKey(f, k, EVP_aes_256_cbc(), NULL, 0, NULL,
						   (void *)"secret"), 1);
	fclose(f);
	assert_int_equal(chmod(in(d, "enc.pem"), 0600), 0);
	assert_int_equal(mayday_key_load_private(in(d, "enc.pem"), &p), MAYDAY_E_KEY);
	assert_null(p);

	/* A private key group or others may access is refused, whatever it
	 * holds (the fix is in the message: chmod 600); 0400 is fine. */
	static const mode_t open_modes[] = {0644, 0640, 0604, 0620, 0602, 0660};
	assert_int_equal(mayday_key_save_private(k, in(d, "open.pem")), MAYDAY_OK);
	for (size_t i = 0; i < sizeof(open_modes) / sizeof(open_modes[0]); i++) {
		assert_int_equal(chmod(in(d, "open.pem"), open_modes[i]), 0);
		assert_int_equal(mayday_key_load_private(in(d, "open.pem"), &p), MAYDAY_E_PERM);
		assert_null(p);
	}
	assert_non_null(strstr(mayday_strerror(MAYDAY_E_PERM), "chmod 600"));
	assert_int_equal(chmod(in(d, "open.pem"), 0400), 0);
	assert_int_equal(mayday_key_load_private(in(d, "open.pem"), &p), MAYDAY_OK);
	EVP_PKEY_free(p);
	p = NULL;

	/* Public PEM larger than any key or certificate. */
	big = malloc(70000);
	memset(big, 'A', 70000);
	write_file(in(d, "big.pem"), big, 70000);
	assert_int_equal(mayday_key_load_public(in(d, "big.pem"), &p), MAYDAY_E_TOOBIG);
	assert_int_equal(mayday_key_public_from_pem(big, 70000, &p), MAYDAY_E_TOOBIG);
	free(big);

	/* Output buffer too small for the PEM. */
	assert_int_equal(mayday_key_public_to_pem(k, out, strlen(tv_pub_pem), &len),
			 MAYDAY_E_TOOBIG);
	assert_int_equal(mayday_key_public_to_pem(k, out, strlen(tv_pub_pem) + 1, &len),
			 MAYDAY_OK);
	assert_int_equal(len, strlen(tv_pub_pem));
	EVP_PKEY_free(p384);
	EVP_PKEY_free(k);
}

/* The PEM of a 91-byte SPKI, as mayday_key_public_to_pem lays it out. */
static void spki_pem(const uint8_t der[91], char *pem, size_t cap)
{
	char b64[125];
	int n = EVP_EncodeBlock((unsigned char *)b64, der, 91);

	assert_int_equal(n, 124);
	snprintf(pem, cap, "-----BEGIN PUBLIC KEY-----\n%.64s\n%s\n-----END PUBLIC KEY-----\n", b64,
		 b64 + 64);
}

/* tv_pub_pem's SPKI, to damage. */
static void tv_spki(uint8_t der[91])
{
	EVP_PKEY *k = tv_pub();
	unsigned char *p = der;

	assert_int_equal(i2d_PUBKEY(k, NULL), 91);
	assert_int_equal(i2d_PUBKEY(k, &p), 91);
	EVP_PKEY_free(k);
}

static bool verifies(EVP_PKEY *pub, const uint8_t *sig, size_t sig_len, const char *msg)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	int r;

	assert_non_null(md);
	assert_int_equal(EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, pub), 1);
	r = EVP_DigestVerify(md, sig, sig_len, (const unsigned char *)msg, strlen(msg));
	EVP_MD_CTX_free(md);
	return r == 1;
}

/* The fast path (mayday_key_p256_from_pem) gives the key the OpenSSL PEM
 * readers give, and takes nothing they would not: other curves, other
 * forms and off-curve points are either refused by it or left to them. */
static void test_public_fast_path(void **state)
{
	const uint8_t *pem = (const uint8_t *)tv_pub_pem;
	EVP_PKEY *k = tv_key(), *fast = NULL, *slow = NULL, *p = NULL;
	EVP_PKEY *p384 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
	uint8_t der[91], bad[91], sig[80];
	size_t sig_len = sizeof(sig);
	char text[512], crlf[512];
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	BIO *b;

	(void)state;
	assert_int_equal(mayday_key_p256_from_pem(pem, strlen(tv_pub_pem), &fast), MAYDAY_OK);
	assert_int_equal(mayday_key_public_from_pem_openssl(pem, strlen(tv_pub_pem), &slow),
			 MAYDAY_OK);
	assert_int_equal(EVP_PKEY_eq(fast, slow), 1);
	assert_int_equal(EVP_PKEY_eq(fast, k), 1);

	/* The same signatures verify under both, the same tampering fails. */
	assert_int_equal(EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, k), 1);
	assert_int_equal(EVP_DigestSign(md, sig, &sig_len, (const unsigned char *)"distress", 8),
			 1);
	assert_true(verifies(fast, sig, sig_len, "distress"));
	assert_true(verifies(slow, sig, sig_len, "distress"));
	assert_false(verifies(fast, sig, sig_len, "distresS"));
	assert_false(verifies(slow, sig, sig_len, "distresS"));
	EVP_PKEY_free(fast);
	EVP_PKEY_free(slow);
	fast = slow = NULL;

	/* CRLF line ends are the same form. */
	size_t j = 0;
	for (const char *c = tv_pub_pem; *c; c++) {
		if (*c == '\n')
			crlf[j++] = '\r';
		crlf[j++] = *c;
	}
	assert_int_equal(mayday_key_p256_from_pem((const uint8_t *)crlf, j, &p), MAYDAY_OK);
	EVP_PKEY_free(p);
	p = NULL;

	/* The layout the test builds is tv_pub_pem's, so the damage below is
	 * all that differs. */
	tv_spki(der);
	spki_pem(der, text, sizeof(text));
	assert_string_equal(text, tv_pub_pem);

	/* A point off the curve: refused by the fast path and by the whole. */
	memcpy(bad, der, sizeof(bad));
	bad[90] ^= 0x01;
	spki_pem(bad, text, sizeof(text));
	assert_int_equal(mayday_key_p256_from_pem((const uint8_t *)text, strlen(text), &p),
			 MAYDAY_E_KEY);
	assert_null(p);
	assert_int_equal(mayday_key_public_from_pem((const uint8_t *)text, strlen(text), &p),
			 MAYDAY_E_KEY);
	assert_null(p);

	/* Another curve's OID (1.2.840.10045.3.1.6), a compressed point, a
	 * header length changed: not the form, left to the readers, refused. */
	static const struct {
		size_t at;
		uint8_t xor;
	} damage[] = {{22, 0x01}, {26, 0x06}, {1, 0x01}, {5, 0x01}};
	for (size_t i = 0; i < sizeof(damage) / sizeof(damage[0]); i++) {
		memcpy(bad, der, sizeof(bad));
		bad[damage[i].at] ^= damage[i].xor;
		spki_pem(bad, text, sizeof(text));
		assert_int_equal(mayday_key_p256_from_pem((const uint8_t *)text, strlen(text), &p),
				 MAYDAY_E_UNSUPPORTED);
		assert_null(p);
		assert_int_equal(mayday_key_public_from_pem((const uint8_t *)text, strlen(text), &p),
				 MAYDAY_E_KEY);
		assert_null(p);
	}

	/* A P-384 key, a truncated PEM, a leading blank, junk in the base64. */
	b = BIO_new(BIO_s_mem());
	assert_int_equal(PEM_write_bio_PUBKEY(b, p384), 1);
	char *p384_pem;
	long n = BIO_get_mem_data(b, &p384_pem);
	assert_int_equal(mayday_key_p256_from_pem((const uint8_t *)p384_pem, (size_t)n, &p),
			 MAYDAY_E_UNSUPPORTED);
	assert_int_equal(mayday_key_public_from_pem((const uint8_t *)p384_pem, (size_t)n, &p),
			 MAYDAY_E_KEY);
	BIO_free(b);
	assert_int_equal(mayday_key_p256_from_pem(pem, strlen(tv_pub_pem) - 30, &p),
			 MAYDAY_E_UNSUPPORTED);
	assert_int_equal(mayday_key_public_from_pem(pem, strlen(tv_pub_pem) - 30, &p),
			 MAYDAY_E_KEY);
	assert_true(snprintf(text, sizeof(text), " %s", tv_pub_pem) < (int)sizeof(text));
	assert_int_equal(mayday_key_p256_from_pem((const uint8_t *)text, strlen(text), &p),
			 MAYDAY_E_UNSUPPORTED);
	assert_true(snprintf(text, sizeof(text), "%s", tv_pub_pem) < (int)sizeof(text));
	text[40] = '*';
	assert_int_equal(mayday_key_p256_from_pem((const uint8_t *)text, strlen(text), &p),
			 MAYDAY_E_UNSUPPORTED);
	assert_int_equal(mayday_key_public_from_pem((const uint8_t *)text, strlen(text), &p),
			 MAYDAY_E_KEY);
	assert_null(p);
	assert_int_equal(mayday_key_p256_from_pem(NULL, 0, &p), MAYDAY_E_UNSUPPORTED);

	EVP_MD_CTX_free(md);
	EVP_PKEY_free(p384);
	EVP_PKEY_free(k);
}

/* tv_spki's header with `point` (65 bytes) behind it, as PEM. */
static void point_pem(const uint8_t der[91], const uint8_t point[65], char *pem, size_t cap)
{
	uint8_t d[91];

	memcpy(d, der, 26);
	memcpy(d + 26, point, 65);
	spki_pem(d, pem, cap);
}

/* The fast path builds each key from a shared template by setting its
 * point: the points it must refuse (each refused by the whole as well),
 * the ones it must take, and keys that stay distinct. */
static void test_public_fast_path_points(void **state)
{
	/* (5, y) is on P-256; (5 + p, y) is the same point written with an
	 * x not below the field prime, which no encoding may use. */
	static const uint8_t small[65] = {
		0x04, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		0, 0, 0, 0, 0, 0x05, 0x45, 0x92, 0x43, 0xb9, 0xaa, 0x58, 0x18, 0x06, 0xfe, 0x91, 0x3b,
		0xce, 0x99, 0x81, 0x7a, 0xde, 0x11, 0xca, 0x50, 0x3c, 0x64, 0xd9, 0xa3, 0xc5, 0x33,
		0x41, 0x5c, 0x08, 0x32, 0x48, 0xfb, 0xcc,
	};
	static const uint8_t x_above_p[33] = {
		0x04, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00, 0x04,
	};
	uint8_t der[91], point[65];
	char text[512];
	EVP_PKEY *p = NULL, *a = NULL, *b = NULL, *ka, *kb;
	char pa[512], pb[512];

	(void)state;
	tv_spki(der);

	/* The point at infinity: as the one byte 0x00 it is no 91-byte SPKI;
	 * as 0x00 and 64 zero bytes, or as 0x04 and zero coordinates (how
	 * some libraries write it), it is not on the curve. */
	memset(point, 0, sizeof(point));
	point_pem(der, point, text, sizeof(text));
	assert_int_equal(mayday_key_p256_from_pem((const uint8_t *)text, strlen(text), &p),
			 MAYDAY_E_UNSUPPORTED);
	assert_int_equal(mayday_key_public_from_pem((const uint8_t *)text, strlen(text), &p),
			 MAYDAY_E_KEY);
	point[0] = 0x04;
	point_pem(der, point, text, sizeof(text));
	assert_int_equal(mayday_key_p256_from_pem((const uint8_t *)text, strlen(text), &p),
			 MAYDAY_E_KEY);
	assert_int_equal(mayday_key_public_from_pem((const uint8_t *)text, strlen(text), &p),
			 MAYDAY_E_KEY);
	assert_null(p);

	/* A compressed point (0x02 || x, padded out to the same 91 bytes). */
	memcpy(point, der + 26, sizeof(point));
	point[0] = 0x02 | (der[90] & 1);
	point_pem(der, point, text, sizeof(text));
	assert_int_equal(mayday_key_p256_from_pem((const uint8_t *)text, strlen(text), &p),
			 MAYDAY_E_UNSUPPORTED);
	assert_int_equal(mayday_key_public_from_pem((const uint8_t *)text, strlen(text), &p),
			 MAYDAY_E_KEY);

	/* Off the curve in y, and in x. */
	for (size_t at = 1; at < 65; at += 32) {
		memcpy(point, der + 26, sizeof(point));
		point[at + 5] ^= 0x20;
		point_pem(der, point, text, sizeof(text));
		assert_int_equal(mayday_key_p256_from_pem((const uint8_t *)text, strlen(text), &p),
				 MAYDAY_E_KEY);
		assert_int_equal(mayday_key_public_from_pem((const uint8_t *)text, strlen(text),
							    &p),
				 MAYDAY_E_KEY);
		assert_null(p);
	}

	/* A point with a small x is a point like any other... */
	point_pem(der, small, text, sizeof(text));
	assert_int_equal(mayday_key_p256_from_pem((const uint8_t *)text, strlen(text), &p),
			 MAYDAY_OK);
	EVP_PKEY_free(p);
	p = NULL;
	/* ... but not written with x + p. */
	memcpy(point, small, sizeof(point));
	memcpy(point, x_above_p, sizeof(x_above_p));
	point_pem(der, point, text, sizeof(text));
	assert_int_equal(mayday_key_p256_from_pem((const uint8_t *)text, strlen(text), &p),
			 MAYDAY_E_KEY);
	assert_int_equal(mayday_key_public_from_pem((const uint8_t *)text, strlen(text), &p),
			 MAYDAY_E_KEY);
	assert_null(p);

	/* Another curve's key (secp256k1: another OID, another length):
	 * not the form, and not P-256. */
	EVP_PKEY *k1 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "secp256k1");
	assert_non_null(k1);
	BIO *bio = BIO_new(BIO_s_mem());
	char *k1_pem;
	assert_int_equal(PEM_write_bio_PUBKEY(bio, k1), 1);
	long k1_len = BIO_get_mem_data(bio, &k1_pem);
	assert_int_equal(mayday_key_p256_from_pem((const uint8_t *)k1_pem, (size_t)k1_len, &p),
			 MAYDAY_E_UNSUPPORTED);
	assert_int_equal(mayday_key_public_from_pem((const uint8_t *)k1_pem, (size_t)k1_len, &p),
			 MAYDAY_E_KEY);
	assert_null(p);
	BIO_free(bio);
	EVP_PKEY_free(k1);

	/* Keys made one after the other from the template stay themselves. */
	ka = tv_key();
	assert_int_equal(mayday_key_generate(&kb), MAYDAY_OK);
	pub_pem(ka, pa, sizeof(pa));
	pub_pem(kb, pb, sizeof(pb));
	assert_int_equal(mayday_key_p256_from_pem((const uint8_t *)pa, strlen(pa), &a), MAYDAY_OK);
	assert_int_equal(mayday_key_p256_from_pem((const uint8_t *)pb, strlen(pb), &b), MAYDAY_OK);
	assert_int_equal(EVP_PKEY_eq(a, ka), 1);
	assert_int_equal(EVP_PKEY_eq(b, kb), 1);
	assert_int_not_equal(EVP_PKEY_eq(a, b), 1);
	EVP_PKEY_free(a);
	EVP_PKEY_free(b);
	EVP_PKEY_free(ka);
	EVP_PKEY_free(kb);
}

struct loader {
	char pem[2][512];
	EVP_PKEY *want[2];
	int wrong;
};

static void *load_many(void *arg)
{
	struct loader *l = arg;

	for (int i = 0; i < 300; i++) {
		EVP_PKEY *k = NULL;
		int w = i & 1;

		if (mayday_key_p256_from_pem((const uint8_t *)l->pem[w], strlen(l->pem[w]), &k) !=
			    MAYDAY_OK ||
		    EVP_PKEY_eq(k, l->want[w]) != 1)
			l->wrong = 1;
		EVP_PKEY_free(k);
	}
	return NULL;
}

/* Four threads loading keys at once, from the first load on (the template
 * is made by whichever thread comes first): each gets its own key. */
static void test_public_fast_path_threads(void **state)
{
	struct loader l[4];
	pthread_t th[4];

	(void)state;
	for (int i = 0; i < 4; i++) {
		memset(&l[i], 0, sizeof(l[i]));
		for (int w = 0; w < 2; w++) {
			assert_int_equal(mayday_key_generate(&l[i].want[w]), MAYDAY_OK);
			pub_pem(l[i].want[w], l[i].pem[w], sizeof(l[i].pem[w]));
		}
	}
	for (int i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&th[i], NULL, load_many, &l[i]), 0);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		assert_false(l[i].wrong);
		EVP_PKEY_free(l[i].want[0]);
		EVP_PKEY_free(l[i].want[1]);
	}
}

static void test_digest_helpers(void **state)
{
	uint8_t d[MAYDAY_DIGEST_LEN];
	char hex[2 * MAYDAY_DIGEST_LEN + 1];

	(void)state;
	mayday_sha256("abc", 3, d);
	mayday_hex(d, sizeof(d), hex);
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	mayday_sha256("", 0, d);
	mayday_hex(d, sizeof(d), hex);
	assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	mayday_sha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56, d);
	mayday_hex(d, sizeof(d), hex);
	assert_string_equal(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	mayday_hex((const uint8_t *)"\x00\xff\x10", 3, hex);
	assert_string_equal(hex, "00ff10");
	mayday_hex(d, 0, hex);
	assert_string_equal(hex, "");

	assert_true(mayday_ct_equal("abcd", "abcd", 4));
	assert_false(mayday_ct_equal("abcd", "abce", 4));
	assert_false(mayday_ct_equal("\x80", "\x00", 1));
	assert_true(mayday_ct_equal("x", "y", 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_private_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_modes_and_replace, setup, teardown),
		cmocka_unit_test_setup_teardown(test_public_sources, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
		cmocka_unit_test(test_public_fast_path_threads),
		cmocka_unit_test(test_public_fast_path),
		cmocka_unit_test(test_public_fast_path_points),
		cmocka_unit_test(test_digest_helpers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Normal code's side of the credential split (device/normal/normal_creds.c,
 * normal_config.c): the bundle the TrE hands over is read from the
 * inherited descriptor (which is closed after) and accepted only whole --
 * a key (or none: the RoT's), the certificate that certifies it, at least
 * one CA, nothing else (a stray key refuses it) -- and the
 * TLS object built from it carries the device certificate (OU
 * MAYDAY_DEVICE_CERT_OU), not the distress one; normal.conf is strict.
 */
#define _GNU_SOURCE /* memfd_create */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/pem.h>

#include "hal/rot.h"
#include "hal/rot_backend.h"
#include "hal/rot_tls_key.h"
#include "mayday/cose.h"
#include "mayday/keys.h"
#include "normal_config.h"
#include "normal_creds.h"
#include "prov_x509.h"
#include "net_tls.h"

/* Every block OpenSSL frees goes through these (set first thing in main),
 * and while `watch` is set is searched for any NEEDLE_LEN characters in a
 * row of a private key's PEM text: a block that still holds some was freed
 * without being cleansed. */
#define NEEDLE_LEN 16
static struct {
	bool watch;
	char text[4096]; /* the key's base64 body, newlines removed */
	size_t text_len;
	int found;
} heap;

static void heap_scan(const unsigned char *p, size_t n)
{
	if (!heap.watch)
		return;
	for (size_t at = 0; at + NEEDLE_LEN <= heap.text_len; at++)
		if (memmem(p, n, heap.text + at, NEEDLE_LEN) != NULL) {
			heap.found++;
			return;
		}
}

static void *hook_malloc(size_t n, const char *file, int line)
{
	size_t *h = malloc(n + 16); /* keeps malloc's 16-byte alignment */

	(void)file;
	(void)line;
	if (h == NULL)
		return NULL;
	h[0] = n;
	return (unsigned char *)h + 16;
}

static void hook_free(void *p, const char *file, int line)
{
	size_t *h;

	(void)file;
	(void)line;
	if (p == NULL)
		return;
	h = (size_t *)((unsigned char *)p - 16);
	heap_scan(p, h[0]);
	free(h);
}

/* Always moves, so the old block is scanned like a freed one. */
static void *hook_realloc(void *p, size_t n, const char *file, int line)
{
	void *q;
	size_t old;

	if (p == NULL)
		return hook_malloc(n, file, line);
	if (n == 0) {
		hook_free(p, file, line);
		return NULL;
	}
	q = hook_malloc(n, file, line);
	if (q == NULL)
		return NULL;
	old = ((size_t *)((unsigned char *)p - 16))[0];
	memcpy(q, p, old < n ? old : n);
	hook_free(p, file, line);
	return q;
}

/* The base64 lines of `key`'s PEM, joined. */
static void heap_watch_key(EVP_PKEY *key)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *text;
	long n;

	assert_non_null(b);
	assert_int_equal(PEM_write_bio_PrivateKey(b, key, NULL, NULL, 0, NULL, NULL), 1);
	n = BIO_get_mem_data(b, &text);
	heap.text_len = 0;
	for (long i = 0; i < n; i++) {
		if (text[i] == '-') { /* a BEGIN or END line */
			while (i < n && text[i] != '\n')
				i++;
		} else if (text[i] != '\n') {
			assert_true(heap.text_len < sizeof(heap.text));
			heap.text[heap.text_len++] = text[i];
		}
	}
	BIO_free(b);
	assert_true(heap.text_len > 4 * NEEDLE_LEN);
	heap.found = 0;
}

struct pki {
	EVP_PKEY *ca_key, *key, *other;
	X509 *ca, *cert;
};

static EVP_PKEY *gen(void)
{
	EVP_PKEY *k = EVP_EC_gen("P-256");

	assert_non_null(k);
	return k;
}

static int setup(void **state)
{
	struct pki *p = calloc(1, sizeof(*p));

	assert_non_null(p);
	p->ca_key = gen();
	p->key = gen();
	p->other = gen();
	assert_int_equal(prov_x509_make_ca(p->ca_key, "test CA", 30, &p->ca), MAYDAY_OK);
	assert_int_equal(prov_x509_issue(p->ca, p->ca_key, p->key, "hnb-7", NULL, PROV_X509_DEVICE,
					 30, &p->cert), MAYDAY_OK);
	*state = p;
	return 0;
}

static int teardown(void **state)
{
	struct pki *p = *state;

	EVP_PKEY_free(p->ca_key);
	EVP_PKEY_free(p->key);
	EVP_PKEY_free(p->other);
	X509_free(p->ca);
	X509_free(p->cert);
	free(p);
	return 0;
}

/* key, cert, n_ca CA certificates, as PEM into buf. */
static size_t bundle(EVP_PKEY *key, X509 *cert, X509 *ca, int n_ca, char *buf, size_t cap)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *text;
	long n;

	assert_non_null(b);
	if (key)
		assert_int_equal(PEM_write_bio_PrivateKey(b, key, NULL, NULL, 0, NULL, NULL), 1);
	if (cert)
		assert_int_equal(PEM_write_bio_X509(b, cert), 1);
	for (int i = 0; i < n_ca; i++)
		assert_int_equal(PEM_write_bio_X509(b, ca), 1);
	n = BIO_get_mem_data(b, &text);
	assert_true(n > 0 && (size_t)n <= cap);
	memcpy(buf, text, (size_t)n);
	BIO_free(b);
	return (size_t)n;
}

static void test_bundle_read_from_descriptor(void **state)
{
	struct pki *p = *state;
	static char buf[16384];
	size_t len = bundle(p->key, p->cert, p->ca, 1, buf, sizeof(buf));
	struct normal_creds c;
	struct net_tls *tls = NULL;
	int fd = memfd_create("creds", 0);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, buf, len), (ssize_t)len);
	assert_int_equal(normal_creds_read(fd, &c), MAYDAY_OK);
	/* closed: nothing this process starts inherits it */
	assert_int_equal(fcntl(fd, F_GETFD), -1);
	assert_int_equal(errno, EBADF);
	assert_int_equal(EVP_PKEY_eq(c.key, p->key), 1);
	assert_non_null(memmem(c.cert_pem, c.cert_len, "BEGIN CERTIFICATE", 17));
	assert_non_null(memmem(c.ca_pem, c.ca_len, "BEGIN CERTIFICATE", 17));
	/* the TLS object of the CWMP client takes a reference of its own */
	assert_int_equal(EVP_PKEY_up_ref(c.key), 1);
	assert_int_equal(net_tls_new("test", c.key, c.cert_pem, c.cert_len, c.ca_pem, c.ca_len,
				     NULL, &tls), MAYDAY_OK);
	net_tls_free(tls);
	normal_creds_free(&c);
	assert_null(c.key);
}

/* The device certificate says what it is: the H(e)MS refuses it for distress. */
static void test_device_certificate_is_marked(void **state)
{
	struct pki *p = *state;
	X509_NAME *name = X509_get_subject_name(p->cert);
	int at = X509_NAME_get_index_by_NID(name, NID_organizationalUnitName, -1);
	X509 *distress = NULL;

	assert_true(at >= 0);
	const ASN1_STRING *ou = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, at));
	assert_int_equal(ASN1_STRING_length(ou), strlen(MAYDAY_DEVICE_CERT_OU));
	assert_memory_equal(ASN1_STRING_get0_data(ou), MAYDAY_DEVICE_CERT_OU,
			    strlen(MAYDAY_DEVICE_CERT_OU));
	/* the DCF's client certificate carries no OU */
	assert_int_equal(prov_x509_issue(p->ca, p->ca_key, p->other, "hnb-7", NULL,
					 PROV_X509_CLIENT, 30, &distress), MAYDAY_OK);
	assert_int_equal(X509_NAME_get_index_by_NID(X509_get_subject_name(distress),
						    NID_organizationalUnitName, -1), -1);
	X509_free(distress);
}

static void test_incomplete_or_foreign_bundles_refused(void **state)
{
	struct pki *p = *state;
	static char buf[HAL_ROT_CREDS_MAX + 16];
	struct normal_creds c;
	size_t len;

	/* no CA: nothing could vouch for the ACS */
	len = bundle(p->key, p->cert, NULL, 0, buf, sizeof(buf));
	assert_int_equal(normal_creds_parse((uint8_t *)buf, len, &c), MAYDAY_E_KEY);
	assert_null(c.key);
	/* a certificate of another key */
	len = bundle(p->other, p->cert, p->ca, 1, buf, sizeof(buf));
	assert_int_equal(normal_creds_parse((uint8_t *)buf, len, &c), MAYDAY_E_KEY);
	/* a key of another curve */
	EVP_PKEY *p384 = EVP_EC_gen("P-384");
	assert_non_null(p384);
	len = bundle(p384, p->cert, p->ca, 1, buf, sizeof(buf));
	assert_int_equal(normal_creds_parse((uint8_t *)buf, len, &c), MAYDAY_E_KEY);
	EVP_PKEY_free(p384);
	/* no key: the RoT holds it (a TPM's); the certificate and CA are
	 * taken, the key left for normal_creds_rot_key */
	len = bundle(NULL, p->cert, p->ca, 1, buf, sizeof(buf));
	assert_int_equal(normal_creds_parse((uint8_t *)buf, len, &c), MAYDAY_OK);
	assert_null(c.key);
	assert_non_null(c.cert_pem);
	assert_non_null(c.ca_pem);
	normal_creds_free(&c);
	/* ... but still a CA, and a P-256 certificate */
	len = bundle(NULL, p->cert, NULL, 0, buf, sizeof(buf));
	assert_int_equal(normal_creds_parse((uint8_t *)buf, len, &c), MAYDAY_E_KEY);
	EVP_PKEY *p384_only = EVP_EC_gen("P-384");
	X509 *p384_cert = NULL;
	assert_int_equal(prov_x509_issue(p->ca, p->ca_key, p384_only, "hnb-7", NULL,
					 PROV_X509_DEVICE, 30, &p384_cert), MAYDAY_OK);
	len = bundle(NULL, p384_cert, p->ca, 1, buf, sizeof(buf));
	assert_int_equal(normal_creds_parse((uint8_t *)buf, len, &c), MAYDAY_E_KEY);
	assert_null(c.cert_pem);
	X509_free(p384_cert);
	EVP_PKEY_free(p384_only);
	/* a key after the certificate is no bundle of either kind: after the
	 * first block (and the certificate) come certificates only */
	{
		size_t n = bundle(NULL, p->cert, NULL, 0, buf, sizeof(buf));

		n += bundle(p->key, NULL, p->ca, 1, buf + n, sizeof(buf) - n);
		assert_int_equal(normal_creds_parse((uint8_t *)buf, n, &c), MAYDAY_E_KEY);
		assert_null(c.key);
		assert_null(c.cert_pem);
		assert_null(c.ca_pem);
		/* ... nor after the CA, nor a second key in the file backend's form */
		n = bundle(NULL, p->cert, p->ca, 1, buf, sizeof(buf));
		n += bundle(p->key, NULL, NULL, 0, buf + n, sizeof(buf) - n);
		assert_int_equal(normal_creds_parse((uint8_t *)buf, n, &c), MAYDAY_E_KEY);
		assert_null(c.cert_pem);
		n = bundle(p->key, p->cert, p->ca, 1, buf, sizeof(buf));
		n += bundle(p->other, NULL, NULL, 0, buf + n, sizeof(buf) - n);
		assert_int_equal(normal_creds_parse((uint8_t *)buf, n, &c), MAYDAY_E_KEY);
		assert_null(c.key);
		/* any other block, or a damaged certificate, likewise */
		n = bundle(NULL, p->cert, p->ca, 1, buf, sizeof(buf));
		static const char other[] = "-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n";
		memcpy(buf + n, other, sizeof(other) - 1);
		assert_int_equal(normal_creds_parse((uint8_t *)buf, n + sizeof(other) - 1, &c),
				 MAYDAY_E_KEY);
		static const char bad[] =
			"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
		memcpy(buf + n, bad, sizeof(bad) - 1);
		assert_int_equal(normal_creds_parse((uint8_t *)buf, n + sizeof(bad) - 1, &c),
				 MAYDAY_E_KEY);
		/* text after the last block is no block: taken as before */
		memcpy(buf + n, "\n# end\n", 7);
		assert_int_equal(normal_creds_parse((uint8_t *)buf, n + 7, &c), MAYDAY_OK);
		normal_creds_free(&c);
		/* a first block that is neither a certificate nor a key */
		memcpy(buf, other, sizeof(other) - 1);
		n = sizeof(other) - 1 + bundle(p->key, p->cert, p->ca, 1, buf + sizeof(other) - 1,
					       sizeof(buf) - sizeof(other) + 1);
		assert_int_equal(normal_creds_parse((uint8_t *)buf, n, &c), MAYDAY_E_KEY);
		assert_null(c.key);
	}
	/* nothing, garbage */
	assert_int_equal(normal_creds_parse((const uint8_t *)"", 0, &c), MAYDAY_E_KEY);
	assert_int_equal(normal_creds_parse((const uint8_t *)"-----BEGIN", 10, &c), MAYDAY_E_KEY);
	/* too many CAs, too many bytes */
	len = bundle(p->key, p->cert, p->ca, 9, buf, sizeof(buf));
	assert_int_equal(normal_creds_parse((uint8_t *)buf, len, &c), MAYDAY_E_TOOBIG);
	memset(buf, 'A', sizeof(buf));
	assert_int_equal(normal_creds_parse((uint8_t *)buf, HAL_ROT_CREDS_MAX + 1, &c),
			 MAYDAY_E_TOOBIG);
	int fd = memfd_create("big", 0);
	assert_int_equal(write(fd, buf, sizeof(buf)), (ssize_t)sizeof(buf));
	assert_int_equal(normal_creds_read(fd, &c), MAYDAY_E_TOOBIG);
	assert_null(c.key);
}

/* The file backend's bundle starts with the private key: deciding the
 * form must not decode it (only the key reader does). OpenSSL's PEM key
 * reader itself leaves pieces of the base64 text in freed memory (its
 * decoding context is freed uncleansed), which is out of our reach; the
 * parse adds none to what that reader alone leaves. */
static void test_key_only_decoded_through_the_secure_path(void **state)
{
	struct pki *p = *state;
	static char buf[16384];
	size_t len = bundle(p->key, p->cert, p->ca, 1, buf, sizeof(buf));
	struct normal_creds c;
	BIO *b = BIO_new_mem_buf(buf, (int)len);
	EVP_PKEY *k;
	int reader;

	assert_non_null(b);
	/* once unwatched first, so what the reader sets up on its first call
	 * is not counted */
	k = PEM_read_bio_PrivateKey(b, NULL, NULL, (void *)"");
	assert_non_null(k);
	EVP_PKEY_free(k);
	BIO_free(b);
	b = BIO_new_mem_buf(buf, (int)len);
	assert_non_null(b);
	heap_watch_key(p->key);
	heap.watch = true;
	k = PEM_read_bio_PrivateKey(b, NULL, NULL, (void *)"");
	heap.watch = false;
	assert_non_null(k);
	EVP_PKEY_free(k);
	BIO_free(b);
	reader = heap.found;
	heap.found = 0;
	heap.watch = true;
	assert_int_equal(normal_creds_parse((uint8_t *)buf, len, &c), MAYDAY_OK);
	heap.watch = false;
	assert_int_equal(EVP_PKEY_eq(c.key, p->key), 1);
	print_message("key text left in freed memory: %d blocks by the key reader, %d by the "
		      "parse\n", reader, heap.found);
	assert_true(heap.found <= reader);
	normal_creds_free(&c);
	/* the scan sees an uncleansed copy of the text (it can fail) */
	char *copy = OPENSSL_malloc(len);
	assert_non_null(copy);
	memcpy(copy, buf, len);
	heap.found = 0;
	heap.watch = true;
	OPENSSL_free(copy);
	heap.watch = false;
	assert_int_equal(heap.found, 1);
}

/* A RoT in the normal role holding the device credentials' key (as the
 * tpm2 backend does), whose signer signs with `signs_with` or refuses (a
 * TPM whose PCR is not normal code's state), counting its signatures. */
struct fake_rot {
	EVP_PKEY *pub; /* the key it hands out: the certificate's */
	struct mayday_signer inner, signer;
	bool refuse;
	int calls;
};

static enum mayday_err fake_sign(void *ctx, const uint8_t *tbs, size_t tbs_len,
				 uint8_t sig[MAYDAY_ES256_SIG_LEN])
{
	struct fake_rot *f = ctx;

	f->calls++;
	return f->refuse ? MAYDAY_E_DENIED : f->inner.sign(f->inner.ctx, tbs, tbs_len, sig);
}

static enum mayday_err fake_creds_tls_key(void *state, EVP_PKEY **out)
{
	struct fake_rot *f = state;

	return rot_tls_key_new(&f->signer, f->pub, out);
}

static void fake_close(void *state)
{
	(void)state;
}

static const struct hal_rot_ops fake_ops = {
	.name = "fake",
	.close = fake_close,
	.creds_tls_key = fake_creds_tls_key,
};

/* normal_creds_rot_key makes one signature with the RoT's key: a RoT that
 * refuses is found there, once (MAYDAY_E_DENIED, no key taken: normal_main
 * logs it and runs without device credentials), not at each handshake. */
static void test_rot_key_signs_once_at_the_start(void **state)
{
	struct pki *p = *state;
	static char buf[16384];
	size_t len = bundle(NULL, p->cert, p->ca, 1, buf, sizeof(buf));
	struct fake_rot f = { .pub = X509_get0_pubkey(p->cert) };
	struct hal_rot *rot = NULL;
	struct normal_creds c;

	assert_int_equal(mayday_signer_from_pkey(&f.inner, p->key, NULL, 0), MAYDAY_OK);
	f.signer.sign = fake_sign;
	f.signer.ctx = &f;
	assert_int_equal(hal_rot_adopt(&rot, &fake_ops, &f, HAL_ROT_ROLE_NORMAL), MAYDAY_OK);
	/* signs: the key is taken, after one signature */
	assert_int_equal(normal_creds_parse((uint8_t *)buf, len, &c), MAYDAY_OK);
	assert_int_equal(normal_creds_rot_key(&c, rot), MAYDAY_OK);
	assert_non_null(c.key);
	assert_int_equal(f.calls, 1);
	normal_creds_free(&c);
	/* refuses: found now, one attempt, no key */
	f.refuse = true;
	f.calls = 0;
	assert_int_equal(normal_creds_parse((uint8_t *)buf, len, &c), MAYDAY_OK);
	assert_int_equal(normal_creds_rot_key(&c, rot), MAYDAY_E_DENIED);
	assert_null(c.key);
	assert_int_equal(f.calls, 1);
	normal_creds_free(&c);
	/* signs, but with another key than the certificate's */
	f.refuse = false;
	f.calls = 0;
	assert_int_equal(mayday_signer_from_pkey(&f.inner, p->other, NULL, 0), MAYDAY_OK);
	assert_int_equal(normal_creds_parse((uint8_t *)buf, len, &c), MAYDAY_OK);
	assert_int_equal(normal_creds_rot_key(&c, rot), MAYDAY_E_KEY);
	assert_null(c.key);
	assert_int_equal(f.calls, 1);
	normal_creds_free(&c);
	hal_rot_close(rot);
}

static void test_config(void **state)
{
	struct normal_config cfg;
	struct normal_config_error err;
	static const char full[] =
		"# comment\n[cwmp]\ntimeout_ms = 2500\nmax_image_size = 1048576\n"
		"pin_sha256 = 00112233445566778899aabbccddeeff00112233445566778899AABBCCDDEEFF\n"
		"[device]\ndcf_version = 1.2.3\n";
	(void)state;

	assert_int_equal(normal_config_parse("", 0, &cfg, &err), MAYDAY_OK);
	assert_int_equal(cfg.timeout_ms, 10000);
	assert_false(cfg.pin_set);
	assert_string_equal(cfg.dcf_version, "unknown");
	assert_int_equal(normal_config_parse(full, sizeof(full) - 1, &cfg, &err), MAYDAY_OK);
	assert_int_equal(cfg.timeout_ms, 2500);
	assert_int_equal(cfg.max_image_size, 1048576);
	assert_true(cfg.pin_set);
	assert_int_equal(cfg.pin_sha256[31], 0xff);
	assert_string_equal(cfg.dcf_version, "1.2.3");
#define BAD(text, where)                                                                      \
	do {                                                                                \
		assert_int_equal(normal_config_parse(text, strlen(text), &cfg, &err),        \
				 MAYDAY_E_INVALID);                                         \
		assert_non_null(err.what);                                                  \
		assert_string_equal(err.key, where);                                        \
	} while (0)
	BAD("[cwmp]\ntimeout_ms = 99\n", "cwmp.timeout_ms");
	BAD("[cwmp]\ntimeout_ms = 600001\n", "cwmp.timeout_ms");
	BAD("[cwmp]\ntimeout_ms = 1000\ntimeout_ms = 2000\n", "cwmp.timeout_ms");
	BAD("[cwmp]\ntimeout_ms = -5\n", "cwmp.timeout_ms");
	BAD("[cwmp]\npin_sha256 = 0011\n", "cwmp.pin_sha256");
	BAD("[cwmp]\nmax_image_size = 0\n", "cwmp.max_image_size");
	BAD("[cwmp]\nca = operator-ca.pem\n", "cwmp.ca"); /* no trust anchors here */
	BAD("[dcf]\nversion = 1\n", "dcf.version");
	BAD("[device]\ndcf_version = a b\n", "device.dcf_version");
	assert_int_equal(normal_config_parse("[cwmp\n", 6, &cfg, &err), MAYDAY_E_INVALID);
	assert_int_equal(normal_config_parse("a\0b", 3, &cfg, &err), MAYDAY_E_INVALID);
	static char big[NORMAL_CONFIG_MAX + 1];
	memset(big, '#', sizeof(big));
	assert_int_equal(normal_config_parse(big, sizeof(big), &cfg, &err), MAYDAY_E_TOOBIG);
}

int main(void)
{
	/* before OpenSSL allocates anything */
	if (CRYPTO_set_mem_functions(hook_malloc, hook_realloc, hook_free) != 1)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bundle_read_from_descriptor),
		cmocka_unit_test(test_device_certificate_is_marked),
		cmocka_unit_test(test_incomplete_or_foreign_bundles_refused),
		cmocka_unit_test(test_key_only_decoded_through_the_secure_path),
		cmocka_unit_test(test_rot_key_signs_once_at_the_start),
		cmocka_unit_test(test_config),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

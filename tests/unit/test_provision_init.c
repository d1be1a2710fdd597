/* SPDX-License-Identifier: Apache-2.0 */
/* `mayday-provision init` and the command line: the PKI's keys and
 * certificates (two H(e)MS keys: one for acknowledgements, one for the TLS
 * server), the KEK and the CRL, file and directory modes under any umask,
 * its protection against overwriting, usage exit codes; `revoke`. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "mayday/keys.h"
#include "test_provision_util.h"

static X509 *load_cert(const char *dir, const char *name)
{
	char path[TP_PATH_MAX];
	FILE *f;
	X509 *c;

	tp_path(path, dir, NULL, name);
	f = fopen(path, "r");
	assert_non_null(f);
	c = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	assert_non_null(c);
	return c;
}

static void test_init_creates_pki(void **state)
{
	struct tp_world w;
	static const char *const private_keys[] = { "vendor.key.pem", "operator-ca.key.pem",
						    "hems.key.pem", "hems-tls.key.pem" };
	char path[TP_PATH_MAX];
	struct stat st;
	EVP_PKEY *k = NULL, *hems_pub = NULL, *hems_key = NULL, *tls_key = NULL;
	(void)state;

	/* Under umask 0 nothing secret may come out readable by others. */
	mode_t old_umask = umask(0);
	tp_world_init(&w, 1, 0);
	umask(old_umask);
	assert_int_equal(stat(w.pki, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	tp_path(path, w.pki, NULL, "devices");
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	tp_path(path, w.pki, NULL, "psk.kek");
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(st.st_size, 32);
	for (size_t i = 0; i < 4; i++) {
		tp_path(path, w.pki, NULL, private_keys[i]);
		assert_int_equal(stat(path, &st), 0);
		assert_int_equal(st.st_mode & 0777, 0600);
		assert_int_equal(mayday_key_load_private(path, &k), MAYDAY_OK);
		EVP_PKEY_free(k);
		k = NULL;
	}
	tp_path(path, w.pki, NULL, "vendor.pub.pem");
	assert_int_equal(mayday_key_load_public(path, &k), MAYDAY_OK);
	EVP_PKEY_free(k);

	X509 *ca = load_cert(w.pki, "operator-ca.pem");
	X509 *hems = load_cert(w.pki, "hems-tls.pem");
	/* The CA is self-signed and a CA; the H(e)MS certificate chains to it. */
	assert_int_equal(X509_check_issued(ca, ca), X509_V_OK);
	assert_int_equal(X509_check_ca(ca), 1);
	assert_int_equal(X509_check_ca(hems), 0);
	X509_STORE *store = X509_STORE_new();
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	assert_int_equal(X509_STORE_add_cert(store, ca), 1);
	assert_int_equal(X509_STORE_CTX_init(ctx, store, hems, NULL), 1);
	X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_SSL_SERVER);
	assert_int_equal(X509_verify_cert(ctx), 1);
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(store);
	/* SAN: DNS:hems.mayday.test and IP:127.0.0.1, nothing for other names */
	assert_int_equal(X509_check_host(hems, "hems.mayday.test", 0, 0, NULL), 1);
	assert_int_equal(X509_check_ip_asc(hems, "127.0.0.1", 0), 1);
	assert_int_not_equal(X509_check_host(hems, "evil.example", 0, 0, NULL), 1);
	assert_int_not_equal(X509_check_ip_asc(hems, "127.0.0.2", 0), 1);
	/* hems.pub.pem and hems.key.pem are the acknowledgement key pair;
	 * hems-tls.key.pem and hems-tls.pem the TLS server's: another key. */
	tp_path(path, w.pki, NULL, "hems.pub.pem");
	assert_int_equal(mayday_key_load_public(path, &hems_pub), MAYDAY_OK);
	tp_path(path, w.pki, NULL, "hems.key.pem");
	assert_int_equal(mayday_key_load_private(path, &hems_key), MAYDAY_OK);
	tp_path(path, w.pki, NULL, "hems-tls.key.pem");
	assert_int_equal(mayday_key_load_private(path, &tls_key), MAYDAY_OK);
	assert_int_equal(EVP_PKEY_eq(hems_key, hems_pub), 1);
	assert_int_equal(EVP_PKEY_eq(tls_key, X509_get0_pubkey(hems)), 1);
	assert_int_not_equal(EVP_PKEY_eq(hems_pub, X509_get0_pubkey(hems)), 1);
	/* An acknowledgement signed with the ack key verifies with hems.pub.pem,
	 * one signed with the TLS key does not. */
	static const uint8_t msg[] = "ack";
	uint8_t sig[128];
	size_t sig_len;
	for (int i = 0; i < 2; i++) {
		EVP_PKEY *signer = i == 0 ? hems_key : tls_key;
		EVP_MD_CTX *md = EVP_MD_CTX_new();
		sig_len = sizeof(sig);
		assert_int_equal(EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, signer), 1);
		assert_int_equal(EVP_DigestSign(md, sig, &sig_len, msg, sizeof(msg)), 1);
		EVP_MD_CTX_free(md);
		md = EVP_MD_CTX_new();
		assert_int_equal(EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, hems_pub), 1);
		assert_int_equal(EVP_DigestVerify(md, sig, sig_len, msg, sizeof(msg)), i == 0 ? 1 : 0);
		EVP_MD_CTX_free(md);
	}
	/* The CRL: the CA's, signed by it, empty. */
	tp_path(path, w.pki, NULL, "operator-ca.crl.pem");
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	X509_CRL *crl = PEM_read_X509_CRL(f, NULL, NULL, NULL);
	fclose(f);
	assert_non_null(crl);
	assert_int_equal(X509_CRL_verify(crl, X509_get0_pubkey(ca)), 1);
	assert_true(sk_X509_REVOKED_num(X509_CRL_get_REVOKED(crl)) <= 0);   /* none: NULL or empty */
	X509_CRL_free(crl);
	EVP_PKEY_free(hems_pub);
	EVP_PKEY_free(hems_key);
	EVP_PKEY_free(tls_key);
	X509_free(ca);
	X509_free(hems);
	tp_world_free(&w);
}

static void test_init_refuses_overwrite(void **state)
{
	struct tp_world w;
	char path[TP_PATH_MAX];
	uint8_t before[MAYDAY_DIGEST_LEN], after[MAYDAY_DIGEST_LEN];
	uint64_t size;
	(void)state;

	tp_world_init(&w, 1, 0);
	tp_path(path, w.pki, NULL, "vendor.key.pem");
	tp_digest(path, before, &size);
	assert_int_equal(tp_provision("init", "--pki", w.pki, NULL), 1);
	tp_digest(path, after, &size);
	assert_memory_equal(before, after, MAYDAY_DIGEST_LEN);

	assert_int_equal(tp_provision("init", "--pki", w.pki, "--force", NULL), 0);
	tp_digest(path, after, &size);
	assert_memory_not_equal(before, after, MAYDAY_DIGEST_LEN);
	tp_world_free(&w);
}

static X509_CRL *load_crl(const char *pki)
{
	char path[TP_PATH_MAX];
	tp_path(path, pki, NULL, "operator-ca.crl.pem");
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	X509_CRL *crl = PEM_read_X509_CRL(f, NULL, NULL, NULL);
	fclose(f);
	assert_non_null(crl);
	return crl;
}

/* `revoke --device ID` lists the device's certificate on the CA's CRL,
 * once however often it is revoked; a certificate of another CA is not
 * this CA's to revoke. */
static void test_revoke(void **state)
{
	struct tp_world w;
	char path[TP_PATH_MAX], name[64];
	X509_REVOKED *rev = NULL;
	(void)state;

	tp_world_init(&w, 1, 1);
	snprintf(name, sizeof(name), "%s.pem", TP_DEVICE_ID);
	X509 *dev = load_cert(w.pki, "devices/" TP_DEVICE_ID ".pem");
	X509 *ca = load_cert(w.pki, "operator-ca.pem");
	X509_CRL *crl = load_crl(w.pki);
	assert_int_not_equal(X509_CRL_get0_by_cert(crl, &rev, dev), 1);
	X509_CRL_free(crl);
	assert_int_equal(tp_provision("revoke", "--pki", w.pki, "--device", TP_DEVICE_ID, NULL), 0);
	assert_int_equal(tp_provision("revoke", "--pki", w.pki, "--device", TP_DEVICE_ID, NULL), 0);
	crl = load_crl(w.pki);
	assert_int_equal(X509_CRL_verify(crl, X509_get0_pubkey(ca)), 1);
	assert_int_equal(X509_CRL_get0_by_cert(crl, &rev, dev), 1);
	assert_int_equal(sk_X509_REVOKED_num(X509_CRL_get_REVOKED(crl)), 1);
	ASN1_INTEGER *num = X509_CRL_get_ext_d2i(crl, NID_crl_number, NULL, NULL);
	assert_int_equal(ASN1_INTEGER_get(num), 3);   /* init, then two revocations */
	ASN1_INTEGER_free(num);
	X509_CRL_free(crl);

	/* The TLS server's certificate is this CA's too; the CA itself is not
	 * issued by itself as a leaf, a missing device is an error. */
	tp_path(path, w.pki, NULL, "hems-tls.pem");
	assert_int_equal(tp_provision("revoke", "--pki", w.pki, "--cert", path, NULL), 0);
	assert_int_equal(tp_provision("revoke", "--pki", w.pki, "--device", "nobody", NULL), 1);
	struct tp_world other;
	tp_world_init(&other, 1, 0);
	tp_path(path, other.pki, NULL, "hems-tls.pem");
	assert_int_equal(tp_provision("revoke", "--pki", w.pki, "--cert", path, NULL), 1);
	assert_int_equal(tp_provision("revoke", "--pki", w.pki, NULL), 2);
	assert_int_equal(tp_provision("revoke", "--pki", w.pki, "--device", TP_DEVICE_ID,
				      "--cert", path, NULL), 2);
	crl = load_crl(w.pki);
	assert_int_equal(sk_X509_REVOKED_num(X509_CRL_get_REVOKED(crl)), 2);
	X509_CRL_free(crl);
	X509_free(dev);
	X509_free(ca);
	tp_world_free(&other);
	tp_world_free(&w);
}

static void test_usage_exit_codes(void **state)
{
	(void)state;
	assert_int_equal(tp_provision(NULL, NULL), 2);
	assert_int_equal(tp_provision("--help", NULL), 0);
	assert_int_equal(tp_provision("bogus", NULL), 2);
	assert_int_equal(tp_provision("init", NULL), 2);
	assert_int_equal(tp_provision("init", "--pki", NULL), 2);
	assert_int_equal(tp_provision("init", "--pki", "/tmp/x", "extra", NULL), 2);
	assert_int_equal(tp_provision("device", "--pki", "/tmp/x", NULL), 2);
	assert_int_equal(tp_provision("device", "--pki", "p", "--out", "o", "--id", "i",
				      "--class", "c", "--hems", "udp:127.0.0.1:1", "--dcf-bin", "d",
				      "--normal-bin", "n", "--components", "0", NULL), 2);
	assert_int_equal(tp_provision("device", "--pki", "p", "--out", "o", "--id", "../x",
				      "--class", "c", "--hems", "udp:127.0.0.1:1", "--dcf-bin", "d",
				      "--normal-bin", "n", NULL), 2);
	assert_int_equal(tp_provision("device", "--pki", "p", "--out", "o", "--id", "i",
				      "--class", "c", "--hems", "tcp:127.0.0.1:1", "--dcf-bin", "d",
				      "--normal-bin", "n", NULL), 2);
	assert_int_equal(tp_provision("tamper", "--device", "d", "--what", "everything", NULL), 2);
	assert_int_equal(tp_provision("tamper", "--what", "dcf", NULL), 2);
	/* Not usage errors, but failures: a missing PKI. */
	assert_int_equal(tp_provision("device", "--pki", "/nonexistent/pki", "--out",
				      "/nonexistent/dev", "--id", "i", "--class", "c", "--hems",
				      "udp:127.0.0.1:1", "--dcf-bin", "d", "--normal-bin", "n", NULL),
			 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_creates_pki),
		cmocka_unit_test(test_init_refuses_overwrite),
		cmocka_unit_test(test_revoke),
		cmocka_unit_test(test_usage_exit_codes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

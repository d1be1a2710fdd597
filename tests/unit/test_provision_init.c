/* `mayday-provision init` and the command line: the PKI's keys and
 * certificates, its protection against overwriting, usage exit codes. */
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
						    "hems.key.pem" };
	char path[TP_PATH_MAX];
	struct stat st;
	EVP_PKEY *k = NULL, *hems_pub = NULL, *hems_key = NULL;
	(void)state;

	tp_world_init(&w, 1, 0);
	for (size_t i = 0; i < 3; i++) {
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
	X509 *hems = load_cert(w.pki, "hems.pem");
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
	/* hems.pub.pem, hems.key.pem and hems.pem name the same key */
	tp_path(path, w.pki, NULL, "hems.pub.pem");
	assert_int_equal(mayday_key_load_public(path, &hems_pub), MAYDAY_OK);
	tp_path(path, w.pki, NULL, "hems.key.pem");
	assert_int_equal(mayday_key_load_private(path, &hems_key), MAYDAY_OK);
	assert_int_equal(EVP_PKEY_eq(hems_pub, X509_get0_pubkey(hems)), 1);
	assert_int_equal(EVP_PKEY_eq(hems_key, hems_pub), 1);
	EVP_PKEY_free(hems_pub);
	EVP_PKEY_free(hems_key);
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
		cmocka_unit_test(test_usage_exit_codes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* `mayday-provision device`: the device it makes verifies (manifests with the
 * vendor key, every file against its TRV), its RoT holds the right identity,
 * anchors and key, its dcf.conf is what the DCF accepts, and enrolment works. */
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

#include "dcf_config.h"
#include "hal/flash.h"
#include "hal/rot.h"
#include "mayday/keys.h"
#include "store_query.h"
#include "test_provision_util.h"

static void assert_mode(const char *dev, const char *part, const char *name, unsigned mode)
{
	char path[TP_PATH_MAX];
	struct stat st;

	tp_path(path, dev, part, name);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, mode);
}

static void assert_same_file(const char *a, const char *b)
{
	uint8_t da[MAYDAY_DIGEST_LEN], db[MAYDAY_DIGEST_LEN];
	uint64_t sa, sb;

	tp_digest(a, da, &sa);
	tp_digest(b, db, &sb);
	assert_true(sa == sb);
	assert_memory_equal(da, db, MAYDAY_DIGEST_LEN);
}

static void test_dcf_partition(void **state)
{
	struct tp_world w;
	struct mayday_manifest m;
	char path[TP_PATH_MAX];
	static const char *const files[] = { "mayday-dcf", "dcf.conf", "hems.pub.pem",
					     "dcf-cert.pem" };
	(void)state;

	tp_world_init(&w, 1, 1);
	assert_int_equal(tp_manifest(w.dev, "dcf", w.vendor_pub, &m), MAYDAY_OK);
	assert_int_equal(m.kind, MAYDAY_MANIFEST_DCF);
	assert_string_equal(m.entry, "mayday-dcf");
	assert_string_equal(m.product_class, TP_CLASS);
	assert_int_equal(m.n_trv, 4);
	for (size_t i = 0; i < 4; i++) {
		const struct mayday_trv *t = mayday_manifest_find(&m, files[i]);
		assert_non_null(t);
		assert_true(t->designated);
		assert_true(tp_trv_matches(w.dev, "dcf", t));
	}
	assert_mode(w.dev, "dcf", "mayday-dcf", 0755);
	tp_path(path, w.dev, "dcf", "mayday-dcf");
	assert_same_file(path, DCF_BIN);

	/* dcf.conf is one the DCF accepts, naming the H(e)MS given */
	size_t len = 0;
	struct dcf_config cfg;
	struct dcf_config_error err;
	tp_path(path, w.dev, "dcf", "dcf.conf");
	uint8_t *conf = tp_read(path, &len);
	assert_non_null(conf);
	assert_int_equal(dcf_config_parse((const char *)conf, len, &cfg, &err), MAYDAY_OK);
	free(conf);
	assert_string_equal(cfg.udp.host, "127.0.0.1");
	assert_int_equal(cfg.udp.port, 7701);
	assert_string_equal(cfg.product_class, TP_CLASS);
	assert_string_equal(cfg.methods[0], "plain-udp");

	/* A manifest does not verify with another key. */
	EVP_PKEY *other = NULL;
	assert_int_equal(mayday_key_generate(&other), MAYDAY_OK);
	assert_int_equal(tp_manifest(w.dev, "dcf", other, &m), MAYDAY_E_SIGNATURE);
	EVP_PKEY_free(other);
	tp_world_free(&w);
}

static void test_slot_a(void **state)
{
	struct tp_world w;
	struct mayday_manifest m;
	char path[TP_PATH_MAX];
	(void)state;

	tp_world_init(&w, 1, 1);
	assert_int_equal(tp_manifest(w.dev, "slot_a", w.vendor_pub, &m), MAYDAY_OK);
	assert_int_equal(m.kind, MAYDAY_MANIFEST_IMAGE);
	assert_string_equal(m.image_version, "2.1.0");
	assert_int_equal(m.rollback, 3);
	assert_string_equal(m.entry, "normal");
	assert_int_equal(m.n_trv, 5);
	for (int i = 0; i < 3; i++) {
		char name[32];
		snprintf(name, sizeof(name), "comp-%d.bin", i);
		const struct mayday_trv *t = mayday_manifest_find(&m, name);
		assert_non_null(t);
		assert_true(t->designated);
		assert_int_equal(t->size, 5000);
		assert_true(tp_trv_matches(w.dev, "slot_a", t));
	}
	/* pseudo-random: no two components alike */
	assert_memory_not_equal(mayday_manifest_find(&m, "comp-0.bin")->digest,
				mayday_manifest_find(&m, "comp-1.bin")->digest, MAYDAY_DIGEST_LEN);
	const struct mayday_trv *t = mayday_manifest_find(&m, "normal");
	assert_non_null(t);
	assert_true(t->designated);
	assert_true(tp_trv_matches(w.dev, "slot_a", t));
	assert_mode(w.dev, "slot_a", "normal", 0755);
	tp_path(path, w.dev, "slot_a", "normal");
	assert_same_file(path, w.normal);
	t = mayday_manifest_find(&m, "notes.txt");
	assert_non_null(t);
	assert_false(t->designated);
	assert_true(tp_trv_matches(w.dev, "slot_a", t));
	tp_world_free(&w);
}

static void test_rot(void **state)
{
	struct tp_world w;
	struct hal_flash *f = NULL;
	struct hal_rot *rot = NULL;
	char id[MAYDAY_DEVICE_ID_MAX + 1], path[TP_PATH_MAX];
	uint64_t v = 99;
	EVP_PKEY *anchor = NULL, *hems = NULL, *device = NULL;
	struct mayday_signer signer;
	uint8_t msg[512];
	size_t len = 0;
	struct mayday_cose_sign1 cose;
	struct mayday_diag diag;
	(void)state;

	tp_world_init(&w, 1, 1);
	assert_int_equal(hal_flash_open(&f, w.dev, "host"), MAYDAY_OK);
	assert_int_equal(hal_rot_open(&rot, "file", f), MAYDAY_OK);
	assert_int_equal(hal_rot_device_id(rot, id), MAYDAY_OK);
	assert_string_equal(id, TP_DEVICE_ID);
	assert_int_equal(hal_rot_counter_read(rot, HAL_ROT_COUNTER_MESSAGE, &v), MAYDAY_OK);
	assert_int_equal(v, 0);
	assert_int_equal(hal_rot_anchor(rot, HAL_ROT_ANCHOR_VENDOR, &anchor), MAYDAY_OK);
	assert_int_equal(EVP_PKEY_eq(anchor, w.vendor_pub), 1);
	EVP_PKEY_free(anchor);
	tp_path(path, w.pki, NULL, "hems.pub.pem");
	assert_int_equal(mayday_key_load_public(path, &hems), MAYDAY_OK);
	assert_int_equal(hal_rot_anchor(rot, HAL_ROT_ANCHOR_HEMS, &anchor), MAYDAY_OK);
	assert_int_equal(EVP_PKEY_eq(anchor, hems), 1);
	EVP_PKEY_free(anchor);

	/* The RoT's key is the one left for enrolment in PKI/devices/ and
	 * certified in dcf-cert.pem. */
	tp_path(path, w.pki, "devices", TP_DEVICE_ID ".pub.pem");
	assert_int_equal(mayday_key_load_public(path, &device), MAYDAY_OK);
	assert_int_equal(hal_rot_signer(rot, &signer), MAYDAY_OK);
	assert_int_equal(mayday_cose_sign1_encode(&signer, (const uint8_t *)"hello", 5, msg,
						  sizeof(msg), &len), MAYDAY_OK);
	assert_int_equal(mayday_cose_sign1_decode(msg, len, sizeof(msg), &cose, &diag), MAYDAY_OK);
	assert_int_equal(mayday_cose_sign1_verify(&cose, device), MAYDAY_OK);
	assert_int_equal(mayday_cose_sign1_verify(&cose, hems), MAYDAY_E_SIGNATURE);

	tp_path(path, w.dev, "dcf", "dcf-cert.pem");
	FILE *fp = fopen(path, "r");
	assert_non_null(fp);
	X509 *cert = PEM_read_X509(fp, NULL, NULL, NULL);
	fclose(fp);
	assert_non_null(cert);
	assert_int_equal(EVP_PKEY_eq(X509_get0_pubkey(cert), device), 1);
	tp_path(path, w.pki, NULL, "operator-ca.pem");
	fp = fopen(path, "r");
	assert_non_null(fp);
	X509 *ca = PEM_read_X509(fp, NULL, NULL, NULL);
	fclose(fp);
	assert_non_null(ca);
	assert_int_equal(X509_verify(cert, X509_get0_pubkey(ca)), 1);
	X509_free(cert);
	X509_free(ca);

	EVP_PKEY_free(device);
	EVP_PKEY_free(hems);
	hal_rot_close(rot);
	hal_flash_close(f);
	tp_world_free(&w);
}

static void test_refuses_existing_device(void **state)
{
	struct tp_world w;
	struct mayday_manifest before, after;
	(void)state;

	tp_world_init(&w, 1, 1);
	assert_int_equal(tp_manifest(w.dev, "slot_a", w.vendor_pub, &before), MAYDAY_OK);
	assert_int_equal(tp_provision("device", "--pki", w.pki, "--out", w.dev, "--id", "other",
				      "--class", TP_CLASS, "--hems", "udp:127.0.0.1:7701",
				      "--dcf-bin", DCF_BIN, "--normal-bin", w.normal, NULL), 1);
	assert_int_equal(tp_manifest(w.dev, "slot_a", w.vendor_pub, &after), MAYDAY_OK);
	assert_memory_equal(before.trv[0].digest, after.trv[0].digest, MAYDAY_DIGEST_LEN);
	tp_world_free(&w);
}

static void test_bad_hems_leaves_nothing(void **state)
{
	struct tp_world w;
	struct stat st;
	(void)state;

	tp_world_init(&w, 1, 0);
	/* a name, not an address: the DCF would reject it, so no device is made */
	assert_int_equal(tp_provision("device", "--pki", w.pki, "--out", w.dev, "--id", "x",
				      "--class", TP_CLASS, "--hems", "udp:hems.example:7701",
				      "--dcf-bin", DCF_BIN, "--normal-bin", w.normal, NULL), 1);
	assert_int_not_equal(stat(w.dev, &st), 0);
	assert_int_equal(tp_provision("device", "--pki", w.pki, "--out", w.dev, "--id", "x",
				      "--class", TP_CLASS, "--hems", "udp:127.0.0.1:7701",
				      "--dcf-bin", "/nonexistent/mayday-dcf", "--normal-bin",
				      w.normal, NULL), 1);
	assert_int_not_equal(stat(w.dev, &st), 0);
	tp_world_free(&w);
}

static void test_ipv6_and_enrol(void **state)
{
	struct tp_world w;
	char db[TP_PATH_MAX], spec[TP_PATH_MAX + 16], path[TP_PATH_MAX];
	struct store *st = NULL;
	struct store_device_row row;
	struct dcf_config cfg;
	struct dcf_config_error err;
	size_t len = 0;
	(void)state;

	tp_world_init(&w, 1, 0);
	tp_path(db, w.root, NULL, "mayday.db");
	snprintf(spec, sizeof(spec), "sqlite:%s", db);
	assert_int_equal(tp_provision("device", "--pki", w.pki, "--out", w.dev, "--id", "femto-v6",
				      "--class", "femto-b", "--hems", "udp:[::1]:7702",
				      "--dcf-bin", DCF_BIN, "--normal-bin", w.normal,
				      "--components", "1", "--enrol", spec, NULL), 0);
	tp_path(path, w.dev, "dcf", "dcf.conf");
	uint8_t *conf = tp_read(path, &len);
	assert_non_null(conf);
	assert_int_equal(dcf_config_parse((const char *)conf, len, &cfg, &err), MAYDAY_OK);
	free(conf);
	assert_string_equal(cfg.udp.host, "::1");
	assert_int_equal(cfg.udp.port, 7702);

	assert_int_equal(store_open(&st, spec), MAYDAY_OK);
	assert_int_equal(store_get_device(st, "femto-v6", &row), MAYDAY_OK);
	assert_string_equal(row.product_class, "femto-b");
	assert_int_equal(store_get_device(st, "femto-other", &row), MAYDAY_E_NOTFOUND);
	store_close(st);
	tp_world_free(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dcf_partition),
		cmocka_unit_test(test_slot_a),
		cmocka_unit_test(test_rot),
		cmocka_unit_test(test_refuses_existing_device),
		cmocka_unit_test(test_bad_hems_leaves_nothing),
		cmocka_unit_test(test_ipv6_and_enrol),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: Apache-2.0 */
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
#include <unistd.h>
#include <openssl/crypto.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "dcf_config.h"
#include "hal/flash.h"
#include "hal/rot.h"
#include "mayday/build_record.h"
#include "mayday/evidence.h"
#include "mayday/keys.h"
#include "mayday_version.h"
#include "normal_config.h"
#include "normal_creds.h"
#include "store_ingest.h"
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
					     "dcf-cert.pem", "operator-ca.pem" };
	(void)state;

	tp_world_init(&w, 1, 1);
	assert_int_equal(tp_manifest(w.dev, "dcf", w.vendor_pub, &m), MAYDAY_OK);
	assert_int_equal(m.kind, MAYDAY_MANIFEST_DCF);
	assert_string_equal(m.entry, "mayday-dcf");
	assert_string_equal(m.product_class, TP_CLASS);
	assert_int_equal(m.n_trv, 5);
	for (size_t i = 0; i < 5; i++) {
		const struct mayday_trv *t = mayday_manifest_find(&m, files[i]);
		assert_non_null(t);
		assert_true(t->designated);
		assert_true(tp_trv_matches(w.dev, "dcf", t));
	}
	assert_mode(w.dev, "dcf", "mayday-dcf", 0755);
	tp_path(path, w.dev, "dcf", "mayday-dcf");
	assert_same_file(path, DCF_BIN);

	/* The DCF's build record (mayday/build_record.h) is in the signed
	 * manifest, as the executable carries it. */
	size_t bin_len = 0;
	uint8_t *bin = tp_read(DCF_BIN, &bin_len);
	struct mayday_build_record rec;
	assert_non_null(bin);
	assert_int_equal(mayday_build_record_find(bin, bin_len, &rec), MAYDAY_OK);
	free(bin);
	assert_true(mayday_build_commit_ok(m.build_commit));
	assert_string_equal(m.build_commit, rec.commit);
	assert_string_equal(m.build_toolchain, rec.toolchain);

	/* dcf.conf is one the DCF accepts, naming the H(e)MS given */
	size_t len = 0;
	struct dcf_config cfg;
	struct dcf_config_error err;
	tp_path(path, w.dev, "dcf", "dcf.conf");
	uint8_t *conf = tp_read(path, &len);
	assert_non_null(conf);
	assert_int_equal(dcf_config_parse((const char *)conf, len, &cfg, &err), MAYDAY_OK);
	free(conf);
	assert_string_equal(cfg.udp_endpoint.host, "127.0.0.1");
	assert_int_equal(cfg.udp_endpoint.port, 7701);
	assert_string_equal(cfg.product_class, TP_CLASS);
	assert_int_equal(cfg.n_methods, 1);
	assert_string_equal(cfg.methods[0], "plain-udp");
	assert_int_equal(cfg.reannounce_s, 0);
	/* the operator CA the DCF trusts for TLS is the PKI's */
	char pki_ca[TP_PATH_MAX];
	tp_path(path, w.dev, "dcf", "operator-ca.pem");
	tp_path(pki_ca, w.pki, NULL, "operator-ca.pem");
	assert_same_file(path, pki_ca);

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

	/* Made under umask 0: the RoT's secrets are still 0600 in 0700
	 * directories, as is the device directory. */
	mode_t old_umask = umask(0);
	tp_world_init(&w, 1, 1);
	umask(old_umask);
	struct stat st;
	assert_int_equal(stat(w.dev, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	tp_path(path, w.dev, NULL, "rot");
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	static const char *const rot_secrets[] = {"distress.key.pem", "psk", "psk_kid",
						  "seal.key", "device-creds.sealed"};
	for (size_t i = 0; i < sizeof(rot_secrets) / sizeof(rot_secrets[0]); i++)
		assert_mode(w.dev, "rot", rot_secrets[i], 0600);
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
	/* ... and the public key the RoT stores as provisioned, which every
	 * start-up checks the key against (docs/rot.md). */
	tp_path(path, w.dev, "rot", "distress.pub.pem");
	assert_int_equal(mayday_key_load_public(path, &anchor), MAYDAY_OK);
	assert_int_equal(EVP_PKEY_eq(anchor, device), 1);
	EVP_PKEY_free(anchor);
	assert_int_equal(hal_rot_distress_public(rot, &anchor), MAYDAY_OK);
	assert_int_equal(EVP_PKEY_eq(anchor, device), 1);
	EVP_PKEY_free(anchor);
	assert_int_equal(hal_rot_self_test(rot), MAYDAY_OK);

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

/* Normal code's device credentials: sealed in the RoT, released only to
 * the register value of a verified start-up, a key of their own (not the
 * distress key), certified by the operator CA as the device with the
 * device-credentials OU; and normal code's own normal.conf. */
static void test_device_credentials(void **state)
{
	struct tp_world w;
	struct hal_flash *f = NULL;
	struct hal_rot *rot = NULL;
	struct normal_creds c;
	struct normal_config cfg;
	struct normal_config_error cerr;
	uint8_t ev[HAL_ROT_REG_LEN];
	static uint8_t buf[HAL_ROT_CREDS_MAX];
	EVP_PKEY *distress = NULL;
	char path[TP_PATH_MAX];
	size_t len = 0;
	(void)state;

	tp_world_init(&w, 1, 1);
	assert_int_equal(hal_flash_open(&f, w.dev, "host"), MAYDAY_OK);
	/* a failed start-up: nothing */
	assert_int_equal(hal_rot_open_role(&rot, "file", f, HAL_ROT_ROLE_TRE), MAYDAY_OK);
	hal_rot_event_failed(MAYDAY_REASON_COMPONENT_MISMATCH, ev);
	assert_int_equal(hal_rot_extend(rot, ev), MAYDAY_OK);
	assert_int_equal(hal_rot_unseal_creds(rot, buf, sizeof(buf), &len), MAYDAY_E_SIGNATURE);
	hal_rot_close(rot);
	/* a verified one: the bundle */
	assert_int_equal(hal_rot_open_role(&rot, "file", f, HAL_ROT_ROLE_TRE), MAYDAY_OK);
	assert_int_equal(hal_rot_event_verified(w.vendor_pub, ev), MAYDAY_OK);
	assert_int_equal(hal_rot_extend(rot, ev), MAYDAY_OK);
	assert_int_equal(hal_rot_unseal_creds(rot, buf, sizeof(buf), &len), MAYDAY_OK);
	assert_int_equal(normal_creds_parse(buf, len, &c), MAYDAY_OK);
	assert_int_equal(hal_rot_distress_public(rot, &distress), MAYDAY_OK);
	assert_int_equal(EVP_PKEY_eq(c.key, distress), 0); /* its own key */
	assert_non_null(memmem(c.cert_pem, c.cert_len, "BEGIN CERTIFICATE", 17));
	tp_path(path, w.pki, NULL, "operator-ca.pem");
	uint8_t *ca = tp_read(path, &len);
	assert_non_null(ca);
	assert_int_equal(c.ca_len, len);
	assert_memory_equal(c.ca_pem, ca, len);
	free(ca);
	BIO *b = BIO_new_mem_buf(c.cert_pem, (int)c.cert_len);
	X509 *cert = PEM_read_bio_X509(b, NULL, NULL, NULL);
	char subject[256];
	X509_NAME_oneline(X509_get_subject_name(cert), subject, sizeof(subject));
	assert_string_equal(subject, "/OU=" MAYDAY_DEVICE_CERT_OU "/CN=" TP_DEVICE_ID);
	X509_free(cert);
	BIO_free(b);
	normal_creds_free(&c);
	EVP_PKEY_free(distress);
	hal_rot_close(rot);
	/* normal.conf: in the state partition, and normal code's parser takes it */
	tp_path(path, w.dev, "state", "normal.conf");
	uint8_t *conf = tp_read(path, &len);
	assert_non_null(conf);
	assert_int_equal(normal_config_parse((const char *)conf, len, &cfg, &cerr), MAYDAY_OK);
	assert_string_equal(cfg.dcf_version, MAYDAY_VERSION);
	free(conf);
	OPENSSL_cleanse(buf, sizeof(buf));
	tp_path(path, w.dev, "dcf", "normal.conf");
	assert_int_equal(access(path, F_OK), -1); /* nothing of it in the DCF partition */
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
	/* an image larger than its own device may take: 2 x 1000 bytes of
	 * components alone exceed 1999 */
	assert_int_equal(tp_provision("device", "--pki", w.pki, "--out", w.dev, "--id", "x",
				      "--class", TP_CLASS, "--hems-udp", "127.0.0.1:7701",
				      "--components", "2", "--component-size", "1000",
				      "--max-image-size", "1999", "--dcf-bin", DCF_BIN,
				      "--normal-bin", w.normal, NULL), 1);
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
	assert_string_equal(cfg.udp_endpoint.host, "::1");
	assert_int_equal(cfg.udp_endpoint.port, 7702);

	assert_int_equal(store_open(&st, spec), MAYDAY_OK);
	assert_int_equal(store_get_device(st, "femto-v6", &row), MAYDAY_OK);
	assert_string_equal(row.product_class, "femto-b");
	assert_int_equal(store_get_device(st, "femto-other", &row), MAYDAY_E_NOTFOUND);

	/* The PSK: in the RoT, sealed in the store under the PKI's KEK. */
	size_t psk_len = 0, kid_len = 0, db_len = 0;
	tp_path(path, w.dev, "rot", "psk");
	uint8_t *psk = tp_read(path, &psk_len);
	tp_path(path, w.dev, "rot", "psk_kid");
	uint8_t *kid = tp_read(path, &kid_len);
	assert_non_null(psk);
	assert_non_null(kid);
	assert_int_equal(psk_len, MAYDAY_PSK_LEN);
	struct store_psk p;
	assert_int_equal(store_psk_get(st, kid, kid_len, &p), MAYDAY_E_KEY);
	tp_path(path, w.pki, NULL, "psk.kek");
	assert_int_equal(store_psk_kek(st, path), MAYDAY_OK);
	assert_int_equal(store_psk_get(st, kid, kid_len, &p), MAYDAY_OK);
	assert_memory_equal(p.psk, psk, MAYDAY_PSK_LEN);
	store_psk_wipe(&p);
	store_close(st);
	uint8_t *raw = tp_read(db, &db_len);
	assert_non_null(raw);
	assert_null(memmem(raw, db_len, psk, psk_len));
	free(raw);
	free(psk);
	free(kid);
	tp_world_free(&w);
}

static int make_with(struct tp_world *w, const char *a1, const char *v1, const char *a2,
		     const char *v2, const char *a3, const char *v3, const char *a4)
{
	return tp_provision("device", "--pki", w->pki, "--out", w->dev, "--id", "femto-m",
			    "--class", TP_CLASS, "--dcf-bin", DCF_BIN, "--normal-bin", w->normal,
			    "--components", "1", a1, v1, a2, v2, a3, v3, a4, NULL);
}

static void read_conf(const struct tp_world *w, struct dcf_config *cfg)
{
	char path[TP_PATH_MAX];
	struct dcf_config_error err;
	size_t len = 0;
	uint8_t *conf;

	tp_path(path, w->dev, "dcf", "dcf.conf");
	conf = tp_read(path, &len);
	assert_non_null(conf);
	assert_int_equal(dcf_config_parse((const char *)conf, len, cfg, &err), MAYDAY_OK);
	free(conf);
}

/* Several methods: sections for each, the order given, the PKI's H(e)MS key pinned. */
static void test_methods(void **state)
{
	struct tp_world w;
	struct dcf_config cfg;
	char path[TP_PATH_MAX];
	EVP_PKEY *hems = NULL;
	unsigned char *der = NULL;
	uint8_t pin[MAYDAY_DIGEST_LEN];
	(void)state;

	tp_world_init(&w, 1, 0);
	assert_int_equal(make_with(&w, "--hems-tls", "https://127.0.0.1:7443/v1/distress",
				   "--hems-http", "http://127.0.0.1:7080/v1/distress",
				   "--methods", "plain-http,tls", "--tls-pin"), 0);
	read_conf(&w, &cfg);
	assert_int_equal(cfg.n_methods, 2);
	assert_string_equal(cfg.methods[0], "plain-http");
	assert_string_equal(cfg.methods[1], "tls");
	assert_int_equal(cfg.tls_url.port, 7443);
	assert_string_equal(cfg.tls_ca, "operator-ca.pem");
	assert_string_equal(cfg.tls_cert, "dcf-cert.pem");
	assert_string_equal(cfg.tls_server_name, "hems.mayday.test");
	assert_int_equal(cfg.http_url.port, 7080);
	assert_false(cfg.udp_endpoint.set);
	tp_path(path, w.pki, NULL, "hems-tls.pem");   /* the TLS server's key, not the ack key */
	assert_int_equal(mayday_key_load_public(path, &hems), MAYDAY_OK);
	int n = i2d_PUBKEY(hems, &der);
	assert_true(n > 0);
	mayday_sha256(der, (size_t)n, pin);
	OPENSSL_free(der);
	EVP_PKEY_free(hems);
	assert_true(cfg.tls_pin_set);
	assert_memory_equal(cfg.tls_pin_sha256, pin, sizeof(pin));
	tp_world_free(&w);

	/* Without --methods: every method given, in the canonical order. */
	tp_world_init(&w, 1, 0);
	assert_int_equal(make_with(&w, "--hems-http", "http://[::1]:7080/x", "--hems-udp",
				   "[::1]:7701", "--hems-tls", "https://[::1]:7443/x",
				   "--tls-server-name=other.test"), 0);
	read_conf(&w, &cfg);
	assert_int_equal(cfg.n_methods, 3);
	assert_string_equal(cfg.methods[0], "tls");
	assert_string_equal(cfg.methods[1], "plain-udp");
	assert_string_equal(cfg.methods[2], "plain-http");
	assert_string_equal(cfg.tls_server_name, "other.test");
	assert_false(cfg.tls_pin_set);
	tp_world_free(&w);
}

/* Combinations the DCF would reject, or that make no sense, make no device. */
static void test_method_errors(void **state)
{
	struct tp_world w;
	struct stat st;
	(void)state;

	tp_world_init(&w, 1, 0);
	/* tls listed, but no [tls] url */
	assert_int_equal(make_with(&w, "--hems-udp", "127.0.0.1:1", "--methods", "tls",
				   "--components", "1", NULL), 1);
	/* no endpoint at all */
	assert_int_equal(make_with(&w, "--components", "1", "--methods", "plain-udp",
				   "--components", "1", NULL), 1);
	/* a value that would smuggle a line into dcf.conf */
	assert_int_equal(make_with(&w, "--hems-udp", "127.0.0.1:1\n[retry]\ndeadline_ms=10",
				   "--components", "1", "--components", "1", NULL), 1);
	assert_int_equal(make_with(&w, "--hems-http", "http://127.0.0.1:1/x;y", "--components",
				   "1", "--components", "1", NULL), 1);
	/* the wrong scheme for the method */
	assert_int_equal(make_with(&w, "--hems-tls", "http://127.0.0.1:1/x", "--components",
				   "1", "--components", "1", NULL), 1);
	assert_int_not_equal(stat(w.dev, &st), 0);
	/* usage errors */
	assert_int_equal(make_with(&w, "--hems-udp", "127.0.0.1:1", "--hems", "udp:127.0.0.1:2",
				   "--components", "1", NULL), 2);
	assert_int_equal(make_with(&w, "--hems-udp", "127.0.0.1:1", "--components", "1",
				   "--components", "1", "--tls-pin"), 2);
	assert_int_equal(make_with(&w, "--hems-udp", "127.0.0.1:1", "--methods", "a",
				   "--methods", "b", NULL), 2);
	assert_int_not_equal(stat(w.dev, &st), 0);
	tp_world_free(&w);
}

/* --ipsec-daemon: the IKE daemon, only the plugins asked for, their closure,
 * the loader, strongswan.conf, swanctl.conf and credentials, each in the
 * signed DCF manifest; dcf.conf starts it. Needs Debian's strongSwan. */
static int make_ipsec(struct tp_world *w, const char *conf, const char *extra1,
		      const char *extra2)
{
	char ca[TP_PATH_MAX];

	tp_path(ca, w->pki, NULL, "operator-ca.pem");
	char cred[TP_PATH_MAX + 16];
	snprintf(cred, sizeof(cred), "x509ca:%s", ca);
	return tp_provision("device", "--pki", w->pki, "--out", w->dev, "--id", "femto-i",
			    "--class", TP_CLASS, "--dcf-bin", DCF_BIN, "--normal-bin", w->normal,
			    "--components", "1", "--methods", "ipsec", "--hems-ipsec-endpoint",
			    "10.9.0.1:7701", "--ipsec-daemon", "auto", "--ipsec-conf", conf,
			    "--ipsec-plugins", "nonce,openssl vici", "--ipsec-cred", cred,
			    extra1, extra2, NULL);
}

static void test_ipsec_daemon(void **state)
{
	static const char *const present[] = {
		"ld.so", "charon", "swanctl", "libc.so.6", "libstrongswan.so.0", "libcharon.so.0",
		"libcrypto.so.3", "libgcc_s.so.1", "libstrongswan-nonce.so",
		"libstrongswan-openssl.so", "libstrongswan-vici.so", "strongswan.conf",
		"swanctl.conf", "swanctl.x509ca.operator-ca.pem",
	};
	struct tp_world w;
	struct mayday_manifest m;
	struct dcf_config cfg;
	struct stat st;
	char conf[TP_PATH_MAX], path[TP_PATH_MAX];
	FILE *fp;
	(void)state;

	if (stat("/usr/lib/ipsec/charon", &st) != 0 ||
	    stat("/usr/lib/ipsec/plugins/libstrongswan-vici.so", &st) != 0)
		skip();
	tp_world_init(&w, 1, 0);
	tp_path(conf, w.root, NULL, "swanctl.conf");
	fp = fopen(conf, "w");
	assert_non_null(fp);
	fputs("connections { distress { remote_addrs = 192.0.2.2 } }\n", fp);
	fclose(fp);

	/* refused before anything is made */
	assert_int_equal(make_ipsec(&w, conf, "--ipsec-vici", "/run/charon.vici"), 2);
	assert_int_equal(make_ipsec(&w, conf, "--ipsec-cred", "secret:/etc/hostname"), 1);
	assert_int_equal(make_ipsec(&w, conf, "--ipsec-plugins", "nonce"), 2); /* twice */
	assert_int_equal(tp_provision("device", "--pki", w.pki, "--out", w.dev, "--id", "femto-i",
				      "--class", TP_CLASS, "--dcf-bin", DCF_BIN, "--normal-bin",
				      w.normal, "--hems-udp", "127.0.0.1:1", "--ipsec-conf", conf,
				      NULL), 1);
	assert_int_equal(tp_provision("device", "--pki", w.pki, "--out", w.dev, "--id", "femto-i",
				      "--class", TP_CLASS, "--dcf-bin", DCF_BIN, "--normal-bin",
				      w.normal, "--hems-udp", "127.0.0.1:1", "--ipsec-daemon",
				      "auto", "--ipsec-conf", conf, "--ipsec-plugins",
				      "no-such-plugin", NULL), 1);
	assert_int_not_equal(stat(w.dev, &st), 0);

	assert_int_equal(make_ipsec(&w, conf, NULL, NULL), 0);
	assert_int_equal(tp_manifest(w.dev, "dcf", w.vendor_pub, &m), MAYDAY_OK);
	assert_true(m.n_trv > 5 + sizeof(present) / sizeof(present[0]));
	assert_true(m.n_trv <= MAYDAY_MANIFEST_FILES_MAX);
	for (uint32_t i = 0; i < m.n_trv; i++) {
		assert_true(m.trv[i].designated);
		assert_true(tp_trv_matches(w.dev, "dcf", &m.trv[i]));
	}
	for (size_t i = 0; i < sizeof(present) / sizeof(present[0]); i++)
		assert_non_null(mayday_manifest_find(&m, present[i]));
	/* only the plugins asked for */
	assert_null(mayday_manifest_find(&m, "libstrongswan-x509.so"));
	assert_null(mayday_manifest_find(&m, "libstrongswan-kernel-netlink.so"));
	tp_path(path, w.dev, "dcf", "libstrongswan-x509.so");
	assert_int_not_equal(stat(path, &st), 0);
	assert_mode(w.dev, "dcf", "ld.so", 0755);
	assert_mode(w.dev, "dcf", "charon", 0755);
	assert_mode(w.dev, "dcf", "swanctl.conf", 0600);
	assert_mode(w.dev, "dcf", "swanctl.x509ca.operator-ca.pem", 0600);
	tp_path(path, w.dev, "dcf", "swanctl.conf");
	assert_same_file(path, conf);

	read_conf(&w, &cfg);
	assert_true(cfg.ipsec_daemon_partition);
	assert_string_equal(cfg.ipsec_vici, "");
	assert_string_equal(cfg.ipsec_plugins, "nonce openssl vici");
	assert_string_equal(cfg.ipsec_swanctl_plugins, "nonce openssl");
	size_t len = 0;
	tp_path(path, w.dev, "dcf", "strongswan.conf");
	uint8_t *raw = tp_read(path, &len);
	assert_non_null(raw);
	char *ss = calloc(1, len + 1);   /* tp_read's buffer has no NUL */
	assert_non_null(ss);
	memcpy(ss, raw, len);
	free(raw);
	assert_non_null(strstr(ss, "  load = nonce openssl vici\n"));
	assert_non_null(strstr(ss, "socket = unix:///var/run/charon.vici"));
	assert_null(strstr(ss, "\ninclude"));   /* no include statement: nothing of the host */
	free(ss);
	tp_world_free(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dcf_partition),
		cmocka_unit_test(test_slot_a),
		cmocka_unit_test(test_rot),
		cmocka_unit_test(test_device_credentials),
		cmocka_unit_test(test_refuses_existing_device),
		cmocka_unit_test(test_bad_hems_leaves_nothing),
		cmocka_unit_test(test_ipv6_and_enrol),
		cmocka_unit_test(test_methods),
		cmocka_unit_test(test_method_errors),
		cmocka_unit_test(test_ipsec_daemon),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: Apache-2.0 */
/* The vendor key in a PKCS#11 token (SoftHSM2): every signature of
 * mayday-provision -- the DCF and TRV manifests of `device`, `dcf-conf`'s
 * re-signed DCF manifest, `tamper trv`'s, and bundles -- made with
 * `--key pkcs11:...` verifies with the public half read out of the token
 * (by pkcs11-tool, not by our code), and not with the PKI's file key; the
 * devices anchor the token's key; a wrong PIN, a missing object, a
 * missing, relative, writable or contradicting module, and a public object
 * that is not the private key's fail cleanly (exit 1, nothing written). Each test gets
 * its own token directory (SOFTHSM2_CONF). Skips (exit 77) without
 * softhsm2/opensc or without PKCS#11 support in mayday-provision. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "mayday/keys.h"
#include "test_provision_util.h"

#define MODULE "/usr/lib/softhsm/libsofthsm2.so"
#define PIN    "31415926"

struct fx {
	struct tp_world w;
	char uri[2 * TP_PATH_MAX];      /* the token's vendor key, PIN in the URI */
	char pub_pem[TP_PATH_MAX];      /* its public half, as pkcs11-tool reads it */
	EVP_PKEY *token_pub;
};

static int have_tools(void)
{
	return access(MODULE, R_OK) == 0 &&
	       system("command -v softhsm2-util >/dev/null && command -v pkcs11-tool >/dev/null") ==
		       0;
}

static void run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void run(const char *fmt, ...)
{
	char cmd[4 * TP_PATH_MAX];
	va_list ap;

	va_start(ap, fmt);
	assert_true(vsnprintf(cmd, sizeof cmd, fmt, ap) < (int)sizeof cmd);
	va_end(ap);
	if (system(cmd) != 0)
		fail_msg("failed: %s", cmd);
}

static int setup(void **state)
{
	struct fx *fx;
	char conf[TP_PATH_MAX], tokens[TP_PATH_MAX], der[TP_PATH_MAX];
	FILE *f;

	*state = NULL;
	fx = calloc(1, sizeof *fx);
	assert_non_null(fx);
	tp_world_init(&fx->w, 1, 0);
	tp_path(conf, fx->w.root, NULL, "softhsm2.conf");
	tp_path(tokens, fx->w.root, NULL, "tokens");
	tp_path(der, fx->w.root, NULL, "token-pub.der");
	tp_path(fx->pub_pem, fx->w.root, NULL, "token-pub.pem");
	run("mkdir -p '%s'", tokens);
	f = fopen(conf, "w");
	assert_non_null(f);
	fprintf(f, "directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n",
		tokens);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(setenv("SOFTHSM2_CONF", conf, 1), 0);
	run("softhsm2-util --init-token --free --label mayday-vendor --pin " PIN
	    " --so-pin 27182818 >/dev/null");
	/* The key pair is made inside the token: the private half never exists outside. */
	run("pkcs11-tool --module " MODULE " --token-label mayday-vendor --login --pin " PIN
	    " --keypairgen --key-type EC:prime256v1 --id 4d01 --label vendor >/dev/null");
	run("pkcs11-tool --module " MODULE " --token-label mayday-vendor --read-object --type pubkey"
	    " --id 4d01 -o '%s' >/dev/null 2>&1", der);
	run("openssl pkey -pubin -inform DER -in '%s' -out '%s'", der, fx->pub_pem);
	assert_int_equal(mayday_key_load_public(fx->pub_pem, &fx->token_pub), MAYDAY_OK);
	snprintf(fx->uri, sizeof fx->uri,
		 "pkcs11:token=mayday-vendor;object=vendor;type=private?pin-value=" PIN
		 "&module-path=" MODULE);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;

	if (!fx)
		return 0;
	EVP_PKEY_free(fx->token_pub);
	tp_world_free(&fx->w);
	free(fx);
	return 0;
}

static int make_device(struct fx *fx, const char *key)
{
	return tp_provision("device", "--pki", fx->w.pki, "--key", key, "--out", fx->w.dev,
			    "--id", TP_DEVICE_ID, "--class", TP_CLASS, "--hems",
			    "udp:127.0.0.1:7701", "--dcf-bin", DCF_BIN, "--normal-bin",
			    fx->w.normal, "--components", "2", "--component-size", "3000", NULL);
}

static void assert_signed_by_token(struct fx *fx, const char *part)
{
	struct mayday_manifest m;

	assert_int_equal(tp_manifest(fx->w.dev, part, fx->token_pub, &m), MAYDAY_OK);
	assert_int_equal(tp_manifest(fx->w.dev, part, fx->w.vendor_pub, &m), MAYDAY_E_SIGNATURE);
}

static void test_device(void **state)
{
	struct fx *fx = *state;
	char anchor[TP_PATH_MAX];
	EVP_PKEY *rot_vendor = NULL;

	if (!fx)
		skip();
	assert_int_equal(make_device(fx, fx->uri), 0);
	assert_signed_by_token(fx, "dcf");
	assert_signed_by_token(fx, "slot_a");
	/* The device anchors the token's key, not the PKI's vendor.pub.pem. */
	tp_path(anchor, fx->w.dev, "rot", "vendor.pub.pem");
	assert_int_equal(mayday_key_load_public(anchor, &rot_vendor), MAYDAY_OK);
	assert_int_equal(EVP_PKEY_eq(rot_vendor, fx->token_pub), 1);
	EVP_PKEY_free(rot_vendor);
}

static void test_dcf_conf_and_tamper(void **state)
{
	struct fx *fx = *state;
	char conf[TP_PATH_MAX], copy[TP_PATH_MAX], mpath[TP_PATH_MAX];
	size_t len = 0, len2 = 0;
	struct mayday_manifest m;

	if (!fx)
		skip();
	assert_int_equal(make_device(fx, fx->uri), 0);
	tp_path(conf, fx->w.dev, "dcf", "dcf.conf");
	tp_path(copy, fx->w.root, NULL, "dcf.conf");
	run("cp '%s' '%s' && echo '; re-signed in the token' >> '%s'", conf, copy, copy);
	tp_path(mpath, fx->w.dev, "dcf", "manifest.cose");
	uint8_t *before = tp_read(mpath, &len);
	/* dcf-conf needs no PKI when the key is given */
	assert_int_equal(tp_provision("dcf-conf", "--device", fx->w.dev, "--key", fx->uri,
				      "--conf", copy, NULL), 0);
	uint8_t *after = tp_read(mpath, &len2);
	assert_true(len != len2 || memcmp(before, after, len) != 0);
	free(before);
	free(after);
	assert_signed_by_token(fx, "dcf");
	assert_int_equal(tp_manifest(fx->w.dev, "dcf", fx->token_pub, &m), MAYDAY_OK);
	assert_true(tp_trv_matches(fx->w.dev, "dcf", mayday_manifest_find(&m, "dcf.conf")));
	/* the PKI's file key cannot re-sign a device that anchors the token's */
	assert_int_equal(tp_provision("dcf-conf", "--device", fx->w.dev, "--pki", fx->w.pki,
				      "--conf", copy, NULL), 1);
	/* tamper trv re-signs slot A's manifest in the token too */
	assert_int_equal(tp_provision("tamper", "--device", fx->w.dev, "--what", "trv",
				      "--key", fx->uri, NULL), 0);
	assert_signed_by_token(fx, "slot_a");
	assert_int_equal(tp_manifest(fx->w.dev, "slot_a", fx->token_pub, &m), MAYDAY_OK);
	int mismatches = 0;
	for (uint32_t i = 0; i < m.n_trv; i++)
		mismatches += !tp_trv_matches(fx->w.dev, "slot_a", &m.trv[i]);
	assert_int_equal(mismatches, 1);
}

static void test_bundle(void **state)
{
	struct fx *fx = *state;
	char slot[TP_PATH_MAX], bundle[TP_PATH_MAX], pin[TP_PATH_MAX], uri[3 * TP_PATH_MAX];
	char pki_pub[TP_PATH_MAX];

	if (!fx)
		skip();
	assert_int_equal(make_device(fx, fx->uri), 0);
	tp_path(slot, fx->w.dev, NULL, "slot_a");
	tp_path(bundle, fx->w.root, NULL, "golden.bundle");
	tp_path(pin, fx->w.root, NULL, "pin.txt");
	run("printf '%%s\\n' " PIN " > '%s'", pin);
	/* id= (percent-encoded bytes) and the PIN from a file, module by option */
	snprintf(uri, sizeof uri, "pkcs11:token=mayday-vendor;id=%%4d%%01?pin-source=file:%s", pin);
	assert_int_equal(tp_provision("bundle", "--key", uri, "--pkcs11-module", MODULE, "--out",
				      bundle, "--class", TP_CLASS, "--image-version", "3.0.0",
				      "--rollback", "4", "--from-slot", slot, NULL), 0);
	assert_int_equal(tp_provision("bundle", "verify", bundle, "--vendor-pub", fx->pub_pem,
				      NULL), 0);
	tp_path(pki_pub, fx->w.pki, NULL, "vendor.pub.pem");
	assert_int_equal(tp_provision("bundle", "verify", bundle, "--vendor-pub", pki_pub, NULL), 3);
}

static void test_failures(void **state)
{
	struct fx *fx = *state;
	char bundle[TP_PATH_MAX], slot[TP_PATH_MAX], uri[3 * TP_PATH_MAX];
	static const char *const bad[] = {
		"pkcs11:token=mayday-vendor;object=vendor?pin-value=00000000&module-path=" MODULE,
		"pkcs11:token=mayday-vendor;object=nosuchkey?pin-value=" PIN "&module-path=" MODULE,
		"pkcs11:token=nosuchtoken;object=vendor?pin-value=" PIN "&module-path=" MODULE,
		"pkcs11:token=mayday-vendor;object=vendor?pin-value=" PIN
		"&module-path=/nonexistent/libpkcs11.so",
		"pkcs11:token=mayday-vendor;object=vendor?pin-value=" PIN,       /* no module */
		"pkcs11:token=mayday-vendor;object=vendor?module-path=" MODULE,  /* no PIN */
		"pkcs11:token=mayday-vendor;object=vendor;object=x?pin-value=" PIN
		"&module-path=" MODULE,
		"pkcs11:token=mayday-vendor;colour=blue?pin-value=" PIN "&module-path=" MODULE,
		"pkcs11:token=mayday-vendor;id=%4?pin-value=" PIN "&module-path=" MODULE,
		/* relative: never dlopen's search path */
		"pkcs11:token=mayday-vendor;object=vendor?pin-value=" PIN
		"&module-path=libsofthsm2.so",
	};

	if (!fx)
		skip();
	assert_int_equal(make_device(fx, fx->uri), 0);
	tp_path(slot, fx->w.dev, NULL, "slot_a");
	tp_path(bundle, fx->w.root, NULL, "b.bundle");
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(uri, sizeof uri, "%s", bad[i]);
		if (tp_provision("bundle", "--key", uri, "--out", bundle, "--class", TP_CLASS,
				 "--image-version", "3.0.0", "--rollback", "4", "--from-slot", slot,
				 NULL) != 1)
			fail_msg("--key %s did not fail with exit 1", uri);
		assert_int_equal(access(bundle, F_OK), -1);
	}
	/* a failed device leaves no device behind it to trust */
	char dev2[TP_PATH_MAX];
	tp_path(dev2, fx->w.root, NULL, "dev2");
	assert_int_equal(tp_provision("device", "--pki", fx->w.pki, "--key", bad[0], "--out", dev2,
				      "--id", TP_DEVICE_ID, "--class", TP_CLASS, "--hems",
				      "udp:127.0.0.1:7701", "--dcf-bin", DCF_BIN, "--normal-bin",
				      fx->w.normal, NULL), 1);
	char m[TP_PATH_MAX];
	tp_path(m, dev2, "slot_a", "manifest.cose");
	assert_int_equal(access(m, F_OK), -1);
	/* pin-source: an empty PIN, a FIFO (which would block forever) and a
	 * file: URI naming another host are refused; the same file through
	 * file:/// is read. */
	char pinf[TP_PATH_MAX], fifo[TP_PATH_MAX], empty[TP_PATH_MAX];
	tp_path(pinf, fx->w.root, NULL, "pin.txt");
	tp_path(fifo, fx->w.root, NULL, "pin.fifo");
	tp_path(empty, fx->w.root, NULL, "pin-empty.txt");
	run("printf '%%s\\n' " PIN " > '%s' && : > '%s' && mkfifo '%s'", pinf, empty, fifo);
	const char *const sources[] = { empty, fifo, "file://elsewhere" };
	for (size_t i = 0; i < sizeof sources / sizeof sources[0]; i++) {
		snprintf(uri, sizeof uri,
			 "pkcs11:token=mayday-vendor;object=vendor?pin-source=%s%s&module-path="
			 MODULE, sources[i], i == 2 ? pinf : "");
		if (tp_provision("bundle", "--key", uri, "--out", bundle, "--class", TP_CLASS,
				 "--image-version", "3.0.0", "--rollback", "4", "--from-slot", slot,
				 NULL) != 1)
			fail_msg("--key %s did not fail with exit 1", uri);
		assert_int_equal(access(bundle, F_OK), -1);
	}
	snprintf(uri, sizeof uri,
		 "pkcs11:token=mayday-vendor;object=vendor?pin-source=file://%s&module-path=" MODULE,
		 pinf);
	assert_int_equal(tp_provision("bundle", "--key", uri, "--out", bundle, "--class", TP_CLASS,
				      "--image-version", "3.0.0", "--rollback", "4", "--from-slot",
				      slot, NULL), 0);
	assert_int_equal(unlink(bundle), 0);
	/* --pkcs11-module wins: a URI naming another module is refused */
	if (tp_provision("bundle", "--key", fx->uri, "--pkcs11-module", "/nonexistent/p11.so",
			 "--out", bundle, "--class", TP_CLASS, "--image-version", "3.0.0",
			 "--rollback", "4", "--from-slot", slot, NULL) != 1)
		fail_msg("a URI's module-path overrode --pkcs11-module");
	assert_int_equal(access(bundle, F_OK), -1);
	/* a module anyone may rewrite is not loaded */
	char copy[TP_PATH_MAX];
	tp_path(copy, fx->w.root, NULL, "libp11-copy.so");
	run("cp -L " MODULE " '%s' && chmod 0666 '%s'", copy, copy);
	snprintf(uri, sizeof uri,
		 "pkcs11:token=mayday-vendor;object=vendor?pin-value=" PIN "&module-path=%s", copy);
	if (tp_provision("bundle", "--key", uri, "--out", bundle, "--class", TP_CLASS,
			 "--image-version", "3.0.0", "--rollback", "4", "--from-slot", slot,
			 NULL) != 1)
		fail_msg("a world-writable PKCS#11 module was loaded");
	assert_int_equal(access(bundle, F_OK), -1);
	/* the token still signs after those failures (the PIN was not locked) */
	assert_int_equal(tp_provision("bundle", "--key", fx->uri, "--out", bundle, "--class",
				      TP_CLASS, "--image-version", "3.0.0", "--rollback", "4",
				      "--from-slot", slot, NULL), 0);
}

/* A token whose public object (same CKA_ID and label) belongs to another key
 * pair: refused when the key is opened, before the device directory holds
 * anything (no RoT anchored to a key that cannot have signed its manifests). */
static void test_mismatched_pair(void **state)
{
	struct fx *fx = *state;
	char other[TP_PATH_MAX];

	if (!fx)
		skip();
	tp_path(other, fx->w.root, NULL, "other-pub.der");
	run("pkcs11-tool --module " MODULE " --token-label mayday-vendor --login --pin " PIN
	    " --keypairgen --key-type EC:prime256v1 --id 4d02 --label other >/dev/null");
	run("pkcs11-tool --module " MODULE " --token-label mayday-vendor --read-object --type pubkey"
	    " --id 4d02 -o '%s' >/dev/null 2>&1", other);
	run("pkcs11-tool --module " MODULE " --token-label mayday-vendor --login --pin " PIN
	    " --delete-object --type pubkey --id 4d01 >/dev/null 2>&1");
	run("pkcs11-tool --module " MODULE " --token-label mayday-vendor --login --pin " PIN
	    " --write-object '%s' --type pubkey --id 4d01 --label vendor >/dev/null 2>&1", other);
	assert_int_equal(make_device(fx, fx->uri), 1);
	if (access(fx->w.dev, F_OK) == 0)
		run("test -z \"$(find '%s' -type f)\"", fx->w.dev);
}

int main(void)
{
	/* Nothing to test: CTest reports a skip (SKIP_RETURN_CODE 77), not a pass. */
	if (!MAYDAY_PKCS11) {
		printf("skipped: mayday-provision was built without PKCS#11 (no libp11-kit-dev)\n");
		return 77;
	}
	if (!have_tools()) {
		printf("skipped: needs softhsm2 (" MODULE ", softhsm2-util) and opensc "
		       "(pkcs11-tool)\n");
		return 77;
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_device, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dcf_conf_and_tamper, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bundle, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failures, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mismatched_pair, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: Apache-2.0 */
/* `mayday-provision bundle` from a device slot and from an image directory,
 * `bundle info` and `bundle verify` (--json too): what they print is checked
 * against libmayday's own reading of the bundle, and hostile bundles (a
 * flipped byte anywhere, truncated, padded, a lying header, the wrong key)
 * are rejected with exit 3, never accepted. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <jansson.h>
#include <openssl/ec.h>

#include "mayday/bundle.h"
#include "mayday/keys.h"
#include "test_provision_util.h"

#define EXIT_REJECTED 3

struct fx {
	struct tp_world w;
	char img[TP_PATH_MAX], bundle[TP_PATH_MAX], out[TP_PATH_MAX], pub[TP_PATH_MAX];
};

static void put(const char *dir, const char *name, const char *text, size_t len)
{
	char path[TP_PATH_MAX];
	FILE *f;

	tp_path(path, dir, NULL, name);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

/* An image directory: mayday-normal (entry), rootfs.img (100 KiB, spans
 * chunks), notes.txt (optional), and a stray file image.ini does not list. */
static void make_image(struct fx *fx)
{
	static char rootfs[100 * 1024 + 7];
	static const char ini[] = "; built by the vendor's build system\n[image]\n"
				  "entry = mayday-normal\ncomponent = mayday-normal\n"
				  "component = rootfs.img\noptional = notes.txt\n";

	for (size_t i = 0; i < sizeof rootfs; i++)
		rootfs[i] = (char)(i * 131 + 7);
	tp_path(fx->img, fx->w.root, NULL, "image");
	assert_int_equal(mkdir(fx->img, 0700), 0);
	put(fx->img, "mayday-normal", "#!/bin/sh\nexit 0\n", 17);
	put(fx->img, "rootfs.img", rootfs, sizeof rootfs);
	put(fx->img, "notes.txt", "release notes\n", 14);
	put(fx->img, "stray.o", "not part of the image", 21);
	put(fx->img, "image.ini", ini, sizeof ini - 1);
}

static int setup(void **state)
{
	struct fx *fx = calloc(1, sizeof *fx);

	assert_non_null(fx);
	tp_world_init(&fx->w, 1, 1);
	make_image(fx);
	tp_path(fx->bundle, fx->w.root, NULL, "golden.bundle");
	tp_path(fx->out, fx->w.root, NULL, "stdout.txt");
	tp_path(fx->pub, fx->w.pki, NULL, "vendor.pub.pem");
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;

	tp_world_free(&fx->w);
	free(fx);
	return 0;
}

static int bundle_image(struct fx *fx, const char *out)
{
	return tp_provision("bundle", "--pki", fx->w.pki, "--out", out, "--class", "femto-b",
			    "--image-version", "4.2.0", "--rollback", "7", "--image", fx->img, NULL);
}

static int verify(struct fx *fx, const char *bundle)
{
	return tp_provision_to(fx->out, "bundle", "verify", bundle, "--vendor-pub", fx->pub,
			       "--json", NULL);
}

static json_t *stdout_json(struct fx *fx)
{
	json_error_t err;
	json_t *o = json_load_file(fx->out, 0, &err);

	if (!o)
		fail_msg("stdout is not JSON: %s", err.text);
	return o;
}

/* The manifest inside the bundle file, verified by libmayday. */
static void read_manifest(const char *bundle, EVP_PKEY *pub, struct mayday_manifest *m,
			  size_t *payload_at)
{
	size_t len = 0;
	uint8_t *b = tp_read(bundle, &len);
	uint32_t mlen = 0;
	struct mayday_diag diag;

	assert_non_null(b);
	assert_true(len > MAYDAY_BUNDLE_HEADER_LEN);
	assert_int_equal(mayday_bundle_header_decode(b, MAYDAY_BUNDLE_HEADER_LEN, &mlen, &diag),
			 MAYDAY_OK);
	assert_int_equal(mayday_manifest_verify(b + MAYDAY_BUNDLE_HEADER_LEN, mlen, pub, m, &diag),
			 MAYDAY_OK);
	*payload_at = MAYDAY_BUNDLE_HEADER_LEN + mlen;
	free(b);
}

static void test_from_image(void **state)
{
	struct fx *fx = *state;
	struct mayday_manifest m;
	static const char *const names[] = { "mayday-normal", "rootfs.img", "notes.txt" };
	size_t at = 0;

	assert_int_equal(bundle_image(fx, fx->bundle), 0);
	read_manifest(fx->bundle, fx->w.vendor_pub, &m, &at);
	assert_int_equal(m.kind, MAYDAY_MANIFEST_IMAGE);
	assert_string_equal(m.product_class, "femto-b");
	assert_string_equal(m.image_version, "4.2.0");
	assert_int_equal(m.rollback, 7);
	assert_string_equal(m.entry, "mayday-normal");
	assert_int_equal(m.n_trv, 3);   /* stray.o is not listed */
	for (size_t i = 0; i < 3; i++) {
		char path[TP_PATH_MAX];
		uint8_t d[MAYDAY_DIGEST_LEN];
		uint64_t size = 0;
		assert_string_equal(m.trv[i].name, names[i]);   /* image.ini's order */
		assert_int_equal(m.trv[i].designated, i < 2);
		tp_path(path, fx->img, NULL, names[i]);
		tp_digest(path, d, &size);
		assert_int_equal(m.trv[i].size, size);
		assert_memory_equal(m.trv[i].digest, d, sizeof d);
	}
	assert_int_equal(verify(fx, fx->bundle), 0);
}

/* A symlink planted where an earlier version wrote its temporary file
 * (OUT.tmp) is never written through: the bundle is complete, the link's
 * target untouched, and no temporary file is left beside the bundle. */
static void test_tmp_symlink(void **state)
{
	struct fx *fx = *state;
	char tmp[TP_PATH_MAX + 8], victim[TP_PATH_MAX];
	struct mayday_manifest m;
	size_t at = 0, len = 0;
	uint8_t *after;
	struct stat st;

	tp_path(victim, fx->w.root, NULL, "victim.txt");
	put(fx->w.root, "victim.txt", "keep me\n", 8);
	snprintf(tmp, sizeof tmp, "%s.tmp", fx->bundle);
	assert_int_equal(symlink(victim, tmp), 0);
	assert_int_equal(bundle_image(fx, fx->bundle), 0);
	after = tp_read(victim, &len);
	assert_non_null(after);
	assert_int_equal(len, 8);
	assert_memory_equal(after, "keep me\n", 8);
	free(after);
	assert_int_equal(lstat(fx->bundle, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	read_manifest(fx->bundle, fx->w.vendor_pub, &m, &at);
	assert_int_equal(lstat(tmp, &st), 0);   /* not ours: left alone */
	assert_true(S_ISLNK(st.st_mode));
}

/* A component changed after it was hashed into its TRV and before it is
 * copied is refused, and no bundle appears (the shim inverts a byte of
 * rootfs.img at its second open: the copy's). */
static void test_changed_since_hashed(void **state)
{
	struct fx *fx = *state;

	const char *asan = getenv("ASAN_OPTIONS");
	char *saved = asan ? strdup(asan) : NULL, opts[1024];

	/* Under -DMAYDAY_SANITIZE the shim is preloaded ahead of libasan, which
	 * ASan refuses unless told the order is intended. */
	snprintf(opts, sizeof opts, "%s%sverify_asan_link_order=0", asan ? asan : "",
		 asan && *asan ? ":" : "");
	assert_int_equal(setenv("ASAN_OPTIONS", opts, 1), 0);
	assert_int_equal(setenv("LD_PRELOAD", MUTATE_SHIM, 1), 0);
	assert_int_equal(setenv("MAYDAY_TEST_MUTATE", "/rootfs.img", 1), 0);
	int rc = bundle_image(fx, fx->bundle);
	assert_int_equal(unsetenv("LD_PRELOAD"), 0);
	assert_int_equal(unsetenv("MAYDAY_TEST_MUTATE"), 0);
	if (saved)
		assert_int_equal(setenv("ASAN_OPTIONS", saved, 1), 0);
	else
		assert_int_equal(unsetenv("ASAN_OPTIONS"), 0);
	free(saved);
	assert_int_equal(rc, 1);
	assert_int_equal(access(fx->bundle, F_OK), -1);
	/* the shim did change it: the same directory bundles again now */
	assert_int_equal(bundle_image(fx, fx->bundle), 0);
}

/* The device takes it: mayday-install installs the image directory's bundle
 * into the inactive slot (exit 13: installed, pending), byte for byte. */
static void test_image_installs(void **state)
{
	struct fx *fx = *state;
	struct mayday_manifest m;
	char cmd[4 * TP_PATH_MAX];
	int status;

	assert_int_equal(tp_provision("bundle", "--pki", fx->w.pki, "--out", fx->bundle, "--class",
				      TP_CLASS, "--image-version", "4.2.0", "--rollback", "7",
				      "--image", fx->img, NULL), 0);
	snprintf(cmd, sizeof cmd, "'%s' --device '%s' --bundle '%s' --class %s >/dev/null 2>&1",
		 INSTALL_BIN, fx->w.dev, fx->bundle, TP_CLASS);
	status = system(cmd);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 13);
	assert_int_equal(tp_manifest(fx->w.dev, "slot_b", fx->w.vendor_pub, &m), MAYDAY_OK);
	assert_string_equal(m.image_version, "4.2.0");
	assert_int_equal(m.n_trv, 3);
	for (uint32_t i = 0; i < m.n_trv; i++) {
		char path[TP_PATH_MAX];
		uint8_t d[MAYDAY_DIGEST_LEN];
		uint64_t size = 0;
		assert_true(tp_trv_matches(fx->w.dev, "slot_b", &m.trv[i]));
		tp_path(path, fx->img, NULL, m.trv[i].name);
		tp_digest(path, d, &size);
		assert_memory_equal(d, m.trv[i].digest, sizeof d);
	}
}

/* info and verify --json say what libmayday reads in the bundle. */
static void test_info_json(void **state)
{
	struct fx *fx = *state;
	struct mayday_manifest m;
	size_t at = 0;
	char hex[2 * MAYDAY_DIGEST_LEN + 1];

	assert_int_equal(tp_provision("bundle", "--pki", fx->w.pki, "--out", fx->bundle,
				      "--class", "femto-c", "--image-version", "9.0.1",
				      "--rollback", "18446744073709551615", "--from-slot",
				      fx->w.dev, NULL), 2);   /* not DEVDIR/slot_x */
	char slot[TP_PATH_MAX];
	tp_path(slot, fx->w.dev, NULL, "slot_a");
	assert_int_equal(tp_provision("bundle", "--pki", fx->w.pki, "--out", fx->bundle,
				      "--class", "femto-c", "--image-version", "9.0.1",
				      "--rollback", "18446744073709551615", "--from-slot", slot,
				      NULL), 0);
	read_manifest(fx->bundle, fx->w.vendor_pub, &m, &at);
	for (int v = 0; v < 2; v++) {
		if (v)
			assert_int_equal(verify(fx, fx->bundle), 0);
		else
			assert_int_equal(tp_provision_to(fx->out, "bundle", "info", fx->bundle,
							 "--json", NULL), 0);
		json_t *o = stdout_json(fx), *comps = json_object_get(o, "components");
		assert_int_equal(json_is_true(json_object_get(o, "verified")), v);
		assert_string_equal(json_string_value(json_object_get(o, "class")), "femto-c");
		assert_string_equal(json_string_value(json_object_get(o, "image_version")), "9.0.1");
		assert_string_equal(json_string_value(json_object_get(o, "rollback_text")),
				    "18446744073709551615");
		assert_true(json_is_null(json_object_get(o, "rollback")));   /* > INT64_MAX */
		assert_string_equal(json_string_value(json_object_get(o, "entry")), m.entry);
		assert_int_equal(json_array_size(comps), m.n_trv);
		for (uint32_t i = 0; i < m.n_trv; i++) {
			json_t *c = json_array_get(comps, i);
			mayday_hex(m.trv[i].digest, MAYDAY_DIGEST_LEN, hex);
			assert_string_equal(json_string_value(json_object_get(c, "name")),
					    m.trv[i].name);
			assert_int_equal(json_integer_value(json_object_get(c, "size")),
					 m.trv[i].size);
			assert_string_equal(json_string_value(json_object_get(c, "sha256")), hex);
			assert_int_equal(json_is_true(json_object_get(c, "designated")),
					 m.trv[i].designated);
		}
		json_decref(o);
	}
	/* The text form names every component with its digest. */
	assert_int_equal(tp_provision_to(fx->out, "bundle", "info", fx->bundle, NULL), 0);
	size_t len = 0;
	char *text = (char *)tp_read(fx->out, &len);
	text[len] = '\0';
	mayday_hex(m.trv[0].digest, MAYDAY_DIGEST_LEN, hex);
	assert_non_null(strstr(text, hex));
	assert_non_null(strstr(text, "NOT verified"));
	free(text);
}

static void write_file(const char *path, const uint8_t *b, size_t len);

/* bundle info on a hostile manifest (any key: info checks no signature): a
 * class with terminal escapes (C0 ESC, C1 CSI) and a component of 2^63 + 5
 * bytes. The text form shows the escapes as \xNN, never raw; the JSON gives
 * sizes past INT64_MAX as null, exact in *_text. (libmayday refuses a
 * manifest whose strings are not UTF-8, so that case cannot be signed.) */
static void test_info_hostile_text(void **state)
{
	struct fx *fx = *state;
	struct mayday_manifest *m = calloc(1, sizeof *m);
	struct mayday_signer signer;
	EVP_PKEY *k = EVP_EC_gen("P-256");
	uint8_t b[MAYDAY_BUNDLE_HEADER_LEN + MAYDAY_MANIFEST_MAX];
	size_t mlen = 0, len = 0;
	char path[TP_PATH_MAX];

	assert_non_null(m);
	assert_non_null(k);
	m->kind = MAYDAY_MANIFEST_IMAGE;
	snprintf(m->product_class, sizeof m->product_class, "femto\x1b[2J\xc2\x9b" "31m");
	snprintf(m->image_version, sizeof m->image_version, "1.0");
	m->rollback = 3;
	snprintf(m->entry, sizeof m->entry, "a");
	m->n_trv = 1;
	snprintf(m->trv[0].name, sizeof m->trv[0].name, "a");
	m->trv[0].size = (1ULL << 63) + 5;
	m->trv[0].designated = true;
	assert_int_equal(mayday_signer_from_pkey(&signer, k, NULL, 0), MAYDAY_OK);
	assert_int_equal(mayday_manifest_sign(m, &signer, b + MAYDAY_BUNDLE_HEADER_LEN,
					      MAYDAY_MANIFEST_MAX, &mlen), MAYDAY_OK);
	assert_int_equal(mayday_bundle_header_encode(mlen, b), MAYDAY_OK);
	tp_path(path, fx->w.root, NULL, "hostile.bundle");
	write_file(path, b, MAYDAY_BUNDLE_HEADER_LEN + mlen);

	assert_int_equal(tp_provision_to(fx->out, "bundle", "info", path, NULL), 0);
	char *text = (char *)tp_read(fx->out, &len);
	assert_non_null(text);
	assert_null(memchr(text, 0x1b, len));
	assert_null(memchr(text, 0x9b, len));
	text[len] = '\0';
	assert_non_null(strstr(text, "femto\\x1b[2J\\xc2\\x9b31m"));
	free(text);

	assert_int_equal(tp_provision_to(fx->out, "bundle", "info", path, "--json", NULL), 0);
	json_t *o = stdout_json(fx), *c = json_array_get(json_object_get(o, "components"), 0);
	assert_non_null(c);
	assert_true(json_is_null(json_object_get(c, "size")));
	assert_string_equal(json_string_value(json_object_get(c, "size_text")),
			    "9223372036854775813");
	assert_true(json_is_null(json_object_get(o, "payload_bytes")));
	assert_string_equal(json_string_value(json_object_get(o, "payload_bytes_text")),
			    "9223372036854775813");
	assert_string_equal(json_string_value(json_object_get(o, "class")),
			    "femto\x1b[2J\xc2\x9b" "31m");   /* JSON escapes it itself */
	json_decref(o);
	EVP_PKEY_free(k);
	free(m);
}

/* bundle verify applies the rules every device does: a bundle correctly
 * signed with the vendor key whose entry is optional, or with a component
 * named manifest.cose or .tmp-x, is rejected (exit 3), as the installer
 * would refuse it. */
static void test_verify_device_rules(void **state)
{
	struct fx *fx = *state;
	static const char *const names[][2] = {
		{ "a", "a" }, { "a", "manifest.cose" }, { "a", ".tmp-x" },
	};
	struct mayday_manifest *m = calloc(1, sizeof *m);
	struct mayday_signer signer;
	EVP_PKEY *k = NULL;
	uint8_t b[MAYDAY_BUNDLE_HEADER_LEN + MAYDAY_MANIFEST_MAX + 2];
	char key[TP_PATH_MAX], path[TP_PATH_MAX];

	assert_non_null(m);
	tp_path(key, fx->w.pki, NULL, "vendor.key.pem");
	assert_int_equal(mayday_key_load_private(key, &k), MAYDAY_OK);
	assert_int_equal(mayday_signer_from_pkey(&signer, k, NULL, 0), MAYDAY_OK);
	tp_path(path, fx->w.root, NULL, "rules.bundle");
	for (size_t i = 0; i < 3; i++) {
		size_t mlen = 0;
		memset(m, 0, sizeof *m);
		m->kind = MAYDAY_MANIFEST_IMAGE;
		snprintf(m->product_class, sizeof m->product_class, "femto-b");
		snprintf(m->image_version, sizeof m->image_version, "1.0");
		m->rollback = 3;
		snprintf(m->entry, sizeof m->entry, "%s", names[i][0]);
		m->n_trv = i == 0 ? 1 : 2;
		for (uint32_t t = 0; t < m->n_trv; t++) {
			snprintf(m->trv[t].name, sizeof m->trv[t].name, "%s", names[i][t]);
			m->trv[t].size = 1;
			unsigned int dl = 0;
			assert_int_equal(EVP_Digest("x", 1, m->trv[t].digest, &dl, EVP_sha256(),
						    NULL), 1);
			m->trv[t].designated = i != 0;
		}
		assert_int_equal(mayday_manifest_sign(m, &signer, b + MAYDAY_BUNDLE_HEADER_LEN,
						      MAYDAY_MANIFEST_MAX, &mlen), MAYDAY_OK);
		assert_int_equal(mayday_bundle_header_encode(mlen, b), MAYDAY_OK);
		memcpy(b + MAYDAY_BUNDLE_HEADER_LEN + mlen, "xx", m->n_trv);
		write_file(path, b, MAYDAY_BUNDLE_HEADER_LEN + mlen + m->n_trv);
		if (verify(fx, path) != EXIT_REJECTED)
			fail_msg("bundle verify passed manifest #%zu, which every device refuses", i);
	}
	EVP_PKEY_free(k);
	free(m);
}

static void write_file(const char *path, const uint8_t *b, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(b, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

/* Flip one bit at each of many offsets (header, manifest, every payload):
 * verify must reject every one. Truncations and padding too. */
static void test_tampered(void **state)
{
	struct fx *fx = *state;
	char bad[TP_PATH_MAX];
	size_t len = 0, at = 0;
	struct mayday_manifest m;
	uint8_t *b;

	assert_int_equal(bundle_image(fx, fx->bundle), 0);
	read_manifest(fx->bundle, fx->w.vendor_pub, &m, &at);
	b = tp_read(fx->bundle, &len);
	tp_path(bad, fx->w.root, NULL, "bad.bundle");
	size_t offsets[] = { 0, 4, 8, 11, 12, 20, at - 1, at, at + 16, at + m.trv[0].size,
			     at + m.trv[0].size + 50000, len - 1 };
	for (size_t i = 0; i < sizeof offsets / sizeof offsets[0]; i++) {
		b[offsets[i]] ^= 0x10;
		write_file(bad, b, len);
		b[offsets[i]] ^= 0x10;
		if (verify(fx, bad) != EXIT_REJECTED)
			fail_msg("a bit flipped at byte %zu was not rejected", offsets[i]);
		json_t *o = stdout_json(fx);
		assert_true(json_is_false(json_object_get(o, "verified")));
		assert_non_null(json_string_value(json_object_get(o, "error")));
		json_decref(o);
	}
	/* Truncated at each layer, and one byte appended. */
	size_t cuts[] = { 0, 5, 12, at - 3, at, at + 1, len - 1 };
	for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
		write_file(bad, b, cuts[i]);
		if (verify(fx, bad) != EXIT_REJECTED)
			fail_msg("a bundle cut to %zu bytes was not rejected", cuts[i]);
	}
	uint8_t *longer = malloc(len + 1);
	memcpy(longer, b, len);
	longer[len] = 0;
	write_file(bad, longer, len + 1);
	assert_int_equal(verify(fx, bad), EXIT_REJECTED);
	/* A header claiming a 4 GiB manifest is refused before any reading. */
	memcpy(longer, b, MAYDAY_BUNDLE_HEADER_LEN);
	memset(longer + 8, 0xff, 4);
	write_file(bad, longer, len);
	assert_int_equal(verify(fx, bad), EXIT_REJECTED);
	assert_int_equal(tp_provision("bundle", "info", bad, NULL), EXIT_REJECTED);
	free(longer);
	free(b);
}

static void test_wrong_key_and_usage(void **state)
{
	struct fx *fx = *state;
	char other[TP_PATH_MAX], pub[TP_PATH_MAX], missing[TP_PATH_MAX];

	assert_int_equal(bundle_image(fx, fx->bundle), 0);
	tp_path(other, fx->w.root, NULL, "other-pki");
	assert_int_equal(tp_provision("init", "--pki", other, NULL), 0);
	tp_path(pub, other, NULL, "vendor.pub.pem");
	assert_int_equal(tp_provision_to(fx->out, "bundle", "verify", fx->bundle, "--vendor-pub",
					 pub, "--json", NULL), EXIT_REJECTED);
	json_t *o = stdout_json(fx);
	assert_true(json_is_false(json_object_get(o, "signature_ok")));
	json_decref(o);
	/* usage: no key, no bundle; errors: no such bundle, no such key */
	assert_int_equal(tp_provision("bundle", "verify", fx->bundle, NULL), 2);
	assert_int_equal(tp_provision("bundle", "info", NULL), 2);
	/* a second --key or --pkcs11-module would silently win: usage error */
	char key[TP_PATH_MAX];
	tp_path(key, fx->w.pki, NULL, "vendor.key.pem");
	assert_int_equal(tp_provision("bundle", "--key", key, "--key", key, "--out", fx->bundle,
				      "--class", "femto-b", "--image-version", "4.2.0", "--rollback",
				      "7", "--image", fx->img, NULL), 2);
	assert_int_equal(tp_provision("bundle", "--key", key, "--pkcs11-module", "/a.so",
				      "--pkcs11-module", "/b.so", "--out", fx->bundle, "--class",
				      "femto-b", "--image-version", "4.2.0", "--rollback", "7",
				      "--image", fx->img, NULL), 2);
	assert_int_equal(tp_provision("dcf-conf", "--device", fx->w.dev, "--key", key, "--key",
				      key, "--conf", key, NULL), 2);
	assert_int_equal(tp_provision("tamper", "--device", fx->w.dev, "--what", "trv", "--key",
				      key, "--key", key, NULL), 2);
	tp_path(missing, fx->w.root, NULL, "missing.bundle");
	assert_int_equal(tp_provision("bundle", "verify", missing, "--vendor-pub", fx->pub, NULL),
			 1);
	assert_int_equal(tp_provision("bundle", "verify", fx->bundle, "--vendor-pub", missing,
				      NULL), 1);
	/* both sources, or neither */
	assert_int_equal(tp_provision("bundle", "--pki", fx->w.pki, "--out", fx->bundle, "--class",
				      "x", "--image-version", "1", "--rollback", "1", NULL), 2);
}

/* image.ini mistakes and hostile image directories: exit 1, no bundle. */
static void test_bad_image(void **state)
{
	struct fx *fx = *state;
	static const char *const inis[] = {
		"[image]\ncomponent = mayday-normal\n",                             /* no entry */
		"[image]\nentry = rootfs.img\ncomponent = mayday-normal\n",        /* entry unlisted */
		"[image]\nentry = mayday-normal\ncomponent = mayday-normal\ncomponent = mayday-normal\n",
		"[image]\nentry = mayday-normal\ncomponent = ../etc/passwd\n",
		"[image]\nentry = mayday-normal\ncomponent = mayday-normal\nsigner = me\n",
		"[other]\nentry = mayday-normal\n",
		"[image]\nentry = mayday-normal\ncomponent = mayday-normal\ncomponent = absent.bin\n",
		"[image]\nentry = mayday-normal\ncomponent = mayday-normal\ncomponent = link\n",
		"[image]\nentry = mayday-normal\ncomponent = mayday-normal\ncomponent = subdir\n",
		"[image\nentry = x\n",
		/* every device refuses these (mayday_image_manifest_check): */
		"[image]\nentry = mayday-normal\noptional = mayday-normal\n",     /* entry optional */
		"[image]\nentry = mayday-normal\ncomponent = mayday-normal\ncomponent = manifest.cose\n",
		"[image]\nentry = mayday-normal\ncomponent = mayday-normal\ncomponent = .tmp-rootfs\n",
		/* inih would read a hidden component: the tail of a 199-byte line
		 * as a line of its own, an indented line as one more value */
		"[image]\nentry = mayday-normal\ncomponent = mayday-normal\noptional = notes.txt ; "
		"----------------------------------------------------------------------------------------"
		"----------------------------------------------------------------------------------------"
		"component = rootfs.img\n",
		"[image]\nentry = mayday-normal\ncomponent = mayday-normal\n  rootfs.img\n",
	};
	char link[TP_PATH_MAX], dir[TP_PATH_MAX], rootfs[TP_PATH_MAX];

	/* present, so only the rule refuses them */
	put(fx->img, "manifest.cose", "x", 1);
	put(fx->img, ".tmp-rootfs", "x", 1);

	tp_path(link, fx->img, NULL, "link");
	tp_path(rootfs, fx->img, NULL, "rootfs.img");
	assert_int_equal(symlink(rootfs, link), 0);
	tp_path(dir, fx->img, NULL, "subdir");
	assert_int_equal(mkdir(dir, 0700), 0);
	for (size_t i = 0; i < sizeof inis / sizeof inis[0]; i++) {
		put(fx->img, "image.ini", inis[i], strlen(inis[i]));
		if (bundle_image(fx, fx->bundle) != 1)
			fail_msg("image.ini #%zu was accepted", i);
		assert_int_equal(access(fx->bundle, F_OK), -1);
	}
	/* 33 components: one more than a manifest may list */
	char ini[4096] = "[image]\nentry = c0\n";
	for (int i = 0; i < 33; i++) {
		char name[16];
		snprintf(name, sizeof name, "c%d", i);
		put(fx->img, name, "x", 1);
		snprintf(ini + strlen(ini), sizeof ini - strlen(ini), "component = %s\n", name);
	}
	put(fx->img, "image.ini", ini, strlen(ini));
	assert_int_equal(bundle_image(fx, fx->bundle), 1);
	/* an image.ini larger than 16 KiB */
	char *big = malloc(20000);
	memset(big, ';', 20000);
	put(fx->img, "image.ini", big, 20000);
	free(big);
	assert_int_equal(bundle_image(fx, fx->bundle), 1);
	assert_int_equal(access(fx->bundle, F_OK), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_from_image, setup, teardown),
		cmocka_unit_test_setup_teardown(test_image_installs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_info_json, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tampered, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wrong_key_and_usage, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_image, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tmp_symlink, setup, teardown),
		cmocka_unit_test_setup_teardown(test_info_hostile_text, setup, teardown),
		cmocka_unit_test_setup_teardown(test_changed_since_hashed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_verify_device_rules, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `bundle`: make a signed remediation bundle (docs/protocol.md §13) from the
 * image in a device slot, re-signed with a new product class, image version
 * and anti-rollback value: this is how the golden image of a product class
 * is made from a factory device.
 *
 * The slot's manifest must verify (vendor key) and every component must
 * match its TRV, so a tampered device can never become a golden image. The
 * components are streamed from the slot into the bundle (never held in
 * memory) and hashed on the way, so what is checked is what is bundled; the
 * bundle appears under its name only when complete and checked (temporary +
 * rename).
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <openssl/evp.h>

#include "hal/flash.h"
#include "mayday/bundle.h"
#include "mayday/manifest.h"
#include "prov_args.h"
#include "prov_cmd.h"
#include "prov_flash.h"
#include "prov_fs.h"
#include "prov_log.h"
#include "prov_manifest.h"
#include "prov_pki.h"

struct bundle_args {
	const char *pki, *out, *class, *version, *from_slot;
	uint64_t rollback;
	int have_rollback;
};

static void usage(FILE *to)
{
	fprintf(to,
		"usage: mayday-provision bundle --pki DIR --out FILE --class CLASS\n"
		"         --image-version V --rollback R --from-slot DEVDIR/slot_a|slot_b\n"
		"  Sign the components of a (verifying) device slot into a bundle for\n"
		"  remediation, with a new product class, image version and anti-rollback value.\n");
}

static int parse(int argc, char **argv, struct bundle_args *a)
{
	static const struct option longopts[] = {
		{ "pki", required_argument, NULL, 'p' },
		{ "out", required_argument, NULL, 'o' },
		{ "class", required_argument, NULL, 'c' },
		{ "image-version", required_argument, NULL, 'v' },
		{ "rollback", required_argument, NULL, 'r' },
		{ "from-slot", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'p': a->pki = optarg; break;
		case 'o': a->out = optarg; break;
		case 'c': a->class = optarg; break;
		case 'v': a->version = optarg; break;
		case 's': a->from_slot = optarg; break;
		case 'r':
			if (!prov_args_u64("--rollback", optarg, 0, UINT64_MAX, &a->rollback))
				return 0;
			a->have_rollback = 1;
			break;
		case 'h':
			usage(stdout);
			exit(PROV_EXIT_OK);
		default:
			return 0;
		}
	}
	if (optind != argc || !a->pki || !a->out || !a->class || !a->version ||
	    !a->from_slot || !a->have_rollback) {
		prov_log_error("--pki, --out, --class, --image-version, --rollback and --from-slot are required");
		return 0;
	}
	return prov_args_name("--class", a->class, MAYDAY_CLASS_MAX) &&
	       prov_args_name("--image-version", a->version, MAYDAY_VERSION_STR_MAX);
}

/* Streams PART/t->name into `out`, hashing what it copies: the bytes that
 * go into the bundle are the bytes checked against the TRV (one read; a
 * component changed meanwhile cannot slip in). MAYDAY_E_MISMATCH when size
 * or digest differ from the TRV. */
static enum mayday_err copy_component(struct hal_flash *f, const char *part,
				      const struct mayday_trv *t, FILE *out, uint8_t *buf,
				      size_t cap)
{
	struct hal_flash_reader *r = NULL;
	uint8_t digest[MAYDAY_DIGEST_LEN];
	unsigned int dlen = 0;
	uint64_t size = 0, done = 0;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	enum mayday_err rc = md ? MAYDAY_OK : MAYDAY_E_NOMEM;
	size_t n = 0;

	if (rc == MAYDAY_OK && EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1)
		rc = MAYDAY_E_INTERNAL;
	if (rc == MAYDAY_OK)
		rc = hal_flash_reader_open(f, part, t->name, &r, &size);
	while (rc == MAYDAY_OK) {
		rc = hal_flash_reader_read(r, buf, cap, &n);
		if (rc != MAYDAY_OK || n == 0)
			break;
		done += n;
		if (EVP_DigestUpdate(md, buf, n) != 1)
			rc = MAYDAY_E_INTERNAL;
		else if (fwrite(buf, 1, n, out) != n)
			rc = MAYDAY_E_IO;
	}
	hal_flash_reader_close(r);
	if (rc == MAYDAY_OK && EVP_DigestFinal_ex(md, digest, &dlen) != 1)
		rc = MAYDAY_E_INTERNAL;
	if (rc == MAYDAY_OK &&
	    (done != t->size || dlen != sizeof digest || memcmp(digest, t->digest, sizeof digest)))
		rc = MAYDAY_E_MISMATCH;
	EVP_MD_CTX_free(md);
	return rc;
}

static int write_bundle(struct hal_flash *f, const char *part, const struct mayday_manifest *m,
			const uint8_t *signed_m, size_t signed_len, const char *path)
{
	char tmp[PROV_PATH_MAX];
	uint8_t hdr[MAYDAY_BUNDLE_HEADER_LEN];
	uint8_t *buf = malloc(64 * 1024);
	FILE *out = NULL;
	enum mayday_err rc = MAYDAY_E_NOMEM;
	int ok = 0;

	if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp) {
		prov_log_error("--out: path too long");
		goto out;
	}
	if (!buf)
		goto fail;
	out = fopen(tmp, "wb");
	rc = out ? mayday_bundle_header_encode(signed_len, hdr) : MAYDAY_E_IO;
	if (rc == MAYDAY_OK && (fwrite(hdr, 1, sizeof hdr, out) != sizeof hdr ||
				fwrite(signed_m, 1, signed_len, out) != signed_len))
		rc = MAYDAY_E_IO;
	for (uint32_t i = 0; i < m->n_trv && rc == MAYDAY_OK; i++) {
		rc = copy_component(f, part, &m->trv[i], out, buf, 64 * 1024);
		if (rc == MAYDAY_E_MISMATCH || rc == MAYDAY_E_NOTFOUND) {
			prov_log_error("%s/%s does not match its TRV (%s): refusing to bundle it",
				       part, m->trv[i].name, mayday_strerror(rc));
			goto discard;
		}
	}
	if (rc == MAYDAY_OK && (fflush(out) != 0 || fsync(fileno(out)) != 0))
		rc = MAYDAY_E_IO;
	if (out && fclose(out) != 0 && rc == MAYDAY_OK)
		rc = MAYDAY_E_IO;
	out = NULL;
	if (rc == MAYDAY_OK && rename(tmp, path) != 0)
		rc = MAYDAY_E_IO;
	if (rc == MAYDAY_OK) {
		ok = 1;
		goto out;
	}
fail:
	prov_log_error("cannot write bundle %s: %s", path, mayday_strerror(rc));
discard:
	if (out)
		fclose(out);
	unlink(tmp);
out:
	free(buf);
	return ok;
}

/* DEVDIR/PART into its two halves (PART must be a slot). */
static int split_slot(const char *arg, char *dev, size_t cap, const char **part)
{
	const char *slash = strrchr(arg, '/');

	if (!slash || (size_t)(slash - arg) >= cap ||
	    (strcmp(slash + 1, HAL_PART_SLOT_A) != 0 && strcmp(slash + 1, HAL_PART_SLOT_B) != 0)) {
		prov_log_error("--from-slot: expected DEVDIR/%s or DEVDIR/%s", HAL_PART_SLOT_A,
			       HAL_PART_SLOT_B);
		return 0;
	}
	memcpy(dev, arg, (size_t)(slash - arg));
	dev[slash - arg] = '\0';
	*part = slash + 1;
	return 1;
}

int prov_bundle_main(int argc, char **argv)
{
	struct bundle_args a = { 0 };
	char dev[PROV_PATH_MAX];
	const char *part = NULL;
	EVP_PKEY *vendor = NULL;
	struct hal_flash *f = NULL;
	struct mayday_manifest *m = NULL;
	struct mayday_signer signer;
	uint8_t signed_m[MAYDAY_MANIFEST_MAX];
	size_t signed_len = 0;
	uint64_t total = 0;
	enum mayday_err rc;
	int code = PROV_EXIT_ERROR;

	if (!parse(argc, argv, &a) || !split_slot(a.from_slot, dev, sizeof dev, &part)) {
		usage(stderr);
		return PROV_EXIT_USAGE;
	}
	m = calloc(1, sizeof *m);
	if (!m || prov_pki_load_private(a.pki, PROV_PKI_VENDOR_KEY, &vendor) != MAYDAY_OK)
		goto out;
	if (!prov_fs_exists(dev)) {
		prov_log_error("--from-slot: no device at %s", dev);
		goto out;
	}
	rc = hal_flash_open(&f, dev, "host");
	if (rc != MAYDAY_OK) {
		prov_log_error("cannot open device %s: %s", dev, mayday_strerror(rc));
		goto out;
	}
	if (prov_manifest_read(f, part, vendor, m) != MAYDAY_OK)
		goto out;
	if (m->kind != MAYDAY_MANIFEST_IMAGE) {
		prov_log_error("%s/%s is not an image manifest", dev, part);
		goto out;
	}
	snprintf(m->product_class, sizeof m->product_class, "%s", a.class);
	snprintf(m->image_version, sizeof m->image_version, "%s", a.version);
	m->rollback = a.rollback;
	rc = mayday_signer_from_pkey(&signer, vendor, NULL, 0);
	if (rc == MAYDAY_OK)
		rc = mayday_manifest_sign(m, &signer, signed_m, sizeof signed_m, &signed_len);
	if (rc == MAYDAY_OK)
		rc = mayday_bundle_payload_size(m, &total);
	if (rc != MAYDAY_OK) {
		prov_log_error("cannot sign the bundle manifest: %s", mayday_strerror(rc));
		goto out;
	}
	if (!write_bundle(f, part, m, signed_m, signed_len, a.out))
		goto out;
	prov_log_info("bundle %s: class %s, image %s, anti-rollback %" PRIu64
		      ", %u components, %" PRIu64 " payload bytes", a.out, m->product_class,
		      m->image_version, m->rollback, m->n_trv, total);
	code = PROV_EXIT_OK;
out:
	hal_flash_close(f);
	EVP_PKEY_free(vendor);
	free(m);
	return code;
}

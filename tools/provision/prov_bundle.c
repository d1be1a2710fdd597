/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `bundle`: make a signed remediation bundle (docs/protocol.md §13) for a
 * product class, image version and anti-rollback value, from either
 *
 *   --image DIR         a vendor build's image directory (prov_image.h):
 *                       the components are hashed into new TRVs; or
 *   --from-slot DEV/S   a provisioned device's slot, whose manifest must
 *                       verify (vendor key) and whose every component must
 *                       match its TRV, so a tampered device can never become
 *                       a golden image.
 *
 * `bundle info` and `bundle verify` read bundles (prov_bundle_inspect.c).
 *
 * Either way the components are streamed into the bundle (never held in
 * memory) and hashed on the way, so what is checked against the signed TRVs
 * is what is bundled (a file changed after it was measured is refused); the
 * bundle appears under its name only when complete and checked (a temporary
 * file of this run's own, O_EXCL|O_NOFOLLOW, then rename and a directory
 * fsync). The vendor key may live in a PKCS#11 token (--key, prov_key.h).
 */
#include <errno.h>
#include <fcntl.h>
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
#include "prov_fs.h"
#include "prov_image.h"
#include "prov_key.h"
#include "prov_log.h"
#include "prov_manifest.h"

#define COPY_CHUNK (64 * 1024)

struct bundle_args {
	const char *pki, *out, *class, *version, *from_slot, *image, *key, *pkcs11_module;
	uint64_t rollback;
	int have_rollback;
};

/* Where the components come from: a device slot through the flash HAL, or
 * an image directory's files. */
struct source {
	struct hal_flash *f;     /* --from-slot */
	const char *part;
	const char *dir;         /* --image */
};

static void usage(FILE *to)
{
	fprintf(to,
		"usage: mayday-provision bundle --out FILE --class CLASS --image-version V\n"
		"         --rollback R (--image DIR | --from-slot DEVDIR/slot_a|slot_b)\n"
		"         [--pki DIR] [--key PATH|pkcs11:URI [--pkcs11-module SO]]\n"
		"       mayday-provision bundle info BUNDLE [--json]\n"
		"       mayday-provision bundle verify BUNDLE --vendor-pub PEM [--json]\n"
		"  Signs the components of an image directory (DIR/%s lists them) or of a\n"
		"  (verifying) device slot into a remediation bundle, with the product class,\n"
		"  image version and anti-rollback value given. The vendor key is --key (a PEM\n"
		"  file, or a PKCS#11 URI: it signs inside the token), else DIR/vendor.key.pem.\n",
		PROV_IMAGE_INI);
}

static int parse(int argc, char **argv, struct bundle_args *a)
{
	enum { OPT_IMAGE = 256, OPT_KEY, OPT_MODULE };
	static const struct option longopts[] = {
		{ "pki", required_argument, NULL, 'p' },
		{ "out", required_argument, NULL, 'o' },
		{ "class", required_argument, NULL, 'c' },
		{ "image-version", required_argument, NULL, 'v' },
		{ "rollback", required_argument, NULL, 'r' },
		{ "from-slot", required_argument, NULL, 's' },
		{ "image", required_argument, NULL, OPT_IMAGE },
		{ "key", required_argument, NULL, OPT_KEY },
		{ "pkcs11-module", required_argument, NULL, OPT_MODULE },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'p': a->pki = optarg; break;
		case 'o': a->out = optarg; break;
		case 'c': a->class = optarg; break;
		case 'v': a->version = optarg; break;
		case 's': a->from_slot = optarg; break;
		case OPT_IMAGE: a->image = optarg; break;
		case OPT_KEY:
			if (!prov_key_arg_once("--key", &a->key, optarg))
				return 0;
			break;
		case OPT_MODULE:
			if (!prov_key_arg_once("--pkcs11-module", &a->pkcs11_module, optarg))
				return 0;
			break;
		case 'r':
			if (!prov_args_u64("rollback", optarg, 0, UINT64_MAX, &a->rollback))
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
	if (optind != argc || !a->out || !a->class || !a->version || !a->have_rollback ||
	    (!a->pki && !a->key)) {
		prov_log_error("--out, --class, --image-version, --rollback and --pki or --key "
			       "are required");
		return 0;
	}
	if (!a->from_slot == !a->image) {
		prov_log_error("give one of --image and --from-slot");
		return 0;
	}
	return prov_args_name("class", a->class, MAYDAY_CLASS_MAX) &&
	       prov_args_name("image-version", a->version, MAYDAY_VERSION_STR_MAX);
}

/* Streams one component into `out`, hashing what it copies: the bytes that
 * go into the bundle are the bytes checked against the TRV (one read; a
 * component changed meanwhile cannot slip in). MAYDAY_E_MISMATCH when size
 * or digest differ from the TRV. */
static enum mayday_err copy_component(const struct source *src, const struct mayday_trv *t,
				      FILE *out, uint8_t *buf, size_t cap)
{
	struct hal_flash_reader *r = NULL;
	uint8_t digest[MAYDAY_DIGEST_LEN];
	unsigned int dlen = 0;
	uint64_t size = 0, done = 0;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	enum mayday_err rc = md ? MAYDAY_OK : MAYDAY_E_NOMEM;
	size_t n = 0;
	int fd = -1;

	if (rc == MAYDAY_OK && EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1)
		rc = MAYDAY_E_INTERNAL;
	if (rc == MAYDAY_OK && src->f)
		rc = hal_flash_reader_open(src->f, src->part, t->name, &r, &size);
	else if (rc == MAYDAY_OK && (fd = prov_image_open(src->dir, t->name, &size)) < 0)
		rc = MAYDAY_E_NOTFOUND;
	while (rc == MAYDAY_OK) {
		if (r) {
			rc = hal_flash_reader_read(r, buf, cap, &n);
		} else {
			ssize_t got = read(fd, buf, cap);
			if (got < 0 && errno == EINTR)
				continue;
			rc = got < 0 ? MAYDAY_E_IO : MAYDAY_OK;
			n = got < 0 ? 0 : (size_t)got;
		}
		if (rc != MAYDAY_OK || n == 0)
			break;
		done += n;
		if (EVP_DigestUpdate(md, buf, n) != 1)
			rc = MAYDAY_E_INTERNAL;
		else if (fwrite(buf, 1, n, out) != n)
			rc = MAYDAY_E_IO;
	}
	hal_flash_reader_close(r);
	if (fd >= 0)
		close(fd);
	if (rc == MAYDAY_OK && EVP_DigestFinal_ex(md, digest, &dlen) != 1)
		rc = MAYDAY_E_INTERNAL;
	if (rc == MAYDAY_OK &&
	    (done != t->size || dlen != sizeof digest || memcmp(digest, t->digest, sizeof digest)))
		rc = MAYDAY_E_MISMATCH;
	EVP_MD_CTX_free(md);
	return rc;
}

static int write_bundle(const struct source *src, const struct mayday_manifest *m,
			const uint8_t *signed_m, size_t signed_len, const char *path)
{
	char tmp[PROV_PATH_MAX];
	uint8_t hdr[MAYDAY_BUNDLE_HEADER_LEN];
	uint8_t *buf = malloc(COPY_CHUNK);
	const char *from = src->f ? src->part : src->dir;
	FILE *out = NULL;
	enum mayday_err rc = MAYDAY_E_NOMEM;
	int ok = 0, fd = -1, created = 0;

	/* A name of this run's own, created exclusively and never through a
	 * symlink: a file planted under it (a link to something the signer may
	 * write) makes this run fail instead of writing through it, and only a
	 * file this run created is ever unlinked. */
	if (snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid()) >= (int)sizeof tmp) {
		prov_log_error("--out: path too long");
		goto out;
	}
	if (!buf)
		goto fail;
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd >= 0) {
		created = 1;
		out = fdopen(fd, "wb");
		if (!out)
			close(fd);
	} else {
		prov_log_error("cannot create %s: %s", tmp, strerror(errno));
	}
	rc = out ? mayday_bundle_header_encode(signed_len, hdr) : MAYDAY_E_IO;
	if (rc == MAYDAY_OK && (fwrite(hdr, 1, sizeof hdr, out) != sizeof hdr ||
				fwrite(signed_m, 1, signed_len, out) != signed_len))
		rc = MAYDAY_E_IO;
	for (uint32_t i = 0; i < m->n_trv && rc == MAYDAY_OK; i++) {
		rc = copy_component(src, &m->trv[i], out, buf, COPY_CHUNK);
		if (rc == MAYDAY_E_MISMATCH || rc == MAYDAY_E_NOTFOUND) {
			if (src->f)
				prov_log_error("%s/%s does not match its TRV (%s): refusing to "
					       "bundle it", from, m->trv[i].name, mayday_strerror(rc));
			else if (rc == MAYDAY_E_MISMATCH) /* NOTFOUND: prov_image_open said why */
				prov_log_error("%s/%s changed since it was hashed: refusing to "
					       "bundle it", from, m->trv[i].name);
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
		created = 0; /* renamed: nothing left to remove */
		/* the rename itself must survive a power cut too */
		rc = prov_fs_sync_parent(path);
	}
	if (rc == MAYDAY_OK) {
		ok = 1;
		goto out;
	}
fail:
	prov_log_error("cannot write bundle %s: %s", path, mayday_strerror(rc));
discard:
	if (out)
		fclose(out);
	if (created)
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

/* The slot's verified manifest and its TRVs, or 0 (reported). */
static int from_slot(const struct prov_key *vendor, struct source *src, const char *dev,
		     struct mayday_manifest *m)
{
	enum mayday_err rc;

	if (!prov_fs_exists(dev)) {
		prov_log_error("--from-slot: no device at %s", dev);
		return 0;
	}
	rc = hal_flash_open(&src->f, dev, "host");
	if (rc != MAYDAY_OK) {
		prov_log_error("cannot open device %s: %s", dev, mayday_strerror(rc));
		return 0;
	}
	if (prov_manifest_read(src->f, src->part, vendor->pub, m) != MAYDAY_OK)
		return 0;
	if (m->kind != MAYDAY_MANIFEST_IMAGE) {
		prov_log_error("%s/%s is not an image manifest", dev, src->part);
		return 0;
	}
	return 1;
}

int prov_bundle_main(int argc, char **argv)
{
	struct bundle_args a = { 0 };
	char dev[PROV_PATH_MAX];
	struct prov_key vendor = { 0 };
	struct source src = { 0 };
	struct mayday_manifest *m = NULL;
	uint8_t signed_m[MAYDAY_MANIFEST_MAX];
	size_t signed_len = 0;
	uint64_t total = 0;
	enum mayday_err rc;
	int code = PROV_EXIT_ERROR;

	if (argc > 1 && (strcmp(argv[1], "info") == 0 || strcmp(argv[1], "verify") == 0))
		return prov_bundle_inspect_main(argc - 1, argv + 1);
	if (!parse(argc, argv, &a) ||
	    (a.from_slot && !split_slot(a.from_slot, dev, sizeof dev, &src.part))) {
		usage(stderr);
		return PROV_EXIT_USAGE;
	}
	m = calloc(1, sizeof *m);
	if (!m || prov_key_open(&vendor, a.key, a.pki, a.pkcs11_module) != MAYDAY_OK)
		goto out;
	if (a.image) {
		src.dir = a.image;
		if (prov_image_load(a.image, m) != MAYDAY_OK)
			goto out;
	} else if (!from_slot(&vendor, &src, dev, m)) {
		goto out;
	}
	snprintf(m->product_class, sizeof m->product_class, "%s", a.class);
	snprintf(m->image_version, sizeof m->image_version, "%s", a.version);
	m->rollback = a.rollback;
	rc = mayday_manifest_sign(m, &vendor.signer, signed_m, sizeof signed_m, &signed_len);
	if (rc == MAYDAY_OK)
		rc = mayday_bundle_payload_size(m, &total);
	if (rc != MAYDAY_OK) {
		prov_log_error("cannot sign the bundle manifest: %s", mayday_strerror(rc));
		goto out;
	}
	if (!write_bundle(&src, m, signed_m, signed_len, a.out))
		goto out;
	prov_log_info("bundle %s: class %s, image %s, anti-rollback %" PRIu64
		      ", %u components, %" PRIu64 " payload bytes", a.out, m->product_class,
		      m->image_version, m->rollback, m->n_trv, total);
	code = PROV_EXIT_OK;
out:
	hal_flash_close(src.f);
	prov_key_close(&vendor);
	free(m);
	return code;
}

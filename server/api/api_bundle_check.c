/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The golden bundle check (api_bundle.h). libmayday decodes the header
 * (mayday/bundle.h) and verifies the manifest (mayday/manifest.h); this
 * file adds what only the H(e)MS can ask -- is it for this class, does the
 * file hold exactly the payloads the manifest promises -- streaming the
 * payloads through SHA-256 in 64 KiB pieces, so a bundle of any size costs
 * the same memory.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api_bundle.h"
#include "mayday/bundle.h"
#include "mayday/manifest.h"

#define CHUNK 65536

struct reader {
	api_bundle_read_fn fn;
	void *ctx;
	EVP_MD_CTX *all;     /* SHA-256 of every byte read */
};

static bool take(struct reader *r, void *buf, size_t n)
{
	return r->fn(r->ctx, buf, n) && EVP_DigestUpdate(r->all, buf, n) == 1;
}

static void hex(const unsigned char *b, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", b[i]);
}

/* trv->size bytes through SHA-256, compared with its digest. */
static enum mayday_err component(struct reader *r, const struct mayday_trv *trv,
				 unsigned char *buf, char *why, size_t why_cap)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	EVP_MD_CTX *h = EVP_MD_CTX_new();
	enum mayday_err err = MAYDAY_E_INTERNAL;
	if (h == NULL || EVP_DigestInit_ex(h, EVP_sha256(), NULL) != 1)
		goto out;
	for (uint64_t left = trv->size; left > 0;) {
		size_t n = left < CHUNK ? (size_t)left : CHUNK;
		if (!take(r, buf, n)) {
			snprintf(why, why_cap, "component %s: the file ends inside it", trv->name);
			err = MAYDAY_E_MALFORMED;
			goto out;
		}
		if (EVP_DigestUpdate(h, buf, n) != 1)
			goto out;
		left -= n;
	}
	if (EVP_DigestFinal_ex(h, md, &mdlen) != 1 || mdlen != MAYDAY_DIGEST_LEN)
		goto out;
	if (memcmp(md, trv->digest, MAYDAY_DIGEST_LEN) != 0) {
		snprintf(why, why_cap, "component %s: its SHA-256 is not the manifest's", trv->name);
		err = MAYDAY_E_MISMATCH;
		goto out;
	}
	err = MAYDAY_OK;
out:
	EVP_MD_CTX_free(h);
	return err;
}

enum mayday_err api_bundle_check(api_bundle_read_fn read_next, void *ctx, uint64_t size,
				 EVP_PKEY *vendor, const char *klass, struct api_bundle_info *out,
				 char *why, size_t why_cap)
{
	uint8_t head[MAYDAY_BUNDLE_HEADER_LEN];
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	uint32_t mlen = 0;
	uint64_t payload = 0;
	struct mayday_diag diag = {0, NULL};
	struct reader r = {read_next, ctx, EVP_MD_CTX_new()};
	struct mayday_manifest *m = malloc(sizeof(*m));
	uint8_t *man = malloc(MAYDAY_MANIFEST_MAX);
	unsigned char *buf = malloc(CHUNK);
	enum mayday_err err = MAYDAY_E_NOMEM;
	memset(out, 0, sizeof(*out));
	why[0] = '\0';
	if (m == NULL || man == NULL || buf == NULL || r.all == NULL ||
	    EVP_DigestInit_ex(r.all, EVP_sha256(), NULL) != 1)
		goto out;
	err = MAYDAY_E_MALFORMED;
	if (size < sizeof(head) || !take(&r, head, sizeof(head))) {
		snprintf(why, why_cap, "shorter than a bundle header");
		goto out;
	}
	if ((err = mayday_bundle_header_decode(head, sizeof(head), &mlen, &diag)) != MAYDAY_OK) {
		snprintf(why, why_cap, "bundle header: %s", diag.what ? diag.what : "malformed");
		goto out;
	}
	err = MAYDAY_E_MALFORMED;
	if (mlen > MAYDAY_MANIFEST_MAX || size - sizeof(head) < mlen || !take(&r, man, mlen)) {
		snprintf(why, why_cap, "the file ends inside the manifest");
		goto out;
	}
	err = mayday_manifest_verify(man, mlen, vendor, m, &diag);
	if (err != MAYDAY_OK) {
		snprintf(why, why_cap, "manifest: %s (%s)", mayday_strerror(err),
			 diag.what ? diag.what : "the vendor key does not verify it");
		if (err != MAYDAY_E_SIGNATURE)
			err = MAYDAY_E_MALFORMED;
		goto out;
	}
	const char *rule = NULL;
	if (mayday_image_manifest_check(m, &rule) != MAYDAY_OK) {
		snprintf(why, why_cap, "manifest: %s", rule);
		err = MAYDAY_E_MALFORMED;
		goto out;
	}
	if (strcmp(m->product_class, klass) != 0) {
		snprintf(why, why_cap, "manifest: for product class '%s', not '%s'",
			 m->product_class, klass);
		err = MAYDAY_E_MISMATCH;
		goto out;
	}
	if (m->rollback == 0) {
		snprintf(why, why_cap, "manifest: version (rollback counter) 0");
		err = MAYDAY_E_ROLLBACK;
		goto out;
	}
	if (mayday_bundle_payload_size(m, &payload) != MAYDAY_OK ||
	    payload != size - sizeof(head) - mlen) {
		snprintf(why, why_cap, "%llu payload bytes follow the manifest, which announces %llu",
			 (unsigned long long)(size - sizeof(head) - mlen),
			 (unsigned long long)payload);
		err = MAYDAY_E_MALFORMED;
		goto out;
	}
	for (uint32_t i = 0; i < m->n_trv; i++)
		if ((err = component(&r, &m->trv[i], buf, why, why_cap)) != MAYDAY_OK)
			goto out;
	err = MAYDAY_E_INTERNAL;
	if (EVP_DigestFinal_ex(r.all, md, &mdlen) != 1 || mdlen != 32)
		goto out;
	hex(md, 32, out->sha256);
	out->version = m->rollback;
	snprintf(out->image_version, sizeof(out->image_version), "%s", m->image_version);
	out->size = size;
	err = MAYDAY_OK;
out:
	EVP_MD_CTX_free(r.all);
	free(m);
	free(man);
	free(buf);
	return err;
}

static bool read_fd(void *ctx, void *buf, size_t n)
{
	int fd = *(int *)ctx;
	unsigned char *p = buf;
	while (n > 0) {
		ssize_t k = read(fd, p, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return false;
		p += k;
		n -= (size_t)k;
	}
	return true;
}

enum mayday_err api_bundle_check_file(const char *path, EVP_PKEY *vendor, const char *klass,
				      struct api_bundle_info *out, char *why, size_t why_cap)
{
	struct stat sb;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		snprintf(why, why_cap, "%s: %s", path, strerror(errno));
		memset(out, 0, sizeof(*out));
		return errno == ENOENT ? MAYDAY_E_NOTFOUND : MAYDAY_E_IO;
	}
	enum mayday_err err = MAYDAY_E_IO;
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode))
		snprintf(why, why_cap, "%s: not a regular file", path);
	else
		err = api_bundle_check(read_fd, &fd, (uint64_t)sb.st_size, vendor, klass, out, why,
				       why_cap);
	close(fd);
	return err;
}

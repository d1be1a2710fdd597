/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Streaming copies through the flash HAL with SHA-256 computed on the fly.
 * One loop (copy_stream) serves copying in, generating random components
 * and flipping a byte: a source callback fills each chunk, the chunk is
 * optionally altered at one offset, hashed and, if a writer is given,
 * written. File modes are set after the commit through the HAL's path,
 * since the HAL writes every file 0600.
 */
#include "prov_flash.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "hal/flash.h"
#include "mayday/keys.h"
#include "prov_fs.h"

#define CHUNK (64 * 1024)

/* Fills buf with up to cap bytes; *n == 0 at the end. */
typedef enum mayday_err (*source_fn)(void *ctx, uint8_t *buf, size_t cap, size_t *n);

static enum mayday_err from_file(void *ctx, uint8_t *buf, size_t cap, size_t *n)
{
	FILE *fp = ctx;

	*n = fread(buf, 1, cap, fp);
	return ferror(fp) ? MAYDAY_E_IO : MAYDAY_OK;
}

struct random_src {
	uint64_t left;
};

static enum mayday_err from_random(void *ctx, uint8_t *buf, size_t cap, size_t *n)
{
	struct random_src *r = ctx;
	size_t want = r->left < cap ? (size_t)r->left : cap;

	if (want > 0 && RAND_bytes(buf, (int)want) != 1)
		return MAYDAY_E_INTERNAL;
	r->left -= want;
	*n = want;
	return MAYDAY_OK;
}

static enum mayday_err from_reader(void *ctx, uint8_t *buf, size_t cap, size_t *n)
{
	return hal_flash_reader_read(ctx, buf, cap, n);
}

/* Pull everything from src; flip byte flip_at; hash; write to w if non-NULL.
 * Commits w on success, aborts it on failure (w is consumed either way). */
static enum mayday_err copy_stream(source_fn src, void *ctx, struct hal_flash_writer *w,
				   uint64_t flip_at, uint8_t digest[MAYDAY_DIGEST_LEN],
				   uint64_t *size)
{
	uint8_t buf[CHUNK];
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	uint64_t off = 0;
	enum mayday_err rc = MAYDAY_E_INTERNAL;
	size_t n;

	if (!md || EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1)
		goto fail;
	for (;;) {
		rc = src(ctx, buf, sizeof(buf), &n);
		if (rc != MAYDAY_OK || n == 0)
			break;
		if (flip_at != PROV_NO_FLIP && flip_at >= off && flip_at - off < n)
			buf[flip_at - off] ^= 0xff;
		if (EVP_DigestUpdate(md, buf, n) != 1) {
			rc = MAYDAY_E_INTERNAL;
			break;
		}
		if (w && (rc = hal_flash_writer_write(w, buf, n)) != MAYDAY_OK)
			break;
		off += n;
	}
	if (rc != MAYDAY_OK)
		goto fail;
	if (flip_at != PROV_NO_FLIP && flip_at >= off) {
		rc = MAYDAY_E_INVALID;
		goto fail;
	}
	if (EVP_DigestFinal_ex(md, digest, NULL) != 1) {
		rc = MAYDAY_E_INTERNAL;
		goto fail;
	}
	EVP_MD_CTX_free(md);
	*size = off;
	return w ? hal_flash_writer_commit(w) : MAYDAY_OK;
fail:
	EVP_MD_CTX_free(md);
	hal_flash_writer_abort(w);
	return rc;
}

static enum mayday_err set_mode(struct hal_flash *f, const char *part, const char *name,
				unsigned mode)
{
	char path[PROV_PATH_MAX];
	enum mayday_err rc = hal_flash_path(f, part, name, path, sizeof(path));

	if (rc != MAYDAY_OK)
		return rc;
	return chmod(path, mode) == 0 ? MAYDAY_OK : MAYDAY_E_IO;
}

static void fill_trv(struct mayday_trv *trv, const char *name, uint64_t size,
		     const uint8_t digest[MAYDAY_DIGEST_LEN])
{
	if (!trv)
		return;
	snprintf(trv->name, sizeof(trv->name), "%s", name);
	trv->size = size;
	memcpy(trv->digest, digest, MAYDAY_DIGEST_LEN);
}

static enum mayday_err write_from(struct hal_flash *f, const char *part, const char *name,
				  source_fn src, void *ctx, struct mayday_trv *trv)
{
	struct hal_flash_writer *w = NULL;
	uint8_t digest[MAYDAY_DIGEST_LEN];
	uint64_t size = 0;
	enum mayday_err rc;

	if (!mayday_name_is_safe(name))
		return MAYDAY_E_INVALID;
	rc = hal_flash_writer_open(f, part, name, &w);
	if (rc != MAYDAY_OK)
		return rc;
	rc = copy_stream(src, ctx, w, PROV_NO_FLIP, digest, &size);
	if (rc == MAYDAY_OK)
		fill_trv(trv, name, size, digest);
	return rc;
}

enum mayday_err prov_flash_copy_in(struct hal_flash *f, const char *part, const char *name,
				   const char *src, unsigned mode, struct mayday_trv *trv)
{
	FILE *fp = fopen(src, "rb");
	enum mayday_err rc;

	if (!fp)
		return MAYDAY_E_NOTFOUND;
	rc = write_from(f, part, name, from_file, fp, trv);
	fclose(fp);
	if (rc == MAYDAY_OK)
		rc = set_mode(f, part, name, mode);
	return rc;
}

enum mayday_err prov_flash_put(struct hal_flash *f, const char *part, const char *name,
			       const void *data, size_t len, struct mayday_trv *trv)
{
	uint8_t digest[MAYDAY_DIGEST_LEN];
	enum mayday_err rc;

	if (!mayday_name_is_safe(name))
		return MAYDAY_E_INVALID;
	rc = hal_flash_write_atomic(f, part, name, data, len);
	if (rc == MAYDAY_OK) {
		mayday_sha256(data, len, digest);
		fill_trv(trv, name, len, digest);
	}
	return rc;
}

enum mayday_err prov_flash_put_random(struct hal_flash *f, const char *part, const char *name,
				      uint64_t size, struct mayday_trv *trv)
{
	struct random_src r = { .left = size };

	return write_from(f, part, name, from_random, &r, trv);
}

enum mayday_err prov_flash_digest(struct hal_flash *f, const char *part, const char *name,
				  uint64_t flip_at, uint8_t digest[MAYDAY_DIGEST_LEN],
				  uint64_t *size)
{
	struct hal_flash_reader *r = NULL;
	uint64_t file_size;
	enum mayday_err rc = hal_flash_reader_open(f, part, name, &r, &file_size);

	if (rc != MAYDAY_OK)
		return rc;
	rc = copy_stream(from_reader, r, NULL, flip_at, digest, size);
	hal_flash_reader_close(r);
	return rc;
}

enum mayday_err prov_flash_flip(struct hal_flash *f, const char *part, const char *name,
				uint64_t at)
{
	char path[PROV_PATH_MAX];
	struct stat st;
	struct hal_flash_reader *r = NULL;
	struct hal_flash_writer *w = NULL;
	uint8_t digest[MAYDAY_DIGEST_LEN];
	uint64_t size;
	enum mayday_err rc;

	rc = hal_flash_path(f, part, name, path, sizeof(path));
	if (rc != MAYDAY_OK)
		return rc;
	if (stat(path, &st) != 0)
		return MAYDAY_E_NOTFOUND;
	rc = hal_flash_reader_open(f, part, name, &r, &size);
	if (rc != MAYDAY_OK)
		return rc;
	if (at >= size) {
		rc = MAYDAY_E_INVALID;
		goto out;
	}
	rc = hal_flash_writer_open(f, part, name, &w);
	if (rc != MAYDAY_OK)
		goto out;
	rc = copy_stream(from_reader, r, w, at, digest, &size);
	if (rc == MAYDAY_OK)
		rc = set_mode(f, part, name, st.st_mode & 07777);
out:
	hal_flash_reader_close(r);
	return rc;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * GET /v1/classes and /v1/classes/{class} (docs/api.md "Classes"): the
 * product classes of the enrolled devices, with their remediation pause
 * and their golden bundle (<bundle_dir>/<class>.bundle) as it stands on
 * disk: size, SHA-256, modification time and the manifest's versions.
 *
 * The bundle's manifest is decoded here for display only, not verified:
 * a bundle's signature, class and version are checked where it is loaded
 * (the ACS, before offering it) and uploaded (PUT .../bundle); this page
 * says which file is there, and a hash an operator can compare.
 *
 * A bundle is an image of the whole normal code (megabytes to hundreds of
 * them), and every GET /v1/classes shows each class's: the digests are
 * kept in a small cache keyed by the file's device, inode, size and
 * modification time, so a bundle is read once per version. A replaced
 * bundle (an upload renames a new file over the old) is a new inode, so
 * it is hashed afresh.
 */
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api_json.h"
#include "api_page.h"
#include "mayday/bundle.h"
#include "mayday/cose.h"
#include "mayday/manifest.h"

static void hex(const unsigned char *b, size_t n, char *out)
{
	static const char d[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = d[b[i] >> 4];
		out[2 * i + 1] = d[b[i] & 15];
	}
	out[2 * n] = '\0';
}

#define CACHE_SLOTS 32

struct cached {
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
	char hex[2 * 32 + 1];   /* "" unused */
};

static struct cached cache[CACHE_SLOTS];
static unsigned cache_next;
static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;

static bool same_file(const struct cached *c, const struct stat *sb)
{
	return c->hex[0] != '\0' && c->dev == sb->st_dev && c->ino == sb->st_ino &&
	       c->size == sb->st_size && c->mtime.tv_sec == sb->st_mtim.tv_sec &&
	       c->mtime.tv_nsec == sb->st_mtim.tv_nsec;
}

static bool cache_get(const struct stat *sb, char hex[2 * 32 + 1])
{
	bool hit = false;
	pthread_mutex_lock(&cache_lock);
	for (unsigned i = 0; i < CACHE_SLOTS && !hit; i++) {
		if (same_file(&cache[i], sb)) {
			memcpy(hex, cache[i].hex, sizeof(cache[i].hex));
			hit = true;
		}
	}
	pthread_mutex_unlock(&cache_lock);
	return hit;
}

static void cache_put(const struct stat *sb, const char *hex)
{
	pthread_mutex_lock(&cache_lock);
	struct cached *c = &cache[cache_next++ % CACHE_SLOTS];
	c->dev = sb->st_dev;
	c->ino = sb->st_ino;
	c->size = sb->st_size;
	c->mtime = sb->st_mtim;
	snprintf(c->hex, sizeof(c->hex), "%s", hex);
	pthread_mutex_unlock(&cache_lock);
}

/* SHA-256 of the open file, hex; false on a read error. */
static bool digest(int fd, char hex_out[2 * 32 + 1])
{
	unsigned char buf[65536], md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	ssize_t n = 0;
	bool ok = false;
	EVP_MD_CTX *h = EVP_MD_CTX_new();
	if (h == NULL || EVP_DigestInit_ex(h, EVP_sha256(), NULL) != 1)
		goto out;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		if (EVP_DigestUpdate(h, buf, (size_t)n) != 1)
			goto out;
	if (n == 0 && EVP_DigestFinal_ex(h, md, &mdlen) == 1 && mdlen == 32) {
		hex(md, mdlen, hex_out);
		ok = true;
	}
out:
	EVP_MD_CTX_free(h);
	return ok;
}

/* The manifest's versions, from the head of the open file (fd at 0). */
static void versions(int fd, json_t *o)
{
	uint8_t head[MAYDAY_BUNDLE_HEADER_LEN];
	uint8_t *man = NULL;
	uint32_t mlen = 0;
	struct mayday_cose_sign1 msg;
	struct mayday_manifest *m = NULL;
	bool ok = pread(fd, head, sizeof(head), 0) == (ssize_t)sizeof(head) &&
		  mayday_bundle_header_decode(head, sizeof(head), &mlen, NULL) == MAYDAY_OK &&
		  (man = malloc(mlen)) != NULL && (m = malloc(sizeof(*m))) != NULL &&
		  pread(fd, man, mlen, sizeof(head)) == (ssize_t)mlen &&
		  mayday_cose_sign1_decode(man, mlen, MAYDAY_MANIFEST_MAX, &msg, NULL) == MAYDAY_OK &&
		  mayday_manifest_decode_claims(msg.payload, msg.payload_len, m, NULL) == MAYDAY_OK;
	json_object_set_new(o, "version", ok ? json_integer((json_int_t)m->rollback) : json_null());
	json_object_set_new(o, "image_version", ok ? api_json_str(m->image_version) : json_null());
	json_object_set_new(o, "manifest_class", ok ? api_json_str(m->product_class) : json_null());
	free(man);
	free(m);
}

/* {"version","image_version","manifest_class","size","sha256","loaded_at"},
 * or null without a bundle (or a bundle_dir). */
static json_t *bundle_json(const struct api_config *cfg, const char *klass)
{
	char path[4096], digest_hex[2 * 32 + 1];
	struct stat sb;
	json_t *o = NULL;
	if (cfg == NULL || cfg->bundle_dir == NULL || cfg->bundle_dir[0] == '\0' ||
	    strchr(klass, '/') != NULL || klass[0] == '.')
		return json_null();
	if (snprintf(path, sizeof(path), "%s/%s.bundle", cfg->bundle_dir, klass) >=
	    (int)sizeof(path))
		return json_null();
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return json_null();
	if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode)) {
		bool known = cache_get(&sb, digest_hex);
		if (known || digest(fd, digest_hex)) {
			if (!known)
				cache_put(&sb, digest_hex);
			o = json_object();
		}
	}
	if (o != NULL) {
		versions(fd, o);
		json_object_set_new(o, "size", json_integer((json_int_t)sb.st_size));
		json_object_set_new(o, "sha256", json_string(digest_hex));
		json_object_set_new(o, "loaded_at", api_json_time((int64_t)sb.st_mtime));
	}
	close(fd);
	return o != NULL ? o : json_null();
}

struct list {
	struct api_ctx *ctx;
	const char *only;      /* one class, with its failures; NULL all */
	json_t *arr, *failures;
	bool found, nomem;
	enum mayday_err err;
};

static int failure(void *c, const struct store_remed_attempt *a)
{
	struct list *l = c;
	json_t *o = api_json_class_failure(a);
	if (o == NULL || json_array_append_new(l->failures, o) != 0)
		l->nomem = true;
	return l->nomem;
}

static int row(void *c, const struct store_remed_class *k)
{
	struct list *l = c;
	if (l->only != NULL && strcmp(l->only, k->product_class) != 0)
		return 0;
	json_t *o = api_json_class(k);
	if (o == NULL || json_array_append_new(l->arr, o) != 0) {
		l->nomem = true;
		return 1;
	}
	l->found = true;
	json_object_set_new(o, "bundle", bundle_json(l->ctx->cfg, k->product_class));
	if (l->only != NULL) {
		if ((l->failures = json_array()) == NULL) {
			l->nomem = true;
			return 1;
		}
		json_object_set_new(o, "pause_failures_detail", l->failures);
		if (k->paused)
			l->err = store_remed_class_failures(l->ctx->st, k->product_class, failure, l);
		return 1;
	}
	return 0;
}

static enum mayday_err classes(struct api_ctx *ctx, const struct api_request *rq,
			       const char *only, struct api_response *rs)
{
	static const char *const allowed[] = {NULL};
	struct list l = {.ctx = ctx, .only = only, .arr = json_array()};
	enum mayday_err err = MAYDAY_OK;
	if (l.arr == NULL)
		return MAYDAY_E_NOMEM;
	if (!api_query_check(rq->query, allowed, rs, &err)) {
		json_decref(l.arr);
		return err;
	}
	err = store_remed_classes(ctx->st, row, &l);
	if (err == MAYDAY_OK)
		err = l.err;
	if (err != MAYDAY_OK || l.nomem) {
		json_decref(l.arr);
		return l.nomem ? MAYDAY_E_NOMEM : api_store_error(rs, err, "listing classes");
	}
	if (only == NULL)
		return api_json(rs, 200, json_pack("{s:o}", "classes", l.arr));
	if (!l.found) {
		json_decref(l.arr);
		return api_error(rs, 404, API_E_NOT_FOUND, "no enrolled device has that class");
	}
	json_t *one = json_incref(json_array_get(l.arr, 0));
	json_decref(l.arr);
	return api_json(rs, 200, one);
}

struct one {
	struct api_ctx *ctx;
	const char *name;
	json_t *o;
	bool nomem;
};

static int one_row(void *c, const struct store_remed_class *k)
{
	struct one *l = c;
	if (strcmp(l->name, k->product_class) != 0)
		return 0;
	if ((l->o = api_json_class(k)) == NULL)
		l->nomem = true;
	else
		json_object_set_new(l->o, "bundle", bundle_json(l->ctx->cfg, k->product_class));
	return 1;
}

enum mayday_err api_classes_object(struct api_ctx *ctx, const char *product_class, json_t **out)
{
	struct one l = {.ctx = ctx, .name = product_class};
	enum mayday_err err = store_remed_classes(ctx->st, one_row, &l);
	*out = NULL;
	if (err != MAYDAY_OK) {
		json_decref(l.o);
		return err;
	}
	if (l.nomem)
		return MAYDAY_E_NOMEM;
	if (l.o == NULL)
		return MAYDAY_E_NOTFOUND;
	*out = l.o;
	return MAYDAY_OK;
}

enum mayday_err api_classes_list(struct api_ctx *ctx, const struct api_request *rq,
				 const struct api_params *p, struct api_response *rs)
{
	(void)p;
	return classes(ctx, rq, NULL, rs);
}

enum mayday_err api_classes_get(struct api_ctx *ctx, const struct api_request *rq,
				const struct api_params *p, struct api_response *rs)
{
	return classes(ctx, rq, p->v[0], rs);
}

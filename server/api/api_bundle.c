/* SPDX-License-Identifier: Apache-2.0 */
/*
 * PUT /v1/classes/{class}/bundle (admin): a product class's golden bundle,
 * the request body's bytes (application/octet-stream, at most [api]
 * bundle_max). It is checked whole (api_bundle_check: the vendor key's
 * signature, the class, a version above 0, every component's digest)
 * before it replaces <bundle_dir>/<class>.bundle, which it does durably
 * (mayday_file_write_durable: a temporary beside it, fsync, rename, fsync
 * of the directory): the ACS offers the old bundle or the new one, never a
 * mix. A bundle that fails the check is 422 "invalid" and changes nothing.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "api_bundle.h"
#include "api_write.h"
#include "mayday/file.h"
#include "mayday/keys.h"

struct mem {
	const unsigned char *p;
	size_t left;
};

static bool read_mem(void *ctx, void *buf, size_t n)
{
	struct mem *m = ctx;
	if (n > m->left)
		return false;
	memcpy(buf, m->p, n);
	m->p += n;
	m->left -= n;
	return true;
}

/* A class names a file in bundle_dir (srv_acs_policy's rule): no path
 * separators, no dot files, printable ASCII. */
static bool class_ok(const char *c)
{
	if (c[0] == '\0' || c[0] == '.' || strlen(c) > MAYDAY_CLASS_MAX)
		return false;
	for (; *c; c++)
		if (*c == '/' || *c <= ' ' || *c > '~')
			return false;
	return true;
}

enum mayday_err api_bundle_put(struct api_ctx *ctx, const struct api_request *rq,
			       const struct api_params *p, struct api_response *rs)
{
	const struct api_config *cfg = ctx->cfg;
	struct api_bundle_info info;
	char path[4096], why[256], detail[160];
	EVP_PKEY *vendor = NULL;
	const char *klass = p->v[0];
	enum mayday_err err;
	if (cfg == NULL || cfg->bundle_dir == NULL || cfg->bundle_dir[0] == '\0')
		return api_error(rs, 503, API_E_UNAVAILABLE, "no [acs] bundle_dir: uploads are off");
	if (cfg->vendor_key == NULL || cfg->vendor_key[0] == '\0')
		return api_error(rs, 503, API_E_UNAVAILABLE,
				 "no [acs] vendor_key to check a bundle with: uploads are off");
	if (!class_ok(klass))
		return api_error(rs, 400, API_E_BAD_REQUEST, "not a product class name");
	if (rq->content_type != NULL &&
	    strncasecmp(rq->content_type, "application/octet-stream", 24) != 0)
		return api_error(rs, 415, API_E_MEDIA_TYPE,
				 "the body must be the bundle (application/octet-stream)");
	if (cfg->bundle_max > 0 && rq->body_len > cfg->bundle_max)
		return api_error(rs, 413, API_E_TOO_LARGE, "a bundle is at most %llu bytes here",
				 (unsigned long long)cfg->bundle_max);
	if (rq->body == NULL || rq->body_len == 0)
		return api_error(rs, 422, API_E_INVALID, "empty: not a bundle");
	int n = snprintf(path, sizeof(path), "%s/%s.bundle", cfg->bundle_dir, klass);
	if (n < 0 || (size_t)n >= sizeof(path))
		return api_error(rs, 400, API_E_BAD_REQUEST, "bundle path too long");
	err = mayday_key_load_public(cfg->vendor_key, &vendor);
	if (err != MAYDAY_OK)
		return api_error(rs, 503, API_E_UNAVAILABLE, "[acs] vendor_key %s: %s",
				 cfg->vendor_key, mayday_strerror(err));
	struct mem m = {rq->body, rq->body_len};
	err = api_bundle_check(read_mem, &m, rq->body_len, vendor, klass, &info, why, sizeof(why));
	EVP_PKEY_free(vendor);
	if (err == MAYDAY_E_NOMEM || err == MAYDAY_E_INTERNAL)
		return err == MAYDAY_E_NOMEM ? err : api_error(rs, 500, API_E_INTERNAL, "%s", why);
	if (err != MAYDAY_OK)
		return api_error(rs, 422, API_E_INVALID, "not a valid bundle for %s: %s", klass, why);
	err = mayday_file_write_durable(path, rq->body, rq->body_len, 0644);
	if (err != MAYDAY_OK)
		return api_error(rs, 500, API_E_INTERNAL, "writing %s: %s", path,
				 mayday_strerror(err));
	snprintf(detail, sizeof(detail), "version %llu (%s), %llu bytes, sha256 %s",
		 (unsigned long long)info.version, info.image_version,
		 (unsigned long long)info.size, info.sha256);
	err = api_write_action(ctx, rq, "class.bundle", klass, detail);
	if (err != MAYDAY_OK)
		return api_store_error(rs, err, "recording the upload (the bundle is in place)");
	return api_json(rs, 200, json_pack("{s:s,s:I,s:I,s:s}", "class", klass, "version",
					   (json_int_t)info.version, "size", (json_int_t)info.size,
					   "sha256", info.sha256));
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * api_dump DIR: seeds a store in DIR (api_seed.h) with a golden bundle for
 * one class, then serves every read route of the API in-process (and some
 * requests each error answer comes from) and prints one JSON line per
 * answer: {"method","path","query","status","body"}.
 * tests/unit/test_api_openapi.py validates each body against
 * docs/openapi.json. Pages are followed through their next_cursor, so a
 * cursor the API hands out is also fed back to it.
 */
#include <jansson.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "api.h"
#include "api_seed.h"
#include "mayday/bundle.h"
#include "mayday/cose.h"
#include "mayday/keys.h"
#include "mayday/manifest.h"

static int failures;

/* A real bundle for `cls` (image 3.1.4, anti-rollback version 7, one
 * component) at `path`, so the class shows its versions. */
static int write_bundle(const char *path, const char *cls)
{
	static const char payload[] = "mayday-normal stand-in\n";
	struct mayday_manifest m;
	struct mayday_signer signer;
	uint8_t signed_m[MAYDAY_MANIFEST_MAX], head[MAYDAY_BUNDLE_HEADER_LEN];
	size_t len = 0;
	EVP_PKEY *vendor = EVP_EC_gen("P-256");
	memset(&m, 0, sizeof(m));
	m.kind = MAYDAY_MANIFEST_IMAGE;
	snprintf(m.product_class, sizeof(m.product_class), "%s", cls);
	snprintf(m.image_version, sizeof(m.image_version), "3.1.4");
	m.rollback = 7;
	snprintf(m.entry, sizeof(m.entry), "mayday-normal");
	m.n_trv = 1;
	snprintf(m.trv[0].name, sizeof(m.trv[0].name), "mayday-normal");
	m.trv[0].size = sizeof(payload) - 1;
	m.trv[0].designated = true;
	mayday_sha256(payload, sizeof(payload) - 1, m.trv[0].digest);
	int ok = vendor != NULL && mayday_signer_from_pkey(&signer, vendor, NULL, 0) == MAYDAY_OK &&
		 mayday_manifest_sign(&m, &signer, signed_m, sizeof(signed_m), &len) == MAYDAY_OK &&
		 mayday_bundle_header_encode(len, head) == MAYDAY_OK;
	EVP_PKEY_free(vendor);
	FILE *f = ok ? fopen(path, "wb") : NULL;
	if (f == NULL)
		return -1;
	ok = fwrite(head, sizeof(head), 1, f) == 1 && fwrite(signed_m, len, 1, f) == 1 &&
	     fputs(payload, f) >= 0;
	return fclose(f) == 0 && ok ? 0 : -1;
}

/* Serves one request and prints its line; returns the body (the caller's)
 * or NULL. */
static json_t *serve(struct api_ctx *ctx, enum api_role role, const char *method,
		     const char *path, const char *query)
{
	struct api_identity who = {.name = "token:dump", .role = role};
	struct api_request rq = {.method = method, .path = path, .query = query, .who = &who,
				 .now = API_SEED_NOW};
	struct api_response rs;
	if (api_handle(ctx, &rq, &rs) != MAYDAY_OK) {
		fprintf(stderr, "api_dump: %s %s: no response\n", method, path);
		failures++;
		return NULL;
	}
	json_t *line = json_pack("{s:s,s:s,s:s?,s:i,s:O?}", "method", method, "path", path,
				 "query", query, "status", rs.status, "body", rs.body);
	char *text = line != NULL ? json_dumps(line, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;
	if (text == NULL) {
		failures++;
	} else {
		puts(text);
		free(text);
	}
	json_decref(line);
	json_t *body = json_incref(rs.body);
	api_response_clear(&rs);
	return body;
}

static void get(struct api_ctx *ctx, const char *path, const char *query)
{
	json_decref(serve(ctx, API_ROLE_VIEWER, "GET", path, query));
}

/* Every page of path?filter&limit=per. */
static void pages(struct api_ctx *ctx, const char *path, const char *filter, unsigned per)
{
	char query[600];
	char cursor[400] = "";
	for (int guard = 0; guard < 100; guard++) {
		snprintf(query, sizeof(query), "%s%slimit=%u%s%s", filter, filter[0] ? "&" : "", per,
			 cursor[0] ? "&cursor=" : "", cursor);
		json_t *b = serve(ctx, API_ROLE_VIEWER, "GET", path, query);
		const char *next = json_string_value(json_object_get(b, "next_cursor"));
		if (next == NULL || strlen(next) >= sizeof(cursor)) {
			json_decref(b);
			return;
		}
		snprintf(cursor, sizeof(cursor), "%s", next);
		json_decref(b);
	}
	failures++;
}

int main(int argc, char **argv)
{
	char spec[4200], bundles[4200], bundle[4300], other[4300];
	struct store *st = NULL;
	if (argc != 2) {
		fprintf(stderr, "usage: api_dump DIR\n");
		return 2;
	}
	snprintf(spec, sizeof(spec), "sqlite:%s/hems.db", argv[1]);
	snprintf(bundles, sizeof(bundles), "%s/bundles", argv[1]);
	snprintf(bundle, sizeof(bundle), "%s/femto-a.bundle", bundles);
	snprintf(other, sizeof(other), "%s/femto-b.bundle", bundles);
	if (store_open(&st, spec) != MAYDAY_OK || api_seed(st) != 0) {
		fprintf(stderr, "api_dump: cannot seed %s\n", spec);
		store_close(st);
		return 1;
	}
	/* femto-a: a signed bundle; femto-b: a file that is no bundle (its
	 * size and hash show, its versions are null) */
	FILE *f = (mkdir(bundles, 0700) == 0 && write_bundle(bundle, "femto-a") == 0)
		? fopen(other, "wb") : NULL;
	if (f == NULL || fputs("not a bundle, but a file: its size and hash show", f) < 0 ||
	    fclose(f) != 0) {
		fprintf(stderr, "api_dump: cannot write the bundles in %s\n", bundles);
		store_close(st);
		return 1;
	}
	struct api_config cfg = {.psk_kek = "", .bundle_dir = bundles, .vendor_key = "",
				 .acs_realm = "mayday", .bundle_max = 1u << 20};
	struct api_ctx ctx = {.st = st, .cfg = &cfg};

	get(&ctx, "/v1/devices", NULL);
	pages(&ctx, "/v1/devices", "", 5);
	pages(&ctx, "/v1/devices", "class=femto-a", 2);
	get(&ctx, "/v1/devices", "state=in_distress");
	get(&ctx, "/v1/devices", "maintenance=true&image=2.0");
	get(&ctx, "/v1/devices", "failed_component=kernel.img&seen_after=2023-11-14T00:00:00Z");
	get(&ctx, "/v1/devices", "limit=0");
	get(&ctx, "/v1/devices", "cursor=bm90LWEtY3Vyc29y");
	get(&ctx, "/v1/devices", "colour=red");
	get(&ctx, "/v1/devices/counts", NULL);
	get(&ctx, "/v1/devices/dev-00", NULL);
	get(&ctx, "/v1/devices/dev-01", NULL);
	get(&ctx, "/v1/devices/dev-11", NULL);
	get(&ctx, "/v1/devices/dev-99", NULL);
	get(&ctx, "/v1/devices/dev-04/indications", NULL);
	get(&ctx, "/v1/devices/ghost/indications", NULL);
	get(&ctx, "/v1/devices/nobody/indications", NULL);
	get(&ctx, "/v1/indications", NULL);
	pages(&ctx, "/v1/indications", "", 3);
	get(&ctx, "/v1/indications", "trust=unverified");
	get(&ctx, "/v1/indications", "trust=signed&device=dev-04&since=1700000000");
	get(&ctx, "/v1/indications", "trust=perhaps");
	get(&ctx, "/v1/indications/1", NULL);
	get(&ctx, "/v1/indications/999999", NULL);
	get(&ctx, "/v1/classes", NULL);
	get(&ctx, "/v1/classes/femto-a", NULL);
	get(&ctx, "/v1/classes/femto-b", NULL);
	get(&ctx, "/v1/classes/femto-z", NULL);
	get(&ctx, "/v1/fleet/class", "since=1d");
	get(&ctx, "/v1/fleet/image", "since=2023-11-14T00:00:00Z&class=femto-a");
	get(&ctx, "/v1/fleet/component", NULL);
	get(&ctx, "/v1/fleet/digest", "since=30d&limit=10");
	get(&ctx, "/v1/fleet/hour", "since=30d");
	get(&ctx, "/v1/fleet/colour", NULL);
	get(&ctx, "/v1/fleet/class", "since=soon");
	get(&ctx, "/v1/fleet/anomalies", NULL);
	get(&ctx, "/v1/events", NULL);
	pages(&ctx, "/v1/events", "", 4);
	get(&ctx, "/v1/events", "after=2&limit=1");
	get(&ctx, "/v1/whoami", NULL);
	get(&ctx, "/v1/nothing", NULL);
	json_decref(serve(&ctx, API_ROLE_NONE, "GET", "/v1/devices", NULL));
	json_decref(serve(&ctx, API_ROLE_VIEWER, "DELETE", "/v1/whoami", NULL));
	json_decref(serve(&ctx, API_ROLE_VIEWER, "POST", "/v1/devices", NULL));
	json_decref(serve(&ctx, API_ROLE_ADMIN, "GET", "/v1/whoami", NULL));
	store_close(st);
	return failures == 0 ? 0 : 1;
}

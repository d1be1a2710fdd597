/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The REST API's request handling (api_handle: routing, path parameters,
 * query strings, cursors, bodies) against a seeded store. The input is
 *   <role byte> <method> '\n' <path> '\n' <query> '\n' <body...>
 * (a missing part is empty; an empty query is "no query"). Each response
 * must be a complete one: a status in 200..599 and, unless 204 or raw, a
 * JSON body (an error carries {"error":{"code","message"}}).
 *
 * The store is a file under $TMPDIR (the SQLite backend runs in WAL mode,
 * which an in-memory database cannot), created and seeded once per process
 * (tests/unit/api_seed.c) and removed at exit.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api.h"
#include "api_seed.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct store *st;
static char dir[256];
static struct api_config cfg = {.psk_kek = "", .bundle_dir = "", .vendor_key = "",
				.acs_realm = "mayday", .bundle_max = 1u << 16};

static void cleanup(void)
{
	char path[400];
	static const char *const files[] = {"hems.db", "hems.db-wal", "hems.db-shm"};
	store_close(st);
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		unlink(path);
	}
	rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char spec[300];
	const char *tmp = getenv("TMPDIR");
	(void)argc;
	(void)argv;
	snprintf(dir, sizeof(dir), "%s/fuzz_api.XXXXXX", tmp != NULL && tmp[0] ? tmp : "/tmp");
	if (mkdtemp(dir) == NULL)
		abort();
	snprintf(spec, sizeof(spec), "sqlite:%s/hems.db", dir);
	if (store_open(&st, spec) != MAYDAY_OK || api_seed(st) != 0)
		abort();
	atexit(cleanup);
	return 0;
}

/* The next '\n'-terminated part of data[*at..n) as a string in out. */
static void part(const uint8_t *data, size_t n, size_t *at, char *out, size_t cap)
{
	size_t o = 0;
	while (*at < n && data[*at] != '\n') {
		if (o + 1 < cap)
			out[o++] = (char)data[*at];
		(*at)++;
	}
	if (*at < n)
		(*at)++;
	out[o] = '\0';
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum api_role roles[] = {API_ROLE_NONE, API_ROLE_VIEWER, API_ROLE_OPERATOR,
					      API_ROLE_ADMIN};
	char method[16], path[API_PATH_MAX + 64], query[API_PATH_MAX + 64];
	size_t at = 1;
	if (size == 0)
		return 0;
	struct api_identity who = {.name = "fuzz", .role = roles[data[0] & 3]};
	part(data, size, &at, method, sizeof(method));
	part(data, size, &at, path, sizeof(path));
	part(data, size, &at, query, sizeof(query));
	struct api_request rq = {.method = method, .path = path,
				 .query = query[0] ? query : NULL,
				 .body = at < size ? data + at : NULL, .body_len = size - at,
				 .content_type = "application/json", .who = &who,
				 .now = API_SEED_NOW};
	struct api_response rs;
	if (api_handle(&(struct api_ctx){.st = st, .cfg = &cfg}, &rq, &rs) != MAYDAY_OK)
		abort();   /* only out of memory may fail, and libFuzzer reports that itself */
	if (rs.status < 200 || rs.status > 599)
		abort();
	if (rs.status != 204 && rs.raw == NULL && !json_is_object(rs.body))
		abort();
	if (rs.status >= 400 &&
	    !json_is_string(json_object_get(json_object_get(rs.body, "error"), "code")))
		abort();
	char *text = rs.body != NULL ? json_dumps(rs.body, JSON_COMPACT) : NULL;
	if (rs.body != NULL && text == NULL)
		abort();
	free(text);
	api_response_clear(&rs);
	return 0;
}

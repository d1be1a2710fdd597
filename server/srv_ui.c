/* SPDX-License-Identifier: Apache-2.0 */
/*
 * See srv_ui.h. Paths are matched exactly against the embedded table (no
 * decoding, no file system, no "..": a path is either one of the files
 * listed or a 404), so there is nothing to traverse.
 */
#include <string.h>

#include "srv_ui.h"

bool srv_ui_owns(const char *path)
{
	return strcmp(path, "/ui") == 0 || strncmp(path, "/ui/", 4) == 0;
}

static const struct srv_ui_asset *find(const char *path)
{
	if (strcmp(path, "/ui/") == 0)
		path = "/ui/index.html";
	for (const struct srv_ui_asset *a = srv_ui_assets; a->path != NULL; a++)
		if (strcmp(a->path, path) == 0)
			return a;
	return NULL;
}

/* If-None-Match: a list of entity tags or "*" (RFC 9110 13.1.2); weak tags
 * compare by their opaque part. */
static bool matches(const char *header, const char *etag)
{
	size_t n = strlen(etag);
	const char *p = header;
	while (*p != '\0') {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (*p == '*')
			return true;
		if (strncmp(p, "W/", 2) == 0)
			p += 2;
		if (strncmp(p, etag, n) == 0 && (p[n] == '\0' || p[n] == ',' || p[n] == ' ' ||
						 p[n] == '\t'))
			return true;
		while (*p != '\0' && *p != ',')
			p++;
	}
	return false;
}

void srv_ui_answer(const char *method, const char *path, const char *if_none_match,
		   struct srv_ui_answer *out)
{
	memset(out, 0, sizeof(*out));
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
		out->status = 405;
		return;
	}
	if (strcmp(path, "/ui") == 0) {
		out->status = 301;
		out->location = "/ui/";
		return;
	}
	if ((out->asset = find(path)) == NULL) {
		out->status = 404;
		return;
	}
	if (if_none_match != NULL && matches(if_none_match, out->asset->etag)) {
		out->status = 304;
		return;
	}
	out->status = 200;
	out->body = strcmp(method, "GET") == 0;
}

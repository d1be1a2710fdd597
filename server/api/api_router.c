/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The router (api.h): method and path against the route tables, then the
 * caller's role, then the handler.
 *
 * Order of the answers, so that a client learns no more than its role
 * allows and each answer means one thing:
 *   401  the transport authenticated nobody (API_ROLE_NONE): nothing else
 *        is looked at, not even whether the path exists;
 *   400  a path or query too long, or a path that is not a clean absolute
 *        path (a segment that does not percent-decode, or decodes to '/');
 *   404  no pattern matches the path, whatever the method;
 *   405  a pattern matches, but with other methods only;
 *   403  the route exists and the caller's role is below it;
 *   then the handler, which sees decoded parameters only.
 *
 * A pattern segment "{}" matches one non-empty path segment; literal
 * segments are compared before decoding (the routes' literals are plain
 * ASCII), parameters are percent-decoded and bounded by API_PARAM_MAX.
 */
#include <string.h>

#include "api.h"
#include "api_page.h"

#define SEGMENTS_MAX 8

struct segs {
	const char *s[SEGMENTS_MAX];
	size_t n[SEGMENTS_MAX];
	unsigned count;
};

/* Splits "/a/b/c" into its segments; false for anything else (no leading
 * '/', an empty segment, a trailing '/', too many segments). */
static bool split(const char *path, struct segs *out)
{
	const char *p = path;
	out->count = 0;
	if (*p != '/')
		return false;
	while (*p == '/') {
		const char *start = ++p;
		while (*p != '\0' && *p != '/')
			p++;
		if (p == start || out->count == SEGMENTS_MAX)
			return false;
		out->s[out->count] = start;
		out->n[out->count++] = (size_t)(p - start);
	}
	return *p == '\0';
}

/* 1 match (params filled), 0 no match, -1 a parameter that does not decode
 * or does not fit. */
static int match(const char *pattern, const struct segs *path, struct api_params *p)
{
	struct segs pat;
	if (!split(pattern, &pat) || pat.count != path->count)
		return 0;
	p->n = 0;
	for (unsigned i = 0; i < pat.count; i++) {
		if (pat.n[i] == 2 && memcmp(pat.s[i], "{}", 2) == 0) {
			if (p->n == API_PARAMS_MAX)
				return 0;   /* a table error; the route test catches it */
			ssize_t n = api_decode(path->s[i], path->n[i], false, p->v[p->n],
					       sizeof(p->v[p->n]));
			if (n <= 0 || memchr(p->v[p->n], '/', (size_t)n) != NULL)
				return -1;
			p->n++;
		} else if (pat.n[i] != path->n[i] || memcmp(pat.s[i], path->s[i], pat.n[i]) != 0) {
			return 0;
		}
	}
	return 1;
}

static const struct api_route *const tables[] = {api_routes_read, api_routes_write};

enum mayday_err api_handle(struct api_ctx *ctx, const struct api_request *rq,
			   struct api_response *rs)
{
	struct api_params params, tmp;
	struct segs segs;
	const struct api_route *found = NULL;
	bool path_known = false, bad_param = false;
	size_t plen, qlen;

	memset(rs, 0, sizeof(*rs));
	memset(&params, 0, sizeof(params));
	if (rq->who == NULL || rq->who->role == API_ROLE_NONE)
		return api_error(rs, 401, API_E_UNAUTH, "authentication required");
	if (rq->method == NULL || rq->path == NULL)
		return api_error(rs, 400, API_E_BAD_REQUEST, "no method or path");
	plen = strnlen(rq->path, API_PATH_MAX + 1);
	qlen = rq->query != NULL ? strnlen(rq->query, API_PATH_MAX + 1) : 0;
	if (plen + qlen > API_PATH_MAX)
		return api_error(rs, 400, API_E_BAD_REQUEST,
				 "path and query longer than %u bytes", API_PATH_MAX);
	if (!split(rq->path, &segs))
		return api_error(rs, 404, API_E_NOT_FOUND, "no such resource");
	for (size_t t = 0; t < sizeof(tables) / sizeof(tables[0]); t++) {
		for (const struct api_route *r = tables[t]; r->method != NULL; r++) {
			int m = match(r->pattern, &segs, &tmp);
			if (m < 0) {
				bad_param = true;
				continue;
			}
			if (m == 0)
				continue;
			path_known = true;
			if (found == NULL && strcmp(r->method, rq->method) == 0) {
				found = r;
				params = tmp;
			}
		}
	}
	if (found == NULL && bad_param)
		return api_error(rs, 400, API_E_BAD_REQUEST,
				 "path parameter malformed or longer than %u bytes", API_PARAM_MAX);
	if (!path_known)
		return api_error(rs, 404, API_E_NOT_FOUND, "no such resource");
	if (found == NULL)
		return api_error(rs, 405, API_E_METHOD, "method %s not allowed here",
				 strcmp(rq->method, "GET") == 0 || strcmp(rq->method, "POST") == 0 ||
				 strcmp(rq->method, "PUT") == 0 || strcmp(rq->method, "DELETE") == 0
				 ? rq->method : "(other)");
	if (rq->who->role < found->min_role)
		return api_error(rs, 403, API_E_FORBIDDEN, "role %s required (you are %s)",
				 api_role_name(found->min_role), api_role_name(rq->who->role));
	return found->fn(ctx, rq, &params, rs);
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The API's router (server/api/api_router.c) and response helpers: the
 * order of 401, 400, 404, 405 and 403, path parameters percent-decoded and
 * bounded, the path and query bound, the strict query decoding, a
 * malformed cursor, and the error shape.
 *
 * The write table here is the test's own (it defines api_routes_write, so
 * the library's placeholder is not linked): routes of every role that echo
 * their parameters, so the router is tested apart from any handler.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "api.h"
#include "test_store_fixture.h"

static enum mayday_err echo(struct api_ctx *ctx, const struct api_request *rq,
			    const struct api_params *p, struct api_response *rs)
{
	(void)ctx;
	json_t *a = json_array();
	for (unsigned i = 0; i < p->n; i++)
		json_array_append_new(a, json_stringn(p->v[i], strlen(p->v[i])));
	return api_json(rs, 200, json_pack("{s:s,s:o}", "method", rq->method, "params", a));
}

const struct api_route api_routes_write[] = {
	{"POST", "/v1/devices/{}/approve", API_ROLE_OPERATOR, echo},
	{"DELETE", "/v1/tokens/{}", API_ROLE_ADMIN, echo},
	{"GET", "/v1/test/{}/{}", API_ROLE_VIEWER, echo},
	{NULL, NULL, API_ROLE_NONE, NULL},
};

struct t {
	struct fx fx;
	struct api_ctx ctx;
	struct api_config cfg;
};

static int setup(void **state)
{
	struct t *t = calloc(1, sizeof(*t));
	assert_non_null(t);
	fx_open(&t->fx);
	t->ctx.st = t->fx.st;
	t->ctx.cfg = &t->cfg;
	t->cfg.bundle_dir = "";
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct t *t = *state;
	fx_close(&t->fx);
	free(t);
	return 0;
}

/* The status of method path?query as `role`; the body's error code (or
 * "") into code. */
static int call(struct t *t, enum api_role role, const char *method, const char *path,
		const char *query, json_t **body)
{
	struct api_identity who = {.name = "test", .role = role};
	struct api_request rq = {.method = method, .path = path, .query = query, .who = &who,
				 .now = 1700000000};
	struct api_response rs;
	assert_int_equal(api_handle(&t->ctx, &rq, &rs), MAYDAY_OK);
	int status = rs.status;
	assert_non_null(rs.body);
	if (status >= 400) {
		json_t *e = json_object_get(rs.body, "error");
		assert_true(json_is_string(json_object_get(e, "code")));
		assert_true(json_is_string(json_object_get(e, "message")));
		assert_int_equal(json_object_size(rs.body), 1);
		assert_int_equal(json_object_size(e), 2);
	}
	if (body != NULL)
		*body = json_incref(rs.body);
	api_response_clear(&rs);
	return status;
}

static void expect(struct t *t, enum api_role role, const char *method, const char *path,
		   const char *query, int status, const char *code)
{
	json_t *b = NULL;
	int got = call(t, role, method, path, query, &b);
	if (got != status)
		fprintf(stderr, "%s %s?%s: %d, want %d\n", method, path, query ? query : "", got,
			status);
	assert_int_equal(got, status);
	if (code != NULL)
		assert_string_equal(json_string_value(json_object_get(json_object_get(b, "error"),
								      "code")), code);
	json_decref(b);
}

static void test_unauthenticated_first(void **state)
{
	struct t *t = *state;
	/* nobody learns whether a path exists before authenticating */
	expect(t, API_ROLE_NONE, "GET", "/v1/devices", NULL, 401, "unauthenticated");
	expect(t, API_ROLE_NONE, "GET", "/nope", NULL, 401, "unauthenticated");
	expect(t, API_ROLE_NONE, "DELETE", "/v1/tokens/x", NULL, 401, "unauthenticated");
	struct api_request rq = {.method = "GET", .path = "/v1/devices", .who = NULL};
	struct api_response rs;
	assert_int_equal(api_handle(&t->ctx, &rq, &rs), MAYDAY_OK);
	assert_int_equal(rs.status, 401);
	api_response_clear(&rs);
}

static void test_not_found(void **state)
{
	struct t *t = *state;
	static const char *const paths[] = {"/", "/v1", "/v2/devices", "/v1/devices/",
					    "//v1/devices", "v1/devices", "/v1//devices",
					    "/v1/devices/a/b/c", "/V1/devices", "",
					    "/v1/devices%2fcounts", "/a/b/c/d/e/f/g/h/i/j", NULL};
	for (size_t i = 0; paths[i] != NULL; i++)
		expect(t, API_ROLE_ADMIN, "GET", paths[i], NULL, 404, "not_found");
	/* a literal segment compares before decoding: %76 is not "v" */
	expect(t, API_ROLE_ADMIN, "GET", "/%761/devices", NULL, 404, "not_found");
	/* ... so a device named like a route is reached percent-encoded: the
	 * device route answers (no such device), not the counts */
	expect(t, API_ROLE_ADMIN, "GET", "/v1/devices/%63ounts", NULL, 404, "not_found");
	expect(t, API_ROLE_ADMIN, "GET", "/v1/devices/counts", NULL, 200, NULL);
}

static void test_method_not_allowed(void **state)
{
	struct t *t = *state;
	expect(t, API_ROLE_ADMIN, "DELETE", "/v1/whoami", NULL, 405, "method_not_allowed");
	expect(t, API_ROLE_ADMIN, "BREW", "/v1/devices", NULL, 405, "method_not_allowed");
	expect(t, API_ROLE_ADMIN, "get", "/v1/devices", NULL, 405, "method_not_allowed");
	/* 405 before 403: a viewer learns the method is wrong, not the role */
	expect(t, API_ROLE_VIEWER, "PUT", "/v1/devices/x/approve", NULL, 405,
	       "method_not_allowed");
	/* 404 before 405 */
	expect(t, API_ROLE_ADMIN, "POST", "/v1/nothing", NULL, 404, "not_found");
}

static void test_roles(void **state)
{
	struct t *t = *state;
	expect(t, API_ROLE_VIEWER, "POST", "/v1/devices/x/approve", NULL, 403, "forbidden");
	expect(t, API_ROLE_OPERATOR, "POST", "/v1/devices/x/approve", NULL, 200, NULL);
	expect(t, API_ROLE_ADMIN, "POST", "/v1/devices/x/approve", NULL, 200, NULL);
	expect(t, API_ROLE_VIEWER, "DELETE", "/v1/tokens/mdt_1", NULL, 403, "forbidden");
	expect(t, API_ROLE_OPERATOR, "DELETE", "/v1/tokens/mdt_1", NULL, 403, "forbidden");
	expect(t, API_ROLE_ADMIN, "DELETE", "/v1/tokens/mdt_1", NULL, 200, NULL);
	expect(t, API_ROLE_VIEWER, "GET", "/v1/whoami", NULL, 200, NULL);
	assert_string_equal(api_role_name(API_ROLE_OPERATOR), "operator");
	for (enum api_role r = API_ROLE_VIEWER; r <= API_ROLE_ADMIN; r++)
		assert_int_equal(api_role_parse(api_role_name(r)), r);
	assert_int_equal(api_role_parse("root"), API_ROLE_NONE);
	assert_int_equal(api_role_parse("Admin"), API_ROLE_NONE);
	assert_int_equal(api_role_parse(NULL), API_ROLE_NONE);
}

static void params(struct t *t, const char *path, const char *a, const char *b)
{
	json_t *body = NULL;
	assert_int_equal(call(t, API_ROLE_VIEWER, "GET", path, NULL, &body), 200);
	json_t *p = json_object_get(body, "params");
	assert_int_equal(json_array_size(p), 2);
	assert_string_equal(json_string_value(json_array_get(p, 0)), a);
	assert_string_equal(json_string_value(json_array_get(p, 1)), b);
	json_decref(body);
}

static void test_params(void **state)
{
	struct t *t = *state;
	char path[2048], p200[API_PARAM_MAX + 2];
	params(t, "/v1/test/a/b", "a", "b");
	params(t, "/v1/test/%41%62/x%20y", "Ab", "x y");
	params(t, "/v1/test/a+b/%25", "a+b", "%");   /* '+' is a plus in a path */
	params(t, "/v1/test/%e2%82%ac/-", "\xe2\x82\xac", "-");
	/* a parameter never carries a '/', a NUL or a broken escape */
	expect(t, API_ROLE_VIEWER, "GET", "/v1/test/a%2Fb/c", NULL, 400, "bad_request");
	expect(t, API_ROLE_VIEWER, "GET", "/v1/test/a%00/c", NULL, 400, "bad_request");
	expect(t, API_ROLE_VIEWER, "GET", "/v1/test/a%4/c", NULL, 400, "bad_request");
	expect(t, API_ROLE_VIEWER, "GET", "/v1/test/a%/c", NULL, 400, "bad_request");
	expect(t, API_ROLE_VIEWER, "GET", "/v1/test/a%g1/c", NULL, 400, "bad_request");
	/* API_PARAM_MAX bytes decoded fit; one more does not */
	memset(p200, 'x', API_PARAM_MAX);
	p200[API_PARAM_MAX] = '\0';
	snprintf(path, sizeof(path), "/v1/test/%s/y", p200);
	params(t, path, p200, "y");
	snprintf(path, sizeof(path), "/v1/test/%sx/y", p200);
	expect(t, API_ROLE_VIEWER, "GET", path, NULL, 400, "bad_request");
	/* ... counted decoded: 200 escapes of 3 bytes are 200 bytes */
	path[0] = '\0';
	strcat(path, "/v1/test/");
	for (int i = 0; i < API_PARAM_MAX; i++)
		strcat(path, "%41");
	strcat(path, "/y");
	expect(t, API_ROLE_VIEWER, "GET", path, NULL, 200, NULL);
}

static void test_length_bound(void **state)
{
	struct t *t = *state;
	char path[API_PATH_MAX + 64], query[API_PATH_MAX + 64];
	/* path + query exactly API_PATH_MAX bytes pass the bound (the query
	 * is then refused by the handler for its unknown name) */
	snprintf(path, sizeof(path), "/v1/devices");
	memset(query, 'q', sizeof(query));
	query[1] = '=';
	query[API_PATH_MAX - strlen(path)] = '\0';
	expect(t, API_ROLE_VIEWER, "GET", path, query, 400, "bad_request");
	json_t *b = NULL;
	assert_int_equal(call(t, API_ROLE_VIEWER, "GET", path, query, &b), 400);
	assert_non_null(strstr(json_string_value(json_object_get(json_object_get(b, "error"),
								 "message")), "unknown"));
	json_decref(b);
	query[API_PATH_MAX - strlen(path)] = 'q';
	query[API_PATH_MAX - strlen(path) + 1] = '\0';
	assert_int_equal(call(t, API_ROLE_VIEWER, "GET", path, query, &b), 400);
	assert_non_null(strstr(json_string_value(json_object_get(json_object_get(b, "error"),
								 "message")), "longer"));
	json_decref(b);
	/* a path alone over the bound */
	memset(path, 'a', sizeof(path));
	path[0] = '/';
	path[API_PATH_MAX + 1] = '\0';
	expect(t, API_ROLE_VIEWER, "GET", path, NULL, 400, "bad_request");
}

static void test_query(void **state)
{
	struct t *t = *state;
	char v[32];
	assert_true(api_query_get("a=1&b=x%20y+z", "b", v, sizeof(v)));
	assert_string_equal(v, "x y z");
	assert_true(api_query_get("a=1&b=2", "a", v, sizeof(v)));
	assert_string_equal(v, "1");
	assert_true(api_query_get("flag", "flag", v, sizeof(v)));
	assert_string_equal(v, "");
	assert_false(api_query_get("a=1", "b", v, sizeof(v)));
	assert_false(api_query_get(NULL, "b", v, sizeof(v)));
	assert_false(api_query_get("a=%4", "a", v, sizeof(v)));
	assert_false(api_query_get("a=%zz", "a", v, sizeof(v)));
	assert_false(api_query_get("a=%00", "a", v, sizeof(v)));
	assert_false(api_query_get("a=1&a=2", "a", v, sizeof(v)));   /* which one? */
	assert_false(api_query_get("a=0123456789", "a", v, 5));       /* does not fit */
	assert_true(api_query_get("%61=1", "a", v, sizeof(v)));
	/* through a route */
	expect(t, API_ROLE_VIEWER, "GET", "/v1/devices", "limit=5&limit=6", 400, "bad_request");
	expect(t, API_ROLE_VIEWER, "GET", "/v1/devices", "limit=%35", 200, NULL);
	expect(t, API_ROLE_VIEWER, "GET", "/v1/devices", "&&limit=5&", 200, NULL);
	expect(t, API_ROLE_VIEWER, "GET", "/v1/whoami", "x", 400, "bad_request");
}

static void test_malformed_cursor(void **state)
{
	struct t *t = *state;
	static const char *const bad[] = {
		"cursor=", "cursor=%", "cursor=ZDpkZXYtMDE=", /* padded */
		"cursor=ZDpkZXYtMDE+", "cursor=ZDpkZXYtMD", "cursor=aTox",  /* an 'i' cursor */
		"cursor=ZDo", "cursor=ZDogeA", /* "d: x": a space in an ID */
		"cursor=ZDpkZXYtMDF", /* unused bits set */
		NULL};
	for (size_t i = 0; bad[i] != NULL; i++)
		expect(t, API_ROLE_VIEWER, "GET", "/v1/devices", bad[i], 400, "bad_request");
	/* "d:dev-01" spelled the one right way */
	expect(t, API_ROLE_VIEWER, "GET", "/v1/devices", "cursor=ZDpkZXYtMDE", 200, NULL);
	expect(t, API_ROLE_VIEWER, "GET", "/v1/indications", "cursor=ZDpkZXYtMDE", 400,
	       "bad_request");
	expect(t, API_ROLE_VIEWER, "GET", "/v1/indications", "cursor=aTow", 400,
	       "bad_request");   /* "i:0" */
	expect(t, API_ROLE_VIEWER, "GET", "/v1/indications", "cursor=aToxMA", 200, NULL);
}

static void test_error_shape(void **state)
{
	(void)state;
	struct api_response rs;
	memset(&rs, 0, sizeof(rs));
	assert_int_equal(api_error(&rs, 409, API_E_CONFLICT, "nothing to %s", "approve"),
			 MAYDAY_OK);
	assert_int_equal(rs.status, 409);
	json_t *e = json_object_get(rs.body, "error");
	assert_string_equal(json_string_value(json_object_get(e, "code")), "conflict");
	assert_string_equal(json_string_value(json_object_get(e, "message")),
			    "nothing to approve");
	/* a message quoting a client's bytes that are not UTF-8 still builds */
	assert_int_equal(api_error(&rs, 400, API_E_BAD_REQUEST, "bad '%s'", "\xff\xfe"), MAYDAY_OK);
	assert_string_equal(json_string_value(json_object_get(json_object_get(rs.body, "error"),
							      "message")), "bad '?" "?'");
	assert_int_equal(api_store_error(&rs, MAYDAY_E_NOTFOUND, "device"), MAYDAY_OK);
	assert_int_equal(rs.status, 404);
	assert_int_equal(api_store_error(&rs, MAYDAY_E_IO, "device"), MAYDAY_OK);
	assert_int_equal(rs.status, 500);
	assert_int_equal(api_json(&rs, 200, NULL), MAYDAY_OK);
	assert_int_equal(rs.status, 500);
	api_response_clear(&rs);
	api_response_clear(&rs);
	assert_null(rs.body);
	api_response_clear(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unauthenticated_first),
		cmocka_unit_test(test_not_found),
		cmocka_unit_test(test_method_not_allowed),
		cmocka_unit_test(test_roles),
		cmocka_unit_test(test_params),
		cmocka_unit_test(test_length_bound),
		cmocka_unit_test(test_query),
		cmocka_unit_test(test_malformed_cursor),
		cmocka_unit_test(test_error_shape),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}

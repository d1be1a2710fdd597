/* SPDX-License-Identifier: Apache-2.0 */
/* The dashboard's file answers (srv_ui.h) on the embedded table itself:
 * which paths are the dashboard's, /ui moving to /ui/ (index.html), every
 * listed file found with a type and a quoted 32-hex ETag, anything else a
 * 404 however it is spelt, only GET and HEAD (HEAD without a body), and
 * If-None-Match: its tag, a weak one, one in a list or "*" is a 304;
 * another tag, or a prefix of this one, is not. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "srv_ui.h"

static struct srv_ui_answer ask(const char *method, const char *path, const char *inm)
{
	struct srv_ui_answer a;
	srv_ui_answer(method, path, inm, &a);
	return a;
}

static void test_owns(void **state)
{
	(void)state;
	assert_true(srv_ui_owns("/ui"));
	assert_true(srv_ui_owns("/ui/"));
	assert_true(srv_ui_owns("/ui/js/main.js"));
	assert_false(srv_ui_owns("/uix"));
	assert_false(srv_ui_owns("/v1/ui"));
	assert_false(srv_ui_owns("/"));
}

static void test_table(void **state)
{
	(void)state;
	size_t n = 0;
	bool index = false;
	for (const struct srv_ui_asset *a = srv_ui_assets; a->path != NULL; a++, n++) {
		assert_true(strncmp(a->path, "/ui/", 4) == 0);
		assert_non_null(a->type);
		assert_int_equal(strlen(a->etag), 34);
		assert_true(a->etag[0] == '"' && a->etag[33] == '"');
		assert_true(a->len > 0);
		struct srv_ui_answer r = ask("GET", a->path, NULL);
		assert_int_equal(r.status, 200);
		assert_ptr_equal(r.asset, a);
		assert_true(r.body);
		index |= strcmp(a->path, "/ui/index.html") == 0;
	}
	assert_true(n >= 3);
	assert_true(index);
}

static void test_paths(void **state)
{
	(void)state;
	struct srv_ui_answer r = ask("GET", "/ui", NULL);
	assert_int_equal(r.status, 301);
	assert_string_equal(r.location, "/ui/");
	assert_null(r.asset);
	r = ask("GET", "/ui/", NULL);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.asset->path, "/ui/index.html");
	assert_string_equal(r.asset->type, "text/html; charset=utf-8");
	static const char *const none[] = {"/ui/nope.js", "/ui/js", "/ui/js/", "/ui/../ui/index.html",
					   "/ui/./index.html", "/ui/%69ndex.html", "/ui//index.html",
					   "/ui/index.html/", "/ui/INDEX.HTML", NULL};
	for (size_t i = 0; none[i] != NULL; i++) {
		r = ask("GET", none[i], NULL);
		assert_int_equal(r.status, 404);
		assert_null(r.asset);
	}
}

static void test_methods(void **state)
{
	(void)state;
	struct srv_ui_answer r = ask("HEAD", "/ui/", NULL);
	assert_int_equal(r.status, 200);
	assert_false(r.body);
	static const char *const no[] = {"POST", "PUT", "DELETE", "OPTIONS", "PATCH", NULL};
	for (size_t i = 0; no[i] != NULL; i++)
		assert_int_equal(ask(no[i], "/ui/", NULL).status, 405);
	assert_int_equal(ask("POST", "/ui/nope", NULL).status, 405);
}

static void test_etag(void **state)
{
	(void)state;
	const struct srv_ui_asset *a = ask("GET", "/ui/", NULL).asset;
	char buf[128], prefix[40];
	assert_int_equal(ask("GET", "/ui/", a->etag).status, 304);
	assert_false(ask("GET", "/ui/", a->etag).body);
	snprintf(buf, sizeof(buf), "W/%s", a->etag);
	assert_int_equal(ask("GET", "/ui/", buf).status, 304);
	snprintf(buf, sizeof(buf), "\"0000\", %s", a->etag);
	assert_int_equal(ask("GET", "/ui/", buf).status, 304);
	assert_int_equal(ask("GET", "/ui/", "*").status, 304);
	assert_int_equal(ask("GET", "/ui/", "\"0000\"").status, 200);
	assert_int_equal(ask("GET", "/ui/", "").status, 200);
	/* the tag without its closing quote, and with more after it */
	snprintf(prefix, sizeof(prefix), "%.*s", 33, a->etag);
	assert_int_equal(ask("GET", "/ui/", prefix).status, 200);
	snprintf(buf, sizeof(buf), "%.*sX\"", 33, a->etag);
	assert_int_equal(ask("GET", "/ui/", buf).status, 200);
	assert_int_equal(ask("HEAD", "/ui/", a->etag).status, 304);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_owns),
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_methods),
		cmocka_unit_test(test_etag),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

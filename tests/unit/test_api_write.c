/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The API's write routes (server/api/api_*.c) served in-process by
 * api_handle on a real temporary store (SQLite, and PostgreSQL as
 * test_api_write_pg): enrolment from both bodies
 * (with a sealed PSK, and idempotent), revocation (a signed indication
 * after it is stored unverified and opens nothing), approval twice = one
 * approval and 409 without an incident, class pause and resume, CWMP
 * credentials, the record export, bundle uploads (good, bad signature,
 * wrong class, corrupt payload: 422 and the file on disk untouched), and
 * tokens (made, checked, listed, revoked). Every write names its caller in
 * operator_actions.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "api.h"
#include "api_bundle.h"
#include "api_token.h"
#include "enrol_rec.h"
#include "mayday/bundle.h"
#include "mayday/cose.h"
#include "mayday/file.h"
#include "mayday/kek.h"
#include "mayday/keys.h"
#include "mayday/manifest.h"
#include "store_api.h"
#include "test_store_fixture.h"

#define NOW 1700005000

struct t {
	struct fx fx;
	struct api_ctx ctx;
	struct api_config cfg;
	struct api_identity op, admin, viewer;
	char bundle_dir[300], vendor_pub[300];
	EVP_PKEY *vendor, *other;
	unsigned psk_told;          /* psk_enrolled calls, the last kid's first byte */
	uint8_t psk_told_kid0;
};

/* What maydayd does with it: forget the PSK cache's keys for the kid. */
static void psk_enrolled(void *arg, const uint8_t *kid, size_t kid_len)
{
	struct t *t = arg;
	assert_int_equal(kid_len, 8);
	t->psk_told++;
	t->psk_told_kid0 = kid[0];
}

static int setup(void **state)
{
	struct t *t = calloc(1, sizeof(*t));
	assert_non_null(t);
	fx_open(&t->fx);
	snprintf(t->bundle_dir, sizeof(t->bundle_dir), "%s/bundles", t->fx.dir);
	assert_int_equal(mkdir(t->bundle_dir, 0755), 0);
	snprintf(t->vendor_pub, sizeof(t->vendor_pub), "%s/vendor.pub", t->fx.dir);
	assert_int_equal(mayday_key_generate(&t->vendor), MAYDAY_OK);
	assert_int_equal(mayday_key_generate(&t->other), MAYDAY_OK);
	assert_int_equal(mayday_key_save_public(t->vendor, t->vendor_pub), MAYDAY_OK);
	t->cfg.psk_kek = t->fx.kek;
	t->cfg.bundle_dir = t->bundle_dir;
	t->cfg.vendor_key = t->vendor_pub;
	t->cfg.acs_realm = "mayday-acs";
	t->cfg.bundle_max = 1u << 20;
	t->cfg.psk_enrolled = psk_enrolled;
	t->cfg.psk_enrolled_arg = t;
	t->ctx.st = t->fx.st;
	t->ctx.cfg = &t->cfg;
	snprintf(t->op.name, sizeof(t->op.name), "token:ops");
	t->op.role = API_ROLE_OPERATOR;
	snprintf(t->admin.name, sizeof(t->admin.name), "cert:alice");
	t->admin.role = API_ROLE_ADMIN;
	snprintf(t->viewer.name, sizeof(t->viewer.name), "token:look");
	t->viewer.role = API_ROLE_VIEWER;
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct t *t = *state;
	char cmd[400];
	EVP_PKEY_free(t->vendor);
	EVP_PKEY_free(t->other);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", t->bundle_dir);
	assert_int_equal(system(cmd), 0);
	fx_close(&t->fx);
	free(t);
	return 0;
}

/* SQL both backends read alike. */
static long long count(struct t *t, const char *sql)
{
	return fx_sql_scalar(&t->fx, sql);
}

/* With MAYDAY_API_WRITE_DUMP=FILE, each answer is appended to FILE as one
 * JSON line {method, path, query, status, body}, which
 * test_api_write_openapi.py validates against docs/openapi.json. */
static void dump(const struct api_request *rq, const struct api_response *rs)
{
	const char *file = getenv("MAYDAY_API_WRITE_DUMP");
	if (file == NULL || file[0] == '\0')
		return;
	json_t *body = rs->body != NULL ? json_incref(rs->body)
		       : rs->raw != NULL ? json_loadb(rs->raw, rs->raw_len, 0, NULL) : json_null();
	json_t *line = json_pack("{s:s,s:s,s:s?,s:i,s:o}", "method", rq->method, "path", rq->path,
				 "query", rq->query, "status", rs->status, "body",
				 body != NULL ? body : json_null());
	FILE *f = fopen(file, "a");
	assert_non_null(line);
	assert_non_null(f);
	assert_int_equal(json_dumpf(line, f, JSON_COMPACT), 0);
	fputc('\n', f);
	fclose(f);
	json_decref(line);
}

/* method path?query with body as `who`: the status; *out the JSON body
 * (the caller's) or NULL. */
static int call(struct t *t, const struct api_identity *who, const char *method, const char *path,
		const char *query, const void *body, size_t len, const char *type, json_t **out)
{
	struct api_request rq = {.method = method, .path = path, .query = query, .body = body,
				 .body_len = len, .content_type = type, .who = who, .now = NOW};
	struct api_response rs;
	assert_int_equal(api_handle(&t->ctx, &rq, &rs), MAYDAY_OK);
	int status = rs.status;
	dump(&rq, &rs);
	if (out != NULL) {
		*out = rs.body != NULL ? json_incref(rs.body)
		       : rs.raw != NULL ? json_loadb(rs.raw, rs.raw_len, 0, NULL) : NULL;
	}
	api_response_clear(&rs);
	return status;
}

static int call_json(struct t *t, const struct api_identity *who, const char *method,
		     const char *path, const char *body, json_t **out)
{
	/* the type on every write, an empty one too, as api_write_body wants */
	return call(t, who, method, path, NULL, body, body != NULL ? strlen(body) : 0,
		    strcmp(method, "GET") != 0 ? "application/json" : NULL, out);
}

static const char *code_of(json_t *j)
{
	return json_string_value(json_object_get(json_object_get(j, "error"), "code"));
}

static json_t *enrol_body(const char *id, const char *klass, EVP_PKEY **key_out)
{
	char pem[1024];
	EVP_PKEY *k = fx_key(pem, sizeof(pem));
	json_t *b = json_pack("{s:s,s:s,s:s}", "device_id", id, "product_class", klass,
			      "public_key_pem", pem);
	if (key_out != NULL)
		*key_out = k;
	else
		EVP_PKEY_free(k);
	return b;
}

static int post_json(struct t *t, const struct api_identity *who, const char *path, json_t *b,
		     json_t **out)
{
	char *text = json_dumps(b, JSON_COMPACT);
	assert_non_null(text);
	int s = call_json(t, who, "POST", path, text, out);
	free(text);
	return s;
}

static void test_enrol_plain(void **state)
{
	struct t *t = *state;
	json_t *b = enrol_body("hnb-1", "femto-a", NULL), *r = NULL;
	/* a viewer may not */
	assert_int_equal(post_json(t, &t->viewer, "/v1/devices", b, &r), 403);
	json_decref(r);
	assert_int_equal(post_json(t, &t->op, "/v1/devices", b, &r), 201);
	assert_string_equal(json_string_value(json_object_get(r, "device_id")), "hnb-1");
	assert_true(json_is_null(json_object_get(r, "revoked_at")));
	json_decref(r);
	/* again, same key: 200, nothing recorded */
	assert_int_equal(post_json(t, &t->op, "/v1/devices", b, &r), 200);
	json_decref(r);
	assert_int_equal(count(t, "SELECT count(*) FROM operator_actions WHERE target = 'hnb-1'"
			       " AND identity = 'token:ops'"), 1);
	assert_int_equal(count(t, "SELECT count(*) FROM events WHERE type = 'device.enrolled'"), 1);
	json_decref(b);
	/* hostile bodies */
	assert_int_equal(call_json(t, &t->op, "POST", "/v1/devices",
				   "{\"device_id\":\"x\",\"product_class\":\"c\","
				   "\"public_key_pem\":\"nope\"}", &r), 400);
	assert_string_equal(code_of(r), "bad_request");
	json_decref(r);
	assert_int_equal(call_json(t, &t->op, "POST", "/v1/devices", "[1,2]", &r), 400);
	json_decref(r);
	assert_int_equal(call_json(t, &t->op, "POST", "/v1/devices",
				   "{\"device_id\":\"a\",\"device_id\":\"b\"}", &r), 400);
	json_decref(r);
	b = enrol_body("hnb 2", "femto-a", NULL);   /* a space in the ID */
	assert_int_equal(post_json(t, &t->op, "/v1/devices", b, &r), 400);
	json_decref(r);
	json_decref(b);
	b = enrol_body("hnb-3", "femto-a", NULL);
	json_object_set_new(b, "colour", json_string("blue"));   /* unknown member */
	assert_int_equal(post_json(t, &t->op, "/v1/devices", b, &r), 400);
	json_decref(r);
	json_decref(b);
	assert_int_equal(call(t, &t->op, "POST", "/v1/devices", NULL, "{}", 2, "text/plain", &r),
			 415);
	json_decref(r);
	assert_int_equal(count(t, "SELECT count(*) FROM devices"), 1);
}

/* An enrolment record with a PSK sealed under the fixture's KEK. */
static char *record(struct t *t, const char *id, EVP_PKEY *key, const uint8_t *kek_or_null,
		    const uint8_t kid[8], size_t *len)
{
	struct enrol_rec r;
	uint8_t psk[MAYDAY_PSK_LEN];
	char *text = NULL;
	(void)t;
	memset(&r, 0, sizeof(r));
	memset(psk, 0x5a, sizeof(psk));
	snprintf(r.device_id, sizeof(r.device_id), "%s", id);
	snprintf(r.product_class, sizeof(r.product_class), "femto-a");
	assert_int_equal(enrol_rec_set_key(&r, key), MAYDAY_OK);
	assert_int_equal(enrol_rec_put_psk(&r, kid, 8, psk, kek_or_null), MAYDAY_OK);
	assert_int_equal(enrol_rec_format(&r, &text, len), MAYDAY_OK);
	enrol_rec_wipe(&r);
	return text;
}

static void test_enrol_record(void **state)
{
	struct t *t = *state;
	uint8_t kek[MAYDAY_KEK_LEN], other_kek[MAYDAY_KEK_LEN];
	const uint8_t kid[8] = {1, 2, 3, 4, 5, 6, 7, 8};
	size_t len = 0;
	json_t *r = NULL;
	char pem[1024];
	EVP_PKEY *key = fx_key(pem, sizeof(pem));
	assert_int_equal(mayday_kek_load(t->fx.kek, kek), MAYDAY_OK);
	memset(other_kek, 7, sizeof(other_kek));

	/* sealed under another KEK: 422, nothing enrolled */
	char *text = record(t, "hnb-r", key, other_kek, kid, &len);
	assert_int_equal(call(t, &t->op, "POST", "/v1/devices", NULL, text, len,
			      "application/json", &r), 422);
	assert_string_equal(code_of(r), "invalid");
	json_decref(r);
	free(text);
	assert_int_equal(count(t, "SELECT count(*) FROM devices"), 0);
	assert_int_equal(t->psk_told, 0);

	text = record(t, "hnb-r", key, kek, kid, &len);
	assert_int_equal(call(t, &t->op, "POST", "/v1/devices", NULL, text, len,
			      "application/json", &r), 201);
	assert_string_equal(json_string_value(json_object_get(r, "psk_kid")), "0102030405060708");
	json_decref(r);
	/* maydayd is told, so its PSK cache drops what the kid had */
	assert_int_equal(t->psk_told, 1);
	assert_int_equal(t->psk_told_kid0, 1);
	assert_int_equal(call(t, &t->op, "POST", "/v1/devices", NULL, text, len,
			      "application/json", &r), 200);
	json_decref(r);
	free(text);
	assert_int_equal(count(t, "SELECT count(*) FROM psk_keys WHERE psk_sealed IS NOT NULL"), 1);
	assert_int_equal(count(t, "SELECT count(*) FROM operator_actions WHERE target = 'hnb-r'"),
			 2);   /* the enrolment and the PSK, once */

	/* the same kid for another device: 409 before anything is written */
	EVP_PKEY *key2 = fx_key(pem, sizeof(pem));
	text = record(t, "hnb-s", key2, kek, kid, &len);
	assert_int_equal(call(t, &t->op, "POST", "/v1/devices", NULL, text, len,
			      "application/json", &r), 409);
	json_decref(r);
	free(text);
	assert_int_equal(count(t, "SELECT count(*) FROM devices WHERE id = 'hnb-s'"), 0);

	/* the export gives the record back, the PSK sealed; admin only */
	assert_int_equal(call(t, &t->op, "GET", "/v1/devices/hnb-r/record", NULL, NULL, 0, NULL,
			      &r), 403);
	json_decref(r);
	assert_int_equal(call(t, &t->admin, "GET", "/v1/devices/hnb-r/record", NULL, NULL, 0,
			      NULL, &r), 200);
	assert_null(json_object_get(r, "psk"));
	assert_string_equal(json_string_value(json_object_get(r, "device_id")), "hnb-r");
	json_decref(r);
	assert_int_equal(call(t, &t->admin, "GET", "/v1/devices/hnb-r/record", "psk=sealed", NULL,
			      0, NULL, &r), 200);
	assert_non_null(json_object_get(json_object_get(r, "psk"), "sealed"));
	/* and it enrols again as it is: nothing changes */
	text = json_dumps(r, 0);
	json_decref(r);
	assert_int_equal(call(t, &t->op, "POST", "/v1/devices", NULL, text, strlen(text),
			      "application/json", &r), 200);
	json_decref(r);
	free(text);
	assert_int_equal(call(t, &t->admin, "GET", "/v1/devices/hnb-r/record", "psk=bogus", NULL,
			      0, NULL, &r), 400);
	json_decref(r);
	assert_int_equal(count(t, "SELECT count(*) FROM operator_actions WHERE action ="
			       " 'device.export' AND identity = 'cert:alice'"), 1);
	EVP_PKEY_free(key);
	EVP_PKEY_free(key2);
	OPENSSL_cleanse(kek, sizeof(kek));
}

/* A signed indication of `id` as if verified with the key (the ingest
 * writer's call): its stored trust and incident. */
static struct store_ingest_rec distress(struct t *t, const char *id, uint64_t counter)
{
	static uint8_t raw[4096];
	static struct mayday_indication ind;
	struct store_ingest_rec rec;
	fx_indication(&ind, id, counter);
	fx_rec(&rec, &ind, STORE_TRUST_SIGNED, raw, sizeof(raw));
	rec.received_at = NOW + (int64_t)counter;
	assert_int_equal(fx_put1(t->fx.st, &rec), MAYDAY_OK);
	return rec;
}

static void test_revoke(void **state)
{
	struct t *t = *state;
	json_t *b = enrol_body("hnb-1", "femto-a", NULL), *r = NULL;
	assert_int_equal(post_json(t, &t->op, "/v1/devices", b, &r), 201);
	json_decref(r);
	json_decref(b);
	assert_int_equal(call_json(t, &t->op, "POST", "/v1/devices/nobody/revoke", NULL, &r), 404);
	json_decref(r);
	assert_int_equal(call_json(t, &t->op, "POST", "/v1/devices/hnb-1/revoke",
				   "{\"reason\":\"stolen\"}", &r), 200);
	assert_string_equal(json_string_value(json_object_get(r, "revoked_by")), "token:ops");
	assert_false(json_is_null(json_object_get(r, "revoked_at")));
	json_decref(r);
	assert_int_equal(call_json(t, &t->admin, "POST", "/v1/devices/hnb-1/revoke", NULL, &r),
			 200);
	assert_string_equal(json_string_value(json_object_get(r, "revoked_by")), "token:ops");
	json_decref(r);
	assert_int_equal(count(t, "SELECT count(*) FROM operator_actions WHERE action ="
			       " 'device.revoke'"), 1);
	/* a signed indication after it: recorded, never trusted, no incident */
	struct store_ingest_rec rec = distress(t, "hnb-1", 1);
	assert_int_equal(rec.trust, STORE_TRUST_UNVERIFIED);
	assert_int_equal(rec.incident_id, 0);
	assert_int_equal(call(t, &t->viewer, "GET", "/v1/indications", "device=hnb-1", NULL, 0,
			      NULL, &r), 200);
	json_t *ind = json_array_get(json_object_get(r, "indications"), 0);
	assert_string_equal(json_string_value(json_object_get(ind, "trust")), "unverified");
	json_decref(r);
	assert_int_equal(count(t, "SELECT count(*) FROM incidents"), 0);
	/* nothing to approve */
	assert_int_equal(call_json(t, &t->op, "POST", "/v1/devices/hnb-1/approve", NULL, &r), 409);
	json_decref(r);
}

static void test_approve(void **state)
{
	struct t *t = *state;
	json_t *b = enrol_body("hnb-1", "femto-a", NULL), *r = NULL;
	assert_int_equal(post_json(t, &t->op, "/v1/devices", b, &r), 201);
	json_decref(r);
	json_decref(b);
	assert_int_equal(call_json(t, &t->op, "POST", "/v1/devices/hnb-1/approve", NULL, &r), 409);
	assert_string_equal(code_of(r), "conflict");
	json_decref(r);
	assert_int_equal(count(t, "SELECT count(*) FROM remediation_approvals"), 0);
	assert_int_equal(call_json(t, &t->op, "POST", "/v1/devices/ghost/approve", NULL, &r), 404);
	json_decref(r);
	struct store_ingest_rec rec = distress(t, "hnb-1", 1);
	assert_true(rec.incident_id > 0);
	assert_int_equal(call_json(t, &t->op, "POST", "/v1/devices/hnb-1/approve", NULL, &r), 200);
	assert_false(json_is_true(json_object_get(r, "already")));
	assert_int_equal(json_integer_value(json_object_get(r, "incident_id")), rec.incident_id);
	assert_string_equal(json_string_value(json_object_get(r, "approved_by")), "token:ops");
	json_decref(r);
	assert_int_equal(call_json(t, &t->admin, "POST", "/v1/devices/hnb-1/approve", NULL, &r),
			 200);
	assert_true(json_is_true(json_object_get(r, "already")));
	assert_string_equal(json_string_value(json_object_get(r, "approved_by")), "token:ops");
	json_decref(r);
	assert_int_equal(count(t, "SELECT count(*) FROM remediation_approvals"), 1);
	assert_int_equal(count(t, "SELECT count(*) FROM incident_events WHERE kind = 'approved'"), 1);
	assert_int_equal(count(t, "SELECT count(*) FROM operator_actions WHERE action ="
			       " 'remediation.approve'"), 1);
}

static void test_class_pause_resume(void **state)
{
	struct t *t = *state;
	json_t *b = enrol_body("hnb-1", "femto-a", NULL), *r = NULL;
	assert_int_equal(post_json(t, &t->op, "/v1/devices", b, &r), 201);
	json_decref(r);
	json_decref(b);
	assert_int_equal(call_json(t, &t->op, "POST", "/v1/classes/nope/pause", NULL, &r), 404);
	json_decref(r);
	/* an empty write without application/json, as a hostile page's form
	 * or no-cors fetch sends it: refused, the class not paused */
	assert_int_equal(call(t, &t->op, "POST", "/v1/classes/femto-a/pause", NULL, NULL, 0, NULL,
			      &r), 415);
	json_decref(r);
	assert_int_equal(call(t, &t->op, "POST", "/v1/classes/femto-a/pause", NULL, NULL, 0,
			      "application/x-www-form-urlencoded", &r), 415);
	json_decref(r);
	assert_int_equal(call(t, &t->op, "POST", "/v1/classes/femto-a/pause", NULL, "{}", 2,
			      "text/plain", &r), 415);
	json_decref(r);
	assert_int_equal(count(t, "SELECT count(*) FROM remediation_class_events"), 0);
	assert_int_equal(call_json(t, &t->op, "POST", "/v1/classes/femto-a/pause",
				   "{\"reason\":\"bad update\"}", &r), 200);
	assert_true(json_is_true(json_object_get(r, "paused")));
	assert_null(json_object_get(r, "pause_failures_detail"));
	json_decref(r);
	assert_int_equal(call_json(t, &t->op, "POST", "/v1/classes/femto-a/pause", NULL, &r), 200);
	assert_true(json_is_true(json_object_get(r, "paused")));
	json_decref(r);
	assert_int_equal(count(t, "SELECT count(*) FROM remediation_class_events WHERE kind ="
			       " 'paused'"), 1);
	assert_int_equal(call_json(t, &t->op, "POST", "/v1/classes/femto-a/resume", NULL, &r), 200);
	assert_true(json_is_true(json_object_get(r, "was_paused")));
	assert_false(json_is_true(json_object_get(r, "paused")));
	json_decref(r);
	assert_int_equal(count(t, "SELECT count(*) FROM events WHERE type IN ('class.paused',"
			       " 'class.resumed') AND payload ->> 'by' = 'token:ops'"), 2);
	assert_int_equal(count(t, "SELECT count(*) FROM operator_actions WHERE target ="
			       " 'femto-a'"), 3);   /* pause, its reason, resume */
}

static void test_cwmp_credentials(void **state)
{
	struct t *t = *state;
	json_t *b = enrol_body("hnb-1", "femto-a", NULL), *r = NULL;
	assert_int_equal(post_json(t, &t->op, "/v1/devices", b, &r), 201);
	json_decref(r);
	json_decref(b);
	assert_int_equal(call(t, &t->op, "PUT", "/v1/devices/hnb-1/cwmp-credentials", NULL,
			      "{\"password\":\"short\"}", 20, "application/json", &r), 400);
	json_decref(r);
	const char *body = "{\"username\":\"cpe-1\",\"password\":\"correct horse\"}";
	assert_int_equal(call(t, &t->op, "PUT", "/v1/devices/hnb-1/cwmp-credentials", NULL, body,
			      strlen(body), "application/json", &r), 200);
	assert_string_equal(json_string_value(json_object_get(r, "username")), "cpe-1");
	json_t *cr = json_object_get(r, "connection_request");
	assert_string_equal(json_string_value(json_object_get(cr, "username")), "mayday-acs");
	assert_int_equal(strlen(json_string_value(json_object_get(cr, "password"))), 32);
	json_decref(r);
	assert_int_equal(count(t, "SELECT count(*) FROM cwmp_credentials WHERE username = 'cpe-1'"
			       " AND length(ha1_sha256) = 64"), 1);
	assert_int_equal(call(t, &t->op, "PUT", "/v1/devices/nobody/cwmp-credentials", NULL, body,
			      strlen(body), "application/json", &r), 404);
	json_decref(r);
	assert_int_equal(count(t, "SELECT count(*) FROM operator_actions WHERE action ="
			       " 'device.cwmp_credentials'"), 1);
}

static uint8_t *bundle(EVP_PKEY *key, const char *klass, uint64_t rollback, bool flip,
		       size_t *len)
{
	return fx_bundle(key, klass, rollback, flip, len);
}

static int put_bundle(struct t *t, const struct api_identity *who, const char *klass,
		      const uint8_t *b, size_t len, json_t **r)
{
	char path[200];
	snprintf(path, sizeof(path), "/v1/classes/%s/bundle", klass);
	return call(t, who, "PUT", path, NULL, b, len, "application/octet-stream", r);
}

static bool file_is(const char *path, const uint8_t *b, size_t len)
{
	uint8_t buf[16384];
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return false;
	size_t n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	return n == len && memcmp(buf, b, len) == 0;
}

static void test_bundle(void **state)
{
	struct t *t = *state;
	char path[400];
	size_t len = 0, bad_len = 0;
	json_t *r = NULL;
	snprintf(path, sizeof(path), "%s/femto-a.bundle", t->bundle_dir);
	uint8_t *good = bundle(t->vendor, "femto-a", 3, false, &len);
	assert_int_equal(put_bundle(t, &t->op, "femto-a", good, len, &r), 403);
	json_decref(r);
	assert_int_equal(put_bundle(t, &t->admin, "femto-a", good, len, &r), 200);
	assert_int_equal(json_integer_value(json_object_get(r, "version")), 3);
	assert_int_equal(json_integer_value(json_object_get(r, "size")), (json_int_t)len);
	assert_int_equal(strlen(json_string_value(json_object_get(r, "sha256"))), 64);
	json_decref(r);
	assert_true(file_is(path, good, len));
	/* maydayd's check at load says the same of the file */
	struct api_bundle_info info;
	char why[256];
	assert_int_equal(api_bundle_check_file(path, t->vendor, "femto-a", &info, why, sizeof(why)),
			 MAYDAY_OK);
	assert_int_equal(info.version, 3);
	assert_int_equal(api_bundle_check_file(path, t->vendor, "femto-b", &info, why, sizeof(why)),
			 MAYDAY_E_MISMATCH);

	/* each bad one: 422, and the good file stays as it was */
	uint8_t *bad[5];
	bad[0] = bundle(t->other, "femto-a", 4, false, &bad_len);     /* another key */
	bad[1] = bundle(t->vendor, "femto-b", 4, false, &bad_len);    /* another class */
	bad[2] = bundle(t->vendor, "femto-a", 0, false, &bad_len);    /* version 0 */
	bad[3] = bundle(t->vendor, "femto-a", 4, true, &bad_len);     /* a flipped payload byte */
	bad[4] = bundle(t->vendor, "femto-a", 4, false, &bad_len);    /* cut short below */
	for (int i = 0; i < 5; i++) {
		assert_int_equal(put_bundle(t, &t->admin, "femto-a", bad[i],
					    i == 4 ? bad_len - 1 : bad_len, &r), 422);
		assert_string_equal(code_of(r), "invalid");
		json_decref(r);
		assert_true(file_is(path, good, len));
		free(bad[i]);
	}
	assert_int_equal(put_bundle(t, &t->admin, ".hidden", good, len, &r), 400);
	json_decref(r);
	assert_int_equal(put_bundle(t, &t->admin, "..%2Fetc", good, len, &r), 400);
	json_decref(r);
	/* no bundle directory, no vendor key: uploads are off */
	t->cfg.vendor_key = "";
	assert_int_equal(put_bundle(t, &t->admin, "femto-a", good, len, &r), 503);
	json_decref(r);
	t->cfg.vendor_key = t->vendor_pub;
	t->cfg.bundle_max = 10;
	assert_int_equal(put_bundle(t, &t->admin, "femto-a", good, len, &r), 413);
	json_decref(r);
	free(good);
	assert_int_equal(count(t, "SELECT count(*) FROM operator_actions WHERE action ="
			       " 'class.bundle' AND identity = 'cert:alice'"), 1);
}

static void test_tokens(void **state)
{
	struct t *t = *state;
	json_t *r = NULL;
	struct api_identity who;
	assert_int_equal(call_json(t, &t->op, "POST", "/v1/tokens",
				   "{\"name\":\"bot\",\"role\":\"viewer\"}", &r), 403);
	json_decref(r);
	assert_int_equal(call_json(t, &t->admin, "POST", "/v1/tokens",
				   "{\"name\":\"bot\",\"role\":\"operator\"}", &r), 201);
	const char *token = json_string_value(json_object_get(r, "token"));
	char copy[API_TOKEN_LEN + 1], id[STORE_TOKEN_ID_LEN + 1];
	assert_non_null(token);
	assert_int_equal(strlen(token), API_TOKEN_LEN);
	snprintf(copy, sizeof(copy), "%s", token);
	snprintf(id, sizeof(id), "%s", json_string_value(json_object_get(r, "id")));
	assert_memory_equal(copy, id, STORE_TOKEN_ID_LEN);
	json_decref(r);
	/* the secret is not in the store */
	assert_int_equal(count(t, fx_is_pg() ? "SELECT count(*) FROM api_tokens WHERE"
			       " position('mdt_'::bytea IN secret_sha256) > 0"
			       : "SELECT count(*) FROM api_tokens WHERE instr(CAST(secret_sha256"
			       " AS TEXT), 'mdt_') > 0"), 0);
	assert_int_equal(count(t, "SELECT count(*) FROM api_tokens WHERE"
			       " length(secret_sha256) = 32"), 1);
	assert_int_equal(call_json(t, &t->admin, "POST", "/v1/tokens",
				   "{\"name\":\"bot\",\"role\":\"viewer\"}", &r), 409);
	json_decref(r);
	assert_int_equal(call_json(t, &t->admin, "POST", "/v1/tokens",
				   "{\"name\":\"x\",\"role\":\"root\"}", &r), 400);
	json_decref(r);

	assert_int_equal(api_token_verify(t->fx.st, copy, &who), MAYDAY_OK);
	assert_string_equal(who.name, "token:bot");
	assert_int_equal(who.role, API_ROLE_OPERATOR);
	copy[API_TOKEN_LEN - 1] = copy[API_TOKEN_LEN - 1] == 'A' ? 'B' : 'A';
	assert_int_equal(api_token_verify(t->fx.st, copy, &who), MAYDAY_E_DENIED);
	assert_int_equal(who.role, API_ROLE_NONE);
	assert_int_equal(api_token_verify(t->fx.st, "Bearer nonsense", &who), MAYDAY_E_MALFORMED);
	copy[API_TOKEN_LEN - 1] = copy[API_TOKEN_LEN - 1] == 'A' ? 'B' : 'A';

	assert_int_equal(call(t, &t->admin, "GET", "/v1/tokens", NULL, NULL, 0, NULL, &r), 200);
	json_t *row = json_array_get(json_object_get(r, "tokens"), 0);
	assert_string_equal(json_string_value(json_object_get(row, "name")), "bot");
	assert_string_equal(json_string_value(json_object_get(row, "created_by")), "cert:alice");
	assert_false(json_is_null(json_object_get(row, "last_used_at")));
	assert_true(json_is_null(json_object_get(row, "revoked_at")));
	assert_null(json_object_get(row, "token"));
	json_decref(r);

	char path[64];
	snprintf(path, sizeof(path), "/v1/tokens/%s", id);
	assert_int_equal(call(t, &t->admin, "DELETE", path, NULL, NULL, 0, NULL, &r), 204);
	json_decref(r);
	assert_int_equal(call(t, &t->admin, "DELETE", path, NULL, NULL, 0, NULL, &r), 204);
	json_decref(r);
	assert_int_equal(api_token_verify(t->fx.st, copy, &who), MAYDAY_E_DENIED);
	assert_int_equal(count(t, "SELECT count(*) FROM operator_actions WHERE action LIKE"
			       " 'token.%' AND identity = 'cert:alice'"), 2);
	OPENSSL_cleanse(copy, sizeof(copy));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_enrol_plain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_enrol_record, setup, teardown),
		cmocka_unit_test_setup_teardown(test_revoke, setup, teardown),
		cmocka_unit_test_setup_teardown(test_approve, setup, teardown),
		cmocka_unit_test_setup_teardown(test_class_pause_resume, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cwmp_credentials, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bundle, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tokens, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: Apache-2.0 */
/* The ACS's HTTP login (srv_acs_auth.c, srv_acs_login.c) and the data-model
 * root rule (srv_acs_model.c): RFC 7616's own examples (3.9.1, MD5 and
 * SHA-256), hostile Authorization headers, nonces, and credentials checked
 * against a real temporary store. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "srv_acs_auth.h"
#include "srv_acs_connreq.h"
#include "srv_acs_login.h"
#include "srv_acs_model.h"
#include "store_acs.h"
#include "test_store_fixture.h"

/* RFC 7616 3.9.1: Mufasa / "Circle of Life", GET /dir/index.html. */
#define RFC_USER   "Mufasa"
#define RFC_REALM  "http-auth@example.org"
#define RFC_PASS   "Circle of Life"
#define RFC_NONCE  "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v"
#define RFC_CNONCE_MD5 "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ"
#define RFC_CNONCE_SHA "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ"
#define RFC_MD5    "8ca523f5e9506fed4657c9700eebdbec"
#define RFC_SHA256 "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"

static const char rfc_md5_header[] =
	"Digest username=\"Mufasa\", realm=\"http-auth@example.org\", uri=\"/dir/index.html\","
	" algorithm=MD5, nonce=\"" RFC_NONCE "\", nc=00000001, cnonce=\"" RFC_CNONCE_MD5 "\","
	" qop=auth, response=\"" RFC_MD5 "\","
	" opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\"";
static const char rfc_sha_header[] =
	"Digest username=\"Mufasa\",\r\n realm=\"http-auth@example.org\", uri=\"/dir/index.html\","
	" algorithm=SHA-256, nonce=\"" RFC_NONCE "\", nc=00000001, cnonce=\"" RFC_CNONCE_SHA "\","
	" qop=auth, response=\"" RFC_SHA256 "\","
	" opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\"";

static void test_rfc7616_vectors(void **state)
{
	struct srv_acs_authz a;
	char ha1[SRV_ACS_HEX_MAX + 1], resp[SRV_ACS_HEX_MAX + 1];
	(void)state;
	assert_int_equal(srv_acs_auth_parse(rfc_md5_header, &a), MAYDAY_OK);
	assert_int_equal(a.scheme, SRV_ACS_AUTH_DIGEST);
	assert_int_equal(a.alg, SRV_ACS_MD5);
	assert_string_equal(a.username, RFC_USER);
	assert_string_equal(a.uri, "/dir/index.html");
	assert_int_equal(srv_acs_digest_ha1(SRV_ACS_MD5, RFC_USER, RFC_REALM, RFC_PASS, ha1),
			 MAYDAY_OK);
	assert_int_equal(srv_acs_digest_response(&a, "GET", ha1, resp), MAYDAY_OK);
	assert_string_equal(resp, RFC_MD5);
	assert_true(srv_acs_digest_ok(&a, "GET", ha1));
	assert_false(srv_acs_digest_ok(&a, "POST", ha1));   /* A2 binds the method */

	/* The SHA-256 example; a CRLF line fold inside the header is whitespace
	 * evhttp would have unfolded; here it must not parse as a parameter. */
	assert_int_not_equal(srv_acs_auth_parse(rfc_sha_header, &a), MAYDAY_OK);
	char unfolded[sizeof(rfc_sha_header)];
	snprintf(unfolded, sizeof(unfolded), "%s", rfc_sha_header);
	char *fold = strstr(unfolded, "\r\n");
	memcpy(fold, "  ", 2);
	assert_int_equal(srv_acs_auth_parse(unfolded, &a), MAYDAY_OK);
	assert_int_equal(a.alg, SRV_ACS_SHA256);
	assert_int_equal(srv_acs_digest_ha1(SRV_ACS_SHA256, RFC_USER, RFC_REALM, RFC_PASS, ha1),
			 MAYDAY_OK);
	assert_int_equal(srv_acs_digest_response(&a, "GET", ha1, resp), MAYDAY_OK);
	assert_string_equal(resp, RFC_SHA256);
	assert_true(srv_acs_digest_ok(&a, "GET", ha1));
	/* an MD5 HA1 for a SHA-256 response (wrong length) never matches */
	assert_int_equal(srv_acs_digest_ha1(SRV_ACS_MD5, RFC_USER, RFC_REALM, RFC_PASS, ha1),
			 MAYDAY_OK);
	assert_false(srv_acs_digest_ok(&a, "GET", ha1));
	/* a response in upper-case hex is the same response */
	for (char *p = a.response; *p; p++)
		if (*p >= 'a' && *p <= 'f')
			*p = (char)(*p - 'a' + 'A');
	assert_int_equal(srv_acs_digest_ha1(SRV_ACS_SHA256, RFC_USER, RFC_REALM, RFC_PASS, ha1),
			 MAYDAY_OK);
	assert_true(srv_acs_digest_ok(&a, "GET", ha1));
}

static void test_basic(void **state)
{
	struct srv_acs_authz a;
	char ha1[SRV_ACS_HEX_MAX + 1];
	(void)state;
	/* RFC 7617 2: Aladdin / open sesame */
	assert_int_equal(srv_acs_auth_parse("Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==", &a), MAYDAY_OK);
	assert_int_equal(a.scheme, SRV_ACS_AUTH_BASIC);
	assert_string_equal(a.username, "Aladdin");
	assert_string_equal(a.password, "open sesame");
	assert_int_equal(srv_acs_digest_ha1(SRV_ACS_SHA256, "Aladdin", "r", "open sesame", ha1),
			 MAYDAY_OK);
	assert_true(srv_acs_basic_ok(&a, "r", ha1));
	assert_false(srv_acs_basic_ok(&a, "other-realm", ha1));
	assert_int_equal(srv_acs_auth_parse("Basic QWxhZGRpbg==", &a), MAYDAY_E_MALFORMED); /* no ':' */
	assert_int_equal(srv_acs_auth_parse("Basic QWxh*GRpbjpv", &a), MAYDAY_E_MALFORMED);
	assert_int_equal(srv_acs_auth_parse("Basic ", &a), MAYDAY_E_MALFORMED);
	assert_int_equal(srv_acs_auth_parse("Basic AAAA", &a), MAYDAY_E_MALFORMED); /* NULs */
}

static void test_hostile_headers(void **state)
{
	struct srv_acs_authz a;
	char big[SRV_ACS_AUTH_HEADER_MAX + 16];
	(void)state;
	static const struct {
		const char *h;
		enum mayday_err want;
	} cases[] = {
		{"", MAYDAY_E_UNSUPPORTED},
		{"Bearer abc", MAYDAY_E_UNSUPPORTED},
		{"Digest", MAYDAY_E_UNSUPPORTED},
		{"Digest username=\"a\"", MAYDAY_E_MALFORMED},            /* parameters missing */
		{"Digest username=\"a\", username=\"b\", realm=r, nonce=n, uri=\"/\", response="
		 "00000000000000000000000000000000, cnonce=c, nc=00000001, qop=auth",
		 MAYDAY_E_MALFORMED},                                    /* duplicate */
		{"Digest username=\"a\", realm=r, nonce=n, uri=\"/\", response="
		 "00000000000000000000000000000000", MAYDAY_E_MALFORMED}, /* RFC 2069: no qop */
		{"Digest username=\"a\", realm=r, nonce=n, uri=\"/\", response="
		 "00000000000000000000000000000000, cnonce=c, nc=00000001, qop=auth-int",
		 MAYDAY_E_UNSUPPORTED},
		{"Digest username=\"a\", realm=r, nonce=n, uri=\"/\", response="
		 "00000000000000000000000000000000, cnonce=c, nc=00000001, qop=auth,"
		 " algorithm=MD5-sess", MAYDAY_E_UNSUPPORTED},
		{"Digest username=\"a\", realm=r, nonce=n, uri=\"/\", response="
		 "00000000000000000000000000000000, cnonce=c, nc=00000001, qop=auth, userhash=true",
		 MAYDAY_E_UNSUPPORTED},
		{"Digest username=\"a\", realm=r, nonce=n, uri=\"/\", response=xyz, cnonce=c,"
		 " nc=00000001, qop=auth", MAYDAY_E_MALFORMED},           /* response not hex */
		{"Digest username=\"a\", realm=r, nonce=n, uri=\"/\", response="
		 "00000000000000000000000000000000, cnonce=c, nc=1, qop=auth", MAYDAY_E_MALFORMED},
		{"Digest username=\"a, realm=r", MAYDAY_E_MALFORMED},     /* unterminated quote */
		{"Digest username=\"a\\", MAYDAY_E_MALFORMED},            /* escape at the end */
		{"Digest username=\"a\x01\", realm=r", MAYDAY_E_MALFORMED},
		{"Digest =x", MAYDAY_E_MALFORMED},
		{"Digest username", MAYDAY_E_MALFORMED},
		{"Digest username=a b", MAYDAY_E_MALFORMED},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum mayday_err got = srv_acs_auth_parse(cases[i].h, &a);
		if (got != cases[i].want)
			fail_msg("case %zu \"%s\": %d, want %d", i, cases[i].h, got, cases[i].want);
		assert_int_equal(a.scheme, 0);   /* nothing left behind */
	}
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	memcpy(big, "Digest username=\"", 17);
	assert_int_equal(srv_acs_auth_parse(big, &a), MAYDAY_E_TOOBIG);
	/* a field over its size */
	char longuser[600];
	snprintf(longuser, sizeof(longuser), "Digest username=\"%0300d\"", 0);
	assert_int_equal(srv_acs_auth_parse(longuser, &a), MAYDAY_E_TOOBIG);
	/* quoted-pair unescaped, unknown parameters skipped */
	assert_int_equal(srv_acs_auth_parse("digest  username=\"a\\\"b\", realm=r, nonce=n, uri=\"/x\","
					    " response=00000000000000000000000000000000, cnonce=c,"
					    " nc=0000000A, qop=auth, future=\"x\", opaque=o", &a),
			 MAYDAY_OK);
	assert_string_equal(a.username, "a\"b");
	assert_string_equal(a.nc, "0000000A");
}

static void test_nonce(void **state)
{
	uint8_t key[SRV_ACS_NONCE_KEY_LEN] = {1, 2, 3}, other[SRV_ACS_NONCE_KEY_LEN] = {9};
	char n[80];
	(void)state;
	srv_acs_nonce_make(key, 1700000000, n, sizeof(n));
	assert_int_equal(srv_acs_nonce_check(key, n, 1700000000), 1);
	assert_int_equal(srv_acs_nonce_check(key, n, 1700000000 + SRV_ACS_NONCE_TTL), 1);
	assert_int_equal(srv_acs_nonce_check(key, n, 1700000000 + SRV_ACS_NONCE_TTL + 1), 0);
	assert_int_equal(srv_acs_nonce_check(key, n, 1699999999), -1);   /* from the future */
	assert_int_equal(srv_acs_nonce_check(other, n, 1700000000), -1);
	n[20] = n[20] == '0' ? '1' : '0';
	assert_int_equal(srv_acs_nonce_check(key, n, 1700000000), -1);
	assert_int_equal(srv_acs_nonce_check(key, "", 1700000000), -1);
	assert_int_equal(srv_acs_nonce_check(key, RFC_NONCE, 1700000000), -1);
}

/* The whole login against a store: Digest SHA-256 and MD5, Basic, a wrong
 * password, another realm or URI, a stale nonce, an unknown user. */
static void test_login(void **state)
{
	struct fx fx;
	struct store_acs_cred c;
	uint8_t key[SRV_ACS_NONCE_KEY_LEN] = {7};
	char pem[1024], dev[MAYDAY_DEVICE_ID_MAX + 1], hdr[1024], nonce[80], resp[65];
	const char *how = NULL;
	const int64_t now = 1700000000;
	(void)state;
	fx_open(&fx);
	EVP_PKEY_free(fx_key(pem, sizeof(pem)));
	assert_int_equal(store_enrol(fx.st, "cpe-1", "femto-a", pem), MAYDAY_OK);
	memset(&c, 0, sizeof(c));
	snprintf(c.device_id, sizeof(c.device_id), "cpe-1");
	snprintf(c.username, sizeof(c.username), "user1");
	char md5[SRV_ACS_HEX_MAX + 1];
	assert_int_equal(srv_acs_digest_ha1(SRV_ACS_MD5, "user1", STORE_ACS_REALM, "pw-1-long", md5),
			 MAYDAY_OK);
	memcpy(c.ha1_md5, md5, sizeof(c.ha1_md5));   /* 32 hex digits and the NUL */
	assert_int_equal(srv_acs_digest_ha1(SRV_ACS_SHA256, "user1", STORE_ACS_REALM, "pw-1-long",
					    c.ha1_sha256), MAYDAY_OK);
	assert_int_equal(store_acs_cred_set(fx.st, &c), MAYDAY_OK);
	/* the username is this device's alone; a device must be enrolled */
	snprintf(c.device_id, sizeof(c.device_id), "cpe-2");
	assert_int_equal(store_acs_cred_set(fx.st, &c), MAYDAY_E_NOTFOUND);
	assert_int_equal(store_enrol(fx.st, "cpe-2", "femto-a", pem), MAYDAY_OK);
	assert_int_equal(store_acs_cred_set(fx.st, &c), MAYDAY_E_MISMATCH);
	snprintf(c.username, sizeof(c.username), "bad:name");
	assert_int_equal(store_acs_cred_set(fx.st, &c), MAYDAY_E_INVALID);

	assert_int_equal(srv_acs_login(fx.st, key, now, "POST", "/cwmp", NULL, dev, &how),
			 SRV_ACS_LOGIN_CHALLENGE);
	for (int alg = 0; alg < 2; alg++) {
		struct srv_acs_authz a;
		char ha1[65];
		srv_acs_nonce_make(key, now, nonce, sizeof(nonce));
		memset(&a, 0, sizeof(a));
		a.alg = alg == 0 ? SRV_ACS_MD5 : SRV_ACS_SHA256;
		snprintf(a.uri, sizeof(a.uri), "/cwmp");
		snprintf(a.nonce, sizeof(a.nonce), "%s", nonce);
		snprintf(a.nc, sizeof(a.nc), "00000001");
		snprintf(a.cnonce, sizeof(a.cnonce), "abc");
		snprintf(a.qop, sizeof(a.qop), "auth");
		assert_int_equal(srv_acs_digest_ha1(a.alg, "user1", STORE_ACS_REALM, "pw-1-long", ha1),
				 MAYDAY_OK);
		assert_int_equal(srv_acs_digest_response(&a, "POST", ha1, resp), MAYDAY_OK);
		const char *name = alg == 0 ? "MD5" : "SHA-256";
#define HDR(user, realm, uri) \
	snprintf(hdr, sizeof(hdr), "Digest username=\"%s\", realm=\"%s\", nonce=\"%s\"," \
		 " uri=\"%s\", response=\"%s\", qop=auth, nc=00000001, cnonce=\"abc\"," \
		 " algorithm=%s", user, realm, nonce, uri, resp, name)
		HDR("user1", STORE_ACS_REALM, "/cwmp");
		assert_int_equal(srv_acs_login(fx.st, key, now, "POST", "/cwmp", hdr, dev, &how),
				 SRV_ACS_LOGIN_OK);
		assert_string_equal(dev, "cpe-1");
		assert_string_equal(how, alg == 0 ? "HTTP Digest MD5" : "HTTP Digest SHA-256");
		/* for another URI, method, realm, or once the nonce is old */
		assert_int_equal(srv_acs_login(fx.st, key, now, "POST", "/bundles/x", hdr, dev, &how),
				 SRV_ACS_LOGIN_CHALLENGE);
		assert_int_equal(srv_acs_login(fx.st, key, now, "GET", "/cwmp", hdr, dev, &how),
				 SRV_ACS_LOGIN_CHALLENGE);
		assert_string_equal(dev, "");
		assert_int_equal(srv_acs_login(fx.st, key, now + SRV_ACS_NONCE_TTL + 5, "POST",
					       "/cwmp", hdr, dev, &how),
				 SRV_ACS_LOGIN_STALE);
		HDR("user1", "other", "/cwmp");
		assert_int_equal(srv_acs_login(fx.st, key, now, "POST", "/cwmp", hdr, dev, &how),
				 SRV_ACS_LOGIN_CHALLENGE);
		HDR("nobody", STORE_ACS_REALM, "/cwmp");
		assert_int_equal(srv_acs_login(fx.st, key, now, "POST", "/cwmp", hdr, dev, &how),
				 SRV_ACS_LOGIN_CHALLENGE);
#undef HDR
	}
	/* Basic: "user1:pw-1-long" and a wrong password */
	assert_int_equal(srv_acs_login(fx.st, key, now, "POST", "/cwmp",
				       "Basic dXNlcjE6cHctMS1sb25n", dev, &how), SRV_ACS_LOGIN_OK);
	assert_string_equal(how, "HTTP Basic");
	assert_int_equal(srv_acs_login(fx.st, key, now, "POST", "/cwmp",
				       "Basic dXNlcjE6cHctMS1sb25x", dev, &how),
			 SRV_ACS_LOGIN_CHALLENGE);
	char ch[SRV_ACS_CHALLENGE_MAX + 1];
	srv_acs_login_challenge(key, now, SRV_ACS_SHA256, true, ch);
	assert_non_null(strstr(ch, "realm=\"" STORE_ACS_REALM "\", qop=\"auth\", algorithm=SHA-256"));
	assert_non_null(strstr(ch, "stale=true"));
	fx_close(&fx);
}

static void inform_with(struct cwmp_inform *inf, const char *oui, const char *param)
{
	memset(inf, 0, sizeof(*inf));
	snprintf(inf->oui, sizeof(inf->oui), "%s", oui);
	if (param != NULL) {
		snprintf(inf->params[0].name, sizeof(inf->params[0].name), "%s", param);
		inf->n_params = 1;
	}
}

static void test_model_root(void **state)
{
	static struct cwmp_inform inf;
	static struct cwmp_gpv g;
	static struct cwmp_gpv_response r;
	uint64_t v = 0;
	(void)state;
	inform_with(&inf, "00D09E", "InternetGatewayDevice.DeviceSummary");
	assert_string_equal(srv_acs_model_root(&inf), "InternetGatewayDevice.");
	assert_false(srv_acs_model_vendor(&inf));
	srv_acs_model_gpv(srv_acs_model_root(&inf), false, &g);
	assert_int_equal(g.n_names, 1);
	assert_string_equal(g.names[0], "InternetGatewayDevice.DeviceInfo.SoftwareVersion");
	inform_with(&inf, "A1B2C3", "Device.DeviceInfo.SoftwareVersion");
	assert_string_equal(srv_acs_model_root(&inf), "Device.");
	assert_true(srv_acs_model_vendor(&inf));
	srv_acs_model_gpv("Device.", true, &g);
	assert_int_equal(g.n_names, 4);
	assert_string_equal(g.names[1], "Device.DeviceInfo.X_A1B2C3_FreeSpace");
	assert_string_equal(g.names[3], "Device.DeviceInfo.X_A1B2C3_DCFVersion");
	inform_with(&inf, "A1B2C3", NULL);   /* names nothing: Device. */
	assert_string_equal(srv_acs_model_root(&inf), "Device.");
	/* "InternetGatewayDeviceX." is not the root */
	inform_with(&inf, "00D09E", "InternetGatewayDeviceX.Foo");
	assert_string_equal(srv_acs_model_root(&inf), "Device.");
	/* values: under the root only, decimal only */
	snprintf(r.params[0].name, sizeof(r.params[0].name), "Device.DeviceInfo.X_A1B2C3_FreeSpace");
	snprintf(r.params[0].value, sizeof(r.params[0].value), "123");
	snprintf(r.params[1].name, sizeof(r.params[1].name),
		 "Device.DeviceInfo.X_A1B2C3_MaxImageSize");
	snprintf(r.params[1].value, sizeof(r.params[1].value), "-1");
	snprintf(r.params[2].name, sizeof(r.params[2].name), "Device.DeviceInfo.X_A1B2C3_DCFVersion");
	snprintf(r.params[2].value, sizeof(r.params[2].value), "99999999999999999999999");
	r.n_params = 3;
	assert_true(srv_acs_model_u64(&r, "Device.", SRV_ACS_P_FREE_SPACE, &v));
	assert_int_equal(v, 123);
	assert_false(srv_acs_model_u64(&r, "InternetGatewayDevice.", SRV_ACS_P_FREE_SPACE, &v));
	assert_false(srv_acs_model_u64(&r, "Device.", SRV_ACS_P_MAX_IMAGE_SIZE, &v));
	assert_false(srv_acs_model_u64(&r, "Device.", SRV_ACS_P_DCF_VERSION, &v));   /* overflow */
	assert_null(srv_acs_model_text(&r, "Device.", SRV_ACS_P_SOFTWARE_VERSION));
}

/* Connection Requests: the URLs accepted, the CPE's challenge, the derived password. */
static void test_connreq(void **state)
{
	char host[16], path[257], pw[SRV_ACS_CR_PW_LEN + 1], pw2[SRV_ACS_CR_PW_LEN + 1];
	uint8_t kek[32] = {1}, key[SRV_ACS_CR_KEY_LEN], key2[SRV_ACS_CR_KEY_LEN];
	uint16_t port = 0;
	struct srv_acs_authz a;
	(void)state;
	assert_true(srv_acs_connreq_url("http://127.0.0.1:7547/cr", host, &port, path));
	assert_string_equal(host, "127.0.0.1");
	assert_int_equal(port, 7547);
	assert_string_equal(path, "/cr");
	static const char *const bad[] = {
		"https://127.0.0.1:7547/cr", "http://cpe.example:7547/cr", "http://127.0.0.1/cr",
		"http://127.0.0.1:0/cr", "http://127.0.0.1:65536/cr", "http://127.0.0.1:80",
		"http://127.0.0.1:80/a b", "http://[::1]:80/", "http://127.0.0.1:080/",
		"http://1.2.3.4.5:80/", "",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (srv_acs_connreq_url(bad[i], host, &port, path))
			fail_msg("URL accepted: %s", bad[i]);
	/* challenges: qop lists, algorithms, what is refused */
	assert_int_equal(srv_acs_challenge_parse("Digest realm=\"cpe\", qop=\"auth,auth-int\","
						 " nonce=\"abc\", algorithm=SHA-256", &a), MAYDAY_OK);
	assert_string_equal(a.realm, "cpe");
	assert_string_equal(a.qop, "auth");
	assert_int_equal(a.alg, SRV_ACS_SHA256);
	assert_int_equal(srv_acs_challenge_parse("Digest realm=\"cpe\", nonce=\"abc\"", &a),
			 MAYDAY_E_UNSUPPORTED);   /* RFC 2069: no qop */
	assert_int_equal(srv_acs_challenge_parse("Digest realm=\"cpe\", qop=auth, nonce=n,"
						 " algorithm=SHA-512-256", &a), MAYDAY_E_UNSUPPORTED);
	assert_int_equal(srv_acs_challenge_parse("Basic realm=\"cpe\"", &a), MAYDAY_E_UNSUPPORTED);
	assert_int_equal(srv_acs_challenge_parse("Digest qop=auth", &a), MAYDAY_E_MALFORMED);
	/* the password: per device, per KEK, 32 hex digits, the same every time */
	srv_acs_auth_cr_key(kek, sizeof(kek), key);
	srv_acs_auth_cr_password(key, "cpe-1", pw);
	srv_acs_auth_cr_password(key, "cpe-1", pw2);
	assert_string_equal(pw, pw2);
	assert_int_equal(strlen(pw), SRV_ACS_CR_PW_LEN);
	assert_int_equal(strspn(pw, "0123456789abcdef"), SRV_ACS_CR_PW_LEN);
	srv_acs_auth_cr_password(key, "cpe-2", pw2);
	assert_string_not_equal(pw, pw2);
	kek[0] = 2;
	srv_acs_auth_cr_key(kek, sizeof(kek), key2);
	srv_acs_auth_cr_password(key2, "cpe-1", pw2);
	assert_string_not_equal(pw, pw2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc7616_vectors), cmocka_unit_test(test_basic),
		cmocka_unit_test(test_hostile_headers), cmocka_unit_test(test_nonce),
		cmocka_unit_test(test_login),           cmocka_unit_test(test_model_root),
		cmocka_unit_test(test_connreq),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

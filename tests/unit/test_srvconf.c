/* SPDX-License-Identifier: Apache-2.0 */
/* maydayd's configuration parser: good files, defaults, and every kind of
 * bad value rejected with its line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <cmocka.h>

#include "mayday/limits.h"
#include "srv_config.h"
#include "srv_fleet.h"
#include "srv_silence.h"

static enum mayday_err parse(const char *text, struct srv_config *cfg, char *err)
{
	return srv_config_parse(text, strlen(text), cfg, err, 256);
}

static void test_good(void **state)
{
	(void)state;
	struct srv_config cfg;
	char err[256];
	const char *text = "; comment\n"
			   "[server]\n"
			   "db = sqlite:/var/lib/mayday/hems.db\n"
			   "hems_key = /etc/mayday/hems.key.pem\n"
			   "workers = 4\n"
			   "http_threads = 3\n"
			   "queue = 1024\n"
			   "batch = 128\n"
			   "[udp]\n"
			   "listen = [::1]:7801\n"
			   "rcvbuf = 1048576\n"
			   "[limits]\n"
			   "max_datagram = 2048\n"
			   "unverified_per_source = 0\n"
			   "unverified_global = 50\n";
	assert_int_equal(parse(text, &cfg, err), MAYDAY_OK);
	assert_string_equal(cfg.db, "sqlite:/var/lib/mayday/hems.db");
	assert_string_equal(cfg.hems_key, "/etc/mayday/hems.key.pem");
	assert_int_equal(cfg.workers, 4);
	assert_int_equal(cfg.http_threads, 3);
	assert_int_equal(cfg.queue, 1024);
	assert_int_equal(cfg.batch, 128);
	assert_int_equal(cfg.rcvbuf, 1048576);
	assert_int_equal(cfg.max_datagram, 2048);
	assert_int_equal(cfg.unverified_per_source, 0);
	assert_int_equal(cfg.unverified_global, 50);
	assert_int_equal(cfg.udp_listen.ss.ss_family, AF_INET6);
	assert_int_equal(ntohs(((struct sockaddr_in6 *)&cfg.udp_listen.ss)->sin6_port), 7801);
	assert_string_equal(cfg.udp_listen.text, "[::1]:7801");
}

static void test_defaults(void **state)
{
	(void)state;
	struct srv_config cfg;
	char err[256];
	assert_int_equal(parse("[server]\ndb=sqlite:x.db\nhems_key=k.pem\n", &cfg, err), MAYDAY_OK);
	assert_int_equal(cfg.workers, 2);
	/* one HTTP loop thread per online CPU, at most SRV_HTTP_THREADS_MAX */
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	assert_int_equal(cfg.http_threads, cpus < 1 ? 1 : cpus > SRV_HTTP_THREADS_MAX
							     ? SRV_HTTP_THREADS_MAX : cpus);
	assert_int_equal(cfg.batch, 256);
	assert_int_equal(cfg.max_datagram, MAYDAY_INDICATION_MAX);
	assert_int_equal(cfg.udp_listen.ss.ss_family, AF_INET);
	struct sockaddr_in *a = (struct sockaddr_in *)&cfg.udp_listen.ss;
	assert_int_equal(ntohs(a->sin_port), 7701);
	assert_int_equal(ntohl(a->sin_addr.s_addr), INADDR_LOOPBACK);
	assert_true(cfg.unverified_global > 0 && cfg.unverified_per_source > 0);
	assert_int_equal(cfg.acs_pause_after_failures, 5);
	assert_int_equal(cfg.admin_listen.len, 0);   /* no metrics unless asked for */
}

#define BASE_ACS_OFF "[server]\ndb=sqlite:x.db\nhems_key=k.pem\n[acs]\n"

/* With the ACS session in the build, [acs] url switches remediation on. */
static void test_acs_on(void **state)
{
	(void)state;
	struct srv_config cfg;
	char err[256];
	const char *text = "[server]\ndb=sqlite:x.db\nhems_key=k.pem\n"
			   "[https]\nlisten = 127.0.0.1:7443\ncert = c\nkey = k\nca = a\n"
			   "[acs]\nurl = https://127.0.0.1:7443/cwmp\nbundle_dir = /srv/bundles\n"
			   "policy = approve\nmax_in_flight = 2\nmax_attempts = 5\n"
			   "download_window = 600\npause_after_failures = 1000\n";
	assert_int_equal(parse(text, &cfg, err), MAYDAY_OK);
	assert_string_equal(cfg.acs_url, "https://127.0.0.1:7443/cwmp");
	assert_string_equal(cfg.acs_bundle_dir, "/srv/bundles");
	assert_string_equal(cfg.acs_policy, "approve");
	assert_int_equal(cfg.acs_max_in_flight, 2);
	assert_int_equal(cfg.acs_max_attempts, 5);
	assert_int_equal(cfg.acs_download_window, 600);
	assert_int_equal(cfg.acs_pause_after_failures, 1000);
	/* 0 turns the automatic pause off */
	assert_int_equal(parse(BASE_ACS_OFF "pause_after_failures = 0\n", &cfg, err), MAYDAY_OK);
	assert_int_equal(cfg.acs_pause_after_failures, 0);
}

static void expect_bad(const char *text, const char *needle)
{
	struct srv_config cfg;
	char err[256];
	if (parse(text, &cfg, err) != MAYDAY_E_INVALID)
		fail_msg("accepted:\n%s", text);
	if (strstr(err, needle) == NULL)
		fail_msg("error '%s' does not mention '%s' for input:\n%s", err, needle, text);
}

#define BASE "[server]\ndb=sqlite:x.db\nhems_key=k.pem\n"

/* [events]: defaults off, webhooks http:// with a key, bounds in order. */
static void test_events(void **state)
{
	(void)state;
	struct srv_config cfg;
	char err[256];
	assert_int_equal(parse(BASE, &cfg, err), MAYDAY_OK);
	assert_string_equal(cfg.events_webhook[0], "");
	assert_string_equal(cfg.events_syslog, "no");
	assert_int_equal(cfg.events_retry_min_ms, 500);
	assert_int_equal(cfg.events_retry_max_ms, 60000);
	assert_int_equal(parse(BASE "[events]\nwebhook_1 = http://127.0.0.1:9/h\n"
			       "webhook_4 = http://hooks.example/x\nsecret_file = /k\n"
			       "syslog = yes\nretry_min_ms = 10\nretry_max_ms = 10\n", &cfg, err),
			 MAYDAY_OK);
	assert_string_equal(cfg.events_webhook[0], "http://127.0.0.1:9/h");
	assert_string_equal(cfg.events_webhook[3], "http://hooks.example/x");
	assert_string_equal(cfg.events_syslog, "yes");
	expect_bad(BASE "[events]\nwebhook_1 = http://a/\n", "secret_file");
	expect_bad(BASE "[events]\nwebhook_1 = https://a/\nsecret_file = /k\n", "http://");
	expect_bad(BASE "[events]\nwebhook_1 = http:///x\nsecret_file = /k\n", "http://");
	expect_bad(BASE "[events]\nwebhook_5 = http://a/\n", "webhook_5");
	expect_bad(BASE "[events]\nsyslog = maybe\n", "syslog");
	expect_bad(BASE "[events]\nretry_min_ms = 9\n", "retry_min_ms");
	expect_bad(BASE "[events]\nretry_min_ms = 600\nretry_max_ms = 500\n", "above");
}

/* [ves]: off by default; the collector http:// at the VES resource; Basic
 * authentication's two keys together; batch within its bounds. */
static void test_ves(void **state)
{
	(void)state;
	struct srv_config cfg;
	char err[256];
	assert_int_equal(parse(BASE, &cfg, err), MAYDAY_OK);
	assert_string_equal(cfg.ves_collector, "");
	assert_int_equal(cfg.ves_batch, 1);
	assert_int_equal(parse(BASE "[ves]\ncollector = http://127.0.0.1:8443/eventListener/v7\n"
			       "batch = 100\nusername = sample1\npassword_file = /p\n"
			       "reporting_entity = hems-1\n", &cfg, err), MAYDAY_OK);
	assert_string_equal(cfg.ves_collector, "http://127.0.0.1:8443/eventListener/v7");
	assert_int_equal(cfg.ves_batch, 100);
	assert_string_equal(cfg.ves_reporting_entity, "hems-1");
	assert_int_equal(parse(BASE "[ves]\ncollector = http://ves.example/onap/eventListener/v7\n",
			       &cfg, err), MAYDAY_OK);
	expect_bad(BASE "[ves]\ncollector = https://a/eventListener/v7\n", "http://");
	expect_bad(BASE "[ves]\ncollector = http://a/eventListener/v5\n", "eventListener/v7");
	expect_bad(BASE "[ves]\ncollector = http:///eventListener/v7\n", "http://");
	expect_bad(BASE "[ves]\ncollector = http://a/eventListener/v7?x=1\n", "http://");
	expect_bad(BASE "[ves]\ncollector = http://a/eventListener/v7\nbatch = 0\n", "batch");
	expect_bad(BASE "[ves]\ncollector = http://a/eventListener/v7\nbatch = 101\n", "batch");
	expect_bad(BASE "[ves]\ncollector = http://a/eventListener/v7\nusername = u\n",
		   "together");
	expect_bad(BASE "[ves]\ncollector = http://a/eventListener/v7\npassword_file = /p\n",
		   "together");
	expect_bad(BASE "[ves]\ncollector = http://a/eventListener/v7\nusername = a:b\n"
		   "password_file = /p\n", "':'");
	expect_bad(BASE "[ves]\nusername = u\npassword_file = /p\n", "collector");
	expect_bad(BASE "[ves]\nurl = http://a/eventListener/v7\n", "url");
}

static void test_bad_values(void **state)
{
	(void)state;
	expect_bad(BASE "[acs]\ndownload_window = 59\n", "download_window");
	expect_bad(BASE "[acs]\ndownload_window = 604801\n", "download_window");
	expect_bad(BASE "workers = 0\n", "line 4");
	expect_bad(BASE "http_threads = 0\n", "http_threads");
	expect_bad(BASE "http_threads = 17\n", "http_threads");
	expect_bad(BASE "workers = 65\n", "workers");
	expect_bad(BASE "workers = two\n", "workers");
	expect_bad(BASE "workers = -1\n", "workers");
	expect_bad(BASE "workers = 2x\n", "workers");
	expect_bad(BASE "workers = 99999999999999999999\n", "workers");
	expect_bad(BASE "queue = 10\n", "queue");
	expect_bad(BASE "batch = 0\n", "batch");
	expect_bad(BASE "batch = 1001\n", "batch");
	expect_bad(BASE "queue = 100\nbatch = 60\n", "half of queue");
	char over[128];
	snprintf(over, sizeof(over), BASE "[limits]\nmax_datagram = %d\n", MAYDAY_INDICATION_MAX + 1);
	expect_bad(over, "max_datagram");
	expect_bad(BASE "[limits]\nmax_datagram = 0\n", "max_datagram");
	expect_bad(BASE "[limits]\nsources = 1\n", "sources");
	expect_bad(BASE "[udp]\nlisten = localhost:7701\n", "listen");
	expect_bad(BASE "[udp]\nlisten = 127.0.0.1\n", "listen");
	expect_bad(BASE "[udp]\nlisten = 127.0.0.1:65536\n", "listen");
	expect_bad(BASE "[udp]\nlisten = 127.0.0.1:\n", "listen");
	expect_bad(BASE "[udp]\nlisten = ::1:7701\n", "listen");
	expect_bad(BASE "[udp]\nlisten = [::1]7701\n", "listen");
	expect_bad(BASE "[udp]\nlisten = [127.0.0.1]:7701\n", "listen");
	expect_bad(BASE "[udp]\nrcvbuf = 1\n", "rcvbuf");
	/* Remediation needs the HTTPS listener the ACS runs on, and bundles. */
	expect_bad(BASE "[acs]\nurl = https://127.0.0.1:7443/cwmp\nbundle_dir = /tmp\n",
		   "needs an [https] listener");
	expect_bad(BASE "[https]\nlisten = 127.0.0.1:7443\ncert = c\nkey = k\nca = a\n"
		   "[acs]\nurl = https://127.0.0.1:7443/acs\nbundle_dir = /tmp\n", "url must be");
	expect_bad(BASE "[acs]\npolicy = sometimes\n", "policy");
	expect_bad(BASE "[acs]\npause_after_failures = 1001\n", "pause_after_failures");
	expect_bad(BASE "[acs]\npause_after_failures = -1\n", "pause_after_failures");
	expect_bad(BASE "[acs]\npause_after_failures = five\n", "pause_after_failures");
	expect_bad(BASE "[acs]\npause_after_failures = 5\npause_after_failures = 6\n",
		   "given twice");
}

static void test_bad_structure(void **state)
{
	(void)state;
	expect_bad("[server]\nhems_key=k.pem\n", "missing [server] db");
	expect_bad("[server]\ndb=sqlite:x.db\n", "missing [server] hems_key");
	expect_bad(BASE "db = sqlite:y.db\n", "twice");
	expect_bad(BASE "colour = blue\n", "unknown key 'colour'");
	expect_bad(BASE "[nosuch]\nworkers = 2\n", "unknown key");
	expect_bad("db = sqlite:x.db\n", "unknown key");
	expect_bad(BASE "this line has no equals sign\n", "line 4");
	expect_bad(BASE "[server\n", "line 4");
	expect_bad("[server]\ndb =\nhems_key=k.pem\n", "db");

	char line[400];
	memset(line, 'a', sizeof(line));
	memcpy(line, "[server]\ndb=sqlite:", 19);
	line[sizeof(line) - 1] = '\0';
	expect_bad(line, "longer than");

	struct srv_config cfg;
	char err[256];
	static const char nul[] = BASE "workers = 2\0\n";
	assert_int_equal(srv_config_parse(nul, sizeof(nul) - 1, &cfg, err, sizeof(err)),
			 MAYDAY_E_INVALID);
	assert_non_null(strstr(err, "NUL"));
}

static void test_load_file(void **state)
{
	(void)state;
	struct srv_config cfg;
	char err[256], path[300];
	const char *tmp = getenv("TMPDIR");
	snprintf(path, sizeof(path), "%s/maydayd-conf.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	static const char text[] = BASE "[udp]\nlisten = 127.0.0.1:0\n";
	assert_int_equal(write(fd, text, sizeof(text) - 1), (ssize_t)(sizeof(text) - 1));
	close(fd);
	assert_int_equal(srv_config_load(path, &cfg, err, sizeof(err)), MAYDAY_OK);
	assert_int_equal(ntohs(((struct sockaddr_in *)&cfg.udp_listen.ss)->sin_port), 0);

	/* Over the size limit. */
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	for (int i = 0; i < SRV_CONFIG_MAX / 10 + 10; i++)
		fputs(";;;;;;;;;\n", f);
	fclose(f);
	assert_int_equal(srv_config_load(path, &cfg, err, sizeof(err)), MAYDAY_E_TOOBIG);
	unlink(path);
	assert_int_equal(srv_config_load(path, &cfg, err, sizeof(err)), MAYDAY_E_IO);
	assert_non_null(strstr(err, path));
}

static void test_listeners(void **state)
{
	(void)state;
	struct srv_config cfg;
	char err[256];
	const char *text = BASE "psk_kek = /etc/mayday/psk.kek\n"
			   "[udp]\nlisten = none\n"
			   "[http]\nlisten = 127.0.0.1:7780\n"
			   "[https]\nlisten = [::1]:7743\ncert = s.pem\nkey = s.key\nca = ca.pem\n"
			   "crl = ca.crl\n"
			   "[psk]\nlisten = 127.0.0.1:0\n"
			   "[ipsec]\nlisten = 10.99.0.1:7710\nvici = /run/charon.vici\n"
			   "connection = distress\nlookup_timeout_ms = 250\nidentity_ttl_ms = 0\n"
			   "[limits]\nhttp_timeout = 3\nhttp_connections = 7\nhttp_header_max = 2048\n"
			   "http_request_timeout_ms = 700\ntls_handshake_timeout_ms = 900\n"
			   "http_connections_per_source = 3\nbad_signature_burst = 2\n"
			   "bad_signature_rate = 0\nbad_signature_probes = 4\n";
	if (parse(text, &cfg, err) != MAYDAY_OK)
		fail_msg("%s", err);
	assert_int_equal(cfg.udp_listen.len, 0);
	assert_string_equal(cfg.udp_listen.text, "");
	assert_int_equal(cfg.http_listen.ss.ss_family, AF_INET);
	assert_int_equal(ntohs(((struct sockaddr_in *)&cfg.http_listen.ss)->sin_port), 7780);
	assert_int_equal(cfg.https_listen.ss.ss_family, AF_INET6);
	assert_string_equal(cfg.https_listen.text, "[::1]:7743");
	assert_string_equal(cfg.https_cert, "s.pem");
	assert_string_equal(cfg.https_key, "s.key");
	assert_string_equal(cfg.https_ca, "ca.pem");
	assert_string_equal(cfg.https_crl, "ca.crl");
	assert_string_equal(cfg.psk_kek, "/etc/mayday/psk.kek");
	assert_true(cfg.psk_listen.len > 0);
	assert_int_equal(ntohs(((struct sockaddr_in *)&cfg.psk_listen.ss)->sin_port), 0);
	assert_string_equal(cfg.ipsec_listen.text, "10.99.0.1:7710");
	assert_string_equal(cfg.ipsec_vici, "/run/charon.vici");
	assert_string_equal(cfg.ipsec_conn, "distress");
	assert_int_equal(cfg.ipsec_timeout_ms, 250);
	assert_int_equal(cfg.ipsec_identity_ttl_ms, 0);
	assert_int_equal(cfg.http_timeout, 3);
	assert_int_equal(cfg.http_connections, 7);
	assert_int_equal(cfg.http_header_max, 2048);
	assert_int_equal(cfg.http_request_timeout_ms, 700);
	assert_int_equal(cfg.tls_handshake_timeout_ms, 900);
	assert_int_equal(cfg.http_connections_per_source, 3);
	assert_int_equal(cfg.bad_signature_burst, 2);
	assert_int_equal(cfg.bad_signature_rate, 0);
	assert_int_equal(cfg.bad_signature_probes, 4);

	/* Defaults: only udp on. */
	assert_int_equal(parse(BASE, &cfg, err), MAYDAY_OK);
	assert_true(cfg.udp_listen.len > 0);
	assert_int_equal(cfg.http_listen.len + cfg.https_listen.len + cfg.psk_listen.len +
			 cfg.ipsec_listen.len, 0);
	assert_int_equal(cfg.http_timeout, 10);
	assert_int_equal(cfg.http_connections, 1024);
	assert_int_equal(cfg.ipsec_identity_ttl_ms, 1000);
	assert_int_equal(cfg.http_request_timeout_ms, 5000);
	assert_int_equal(cfg.tls_handshake_timeout_ms, 5000);
	assert_int_equal(cfg.http_connections_per_source, 256);
	assert_int_equal(cfg.bad_signature_burst, 5);

	/* What a listener needs, and at least one listener. */
	expect_bad(BASE "[https]\nlisten = 127.0.0.1:1\ncert = s.pem\nkey = s.key\n",
		   "[https] listen needs cert, key and ca");
	expect_bad(BASE "[https]\nlisten = 127.0.0.1:1\nca = c\nkey = s.key\n", "cert");
	expect_bad(BASE "[ipsec]\nlisten = 127.0.0.1:1\n", "[ipsec] listen needs vici");
	expect_bad(BASE "[psk]\nlisten = 127.0.0.1:1\n", "[psk] listen needs [server] psk_kek");
	expect_bad(BASE "[ipsec]\nvici = run/charon.vici\n", "absolute");
	expect_bad(BASE "[udp]\nlisten = none\n", "no listener");
	expect_bad(BASE "[http]\nlisten = nowhere\n", "listen");
	expect_bad(BASE "[psk]\nlisten = 127.0.0.1:99999\n", "listen");
	expect_bad(BASE "[psk]\nrcvbuf = 4096\n", "unknown key 'rcvbuf'");
	expect_bad(BASE "[ipsec]\nlookup_timeout_ms = 5\n", "lookup_timeout_ms");
	expect_bad(BASE "[ipsec]\nidentity_ttl_ms = 60001\n", "identity_ttl_ms");
	expect_bad(BASE "[limits]\nhttp_timeout = 0\n", "http_timeout");
	expect_bad(BASE "[limits]\nhttp_connections = 0\n", "http_connections");
	expect_bad(BASE "[limits]\nhttp_header_max = 100\n", "http_header_max");
	expect_bad(BASE "[limits]\nhttp_request_timeout_ms = 99\n", "http_request_timeout_ms");
	expect_bad(BASE "[limits]\nhttp_request_timeout_ms = 3600001\n",
		   "http_request_timeout_ms");
	expect_bad(BASE "[limits]\ntls_handshake_timeout_ms = 0\n", "tls_handshake_timeout_ms");
	expect_bad(BASE "[limits]\nhttp_connections_per_source = 0\n",
		   "http_connections_per_source");
	expect_bad(BASE "[limits]\nhttp_connections_per_source = 65537\n",
		   "http_connections_per_source");
	expect_bad(BASE "[limits]\nbad_signature_burst = 0\n", "bad_signature_burst");
	expect_bad(BASE "[limits]\nbad_signature_rate = 1000001\n", "bad_signature_rate");
	expect_bad(BASE "[limits]\nbad_signature_probes = -1\n", "bad_signature_probes");
	char vici[200];
	memset(vici, 0, sizeof(vici));
	memcpy(vici, BASE "[ipsec]\nvici = /", sizeof(BASE "[ipsec]\nvici = /") - 1);
	memset(vici + strlen(vici), 'v', 108);
	strcat(vici, "\n");
	expect_bad(vici, "vici");
}

/* The documented example is a valid configuration with the defaults it states. */
/* [admin]: off by default, loopback only unless allow_non_loopback = yes. */
static void test_admin(void **state)
{
	(void)state;
	struct srv_config cfg;
	char err[256];
	static const char *const loopback[] = {"127.0.0.1:9101", "127.1.2.3:0", "[::1]:9101",
					       "[::ffff:127.0.0.1]:9101"};
	for (size_t i = 0; i < sizeof(loopback) / sizeof(loopback[0]); i++) {
		char text[256];
		snprintf(text, sizeof(text), BASE "[admin]\nlisten = %s\n", loopback[i]);
		if (parse(text, &cfg, err) != MAYDAY_OK)
			fail_msg("%s: %s", loopback[i], err);
		assert_true(cfg.admin_listen.len > 0);
		assert_string_equal(cfg.admin_listen.text, loopback[i]);
	}
	assert_int_equal(parse(BASE "[admin]\nlisten = none\n", &cfg, err), MAYDAY_OK);
	assert_int_equal(cfg.admin_listen.len, 0);
	/* Anything else (the wildcard included) only when the operator says so. */
	static const char *const remote[] = {"0.0.0.0:9101", "192.0.2.7:9101", "[::]:9101",
					     "[2001:db8::1]:9101", "[::ffff:192.0.2.7]:9101"};
	for (size_t i = 0; i < sizeof(remote) / sizeof(remote[0]); i++) {
		char text[256];
		snprintf(text, sizeof(text), BASE "[admin]\nlisten = %s\n", remote[i]);
		expect_bad(text, "[admin] listen is not a loopback address");
		snprintf(text, sizeof(text), BASE "[admin]\nlisten = %s\nallow_non_loopback = no\n",
			 remote[i]);
		expect_bad(text, "allow_non_loopback = yes");
		snprintf(text, sizeof(text), BASE "[admin]\nlisten = %s\nallow_non_loopback = yes\n",
			 remote[i]);
		if (parse(text, &cfg, err) != MAYDAY_OK)
			fail_msg("%s with allow_non_loopback: %s", remote[i], err);
		assert_true(cfg.admin_listen.len > 0);
	}
	expect_bad(BASE "[admin]\nlisten = 127.0.0.1:9101\nallow_non_loopback = on\n",
		   "allow_non_loopback must be yes or no");
	expect_bad(BASE "[admin]\nlisten = 127.0.0.1:9101\nallow_non_loopback = true\n",
		   "[admin] allow_non_loopback");
	expect_bad(BASE "[admin]\nlisten = localhost:9101\n", "[admin] listen");
	expect_bad(BASE "[admin]\nport = 9101\n", "unknown key 'port' in section [admin]");
	expect_bad(BASE "[admin]\nlisten = 127.0.0.1:1\nlisten = 127.0.0.1:2\n", "given twice");
}

/* [api]: the socket on by default at its place, "off" turns it off; the
 * management listener off by default and in clear only on loopback. */
static void test_api(void **state)
{
	(void)state;
	struct srv_config cfg;
	char err[256];
	assert_int_equal(parse(BASE, &cfg, err), MAYDAY_OK);
	assert_string_equal(cfg.api_socket, SRV_API_SOCKET_DEFAULT);
	assert_false(cfg.api_socket_given);
	assert_string_equal(cfg.api_socket_role, "operator");
	assert_int_equal(cfg.api_listen.len, 0);
	assert_int_equal(cfg.api_bundle_max, 64u << 20);
	assert_int_equal(parse(BASE "[api]\nsocket = off\n", &cfg, err), MAYDAY_OK);
	assert_string_equal(cfg.api_socket, "");
	assert_true(cfg.api_socket_given);
	assert_int_equal(parse(BASE "[api]\nsocket = /tmp/x.sock\nsocket_role = viewer\n"
				    "listen = 127.0.0.1:0\n", &cfg, err), MAYDAY_OK);
	assert_string_equal(cfg.api_socket, "/tmp/x.sock");
	assert_true(cfg.api_listen.len > 0);
	assert_int_equal(parse(BASE "[api]\nlisten = 0.0.0.0:8440\ntls_cert = /c.pem\n"
				    "tls_key = /k.pem\nclient_ca = /ca.pem\n", &cfg, err), MAYDAY_OK);
	expect_bad(BASE "[api]\nlisten = 0.0.0.0:8440\n", "[api] listen is not a loopback address");
	expect_bad(BASE "[api]\nlisten = 192.0.2.1:8440\n", "it needs TLS");
	expect_bad(BASE "[api]\nlisten = [2001:db8::1]:8440\n", "it needs TLS");
	expect_bad(BASE "[api]\nlisten = 127.0.0.1:0\ntls_cert = /c.pem\n", "go together");
	expect_bad(BASE "[api]\ntls_cert = /c.pem\ntls_key = /k.pem\n", "need listen");
	expect_bad(BASE "[api]\nlisten = 127.0.0.1:0\nclient_ca = /ca.pem\n", "client_ca needs");
	expect_bad(BASE "[api]\nsocket = relative.sock\n", "absolute path");
	expect_bad(BASE "[api]\nsocket_role = root\n", "viewer, operator or admin");
	expect_bad(BASE "[api]\nbundle_max = 10\n", "[api] bundle_max");
	expect_bad(BASE "[api]\nconnections = 0\n", "[api] connections");
}

static void test_fleet(void **state)
{
	(void)state;
	struct srv_config cfg;
	char err[256];
	assert_int_equal(parse(BASE, &cfg, err), MAYDAY_OK);
	assert_int_equal(cfg.fleet_n_classes, 0);
	assert_int_equal(srv_fleet_period_s(&cfg), 0);            /* no rule: no sweeper */
	assert_int_equal(parse(BASE "[fleet]\nclass.femto-a = 500/3600 pause\n"
			       "class.FAP_2.0 = 1/8\n", &cfg, err), MAYDAY_OK);
	assert_int_equal(cfg.fleet_n_classes, 2);
	assert_string_equal(cfg.fleet_classes[0].product_class, "femto-a");
	assert_int_equal(cfg.fleet_classes[0].devices, 500);
	assert_int_equal(cfg.fleet_classes[0].window, 3600);
	assert_true(cfg.fleet_classes[0].pause);
	assert_string_equal(cfg.fleet_classes[1].product_class, "FAP_2.0");
	assert_int_equal(cfg.fleet_classes[1].devices, 1);
	assert_int_equal(cfg.fleet_classes[1].window, 8);
	assert_false(cfg.fleet_classes[1].pause);
	assert_int_equal(srv_fleet_period_s(&cfg), 2);            /* 8 / 4 */
	assert_int_equal(parse(BASE "[fleet]\nclass.a = 5/3600\n", &cfg, err), MAYDAY_OK);
	assert_int_equal(srv_fleet_period_s(&cfg), 60);           /* at most 60 */

	expect_bad(BASE "[fleet]\nclass.a = 5\n", "not DEVICES/SECONDS");
	expect_bad(BASE "[fleet]\nclass.a = 0/60\n", "not DEVICES/SECONDS");
	expect_bad(BASE "[fleet]\nclass.a = 5/0\n", "not DEVICES/SECONDS");
	expect_bad(BASE "[fleet]\nclass.a = 5/31536001\n", "not DEVICES/SECONDS");
	expect_bad(BASE "[fleet]\nclass.a = /60\n", "not DEVICES/SECONDS");
	expect_bad(BASE "[fleet]\nclass.a = 5/\n", "not DEVICES/SECONDS");
	expect_bad(BASE "[fleet]\nclass.a = 5/60 stop\n", "not DEVICES/SECONDS");
	expect_bad(BASE "[fleet]\nclass.a = 5/60 pause now\n", "not DEVICES/SECONDS");
	expect_bad(BASE "[fleet]\nclass.a = -5/60\n", "not DEVICES/SECONDS");
	expect_bad(BASE "[fleet]\nclass.a = 5/60\nclass.a = 6/60\n",
		   "[fleet] class.a given twice");
	expect_bad(BASE "[fleet]\nclass. = 5/60\n", "1..32 characters");
	expect_bad(BASE "[fleet]\nthreshold = 5\n", "unknown key 'threshold' in section [fleet]");
	char text[2048];
	int n = snprintf(text, sizeof(text), BASE "[fleet]\n");
	for (unsigned i = 0; i <= SRV_SILENCE_CLASSES_MAX; i++)
		n += snprintf(text + n, sizeof(text) - (size_t)n, "class.c%u = 1/10\n", i);
	expect_bad(text, "more than 16 classes");
}

static void test_silence(void **state)
{
	(void)state;
	struct srv_config cfg;
	struct store_silence_rules r;
	char err[256];
	assert_int_equal(parse(BASE, &cfg, err), MAYDAY_OK);
	assert_int_equal(cfg.silence_default, SRV_SILENCE_DEFAULT);
	assert_int_equal(cfg.silence_n_classes, 0);
	assert_int_equal(srv_silence_period_s(&cfg), 60);         /* 10800 / 4, at most 60 */

	assert_int_equal(parse(BASE "[silence]\ndefault = 0\n", &cfg, err), MAYDAY_OK);
	assert_int_equal(srv_silence_period_s(&cfg), 0);          /* off: no sweeper */

	assert_int_equal(parse(BASE "[silence]\ndefault = 2\nclass.femto-b = 86400\n"
			       "class.FAP_2.0 = 0\n", &cfg, err), MAYDAY_OK);
	assert_int_equal(cfg.silence_default, 2);
	assert_int_equal(cfg.silence_n_classes, 2);
	assert_string_equal(cfg.silence_classes[0].product_class, "femto-b");
	assert_int_equal(cfg.silence_classes[0].interval, 86400);
	assert_string_equal(cfg.silence_classes[1].product_class, "FAP_2.0");
	assert_int_equal(cfg.silence_classes[1].interval, 0);
	assert_int_equal(srv_silence_period_s(&cfg), 1);          /* 2 / 4, at least 1 */
	srv_silence_rules(&cfg, &r);
	assert_int_equal(r.default_s, 2);
	assert_int_equal(r.n_classes, 2);
	assert_string_equal(r.classes[0].product_class, "femto-b");
	assert_int_equal(r.classes[0].interval_s, 86400);

	/* A class alone switches the sweeper on: 200 / 4. */
	assert_int_equal(parse(BASE "[silence]\ndefault = 0\nclass.a = 200\n", &cfg, err),
			 MAYDAY_OK);
	assert_int_equal(srv_silence_period_s(&cfg), 50);

	expect_bad(BASE "[silence]\ndefault = -1\n", "[silence] default");
	expect_bad(BASE "[silence]\ndefault = 31536001\n", "0..31536000");
	expect_bad(BASE "[silence]\ndefault = 1\ndefault = 2\n", "given twice");
	expect_bad(BASE "[silence]\nclass.a = 1\nclass.a = 2\n", "[silence] class.a given twice");
	expect_bad(BASE "[silence]\nclass. = 1\n", "1..32 characters");
	expect_bad(BASE "[silence]\nclass.abcdefghijabcdefghijabcdefghijabc = 1\n",
		   "1..32 characters");
	expect_bad(BASE "[silence]\nclass.a = 1h\n", "not an integer in 0..31536000");
	expect_bad(BASE "[silence]\nclass.a = 31536001\n", "[silence] class.a");
	expect_bad(BASE "[silence]\nclasses = 1\n", "unknown key 'classes' in section [silence]");
	/* class. keys belong to [silence] and [fleet] only */
	expect_bad(BASE "[acs]\nclass.a = 1\n", "unknown key");
	char text[2048];
	int n = snprintf(text, sizeof(text), BASE "[silence]\n");
	for (unsigned i = 0; i <= SRV_SILENCE_CLASSES_MAX; i++)
		n += snprintf(text + n, sizeof(text) - (size_t)n, "class.c%u = 10\n", i);
	expect_bad(text, "more than 16 classes");
}

static void test_example_file(void **state)
{
	(void)state;
	struct srv_config cfg, def;
	char err[256];
	if (srv_config_load(MAYDAY_CONF_EXAMPLE, &cfg, err, sizeof(err)) != MAYDAY_OK)
		fail_msg("%s: %s", MAYDAY_CONF_EXAMPLE, err);
	srv_config_defaults(&def);
	assert_int_equal(cfg.workers, def.workers);
	assert_int_equal(cfg.queue, def.queue);
	assert_int_equal(cfg.batch, def.batch);
	assert_int_equal(cfg.rcvbuf, def.rcvbuf);
	assert_int_equal(cfg.max_datagram, def.max_datagram);
	assert_int_equal(cfg.unverified_per_source, def.unverified_per_source);
	assert_int_equal(cfg.unverified_global_burst, def.unverified_global_burst);
	assert_int_equal(cfg.sources, def.sources);
	assert_string_equal(cfg.udp_listen.text, def.udp_listen.text);
	/* Every listener is described, and off as by default. */
	assert_int_equal(cfg.http_listen.len + cfg.https_listen.len + cfg.psk_listen.len +
			 cfg.ipsec_listen.len, 0);
	assert_int_equal(cfg.http_timeout, def.http_timeout);
	assert_int_equal(cfg.http_connections, def.http_connections);
	assert_int_equal(cfg.http_header_max, def.http_header_max);
	assert_int_equal(cfg.http_request_timeout_ms, def.http_request_timeout_ms);
	assert_int_equal(cfg.tls_handshake_timeout_ms, def.tls_handshake_timeout_ms);
	assert_int_equal(cfg.http_connections_per_source, def.http_connections_per_source);
	assert_int_equal(cfg.bad_signature_burst, def.bad_signature_burst);
	assert_int_equal(cfg.bad_signature_rate, def.bad_signature_rate);
	assert_int_equal(cfg.bad_signature_probes, def.bad_signature_probes);
	assert_int_equal(cfg.ipsec_timeout_ms, def.ipsec_timeout_ms);
	assert_int_equal(cfg.ipsec_identity_ttl_ms, def.ipsec_identity_ttl_ms);
	assert_int_equal(cfg.acs_pause_after_failures, def.acs_pause_after_failures);
	assert_true(cfg.https_cert[0] && cfg.https_key[0] && cfg.https_ca[0]);
	assert_int_equal(cfg.admin_listen.len, 0);   /* described, and off */
	assert_string_equal(cfg.admin_allow_non_loopback, "no");
	assert_string_equal(cfg.api_socket, SRV_API_SOCKET_DEFAULT);   /* as documented */
	assert_int_equal(cfg.api_listen.len, 0);
	assert_int_equal(cfg.api_bundle_max, def.api_bundle_max);
	assert_int_equal(cfg.silence_default, def.silence_default);
	assert_int_equal(cfg.silence_n_classes, 0);   /* described, none set */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_acs_on),
		cmocka_unit_test(test_bad_values),
		cmocka_unit_test(test_bad_structure),
		cmocka_unit_test(test_load_file),
		cmocka_unit_test(test_listeners),
		cmocka_unit_test(test_admin),
		cmocka_unit_test(test_api),
		cmocka_unit_test(test_silence),
		cmocka_unit_test(test_events),
		cmocka_unit_test(test_ves),
		cmocka_unit_test(test_fleet),
		cmocka_unit_test(test_example_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

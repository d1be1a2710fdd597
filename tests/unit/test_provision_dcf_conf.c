/* SPDX-License-Identifier: Apache-2.0 */
/* `mayday-provision dcf-conf`: a device gets the new dcf.conf and a DCF
 * manifest, re-signed by the vendor, that covers it; a configuration the DCF
 * would reject, one naming unlisted files, or the wrong vendor key change
 * nothing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dcf_config.h"
#include "hal/flash.h"
#include "test_provision_util.h"

static const char new_conf[] =
	"[dcf]\nversion = 0.2.0\nproduct_class = femto-a\nmax_image_size = 4096\n"
	"[hems]\nmethods = tls, plain-udp\n"
	"[tls]\nurl = https://127.0.0.1:7443/v1/distress\nca = operator-ca.pem\n"
	"cert = dcf-cert.pem\nserver_name = hems.mayday.test\n"
	"[udp]\nendpoint = 127.0.0.1:9999\n"
	"[retry]\ndeadline_ms = 1234\nreannounce_s = 1\nreannounce_max = 2\n";

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
	fclose(f);
}

/* The DCF partition as it is: manifest bytes and dcf.conf bytes. */
struct snapshot {
	uint8_t *manifest, *conf;
	size_t manifest_len, conf_len;
};

static void snap(const struct tp_world *w, struct snapshot *s)
{
	char path[TP_PATH_MAX];

	tp_path(path, w->dev, "dcf", "manifest.cose");
	s->manifest = tp_read(path, &s->manifest_len);
	tp_path(path, w->dev, "dcf", "dcf.conf");
	s->conf = tp_read(path, &s->conf_len);
	assert_non_null(s->manifest);
	assert_non_null(s->conf);
}

static void assert_unchanged(const struct tp_world *w, const struct snapshot *before)
{
	struct snapshot now;

	snap(w, &now);
	assert_int_equal(now.manifest_len, before->manifest_len);
	assert_memory_equal(now.manifest, before->manifest, now.manifest_len);
	assert_int_equal(now.conf_len, before->conf_len);
	assert_memory_equal(now.conf, before->conf, now.conf_len);
	free(now.manifest);
	free(now.conf);
}

static void snap_free(struct snapshot *s)
{
	free(s->manifest);
	free(s->conf);
}

static int dcf_conf(const struct tp_world *w, const char *pki, const char *conf)
{
	return tp_provision("dcf-conf", "--device", w->dev, "--pki", pki, "--conf", conf, NULL);
}

static void test_replaced_and_resigned(void **state)
{
	struct tp_world w;
	struct mayday_manifest before, after;
	char conf[TP_PATH_MAX], path[TP_PATH_MAX];
	(void)state;

	tp_world_init(&w, 1, 1);
	assert_int_equal(tp_manifest(w.dev, "dcf", w.vendor_pub, &before), MAYDAY_OK);
	tp_path(conf, w.root, NULL, "new.conf");
	write_file(conf, new_conf);
	assert_int_equal(dcf_conf(&w, w.pki, conf), 0);

	/* the file is the new one, the manifest verifies and covers it */
	size_t len = 0;
	tp_path(path, w.dev, "dcf", "dcf.conf");
	uint8_t *text = tp_read(path, &len);
	assert_non_null(text);
	assert_int_equal(len, strlen(new_conf));
	assert_memory_equal(text, new_conf, len);
	free(text);
	assert_int_equal(tp_manifest(w.dev, "dcf", w.vendor_pub, &after), MAYDAY_OK);
	assert_int_equal(after.kind, MAYDAY_MANIFEST_DCF);
	assert_int_equal(after.n_trv, before.n_trv);
	for (uint32_t i = 0; i < after.n_trv; i++) {
		const struct mayday_trv *t = &after.trv[i];
		assert_true(tp_trv_matches(w.dev, "dcf", t));
		assert_true(t->designated);
		if (strcmp(t->name, "dcf.conf") == 0)
			assert_memory_not_equal(t->digest, before.trv[i].digest, MAYDAY_DIGEST_LEN);
		else
			assert_memory_equal(t->digest, before.trv[i].digest, MAYDAY_DIGEST_LEN);
	}
	assert_string_equal(after.image_version, before.image_version);
	assert_string_equal(after.entry, "mayday-dcf");

	/* and the DCF reads it from its partition */
	struct hal_flash *f = NULL;
	struct dcf_config cfg;
	struct dcf_config_error err;
	assert_int_equal(hal_flash_open(&f, w.dev, "host"), MAYDAY_OK);
	assert_int_equal(dcf_config_load(f, &cfg, &err), MAYDAY_OK);
	hal_flash_close(f);
	assert_int_equal(cfg.udp_endpoint.port, 9999);
	assert_int_equal(cfg.deadline_ms, 1234);
	assert_string_equal(cfg.methods[0], "tls");
	tp_world_free(&w);
}

static void test_rejected_changes_nothing(void **state)
{
	struct tp_world w;
	struct snapshot before;
	char conf[TP_PATH_MAX], other_pki[TP_PATH_MAX];
	(void)state;

	tp_world_init(&w, 1, 1);
	snap(&w, &before);
	tp_path(conf, w.root, NULL, "new.conf");

	/* what the DCF would reject */
	write_file(conf, "[dcf]\nversion = 1\n");
	assert_int_equal(dcf_conf(&w, w.pki, conf), 1);
	assert_unchanged(&w, &before);

	/* a CA file the partition's manifest does not cover */
	char *text = strdup(new_conf);
	assert_non_null(text);
	memcpy(strstr(text, "ca = operator-ca.pem"), "ca = operator-cb.pem", 20);
	write_file(conf, text);
	free(text);
	assert_int_equal(dcf_conf(&w, w.pki, conf), 1);
	assert_unchanged(&w, &before);

	/* a PKI whose vendor key did not sign this device */
	write_file(conf, new_conf);
	tp_path(other_pki, w.root, NULL, "other-pki");
	assert_int_equal(tp_provision("init", "--pki", other_pki, NULL), 0);
	assert_int_equal(dcf_conf(&w, other_pki, conf), 1);
	assert_unchanged(&w, &before);

	/* no such file, no such device */
	assert_int_equal(dcf_conf(&w, w.pki, "/nonexistent/dcf.conf"), 1);
	assert_unchanged(&w, &before);
	assert_int_equal(tp_provision("dcf-conf", "--device", "/nonexistent/dev", "--pki", w.pki,
				      "--conf", conf, NULL), 1);
	snap_free(&before);
	tp_world_free(&w);
}

static void test_usage(void **state)
{
	(void)state;
	assert_int_equal(tp_provision("dcf-conf", NULL), 2);
	assert_int_equal(tp_provision("dcf-conf", "--device", "d", "--pki", "p", NULL), 2);
	assert_int_equal(tp_provision("dcf-conf", "--device", "d", "--pki", "p", "--conf", "c",
				      "extra", NULL), 2);
	assert_int_equal(tp_provision("dcf-conf", "--help", NULL), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_replaced_and_resigned),
		cmocka_unit_test(test_rejected_changes_nothing),
		cmocka_unit_test(test_usage),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

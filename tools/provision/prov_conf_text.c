/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dcf.conf from options. Values are pasted into INI lines, so each is first
 * required to be one printable token without ';' or '#' (which would start
 * a comment) -- a value with a newline could otherwise smuggle in keys of
 * its own. The assembled text then goes through dcf_config_parse, the very
 * parser the DCF runs, so a device is never made with a configuration its
 * DCF would reject.
 */
#include "prov_conf_text.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "dcf_config.h"
#include "prov_log.h"

struct text {
	char *buf;
	size_t cap, len;
	int overflow;
};

static void put(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (t->overflow)
		return;
	va_start(ap, fmt);
	n = vsnprintf(t->buf + t->len, t->cap - t->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= t->cap - t->len)
		t->overflow = 1;
	else
		t->len += (size_t)n;
}

/* One token an INI value can hold as it is. */
static int value_ok(const char *option, const char *v)
{
	if (!v)
		return 1;
	for (const char *p = v; *p; p++)
		if (!isgraph((unsigned char)*p) || *p == ';' || *p == '#')
			goto bad;
	if (v[0] && strlen(v) <= DCF_CONFIG_LINE_MAX / 2)
		return 1;
bad:
	prov_log_error("--%s must be one printable word without ';' or '#', at most %d "
		       "characters", option, DCF_CONFIG_LINE_MAX / 2);
	return 0;
}

static void put_methods(struct text *t, const struct prov_conf *c)
{
	const struct {
		const char *name;
		const char *endpoint;
	} order[] = {
		{ "tls", c->tls_url },
		{ "ipsec", c->ipsec_endpoint },
		{ "psk", c->psk },
		{ "plain-udp", c->udp },
		{ "plain-http", c->http_url },
	};
	const char *sep = "";

	if (c->methods) {
		put(t, "methods = %s\n", c->methods);
		return;
	}
	put(t, "methods = ");
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		if (!order[i].endpoint)
			continue;
		put(t, "%s%s", sep, order[i].name);
		sep = ", ";
	}
	put(t, "\n");
}

static void put_sections(struct text *t, const struct prov_conf *c)
{
	if (c->tls_url) {
		put(t, "\n[tls]\nurl = %s\nca = %s\ncert = %s\n", c->tls_url, PROV_DCF_CA_NAME,
		    PROV_DCF_CERT_NAME);
		if (c->tls_server_name)
			put(t, "server_name = %s\n", c->tls_server_name);
		if (c->tls_pin) {
			put(t, "pin_sha256 = ");
			for (size_t i = 0; i < MAYDAY_DIGEST_LEN; i++)
				put(t, "%02x", c->tls_pin[i]);
			put(t, "\n");
		}
	}
	if (c->http_url)
		put(t, "\n[http]\nurl = %s\n", c->http_url);
	if (c->udp)
		put(t, "\n[udp]\nendpoint = %s\n", c->udp);
	if (c->psk)
		put(t, "\n[psk]\nendpoint = %s\n", c->psk);
	if (c->ipsec_endpoint || c->ipsec_vici || c->ipsec_child || c->ipsec_plugins) {
		put(t, "\n[ipsec]\n");
		if (c->ipsec_vici)
			put(t, "vici = %s\n", c->ipsec_vici);
		if (c->ipsec_plugins) {
			put(t, "daemon = partition\nplugins = %s\n", c->ipsec_plugins);
			if (c->ipsec_swanctl_plugins && c->ipsec_swanctl_plugins[0])
				put(t, "swanctl_plugins = %s\n", c->ipsec_swanctl_plugins);
		}
		if (c->ipsec_child)
			put(t, "child = %s\n", c->ipsec_child);
		if (c->ipsec_endpoint)
			put(t, "endpoint = %s\n", c->ipsec_endpoint);
	}
}

int prov_conf_text_build(const struct prov_conf *c, char *out, size_t cap, size_t *len)
{
	struct text t = { .buf = out, .cap = cap };
	struct dcf_config cfg;
	struct dcf_config_error err;

	if (!value_ok("methods", c->methods) || !value_ok("hems-tls", c->tls_url) ||
	    !value_ok("tls-server-name", c->tls_server_name) ||
	    !value_ok("hems-http", c->http_url) || !value_ok("hems-udp", c->udp) ||
	    !value_ok("hems-psk", c->psk) || !value_ok("hems-ipsec-endpoint", c->ipsec_endpoint) ||
	    !value_ok("ipsec-vici", c->ipsec_vici) || !value_ok("ipsec-child", c->ipsec_child))
		return 0;
	if (!c->tls_url && !c->http_url && !c->udp && !c->psk && !c->ipsec_endpoint) {
		prov_log_error("no H(e)MS endpoint: give --hems-tls, --hems-ipsec-endpoint, "
			       "--hems-psk, --hems-udp or --hems-http");
		return 0;
	}
	put(&t, "; DCF configuration of device %s, written by mayday-provision.\n"
		"; Signed with the DCF partition (manifest.cose): change it with\n"
		"; `mayday-provision dcf-conf`, which re-signs the partition.\n"
		"[dcf]\nversion = %s\nproduct_class = %s\nmax_image_size = %" PRIu64 "\n"
		"\n[hems]\n",
	    c->device_id, c->version, c->product_class, c->max_image_size);
	put_methods(&t, c);
	put_sections(&t, c);
	put(&t, "\n[retry]\ninitial_ms = 200\nmax_ms = 60000\nattempt_timeout_ms = 500\n"
		"; no deadline: a device in distress keeps trying while powered\n"
		"deadline_ms = 0\nattempts_per_method = 4\n"
		"; no re-announcement: the DCF exits once acknowledged\n"
		"reannounce_s = 0\n");
	/* Every device carries its certificate and the operator CA, so every
	 * DCF can take part in remediation, whichever methods it reports by. */
	put(&t, "\n[cwmp]\n; remediation: the CWMP client an authenticated REMEDIATE ack starts\n"
		"remediation = on\nca = %s\ncert = %s\n", PROV_DCF_CA_NAME, PROV_DCF_CERT_NAME);
	if (t.overflow) {
		prov_log_error("the DCF configuration would exceed %zu bytes", cap);
		return 0;
	}
	if (dcf_config_parse(out, t.len, &cfg, &err) != MAYDAY_OK) {
		prov_log_error("the DCF would reject this configuration: %s%s%s", err.what,
			       err.key[0] ? " at " : "", err.key);
		return 0;
	}
	*len = t.len;
	return 1;
}

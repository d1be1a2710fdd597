/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dcf.conf parsing: libinih does the INI syntax, net_url (device/net) the
 * URLs, this file the strictness.
 *
 * inih calls one handler per key=value; the handler matches the key against
 * a table of (section, key, parser) rows and remembers which rows were seen,
 * so duplicates (including inih's multi-line continuations, which arrive as a
 * repeated key) and missing required keys are caught. inih's fixed line
 * buffer would silently split an over-long line into two, so line lengths
 * and NUL bytes are checked before inih sees the text. The first rejection
 * is kept; inih keeps going but nothing after it is used.
 *
 * Method names are those of the protocol (mayday_transport_name); a name the
 * protocol knows but this build has no transport for (none, today: every
 * method is in tx/dcf_tx.c) would be rejected with its own message, so it
 * reads as exactly that and not as a typo. Whether a listed method has what it needs is the
 * transport's call (dcf_tx_ops.configured), checked once everything is read.
 */
#include "dcf_config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boot_state.h"
#include "hal/flash.h"
#include "mayday/indication.h"
#include "mayday/manifest.h"
#include "net_url.h"
#include "tx/dcf_tx.h"

struct parse_ctx;
/* NULL if the value was taken, else why it was not (static text). */
typedef const char *(*value_fn)(struct parse_ctx *ctx, const char *value);

struct key_row {
	const char *section;
	const char *key;
	int required;
	value_fn parse;
};

struct parse_ctx {
	struct dcf_config *cfg;
	struct dcf_config_error *err;
	uint64_t seen;          /* bit i: key_rows[i] was set */
	int failed;
};

/* Every method of the protocol, with the static message for a build that
 * lacks its transport. */
static const struct {
	uint32_t transport;
	const char *no_transport;
} known_methods[] = {
	{ MAYDAY_TRANSPORT_TLS, "method tls: no transport in this build" },
	{ MAYDAY_TRANSPORT_IPSEC, "method ipsec: no transport in this build" },
	{ MAYDAY_TRANSPORT_PSK, "method psk: no transport in this build" },
	{ MAYDAY_TRANSPORT_PLAIN_UDP, "method plain-udp: no transport in this build" },
	{ MAYDAY_TRANSPORT_PLAIN_HTTP, "method plain-http: no transport in this build" },
};
_Static_assert(sizeof(known_methods) / sizeof(known_methods[0]) == DCF_METHODS_MAX,
	       "DCF_METHODS_MAX is every method once");
_Static_assert(DCF_BOOT_TRIES_MAX == BOOT_STATE_TRIES_MAX,
	       "[cwmp] boot_tries is bounded by what the boot state can hold");

static int fail(struct parse_ctx *ctx, const char *section, const char *key, const char *what)
{
	if (!ctx->failed) {
		ctx->failed = 1;
		ctx->err->what = what;
		int dot = section && section[0] && key;
		snprintf(ctx->err->key, sizeof(ctx->err->key), "%s%s%s", section ? section : "",
			 dot ? "." : "", key ? key : "");
	}
	return 0;
}

/* Printable ASCII without spaces, 1..max bytes. */
static int copy_token(char *dst, size_t max, const char *value)
{
	size_t n = strlen(value);

	if (n == 0 || n > max)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isgraph((unsigned char)value[i]))
			return 0;
	memcpy(dst, value, n + 1);
	return 1;
}

/* Decimal digits only (no sign, no spaces, no hex), within [min, max]. */
static int parse_u64(const char *value, uint64_t min, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (value[0] == '\0' || strlen(value) > 20)
		return 0;
	for (const char *p = value; *p; p++) {
		if (*p < '0' || *p > '9')
			return 0;
		unsigned d = (unsigned)(*p - '0');
		if (v > (UINT64_MAX - d) / 10)
			return 0;
		v = v * 10 + d;
	}
	if (v < min || v > max)
		return 0;
	*out = v;
	return 1;
}

static int parse_u32(const char *value, uint32_t min, uint32_t max, uint32_t *out)
{
	uint64_t v;

	if (!parse_u64(value, min, max, &v))
		return 0;
	*out = (uint32_t)v;
	return 1;
}

static const char *v_version(struct parse_ctx *ctx, const char *value)
{
	return copy_token(ctx->cfg->version, MAYDAY_VERSION_STR_MAX, value) ? NULL
		: "not 1..32 printable characters";
}

static const char *v_class(struct parse_ctx *ctx, const char *value)
{
	return copy_token(ctx->cfg->product_class, MAYDAY_CLASS_MAX, value) ? NULL
		: "not 1..32 printable characters";
}

static const char *v_max_image(struct parse_ctx *ctx, const char *value)
{
	return parse_u64(value, 1, DCF_MAX_IMAGE_SIZE_MAX, &ctx->cfg->max_image_size) ? NULL
		: "not a number in 1..2^40";
}

/* The message version of the indications (docs/protocol.md §6.2), by the
 * names mayday_claims_name gives. Self-contained: nothing else reads it. */
static const char *v_claims(struct parse_ctx *ctx, const char *value)
{
	if (strcmp(value, "mayday1") == 0)
		ctx->cfg->claims = MAYDAY_CLAIMS_MAYDAY1;
	else if (strcmp(value, "eat") == 0)
		ctx->cfg->claims = MAYDAY_CLAIMS_EAT;
	else
		return "not mayday1 or eat";
	return NULL;
}

/* NULL if `name` is a method this build can use, else why not. */
static const char *method_usable(const char *name)
{
	for (size_t i = 0; i < sizeof(known_methods) / sizeof(known_methods[0]); i++)
		if (strcmp(mayday_transport_name(known_methods[i].transport), name) == 0)
			return dcf_tx_find(name) ? NULL : known_methods[i].no_transport;
	return "unknown method";
}

static const char *v_methods(struct parse_ctx *ctx, const char *value)
{
	struct dcf_config *cfg = ctx->cfg;
	const char *p = value;

	cfg->n_methods = 0;
	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		size_t n = strcspn(p, ", \t");
		if (n == 0)
			return "empty method name";
		if (n > DCF_METHOD_NAME_MAX)
			return "unknown method";
		char name[DCF_METHOD_NAME_MAX + 1];
		memcpy(name, p, n);
		name[n] = '\0';
		const char *why = method_usable(name);
		if (why)
			return why;
		for (unsigned i = 0; i < cfg->n_methods; i++)
			if (strcmp(cfg->methods[i], name) == 0)
				return "method listed twice";
		/* Cannot overflow: every usable name is distinct and there are
		 * DCF_METHODS_MAX of them. */
		memcpy(cfg->methods[cfg->n_methods++], name, n + 1);
		p += n;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			return NULL;
		if (*p != ',')
			return "methods must be separated by commas";
		p++;
	}
}

/* "A.B.C.D:PORT" or "[IPv6]:PORT", numeric only: the DCF does no name lookups
 * for datagram endpoints. */
static int parse_endpoint(const char *value, struct dcf_endpoint *ep)
{
	const char *host = value, *colon;
	size_t host_len;
	int v6 = value[0] == '[';
	unsigned char addr[16];
	uint64_t port;

	if (v6) {
		const char *close = strchr(value, ']');
		if (!close || close[1] != ':')
			return 0;
		host = value + 1;
		host_len = (size_t)(close - host);
		colon = close + 1;
	} else {
		colon = strrchr(value, ':');
		if (!colon)
			return 0;
		host_len = (size_t)(colon - value);
	}
	if (host_len == 0 || host_len > DCF_HOST_MAX)
		return 0;
	memcpy(ep->host, host, host_len);
	ep->host[host_len] = '\0';
	if (inet_pton(v6 ? AF_INET6 : AF_INET, ep->host, addr) != 1)
		return 0;
	if (!parse_u64(colon + 1, 1, 65535, &port))
		return 0;
	ep->port = (uint16_t)port;
	ep->set = 1;
	return 1;
}

#define ENDPOINT_WHY "not a numeric ADDRESS:PORT (port 1..65535)"

/* net_url parses (the same parser the CPE uses for ACS and Download
 * URLs); what a distress POST needs is then required of the parts. */
static const char *parse_url(const char *value, const char *scheme, struct dcf_url *u)
{
	struct net_url nu;
	const char *why = net_url_parse(value, scheme, &nu);

	memset(u, 0, sizeof(*u));
	if (why && strncmp(why, "URL path", 8) == 0)
		return "URL path must be 1..128 printable characters";
	if (why)
		return why;
	if (strlen(nu.path) > DCF_URL_PATH_MAX)
		return "URL path must be 1..128 printable characters";
	_Static_assert(sizeof(u->host) == sizeof(nu.host), "a URL's host fits dcf_url");
	memcpy(u->host, nu.host, sizeof(u->host));
	memcpy(u->path, nu.path, strlen(nu.path) + 1);
	u->host_is_ip = nu.host_is_ip;
	u->host_is_ip6 = nu.host_is_ip6;
	u->port = nu.port;
	u->set = 1;
	return NULL;
}

static const char *v_tls_url(struct parse_ctx *ctx, const char *value)
{
	return parse_url(value, "https", &ctx->cfg->tls_url);
}

static const char *dcf_file(char dst[MAYDAY_NAME_MAX + 1], const char *value)
{
	if (strlen(value) > MAYDAY_NAME_MAX || !mayday_name_is_safe(value))
		return "not a file name of the DCF partition ([A-Za-z0-9._-], 1..64)";
	strcpy(dst, value);
	return NULL;
}

static const char *v_tls_ca(struct parse_ctx *ctx, const char *value)
{
	return dcf_file(ctx->cfg->tls_ca, value);
}

static const char *v_tls_cert(struct parse_ctx *ctx, const char *value)
{
	return dcf_file(ctx->cfg->tls_cert, value);
}

static const char *v_tls_server_name(struct parse_ctx *ctx, const char *value)
{
	if (!net_url_hostname_ok(value))
		return "not a DNS name";
	strcpy(ctx->cfg->tls_server_name, value);
	return NULL;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static const char *parse_pin(const char *value, uint8_t pin[MAYDAY_DIGEST_LEN], int *set)
{
	if (strlen(value) != 2 * MAYDAY_DIGEST_LEN)
		return "not 64 hexadecimal digits";
	for (size_t i = 0; i < MAYDAY_DIGEST_LEN; i++) {
		int hi = hex_digit(value[2 * i]), lo = hex_digit(value[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return "not 64 hexadecimal digits";
		pin[i] = (uint8_t)(hi << 4 | lo);
	}
	*set = 1;
	return NULL;
}

static const char *v_tls_pin(struct parse_ctx *ctx, const char *value)
{
	return parse_pin(value, ctx->cfg->tls_pin_sha256, &ctx->cfg->tls_pin_set);
}

static const char *v_http_url(struct parse_ctx *ctx, const char *value)
{
	return parse_url(value, "http", &ctx->cfg->http_url);
}

static const char *v_udp_endpoint(struct parse_ctx *ctx, const char *value)
{
	return parse_endpoint(value, &ctx->cfg->udp_endpoint) ? NULL : ENDPOINT_WHY;
}

static const char *v_psk_endpoint(struct parse_ctx *ctx, const char *value)
{
	return parse_endpoint(value, &ctx->cfg->psk_endpoint) ? NULL : ENDPOINT_WHY;
}

static const char *v_ipsec_vici(struct parse_ctx *ctx, const char *value)
{
	if (value[0] != '/' || !copy_token(ctx->cfg->ipsec_vici, DCF_VICI_PATH_MAX, value))
		return "not an absolute path of 1..107 printable characters";
	return NULL;
}

static const char *v_ipsec_child(struct parse_ctx *ctx, const char *value)
{
	if (strlen(value) > DCF_CHILD_MAX || !mayday_name_is_safe(value))
		return "not 1..64 characters of [A-Za-z0-9._-]";
	strcpy(ctx->cfg->ipsec_child, value);
	return NULL;
}

static const char *v_ipsec_endpoint(struct parse_ctx *ctx, const char *value)
{
	return parse_endpoint(value, &ctx->cfg->ipsec_endpoint) ? NULL : ENDPOINT_WHY;
}

static const char *v_ipsec_timeout(struct parse_ctx *ctx, const char *value)
{
	return parse_u32(value, DCF_INITIATE_MS_MIN, DCF_INITIATE_MS_MAX,
			 &ctx->cfg->ipsec_initiate_timeout_ms) ? NULL : "not a number in 100..60000";
}

static const char *v_ipsec_daemon(struct parse_ctx *ctx, const char *value)
{
	if (strcmp(value, "partition") == 0)
		ctx->cfg->ipsec_daemon_partition = 1;
	else if (strcmp(value, "external") != 0)
		return "not \"partition\" or \"external\"";
	return NULL;
}

/* Space-separated strongSwan plugin names, each 1..32 of [a-z0-9-]: they
 * become file names (libstrongswan-NAME.so) the DCF preloads. */
static const char *parse_plugins(const char *value, char *out)
{
	static const char why[] = "not 1..255 bytes of plugin names ([a-z0-9-], up to 32 each) "
				  "separated by single spaces";
	size_t n = strlen(value), word = 0;

	if (n == 0 || n > DCF_PLUGINS_MAX)
		return why;
	for (size_t i = 0; i <= n; i++) {
		char c = value[i];
		if (c == ' ' || c == '\0') {
			if (word == 0)
				return why;
			word = 0;
		} else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-') {
			if (++word > 32)
				return why;
		} else {
			return why;
		}
	}
	memcpy(out, value, n + 1);
	return NULL;
}

static const char *v_ipsec_plugins(struct parse_ctx *ctx, const char *value)
{
	return parse_plugins(value, ctx->cfg->ipsec_plugins);
}

static const char *v_ipsec_swanctl_plugins(struct parse_ctx *ctx, const char *value)
{
	return parse_plugins(value, ctx->cfg->ipsec_swanctl_plugins);
}

static const char *v_initial(struct parse_ctx *ctx, const char *value)
{
	return parse_u32(value, DCF_INITIAL_MS_MIN, DCF_INITIAL_MS_MAX, &ctx->cfg->initial_ms)
		? NULL : "not a number in 1..60000";
}

static const char *v_max(struct parse_ctx *ctx, const char *value)
{
	return parse_u32(value, DCF_INITIAL_MS_MIN, DCF_MAX_MS_MAX, &ctx->cfg->max_ms)
		? NULL : "not a number in 1..3600000";
}

static const char *v_attempt(struct parse_ctx *ctx, const char *value)
{
	return parse_u32(value, DCF_ATTEMPT_MS_MIN, DCF_ATTEMPT_MS_MAX,
			 &ctx->cfg->attempt_timeout_ms) ? NULL : "not a number in 10..60000";
}

static const char *v_deadline(struct parse_ctx *ctx, const char *value)
{
	/* 0: no deadline, the default (a device in distress keeps trying). */
	if (strcmp(value, "0") == 0) {
		ctx->cfg->deadline_ms = 0;
		return NULL;
	}
	return parse_u32(value, DCF_DEADLINE_MS_MIN, DCF_DEADLINE_MS_MAX, &ctx->cfg->deadline_ms)
		? NULL : "not 0 nor a number in 10..86400000";
}

static const char *v_wait_max_s(struct parse_ctx *ctx, const char *value)
{
	return parse_u32(value, 1, DCF_WAIT_MAX_S_MAX, &ctx->cfg->wait_max_s)
		? NULL : "not a number in 1..86400";
}

static const char *v_attempts(struct parse_ctx *ctx, const char *value)
{
	return parse_u32(value, DCF_ATTEMPTS_MIN, DCF_ATTEMPTS_MAX,
			 &ctx->cfg->attempts_per_method) ? NULL : "not a number in 1..100";
}

static const char *v_reannounce_s(struct parse_ctx *ctx, const char *value)
{
	return parse_u32(value, 0, DCF_REANNOUNCE_S_MAX, &ctx->cfg->reannounce_s)
		? NULL : "not a number in 0..86400";
}

static const char *v_reannounce_max(struct parse_ctx *ctx, const char *value)
{
	return parse_u32(value, 0, DCF_REANNOUNCE_MAX_MAX, &ctx->cfg->reannounce_max)
		? NULL : "not a number in 0..1000";
}

static const char *v_cwmp_remediation(struct parse_ctx *ctx, const char *value)
{
	if (strcmp(value, "on") == 0)
		ctx->cfg->cwmp_enabled = 1;
	else if (strcmp(value, "off") == 0)
		ctx->cfg->cwmp_enabled = 0;
	else
		return "not on or off";
	return NULL;
}

static const char *v_cwmp_ca(struct parse_ctx *ctx, const char *value)
{
	return dcf_file(ctx->cfg->cwmp_ca, value);
}

static const char *v_cwmp_cert(struct parse_ctx *ctx, const char *value)
{
	return dcf_file(ctx->cfg->cwmp_cert, value);
}

static const char *v_cwmp_pin(struct parse_ctx *ctx, const char *value)
{
	return parse_pin(value, ctx->cfg->cwmp_pin_sha256, &ctx->cfg->cwmp_pin_set);
}

static const char *v_cwmp_timeout(struct parse_ctx *ctx, const char *value)
{
	return parse_u32(value, DCF_CWMP_MS_MIN, DCF_CWMP_MS_MAX, &ctx->cfg->cwmp_timeout_ms)
		? NULL : "not a number in 100..600000";
}

static const char *v_download_timeout(struct parse_ctx *ctx, const char *value)
{
	return parse_u32(value, DCF_DOWNLOAD_MS_MIN, DCF_DOWNLOAD_MS_MAX,
			 &ctx->cfg->download_timeout_ms)
		? NULL : "not a number in 1000..86400000";
}

static const char *v_boot_tries(struct parse_ctx *ctx, const char *value)
{
	return parse_u32(value, 1, DCF_BOOT_TRIES_MAX, &ctx->cfg->boot_tries)
		? NULL : "not a number in 1..16";
}

static const struct key_row key_rows[] = {
	{ "dcf", "version", 1, v_version },
	{ "dcf", "product_class", 1, v_class },
	{ "dcf", "max_image_size", 1, v_max_image },
	{ "dcf", "claims", 0, v_claims },
	{ "hems", "methods", 1, v_methods },
	{ "tls", "url", 0, v_tls_url },
	{ "tls", "ca", 0, v_tls_ca },
	{ "tls", "cert", 0, v_tls_cert },
	{ "tls", "server_name", 0, v_tls_server_name },
	{ "tls", "pin_sha256", 0, v_tls_pin },
	{ "http", "url", 0, v_http_url },
	{ "udp", "endpoint", 0, v_udp_endpoint },
	{ "psk", "endpoint", 0, v_psk_endpoint },
	{ "ipsec", "vici", 0, v_ipsec_vici },
	{ "ipsec", "child", 0, v_ipsec_child },
	{ "ipsec", "endpoint", 0, v_ipsec_endpoint },
	{ "ipsec", "initiate_timeout_ms", 0, v_ipsec_timeout },
	{ "ipsec", "daemon", 0, v_ipsec_daemon },
	{ "ipsec", "plugins", 0, v_ipsec_plugins },
	{ "ipsec", "swanctl_plugins", 0, v_ipsec_swanctl_plugins },
	{ "retry", "initial_ms", 0, v_initial },
	{ "retry", "max_ms", 0, v_max },
	{ "retry", "attempt_timeout_ms", 0, v_attempt },
	{ "retry", "deadline_ms", 0, v_deadline },
	{ "retry", "attempts_per_method", 0, v_attempts },
	{ "retry", "reannounce_s", 0, v_reannounce_s },
	{ "retry", "reannounce_max", 0, v_reannounce_max },
	{ "retry", "wait_max_s", 0, v_wait_max_s },
	{ "cwmp", "remediation", 0, v_cwmp_remediation },
	{ "cwmp", "ca", 0, v_cwmp_ca },
	{ "cwmp", "cert", 0, v_cwmp_cert },
	{ "cwmp", "pin_sha256", 0, v_cwmp_pin },
	{ "cwmp", "timeout_ms", 0, v_cwmp_timeout },
	{ "cwmp", "download_timeout_ms", 0, v_download_timeout },
	{ "cwmp", "boot_tries", 0, v_boot_tries },
};
_Static_assert(sizeof(key_rows) / sizeof(key_rows[0]) <= 64, "seen is a 64-bit mask");

static int on_key(void *user, const char *section, const char *key, const char *value)
{
	struct parse_ctx *ctx = user;
	int known_section = 0;

	if (ctx->failed)
		return 0;
	for (size_t i = 0; i < sizeof(key_rows) / sizeof(key_rows[0]); i++) {
		const struct key_row *row = &key_rows[i];
		if (strcmp(row->section, section) != 0)
			continue;
		known_section = 1;
		if (strcmp(row->key, key) != 0)
			continue;
		if (ctx->seen & (UINT64_C(1) << i))
			return fail(ctx, section, key, "duplicate key");
		ctx->seen |= UINT64_C(1) << i;
		const char *why = row->parse(ctx, value);
		if (why)
			return fail(ctx, section, key, why);
		return 1;
	}
	return fail(ctx, section, key, known_section ? "unknown key" : "unknown section");
}

static int check_whole(struct parse_ctx *ctx)
{
	struct dcf_config *cfg = ctx->cfg;

	for (size_t i = 0; i < sizeof(key_rows) / sizeof(key_rows[0]); i++)
		if (key_rows[i].required && !(ctx->seen & (UINT64_C(1) << i)))
			return fail(ctx, key_rows[i].section, key_rows[i].key,
				    "required key missing");
	/* Either the DCF's own IKE daemon (which needs its plugin lists) or a
	 * socket of one already running, never both: which daemon the DCF
	 * trusts must not depend on which key happens to win. */
	if (cfg->ipsec_daemon_partition && cfg->ipsec_vici[0])
		return fail(ctx, "ipsec", "vici", "not with daemon = partition");
	if (cfg->ipsec_daemon_partition && !cfg->ipsec_plugins[0])
		return fail(ctx, "ipsec", "plugins", "required with daemon = partition");
	if (!cfg->ipsec_daemon_partition && (cfg->ipsec_plugins[0] || cfg->ipsec_swanctl_plugins[0]))
		return fail(ctx, "ipsec", "plugins", "only with daemon = partition");
	if (cfg->max_ms < cfg->initial_ms)
		return fail(ctx, "retry", "max_ms", "must not be below initial_ms");
	for (unsigned i = 0; i < cfg->n_methods; i++) {
		const struct dcf_tx_ops *ops = dcf_tx_find(cfg->methods[i]);
		if (!ops->configured(cfg))
			return fail(ctx, "hems", cfg->methods[i],
				    "method listed, but its section lacks a required key");
	}
	/* The CWMP client trusts what the distress channel trusts unless told
	 * otherwise; without both files there is nothing to authenticate with. */
	if (!cfg->cwmp_ca[0]) {
		strcpy(cfg->cwmp_ca, cfg->tls_ca);
		if (!cfg->cwmp_pin_set && cfg->tls_pin_set) {
			/* the same trust as the distress channel, pin included */
			memcpy(cfg->cwmp_pin_sha256, cfg->tls_pin_sha256, MAYDAY_DIGEST_LEN);
			cfg->cwmp_pin_set = 1;
		}
	}
	if (!cfg->cwmp_cert[0])
		strcpy(cfg->cwmp_cert, cfg->tls_cert);
	if (!cfg->cwmp_ca[0] || !cfg->cwmp_cert[0])
		cfg->cwmp_enabled = 0;
	return 1;
}

/* Bounds the inih cannot enforce itself: line lengths (its buffer splits long
 * lines silently) and embedded NULs (it would stop reading there). */
static int check_lines(const char *text, size_t len, struct parse_ctx *ctx)
{
	size_t line_len = 0;

	for (size_t i = 0; i < len; i++) {
		if (text[i] == '\0')
			return fail(ctx, NULL, NULL, "NUL byte in configuration");
		if (text[i] == '\n') {
			line_len = 0;
			continue;
		}
		if (++line_len > DCF_CONFIG_LINE_MAX)
			return fail(ctx, NULL, NULL, "line too long");
	}
	return 1;
}

static void set_defaults(struct dcf_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	strcpy(cfg->ipsec_child, "distress");
	cfg->ipsec_initiate_timeout_ms = 5000;
	cfg->initial_ms = 200;
	cfg->max_ms = 300000;
	cfg->attempt_timeout_ms = 500;
	cfg->deadline_ms = 0;
	cfg->attempts_per_method = 4;
	cfg->reannounce_s = 0;
	cfg->reannounce_max = 24;
	cfg->wait_max_s = 3600;
	cfg->cwmp_enabled = 1;
	cfg->cwmp_timeout_ms = 10000;
	cfg->download_timeout_ms = 600000;
	cfg->boot_tries = 3;
}

enum mayday_err dcf_config_parse(const char *text, size_t len, struct dcf_config *cfg,
				 struct dcf_config_error *err)
{
	struct parse_ctx ctx = { .cfg = cfg, .err = err };
	char *copy = NULL;
	enum mayday_err rc = MAYDAY_E_INVALID;

	set_defaults(cfg);
	err->what = NULL;
	err->key[0] = '\0';

	if (len > DCF_CONFIG_MAX) {
		fail(&ctx, NULL, NULL, "configuration too large");
		rc = MAYDAY_E_TOOBIG;
		goto out;
	}
	if (!check_lines(text, len, &ctx))
		goto out;
	copy = malloc(len + 1);
	if (!copy) {
		fail(&ctx, NULL, NULL, "out of memory");
		rc = MAYDAY_E_NOMEM;
		goto out;
	}
	memcpy(copy, text, len);
	copy[len] = '\0';
	int line = ini_parse_string(copy, on_key, &ctx);
	if (ctx.failed)
		goto out;
	if (line != 0) {
		fail(&ctx, NULL, NULL, "INI syntax error");
		goto out;
	}
	if (!check_whole(&ctx))
		goto out;
	rc = MAYDAY_OK;
out:
	free(copy);
	return rc;
}

enum mayday_err dcf_config_load(struct hal_flash *flash, struct dcf_config *cfg,
				struct dcf_config_error *err)
{
	char buf[DCF_CONFIG_MAX];
	size_t len = 0;
	enum mayday_err rc;

	err->what = NULL;
	err->key[0] = '\0';
	rc = hal_flash_read(flash, HAL_PART_DCF, DCF_CONFIG_NAME, (uint8_t *)buf, sizeof(buf), &len);
	if (rc != MAYDAY_OK) {
		err->what = rc == MAYDAY_E_TOOBIG ? "configuration too large"
						  : "configuration unreadable";
		return rc;
	}
	return dcf_config_parse(buf, len, cfg, err);
}

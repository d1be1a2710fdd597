/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Config parsing: inih calls handler() per key; the handler looks the key
 * up in one table (section, key, kind, bounds, destination offset) and
 * records it as seen, so duplicates and unknown keys are rejected in one
 * place. Lines are pre-checked for length and NUL bytes because inih would
 * silently split an over-long line. [silence] class.NAME is the one key
 * whose name is data (a product class): it has its own small handler with
 * the same rules (bounded, no duplicates).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mayday/limits.h"
#include "srv_config.h"

enum kind { K_STR, K_UINT, K_ADDR };

struct key {
	const char *section, *name;
	enum kind kind;
	unsigned min, max;
	size_t off;
	int required;
};

#define F(field) offsetof(struct srv_config, field)
static const struct key keys[] = {
	{"server", "db", K_STR, 1, SRV_CONFIG_VALUE_MAX, F(db), 1},
	{"server", "hems_key", K_STR, 1, SRV_CONFIG_VALUE_MAX, F(hems_key), 1},
	{"server", "psk_kek", K_STR, 1, SRV_CONFIG_VALUE_MAX, F(psk_kek), 0},
	{"server", "workers", K_UINT, 1, SRV_WORKERS_MAX, F(workers), 0},
	{"server", "http_threads", K_UINT, 1, SRV_HTTP_THREADS_MAX, F(http_threads), 0},
	{"server", "queue", K_UINT, SRV_QUEUE_MIN, SRV_QUEUE_MAX, F(queue), 0},
	{"server", "batch", K_UINT, 1, SRV_BATCH_MAX, F(batch), 0},
	{"server", "user", K_STR, 1, SRV_USER_MAX, F(user), 0},
	{"server", "log", K_STR, 1, SRV_CONFIG_VALUE_MAX, F(log), 0},
	{"ack", "batch", K_STR, 2, 3, F(ack_batch), 0},
	{"udp", "listen", K_ADDR, 0, 0, F(udp_listen), 0},
	{"udp", "rcvbuf", K_UINT, 4096, SRV_RCVBUF_MAX, F(rcvbuf), 0},
	{"http", "listen", K_ADDR, 0, 0, F(http_listen), 0},
	{"https", "listen", K_ADDR, 0, 0, F(https_listen), 0},
	{"https", "cert", K_STR, 1, SRV_CONFIG_VALUE_MAX, F(https_cert), 0},
	{"https", "key", K_STR, 1, SRV_CONFIG_VALUE_MAX, F(https_key), 0},
	{"https", "ca", K_STR, 1, SRV_CONFIG_VALUE_MAX, F(https_ca), 0},
	{"https", "crl", K_STR, 1, SRV_CONFIG_VALUE_MAX, F(https_crl), 0},
	{"psk", "listen", K_ADDR, 0, 0, F(psk_listen), 0},
	{"ipsec", "listen", K_ADDR, 0, 0, F(ipsec_listen), 0},
	{"ipsec", "vici", K_STR, 1, SRV_IKE_VICI_MAX, F(ipsec_vici), 0},
	{"ipsec", "connection", K_STR, 1, SRV_IKE_CONN_MAX, F(ipsec_conn), 0},
	{"ipsec", "lookup_timeout_ms", K_UINT, SRV_IKE_TIMEOUT_MIN, SRV_IKE_TIMEOUT_MAX,
	 F(ipsec_timeout_ms), 0},
	{"ipsec", "identity_ttl_ms", K_UINT, 0, SRV_IKE_TTL_MAX, F(ipsec_identity_ttl_ms), 0},
	{"acs", "url", K_STR, 1, SRV_CONFIG_VALUE_MAX, F(acs_url), 0},
	{"acs", "policy", K_STR, 1, SRV_CONFIG_VALUE_MAX, F(acs_policy), 0},
	{"acs", "max_in_flight", K_UINT, 1, SRV_ACS_IN_FLIGHT_MAX, F(acs_max_in_flight), 0},
	{"acs", "download_window", K_UINT, SRV_ACS_WINDOW_MIN, SRV_ACS_WINDOW_MAX,
	 F(acs_download_window), 0},
	{"acs", "max_attempts", K_UINT, 1, SRV_ACS_ATTEMPTS_MAX, F(acs_max_attempts), 0},
	{"acs", "pause_after_failures", K_UINT, 0, SRV_ACS_PAUSE_MAX,
	 F(acs_pause_after_failures), 0},
	{"acs", "wait_s", K_UINT, 1, SRV_ACS_WAIT_MAX, F(acs_wait_s), 0},
	{"acs", "bundle_dir", K_STR, 1, SRV_CONFIG_VALUE_MAX, F(acs_bundle_dir), 0},
	{"acs", "vendor_key", K_STR, 1, SRV_CONFIG_VALUE_MAX, F(acs_vendor_key), 0},
	{"acs", "http_auth", K_UINT, 0, 1, F(acs_http_auth), 0},
	{"limits", "max_datagram", K_UINT, 1, MAYDAY_INDICATION_MAX, F(max_datagram), 0},
	{"limits", "unverified_per_source", K_UINT, 0, SRV_RATE_MAX, F(unverified_per_source), 0},
	{"limits", "unverified_per_source_burst", K_UINT, 0, SRV_RATE_MAX,
	 F(unverified_per_source_burst), 0},
	{"limits", "unverified_global", K_UINT, 0, SRV_RATE_MAX, F(unverified_global), 0},
	{"limits", "unverified_global_burst", K_UINT, 0, SRV_RATE_MAX,
	 F(unverified_global_burst), 0},
	{"limits", "sources", K_UINT, 16, SRV_SOURCES_MAX, F(sources), 0},
	{"limits", "http_timeout", K_UINT, 1, SRV_HTTP_TIMEOUT_MAX, F(http_timeout), 0},
	{"limits", "http_connections", K_UINT, 1, SRV_HTTP_CONNS_MAX, F(http_connections), 0},
	{"limits", "http_header_max", K_UINT, SRV_HTTP_HEADER_MIN, SRV_HTTP_HEADER_MAX,
	 F(http_header_max), 0},
	{"limits", "http_request_timeout_ms", K_UINT, SRV_HTTP_DEADLINE_MIN_MS,
	 SRV_HTTP_DEADLINE_MAX_MS, F(http_request_timeout_ms), 0},
	{"limits", "tls_handshake_timeout_ms", K_UINT, SRV_HTTP_DEADLINE_MIN_MS,
	 SRV_HTTP_DEADLINE_MAX_MS, F(tls_handshake_timeout_ms), 0},
	{"limits", "http_connections_per_source", K_UINT, 1, SRV_HTTP_CONNS_MAX,
	 F(http_connections_per_source), 0},
	{"limits", "bad_signature_burst", K_UINT, 1, SRV_RATE_MAX, F(bad_signature_burst), 0},
	{"limits", "bad_signature_rate", K_UINT, 0, SRV_RATE_MAX, F(bad_signature_rate), 0},
	{"limits", "bad_signature_probes", K_UINT, 0, SRV_RATE_MAX, F(bad_signature_probes), 0},
	{"admin", "listen", K_ADDR, 0, 0, F(admin_listen), 0},
	{"admin", "allow_non_loopback", K_STR, 2, 3, F(admin_allow_non_loopback), 0},
	{"api", "socket", K_STR, 1, SRV_API_SOCKET_MAX, F(api_socket), 0},
	{"api", "socket_role", K_STR, 1, 15, F(api_socket_role), 0},
	{"api", "listen", K_ADDR, 0, 0, F(api_listen), 0},
	{"api", "tls_cert", K_STR, 1, SRV_CONFIG_VALUE_MAX, F(api_tls_cert), 0},
	{"api", "tls_key", K_STR, 1, SRV_CONFIG_VALUE_MAX, F(api_tls_key), 0},
	{"api", "client_ca", K_STR, 1, SRV_CONFIG_VALUE_MAX, F(api_client_ca), 0},
	{"api", "bundle_max", K_UINT, SRV_API_BUNDLE_MIN, SRV_API_BUNDLE_MAX, F(api_bundle_max), 0},
	{"api", "timeout", K_UINT, 1, SRV_HTTP_TIMEOUT_MAX, F(api_timeout), 0},
	{"api", "connections", K_UINT, 1, SRV_HTTP_CONNS_MAX, F(api_connections), 0},
	{"silence", "default", K_UINT, 0, SRV_SILENCE_MAX, F(silence_default), 0},
	/* and "class.NAME" (silence_class): a key per product class */
	{"events", "webhook_1", K_STR, 1, SRV_CONFIG_VALUE_MAX, F(events_webhook[0]), 0},
	{"events", "webhook_2", K_STR, 1, SRV_CONFIG_VALUE_MAX, F(events_webhook[1]), 0},
	{"events", "webhook_3", K_STR, 1, SRV_CONFIG_VALUE_MAX, F(events_webhook[2]), 0},
	{"events", "webhook_4", K_STR, 1, SRV_CONFIG_VALUE_MAX, F(events_webhook[3]), 0},
	{"events", "secret_file", K_STR, 1, SRV_CONFIG_VALUE_MAX, F(events_secret_file), 0},
	{"events", "syslog", K_STR, 2, 3, F(events_syslog), 0},
	{"events", "retry_min_ms", K_UINT, SRV_EVENTS_RETRY_MIN_MS, SRV_EVENTS_RETRY_MAX_MS,
	 F(events_retry_min_ms), 0},
	{"events", "retry_max_ms", K_UINT, SRV_EVENTS_RETRY_MIN_MS, SRV_EVENTS_RETRY_MAX_MS,
	 F(events_retry_max_ms), 0},
	{"ves", "collector", K_STR, 1, SRV_CONFIG_VALUE_MAX, F(ves_collector), 0},
	{"ves", "batch", K_UINT, 1, SRV_VES_BATCH_MAX, F(ves_batch), 0},
	{"ves", "username", K_STR, 1, SRV_VES_NAME_MAX, F(ves_username), 0},
	{"ves", "password_file", K_STR, 1, SRV_CONFIG_VALUE_MAX, F(ves_password_file), 0},
	{"ves", "reporting_entity", K_STR, 1, SRV_VES_NAME_MAX, F(ves_reporting_entity), 0},
};
#define NKEYS (sizeof(keys) / sizeof(keys[0]))

struct parse {
	struct srv_config *cfg;
	unsigned char seen[NKEYS];
	char *err;
	size_t err_cap;
	int failed;
	/* the line reader: inih's handler has no line number, the reader knows it */
	const char *pos, *end;
	int line;
};

/* fgets() over the text, counting lines for the messages. */
static char *reader(char *str, int num, void *stream)
{
	struct parse *p = stream;
	int n = 0;
	if (p->pos >= p->end || num < 2)
		return NULL;
	while (p->pos < p->end && n < num - 1) {
		char c = *p->pos++;
		str[n++] = c;
		if (c == '\n')
			break;
	}
	str[n] = '\0';
	p->line++;
	return str;
}

__attribute__((format(printf, 3, 4)))
static int fail(struct parse *p, int line, const char *fmt, ...)
{
	if (p->failed++)
		return 0;
	int n = snprintf(p->err, p->err_cap, "line %d: ", line);
	if (n >= 0 && (size_t)n < p->err_cap) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(p->err + n, p->err_cap - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return 0;
}

static int parse_uint(const char *v, unsigned min, unsigned max, unsigned *out)
{
	if (*v < '0' || *v > '9')
		return 0;
	errno = 0;
	char *end;
	unsigned long long x = strtoull(v, &end, 10);
	if (errno || *end != '\0' || x < min || x > max)
		return 0;
	*out = (unsigned)x;
	return 1;
}

enum mayday_err srv_config_parse_addr(const char *text, struct sockaddr_storage *ss,
				      socklen_t *len)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *port_text;
	size_t n;
	unsigned port;
	memset(ss, 0, sizeof(*ss));
	if (text[0] == '[') {
		const char *close = strchr(text, ']');
		if (close == NULL || close[1] != ':')
			return MAYDAY_E_INVALID;
		n = (size_t)(close - text - 1);
		if (n == 0 || n >= sizeof(host))
			return MAYDAY_E_INVALID;
		memcpy(host, text + 1, n);
		host[n] = '\0';
		port_text = close + 2;
		struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
		if (inet_pton(AF_INET6, host, &a6->sin6_addr) != 1)
			return MAYDAY_E_INVALID;
		a6->sin6_family = AF_INET6;
		*len = sizeof(*a6);
	} else {
		const char *colon = strchr(text, ':');
		if (colon == NULL || strchr(colon + 1, ':') != NULL)
			return MAYDAY_E_INVALID;
		n = (size_t)(colon - text);
		if (n == 0 || n >= sizeof(host))
			return MAYDAY_E_INVALID;
		memcpy(host, text, n);
		host[n] = '\0';
		port_text = colon + 1;
		struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
		if (inet_pton(AF_INET, host, &a4->sin_addr) != 1)
			return MAYDAY_E_INVALID;
		a4->sin_family = AF_INET;
		*len = sizeof(*a4);
	}
	if (!parse_uint(port_text, 0, 65535, &port))
		return MAYDAY_E_INVALID;
	if (ss->ss_family == AF_INET6)
		((struct sockaddr_in6 *)ss)->sin6_port = htons((uint16_t)port);
	else
		((struct sockaddr_in *)ss)->sin_port = htons((uint16_t)port);
	return MAYDAY_OK;
}

/* [silence] class.NAME = SECONDS: NAME as the store accepts a product
 * class (printable ASCII, no spaces, 1..MAYDAY_CLASS_MAX). */
static int silence_class(struct parse *p, int line, const char *name, const char *value)
{
	struct srv_config *cfg = p->cfg;
	const char *cls = name + strlen(SRV_SILENCE_CLASS_PREFIX);
	size_t n = strlen(cls);
	if (n == 0 || n > MAYDAY_CLASS_MAX)
		return fail(p, line, "[silence] %s: the product class must have 1..%d characters",
			    name, MAYDAY_CLASS_MAX);
	for (size_t i = 0; i < n; i++) {
		if (cls[i] <= ' ' || cls[i] > '~')
			return fail(p, line, "[silence] %s: not a product class", name);
	}
	for (unsigned i = 0; i < cfg->silence_n_classes; i++) {
		if (strcmp(cfg->silence_classes[i].product_class, cls) == 0)
			return fail(p, line, "[silence] %s given twice", name);
	}
	if (cfg->silence_n_classes >= SRV_SILENCE_CLASSES_MAX)
		return fail(p, line, "[silence] more than %u classes", SRV_SILENCE_CLASSES_MAX);
	unsigned v;
	if (!parse_uint(value, 0, SRV_SILENCE_MAX, &v))
		return fail(p, line, "[silence] %s: '%s' is not an integer in 0..%u", name, value,
			    SRV_SILENCE_MAX);
	memcpy(cfg->silence_classes[cfg->silence_n_classes].product_class, cls, n + 1);
	cfg->silence_classes[cfg->silence_n_classes++].interval = v;
	return 1;
}

/* [fleet] class.NAME = N/T [pause]: the fleet anomaly rule of a class
 * (srv_fleet.h); NAME as for [silence]. */
static int fleet_class(struct parse *p, int line, const char *name, const char *value)
{
	struct srv_config *cfg = p->cfg;
	const char *cls = name + strlen(SRV_SILENCE_CLASS_PREFIX);
	size_t n = strlen(cls);
	char num[16], win[16];
	const char *slash = strchr(value, '/'), *sp;
	if (n == 0 || n > MAYDAY_CLASS_MAX)
		return fail(p, line, "[fleet] %s: the product class must have 1..%d characters",
			    name, MAYDAY_CLASS_MAX);
	for (size_t i = 0; i < n; i++) {
		if (cls[i] <= ' ' || cls[i] > '~')
			return fail(p, line, "[fleet] %s: not a product class", name);
	}
	for (unsigned i = 0; i < cfg->fleet_n_classes; i++) {
		if (strcmp(cfg->fleet_classes[i].product_class, cls) == 0)
			return fail(p, line, "[fleet] %s given twice", name);
	}
	if (cfg->fleet_n_classes >= SRV_SILENCE_CLASSES_MAX)
		return fail(p, line, "[fleet] more than %u classes", SRV_SILENCE_CLASSES_MAX);
	sp = slash != NULL ? strchr(slash, ' ') : NULL;
	bool pause = sp != NULL && strcmp(sp, " pause") == 0;
	size_t ln = slash != NULL ? (size_t)(slash - value) : 0;
	size_t lw = slash != NULL ? (sp != NULL ? (size_t)(sp - slash - 1) : strlen(slash + 1)) : 0;
	unsigned d, w;
	if (slash == NULL || (sp != NULL && !pause) || ln == 0 || ln >= sizeof(num) || lw == 0 ||
	    lw >= sizeof(win))
		goto bad;
	memcpy(num, value, ln);
	num[ln] = '\0';
	memcpy(win, slash + 1, lw);
	win[lw] = '\0';
	if (!parse_uint(num, 1, SRV_FLEET_DEVICES_MAX, &d) || !parse_uint(win, 1, SRV_SILENCE_MAX, &w))
		goto bad;
	memcpy(cfg->fleet_classes[cfg->fleet_n_classes].product_class, cls, n + 1);
	cfg->fleet_classes[cfg->fleet_n_classes].devices = d;
	cfg->fleet_classes[cfg->fleet_n_classes].window = w;
	cfg->fleet_classes[cfg->fleet_n_classes++].pause = pause;
	return 1;
bad:
	return fail(p, line, "[fleet] %s: '%s' is not DEVICES/SECONDS [pause] "
		    "(1..%u devices, 1..%u s)", name, value, SRV_FLEET_DEVICES_MAX, SRV_SILENCE_MAX);
}

static int handler(void *user, const char *section, const char *name, const char *value)
{
	struct parse *p = user;
	int line = p->line;
	char *base = (char *)p->cfg;
	if (name == NULL)       /* a section header on its own */
		return 1;
	if (strcmp(section, "silence") == 0 &&
	    strncmp(name, SRV_SILENCE_CLASS_PREFIX, strlen(SRV_SILENCE_CLASS_PREFIX)) == 0)
		return silence_class(p, line, name, value);
	if (strcmp(section, "fleet") == 0 &&
	    strncmp(name, SRV_SILENCE_CLASS_PREFIX, strlen(SRV_SILENCE_CLASS_PREFIX)) == 0)
		return fleet_class(p, line, name, value);
	for (size_t i = 0; i < NKEYS; i++) {
		const struct key *k = &keys[i];
		if (strcmp(k->section, section) != 0 || strcmp(k->name, name) != 0)
			continue;
		if (p->seen[i]++)
			return fail(p, line, "[%s] %s given twice", section, name);
		switch (k->kind) {
		case K_STR: {
			size_t n = strlen(value);
			if (n < k->min || n > k->max)
				return fail(p, line, "[%s] %s: empty or longer than %u", section,
					    name, k->max);
			memcpy(base + k->off, value, n + 1);
			return 1;
		}
		case K_UINT:
			if (!parse_uint(value, k->min, k->max, (unsigned *)(base + k->off)))
				return fail(p, line, "[%s] %s: '%s' is not an integer in %u..%u",
					    section, name, value, k->min, k->max);
			return 1;
		case K_ADDR: {
			struct srv_addr *a = (struct srv_addr *)(base + k->off);
			memset(a, 0, sizeof(*a));
			if (strcmp(value, "none") == 0)
				return 1;
			if (strlen(value) > SRV_ADDR_TEXT_MAX ||
			    srv_config_parse_addr(value, &a->ss, &a->len) != MAYDAY_OK) {
				a->len = 0;
				return fail(p, line,
					    "[%s] %s: '%s' is not IPv4:port, [IPv6]:port or none",
					    section, name, value);
			}
			strcpy(a->text, value);
			return 1;
		}
		}
	}
	return fail(p, line, "unknown key '%s' in section [%s]", name, section);
}

void srv_config_defaults(struct srv_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->workers = 2;
	/* One loop per core: a TLS handshake is a core's work (srv_http.c). */
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	cfg->http_threads = cpus < 1 ? 1 : cpus > SRV_HTTP_THREADS_MAX ? SRV_HTTP_THREADS_MAX
								       : (unsigned)cpus;
	cfg->queue = 2048;
	cfg->batch = 256;
	strcpy(cfg->ack_batch, "on");
	strcpy(cfg->udp_listen.text, "127.0.0.1:7701");
	if (srv_config_parse_addr(cfg->udp_listen.text, &cfg->udp_listen.ss, &cfg->udp_listen.len))
		cfg->udp_listen.len = 0; /* cannot happen: the default is a literal */
	cfg->rcvbuf = 4u << 20;
	cfg->max_datagram = MAYDAY_INDICATION_MAX;
	cfg->unverified_per_source = 10;
	cfg->unverified_per_source_burst = 20;
	cfg->unverified_global = 200;
	cfg->unverified_global_burst = 400;
	cfg->sources = 4096;
	cfg->http_timeout = 10;
	cfg->http_connections = 1024;
	cfg->http_header_max = 8192;
	cfg->http_request_timeout_ms = 5000;
	cfg->tls_handshake_timeout_ms = 5000;
	cfg->http_connections_per_source = 256;
	cfg->bad_signature_burst = 5;
	cfg->bad_signature_rate = 1;
	cfg->bad_signature_probes = 10;
	cfg->ipsec_timeout_ms = 1000;
	cfg->ipsec_identity_ttl_ms = 1000;
	strcpy(cfg->acs_policy, "auto");
	cfg->acs_max_in_flight = 16;
	cfg->acs_download_window = 3600;
	cfg->acs_max_attempts = 3;
	cfg->acs_pause_after_failures = 5;
	cfg->acs_wait_s = 300;
	strcpy(cfg->admin_allow_non_loopback, "no");
	strcpy(cfg->api_socket, SRV_API_SOCKET_DEFAULT);
	strcpy(cfg->api_socket_role, "operator");
	cfg->api_bundle_max = 64u << 20;
	cfg->api_timeout = 60;
	cfg->api_connections = 32;
	cfg->silence_default = SRV_SILENCE_DEFAULT;
	strcpy(cfg->events_syslog, "no");
	cfg->events_retry_min_ms = 500;
	cfg->events_retry_max_ms = 60000;
	cfg->ves_batch = 1;
}

/* 127.0.0.0/8, ::1, or an IPv4-mapped 127.0.0.0/8. */
static int is_loopback(const struct srv_addr *a)
{
	if (a->ss.ss_family == AF_INET) {
		const struct sockaddr_in *a4 = (const struct sockaddr_in *)&a->ss;
		return (ntohl(a4->sin_addr.s_addr) >> 24) == 127;
	}
	const struct sockaddr_in6 *a6 = (const struct sockaddr_in6 *)&a->ss;
	if (IN6_IS_ADDR_V4MAPPED(&a6->sin6_addr))
		return a6->sin6_addr.s6_addr[12] == 127;
	return IN6_IS_ADDR_LOOPBACK(&a6->sin6_addr);
}

/* [events]: webhooks are plain http:// (TLS to a webhook is not done yet)
 * and signed, so they need the key; the backoff's bounds in order. */
static const char *events_check(const struct srv_config *cfg)
{
	int any = 0;
	for (unsigned i = 0; i < SRV_EVENTS_WEBHOOKS_MAX; i++) {
		const char *u = cfg->events_webhook[i];
		if (!u[0])
			continue;
		any = 1;
		if (strncmp(u, "http://", 7) != 0 || u[7] == '\0' || u[7] == '/')
			return "[events] webhook_N must be http://HOST[:PORT][/PATH] "
			       "(https:// is not supported yet)";
	}
	if (any && !cfg->events_secret_file[0])
		return "[events] a webhook needs secret_file (the HMAC-SHA256 key)";
	if (strcmp(cfg->events_syslog, "yes") != 0 && strcmp(cfg->events_syslog, "no") != 0)
		return "[events] syslog must be yes or no";
	if (cfg->events_retry_min_ms > cfg->events_retry_max_ms)
		return "[events] retry_min_ms is above retry_max_ms";
	return NULL;
}

/* [ves]: the collector is plain http:// like the webhooks, at the VES
 * resource (the batch one is derived from it); a user name only with its
 * password. */
static const char *ves_check(const struct srv_config *cfg)
{
	static const char res[] = "/eventListener/v7";
	const char *u = cfg->ves_collector;
	size_t n = strlen(u), r = sizeof(res) - 1;
	if (u[0] && (strncmp(u, "http://", 7) != 0 || u[7] == '\0' || u[7] == '/' ||
		     strchr(u, '?') != NULL || strchr(u, '#') != NULL || n < 7 + r + 1 ||
		     strcmp(u + n - r, res) != 0))
		return "[ves] collector must be http://HOST[:PORT][/PREFIX]/eventListener/v7 "
		       "(https:// is not supported yet)";
	if (!u[0] && (cfg->ves_username[0] || cfg->ves_password_file[0]))
		return "[ves] username and password_file need a collector";
	if (!cfg->ves_username[0] != !cfg->ves_password_file[0])
		return "[ves] username and password_file go together";
	if (strchr(cfg->ves_username, ':') != NULL)
		return "[ves] username cannot contain ':' (HTTP Basic authentication)";
	return NULL;
}

/* [api]: the socket an absolute path; the management listener in clear
 * only on loopback, where no one on the way can read a token; TLS files
 * only with a listener to use them, and both or neither. */
static const char *api_check(const struct srv_config *cfg)
{
	if (cfg->api_socket[0] && cfg->api_socket[0] != '/')
		return "[api] socket must be an absolute path or off";
	if (strcmp(cfg->api_socket_role, "viewer") != 0 &&
	    strcmp(cfg->api_socket_role, "operator") != 0 &&
	    strcmp(cfg->api_socket_role, "admin") != 0)
		return "[api] socket_role must be viewer, operator or admin";
	if (!cfg->api_tls_cert[0] != !cfg->api_tls_key[0])
		return "[api] tls_cert and tls_key go together";
	if ((cfg->api_tls_cert[0] || cfg->api_client_ca[0]) && !cfg->api_listen.len)
		return "[api] tls_cert, tls_key and client_ca need listen";
	if (cfg->api_client_ca[0] && !cfg->api_tls_cert[0])
		return "[api] client_ca needs tls_cert and tls_key (client certificates need TLS)";
	if (cfg->api_listen.len && !is_loopback(&cfg->api_listen) && !cfg->api_tls_cert[0])
		return "[api] listen is not a loopback address (127.0.0.0/8, ::1): "
		       "it needs TLS (tls_cert and tls_key)";
	return NULL;
}

/* What a listener needs beyond its address, checked once the file is read. */
static const char *listeners_incomplete(const struct srv_config *cfg)
{
	if (cfg->log[0] && strcmp(cfg->log, "stderr") != 0 && strcmp(cfg->log, "syslog") != 0 &&
	    cfg->log[0] != '/')
		return "[server] log must be stderr, syslog or an absolute path";
	if (cfg->https_listen.len &&
	    (!cfg->https_cert[0] || !cfg->https_key[0] || !cfg->https_ca[0]))
		return "[https] listen needs cert, key and ca";
	if (cfg->psk_listen.len && !cfg->psk_kek[0])
		return "[psk] listen needs [server] psk_kek (the PSKs are sealed under it)";
	if (cfg->ipsec_listen.len && !cfg->ipsec_vici[0])
		return "[ipsec] listen needs vici";
	if (cfg->ipsec_vici[0] && cfg->ipsec_vici[0] != '/')
		return "[ipsec] vici must be an absolute path";
	if (strcmp(cfg->acs_policy, "auto") != 0 && strcmp(cfg->acs_policy, "approve") != 0)
		return "[acs] policy must be auto or approve";
	if (cfg->acs_url[0] && (strncmp(cfg->acs_url, "https://", 8) != 0 ||
				strchr(cfg->acs_url + 8, '/') == NULL ||
				strcmp(strchr(cfg->acs_url + 8, '/'), "/cwmp") != 0))
		return "[acs] url must be https://HOST:PORT/cwmp";
	if (cfg->acs_url[0] && (!cfg->https_listen.len || !cfg->acs_bundle_dir[0]))
		return "[acs] url needs an [https] listener and [acs] bundle_dir";
	if (strcmp(cfg->ack_batch, "on") != 0 && strcmp(cfg->ack_batch, "off") != 0)
		return "[ack] batch must be on or off";
	if (strcmp(cfg->admin_allow_non_loopback, "yes") != 0 &&
	    strcmp(cfg->admin_allow_non_loopback, "no") != 0)
		return "[admin] allow_non_loopback must be yes or no";
	/* The metrics tell anyone who can connect how the service is doing:
	 * beyond this host only when the operator says so. */
	if (cfg->admin_listen.len && !is_loopback(&cfg->admin_listen) &&
	    strcmp(cfg->admin_allow_non_loopback, "yes") != 0)
		return "[admin] listen is not a loopback address (127.0.0.0/8, ::1); "
		       "set allow_non_loopback = yes to mean it";
	const char *api_why = api_check(cfg);
	if (api_why != NULL)
		return api_why;
	const char *events_why = events_check(cfg);
	if (events_why == NULL)
		events_why = ves_check(cfg);
	if (events_why != NULL)
		return events_why;
	if (!cfg->udp_listen.len && !cfg->http_listen.len && !cfg->https_listen.len &&
	    !cfg->psk_listen.len && !cfg->ipsec_listen.len)
		return "no listener: every listen is none";
	return NULL;
}

enum mayday_err srv_config_parse(const char *text, size_t len, struct srv_config *cfg, char *err,
				 size_t err_cap)
{
	struct parse p = {.cfg = cfg, .err = err, .err_cap = err_cap};
	int line = 1;
	size_t col = 0;
	srv_config_defaults(cfg);
	if (err_cap)
		err[0] = '\0';
	for (size_t i = 0; i < len; i++) {
		if (text[i] == '\0') {
			fail(&p, line, "NUL byte");
			return MAYDAY_E_INVALID;
		}
		if (text[i] == '\n') {
			line++;
			col = 0;
		} else if (++col > SRV_CONFIG_LINE_MAX) {
			fail(&p, line, "line longer than %d characters", SRV_CONFIG_LINE_MAX);
			return MAYDAY_E_INVALID;
		}
	}
	p.pos = text;
	p.end = text + len;
	int rc = ini_parse_stream(reader, &p, handler, &p);
	if (rc != 0 && !p.failed)
		fail(&p, rc, "syntax error");
	if (p.failed)
		return MAYDAY_E_INVALID;
	for (size_t i = 0; i < NKEYS; i++) {
		if (keys[i].required && !p.seen[i]) {
			snprintf(err, err_cap, "missing [%s] %s", keys[i].section, keys[i].name);
			return MAYDAY_E_INVALID;
		}
	}
	for (size_t i = 0; i < NKEYS; i++) {
		if (strcmp(keys[i].section, "api") == 0 && strcmp(keys[i].name, "socket") == 0)
			cfg->api_socket_given = p.seen[i] != 0;
	}
	if (strcmp(cfg->api_socket, "off") == 0 || strcmp(cfg->api_socket, "none") == 0)
		cfg->api_socket[0] = '\0';
	if (cfg->batch > cfg->queue / 2) {
		snprintf(err, err_cap, "[server] batch must be at most half of queue");
		return MAYDAY_E_INVALID;
	}
	const char *why = listeners_incomplete(cfg);
	if (why != NULL) {
		snprintf(err, err_cap, "%s", why);
		return MAYDAY_E_INVALID;
	}
	return MAYDAY_OK;
}

enum mayday_err srv_config_load(const char *path, struct srv_config *cfg, char *err,
				size_t err_cap)
{
	enum mayday_err rc = MAYDAY_OK;
	char *buf = malloc(SRV_CONFIG_MAX + 2);
	size_t len = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (buf == NULL) {
		rc = MAYDAY_E_NOMEM;
		snprintf(err, err_cap, "out of memory");
		goto out;
	}
	if (fd < 0) {
		rc = MAYDAY_E_IO;
		snprintf(err, err_cap, "%s: %s", path, strerror(errno));
		goto out;
	}
	for (;;) {
		ssize_t n = read(fd, buf + len, SRV_CONFIG_MAX + 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = MAYDAY_E_IO;
			snprintf(err, err_cap, "%s: %s", path, strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > SRV_CONFIG_MAX) {
			rc = MAYDAY_E_TOOBIG;
			snprintf(err, err_cap, "%s: larger than %d bytes", path, SRV_CONFIG_MAX);
			goto out;
		}
	}
	buf[len] = '\0';
	rc = srv_config_parse(buf, len, cfg, err, err_cap);
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	return rc;
}

/*
 * dcf.conf parsing: libinih does the INI syntax, this file the strictness.
 *
 * inih calls one handler per key=value; the handler matches the key against
 * a table of (section, key, parser) rows and remembers which rows were seen,
 * so duplicates (including inih's multi-line continuations, which arrive as a
 * repeated key) and missing required keys are caught. inih's fixed line
 * buffer would silently split an over-long line into two, so line lengths
 * and NUL bytes are checked before inih sees the text. The first rejection
 * is kept; inih keeps going but nothing after it is used.
 */
#include "dcf_config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hal/flash.h"
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
	unsigned seen;          /* bit i: key_rows[i] was set */
	int failed;
};

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
		if (cfg->n_methods == DCF_METHODS_MAX)
			return "too many methods";
		char name[DCF_METHOD_NAME_MAX + 1];
		memcpy(name, p, n);
		name[n] = '\0';
		if (!dcf_tx_find(name))
			return "unknown method";
		for (unsigned i = 0; i < cfg->n_methods; i++)
			if (strcmp(cfg->methods[i], name) == 0)
				return "method listed twice";
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

/* "A.B.C.D:PORT" or "[IPv6]:PORT", numeric only: the DCF does no name lookups. */
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

static const char *v_udp(struct parse_ctx *ctx, const char *value)
{
	return parse_endpoint(value, &ctx->cfg->udp) ? NULL
		: "not a numeric ADDRESS:PORT (port 1..65535)";
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
	return parse_u32(value, DCF_DEADLINE_MS_MIN, DCF_DEADLINE_MS_MAX, &ctx->cfg->deadline_ms)
		? NULL : "not a number in 10..86400000";
}

static const struct key_row key_rows[] = {
	{ "dcf", "version", 1, v_version },
	{ "dcf", "product_class", 1, v_class },
	{ "dcf", "max_image_size", 1, v_max_image },
	{ "hems", "methods", 1, v_methods },
	{ "hems", "udp", 0, v_udp },
	{ "retry", "initial_ms", 0, v_initial },
	{ "retry", "max_ms", 0, v_max },
	{ "retry", "attempt_timeout_ms", 0, v_attempt },
	{ "retry", "deadline_ms", 0, v_deadline },
};
_Static_assert(sizeof(key_rows) / sizeof(key_rows[0]) <= 32, "seen is a 32-bit mask");

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
		if (ctx->seen & (1u << i))
			return fail(ctx, section, key, "duplicate key");
		ctx->seen |= 1u << i;
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
		if (key_rows[i].required && !(ctx->seen & (1u << i)))
			return fail(ctx, key_rows[i].section, key_rows[i].key,
				    "required key missing");
	if (cfg->max_ms < cfg->initial_ms)
		return fail(ctx, "retry", "max_ms", "must not be below initial_ms");
	for (unsigned i = 0; i < cfg->n_methods; i++) {
		const struct dcf_tx_ops *ops = dcf_tx_find(cfg->methods[i]);
		if (!ops->configured(cfg))
			return fail(ctx, "hems", cfg->methods[i], "method has no endpoint configured");
	}
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

enum mayday_err dcf_config_parse(const char *text, size_t len, struct dcf_config *cfg,
				 struct dcf_config_error *err)
{
	struct parse_ctx ctx = { .cfg = cfg, .err = err };
	char *copy = NULL;
	enum mayday_err rc = MAYDAY_E_INVALID;

	memset(cfg, 0, sizeof(*cfg));
	cfg->initial_ms = 200;
	cfg->max_ms = 5000;
	cfg->attempt_timeout_ms = 500;
	cfg->deadline_ms = 30000;
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
